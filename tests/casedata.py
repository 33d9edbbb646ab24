"""Case files for the script and report tests, written the way a case repository holds them.

Written directly rather than through `casekit new/move`, so a realistic month of cases takes
a second to build, and so the cases can carry what features landing later add (deadlines,
promise and escalate entries, call attempts). Histories follow the workflow in casekit.yaml.
Files are JSON, which is YAML; money is written as a plain number so casekit reads a Decimal.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

PREFIX = {"complaint": "C", "callback": "B", "return": "R"}
INITIAL = {"complaint": "received", "callback": "scheduled", "return": "requested"}


def at(day: int, clock: str, month: int = 11) -> str:
    """A stored time in November 2026 (Asia/Shanghai)."""
    return f"2026-{month:02d}-{day:02d}T{clock}:00+08:00"


def case(
    kind: str,
    serial: int,
    opened: str,
    *,
    title: str,
    customer: str,
    phone: str,
    channel: str,
    salutation: str | None = None,
    assignee: str = "li.na",
    priority: str = "medium",
    fields: dict[str, Any] | None = None,
    steps: list[tuple[Any, ...]] = (),  # type: ignore[assignment]
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A case with its history. Steps: ("move", at, to, {field: value}, note), ("note", at, text),
    ("set", at, {field: value}), ("assign", at, login), ("promise", at, until),
    ("escalate", at, supervisor, major), ("attempt", at, outcome)."""
    day = opened[:10].replace("-", "")
    case_id = f"{PREFIX[kind]}-{day}-{serial:04d}-{serial:04d}"
    current = dict(fields or {})
    history: list[dict[str, Any]] = [
        {"at": opened, "by": assignee, "action": "open", "to": INITIAL[kind], "set": dict(current)}
    ]
    status = INITIAL[kind]
    owner = assignee
    for step in steps:
        action, when = step[0], step[1]
        entry: dict[str, Any] = {"at": when, "by": owner, "action": action}
        if action == "move":
            entry |= {"from": status, "to": step[2]}
            status = step[2]
            if len(step) > 3 and step[3]:
                entry["set"] = dict(step[3])
                current.update(step[3])
            if len(step) > 4 and step[4]:
                entry["note"] = step[4]
        elif action == "note":
            entry["note"] = step[2]
        elif action == "set":
            entry["set"] = dict(step[2])
            current.update(step[2])
            current = {k: v for k, v in current.items() if v is not None}
        elif action == "assign":
            entry["assignee"] = step[2]
            owner = step[2]
        elif action == "promise":
            entry["promised_reply_at"] = step[2]
        elif action == "escalate":
            entry |= {"to_person": step[2], "major": step[3], "note": "客户要求主管处理"}
        elif action == "attempt":
            entry["outcome"] = step[2]
        history.append(entry)
    customer_map: dict[str, Any] = {"name": customer, "phone": phone}
    if salutation:
        customer_map["salutation"] = salutation
    doc: dict[str, Any] = {
        "id": case_id,
        "kind": kind,
        "status": status,
        "priority": priority,
        "title": title,
        "customer": customer_map,
        "channel": channel,
        "opened_at": opened,
        "assignee": owner,
        "fields": current,
        "links": [],
    }
    doc |= extra or {}
    doc["history"] = history
    return doc


def case_path(doc: dict[str, Any]) -> str:
    day = doc["id"].split("-")[1]
    return f"cases/{doc['kind']}/{day[:4]}/{day[4:6]}/{doc['id']}.yaml"


