"""How far the holiday calendar reaches, pure: the `chinesecalendar` package's schedule and
the days the `calendar:` section says are known, and the warning when that runs out.

Public holidays and make-up working days (调休) come from `chinesecalendar`, which knows
the State Council's yearly schedule up to its last year (2026 for version 1.11); the
config's `known_until` moves the last known day (a team that lists next year's days
itself, e.g. with `casekit calendar add`). Past the last known day a deadline counts
weekends and the fixed-date holidays only and is provisional; `coverage_notice` is the
warning `validate`, `due` and `list` print when that day is near or past. Read from the
section as written, so `list` needs neither the feature nor the whole calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from typing import Any

from casekit.core.config import Label
from casekit.i18n import _, ngettext

DEFAULT_WARN_DAYS = 30
DEFAULT_SOURCE = "china"


@cache
def china_schedule() -> tuple[frozenset[date], frozenset[date], date, date]:
    """(public holidays, make-up working days, first day known, last day known) from chinesecalendar."""
    import chinese_calendar

    holidays = frozenset(chinese_calendar.holidays)
    workdays = frozenset(chinese_calendar.workdays)
    first = min(holidays).replace(month=1, day=1)
    last = max(holidays).replace(month=12, day=31)
    return holidays, workdays, first, last


@cache
def china_labels() -> Mapping[date, Label]:
    """The holiday each of chinesecalendar's days off and make-up days belongs to (春节 Spring
    Festival...), in Chinese and English."""
    import chinese_calendar

    names = {holiday.value: Label(holiday.chinese, holiday.value) for holiday in chinese_calendar.Holiday}
    labels: dict[date, Label] = {}
    for table in (chinese_calendar.holidays, chinese_calendar.workdays):
        for day, name in table.items():
            if name:
                labels[day] = names.get(name, Label(str(name), str(name)))
    return labels


def parse_day(value: Any) -> date:
    """A date written in the config (2027-12-31); raises ValueError."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def coverage_end(section: Any) -> date | None:
    """The last day whose holidays the section says are known: its `known_until`, else
    chinesecalendar's last day (with `public_holidays: china`, the default), else None.
    A value the config check would refuse counts as not given."""
    values = section if isinstance(section, Mapping) else {}
    given = values.get("known_until")
    if given is not None:
        try:
            return parse_day(given)
        except ValueError:
            pass
    if values.get("public_holidays", DEFAULT_SOURCE) == DEFAULT_SOURCE:
        return china_schedule()[3]
    return None


def warn_days(section: Any) -> int:
    """`calendar.warn_days`: how many days before the last known day to start warning."""
    value = section.get("warn_days") if isinstance(section, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return DEFAULT_WARN_DAYS


def next_unknown_year(end: date) -> int:
    """The year whose schedule is the next to add after the last known day `end`."""
    return (end + timedelta(days=1)).year


def coverage_notice(section: Any, today: date) -> str | None:
    """One line for stderr when `today` is within `warn_days` of the last known day or past
    it: which day that is and how to extend the calendar; None otherwise."""
    end = coverage_end(section)
    if end is None:
        return None
    left = (end - today).days
    if left > warn_days(section):
        return None
    year = next_unknown_year(end)
    if left == 0:
        when = _("ends {day} (today)").format(day=end)
    elif left > 0:
        when = ngettext("ends {day} (in {count} day)", "ends {day} (in {count} days)", left).format(
            day=end, count=left
        )
    else:
        when = ngettext("ended {day}, {count} day ago", "ended {day}, {count} days ago", -left).format(
            day=end, count=-left
        )
    return _(
        "casekit: warning: the holiday calendar {when}; deadlines counted past it are provisional "
        "(weekends and fixed holidays only): add {year}'s schedule with `casekit calendar add {year} FILE` "
        "(or list it under calendar.days_off and calendar.working_days and set calendar.known_until), "
        "or upgrade chinesecalendar"
    ).format(when=when, year=year)
