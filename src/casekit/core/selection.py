"""Which cases a reader wants: a filter on a case's kind, state, assignee, ID and activity.

Pure. `CaseFilter.matches` is the definition; the query index turns the same filter into
SQL that returns at least the matching cases (never fewer) and then applies `matches`, so
results with and without the index are the same.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from casekit.core.casefile import history_of
from casekit.core.timeutil import stored_instant


class CustomerMatcher(Protocol):
    """Which customer's cases (`casekit.core.customers.CustomerMatch`): its `matches` is the
    definition; its exact keys (phone, order, account) and LIKE patterns on names narrow
    the index's customer columns to at least the matches."""

    def matches(self, case: Mapping[str, Any]) -> bool: ...

    def exact_keys(self) -> dict[str, frozenset[str]]: ...

    def like_patterns(self) -> list[str]: ...


def _frozen(values: Collection[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


@dataclass(frozen=True)
class CaseFilter:
    """Cases matching every given part (None: no condition on that part).

    `states` maps a kind to the states wanted for it (kinds not named are left out);
    `active_between` keeps cases with a history entry at or after the first and before
    the second moment (both with a time zone); `overdue_at` keeps cases with a deadline
    overdue at that moment (`casekit.core.due.is_overdue`); `live_since` = (moment,
    final states by kind) keeps cases not in a final state, and final ones holding any
    time (`latest_time`) at or after the moment: what a report from then on can count;
    `unfinished` = final states by kind keeps cases not in a final state (a case whose
    kind is unknown counts as unfinished); `customer` keeps the cases of a customer
    (`CustomerMatcher`).
    """

    kinds: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    assignees: frozenset[str] | None = None
    ids: frozenset[str] | None = None
    states: Mapping[str, frozenset[str]] | None = None
    active_between: tuple[datetime, datetime] | None = None
    overdue_at: datetime | None = None
    live_since: tuple[datetime, Mapping[str, frozenset[str]]] | None = None
    unfinished: Mapping[str, frozenset[str]] | None = None
    customer: CustomerMatcher | None = None

    @classmethod
    def of(
        cls,
        *,
        kinds: Collection[str] | None = None,
        statuses: Collection[str] | None = None,
        assignees: Collection[str] | None = None,
        ids: Collection[str] | None = None,
        states: Mapping[str, Collection[str]] | None = None,
        active_between: tuple[datetime, datetime] | None = None,
        overdue_at: datetime | None = None,
        live_since: tuple[datetime, Mapping[str, Collection[str]]] | None = None,
        unfinished: Mapping[str, Collection[str]] | None = None,
        customer: CustomerMatcher | None = None,
    ) -> CaseFilter:
        return cls(
            _frozen(kinds),
            _frozen(statuses),
            _frozen(assignees),
            _frozen(ids),
            None if states is None else {k: frozenset(v) for k, v in states.items()},
            active_between,
            overdue_at,
            None
            if live_since is None
            else (live_since[0], {k: frozenset(v) for k, v in live_since[1].items()}),
            None if unfinished is None else {k: frozenset(v) for k, v in unfinished.items()},
            customer,
        )

    @property
    def is_everything(self) -> bool:
        return self == CaseFilter()

    def matches(self, case: Mapping[str, Any]) -> bool:
        kind, status = _text(case.get("kind")), _text(case.get("status"))
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.statuses is not None and status not in self.statuses:
            return False
        if self.assignees is not None and _text(case.get("assignee")) not in self.assignees:
            return False
        if self.ids is not None and _text(case.get("id")) not in self.ids:
            return False
        if self.states is not None and (kind is None or status not in self.states.get(kind, ())):
            return False
        if self.live_since is not None:
            since, finals = self.live_since
            if kind is not None and status in finals.get(kind, ()) and not _holds_time_since(case, since):
                return False
        if self.unfinished is not None and kind is not None and status in self.unfinished.get(kind, ()):
            return False
        if self.customer is not None and not self.customer.matches(case):
            return False
        if self.overdue_at is not None:
            from casekit.core.due import is_overdue

            if not is_overdue(case, self.overdue_at):
                return False
        if self.active_between is not None:
            start, end = self.active_between
            return any(start <= moment < end for moment in entry_moments(case))
        return True


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def entry_moments(case: Mapping[str, Any]) -> list[datetime]:
    """The times of a case's history entries that carry a valid time with an offset."""
    moments = []
    for entry in history_of(case):
        moment = stored_instant(entry.get("at"))
        if moment is not None:
            moments.append(moment)
    return moments


def latest_time(case: Any) -> datetime | None:
    """The latest instant written anywhere in the case: every text value (at any depth)
    that reads as an ISO 8601 time with an offset, as `casekit.core.timeutil.stored_instant` reads it.
    None when it holds none."""
    latest: datetime | None = None
    for moment in _instants(case):
        if latest is None or moment > latest:
            latest = moment
    return latest


def _holds_time_since(case: Any, since: datetime) -> bool:
    """`latest_time(case) is None or latest_time(case) >= since`, stopping at the first
    such time (the history, which holds the latest ones, is looked at first)."""
    found = False
    for moment in _instants(case):
        if moment >= since:
            return True
        found = True
    return not found


def _instants(case: Any) -> Iterator[datetime]:
    """Every instant written in the case, last values first."""
    stack = [case]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str or (kind is not dict and kind is not list and isinstance(value, str)):
            # a time starts with its year: skip other text cheaply
            if not value[:1].isdigit():
                continue
            found = stored_instant(value)
            if found is None:
                continue
            moment = found
        elif kind is dict or (kind is not list and isinstance(value, Mapping)):
            stack.extend(value.values())
            continue
        elif kind is list:
            stack.extend(value)
            continue
        elif isinstance(value, datetime):
            moment = value
        else:
            continue
        if moment.tzinfo is not None and moment.utcoffset() is not None:
            yield moment


def final_states(config: Any) -> dict[str, frozenset[str]]:
    """Every kind's final (terminal) states."""
    return {
        name: frozenset(s for s, spec in kind.states.items() if spec.terminal)
        for name, kind in config.kinds.items()
    }


def open_states(config: Any) -> dict[str, frozenset[str]]:
    """Every kind's non-final states, for a filter on the cases still being worked."""
    return {
        name: frozenset(s for s, spec in kind.states.items() if not spec.terminal)
        for name, kind in config.kinds.items()
    }
