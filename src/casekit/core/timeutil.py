"""Parsing and formatting of timestamps; every stored time is ISO 8601 with its offset."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casekit.i18n import _

# The years a date or time may name: far enough either way for any case, near enough that
# deadline arithmetic (a few years of working days) and time-zone shifts never leave
# Python's datetime range (years 1 to 9999).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


@cache
def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(_("unknown time zone {zone!r}").format(zone=name)) from exc


def parse_datetime(text: str, tz: tzinfo) -> datetime:
    """Parse an ISO 8601 date-time; a value without an offset is read in `tz`.

    Raises ValueError with a message fit for the user.
    """
    cleaned = text.strip().replace(" ", "T", 1) if "T" not in text else text.strip()
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            _("{text!r} is not a date-time; write it as 2026-11-23T10:05:00+08:00").format(text=text)
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    _refuse_far_year(text, value)
    try:  # also in the repository's time zone, where it is stored
        _refuse_far_year(text, value.astimezone(tz))
    except OverflowError:
        _refuse_far_year(text, date.max)
    return value


def parse_date(text: str) -> date:
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("{text!r} is not a date; write it as 2026-11-23").format(text=text)) from None
    _refuse_far_year(text, value)
    return value


def in_range(value: date) -> bool:
    """Whether a date (or date-time) falls in the years casekit keeps."""
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def out_of_range(text: str, value: date) -> str | None:
    """Why a date (or date-time) written as `text` is outside the years casekit keeps, or None."""
    if in_range(value):
        return None
    return _("{text!r} is out of range; casekit keeps dates from {first} to {last}").format(
        text=text, first=EARLIEST_YEAR, last=LATEST_YEAR
    )


def _refuse_far_year(text: str, value: date) -> None:
    problem = out_of_range(text, value)
    if problem:
        raise ValueError(problem)


def format_datetime(value: datetime, tz: tzinfo) -> str:
    """The stored form: seconds precision, in the repository's time zone, with offset."""
    return value.astimezone(tz).isoformat(timespec="seconds")


def stored_instant(value: Any) -> datetime | None:
    """The aware datetime a stored time names, or None for anything else (no offset, not a
    time, not text, a year outside EARLIEST_YEAR..LATEST_YEAR). The one reader of the times
    case files and configs hold: ISO 8601 text as casekit writes it, or an aware datetime a
    YAML loader made of one."""
    if type(value) is str:
        return _stored_text(value)
    if isinstance(value, str):  # a quoted scalar as ruamel.yaml's round-trip loader reads it
        return _stored_text(str(value))
    if isinstance(value, datetime):
        return value if value.tzinfo is not None and in_range(value) else None
    return None


@lru_cache(maxsize=1 << 16)
def _stored_text(text: str) -> datetime | None:
    # Cached: reports and `list` read the same case's times many times over (datetimes
    # are immutable, so sharing them is safe).
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None and in_range(value) else None
