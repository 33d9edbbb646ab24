"""Callbacks (回访) through the real CLI: triggers, plans, imports, attempts, queue, surveys."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from conftest import CLI, read_case

COMPLAINT_WALK = [
    ("assessing", []),
    ("investigating", ["--set", "responsible_department=售后技术部"]),
    ("proposed", ["--set", "solution=上门更换新机"]),
    ("implementing", ["--set", "accepted_solution=上门更换新机"]),
    ("resolved", ["--set", "resolution=已更换新机"]),
]


def trailers(cli: CLI, rev: str = "HEAD") -> dict[str, str]:
    text = cli.git("log", "-1", "--format=%(trailers:only,unfold)", rev)
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def cases_of(cli: CLI, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(cli.ok("list", "--kind", kind, "--format", "json").out)  # type: ignore[no-any-return]


def new_callback(cli: CLI, *extra: str, phone: str = "13900139000", **kwargs: object) -> str:
    args = [
        "new",
        "callback",
        "--title",
        "回访",
        "--customer",
        "李女士",
        "--phone",
        phone,
        "--channel",
        "phone",
    ]
    return cli.ok(*args, *extra, **kwargs).out.strip()  # type: ignore[arg-type]


def snapshot(cli: CLI) -> tuple[str, dict[str, bytes]]:
    files = {str(p.relative_to(cli.root)): p.read_bytes() for p in (cli.root / "cases").rglob("*.yaml")}
    return cli.head(), files


# --- triggers -----------------------------------------------------------------------------


def test_resolved_complaint_opens_a_callback_linked_both_ways_in_the_same_commit(repo: CLI) -> None:
    complaint = repo.new("complaint", "--priority", "high")
    for target, extra in COMPLAINT_WALK[:-1]:
        repo.ok("move", complaint, target, *extra)
    before = repo.commit_count()
    result = repo.ok("move", complaint, *COMPLAINT_WALK[-1][0:1], *COMPLAINT_WALK[-1][1])
    callbacks = cases_of(repo, "callback")
    assert len(callbacks) == 1
    callback = callbacks[0]["id"]
    assert f"opened callback {callback}" in result.err
    # the move, the callback it opens and both links: one commit
    assert repo.commit_count() == before + 1
    assert trailers(repo)["Case-Id"] == complaint
    assert trailers(repo)["Case-Action"] == "move"
    assert trailers(repo)["Case-Opened"] == callback
    changed = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == sorted(
        str(repo.case_path(c).relative_to(repo.root)) for c in (complaint, callback)
    )
    move_entry = read_case(repo.case_path(complaint))["history"][-1]
    assert move_entry["action"] == "move" and move_entry["opened"] == [callback]
    cb = read_case(repo.case_path(callback))
    assert cb["links"] == [complaint]
    assert cb["history"][0]["links"] == [complaint]
    # the callback's log reads its own part of the commit: it was opened there
    (first,) = json.loads(repo.ok("log", callback, "--format", "json").out)
    assert (first["action"], first["from"], first["to"]) == ("open", None, cb["history"][0]["to"])
    assert cb["fields"]["callback_type"] == "after-complaint"
    assert cb["priority"] == "high"
    assert cb["customer"]["phone"] == "13800138000"
    assert read_case(repo.case_path(complaint))["links"] == [callback]
    repo.ok("audit")
    repo.ok("validate")

    # reopened and resolved again: the callback still open is not duplicated
    repo.ok("move", complaint, "investigating")
    for target, extra in COMPLAINT_WALK[2:]:
        result = repo.ok("move", complaint, target, *extra)
    assert "already open" in result.err
    assert len(cases_of(repo, "callback")) == 1


def test_refunded_return_opens_an_after_return_callback_and_waits_for_it_to_close(repo: CLI) -> None:
    ret = repo.new("return")
    details = ["return_type=return", "reason=changed-mind", "order_no=TB20261123001", "amount_paid=129.50"]
    for target, extra in [
        ("approved", [a for d in details for a in ("--set", d)]),
        ("in_transit", ["--set", "return_tracking_no=SF123"]),
        ("received", []),
        ("inspected", ["--set", "inspection_result=屏幕破损"]),
    ]:
        repo.ok("move", ret, target, *extra)
    assert cases_of(repo, "callback") == []
    before = repo.commit_count()
    repo.ok("move", ret, "refunded", "--set", "refund_amount=129.50", "--note", "退款已原路退回")
    assert repo.commit_count() == before + 1
    (callback,) = cases_of(repo, "callback")
    data = read_case(repo.case_path(callback["id"]))
    assert data["fields"]["callback_type"] == "after-return"
    assert data["links"] == [ret]
    # why casekit opened it is kept as a key and values, and shown in the reader's language
    assert "note" not in data["history"][0]
    assert data["history"][0]["remark"] == {
        "note": "callbacks.after-state",
        "kind": "return",
        "case": ret,
        "state": "refunded",
    }
    shown_zh = repo.ok("show", callback["id"], extra_env={"CASEKIT_LANG": "zh_CN"}).err
    assert f"第 1 条记录：退换货{ret}已退款，安排回访" in shown_zh
    shown_en = repo.ok("show", callback["id"]).err
    assert f"history entry 1: callback arranged after Return {ret} reached Refunded" in shown_en
    # its log reads why it was opened, not the note of the return's move that opened it
    log = repo.ok("log", callback["id"], extra_env={"CASEKIT_LANG": "zh_CN"}).out
    assert f"退换货{ret}已退款，安排回访" in log and "退款已原路退回" not in log
    assert "退款已原路退回" in repo.ok("log", ret, extra_env={"CASEKIT_LANG": "zh_CN"}).out
    assert read_case(repo.case_path(ret))["links"] == [callback["id"]]
    # the return waits for its callback: closing it now is refused, in Chinese first
    unchanged = snapshot(repo)
    refused = repo.refused("move", ret, "closed")
    assert f"退换货{ret}的回访{callback['id']}还未结束" in refused.err
    assert f"casekit move {callback['id']} completed" in refused.err
    assert snapshot(repo) == unchanged
    repo.ok("move", callback["id"], "completed", "--set", "satisfaction=满意")
    assert read_case(repo.case_path(ret))["fields"]["satisfaction"] == "satisfied"
    repo.ok("move", ret, "closed")
    repo.ok("audit")


# --- attempts and the unreachable guard ---------------------------------------------------


def set_gap(cli: CLI, minutes: int) -> None:
    """Set `callbacks.unreachable.min_minutes_apart` in the repository's config, committed."""
    config = cli.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    old = "    min_minutes_apart: 0 "
    assert old in text
    config.write_text(text.replace(old, f"    min_minutes_apart: {minutes} "), encoding="utf-8")
    cli.git("commit", "--no-verify", "-qam", f"Failed dials count {minutes} minutes apart")


