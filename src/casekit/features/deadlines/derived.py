"""The deadlines a case should hold, computed from its history: pure (no files, no git).

`derive_deadlines` (the deriver every command runs before writing a case) stores them;
reports ask for them as of a period's end (`deadlines_as_of`), so last week's report reads
the deadlines as they stood then, not as a later change recomputed them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casekit.core.config import Config, KindSpec
from casekit.core.due import deadlines_of
from casekit.features.deadlines.calendar import calendar_for
from casekit.features.deadlines.conditions import Facts
from casekit.features.deadlines.facts import is_escalated, is_major
from casekit.features.deadlines.rules import compute_deadlines, to_record
from casekit.features.deadlines.settings import clocks_for, promise_spec


def terminal_states(kind: KindSpec) -> list[str]:
    return [state for state in kind.states if kind.is_terminal(state)]


def current_deadlines(case: Mapping[str, Any], config: Config, kind: KindSpec) -> list[dict[str, Any]]:
    """What the case's `deadlines:` should hold now, as (clock, record) in order."""
    calendar = calendar_for(config)
    facts = Facts(major=is_major(case, config), escalated=is_escalated(case), tz=config.tz, calendar=calendar)
    computed = compute_deadlines(
        case, clocks_for(config, kind.name), promise_spec(config), calendar, terminal_states(kind), facts
    )
    stored = deadlines_of(case)
    return [_settled_as_stored(d.clock, to_record(d, calendar), stored) for d in computed]


def _settled_as_stored(
    clock: str, record: dict[str, Any], stored: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """A deadline already met stays as it was written: a later change of priority, category
    or rules does not rewrite its due time (nor turn a breach into a deadline met)."""
    before = stored.get(clock)
    if (
        before is not None
        and "met" in record
        and str(before.get("met")) == record["met"]
        and str(before.get("start")) == record["start"]
    ):
        return {"clock": clock, **{key: _plain_copy(value) for key, value in before.items()}}
    return {"clock": clock, **record}


def _plain_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_copy(v) for v in value]
    return value


def deadlines_as_of(snapshot: Mapping[str, Any], config: Config, kind: KindSpec) -> dict[str, dict[str, Any]]:
    """The `deadlines:` mapping of a case cut to a moment (`timeline.as_of`): computed from
    the history up to then, as a command at that moment would have written it."""
    result: dict[str, dict[str, Any]] = {}
    for record in current_deadlines(snapshot, config, kind):
        clock = record.pop("clock")
        result[str(clock)] = record
    return result
