"""Pure callback rules: calling windows, dial attempts, periodic plans and queue order.

Everything here takes plain data and `now` and returns plain data; no files, git or clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.due import deadlines_of
from casekit.core.timeutil import stored_instant
from casekit.core.workcal import WorkCalendar
from casekit.features.callbacks import facts
from casekit.features.callbacks.facts import Attempt
from casekit.features.callbacks.settings import CallbackSettings, Offset, Window, holiday_date, parse_windows
from casekit.i18n import N_, _, is_chinese


def windows_for(case: Mapping[str, Any], settings: CallbackSettings) -> tuple[Window, ...]:
    """The callback's own `preferred_hours` when set and readable, else the config's best hours."""
    preferred = fields_of(case).get("preferred_hours")
    if preferred:
        try:
            return parse_windows(preferred)
        except ValueError:
            pass
    return settings.best_hours


def in_window(moment: datetime, windows: Sequence[Window]) -> bool:
    return any(w.contains(moment.timetz().replace(tzinfo=None)) for w in windows)


def next_window_start(moment: datetime, windows: Sequence[Window]) -> datetime:
    """The first window opening after `moment` (today's later windows, else tomorrow's first)."""
    for day in range(0, 8):
        base = (moment + timedelta(days=day)).date()
        for window in sorted(windows, key=lambda w: w.start):
            start = datetime.combine(base, window.start, tzinfo=moment.tzinfo)
            if start > moment:
                return start
    raise ValueError(_("no calling window"))  # pragma: no cover - windows are never empty


def counted_failures(attempts: Iterable[Attempt], settings: CallbackSettings) -> list[Attempt]:
    """Failed attempts that count towards `unreachable`: each at least the gap after the last counted."""
    gap = timedelta(minutes=settings.min_minutes_apart)
    counted: list[Attempt] = []
    for attempt in attempts:
        if attempt.outcome not in settings.failed_outcomes:
            continue
        if counted and attempt.at - counted[-1].at < gap:
            continue
        counted.append(attempt)
    return counted


def unreachable_refusal(case: Mapping[str, Any], settings: CallbackSettings) -> str | None:
    """Why the callback may not be given up as unreachable yet, or None when it may."""
    counted = counted_failures(facts.attempts(case), settings)
    owed = settings.min_attempts - len(counted)
    if owed <= 0:
        return None
    outcomes = "/".join(settings.failed_outcomes)
    values = {"minimum": settings.min_attempts, "outcomes": outcomes, "apart": settings.min_minutes_apart}
    values |= {"counted": len(counted), "owed": owed}
    if settings.min_minutes_apart:
        message = _(
            "moving to unreachable needs at least {minimum} failed call attempts ({outcomes}) {apart} "
            "minutes apart; {counted} counted, {owed} more owed"
        ).format(**values)
    else:
        message = _(
            "moving to unreachable needs at least {minimum} failed call attempts ({outcomes}); "
            "{counted} counted, {owed} more owed"
        ).format(**values)
    if counted and settings.min_minutes_apart:
        after = counted[-1].at + timedelta(minutes=settings.min_minutes_apart)
        message += _(", the next from {after}").format(after=after.isoformat(timespec="minutes"))
    return message + _("; record each with `casekit attempt ID --outcome no-answer`")


def next_dial_after(case: Mapping[str, Any], settings: CallbackSettings) -> datetime | None:
    """After a failed attempt, the earliest time the next one counts; None when not waiting."""
    attempts = facts.attempts(case)
    if not attempts or attempts[-1].outcome not in settings.failed_outcomes:
        return None
    return attempts[-1].at + timedelta(minutes=settings.min_minutes_apart)


def earliest_due(case: Mapping[str, Any]) -> datetime | None:
    """The soonest unmet `deadlines.<clock>.due` of the case, or None when it has none."""
    found = [
        stored_instant(entry.get("due"))
        for entry in deadlines_of(case).values()
        if stored_instant(entry.get("met")) is None
    ]
    return min((due for due in found if due is not None), default=None)


@dataclass(frozen=True)
class QueueItem:
    case: Mapping[str, Any]
    due: datetime | None
    windows: tuple[Window, ...]
    dialable: bool
    reason: str | None  # why not dialable now
    opens: datetime | None  # when it becomes dialable
    due_first: bool = False  # due before its next calling window opens, or overdue
    in_hours: bool = True  # inside its calling hours now
    hold: str | None = None  # scheduled, gap, hours, preferred or working-hours: what keeps it back


def scheduled_for(case: Mapping[str, Any], tz: tzinfo) -> datetime | None:
    value = fields_of(case).get("scheduled_for")
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def judge(
    case: Mapping[str, Any], settings: CallbackSettings, now: datetime, calendar: WorkCalendar | None
) -> QueueItem:
    """Whether one open callback may be dialled now, and if not why and from when.

    Outside its calling hours a callback whose deadline comes at or before the next window
    opens (or has passed) is `due_first`: the deadline wins over the best hours, so it is
    dialable now within working hours (`calendar`; None: at any time), or only in its calling
    hours when `due_first.dial` is `best-hours`. The customer's own `preferred_hours` are
    an agreement, kept even then: it is listed first, dialable in those hours."""
    windows = windows_for(case, settings)
    due = earliest_due(case)
    in_hours = in_window(now, windows)
    start = scheduled_for(case, now.tzinfo or now.astimezone().tzinfo)  # type: ignore[arg-type]
    wait = next_dial_after(case, settings)
    if start is not None and start > now:
        reason = _("scheduled for {day}").format(day=start.date().isoformat())
        return QueueItem(case, due, windows, False, reason, start, in_hours=in_hours, hold="scheduled")
    if wait is not None and wait > now:
        reason = _("last attempt failed; next from {time}").format(time=f"{wait:%H:%M}")
        return QueueItem(case, due, windows, False, reason, wait, in_hours=in_hours, hold="gap")
    if in_hours:
        return QueueItem(case, due, windows, True, None, None)
    opens = next_window_start(now, windows)
    hours = _("outside calling hours {windows}").format(windows=", ".join(w.text() for w in windows))
    if due is None or due > opens:
        return QueueItem(case, due, windows, False, hours, opens, in_hours=False, hold="hours")
    hold: str | None = None  # due first: what still keeps it from the dial
    if windows != settings.best_hours:
        hold = "preferred"
        hours = _("the customer's preferred hours {windows}").format(
            windows=", ".join(w.text() for w in windows)
        )
    elif settings.due_first.dial == "best-hours":
        hold = "hours"
    elif calendar is not None and not calendar.is_working_time(now):
        hold, hours, opens = (
            "working-hours",
            _("outside working hours"),
            min(opens, calendar.next_working_time(now)),
        )
    if hold is None:
        return QueueItem(case, due, windows, True, None, None, due_first=True, in_hours=False)
    return QueueItem(case, due, windows, False, hours, opens, due_first=True, in_hours=False, hold=hold)


def build_queue(
    cases: Iterable[Mapping[str, Any]],
    settings: CallbackSettings,
    priorities: Sequence[str],
    now: datetime,
    *,
    open_states: Sequence[str],
    agent: str | None = None,
    calendar: WorkCalendar | None = None,
) -> list[QueueItem]:
    """Open callbacks (of `agent`), each judged dialable or not (`judge`), in queue order:
    first those due before their calling hours (soonest deadline first), then those
    dialable now, then the others; within each by priority, then deadline."""
    rank = {name: index for index, name in enumerate(priorities)}
    items = [
        judge(case, settings, now, calendar)
        for case in cases
        if case.get("kind") == settings.kind
        and case.get("status") in open_states
        and not (agent and case.get("assignee") != agent)
    ]
    far = datetime.max.replace(tzinfo=now.tzinfo)

    def order(item: QueueItem) -> tuple[Any, ...]:
        priority = rank.get(str(item.case.get("priority")), len(rank))
        tail = (str(item.case.get("opened_at")), str(item.case.get("id")))
        if item.due_first:
            return (0, item.due or far, priority, *tail)
        return (1 if item.dialable else 2, priority, item.due is None, item.due or far, *tail)

    return sorted(items, key=order)


_HOLDS = {
    "hours": N_("outside calling hours"),
    "working-hours": N_("outside working hours"),
    "gap": N_("the last dial failed"),
    "scheduled": N_("scheduled for a later day"),
    "preferred": N_("the customer's preferred hours"),
}


def queue_note(item: QueueItem, settings: CallbackSettings, now: datetime) -> str:
    """The queue line's remark, Chinese first: due before the best hours, or when it may be dialled."""
    label = settings.due_first.label
    opens = _when(item.opens, now) if item.opens else ""
    hold = _HOLDS.get(item.hold or "")
    why = _(hold) if hold else ""
    if item.due_first and item.dialable:
        if is_chinese():
            return _("{label}（现在拨打）").format(label=label.zh)
        return _("{label} ({label_en}; call now)").format(label=label.zh, label_en=label.en)
    if item.due_first:
        if is_chinese():
            return _("{label}，{opens} 起可拨（{why}）").format(label=label.zh, opens=opens, why=why)
        return _("{label}，{opens} 起可拨 ({label_en}; {why}, dialable from {opens})").format(
            label=label.zh, label_en=label.en, opens=opens, why=why
        )
    if item.hold == "hours":
        return _("{opens} 前不可拨 (not dialable until {opens})").format(opens=opens)
    if not item.dialable:
        return _("{opens} 前不可拨 (not dialable until {opens}: {why})").format(opens=opens, why=why)
    return ""


