"""The returns rules, pure: who pays postage, the exchange price difference (多退少补), and
why a move needs evidence, a supervisor or more data.

Every function takes plain data: a case mapping (as read from its file), the settings, and
a date or time where one matters. Nothing here reads files, git or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from casekit.core.casefile import fields_of
from casekit.features.returns.money import ZERO, as_money
from casekit.features.returns.settings import REASON, RETURN_TYPE, TYPE_EXCHANGE, TYPE_PARTIAL, ReturnSettings

# Directions of an exchange's price difference.
SHOP_REFUNDS = "shop-refunds"  # 多退: the new item costs less; the shop refunds the difference
CUSTOMER_PAYS = "customer-pays"  # 少补: the new item costs more; the customer pays the difference
EVEN = "none"
DIRECTION_LABELS = {SHOP_REFUNDS: "多退", CUSTOMER_PAYS: "少补", EVEN: "无差价"}


def is_quality_claim(case: Mapping[str, Any], settings: ReturnSettings) -> bool:
    return fields_of(case).get(REASON) in settings.quality_reasons


@dataclass(frozen=True)
class Postage:
    """Who pays postage on a return, each way, and how much one way costs.

    `return_leg` is the customer sending the item back, `reship_leg` the shop sending one
    out; each is 'shop', 'customer' or 'none' (the type does not ship that way), or None
    when the return type is not known yet. `reimburse` is what the shop owes the customer
    for return postage they advanced; `customer_owes` the postage a customer pays for the
    shop's shipment (a changed-mind exchange, 补邮费).
    """

    payer: str | None
    return_leg: str | None
    reship_leg: str | None
    amount: Decimal
    standard: bool
    reimburse: Decimal | None
    customer_owes: Decimal | None

    def as_record(self) -> dict[str, Any]:
        """The mapping stored on the case (keys with no value left out)."""
        record: dict[str, Any] = {"payer": self.payer or "unknown"}
        if self.return_leg is not None:
            record["return_leg"] = self.return_leg
            record["reship_leg"] = self.reship_leg
        record["amount"] = self.amount
        if self.standard:
            record["standard"] = True
        if self.reimburse is not None:
            record["reimburse"] = self.reimburse
        if self.customer_owes is not None:
            record["customer_owes"] = self.customer_owes
        return record


def postage_amount(case: Mapping[str, Any], settings: ReturnSettings) -> tuple[Decimal, bool]:
    """One way's postage: the case's postage_amount, else the standard amount (True)."""
    amount = as_money(fields_of(case).get("postage_amount"))
    if amount is not None:
        return amount, False
    return settings.standard_postage, True


def postage(case: Mapping[str, Any], settings: ReturnSettings) -> Postage | None:
    """Who pays postage each way, from the reason (and the type); None without a reason."""
    values = fields_of(case)
    reason = values.get(REASON)
    if reason is None:
        return None
    payer = settings.postage_payer(reason)
    legs = settings.legs.get(str(values.get(RETURN_TYPE))) if values.get(RETURN_TYPE) else None
    amount, standard = postage_amount(case, settings)
    return_leg = reship_leg = None
    if legs is not None:
        return_leg = (payer or "unknown") if "back" in legs else "none"
        reship_leg = (payer or "unknown") if "out" in legs else "none"
    return Postage(
        payer=payer,
        return_leg=return_leg,
        reship_leg=reship_leg,
        amount=amount,
        standard=standard,
        reimburse=amount if return_leg == "shop" else None,
        customer_owes=amount if reship_leg == "customer" else None,
    )


def shop_postage_legs(case: Mapping[str, Any], settings: ReturnSettings) -> list[str]:
    """The legs ('back', 'out') whose postage the shop pays on this case."""
    terms = postage(case, settings)
    if terms is None:
        return []
    return [leg for leg, who in (("back", terms.return_leg), ("out", terms.reship_leg)) if who == "shop"]


@dataclass(frozen=True)
class PriceDifference:
    amount: Decimal  # never negative
    direction: str  # SHOP_REFUNDS, CUSTOMER_PAYS or EVEN

    def as_record(self) -> dict[str, Any]:
        return {"amount": self.amount, "direction": self.direction, "zh": DIRECTION_LABELS[self.direction]}


def difference(paid: Decimal, new_price: Decimal) -> PriceDifference:
    """The difference between what was paid and the price of the item exchanged for."""
    delta = new_price - paid
    if delta > 0:
        return PriceDifference(delta, CUSTOMER_PAYS)
    if delta < 0:
        return PriceDifference(-delta, SHOP_REFUNDS)
    return PriceDifference(ZERO, EVEN)


def price_difference(case: Mapping[str, Any]) -> PriceDifference | None:
    """An exchange's price difference, once both amount_paid and exchange_price are set."""
    values = fields_of(case)
    if values.get(RETURN_TYPE) != TYPE_EXCHANGE:
        return None
    paid = as_money(values.get("amount_paid"))
    new_price = as_money(values.get("exchange_price"))
    if paid is None or new_price is None:
        return None
    return difference(paid, new_price)


