"""Report figures, computed a second way: from the git history of a generated repository.

Two hundred complaints and callbacks are walked through the real CLI with seeded random
timing, follow-ups on: assessments both ways, reopenings and second resolutions, promises,
escalations, notes, merchants' replies in time and late, dial attempts of every outcome,
callbacks completed, unreachable or cancelled, and the after-complaint callbacks and
follow-up complaints casekit opens by itself (some three hundred cases in all). For each of
several weeks and months, the test finds the commit that was the repository's tip at the
period's end (`git rev-list --before`), reads every case file as committed there, and
counts each figure from those files by its definition in docs/scripts-and-reports.md ("What
each figure means"). The report, computed from today's files by replaying their history,
must give the same numbers.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from casebuild import Spec, build, files_at
from conftest import CLI, base_environ

TZ_OFFSET = "+08:00"
START = datetime.fromisoformat(f"2026-10-26T09:00:00{TZ_OFFSET}")
AGENTS = ["li.na", "wang.fang", "chen.jie"]
SUPERVISOR = "zhang.wei"
CATEGORIES = ["product-quality", "logistics", "service-attitude", "after-sales", "billing", "description"]
MERCHANTS = ["优品数码旗舰店", "家家乐超市", "乐享家电专营店"]
STORES = ["新街口店", "江宁万达店"]  # where a complaint was made: never a merchant
CALLBACK_TYPES = ["after-purchase", "after-repair", "after-complaint"]
SATISFACTION = ["satisfied", "neutral", "dissatisfied"]
WEEKS = ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
MONTHS = ["2026-11"]
COMPLAINTS, CALLBACKS = 140, 70  # and the callbacks and follow-up complaints casekit opens
# Entries casekit writes by itself; never a case's latest progress.
AUTOMATIC = {"link", "survey"}


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Clock:
    """A case's own time line: each step a random while after the last."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng, self.now = rng, start

    def next(self, shortest: int = 7) -> str:
        self.now += timedelta(minutes=self.rng.choice([shortest, 40, 180, 600, 1500, 2 * 24 * 60 + 13]))
        return stamp(self.now)


def complaint(rng: random.Random, number: int) -> Spec:
    opened = START + timedelta(minutes=rng.randrange(0, 34 * 24 * 60))
    agent = rng.choice(AGENTS)
    channel = rng.choice(["phone", "online", "forum", "weibo", "media"])  # media: major (重大投诉)
    spec = Spec(
        f"c{number}",
        "complaint",
        stamp(opened),
        agent,
        title=f"投诉{number}",
        customer=f"客户{number}",
        salutation=rng.choice(["先生", "女士"]),
        phone=f"139{number:08d}",
        channel=channel,
        fields={
            "category": rng.choice(CATEGORIES),
            **({"merchant": rng.choice(MERCHANTS)} if rng.random() < 0.8 else {"store": rng.choice(STORES)}),
            "content": "商品有问题",
        },
    )
    clock = Clock(rng, opened)
    handler = agent
    if channel in ("forum", "weibo") and "merchant" in spec.fields and rng.random() < 0.75:
        # The merchant replies under the post some while after it, recorded a while later:
        # in time (within 1 working day) or late, before or after a period's end.
        recorded = clock.next()
        replied = opened + (clock.now - opened) * rng.random()
        spec.merchant_reply(recorded, stamp(replied.replace(microsecond=0)), reply="已跟帖回复")
    steps = rng.randrange(0, 9)
    if steps == 0:
        return spec
    if rng.random() < 0.3:
        spec.note(clock.next(), "已致电客户了解情况")
    spec.move(clock.next(), "assessing")
    if steps == 1:
        return spec
    if rng.random() < 0.2:
        # Rejecting a major (media) complaint is a supervisor's move.
        spec.move(
            clock.next(),
            "rejected",
            by=SUPERVISOR if channel == "media" else None,
            rejection_reason="经核实商品符合描述，已向客户说明",
        )
        return spec
    if rng.random() < 0.2:
        spec.escalate(clock.next(), SUPERVISOR, "客户要求主管处理", major=rng.random() < 0.4)
        handler = SUPERVISOR
    spec.move(clock.next(), "investigating", by=handler, responsible_department="售后部")
    if rng.random() < 0.3:
        spec.promise(clock.next(), stamp(clock.now + timedelta(days=1)), by=handler)
    for round_number in range(2):
        if steps <= 2 + round_number * 3:
            return spec
        spec.move(clock.next(), "proposed", by=handler, solution="为您换新或退款")
        spec.move(clock.next(), "implementing", by=handler, accepted_solution="换新")
        spec.move(clock.next(), "resolved", by=handler, resolution="已换新")
        # The resolution opened an after-complaint callback (a follow-up): most are made;
        # a dissatisfied customer gets a follow-up complaint, and some complaints reopen.
        if rng.random() < 0.2:
            return spec  # resolved, its callback still owed
        if rng.random() < 0.5:
            spec.on_callback(clock.next(shortest=30), "attempt", "{callback}", "--outcome", "no-answer")
        spec.on_callback(clock.next(shortest=30), "attempt", "{callback}", "--outcome", "answered")
        satisfaction = rng.choice(SATISFACTION)
        spec.on_callback(
            clock.next(), "move", "{callback}", "completed", "--set", f"satisfaction={satisfaction}"
        )
        if round_number == 0 and rng.random() < (0.6 if satisfaction == "dissatisfied" else 0.2):
            spec.move(clock.next(), "investigating", by=handler, note="客户反映问题又出现了")
            continue
        break
    if rng.random() < 0.6:
        spec.move(clock.next(), "closed", by=handler, summary="处理完毕")
    elif rng.random() < 0.5:
        spec.note(clock.next(), "等待客户确认", by=handler)
    return spec


