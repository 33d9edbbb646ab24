"""What a case's history says, pure: when it was opened, entered a state, was first
answered and resolved, and the case as it stood at a moment (a report for last week reads
Sunday 23:59 from the history, not today's file).

The readers are defensive: an entry without a readable time is passed over, and nothing
here raises on odd data. What the features record (promises, escalations, call attempts)
is read by their own `facts` modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from casekit.core.casefile import customer_of, fields_of, history_of
from casekit.core.config import KindSpec
from casekit.core.registry import KeyedRegistry
from casekit.core.timeutil import stored_instant

# Set by `shared_timelines`: id(case) -> (case, its timed history).
_TIMELINES: dict[int, tuple[Mapping[str, Any], list[tuple[datetime, Mapping[str, Any]]]]] | None = None


# Keys the core settable changes use in a history entry's `set` record.
_CORE_KEYS = ("title", "priority", "channel")
_CUSTOMER_PREFIX = "customer."

# States (besides terminal ones) that mean "the customer's problem is solved".
RESOLVING_STATES = frozenset({"resolved", "refunded", "reshipped"})


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    return stored_instant(entry.get("at"))


@contextmanager
def shared_timelines() -> Iterator[None]:
    """Within this block `timed_history` reads each case once: a report asks for the same
    case's timeline many times. The cases must not change inside the block."""
    global _TIMELINES
    previous = _TIMELINES
    _TIMELINES = {}
    try:
        yield
    finally:
        _TIMELINES = previous


def timed_history(case: Mapping[str, Any]) -> list[tuple[datetime, Mapping[str, Any]]]:
    """History entries with a readable time, in file order (do not change the list)."""
    cache = _TIMELINES
    if cache is not None and (hit := cache.get(id(case))) is not None and hit[0] is case:
        return hit[1]
    result = []
    for entry in history_of(case):
        moment = entry_time(entry)
        if moment is not None:
            result.append((moment, entry))
    if cache is not None:
        cache[id(case)] = (case, result)
    return result


def opened_at(case: Mapping[str, Any]) -> datetime | None:
    return stored_instant(case.get("opened_at"))


# History actions that hand the case to someone, with the entry's key naming them (the
# features add theirs: an escalation hands it to the supervisor, `escalated_to`).
ASSIGNING: KeyedRegistry[str] = KeyedRegistry("timeline.ASSIGNING", {"assign": "assignee"})


def as_of(case: Mapping[str, Any], moment: datetime) -> dict[str, Any] | None:
    """The case as it stood at `moment`, read from its history; None if not yet opened.

    Status and assignee are replayed from open/move entries and those that hand the case
    on (`ASSIGNING`: assign, escalate); fields, title, priority, channel and customer from
    the `set` records of open/move/set entries. A value no entry
    ever recorded (an older or hand-made file) is taken from the file as it is now. Keys other
    features add (deadlines, flags) are taken as they are now.
    """
    start = opened_at(case)
    if start is not None and start > moment:
        return None
    entries = history_of(case)
    if entries and (last := entry_time(entries[-1])) is not None and last <= moment:
        return dict(case)  # nothing happened after the moment (entries are in time order)
    past = [e for e in entries if (t := entry_time(e)) is None or t <= moment]
    if entries and not past:
        return None
    recorded: set[str] = set()
    for entry in entries:
        recorded.update(str(k) for k in _set_record(entry))
    snapshot: dict[str, Any] = dict(case)
    fields = {k: v for k, v in fields_of(case).items() if k not in recorded}
    customer = {k: v for k, v in customer_of(case).items() if _CUSTOMER_PREFIX + k not in recorded}
    for key in _CORE_KEYS:
        if key in recorded:
            snapshot.pop(key, None)
    status = case.get("status")
    keys = dict(ASSIGNING.items())
    assignee = _initial_assignee(case, entries, keys)
    for entry in past:
        action = entry.get("action")
        if action in ("open", "move") and "to" in entry:
            status = entry["to"]
        handed_to = keys.get(str(action))
        if handed_to is not None and entry.get(handed_to):
            assignee = entry[handed_to]
        for key, value in _set_record(entry).items():
            key = str(key)
            if key.startswith(_CUSTOMER_PREFIX):
                _put(customer, key[len(_CUSTOMER_PREFIX) :], value)
            elif key in _CORE_KEYS:
                _put(snapshot, key, value)
            else:
                _put(fields, key, value)
    snapshot.update(status=status, assignee=assignee, fields=fields, customer=customer, history=past)
    return snapshot


