"""The `calendar:` config section: working hours, weekends, public holidays and make-up days.

Public holidays and make-up working days (调休) come from the `chinesecalendar` package,
which follows the State Council's yearly schedule; the config may add days off (a company
holiday) and working days (next year's schedule before the package knows it, as
`casekit calendar add` writes it), and say how far its own lists reach (`known_until`).
Past the last known day a deadline counts weekends and the fixed-date holidays
(`fixed_holidays`: 元旦, 劳动节, 国庆节 by default) and is provisional; `warn_days` before
that day, `validate`, `due` and `list` start to say so (`casekit.core.holidays`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from casekit.core.config import Config, Finding, Label, once_per_config
from casekit.core.holidays import DEFAULT_WARN_DAYS, china_schedule, parse_day
from casekit.core.workcal import WEEKDAYS, WorkCalendar, parse_periods
from casekit.i18n import _

__all__ = ["calendar_for", "calendar_settings", "check_calendar", "china_schedule", "parse_calendar"]

SECTION = "calendar"
SOURCES = ("china", "none")
DEFAULT_HOURS = "09:00-18:30"
DEFAULT_WEEKEND = ("saturday", "sunday")
KEYS = (
    "hours",
    "weekend",
    "public_holidays",
    "days_off",
    "working_days",
    "known_until",
    "warn_days",
    "fixed_holidays",
)
# Past the last known day, the public holidays whose date never moves (the lunar ones do).
DEFAULT_FIXED_HOLIDAYS: Mapping[str, Mapping[str, Any]] = {
    "new_year": {"zh": "元旦", "en": "New Year's Day", "days": ["01-01"]},
    "labour_day": {"zh": "劳动节", "en": "Labour Day", "days": ["05-01"]},
    "national_day": {"zh": "国庆节", "en": "National Day", "days": ["10-01", "10-02", "10-03"]},
}


@dataclass(frozen=True)
class CalendarSettings:
    """The section as read: the working calendar, and what only people read of it."""

    calendar: WorkCalendar
    source: str  # china or none
    warn_days: int
    fixed: Mapping[tuple[int, int], Label]  # (month, day) -> the fixed holiday's label
    days_off: Mapping[date, str]  # the days casekit.yaml lists, with their labels ("" when none)
    working_days: Mapping[date, str]


def _dates(value: Any, key: str, findings: list[Finding]) -> dict[date, str]:
    """A list of dates, or a mapping of dates to a label (the label is for people): each
    date with its label ("" when none)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        items: list[tuple[str | int, Any, Any]] = [(str(k), k, v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(index, item, None) for index, item in enumerate(value)]
    else:
        findings.append(([key], _("must be a list of dates such as [2026-12-31], or a mapping date: label")))
        return {}
    result: dict[date, str] = {}
    for where, item, label in items:
        try:
            result[parse_day(item)] = "" if label is None else str(label)
        except ValueError:
            findings.append(([key, where], _("{item!r} is not a date such as 2026-12-31").format(item=item)))
    return result


def _weekend(value: Any, findings: list[Finding]) -> frozenset[int]:
    if value is None:
        value = list(DEFAULT_WEEKEND)
    if not isinstance(value, list):
        findings.append((["weekend"], _("must be a list of day names such as [saturday, sunday]")))
        return frozenset({5, 6})
    days = set()
    for index, name in enumerate(value):
        text = str(name).lower()
        matches = [i for i, day in enumerate(WEEKDAYS) if day == text or day[:3] == text]
        if not matches:
            findings.append(
                (
                    ["weekend", index],
                    _("{name!r} is not a day of the week such as saturday").format(name=name),
                )
            )
        else:
            days.add(matches[0])
    if len(days) == 7:
        findings.append((["weekend"], _("every day is a weekend day; leave at least one working day")))
    return frozenset(days)


def _month_day(text: Any) -> tuple[int, int]:
    """'10-01' -> (10, 1); raises ValueError."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != "-":
        raise ValueError(text)
    month, day = int(text[:2]), int(text[3:])
    date(2000, month, day)  # a leap year: 02-29 is a date
    return month, day


def _fixed(value: Any, findings: list[Finding]) -> dict[tuple[int, int], Label]:
    """`fixed_holidays`: name -> {zh, en, days: ['MM-DD', ...]}."""
    if value is None:
        value = DEFAULT_FIXED_HOLIDAYS
    if not isinstance(value, Mapping):
        findings.append(
            (
                ["fixed_holidays"],
                _(
                    "must be a mapping such as {national_day: {zh: 国庆节, en: National Day, days: "
                    "['10-01', '10-02', '10-03']}}"
                ),
            )
        )
        return {}
    result: dict[tuple[int, int], Label] = {}
    for name, holiday in value.items():
        where: list[str | int] = ["fixed_holidays", str(name)]
        if not isinstance(holiday, Mapping) or not isinstance(holiday.get("days"), list):
            findings.append(
                (where, _("{name} must be a mapping with zh, en and days: ['MM-DD', ...]").format(name=name))
            )
            continue
        for key in holiday:
            if key not in ("zh", "en", "days"):
                findings.append(
                    (
                        [*where, str(key)],
                        _("unknown key {key!r} in {name}; use zh, en and days").format(key=key, name=name),
                    )
                )
        label = Label(str(holiday.get("zh", name)), str(holiday.get("en", name)))
        for index, day in enumerate(holiday["days"]):
            try:
                result[_month_day(day)] = label
            except ValueError:
                findings.append(
                    (
                        [*where, "days", index],
                        _("{day!r} is not a month and day such as '10-01'").format(day=day),
                    )
                )
    return result


def _warn_days(section: Mapping[str, Any], findings: list[Finding]) -> int:
    value = section.get("warn_days", DEFAULT_WARN_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        findings.append(
            (["warn_days"], _("{value!r} is not a number of days such as 30").format(value=value))
        )
        return DEFAULT_WARN_DAYS
    return value


def parse_calendar(section: Any, config: Config) -> tuple[WorkCalendar, list[Finding]]:
    """The working calendar the section describes (defaults where it is silent), and its problems."""
    settings, findings = read_calendar(section, config)
    return settings.calendar, findings


def read_calendar(section: Any, config: Config) -> tuple[CalendarSettings, list[Finding]]:
    """The whole section as read (defaults where it is silent), and its problems."""
    findings: list[Finding] = []
    if section is None:
        section = {}
    if not isinstance(section, Mapping):
        return _build(config, {}, findings), [([], _("must be a mapping with hours, weekend, ..."))]
    for key in section:
        if key not in KEYS:
            findings.append(([key], _("unknown setting; use {keys}").format(keys=", ".join(sorted(KEYS)))))
    return _build(config, section, findings), findings


def _build(config: Config, section: Mapping[str, Any], findings: list[Finding]) -> CalendarSettings:
    try:
        periods = parse_periods(section.get("hours", DEFAULT_HOURS))
    except ValueError as exc:
        findings.append((["hours"], str(exc)))
        periods = parse_periods(DEFAULT_HOURS)
    weekend = _weekend(section.get("weekend"), findings)
    source = section.get("public_holidays", "china")
    if source not in SOURCES:
        findings.append(
            (
                ["public_holidays"],
                _("{source!r} is not a holiday source; use china (chinesecalendar) or none").format(
                    source=source
                ),
            )
        )
        source = "none"
    days_off = _dates(section.get("days_off"), "days_off", findings)
    working_days = _dates(section.get("working_days"), "working_days", findings)
    for day in sorted(days_off.keys() & working_days.keys()):
        findings.append(
            (["working_days"], _("{day} is listed both as a day off and as a working day").format(day=day))
        )
    known_from: date | None = None
    known_until: date | None = None
    holidays: frozenset[date] = frozenset()
    makeup: frozenset[date] = frozenset()
    if source == "china":
        holidays, makeup, known_from, known_until = china_schedule()
    if section.get("known_until") is not None:
        try:
            known_until = parse_day(section["known_until"])
        except ValueError:
            findings.append(
                (
                    ["known_until"],
                    _("{known_until!r} is not a date such as 2027-12-31").format(
                        known_until=section["known_until"]
                    ),
                )
            )
    fixed = _fixed(section.get("fixed_holidays"), findings)
    calendar = WorkCalendar(
        tz=config.tz,
        periods=periods,
        weekend=weekend if len(weekend) < 7 else frozenset({5, 6}),
        days_off=frozenset((holidays - working_days.keys()) | days_off.keys()),
        working_days=frozenset((makeup - days_off.keys()) | working_days.keys()),
        known_from=known_from,
        known_until=known_until,
        fixed_holidays=frozenset(fixed),
    )
    return CalendarSettings(
        calendar, str(source), _warn_days(section, findings), fixed, days_off, working_days
    )


def check_calendar(section: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `calendar:`."""
    return read_calendar(section, config)[1]


@once_per_config
def calendar_settings(config: Config) -> CalendarSettings:
    """The repository's `calendar:` section as read (once per loaded config)."""
    return read_calendar(config.section(SECTION), config)[0]


def calendar_for(config: Config) -> WorkCalendar:
    """The repository's working calendar (built once per loaded config)."""
    return calendar_settings(config).calendar