def test_unreachable_needs_two_failed_attempts_however_quick_by_default(repo: CLI) -> None:
    callback = new_callback(repo)
    repo.ok("attempt", callback, "--outcome", "no-answer", now="2026-11-23T10:10:00+08:00")
    before = snapshot(repo)
    refused = repo.refused("move", callback, "unreachable", now="2026-11-23T10:10:30+08:00")
    assert "at least 2 failed call attempts (no-answer/busy); 1 counted, 1 more owed" in refused.err
    assert "apart" not in refused.err
    assert snapshot(repo) == before
    # 003 asks only for at least 2 dials (未接通至少拨打2次以上): a second a minute later counts
    result = repo.ok("attempt", callback, "--outcome", "busy", now="2026-11-23T10:11:00+08:00")
    assert "2 failed attempts; it may now be marked unreachable" in result.err
    repo.ok("move", callback, "unreachable", now="2026-11-23T10:11:30+08:00")
    assert read_case(repo.case_path(callback))["status"] == "unreachable"
    repo.ok("audit")


def test_unreachable_with_a_configured_gap_needs_failed_attempts_that_far_apart(repo: CLI) -> None:
    set_gap(repo, 60)
    callback = new_callback(repo)
    refused = repo.refused("move", callback, "unreachable")
    assert "0 counted, 2 more owed" in refused.err

    repo.ok(
        "attempt", callback, "--outcome", "no-answer", "--note", "无人接听", now="2026-11-23T10:10:00+08:00"
    )
    assert trailers(repo)["Case-Action"] == "attempt"
    assert trailers(repo)["Case-Outcome"] == "no-answer"
    entry = read_case(repo.case_path(callback))["history"][-1]
    assert entry["action"] == "attempt" and entry["outcome"] == "no-answer" and entry["note"] == "无人接听"

    # too soon after the first: it does not count
    repo.ok("attempt", callback, "--outcome", "busy", now="2026-11-23T10:40:00+08:00")
    before = snapshot(repo)
    refused = repo.refused("move", callback, "unreachable", now="2026-11-23T10:45:00+08:00")
    assert "1 counted, 1 more owed" in refused.err
    assert "the next from 2026-11-23T11:10" in refused.err
    assert snapshot(repo) == before

    # an answered call does not count either
    repo.ok("attempt", callback, "--outcome", "answered", now="2026-11-23T11:15:00+08:00")
    repo.refused("move", callback, "unreachable", now="2026-11-23T11:16:00+08:00")
    repo.ok("attempt", callback, "--outcome", "no-answer", now="2026-11-23T11:20:00+08:00")
    repo.ok("move", callback, "unreachable", now="2026-11-23T11:21:00+08:00")
    assert read_case(repo.case_path(callback))["status"] == "unreachable"

    # a final callback takes no more attempts; a bad outcome is a usage error
    before = snapshot(repo)
    repo.refused("attempt", callback, "--outcome", "no-answer", now="2026-11-23T12:00:00+08:00")
    assert repo.run("attempt", callback, "--outcome", "maybe").code == 2
    assert snapshot(repo) == before
    repo.ok("audit")
    repo.ok("validate")