def callback(rng: random.Random, number: int) -> Spec:
    opened = START + timedelta(minutes=rng.randrange(0, 34 * 24 * 60))
    agent = rng.choice(AGENTS)
    spec = Spec(
        f"b{number}",
        "callback",
        stamp(opened),
        agent,
        title=f"回访{number}",
        customer=f"回访客户{number}",
        salutation="女士",
        phone=f"137{number:08d}",
        channel="phone",
        fields={"callback_type": rng.choice(CALLBACK_TYPES)},
    )
    clock = Clock(rng, opened)
    outcomes = [rng.choice(["answered", "no-answer", "busy"]) for _ in range(rng.randrange(0, 4))]
    for outcome in outcomes:
        spec.attempt(clock.next(shortest=30), outcome)
    ending = rng.random()
    failed = sum(1 for o in outcomes if o != "answered")
    if ending < 0.55:
        spec.move(clock.next(), "completed", satisfaction=rng.choice(SATISFACTION))
    elif ending < 0.7 and failed >= 2:
        spec.move(clock.next(), "unreachable")
    elif ending < 0.8:
        spec.move(clock.next(), "cancelled", cancel_reason="客户已通过其他渠道反馈")
    return spec


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> CLI:
    base = tmp_path_factory.mktemp("figures")
    home = base / "home"
    home.mkdir()
    root = base / "repo"
    cli = CLI(base, base_environ(home))
    cli.ok("init", str(root), now=stamp(START - timedelta(days=1)))
    repo = CLI(root, cli.environ)
    rng = random.Random(20261203)
    specs = [complaint(rng, n) for n in range(COMPLAINTS)] + [callback(rng, n) for n in range(CALLBACKS)]
    build(repo, specs, follow_ups=True)
    return repo


# --- the second way: the files as committed at the period's end -------------------------


def _t(text: Any) -> datetime:
    return datetime.fromisoformat(str(text))


