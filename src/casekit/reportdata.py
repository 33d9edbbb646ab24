"""Weekly and monthly reports, computed: pure functions from plain case dicts to plain data.

Every figure is computed from the cases as they stood at the end of the period, read from
their history (`casefacts.as_of`), so re-running last week's report later gives the same
numbers. Each section has its own function (`overview`, `complaint_sources`, ...), taking
the prepared cases and returning a dict the templates render; a section whose data no case
has yet says so (`available: False`) instead of showing zeros that look like results.

Money is Decimal and summed exactly; rates are Decimal fractions (4 places) or None.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

from casekit import casefacts as facts
from casekit.casefile import customer_of, fields_of, history_of
from casekit.config import Config, KindSpec
from casekit.selection import CaseFilter, final_states

RATE_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")
SATISFACTION_LEVELS = ("satisfied", "neutral", "dissatisfied")
UNRECORDED = "(none)"


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A report period in the repository's time zone: [start, end)."""

    kind: str  # "week" or "month"
    label: str  # 2026-W47 or 2026-11
    start: datetime
    end: datetime

    @property
    def last_moment(self) -> datetime:
        return self.end - timedelta(microseconds=1)

    @property
    def days(self) -> list[date]:
        count = (self.end.date() - self.start.date()).days
        return [self.start.date() + timedelta(days=i) for i in range(count)]

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def week_period(text: str, tz: tzinfo) -> Period:
    """'2026-W47' -> Monday 2026-11-16 00:00 to the next Monday 00:00 (ISO weeks)."""
    match = _WEEK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a week; write it as 2026-W47")
    year, week = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{text!r}: {year} has no week {week}") from None
    start = datetime.combine(monday, datetime.min.time(), tz)
    return Period("week", f"{year}-W{week:02d}", start, start + timedelta(days=7))


def month_period(text: str, tz: tzinfo) -> Period:
    """'2026-11' -> 2026-11-01 00:00 to 2026-12-01 00:00."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{text!r} is not a month; write it as 2026-11")
    year, month = int(match[1]), int(match[2])
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return Period("month", f"{year}-{month:02d}", start, end)


def previous_week(now: datetime, tz: tzinfo) -> Period:
    """The last complete week before `now` (on Monday morning: the week that just ended)."""
    local = now.astimezone(tz).date() - timedelta(days=7)
    year, week, _ = local.isocalendar()
    return week_period(f"{year}-W{week:02d}", tz)


def previous_month(now: datetime, tz: tzinfo) -> Period:
    local = now.astimezone(tz).date().replace(day=1) - timedelta(days=1)
    return month_period(f"{local.year}-{local.month:02d}", tz)


# --- settings (the `reports:` section) -------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    lang: str = "zh"
    stale_days: int = 7
    alert_min_customers: int = 3
    alert_window_days: int = 7
    black_list_min_complaints: int = 3
    standard_postage: Decimal | None = None


def settings_of(config: Config) -> Settings:
    """The `reports:` section; quality alerts use the returns feature's `returns.alerts`."""
    raw = config.section("reports")
    raw = raw if isinstance(raw, Mapping) else {}
    returns = config.section("returns")
    alerts = returns.get("alerts") if isinstance(returns, Mapping) else None
    alert: Mapping[str, Any] = alerts if isinstance(alerts, Mapping) else {}
    black: Mapping[str, Any] = raw["black_list"] if isinstance(raw.get("black_list"), Mapping) else {}
    default = Settings()

    def number(source: Mapping[str, Any], key: str, fallback: int) -> int:
        value = source.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else fallback

    return Settings(
        lang=str(raw["lang"]) if raw.get("lang") in ("zh", "en") else "zh",
        stale_days=number(raw, "stale_days", default.stale_days),
        alert_min_customers=number(alert, "min_customers", default.alert_min_customers),
        alert_window_days=number(alert, "window_days", default.alert_window_days),
        black_list_min_complaints=number(black, "min_complaints", default.black_list_min_complaints),
        standard_postage=_standard_postage(returns),
    )


def _standard_postage(returns: Any) -> Decimal | None:
    """`returns.postage.standard_amount`: one way's postage when a case records none."""
    postage = returns.get("postage") if isinstance(returns, Mapping) else None
    amount = postage.get("standard_amount") if isinstance(postage, Mapping) else None
    return facts.money(amount)


