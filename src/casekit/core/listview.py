"""What `list` and `show` print: summary rows of cases, filtered, pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casekit.core import words
from casekit.core.casefile import ACCOUNT_FIELD, ORDER_FIELD, customer_of, fields_of, history_of
from casekit.core.config import Config
from casekit.errors import UsageError

LIST_COLUMNS = (
    "id",
    "kind",
    "status",
    "status_label",
    "priority",
    "title",
    "customer",
    "phone",
    "channel",
    "assignee",
    "opened_at",
    "updated_at",
    "next_due",
    "next_deadline",
    "overdue",
    "breaches",
)


_LISTED_KEYS = ("id", "kind", "status", "priority", "title", "channel", "assignee", "opened_at")
_DEADLINE_KEYS = ("due", "met", "paused_since", "missed", "provisional")


def list_view(case: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a case that `case_row`, `CaseFilter.matches` (kinds, statuses,
    assignees, IDs, overdue, customer) and the deadline lists read, for the query index to keep
    beside the whole case: they give the same answers on it as on the case, for a
    fraction of the cost of loading the case."""
    view = {key: case[key] for key in _LISTED_KEYS if key in case}
    customer = customer_of(case)
    view["customer"] = {key: customer[key] for key in ("name", "phone") if key in customer}
    fields = fields_of(case)
    if ORDER_FIELD in fields or ACCOUNT_FIELD in fields:  # what a customer filter reads
        view["fields"] = {key: fields[key] for key in (ORDER_FIELD, ACCOUNT_FIELD) if key in fields}
    history = history_of(case)
    view["history"] = [{"at": history[-1].get("at")}] if history else []
    deadlines = case.get("deadlines")
    if isinstance(deadlines, Mapping):
        view["deadlines"] = {
            name: {key: entry[key] for key in _DEADLINE_KEYS if key in entry}
            for name, entry in deadlines.items()
            if isinstance(entry, Mapping)
        }
    return view


def split_values(values: Sequence[str] | None) -> set[str]:
    """Option values, each possibly comma-separated, as one set: ['a,b', 'c'] -> {a, b, c}."""
    return {v.strip() for value in values or [] for v in value.split(",") if v.strip()}


_split = split_values


@dataclass(frozen=True)
class Filters:
    """Filter values as keys: kinds, states and logins (None: no filter on that part)."""

    kinds: list[str] | None
    statuses: list[str] | None
    assignees: list[str] | None


def resolve_filters(
    config: Config,
    *,
    kinds: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    assignees: Sequence[str] | None = None,
) -> Filters:
    """The keys filter words name (`casekit.core.words`: a key, a Chinese or English
    label, a person's name or email); a word that names none, or several, is a UsageError
    naming it and listing the choices. States are those of the kinds asked for (all kinds
    when none is)."""
    try:
        kind_keys = words.resolve_all(words.kinds(config), _words(kinds))
        scope = [config.kinds[k] for k in kind_keys] or list(config.kinds.values())
        states = words.states(scope)
        status_keys = words.resolve_all(states, _words(statuses))
        logins = [words.person(config, who) for who in _words(assignees)]
    except words.UnknownWord as exc:
        raise UsageError(str(exc)) from None
    return Filters(kind_keys or None, status_keys or None, list(dict.fromkeys(logins)) or None)


def _words(values: Sequence[str] | None) -> list[str]:
    """Option values, each possibly comma-separated, in order: ['a,b', 'c'] -> [a, b, c]."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def select(
    cases: Iterable[Mapping[str, Any]],
    config: Config,
    *,
    kinds: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    assignees: Sequence[str] | None = None,
) -> list[Mapping[str, Any]]:
    """Cases matching every given filter (each filter: any of its comma-separated words,
    as `resolve_filters` reads them)."""
    wanted = resolve_filters(config, kinds=kinds, statuses=statuses, assignees=assignees)
    kind_set, status_set = set(wanted.kinds or ()), set(wanted.statuses or ())
    assignee_set = set(wanted.assignees or ())
    chosen = []
    for case in cases:
        if kind_set and not _among(case.get("kind"), kind_set):
            continue
        if status_set and not _among(case.get("status"), status_set):
            continue
        if assignee_set and not _among(case.get("assignee"), assignee_set):
            continue
        chosen.append(case)
    chosen.sort(key=lambda c: (str(c.get("opened_at", "")), str(c.get("id", ""))))
    return chosen


def _among(value: Any, wanted: set[str]) -> bool:
    return isinstance(value, str) and value in wanted  # a hand-written list or map is no match
