"""Regenerate the bundled example cases in `cases/` by running the real casekit CLI.

    python tools/make_examples.py            # rewrite cases/ from the stories below
    python tools/make_examples.py --check    # exit 1 if cases/ differs from what they give
    python tools/make_examples.py --keep /tmp/exgen   # also keep the scratch repository

The example set is a month (2026-10-26 .. 2026-11-23, Asia/Shanghai) of one customer-service
team's complaints (投诉), callbacks (回访), returns (退换货), cancellation bookings (退订) and
harassment calls (骚扰电话), drawn from the source handbooks' scenarios. Each case is written
below as a story: how it was opened and every later step (move, assign, note, update, link,
merge), with the time and the person of each step.

The script builds a fresh case repository with `casekit init` in a scratch folder, runs
every step of every story as one `casekit` process in time order (`CASEKIT_NOW` and
`CASEKIT_ACTOR` per step), checks the result with `casekit validate` and `casekit audit`,
and copies the scratch repository's `cases/` and `attachments/` trees over the project's. Because the
files are written by casekit itself, they are exactly what the CLI writes, and whatever the
CLI adds later (derived data such as deadlines) appears after a rerun.

Case IDs are random in real use. Here each `new` runs with `CASEKIT_ID_SEED=example:<story
key>`, which makes casekit derive the ID's suffix from the seed, so a rerun gives the same
IDs and, with an unchanged casekit, byte-identical files.

Rules a story must follow so that `casekit init --example` can replay it as real commits:
- steps of all stories happen at distinct times (a link's two entries share one time);
- the case is opened by its first assignee (`casekit init --example` opens a reassigned
  case as its opener), and `update` changes only `fields` (title, priority, channel and
  customer are replayed from the final file);
- 2 to 9 history entries per case; moves a supervisor must make are made by zhang.wei.
"""

from __future__ import annotations

import argparse
import filecmp
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
EVIDENCE = PROJECT / "examples" / "evidence"  # sample photos, written by tools/make_evidence.py
ATTACHMENTS = "attachments"
YEAR = 2026
OFFSET = "+08:00"
SUPERVISOR = "zhang.wei"
KINDS = ("complaint", "callback", "return", "cancellation", "harassment")


def t(stamp: str) -> str:
    """'10-26 09:42' -> '2026-10-26T09:42:00+08:00'."""
    day, clock = stamp.split()
    return f"{YEAR}-{day}T{clock}:00{OFFSET}"


