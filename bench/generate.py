"""Build a case repository of N realistic cases, quickly, for benchmarks.

    python bench/generate.py bench/out/10000 --cases 10000

makes `bench/out/10000/repo` (a case repository made by `casekit init`, then filled) and
`bench/out/10000/tasks.json` (the same cases as Taskwarrior tasks, for the side-by-side
comparison). Cases are spread over a year ending on 2026-11-23; each has 3-8 history
entries that walk its kind's workflow with realistic Chinese content, and each file is
byte for byte what casekit itself would write after the last of them, with the keys
casekit derives (`deadlines`, and `postage` / `price_difference` on returns) computed by
casekit's own derivers from the repository's casekit.yaml. Deriving runs in `--workers`
processes; the output depends on the seed alone. Files go into git through one
`git fast-import` stream: one commit per day, holding the cases opened that day (so
`casekit validate` is clean, while `casekit audit` reports the grouped history).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
TZ = timezone(timedelta(hours=8))
END = datetime(2026, 11, 23, 18, 0, tzinfo=TZ)
# What the benchmark's own commands use as "now": after every generated history entry.
BENCH_NOW = "2026-11-24T09:30:00+08:00"
AGENTS = ("li.na", "wang.fang", "chen.jie")
SUPERVISOR = "zhang.wei"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯婷雪琳晨欣怡子涵梓萱"
CHANNELS = (
    ("phone", 50),
    ("online", 18),
    ("wechat", 12),
    ("store", 7),
    ("weibo", 4),
    ("forum", 3),
    ("email", 3),
    ("media", 1),
    ("onsite", 2),
)
PRIORITIES = (("medium", 60), ("high", 22), ("low", 14), ("highest", 4))
PRODUCTS = (
    ("传真机", "FX-2030"),
    ("激光打印机", "LP-1180"),
    ("扫地机器人", "RB-760"),
    ("空气净化器", "AP-350"),
    ("电热水壶", "KT-15"),
    ("智能手表", "SW-Pro2"),
    ("蓝牙耳机", "BT-Air3"),
    ("洗衣机", "WM-8KG"),
    ("微波炉", "MW-23L"),
    ("电饭煲", "RC-4L"),
    ("路由器", "RT-AX30"),
    ("吸尘器", "VC-Max"),
    ("儿童座椅", "CS-Baby9"),
    ("羽绒服", "DJ-2026W"),
    ("运动鞋", "SN-Run5"),
    ("床垫", "MT-180"),
)
MERCHANTS = ("家电旗舰店", "数码专营店", "官方自营店", "母婴用品店", "运动户外店", "家居生活馆")
DEPARTMENTS = ("售后技术部", "物流部", "质检部", "销售部", "财务部", "仓储中心", "门店运营部", "客服中心")
COURIERS = ("SF", "YT", "ZTO", "JD", "EMS")

COMPLAINT_TOPICS = {
    "product-quality": (
        "{p}有时无法正常使用",
        "{p}使用三天后出现故障",
        "{p}外壳开裂，怀疑质量问题",
        "{p}噪音过大，影响休息",
        "新买的{p}通电后没有反应",
    ),
    "logistics": (
        "{p}快递超时五天未送达",
        "快递员未联系就把{p}放在驿站",
        "{p}外包装破损，商品有划痕",
        "物流信息显示已签收但没收到{p}",
    ),
    "service-attitude": (
        "门店店员态度冷淡，不愿解释{p}的问题",
        "客服电话多次转接无人处理{p}的问题",
        "上门安装{p}的师傅迟到两小时",
    ),
    "after-sales": (
        "{p}维修后同样的问题再次出现",
        "{p}送修两周还没有消息",
        "{p}保修期内维修却被收费",
    ),
    "billing": ("{p}订单被重复扣款", "{p}的优惠券没有抵扣", "{p}退款迟迟没有到账"),
    "description": ("{p}实物颜色与页面描述不符", "{p}实际功能与宣传不一致", "收到的{p}型号与订单不符"),
    "other": ("希望{p}增加中文说明书", "{p}赠品没有随货发出"),
}
CONTENTS = (
    "客户来电反映{p}从上周开始出现问题，已按说明书重启仍未解决，情绪比较着急。",
    "客户在论坛发帖投诉{p}，称多次联系商家无果，要求尽快给出答复。",
    "客户表示{p}是送给家人的礼物，出现问题后非常失望，希望尽快处理。",
    "客户称{p}到货后第一次使用就出现异常，已拍照留证。",
    "客户第二次来电，上次承诺的回复时间已过，对处理进度不满。",
)
DEMANDS = ("要求换新", "要求退款", "要求上门维修", "要求补偿运费", "要求道歉并说明原因", "希望尽快修好")
ROOT_CAUSES = (
    "经检测为主板批次问题，同批次已有类似反馈。",
    "快递中转站分拣错误导致延误。",
    "安装人员排班冲突，未及时通知客户。",
    "系统优惠规则配置错误，未自动抵扣。",
    "仓库发货时扫码错误，发错型号。",
)
SOLUTIONS = (
    "为客户免费更换新机，并承担往返运费。",
    "全额退款，上门取件。",
    "安排售后工程师两个工作日内上门维修。",
    "补偿二十元优惠券，并优先发货。",
    "先行赔付，由物流部向快递公司追偿。",
)
ACCEPTED = ("客户同意换新。", "客户接受退款方案。", "客户同意上门维修，约定周六上午。", "客户接受补偿。")
RESOLUTIONS = (
    "新机已签收，客户确认使用正常。",
    "退款已原路退回，客户已确认到账。",
    "工程师已上门更换配件，设备恢复正常。",
    "补偿已发放，客户表示满意。",
)
SUMMARIES = (
    "客户满意，建议质检部加强同批次抽检。",
    "按时回复客户，问题已彻底解决。",
    "已将该问题纳入投诉汇总分析表，跟踪改进。",
    "客户一般满意，认为处理时间偏长。",
)
REJECTIONS = (
    "经核实为客户使用不当，已耐心解释正确用法。",
    "订单已超过售后期限，已告知客户付费维修渠道。",
    "投诉内容与事实不符，已提供物流签收凭证。",
)
CALLBACK_TYPES = (
    ("after-complaint", "投诉处理后回访，了解客户对处理结果是否满意", "{c}投诉处理满意度回访"),
    ("after-return", "退换货完成后回访，确认客户已收到退款或新品", "{c}退换货完成回访"),
    ("after-repair", "维修后回访，确认{p}使用是否正常", "回访{c}，确认{p}维修效果"),
    ("after-purchase", "购买后回访，介绍{p}的使用和保养方法", "{c}购买{p}后回访"),
    ("new-signup", "新客户报名后十五分钟内回访，确认到场时间", "新报名客户{c}回访"),
    ("periodic", "定期回访，了解客户近期使用{p}的情况", "{c}定期回访：{p}使用情况"),
    ("vip-monthly", "VIP客户月度回访，介绍本月会员活动", "VIP客户{c}月度回访"),
    ("missed-call", "客户来电未接通，回拨了解咨询内容", "{c}来电未接通回拨"),
)
SUGGESTIONS = ("希望缩短维修时间。", "建议说明书增加图示。", "对客服态度很满意。", "希望物流更快一些。")
CANCEL_REASONS = ("客户已在门店办理，无需回访。", "重复工单，已合并。", "客户要求不再来电。")
RETURN_TITLES = (
    "{p}质量问题申请退货",
    "收到的{p}发错型号，申请换货",
    "{p}快递破损申请退换",
    "{p}少发配件，申请补发",
    "{p}与描述不符申请退款",
    "不想要了，申请退回{p}",
)
RETURN_REASONS = (
    "quality",
    "wrong-item",
    "courier-damage",
    "missing-item",
    "not-as-described",
    "changed-mind",
)
RETURN_TYPES = ("return", "exchange", "resend", "partial-refund", "refund-only")
# The way each type of return goes once approved (the config's `when:` on its moves).
RETURN_PATHS = {
    "return": ["approved", "in_transit", "received", "inspected", "refunded", "closed"],
    "exchange": ["approved", "in_transit", "received", "inspected", "reshipped", "closed"],
    "resend": ["approved", "reshipped", "closed"],
    "partial-refund": ["approved", "refunded", "closed"],
    "refund-only": ["approved", "shipment_cancelled", "refunded", "closed"],
}
INSPECTIONS = (
    "质检确认主板故障，属于质量问题。",
    "外包装完好，商品未使用，可二次销售。",
    "商品有明显使用痕迹，按折价处理。",
    "确认快递运输导致破损，已拍照存档。",
)
DECLINES = ("已超过七天无理由退货期限。", "商品已激活使用，不支持无理由退货。")
NOTES = (
    "已致电客户，约定明天上午回复。",
    "客户未接电话，已发短信告知处理进度。",
    "已联系责任部门，等待书面答复。",
    "客户补充了照片，已上传。",
    "已向客户致歉并说明处理时限。",
    "第二次致电客户，已接通并告知进度。",
    "客户要求加急处理，已上报主管。",
    "已按承诺时间回电，暂无结果，约定下次回复时间。",
)
MOVE_NOTES = ("已核实情况。", "已电话告知客户。", "按流程处理。", "已与客户确认。", "")


def pick_weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


# --- YAML as casekit writes it ---------------------------------------------------------

# Text ruamel quotes: an indicator first, ': ' or ' #' inside, a trailing ':' or space,
# nothing at all; in a flow collection also any flow indicator or '#'.
_BLOCK_UNSAFE = re.compile(r"""^[\s\-?:,\[\]{}#&*!|>'"%@`]|: | #|:$|\s$|^$""")
_FLOW_UNSAFE = re.compile(r"""[,\[\]{}#]""")
_LOOKS_TYPED = re.compile(
    r"^(?:[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|~|null|Null|NULL)$"
)


def scalar(value: Any, flow: bool = True) -> str:
    """One value written as ruamel.yaml writes it in casekit's files (checked by --check);
    `flow` when it sits inside a flow mapping or sequence, where more text needs quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _LOOKS_TYPED.match(text) or _BLOCK_UNSAFE.search(text) or (flow and _FLOW_UNSAFE.search(text)):
        return "'" + text.replace("'", "''") + "'"
    return text


def render(case: dict[str, Any]) -> str:
    lines = []
    for key, value in case.items():
        if key in ("customer", "fields"):
            if not value:
                lines.append(f"{key}: {{}}")
                continue
            lines.append(f"{key}:")
            lines += [f"  {k}: {scalar(v, flow=False)}" for k, v in value.items()]
        elif key == "deadlines":
            lines.append("deadlines:")
            for clock, entry in value.items():
                lines.append(f"  {clock}:")
                lines += _deadline_lines(entry)
        elif key == "history":
            lines.append("history:")
            lines += [f"  - {scalar(entry)}" for entry in value]
        elif isinstance(value, dict | list):
            lines.append(f"{key}: {scalar(value)}")
        else:
            lines.append(f"{key}: {scalar(value, flow=False)}")
    return "\n".join(lines) + "\n"


def _deadline_lines(entry: dict[str, Any]) -> list[str]:
    """One clock under `deadlines:`, as `casekit.features.deadlines.service.derive_deadlines` shapes it: a
    block mapping whose `missed` list is a block sequence of flow mappings."""
    lines = []
    for key, value in entry.items():
        if key == "missed":
            lines.append("    missed:")
            lines += [f"      - {scalar(dict(item))}" for item in value]
        else:
            lines.append(f"    {key}: {scalar(value, flow=False)}")
    return lines


# --- what casekit derives: deadlines, postage, price difference ---------------------------


def use_this_checkout() -> None:
    """Import casekit from this checkout's src/, with its features registered."""
    if str(PROJECT / "src") not in sys.path:
        sys.path.insert(0, str(PROJECT / "src"))
    from casekit.core.registry import load_features

    load_features()


def read_rules(root: Path) -> Any:
    """The config in `root`/casekit.yaml, parsed by casekit (the checkout's own is the one
    `casekit init` writes)."""
    use_this_checkout()
    from casekit.store.configfile import read_config

    config, problems = read_config(root)
    if config is None or problems:
        raise SystemExit(f"{root}/casekit.yaml: {problems[0].format() if problems else 'unreadable'}")
    return config


def derive(case: dict[str, Any], config: Any) -> dict[str, Any]:
    """The case with the keys casekit derives before writing it (`deadlines`, and
    `postage` / `price_difference` on returns), keys in casekit's order."""
    from casekit.core.casefile import ordered_keys

    derived = dict(case)
    run_derivers(derived, config)
    return {key: derived[key] for key in ordered_keys(derived)}


# What `run_derivers` adds to the cases made here (checked by `check`).
DERIVED_KEYS = ("deadlines", "postage", "price_difference")


def run_derivers(case: Any, config: Any) -> None:
    """Run casekit's derivers (`effects.DERIVERS`) on a case in place, as casekit does
    before writing it."""
    from casekit.core.effects import derive as derive_case

    derive_case(case, config, config.kinds[case["kind"]])


def case_file(case: dict[str, Any], config: Any) -> bytes:
    """The file casekit would have written for this case after its last history entry."""
    return render(derive(case, config)).encode("utf-8")


# Worker processes get the config once, when they fork, rather than with every case.
_worker_rules: Any = None


def _worker_case_file(case: dict[str, Any]) -> bytes:
    return case_file(case, _worker_rules)


def case_files(cases: list[dict[str, Any]], config: Any, workers: int) -> Iterator[bytes]:
    """`case_file` of each case, in order (so output depends on the seed alone), spread
    over `workers` processes."""
    global _worker_rules
    if workers <= 1:
        yield from (case_file(case, config) for case in cases)
        return
    _worker_rules = config
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_worker_case_file, cases, chunksize=200)


