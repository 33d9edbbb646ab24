"""Returns figures for the weekly and monthly reports, pure: returns opened by type and by
reason, money refunded, and postage the shop paid, each from the one rule that decides it
(`rules.postage` for who pays each way, over the team's `returns:` settings).

Periods are dates in the config's time zone: `start` inclusive, `end` exclusive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.config import Config
from casekit.core.timeline import last_entered
from casekit.features.returns import rules, view
from casekit.features.returns.money import as_money, total
from casekit.features.returns.settings import REASON, RETURN_TYPE, ReturnSettings, settings_for

# When each way's postage is spent: the customer ships the item back (in transit), the
# shop ships one out (re-shipped).
LEG_STATES = (("back", "in_transit"), ("out", "reshipped"))


def _day(moment: datetime | None, tz: tzinfo) -> date | None:
    return moment.astimezone(tz).date() if moment is not None else None


def _within(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day < end


def _returns(cases: Iterable[Mapping[str, Any]], settings: ReturnSettings) -> list[Mapping[str, Any]]:
    return [case for case in cases if case.get("kind") == settings.kind]


@dataclass(frozen=True)
class Refund:
    case_id: str
    day: date
    amount: Decimal


@dataclass(frozen=True)
class PostageLeg:
    """One way's postage the shop paid: `standard` when the case records no amount and
    the team's standard amount stands in for it."""

    case_id: str
    leg: str  # "back" or "out"
    day: date
    amount: Decimal
    standard: bool


@dataclass(frozen=True)
class ReturnsFigures:
    start: date
    end: date
    opened: tuple[str, ...] = ()
    by_type: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    refunds: tuple[Refund, ...] = ()
    shop_postage: tuple[PostageLeg, ...] = ()

    @property
    def money_refunded(self) -> Decimal:
        return total(r.amount for r in self.refunds)

    @property
    def shop_postage_total(self) -> Decimal:
        return total(leg.amount for leg in self.shop_postage)

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "opened": len(self.opened),
            "by_type": self.by_type,
            "by_reason": self.by_reason,
            "money_refunded": self.money_refunded,
            "refunds": [
                {"case": r.case_id, "day": r.day.isoformat(), "amount": r.amount} for r in self.refunds
            ],
            "shop_postage": self.shop_postage_total,
            "shop_postage_legs": [
                {
                    "case": p.case_id,
                    "leg": p.leg,
                    "day": p.day.isoformat(),
                    "amount": p.amount,
                    "standard": p.standard,
                }
                for p in self.shop_postage
            ],
        }


def _counted(cases: Iterable[Mapping[str, Any]], name: str) -> dict[str, int]:
    """Cases by the value of field `name` (unset under ''), most first, then by value."""
    counts = Counter(str(fields_of(case).get(name) or "") for case in cases)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def refunds(cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date) -> list[Refund]:
    """Each return moved to refunded in the period, with its refund_amount."""
    settings = settings_for(config)
    found = []
    for case in _returns(cases, settings):
        day = _day(last_entered(case, ["refunded"]), config.tz)
        amount = as_money(fields_of(case).get("refund_amount"))
        if amount is not None and day is not None and _within(day, start, end):
            found.append(Refund(str(case.get("id")), day, amount))
    return sorted(found, key=lambda r: (r.day, r.case_id))


def shop_postage(
    cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date
) -> list[PostageLeg]:
    """Postage the shop paid in the period: each way `rules.postage` says the shop pays,
    counted on the day that way was shipped. Declined returns ship nothing."""
    settings = settings_for(config)
    found = []
    for case in _returns(cases, settings):
        if case.get("status") == "declined":
            continue
        shop_pays = rules.shop_postage_legs(case, settings)
        if not shop_pays:
            continue
        amount, standard = rules.postage_amount(case, settings)
        for leg, state in LEG_STATES:
            day = _day(last_entered(case, [state]), config.tz)
            if leg in shop_pays and day is not None and start <= day < end:
                found.append(PostageLeg(str(case.get("id")), leg, day, amount, standard))
    return sorted(found, key=lambda p: (p.day, p.case_id, p.leg))


def returns_summary(
    cases: Iterable[Mapping[str, Any]], config: Config, start: date, end: date
) -> ReturnsFigures:
    """Everything a weekly or monthly report shows about returns for [start, end)."""
    chosen = _returns(list(cases), settings_for(config))
    opened = [case for case in chosen if _within(view.opened_on(case, config.tz), start, end)]
    return ReturnsFigures(
        start=start,
        end=end,
        opened=tuple(str(case.get("id")) for case in opened),
        by_type=_counted(opened, RETURN_TYPE),
        by_reason=_counted(opened, REASON),
        refunds=tuple(refunds(chosen, config, start, end)),
        shop_postage=tuple(shop_postage(chosen, config, start, end)),
    )
