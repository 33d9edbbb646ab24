"""A generator of realistic return cases, written straight to case files and committed once.

Used by the register, alert and money tests: thousands of cases in seconds, where opening
each through the CLI would take minutes. The files are valid case files (`casekit validate`
passes): each history walks the return workflow of its type, and the derived keys casekit
writes on every change (`deadlines:`, `postage:`, `price_difference:`) are computed with
casekit's own pure functions (`derived`). What casekit would still refuse: quality claims
are approved without an attached photo, and some more than 3 days after receipt without a
supervisor's approval; the tests that use these files do not read either.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TZ = timezone(timedelta(hours=8))

PATHS = {
    "return": ["approved", "in_transit", "received", "inspected", "refunded", "closed"],
    "exchange": ["approved", "in_transit", "received", "inspected", "reshipped", "closed"],
    "partial-refund": ["approved", "refunded", "closed"],
    "resend": ["approved", "reshipped", "closed"],
    "refund-only": ["approved", "shipment_cancelled", "refunded", "closed"],
}
REASONS_FOR = {
    "return": ["quality", "not-as-described", "wrong-item", "courier-damage", "changed-mind", "extra-item"],
    "exchange": ["quality", "not-as-described", "wrong-item", "courier-damage", "changed-mind"],
    "partial-refund": ["quality", "not-as-described", "courier-damage"],
    "resend": ["missing-item", "lost-parcel"],
    "refund-only": ["changed-mind", "lost-parcel"],
}
SHOP_PAYS = {
    "quality",
    "not-as-described",
    "wrong-item",
    "missing-item",
    "extra-item",
    "courier-damage",
    "lost-parcel",
}
ITEMS = [
    ("YR-BLK-L", "羽绒服 黑色 L"),
    ("YR-BLK-M", "羽绒服 黑色 M"),
    ("WY-GRY-S", "卫衣 灰色 S"),
    ("NZK-BLU-30", "牛仔裤 蓝色 30"),
    ("MY-RED-F", "毛衣 红色 均码"),
    ("CS-WHT-XL", "衬衫 白色 XL"),
]
TYPE_ZH = {
    "return": "退货",
    "exchange": "换货",
    "partial-refund": "折价",
    "resend": "补发",
    "refund-only": "仅退款",
}
AGENTS = ["li.na", "wang.fang", "chen.jie"]
MERCHANTS = ["优品服饰旗舰店", "暖冬羽绒专营店", "简约男装店"]
COURIERS = ["顺丰", "中通", "圆通", "EMS"]


def q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def money(rng: random.Random, low: int, high: int) -> Decimal:
    """An amount in fen between low and high yuan, as Decimal with two places."""
    return Decimal(rng.randint(low * 100, high * 100)) / 100


# Dates and times are written plain, as casekit writes them.
_PLAIN = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d[+-]\d\d:\d\d)?")


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return value
    return q(str(value))


def flow(mapping: dict[str, Any]) -> str:
    parts = []
    for key, value in mapping.items():
        parts.append(f"{key}: {_flow_value(value)}")
    return "{" + ", ".join(parts) + "}"


def _flow_value(value: Any) -> str:
    if isinstance(value, dict):
        return flow(value)
    if isinstance(value, list):
        return "[" + ", ".join(_flow_value(item) for item in value) + "]"
    return scalar(value)


@dataclass
class Case:
    id: str
    opened: datetime
    status: str
    fields: dict[str, Any]
    customer: str
    phone: str
    history: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "return"
    title: str = "退换货申请"
    assignee: str = "li.na"
    derived: dict[str, Any] = field(default_factory=dict)  # deadlines, postage, price_difference

    @property
    def path(self) -> str:
        return f"cases/{self.kind}/{self.opened:%Y}/{self.opened:%m}/{self.id}.yaml"

    def reached(self, state: str) -> bool:
        return any(e.get("to") == state for e in self.history)

    def moved_at(self, state: str) -> datetime | None:
        found = None
        for entry in self.history:
            if entry.get("to") == state:
                found = datetime.fromisoformat(entry["at"])
        return found

    def text(self) -> str:
        lines = [
            f"id: {self.id}",
            f"kind: {self.kind}",
            f"status: {self.status}",
            "priority: medium",
            f"title: {q(self.title)}",
            f"customer: {{name: {q(self.customer)}, phone: {q(self.phone)}}}",
            "channel: online",
            f"opened_at: {self.opened.isoformat()}",
            f"assignee: {self.assignee}",
            "fields:",
            *[f"  {k}: {scalar(v)}" for k, v in self.fields.items()],
            "links: []",
            *(["deadlines:"] if self.derived.get("deadlines") else []),
            *[f"  {clock}: {flow(entry)}" for clock, entry in self.derived.get("deadlines", {}).items()],
            *[f"{key}: {flow(value)}" for key, value in self.derived.items() if key != "deadlines"],
            "history:",
            *[f"  - {flow(e)}" for e in self.history],
        ]
        return "\n".join(lines) + "\n"


class Generator:
    def __init__(self, seed: int = 20261123) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def case_id(self, prefix: str, day: datetime) -> str:
        while True:
            chars = "".join(self.rng.choice(ALPHABET) for _ in range(8))
            case_id = f"{prefix}-{day:%Y%m%d}-{chars[:4]}-{chars[4:]}"
            if case_id not in self.used:
                self.used.add(case_id)
                return case_id

    def moment(self, start: datetime, days: int) -> datetime:
        day = start + timedelta(days=self.rng.randrange(days))
        return day.replace(hour=self.rng.randint(9, 17), minute=self.rng.randrange(60))

    def return_case(
        self,
        opened: datetime,
        *,
        return_type: str | None = None,
        reason: str | None = None,
        steps: int | None = None,
        declined: bool = False,
        customer: int | None = None,
        sku: tuple[str, str] | None = None,
        batch: str | None = None,
        merchant: str | None = None,
    ) -> Case:
        rng = self.rng
        kind_type = return_type or rng.choice(list(PATHS))
        why = reason or rng.choice(REASONS_FOR[kind_type])
        who = customer if customer is not None else rng.randrange(100000)
        code, name = sku or rng.choice(ITEMS)
        paid = money(rng, 10, 999)
        values: dict[str, Any] = {
            "return_type": kind_type,
            "reason": why,
            "order_no": f"TB{opened:%Y%m%d}{rng.randrange(10**6):06d}",
            "merchant": merchant or rng.choice(MERCHANTS),
            "customer_account": f"tb_buyer{who}",
            "sku": code,
            "item_name": name,
            "batch": batch or f"B{opened:%y%m}-{rng.randint(1, 9):02d}",
            "amount_paid": paid,
            "received_date": (opened - timedelta(days=rng.randint(0, 3))).date().isoformat(),
        }
        if why in ("courier-damage", "lost-parcel"):
            values["courier"] = rng.choice(COURIERS)
            values["tracking_no"] = f"SF{rng.randrange(10**12):012d}"
            if rng.random() < 0.6:
                values["courier_claim_amount"] = money(rng, 5, 500)
        case = Case(
            id=self.case_id("R", opened),
            opened=opened,
            status="requested",
            fields={},
            customer=rng.choice(["王女士", "李先生", "张女士", "刘先生", "陈女士"]),
            phone=f"139{who % 10**8:08d}",
            assignee=rng.choice(AGENTS),
            title=f"{name} 申请{TYPE_ZH[kind_type]}",
        )
        at = opened
        case.fields.update(values)
        case.history.append(
            {
                "at": at.isoformat(),
                "by": case.assignee,
                "action": "open",
                "to": "requested",
                "set": dict(values),
            }
        )
        path = PATHS[kind_type]
        count = rng.randint(0, len(path)) if steps is None else steps
        if declined:
            at += timedelta(hours=rng.randint(1, 30))
            change = {"decline_reason": "不符合退换条件"}
            case.fields.update(change)
            case.history.append(
                {
                    "at": at.isoformat(),
                    "by": case.assignee,
                    "action": "move",
                    "from": "requested",
                    "to": "declined",
                    "set": change,
                }
            )
            case.status = "declined"
            return case
        state = "requested"
        for target in path[:count]:
            at += timedelta(hours=rng.randint(1, 30))
            change = self._fields_for(target, kind_type, why, paid)
            case.fields.update(change)
            entry: dict[str, Any] = {
                "at": at.isoformat(),
                "by": case.assignee,
                "action": "move",
                "from": state,
                "to": target,
            }
            if change:
                entry["set"] = change
            case.history.append(entry)
            state = target
        case.status = state
        return case

    def _fields_for(self, target: str, kind_type: str, reason: str, paid: Decimal) -> dict[str, Any]:
        rng = self.rng
        if target == "in_transit":
            change: dict[str, Any] = {"return_tracking_no": f"YT{rng.randrange(10**10):010d}"}
            if reason in SHOP_PAYS or rng.random() < 0.5:
                change["postage_amount"] = money(rng, 6, 23)
            if reason in SHOP_PAYS and rng.random() < 0.4:
                change["postage_reimbursed"] = True
            return change
        if target == "inspected":
            return {"inspection_result": rng.choice(["确认质量问题", "商品完好", "吊牌齐全"])}
        if target == "refunded":
            if kind_type == "partial-refund":
                return {"refund_amount": min(paid, money(rng, 1, 10))}
            return {"refund_amount": paid}
        if target == "reshipped":
            change = {"reship_tracking_no": f"SF{rng.randrange(10**12):012d}"}
            if kind_type == "exchange":
                change["exchange_price"] = money(rng, 10, 999)
            return change
        if target == "shipment_cancelled":
            return {"cancellation": rng.choice(["order-cancelled", "parcel-recalled"])}
        return {}


def derived(case: Case) -> dict[str, Any]:
    """The keys casekit derives and writes on every change of a return, as it would write
    them after the case's last step: computed by casekit's own functions over the
    project's casekit.yaml."""
    from casekit.features.deadlines.service import current_deadlines
    from casekit.features.returns import rules
    from casekit.features.returns.settings import settings_for

    config = _config()
    data = {
        "id": case.id,
        "kind": case.kind,
        "status": case.status,
        "priority": "medium",
        "channel": "online",
        "opened_at": case.opened.isoformat(),
        "fields": case.fields,
        "history": case.history,
    }
    keys: dict[str, Any] = {}
    deadlines = {}
    for record in current_deadlines(data, config, config.kinds[case.kind]):
        deadlines[record.pop("clock")] = record
    if deadlines:
        keys["deadlines"] = deadlines
    postage = rules.postage(data, settings_for(config))
    if postage is not None:
        keys["postage"] = postage.as_record()
    difference = rules.price_difference(data)
    if difference is not None:
        keys["price_difference"] = difference.as_record()
    return keys


_CONFIG: list[Any] = []


def _config() -> Any:
    if not _CONFIG:
        from casekit.store.configfile import load_config

        _CONFIG.append(load_config(Path(__file__).resolve().parents[1]))
    return _CONFIG[0]


def write_and_commit(root: Path, cases: list[Case], environ: dict[str, str], message: str) -> None:
    for case in cases:
        case.derived = derived(case)
        target = root / case.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(case.text(), encoding="utf-8")
    for args in (["add", "-A", "cases"], ["commit", "--no-verify", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=root, env=environ, check=True, capture_output=True)


def background(gen: Generator, count: int, start: datetime, days: int) -> list[Case]:
    """`count` returns opened over `days` days from `start`, of every type and reason."""
    cases = []
    for _ in range(count):
        opened = gen.moment(start, days)
        cases.append(gen.return_case(opened, declined=gen.rng.random() < 0.05))
    return cases
