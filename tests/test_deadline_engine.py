"""The deadline engine and breach logic, pure: no repository, no git."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.core.config import Label
from casekit.core.due import State, breaches, deadline_state, due_summary, is_overdue, open_deadlines
from casekit.core.workcal import WorkCalendar, parse_duration, parse_span
from casekit.features.deadlines.calendar import china_schedule
from casekit.features.deadlines.conditions import Condition, Facts
from casekit.features.deadlines.rules import compute_deadlines, to_record
from casekit.features.deadlines.settings import ClockSpec, PromiseSpec, Rule, StateRef

TZ = ZoneInfo("Asia/Shanghai")
HOLIDAYS, MAKEUP, _, _ = china_schedule()
CALENDAR = WorkCalendar(TZ, days_off=HOLIDAYS, working_days=MAKEUP)
RESOLUTION = ClockSpec(
    "resolution",
    Label("处理时限", "Resolution"),
    ends=(StateRef("resolved"),),
    pauses=(StateRef("waiting_customer", reason=Label("等待客户资料", "Waiting for the customer")),),
    rules=(Rule("default", Condition(), parse_duration("3 working days")),),
)
TERMINAL = ("closed", "rejected")


def stamp(moment: datetime) -> str:
    return moment.astimezone(TZ).isoformat(timespec="seconds")


def case_with(history: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "C-20261123-AAAA-BBBB", "kind": "complaint", "history": history}


def walk(start: datetime, pauses: list[tuple[datetime, datetime]]) -> dict[str, Any]:
    history: list[dict[str, Any]] = [{"at": stamp(start), "action": "open", "to": "investigating"}]
    for begin, end in pauses:
        history.append(
            {"at": stamp(begin), "action": "move", "from": "investigating", "to": "waiting_customer"}
        )
        history.append(
            {"at": stamp(end), "action": "move", "from": "waiting_customer", "to": "investigating"}
        )
    return case_with(history)


def resolution(case: dict[str, Any]) -> dict[str, Any]:
    found = compute_deadlines(case, [RESOLUTION], PromiseSpec(), CALENDAR, TERMINAL, Facts())
    return to_record(found[0], CALENDAR)


starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=TZ)
)
offsets = st.lists(st.integers(min_value=1, max_value=20 * 60), min_size=0, max_size=6)


@settings(max_examples=150, deadline=None)
@given(starts, offsets)
def test_pauses_move_the_deadline_by_exactly_the_working_time_paused(
    start: datetime, minutes: list[int]
) -> None:
    # Pause intervals within the first day: all begin before the deadline (3 working days away).
    marks = sorted({start + timedelta(minutes=m) for m in minutes})
    pairs = list(zip(marks[0::2], marks[1::2], strict=False))
    record = resolution(walk(start, pairs))
    paused = sum((CALENDAR.between(a, b) for a, b in pairs), timedelta(0))
    due = datetime.fromisoformat(record["due"])
    assert due >= start
    assert CALENDAR.between(start, due) == 3 * CALENDAR.day_length + paused
    assert parse_span(record.get("paused", "0m")) == paused
    assert CALENDAR.is_working_time(due - timedelta(microseconds=1))


def test_a_pause_that_begins_after_the_deadline_does_not_move_it() -> None:
    start = datetime(2026, 11, 23, 10, 5, tzinfo=TZ)
    late = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)  # after the Thursday 10:05 deadline
    record = resolution(walk(start, [(late, late + timedelta(days=3))]))
    assert record["due"] == "2026-11-26T10:05:00+08:00"
    assert "paused" not in record
    assert deadline_state(record, late + timedelta(days=1)) is State.OVERDUE


def test_open_pause_is_recorded_and_not_a_breach() -> None:
    start = datetime(2026, 11, 23, 10, 5, tzinfo=TZ)
    case = walk(start, [])
    case["history"].append({"at": "2026-11-23T14:00:00+08:00", "action": "move", "to": "waiting_customer"})
    record = resolution(case)
    assert record["paused_since"] == "2026-11-23T14:00:00+08:00"
    much_later = datetime(2026, 12, 31, tzinfo=TZ)
    assert deadline_state(record, much_later) is State.PAUSED
    assert breaches({"deadlines": {"resolution": record}}, much_later) == []


def test_states_are_judged_as_they_stood_at_the_instant() -> None:
    entry = {"start": "2026-11-23T10:05:00+08:00", "due": "2026-11-23T11:05:00+08:00"}
    at = datetime.fromisoformat
    assert deadline_state(entry, at("2026-11-23T11:05:00+08:00")) is State.OPEN
    assert deadline_state(entry, at("2026-11-23T11:05:01+08:00")) is State.OVERDUE
    met_late = {**entry, "met": "2026-11-23T12:00:00+08:00"}
    assert deadline_state(met_late, at("2026-11-23T11:30:00+08:00")) is State.OVERDUE
    assert deadline_state(met_late, at("2026-11-23T12:00:00+08:00")) is State.LATE
    met = {**entry, "met": "2026-11-23T11:05:00+08:00"}
    assert deadline_state(met, at("2026-11-24T00:00:00+08:00")) is State.MET
    case = {
        "deadlines": {"first_response": met_late, "resolution": {**entry, "due": "2026-11-26T10:05:00+08:00"}}
    }
    (breach,) = breaches(case, at("2026-11-24T00:00:00+08:00"))
    assert (breach.clock, breach.late_by(at("2026-11-24T00:00:00+08:00"))) == (
        "first_response",
        timedelta(minutes=55),
    )
    assert [d.clock for d in open_deadlines(case, at("2026-11-23T11:00:00+08:00"))] == [
        "first_response",
        "resolution",
    ]


def test_promises_kept_late_and_replaced() -> None:
    history = [
        {"at": "2026-11-23T10:05:00+08:00", "action": "open", "to": "received"},
        {"at": "2026-11-23T10:30:00+08:00", "action": "promise", "reply_by": "2026-11-23T15:00:00+08:00"},
        {"at": "2026-11-23T14:00:00+08:00", "action": "note"},  # kept
        {"at": "2026-11-23T14:05:00+08:00", "action": "promise", "reply_by": "2026-11-24T10:00:00+08:00"},
        {"at": "2026-11-24T11:00:00+08:00", "action": "assign"},  # not a call back
        {"at": "2026-11-24T12:00:00+08:00", "action": "promise", "reply_by": "2026-11-25T10:00:00+08:00"},
    ]
    found = compute_deadlines(case_with(history), [], PromiseSpec(), CALENDAR, TERMINAL, Facts())
    record = to_record(found[0], CALENDAR)
    assert record["due"] == "2026-11-25T10:00:00+08:00"
    assert record["missed"] == [{"due": "2026-11-24T10:00:00+08:00", "met": "2026-11-24T12:00:00+08:00"}]
    # without `promise` among the actions that keep one, the second promise was simply replaced late
    strict = PromiseSpec(kept_by=("note",))
    found = compute_deadlines(case_with(history), [], strict, CALENDAR, TERMINAL, Facts())
    assert to_record(found[0], CALENDAR)["missed"] == [{"due": "2026-11-24T10:00:00+08:00"}]


BASE = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
offsets = st.integers(min_value=0, max_value=48).map(lambda hours: stamp(BASE + timedelta(hours=hours)))
entries = st.fixed_dictionaries(
    {"due": offsets},
    optional={"met": offsets, "paused_since": offsets},
)


@settings(max_examples=300, deadline=None)
@given(
    clocks=st.dictionaries(st.sampled_from(["first_response", "resolution", "promise", "update"]), entries),
    hours=st.integers(min_value=0, max_value=48),
)
def test_list_summary_agrees_with_each_deadline_judged_alone(clocks: dict[str, Any], hours: int) -> None:
    case = {"deadlines": clocks}
    at = BASE + timedelta(hours=hours, minutes=30)
    states = {clock: deadline_state(entry, at) for clock, entry in clocks.items()}
    running = [d for d in open_deadlines(case, at) if d.state is not State.PAUSED]
    upcoming, overdue = due_summary(case, at)
    soonest = min(running, key=lambda d: (d.due, d.clock)) if running else None
    assert upcoming == ((soonest.due, soonest.clock) if soonest else None)
    assert set(overdue) == {clock for clock, state in states.items() if state is State.OVERDUE}
    assert overdue == sorted(overdue, key=lambda clock: (datetime.fromisoformat(clocks[clock]["due"]), clock))
    assert is_overdue(case, at) == (State.OVERDUE in states.values())
