"""What a harassment log is, and what is read from one. Pure: cases and times come in as
arguments.

A log is a case of the `harassment` kind (older repositories marked one with the
category `harassment` on another kind: those count too). Its call time is the field
`called_at`, else the time it was opened; its source is the customer's phone, matched
whatever way it was typed (`casekit.core.fields.phone_key`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from casekit.core.casefile import customer_of, fields_of
from casekit.core.fields import phone_key
from casekit.core.timeutil import stored_instant

KIND = "harassment"
LEGACY_CATEGORY = "harassment"  # a category value that marked one before the kind existed
CALLED_AT = "called_at"
LINE = "call_line"
SAID = "content"
ENDED_BY = "ended_by"
SEVERITY = "severity"
ENDED_BY_VALUES = ("agent", "caller")
UNKNOWN_CALLER = "未知来电"  # the customer's name on a log: the caller gives none


def is_harassment(case: Mapping[str, Any]) -> bool:
    """Whether a case (or its list view) logs a harassment call."""
    return case.get("kind") == KIND or fields_of(case).get("category") == LEGACY_CATEGORY


def source_of(case: Mapping[str, Any]) -> str:
    """The key of the number the call came from ('' when none was recorded)."""
    phone = customer_of(case).get("phone")
    return phone_key(str(phone)) if phone not in (None, "") else ""


def call_time(case: Mapping[str, Any]) -> datetime | None:
    """When the call came in: `called_at`, else when the log was opened."""
    return stored_instant(fields_of(case).get(CALLED_AT)) or stored_instant(case.get("opened_at"))


def harassment_cases_for(cases: Iterable[Mapping[str, Any]], phone: str) -> list[str]:
    """The IDs of the harassment logs among `cases` whose source is `phone`, however
    either was written ('138 0013 8000', '+86 13800138000' and '13800138000' match)."""
    key = phone_key(phone)
    if not key:
        return []
    return sorted(str(c.get("id")) for c in cases if is_harassment(c) and source_of(c) == key)


def future_call(called: datetime, now: datetime) -> bool:
    """A call time after the moment it is logged cannot be a call that came in."""
    return called > now
