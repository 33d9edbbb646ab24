"""What the returns commands show of a case: the day it was opened, months, and the
labels of its states and enum values, pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, tzinfo
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.config import Config
from casekit.core.timeline import opened_at
from casekit.i18n import _


def opened_on(case: Mapping[str, Any], tz: tzinfo) -> date | None:
    moment = opened_at(case)
    return moment.astimezone(tz).date() if moment else None


def month_text(day: date) -> str:
    return f"{day:%Y-%m}"


def parse_month(text: str) -> tuple[int, int]:
    """'2026-11' -> (2026, 11); ValueError says what is wrong."""
    parts = text.strip().split("-")
    if len(parts) == 2 and len(parts[0]) == 4 and parts[0].isdigit() and parts[1].isdigit():
        year, month = int(parts[0]), int(parts[1])
        if 1 <= month <= 12:
            return year, month
    raise ValueError(_("{text!r} is not a month; write it as YYYY-MM, e.g. 2026-11").format(text=text))


def label(config: Config, case: Mapping[str, Any], field_name: str, lang: str = "zh") -> str:
    """The label of an enum field's value (or the value itself)."""
    value = fields_of(case).get(field_name)
    if value is None:
        return ""
    kind = config.kinds.get(str(case.get("kind")))
    spec = kind.fields.get(field_name) if kind else None
    if spec is not None and isinstance(value, str) and value in spec.values:
        return spec.values[value].text(lang)
    return str(value)


def status_label(config: Config, case: Mapping[str, Any], lang: str = "zh") -> str:
    kind = config.kinds.get(str(case.get("kind")))
    status = str(case.get("status", ""))
    return kind.state_label(status, lang) if kind else status


def as_date(value: Any) -> date | None:
    """A date field's value (a date, or text starting YYYY-MM-DD) as a date; None if unset or not a date."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
