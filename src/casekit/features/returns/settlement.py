"""Merchant settlement (003), pure: an order with an open complaint or return cannot be
settled, nor one with a cancellation booked or done (已退订或预约退订订单不可结算: the
`cancellations.blocks_settlement` states, settled ones included)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.config import Config
from casekit.core.timeline import is_terminal
from casekit.features.returns import view
from casekit.features.returns.cancellations import blocks_settlement, is_cancellation
from casekit.i18n import _, is_chinese


@dataclass(frozen=True)
class OpenCase:
    id: str
    kind: str
    status: str
    status_label: str
    opened_at: str
    title: str
    order_no: str | None
    why: str = "未结案 / still open"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "status_label": self.status_label,
            "opened_at": self.opened_at,
            "title": self.title,
            "why": self.why,
        }


@dataclass(frozen=True)
class Settlement:
    """A merchant's orders held back by open cases, and open cases that name no order."""

    merchant: str
    blocked: dict[str, list[OpenCase]]
    without_order: list[OpenCase]

    def as_json(self) -> dict[str, Any]:
        return {
            "merchant": self.merchant,
            "blocked_orders": [
                {"order_no": order, "cases": [c.as_json() for c in cases]}
                for order, cases in self.blocked.items()
            ],
            "cases_without_order": [c.as_json() for c in self.without_order],
        }


def same_merchant(a: Any, b: str) -> bool:
    return isinstance(a, str) and a.strip().casefold() == b.strip().casefold()


def settlement_check(cases: Iterable[Mapping[str, Any]], config: Config, merchant: str) -> Settlement:
    """Every case of the merchant that holds its order back, by order number: open cases of
    any kind with a `merchant` field, and cancellations booked or done."""
    blocked: dict[str, list[OpenCase]] = {}
    without_order: list[OpenCase] = []
    for case in cases:
        values = fields_of(case)
        if not same_merchant(values.get("merchant"), merchant):
            continue
        if is_cancellation(case, config):
            if not blocks_settlement(case, config):
                continue
            why = f"退订{view.status_label(config, case)}"
            if not is_chinese():
                why += _(" / cancellation {status}").format(status=case.get("status"))
        elif is_terminal(case, config.kinds.get(str(case.get("kind")))):
            continue
        else:
            why = "未结案" if is_chinese() else "未结案 / still open"
        order = values.get("order_no")
        order_no = str(order).strip() if order not in (None, "") else None
        entry = OpenCase(
            id=str(case.get("id")),
            kind=str(case.get("kind")),
            status=str(case.get("status")),
            status_label=view.status_label(config, case),
            opened_at=str(case.get("opened_at", "")),
            title=str(case.get("title", "")),
            order_no=order_no,
            why=why,
        )
        if order_no is None:
            without_order.append(entry)
        else:
            blocked.setdefault(order_no, []).append(entry)
    for entries in blocked.values():
        entries.sort(key=lambda c: (c.opened_at, c.id))
    without_order.sort(key=lambda c: (c.opened_at, c.id))
    return Settlement(merchant.strip(), dict(sorted(blocked.items())), without_order)


def merchants(cases: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every merchant named by a case, for hints."""
    names = {str(fields_of(c).get("merchant")).strip() for c in cases if fields_of(c).get("merchant")}
    return sorted(names)
