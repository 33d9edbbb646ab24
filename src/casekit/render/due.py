"""Deadline states for people: the Due column of `list`, the status lines `show` prints
on stderr, and the JSON deadline status (`show --format json`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from casekit.core.config import Config
from casekit.core.due import State, breach_count, clock_label, due_summary
from casekit.core.timeutil import stored_instant
from casekit.core.workcal import format_span
from casekit.i18n import _, is_chinese, pgettext

PROVISIONAL_MARK = "（暂定 provisional）"  # a deadline counted past the known holidays


def provisional_mark() -> str:
    """PROVISIONAL_MARK for the reader: （暂定） alone in Chinese."""
    return "（暂定）" if is_chinese() else PROVISIONAL_MARK


def human_span(length: timedelta) -> str:
    """'1h20m', '45m', or with days for long spans: '3d02h'; in Chinese '1小时20分',
    '45分钟', '3天2小时'."""
    if is_chinese():
        return _chinese_span(length)
    if length >= timedelta(days=1):
        hours = int(length.total_seconds()) // 3600
        return f"{hours // 24}d{hours % 24:02d}h"
    return format_span(timedelta(seconds=int(length.total_seconds()) // 60 * 60))


def _chinese_span(length: timedelta) -> str:
    minutes = int(length.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    return f"{minutes}分钟"


def when_text(due: datetime, now: datetime, state: State) -> str:
    """'in 1h20m', 'overdue 2d03h' or 'paused', for people."""
    if state is State.PAUSED:
        return _("paused")
    gap = due - now
    if gap < timedelta(0):
        return _("overdue {span}").format(span=human_span(-gap))
    return _("in {span}").format(span=human_span(gap))


def _state_text(state: State) -> str:
    """A deadline's state for people: its name (`open`, `met`...) in the user's language."""
    names = {
        State.OPEN: pgettext("deadline", "open"),
        State.PAUSED: pgettext("deadline", "paused"),
        State.MET: pgettext("deadline", "met"),
        State.LATE: pgettext("deadline", "late"),
        State.OVERDUE: pgettext("deadline", "overdue"),
    }
    return names[state]


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
    """The `Due` cell of the list table: '2026-11-24 10:05', with ' 逾期' (' overdue') when
    overdue."""
    from casekit.i18n import _

    stamp = str(row.get("next_due") or "")
    text = stamp[:16].replace("T", " ")
    if row.get("overdue"):
        mark = _("overdue")
        return f"{text} {mark}".strip()
    return text


def due_mark(row: Mapping[str, Any], now: datetime) -> str | None:
    """How a row of `list` or `queue` is marked: OVERDUE when a deadline is past (its
    `overdue` column, or `next_due` before now), DUE_SOON when the next falls within the hour."""
    from casekit.render.output import DUE_SOON, OVERDUE

    if row.get("overdue"):
        return OVERDUE
    next_due = row.get("next_due")
    if not next_due:
        return None
    try:
        due = datetime.fromisoformat(str(next_due))
    except ValueError:
        return None
    if due <= now:
        return OVERDUE
    return DUE_SOON if due - now <= timedelta(hours=1) else None


def status_lines(case: Mapping[str, Any], config: Config, now: datetime) -> list[str]:
    """One line per deadline of a case, for `casekit show`."""
    from casekit.core.due import deadline_state, deadlines_of

    lines = []
    kind = str(case.get("kind"))
    for clock, entry in deadlines_of(case).items():
        state = deadline_state(entry, now)
        label = clock_label(config, kind, clock)
        due = str(entry.get("due"))[:16].replace("T", " ")
        if state in (State.MET, State.LATE):
            met = str(entry.get("met"))[:16].replace("T", " ")
            detail = _("{state}: met {met}, due {due}").format(state=_state_text(state), met=met, due=due)
        elif state is State.PAUSED:
            since = str(entry.get("paused_since"))[:16].replace("T", " ")
            detail = _("paused since {since} (due {due} before the pause)").format(since=since, due=due)
            if entry.get("paused_reason"):
                detail += _(": {reason}").format(reason=entry["paused_reason"])
        else:
            due_at = stored_instant(entry["due"])
            assert due_at is not None  # deadlines_of keeps only entries with a due time
            detail = _("{state}: due {due} ({when})").format(
                state=_state_text(state), due=due, when=when_text(due_at, now, state)
            )
            if entry.get("promised"):
                detail += _(", the promised reply time")
        missed = entry.get("missed") or []
        if missed:
            detail += _("; missed {count} earlier").format(count=len(missed))
        if entry.get("provisional") is True and state.is_open:
            detail += provisional_mark()
        if is_chinese():
            lines.append(f"{clock}（{label.zh}）：{detail}")
        else:
            lines.append(f"{clock} ({label.zh} {label.en}): {detail}")
        if entry.get("warning") and state.is_open:
            lines.append("  " + _("warning: {warning}").format(warning=entry["warning"]))

    return lines


def deadline_status(case: Mapping[str, Any], config: Config, now: datetime) -> dict[str, Any]:
    """For `show --format json`: each deadline's state at `now`."""
    from casekit.core.due import deadline_state, deadlines_of

    result = {}
    kind = str(case.get("kind"))
    for clock, entry in deadlines_of(case).items():
        label = clock_label(config, kind, clock)
        result[clock] = {
            "state": deadline_state(entry, now).value,
            "due": entry.get("due"),
            "label": {"zh": label.zh, "en": label.en},
        }
        if entry.get("paused_reason"):
            result[clock]["paused_reason"] = entry["paused_reason"]
    return result
