"""Working-time maths, pure: table tests around the real 2025/2026 Chinese holidays and
make-up days (调休), and properties that hold for every start and length (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.core.workcal import (
    DAY_END,
    WorkCalendar,
    advance,
    format_span,
    measure,
    parse_duration,
    parse_periods,
    parse_span,
)
from casekit.features.deadlines.calendar import china_schedule

TZ = ZoneInfo("Asia/Shanghai")
HOLIDAYS, MAKEUP, KNOWN_FROM, KNOWN_UNTIL = china_schedule()
CHINA = WorkCalendar(
    TZ, days_off=HOLIDAYS, working_days=MAKEUP, known_from=KNOWN_FROM, known_until=KNOWN_UNTIL
)
LUNCH = WorkCalendar(
    TZ,
    periods=((time(9, 0), time(12, 0)), (time(13, 30), time(18, 30))),
    days_off=HOLIDAYS,
    working_days=MAKEUP,
)
# as casekit.yaml's calendar has it: past 2026, weekends and the fixed-date holidays
FIXED = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}
CHINA_FIXED = WorkCalendar(
    TZ,
    days_off=HOLIDAYS,
    working_days=MAKEUP,
    known_from=KNOWN_FROM,
    known_until=KNOWN_UNTIL,
    fixed_holidays=frozenset(FIXED),
)
DAY = CHINA.day_length


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_a_working_day_is_nine_and_a_half_hours_by_default() -> None:
    assert timedelta(hours=9, minutes=30) == DAY
    assert LUNCH.day_length == timedelta(hours=8)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # an ordinary week: Friday 17:00 + 1 working day = Monday 17:00
        ("2026-11-20T17:00", 1, "2026-11-23T17:00"),
        ("2026-11-23T10:05", 2, "2026-11-25T10:05"),
        # 2025 Spring Festival: Jan 28 - Feb 4 off, Sunday Jan 26 and Saturday Feb 8 worked
        ("2025-01-24T17:00", 1, "2025-01-26T17:00"),
        ("2025-01-27T17:00", 1, "2025-02-05T17:00"),
        # 2025 National Day: Oct 1 - 8 off, Sunday Sep 28 and Saturday Oct 11 worked
        ("2025-09-26T17:00", 1, "2025-09-28T17:00"),
        ("2025-09-30T17:00", 1, "2025-10-09T17:00"),
        ("2025-10-10T17:00", 1, "2025-10-11T17:00"),
        # 2026 Spring Festival: Feb 15 - 23 off, Saturdays Feb 14 and Feb 28 worked
        ("2026-02-13T17:00", 1, "2026-02-14T17:00"),
        ("2026-02-14T17:00", 1, "2026-02-24T17:00"),
        ("2026-02-27T17:00", 1, "2026-02-28T17:00"),
        # 2026 Mid-Autumn (Sep 25 - 27) and National Day (Oct 1 - 7); Sep 20 and Oct 10 worked
        ("2026-09-18T17:00", 1, "2026-09-20T17:00"),
        ("2026-09-24T17:00", 1, "2026-09-28T17:00"),
        ("2026-09-30T17:00", 1, "2026-10-08T17:00"),
        ("2026-09-30T10:00", 2, "2026-10-09T10:00"),
        ("2026-10-09T17:00", 1, "2026-10-10T17:00"),
    ],
)
def test_working_days_around_holidays_and_makeup_days(start: str, days: int, expected: str) -> None:
    due = CHINA.add(at(start), days * DAY)
    assert due == at(expected)
    assert CHINA.between(at(start), due) == days * DAY


@pytest.mark.parametrize(
    ("start", "length", "expected"),
    [
        ("2026-11-20T17:00", "5 working minutes", "2026-11-20T17:05"),
        ("2026-11-20T18:28", "5 working minutes", "2026-11-23T09:03"),  # over the weekend
        ("2026-11-21T10:00", "1 working day", "2026-11-23T18:30"),  # Saturday: counting starts Monday
        ("2026-11-20T22:00", "15 working minutes", "2026-11-23T09:15"),
        ("2026-11-20T17:00", "48 hours", "2026-11-22T17:00"),  # calendar time: lands on Sunday
        ("2026-09-30T17:00", "3 days", "2026-10-03T17:00"),  # calendar days ignore the holiday
        ("2026-09-30T17:00", "2 working hours", "2026-10-08T09:30"),
    ],
)
def test_durations_in_working_and_calendar_time(start: str, length: str, expected: str) -> None:
    duration = parse_duration(length)
    assert advance(CHINA, duration.working, at(start), duration.length(DAY)) == at(expected)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-11-23T10:05", "2026-11-23T18:30"),  # a Monday: the end of that working day
        ("2026-11-23T08:00", "2026-11-23T18:30"),  # before the day starts: that day
        ("2026-11-23T18:29", "2026-11-23T18:30"),
        ("2026-11-23T18:30", "2026-11-24T18:30"),  # the day has ended: the next working day
        ("2026-11-20T19:00", "2026-11-23T18:30"),  # Friday evening: Monday
        ("2026-11-21T10:00", "2026-11-23T18:30"),  # Saturday: Monday
        ("2026-09-30T17:00", "2026-09-30T18:30"),
        ("2026-09-30T19:00", "2026-10-08T18:30"),  # National Day and Mid-Autumn off
        ("2026-02-13T20:00", "2026-02-14T18:30"),  # a make-up working Saturday (调休)
    ],
)
def test_same_working_day_runs_to_the_end_of_the_day_counting_starts_in(start: str, expected: str) -> None:
    duration = parse_duration("same working day")
    assert duration.working == DAY_END and duration.text == "same working day"
    assert advance(CHINA, duration.working, at(start), duration.length(DAY)) == at(expected)


def test_same_working_day_with_a_lunch_break_and_a_pause() -> None:
    duration = parse_duration("当天")
    assert duration == parse_duration("Same  Working Day")
    start = at("2026-11-23T12:30")  # in the lunch break: still that day
    assert advance(LUNCH, duration.working, start, duration.length(LUNCH.day_length)) == at(
        "2026-11-23T18:30"
    )
    # a clock that stood still for 45 working minutes is due 45 working minutes later
    assert advance(LUNCH, duration.working, start, timedelta(minutes=45)) == at("2026-11-24T09:45")
    # the time it allows is measured in working time
    assert measure(LUNCH, duration.working, at("2026-11-23T11:00"), at("2026-11-23T14:00")) == timedelta(
        hours=1, minutes=30
    )
    assert LUNCH.next_working_time(start) == at("2026-11-23T13:30")
    assert LUNCH.next_working_time(at("2026-11-23T10:00")) == at("2026-11-23T10:00")
    assert CHINA.next_working_time(at("2026-11-20T19:00")) == at("2026-11-23T09:00")


def test_lunch_break_is_skipped() -> None:
    assert LUNCH.add(at("2026-11-23T11:30"), timedelta(hours=1)) == at("2026-11-23T14:00")
    assert LUNCH.between(at("2026-11-23T11:00"), at("2026-11-23T14:00")) == timedelta(hours=1, minutes=30)
    assert LUNCH.add(at("2026-11-20T17:00"), LUNCH.day_length) == at("2026-11-23T17:00")


def test_a_result_at_the_end_of_the_day_stays_there() -> None:
    assert CHINA.add(at("2026-11-23T18:00"), timedelta(minutes=30)) == at("2026-11-23T18:30")
    assert CHINA.add(at("2026-11-23T18:00"), timedelta(minutes=31)) == at("2026-11-24T09:01")


def test_config_days_override_the_library() -> None:
    custom = WorkCalendar(
        TZ,
        days_off=(HOLIDAYS - {date(2026, 10, 7)}) | {date(2026, 11, 23)},
        working_days=MAKEUP | {date(2026, 11, 21)},
    )
    assert not custom.is_working_day(date(2026, 11, 23))  # a company day off, a Monday
    assert custom.is_working_day(date(2026, 11, 21))  # an extra working Saturday
    assert custom.is_working_day(date(2026, 10, 7))  # a holiday the config gives back
    assert custom.add(at("2026-11-20T17:00"), DAY) == at("2026-11-21T17:00")


def test_coverage_ends_with_the_library() -> None:
    assert date(2026, 12, 31) == KNOWN_UNTIL
    assert CHINA.uncovered_days(at("2026-12-30T10:00"), at("2026-12-31T18:00")) is None
    assert CHINA.uncovered_days(at("2026-12-31T17:00"), at("2027-01-04T17:00")) == date(2027, 1, 1)
    # still computed: without fixed holidays as ordinary weeks
    assert CHINA.add(at("2026-12-31T17:00"), DAY) == at("2027-01-01T17:00")


def test_past_the_known_days_the_fixed_holidays_are_days_off() -> None:
    assert CHINA_FIXED.covers(date(2026, 12, 31)) and not CHINA_FIXED.covers(date(2027, 1, 1))
    assert not CHINA_FIXED.covers(date(2003, 12, 31))
    # 元旦 2027 is a Friday: one working day from New Year's Eve 17:00 is Monday 17:00
    assert CHINA_FIXED.add(at("2026-12-31T17:00"), DAY) == at("2027-01-04T17:00")
    assert not CHINA_FIXED.is_working_day(date(2027, 5, 1))
    assert not CHINA_FIXED.is_working_day(date(2028, 10, 3))
    assert CHINA_FIXED.is_working_day(date(2027, 10, 4)) and CHINA_FIXED.is_working_day(date(2027, 5, 3))
    # inside the known days the package decides: 2026-10-08 is worked, 2026-05-01 is off anyway
    assert CHINA_FIXED.is_working_day(date(2026, 10, 8))
    # the config's own days still win past the known days
    own = WorkCalendar(
        TZ,
        known_until=KNOWN_UNTIL,
        fixed_holidays=frozenset(FIXED),
        days_off=frozenset({date(2027, 1, 4)}),
        working_days=frozenset({date(2027, 10, 2)}),
    )
    assert not own.is_working_day(date(2027, 1, 4)) and own.is_working_day(date(2027, 10, 2))
    assert own.add(at("2026-12-31T17:00"), DAY) == at("2027-01-05T17:00")


def test_durations_parse_and_print() -> None:
    assert parse_duration("1 working day").text == "1 working day"
    assert parse_duration("48h").text == "48 hours"
    assert parse_duration("15m").text == "15 minutes"
    assert parse_duration("2 Working Hours").working
    for bad in ("", "soon", "0 hours", "1.5 hours", "3 weeks", "working day", "same day", "next working day"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)
    assert format_span(timedelta(hours=2, minutes=30)) == "2h30m"
    assert format_span(timedelta(minutes=-5)) == "-5m"
    assert parse_span("26h05m") == timedelta(hours=26, minutes=5)
    with pytest.raises(ValueError):
        parse_span("soon")


def test_periods_parse_with_clear_errors() -> None:
    assert parse_periods("09:00-18:30") == ((time(9), time(18, 30)),)
    for bad, message in [
        ("18:30-09:00", "must end after it starts"),
        (["09:00-13:00", "12:00-18:00"], "must not overlap"),
        ("9am-6pm", "not a time of day"),
        ("09:00", "not a working period"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_periods(bad)


# --- properties ---------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)).map(
    lambda d: d.replace(microsecond=0, tzinfo=TZ)
)
lengths = st.integers(min_value=1, max_value=20 * 9 * 3600).map(lambda s: timedelta(seconds=s))
calendars = st.sampled_from([CHINA, LUNCH, CHINA_FIXED])


def _inside_working_hours(calendar: WorkCalendar, moment: datetime) -> bool:
    """In (period start, period end]: a deadline may fall at the very end of a period."""
    return calendar.is_working_time(moment - timedelta(microseconds=1))


@settings(max_examples=300, deadline=None)
@given(calendars, starts, lengths)
def test_adding_then_measuring_gives_the_same_working_time(
    calendar: WorkCalendar, start: datetime, length: timedelta
) -> None:
    due = calendar.add(start, length)
    assert due >= start
    assert calendar.between(start, due) == length
    assert _inside_working_hours(calendar, due)
    assert calendar.between(due, start) == -length


@settings(max_examples=200, deadline=None)
@given(calendars, starts, lengths, lengths)
def test_adding_is_additive_and_monotonic(
    calendar: WorkCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    assert calendar.add(calendar.add(start, first), second) == calendar.add(start, first + second)
    assert calendar.add(start, min(first, second)) <= calendar.add(start, max(first, second))


@settings(max_examples=200, deadline=None)
@given(calendars, starts)
def test_same_working_day_ends_a_working_period_after_the_start(
    calendar: WorkCalendar, start: datetime
) -> None:
    end = calendar.day_end(start)
    assert end > start
    assert _inside_working_hours(calendar, end) and not calendar.is_working_time(end)
    # no working time lies between the day's end and the next working instant after the start
    begins = calendar.next_working_time(start)
    assert calendar.local_date(begins) == calendar.local_date(end)
    assert calendar.between(start, end) == calendar.between(begins, end) > timedelta(0)


@settings(max_examples=200, deadline=None)
@given(calendars, starts, lengths, lengths)
def test_working_time_between_splits_and_never_exceeds_elapsed_time(
    calendar: WorkCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    middle = start + first * 3
    end = middle + second * 3
    assert calendar.between(start, middle) + calendar.between(middle, end) == calendar.between(start, end)
    assert timedelta(0) <= calendar.between(start, end) <= end - start
