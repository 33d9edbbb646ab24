"""Weekly and monthly reports, computed: pure functions from plain case dicts to plain data.

Every figure is computed from the cases as they stood at the end of the period, read from
their history (`casekit.core.timeline.as_of`), so re-running last week's report later gives the same
numbers. Each section has its own function (`overview`, `complaint_sources`, ...), taking
the prepared cases and returning a dict the templates render; a section whose data no case
has yet says so (`available: False`) instead of showing zeros that look like results.

Money is Decimal and summed exactly; rates are Decimal fractions (4 places) or None.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from casekit.core import casefile, timeline
from casekit.core.casefile import customer_of
from casekit.core.config import Config
from casekit.core.due import (
    PROMISE_CLOCK,
    State,
    base_clock,
    breaches,
    clock_names,
    due_summary,
    is_overdue,
    open_deadlines,
    settled_between,
)
from casekit.core.fields import money
from casekit.core.selection import CaseFilter
from casekit.core.timeutil import stored_instant
from casekit.features.callbacks import facts as callback_facts
from casekit.features.deadlines.derived import deadlines_as_of
from casekit.features.deadlines.settings import MERCHANT_DUTY, clock_spec
from casekit.features.harassment import rules as harassment
from casekit.features.reports.model import (
    CENT,
    SATISFACTION_LEVELS,
    UNRECORDED,
    Item,
    Kinds,
    Labels,
    Period,
    Settings,
    count_rows,
    counted,
    counted_kinds,
    field_text,
    hours,
    of_kind,
    opened_in,
    prepare,
    rate,
    report_scope,
    settings_of,
    stamp,
)
from casekit.features.returns import alerts, extensions, summary
from casekit.features.returns.settings import settings_for as return_settings


def overview(items: list[Item], period: Period, config: Config, labels: Labels) -> dict[str, Any]:
    """New, closed and still-open cases per kind; open ones late at the end of the period
    (a deadline past due and not met by then)."""
    rows: list[dict[str, Any]] = []
    for name in counted_kinds(config):
        mine = of_kind(items, name)
        row: dict[str, Any] = {
            "kind": name,
            "label": labels.kind(name),
            "new": len(opened_in(mine, period)),
            "closed": sum(1 for i in mine if period.contains(i.closed)),
            "open": sum(1 for i in mine if not i.terminal),
            "overdue": sum(1 for i in mine if not i.terminal and _overdue(i, period.end, config)),
        }
        rows.append(row)
    total = {key: sum(int(r[key]) for r in rows) for key in ("new", "closed", "open", "overdue")}
    return {"rows": rows, "total": total}


def _overdue(item: Item, end: datetime, config: Config) -> bool:
    """One of our deadlines (or a promise) overdue just before `end`: the case is late right
    then (a merchant's reply still owed is the merchant's lateness, not ours)."""
    at = end - timedelta(microseconds=1)
    if not is_overdue(item.case, at):
        return False
    if not any(is_merchant_duty(config, item, clock) for clock in item.deadlines):
        return True
    return any(not is_merchant_duty(config, item, clock) for clock in due_summary(item.case, at)[1])


def daily_volume(items: list[Item], period: Period, config: Config, labels: Labels) -> dict[str, Any]:
    """Cases opened each day by kind, and cases closed each day."""
    tz = period.start.tzinfo
    assert tz is not None
    days = period.days
    opened: dict[str, Counter[date]] = {name: Counter() for name in counted_kinds(config)}
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
            for name in opened
        ],
        "closed": [closed[d] for d in days],
    }


def complaint_sources(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """New complaints by channel and by category."""
    complaint = labels.kinds.complaint
    new = opened_in(items, period, complaint)
    return {
        "total": len(new),
        "by_channel": counted(new, lambda i: str(i.case.get("channel") or UNRECORDED), labels.channel),
        "by_category": counted(
            new,
            lambda i: field_text(i, "category"),
            lambda k: labels.value(complaint, "category", None if k == UNRECORDED else k),
        ),
    }


def _progress(item: Item, labels: Labels, tz: tzinfo) -> dict[str, Any]:
    """The latest progress on a case (最新进展, `timeline.latest_progress`); a move
    without a note says the state reached."""
    found = timeline.latest_progress(item.case)
    if found is None:
        return {"at": None, "text": ""}
    entry, text = found
    if text is None:
        text = "→ " + labels.state(item.kind_name, entry.get("to"))
    return {"at": stamp(timeline.entry_time(entry), tz), "text": text}


def complaint_warnings(
    items: list[Item], period: Period, settings: Settings, labels: Labels
) -> dict[str, Any]:
    """Major and unresolved complaints with age, promised time and progress (周投诉进度汇报)."""
    tz = period.start.tzinfo
    assert tz is not None
    end = period.end
    last = period.last_moment
    # The same for every row: worked out once.
    complaint_kind = labels.kinds.complaint
    complaint = labels.config.kinds.get(complaint_kind)
    resolving = timeline.resolving_states(complaint) if complaint else set()
    major_text = labels.t("重大投诉", "major complaint")
    media_text = labels.t("媒体投诉", "media complaint")
    late_text: dict[tuple[str, bool], str] = {}  # by (clock name, still overdue), as names come up
    missed_text = labels.t("承诺回复已逾期", "promised reply missed")
    kept_late_text = labels.t("承诺回复曾逾期", "promised reply kept late")
    stale_text = labels.t(f"超过{settings.stale_days}天未解决", f"open over {settings.stale_days} days")
    rows: list[dict[str, Any]] = []
    for item in of_kind(items, complaint_kind):
        major = item.major
        if item.terminal and not (major and period.contains(item.closed)):
            continue
        resolved_open = item.kind is not None and item.case.get("status") in resolving
        opened = item.opened
        age = (end - opened).total_seconds() / 86400 if opened else 0.0
        promise = item.deadlines.get(PROMISE_CLOCK)
        promised_at = stored_instant(promise.get("due")) if promise is not None else None
        warnings = []
        if major:
            warnings.append(major_text)
        if item.case.get("channel") == "media":
            warnings.append(media_text)
        # 超时 only for a clock still overdue at the period's end (what the overview counts);
        # one missed earlier and met late, or a missed round, says 曾超时.
        overdue = set(due_summary(item.case, last)[1])
        missed = {breach.clock for breach in breaches(item.case, last)} | overdue
        for name in sorted(missed, key=lambda clock: _clock_order(labels.config, complaint_kind, clock)):
            if is_merchant_duty(labels.config, item, name):
                # The merchant's lateness, worded as such: owed still, given late, or never.
                if name in overdue:
                    warnings.append(labels.t("商家逾期未回复", "merchant reply overdue"))
                elif merchant_replied_at(labels.config, item, name) is not None:
                    warnings.append(labels.t("商家曾超时回复", "merchant replied late"))
                else:
                    warnings.append(labels.t("商家未回复", "merchant never replied"))
                continue
            key = (name, name in overdue)
            if key not in late_text:
                if name == PROMISE_CLOCK:
                    late_text[key] = missed_text if key[1] else kept_late_text
                else:
                    prefix = labels.t("超时：", "overdue: ") if key[1] else labels.t("曾超时：", "was late: ")
                    late_text[key] = prefix + labels.clock(complaint_kind, name)
            warnings.append(late_text[key])  # once per clock, however many rounds it missed
        if not item.terminal and not resolved_open and age >= settings.stale_days:
            warnings.append(stale_text)
        customer = customer_of(item.case)
        rows.append(
            {
                "id": item.case.get("id"),
                "title": item.case.get("title"),
                "customer": casefile.customer_address(customer, labels.lang),
                "phone": casefile.mask_phone(customer.get("phone")) if customer.get("phone") else "",
                "channel": labels.channel(item.case.get("channel")),
                "category": labels.value(complaint_kind, "category", item.fields.get("category")),
                "status": labels.state(complaint_kind, item.case.get("status")),
                "major": major,
                "opened_at": stamp(opened, tz),
                "age_days": Decimal(str(age)).quantize(Decimal("0.1")),
                "promised_at": stamp(promised_at, tz),
                "assignee": labels.person(item.case.get("assignee")),
                "progress": _progress(item, labels, tz),
                "warnings": warnings,
            }
        )
    rows.sort(key=lambda r: (not r["major"], -r["age_days"], str(r["id"])))
    return {"rows": rows, "major": sum(1 for r in rows if r["major"]), "stale_days": settings.stale_days}


Settled = list[tuple[Item, str, bool]]


def settled_deadlines(items: list[Item], period: Period) -> Settled:
    """(case, clock, met on time) for each deadline settled in the period, as
    `casekit.core.due.settled_between` judges it."""
    return [
        (item, settled.clock, settled.on_time)
        for item in items
        for settled in settled_between(item.case, period.start, period.end)
    ]


def deadline_compliance(
    items: list[Item], settled: Settled, config: Config, labels: Labels
) -> dict[str, Any]:
    """Our own deadlines (first response, resolution, promised replies...) met or breached,
    per kind and per agent (`settled`: the period's `settled_deadlines`); a merchant's duty
    (`duty: merchant`) is judged in the merchant tables instead."""
    available = any(i.deadlines and i.in_scope for i in items)
    by_kind: dict[tuple[str, str], list[bool]] = defaultdict(list)
    by_agent: dict[str, list[bool]] = defaultdict(list)
    per_kind: dict[str, list[bool]] = defaultdict(list)
    settled = [
        (item, clock, met) for item, clock, met in settled if not is_merchant_duty(config, item, clock)
    ]
    for item, clock, met in settled:
        by_kind[(item.kind_name, base_clock(clock))].append(met)  # reopened rounds count with their clock
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
                "deadline_label": labels.clock(k, d),
                **row(v),
            }
            for (k, d), v in sorted(
                by_kind.items(),
                key=lambda kv: (
                    _index(kind_order, kv[0][0]),
                    _clock_order(labels.config, kv[0][0], kv[0][1]),
                ),
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


def _clock_order(config: Config, kind: str, name: str) -> tuple[int, str]:
    """Clocks in the order the config lists them, the promised reply last."""
    known = [*clock_names(config, kind), PROMISE_CLOCK]
    return (_index(known, name), name)


def _satisfaction_split(rated: Iterable[str | None]) -> dict[str, Any]:
    counts = Counter(v for v in rated if v in SATISFACTION_LEVELS)
    total = sum(counts.values())
    return {
        "total": total,
        **{level: counts[level] for level in SATISFACTION_LEVELS},
        "satisfied_rate": rate(counts["satisfied"], total),
    }


COMPLETED = "completed"


def callback_summary(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """Callbacks due and completed (回访完成率), dials answered (接通率), satisfaction split."""
    callbacks = of_kind(items, labels.kinds.callback)
    due = [i for i in callbacks if period.contains(_callback_due(i))]
    finished = [i for i in callbacks if period.contains(i.closed)]
    completed = [i for i in finished if i.case.get("status") == COMPLETED]
    unreachable = [i for i in finished if i.case.get("status") == "unreachable"]
    attempts = [a for i in callbacks for a in callback_facts.attempts(i.case) if period.contains(a.at)]
    answered = sum(1 for a in attempts if a.outcome == callback_facts.ANSWERED)
    due_completed = sum(1 for i in due if i.case.get("status") == COMPLETED)
    undialled = sum(
        1
        for i in completed
        if not any(a.outcome == callback_facts.ANSWERED for a in callback_facts.attempts(i.case))
    )
    complaints = [i for i in of_kind(items, labels.kinds.complaint) if period.contains(i.resolved)]
    return {
        "available": any(i.in_scope for i in callbacks),
        "due": len(due),
        "due_completed": due_completed,
        "completion_rate": rate(due_completed, len(due)),
        "completed": len(completed),
        "unreachable": len(unreachable),
        "cancelled": sum(1 for i in finished if i.case.get("status") == "cancelled"),
        "completed_without_dial": undialled,
        "contact_rate": rate(answered, len(attempts)),
        "attempts": len(attempts),
        "attempts_answered": answered,
        "satisfaction": _satisfaction_split(i.satisfaction for i in completed),
        "complaint_satisfaction": _satisfaction_split(i.satisfaction for i in complaints),
        "levels": [
            {"key": level, "label": labels.value(labels.kinds.callback, "satisfaction", level)}
            for level in SATISFACTION_LEVELS
        ],
    }


def _callback_due(item: Item) -> datetime | None:
    """When a callback falls due: its earliest deadline, else the day it was opened."""
    dues = [
        due
        for clock, e in item.deadlines.items()
        if clock != PROMISE_CLOCK and (due := stored_instant(e["due"]))
    ]
    return min(dues) if dues else item.opened


def returns_summary(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """Returns by type and reason, money refunded, postage the shop paid (each leg it pays:
    the way back when the customer ships it, the way out when the shop re-ships), from the
    returns feature's figures; and compensation paid on complaints resolved in the period."""
    config = labels.config
    returns_kind = labels.kinds.returns
    returns = of_kind(items, returns_kind)
    figures = summary.returns_summary([i.case for i in returns], config, *period.dates)
    compensated = [
        i
        for i in of_kind(items, labels.kinds.complaint)
        if period.contains(i.resolved) and money(i.fields.get("compensation"))
    ]
    compensation = sum((money(i.fields.get("compensation")) or Decimal(0) for i in compensated), Decimal(0))

    def rows(counts: Mapping[str, int], name: str) -> list[dict[str, Any]]:
        return count_rows(
            {key or UNRECORDED: count for key, count in counts.items()},
            lambda key: labels.value(returns_kind, name, None if key == UNRECORDED else key),
        )

    return {
        "available": any(i.in_scope for i in returns),
        "new": len(figures.opened),
        "by_type": rows(figures.by_type, "return_type"),
        "by_reason": rows(figures.by_reason, "reason"),
        "refunded": len(figures.refunds),
        "refund_total": figures.money_refunded.quantize(CENT),
        "shop_postage_legs": len(figures.shop_postage),
        "shop_postage_total": figures.shop_postage_total.quantize(CENT),
        "shop_postage_unrecorded": sum(1 for leg in figures.shop_postage if leg.standard),
        "compensation_cases": len(compensated),
        "compensation_total": compensation.quantize(CENT),
    }


def quality_alerts(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """Several customers reporting a quality problem with the same SKU or batch: the
    returns feature's alerts (`casekit alerts`) as they stood on the period's last day."""
    settings = return_settings(labels.config)
    last_day = period.dates[1] - timedelta(days=1)
    found = alerts.quality_alerts([i.case for i in items], labels.config, last_day)
    rows = [
        {
            "by": alert.scope,
            "by_label": alerts.SCOPES[alert.scope].text(labels.lang),
            "value": alert.key,
            "item": labels.t("、", ", ").join(alert.items),
            "customers": alert.customers,
            "cases": list(alert.cases),
            "first": alert.first.isoformat(),
            "last": alert.last.isoformat(),
        }
        for alert in found
    ]
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
    resolved: int = 0
    replies_on_time: int = 0
    replies_late: int = 0
    replies_owed: int = 0
    reply_seconds: list[float] = field(default_factory=list)
    rated: list[str | None] = field(default_factory=list)

    @property
    def replies_due(self) -> int:
        """Its replies settled in the period: in time or late."""
        return self.replies_on_time + self.replies_late

    @property
    def satisfaction(self) -> dict[str, Any]:
        return _satisfaction_split(self.rated)


MerchantStats = dict[str, _MerchantStats]


def is_merchant_duty(config: Config, item: Item, clock: str) -> bool:
    spec = clock_spec(config, item.kind_name, clock)
    return spec is not None and spec.duty == MERCHANT_DUTY


def merchant_replied_at(config: Config, item: Item, clock: str) -> datetime | None:
    """When the merchant's reply that meets `clock` was given (its `met_at_field`), as
    of the report's moment; None: no reply."""
    spec = clock_spec(config, item.kind_name, clock)
    name = spec.met_at_field if spec is not None else None
    return stored_instant(item.fields.get(name)) if name is not None else None


def merchant_stats(
    items: list[Item], period: Period, settled: Settled, kinds: Kinds, config: Config
) -> MerchantStats:
    """Each merchant (the `merchant` field: a seller, never a store) judged on its own
    conduct: the complaints about it opened in the period and their outcome, its returns,
    and its own duty (`duty: merchant` clocks, the merchant's reply within 1 working day):
    replies settled in the period on time or late, replies owed past due at the period's
    end, and how long its replies took (a complaint that ended before its reply fell due
    owed none)."""
    stats: dict[str, _MerchantStats] = defaultdict(_MerchantStats)
    for item in items:
        merchant = _merchant_of(item)
        if merchant is None:
            continue
        entry = stats[merchant]
        if item.kind_name == kinds.returns and period.contains(item.opened):
            entry.returns += 1
        if item.kind_name != kinds.complaint:
            continue
        if not item.terminal:
            entry.open += 1
        for deadline in open_deadlines(item.case, period.last_moment):
            if deadline.state is State.OVERDUE and is_merchant_duty(config, item, deadline.clock):
                entry.replies_owed += 1
        if not period.contains(item.opened):
            continue
        entry.complaints += 1
        entry.major += item.major
        entry.resolved += item.resolved_now  # a reopened complaint is not resolved
        entry.rated.append(item.satisfaction)
    for item, clock, on_time in settled:
        merchant = _merchant_of(item)
        if merchant is None or item.kind_name != kinds.complaint or not is_merchant_duty(config, item, clock):
            continue
        replied = merchant_replied_at(config, item, clock)
        if on_time and replied is None:
            continue  # the complaint ended before the reply fell due: none was owed any more
        entry = stats[merchant]
        if on_time:
            entry.replies_on_time += 1
        else:
            entry.replies_late += 1
        started = stored_instant(item.deadlines.get(clock, {}).get("start"))
        if started is not None and replied is not None:
            entry.reply_seconds.append((max(replied, started) - started).total_seconds())
    return stats


def _merchant_of(item: Item) -> str | None:
    merchant = item.fields.get("merchant")
    return merchant.strip() if isinstance(merchant, str) and merchant.strip() else None


def _reply_figures(entry: _MerchantStats) -> dict[str, Any]:
    due = entry.replies_due
    median = statistics.median(entry.reply_seconds) if entry.reply_seconds else None
    return {
        "replies_due": due,
        "replies_on_time": entry.replies_on_time,
        "replies_late": entry.replies_late,
        "replies_owed": entry.replies_owed,
        "on_time_rate": rate(entry.replies_on_time, due),
        "median_reply_hours": hours(median),
    }


def merchant_cooperation(stats: MerchantStats) -> dict[str, Any]:
    """商家投诉配合度: per merchant, its complaints and, above all, its own replies: due in
    the period, on time, late, still owed past due, and the median time it took."""
    rows: list[dict[str, Any]] = []
    for merchant, entry in stats.items():
        if not (entry.complaints or entry.open or entry.replies_due):
            continue
        rows.append(
            {
                "merchant": merchant,
                "complaints": entry.complaints,
                "open": entry.open,
                "major": entry.major,
                **_reply_figures(entry),
            }
        )
    rows.sort(key=lambda r: (-r["complaints"], -r["open"], r["merchant"]))
    return {"rows": rows}


def complaint_totals(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """The month's complaints by category and by brand (月度投诉总量及品类、品牌分析)."""
    new = opened_in(items, period, labels.kinds.complaint)
    return {
        "total": len(new),
        "by_category": counted(
            new,
            lambda i: field_text(i, "category"),
            lambda k: labels.value(labels.kinds.complaint, "category", None if k == UNRECORDED else k),
        ),
        "by_brand": counted(
            new,
            lambda i: field_text(i, "brand"),
            lambda k: labels.t("未填写", "not recorded") if k == UNRECORDED else k,
        ),
        # Stores (门店) are where a complaint was made, or which it is about; never merchants.
        "by_store": counted(
            [i for i in new if field_text(i, "store") != UNRECORDED],
            lambda i: field_text(i, "store"),
            lambda k: k,
        ),
    }


def merchant_ranking(stats: MerchantStats) -> dict[str, Any]:
    """商家投诉排名: merchants by complaints this month, then major ones, late replies and
    dissatisfied customers (the worst first)."""
    rows: list[dict[str, Any]] = []
    for merchant, entry in stats.items():
        if not (entry.complaints or entry.returns or entry.replies_due):
            continue
        satisfaction = entry.satisfaction
        rows.append(
            {
                "merchant": merchant,
                "complaints": entry.complaints,
                "returns": entry.returns,
                "major": entry.major,
                "open": entry.open,
                "replies_late": entry.replies_late,
                "on_time_rate": rate(entry.replies_on_time, entry.replies_due),
                "dissatisfied": satisfaction["dissatisfied"],
                "satisfied_rate": satisfaction["satisfied_rate"],
            }
        )
    rows.sort(
        key=lambda r: (-r["complaints"], -r["major"], -r["replies_late"], -r["dissatisfied"], r["merchant"])
    )
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"rows": rows}


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def red_black_nominations(
    stats: MerchantStats, period: Period, settings: Settings, labels: Labels
) -> dict[str, Any]:
    """Nominations for the monthly red and black lists (红黑榜), due by the 10th of next
    month, by the criteria of `reports.red_black` (`model.RedBlack`)."""
    criteria = settings.red_black
    black: list[dict[str, Any]] = []
    red: list[dict[str, Any]] = []
    for merchant, s in sorted(stats.items()):
        satisfaction = s.satisfaction
        dissatisfied = satisfaction["dissatisfied"]
        reasons = []
        if criteria.black_complaints and s.complaints >= criteria.black_complaints:
            reasons.append(labels.t(f"投诉{s.complaints}起", f"{s.complaints} complaints"))
        if criteria.black_major and s.major >= criteria.black_major:
            reasons.append(labels.t(f"重大投诉{s.major}起", f"{s.major} major"))
        if criteria.black_late_replies and s.replies_late >= criteria.black_late_replies:
            reasons.append(
                labels.t(f"商家未按时回复{s.replies_late}次", f"{s.replies_late} merchant replies late")
            )
        if criteria.black_dissatisfied and dissatisfied >= criteria.black_dissatisfied:
            reasons.append(labels.t(f"客户不满意{dissatisfied}起", f"{dissatisfied} dissatisfied"))
        if reasons:
            black.append({"merchant": merchant, "complaints": s.complaints, "reasons": reasons})
            continue
        due = s.replies_due
        on_time = _percent(s.replies_on_time, due)
        satisfied = _percent(satisfaction["satisfied"], satisfaction["total"])
        if (
            s.complaints >= max(criteria.red_min_complaints, 1)
            and not s.replies_owed
            and (not criteria.red_all_resolved or s.resolved == s.complaints)
            and on_time >= criteria.red_min_on_time
            and satisfied >= criteria.red_min_satisfied
        ):
            why = [
                labels.t(f"投诉{s.complaints}起", f"{s.complaints} complaints")
                + (labels.t("，全部解决", ", all resolved") if s.resolved == s.complaints else "")
            ]
            if due:
                why.append(
                    labels.t(
                        f"按时回复{s.replies_on_time}/{due}", f"replied in time {s.replies_on_time}/{due}"
                    )
                )
            if satisfaction["total"]:
                why.append(
                    labels.t(
                        f"满意{satisfaction['satisfied']}/{satisfaction['total']}",
                        f"satisfied {satisfaction['satisfied']}/{satisfaction['total']}",
                    )
                )
            red.append({"merchant": merchant, "complaints": s.complaints, "reasons": why})
    black.sort(key=lambda r: (-len(r["reasons"]), -r["complaints"], r["merchant"]))
    due_day = (period.end.date()).replace(day=10)
    return {"black": black, "red": red, "due": due_day.isoformat()}


def complaint_analysis(
    items: list[Item], period: Period, settings: Settings, labels: Labels
) -> dict[str, Any]:
    """The complaint analysis table (投诉汇总分析表): one row per category, then the total,
    then the reopened ones. The complaints opened in the period, each counted once, in the
    state it stood in at the period's end: 待判断 (not assessed yet), 不成立 (assessed as not
    justified), 成立 (every other state: assessed as justified); 已解决 (in a resolving
    state, not rejected) and 未结 (not final and not resolved: a reopened one is open)."""
    new = opened_in(items, period, labels.kinds.complaint)
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in new:
        groups[field_text(item, "category")].append(item)
    pending_states, rejected_states = set(settings.pending_states), set(settings.rejected_states)

    def row(members: list[Item]) -> dict[str, Any]:
        status = {id(i): str(i.case.get("status")) for i in members}
        pending = sum(1 for i in members if status[id(i)] in pending_states)
        rejected = sum(1 for i in members if status[id(i)] in rejected_states)
        resolved = [i for i in members if i.resolved_now and status[id(i)] not in rejected_states]
        durations = [
            (moment - i.opened).total_seconds()
            for i in resolved
            if i.opened is not None and (moment := i.last_resolved) is not None
        ]
        satisfaction = _satisfaction_split(i.satisfaction for i in members)
        return {
            "count": len(members),
            "share": rate(len(members), len(new)),
            "pending": pending,
            "justified": len(members) - pending - rejected,
            "rejected": rejected,
            "resolved": len(resolved),
            "open": sum(1 for i in members if not i.terminal and not i.resolved_now),
            "reopened": sum(1 for i in members if i.reopenings),
            "avg_hours": hours(sum(durations) / len(durations)) if durations else None,
            "major": sum(1 for i in members if i.major),
            "compensation": sum(
                (money(i.fields.get("compensation")) or Decimal(0) for i in members), Decimal(0)
            ).quantize(CENT),
            **{level: satisfaction[level] for level in SATISFACTION_LEVELS},
            "satisfied_rate": satisfaction["satisfied_rate"],
        }

    rows = [
        {
            "key": key,
            "label": labels.value(labels.kinds.complaint, "category", None if key == UNRECORDED else key),
            **row(members),
        }
        for key, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    reopened = [i for i in new if i.reopenings]
    return {
        "rows": rows,
        "total": row(new),
        "reopened": {"label": labels.t("其中曾重新打开", "of which reopened"), **row(reopened)},
    }


def complaint_register(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """The month's complaint register (投诉记录): numbered by date, phones masked."""
    tz = period.start.tzinfo
    assert tz is not None
    rows: list[dict[str, Any]] = []
    per_day: Counter[str] = Counter()
    complaint = labels.kinds.complaint
    for item in opened_in(items, period, complaint):
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
                "customer": casefile.customer_address(customer, labels.lang),
                "phone": casefile.mask_phone(customer.get("phone")) if customer.get("phone") else "",
                "opened_at": stamp(opened, tz),
                "content": fields.get("content") or item.case.get("title"),
                "progress": labels.state(complaint, item.case.get("status")),
                "result": result,
                "satisfaction": labels.value(
                    labels.kinds.complaint, "satisfaction", fields.get("satisfaction")
                )
                if fields.get("satisfaction")
                else "",
            }
        )
    return {"rows": rows}


def due_today(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """The day after a daily report's period (today, at the 9:00 meeting): every deadline
    of an open case that is overdue at its start or falls due before its end, soonest
    first; paused clocks are left out (nothing is owed while they stand still)."""
    tz = period.start.tzinfo
    assert tz is not None
    today_end = period.end + timedelta(days=1)
    rows: list[dict[str, Any]] = []
    for item in items:
        if item.terminal or not item.in_scope:
            continue
        for deadline in open_deadlines(item.case, period.end):
            if deadline.state is State.PAUSED or deadline.due >= today_end:
                continue
            rows.append(
                {
                    "id": item.case.get("id"),
                    "title": item.case.get("title"),
                    "kind": labels.kind(item.kind_name),
                    "clock": labels.clock(item.kind_name, deadline.clock),
                    "due": stamp(deadline.due, tz),
                    "overdue": deadline.state is State.OVERDUE,
                    "status": labels.state(item.kind_name, item.case.get("status")),
                    "assignee": labels.person(item.case.get("assignee")),
                    # the merchant's reply: the assignee chases it, it is not theirs to give
                    "merchant": is_merchant_duty(labels.config, item, deadline.clock),
                }
            )
    rows.sort(key=lambda r: (str(r["due"]), str(r["id"]), r["clock"]))
    return {
        "day": period.end.date().isoformat(),
        "rows": rows,
        "overdue": sum(1 for r in rows if r["overdue"] and not r["merchant"]),
        "merchant_overdue": sum(1 for r in rows if r["overdue"] and r["merchant"]),
    }


def extensions_lapsing(items: list[Item], period: Period, labels: Labels) -> dict[str, Any]:
    """交易延长即将到期 (001): on the day after a daily report's period (the meeting day),
    the open returns whose order extension ends within `returns.extension_warn_days` or
    has ended (`casekit.features.returns.extensions.lapsing`, as `casekit extensions` lists
    them): extend the order again or finish the return."""
    day = period.end.date()
    rows = [
        lapse.as_json() | {"assignee": labels.person(lapse.assignee)}
        for lapse in extensions.lapsing([i.case for i in items if i.in_scope], labels.config, day)
    ]
    return {
        "day": day.isoformat(),
        "rows": rows,
        "warn_days": return_settings(labels.config).extension_warn_days,
    }


def harassment_calls(
    cases: Iterable[Mapping[str, Any]], period: Period, config: Config, labels: Labels
) -> dict[str, Any]:
    """骚扰电话统计 (000: the queue report sums up how often harassment calls come and from
    where): the logged calls whose call time falls in the period, by hour of day, by source
    number (masked as `casefile.mask_phone` masks a customer's phone), the repeat sources
    (two calls or more in the period) and who ended them. Unlike the other sections, a call
    logged after the period's end counts too, in the period it came in: a night's calls are
    often logged the next morning, and the daily report is read then."""
    tz = period.start.tzinfo
    assert tz is not None
    calls: list[tuple[datetime, str, Mapping[str, Any]]] = []
    for case in cases:
        called = harassment.call_time(case) if harassment.is_harassment(case) else None
        if called is not None and period.contains(called):
            calls.append((called.astimezone(tz), harassment.source_of(case), case))
    calls.sort(key=lambda c: (c[0], str(c[2].get("id"))))
    per_hour = Counter(called.hour for called, _, _ in calls)
    sources: dict[str, list[tuple[datetime, str, Mapping[str, Any]]]] = defaultdict(list)
    for call in calls:
        sources[call[1]].append(call)
    kind = harassment.KIND

    def source_row(key: str, made: list[tuple[datetime, str, Mapping[str, Any]]]) -> dict[str, Any]:
        return {
            "source": casefile.mask_phone(key) if key else labels.t("未记录号码", "no number recorded"),
            "count": len(made),
            "share": rate(len(made), len(calls)),
            "first": stamp(made[0][0], tz),
            "last": stamp(made[-1][0], tz),
            "cases": [str(c[2].get("id")) for c in made],
        }

    ordered = sorted(sources.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ended = Counter(str(casefile.fields_of(c).get(harassment.ENDED_BY) or "") for _, _, c in calls)
    return {
        "available": kind in config.kinds,
        "total": len(calls),
        "by_hour": [
            {"hour": h, "label": f"{h:02d}:00–{h + 1:02d}:00", "count": n, "share": rate(n, len(calls))}
            for h, n in sorted(per_hour.items())
        ],
        "by_source": [source_row(key, made) for key, made in ordered],
        "repeats": [source_row(key, made) for key, made in ordered if key and len(made) >= 2],
        "ended_by": count_rows(ended, lambda v: labels.value(kind, harassment.ENDED_BY, v or None)),
    }


def build_report(
    cases: Iterable[Mapping[str, Any]], config: Config, period: Period, *, lang: str | None = None
) -> dict[str, Any]:
    """Every section of the weekly (or, for a month, the monthly) report as plain data,
    from the cases in its scope (`report_scope`); "available" flags say whether those
    cases hold any data of that sort."""
    with timeline.shared_timelines():
        return _build_report(cases, config, period, lang)


def _build_report(
    cases: Iterable[Mapping[str, Any]], config: Config, period: Period, lang: str | None
) -> dict[str, Any]:
    settings = settings_of(config)
    lang = lang or settings.lang
    labels = Labels(config, lang)
    tz = config.tz
    scope = CaseFilter.of(live_since=report_scope(config, period))
    cases = list(cases)
    items = prepare(cases, config, period.last_moment, scope, deadlines_as_of)
    settled = settled_deadlines(items, period)
    merchants = merchant_stats(items, period, settled, labels.kinds, config)
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
        "returns": returns_summary(items, period, labels),
        "alerts": quality_alerts(items, period, labels),
        "merchants": merchant_cooperation(merchants),
        "harassment": harassment_calls(cases, period, config, labels),
    }
    if period.kind == "day":
        report["due_today"] = due_today(items, period, labels)
        report["extensions"] = extensions_lapsing(items, period, labels)
    if period.kind == "month":
        report |= {
            "totals": complaint_totals(items, period, labels),
            "ranking": merchant_ranking(merchants),
            "nominations": red_black_nominations(merchants, period, settings, labels),
            "analysis": complaint_analysis(items, period, settings, labels),
            "register": complaint_register(items, period, labels),
        }
    return report
