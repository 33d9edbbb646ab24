"""The missed-call sweep (呼损回拨), pure: read the telephony export, decide which missed
calls open a callback, and which are already handled, covered by an open callback or late.

A missed call is known by its phone and time (`call_key`); a callback the sweep opens lists
the times of every call it answers in its `missed_calls` field, so a second sweep of the
same (or a grown) file finds them handled. The service (`service.sweep_missed_calls`) reads
the file and the callbacks, calls `plan_sweep`, and opens what it owes in one commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from casekit.core.casefile import customer_of, fields_of
from casekit.core.fields import control_character, normalise_phone
from casekit.core.timeutil import parse_datetime, stored_instant
from casekit.core.workcal import WorkCalendar
from casekit.features.callbacks import facts
from casekit.features.callbacks.rules import cell, column_map
from casekit.i18n import _

SWEEP_COLUMNS = {
    "phone": ("phone", "caller", "电话", "主叫号码", "主叫", "来电号码", "号码"),
    "time": ("time", "call_time", "时间", "来电时间", "呼入时间", "呼叫时间"),
    "line": ("line", "trunk", "线路", "中继", "中继号", "被叫号码"),
    "name": ("name", "姓名", "客户姓名"),
}
SWEEP_REQUIRED = ("phone", "time")  # `line` and `name` are optional
CALLS_FIELD = "missed_calls"
LINE_FIELD = "call_line"


@dataclass(frozen=True)
class MissedCall:
    row: int  # the line of the file
    phone: str
    at: datetime
    line: str
    name: str = ""

    @property
    def key(self) -> str:
        return call_key(self.phone, self.at)


def call_key(phone: str, at: datetime) -> str:
    """The stable key of one missed call: its phone and its instant (to the second, in UTC)."""
    return f"{phone}@{at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def read_calls(
    rows: Sequence[Sequence[str]], tz: tzinfo
) -> tuple[list[MissedCall], list[tuple[int, str]], list[tuple[int, str]]]:
    """(calls, skipped rows, bad rows) from the CSV rows (header first), each row by its line.

    A row without a caller number (withheld) is skipped; a bad phone or time, or a control
    character in a cell, is a bad row: the sweep refuses the file. Raises ValueError for a
    header without the needed columns."""
    columns, missing = column_map(rows[0], SWEEP_COLUMNS, SWEEP_REQUIRED)
    if missing:
        raise ValueError(_("the header has no column for {missing}").format(missing=", ".join(missing)))
    calls: list[MissedCall] = []
    skipped: list[tuple[int, str]] = []
    bad: list[tuple[int, str]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        values = {key: cell(row, columns, key) for key in SWEEP_COLUMNS}
        problem = next((p for v in values.values() if (p := control_character(v))), None)
        if problem:
            bad.append((line, _("a cell {problem}").format(problem=problem)))
            continue
        if not values["phone"]:
            skipped.append((line, _("no caller number (withheld); it cannot be called back")))
            continue
        try:
            phone = normalise_phone(values["phone"])
        except ValueError as exc:
            bad.append((line, _("bad phone: {problem}").format(problem=exc)))
            continue
        if not values["time"]:
            bad.append((line, _("missing call time")))
            continue
        try:
            at = parse_call_time(values["time"], tz)
        except ValueError as exc:
            bad.append((line, _("bad call time: {problem}").format(problem=exc)))
            continue
        calls.append(MissedCall(line, phone, at, values["line"], values["name"]))
    return calls, skipped, bad


_CALL_TIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_call_time(text: str, tz: tzinfo) -> datetime:
    """A call time as telephony exports write it: `2026-11-23 09:40`, `2026/11/23 9:40:05`, or
    ISO 8601 with an offset; without one it is read in `tz`. Raises ValueError."""
    match = _CALL_TIME.match(text.strip())
    if match is None:
        if ":" not in text:
            raise ValueError(
                _("{text!r} has no time of day; write it like 2026-11-23 09:40").format(text=text)
            )
        return parse_datetime(text, tz).astimezone(tz)
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        raise ValueError(_("{text!r} is not a real date and time").format(text=text)) from None
    return parse_datetime(moment.isoformat(), tz)  # the same range checks as every stored time


@dataclass(frozen=True)
class Known:
    """A missed-call callback the repository holds, as the sweep sees it."""

    case_id: str
    phone: str
    keys: frozenset[str]
    open: bool
    closed_at: datetime | None  # when it reached a final state (None while open)
    dialled: tuple[datetime, ...]  # its call attempts


def known_callback(case: Mapping[str, Any], closed: datetime | None, is_open: bool) -> Known | None:
    """The sweep's view of one missed-call callback, or None without a phone."""
    phone = customer_of(case).get("phone")
    if not isinstance(phone, str) or not phone:
        return None
    times = fields_of(case).get(CALLS_FIELD)
    keys = set()
    for value in times if isinstance(times, list) else []:
        moment = stored_instant(value)
        if moment is not None:
            keys.add(call_key(phone, moment))
    return Known(
        case_id=str(case.get("id")),
        phone=phone,
        keys=frozenset(keys),
        open=is_open,
        closed_at=closed,
        dialled=tuple(a.at for a in facts.attempts(case)),
    )


