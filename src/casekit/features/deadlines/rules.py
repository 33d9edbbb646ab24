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
      paused_reason: 等待客户资料 (Waiting for the customer)   # ... and what resumes it
      promised: ...                 # the due time carried to a promised reply (promises.covers)
      missed: [{due: ..., met: ...}]         # repeating clocks: earlier deadlines missed
      warning: ...                  # e.g. it runs past the last year with holiday data

A clock with `reopen:` has one entry per round: `resolution`, then `resolution_2` from the
first reopening, and so on (`casekit.core.due.round_name` / `base_clock`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from casekit.core.casefile import fields_of, history_of
from casekit.core.due import PROMISE_CLOCK, round_name
from casekit.core.duplicates import clock_history
from casekit.core.timeutil import stored_instant
from casekit.core.workcal import ZERO, Counting, WorkCalendar, advance, format_span, measure
from casekit.features.deadlines.conditions import Facts, matches
from casekit.features.deadlines.settings import (
    OPEN,
    ClockSpec,
    EntryMatch,
    PromiseSpec,
    Rule,
    StateRef,
)


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
    # A merge undone is left out, a merge in force enters the (final) merge state.
    for entry, state in clock_history(history_of(case)):
        at = stored_instant(entry.get("at"))
        if at is None:
            continue
        events.append(Event(at, str(entry.get("action")), state, entry))
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
    paused_reason: str | None = None
    promised: datetime | None = None  # the due time carried to a promised reply
    missed: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    provisional: bool = False  # counted past the known holidays (weekends and fixed holidays only)
    warning: str | None = None


def choose_rule(rules: Sequence[Rule], case: Mapping[str, Any], facts: Facts) -> Rule | None:
    """The first of the rules whose condition holds."""
    for rule in rules:
        if matches(rule.condition, case, facts):
            return rule
    return None


def _holding(
    refs: Sequence[StateRef], state: str | None, case: Mapping[str, Any], facts: Facts
) -> StateRef | None:
    return next((ref for ref in refs if ref.holds(state, case, facts)), None)


def _any_entry(kinds: Sequence[EntryMatch], entry: Mapping[str, Any]) -> bool:
    return any(kind.matches(entry) for kind in kinds)


@dataclass(frozen=True)
class _Context:
    """What every round of one clock is judged against."""

    spec: ClockSpec
    events: Sequence[Event]
    calendar: WorkCalendar
    terminal: Sequence[str]
    case: Mapping[str, Any]
    facts: Facts
    covered: bool  # a promise carries the clock to the promised time

    def ends(self, state: str | None) -> bool:
        if state is None:
            return False
        return state in self.terminal or _holding(self.spec.ends, state, self.case, self.facts) is not None

    def pause(self, state: str | None) -> StateRef | None:
        return _holding(self.spec.pauses, state, self.case, self.facts)


class _Clock:
    """The running state of one round of a clock while the history is replayed."""

    def __init__(self, calendar: WorkCalendar, working: Counting, length: timedelta, start: datetime) -> None:
        self.calendar = calendar
        self.working = working
        self.length = length
        self.cycle_start = start
        self.paused = ZERO
        self.paused_since: datetime | None = None
        self.promised: datetime | None = None

    def computed_due(self) -> datetime:
        """The deadline by the rule, counting the pauses that have ended (none that runs)."""
        return advance(self.calendar, self.working, self.cycle_start, self.length + self.paused)

    def due(self) -> datetime:
        computed = self.computed_due()
        return self.promised if self.promised is not None and self.promised > computed else computed

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
        self.promised = None

    def promise(self, reply_by: datetime) -> None:
        if self.promised is None or reply_by > self.promised:
            self.promised = reply_by


def _run_round(ctx: _Context, rule: Rule, start_index: int) -> tuple[Deadline, int | None]:
    """Replay one round of a clock from the event that starts it: the deadline, and the
    index of the event that met it (None while it runs)."""
    spec, events = ctx.spec, ctx.events
    working = rule.within.working
    start_event = events[start_index]
    clock = _Clock(ctx.calendar, working, rule.within.length(ctx.calendar.day_length), start_event.at)
    state = _state_at(events, start_index)
    pause = ctx.pause(state)
    if pause is not None:
        clock.pause(start_event.at)
    missed: list[tuple[datetime, datetime | None]] = []
    met_index: int | None = None
    if ctx.ends(state) or _any_entry(spec.met_by, start_event.entry):
        met_index = start_index
    for index in range(start_index + 1, len(events)):
        if met_index is not None:
            break
        event = events[index]
        if _any_entry(spec.met_by, event.entry) or ctx.ends(event.state):
            clock.resume(event.at)
            met_index = index
            break
        if _any_entry(spec.resets_on, event.entry):
            due = clock.due()
            if clock.paused_since is None and event.at > due:
                missed.append((due, event.at))
            clock.restart(event.at, pause is not None)
        if ctx.covered and event.action == "promise":
            reply_by = stored_instant(event.entry.get("reply_by"))
            if reply_by is not None and reply_by > event.at:
                clock.promise(reply_by)
        if event.state is not None:
            now_paused = ctx.pause(event.state)
            if pause is not None and now_paused is None:
                clock.resume(event.at)
            elif now_paused is not None and pause is None:
                clock.pause(event.at)
            pause = now_paused
    met = events[met_index].at if met_index is not None else None
    recorded = _recorded_instant(ctx.case, spec.met_at_field)
    if recorded is not None and (met is None or recorded < met):
        # Met when the field says (a reply recorded afterwards), never before the clock started.
        met = max(recorded, clock.cycle_start)
        if clock.paused_since is not None and met >= clock.paused_since:
            clock.resume(met)
    due = clock.due()
    running_pause = clock.paused_since if met is None else None
    deadline = Deadline(
        clock=spec.name,
        due=due,
        start=clock.cycle_start,
        rule=rule.name,
        within=rule.within.text,
        met=met,
        paused=clock.paused,
        paused_since=running_pause,
        paused_reason=_reason_text(pause) if running_pause is not None else None,
        promised=clock.promised if clock.promised is not None and clock.promised == due else None,
        missed=missed,
    )
    if working:
        deadline.warning = _coverage_warning(ctx.calendar, clock.cycle_start, due)
        deadline.provisional = deadline.warning is not None
    return deadline, met_index


def _recorded_instant(case: Mapping[str, Any], name: str | None) -> datetime | None:
    """The instant a `met_at_field` holds, or None (no such clock, field unset or unreadable)."""
    return stored_instant(fields_of(case).get(name)) if name is not None else None


def _reason_text(pause: StateRef | None) -> str | None:
    if pause is None or pause.reason is None:
        return None
    reason = pause.reason
    return reason.zh if reason.zh == reason.en else f"{reason.zh} ({reason.en})"


def _reopening(ctx: _Context, met_index: int) -> int | None:
    """Where the next round starts once the clock was met: for a clock that starts at
    `open`, the first move that leaves one of its `ends` states for a state that is neither
    an end nor final (a reopened complaint); for one that starts in states, the next entry
    into one of them (resolved again after a reopening)."""
    state = _state_at(ctx.events, met_index)
    from_states = not ctx.spec.starts_at_open
    for index in range(met_index + 1, len(ctx.events)):
        event = ctx.events[index]
        if event.state is None:
            continue
        if from_states and any(ref.holds(event.state, ctx.case, ctx.facts) for ref in ctx.spec.starts):
            return index
        if not from_states and ctx.ends(state) and not ctx.ends(event.state):
            return index
        state = event.state
    return None


def run_clock(ctx: _Context, start_index: int) -> list[Deadline]:
    """Every round of one clock: the first from `start_index`, then one per reopening
    (`reopen:`), stored as `<clock>_2`, `<clock>_3`, ...; empty when no rule applies."""
    rounds: list[Deadline] = []
    rules = ctx.spec.rules
    index: int | None = start_index
    while index is not None:
        start = ctx.events[index].at
        facts = replace(ctx.facts, off_hours=not ctx.calendar.is_working_time(start))
        rule = choose_rule(rules, ctx.case, facts)
        if rule is None:
            break
        try:
            deadline, met_index = _run_round(ctx, rule, index)
        except OverflowError:  # a start near the end of the calendar (a stored year 9999): no deadline
            break
        if rounds:
            deadline.clock = round_name(ctx.spec.name, len(rounds) + 1)
        rounds.append(deadline)
        if met_index is None or ctx.spec.reopen is None:
            break
        index = _reopening(ctx, met_index)
        rules = ctx.spec.reopen
    return rounds


def _clock_events(
    spec: ClockSpec, case: Mapping[str, Any], events: list[Event], index: int, calendar: WorkCalendar
) -> list[Event]:
    """The events with the opening moved to when the clock really starts: back to its
    `from_field` time when that is set and earlier (a sign-up recorded after it happened:
    its callback is owed from then), or on to the first working instant of its `not_before`
    day when that is later (a callback planned for next month is not due this week)."""
    if events[index].action != "open":
        return events
    fields = case.get("fields")
    fields = fields if isinstance(fields, Mapping) else {}
    opened = events[index].at
    moment = _earliest(fields.get(name) for name in spec.from_field)
    if moment is None or moment >= opened:
        planned = fields.get(spec.not_before) if spec.not_before else None
        moment = _first_working_instant(calendar, planned) if planned else None
        if moment is None or moment <= opened:
            return events
    return [*events[:index], replace(events[index], at=moment), *events[index + 1 :]]


def _earliest(values: Iterable[Any]) -> datetime | None:
    """The earliest instant among field values (a list of date-times counts each)."""
    instants = [
        moment
        for value in values
        for item in (value if isinstance(value, list) else [value])
        if (moment := stored_instant(item)) is not None
    ]
    return min(instants, default=None)


def _first_working_instant(calendar: WorkCalendar, value: Any) -> datetime | None:
    """The first working instant of a date field's day (its own instant for a date-time)."""
    moment = stored_instant(value)
    if moment is not None:
        return moment
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    for offset in range(370):  # a calendar without a working day in a year is refused earlier
        periods = calendar.working_periods(day + timedelta(days=offset))
        if periods:
            return periods[0][0]
    return None


def _start_index(
    spec: ClockSpec, events: Sequence[Event], case: Mapping[str, Any], facts: Facts
) -> int | None:
    for index, event in enumerate(events):
        for ref in spec.starts:
            if ref.state == OPEN:
                if event.action == "open" and matches(ref.condition, case, facts):
                    return index
            elif ref.holds(event.state, case, facts):
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
    """Every deadline the case has now, in clock order (a clock's reopened rounds after
    it), the promise last.

    `terminal` names the kind's final states (entering one meets every clock); `facts`
    holds what conditions may consult besides the case (major, escalated); `off_hours` is
    filled in per round from its start.
    """
    events = events_of(case)
    if not events:
        return []
    result = []
    facts = replace(facts, tz=calendar.tz)
    for spec in clocks:
        index = _start_index(spec, events, case, facts)
        if index is None:
            continue
        ctx = _Context(
            spec,
            _clock_events(spec, case, events, index, calendar),
            calendar,
            terminal,
            case,
            facts,
            covered=spec.name in promises.covers,
        )
        result.extend(run_clock(ctx, index))
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
    if deadline.paused_reason:
        record["paused_reason"] = deadline.paused_reason
    if deadline.promised is not None:
        record["promised"] = stamp(deadline.promised)
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