# --- cases -------------------------------------------------------------------------------


@dataclass
class Builder:
    """One case being walked through its workflow: entries are added in time order."""

    rng: random.Random
    case: dict[str, Any]
    at: datetime
    # a callback's last move, added after the notes: (state, fields to set)
    final: tuple[str, dict[str, Any]] | None = None

    def entry(self, by: str, action: str, **extra: Any) -> None:
        item: dict[str, Any] = {"at": None, "by": by, "action": action}
        note = extra.pop("note", None)
        sets = extra.pop("set", None)
        item.update({k: v for k, v in extra.items() if k in ("from", "to")})
        if sets:
            item["set"] = sets
            self.case["fields"].update(sets)
        item.update({k: v for k, v in extra.items() if k not in ("from", "to")})
        if note:
            item["note"] = note
        self.case["history"].append(item)

    def move(self, by: str, source: str, target: str, sets: dict[str, Any] | None = None) -> None:
        self.entry(by, "move", **{"from": source, "to": target}, set=sets, note=self.rng.choice(MOVE_NOTES))
        self.case["status"] = target


REPEAT_SHARE = 0.2  # cases whose customer called before: their phone is one of REPEAT_PHONES
REPEAT_PHONES = 2000


def customer(rng: random.Random) -> tuple[dict[str, str], str]:
    who = _person(rng)
    chance = random.Random(f"repeat?{who[0]['phone']}")  # the main stream is left as it was
    if chance.random() < REPEAT_SHARE:  # a repeat caller: the same person each time
        return _person(random.Random(f"repeat:{chance.randrange(REPEAT_PHONES)}"))
    return who


