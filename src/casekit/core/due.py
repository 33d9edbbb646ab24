"""Stored deadlines judged at an instant, and the clock names and labels the config gives.

A case's `deadlines:` mapping holds one entry per clock (`due`, `met`, `paused`, `missed`
intervals...), written by the deadlines feature. Everything here reads those entries as
they are, with `now` passed in: whether a clock is open, paused, met, met late or overdue,
the breaches, what falls due next. Computing new due times (working time, rules,
conditions) is the deadlines feature's job (`casekit.features.deadlines.rules`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from casekit.core.config import Config, Label
from casekit.core.timeutil import stored_instant
from casekit.core.workcal import (
    parse_span,
)
from casekit.i18n import _

ENTRY_KEYS = (
    "rule",
    "within",
    "start",
    "due",
    "met",
    "paused",
    "paused_since",
    "paused_reason",
    "promised",
    "missed",
    "provisional",
    "warning",
)


class State(StrEnum):
    OPEN = "open"  # running, not yet due
    PAUSED = "paused"  # the clock stands still (waiting on the customer)
    MET = "met"  # met on or before the deadline
    LATE = "late"  # met after the deadline: a breach
    OVERDUE = "overdue"  # not met and past the deadline: a breach

    @property
    def is_open(self) -> bool:
        return self in (State.OPEN, State.PAUSED, State.OVERDUE)


def deadline_state(entry: Mapping[str, Any], at: datetime) -> State:
    """Whether a stored deadline is open, paused, met, met late or overdue at instant `at`.

    Judged as things stood at `at`: a deadline met later than `at` is still open (or
    overdue) at `at`. Earlier misses of a repeating clock are in `breaches`, not here.
    """
    due = stored_instant(entry.get("due"))
    if due is None:
        raise ValueError(_("a deadline entry needs a due time"))
    return _state(entry, due, at)


# Enum members as plain names: `State.OPEN` is an attribute look-up on the class each time,
# and `list` judges thousands of deadlines.
_OPEN, _PAUSED, _MET, _LATE, _OVERDUE = State.OPEN, State.PAUSED, State.MET, State.LATE, State.OVERDUE


def _state(entry: Mapping[str, Any], due: datetime, at: datetime) -> State:
    met = entry.get("met")
    if met is not None:
        met = stored_instant(met)
        if met is not None and met <= at:
            return _MET if met <= due else _LATE
    paused_since = entry.get("paused_since")
    if paused_since is not None:
        paused_since = stored_instant(paused_since)
        if paused_since is not None and paused_since <= at:
            return _PAUSED
    return _OVERDUE if at > due else _OPEN


def _judged(case: Mapping[str, Any], at: datetime) -> list[tuple[str, Mapping[str, Any], datetime, State]]:
    """(clock, entry, due time, state at `at`) of each readable deadline entry: what
    `deadlines_of` and `deadline_state` give, in one pass (`list` judges thousands)."""
    value = case.get("deadlines")
    if not isinstance(value, Mapping):
        return []
    judged = []
    for name, entry in value.items():
        # Parsed entries are plain dicts: test for that first (an ABC check costs more).
        if type(entry) is not dict and not isinstance(entry, Mapping):
            continue
        due = stored_instant(entry.get("due"))
        if due is not None:
            judged.append((str(name), entry, due, _state(entry, due, at)))
    return judged


def overdue_window(case: Mapping[str, Any]) -> tuple[datetime, datetime | None] | None:
    """The span of instants at which `is_overdue(case, at)` can be true, for a query
    index to narrow on: (from, until) means only `from < at < until` (until None: no end),
    None means never. A deadline is overdue after its due time until it is met or paused."""
    start: datetime | None = None
    end: datetime | None = None
    endless = False
    for entry in deadlines_of(case).values():
        due = stored_instant(entry.get("due"))
        assert due is not None
        ends = (stored_instant(entry.get("met")), stored_instant(entry.get("paused_since")))
        stops = [t for t in ends if t is not None]
        stop = min(stops) if stops else None
        if stop is not None and stop <= due:
            continue  # met or paused before it fell due: never overdue
        start = due if start is None else min(start, due)
        if stop is None:
            endless = True
        else:
            end = stop if end is None else max(end, stop)
    if start is None:
        return None
    return start, None if endless else end


class Breach(NamedTuple):
    """A deadline missed: `met` is when it was met after all (None: not met by `at`)."""

    clock: str
    due: datetime
    met: datetime | None

    def late_by(self, at: datetime) -> timedelta:
        return (self.met or at) - self.due


def deadlines_of(case: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The case's stored deadline entries (readable ones only), by clock name."""
    value = case.get("deadlines")
    if not isinstance(value, Mapping):
        return {}
    return {
        str(name): entry
        for name, entry in value.items()
        if (type(entry) is dict or isinstance(entry, Mapping))
        and stored_instant(entry.get("due")) is not None
    }