def _sets(values: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in values.items():
        args += ["--set", f"{key}={value}"]
    return args


@dataclass
class Step:
    at: str
    by: str
    story: Story
    command: list[str]
    other: Story | None = None  # the other case of a link

    @property
    def instant(self) -> datetime:
        return datetime.fromisoformat(self.at)


@dataclass
class Story:
    key: str
    kind: str
    steps: list[Step] = field(default_factory=list)
    case_id: str | None = None

    def _add(self, at: str, by: str, command: list[str], note: str | None) -> Story:
        if note:
            command = [*command, "--note", note]
        self.steps.append(Step(t(at), by, self, command))
        return self

    def move(self, at: str, by: str, state: str, note: str | None = None, **values: str) -> Story:
        return self._add(at, by, ["move", "{id}", state, *_sets(values)], note)

    def assign(self, at: str, by: str, agent: str, note: str | None = None) -> Story:
        return self._add(at, by, ["assign", "{id}", agent], note)

    def update(self, at: str, by: str, note: str | None = None, **values: str) -> Story:
        core = {"title", "priority", "channel"} & set(values)
        if core:  # replay opens the case with the final title, priority and channel
            raise SystemExit(f"{self.key}: update may change fields only, not {', '.join(sorted(core))}")
        return self._add(at, by, ["update", "{id}", *_sets(values)], note)

    def attempt(self, at: str, by: str, outcome: str, note: str | None = None) -> Story:
        return self._add(at, by, ["attempt", "{id}", "--outcome", outcome], note)

    def attach(self, at: str, by: str, *photos: str, note: str | None = None) -> Story:
        """Attach sample photos from examples/evidence/ (they stand in for the customer's)."""
        return self._add(at, by, ["attach", "{id}", *(str(EVIDENCE / name) for name in photos)], note)

    def merchant_reply(self, at: str, by: str, replied: str, reply: str, note: str | None = None) -> Story:
        """The merchant's own reply (posted at `replied`), recorded at `at`."""
        return self._add(at, by, ["merchant-reply", "{id}", "--at", t(replied), "--reply", reply], note)

    def note(self, at: str, by: str, text: str) -> Story:
        self.steps.append(Step(t(at), by, self, ["note", "{id}", text]))
        return self


STORIES: list[Story] = []


def new(
    key: str,
    kind: str,
    at: str,
    by: str,
    *,
    title: str,
    customer: str,
    salutation: str,
    phone: str,
    channel: str,
    priority: str = "medium",
    note: str | None = None,
    replied: bool = False,
    repeat_of: tuple[Story, ...] = (),
    **values: str,
) -> Story:
    """`replied`: the opening note records that the agent answered the customer then;
    `repeat_of`: the customer's open and recent cases, which `new --link` links to."""
    story = Story(key, kind)
    command = [
        "new",
        kind,
        "--title",
        title,
        "--customer",
        customer,
        "--salutation",
        salutation,
        "--phone",
        phone,
        "--channel",
        channel,
        "--priority",
        priority,
        *_sets(values),
        *(["--replied"] if replied else []),
        *(["--link"] if repeat_of else []),
    ]
    story._add(at, by, command, note)
    for earlier in repeat_of:  # each gains a link entry, made by the step above
        earlier.steps.append(Step(t(at), by, earlier, [], other=story))
    STORIES.append(story)
    return story


def harassment(
    key: str,
    at: str,
    by: str,
    *,
    called: str,
    phone: str,
    line: str,
    said: str,
    ended_by: str,
    severity: str | None = None,
    note: str | None = None,
) -> Story:
    """A harassment call logged with `casekit harassment log` (`called`: when it came in)."""
    story = Story(key, "harassment")
    command = ["harassment", "log", "--phone", phone, "--line", line, "--said", said]
    command += ["--ended-by", ended_by, "--at", t(called)]
    if severity:
        command += ["--severity", severity]
    story._add(at, by, command, note)
    STORIES.append(story)
    return story


def link(at: str, by: str, first: Story, second: Story, note: str | None = None) -> None:
    command = ["link", "{id}", "{other}"] + (["--note", note] if note else [])
    first.steps.append(Step(t(at), by, first, command, other=second))
    # one command links both ways; the second case's entry is made by the step above
    second.steps.append(Step(t(at), by, second, [], other=first))


def merge(at: str, by: str, duplicate: Story, survivor: Story, note: str | None = None) -> None:
    """`casekit merge`: the duplicate closed as merged into the survivor, one commit."""
    command = ["merge", "{id}", "{other}"] + (["--note", note] if note else [])
    duplicate.steps.append(Step(t(at), by, duplicate, command, other=survivor))
    # the survivor's merged-from entry is made by the step above
    survivor.steps.append(Step(t(at), by, survivor, [], other=duplicate))


# ---------------------------------------------------------------------------------------
# Complaints (投诉)
# ---------------------------------------------------------------------------------------

# 000 第一篇: the fax machine that sometimes drops faxes; a full walk to closed, then a callback.
fax = new(
    "fax-machine",
    "complaint",
    "10-26 09:42",
    "li.na",
    title="传真机有时无法接收传真，要求更换",
    customer="王建国",
    salutation="先生",
    phone="025-86672315",
    channel="phone",
    priority="high",
    category="product-quality",
    product="激光传真机 FX-2680",
    order_no="DD20261019-0457",
    content="客户一周前（10月19日）购买传真机，使用中有时无法接收传真。工程师10月23日已上门检测，"
    "测试结果没有任何问题；今天上午此现象再次发生，漏收两份合同传真，客户很不满意。",
    demand="更换新机",
    note="已向客户复述确认问题：“您是说一周前买了我们的传真机，有时会无法接收传真……”，客户确认理解无误。"
    "已致歉，约定今天16:00前回电告知处理意见。",
    replied=True,
)
fax.move(
    "10-26 10:05",
    "li.na",
    "assessing",
    note="调取上门记录：10月23日工程师现场收发测试10份均正常。客户描述的故障今早再次出现，投诉理由充分，诉求需技术部门判断。",
)
fax.move(
    "10-26 11:20",
    "li.na",
    "investigating",
    responsible_department="售后技术部",
    note="投诉成立，转售后技术部排查；已电话告知客户需要一到两个工作日调查，客户同意。",
)
fax.move(
    "10-27 16:10",
    "li.na",
    "proposed",
    root_cause="该批次主板接收模块在电话线路噪声较大时偶发丢失握手信号，首次上门测试时线路正常未能复现；实验室已复现，同批次另有两起报修。",
    solution="方案一：更换同型号新机（其他批次），上门安装并取回旧机；方案二：免费升级固件并加装线路滤波器，整机延保一年。",
    note="已电话告知客户调查结果和两个方案，请客户选择；客户倾向换机，说明天上午答复。",
)
fax.move(
    "10-28 10:15",
    "zhang.wei",
    "implementing",
    accepted_solution="更换同型号新机（2026年9月批次），上门安装并取回旧机",
    note="客户选择换机。签收已超过7天，换机由主管批准；已安排10月29日上午上门换机。",
)
fax.move(
    "10-29 14:30",
    "li.na",
    "resolved",
    resolution="10月29日上午工程师上门更换新机，在客户线路上连续收发测试20份传真全部成功；旧机已取回送质量部检测。",
    note="客户确认新机工作正常，对处理速度表示认可。",
)
fax_callback = new(
    "fax-machine-callback",
    "callback",
    "11-02 10:20",
    "li.na",
    title="投诉处理后回访：传真机换机",
    customer="王建国",
    salutation="先生",
    phone="025-86672315",
    channel="phone",
    callback_type="after-complaint",
    purpose="确认换机后传真收发是否正常，了解客户对投诉处理的满意度",
    service_item="传真机换机",
    service_date="2026-10-29",
    note="投诉已解决，按规定安排处理后回访。",
)
link("11-02 10:21", "li.na", fax, fax_callback, note="关联原投诉与处理后回访")
fax_callback.move(
    "11-02 10:40",
    "li.na",
    "completed",
    satisfaction="satisfied",
    suggestions="希望以后上门检测时在客户的线路上多测试一段时间，避免白跑一趟。",
    note="客户表示新机一周来收发正常，对换机处理满意。已感谢客户的建议并记入客户档案。",
)
fax.move(
    "11-03 09:30",
    "zhang.wei",
    "closed",
    satisfaction="satisfied",
    summary="批次主板缺陷导致偶发漏收传真，首次上门未在客户线路上复现，造成二次投诉。实验室复现后换机解决，回访满意。"
    "改进：上门检测须在客户线路上连续测试；同批次产品已由质量部主动排查。",
    note="回访满意，结案；已填入投诉汇总分析表。",
)

# 000 第一篇, a repeat caller (我已经打过三次电话了): the same customer calls again about the new
# machine; `casekit new` names his earlier cases and `--link` links them in its commit.
fax_again = new(
    "fax-machine-again",
    "complaint",
    "11-20 10:07",
    "wang.fang",
    title="新换的传真机频繁卡纸",
    customer="王建国",
    salutation="先生",
    phone="025 8667 2315",
    channel="phone",
    category="product-quality",
    product="激光传真机 FX-2680",
    order_no="DD20261019-0457",
    content="10月29日换的新机最近三天频繁卡纸，每天三四次。客户说这已经是第三次为这台传真机打电话了。",
    demand="彻底解决，不要再反复",
    note="重复来电：系统提示客户此前的投诉和回访，已调出历史记录向客户说明换机经过，并关联原案件。",
    repeat_of=(fax, fax_callback),
)
fax_again.move(
    "11-20 10:31",
    "wang.fang",
    "assessing",
    note="已请客户发送卡纸时的照片；核对换机记录，新机为9月批次。",
)

# 001 售后: a logistics complaint, first reply within 5 minutes, result within 48 hours.
parcel = new(
    "stuck-parcel",
    "complaint",
    "11-06 14:12",
    "wang.fang",
    title="快递五天未更新物流，客户急用",
    customer="刘晓燕",
    salutation="女士",
    phone="13588203716",
    channel="online",
    priority="high",
    category="logistics",
    product="空气炸锅 AF-5",
    order_no="DD20261101-1288",
    content="客户11月1日下单，物流信息停留在“华东转运中心已发出”，已五天没有更新。商品是给母亲的生日礼物，11月8日前要用。",
    demand="尽快送达，或者重新发货",
    note="已在5分钟内首次回复并致歉，承诺48小时内给出结果。",
    replied=True,
)
parcel.move(
    "11-06 14:30",
    "wang.fang",
    "assessing",
    note="查询物流：包裹11月2日从华东转运中心发出后再无扫描记录，疑似滞留或丢失，投诉成立。",
)
parcel.move(
    "11-06 14:45",
    "wang.fang",
    "investigating",
    responsible_department="仓储物流部",
    note="已向快递公司提交查件；同步仓储物流部预留同款商品，准备补发。",
)
parcel.move(
    "11-06 17:30",
    "wang.fang",
    "proposed",
    solution="方案一：今天用顺丰补发，原包裹找到后拦截退回；方案二：等待快递查件结果（约2天）再决定是否补发。",
    note="已电话告知客户两个方案，客户选择今天补发。",
)
parcel.move(
    "11-06 17:35",
    "wang.fang",
    "implementing",
    accepted_solution="今天顺丰补发，原包裹拦截退回",
    note="补发单号SF1402938475610，已短信告知客户，派送期间请保持电话畅通。",
)
parcel.move(
    "11-09 10:10",
    "wang.fang",
    "resolved",
    resolution="补发包裹11月8日上午送达，客户已签收。快递公司确认原包裹在转运中心遗失，已登记丢件赔偿表，月底与快递对账索赔。",
    note="客户表示礼物按时送到，感谢处理及时。",
)

# 003 论坛投诉: a forum post about a merchant at the home-decoration fair; merchant replies in 1 working day.
tiles = new(
    "forum-tiles",
    "complaint",
    "11-09 09:15",
    "chen.jie",
    title="论坛发帖：家装节订购的瓷砖色差明显，商家不处理",
    customer="赵磊",
    salutation="先生",
    phone="13761540928",
    channel="forum",
    priority="high",
    category="description",
    merchant="佳美陶瓷",
    brand="佳美",
    product="800×800 抛釉砖 JM-8012",
    order_no="JZ20261018-0332",
    content="网友在家装节现场订购抛釉砖42箱，到货后发现两个批次色差明显；铺贴前联系商家，商家称色差在允许范围内，拒绝更换。"
    "网友11月7日晚在论坛发帖投诉，已有多名网友跟帖。",
    demand="更换为同一批次瓷砖，商家承担往返运费",
    note="周末论坛帖子，周一上班后受理。已在帖子下回复致歉并留下客服电话，私信约网友今天上午通话。",
    replied=True,
)
tiles.move(
    "11-09 10:30",
    "chen.jie",
    "assessing",
    note="与网友通话确认：照片显示两批次色号不同（A12与A15），箱标可辨，投诉理由充分。",
)
tiles.move(
    "11-09 11:00",
    "chen.jie",
    "investigating",
    responsible_department="招商部（佳美陶瓷）",
    note="投诉记录已转招商部并通知商家，要求1个工作日内书面回复。",
)
tiles.merchant_reply(
    "11-10 09:40",
    "chen.jie",
    "11-10 09:05",
    "仓库发货时混入另一批次18箱，同意调换，希望网友保留未拆箱的砖以便回收。",
    note="商家已在论坛帖子下跟帖回复，并发来书面说明。",
)
tiles.move(
    "11-10 10:30",
    "chen.jie",
    "proposed",
    solution="方案一：商家调换同一色号瓷砖18箱，承担往返运费，另赠铺贴辅料一套；方案二：商家按原价退回18箱货款，网友另行选购。",
    note="方案已在论坛回帖并电话告知网友；网友需确认新砖到货时间后再答复。",
)

# 000 / 004: a Weibo complaint about a store, reported as a major complaint and escalated.
weibo = new(
    "weibo-store-refusal",
    "complaint",
    "11-12 09:20",
    "wang.fang",
    title="微博投诉：门店拒绝七天内退货，店员态度恶劣",
    customer="孙丽",
    salutation="女士",
    phone="13020186652",
    channel="weibo",
    priority="highest",
    category="service-attitude",
    store="江宁万达店",
    content="客户11月12日早上在微博发文并@官方账号：11月11日到江宁万达店办理电饭煲退货（购买5天、未使用），"
    "店员以“已拆封不退”为由拒绝，并当众说“买不起就别买”。微博已被转发300多次。",
    demand="门店公开道歉，办理退货",
    note="已在微博评论区回复致歉，并私信客户获取订单信息；转发量大，按重大投诉标记。",
    replied=True,
)
weibo.update(
    "11-12 09:32",
    "wang.fang",
    order_no="MD20261106-2291",
    product="电饭煲 4L IH款",
    note="客户私信提供订单号和小票照片。",
)
weibo.assign(
    "11-12 09:40",
    "wang.fang",
    "zhang.wei",
    note="重大投诉，有舆情风险，上转主管跟进；已交接沟通记录，客户不必重复陈述。",
)
weibo.move(
    "11-12 10:30",
    "zhang.wei",
    "assessing",
    note="已与客户通话并致歉。小票显示购买5天，商品未使用，符合七天无理由退货；店员言语问题需门店核实。",
)
weibo.move(
    "11-12 11:15",
    "zhang.wei",
    "investigating",
    responsible_department="门店运营部（江宁万达店）",
    note="投诉记录单已传真至江宁万达店秘书处，并电话通知店长，要求1～2个工作日内反馈处理结果。",
)
weibo.note(
    "11-13 16:20",
    "zhang.wei",
    "店长电话反馈：监控录音证实店员言语不当，已停岗培训；门店书面说明明天上午提交。已告知客户进展，约定明天下午回电。",
)

# 004 门店投诉: a complaint received at a store; the store manager answers within 1-2 working days.
heater = new(
    "store-installation",
    "complaint",
    "11-11 10:40",
    "chen.jie",
    title="热水器安装预约三次爽约",
    customer="周志强",
    salutation="先生",
    phone="13851726634",
    channel="store",
    priority="high",
    category="after-sales",
    store="新街口店",
    product="燃气热水器 16L",
    order_no="MD20261103-0518",
    content="客户11月3日在新街口店购买燃气热水器，约定11月5日、7日、10日上门安装，安装师傅三次都没有按时到达，也没有提前通知。客户今天到门店现场投诉。",
    demand="尽快安装，并给予补偿",
    note="门店转来投诉记录单，已电话联系客户致歉；客户情绪激动，已逐条记录要点，未打断客户。",
    replied=True,
)
heater.move(
    "11-11 11:00",
    "chen.jie",
    "assessing",
    note="核对派工记录：三次派工都因师傅临时调班未改约，也未通知客户，投诉成立。",
)
heater.move(
    "11-11 11:15",
    "chen.jie",
    "investigating",
    responsible_department="安装服务部",
    note="投诉记录单已传真至新街口店秘书处并告知店长，店长负责1～2个工作日内反馈处理结果。",
)
heater.move(
    "11-12 15:20",
    "chen.jie",
    "proposed",
    root_cause="安装服务部调班后没有同步客户预约，派工系统也没有改约提醒。",
    solution="方案一：11月13日上午由安装组长上门安装，赠送200元购物卡；方案二：全额退款退货，上门取回商品。",
    note="店长已反馈处理结果，已电话告知客户两个方案。",
)
heater.move(
    "11-12 16:05",
    "zhang.wei",
    "implementing",
    accepted_solution="11月13日上午安装组长上门安装，赠送200元购物卡",
    compensation="200.00",
    note="客户选择上门安装。补偿200元超出专员权限，由主管批准。",
)

# 004 媒体投诉: a newspaper hotline; record, no comment on the spot, promise a verified result.
media = new(
    "newspaper-water-heater",
    "complaint",
    "11-13 10:25",
    "li.na",
    title="晚报热线转来投诉：电热水器维修两周仍漏水",
    customer="何建华",
    salutation="先生",
    phone="13814095527",
    channel="media",
    priority="highest",
    category="after-sales",
    product="电热水器 60L",
    content="《金陵晚报》民生热线记者来电，转述读者何先生的投诉：家中电热水器10月30日报修，两周内上门维修三次仍然漏水，"
    "售后以“配件缺货”为由一直拖延。记者表示将跟进报道。",
    demand="尽快修好或更换，并给出书面说明",
    note="按媒体投诉规范：完整记录记者陈述和提问，未当场发表意见；已告知记者会尽快与售后部门核实，给客户合理的处理结果，并及时把结果告知媒体。",
    replied=True,
)
media.assign("11-13 10:40", "li.na", "zhang.wei", note="媒体投诉，按规定上报并转主管负责。")
media.move(
    "11-13 11:30",
    "zhang.wei",
    "assessing",
    note="已联系何先生本人核实：维修单3张，第三次维修后仍漏水，情况属实。",
)
media.move(
    "11-13 14:00",
    "zhang.wei",
    "investigating",
    responsible_department="售后服务部",
    note="要求售后服务部今天查明配件缺货原因和三次维修经过，明天10:00前书面说明；已与记者约定11月16日前回复核实结果。",
)
media.note(
    "11-16 09:50",
    "zhang.wei",
    "售后书面说明已收到：内胆焊缝渗漏，需整体更换内胆，配件11月18日到货。已电话告知何先生和记者进展，约定配件到货当天上门。",
)

# 002/004: a complaint that is not justified; answered tactfully and closed as rejected.
billing = new(
    "double-charge",
    "complaint",
    "10-30 09:15",
    "wang.fang",
    title="邮件投诉：在线支付被重复扣款",
    customer="吴婷",
    salutation="女士",
    phone="13166094582",
    channel="email",
    priority="low",
    category="billing",
    order_no="DD20261029-0876",
    content="客户来邮件称10月29日在线支付订单时银行卡被扣款两次，每次1,299元，要求立即退回多扣的款项并赔偿。",
    demand="退回重复扣款1,299元并赔偿",
    note="已回复邮件确认收到，告知今天内核实并答复。",
    replied=True,
)
billing.move(
    "10-30 10:30",
    "wang.fang",
    "assessing",
    note="财务核对：订单只成功扣款一次；另一笔是第一次支付失败时银行冻结的预授权，没有入账。",
)
billing.move(
    "10-30 11:10",
    "wang.fang",
    "rejected",
    rejection_reason="经财务和支付渠道核实，10月29日的订单只扣款一次；另一笔是支付失败产生的银行预授权冻结，未入账，银行会在3～5个工作日内自动解冻退回。",
    note="已电话耐心说明并邮件发送核实截图，客户表示理解，同意等待银行解冻；约定11月5日再确认一次。",
)
billing.note("11-05 10:05", "wang.fang", "回电确认：冻结款已于11月3日解冻到账，客户表示满意，感谢跟进。")

# 002 投诉处理 / 000: the customer declines the first solution; the case goes back to investigating.
aircon = new(
    "aircon-repair",
    "complaint",
    "11-16 14:10",
    "chen.jie",
    title="空调维修后仍不制冷，要求换机",
    customer="陈国庆",
    salutation="先生",
    phone="15905173321",
    channel="phone",
    priority="high",
    category="after-sales",
    product="挂壁式空调 1.5匹",
    order_no="DD20260312-1140",
    content="客户的空调购买8个月，报修不制冷。11月12日维修师傅上门加氟后仍不制冷，且师傅迟到两个小时没有提前告知。",
    demand="换新机",
    note="已致歉并复述确认问题，承诺今天17:00前回电告知安排。",
    replied=True,
)
aircon.move(
    "11-16 14:40",
    "chen.jie",
    "assessing",
    note="核对维修单：11月12日只做了加氟处理，没有检测压缩机；迟到情况属实，投诉成立。",
)
aircon.move(
    "11-16 15:20",
    "chen.jie",
    "investigating",
    responsible_department="售后服务部",
    note="已安排高级技师11月17日上午上门复检，已告知客户。",
)
aircon.move(
    "11-17 16:30",
    "chen.jie",
    "proposed",
    root_cause="压缩机启动电容损坏，首次维修没有查出。",
    solution="更换启动电容并全面检测，赠送一次免费空调清洗。",
    note="已电话告知客户复检结果和方案。",
)
aircon.move(
    "11-18 10:10",
    "chen.jie",
    "investigating",
    note="客户不接受再次维修，认为修过一次还是不好，坚持换机。已请客户稍候，向主管请示换机的可能，重新评估方案。",
)
aircon.move(
    "11-19 15:00",
    "chen.jie",
    "proposed",
    solution="方案一：更换同型号新机，原机回收；方案二：更换压缩机并整机延保两年，另补偿300元。",
    note="主管同意可以换机，两个方案已电话告知客户，请客户选择。",
)
aircon.move(
    "11-20 10:30",
    "zhang.wei",
    "implementing",
    accepted_solution="更换同型号新机，原机回收",
    note="客户选择换机。购买已超过7个月，换机由主管批准；已预约11月24日上午送装。",
)

# 004: a resolved complaint reopened after a dissatisfied callback (problem handled within 1-2 days).
washer = new(
    "washer-noise",
    "complaint",
    "10-27 10:50",
    "li.na",
    title="滚筒洗衣机脱水时噪音大、机身晃动",
    customer="郑美玲",
    salutation="女士",
    phone="13776652093",
    channel="wechat",
    category="product-quality",
    product="滚筒洗衣机 10kg",
    order_no="DD20261016-0733",
    content="客户10月20日收货的滚筒洗衣机，脱水时噪音很大，机身明显晃动。",
    demand="上门检修，解决噪音问题",
    note="客户通过微信公众号留言，已回复致歉并约好电话沟通。",
    replied=True,
)
washer.move(
    "10-27 11:10", "li.na", "assessing", note="电话了解：安装后第一次使用就有异响，属新机问题，投诉成立。"
)
washer.move(
    "10-27 11:30",
    "li.na",
    "investigating",
    responsible_department="售后服务部",
    note="已预约10月29日下午上门检测。",
)
washer.move(
    "10-29 17:20",
    "li.na",
    "proposed",
    root_cause="运输固定螺栓没有全部拆除，一侧减震器损坏。",
    solution="拆除剩余运输螺栓，更换减震器并重新调平机身。",
    note="师傅检测后已向客户说明原因和方案。",
)
washer.move(
    "10-30 11:00",
    "li.na",
    "implementing",
    accepted_solution="拆除运输螺栓、更换减震器并调平，10月31日上门",
    note="客户同意方案，配件已备好。",
)
washer.move(
    "10-31 16:00",
    "li.na",
    "resolved",
    resolution="10月31日师傅上门拆除剩余运输螺栓、更换减震器并调平，现场试机脱水噪音正常，客户签字确认。",
)
washer_callback = new(
    "washer-noise-callback",
    "callback",
    "11-06 10:15",
    "li.na",
    title="投诉处理后回访：洗衣机噪音",
    customer="郑美玲",
    salutation="女士",
    phone="13776652093",
    channel="phone",
    callback_type="after-complaint",
    purpose="确认维修后洗衣机运行是否正常，了解客户对投诉处理的满意度",
    service_item="洗衣机更换减震器",
    service_date="2026-10-31",
)
link("11-06 10:16", "li.na", washer, washer_callback, note="关联原投诉与处理后回访")
washer_callback.move(
    "11-06 10:30",
    "li.na",
    "completed",
    satisfaction="dissatisfied",
    suggestions="11月4日起脱水时噪音又出现了，希望彻底解决，否则要求换机。",
    note="客户不满意，已致歉并说明会马上重新处理，1～2天内给结果。",
)
washer.move(
    "11-06 11:00",
    "li.na",
    "investigating",
    note="回访不满意，重新打开投诉：客户反映11月4日起脱水噪音再次出现。已预约11月7日上门，请技术部一起检查电机和滚筒轴承。",
)

# 000: a fresh complaint, still only received (not as described).
down = new(
    "down-jacket-fill",
    "complaint",
    "11-23 09:20",
    "wang.fang",
    title="羽绒服含绒量与页面描述不符",
    customer="林静",
    salutation="女士",
    phone="18651230947",
    channel="online",
    category="description",
    product="女士中长款羽绒服 米白 M",
    order_no="DD20261115-2046",
    content="客户11月18日收到羽绒服，商品页面写的是90%白鸭绒，吊牌标注含绒量80%。",
    demand="退货退款，或者补偿差价",
    note="已首次回复并致歉，请客户拍摄吊牌照片和页面截图。",
    replied=True,
)
down.note(
    "11-23 09:45", "wang.fang", "客户已发来吊牌照片和页面截图，已按客户ID存档；下一步与商品部核对页面描述。"
)

# 001 (4S服务流程) / 000: an on-site complaint at the service centre, being assessed.
laptop = new(
    "service-centre-laptop",
    "complaint",
    "11-20 16:40",
    "chen.jie",
    title="服务中心现场投诉：笔记本送修超期且无人告知",
    customer="黄志明",
    salutation="先生",
    phone="13912874450",
    channel="onsite",
    category="after-sales",
    product="笔记本电脑 14英寸",
    content="客户11月13日送修笔记本电脑，接待时承诺3天取机；已过7天仍未修好，期间没有人通知延期。客户今天到服务中心现场投诉。",
    demand="尽快修好，说明延误原因",
    note="已请客户到接待室，记录投诉内容并致歉。",
    replied=True,
)
laptop.move(
    "11-20 17:05",
    "chen.jie",
    "assessing",
    note="调取维修单：主板配件待料，维修站没有按规定通知客户延期。正在与维修站核对配件到货时间，已承诺客户明天中午前回电。",
)

# 001 / 000: a delivery complaint, compensated within the agent's authority, closed by the supervisor.
delivery = new(
    "delivery-stairs",
    "complaint",
    "11-04 18:10",
    "wang.fang",
    title="送货师傅拒绝送货上楼并索要搬运费",
    customer="许文斌",
    salutation="先生",
    phone="13605187790",
    channel="phone",
    category="logistics",
    product="双开门冰箱 520L",
    order_no="DD20261030-1502",
    content="客户11月4日收到冰箱，送货师傅以没有电梯为由拒绝送上6楼，另外索要50元搬运费。商品页面承诺“免费送货上楼”。",
    demand="退还50元搬运费，送货人员道歉",
    note="已致歉，承诺明天中午前回复处理结果。",
    replied=True,
)
delivery.move(
    "11-05 09:30", "wang.fang", "assessing", note="核对商品页面：承诺免费送货上楼（含无电梯），投诉成立。"
)
delivery.move(
    "11-05 10:00",
    "wang.fang",
    "investigating",
    responsible_department="配送中心",
    note="已转配送中心核实送货人员和收费情况。",
)
delivery.move(
    "11-05 14:20",
    "wang.fang",
    "proposed",
    root_cause="外包送货人员不熟悉“免费送货上楼”承诺，私自收费。",
    solution="配送中心退还搬运费50元，站长电话致歉，另赠送20元优惠券。",
    note="已电话告知客户方案。",
)
delivery.move(
    "11-05 16:00",
    "wang.fang",
    "implementing",
    accepted_solution="退还搬运费50元，站长致歉，赠送20元优惠券",
    compensation="20.00",
    note="客户接受方案；20元优惠券在专员权限内。",
)
delivery.move(
    "11-06 11:30",
    "wang.fang",
    "resolved",
    resolution="50元搬运费11月6日由配送中心原路退还，站长已电话致歉，20元优惠券已发放到客户账户。",
)
delivery.move(
    "11-10 10:00",
    "zhang.wei",
    "closed",
    satisfaction="neutral",
    summary="外包送货人员私自收费并拒绝送货上楼。已退费、致歉并补偿优惠券，客户认为问题已解决，但对配送服务印象一般。"
    "改进：配送中心对外包人员重新培训服务承诺，收费一律通过系统。",
    note="主管审核结案，已填入投诉汇总分析表。",
)

# ---------------------------------------------------------------------------------------
# Callbacks (回访)
# ---------------------------------------------------------------------------------------

# 002 回访制度: a callback after a repair.
stove = new(
    "stove-repair-callback",
    "callback",
    "10-30 09:40",
    "chen.jie",
    title="维修后回访：燃气灶更换点火器",
    customer="马丽华",
    salutation="女士",
    phone="13952063318",
    channel="phone",
    callback_type="after-repair",
    purpose="了解燃气灶维修后是否运行正常，对服务是否满意，有什么建议和要求",
    service_item="燃气灶维修（更换点火器）",
    service_date="2026-10-29",
    note="昨天维修完成，安排今天上午回访。",
)
stove.move(
    "10-30 10:25",
    "chen.jie",
    "completed",
    satisfaction="satisfied",
    note="客户表示点火正常，师傅准时到达、讲解清楚，对本次维修服务满意。",
)

# 003 每日新增报名: a new sign-up called back within 15 minutes.
signup = new(
    "fair-signup-callback",
    "callback",
    "11-19 14:06",
    "li.na",
    title="家装节新报名网友回访",
    customer="钱峰",
    salutation="先生",
    phone="13705168824",
    channel="phone",
    priority="highest",
    callback_type="new-signup",
    purpose="解答家装节活动疑问，说明订金及退订规则，提醒交通和泊车，确认是否到场",
    service_item="11月21日家装节报名",
    note="网友14:00在线报名，按规定15分钟内回访。",
)
signup.move(
    "11-19 14:15",
    "li.na",
    "completed",
    will_attend="yes",
    suggestions="希望提前公布参展商家名单和停车位信息。",
    note="已说明订金规则（退订需提前3个工作日），短信发送了地址和路线；客户确认周六到场，关注地板和橱柜。",
)

# 003: an unreachable callback, dialled at least twice.
tv = new(
    "tv-purchase-callback",
    "callback",
    "11-13 09:30",
    "wang.fang",
    title="购买后回访：电视机送装",
    customer="杨帆",
    salutation="先生",
    phone="13813906627",
    channel="phone",
    callback_type="after-purchase",
    purpose="了解新购电视机使用是否正常，是否有不明白的地方，送装服务是否满意",
    service_item="65英寸电视机送装",
    service_date="2026-11-12",
)
tv.attempt("11-13 10:15", "wang.fang", "no-answer", "第1次拨打：无人接听。")
tv.attempt("11-13 15:10", "wang.fang", "no-answer", "第2次拨打：对方已关机。")
tv.attempt("11-16 10:48", "wang.fang", "no-answer", "第3次拨打：无人接听，已发送回访短信并留下客服热线。")
tv.move(
    "11-16 10:52",
    "wang.fang",
    "unreachable",
    note="三次拨打未接通（满足至少拨打2次的要求），按未接通处理；客户回电时转任一客服完成回访。",
)

# 000 第三篇: a periodic callback (half a year) cancelled at the customer's request.
purifier = new(
    "purifier-periodic-callback",
    "callback",
    "10-28 09:40",
    "chen.jie",
    title="半年回访：净水器使用情况",
    customer="冯秀英",
    salutation="女士",
    phone="13809031456",
    channel="phone",
    priority="low",
    callback_type="periodic",
    purpose="了解净水器使用情况，提醒更换滤芯",
    service_item="净水器安装",
    service_date="2026-05-06",
)
purifier.move(
    "10-28 14:50",
    "chen.jie",
    "cancelled",
    cancel_reason="客户来电告知已搬家，净水器已送给亲戚使用，要求不再回访；已在客户档案中标注。",
)

# 003 呼损: a missed call checked at 13:00 and called back the same day.
missed = new(
    "missed-call-callback",
    "callback",
    "11-17 13:02",
    "chen.jie",
    title="400热线呼损回拨",
    customer="邓磊",
    salutation="先生",
    phone="18951707342",
    channel="phone",
    priority="highest",
    callback_type="missed-call",
    purpose="客户12:41拨打400热线未接通，当天回拨并处理咨询",
    note="13:00呼损检查发现，当天回拨。",
)
missed.move(
    "11-17 13:10",
    "chen.jie",
    "completed",
    satisfaction="neutral",
    suggestions="热线占线太久，希望高峰时段多安排坐席。",
    note="客户咨询家装节订金的退订规则，已解答（退订需提前3个工作日）；客户感谢回拨，但对热线难打通评价一般。",
)

# 001 九: monthly callback for a special VIP, scheduled; handed to another agent.
vip = new(
    "vip-monthly-callback",
    "callback",
    "11-20 16:30",
    "li.na",
    title="VIP月度回访：十一月",
    customer="曹雅琴",
    salutation="女士",
    phone="13901589920",
    channel="phone",
    priority="high",
    callback_type="vip-monthly",
    purpose="特殊VIP月度回访：了解近期购物体验和需求，记录意见",
    note="客户指定11月24日10:00～11:30回访。",
)
vip.assign(
    "11-23 09:10", "zhang.wei", "chen.jie", note="李娜11月24日外出培训，改由陈杰回访；已交接客户偏好记录。"
)

# ---------------------------------------------------------------------------------------
# Returns and exchanges (退换货)
# ---------------------------------------------------------------------------------------

# 000 折价: a small flaw; compensation above the postage needs a supervisor.
shirt = new(
    "shirt-partial-refund",
    "return",
    "11-23 09:05",
    "wang.fang",
    title="衬衫袖口轻微脱线，申请折价补偿",
    customer="孙晓梅",
    salutation="女士",
    phone="13951870264",
    channel="online",
    return_type="partial-refund",
    reason="quality",
    order_no="DD20261117-0391",
    sku="SH-W2031-WH-M",
    item_name="女士长袖衬衫 白色 M",
    amount_paid="189.00",
    received_date="2026-11-21",
    note="客户反映袖口脱线约1厘米，不影响穿着；客户不愿换货，希望补偿。已请客户发照片。",
    replied=True,
)
shirt.attach(
    "11-23 09:15",
    "wang.fang",
    "shirt-cuff-seam.png",
    note="客户发来的袖口脱线照片，已按客户ID存档。",
)
shirt.note(
    "11-23 09:30",
    "wang.fang",
    "按规定折价补偿不超过邮费（12元），已向客户说明；客户希望补偿20元，已请示主管，答复前先安抚客户。",
)

# 001 质量问题: photos before approval; the same batch reported by several customers.
jacket = new(
    "down-jacket-quality",
    "return",
    "11-20 10:33",
    "li.na",
    title="羽绒服多处跑绒，申请换货",
    customer="罗佳",
    salutation="女士",
    phone="15850637719",
    channel="online",
    priority="high",
    return_type="exchange",
    reason="quality",
    order_no="DD20261116-1174",
    sku="YR-W8806-BK-L",
    item_name="女士中长款羽绒服 黑色 L",
    batch="2026-09-B3",
    amount_paid="699.00",
    received_date="2026-11-19",
    note="客户反映羽绒服多处跑绒，已请客户上传照片。",
    replied=True,
)
jacket.attach(
    "11-20 11:05",
    "li.na",
    "jacket-down-leak-1.png",
    "jacket-down-leak-2.png",
    note="客户已上传照片，跑绒明显，已按客户ID存入售后问题图片。签收未满3天且未穿着，按正常流程处理。",
)
jacket.move(
    "11-20 11:20",
    "li.na",
    "approved",
    note="已同意换货，交易时间延长10天；已发送退货地址，提醒只接受快递或EMS、不接受到付，邮费先垫付，收到退件后退到账户。",
)
jacket.note(
    "11-20 11:30",
    "li.na",
    "本周同批次2026-09-B3已有3位客户反映跑绒，已反馈生产部门核查。",
)

# 001 质量问题 B: past the time limit and worn; the supervisor decides.
cardigan = new(
    "cardigan-worn",
    "return",
    "11-05 15:20",
    "chen.jie",
    title="针织开衫起球，要求退货",
    customer="高敏",
    salutation="女士",
    phone="13675129083",
    channel="wechat",
    return_type="return",
    reason="quality",
    order_no="DD20261016-0215",
    sku="ZS-W5102-CA-M",
    item_name="羊毛针织开衫 驼色 M",
    amount_paid="459.00",
    received_date="2026-10-20",
    note="客户反映开衫起球严重，要求退货；签收已16天，照片显示已穿着并水洗。已在微信即时回复并安抚客户。",
    replied=True,
)
cardigan.attach(
    "11-05 15:30",
    "chen.jie",
    "cardigan-pilling.png",
    note="客户发来的起球照片，已按客户ID存档；可见明显穿着和水洗痕迹。",
)
cardigan.note("11-05 15:40", "chen.jie", "超出质量问题处理时限且已穿着，按规定请主管决定处理意见。")
cardigan.move(
    "11-06 10:00",
    "zhang.wei",
    "declined",
    decline_reason="签收已超过15天，商品已穿着并水洗，起球属于羊毛制品的正常现象，不符合质量问题退货条件。"
    "已向客户说明洗护方法，并赠送一张20元优惠券表示歉意。",
    note="主管已与客户通话说明，客户接受。",
)

# 001 发错货: wrong size sent; registered in the wrong-shipment register; shipped back.
trousers = new(
    "wrong-size-trousers",
    "return",
    "11-18 11:40",
    "li.na",
    title="发错尺码：订购32码收到34码",
    customer="朱浩",
    salutation="先生",
    phone="13770518842",
    channel="online",
    return_type="exchange",
    reason="wrong-item",
    order_no="DD20261114-0652",
    sku="XK-M3307-KH-32",
    item_name="男士休闲裤 卡其色 32码",
    amount_paid="239.00",
    received_date="2026-11-17",
    note="客户发来吊牌和底单照片，核实确为仓库错发，已登记发错货文档；已在旺旺即时回复并致歉。",
    replied=True,
)
trousers.move(
    "11-18 11:50",
    "li.na",
    "approved",
    note="我方错发，来回邮费由我方承担；已发送退货地址，交易时间延长10天，32码已预留。",
)
trousers.move(
    "11-19 16:20",
    "li.na",
    "in_transit",
    return_tracking_no="YT7731029384651",
    postage_amount="12.00",
    note="客户已寄回，圆通单号已录入，客户垫付邮费12元，收到退件后与换货一起处理。",
)

# 001 破包: courier damage found after signing; the parcel is back at the warehouse.
dishes = new(
    "broken-dishes",
    "return",
    "11-16 10:40",
    "wang.fang",
    title="餐具套装运输破损",
    customer="蒋丽",
    salutation="女士",
    phone="15195862270",
    channel="phone",
    priority="high",
    return_type="return",
    reason="courier-damage",
    order_no="DD20261112-0980",
    sku="CJ-1605-WH",
    item_name="骨瓷餐具套装 16件",
    amount_paid="268.00",
    received_date="2026-11-15",
    note="客户签收后发现外箱破损，3个碗碎裂；已请客户拍照，并联系派件员出具证明。",
    replied=True,
)
dishes.move(
    "11-16 11:00",
    "wang.fang",
    "approved",
    note="快递原因，邮费由我方承担，向快递公司索赔；已发送退货地址。",
)
dishes.move(
    "11-17 15:30",
    "wang.fang",
    "in_transit",
    return_tracking_no="75312045867098",
    postage_amount="12.00",
    note="客户已寄回，中通单号已录入，垫付邮费12元。",
)
dishes.move("11-20 14:10", "wang.fang", "received", note="仓库已签收退件，待质检；破损已登记丢件赔偿表。")

# 000 描述不符: inspected, refund to follow within 1-2 working days.
cotton = new(
    "shirt-not-cotton",
    "return",
    "11-11 13:20",
    "chen.jie",
    title="衬衫成分与页面描述不符",
    customer="梁晓东",
    salutation="先生",
    phone="13584027761",
    channel="online",
    return_type="return",
    reason="not-as-described",
    order_no="DD20261107-1533",
    sku="CS-M1208-BL-41",
    item_name="男士衬衫 蓝色 41码",
    amount_paid="219.00",
    received_date="2026-11-10",
    note="页面写的是100%纯棉，客户发来吊牌照片显示65%棉、35%聚酯纤维。已在旺旺即时回复并致歉。",
    replied=True,
)
cotton.move(
    "11-11 13:40",
    "chen.jie",
    "approved",
    note="描述不符，来回邮费由我方承担；已发送退货地址，交易时间延长10天。",
)
cotton.move(
    "11-12 10:15",
    "chen.jie",
    "in_transit",
    return_tracking_no="SF1409931275408",
    postage_amount="14.00",
    note="客户已寄回，顺丰单号已录入，垫付邮费14元。",
)
cotton.move("11-19 09:45", "chen.jie", "received", note="仓库已签收退件。")
cotton.move(
    "11-20 16:00",
    "chen.jie",
    "inspected",
    inspection_result="吊牌成分65%棉、35%聚酯纤维，与页面“100%纯棉”不符，确认描述不符；商品未穿着，吊牌完好。",
    note="已通知商品部修改页面描述；退款待财务1～2个工作日内处理。",
)

# 001 质量问题: a quality return refunded; the callback after the return is scheduled.
kettle = new(
    "kettle-leak",
    "return",
    "11-12 10:20",
    "li.na",
    title="电水壶底部漏水，申请退货",
    customer="胡婷婷",
    salutation="女士",
    phone="15261893305",
    channel="online",
    return_type="return",
    reason="quality",
    order_no="DD20261109-0447",
    sku="DS-1702-SS",
    item_name="不锈钢电水壶 1.7L",
    amount_paid="129.00",
    received_date="2026-11-11",
    note="客户反映电水壶底部漏水，已请客户上传照片。",
    replied=True,
)
kettle.attach(
    "11-12 10:40",
    "li.na",
    "kettle-base-leak.png",
    note="客户上传的底部漏水照片，已按客户ID存入售后问题图片。",
)
kettle.move(
    "11-12 11:00",
    "li.na",
    "approved",
    note="签收1天、质量问题，同意退货；已发送退货地址，邮费先垫付，收到退件后一并退回。",
)
kettle.move(
    "11-13 14:30",
    "li.na",
    "in_transit",
    return_tracking_no="SF1409827365012",
    postage_amount="15.00",
    note="客户已寄回，顺丰单号已录入。",
)
kettle.move("11-17 10:10", "li.na", "received", note="仓库已签收退件。")
kettle.move(
    "11-18 15:20",
    "li.na",
    "inspected",
    inspection_result="加热底盘密封圈装配不良导致渗水，确认为质量问题。",
)
kettle.move(
    "11-19 10:30",
    "li.na",
    "refunded",
    refund_amount="129.00",
    note="已退货款129元及客户垫付邮费15元到原支付账户；已告知客户：“您的退货我们已经处理完毕，请您查询账户。”",
)
kettle_callback = new(
    "kettle-leak-callback",
    "callback",
    "11-20 11:00",
    "wang.fang",
    title="退货后回访：电水壶退款",
    customer="胡婷婷",
    salutation="女士",
    phone="15261893305",
    channel="phone",
    callback_type="after-return",
    purpose="确认退款已到账，了解客户对退货处理的满意度",
    service_item="电水壶退货退款",
    service_date="2026-11-19",
    note="退款已完成，安排11月24日上午回访。",
)
link("11-20 11:01", "wang.fang", kettle, kettle_callback, note="关联退货与退货后回访")

# 000 换货 (非质量问题): the customer pays the postage; the new size is on its way.
shoes = new(
    "shoes-size-exchange",
    "return",
    "11-09 15:00",
    "li.na",
    title="运动鞋尺码偏小，申请换大一码",
    customer="彭宇",
    salutation="先生",
    phone="18205189436",
    channel="online",
    priority="low",
    return_type="exchange",
    reason="changed-mind",
    order_no="DD20261105-0812",
    sku="YD-M7701-42",
    item_name="男士运动鞋 白色 42码（换43码）",
    amount_paid="399.00",
    received_date="2026-11-08",
    note="非质量问题换货，来回邮费由客户承担，已向客户说明；43码有货。",
    replied=True,
)
shoes.move("11-09 15:10", "li.na", "approved", note="已发送退货地址，提醒不接受到付，不要在包裹里放现金。")
shoes.move(
    "11-10 11:30",
    "li.na",
    "in_transit",
    return_tracking_no="YD4310298376512",
    note="客户已寄回，韵达单号已录入。",
)
shoes.move("11-13 10:00", "li.na", "received", note="仓库已签收退件。")
shoes.move(
    "11-13 14:20",
    "li.na",
    "inspected",
    inspection_result="鞋盒和吊牌完好，鞋底无磨损，未穿着，可以换货。",
)
shoes.move(
    "11-13 16:30",
    "li.na",
    "reshipped",
    reship_tracking_no="SF1410293847561",
    exchange_price="399.00",
    postage_amount="12.00",
    difference_paid_amount="12.00",
    note="客户已补寄出邮费12元。已短信告知客户：“您的换货已处理完毕。换的商品已经重新发出，单号：SF1410293847561，派送期间请保持电话畅通。”",
)

# 000/001 换货 (质量问题): the whole flow to closed, with the callback after the return.
cooker = new(
    "rice-cooker-exchange",
    "return",
    "11-02 10:30",
    "wang.fang",
    title="电饭煲内胆涂层脱落，申请换货",
    customer="韩梅",
    salutation="女士",
    phone="13915962048",
    channel="phone",
    return_type="exchange",
    reason="quality",
    order_no="DD20261029-0364",
    sku="DF-4012-IH",
    item_name="电饭煲 4L IH款",
    batch="2026-08-A1",
    amount_paid="399.00",
    received_date="2026-10-31",
    note="客户反映第二次使用内胆涂层起泡脱落，已请客户发照片。",
    replied=True,
)
cooker.attach(
    "11-02 10:50",
    "wang.fang",
    "cooker-coating-1.png",
    "cooker-coating-2.png",
    note="客户发来的内胆涂层照片，已按客户ID存档。",
)
cooker.move(
    "11-02 11:00",
    "wang.fang",
    "approved",
    note="照片显示涂层起泡明显；签收3天内，同意换货，邮费由我方承担，已发送退货地址。",
)
cooker.move(
    "11-03 15:00",
    "wang.fang",
    "in_transit",
    return_tracking_no="JD0098127635401",
    postage_amount="18.00",
    note="客户已寄回，京东单号已录入，垫付邮费18元。",
)
cooker.move("11-06 10:50", "wang.fang", "received", note="仓库已签收退件。")
cooker.move(
    "11-06 15:00",
    "wang.fang",
    "inspected",
    inspection_result="内胆涂层起泡脱落，确认为质量问题；已反馈质量部跟踪批次2026-08-A1。",
)
cooker.move(
    "11-09 10:00",
    "wang.fang",
    "reshipped",
    reship_tracking_no="SF1410048273615",
    exchange_price="399.00",
    note="新品已发出，邮费18元已退到客户账户（已录入），已短信告知客户换货单号。",
)
cooker_callback = new(
    "rice-cooker-callback",
    "callback",
    "11-16 10:05",
    "wang.fang",
    title="换货后回访：电饭煲",
    customer="韩梅",
    salutation="女士",
    phone="13915962048",
    channel="phone",
    callback_type="after-return",
    purpose="确认换发的电饭煲使用正常、邮费已到账，了解客户对换货处理的满意度",
    service_item="电饭煲换货",
    service_date="2026-11-10",
)
link("11-16 10:06", "wang.fang", cooker, cooker_callback, note="关联换货与换货后回访")
cooker_callback.move(
    "11-16 10:20",
    "wang.fang",
    "completed",
    satisfaction="satisfied",
    note="客户表示新电饭煲使用正常，邮费已收到，对换货处理满意。",
)
cooker.move("11-16 10:42", "wang.fang", "closed", note="回访满意，换货完成，结案。")

# 001 仅退款: not shipped yet; the warehouse intercepts the parcel.
cancel = new(
    "refund-before-shipping",
    "return",
    "11-23 09:35",
    "chen.jie",
    title="未发货订单申请仅退款",
    customer="唐欣",
    salutation="女士",
    phone="17351602285",
    channel="online",
    return_type="refund-only",
    reason="changed-mind",
    order_no="DD20261122-1719",
    sku="BW-2210-PK",
    item_name="保温杯 500ml 粉色",
    amount_paid="89.00",
    note="订单显示待发货，客户改变主意申请仅退款；已即时回复客户，并通知仓库撤单。",
    replied=True,
)
cancel.note("11-23 09:50", "chen.jie", "仓库回复：包裹已打包但未交快递，已拦截，可以退款。")


# 001 先行换发: the shop sent the wrong colour and the customer is in a hurry; once the
# customer has sent it back with a tracking number, the supervisor ships the exchange
# before the returned item arrives.
scarf = new(
    "scarf-ship-first",
    "return",
    "11-20 14:07",
    "wang.fang",
    title="围巾发错颜色，客户急用，申请先行换发",
    customer="宋佳",
    salutation="女士",
    phone="13770581924",
    channel="online",
    return_type="exchange",
    reason="wrong-item",
    order_no="DD20261116-0933",
    sku="WJ-3306-GY",
    item_name="羊绒围巾 灰色（错发为米色）",
    amount_paid="259.00",
    received_date="2026-11-19",
    note="核对底单确认发错颜色，来回邮费由店铺承担；客户周末出差急用，询问能否先发正确颜色。",
    replied=True,
)
scarf.move("11-20 14:13", "wang.fang", "approved", note="已发送退货地址；交易时间已延长10天。")
scarf.move(
    "11-20 17:41",
    "wang.fang",
    "in_transit",
    return_tracking_no="ZT7310058264193",
    postage_amount="10.00",
    note="客户已寄回错发的围巾，中通单号已录入，运费10元待充值。",
)
scarf.move(
    "11-21 09:37",
    SUPERVISOR,
    "reshipped",
    reship_tracking_no="SF1420587719306",
    exchange_price="259.00",
    note="店铺发错货且客户已提供寄回单号，主管同意先行换发。已告知客户：“您的换货已处理完毕。换的商品已经重新发出，单号：SF1420587719306，派送期间请保持电话畅通。”",
)


# ---------------------------------------------------------------------------------------
# Cancellation bookings (退订, 003): booked at least 3 working days before the event, the
# merchant asked at once, settled with finance
# ---------------------------------------------------------------------------------------

# A booking confirmed by the merchant and settled: the order can no longer be settled.
fair = new(
    "home-fair-cancellation",
    "cancellation",
    "11-16 10:23",
    "chen.jie",
    title="家博会订金退订",
    customer="钱立新",
    salutation="先生",
    phone="13852047719",
    channel="phone",
    order_no="HD20261102-0418",
    event_name="冬季家居博览会",
    event_date="2026-11-28",
    merchant="优居家具",
    deposit="200.00",
    reason="装修计划推迟，无法到场",
    note="活动日前9个工作日预约退订，符合提前3个工作日的规定；已立即联系商家确认。",
)
fair.move(
    "11-16 11:02",
    "chen.jie",
    "confirmed",
    merchant_confirmed_by="优居家具 刘店长",
    note="商家同意退订，CRM订单状态已改为可退订。",
)
fair.move(
    "11-20 16:12",
    "chen.jie",
    "settled",
    refund_amount="200.00",
    settlement_no="TD-202611-07",
    note="已与财务核对退订备用金，订金200元已退回客户。",
)

# The merchant cannot cancel it: refused, with the reason in the case and the register.
studio = new(
    "photo-studio-cancellation",
    "cancellation",
    "11-18 15:34",
    "li.na",
    title="婚纱摄影套餐退订",
    customer="周敏",
    salutation="女士",
    phone="18951730246",
    channel="wechat",
    order_no="HD20261108-0752",
    event_name="冬季婚博会",
    event_date="2026-11-29",
    merchant="花间婚纱摄影",
    deposit="500.00",
    reason="已在别家预订",
)
studio.move(
    "11-18 16:48",
    "li.na",
    "refused",
    refuse_reason="商家已按客户要求定制样片，不同意退订订金；已如实告知客户，客户表示理解。",
)

# Booked today, confirmed by the merchant, not yet settled: the order is held.
kitchen = new(
    "kitchen-cancellation",
    "cancellation",
    "11-23 09:26",
    "wang.fang",
    title="橱柜团购退订",
    customer="孙志强",
    salutation="先生",
    phone="13605187233",
    channel="phone",
    order_no="HD20261110-0236",
    event_name="冬季家居博览会",
    event_date="2026-11-28",
    merchant="优居家具",
    deposit="300.00",
    reason="房屋交付延期",
)
kitchen.move("11-23 09:58", "wang.fang", "confirmed", merchant_confirmed_by="优居家具 刘店长")


# ---------------------------------------------------------------------------------------
# Harassment calls (骚扰电话)
# ---------------------------------------------------------------------------------------

# 000 第一篇 骚扰电话的处理: the same number calls the hotline twice at noon; each call is
# ended politely and logged; the second time the supervisor hands the number to the manager,
# who checks it against the carrier's bill (the queue report's repeat sources).
first_nuisance = harassment(
    "noon-caller-1",
    "11-18 12:21",
    "wang.fang",
    called="11-18 12:14",
    phone="13512780346",
    line="400-820-8820",
    said="来电东拉西扯，引导回产品与服务的话题无效，背景有嬉笑声。",
    ended_by="agent",
    severity="nuisance",
    note="已礼貌结束通话：“对不起线路故障，请您稍后再拨。”",
)
first_nuisance.note("11-18 14:07", "zhang.wei", "已阅。该号码如再次来电，转入骚扰来电队列。")
second_nuisance = harassment(
    "noon-caller-2",
    "11-20 12:43",
    "li.na",
    called="11-20 12:36",
    phone="135 1278 0346",
    line="400-820-8820",
    said="同一号码再次来电，言语低级下流，确认为骚扰电话。",
    ended_by="agent",
    severity="obscene",
    note="确认为骚扰电话后立即终止通话，未与对方争执。",
)
second_nuisance.note(
    "11-20 15:12", "zhang.wei", "本周第二次来自同一号码，已交经理按帐单核查，必要时提请运营商处理。"
)


# ---------------------------------------------------------------------------------------
# Duplicates (重复案件)
# ---------------------------------------------------------------------------------------

# The same leaking kettle reported twice: by phone in the morning, on Weibo after lunch.
# The supervisor merges the Weibo complaint into the phone one, which stays and is handled.
kettle = new(
    "kettle-leak-phone",
    "complaint",
    "11-20 09:37",
    "li.na",
    title="电热水壶底部漏水",
    customer="刘晓燕",
    salutation="女士",
    phone="13952076418",
    channel="phone",
    priority="high",
    category="product-quality",
    product="电热水壶 1.7L KT-17",
    order_no="DD20261109-3350",
    content="客户来电：11月9日购买的电热水壶，烧水时底部渗水，桌面有水迹，担心漏电。",
    demand="上门检测并换新",
    note="已提醒客户先停用并拔掉电源；记录订单号，答复今天内联系售后安排检测。",
    replied=True,
)
kettle.move(
    "11-20 10:21",
    "li.na",
    "assessing",
    note="客户发来渗水照片，底座密封圈处有水迹，投诉成立。",
)
kettle.move(
    "11-20 11:03",
    "li.na",
    "investigating",
    responsible_department="售后技术部",
    note="已转售后技术部，约定明天上午上门检测。",
)
kettle_weibo = new(
    "kettle-leak-weibo",
    "complaint",
    "11-20 13:26",
    "wang.fang",
    title="微博投诉：电热水壶漏水，担心安全",
    customer="刘晓燕",
    salutation="女士",
    phone="13952076418",
    channel="weibo",
    priority="high",
    category="product-quality",
    product="电热水壶 1.7L KT-17",
    content="客户在微博发文并@官方账号：新买的电热水壶底部漏水，问会不会漏电。",
    demand="尽快处理",
    note="已在微博评论区回复，并私信客户核对信息：与上午的电话投诉为同一客户、同一台电热水壶。",
    replied=True,
)
merge(
    "11-20 14:12",
    SUPERVISOR,
    kettle_weibo,
    kettle,
    note="微博投诉与电话投诉为同一问题，合并到电话投诉统一处理，避免重复联系客户。",
)
kettle.note("11-20 14:48", "li.na", "已私信回复客户微博：两处反映已合并处理，明天上午上门检测。")


# ---------------------------------------------------------------------------------------
# Running the stories
# ---------------------------------------------------------------------------------------


def check_stories(stories: list[Story]) -> list[Step]:
    """All steps in time order; refuses stories that `init --example` could not replay."""
    steps = sorted((s for story in stories for s in story.steps if s.command), key=lambda s: s.instant)
    for before, after in itertools.pairwise(steps):
        if before.instant == after.instant:
            raise SystemExit(f"{before.story.key} and {after.story.key} both have a step at {after.at}")
    for story in stories:
        if not 2 <= len(story.steps) <= 9:
            raise SystemExit(f"{story.key}: {len(story.steps)} history entries; keep 2 to 9")
        if story.steps != sorted(story.steps, key=lambda s: s.instant):
            raise SystemExit(f"{story.key}: steps are not in time order")
    keys = [story.key for story in stories]
    if len(set(keys)) != len(keys):
        raise SystemExit("two stories have the same key")
    return steps


def environment(home: Path, repo: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEKIT_", "GIT_"))}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        CASEKIT_REPO=str(repo),
        CASEKIT_NO_FOLLOW_UPS="1",  # every case, callbacks included, is a story of its own
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT / "src"), os.environ.get("PYTHONPATH")])),
    )
    return env


