"""Deadlines computed, pure: `compute_deadlines` replays a case's history against its
kind's clocks (from the `deadlines:` config) and the working calendar, and returns what
goes under the case's `deadlines:` key. It depends on nothing but the case, the rules and
the calendar, so a move or a field change simply recomputes everything.

Judging the stored entries at an instant (open, paused, met, met late, overdue; breaches;
what falls due next) is `casekit.core.due`, which needs no calendar: `show`, `list` and
the reports read it without this feature.

A stored entry (see docs/deadlines.md):

    resolution:
      rule: category=logistics      # which rule of the clock set it
      within: 48 hours              # the time it allows
      start: 2026-11-23T10:05:00+08:00
      due: 2026-11-25T10:05:00+08:00
      met: 2026-11-24T16:00:00+08:00        # when met (absent while open)
      paused: 2h30m                 # time the clock stood still (absent when none)
      paused_since: ...             # the clock stands still now (absent otherwise)
      missed: [{due: ..., met: ...}]         # repeating clocks: earlier deadlines missed
      warning: ...                  # e.g. it runs past the last year with holiday data
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from casekit.core.due import PROMISE_CLOCK
from casekit.core.timeutil import stored_instant
from casekit.core.workcal import ZERO, WorkCalendar, advance, format_span, measure
from casekit.features.deadlines.conditions import Facts, matches
from casekit.features.deadlines.settings import ClockSpec, PromiseSpec, Rule


@dataclass(frozen=True)
class Event:
    """One history entry, as the clocks see it."""

    at: datetime
    action: str
    state: str | None  # the state after an open or a move, else None
    entry: Mapping[str, Any]


def events_of(case: Mapping[str, Any]) -> list[Event]:
    """History entries with their instants; entries without a readable time are skipped."""
    events = []
    history = case.get("history")
    for entry in history if isinstance(history, list) else []:
        if not isinstance(entry, Mapping):
            continue
        at = stored_instant(entry.get("at"))
        if at is None:
            continue
        action = str(entry.get("action"))
        state = entry.get("to") if action in ("open", "move") else None
        events.append(Event(at, action, str(state) if state is not None else None, entry))
    return events


@dataclass
class Deadline:
    """A computed deadline: what is stored under `deadlines.<clock>`."""

    clock: str
    due: datetime
    start: datetime
    rule: str | None = None
    within: str | None = None
    met: datetime | None = None
    paused: timedelta = ZERO
    paused_since: datetime | None = None
    missed: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    provisional: bool = False  # counted past the known holidays (weekends and fixed holidays only)
    warning: str | None = None


def choose_rule(spec: ClockSpec, case: Mapping[str, Any], facts: Facts) -> Rule | None:
    """The first of the clock's rules whose condition holds."""
    for rule in spec.rules:
        if matches(rule.condition, case, facts):
            return rule
    return None


def _ends(spec: ClockSpec, state: str | None, terminal: Sequence[str]) -> bool:
    return state is not None and (state in spec.ends or state in terminal)


class _Clock:
    """The running state of one clock while the history is replayed."""

    def __init__(self, calendar: WorkCalendar, working: bool, length: timedelta, start: datetime) -> None:
        self.calendar = calendar
        self.working = working
        self.length = length
        self.cycle_start = start
        self.paused = ZERO
        self.paused_since: datetime | None = None

    def due(self) -> datetime:
        """The deadline, counting the pauses that have ended (and none that is running)."""
        return advance(self.calendar, self.working, self.cycle_start, self.length + self.paused)

    def pause(self, at: datetime) -> None:
        # A pause that begins after the deadline has passed does not move it: it was missed.
        if self.paused_since is None and at < self.due():
            self.paused_since = at

    def resume(self, at: datetime) -> None:
        if self.paused_since is not None:
            self.paused += measure(self.calendar, self.working, self.paused_since, at)
            self.paused_since = None

    def restart(self, at: datetime, paused: bool) -> None:
        self.cycle_start = at
        self.paused = ZERO
        self.paused_since = at if paused else None


def run_clock(
    spec: ClockSpec,
    rule: Rule,
    events: Sequence[Event],
    calendar: WorkCalendar,
    terminal: Sequence[str],
) -> Deadline | None:
    """Replay one clock over the history; None when it has not started."""
    start_index = _start_index(spec, events)
    if start_index is None:
        return None
    working = rule.within.working
    start_event = events[start_index]
    clock = _Clock(calendar, working, rule.within.length(calendar.day_length), start_event.at)
    state = _state_at(events, start_index)
    in_pause = state in spec.pauses
    if in_pause:
        clock.pause(start_event.at)
    missed: list[tuple[datetime, datetime | None]] = []
    met: datetime | None = start_event.at if _ends(spec, state, terminal) else None
    for event in events[start_index + 1 :]:
        if met is not None:
            break
        if event.action in spec.met_by or (event.state is not None and _ends(spec, event.state, terminal)):
            clock.resume(event.at)
            met = event.at
            break
        if event.action in spec.resets_on:
            due = clock.due()
            if clock.paused_since is None and event.at > due:
                missed.append((due, event.at))
            clock.restart(event.at, in_pause)
        if event.state is not None:
            now_paused = event.state in spec.pauses
            if in_pause and not now_paused:
                clock.resume(event.at)
            elif now_paused and not in_pause:
                clock.pause(event.at)
            in_pause = now_paused
    due = clock.due()
    deadline = Deadline(
        clock=spec.name,
        due=due,
        start=clock.cycle_start,
        rule=rule.name,
        within=rule.within.text,
        met=met,
        paused=clock.paused,
        paused_since=clock.paused_since if met is None else None,
        missed=missed,
    )
    if working:
        deadline.warning = _coverage_warning(calendar, clock.cycle_start, due)
        deadline.provisional = deadline.warning is not None
    return deadline


