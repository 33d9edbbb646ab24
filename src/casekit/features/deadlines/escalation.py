"""The `escalation:` config section: who takes escalated cases (`to_role`) and which
cases are major complaints (重大投诉) by default (`major_kinds`, `major_channels`: a media
complaint, 媒体投诉). What a case's history says about escalation is in `facts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casekit.core.config import Config, Finding, once_per_config
from casekit.i18n import _

SECTION = "escalation"


@dataclass(frozen=True)
class EscalationSettings:
    to_role: str = "supervisor"
    major_kinds: tuple[str, ...] = ("complaint",)
    major_channels: tuple[str, ...] = ("media",)


def _names(value: Any, key: str, known: Sequence[str], what: str, findings: list[Finding]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        findings.append(([key], _("must be a list of {what}s").format(what=what)))
        return ()
    for index, name in enumerate(value):
        if known and name not in known:
            findings.append(
                (
                    [key, index],
                    _("{name!r} is not a {what}; use one of {known}").format(
                        name=name, what=what, known=", ".join(known)
                    ),
                )
            )
    return tuple(value)


def parse_escalation(section: Any, config: Config) -> tuple[EscalationSettings, list[Finding]]:
    findings: list[Finding] = []
    if section is None:
        return EscalationSettings(), findings
    if not isinstance(section, Mapping):
        return EscalationSettings(), [([], _("must be a mapping with to_role, major_kinds, major_channels"))]
    defaults = EscalationSettings()
    for key in section:
        if key not in ("to_role", "major_kinds", "major_channels"):
            findings.append(([key], _("unknown setting; use to_role, major_kinds or major_channels")))
    role = section.get("to_role", defaults.to_role)
    if not isinstance(role, str) or not role:
        findings.append((["to_role"], _("to_role must be a role name such as supervisor")))
        role = defaults.to_role
    elif config.people and not any(p.has_role(role) for p in config.people.values()):
        findings.append((["to_role"], _("nobody in people has the role {role!r}").format(role=role)))
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


@once_per_config
def escalation_settings(config: Config) -> EscalationSettings:
    """The `escalation:` settings of a loaded config (parsed once per config)."""
    return parse_escalation(config.section(SECTION), config)[0]
