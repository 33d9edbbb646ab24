"""What a case's history says of its promises, escalations and deadlines, for reports and
reply scripts: the `promise` and `escalate` entries casekit writes, whether a promise was
kept, whether a case is major, each clock with when it was met."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.config import KindSpec
from casekit.core.timeline import (
    NON_CONTACT_ACTIONS,
    _first_time,
    _last_action_time,
    _text,
    closed_at,
    entered,
    first_response_at,
    parse_time,
    resolved_at,
    timed_history,
)

# Keys under which a promise entry, an escalation entry or a deadline may keep its time.
_PROMISE_TIME_KEYS = ("promised_reply_at", "reply_by", "until", "due", "promise", "deadline", "time")
_ESCALATION_TARGET_KEYS = ("to_person", "supervisor", "escalated_to", "assignee", "to")
_DUE_KEYS = ("due", "at", "deadline", "until")
_DONE_KEYS = ("met", "met_at", "done_at", "completed_at", "satisfied_at", "answered_at", "resolved_at")


@dataclass(frozen=True)
class Promise:
    """A reply-by time agreed with the customer (the honest-promise rule)."""

    made_at: datetime
    due: datetime
    by: str | None
    note: str | None
    kept_at: datetime | None  # the first contact after it was made, if any


def promises(case: Mapping[str, Any]) -> list[Promise]:
    """Every promise recorded: `promise` history entries, else a top-level promised_reply_at."""
    timeline = timed_history(case)
    found = []
    for index, (moment, entry) in enumerate(timeline):
        if entry.get("action") != "promise":
            continue
        due = _first_time(entry, _PROMISE_TIME_KEYS)
        if due is None:
            continue
        kept = next(
            (t for t, later in timeline[index + 1 :] if later.get("action") not in NON_CONTACT_ACTIONS),
            None,
        )
        found.append(Promise(moment, due, _text(entry.get("by")), _text(entry.get("note")), kept))
    if not found:
        due = parse_time(case.get("promised_reply_at"))
        if due is not None:
            found.append(Promise(due, due, None, None, None))
    return found


def promise_kept(promise: Promise) -> bool:
    return promise.kept_at is not None and promise.kept_at <= promise.due


def active_promise(case: Mapping[str, Any]) -> Promise | None:
    """The latest promise, if no state move came after it (a move answers it)."""
    found = promises(case)
    if not found:
        return None
    latest = found[-1]
    last_move = _last_action_time(case, {"move"})
    if last_move is not None and last_move > latest.made_at:
        return None
    return latest


@dataclass(frozen=True)
class Escalation:
    at: datetime
    by: str | None
    to: str | None
    note: str | None
    major: bool


def escalations(case: Mapping[str, Any]) -> list[Escalation]:
    found = []
    for moment, entry in timed_history(case):
        if entry.get("action") != "escalate":
            continue
        target = next((entry[k] for k in _ESCALATION_TARGET_KEYS if isinstance(entry.get(k), str)), None)
        found.append(
            Escalation(
                moment, _text(entry.get("by")), target, _text(entry.get("note")), entry.get("major") is True
            )
        )
    return found


def active_escalation(case: Mapping[str, Any]) -> Escalation | None:
    """The latest escalation, if no state move came after it."""
    found = escalations(case)
    if not found:
        return None
    latest = found[-1]
    last_move = _last_action_time(case, {"move"})
    if last_move is not None and last_move > latest.at:
        return None
    return latest


@dataclass(frozen=True)
class MajorRule:
    """Which cases are major by default (the `escalation:` section's major_kinds and
    major_channels when the config has them): a media complaint (媒体投诉)."""

    kinds: tuple[str, ...] = ("complaint",)
    channels: tuple[str, ...] = ("media",)

    @classmethod
    def from_config(cls, config: Any) -> MajorRule:
        section = config.section("escalation") if hasattr(config, "section") else None
        if not isinstance(section, Mapping):
            return cls()
        default = cls()

        def names(key: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
            value = section.get(key)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return tuple(str(v) for v in value)
            return fallback

        return cls(names("major_kinds", default.kinds), names("major_channels", default.channels))


def is_major(case: Mapping[str, Any], rule: MajorRule = MajorRule()) -> bool:
    """A major complaint (重大投诉): flagged on the case or by an escalation, or major by
    default (its kind and channel, e.g. a media complaint)."""
    if case.get("major") is True or fields_of(case).get("major") is True:
        return True
    flags = case.get("flags")
    if isinstance(flags, list) and "major" in flags:
        return True
    escalation = case.get("escalation")
    if isinstance(escalation, Mapping) and escalation.get("major") is True:
        return True
    if any(e.major for e in escalations(case)):
        return True
    return case.get("kind") in rule.kinds and case.get("channel") in rule.channels


PROMISE_NAMES = frozenset({"promise", "promised_reply", "promised_reply_at"})


@dataclass(frozen=True)
class Deadline:
    name: str
    due: datetime
    done: datetime | None  # when it was met or answered (None: not yet)


def deadlines(
    case: Mapping[str, Any], kind: KindSpec | None, promised: list[Promise] | None = None
) -> list[Deadline]:
    """The case's `deadlines:` (name -> time, or name -> mapping with `due`, `met` and the
    earlier intervals it `missed`), each with when it was satisfied: the recorded time, else
    first response / resolution read from the history. Promises are read from the history
    (`promise` entries), each kept by the next contact; `promised`: the case's `promises`,
    when the caller has them already."""
    raw = case.get("deadlines")
    found: list[Deadline] = []
    if isinstance(raw, Mapping):
        for name, value in raw.items():
            name = str(name)
            if name in PROMISE_NAMES:
                continue
            due: datetime | None
            done: datetime | None = None
            if isinstance(value, Mapping):
                due = _first_time(value, _DUE_KEYS)
                done = _first_time(value, _DONE_KEYS)
                missed = value.get("missed")
                for earlier in missed if isinstance(missed, list) else []:
                    if isinstance(earlier, Mapping) and (when := _first_time(earlier, _DUE_KEYS)):
                        found.append(Deadline(name, when, _first_time(earlier, _DONE_KEYS)))
            else:
                due = parse_time(value)
            if due is None:
                continue
            if done is None and not (isinstance(value, Mapping) and "start" in value):
                # written by hand or by an older tool: read when it was met from the history
                done = _done_by_history(case, kind, name)
            found.append(Deadline(name, due, done))
    for promise in promises(case) if promised is None else promised:
        found.append(Deadline("promise", promise.due, promise.kept_at))
    return found


def _done_by_history(case: Mapping[str, Any], kind: KindSpec | None, name: str) -> datetime | None:
    lowered = name.lower()
    if "first" in lowered or "response" in lowered or "reply" in lowered:
        return first_response_at(case)
    if "update" in lowered:
        return None
    if case.get("kind") == "callback" and kind is not None:
        return closed_at(case, kind) or entered(case, [s for s in kind.states if kind.is_terminal(s)])
    return resolved_at(case, kind)