def casekit(env: dict[str, str], *args: str, now: str, actor: str, seed: str | None = None) -> str:
    run_env = {**env, "CASEKIT_NOW": now, "CASEKIT_ACTOR": actor}
    if seed:
        run_env["CASEKIT_ID_SEED"] = seed
    proc = subprocess.run(
        [sys.executable, "-m", "casekit", *args], env=run_env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"casekit {' '.join(args)} failed at {now}:\n{proc.stderr}")
    return proc.stdout


def generate(scratch: Path) -> Path:
    """Build the example case repository in `scratch`; returns its root."""
    steps = check_stories(STORIES)
    home = scratch / "home"
    home.mkdir(parents=True)
    repo = scratch / "repo"
    env = environment(home, repo)
    casekit(env, "init", str(repo), now=steps[0].at, actor=SUPERVISOR)
    for step in steps:
        story = step.story
        if step.command[0] in ("new", "harassment"):
            out = casekit(env, *step.command, now=step.at, actor=step.by, seed=f"example:{story.key}")
            story.case_id = out.strip()
            continue
        assert story.case_id is not None
        first, second = story.case_id, step.other.case_id if step.other else None
        if second is not None and second < first and step.command[0] == "link":
            first, second = second, first  # as `init --example` replays it: lower ID first
        args = [a.replace("{id}", first).replace("{other}", second or "") for a in step.command]
        casekit(env, *args, now=step.at, actor=step.by)
    last = steps[-1].at
    casekit(env, "validate", now=last, actor=SUPERVISOR)
    casekit(env, "audit", now=last, actor=SUPERVISOR)
    return repo