@dataclass(frozen=True)
class Owed:
    """A missed-call callback the sweep opens: one per phone, for all its unhandled calls."""

    phone: str
    calls: tuple[MissedCall, ...]
    name: str


@dataclass
class SweepPlan:
    owed: list[Owed] = field(default_factory=list)
    # calls an earlier sweep took care of: (call, the callback listing it, or closed after it)
    handled: list[tuple[MissedCall, str]] = field(default_factory=list)
    covered: list[tuple[MissedCall, str]] = field(default_factory=list)  # (call, open callback)
    future: list[MissedCall] = field(default_factory=list)
    repeated: list[tuple[MissedCall, int]] = field(default_factory=list)  # (call, first line)


def plan_sweep(
    calls: Iterable[MissedCall],
    known: Sequence[Known],
    now: datetime,
    names: Mapping[str, str],
    customer: str,
) -> SweepPlan:
    """What a sweep owes: a callback per phone with calls no callback answers yet.

    A call is handled when a callback lists it, or when a missed-call callback of that phone
    was closed after the call (the customer was called back since); it is covered when that
    phone has an open missed-call callback (no second one). Calls after `now` are left out.
    The customer's name: the file's, else the one `names` knows for the phone, else `customer`."""
    result = SweepPlan()
    by_phone: dict[str, list[Known]] = {}
    for one in known:
        by_phone.setdefault(one.phone, []).append(one)
    seen: dict[str, int] = {}
    pending: dict[str, list[MissedCall]] = {}
    for call in sorted(calls, key=lambda c: (c.at, c.row)):
        if call.at > now:
            result.future.append(call)
            continue
        if call.key in seen:
            result.repeated.append((call, seen[call.key]))
            continue
        seen[call.key] = call.row
        mine = by_phone.get(call.phone, [])
        done = [k for k in mine if call.key in k.keys or (k.closed_at is not None and k.closed_at >= call.at)]
        if done:
            result.handled.append((call, done[0].case_id))
            continue
        still_open = next((k for k in mine if k.open), None)
        if still_open is not None:
            result.covered.append((call, still_open.case_id))
            continue
        pending.setdefault(call.phone, []).append(call)
    for phone, owed_calls in sorted(pending.items(), key=lambda item: (item[1][0].at, item[0])):
        given = next((c.name for c in owed_calls if c.name), None)
        result.owed.append(Owed(phone, tuple(owed_calls), given or names.get(phone) or customer))
    return result


def previous_round(now: datetime, times: Sequence[time], calendar: WorkCalendar) -> datetime | None:
    """The sweep round before the latest one due by `now`, on working days: calls made
    before it should have been called back by now. None without sweep times."""
    rounds: list[datetime] = []
    day = now.date()
    for _day in range(0, 31):
        if calendar.is_working_day(day):
            for moment in sorted(times, reverse=True):
                at = datetime.combine(day, moment, tzinfo=now.tzinfo)
                if at <= now:
                    rounds.append(at)
                    if len(rounds) == 2:
                        return rounds[1]
        day -= timedelta(days=1)
    return None


def not_called_back(
    plan: SweepPlan, known: Sequence[Known], since: datetime | None
) -> list[tuple[MissedCall, str | None]]:
    """Missed calls from before `since` (`previous_round`) that nobody has dialled back yet:
    (call, the open callback that owes it, or None when this sweep only now opens one)."""
    if since is None:
        return []
    state = {k.case_id: k for k in known}
    late: list[tuple[MissedCall, str | None]] = []
    for call, case_id in [*plan.handled, *plan.covered]:
        one = state.get(case_id)
        if call.at < since and one is not None and one.open and not any(at >= call.at for at in one.dialled):
            late.append((call, case_id))
    for owed in plan.owed:
        late.extend((call, None) for call in owed.calls if call.at < since)
    return sorted(late, key=lambda item: (item[0].at, item[0].row))


def schedule_lines(times: Sequence[time], tz_name: str, command: str) -> list[str]:
    """Crontab lines that run `command` at the sweep times, every day, in the calendar's zone."""
    by_minute: dict[int, list[int]] = {}
    for moment in sorted(times):
        by_minute.setdefault(moment.minute, []).append(moment.hour)
    lines = [f"CRON_TZ={tz_name}"]
    for minute, hours in sorted(by_minute.items(), key=lambda item: item[1][0]):
        lines.append(f"{minute} {','.join(str(h) for h in hours)} * * * {command}")
    return lines
