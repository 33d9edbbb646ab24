"""Deadlines, promises, escalation and supervisor approval: registration into the core.

`register()` runs before any registry is read (`casekit.core.registry.FEATURE_MODULES`). Adds:
- config sections `calendar`, `deadlines`, `promises`, `escalation`, `approvals`;
- case keys `escalation` and `deadlines`, history actions `promise` and `escalate` (which
  hands the case on, `timeline.ASSIGNING`);
- the deriver that keeps `deadlines:` current, a follow-up warning about deadlines past
  the known holiday calendar, the approval rule for `approvals:`, case checks for the new
  keys, and replayers so `casekit init --example` can replay promises and escalations.
"""

from __future__ import annotations

from collections.abc import Mapping

from casekit.core import casefile, config, effects, timeline, validation, workflow
from casekit.core.config import Config, Finding
from casekit.core.due import check_entries
from casekit.core.fields import check_timestamp
from casekit.core.timeutil import stored_instant
from casekit.core.validation import CaseDoc
from casekit.features.deadlines.approvals import config_approvals
from casekit.features.deadlines.facts import escalations
from casekit.features.deadlines.service import (
    calendar_warnings,
    derive_deadlines,
    escalate_effect,
    replay_escalate,
    replay_promise,
)
from casekit.features.deadlines.settings import clocks_for
from casekit.i18n import _
from casekit.service import actions
from casekit.service import init as bootstrap

PROMISE, ESCALATE = "promise", "escalate"  # the history actions of `casekit promise`/`escalate`
ESCALATED_TO = "escalated_to"  # the value of an escalation that names whom it assigns
HISTORY = "history"  # the top-level keys go before it
DERIVED_KEY = "deadlines"
CONFIG_SECTIONS = {
    "calendar": "casekit.features.deadlines.calendar:check_calendar",
    "deadlines": "casekit.features.deadlines.settings:check_deadlines",
    "promises": "casekit.features.deadlines.settings:check_promises",
    "escalation": "casekit.features.deadlines.escalation:check_escalation",
    "approvals": "casekit.features.deadlines.approvals:check_approvals",
}


def check_deadline_key(doc: CaseDoc, config: Config) -> list[Finding]:
    """The `deadlines:` key has the shape casekit writes (its values are recomputed on write)."""
    return [(path, message) for path, message in check_entries(doc.data.get("deadlines"))]


def check_escalation_key(doc: CaseDoc, config: Config) -> list[Finding]:
    """`escalation:` is a mapping that agrees with the last `escalate` history entry."""
    value = doc.data.get("escalation")
    last = escalations(doc.data)
    if value is None:
        return (
            [(["escalation"], _("the history has an escalation but the case has no escalation key"))]
            if last
            else []
        )
    if not isinstance(value, Mapping):
        return [(["escalation"], _("escalation must be a mapping with to, at, by"))]
    findings: list[Finding] = []
    for key in value:
        if key not in ("to", "at", "by", "major"):
            findings.append(
                (
                    ["escalation", key],
                    _("unknown key {key!r} in escalation; keys are to, at, by, major").format(key=key),
                )
            )
    if "at" in value and (problem := check_timestamp(value["at"])):
        findings.append((["escalation", "at"], _("escalation at: {problem}").format(problem=problem)))
    if not last:
        findings.append((["escalation"], _("escalation is set but the history has no escalate entry")))
        return findings
    entry = last[-1]
    if value.get("to") != entry.to or stored_instant(value.get("at")) != entry.at:
        findings.append(
            (
                ["escalation"],
                _("escalation disagrees with the last escalate entry in the history (to and at)"),
            )
        )
    return findings


def check_met_at_fields(doc: CaseDoc, config: Config) -> list[Finding]:
    """A time that meets a clock (`met_at_field`: the merchant's reply) lies between the
    case's opening and the history entry that recorded it: nothing is recorded before it
    happens, whether by `casekit merchant-reply`, `update --set` or a hand edit."""
    kind = config.kinds.get(str(doc.data.get("kind")))
    fields = doc.data.get("fields")
    if kind is None or not isinstance(fields, Mapping):
        return []
    findings: list[Finding] = []
    for spec in clocks_for(config, kind.name):
        name = spec.met_at_field
        value = stored_instant(fields.get(name)) if name is not None else None
        if name is None or value is None:
            continue
        opened = timeline.opened_at(doc.data)
        if opened is not None and value < opened:
            findings.append(
                (
                    ["fields", name],
                    _("{name} {day} is before the case was opened ({opened})").format(
                        name=name, day=value.isoformat(), opened=opened.isoformat()
                    ),
                )
            )
        recorded = [
            moment
            for entry in casefile.history_of(doc.data)
            if isinstance(entry.get("set"), Mapping) and name in entry["set"]
            if (moment := timeline.entry_time(entry)) is not None
        ]
        if recorded and value > recorded[-1]:
            findings.append(
                (
                    ["fields", name],
                    _(
                        "{name} {day} is later than the entry that recorded it ({recorded}); record "
                        "it once it has happened"
                    ).format(name=name, day=value.isoformat(), recorded=recorded[-1].isoformat()),
                )
            )
    return findings


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    for key in ("escalation", DERIVED_KEY):
        casefile.TOP_LEVEL_KEYS.add(key, before=HISTORY)
    for action in (PROMISE, ESCALATE):
        casefile.HISTORY_ACTIONS.add(action)
    effects.EFFECTS.add(PROMISE, effects.no_effect)
    effects.EFFECTS.add(ESCALATE, escalate_effect)
    timeline.ASSIGNING.add(ESCALATE, ESCALATED_TO)
    for section, check in CONFIG_SECTIONS.items():
        config.SECTION_CHECKS.add(section, check)
    effects.DERIVERS.add(derive_deadlines)
    effects.DERIVED_KEYS.add(DERIVED_KEY)
    actions.NOTICES.add(calendar_warnings)
    workflow.APPROVAL_RULES.add(config_approvals)
    validation.CASE_CHECKS.add(check_deadline_key)
    validation.CASE_CHECKS.add(check_escalation_key)
    validation.CASE_CHECKS.add(check_met_at_fields)
    bootstrap.REPLAYERS.add(PROMISE, replay_promise)
    bootstrap.REPLAYERS.add(ESCALATE, replay_escalate)
