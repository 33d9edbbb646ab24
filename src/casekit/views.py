"""What `list` and `show` print: summary rows of cases, filtered, pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from casekit.casefile import customer_of, history_of
from casekit.config import Config
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


def case_row(
    case: Mapping[str, Any], config: Config, now: datetime | None = None, *, count_breaches: bool = True
) -> dict[str, Any]:
    """A case's summary row; with `now`, also its next deadline, what is overdue then and
    (unless `count_breaches` is off: the table does not show it) how many were breached."""
    kind_name = case.get("kind")
    kind = config.kinds.get(kind_name) if isinstance(kind_name, str) else None  # a hand-written list: none
    status = str(case.get("status", ""))
    history = history_of(case)
    customer = customer_of(case)
    row = {
        "id": case.get("id"),
        "kind": case.get("kind"),
        "status": status,
        "status_label": kind.state_label(status) if kind else status,
        "priority": case.get("priority"),
        "title": case.get("title"),
        "customer": customer.get("name"),
        "phone": customer.get("phone"),
        "channel": case.get("channel"),
        "assignee": case.get("assignee"),
        "opened_at": case.get("opened_at"),
        "updated_at": history[-1].get("at") if history else case.get("opened_at"),
    }
    if now is not None:
        from casekit.deadline_views import list_columns

        row.update(list_columns(case, config, now, count_breaches=count_breaches))
    return row


_LISTED_KEYS = ("id", "kind", "status", "priority", "title", "channel", "assignee", "opened_at")
_DEADLINE_KEYS = ("due", "met", "paused_since", "missed")


def list_view(case: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a case that `case_row`, `CaseFilter.matches` (kinds, statuses,
    assignees, IDs, overdue) and the deadline lists read, for the query index to keep
    beside the whole case: they give the same answers on it as on the case, for a
    fraction of the cost of loading the case."""
    view = {key: case[key] for key in _LISTED_KEYS if key in case}
    customer = customer_of(case)
    view["customer"] = {key: customer[key] for key in ("name", "phone") if key in customer}
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


def select(
    cases: Iterable[Mapping[str, Any]],
    config: Config,
    *,
    kinds: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    assignees: Sequence[str] | None = None,
) -> list[Mapping[str, Any]]:
    """Cases matching every given filter (each filter: any of its comma-separated values)."""
    kind_set, status_set, assignee_set = _split(kinds), _split(statuses), _split(assignees)
    unknown_kinds = kind_set - set(config.kinds)
    if unknown_kinds:
        raise UsageError(f"unknown kind {sorted(unknown_kinds)[0]!r}; kinds are {', '.join(config.kinds)}")
    scope = [config.kinds[k] for k in kind_set] if kind_set else list(config.kinds.values())
    known_states = {s for kind in scope for s in kind.states}
    unknown_states = status_set - known_states
    if unknown_states:
        raise UsageError(
            f"unknown status {sorted(unknown_states)[0]!r}; states are {', '.join(sorted(known_states))}"
        )
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