def _set_record(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    record = entry.get("set")
    return record if isinstance(record, Mapping) else {}


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _initial_assignee(
    case: Mapping[str, Any], entries: list[Mapping[str, Any]], keys: Mapping[str, str]
) -> Any:
    if not entries:
        return case.get("assignee")
    first = entries[0]
    if first.get("assignee"):
        return first["assignee"]
    if any(str(e.get("action")) in keys for e in entries):
        return first.get("by")  # handed on later: the opener had it first
    return case.get("assignee")


def entered(case: Mapping[str, Any], states: Iterable[str]) -> datetime | None:
    """When the case first entered one of `states` (its opening counts)."""
    wanted = set(states)
    for moment, entry in timed_history(case):
        if entry.get("action") in ("open", "move") and entry.get("to") in wanted:
            return moment
    return None


def last_entered(case: Mapping[str, Any], states: Iterable[str]) -> datetime | None:
    """When the case last entered one of `states`."""
    wanted = set(states)
    found = None
    for moment, entry in timed_history(case):
        if entry.get("action") in ("open", "move") and entry.get("to") in wanted:
            found = moment
    return found


def is_terminal(case: Mapping[str, Any], kind: KindSpec | None) -> bool:
    return kind is not None and kind.is_terminal(str(case.get("status")))


def resolving_states(kind: KindSpec) -> set[str]:
    return {name for name, spec in kind.states.items() if spec.terminal or name in RESOLVING_STATES}


def closed_at(case: Mapping[str, Any], kind: KindSpec | None) -> datetime | None:
    """When a case now in a terminal state got there (None while it is open)."""
    if kind is None or not is_terminal(case, kind):
        return None
    return last_entered(case, [s for s, spec in kind.states.items() if spec.terminal])


def reopenings(case: Mapping[str, Any], kind: KindSpec | None) -> list[datetime]:
    """When the case left a resolving state for an open one again (a reopened complaint)."""
    if kind is None:
        return []
    resolving = resolving_states(kind)
    return [
        moment
        for moment, entry in timed_history(case)
        if entry.get("action") == "move"
        and entry.get("from") in resolving
        and entry.get("to") not in resolving
    ]


def last_resolved_at(case: Mapping[str, Any], kind: KindSpec | None) -> datetime | None:
    """When the case was last resolved: its latest move from an open state into a
    resolving one (after a reopening, the second resolution; closing is not one)."""
    if kind is None:
        return None
    resolving = resolving_states(kind) - {kind.initial}
    found = None
    state = None
    for moment, entry in timed_history(case):
        if entry.get("action") in ("open", "move") and "to" in entry:
            if entry["to"] in resolving and state not in resolving:
                found = moment
            state = entry["to"]
    return found


def resolved_at(case: Mapping[str, Any], kind: KindSpec | None) -> datetime | None:
    """When the case first reached a resolving state (resolved, refunded, a terminal state)."""
    if kind is None:
        return None
    return entered(case, resolving_states(kind) - {kind.initial})


# Entries casekit writes by itself (a trigger's link, a survey's result): never a case's
# latest progress, which is what a person last did.
AUTOMATIC_ACTIONS = frozenset({"link", "survey"})
_MOVES = ("open", "move")


def latest_progress(case: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None] | None:
    """The latest progress on a case (最新进展): the latest entry in which a person wrote a
    note or made a move, automatic entries left out, with its note (None for a move
    without one: the caller names the state reached). None when there is none."""
    for entry in reversed(history_of(case)):
        action = str(entry.get("action"))
        if action in AUTOMATIC_ACTIONS:
            continue
        text = entry.get("note")
        if isinstance(text, str) and text.strip():
            return entry, " ".join(text.split())
        if action in _MOVES:
            return entry, None
    return None