def _person(rng: random.Random) -> tuple[dict[str, str], str]:
    surname = rng.choice(SURNAMES)
    salutation = rng.choice(("先生", "女士"))
    phone = rng.choice(("138", "139", "135", "186", "159", "177", "150")) + f"{rng.randrange(10**8):08d}"
    if rng.random() < 0.5:
        return {"name": surname + salutation, "phone": phone}, surname + salutation
    name = surname + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
    return {"name": name, "phone": phone, "salutation": salutation}, surname + salutation


def case_id(rng: random.Random, prefix: str, day: date) -> str:
    bits = rng.getrandbits(40)
    chars = "".join(ALPHABET[(bits >> shift) & 31] for shift in range(35, -5, -5))
    return f"{prefix}-{day:%Y%m%d}-{chars[:4]}-{chars[4:]}"


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def progress(rng: random.Random, age_days: float, steps: int, days_per_step: float) -> int:
    """How many workflow steps a case has taken by now: old cases are done, a few stuck."""
    if age_days > 30:
        return steps if rng.random() < 0.97 else rng.randrange(steps)
    expected = age_days / days_per_step
    return max(0, min(steps, int(rng.gauss(expected, 1.0) + 0.5)))


def complaint(b: Builder, product: str, sku: str, age: float) -> None:
    rng, case = b.rng, b.case
    category = rng.choice(list(COMPLAINT_TOPICS))
    case["title"] = rng.choice(COMPLAINT_TOPICS[category]).format(p=product)
    sets: dict[str, Any] = {"category": category, "content": rng.choice(CONTENTS).format(p=product)}
    if rng.random() < 0.7:
        sets["demand"] = rng.choice(DEMANDS)
    if rng.random() < 0.6:
        sets["order_no"] = f"DD{rng.randrange(10**12):012d}"
        sets["merchant"] = rng.choice(MERCHANTS)
    sets["product"] = f"{product} {sku}"
    b.entry(case["assignee"], "open", to="received", set=sets)
    b.case["status"] = "received"
    rejected = rng.random() < 0.12
    path = ["assessing", "rejected"] if rejected else [
        "assessing", "investigating", "proposed", "implementing", "resolved", "closed",
    ]  # fmt: skip
    if not rejected and rng.random() < 0.25:
        # asked the customer for documents: the resolution clock stands still meanwhile
        path[2:2] = ["waiting_customer", "investigating"]
    done = progress(rng, age, len(path), 2.5)
    source = "received"
    for target in path[:done]:
        who = case["assignee"]
        needs: dict[str, Any] = {}
        if target == "rejected":
            needs = {"rejection_reason": rng.choice(REJECTIONS)}
        elif target == "investigating":
            needs = {"responsible_department": rng.choice(DEPARTMENTS)}
        elif target == "proposed":
            needs = {"root_cause": rng.choice(ROOT_CAUSES), "solution": rng.choice(SOLUTIONS)}
        elif target == "implementing":
            needs = {"accepted_solution": rng.choice(ACCEPTED)}
            if rng.random() < 0.3:
                needs["compensation"] = Decimal(rng.choice((10, 20, 30, 50, 80)))
        elif target == "resolved":
            needs = {"resolution": rng.choice(RESOLUTIONS)}
        elif target == "closed":
            needs = {"summary": rng.choice(SUMMARIES), "satisfaction": rng.choice(
                ("satisfied", "satisfied", "neutral", "dissatisfied"))}  # fmt: skip
        b.move(who, source, target, needs)
        source = target


