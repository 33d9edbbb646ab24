"""Working time, pure: a calendar of working hours and working days, and arithmetic on it.

`WorkCalendar.add(start, length)` is the instant at which `length` of working time has
passed since `start`; `WorkCalendar.between(a, b)` is the working time from `a` to `b`.
The two agree: `between(s, add(s, d)) == d` for every `d >= 0`, and for `d > 0` the result
always lies inside working hours (at most at the end of a working period, never after it).

Durations in deadline rules say whether they count working time (`1 working day`,
`30 working minutes`) or calendar time (`48 hours`, `3 days`); `parse_duration` reads them.
A working day is the length of one full working day (9h30m for 09:00-18:30), so
"1 working day" from Friday 17:00 is Monday 17:00 in an ordinary week. `same working day`
(当天) runs to the end of the working day in which counting begins (`WorkCalendar.day_end`).

All arithmetic is done in UTC; the calendar's time zone only places the working periods.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import Final, Literal

from casekit.i18n import _

ZERO = timedelta(0)
_MAX_DAYS = 366 * 30  # no deadline is 30 years away; a calendar without working days is a bug

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class WorkCalendar:
    """Working periods of a day, which days are worked, and how far the holiday data reaches.

    `days_off` are non-working days even on a weekday (public holidays, company days off);
    `working_days` are worked even on a weekend (make-up days, 调休). `known_from` and
    `known_until` bound the days whose holidays are known (`covers`); on the days outside,
    only the weekend and the `fixed_holidays` (month, day) are days off, unless `days_off`
    or `working_days` list the day: a deadline counted there is provisional.
    """

    tz: tzinfo
    periods: tuple[tuple[time, time], ...] = ((time(9, 0), time(18, 30)),)
    weekend: frozenset[int] = frozenset({5, 6})
    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    known_from: date | None = None
    known_until: date | None = None
    fixed_holidays: frozenset[tuple[int, int]] = frozenset()
    _cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError(_("a working day needs at least one working period"))
        previous: time | None = None
        for start, end in self.periods:
            if not start < end:
                raise ValueError(
                    _("working period {start}-{end} must end after it starts").format(
                        start=f"{start:%H:%M}", end=f"{end:%H:%M}"
                    )
                )
            if previous is not None and start < previous:
                raise ValueError(_("working periods must be in order and must not overlap"))
            previous = end
        if len(self.weekend) >= 7 and not self.working_days:
            raise ValueError(_("every day of the week is a weekend day"))

    # --- days ---------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        if (day.month, day.day) in self.fixed_holidays and not self.covers(day):
            return False
        return day.weekday() not in self.weekend

    def covers(self, day: date) -> bool:
        """Whether the day's holidays are known (it lies within known_from..known_until)."""
        if self.known_until is not None and day > self.known_until:
            return False
        return self.known_from is None or day >= self.known_from

    def working_days_between(self, first: date, second: date) -> int:
        """Working days after `first` up to and including `second` (negative when `second` is
        earlier: minus the working days after `second` up to and including `first`). From a
        Monday to the Thursday of an ordinary week it is 3; a Saturday make-up day (调休) counts."""
        if second < first:
            return -self.working_days_between(second, first)
        if (second - first).days > _MAX_DAYS:
            raise ValueError(
                _("{first} and {second} are too far apart to count working days").format(
                    first=first, second=second
                )
            )
        return sum(
            1 for n in range(1, (second - first).days + 1) if self.is_working_day(first + timedelta(n))
        )

    @property
    def day_length(self) -> timedelta:
        """Working time in one full working day: the length of "1 working day"."""
        return sum((_seconds_between(start, end) for start, end in self.periods), ZERO)

    def working_periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's working periods as UTC instants (empty on a day off)."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        result: tuple[tuple[datetime, datetime], ...] = ()
        if self.is_working_day(day):
            result = tuple(
                (self._instant(day, start), self._instant(day, end)) for start, end in self.periods
            )
        self._cache[day] = result
        return result

    def _instant(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment).replace(tzinfo=self.tz).astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        return _aware(instant).astimezone(self.tz).date()

    def _days_from(self, instant: datetime) -> Iterator[date]:
        day = self.local_date(instant) - timedelta(days=1)  # a period may start the local day before
        for _day in range(_MAX_DAYS):
            yield day
            day += timedelta(days=1)
        raise ValueError(_("no working time found within 30 years; check the calendar's days"))

    # --- instants -----------------------------------------------------------------------

    def is_working_time(self, instant: datetime) -> bool:
        """Whether `instant` lies inside a working period (its start included, its end not)."""
        moment = _aware(instant).astimezone(UTC)
        day = self.local_date(moment)
        return any(start <= moment < end for start, end in self.working_periods(day))

    def next_working_time(self, instant: datetime) -> datetime:
        """`instant` itself when it is working time, else the start of the next working period."""
        moment = _aware(instant).astimezone(UTC)
        for day in self._days_from(moment):
            for period_start, period_end in self.working_periods(day):
                if period_end > moment:
                    return self._local(max(period_start, moment))
        raise AssertionError  # pragma: no cover (unreachable: the days never run out)

    def day_end(self, instant: datetime) -> datetime:
        """The end of the working day in which counting from `instant` begins: the end of that
        day's last working period when `instant` is before it (in a lunch break or before the
        day starts, too), else the end of the next working day."""
        moment = _aware(instant).astimezone(UTC)
        for day in self._days_from(moment):
            periods = self.working_periods(day)
            if periods and periods[-1][1] > moment:
                return self._local(periods[-1][1])
        raise AssertionError  # pragma: no cover (unreachable: the days never run out)

    def add(self, start: datetime, length: timedelta) -> datetime:
        """The instant when `length` of working time has passed since `start`.

        Counting begins at the next working instant; the result is never in non-working
        time (a result at the very end of a period is that end, not the next morning).
        A zero length gives `start` back.
        """
        if length < ZERO:
            raise ValueError(_("cannot add a negative working time"))
        moment = _aware(start).astimezone(UTC)
        if length == ZERO:
            return self._local(moment)
        remaining = length
        for day in self._days_from(moment):
            for period_start, period_end in self.working_periods(day):
                if period_end <= moment:
                    continue
                begin = max(period_start, moment)
                available = period_end - begin
                if remaining <= available:
                    return self._local(begin + remaining)
                remaining -= available
        raise AssertionError  # pragma: no cover (unreachable: the days never run out)

    def between(self, first: datetime, second: datetime) -> timedelta:
        """Working time from `first` to `second` (negative when `second` is earlier)."""
        a = _aware(first).astimezone(UTC)
        b = _aware(second).astimezone(UTC)
        if b < a:
            return -self.between(b, a)
        total = ZERO
        last = self.local_date(b) + timedelta(days=1)
        for day in self._days_from(a):
            if day > last:
                break
            for period_start, period_end in self.working_periods(day):
                overlap = min(period_end, b) - max(period_start, a)
                if overlap > ZERO:
                    total += overlap
        return total

    def uncovered_days(self, first: datetime, second: datetime) -> date | None:
        """The first day from `first` to `second` whose holidays are unknown, or None."""
        a, b = self.local_date(min(first, second)), self.local_date(max(first, second))
        if self.known_until is not None and b > self.known_until:
            return max(a, self.known_until + timedelta(days=1))
        if self.known_from is not None and a < self.known_from:
            return a
        return None

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError(_("{instant} has no time zone").format(instant=instant.isoformat()))
    return instant