# --- survey and follow-up complaint -------------------------------------------------------


def test_completion_needs_the_questionnaire_and_dissatisfaction_opens_a_complaint(repo: CLI) -> None:
    callback = new_callback(repo, "--set", "callback_type=after-complaint", "--priority", "low")
    before = snapshot(repo)
    refused = repo.refused("move", callback, "completed", "--set", "suggestions=维修太慢")
    assert "satisfaction" in refused.err
    assert snapshot(repo) == before
    assert cases_of(repo, "complaint") == []

    commits = repo.commit_count()
    result = repo.ok(
        "move",
        callback,
        "completed",
        "--set",
        "satisfaction=不满意",
        "--set",
        "problem_solved=否",
        "--set",
        "suggestions=维修太慢",
    )
    (complaint,) = cases_of(repo, "complaint")
    assert f"opened follow-up complaint {complaint['id']}" in result.err
    assert "due 2026-11-25T10:05:00+08:00" in result.err
    assert repo.commit_count() == commits + 1
    assert trailers(repo)["Case-Id"] == callback
    assert trailers(repo)["Case-Opened"] == complaint["id"]
    data = read_case(repo.case_path(complaint["id"]))
    assert data["links"] == [callback]
    assert data["priority"] == "high"
    assert "维修太慢" in data["fields"]["content"]
    assert data["fields"]["follow_up_of"] == callback
    # the deadline rules give a follow-up complaint 2 working days (Monday 10:05 -> Wednesday)
    assert data["deadlines"]["resolution"]["within"] == "2 working days"
    assert data["deadlines"]["resolution"]["due"] == "2026-11-25T10:05:00+08:00"
    cb = read_case(repo.case_path(callback))
    assert cb["status"] == "completed" and cb["links"] == [complaint["id"]]
    repo.ok("audit")