def callback(b: Builder, product: str, sku: str, age: float) -> None:
    rng, case = b.rng, b.case
    kind, purpose, title = rng.choice(CALLBACK_TYPES)
    case["title"] = title.format(p=product, c=case["_addressed"])
    sets: dict[str, Any] = {"callback_type": kind, "purpose": purpose.format(p=product)}
    if kind in ("after-repair", "after-purchase", "periodic"):
        sets["service_item"] = f"{product} {sku}"
        sets["service_date"] = (b.at - timedelta(days=rng.randrange(2, 20))).date().isoformat()
    b.entry(case["assignee"], "open", to="scheduled", set=sets)
    case["status"] = "scheduled"
    if progress(rng, age * 5, 1, 1.0) == 0:
        return
    roll = rng.random()
    if roll < 0.74:
        needs: dict[str, Any] = {
            "satisfaction": rng.choice(("satisfied", "satisfied", "neutral", "dissatisfied"))
        }
        if rng.random() < 0.4:
            needs["suggestions"] = rng.choice(SUGGESTIONS)
        b.final = ("completed", needs)
    elif roll < 0.9:
        b.final = ("unreachable", {})
    else:
        b.final = ("cancelled", {"cancel_reason": rng.choice(CANCEL_REASONS)})


def return_case(b: Builder, product: str, sku: str, age: float) -> None:
    rng, case = b.rng, b.case
    reason = rng.choice(RETURN_REASONS)
    case["title"] = rng.choice(RETURN_TITLES).format(p=product)
    amount = Decimal(rng.randrange(39, 3999)) + Decimal(rng.choice((0, 50, 90))) / 100
    sets: dict[str, Any] = {
        "return_type": rng.choice(RETURN_TYPES),
        "reason": reason,
        "order_no": f"DD{rng.randrange(10**12):012d}",
        "merchant": rng.choice(MERCHANTS),
        "sku": sku,
        "item_name": product,
        "amount_paid": amount,
        "received_date": (b.at - timedelta(days=rng.randrange(1, 7))).date().isoformat(),
    }
    b.entry(case["assignee"], "open", to="requested", set=sets)
    case["status"] = "requested"
    declined = rng.random() < 0.1
    path = ["declined"] if declined else RETURN_PATHS[sets["return_type"]]
    done = progress(rng, age, len(path), 2.0)
    source = "requested"
    for target in path[:done]:
        needs: dict[str, Any] = {}
        if target == "declined":
            needs = {"decline_reason": rng.choice(DECLINES)}
        elif target == "in_transit":
            needs = {"return_tracking_no": f"{rng.choice(COURIERS)}{rng.randrange(10**10):010d}"}
            if rng.random() < 0.5:
                needs["postage_amount"] = Decimal(rng.choice((8, 10, 12, 15, 18, 22)))
        elif target == "inspected":
            needs = {"inspection_result": rng.choice(INSPECTIONS)}
        elif target == "shipment_cancelled":
            needs = {"cancellation": rng.choice(("order-cancelled", "parcel-recalled"))}
        elif target == "refunded":
            partial = sets["return_type"] == "partial-refund"
            needs = {
                "refund_amount": (amount * Decimal("0.3")).quantize(Decimal("0.01")) if partial else amount
            }
        elif target == "reshipped":
            needs = {"reship_tracking_no": f"{rng.choice(COURIERS)}{rng.randrange(10**10):010d}"}
            if sets["return_type"] == "exchange":
                needs["exchange_price"] = amount + Decimal(rng.choice((-20, 0, 0, 0, 30, 60)))
        b.move(case["assignee"], source, target, needs)
        source = target