def _seconds_between(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


_UNITS = {
    "m": "minute",
    "min": "minute",
    "mins": "minute",
    "minute": "minute",
    "minutes": "minute",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    "d": "day",
    "day": "day",
    "days": "day",
}
_DURATION = re.compile(r"^\s*(\d+)\s*(working\s+)?([a-z]+)\s*$")

DAY_END: Final = "day-end"
# How a duration counts: False calendar time, True working time, DAY_END working time
# from the end of the working day in which counting begins (`WorkCalendar.day_end`).
Counting = bool | Literal["day-end"]
SAME_WORKING_DAY = ("same working day", "当天", "当日")
SAME_WORKING_DAY_TEXT = SAME_WORKING_DAY[0]


@dataclass(frozen=True)
class Duration:
    """An amount of time from a rule: calendar time, working time (`working=True`), or the
    rest of the working day the clock starts in (`working=DAY_END`, amount 0: `same working day`)."""

    amount: int
    unit: str  # minute, hour or day
    working: Counting

    @property
    def text(self) -> str:
        if self.working == DAY_END:
            return SAME_WORKING_DAY_TEXT
        plural = "" if self.amount == 1 else "s"
        kind = "working " if self.working else ""
        return f"{self.amount} {kind}{self.unit}{plural}"

    def length(self, day_length: timedelta) -> timedelta:
        """As a timedelta: a working day is `day_length`, a calendar day 24 hours; `same
        working day` adds nothing beyond the end of its day (`advance` finds that end)."""
        if self.working == DAY_END:
            return ZERO
        if self.unit == "minute":
            return timedelta(minutes=self.amount)
        if self.unit == "hour":
            return timedelta(hours=self.amount)
        return self.amount * (day_length if self.working else timedelta(days=1))

    def __str__(self) -> str:
        return self.text


def parse_duration(text: object) -> Duration:
    """`5 working minutes`, `1 working day`, `48 hours`, `48h`, `3 days`, `15m`, `same working day`.

    With "working" it counts working time only; without, calendar time. `same working day`
    (or 当天) is due at the end of the working day the clock starts in. Raises ValueError.
    """
    if isinstance(text, str) and " ".join(text.lower().split()) in SAME_WORKING_DAY:
        return Duration(0, "day", DAY_END)
    match = _DURATION.match(str(text).lower()) if isinstance(text, str | int) else None
    unit = _UNITS.get(match.group(3)) if match else None
    if match is None or unit is None:
        raise ValueError(
            _(
                "{text!r} is not a duration; write e.g. '5 working minutes', '1 working day' "
                "(working time), '48 hours', '3 days' (calendar time) or 'same working day'"
            ).format(text=text)
        )
    amount = int(match.group(1))
    if amount <= 0:
        raise ValueError(_("{text!r}: a duration must be more than zero").format(text=text))
    return Duration(amount, unit, bool(match.group(2)))


def measure(calendar: WorkCalendar, working: Counting, first: datetime, second: datetime) -> timedelta:
    """Time from `first` to `second`: working time (also for `same working day`), or plain elapsed time."""
    if working:
        return calendar.between(first, second)
    return _aware(second).astimezone(UTC) - _aware(first).astimezone(UTC)


def advance(calendar: WorkCalendar, working: Counting, start: datetime, length: timedelta) -> datetime:
    """`start` plus `length`: of working time, or of plain elapsed time; with DAY_END, the
    end of the working day counting from `start` begins in, plus `length` of working time
    (the time a clock stood still)."""
    if working == DAY_END:
        return calendar.add(calendar.day_end(start), length)
    if working:
        return calendar.add(start, length)
    return (_aware(start).astimezone(UTC) + length).astimezone(calendar.tz)


def format_span(length: timedelta) -> str:
    """'2h30m', '45m', '0m', '-1h05m': how stored pause totals and remaining times are written."""
    seconds = int(length.total_seconds())
    sign = "-" if seconds < 0 else ""
    minutes, secs = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
    if secs:
        text += f"{secs:02d}s"
    return sign + text


_SPAN = re.compile(r"^(-)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_span(text: object) -> timedelta:
    """The inverse of `format_span`; raises ValueError."""
    match = _SPAN.match(str(text)) if isinstance(text, str) and text not in ("", "-") else None
    if match is None or not any(match.group(i) for i in (2, 3, 4)):
        raise ValueError(_("{text!r} is not a length of time such as 2h30m").format(text=text))
    hours, minutes, seconds = (int(match.group(i) or 0) for i in (2, 3, 4))
    length = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return -length if match.group(1) else length


def parse_clock(text: str) -> time:
    """'09:00' -> time(9, 0); raises ValueError."""
    match = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(_("{text!r} is not a time of day such as 09:00").format(text=text))
    return time(int(match.group(1)), int(match.group(2)))


def parse_periods(value: object) -> tuple[tuple[time, time], ...]:
    """'09:00-18:30' or a list of such periods; raises ValueError naming what is wrong."""
    items = value if isinstance(value, list) else [value]
    periods: list[tuple[time, time]] = []
    for item in items:
        if not isinstance(item, str) or item.count("-") != 1:
            raise ValueError(
                _("{period!r} is not a working period such as '09:00-18:30'").format(period=item)
            )
        first, second = item.split("-")
        start, end = parse_clock(first), parse_clock(second)
        if not start < end:
            raise ValueError(
                _("working period {period!r} must end after it starts, on the same day").format(period=item)
            )
        periods.append((start, end))
    if not periods:
        raise ValueError(_("give at least one working period such as '09:00-18:30'"))
    for (_start, end), (start, _end) in pairwise(periods):
        if start < end:
            raise ValueError(_("working periods must be in order and must not overlap"))
    return tuple(periods)
