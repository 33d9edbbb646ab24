"""A year's holiday schedule, pure: the table a supervisor copies from the State Council's
notice (`casekit calendar add YEAR FILE`), what it adds to the `calendar:` section, and a
year of the working calendar month by month (`casekit calendar show YEAR`).

The table has one day (or a range of days) a line: the date, `off` or `working` (also
休/班, 放假/上班), and a label such as 春节; comma-, tab- or space-separated; blank lines,
`#` comments and a first line of headings (date, 日期) are skipped:

    2027-02-11..2027-02-17, off, 春节
    2027-02-07, working, 春节
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from casekit.core.fields import control_character
from casekit.core.holidays import china_schedule, next_unknown_year
from casekit.errors import Refused
from casekit.features.deadlines.calendar import CalendarSettings
from casekit.i18n import _, is_chinese

OFF_WORDS = frozenset({"off", "休", "放假", "休息"})
WORKING_WORDS = frozenset({"working", "work", "班", "上班"})
HEADINGS = frozenset({"date", "日期"})
RANGE_SIGNS = ("..", "~", "～", "至")
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
WEEKDAY_NAMES = (
    ("一", "Mon"),
    ("二", "Tue"),
    ("三", "Wed"),
    ("四", "Thu"),
    ("五", "Fri"),
    ("六", "Sat"),
    ("日", "Sun"),
)
MONTH_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class ScheduleDay:
    """One day of the table: off (a holiday) or working (a make-up day), its label and line."""

    day: date
    off: bool
    label: str
    line: int


def _cells(text: str) -> list[str]:
    if "," in text or "，" in text:
        row = next(csv.reader([text.replace("，", ",")]), [])
    elif "\t" in text:
        row = text.split("\t")
    else:
        row = text.split(None, 2)
    cells = [cell.strip() for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _parse_date(text: str) -> date:
    match = _DATE.match(text)
    if match is None:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


def _days(cell: str, where: str, year: int) -> list[date]:
    """The day, or the days of a range (2027-02-11..2027-02-17), a date cell names."""
    sign = next((s for s in RANGE_SIGNS if s in cell), None)
    parts = [p.strip() for p in cell.split(sign, 1)] if sign else [cell]
    try:
        first, last = _parse_date(parts[0]), _parse_date(parts[-1])
    except ValueError:
        raise Refused(
            _(
                "{where}: {cell!r} is not a date such as {year}-02-11 (or a range {year}-02-11..{year}-02-17)"
            ).format(where=where, cell=cell, year=year)
        ) from None
    if last < first:
        raise Refused(_("{where}: the range {cell!r} ends before it starts").format(where=where, cell=cell))
    for day in (first, last):
        if day.year != year:
            raise Refused(
                _("{where}: {day} is not in {year}; the table lists {year}'s days only").format(
                    where=where, day=day, year=year
                )
            )
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def parse_schedule(text: str, year: int, name: str) -> list[ScheduleDay]:
    """The days of a schedule table for `year` (see the module's docstring), in date order;
    Refused naming the file (`name`) and line of the first thing wrong."""
    found: dict[date, ScheduleDay] = {}
    first_row = True
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        where = f"{name}:{number}"
        cells = _cells(line)
        if first_row and cells and cells[0].lower() in HEADINGS:
            first_row = False
            continue
        first_row = False
        listed = _days(cells[0], where, year)
        if len(cells) < 2:
            raise Refused(
                _("{where}: give off or working after the date, e.g. {year}-02-11, off, 春节").format(
                    where=where, year=year
                )
            )
        if len(cells) > 3:
            raise Refused(
                _("{where}: a line has three columns at most: date, off or working, label").format(
                    where=where
                )
            )
        word = cells[1].lower()
        if word not in OFF_WORDS and word not in WORKING_WORDS:
            raise Refused(
                _("{where}: {cells!r} is not off or working (休/班 and 放假/上班 also do)").format(
                    where=where, cells=cells[1]
                )
            )
        label = cells[2] if len(cells) > 2 else ""
        if problem := control_character(label):
            raise Refused(_("{where}: the label {problem}").format(where=where, problem=problem))
        for day in listed:
            if day in found:
                raise Refused(
                    _("{where}: {day} is listed already, on line {line}").format(
                        where=where, day=day, line=found[day].line
                    )
                )
            found[day] = ScheduleDay(day, word in OFF_WORDS, label, number)
    if not found:
        raise Refused(
            _("{name} lists no days; write one line a day: date, off or working, label (e.g. 春节)").format(
                name=name
            )
        )
    return [found[day] for day in sorted(found)]


@dataclass(frozen=True)
class YearPlan:
    """What `calendar add` writes: the days to add under days_off and working_days (date
    text -> label), the new known_until (None: unchanged), and how many days of the table
    casekit.yaml lists already."""

    year: int
    days_off: dict[str, str] = field(default_factory=dict)
    working_days: dict[str, str] = field(default_factory=dict)
    known_until: date | None = None
    already: int = 0

    @property
    def changes(self) -> bool:
        return bool(self.days_off or self.working_days or self.known_until)


def plan_year(settings: CalendarSettings, year: int, days: Sequence[ScheduleDay], name: str) -> YearPlan:
    """What adding the table's `days` for `year` changes in the `calendar:` section;
    Refused when chinesecalendar knows the year already, when it would leave a year
    unknown in between, or when a day is listed the other way in casekit.yaml."""
    calendar = settings.calendar
    if settings.source == "china":
        _off, _working, first, last = china_schedule()
        if first.year <= year <= last.year:
            raise Refused(
                _(
                    "chinesecalendar already knows {year}'s holidays; correct a single day under "
                    "calendar.days_off or calendar.working_days in casekit.yaml instead"
                ).format(year=year)
            )
    end = calendar.known_until
    if end is not None and date(year, 1, 1) > end + timedelta(days=1):
        raise Refused(
            _(
                "the holiday calendar is known until {end}; add {next_year} first, so that no days "
                "in between are left unknown"
            ).format(end=end, next_year=next_unknown_year(end))
        )
    off: dict[str, str] = {}
    working: dict[str, str] = {}
    already = 0
    for item in days:
        listed, other, key = (
            (settings.days_off, settings.working_days, "days_off")
            if item.off
            else (settings.working_days, settings.days_off, "working_days")
        )
        if item.day in other:
            where = "calendar.working_days" if item.off else "calendar.days_off"
            raise Refused(
                _(
                    "{day} is listed under {where} in casekit.yaml, but {name}:{line} says "
                    "{table_says}; remove one of them first"
                ).format(
                    day=item.day,
                    where=where,
                    name=name,
                    line=item.line,
                    table_says="off" if item.off else "working",
                )
            )
        if item.day in listed:
            already += 1
            continue
        target = off if key == "days_off" else working
        target[item.day.isoformat()] = item.label or ("放假" if item.off else "上班")
    last_day = date(year, 12, 31)
    known_until = last_day if end is None or end < last_day else None
    return YearPlan(year, off, working, known_until, already)


@dataclass(frozen=True)
class MonthView:
    """One month of the working calendar: how many working days it has, its days off other
    than ordinary weekends (with their labels), the weekend days worked, and whether any
    of its days lie past the known holidays (provisional)."""

    month: int
    working_days: int
    days_off: tuple[tuple[date, str], ...]
    weekend_worked: tuple[tuple[date, str], ...]
    provisional: bool


def year_view(settings: CalendarSettings, year: int, label: Callable[[date], str]) -> list[MonthView]:
    """The twelve months of `year` as the calendar counts them; `label` names a day."""
    calendar = settings.calendar
    months = []
    for month in range(1, 13):
        day = date(year, month, 1)
        working = 0
        off: list[tuple[date, str]] = []
        worked: list[tuple[date, str]] = []
        provisional = False
        while day.month == month:
            weekend = day.weekday() in calendar.weekend
            provisional = provisional or not calendar.covers(day)
            if calendar.is_working_day(day):
                working += 1
                if weekend:
                    worked.append((day, label(day)))
            elif not weekend or day in calendar.days_off or _fixed_off(settings, day):
                off.append((day, label(day)))
            day += timedelta(days=1)
        months.append(MonthView(month, working, tuple(off), tuple(worked), provisional))
    return months


def _fixed_off(settings: CalendarSettings, day: date) -> bool:
    return (day.month, day.day) in settings.fixed and not settings.calendar.covers(day)


def day_label(settings: CalendarSettings, china: Mapping[date, object]) -> Callable[[date], str]:
    """What names a day in `calendar show`: the config's label, else the fixed holiday's
    (past the known days), else chinesecalendar's (its Chinese and English name)."""

    def label(day: date) -> str:
        own = settings.days_off.get(day) or settings.working_days.get(day)
        if own:
            return own
        fixed = settings.fixed.get((day.month, day.day))
        if fixed is not None and not settings.calendar.covers(day):
            return fixed.zh if is_chinese() else f"{fixed.zh} {fixed.en}"
        named = china.get(day) if settings.source == "china" else None
        zh, en = getattr(named, "zh", ""), getattr(named, "en", "")
        return zh if is_chinese() and zh else f"{zh} {en}".strip()

    return label


def spans(days: Sequence[tuple[date, str]]) -> str:
    """'1–7 国庆节 National Day; 25–27 中秋 Mid-autumn Festival': runs of consecutive days
    with one label, by day of the month."""
    runs: list[tuple[date, date, str]] = []
    for day, label in days:
        if runs and runs[-1][1] + timedelta(days=1) == day and runs[-1][2] == label:
            runs[-1] = (runs[-1][0], day, label)
        else:
            runs.append((day, day, label))
    parts = []
    for first, last, label in runs:
        when = str(first.day) if first == last else f"{first.day}–{last.day}"
        parts.append(f"{when} {label}".strip())
    return "; ".join(parts)


def weekend_days(days: Sequence[tuple[date, str]]) -> str:
    """'10（周六 Sat）国庆节 National Day; ...': weekend days worked, each with its weekday."""
    parts = []
    for day, label in days:
        zh, en = WEEKDAY_NAMES[day.weekday()]
        weekday = f"周{zh}" if is_chinese() else f"周{zh} {en}"
        parts.append(f"{day.day}（{weekday}）{label}".rstrip())
    return "; ".join(parts)


def month_name(month: int) -> str:
    return f"{month}月" if is_chinese() else f"{month}月 {MONTH_EN[month - 1]}"