def breaches(case: Mapping[str, Any], at: datetime) -> list[Breach]:
    """Every deadline of the case breached by instant `at`, promises included, by due time."""
    return sorted(_breached(case, at), key=lambda b: (b.due, b.clock))


def breach_count(case: Mapping[str, Any], at: datetime) -> int:
    """len(breaches(case, at))."""
    return sum(1 for _ in _breached(case, at))


def _breached(case: Mapping[str, Any], at: datetime) -> Iterator[Breach]:
    for clock, entry, due, state in _judged(case, at):
        for item in entry.get("missed") or []:
            missed_due = stored_instant(item.get("due")) if isinstance(item, Mapping) else None
            if missed_due is not None and missed_due < at:
                met = stored_instant(item.get("met"))
                yield Breach(clock, missed_due, met if met is not None and met <= at else None)
        if state is _LATE or state is _OVERDUE:
            yield Breach(clock, due, stored_instant(entry.get("met")) if state is _LATE else None)


class Settled(NamedTuple):
    """A deadline settled: met on time (`on_time`), or missed (met late, or not met)."""

    clock: str
    due: datetime
    on_time: bool


def settled_between(case: Mapping[str, Any], start: datetime, end: datetime) -> list[Settled]:
    """The deadlines of the case settled in [start, end), judged as things stood at the end:
    one met on time counts where it was met, one missed where it fell due (earlier rounds of
    a repeating clock and broken promises included), so each deadline counts once across
    consecutive periods. A clock open or paused at the end is not settled yet."""
    at = end - timedelta(microseconds=1)
    found = [
        Settled(clock, due, True)
        for clock, entry, due, state in _judged(case, at)
        if state is _MET and (met := stored_instant(entry.get("met"))) is not None and start <= met
    ]
    found += [Settled(b.clock, b.due, False) for b in _breached(case, at) if start <= b.due]
    return found


class OpenDeadline(NamedTuple):
    clock: str
    due: datetime
    state: State
    entry: Mapping[str, Any]


def open_deadlines(case: Mapping[str, Any], at: datetime) -> list[OpenDeadline]:
    """Deadlines not met at `at` (open, paused or overdue), soonest first."""
    result = [
        OpenDeadline(clock, due, state, entry)
        for clock, entry, due, state in _judged(case, at)
        if state is not _MET and state is not _LATE
    ]
    if len(result) > 1:
        result.sort(key=lambda d: (d.state is _PAUSED, d.due, d.clock))
    return result


def is_overdue(case: Mapping[str, Any], at: datetime) -> bool:
    return any(state is _OVERDUE for _, _, _, state in _judged(case, at))


def due_summary(case: Mapping[str, Any], at: datetime) -> tuple[tuple[datetime, str] | None, list[str]]:
    """(due time, clock) of the soonest deadline still running at `at` (open or overdue,
    not paused; ties by clock name; None when none runs) and the clocks overdue at `at`,
    soonest first: what `casekit list` shows of a case, judged in one pass."""
    upcoming: tuple[datetime, str] | None = None
    overdue: list[tuple[datetime, str]] = []
    for clock, _entry, due, state in _judged(case, at):
        if state is _OPEN or state is _OVERDUE:
            if state is _OVERDUE:
                overdue.append((due, clock))
            if upcoming is None or (due, clock) < upcoming:
                upcoming = (due, clock)
    if len(overdue) > 1:
        overdue.sort()
    return upcoming, [clock for _, clock in overdue]


def remaining(entry: Mapping[str, Any], at: datetime) -> timedelta:
    """Calendar time from `at` to the deadline (negative when overdue)."""
    due = stored_instant(entry.get("due"))
    if due is None:
        raise ValueError(_("a deadline entry needs a due time"))
    return due - at