def evidence_missing(case: Mapping[str, Any], target: str, settings: ReturnSettings) -> list[str]:
    """Refusals: a claim whose reason needs evidence cannot be approved without attachments;
    a quality claim needs its received date so the time limit can be checked."""
    if target != "approved":
        return []
    values = fields_of(case)
    reason = values.get(REASON)
    problems = []
    if reason in settings.evidence_required_for and not attachments_of(case):
        problems.append(
            f"a {reason} claim needs evidence before it is approved; "
            f"attach the customer's photos with `casekit attach {case.get('id')} PHOTO...`"
        )
    if reason in settings.quality_reasons and not values.get("received_date"):
        problems.append(
            f"a quality claim needs received_date (签收日期) before it is approved, to check the "
            f"{settings.quality_claim_days}-day limit; pass --set received_date=YYYY-MM-DD"
        )
    return problems


def return_postage_missing(case: Mapping[str, Any], target: str, settings: ReturnSettings) -> list[str]:
    """Refusal: when the shop reimburses return postage, the customer's shipment must say how much."""
    if target != "in_transit":
        return []
    terms = postage(case, settings)
    if terms is None or terms.return_leg != "shop" or not terms.standard:
        return []
    return [
        "the shop reimburses this return's postage, so record what the customer paid to send it; "
        "pass --set postage_amount=..."
    ]


def days_after_receipt(case: Mapping[str, Any], on: date) -> int | None:
    received = fields_of(case).get("received_date")
    if not isinstance(received, str):
        return None
    try:
        return (on - date.fromisoformat(received)).days
    except ValueError:
        return None


def quality_claim_approvals(
    case: Mapping[str, Any], target: str, on: date, settings: ReturnSettings
) -> list[str]:
    """Why approving this quality claim on `on` is a supervisor's decision: it is late, or
    the item was worn or used (001: within 3 days and unworn is handled normally)."""
    if target != "approved" or not is_quality_claim(case, settings):
        return []
    reasons = []
    days = days_after_receipt(case, on)
    if days is not None and days > settings.quality_claim_days:
        reasons.append(
            f"the quality claim is approved {days} days after receipt, "
            f"more than the {settings.quality_claim_days} days allowed"
        )
    if fields_of(case).get("item_worn") is True:
        reasons.append("the item has been worn or used")
    return reasons


def approved_refund(history: list[Mapping[str, Any]]) -> Decimal | None:
    """The largest refund_amount a supervisor's approved move has covered so far."""
    current: Decimal | None = None
    approved: Decimal | None = None
    for entry in history:
        changes = entry.get("set")
        if isinstance(changes, Mapping) and "refund_amount" in changes:
            current = as_money(changes["refund_amount"])
        if entry.get("approved_by") and current is not None:
            approved = current if approved is None else max(approved, current)
    return approved


def partial_refund_approvals(
    case: Mapping[str, Any], target: str, settings: ReturnSettings, history: list[Mapping[str, Any]]
) -> list[str]:
    """Why a partial refund needs a supervisor: it is larger than the postage (000: 补偿通常不能
    超过邮费), unless a supervisor already approved this amount or more."""
    values = fields_of(case)
    if values.get(RETURN_TYPE) != TYPE_PARTIAL or target not in ("approved", "refunded"):
        return []
    refund = as_money(values.get("refund_amount"))
    if refund is None:
        return []
    limit, standard = postage_amount(case, settings)
    if refund <= limit:
        return []
    covered = approved_refund(history)
    if covered is not None and refund <= covered:
        return []
    which = "the standard postage" if standard else "the postage"
    return [f"the partial refund of {refund:f} is larger than {which} of {limit:f}"]


def refund_exceeds_paid(case: Mapping[str, Any]) -> str | None:
    """Why the refund is more than the customer paid, or None."""
    values = fields_of(case)
    refund = as_money(values.get("refund_amount"))
    paid = as_money(values.get("amount_paid"))
    if refund is None or paid is None or refund <= paid:
        return None
    return f"refund_amount {refund:f} is more than amount_paid {paid:f}; a refund cannot exceed what was paid"


def attachments_of(case: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = case.get("attachments")
    return [a for a in value if isinstance(a, Mapping)] if isinstance(value, list) else []
