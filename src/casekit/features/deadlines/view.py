"""What `casekit due`, `list` and `show` print about deadlines: rows computed at an instant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from casekit.core.config import Config
from casekit.core.due import State, clock_label, open_deadlines
from casekit.core.timeutil import stored_instant
from casekit.core.workcal import format_span
from casekit.i18n import N_, _
from casekit.render.due import PROVISIONAL_MARK, when_text

DUE_COLUMNS = (
    "due",
    "state",
    "remaining",
    "id",
    "kind",
    "deadline",
    "deadline_label",
    "status",
    "title",
    "assignee",
    "provisional",
)


def due_rows(
    cases: Iterable[Mapping[str, Any]],
    config: Config,
    now: datetime,
    *,
    horizon: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every unmet, running deadline due by `horizon` (all when None), soonest first."""
    keyed: list[tuple[tuple[datetime, str, str], dict[str, Any]]] = []
    for case in cases:
        kind = config.kinds.get(str(case.get("kind")))
        status = str(case.get("status", ""))
        if kind is not None and kind.is_terminal(status):
            continue
        for item in open_deadlines(case, now):
            if item.state is State.PAUSED or (horizon is not None and item.due > horizon):
                continue
            label = clock_label(config, str(case.get("kind")), item.clock)
            row = {
                "due": item.due.astimezone(config.tz).isoformat(timespec="seconds"),
                "state": item.state.value,
                "remaining": format_span(item.due - now),
                "id": case.get("id"),
                "kind": case.get("kind"),
                "deadline": item.clock,
                "deadline_label": label.zh,
                "status": status,
                "title": case.get("title"),
                "assignee": case.get("assignee"),
                "provisional": item.entry.get("provisional") is True,
            }
            keyed.append(((item.due, str(case.get("id")), item.clock), row))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed]


def table_rows(rows: Sequence[Mapping[str, Any]], config: Config, now: datetime) -> list[list[str]]:
    from casekit.render.output import truncate

    body = []
    for row in rows:
        kind = config.kinds.get(str(row["kind"]))
        due = stored_instant(row["due"])
        state = State(str(row["state"]))
        assert due is not None  # rows come from judged deadlines, which all have a due time
        body.append(
            [
                str(row["due"])[:16].replace("T", " ") + (PROVISIONAL_MARK if row["provisional"] else ""),
                when_text(due, now, state),
                str(row["id"]),
                str(row["deadline_label"]),
                kind.label.zh if kind else str(row["kind"]),
                kind.state_label(str(row["status"])) if kind else str(row["status"]),
                truncate(str(row["title"] or ""), 24),
                str(row["assignee"] or ""),
            ]
        )
    return body


# the table's headers, translated where it is shown (`due_headers`)
DUE_HEADERS = [
    N_("Due"),
    N_("When"),
    "ID",
    N_("Deadline"),
    N_("Kind"),
    N_("Status"),
    N_("Title"),
    N_("Assignee"),
]


def due_headers() -> list[str]:
    return [_(header) for header in DUE_HEADERS]