def _when(moment: datetime, now: datetime) -> str:
    return f"{moment:%H:%M}" if moment.date() == now.date() else f"{moment:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Customer:
    name: str
    phone: str
    vip: bool = False
    birthday: str | None = None  # 'MM-DD' or 'YYYY-MM-DD'
    agent: str | None = None
    purchases: tuple[tuple[date, str], ...] = ()
    services: tuple[tuple[date, str], ...] = ()


@dataclass(frozen=True)
class Planned:
    """A callback a periodic rule owes: stable `key` so planning twice creates nothing new."""

    key: str
    on: date
    callback_type: str
    title: str
    customer: Customer
    item: str | None = None
    item_date: date | None = None
    occasion: str | None = None  # a greeting's occasion: birthday or holiday
    holiday: str | None = None  # the holiday's name, e.g. 元旦


def add_offset(start: date, offset: Offset) -> date:
    if offset.unit == "day":
        return start + timedelta(days=offset.count)
    if offset.unit == "week":
        return start + timedelta(weeks=offset.count)
    months = offset.count * (12 if offset.unit == "year" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def plan(customers: Iterable[Customer], settings: CallbackSettings, first: date, last: date) -> list[Planned]:
    """Every callback the periodic rules owe on a day from `first` to `last`, by date then key."""
    rules = settings.periodic
    owed: list[Planned] = []
    years = range(first.year, last.year + 1)
    for customer in customers:
        for rule in rules.after:
            events = customer.purchases if rule.source == "purchases" else customer.services
            for when, item in events:
                for offset in rule.offsets:
                    day = add_offset(when, offset)
                    if first <= day <= last:
                        key = f"{rule.source[:-1]}:{customer.phone}:{when.isoformat()}:{offset.key}"
                        title = (
                            f"{rule.title}（{offset.text}）：{item}"
                            if item
                            else f"{rule.title}（{offset.text}）"
                        )
                        owed.append(Planned(key, day, rule.callback_type, title, customer, item, when))
        if rules.vip_monthly and customer.vip:
            for year in years:
                for month in range(1, 13):
                    day = date(year, month, rules.vip_day)
                    if first <= day <= last:
                        key = f"vip:{customer.phone}:{year}-{month:02d}"
                        owed.append(
                            Planned(key, day, rules.vip_monthly, f"VIP月度回访 {year}-{month:02d}", customer)
                        )
        if rules.birthday and customer.birthday:
            spec = customer.birthday[-5:]
            for year in years:
                birthday = holiday_date(spec, year) or (date(year, 2, 28) if spec == "02-29" else None)
                if birthday and first <= birthday <= last:
                    key = f"birthday:{customer.phone}:{year}"
                    owed.append(
                        Planned(key, birthday, rules.birthday, "生日问候", customer, occasion="birthday")
                    )
        if rules.holidays_type:
            for name, spec in rules.holidays.items():
                for year in years:
                    holiday = holiday_date(spec, year)
                    if holiday and first <= holiday <= last:
                        key = f"holiday:{customer.phone}:{holiday.isoformat()}:{name}"
                        owed.append(
                            Planned(
                                key,
                                holiday,
                                rules.holidays_type,
                                f"{name}问候",
                                customer,
                                occasion="holiday",
                                holiday=name,
                            )
                        )
    return sorted(owed, key=lambda p: (p.on, p.key))


CSV_COLUMNS = {
    "name": ("name", "姓名", "客户姓名"),
    "phone": ("phone", "电话", "手机", "联系电话"),
    "signed_up_at": ("signed_up_at", "sign_up_time", "signup_time", "报名时间", "登记时间"),
    "customer_type": ("customer_type", "kind", "type", "客户类型"),
    "source": ("source", "来源", "渠道"),
}


CSV_REQUIRED = ("name", "phone", "signed_up_at", "customer_type")


def column_map(
    header: Sequence[str],
    columns: Mapping[str, Sequence[str]] = CSV_COLUMNS,
    required: Sequence[str] = CSV_REQUIRED,
) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field (by any of its names), and the required fields no column holds."""
    found: dict[str, int] = {}
    cleaned = [h.strip().lstrip("\ufeff").lower() for h in header]
    for key, names in columns.items():
        for index, title in enumerate(cleaned):
            if title in names:
                found[key] = index
                break
    missing = [k for k in required if k not in found]
    return found, missing


def cell(row: Sequence[str], columns: Mapping[str, int], key: str) -> str:
    index = columns.get(key)
    return row[index].strip() if index is not None and index < len(row) else ""


def parse_customers(data: Any) -> tuple[list[Customer], list[tuple[list[str | int], str]]]:
    """Customers from the parsed customer file, and (key path, message) for each bad entry."""
    problems: list[tuple[list[str | int], str]] = []
    items = data.get("customers") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        return [], [([], _("the customer file must have a 'customers:' list"))]
    from casekit.core.fields import normalise_phone

    customers = []
    for index, item in enumerate(items):
        path: list[str | int] = ["customers", index]
        if not isinstance(item, Mapping):
            problems.append((path, _("each customer is a mapping with name and phone")))
            continue
        name = str(item.get("name") or "").strip()
        try:
            phone = normalise_phone(str(item.get("phone") or ""))
        except ValueError as exc:
            problems.append(([*path, "phone"], str(exc)))
            continue
        if not name:
            problems.append(([*path, "name"], _("a customer needs a name")))
            continue
        events: dict[str, list[tuple[date, str]]] = {"purchases": [], "services": []}
        for key in events:
            for position, event in enumerate(item.get(key) or []):
                try:
                    when = date.fromisoformat(str(event.get("date"))[:10])
                except (ValueError, AttributeError):
                    problems.append(([*path, key, position], _("needs a date such as 2026-11-23")))
                    continue
                events[key].append((when, str(event.get("item") or "")))
        birthday = item.get("birthday")
        customers.append(
            Customer(
                name=name,
                phone=phone,
                vip=bool(item.get("vip", False)),
                birthday=str(birthday) if birthday else None,
                agent=str(item["agent"]) if item.get("agent") else None,
                purchases=tuple(events["purchases"]),
                services=tuple(events["services"]),
            )
        )
    return customers, problems