def test_satisfied_survey_opens_nothing_and_car_loan_questionnaire_names_missing_answers(repo: CLI) -> None:
    plain = new_callback(repo, "--set", "callback_type=vip-monthly")
    repo.ok("move", plain, "completed", "--set", "satisfaction=satisfied")
    assert cases_of(repo, "complaint") == []

    loan = new_callback(repo, "--set", "callback_type=car-loan", phone="13700137000")
    refused = repo.refused("move", loan, "completed", "--set", "satisfaction=satisfied")
    assert "car-loan questionnaire" in refused.err
    assert "q_manager_courtesy（销售经理对您的接待是否礼貌友善？您是否满意？）" in refused.err
    assert "q_repayment_sms" not in refused.err  # optional question
    answers = [
        "q_manager_courtesy=satisfied",
        "q_promises_kept=satisfied",
        "q_manager_expertise=neutral",
        "q_inspector_courtesy=satisfied",
        "q_registration_service=satisfied",
        "q_insurance_checked=yes",
        "q_deposit_explained=是",
        "q_card_given=no",
        "q_referral_source=朋友介绍",
        "q_contacts_by_sms=yes",
        "satisfaction=satisfied",
    ]
    repo.ok("move", loan, "completed", *[a for answer in answers for a in ("--set", answer)])
    assert read_case(repo.case_path(loan))["fields"]["q_card_given"] is False


# --- queue --------------------------------------------------------------------------------


def test_queue_orders_by_priority_and_respects_calling_hours(repo: CLI) -> None:
    low = new_callback(repo, "--priority", "low", phone="13900000001", now="2026-11-23T10:00:00+08:00")
    top = new_callback(repo, "--priority", "highest", phone="13900000002", now="2026-11-23T10:01:00+08:00")
    mid = new_callback(repo, "--priority", "medium", phone="13900000003", now="2026-11-23T10:02:00+08:00")
    high = new_callback(
        repo,
        "--priority",
        "high",
        "--assignee",
        "wang.fang",
        phone="13900000004",
        now="2026-11-23T10:03:00+08:00",
    )
    evening = new_callback(
        repo,
        "--priority",
        "highest",
        "--set",
        "preferred_hours=12:00-13:00",
        phone="13900000005",
        now="2026-11-23T10:04:00+08:00",
    )
    later = new_callback(
        repo,
        "--priority",
        "highest",
        "--set",
        "scheduled_for=2026-11-30",
        phone="13900000006",
        now="2026-11-23T10:05:00+08:00",
    )

    rows = json.loads(repo.ok("queue", "--format", "json", now="2026-11-23T10:30:00+08:00").out)
    assert [r["id"] for r in rows] == [top, high, mid, low]

    mine = json.loads(
        repo.ok("queue", "--agent", "wang.fang", "--format", "json", now="2026-11-23T10:30:00+08:00").out
    )
    assert [r["id"] for r in mine] == [high]

    # at noon only the customer who asked for 12:00-13:00 may be called
    rows = json.loads(repo.ok("queue", "--format", "json", now="2026-11-23T12:15:00+08:00").out)
    assert [r["id"] for r in rows] == [evening]

    # at 13:30 nobody: a clear message naming when the next window opens
    text = repo.ok("queue", now="2026-11-23T13:30:00+08:00").out
    assert "nothing to dial now" in text and "2026-11-23 14:30" in text
    everyone = json.loads(repo.ok("queue", "--all", "--format", "json", now="2026-11-23T13:30:00+08:00").out)
    assert [r["id"] for r in everyone] == [top, evening, high, mid, low]
    assert later not in [r["id"] for r in everyone]

    # without a gap (the default) a failed attempt leaves the callback in the queue
    repo.ok("attempt", top, "--outcome", "busy", now="2026-11-23T14:40:00+08:00")
    rows = json.loads(repo.ok("queue", "--format", "json", now="2026-11-23T14:41:00+08:00").out)
    assert rows[0]["id"] == top and rows[0]["attempts"] == 1

    # with one, it keeps the callback out of the queue until the gap has passed
    set_gap(repo, 60)
    rows = json.loads(repo.ok("queue", "--format", "json", now="2026-11-23T15:00:00+08:00").out)
    assert top not in [r["id"] for r in rows]
    waiting = json.loads(repo.ok("queue", "--all", "--format", "json", now="2026-11-23T15:00:00+08:00").out)
    (gap,) = [r for r in waiting if r["id"] == top]
    assert not gap["dialable"] and gap["dialable_from"] == "2026-11-23T15:40:00+08:00"
    assert "not dialable until 15:40" in gap["note"]
    rows = json.loads(repo.ok("queue", "--format", "json", now="2026-11-23T15:45:00+08:00").out)
    assert rows[0]["id"] == top and rows[0]["attempts"] == 1
    table = repo.ok("queue", now="2026-11-23T15:45:00+08:00").out
    assert top in table and "(4 to dial)" in table