def check_entries(value: Any) -> list[tuple[list[str | int], str]]:
    """Problems with the shape of a case's `deadlines:` mapping, as (key path, message)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [(["deadlines"], _("deadlines must be a mapping of clock names to deadlines"))]
    findings: list[tuple[list[str | int], str]] = []
    for clock, entry in value.items():
        where: list[str | int] = ["deadlines", str(clock)]
        if not isinstance(entry, Mapping):
            findings.append(
                (where, _("deadline {clock} must be a mapping with start and due").format(clock=clock))
            )
            continue
        for key in entry:
            if key not in ENTRY_KEYS:
                findings.append(
                    ([*where, key], _("unknown key {key!r} in deadline {clock}").format(key=key, clock=clock))
                )
        for key in ("start", "due"):
            if key not in entry:
                findings.append((where, _("deadline {clock} has no {key}").format(clock=clock, key=key)))
        for key in ("start", "due", "met", "paused_since", "promised"):
            if key in entry and stored_instant(entry[key]) is None:
                findings.append(
                    (
                        [*where, key],
                        _("deadline {clock}: {key} must be a date-time with offset").format(
                            clock=clock, key=key
                        ),
                    )
                )
        if "paused" in entry:
            try:
                parse_span(entry["paused"])
            except ValueError as exc:
                findings.append(
                    ([*where, "paused"], _("deadline {clock}: {problem}").format(clock=clock, problem=exc))
                )
        if "provisional" in entry and not isinstance(entry["provisional"], bool):
            findings.append(
                (
                    [*where, "provisional"],
                    _("deadline {clock}: provisional must be true or false").format(clock=clock),
                )
            )
        missed = entry.get("missed")
        if missed is not None and (
            not isinstance(missed, list)
            or not all(isinstance(m, Mapping) and stored_instant(m.get("due")) is not None for m in missed)
        ):
            findings.append(
                (
                    [*where, "missed"],
                    _("deadline {clock}: missed must be a list of {{due: ...}}").format(clock=clock),
                )
            )
    return findings


SECTION = "deadlines"
PROMISES_SECTION = "promises"
PROMISE_CLOCK = "promised_reply"
PROMISE_LABEL = Label("承诺回复", "Promised reply")


CLOCK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A reopened clock's later rounds are stored as `<clock>_<round>` (resolution_2).
ROUND_NAME = re.compile(r"^(?P<clock>[a-z][a-z0-9_]*?)_(?P<round>[0-9]+)$")


def round_name(clock: str, number: int) -> str:
    """The stored name of round `number` (2, 3, ...) of a reopened clock."""
    return f"{clock}_{number}"


def base_clock(name: str) -> str:
    """The clock a stored deadline belongs to: `resolution` for `resolution_2`."""
    found = ROUND_NAME.match(name)
    return found.group("clock") if found else name


def label_of_clock(name: str, value: Mapping[str, Any]) -> Label:
    return Label(str(value.get("zh", name)), str(value.get("en", name.replace("_", " ").capitalize())))


def promise_label(section: Any) -> Label:
    if not isinstance(section, Mapping):
        return PROMISE_LABEL
    return Label(str(section.get("zh", PROMISE_LABEL.zh)), str(section.get("en", PROMISE_LABEL.en)))


def clock_label(config: Config, kind: str, clock: str) -> Label:
    """The label of a stored deadline's clock (the name itself when the config lost it).

    Read from the sections as written, not from parsed clocks: a label needs nothing
    else, while parsing a clock checks its actions against every feature's history
    actions (`casefile.HISTORY_ACTIONS`), which would import them all for `show`."""
    if clock == PROMISE_CLOCK:
        return promise_label(config.section(PROMISES_SECTION))
    value = _clock_settings(config, kind, clock)
    if value is not None:
        return label_of_clock(clock, value)
    found = ROUND_NAME.match(clock)
    value = _clock_settings(config, kind, found.group("clock")) if found else None
    if found is None or value is None:
        return Label(clock, clock)
    first = label_of_clock(found.group("clock"), value)
    number = found.group("round")
    return Label(f"{first.zh}（重开第{number}轮）", f"{first.en} (reopened, round {number})")


def clock_names(config: Config, kind: str) -> list[str]:
    """The clocks the config sets for a kind, in the order it lists them (read from the
    section as written, like `clock_label`)."""
    section = config.section(SECTION)
    if kind not in config.kinds or not isinstance(section, Mapping):
        return []
    kind_clocks = next((v for k, v in section.items() if str(k) == kind), None)
    if not isinstance(kind_clocks, Mapping):
        return []
    return [
        str(name)
        for name, value in kind_clocks.items()
        if CLOCK_NAME.match(str(name)) and isinstance(value, Mapping)
    ]


def _clock_settings(config: Config, kind: str, clock: str) -> Mapping[str, Any] | None:
    """A clock's settings, when `parse_deadlines` would make a clock of them."""
    section = config.section(SECTION)
    if kind not in config.kinds or not isinstance(section, Mapping):
        return None
    kind_clocks = next((v for k, v in section.items() if str(k) == kind), None)
    if not isinstance(kind_clocks, Mapping) or not CLOCK_NAME.match(clock):
        return None
    value = next((v for k, v in kind_clocks.items() if str(k) == clock), None)
    return value if isinstance(value, Mapping) else None
