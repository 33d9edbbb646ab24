"""What a case says of its promises, escalations and deadlines, read in the shapes casekit
writes them: `promise` history entries (`reply_by`), `escalate` entries (`escalated_to`,
`major`), and the `promised_reply` clock the deadlines feature keeps in `deadlines:`.
Reports and reply scripts read these (stored deadlines themselves are judged by
`casekit.core.due`); whether a promise was kept is the deadlines feature's judgement (its
`promised_reply` clock), not worked out again here. A case is major (重大投诉) when an
escalation flagged it so, or by default by the `escalation:` settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casekit.core.config import Config
from casekit.core.due import PROMISE_CLOCK, deadlines_of
from casekit.core.timeline import timed_history
from casekit.core.timeutil import stored_instant
from casekit.features.deadlines.escalation import EscalationSettings, escalation_settings


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _last_move(case: Mapping[str, Any]) -> datetime | None:
    found = None
    for moment, entry in timed_history(case):
        if entry.get("action") == "move":
            found = moment
    return found


@dataclass(frozen=True)
class Promise:
    """A reply-by time agreed with the customer (`casekit promise`)."""

    made_at: datetime
    due: datetime
    by: str | None
    note: str | None


def promises(case: Mapping[str, Any]) -> list[Promise]:
    """Every promise recorded, oldest first."""
    found = []
    for moment, entry in timed_history(case):
        if entry.get("action") != "promise":
            continue
        due = stored_instant(entry.get("reply_by"))
        if due is not None:
            found.append(Promise(moment, due, _text(entry.get("by")), _text(entry.get("note"))))
    return found


def active_promise(case: Mapping[str, Any]) -> Promise | None:
    """The latest promise while it is still to keep: its clock (`promised_reply`) is not met."""
    found = promises(case)
    if not found:
        return None
    clock = deadlines_of(case).get(PROMISE_CLOCK)
    if clock is not None and stored_instant(clock.get("met")) is not None:
        return None
    return found[-1]


@dataclass(frozen=True)
class Escalation:
    """A hand-over to a supervisor (`casekit escalate`)."""

    at: datetime
    by: str | None
    to: str | None
    note: str | None
    major: bool


def escalations(case: Mapping[str, Any]) -> list[Escalation]:
    """Every escalation recorded, oldest first."""
    return [
        Escalation(
            moment,
            _text(entry.get("by")),
            _text(entry.get("escalated_to")),
            _text(entry.get("note")),
            entry.get("major") is True,
        )
        for moment, entry in timed_history(case)
        if entry.get("action") == "escalate"
    ]


def active_escalation(case: Mapping[str, Any]) -> Escalation | None:
    """The latest escalation, if no state move came after it."""
    found = escalations(case)
    if not found:
        return None
    latest = found[-1]
    last_move = _last_move(case)
    if last_move is not None and last_move > latest.at:
        return None
    return latest


def is_escalated(case: Mapping[str, Any]) -> bool:
    return bool(escalations(case))


def major_by_default(case: Mapping[str, Any], settings: EscalationSettings) -> bool:
    return case.get("kind") in settings.major_kinds and case.get("channel") in settings.major_channels


def is_major(case: Mapping[str, Any], config: Config) -> bool:
    """A major complaint (重大投诉): flagged so by an escalation, or major by default (its
    kind and channel, e.g. a media complaint)."""
    if any(e.major for e in escalations(case)):
        return True
    return major_by_default(case, escalation_settings(config))