def test_queue_orders_by_deadline_and_the_first_dial_meets_it(repo: CLI) -> None:
    periodic = new_callback(
        repo, "--priority", "highest", "--set", "callback_type=periodic", now="2026-11-23T10:00:00+08:00"
    )
    signup = new_callback(
        repo,
        "--priority",
        "highest",
        "--set",
        "callback_type=new-signup",
        phone="13900000007",
        now="2026-11-23T10:03:00+08:00",
    )
    rows = json.loads(repo.ok("queue", "--format", "json", now="2026-11-23T10:10:00+08:00").out)
    assert [r["id"] for r in rows] == [signup, periodic]
    assert rows[0]["due"] == "2026-11-23T10:18:00+08:00"
    repo.ok(
        "attempt",
        signup,
        "--outcome",
        "answered",
        "--note",
        "客户稍后再联系",
        now="2026-11-23T10:12:00+08:00",
    )
    assert read_case(repo.case_path(signup))["deadlines"]["callback"]["met"] == "2026-11-23T10:12:00+08:00"
    # answered but not finished: the sign-up is still owed its completion (closure, 1 working
    # day), which falls before the periodic callback's 3 days
    rows = json.loads(repo.ok("queue", "--format", "json", now="2026-11-23T10:20:00+08:00").out)
    assert [r["id"] for r in rows] == [signup, periodic]
    assert rows[0]["due"] == "2026-11-24T10:03:00+08:00"


def test_queue_orders_by_deadline_within_a_priority() -> None:
    from casekit.core.timeutil import zone
    from casekit.features.callbacks.rules import build_queue
    from casekit.features.callbacks.settings import CallbackSettings, parse_windows

    tz = zone("Asia/Shanghai")
    settings = CallbackSettings(best_hours=parse_windows("10:00-11:30"))

    def case(case_id: str, priority: str, due: str | None) -> dict:  # type: ignore[type-arg]
        data = {"id": case_id, "kind": "callback", "status": "scheduled", "priority": priority, "history": []}
        if due:
            data["deadlines"] = {
                "callback": {"due": due},
                "done": {"due": "2026-11-20T00:00:00+08:00", "met": "2026-11-19T15:00:00+08:00"},
            }
        return data

    cases = [
        case("B-none", "high", None),
        case("B-late", "high", "2026-11-23T18:00:00+08:00"),
        case("B-soon", "high", "2026-11-23T10:20:00+08:00"),
        case("B-low", "low", "2026-11-23T09:00:00+08:00"),
    ]
    now = datetime(2026, 11, 23, 10, 30, tzinfo=tz)
    items = build_queue(cases, settings, ["highest", "high", "medium", "low"], now, open_states=["scheduled"])
    assert [i.case["id"] for i in items] == ["B-soon", "B-late", "B-none", "B-low"]


# --- plan ---------------------------------------------------------------------------------

