"""Merchants judged on their own duty (003): a forum or Weibo complaint about a merchant
needs the merchant's own reply within 1 working day. `casekit merchant-reply` (or an
`update` of merchant_replied_at) records it; the merchant tables and the 红黑榜 count it,
and our agents' clocks stay in the per-agent compliance table. Stores are not merchants.
"""

from __future__ import annotations

import json
from typing import Any

from casebuild import Spec, at, build
from conftest import CLI

ENV = {"CASEKIT_NO_FOLLOW_UPS": "1"}


def _report(repo: CLI, which: str, *args: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(repo.ok("report", which, *args, "--format", "json").out)
    return result


def _complaint(key: str, day: int, clock: str, channel: str, **fields: str) -> Spec:
    return Spec(
        key,
        "complaint",
        at(day, clock),
        "li.na",
        title=f"投诉{key}",
        customer="赵",
        salutation="先生",
        phone="13700001111",
        channel=channel,
        fields={"category": "description", "content": "商品与描述不符", **fields},
    )


def _week(repo: CLI) -> dict[str, str]:
    """W47 (Monday 16 – Sunday 22 November 2026), with one merchant in time, one late, one
    that never replied, a phone complaint (no merchant duty) and a store."""
    tiles = _complaint("tiles", 16, "10:00", "forum", merchant="佳美陶瓷")
    # An escalation half an hour later is our supervisor's business, not the merchant's reply.
    tiles.escalate(at(16, "10:30"), "zhang.wei", "客户要求主管处理")
    tiles.merchant_reply(at(17, "11:00"), at(17, "09:00"), reply="同意调换同批次瓷砖")
    sofa = _complaint("sofa", 16, "10:05", "weibo", merchant="美家家居")
    sofa.merchant_reply(at(18, "09:30"), at(17, "15:00"))
    lamp = _complaint("lamp", 18, "09:00", "weibo", merchant="亮光灯饰")
    phone = _complaint("phone", 19, "09:00", "phone", merchant="佳美陶瓷")
    store = _complaint("store", 19, "10:00", "weibo", store="新街口店")
    return build(repo, [tiles, sofa, lamp, phone, store])


def test_each_merchant_is_judged_on_its_own_reply(repo: CLI) -> None:
    ids = _week(repo)
    shown = read_deadlines(repo, ids["tiles"])
    assert shown["merchant_reply"]["due"] == "2026-11-17T10:00:00+08:00"
    assert shown["merchant_reply"]["met"] == "2026-11-17T09:00:00+08:00"  # when it replied, not when recorded
    assert "merchant_reply" not in read_deadlines(repo, ids["phone"])  # a phone complaint: no duty
    assert "merchant_reply" not in read_deadlines(repo, ids["store"])  # a store is no merchant

    report = _report(repo, "weekly", "--week", "2026-W47")
    rows = {r["merchant"]: r for r in report["merchants"]["rows"]}
    assert set(rows) == {"佳美陶瓷", "美家家居", "亮光灯饰"}
    assert (rows["佳美陶瓷"]["complaints"], rows["佳美陶瓷"]["replies_due"]) == (2, 1)
    assert (rows["佳美陶瓷"]["replies_on_time"], rows["佳美陶瓷"]["median_reply_hours"]) == (1, "23.0")
    assert (rows["美家家居"]["replies_late"], rows["美家家居"]["on_time_rate"]) == (1, "0.0000")
    assert rows["美家家居"]["median_reply_hours"] == "28.9"
    assert (rows["亮光灯饰"]["replies_late"], rows["亮光灯饰"]["replies_owed"]) == (1, 1)
    assert "median_response_hours" not in rows["佳美陶瓷"]  # our agents' first response is not the merchant's
    # Our agents' clocks: per agent, and no merchant reply among them.
    assert not any(r["deadline"] == "merchant_reply" for r in report["compliance"]["by_kind"])
    first = next(r for r in report["compliance"]["by_kind"] if r["deadline"] == "first_response")
    assert first["met"] + first["breached"] == 5
    markdown = repo.ok("report", "weekly", "--week", "2026-W47").out
    assert "逾期未回复" in markdown and "新街口店" not in markdown.split("## 商家投诉配合度")[1]


def read_deadlines(repo: CLI, case_id: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(repo.ok("show", case_id, "--format", "json").out)
    return dict(shown.get("deadlines") or {})


def test_a_reply_recorded_later_does_not_change_an_earlier_report(repo: CLI) -> None:
    ids = _week(repo)
    before = repo.ok("report", "weekly", "--week", "2026-W47", "--format", "json").out
    # Recorded on the 25th: the lamp merchant had replied on the 18th, in time after all.
    repo.ok("merchant-reply", ids["lamp"], "--at", "2026-11-18T16:00", now=at(25, "10:00"))
    assert repo.ok("report", "weekly", "--week", "2026-W47", "--format", "json").out == before
    month = {r["merchant"]: r for r in _report(repo, "monthly", "--month", "2026-11")["merchants"]["rows"]}
    assert (month["亮光灯饰"]["replies_on_time"], month["亮光灯饰"]["replies_owed"]) == (1, 0)


def test_an_update_records_the_same_reply(repo: CLI) -> None:
    ids = _week(repo)
    repo.ok("update", ids["lamp"], "--set", "merchant_replied_at=2026-11-19T08:30", now=at(19, "10:00"))
    assert read_deadlines(repo, ids["lamp"])["merchant_reply"]["met"] == "2026-11-19T08:30:00+08:00"


def test_a_refused_merchant_reply_changes_nothing(repo: CLI) -> None:
    ids = _week(repo)
    head = repo.git("rev-parse", "HEAD")
    refusals = [
        (ids["store"], [], "no merchant is recorded"),
        (ids["lamp"], ["--at", "2026-11-21T09:00"], "is in the future"),
        (ids["lamp"], ["--at", "2026-11-17T09:00"], "before the case was opened"),
        (ids["tiles"], ["--at", "2026-11-19T09:00"], "already recorded at 2026-11-17T09:00:00+08:00"),
    ]
    for case_id, args, message in refusals:
        result = repo.run("merchant-reply", case_id, *args, now=at(20, "10:00"), extra_env=ENV)
        assert result.code == 1 and message in result.err and "Traceback" not in result.err, result.err
        assert case_id in result.err
    bad = repo.run("merchant-reply", ids["lamp"], "--at", "yesterday", now=at(20, "10:00"))
    assert bad.code == 2 and "--at" in bad.err
    assert repo.git("rev-parse", "HEAD") == head
    assert repo.git("status", "--porcelain").strip() == ""


def test_one_reply_is_one_commit_with_its_words(repo: CLI) -> None:
    ids = _week(repo)
    commits = int(repo.git("rev-list", "--count", "HEAD"))
    result = repo.ok(
        "merchant-reply",
        ids["lamp"],
        "--at",
        "2026-11-18T16:00",
        "--reply",
        "已联系客户更换灯罩",
        now=at(19, "10:00"),
    )
    assert result.out.strip() == ids["lamp"]
    assert int(repo.git("rev-list", "--count", "HEAD")) == commits + 1
    subject = repo.git("log", "-1", "--format=%s").strip()
    assert subject == f"{ids['lamp']}: merchant replied at 2026-11-18 16:00"
    shown = json.loads(repo.ok("show", ids["lamp"], "--format", "json").out)
    assert shown["fields"]["merchant_reply"] == "已联系客户更换灯罩"
    assert shown["history"][-1]["set"]["merchant_replied_at"] == "2026-11-18T16:00:00+08:00"


def _commit_config(repo: CLI, old: str, new: str) -> None:
    path = repo.root / "casekit.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    repo.git("commit", "-q", "--no-verify", "-am", "red and black list criteria")


def test_the_red_and_black_lists_follow_the_configured_criteria(repo: CLI) -> None:
    _week(repo)
    nominations = _report(repo, "monthly", "--month", "2026-11")["nominations"]
    black = {r["merchant"]: r["reasons"] for r in nominations["black"]}
    assert black == {"美家家居": ["商家未按时回复1次"], "亮光灯饰": ["商家未按时回复1次"]}
    assert nominations["red"] == []  # 佳美陶瓷 replied in time, but its complaints are not resolved
    assert nominations["due"] == "2026-12-10"
    for old, new in (
        ("      complaints: 3  ", "      complaints: 2  "),
        ("      late_replies: 1  ", "      late_replies: 0  "),
        ("      all_resolved: true ", "      all_resolved: false"),
        ("      min_on_time_replies: 100", "      min_on_time_replies: 0  "),
    ):
        _commit_config(repo, old, new)
    nominations = _report(repo, "monthly", "--month", "2026-11")["nominations"]
    assert {r["merchant"]: r["reasons"] for r in nominations["black"]} == {"佳美陶瓷": ["投诉2起"]}
    # With late replies no criterion: 美家家居 replied (late); 亮光灯饰 still owes its reply.
    assert [r["merchant"] for r in nominations["red"]] == ["美家家居"]


def test_bad_red_and_black_criteria_are_refused_with_their_place(repo: CLI) -> None:
    _commit_config(repo, "      late_replies: 1  ", "      late_replies: -1 ")
    _commit_config(
        repo, "      min_satisfied_rate: 80 ", "      min_satisfied_rate: 120\n      colour: red\n     "
    )
    result = repo.run("validate")
    assert result.code == 1, result.out + result.err
    text = result.out + result.err
    assert "reports.red_black.black.late_replies" in text
    assert "reports.red_black.red.min_satisfied_rate" in text and "percentage" in text
    assert "reports.red_black.red.colour" in text


def test_a_clock_duty_and_met_at_field_are_checked(repo: CLI) -> None:
    _commit_config(repo, "      duty: merchant ", "      duty: seller ")
    _commit_config(repo, "      met_at_field: merchant_replied_at", "      met_at_field: title")
    result = repo.run("validate")
    assert result.code == 1
    text = result.out + result.err
    assert "deadlines.complaint.merchant_reply.duty" in text
    assert "deadlines.complaint.merchant_reply.met_at_field: 'title' is not a datetime field" in text


def test_a_reply_time_is_refused_however_it_is_written(repo: CLI) -> None:
    """`update --set` and hand edits obey what `merchant-reply` checks: a reply is not
    recorded before it happens, nor dated before the complaint."""
    ids = _week(repo)
    head = repo.git("rev-parse", "HEAD")
    for value, words in (
        ("2026-11-21T09:00", "is later than the entry that recorded it"),
        ("2026-11-17T09:00", "before the case was opened"),
    ):
        result = repo.run("update", ids["lamp"], "--set", f"merchant_replied_at={value}", now=at(20, "10:00"))
        assert result.code == 1 and words in result.err and ids["lamp"] in result.err, result.err
    assert repo.git("rev-parse", "HEAD") == head


def test_a_merchant_owing_a_reply_is_no_red_list_candidate(repo: CLI) -> None:
    """An October forum complaint the merchant never answered, then one phone complaint in
    November resolved at once: the merchant still owes its reply, so no 红榜."""
    old = _complaint("old", 26, "10:00", "forum", merchant="信达电器")
    old.opened = at(26, "10:00", month=10)
    recent = _complaint("recent", 3, "10:00", "phone", merchant="信达电器")
    recent.move(at(3, "10:10"), "assessing")
    recent.move(at(3, "10:20"), "investigating", responsible_department="售后部")
    recent.move(at(3, "10:30"), "proposed", solution="换新")
    recent.move(at(3, "10:40"), "implementing", accepted_solution="换新")
    recent.move(at(3, "10:50"), "resolved", resolution="已换新")
    build(repo, [old, recent])
    report = _report(repo, "monthly", "--month", "2026-11")
    row = next(r for r in report["merchants"]["rows"] if r["merchant"] == "信达电器")
    assert (row["complaints"], row["replies_owed"], row["replies_late"]) == (1, 1, 0)
    assert report["nominations"]["red"] == []
    october = _report(repo, "monthly", "--month", "2026-10")
    assert [r["merchant"] for r in october["nominations"]["black"]] == ["信达电器"]


def test_a_complaint_ended_without_the_reply_says_so(repo: CLI) -> None:
    ids = _week(repo)
    # lamp's reply fell due on 19 Nov 09:00; it is rejected on the 20th, never answered.
    repo.ok("move", ids["lamp"], "assessing", now=at(20, "09:00"), extra_env=ENV)
    repo.ok("move", ids["lamp"], "rejected", "--set", "rejection_reason=商品与描述一致", now=at(20, "09:30"))
    report = _report(repo, "monthly", "--month", "2026-11")
    assert "商家未回复" not in json.dumps(
        report["warnings"], ensure_ascii=False
    )  # rejected, not major: not listed
    merchants = {r["merchant"]: r for r in report["merchants"]["rows"]}
    assert (merchants["亮光灯饰"]["replies_late"], merchants["亮光灯饰"]["replies_owed"]) == (1, 0)
    assert merchants["亮光灯饰"]["median_reply_hours"] is None


def test_the_daily_report_counts_a_merchants_overdue_reply_apart(repo: CLI) -> None:
    _week(repo)
    daily = _report(repo, "daily", "--date", "2026-11-19")
    rows = [r for r in daily["due_today"]["rows"] if r["merchant"]]
    assert rows and all(r["clock"] == "商家回复" for r in rows)
    assert daily["due_today"]["merchant_overdue"] == sum(1 for r in rows if r["overdue"]) >= 1
    ours = [r for r in daily["due_today"]["rows"] if not r["merchant"]]
    assert daily["due_today"]["overdue"] == sum(1 for r in ours if r["overdue"])
    text = repo.ok("report", "daily", "--date", "2026-11-19").out
    assert "商家回复（商家）" in text and "另有商家逾期未回复" in text


def test_our_promises_cannot_carry_the_merchants_clock(repo: CLI) -> None:
    _commit_config(repo, "  covers: [updates]", "  covers: [updates, merchant_reply]")
    result = repo.run("validate")
    assert result.code == 1
    assert "deadlines.complaint.merchant_reply.duty: our promises cannot carry" in result.out + result.err
