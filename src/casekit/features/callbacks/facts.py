"""What a callback's history says: its call attempts (the `attempt` entries casekit
writes) and the satisfaction recorded when it was completed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.timeline import parse_time, timed_history


@dataclass(frozen=True)
class Attempt:
    at: datetime
    outcome: str


ANSWERED = "answered"


def attempts(case: Mapping[str, Any]) -> list[Attempt]:
    """Call attempts: an `attempts:` list of {at, outcome}, else `attempt` history entries."""
    raw = case.get("attempts")
    found = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and (moment := parse_time(item.get("at"))) is not None:
                found.append(Attempt(moment, str(item.get("outcome", ""))))
        return found
    for moment, entry in timed_history(case):
        if entry.get("action") == "attempt":
            found.append(Attempt(moment, str(entry.get("outcome", ""))))
    return found


def satisfaction(case: Mapping[str, Any]) -> str | None:
    """satisfied / neutral / dissatisfied from the fields (or a `survey:` mapping)."""
    value = fields_of(case).get("satisfaction")
    if value is None and isinstance(case.get("survey"), Mapping):
        value = case["survey"].get("satisfaction")
    return value if isinstance(value, str) else None