KINDS = (("complaint", "C", 40, complaint), ("callback", "B", 40, callback), ("return", "R", 20, return_case))


def make_case(rng: random.Random, opened: datetime) -> tuple[str, dict[str, Any]]:
    name, prefix, _, walk = rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
    who, addressed = customer(rng)
    product, sku = rng.choice(PRODUCTS)
    case: dict[str, Any] = {
        "id": case_id(rng, prefix, opened.date()),
        "kind": name,
        "status": "",
        "priority": pick_weighted(rng, PRIORITIES),
        "title": "",
        "customer": who,
        "channel": pick_weighted(rng, CHANNELS),
        "opened_at": stamp(opened),
        "assignee": rng.choice(AGENTS),
        "fields": {},
        "links": [],
        "history": [],
        "_addressed": addressed,
    }
    b = Builder(rng, case, opened)
    age = (END - opened).total_seconds() / 86400
    walk(b, product, sku, age)
    final = b.final
    # Fill up to 3-8 entries with notes and a hand-over, placed before the last move.
    target = max(3, min(8, rng.randint(3, 8)))
    history = case["history"]
    extra_needed = max(0, target - len(history) - (1 if final else 0))
    extras: list[dict[str, Any]] = []
    assignee = case["assignee"]
    for _ in range(extra_needed):
        if rng.random() < 0.2:
            assignee = rng.choice([a for a in (*AGENTS, SUPERVISOR) if a != assignee])
            extras.append({"at": None, "by": SUPERVISOR, "action": "assign", "assignee": assignee})
        else:
            extras.append({"at": None, "by": assignee, "action": "note", "note": rng.choice(NOTES)})
    if extras:
        # hand-overs and notes come before a final move (a closed case is not reassigned)
        last = len(history) - 1 if case["status"] in TERMINAL else len(history)
        position = rng.randint(1, max(1, last))
        history[position:position] = extras
        # whoever holds the case at the end is its assignee; later moves are theirs
        holder = case["assignee"]
        for entry in history:
            if entry["action"] == "assign":
                holder = entry["assignee"]
            elif entry["action"] == "move":
                entry["by"] = holder
        case["assignee"] = holder
    if final:
        state, needs = final
        entry = {"at": None, "by": case["assignee"], "action": "move", "from": "scheduled", "to": state}
        if needs:
            entry["set"] = needs
            case["fields"].update(needs)
        note = rng.choice(MOVE_NOTES)
        if note:
            entry["note"] = note
        history.append(entry)
        case["status"] = state
    _timestamps(rng, opened, history)
    del case["_addressed"]
    return name, case