CUSTOMERS = """\
customers:
  - name: 王先生
    phone: '13800138000'
    vip: true
    birthday: 1980-11-25
    agent: wang.fang
    purchases:
      - {date: 2026-11-16, item: 传真机 FX-200}
  - name: 赵女士
    phone: '13600136000'
    services:
      - {date: 2026-10-23, item: 上门维修}
"""


def test_plan_creates_owed_callbacks_once(repo: CLI) -> None:
    (repo.root / "customers.yaml").write_text(CUSTOMERS, encoding="utf-8")
    repo.git("add", "customers.yaml")
    repo.git("commit", "-qm", "Customer list")
    before = repo.commit_count()
    out = repo.ok("callbacks", "plan", "--until", "2026-12-20").out
    assert "5 callback(s) planned, 0 already planned" in out
    planned = [read_case(repo.case_path(c["id"])) for c in cases_of(repo, "callback")]
    keys = {c["fields"]["plan_key"]: c for c in planned}
    # 1 week / 1 month after the purchase, VIP monthly on the 1st, the birthday, 1 month after
    # the repair; the repair's 1-week callback (10-30) is older than the 14-day lookback
    assert set(keys) == {
        "purchase:13800138000:2026-11-16:1w",
        "purchase:13800138000:2026-11-16:1m",
        "vip:13800138000:2026-12",
        "birthday:13800138000:2026",
        "service:13600136000:2026-10-23:1m",
    }
    month = keys["purchase:13800138000:2026-11-16:1m"]
    assert month["fields"]["scheduled_for"] == "2026-12-16"
    assert month["fields"]["service_item"] == "传真机 FX-200"
    assert month["fields"]["callback_type"] == "after-purchase"
    assert keys["vip:13800138000:2026-12"]["fields"]["callback_type"] == "vip-monthly"
    assert keys["birthday:13800138000:2026"]["fields"]["scheduled_for"] == "2026-11-25"
    assert keys["vip:13800138000:2026-12"]["assignee"] == "wang.fang"
    assert keys["service:13600136000:2026-10-23:1m"]["fields"]["callback_type"] == "after-repair"
    assert repo.commit_count() == before + 1  # one run, one commit
    assert len(repo.git("show", "--name-only", "--format=", "HEAD").split()) == 5

    again = repo.ok("callbacks", "plan", "--until", "2026-12-20").out
    assert "0 callback(s) planned, 5 already planned" in again
    assert repo.commit_count() == before + 1
    # a later date adds only what became owed since: New Year greetings, January's VIP call
    more = repo.ok("callbacks", "plan", "--until", "2027-01-01").out
    assert "3 callback(s) planned, 5 already planned" in more
    assert "vip:13800138000:2027-01" in more
    assert "holiday:13800138000:2027-01-01:元旦" in more and "holiday:13600136000:2027-01-01:元旦" in more
    repo.ok("audit")


def test_plan_without_a_customer_file_is_refused(repo: CLI) -> None:
    before = repo.commit_count()
    refused = repo.refused("callbacks", "plan")
    assert "customers.yaml" in refused.err
    assert repo.commit_count() == before


# --- import -------------------------------------------------------------------------------

SIGNUPS = """name,phone,signed_up_at,customer_type,source
张三,13811112222,2026-11-23 09:50,new,官网
李四,010-62345678,2026-11-23 08:00,returning,门店
王五,12345,2026-11-23 09:00,new,官网
,13811114444,2026-11-23 09:00,new,官网
赵六,13811115555,2026-11-23 09:00,老客户,微信
张三,13811112222,2026-11-23 09:55,new,官网
孙七,13900139000,2026-11-23 09:00,new,官网
周八,13811116666,2026-11-24 09:00,new,官网
吴九,13811117777,2026-11-23 09:00,vip,官网
"""


