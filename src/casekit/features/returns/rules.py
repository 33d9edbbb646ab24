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
from casekit.core.notes import Note, define
from casekit.features.returns.money import ZERO, as_money
from casekit.features.returns.settings import (
    REASON,
    RETURN_TYPE,
    TYPE_EXCHANGE,
    TYPE_EXTRA,
    TYPE_PARTIAL,
    ReturnSettings,
)
from casekit.i18n import N_, _

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


# Fields of an exchange's settlement: what the customer paid of what they owe, and a
# supervisor's waiver (see `waiver_approvals`).
DIFFERENCE_PAID = "difference_paid_amount"
DIFFERENCE_WAIVED = "difference_waived"


@dataclass(frozen=True)
class Balance:
    """What an exchange settles with the customer besides the item (多退少补, 补邮费).

    `difference` is the price difference the customer pays (少补) and `refund` the one the
    shop pays back (多退), each None when there is none or exchange_price is not known yet;
    `postage` is the re-shipment's postage the customer pays (补邮费), only when the case
    records postage_amount (`postage_unrecorded` says the customer owes it but the amount is
    missing). `owed` is the sum the customer pays; `paid` what difference_paid_amount
    records; `waived` whether a supervisor waived it.
    """

    difference: Decimal | None
    refund: Decimal | None
    postage: Decimal | None
    postage_unrecorded: bool
    owed: Decimal
    paid: Decimal | None
    waived: bool

    @property
    def outstanding(self) -> Decimal:
        """What the customer still has to pay before the exchange is re-shipped."""
        if self.waived:
            return ZERO
        left = self.owed - (self.paid or ZERO)
        return left if left > 0 else ZERO


def exchange_balance(case: Mapping[str, Any], settings: ReturnSettings) -> Balance | None:
    """An exchange's balance with the customer; None for any other type."""
    values = fields_of(case)
    if values.get(RETURN_TYPE) != TYPE_EXCHANGE:
        return None
    diff = price_difference(case)
    terms = postage(case, settings)
    owes_postage = terms is not None and terms.reship_leg == "customer"
    recorded = as_money(values.get("postage_amount"))
    postage_owed = recorded if owes_postage and recorded is not None and recorded > 0 else None
    difference_owed = diff.amount if diff is not None and diff.direction == CUSTOMER_PAYS else None
    return Balance(
        difference=difference_owed,
        refund=diff.amount if diff is not None and diff.direction == SHOP_REFUNDS else None,
        postage=postage_owed,
        postage_unrecorded=owes_postage and recorded is None,
        owed=(difference_owed or ZERO) + (postage_owed or ZERO),
        paid=as_money(values.get(DIFFERENCE_PAID)),
        waived=values.get(DIFFERENCE_WAIVED) is True,
    )


def waiver_approved(history: list[Mapping[str, Any]]) -> bool:
    """Whether the last change that set difference_waived was a supervisor's approved one."""
    approved = False
    for entry in history:
        changes = entry.get("set")
        if isinstance(changes, Mapping) and DIFFERENCE_WAIVED in changes:
            approved = changes[DIFFERENCE_WAIVED] is True and bool(entry.get("approved_by"))
    return approved


def _yuan(amount: Decimal) -> str:
    return f"{amount:f}"


def difference_unsettled(
    case: Mapping[str, Any],
    target: str,
    settings: ReturnSettings,
    changes: Mapping[str, Any],
    history: list[Mapping[str, Any]],
) -> list[str]:
    """Refusals: an exchange is re-shipped only once what the customer owes (补差价, 补邮费)
    is recorded as paid, or a supervisor waived it; and the postage they owe is recorded."""
    if target != "reshipped":
        return []
    balance = exchange_balance(case, settings)
    if balance is None:
        return []
    problems = []
    if balance.postage_unrecorded:
        problems.append(
            _(
                "这次换货寄出的运费由客户承担（补邮费），但还没有记录运费金额；"
                "请加 --set postage_amount=金额 (the customer pays the re-shipment's postage: "
                "record it with --set postage_amount=...)"
            )
        )
    waiver_ok = balance.waived and (changes.get(DIFFERENCE_WAIVED) is True or waiver_approved(history))
    if balance.owed > 0 and not waiver_ok and balance.outstanding > 0:
        parts = []
        if balance.difference is not None:
            parts.append(f"补差价{_yuan(balance.difference)}元")
        if balance.postage is not None:
            parts.append(f"补邮费{_yuan(balance.postage)}元")
        paid = f"，已记录付款{_yuan(balance.paid)}元" if balance.paid else ""
        problems.append(
            _(
                "换货需客户{parts}，共{owed}元{paid}，还差{outstanding}元未付，不能换发；"
                "客户付款后请加 --set {difference_paid}={owed}，"
                "或由主管加 --set {difference_waived}=true 免收 "
                "(the customer owes {owed} for this exchange and {outstanding} is not recorded as paid: "
                "record the payment in {difference_paid}, or a supervisor sets "
                "{difference_waived}=true)"
            ).format(
                parts="、".join(parts),
                owed=_yuan(balance.owed),
                paid=paid,
                outstanding=_yuan(balance.outstanding),
                difference_paid=DIFFERENCE_PAID,
                difference_waived=DIFFERENCE_WAIVED,
            )
        )
    return problems