def _timestamps(rng: random.Random, opened: datetime, history: list[dict[str, Any]]) -> None:
    gaps = [timedelta(minutes=rng.choice((5, 15, 40, 90, 240, 1440, 2880))) for _ in history[1:]]
    total = sum(gaps, timedelta())
    room = END - opened
    scale = min(1.0, room / total) if total else 1.0
    moment = opened
    history[0]["at"] = stamp(opened)
    for entry, gap in zip(history[1:], gaps, strict=True):
        moment = moment + timedelta(seconds=int(gap.total_seconds() * scale))
        entry["at"] = stamp(moment)


def opening_times(rng: random.Random, count: int, days: int) -> list[datetime]:
    start = (END - timedelta(days=days)).replace(hour=0, minute=0, second=0)
    result = []
    for _ in range(count):
        day = start + timedelta(days=rng.randrange(days))
        moment = day + timedelta(hours=8, seconds=rng.randrange(12 * 3600))
        result.append(min(moment, END - timedelta(minutes=30)))
    result.sort()
    return result


# --- Taskwarrior -------------------------------------------------------------------------

TERMINAL = {"rejected", "closed", "completed", "unreachable", "cancelled", "declined"}
TW_PRIORITY = {"highest": "H", "high": "H", "medium": "M", "low": "L"}


