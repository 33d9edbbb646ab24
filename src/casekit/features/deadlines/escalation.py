"""The `escalation:` config section and what a case's history says about escalation.

A case is escalated once an `escalate` entry is in its history; it is a major complaint
(重大投诉) when an escalation flagged it so, or when its kind and channel make it major by
default (a media complaint, 媒体投诉).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casekit.core.casefile import history_of
from casekit.core.config import Config

SECTION = "escalation"
Finding = tuple[Sequence[str | int], str]


@dataclass(frozen=True)
class EscalationSettings:
    to_role: str = "supervisor"
    major_kinds: tuple[str, ...] = ("complaint",)
    major_channels: tuple[str, ...] = ("media",)


def _names(value: Any, key: str, known: Sequence[str], what: str, findings: list[Finding]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        findings.append(([key], f"must be a list of {what}s"))
        return ()
    for index, name in enumerate(value):
        if known and name not in known:
            findings.append(([key, index], f"{name!r} is not a {what}; use one of {', '.join(known)}"))
    return tuple(value)


def parse_escalation(section: Any, config: Config) -> tuple[EscalationSettings, list[Finding]]:
    findings: list[Finding] = []
    if section is None:
        return EscalationSettings(), findings
    if not isinstance(section, Mapping):
        return EscalationSettings(), [([], "must be a mapping with to_role, major_kinds, major_channels")]
    defaults = EscalationSettings()
    for key in section:
        if key not in ("to_role", "major_kinds", "major_channels"):
            findings.append(([key], "unknown setting; use to_role, major_kinds or major_channels"))
    role = section.get("to_role", defaults.to_role)
    if not isinstance(role, str) or not role:
        findings.append((["to_role"], "to_role must be a role name such as supervisor"))
        role = defaults.to_role
    elif config.people and not any(p.has_role(role) for p in config.people.values()):
        findings.append((["to_role"], f"nobody in people has the role {role!r}"))
    kinds = defaults.major_kinds
    if "major_kinds" in section:
        kinds = _names(section["major_kinds"], "major_kinds", list(config.kinds), "kind", findings)
    channels = defaults.major_channels
    if "major_channels" in section:
        channels = _names(
            section["major_channels"], "major_channels", list(config.channels), "channel", findings
        )
    return EscalationSettings(role, kinds, channels), findings


def check_escalation(section: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `escalation:`."""
    return parse_escalation(section, config)[1]


def escalation_settings(config: Config) -> EscalationSettings:
    return parse_escalation(config.section(SECTION), config)[0]


def escalations(case: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [e for e in history_of(case) if e.get("action") == "escalate"]


def is_escalated(case: Mapping[str, Any]) -> bool:
    return bool(escalations(case))


def major_by_default(case: Mapping[str, Any], settings: EscalationSettings) -> bool:
    return case.get("kind") in settings.major_kinds and case.get("channel") in settings.major_channels


def is_major(case: Mapping[str, Any], config: Config) -> bool:
    """Flagged major by an escalation, or major by default (a media complaint)."""
    if any(e.get("major") is True for e in escalations(case)):
        return True
    return major_by_default(case, escalation_settings(config))