def check_section(value: Any, config: Config) -> list[tuple[Sequence[str | int], str]]:
    """Problems in the `reports:` section of casekit.yaml."""
    if not isinstance(value, Mapping):
        return [([], "must be a mapping with lang, stale_days, black_list")]
    problems: list[tuple[Sequence[str | int], str]] = []
    shape: dict[str, tuple[str, ...]] = {
        "lang": (),
        "stale_days": (),
        "black_list": ("min_complaints",),
    }
    for key, item in value.items():
        if key not in shape:
            problems.append(([key], f"unknown setting; reports has {', '.join(shape)}"))
        elif key == "lang":
            if item not in ("zh", "en"):
                problems.append(([key], "lang must be zh or en"))
        elif not shape[key]:
            if not _positive(item):
                problems.append(([key], "must be a whole number above 0"))
        elif not isinstance(item, Mapping):
            problems.append(([key], f"must be a mapping with {', '.join(shape[key])}"))
        else:
            for sub, number in item.items():
                if sub not in shape[key]:
                    problems.append(([key, sub], f"unknown setting; {key} has {', '.join(shape[key])}"))
                elif not _positive(number):
                    problems.append(([key, sub], "must be a whole number above 0"))
    return problems


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


# --- preparing the cases ------------------------------------------------------------------


T = TypeVar("T")


class computed_once(Generic[T]):
    """`functools.cached_property` without its lock: Python 3.11 takes one on every first
    read, and a report makes some 50,000 of them. The value is stored in the instance's
    dict, which later reads find first."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> computed_once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> T | computed_once[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Item:
    """One case as it stood at the end of the period, with the facts sections ask for,
    each computed once."""

    case: Mapping[str, Any]  # the snapshot (history cut at the period's end)
    kind: KindSpec | None
    major_rule: facts.MajorRule = field(default_factory=facts.MajorRule)
    scope: CaseFilter | None = None  # the report's (`report_scope`); None: every case

    @computed_once
    def in_scope(self) -> bool:
        """Whether the report counts this case at all. Sections count nothing of a case
        out of scope; the "available" flags, which ask whether any case has data of a
        sort, ask only of cases in scope, so the result is the same whether the cases
        given were narrowed to the scope first or not."""
        return self.scope is None or self.scope.matches(self.case)

    @computed_once
    def kind_name(self) -> str:
        return str(self.case.get("kind"))

    @computed_once
    def fields(self) -> Mapping[str, Any]:
        return fields_of(self.case)

    @computed_once
    def opened(self) -> datetime | None:
        return facts.opened_at(self.case)

    @computed_once
    def terminal(self) -> bool:
        return facts.is_terminal(self.case, self.kind)

    @computed_once
    def closed(self) -> datetime | None:
        return facts.closed_at(self.case, self.kind)

    @computed_once
    def resolved(self) -> datetime | None:
        return facts.resolved_at(self.case, self.kind)

    @computed_once
    def first_response(self) -> datetime | None:
        return facts.first_response_at(self.case)

    @computed_once
    def deadlines(self) -> list[facts.Deadline]:
        return facts.deadlines(self.case, self.kind, self.promises)

    @computed_once
    def promises(self) -> list[facts.Promise]:
        return facts.promises(self.case)

    @computed_once
    def major(self) -> bool:
        return facts.is_major(self.case, self.major_rule)

    @computed_once
    def satisfaction(self) -> str | None:
        return facts.satisfaction(self.case)


def prepare(
    cases: Iterable[Mapping[str, Any]], config: Config, moment: datetime, scope: CaseFilter | None = None
) -> list[Item]:
    """Every case as of `moment` (cases opened later are left out), harassment calls excluded."""
    items = []
    rule = facts.MajorRule.from_config(config)
    for case in cases:
        snapshot = facts.as_of(case, moment)
        if snapshot is None or is_harassment(snapshot):
            continue
        items.append(Item(snapshot, config.kinds.get(str(snapshot.get("kind"))), rule, scope))
    items.sort(key=lambda i: (str(i.case.get("opened_at", "")), str(i.case.get("id", ""))))
    return items


def is_harassment(case: Mapping[str, Any]) -> bool:
    """Harassment calls (骚扰电话) are logged but kept out of complaint statistics."""
    return case.get("harassment") is True or fields_of(case).get("category") == "harassment"


class Labels:
    """Config labels in the report's language."""

    def __init__(self, config: Config, lang: str) -> None:
        self.config = config
        self.lang = lang

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def kind(self, name: str) -> str:
        spec = self.config.kinds.get(name)
        return spec.label.text(self.lang) if spec else name

    def state(self, kind: str, state: Any) -> str:
        spec = self.config.kinds.get(kind)
        return spec.state_label(str(state), self.lang) if spec else str(state)

    def channel(self, name: Any) -> str:
        label = self.config.channels.get(name) if isinstance(name, str) else None
        return label.text(self.lang) if label else (str(name) if name else self.t("未填写", "not recorded"))

    def value(self, kind: str, field: str, value: Any) -> str:
        if value in (None, ""):
            return self.t("未填写", "not recorded")
        spec = self.config.kinds.get(kind)
        field_spec = spec.fields.get(field) if spec else None
        label = field_spec.values.get(value) if field_spec and isinstance(value, str) else None
        return label.text(self.lang) if label else str(value)

    def field(self, kind: str, name: str) -> str:
        spec = self.config.kinds.get(kind)
        field_spec = spec.fields.get(name) if spec else None
        return field_spec.label.text(self.lang) if field_spec else name

    def action(self, name: str) -> str:
        zh, en = _ACTION_LABELS.get(name, (name, name))
        return self.t(zh, en)

    def person(self, login: Any) -> str:
        if not isinstance(login, str) or not login:
            return self.t("未分配", "unassigned")
        person = self.config.person(login)
        return person.name if person else login

    def deadline(self, name: str) -> str:
        zh, en = _DEADLINE_LABELS.get(name, (name, name.replace("_", " ")))
        return self.t(zh, en)