def tw_time(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def as_task(case: dict[str, Any], seed: int) -> dict[str, Any]:
    history = case["history"]
    task: dict[str, Any] = {
        "uuid": str(uuid.UUID(int=random.Random(f"{seed}:{case['id']}").getrandbits(128), version=4)),
        "description": f"{case['id']} {case['title']}",
        "phone": case["customer"]["phone"],  # a user-defined attribute (uda.phone in the taskrc)
        "project": case["kind"],
        "tags": [case["status"]],
        "priority": TW_PRIORITY[case["priority"]],
        "entry": tw_time(case["opened_at"]),
        "modified": tw_time(history[-1]["at"]),
        "status": "completed" if case["status"] in TERMINAL else "pending",
        "annotations": [
            {"entry": tw_time(e["at"]), "description": e["note"]} for e in history if e.get("note")
        ],
    }
    if task["status"] == "completed":
        task["end"] = task["modified"]
    if not task["annotations"]:
        del task["annotations"]
    return task


# --- the repository --------------------------------------------------------------------


def casekit(*args: str, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "casekit", *args], cwd=cwd, env=env, check=True)


def build(out: Path, count: int, seed: int, days: int, workers: int) -> Path:
    out = out.resolve()
    repo = out / "repo"
    if repo.exists():
        raise SystemExit(f"{repo} exists; remove it first")
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT / "src"), env.get("PYTHONPATH")]))
    start = END - timedelta(days=days + 1)
    env.update(
        CASEKIT_ACTOR="zhang.wei",
        CASEKIT_NOW=stamp(start),
        GIT_AUTHOR_NAME="张伟",
        GIT_AUTHOR_EMAIL="zhang.wei@example.com",
        GIT_COMMITTER_NAME="张伟",
        GIT_COMMITTER_EMAIL="zhang.wei@example.com",
    )
    t0 = time.monotonic()
    casekit("init", str(repo), cwd=out, env=env)

    rng = random.Random(seed)
    cases = [make_case(rng, opened)[1] for opened in opening_times(rng, count, days)]
    tasks = [as_task(case, seed) for case in cases]
    by_day: dict[date, list[tuple[str, bytes]]] = {}
    for case, content in zip(cases, case_files(cases, read_rules(repo), workers), strict=True):
        cid = case["id"]
        path = f"cases/{case['kind']}/{cid[-18:-14]}/{cid[-14:-12]}/{cid}.yaml"
        by_day.setdefault(datetime.fromisoformat(case["opened_at"]).date(), []).append((path, content))
    t1 = time.monotonic()
    print(f"generated {count} cases in {t1 - t0:.1f} s", file=sys.stderr)

    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=repo, stdin=subprocess.PIPE, env=env
    )
    assert proc.stdin is not None
    write = proc.stdin.write
    mark = 0
    for number, day in enumerate(sorted(by_day)):
        files = by_day[day]
        paths = []
        for path, content in files:
            mark += 1
            write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(content), content))
            paths.append((path, mark))
        when = int(datetime.combine(day, datetime.min.time(), TZ).timestamp()) + 20 * 3600
        message = f"Cases opened on {day} ({len(files)}, generated for benchmarks)\n".encode()
        parent = b"refs/heads/main^0" if number == 0 else b":%d" % (10**9 + number - 1)
        head = b"commit refs/heads/main\nmark :%d\n" % (10**9 + number)
        who = "张伟 <zhang.wei@example.com>".encode()
        head += b"author %s %d +0800\ncommitter %s %d +0800\n" % (who, when, who, when)
        head += b"data %d\n%s" % (len(message), message)
        head += b"from %s\n" % parent
        write(head + b"".join(b"M 100644 :%d %s\n" % (m, p.encode()) for p, m in paths) + b"\n")
    write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    t2 = time.monotonic()
    print(f"fast-import in {t2 - t1:.1f} s", file=sys.stderr)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True)
    subprocess.run(["git", "gc", "-q", "--auto"], cwd=repo, check=True)
    t3 = time.monotonic()
    print(f"checked out in {t3 - t2:.1f} s", file=sys.stderr)
    with open(out / "tasks.json", "w", encoding="utf-8") as handle:
        for task in tasks:
            handle.write(json.dumps(task, ensure_ascii=False) + "\n")
    return repo