def test_import_creates_good_rows_and_reports_refused_ones(repo: CLI, tmp_path: Path) -> None:
    existing = new_callback(repo)  # an open callback for 13900139000
    csv_file = tmp_path / "signups.csv"
    csv_file.write_text("\ufeff" + SIGNUPS, encoding="utf-8")
    before = repo.commit_count()
    result = repo.run("callbacks", "import", str(csv_file))
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert "6 row(s) refused (line 4, 5, 7, 8, 9, 10)" in result.err
    out = result.out
    assert "line 4: refused: bad phone" in out
    assert "line 5: refused: missing name" in out
    assert "line 7: refused: duplicate of line 2 in this file" in out
    assert f"line 8: refused: duplicate of open callback {existing}" in out
    assert "line 9: refused: sign-up time 2026-11-24 09:00 is in the future" in out
    assert "line 10: refused: unknown kind of customer 'vip'" in out
    created = [line for line in out.splitlines() if "opened" in line]
    assert [line.split(":")[0] for line in created] == ["line 2", "line 3", "line 6"]
    assert repo.commit_count() == before + 1  # one import, one commit
    message = repo.git("log", "-1", "--format=%B")
    assert "opened, with 2 more (imported signups.csv)" in message
    assert message.count("Case-Opened: ") == 2
    by_phone = {c["customer"]: read_case(repo.case_path(c["id"])) for c in cases_of(repo, "callback")}
    new = by_phone["张三"]
    assert new["fields"]["callback_type"] == "new-signup" and new["priority"] == "highest"
    assert new["fields"]["signed_up_at"] == "2026-11-23T09:50:00+08:00"
    assert new["fields"]["source"] == "官网"
    # a new sign-up is owed a call 15 working minutes after signing up, not after the import
    assert new["deadlines"]["callback"]["start"] == "2026-11-23T09:50:00+08:00"
    assert new["deadlines"]["callback"]["due"] == "2026-11-23T10:05:00+08:00"
    # signed up before working hours (08:00): within 1 working day
    assert by_phone["李四"]["deadlines"]["callback"]["due"] == "2026-11-23T18:30:00+08:00"
    assert by_phone["李四"]["customer"]["phone"] == "010-62345678"
    assert (
        by_phone["李四"]["fields"]["callback_type"] == "returning" and by_phone["李四"]["priority"] == "high"
    )
    assert by_phone["赵六"]["fields"]["callback_type"] == "returning"
    assert "王五" not in by_phone and "周八" not in by_phone
    repo.ok("audit")

    # importing the same file again refuses every row: all are open callbacks now
    again = repo.run("callbacks", "import", str(csv_file))
    assert again.code == 1 and "opened" not in again.out
    assert repo.commit_count() == before + 1


def test_import_with_a_bad_header_changes_nothing(repo: CLI, tmp_path: Path) -> None:
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("who,number\n张三,13811112222\n", encoding="utf-8")
    before = repo.commit_count()
    refused = repo.refused("callbacks", "import", str(csv_file))
    assert "line 1" in refused.err and "name" in refused.err and "phone" in refused.err
    assert repo.commit_count() == before


# --- config -------------------------------------------------------------------------------


def test_bad_callbacks_config_is_reported_with_line_numbers(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("best_hours: ['10:00-11:30',", "best_hours: ['25:00-26:00',")
    text = text.replace("    min_attempts: 2\n", "    min_attempts: 0\n")
    text = text.replace(
        "{kind: return, to: [refunded, reshipped],", "{kind: return, to: [refunded, shipped],"
    )
    config.write_text(text, encoding="utf-8")
    result = repo.run("validate")
    assert result.code == 1
    output = result.out + result.err
    lines = text.splitlines()
    for key, needle in (
        ("callbacks.best_hours", "best_hours:"),
        ("callbacks.unreachable.min_attempts", "min_attempts: 0"),
        ("callbacks.triggers.1.to", "to: [refunded, shipped]"),
    ):
        match = re.search(rf"casekit\.yaml:(\d+): {re.escape(key)}: ", output)
        assert match, output
        assert needle in lines[int(match.group(1)) - 1]
