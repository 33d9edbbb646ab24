"""Reading the facts the returns reports need from a case mapping, pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.config import Config
from casekit.core.fields import money
from casekit.features.returns.settings import ReturnSettings


def fields(case: Mapping[str, Any]) -> Mapping[str, Any]:
    value = case.get("fields")
    return value if isinstance(value, Mapping) else {}


def customer(case: Mapping[str, Any]) -> Mapping[str, Any]:
    value = case.get("customer")
    return value if isinstance(value, Mapping) else {}


def history(case: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = case.get("history")
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def opened_on(case: Mapping[str, Any], tz: tzinfo) -> date | None:
    moment = parse_moment(case.get("opened_at"))
    return moment.astimezone(tz).date() if moment else None


def moved_into(case: Mapping[str, Any], state: str) -> datetime | None:
    """When the case last moved into `state` (or opened in it), None if it never did."""
    found = None
    for entry in history(case):
        if entry.get("action") in ("open", "move") and entry.get("to") == state:
            found = parse_moment(entry.get("at")) or found
    return found


def reached(case: Mapping[str, Any], state: str) -> bool:
    return moved_into(case, state) is not None


def customer_key(case: Mapping[str, Any]) -> str:
    """Who the customer is, for counting distinct customers: account, else phone, else name."""
    account = fields(case).get("customer_account")
    if isinstance(account, str) and account.strip():
        return "account:" + account.strip()
    who = customer(case)
    phone = who.get("phone")
    if isinstance(phone, str) and phone.strip():
        return "phone:" + phone.strip()
    return "name:" + str(who.get("name", "")).strip()


def month_text(day: date) -> str:
    return f"{day:%Y-%m}"


def parse_month(text: str) -> tuple[int, int]:
    """'2026-11' -> (2026, 11); ValueError says what is wrong."""
    parts = text.strip().split("-")
    if len(parts) == 2 and len(parts[0]) == 4 and parts[0].isdigit() and parts[1].isdigit():
        year, month = int(parts[0]), int(parts[1])
        if 1 <= month <= 12:
            return year, month
    raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-11")


def label(config: Config, case: Mapping[str, Any], field_name: str, lang: str = "zh") -> str:
    """The label of an enum field's value (or the value itself)."""
    value = fields(case).get(field_name)
    if value is None:
        return ""
    kind = config.kinds.get(str(case.get("kind")))
    spec = kind.fields.get(field_name) if kind else None
    if spec is not None and isinstance(value, str) and value in spec.values:
        return spec.values[value].text(lang)
    return str(value)


def status_label(config: Config, case: Mapping[str, Any], lang: str = "zh") -> str:
    kind = config.kinds.get(str(case.get("kind")))
    status = str(case.get("status", ""))
    return kind.state_label(status, lang) if kind else status


def is_open(config: Config, case: Mapping[str, Any]) -> bool:
    """Not in a final state of its kind (unknown kinds and states count as open)."""
    kind = config.kinds.get(str(case.get("kind")))
    return not (kind is not None and kind.is_terminal(str(case.get("status"))))


# Reasons for which the shop pays the postage both ways (domain.md section 3), as the
# returns feature ships them; a case normally records its payer, this is the fallback.
SHOP_PAYS_REASONS = frozenset(ReturnSettings().shop_pays)


def postage_payer(case: Mapping[str, Any]) -> str | None:
    """'shop' or 'customer': as recorded on the case, else from the return's reason."""
    fields = fields_of(case)
    for source in (fields, case):
        for key in ("postage_payer", "postage_paid_by"):
            value = source.get(key)
            if isinstance(value, str):
                return value
    postage = case.get("postage")
    if isinstance(postage, Mapping) and isinstance(postage.get("payer"), str):
        return str(postage["payer"])
    reason = fields.get("reason")
    if not isinstance(reason, str):
        return None
    return "shop" if reason in SHOP_PAYS_REASONS else "customer"


# Which ways each return type ships: back = customer to shop, out = shop to customer.
DEFAULT_LEGS = {"return": ("back",), "exchange": ("back", "out"), "resend": ("out",)}


def shop_postage_legs(case: Mapping[str, Any]) -> list[str]:
    """The legs ('back', 'out') whose postage the shop pays: as the case records them
    (`postage: {return_leg, reship_leg}`), else from the payer and the return type."""
    postage = case.get("postage")
    if isinstance(postage, Mapping) and ("return_leg" in postage or "reship_leg" in postage):
        return [
            leg for leg, key in (("back", "return_leg"), ("out", "reship_leg")) if postage.get(key) == "shop"
        ]
    if postage_payer(case) != "shop":
        return []
    return list(DEFAULT_LEGS.get(str(fields_of(case).get("return_type")), ()))


def postage_amount(case: Mapping[str, Any]) -> Decimal | None:
    value = money(fields_of(case).get("postage_amount"))
    if value is None and isinstance(case.get("postage"), Mapping):
        value = money(case["postage"].get("amount"))
    return value