_ACTION_LABELS = {
    "assign": ("转派", "reassigned"),
    "link": ("关联工单", "linked"),
    "promise": ("约定回复时间", "reply promised"),
    "escalate": ("上转主管", "escalated"),
    "attempt": ("回访拨打", "call attempt"),
    "note": ("备注", "note"),
}
_DEADLINE_LABELS = {
    "first_response": ("首次响应", "First response"),
    "first_reply": ("首次回复", "First reply"),
    "updates": ("进展更新", "Updates"),
    "resolution": ("解决", "Resolution"),
    "promise": ("承诺回复", "Promised reply"),
    "update": ("进展更新", "Update"),
    "callback": ("回访", "Callback"),
    "refund": ("退款", "Refund"),
}


# --- helpers --------------------------------------------------------------------------------


def rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES) if whole else None


def hours(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / Decimal(3600)).quantize(Decimal("0.1"))


def stamp(moment: datetime | None, tz: tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def counted(
    items: Iterable[Item], key: Callable[[Item], str], label: Callable[[str], str], total: int | None = None
) -> list[dict[str, Any]]:
    """Rows {key, label, count, share}, largest first, then by key."""
    counts = Counter(key(item) for item in items)
    whole = sum(counts.values()) if total is None else total
    return [
        {"key": k, "label": label(k), "count": n, "share": rate(n, whole)}
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _field_text(item: Item, name: str) -> str:
    value = item.fields.get(name)
    return str(value) if value not in (None, "") else UNRECORDED


def opened_in(items: Iterable[Item], period: Period, kind: str | None = None) -> list[Item]:
    return [i for i in items if period.contains(i.opened) and (kind is None or i.kind_name == kind)]


def of_kind(items: Iterable[Item], kind: str) -> list[Item]:
    return [i for i in items if i.kind_name == kind]


def customer_key(case: Mapping[str, Any]) -> str:
    customer = customer_of(case)
    return str(customer.get("phone") or customer.get("name") or case.get("id"))


# --- sections -------------------------------------------------------------------------------


def overview(items: list[Item], period: Period, config: Config, labels: Labels) -> dict[str, Any]:
    """New, closed and still-open cases per kind; open ones late at the end of the period
    (a deadline past due and not met by then)."""
    rows: list[dict[str, Any]] = []
    for name in config.kinds:
        mine = of_kind(items, name)
        row: dict[str, Any] = {
            "kind": name,
            "label": labels.kind(name),
            "new": len(opened_in(mine, period)),
            "closed": sum(1 for i in mine if period.contains(i.closed)),
            "open": sum(1 for i in mine if not i.terminal),
            "overdue": sum(1 for i in mine if not i.terminal and _overdue(i, period.end)),
        }
        rows.append(row)
    total = {key: sum(int(r[key]) for r in rows) for key in ("new", "closed", "open", "overdue")}
    return {"rows": rows, "total": total}


def _overdue(item: Item, end: datetime) -> bool:
    """A deadline (or promise) past due and not met at `end`: the case is late right then."""
    return any(d.due < end and (d.done is None or d.done >= end) for d in item.deadlines)


def daily_volume(items: list[Item], period: Period, config: Config, labels: Labels) -> dict[str, Any]:
    """Cases opened each day by kind, and cases closed each day."""
    tz = period.start.tzinfo
    assert tz is not None
    days = period.days
    opened: dict[str, Counter[date]] = {name: Counter() for name in config.kinds}
    closed: Counter[date] = Counter()
    for item in items:
        if period.contains(item.opened) and item.kind_name in opened:
            opened[item.kind_name][item.opened.astimezone(tz).date()] += 1  # type: ignore[union-attr]
        if period.contains(item.closed):
            closed[item.closed.astimezone(tz).date()] += 1  # type: ignore[union-attr]
    return {
        "days": [d.isoformat() for d in days],
        "series": [
            {"kind": name, "label": labels.kind(name), "counts": [opened[name][d] for d in days]}
            for name in config.kinds
        ],
        "closed": [closed[d] for d in days],
    }


def complaint_sources(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """New complaints by channel and by category."""
    new = opened_in(items, period, "complaint")
    return {
        "total": len(new),
        "by_channel": counted(new, lambda i: str(i.case.get("channel") or UNRECORDED), labels.channel),
        "by_category": counted(
            new,
            lambda i: _field_text(i, "category"),
            lambda k: labels.value("complaint", "category", None if k == UNRECORDED else k),
        ),
    }


def _progress(item: Item, labels: Labels, tz: tzinfo) -> dict[str, Any]:
    """The latest thing that happened on a case: its note, else what the entry did."""
    history = history_of(item.case)
    if not history:
        return {"at": None, "text": ""}
    entry = history[-1]
    text = entry.get("note")
    if not isinstance(text, str) or not text.strip():
        action = str(entry.get("action"))
        if action in ("open", "move"):
            text = "→ " + labels.state(item.kind_name, entry.get("to"))
        elif action == "set" and isinstance(entry.get("set"), Mapping):
            names = [labels.field(item.kind_name, str(k)) for k in entry["set"]]
            text = labels.t("更新：", "updated: ") + labels.t("、", ", ").join(names)
        else:
            text = labels.action(action)
    return {"at": stamp(facts.entry_time(entry), tz), "text": " ".join(str(text).split())}


def complaint_warnings(
    items: list[Item], period: Period, settings: Settings, labels: Labels
) -> dict[str, Any]:
    """Major and unresolved complaints with age, promised time and progress (周投诉进度汇报)."""
    tz = period.start.tzinfo
    assert tz is not None
    end = period.end
    # The same for every row: worked out once.
    complaint = labels.config.kinds.get("complaint")
    resolving = facts.resolving_states(complaint) if complaint else set()
    major_text = labels.t("重大投诉", "major complaint")
    media_text = labels.t("媒体投诉", "media complaint")
    late_text: dict[str, str] = {}  # by deadline name, filled as names come up
    missed_text = labels.t("承诺回复已逾期", "promised reply missed")
    stale_text = labels.t(f"超过{settings.stale_days}天未解决", f"open over {settings.stale_days} days")
    rows: list[dict[str, Any]] = []
    for item in of_kind(items, "complaint"):
        major = item.major
        if item.terminal and not (major and period.contains(item.closed)):
            continue
        resolved_open = item.kind is not None and item.case.get("status") in resolving
        opened = item.opened
        age = (end - opened).total_seconds() / 86400 if opened else 0.0
        promises = item.promises
        latest = promises[-1] if promises else None
        warnings = []
        if major:
            warnings.append(major_text)
        if item.case.get("channel") == "media":
            warnings.append(media_text)
        for deadline in item.deadlines:
            if deadline.name == "promise":
                continue
            if deadline.due < end and (deadline.done is None or deadline.done > deadline.due):
                name = deadline.name
                if name not in late_text:
                    late_text[name] = labels.t("超时：", "late: ") + labels.deadline(name)
                warnings.append(late_text[name])
        if latest and latest.due < end and not facts.promise_kept(latest):
            warnings.append(missed_text)
        if not item.terminal and not resolved_open and age >= settings.stale_days:
            warnings.append(stale_text)
        customer = customer_of(item.case)
        rows.append(
            {
                "id": item.case.get("id"),
                "title": item.case.get("title"),
                "customer": facts.customer_address(customer, labels.lang),
                "phone": facts.mask_phone(customer.get("phone")) if customer.get("phone") else "",
                "channel": labels.channel(item.case.get("channel")),
                "category": labels.value("complaint", "category", item.fields.get("category")),
                "status": labels.state("complaint", item.case.get("status")),
                "major": major,
                "opened_at": stamp(opened, tz),
                "age_days": Decimal(str(age)).quantize(Decimal("0.1")),
                "promised_at": stamp(latest.due, tz) if latest else None,
                "assignee": labels.person(item.case.get("assignee")),
                "progress": _progress(item, labels, tz),
                "warnings": warnings,
            }
        )
    rows.sort(key=lambda r: (not r["major"], -r["age_days"], str(r["id"])))
    return {"rows": rows, "major": sum(1 for r in rows if r["major"]), "stale_days": settings.stale_days}


Settled = list[tuple[Item, facts.Deadline, bool]]


def settled_deadlines(items: list[Item], period: Period) -> Settled:
    """Deadlines settled in the period: met ones in the period they were met, breached ones
    in the period they fell due, so each deadline counts once across consecutive reports."""
    found = []
    for item in items:
        for deadline in item.deadlines:
            done = deadline.done if deadline.done is not None and deadline.done < period.end else None
            if done is not None and done <= deadline.due:
                if period.contains(done):
                    found.append((item, deadline, True))
            elif period.contains(deadline.due):
                found.append((item, deadline, False))
    return found


def deadline_compliance(
    items: list[Item], settled: Settled, config: Config, labels: Labels
) -> dict[str, Any]:
    """First response, resolution and promised replies met or breached, per kind and agent
    (`settled`: the period's `settled_deadlines`)."""
    available = any(i.deadlines and i.in_scope for i in items)
    by_kind: dict[tuple[str, str], list[bool]] = defaultdict(list)
    by_agent: dict[str, list[bool]] = defaultdict(list)
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for item, deadline, met in settled:
        by_kind[(item.kind_name, deadline.name)].append(met)
        per_kind[item.kind_name].append(met)
        by_agent[str(item.case.get("assignee") or "")].append(met)
    kind_order = list(config.kinds)

    def row(results: list[bool]) -> dict[str, Any]:
        met = sum(results)
        return {"met": met, "breached": len(results) - met, "rate": rate(met, len(results))}

    return {
        "available": available,
        "by_kind": [
            {
                "kind": k,
                "label": labels.kind(k),
                "deadline": d,
                "deadline_label": labels.deadline(d),
                **row(v),
            }
            for (k, d), v in sorted(
                by_kind.items(), key=lambda kv: (_index(kind_order, kv[0][0]), _deadline_order(kv[0][1]))
            )
        ],
        "per_kind": [
            {"kind": k, "label": labels.kind(k), **row(per_kind[k])} for k in kind_order if k in per_kind
        ],
        "by_agent": [
            {"agent": a, "name": labels.person(a), **row(v)}
            for a, v in sorted(by_agent.items(), key=lambda kv: labels.person(kv[0]))
        ],
        "total": row([met for _, _, met in settled]),
    }


def _index(order: list[str], value: str) -> int:
    return order.index(value) if value in order else len(order)


def _deadline_order(name: str) -> tuple[int, str]:
    known = [
        "first_response",
        "first_reply",
        "update",
        "updates",
        "resolution",
        "callback",
        "refund",
        "promise",
    ]
    return (_index(known, name), name)


def _satisfaction_split(rated: Iterable[str | None]) -> dict[str, Any]:
    counts = Counter(v for v in rated if v in SATISFACTION_LEVELS)
    total = sum(counts.values())
    return {
        "total": total,
        **{level: counts[level] for level in SATISFACTION_LEVELS},
        "satisfied_rate": rate(counts["satisfied"], total),
    }


def callback_summary(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """Callbacks due vs done, contact rate, attempts, satisfaction split."""
    callbacks = of_kind(items, "callback")
    due = [i for i in callbacks if period.contains(_callback_due(i))]
    finished = [i for i in callbacks if period.contains(i.closed)]
    completed = [i for i in finished if i.case.get("status") == "completed"]
    unreachable = [i for i in finished if i.case.get("status") == "unreachable"]
    reached = len(completed) + len(unreachable)
    attempts = [a for i in callbacks for a in facts.attempts(i.case) if period.contains(a.at)]
    complaints = [i for i in of_kind(items, "complaint") if period.contains(i.resolved)]
    return {
        "available": any(i.in_scope for i in callbacks),
        "due": len(due),
        "due_done": sum(1 for i in due if i.terminal and i.case.get("status") != "cancelled"),
        "due_done_rate": rate(
            sum(1 for i in due if i.terminal and i.case.get("status") != "cancelled"), len(due)
        ),
        "completed": len(completed),
        "unreachable": len(unreachable),
        "cancelled": sum(1 for i in finished if i.case.get("status") == "cancelled"),
        "contact_rate": rate(len(completed), reached),
        "attempts": len(attempts),
        "attempts_answered": sum(1 for a in attempts if a.outcome == facts.ANSWERED),
        "satisfaction": _satisfaction_split(i.satisfaction for i in completed),
        "complaint_satisfaction": _satisfaction_split(i.satisfaction for i in complaints),
        "levels": [
            {"key": level, "label": labels.value("callback", "satisfaction", level)}
            for level in SATISFACTION_LEVELS
        ],
    }


def _callback_due(item: Item) -> datetime | None:
    """When a callback falls due: its earliest deadline, else the day it was opened."""
    dues = [d.due for d in item.deadlines if d.name != "promise"]
    return min(dues) if dues else item.opened


def returns_summary(items: list[Item], period: Period, settings: Settings, labels: Labels) -> dict[str, Any]:
    """Returns by type and reason, money refunded, postage the shop paid (each leg it pays:
    the way back when the customer ships it, the way out when the shop re-ships), and
    compensation paid on complaints resolved in the period."""
    returns = of_kind(items, "return")
    new = opened_in(returns, period)
    refunded = [i for i in returns if period.contains(facts.entered(i.case, ["refunded"]))]
    refund_total = sum(
        (facts.money(i.fields.get("refund_amount")) or Decimal(0) for i in refunded), Decimal(0)
    )
    shop_legs: list[tuple[Item, Decimal | None]] = []
    for item in returns:
        if item.case.get("status") == "declined":
            continue
        legs = facts.shop_postage_legs(item.case)
        amount = facts.postage_amount(item.case) or settings.standard_postage
        for leg, state in (("back", "in_transit"), ("out", "reshipped")):
            if leg in legs and period.contains(facts.entered(item.case, [state])):
                shop_legs.append((item, amount))
    compensated = [
        i
        for i in of_kind(items, "complaint")
        if period.contains(i.resolved) and facts.money(i.fields.get("compensation"))
    ]
    compensation = sum(
        (facts.money(i.fields.get("compensation")) or Decimal(0) for i in compensated), Decimal(0)
    )
    return {
        "available": any(i.in_scope for i in returns),
        "new": len(new),
        "by_type": counted(
            new,
            lambda i: _field_text(i, "return_type"),
            lambda k: labels.value("return", "return_type", None if k == UNRECORDED else k),
        ),
        "by_reason": counted(
            new,
            lambda i: _field_text(i, "reason"),
            lambda k: labels.value("return", "reason", None if k == UNRECORDED else k),
        ),
        "refunded": len(refunded),
        "refund_total": refund_total.quantize(CENT),
        "shop_postage_legs": len(shop_legs),
        "shop_postage_total": sum((a for _, a in shop_legs if a is not None), Decimal(0)).quantize(CENT),
        "shop_postage_unrecorded": sum(1 for _, a in shop_legs if a is None),
        "compensation_cases": len(compensated),
        "compensation_total": compensation.quantize(CENT),
    }


def quality_alerts(items: list[Item], period: Period, settings: Settings, labels: Labels) -> dict[str, Any]:
    """Several customers reporting a quality problem with the same SKU, batch or product."""
    since = period.end - timedelta(days=settings.alert_window_days)
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        opened = item.opened
        if opened is None or not since <= opened < period.end:
            continue
        fields = item.fields
        if item.kind_name == "return" and fields.get("reason") == "quality":
            for key in ("sku", "batch"):
                if fields.get(key):
                    groups[(key, str(fields[key]))].append(item)
        elif (
            item.kind_name == "complaint"
            and fields.get("category") == "product-quality"
            and fields.get("product")
        ):
            groups[("product", str(fields["product"]))].append(item)
    names = {
        "sku": labels.t("商品编码", "SKU"),
        "batch": labels.t("批次", "Batch"),
        "product": labels.t("产品", "Product"),
    }
    tz = period.start.tzinfo
    assert tz is not None
    rows: list[dict[str, Any]] = []
    for (key, value), members in groups.items():
        customers = {customer_key(i.case) for i in members}
        if len(customers) < settings.alert_min_customers:
            continue
        item_name = next(
            (str(i.fields[f]) for i in members for f in ("item_name", "product") if i.fields.get(f)), ""
        )
        rows.append(
            {
                "by": key,
                "by_label": names[key],
                "value": value,
                "item": item_name,
                "customers": len(customers),
                "cases": [str(i.case.get("id")) for i in members],
                "first": stamp(min(i.opened for i in members if i.opened), tz),
                "last": stamp(max(i.opened for i in members if i.opened), tz),
            }
        )
    rows.sort(key=lambda r: (-r["customers"], r["by"], r["value"]))
    return {
        "rows": rows,
        "window_days": settings.alert_window_days,
        "min_customers": settings.alert_min_customers,
    }


@dataclass
class _MerchantStats:
    complaints: int = 0
    returns: int = 0
    open: int = 0
    major: int = 0
    breached: int = 0
    met: int = 0
    dissatisfied: int = 0
    resolved: int = 0
    response_seconds: list[float] | None = None


MerchantStats = dict[str, _MerchantStats]


def merchant_stats(items: list[Item], period: Period, settled: Settled) -> MerchantStats:
    """Each merchant's complaints and returns in the period (`settled`: its settled deadlines)."""
    stats: dict[str, _MerchantStats] = defaultdict(_MerchantStats)
    for item in items:
        merchant = item.fields.get("merchant")
        if not isinstance(merchant, str) or not merchant.strip():
            continue
        entry = stats[merchant]
        if item.kind_name == "return" and period.contains(item.opened):
            entry.returns += 1
        if item.kind_name != "complaint":
            continue
        if not item.terminal:
            entry.open += 1
        if not period.contains(item.opened):
            continue
        entry.complaints += 1
        entry.major += item.major
        entry.dissatisfied += item.satisfaction == "dissatisfied"
        entry.resolved += item.resolved is not None
        response = item.first_response
        if response is not None and item.opened is not None:
            entry.response_seconds = [
                *(entry.response_seconds or []),
                (response - item.opened).total_seconds(),
            ]
    for item, _, met in settled:
        merchant = item.fields.get("merchant")
        if item.kind_name == "complaint" and isinstance(merchant, str) and merchant in stats:
            if met:
                stats[merchant].met += 1
            else:
                stats[merchant].breached += 1
    return stats


def merchant_cooperation(stats: MerchantStats) -> dict[str, Any]:
    """Complaints per merchant, still open, deadlines breached, median first response (配合度)."""
    rows: list[dict[str, Any]] = []
    for merchant, entry in stats.items():
        if not entry.complaints and not entry.open:
            continue
        median = statistics.median(entry.response_seconds) if entry.response_seconds else None
        rows.append(
            {
                "merchant": merchant,
                "complaints": entry.complaints,
                "open": entry.open,
                "major": entry.major,
                "breached": entry.breached,
                "median_response_hours": hours(median),
            }
        )
    rows.sort(key=lambda r: (-r["complaints"], -r["open"], r["merchant"]))
    return {"rows": rows}


# --- monthly sections -------------------------------------------------------------------------


def complaint_totals(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """The month's complaints by category and by brand (月度投诉总量及品类、品牌分析)."""
    new = opened_in(items, period, "complaint")
    return {
        "total": len(new),
        "by_category": counted(
            new,
            lambda i: _field_text(i, "category"),
            lambda k: labels.value("complaint", "category", None if k == UNRECORDED else k),
        ),
        "by_brand": counted(
            new,
            lambda i: _field_text(i, "brand"),
            lambda k: labels.t("未填写", "not recorded") if k == UNRECORDED else k,
        ),
    }


def merchant_ranking(stats: MerchantStats) -> dict[str, Any]:
    """Merchants by complaints this month, most first (商家投诉排名)."""
    rows: list[dict[str, Any]] = [
        {
            "merchant": m,
            "complaints": s.complaints,
            "returns": s.returns,
            "major": s.major,
            "open": s.open,
            "breached": s.breached,
            "dissatisfied": s.dissatisfied,
        }
        for m, s in stats.items()
        if s.complaints or s.returns
    ]
    rows.sort(key=lambda r: (-r["complaints"], -r["major"], -r["breached"], -r["returns"], r["merchant"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"rows": rows}


def red_black_nominations(
    stats: MerchantStats, period: Period, settings: Settings, labels: Labels
) -> dict[str, Any]:
    """Nominations for the monthly red and black lists (红黑榜), due by the 10th of next month."""
    black: list[dict[str, Any]] = []
    red: list[dict[str, Any]] = []
    for merchant, s in sorted(stats.items()):
        reasons = []
        if s.complaints >= settings.black_list_min_complaints:
            reasons.append(labels.t(f"投诉{s.complaints}起", f"{s.complaints} complaints"))
        if s.major:
            reasons.append(labels.t(f"重大投诉{s.major}起", f"{s.major} major"))
        if s.breached:
            reasons.append(labels.t(f"超时{s.breached}次", f"{s.breached} deadlines breached"))
        if s.dissatisfied:
            reasons.append(labels.t(f"客户不满意{s.dissatisfied}起", f"{s.dissatisfied} dissatisfied"))
        if reasons:
            black.append({"merchant": merchant, "complaints": s.complaints, "reasons": reasons})
        elif s.complaints and s.resolved == s.complaints:
            why = [labels.t(f"投诉{s.complaints}起全部解决", f"all {s.complaints} complaints resolved")]
            if s.met:
                why.append(labels.t("时限全部达成", "every deadline met"))
            red.append({"merchant": merchant, "complaints": s.complaints, "reasons": why})
    black.sort(key=lambda r: (-len(r["reasons"]), -r["complaints"], r["merchant"]))
    due = (period.end.date()).replace(day=10)
    return {"black": black, "red": red, "due": due.isoformat()}


def complaint_analysis(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """The complaint analysis table (投诉汇总分析表): one row per category, then the total."""
    new = opened_in(items, period, "complaint")
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in new:
        groups[_field_text(item, "category")].append(item)

    def row(members: list[Item]) -> dict[str, Any]:
        durations = [
            (resolved - i.opened).total_seconds()
            for i in members
            if i.opened is not None
            and (resolved := i.resolved) is not None
            and i.case.get("status") != "rejected"
        ]
        rejected = sum(1 for i in members if i.case.get("status") == "rejected")
        satisfaction = _satisfaction_split(i.satisfaction for i in members)
        return {
            "count": len(members),
            "share": rate(len(members), len(new)),
            "justified": len(members) - rejected,
            "rejected": rejected,
            "resolved": len(durations),
            "open": sum(1 for i in members if not i.terminal and i.case.get("status") not in ("resolved",)),
            "avg_hours": hours(sum(durations) / len(durations)) if durations else None,
            "major": sum(1 for i in members if i.major),
            "compensation": sum(
                (facts.money(i.fields.get("compensation")) or Decimal(0) for i in members), Decimal(0)
            ).quantize(CENT),
            **{level: satisfaction[level] for level in SATISFACTION_LEVELS},
            "satisfied_rate": satisfaction["satisfied_rate"],
        }

    rows = [
        {
            "key": key,
            "label": labels.value("complaint", "category", None if key == UNRECORDED else key),
            **row(members),
        }
        for key, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return {"rows": rows, "total": row(new)}


def complaint_register(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """The month's complaint register (投诉记录): numbered by date, phones masked."""
    tz = period.start.tzinfo
    assert tz is not None
    rows: list[dict[str, Any]] = []
    per_day: Counter[str] = Counter()
    for item in opened_in(items, period, "complaint"):
        opened = item.opened
        assert opened is not None
        day = opened.astimezone(tz).strftime("%Y%m%d")
        per_day[day] += 1
        customer = customer_of(item.case)
        fields = item.fields
        result = fields.get("resolution") or fields.get("rejection_reason") or ""
        rows.append(
            {
                "number": f"{day}-{per_day[day]:02d}",
                "id": item.case.get("id"),
                "customer": facts.customer_address(customer, labels.lang),
                "phone": facts.mask_phone(customer.get("phone")) if customer.get("phone") else "",
                "opened_at": stamp(opened, tz),
                "content": fields.get("content") or item.case.get("title"),
                "progress": labels.state("complaint", item.case.get("status")),
                "result": result,
                "satisfaction": labels.value("complaint", "satisfaction", fields.get("satisfaction"))
                if fields.get("satisfaction")
                else "",
            }
        )
    return {"rows": rows}


# --- the whole report --------------------------------------------------------------------------


def report_scope(config: Config, period: Period) -> tuple[datetime, dict[str, frozenset[str]]]:
    """The cases a report of `period` can count, as `CaseFilter.live_since`: every case
    not in a final state, and final ones holding a time on or after the earliest moment
    a section looks at (the period's start, or the start of the quality-alert window).
    A case closed before then, with nothing dated later, is left out of every section
    (each counts what happened in the period, what is still open, or what falls due)."""
    window = period.end - timedelta(days=settings_of(config).alert_window_days)
    return min(period.start, window), final_states(config)


def build_report(
    cases: Iterable[Mapping[str, Any]], config: Config, period: Period, *, lang: str | None = None
) -> dict[str, Any]:
    """Every section of the weekly (or, for a month, the monthly) report as plain data,
    from the cases in its scope (`report_scope`); "available" flags say whether those
    cases hold any data of that sort."""
    with facts.shared_timelines():
        return _build_report(cases, config, period, lang)


def _build_report(
    cases: Iterable[Mapping[str, Any]], config: Config, period: Period, lang: str | None
) -> dict[str, Any]:
    settings = settings_of(config)
    lang = lang or settings.lang
    labels = Labels(config, lang)
    tz = config.tz
    scope = CaseFilter.of(live_since=report_scope(config, period))
    items = prepare(cases, config, period.last_moment, scope)
    settled = settled_deadlines(items, period)
    merchants = merchant_stats(items, period, settled)
    report: dict[str, Any] = {
        "kind": period.kind,
        "lang": lang,
        "period": {
            "label": period.label,
            "start": stamp(period.start, tz),
            "end": stamp(period.end, tz),
            "last_day": (period.end - timedelta(days=1)).date().isoformat(),
            "first_day": period.start.date().isoformat(),
            "timezone": config.timezone_name,
        },
        "overview": overview(items, period, config, labels),
        "volume": daily_volume(items, period, config, labels),
        "sources": complaint_sources(items, period, labels),
        "warnings": complaint_warnings(items, period, settings, labels),
        "compliance": deadline_compliance(items, settled, config, labels),
        "callbacks": callback_summary(items, period, labels),
        "returns": returns_summary(items, period, settings, labels),
        "alerts": quality_alerts(items, period, settings, labels),
        "merchants": merchant_cooperation(merchants),
    }
    if period.kind == "month":
        report |= {
            "totals": complaint_totals(items, period, labels),
            "ranking": merchant_ranking(merchants),
            "nominations": red_black_nominations(merchants, period, settings, labels),
            "analysis": complaint_analysis(items, period, labels),
            "register": complaint_register(items, period, labels),
        }
    return report