# Why a return's change needed a supervisor, as its history records it (casekit.core.notes).
WAIVER_NOTE = define(
    "returns.difference-waived", N_("免收换货差价 (waiving what the customer owes for an exchange)")
)
LATE_CLAIM_NOTE = define(
    "returns.quality-claim-late",
    N_("the quality claim is approved {days} days after receipt, more than the {allowed} days allowed"),
)
WORN_ITEM_NOTE = define("returns.item-worn", N_("the item has been worn or used"))
PARTIAL_REFUND_NOTE = define(
    "returns.partial-refund-over-postage",
    N_("the partial refund of {refund} is larger than the postage of {limit}"),
)
PARTIAL_REFUND_STANDARD_NOTE = define(
    "returns.partial-refund-over-standard-postage",
    N_("the partial refund of {refund} is larger than the standard postage of {limit}"),
)


def waiver_approvals(changes: Mapping[str, Any]) -> list[str]:
    """Why a change is a supervisor's: it waives what an exchange's customer owes."""
    if changes.get(DIFFERENCE_WAIVED) is True:
        return [Note(WAIVER_NOTE)]
    return []


def extra_item_mismatch(case: Mapping[str, Any], target: str) -> list[str]:
    """Refusal: a 多发 case (extra-item) is approved only with the reason 多发 (extra-item)."""
    values = fields_of(case)
    if (
        target != "approved"
        or values.get(RETURN_TYPE) != TYPE_EXTRA
        or values.get(REASON) in (None, TYPE_EXTRA)
    ):
        return []
    return [
        f"多发的退换类型（{TYPE_EXTRA}）只用于原因为多发的工单，请加 --set reason={TYPE_EXTRA} "
        f"(return_type {TYPE_EXTRA} goes with reason {TYPE_EXTRA})"
    ]


# What a script may say about a return, beyond its fields (docs/scripts-and-reports.md).
POSTAGE_FACTS = frozenset({"payer", "amount"})
EXCHANGE_FACTS = frozenset(
    {"difference", "refund", "postage", "owed", "outstanding", "paid", "waived", "how_to_pay"}
)


def script_facts(case: Mapping[str, Any], settings: ReturnSettings, lang: str) -> dict[str, Any]:
    """The facts a reply script may state about a return, and only those the case holds.

    `postage`: who pays it (`payer`) and the amount the case records (`amount`, never the
    standard guess); empty when the type ships nothing (折价, 仅退款), so no script speaks of
    postage there. `exchange` (exchanges only): what the customer owes and how to pay it,
    what the shop refunds, whether it is paid or waived.
    """
    facts: dict[str, Any] = {}
    values = fields_of(case)
    legs = settings.legs.get(str(values.get(RETURN_TYPE))) if values.get(RETURN_TYPE) else None
    terms = postage(case, settings)
    shown: dict[str, Any] = {}
    if terms is not None and legs != ():
        if terms.payer is not None:
            shown["payer"] = terms.payer
        if not terms.standard:
            shown["amount"] = terms.amount
    facts["postage"] = shown
    balance = exchange_balance(case, settings)
    if balance is not None:
        exchange: dict[str, Any] = {"waived": balance.waived}
        for key in ("difference", "refund", "postage"):
            if (amount := getattr(balance, key)) is not None:
                exchange[key] = amount
        if balance.owed > 0:
            exchange["owed"] = balance.owed
            exchange["outstanding"] = balance.outstanding
            exchange["paid"] = balance.outstanding == 0 and not balance.waived
            exchange["how_to_pay"] = settings.difference_payment.get(lang) or settings.difference_payment.get(
                "zh", ""
            )
        facts["exchange"] = exchange
    return facts


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
            _(
                "a {reason} claim needs evidence before it is approved; attach the customer's "
                "photos with `casekit attach {case_id} PHOTO...`"
            ).format(reason=reason, case_id=case.get("id"))
        )
    if reason in settings.quality_reasons and not values.get("received_date"):
        problems.append(
            _(
                "a quality claim needs received_date (签收日期) before it is approved, to check "
                "the {quality_claim_days}-day limit; pass --set received_date=YYYY-MM-DD"
            ).format(quality_claim_days=settings.quality_claim_days)
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
    reasons: list[str] = []
    days = days_after_receipt(case, on)
    if days is not None and days > settings.quality_claim_days:
        reasons.append(Note(LATE_CLAIM_NOTE, days=days, allowed=settings.quality_claim_days))
    if fields_of(case).get("item_worn") is True:
        reasons.append(Note(WORN_ITEM_NOTE))
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
    note = PARTIAL_REFUND_STANDARD_NOTE if standard else PARTIAL_REFUND_NOTE
    return [Note(note, refund=f"{refund:f}", limit=f"{limit:f}")]


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