def install_cases(source: Path, target: Path) -> None:
    """Replace the case files under `target` with those under `source`."""
    for kind in KINDS:
        shutil.rmtree(target / kind, ignore_errors=True)
    (target / ".keep").unlink(missing_ok=True)
    for kind in KINDS:
        if (source / kind).is_dir():
            shutil.copytree(source / kind, target / kind)


def install_attachments(source: Path, target: Path) -> None:
    """Replace the attachment files under `target` with those under `source`."""
    shutil.rmtree(target, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, target)


def differences(left: Path, right: Path, pattern: str = "*.yaml") -> list[str]:
    names = {p.relative_to(left) for p in left.rglob(pattern) if p.is_file()} | {
        p.relative_to(right) for p in right.rglob(pattern) if p.is_file()
    }
    return sorted(
        str(n)
        for n in names
        if not (
            (left / n).is_file() and (right / n).is_file() and filecmp.cmp(left / n, right / n, shallow=False)
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with cases/ instead of rewriting it")
    parser.add_argument("--keep", type=Path, help="build the scratch repository here and keep it")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casekit-examples-") as tmp:
        scratch = options.keep or Path(tmp)
        if options.keep and options.keep.exists():
            raise SystemExit(f"{options.keep} exists; give a new folder")
        repo = generate(scratch)
        cases = PROJECT / "cases"
        if options.check:
            changed = [f"cases/{n}" for n in differences(repo / "cases", cases)]
            changed += [
                f"{ATTACHMENTS}/{n}" for n in differences(repo / ATTACHMENTS, PROJECT / ATTACHMENTS, "*")
            ]
            for name in changed:
                print(f"differs: {name}")
            return 1 if changed else 0
        install_cases(repo / "cases", cases)
        install_attachments(repo / ATTACHMENTS, PROJECT / ATTACHMENTS)
    counts = {k: len(list((PROJECT / "cases" / k).rglob("*.yaml"))) for k in KINDS}
    files = sum(1 for p in (PROJECT / ATTACHMENTS).rglob("*") if p.is_file())
    print("wrote " + ", ".join(f"{n} {k} cases" for k, n in counts.items()) + " to cases/", end="")
    print(f" and {files} attachment files to {ATTACHMENTS}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
