"""What `casekit due`, `list` and `show` print about deadlines: rows computed at an instant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from casekit.config import Config
from casekit.deadline_rules import clock_label
from casekit.deadlines import State, breach_count, due_summary, open_deadlines
from casekit.workcal import format_span

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
)
STATE_ZH = {
    State.OPEN: "进行中",
    State.PAUSED: "暂停",
    State.MET: "已达成",
    State.LATE: "超时完成",
    State.OVERDUE: "逾期",
}


def human_span(length: timedelta) -> str:
    """'1h20m', '45m', or with days for long spans: '3d02h'."""
    if length >= timedelta(days=1):
        hours = int(length.total_seconds()) // 3600
        return f"{hours // 24}d{hours % 24:02d}h"
    return format_span(timedelta(seconds=int(length.total_seconds()) // 60 * 60))


def when_text(due: datetime, now: datetime, state: State) -> str:
    """'in 1h20m', 'overdue 2d03h' or 'paused', for people."""
    if state is State.PAUSED:
        return "paused"
    gap = due - now
    if gap < timedelta(0):
        return f"overdue {human_span(-gap)}"
    return f"in {human_span(gap)}"


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
            }
            keyed.append(((item.due, str(case.get("id")), item.clock), row))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed]


def list_columns(
    case: Mapping[str, Any], config: Config, now: datetime, *, count_breaches: bool = True
) -> dict[str, Any]:
    """The deadline columns of `casekit list`: the next deadline, whether any is overdue
    and how many were breached (left out unless `count_breaches`)."""
    kind = config.kinds.get(str(case.get("kind")))
    terminal = kind is not None and kind.is_terminal(str(case.get("status")))
    upcoming, overdue = (None, []) if terminal else due_summary(case, now)
    columns: dict[str, Any] = {
        "next_due": upcoming[0].astimezone(config.tz).isoformat(timespec="seconds") if upcoming else None,
        "next_deadline": upcoming[1] if upcoming else None,
        "overdue": overdue,
    }
    if count_breaches:
        columns["breaches"] = breach_count(case, now)
    return columns


def due_cell(row: Mapping[str, Any]) -> str:
    """The `Due` cell of the list table: '2026-11-24 10:05', with ' 逾期' when overdue."""
    stamp = str(row.get("next_due") or "")
    text = stamp[:16].replace("T", " ")
    if row.get("overdue"):
        return f"{text} 逾期".strip()
    return text


def status_lines(case: Mapping[str, Any], config: Config, now: datetime) -> list[str]:
    """One line per deadline of a case, for `casekit show`."""
    from casekit.deadlines import deadline_state, deadlines_of

    lines = []
    kind = str(case.get("kind"))
    for clock, entry in deadlines_of(case).items():
        state = deadline_state(entry, now)
        label = clock_label(config, kind, clock)
        due = str(entry.get("due"))[:16].replace("T", " ")
        if state in (State.MET, State.LATE):
            met = str(entry.get("met"))[:16].replace("T", " ")
            detail = f"{state.value}: met {met}, due {due}"
        elif state is State.PAUSED:
            since = str(entry.get("paused_since"))[:16].replace("T", " ")
            detail = f"paused since {since} (due {due} before the pause)"
        else:
            due_at = datetime.fromisoformat(str(entry["due"]))
            detail = f"{state.value}: due {due} ({when_text(due_at, now, state)})"
        missed = entry.get("missed") or []
        if missed:
            detail += f"; missed {len(missed)} earlier"
        lines.append(f"{clock} ({label.zh} {label.en}): {detail}")
        if entry.get("warning") and state.is_open:
            lines.append(f"  warning: {entry['warning']}")
    return lines


def deadline_status(case: Mapping[str, Any], config: Config, now: datetime) -> dict[str, Any]:
    """For `show --format json`: each deadline's state at `now`."""
    from casekit.deadlines import deadline_state, deadlines_of

    result = {}
    kind = str(case.get("kind"))
    for clock, entry in deadlines_of(case).items():
        label = clock_label(config, kind, clock)
        result[clock] = {
            "state": deadline_state(entry, now).value,
            "due": entry.get("due"),
            "label": {"zh": label.zh, "en": label.en},
        }
    return result


def table_rows(rows: Sequence[Mapping[str, Any]], config: Config, now: datetime) -> list[list[str]]:
    from casekit.output import truncate

    body = []
    for row in rows:
        kind = config.kinds.get(str(row["kind"]))
        due = datetime.fromisoformat(str(row["due"]))
        state = State(str(row["state"]))
        body.append(
            [
                str(row["due"])[:16].replace("T", " "),
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


DUE_HEADERS = ["Due", "When", "ID", "Deadline", "Kind", "Status", "Title", "Assignee"]


def due_report(
    env: Any,
    *,
    within: str | None,
    kinds: Sequence[str] | None,
    assignees: Sequence[str] | None,
    output: str,
) -> str:
    """`casekit due`: open deadlines (overdue ones included) due by now + `within`, soonest first."""
    from casekit.errors import UsageError
    from casekit.holidays import calendar_for
    from casekit.output import table, to_csv, to_json
    from casekit.repository import CaseFilter, answer_from_listings, final_states
    from casekit.views import select
    from casekit.workcal import advance, parse_duration

    config = env.config
    now = env.now(config.tz)
    horizon = None
    if within is not None:
        try:
            length = parse_duration(within)
        except ValueError as exc:
            raise UsageError(f"--within: {exc}") from None
        calendar = calendar_for(config)
        horizon = advance(calendar, length.working, now, length.length(calendar.day_length))
    select([], config, kinds=kinds, assignees=assignees)  # unknown names: say so now

    def text(listed: list[Mapping[str, Any]]) -> str:
        chosen = select(listed, config, kinds=kinds, assignees=assignees)
        rows = due_rows(chosen, config, now, horizon=horizon)
        if output == "json":
            return to_json(rows)
        if output == "csv":
            return to_csv(rows, DUE_COLUMNS).rstrip("\n")
        if not rows:
            return "nothing falls due" + (f" within {within}" if within else "")
        overdue = sum(1 for r in rows if r["state"] == State.OVERDUE.value)
        summary = f"({len(rows)} deadline{'s' if len(rows) != 1 else ''}, {overdue} overdue)"
        return table(table_rows(rows, config, now), DUE_HEADERS) + "\n" + summary

    # A case in a final state has no open deadline: due_rows would skip it.
    return answer_from_listings(env.root, text, CaseFilter.of(unfinished=final_states(config)))
