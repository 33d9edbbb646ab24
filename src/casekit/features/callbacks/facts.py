"""What a callback's history says: its call attempts (the `attempt` entries casekit
writes, `casekit attempt`) and the satisfaction recorded when it was completed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.timeline import timed_history


@dataclass(frozen=True)
class Attempt:
    at: datetime
    outcome: str


ANSWERED = "answered"


def attempts(case: Mapping[str, Any]) -> list[Attempt]:
    """Every call attempt recorded, oldest first."""
    found = [
        Attempt(moment, str(entry.get("outcome", "")))
        for moment, entry in timed_history(case)
        if entry.get("action") == "attempt"
    ]
    return sorted(found, key=lambda attempt: attempt.at)


def satisfaction(case: Mapping[str, Any]) -> str | None:
    """satisfied / neutral / dissatisfied, as recorded when the callback was completed."""
    value = fields_of(case).get("satisfaction")
    return value if isinstance(value, str) else None