def check(repo: Path, sample: int, seed: int) -> int:
    """Every sampled file must be exactly what casekit writes: its derived keys dropped,
    then derived again by casekit and placed by it, and the whole written by ruamel."""
    config = read_rules(repo)
    from casekit.codec.yamlio import dump_round_trip, load_round_trip

    files = sorted(repo.glob("cases/*/*/*/*.yaml"))
    bad = 0
    for path in random.Random(seed).sample(files, min(sample, len(files))):
        text = path.read_text(encoding="utf-8")
        case = load_round_trip(text)
        for key in DERIVED_KEYS:
            case.pop(key, None)
        run_derivers(case, config)
        again = dump_round_trip(case)
        if again != text:
            bad += 1
            print(f"{path}: differs from casekit's own writing:\n{text}\n---\n{again}", file=sys.stderr)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="folder to create (repo/ and tasks.json go inside)")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--days", type=int, default=365, help="cases are opened over this many days")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes that derive and write cases"
    )
    parser.add_argument("--check", type=int, default=200, metavar="K", help="round-trip check K files")
    args = parser.parse_args()
    repo = build(args.out, args.cases, args.seed, args.days, args.workers)
    if args.check and check(repo, args.check, args.seed):
        raise SystemExit("generated files differ from what casekit writes")
    print(repo)


if __name__ == "__main__":
    main()