def _from_field(spec: ClockSpec, case: Mapping[str, Any], events: list[Event], index: int) -> list[Event]:
    """The events with the opening moved back to the clock's `from_field` time when that is
    set and earlier (a sign-up recorded after it happened: its callback is owed from then)."""
    if spec.from_field is None or events[index].action != "open":
        return events
    fields = case.get("fields")
    value = fields.get(spec.from_field) if isinstance(fields, Mapping) else None
    moment = stored_instant(value)
    if moment is None or moment >= events[index].at:
        return events
    return [*events[:index], replace(events[index], at=moment), *events[index + 1 :]]


def _start_index(spec: ClockSpec, events: Sequence[Event]) -> int | None:
    for index, event in enumerate(events):
        if "open" in spec.starts and event.action == "open":
            return index
        if event.state is not None and event.state in spec.starts:
            return index
    return None


def _state_at(events: Sequence[Event], index: int) -> str | None:
    for event in reversed(events[: index + 1]):
        if event.state is not None:
            return event.state
    return None


def _coverage_warning(calendar: WorkCalendar, start: datetime, due: datetime) -> str | None:
    """Why a deadline is provisional (its counting runs where the holidays are unknown), or None."""
    day = calendar.uncovered_days(start, due)
    if day is None:
        return None
    if calendar.known_until is not None and day > calendar.known_until:
        return (
            f"provisional: the holiday calendar ends {calendar.known_until}, and from {day} on only "
            "weekends and the fixed-date holidays were counted; add the schedule of "
            f"{day.year} with `casekit calendar add {day.year} FILE`"
        )
    return (
        f"provisional: the holiday calendar starts {calendar.known_from}, and earlier days were "
        "counted with weekends and the fixed-date holidays only"
    )


def run_promises(spec: PromiseSpec, events: Sequence[Event], terminal: Sequence[str]) -> Deadline | None:
    """The latest promise (`casekit promise`), with the earlier promises that were broken.

    A promise is kept by the first of `spec.kept_by` after it (a note, a move, the next
    promise agreed on the call...) or by the case reaching a final state; kept after its
    time, or replaced by a new promise after its time, it was missed.
    """
    promises: list[Deadline] = []
    replaced: dict[int, datetime] = {}
    for event in events:
        current = promises[-1] if promises else None
        keeps = event.action in spec.kept_by or (event.state is not None and event.state in terminal)
        if current is not None and current.met is None and keeps:
            current.met = event.at
        if event.action != "promise":
            continue
        due = stored_instant(event.entry.get("reply_by"))
        if due is None:
            continue
        if current is not None and current.met is None:
            replaced[len(promises) - 1] = event.at
        promises.append(Deadline(clock=PROMISE_CLOCK, due=due, start=event.at, rule="promise"))
    if not promises:
        return None
    latest = promises[-1]
    for index, promise in enumerate(promises[:-1]):
        if promise.met is not None and promise.met > promise.due:
            latest.missed.append((promise.due, promise.met))
        elif promise.met is None and replaced.get(index, promise.due) > promise.due:
            latest.missed.append((promise.due, None))
    return latest


def compute_deadlines(
    case: Mapping[str, Any],
    clocks: Sequence[ClockSpec],
    promises: PromiseSpec,
    calendar: WorkCalendar,
    terminal: Sequence[str],
    facts: Facts,
) -> list[Deadline]:
    """Every deadline the case has now, in clock order, the promise last.

    `terminal` names the kind's final states (entering one meets every clock); `facts`
    holds what conditions may consult besides the case (major, escalated); `off_hours` is
    filled in per clock from its start.
    """
    events = events_of(case)
    if not events:
        return []
    result = []
    for spec in clocks:
        index = _start_index(spec, events)
        if index is None:
            continue
        clock_events = _from_field(spec, case, events, index)
        start = clock_events[index].at
        clock_facts = Facts(
            major=facts.major,
            escalated=facts.escalated,
            off_hours=not calendar.is_working_time(start),
            now=facts.now,
            tz=calendar.tz,
        )
        rule = choose_rule(spec, case, clock_facts)
        if rule is None:
            continue
        deadline = run_clock(spec, rule, clock_events, calendar, terminal)
        if deadline is not None:
            result.append(deadline)
    promise = run_promises(promises, events, terminal)
    if promise is not None:
        result.append(promise)
    return result


def to_record(deadline: Deadline, calendar: WorkCalendar) -> dict[str, Any]:
    """The stored form of a deadline: plain values, keys in ENTRY_KEYS order."""

    def stamp(moment: datetime) -> str:
        return moment.astimezone(calendar.tz).isoformat(timespec="seconds")

    record: dict[str, Any] = {}
    if deadline.rule:
        record["rule"] = deadline.rule
    if deadline.within:
        record["within"] = deadline.within
    record["start"] = stamp(deadline.start)
    record["due"] = stamp(deadline.due)
    if deadline.met is not None:
        record["met"] = stamp(deadline.met)
    if deadline.paused > ZERO:
        record["paused"] = format_span(deadline.paused)
    if deadline.paused_since is not None:
        record["paused_since"] = stamp(deadline.paused_since)
    if deadline.missed:
        record["missed"] = [
            {"due": stamp(due), **({"met": stamp(met)} if met is not None else {})}
            for due, met in deadline.missed
        ]
    if deadline.provisional:
        record["provisional"] = True
    if deadline.warning:
        record["warning"] = deadline.warning
    return record
