"""Returns figures for the weekly and monthly reports, pure: returns by reason, money
refunded, postage the shop paid, and the quality alerts at the end of the period.

Periods are dates in the config's time zone: `start` inclusive, `end` exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from casekit.core.config import Config
from casekit.features.returns import rules, view
from casekit.features.returns.alerts import QualityAlert, quality_alerts
from casekit.features.returns.money import ZERO, as_money, total
from casekit.features.returns.settings import REASON, settings_for


def _within(moment_day: date | None, start: date, end: date) -> bool:
    return moment_day is not None and start <= moment_day < end


def returns_by_reason(
    cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date
) -> dict[str, int]:
    """Returns opened in the period, counted by reason (unset reasons under '')."""
    settings = settings_for(config)
    counts: dict[str, int] = {}
    for case in cases:
        if case.get("kind") == settings.kind and _within(view.opened_on(case, config.tz), start, end):
            reason = str(view.fields(case).get(REASON) or "")
            counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def refunds(
    cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date
) -> list[tuple[str, date, Decimal]]:
    """(case ID, day, refund_amount) for each return moved to refunded in the period."""
    settings = settings_for(config)
    found = []
    for case in cases:
        if case.get("kind") != settings.kind:
            continue
        moment = view.moved_into(case, "refunded")
        day = moment.astimezone(config.tz).date() if moment else None
        amount = as_money(view.fields(case).get("refund_amount"))
        if amount is not None and day is not None and _within(day, start, end):
            found.append((str(case.get("id")), day, amount))
    return sorted(found, key=lambda r: (r[1], r[0]))


def money_refunded(cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date) -> Decimal:
    """Exact sum of the refunds paid in the period."""
    return total(amount for _, _, amount in refunds(cases, config, start, end))


def shop_postage(cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date) -> Decimal:
    """Postage the shop paid in the period: return postage it reimburses (counted when the
    customer ships, in_transit) and its own shipments (counted when reshipped)."""
    settings = settings_for(config)
    amounts = []
    for case in cases:
        if case.get("kind") != settings.kind or case.get("status") == "declined":
            continue
        legs = rules.shop_postage_legs(case, settings)
        if not legs:
            continue
        amount, _ = rules.postage_amount(case, settings)
        for leg, state in (("back", "in_transit"), ("out", "reshipped")):
            moment = view.moved_into(case, state) if leg in legs else None
            if moment is not None and _within(moment.astimezone(config.tz).date(), start, end):
                amounts.append(amount)
    return total(amounts)


@dataclass(frozen=True)
class ReturnsSummary:
    start: date
    end: date
    by_reason: dict[str, int]
    money_refunded: Decimal = ZERO
    shop_postage: Decimal = ZERO
    alerts: list[QualityAlert] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "by_reason": self.by_reason,
            "money_refunded": self.money_refunded,
            "shop_postage": self.shop_postage,
            "alerts": [a.as_json() for a in self.alerts],
        }


def returns_summary(
    cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date
) -> ReturnsSummary:
    """Everything a weekly or monthly report shows about returns for [start, end)."""
    chosen = list(cases)
    return ReturnsSummary(
        start=start,
        end=end,
        by_reason=returns_by_reason(chosen, config, start, end),
        money_refunded=money_refunded(chosen, config, start, end),
        shop_postage=shop_postage(chosen, config, start, end),
        alerts=quality_alerts(chosen, config, end - timedelta(days=1)),
    )
