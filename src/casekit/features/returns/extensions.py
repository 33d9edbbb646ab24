"""The order extension of an agreed return (001 延长交易时间: 确定好退换后，不管是退，还是换，
请先给客人的交易时间延长10天), pure.

The move to `approved` records `order_extended_until` (the approval's day plus
`returns.order_extension_days`) in the move's own history entry, so in the same commit;
`lapsing` is the daily list of returns still open (not refunded, re-shipped or kept)
whose extension ends within
`returns.extension_warn_days` (or has ended): extend the order again or finish the return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from casekit.core.casefile import customer_of, fields_of
from casekit.core.config import Config
from casekit.core.timeline import is_terminal
from casekit.core.workflow import MoveRequest
from casekit.features.returns import view
from casekit.features.returns.settings import EXTENDED_UNTIL, ReturnSettings, settings_for

APPROVED = "approved"


def extended_until(approved_on: date, settings: ReturnSettings) -> date:
    """The day an order approved for a return on `approved_on` is extended to."""
    return approved_on + timedelta(days=settings.order_extension_days)


def extension_values(request: MoveRequest, config: Config) -> dict[str, str]:
    """`workflow.MOVE_VALUES` entry: the move to `approved` records the extended date."""
    settings = settings_for(config)
    if (
        request.kind.name != settings.kind
        or request.action != "move"
        or request.target != APPROVED
        or request.at is None
        or EXTENDED_UNTIL not in request.kind.fields
    ):
        return {}
    day = request.at.astimezone(config.tz).date()
    return {EXTENDED_UNTIL: extended_until(day, settings).isoformat()}


@dataclass(frozen=True)
class Lapse:
    case_id: str
    order_no: str
    merchant: str
    customer: str
    status: str
    status_label: str
    until: date
    days_left: int
    assignee: str

    def as_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "order_no": self.order_no,
            "merchant": self.merchant,
            "customer": self.customer,
            "status": self.status,
            "status_label": self.status_label,
            "extended_until": self.until.isoformat(),
            "days_left": self.days_left,
            "assignee": self.assignee,
        }


def lapsing(
    cases: Iterable[Mapping[str, Any]], config: Config, day: date, within: int | None = None
) -> list[Lapse]:
    """Open returns whose order extension ends within `within` days of `day` (default
    `returns.extension_warn_days`), or has already ended, soonest first. Returns in a final
    state or in `returns.extension_done_states` (refunded, re-shipped, kept: the refund or
    the goods are out) are left out."""
    settings = settings_for(config)
    window = settings.extension_warn_days if within is None else within
    kind = config.kinds.get(settings.kind)
    found = []
    for case in cases:
        if case.get("kind") != settings.kind or is_terminal(case, kind):
            continue
        if case.get("status") in settings.extension_done_states:
            continue
        values = fields_of(case)
        until = view.as_date(values.get(EXTENDED_UNTIL))
        if until is None or (until - day).days > window:
            continue
        found.append(
            Lapse(
                case_id=str(case.get("id")),
                order_no=str(values.get("order_no") or ""),
                merchant=str(values.get("merchant") or ""),
                customer=str(customer_of(case).get("name", "")),
                status=str(case.get("status")),
                status_label=view.status_label(config, case),
                until=until,
                days_left=(until - day).days,
                assignee=str(case.get("assignee", "")),
            )
        )
    found.sort(key=lambda lapse: (lapse.until, lapse.case_id))
    return found