def inside(moment: Any, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= _t(moment) < end


def counted_a_second_way(docs: list[dict[str, Any]], start: datetime, end: datetime) -> dict[str, Any]:
    callbacks = [d for d in docs if d["kind"] == "callback"]
    dials = [
        e for d in callbacks for e in d["history"] if e["action"] == "attempt" and inside(e["at"], start, end)
    ]
    answered = sum(1 for e in dials if e["outcome"] == "answered")

    def due_at(doc: dict[str, Any]) -> datetime:
        dues = [_t(v["due"]) for k, v in (doc.get("deadlines") or {}).items() if k != "promised_reply"]
        return min(dues) if dues else _t(doc["opened_at"])

    due = [d for d in callbacks if start <= due_at(d) < end]

    def finished_in_period(doc: dict[str, Any], state: str) -> bool:
        moves = [e for e in doc["history"] if e["action"] == "move"]
        return doc["status"] == state and bool(moves) and inside(moves[-1]["at"], start, end)

    completed = [d for d in callbacks if finished_in_period(d, "completed")]
    figures: dict[str, Any] = {
        "attempts": len(dials),
        "attempts_answered": answered,
        "contact_rate": f"{answered / len(dials):.4f}" if dials else None,
        "due": len(due),
        "due_completed": sum(1 for d in due if d["status"] == "completed"),
        "completed": len(completed),
        "unreachable": sum(1 for d in callbacks if finished_in_period(d, "unreachable")),
        "completed_without_dial": sum(
            1
            for d in completed
            if not any(e["action"] == "attempt" and e["outcome"] == "answered" for e in d["history"])
        ),
    }
    due_completed = figures["due_completed"]
    figures["completion_rate"] = f"{due_completed / len(due):.4f}" if due else None

    new = [d for d in docs if d["kind"] == "complaint" and inside(d["opened_at"], start, end)]
    states = Counter(d["status"] for d in new)
    reopened = 0
    for doc in new:
        moves = [e for e in doc["history"] if e["action"] == "move"]
        reopened += any(e["from"] in ("resolved", "closed") and e["to"] == "investigating" for e in moves)
    figures["analysis"] = {
        "count": len(new),
        "pending": states["received"] + states["assessing"],
        "rejected": states["rejected"],
        "justified": len(new) - states["received"] - states["assessing"] - states["rejected"],
        "resolved": states["resolved"] + states["closed"],
        "open": len(new) - states["rejected"] - states["resolved"] - states["closed"],
        "reopened": reopened,
    }
    progress = {}
    for doc in docs:
        if doc["kind"] != "complaint":
            continue
        for entry in reversed(doc["history"]):
            if entry["action"] in AUTOMATIC:
                continue
            if entry.get("note"):
                progress[doc["id"]] = entry["note"]
                break
            if entry["action"] in ("open", "move"):
                progress[doc["id"]] = entry["to"]
                break
    figures["progress"] = progress
    return figures


MERCHANT_CLOCK = "merchant_reply"
FINAL = {"complaint": {"closed", "rejected"}, "callback": {"completed", "unreachable", "cancelled"}}


def _final_at(doc: dict[str, Any]) -> datetime | None:
    """When the case entered a final state (the files' history), or None."""
    for entry in doc["history"]:
        if entry["action"] == "move" and entry["to"] in FINAL[doc["kind"]]:
            return _t(entry["at"])
    return None


def merchants_a_second_way(docs: list[dict[str, Any]], start: datetime, end: datetime) -> dict[str, Any]:
    """Per merchant: complaints opened in the period, open at its end, and the merchant's
    own replies (forum and Weibo complaints, due 1 working day after opening): in time
    where the reply falls in the period, late where the due time does, owed when still
    unanswered past due at the end, none owed when the complaint ended before the due time;
    the reply time from the fields as committed then."""
    rows: dict[str, dict[str, Any]] = {}
    for doc in docs:
        merchant = (doc.get("fields") or {}).get("merchant")
        if doc["kind"] != "complaint" or not merchant:
            continue
        row = rows.setdefault(
            merchant,
            {
                "complaints": 0,
                "major": 0,
                "open": 0,
                "replies_on_time": 0,
                "replies_late": 0,
                "replies_owed": 0,
                "seconds": [],
            },
        )
        new = inside(doc["opened_at"], start, end)
        row["complaints"] += new
        escalated_major = any(e["action"] == "escalate" and e.get("major") for e in doc["history"])
        row["major"] += new and (escalated_major or doc["channel"] == "media")
        row["open"] += doc["status"] not in FINAL["complaint"]
        if doc["channel"] not in ("forum", "weibo"):
            assert MERCHANT_CLOCK not in (doc.get("deadlines") or {}), doc["id"]
            continue
        opened, due = _t(doc["opened_at"]), _t(doc["deadlines"][MERCHANT_CLOCK]["due"])
        replied = doc["fields"].get("merchant_replied_at")
        reply = max(_t(replied), opened) if replied else None
        final = _final_at(doc)
        if reply is not None and reply <= due:
            counted = start <= reply < end
            row["replies_on_time"] += counted
        elif final is not None and final <= due:
            continue  # ended before the reply fell due: none was owed
        else:
            counted = start <= due < end
            row["replies_late"] += counted
            row["replies_owed"] += reply is None and final is None and due < end
        if counted and reply is not None:
            row["seconds"].append((reply - opened).total_seconds())
    for row in rows.values():
        seconds = sorted(row.pop("seconds"))
        middle = len(seconds) // 2
        median = (
            (seconds[middle] if len(seconds) % 2 else (seconds[middle - 1] + seconds[middle]) / 2)
            if seconds
            else None
        )
        # rounded to a tenth of an hour, half to even, as the report prints it
        row["median_reply_hours"] = (
            str((Decimal(str(median)) / 3600).quantize(Decimal("0.1"))) if median is not None else None
        )
    return rows


def agents_a_second_way(
    docs: list[dict[str, Any]], start: datetime, end: datetime
) -> dict[str, tuple[int, int]]:
    """Per assignee, our own deadlines (every clock but the merchant's) as committed at the
    period's end: (met in time in the period, missed with their due time in it)."""
    counts: dict[str, list[int]] = {}
    for doc in docs:
        agent = counts.setdefault(doc.get("assignee") or "", [0, 0])
        for clock, entry in (doc.get("deadlines") or {}).items():
            if clock == MERCHANT_CLOCK:
                continue
            due = _t(entry["due"])
            for missed in entry.get("missed") or []:
                agent[1] += start <= _t(missed["due"]) < end
            met = _t(entry["met"]) if "met" in entry else None
            if met is not None and met <= due:
                agent[0] += start <= met < end
            elif start <= due < end and (met is not None or "paused_since" not in entry):
                agent[1] += 1
    return {login: (met, missed) for login, (met, missed) in counts.items() if met or missed}


def period_of(repo: CLI, which: str, label: str) -> tuple[dict[str, Any], datetime, datetime]:
    flag = "--week" if which == "weekly" else "--month"
    report: dict[str, Any] = json.loads(repo.ok("report", which, flag, label, "--format", "json").out)
    return report, _t(report["period"]["start"]), _t(report["period"]["end"])


STATE_LABELS = {
    "received": "已受理",
    "assessing": "判断中",
    "investigating": "调查中",
    "proposed": "方案已提出",
    "implementing": "处理中",
    "resolved": "已解决",
    "closed": "已结案",
    "rejected": "不成立",
}
PERIODS = [*(("weekly", w) for w in WEEKS), *(("monthly", m) for m in MONTHS)]


@pytest.mark.parametrize(("which", "label"), PERIODS)
def test_every_figure_equals_a_count_from_the_files_committed_at_the_periods_end(
    generated: CLI, which: str, label: str
) -> None:
    report, start, end = period_of(generated, which, label)
    committed = files_at(generated, stamp(end - timedelta(seconds=1)))
    expected = counted_a_second_way(committed, start, end)
    callbacks = report["callbacks"]
    for key in (
        "attempts",
        "attempts_answered",
        "contact_rate",
        "due",
        "due_completed",
        "completion_rate",
        "completed",
        "unreachable",
        "completed_without_dial",
    ):
        assert callbacks[key] == expected[key], (label, key)
    merchants = merchants_a_second_way(committed, start, end)
    rows = {r["merchant"]: r for r in report["merchants"]["rows"]}
    assert set(rows) == {
        m
        for m, r in merchants.items()
        if r["complaints"] or r["open"] or r["replies_on_time"] + r["replies_late"]
    }
    assert not set(rows) & set(STORES)
    for merchant, row in rows.items():
        assert {k: row[k] for k in merchants[merchant]} == merchants[merchant], (label, merchant)
    agents = {
        r["agent"]: (r["met"], r["breached"])
        for r in report["compliance"]["by_agent"]
        if r["met"] or r["breached"]
    }
    assert agents == agents_a_second_way(committed, start, end), label
    assert not any(r["deadline"] == MERCHANT_CLOCK for r in report["compliance"]["by_kind"])
    for row in report["warnings"]["rows"]:
        text = expected["progress"][row["id"]]
        assert row["progress"]["text"] == STATE_LABELS.get(text, text).join(
            ["→ ", ""] if text in STATE_LABELS else ["", ""]
        ), row["id"]
    if which == "monthly":
        total = report["analysis"]["total"]
        assert {k: total[k] for k in expected["analysis"]} == expected["analysis"], label
        reopened = report["analysis"]["reopened"]
        assert reopened["count"] == expected["analysis"]["reopened"]
        assert reopened["open"] + reopened["resolved"] + reopened["rejected"] == reopened["count"]


def test_the_generated_month_has_what_the_figures_are_about(generated: CLI) -> None:
    """The walk must produce every sort of case the figures distinguish, or equality above
    would prove little."""
    report = period_of(generated, "monthly", "2026-11")[0]
    total = report["analysis"]["total"]
    assert min(total["pending"], total["rejected"], total["resolved"], total["open"]) > 0, total
    assert report["analysis"]["reopened"]["count"] >= 2 and total["major"] > 0
    callbacks = report["callbacks"]
    assert callbacks["attempts"] > callbacks["attempts_answered"] > 0
    assert callbacks["due"] > callbacks["due_completed"] > 0 and callbacks["unreachable"] > 0
    merchant_rows = report["merchants"]["rows"]
    assert (
        sum(r["replies_on_time"] for r in merchant_rows) > 0
        and sum(r["replies_late"] for r in merchant_rows) > 0
    )
    assert any(
        r["replies_owed"] for w in WEEKS for r in period_of(generated, "weekly", w)[0]["merchants"]["rows"]
    )
    # the old 接通率 (completed / (completed + unreachable)) differs from answered / dials
    old = callbacks["completed"] / (callbacks["completed"] + callbacks["unreachable"])
    assert f"{old:.4f}" != callbacks["contact_rate"]
