"""The `calendar:` config section: working hours, weekends, public holidays and make-up days.

Public holidays and make-up working days (调休) come from the `chinesecalendar` package,
which follows the State Council's yearly schedule; the config may add days off (a company
holiday) and working days (next year's schedule before the package knows it), and say how
far its own lists reach (`known_until`). Deadlines that run past the last known day are
still computed, counting those days as ordinary weeks, and say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from casekit.core.config import Config, Finding, once_per_config
from casekit.core.workcal import WEEKDAYS, WorkCalendar, parse_periods

SECTION = "calendar"
SOURCES = ("china", "none")
DEFAULT_HOURS = "09:00-18:30"
DEFAULT_WEEKEND = ("saturday", "sunday")


@cache
def china_schedule() -> tuple[frozenset[date], frozenset[date], date, date]:
    """(public holidays, make-up working days, first day known, last day known) from chinesecalendar."""
    import chinese_calendar

    holidays = frozenset(chinese_calendar.holidays)
    workdays = frozenset(chinese_calendar.workdays)
    first = min(holidays).replace(month=1, day=1)
    last = max(holidays).replace(month=12, day=31)
    return holidays, workdays, first, last


def _dates(value: Any, key: str, findings: list[Finding]) -> set[date]:
    """A list of dates, or a mapping of dates to a label (the label is for people)."""
    if value is None:
        return set()
    if isinstance(value, Mapping):
        items: list[tuple[str | int, Any]] = [(str(k), k) for k in value]
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        findings.append(([key], "must be a list of dates such as [2026-12-31]"))
        return set()
    result = set()
    for where, item in items:
        try:
            result.add(date.fromisoformat(str(item)))
        except ValueError:
            findings.append(([key, where], f"{item!r} is not a date such as 2026-12-31"))
    return result


def _weekend(value: Any, findings: list[Finding]) -> frozenset[int]:
    if value is None:
        value = list(DEFAULT_WEEKEND)
    if not isinstance(value, list):
        findings.append((["weekend"], "must be a list of day names such as [saturday, sunday]"))
        return frozenset({5, 6})
    days = set()
    for index, name in enumerate(value):
        text = str(name).lower()
        matches = [i for i, day in enumerate(WEEKDAYS) if day == text or day[:3] == text]
        if not matches:
            findings.append((["weekend", index], f"{name!r} is not a day of the week such as saturday"))
        else:
            days.add(matches[0])
    if len(days) == 7:
        findings.append((["weekend"], "every day is a weekend day; leave at least one working day"))
    return frozenset(days)


def parse_calendar(section: Any, config: Config) -> tuple[WorkCalendar, list[Finding]]:
    """The working calendar the section describes (defaults where it is silent), and its problems."""
    findings: list[Finding] = []
    if section is None:
        section = {}
    if not isinstance(section, Mapping):
        return _build(config, {}, findings), [([], "must be a mapping with hours, weekend, ...")]
    known = {"hours", "weekend", "public_holidays", "days_off", "working_days", "known_until"}
    for key in section:
        if key not in known:
            findings.append(([key], f"unknown setting; use {', '.join(sorted(known))}"))
    return _build(config, section, findings), findings


def _build(config: Config, section: Mapping[str, Any], findings: list[Finding]) -> WorkCalendar:
    try:
        periods = parse_periods(section.get("hours", DEFAULT_HOURS))
    except ValueError as exc:
        findings.append((["hours"], str(exc)))
        periods = parse_periods(DEFAULT_HOURS)
    weekend = _weekend(section.get("weekend"), findings)
    source = section.get("public_holidays", "china")
    if source not in SOURCES:
        findings.append(
            (["public_holidays"], f"{source!r} is not a holiday source; use china (chinesecalendar) or none")
        )
        source = "none"
    days_off = _dates(section.get("days_off"), "days_off", findings)
    working_days = _dates(section.get("working_days"), "working_days", findings)
    for day in sorted(days_off & working_days):
        findings.append((["working_days"], f"{day} is listed both as a day off and as a working day"))
    known_from: date | None = None
    known_until: date | None = None
    holidays: frozenset[date] = frozenset()
    makeup: frozenset[date] = frozenset()
    if source == "china":
        holidays, makeup, known_from, known_until = china_schedule()
    if "known_until" in section:
        try:
            known_until = date.fromisoformat(str(section["known_until"]))
        except ValueError:
            findings.append((["known_until"], f"{section['known_until']!r} is not a date such as 2027-12-31"))
    return WorkCalendar(
        tz=config.tz,
        periods=periods,
        weekend=weekend if len(weekend) < 7 else frozenset({5, 6}),
        days_off=frozenset((holidays - working_days) | days_off),
        working_days=frozenset((makeup - days_off) | working_days),
        known_from=known_from,
        known_until=known_until,
    )


def check_calendar(section: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `calendar:`."""
    return parse_calendar(section, config)[1]


@once_per_config
def calendar_for(config: Config) -> WorkCalendar:
    """The repository's working calendar (built once per loaded config)."""
    return parse_calendar(config.section(SECTION), config)[0]