def dump(doc: dict[str, Any]) -> str:
    def default(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"@@{value}@@"
        raise TypeError(type(value).__name__)

    text = json.dumps(doc, ensure_ascii=False, indent=2, default=default)
    return re.sub(r'"@@([0-9.]+)@@"', r"\1", text) + "\n"


def write_cases(root: Path, docs: list[dict[str, Any]], env: dict[str, str], message: str = "cases") -> None:
    """Write and commit the files as test input (past the repository's git hooks, which
    expect commits made by casekit)."""
    for doc in docs:
        path = root / case_path(doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(doc), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True, capture_output=True)
    subprocess.run(
        ["git", "commit", "-q", "--no-verify", "-m", message],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )


D = Decimal


def november() -> list[dict[str, Any]]:
    """A month of cases around week 2026-W47 (16–22 November), with events before, inside and
    after the week, so reports must read each case's history as of the period's end."""
    fax = {"merchant": "优品数码旗舰店", "brand": "惠普", "product": "传真机X1"}
    return [
        # --- complaints -------------------------------------------------------------------
        case(
            "complaint",
            1,
            at(16, "09:30"),
            title="传真机有时无法接收传真",
            customer="王",
            salutation="先生",
            phone="13800138000",
            channel="phone",
            priority="high",
            fields={"category": "product-quality", "content": "一周前买的传真机有时无法接收传真", **fax},
            steps=[
                ("move", at(16, "09:50"), "assessing"),
                ("move", at(16, "14:00"), "investigating", {"responsible_department": "售后技术部"}),
                ("move", at(17, "10:00"), "proposed", {"solution": "上门更换新机，或退货全额退款"}),
                (
                    "move",
                    at(17, "15:00"),
                    "implementing",
                    {"accepted_solution": "上门更换新机", "compensation": D("50.00")},
                ),
                (
                    "move",
                    at(18, "10:00"),
                    "resolved",
                    {"resolution": "已更换新机，测试正常", "satisfaction": "satisfied"},
                ),
                ("move", at(19, "09:00"), "closed", {"summary": "批次问题，已反馈生产部门"}),
            ],
            extra={
                "deadlines": {
                    "first_response": at(16, "10:00"),
                    "resolution": {"due": at(18, "17:00")},
                    # as the deadlines feature writes a repeating clock: met, after one missed interval
                    "updates": {
                        "rule": "default",
                        "start": at(17, "10:00"),
                        "due": at(18, "10:00"),
                        "met": at(18, "09:00"),
                        "missed": [{"due": at(17, "09:00"), "met": at(17, "10:00")}],
                    },
                }
            },
        ),
        case(
            "complaint",
            2,
            at(17, "11:00"),
            title="快递三天没有更新物流",
            customer="李",
            salutation="女士",
            phone="13912345678",
            channel="weibo",
            fields={"category": "logistics", "merchant": "优品数码旗舰店", "brand": "顺达"},
            steps=[
                ("move", at(17, "11:20"), "assessing"),
                ("move", at(17, "15:00"), "investigating", {"responsible_department": "物流部"}),
                ("promise", at(18, "10:00"), at(19, "18:00")),
                ("note", at(19, "17:30"), "按约定回电：快递公司仍在查件"),
                ("move", at(24, "10:00"), "proposed", {"solution": "补发或全额退款"}),
            ],
            extra={"deadlines": {"first_response": at(17, "11:05"), "resolution": at(19, "11:00")}},
        ),
        case(
            "complaint",
            3,
            at(18, "20:00"),
            title="门店店员态度恶劣",
            customer="赵",
            salutation="先生",
            phone="13700001111",
            channel="media",
            priority="highest",
            assignee="wang.fang",
            fields={"category": "service-attitude", "merchant": "家家乐超市"},
            steps=[
                ("escalate", at(18, "20:30"), "zhang.wei", True),
                ("assign", at(18, "20:31"), "zhang.wei"),
                ("move", at(19, "09:00"), "assessing", None, "已联系门店经理核实"),
            ],
        ),
        case(
            "complaint",
            4,
            at(19, "10:00"),
            title="商品颜色与图片不一致",
            customer="陈",
            phone="13655556666",
            channel="forum",
            fields={"category": "description", "merchant": "家家乐超市"},
            steps=[
                ("move", at(19, "10:30"), "assessing"),
                (
                    "move",
                    at(19, "16:00"),
                    "rejected",
                    {"rejection_reason": "图片为实物拍摄，色差在说明范围内"},
                ),
            ],
        ),
        case(
            "complaint",
            5,
            at(10, "14:00"),
            title="维修后仍然卡纸",
            customer="周",
            salutation="女士",
            phone="010-62345678",
            channel="phone",
            assignee="chen.jie",
            fields={"category": "after-sales", **fax},
            steps=[
                ("move", at(10, "14:30"), "assessing"),
                ("move", at(11, "09:00"), "investigating", {"responsible_department": "售后技术部"}),
                ("note", at(17, "16:00"), "配件已到，等待上门"),
                ("set", at(25, "09:00"), {"category": "product-quality"}),
            ],
        ),
        case(
            "complaint",
            6,
            at(20, "15:00"),
            title="传真机进纸异响",
            customer="孙",
            salutation="先生",
            phone="13511112222",
            channel="store",
            fields={"category": "product-quality", **fax},
        ),
        case(
            "complaint",
            7,
            at(21, "09:00"),
            title="新买的传真机无法开机",
            customer="吴",
            salutation="女士",
            phone="13633334444",
            channel="wechat",
            fields={"category": "product-quality", **fax},
            steps=[("move", at(21, "09:04"), "assessing")],
        ),
        case(
            "complaint",
            8,
            at(23, "10:00"),
            title="发票抬头开错",
            customer="郑",
            salutation="先生",
            phone="13799998888",
            channel="email",
            fields={"category": "billing", "merchant": "家家乐超市"},
        ),
        case(
            "complaint",
            9,
            at(20, "02:00"),
            title="深夜骚扰来电",
            customer="未知",
            phone="13000000000",
            channel="phone",
            fields={"category": "other"},
            extra={"harassment": True},
        ),
        # --- callbacks --------------------------------------------------------------------
        case(
            "callback",
            1,
            at(16, "10:00"),
            title="投诉处理后回访",
            customer="王",
            salutation="先生",
            phone="13800138000",
            channel="phone",
            assignee="wang.fang",
            fields={"callback_type": "after-complaint"},
            steps=[
                ("attempt", at(16, "14:00"), "no-answer"),
                ("attempt", at(16, "15:00"), "answered"),
                ("move", at(16, "15:05"), "completed", {"satisfaction": "satisfied"}),
            ],
            extra={"deadlines": {"callback": at(17, "10:00")}},
        ),
        case(
            "callback",
            2,
            at(17, "09:00"),
            title="维修后回访",
            customer="刘",
            salutation="女士",
            phone="13822223333",
            channel="phone",
            assignee="wang.fang",
            fields={
                "callback_type": "after-repair",
                "service_item": "打印机维修",
                "service_date": "2026-11-12",
            },
            steps=[
                ("attempt", at(17, "10:30"), "no-answer"),
                ("attempt", at(18, "15:00"), "busy"),
                ("move", at(18, "16:00"), "unreachable"),
            ],
            extra={"deadlines": {"callback": at(18, "18:00")}},
        ),
        case(
            "callback",
            3,
            at(18, "09:00"),
            title="购买后回访",
            customer="黄",
            phone="13844445555",
            channel="phone",
            fields={"callback_type": "after-purchase"},
            steps=[
                (
                    "move",
                    at(19, "11:00"),
                    "completed",
                    {"satisfaction": "dissatisfied", "suggestions": "送货太慢"},
                )
            ],
        ),
        case(
            "callback",
            4,
            at(19, "09:00"),
            title="VIP月度回访",
            customer="林",
            salutation="先生",
            phone="13866667777",
            channel="phone",
            fields={"callback_type": "vip-monthly"},
            extra={"deadlines": {"callback": at(21, "18:00")}},
        ),
        case(
            "callback",
            5,
            at(20, "10:00"),
            title="退换货后回访",
            customer="何",
            salutation="女士",
            phone="13888889999",
            channel="phone",
            fields={"callback_type": "after-return"},
            steps=[("move", at(20, "16:00"), "completed", {"satisfaction": "neutral"})],
        ),
        case(
            "callback",
            6,
            at(22, "10:00"),
            title="新客户报名回访",
            customer="马",
            salutation="先生",
            phone="13811110000",
            channel="phone",
            fields={"callback_type": "new-signup"},
            extra={"deadlines": {"callback": at(25, "10:00")}},
        ),
        # --- returns ----------------------------------------------------------------------
        case(
            "return",
            1,
            at(16, "10:00"),
            title="蓝牙耳机左耳无声",
            customer="郭",
            salutation="先生",
            phone="13911112222",
            channel="online",
            fields={
                "return_type": "return",
                "reason": "quality",
                "order_no": "TB20261115001",
                "merchant": "优品数码旗舰店",
                "sku": "SKU-1001",
                "batch": "B2611",
                "item_name": "蓝牙耳机",
                "amount_paid": D("199.00"),
                "postage_amount": D("12.00"),
            },
            steps=[
                ("move", at(16, "10:03"), "approved"),
                ("move", at(17, "09:00"), "in_transit", {"return_tracking_no": "SF1234567890"}),
                ("move", at(18, "14:00"), "received"),
                ("move", at(18, "16:00"), "inspected", {"inspection_result": "左耳喇叭故障，确认质量问题"}),
                ("move", at(19, "10:00"), "refunded", {"refund_amount": D("199.00")}),
                ("move", at(20, "10:00"), "closed"),
            ],
            extra={"deadlines": {"first_response": at(16, "10:05")}},
        ),
        case(
            "return",
            2,
            at(17, "11:00"),
            title="发错颜色，要求换货",
            customer="罗",
            salutation="女士",
            phone="13922223333",
            channel="online",
            fields={
                "return_type": "exchange",
                "reason": "wrong-item",
                "merchant": "家家乐超市",
                "sku": "SKU-2002",
                "item_name": "保温杯",
                "amount_paid": D("89.00"),
                "postage_amount": D("10.00"),
            },
            steps=[
                ("move", at(17, "11:10"), "approved"),
                ("move", at(18, "09:00"), "in_transit", {"return_tracking_no": "YT7654321"}),
                ("move", at(19, "14:00"), "received"),
                ("move", at(19, "15:00"), "inspected", {"inspection_result": "颜色发错"}),
                ("move", at(20, "11:00"), "reshipped", {"reship_tracking_no": "SF9988776655"}),
            ],
            extra={"deadlines": {"first_response": at(17, "11:05")}},
        ),
        case(
            "return",
            3,
            at(18, "13:00"),
            title="不喜欢款式，七天无理由",
            customer="梁",
            salutation="先生",
            phone="13933334444",
            channel="online",
            fields={
                "return_type": "return",
                "reason": "changed-mind",
                "merchant": "家家乐超市",
                "sku": "SKU-3003",
                "amount_paid": D("89.50"),
                "postage_amount": D("8.00"),
            },
            steps=[
                ("move", at(18, "13:30"), "approved"),
                ("move", at(19, "09:00"), "in_transit", {"return_tracking_no": "ZT1122334455"}),
                ("move", at(20, "10:00"), "received"),
                ("move", at(20, "11:00"), "inspected", {"inspection_result": "完好"}),
                ("move", at(21, "10:00"), "refunded", {"refund_amount": D("89.50")}),
            ],
        ),
        case(
            "return",
            4,
            at(19, "09:30"),
            title="蓝牙耳机充电仓无法充电",
            customer="宋",
            salutation="女士",
            phone="13944445555",
            channel="online",
            fields={
                "return_type": "exchange",
                "reason": "quality",
                "sku": "SKU-1001",
                "batch": "B2611",
                "item_name": "蓝牙耳机",
                "merchant": "优品数码旗舰店",
            },
        ),
        case(
            "return",
            5,
            at(20, "09:30"),
            title="蓝牙耳机断连",
            customer="谢",
            salutation="先生",
            phone="13955556666",
            channel="online",
            fields={
                "return_type": "return",
                "reason": "quality",
                "sku": "SKU-1001",
                "batch": "B2612",
                "item_name": "蓝牙耳机",
                "merchant": "优品数码旗舰店",
            },
            steps=[("move", at(20, "09:40"), "approved")],
        ),
        case(
            "return",
            6,
            at(24, "10:00"),
            title="快递破损",
            customer="韩",
            salutation="先生",
            phone="13966667777",
            channel="online",
            fields={
                "return_type": "return",
                "reason": "courier-damage",
                "merchant": "家家乐超市",
                "amount_paid": D("45.00"),
                "postage_amount": D("6.00"),
            },
            steps=[
                ("move", at(24, "10:10"), "approved"),
                ("move", at(25, "09:00"), "in_transit", {"return_tracking_no": "JD555666777"}),
                ("move", at(26, "09:00"), "received"),
                ("move", at(26, "10:00"), "inspected", {"inspection_result": "外包装破损"}),
                ("move", at(26, "15:00"), "refunded", {"refund_amount": D("45.00")}),
            ],
        ),
    ]


def check_golden(path: Path, text: str) -> None:
    """`text` must equal the golden file at `path`; CASEKIT_UPDATE_GOLDEN=1 rewrites it."""
    if os.environ.get("CASEKIT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with CASEKIT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from its golden file"
