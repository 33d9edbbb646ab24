"""The registers the after-sales handbooks keep (001), generated from the cases, pure.

- wrong-shipment (发错货登记): confirmed wrong, missing and extra items.
- parcel-claims (丢件赔偿登记): lost and courier-damaged parcels with the compensation, by
  month, for finance to reconcile with the courier.
- postage (邮费充值清单): return postage the shop reimburses to customers who advanced it,
  in finance's format (店铺、帐号、原因、金额、时间).
- cancellations (退订日台账, 003): the cancellation bookings made on one day, with their
  progress (`cancellation_register`, by day rather than by month).

A case is in a month's register when it was opened in that month (in the config's time
zone). Declined cases are left out; money totals are exact Decimal sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from casekit.core.casefile import customer_of, fields_of
from casekit.core.config import Config, Label
from casekit.core.timeline import last_entered
from casekit.core.timeutil import stored_instant
from casekit.features.deadlines.calendar import calendar_for
from casekit.features.returns import rules, view
from casekit.features.returns.cancellations import cancellation_settings
from casekit.features.returns.money import as_money, total
from casekit.features.returns.settings import (
    REASON,
    RETURN_TYPE,
    TYPE_EXCHANGE,
    TYPE_RESEND,
    ReturnSettings,
    settings_for,
)
from casekit.i18n import _


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    money: bool = False


@dataclass(frozen=True)
class Register:
    """One register: its rows (plain dicts keyed by column), money totals and row count."""

    name: str
    zh: str
    en: str
    month: str | None
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, Decimal] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "register": self.name,
            "title": {"zh": self.zh, "en": self.en},
            "month": self.month,
            "columns": [{"key": c.key, "zh": c.zh, "en": c.en} for c in self.columns],
            "rows": self.rows,
            "count": len(self.rows),
            "totals": self.totals,
        }


_DATE = Column("date", "登记日期", "Date")
_CASE = Column("case_id", "工单号", "Case")
_ACCOUNT = Column("customer_account", "买家ID", "Customer account")
_CUSTOMER = Column("customer", "客户", "Customer")
_ORDER = Column("order_no", "订单号", "Order")
_SKU = Column("sku", "商品编码", "SKU")
_ITEM = Column("item_name", "商品名称", "Item")
_HANDLING = Column("handling", "处理方式", "Handling")
_HANDLER = Column("handler", "处理人", "Handler")
_STATUS = Column("status", "状态", "Status")

WRONG_SHIPMENT_COLUMNS = (
    _DATE,
    _CASE,
    _ACCOUNT,
    _CUSTOMER,
    _ORDER,
    Column("error", "差错类型", "Error"),
    _SKU,
    _ITEM,
    Column("detail", "差错说明", "Detail"),
    _HANDLING,
    _HANDLER,
    _STATUS,
)
PARCEL_CLAIM_COLUMNS = (
    _DATE,
    _CASE,
    _ORDER,
    Column("courier", "快递公司", "Courier"),
    Column("tracking_no", "运单号", "Tracking number"),
    _CUSTOMER,
    _SKU,
    _ITEM,
    Column("reason", "原因", "Reason"),
    _HANDLING,
    Column("compensation", "赔偿金额", "Compensation", money=True),
    Column("courier_claim", "快递赔偿", "Claimed from courier", money=True),
    _STATUS,
)
POSTAGE_COLUMNS = (
    _DATE,
    _CASE,
    Column("merchant", "店铺", "Shop"),
    Column("customer_account", "帐号", "Account"),
    _CUSTOMER,
    _ORDER,
    Column("reason", "原因", "Reason"),
    Column("return_tracking_no", "寄回单号", "Return tracking number"),
    Column("amount", "金额", "Amount", money=True),
    Column("reimbursed", "已充值", "Reimbursed"),
    _STATUS,
)


def in_month(case: Mapping[str, Any], config: Config, month: str | None) -> bool:
    if month is None:
        return True
    opened = view.opened_on(case, config.tz)
    return opened is not None and view.month_text(opened) == month


def _returns(
    cases: Iterable[Mapping[str, Any]], config: Config, settings: ReturnSettings, month: str | None
) -> list[Mapping[str, Any]]:
    chosen = [
        c
        for c in cases
        if c.get("kind") == settings.kind and c.get("status") != "declined" and in_month(c, config, month)
    ]
    chosen.sort(key=lambda c: (str(c.get("opened_at", "")), str(c.get("id", ""))))
    return chosen


def _common(case: Mapping[str, Any], config: Config) -> dict[str, Any]:
    values = fields_of(case)
    opened = view.opened_on(case, config.tz)
    return {
        "date": opened.isoformat() if opened else "",
        "case_id": case.get("id"),
        "customer_account": values.get("customer_account", ""),
        "customer": customer_of(case).get("name", ""),
        "order_no": values.get("order_no", ""),
        "sku": values.get("sku", ""),
        "item_name": values.get("item_name", ""),
        "handling": view.label(config, case, RETURN_TYPE),
        "handler": case.get("assignee", ""),
        "status": view.status_label(config, case),
    }


def wrong_shipment_register(
    cases: Iterable[Mapping[str, Any]], config: Config, month: str | None = None
) -> Register:
    """发错货登记: confirmed (approved) wrong, missing or extra items."""
    settings = settings_for(config)
    rows = []
    for case in _returns(cases, config, settings, month):
        wrong = fields_of(case).get(REASON) in settings.wrong_shipment_reasons
        if not wrong or last_entered(case, ["approved"]) is None:
            continue
        row = _common(case, config)
        row["error"] = view.label(config, case, REASON)
        row["detail"] = case.get("title", "")
        rows.append(row)
    return Register(
        "wrong-shipment", "发错货登记", "Wrong-shipment register", month, WRONG_SHIPMENT_COLUMNS, rows
    )


def compensation(case: Mapping[str, Any]) -> Decimal | None:
    """What a parcel claim cost the shop: the refund, else the value of goods sent again."""
    values = fields_of(case)
    refund = as_money(values.get("refund_amount"))
    if refund is not None:
        return refund
    if values.get(RETURN_TYPE) in (TYPE_RESEND, TYPE_EXCHANGE):
        return as_money(values.get("amount_paid"))
    return None


def parcel_claims_register(
    cases: Iterable[Mapping[str, Any]], config: Config, month: str | None = None
) -> Register:
    """丢件赔偿登记: lost and courier-damaged parcels, with compensation and courier claims."""
    settings = settings_for(config)
    rows = []
    for case in _returns(cases, config, settings, month):
        values = fields_of(case)
        if values.get(REASON) not in settings.parcel_claim_reasons:
            continue
        row = _common(case, config)
        row.update(
            courier=values.get("courier", ""),
            tracking_no=values.get("tracking_no", ""),
            reason=view.label(config, case, REASON),
            compensation=compensation(case),
            courier_claim=as_money(values.get("courier_claim_amount")),
        )
        rows.append(row)
    totals = {
        "compensation": total(r["compensation"] for r in rows),
        "courier_claim": total(r["courier_claim"] for r in rows),
    }
    return Register(
        "parcel-claims",
        "丢件赔偿登记",
        "Lost and damaged parcel claims",
        month,
        PARCEL_CLAIM_COLUMNS,
        rows,
        totals,
    )


def postage_register(
    cases: Iterable[Mapping[str, Any]], config: Config, month: str | None = None
) -> Register:
    """邮费充值清单: return postage the shop owes customers who sent items back."""
    settings = settings_for(config)
    rows = []
    for case in _returns(cases, config, settings, month):
        terms = rules.postage(case, settings)
        if terms is None or terms.return_leg != "shop" or last_entered(case, ["in_transit"]) is None:
            continue
        values = fields_of(case)
        amount = as_money(values.get("postage_amount"))
        row = _common(case, config)
        row.update(
            merchant=values.get("merchant", ""),
            reason=view.label(config, case, REASON),
            return_tracking_no=values.get("return_tracking_no", ""),
            amount=amount,
            reimbursed="是" if values.get("postage_reimbursed") is True else "否",
        )
        rows.append(row)
    totals = {
        "amount": total(r["amount"] for r in rows),
        "outstanding": total(r["amount"] for r in rows if r["reimbursed"] != "是"),
    }
    return Register("postage", "邮费充值清单", "Postage refunds", month, POSTAGE_COLUMNS, rows, totals)


REGISTER_COLUMNS = (
    Column("booked_at", "预约时间", "Booked at"),
    Column("case_id", "工单号", "Case"),
    Column("customer", "客户", "Customer"),
    Column("phone", "电话", "Phone"),
    Column("order_no", "订单号", "Order"),
    Column("merchant", "商家", "Merchant"),
    Column("event_date", "活动日期", "Event date"),
    Column("notice", "提前工作日", "Working days ahead"),
    Column("reason", "退订原因", "Reason"),
    Column("status", "状态", "Status"),
    Column("merchant_reply", "商家确认/拒绝原因", "Merchant's answer"),
    Column("handler", "处理人", "Handler"),
)


def cancellation_register(cases: Iterable[Mapping[str, Any]], config: Config, day: date) -> Register:
    """退订日台账: the bookings made (opened) on `day`, in the order booked, with their
    progress (003: 每日退订预约的跟进进展日报)."""
    settings = cancellation_settings(config)
    rows: list[dict[str, Any]] = []
    if settings is not None:
        calendar = calendar_for(config)
        chosen = [c for c in cases if c.get("kind") == settings.kind and view.opened_on(c, config.tz) == day]
        chosen.sort(key=lambda c: (str(c.get("opened_at", "")), str(c.get("id", ""))))
        for case in chosen:
            values = fields_of(case)
            opened = stored_instant(case.get("opened_at"))
            event = values.get(settings.event_field)
            event_day = view.as_date(event)
            notice = calendar.working_days_between(day, event_day) if event_day is not None else None
            reply = values.get("refuse_reason") or values.get("merchant_confirmed_by") or ""
            rows.append(
                {
                    "booked_at": opened.astimezone(config.tz).strftime("%H:%M") if opened else "",
                    "case_id": case.get("id"),
                    "customer": customer_of(case).get("name", ""),
                    "phone": customer_of(case).get("phone", ""),
                    "order_no": values.get("order_no", ""),
                    "merchant": values.get("merchant", ""),
                    "event_date": event_day.isoformat() if event_day else "",
                    "notice": notice,
                    "reason": values.get("reason", ""),
                    "status": view.status_label(config, case),
                    "status_code": case.get("status"),
                    "merchant_reply": reply,
                    "handler": case.get("assignee", ""),
                }
            )
    return Register(
        "cancellations", "退订日台账", "Daily cancellation register", None, REGISTER_COLUMNS, rows
    )


# Every register `casekit registers NAME` prints, with the names the team calls it by.
REGISTER_NAMES = {
    "wrong-shipment": Label("发错货登记", "Wrong-shipment register"),
    "parcel-claims": Label("丢件赔偿登记", "Lost and damaged parcel claims"),
    "postage": Label("邮费充值清单", "Postage refunds"),
    "cancellations": Label("退订日台账", "Daily cancellation register"),
}

REGISTERS: dict[str, Callable[[Iterable[Mapping[str, Any]], Config, str | None], Register]] = {
    "wrong-shipment": wrong_shipment_register,
    "parcel-claims": parcel_claims_register,
    "postage": postage_register,
}


def build_register(
    name: str, cases: Iterable[Mapping[str, Any]], config: Config, month: str | None = None
) -> Register:
    """The named register ('wrong-shipment', 'parcel-claims' or 'postage')."""
    try:
        builder = REGISTERS[name]
    except KeyError:
        raise ValueError(
            _("unknown register {name!r}; registers are {registers}").format(
                name=name, registers=", ".join(REGISTERS)
            )
        ) from None
    return builder(cases, config, month)
