"""Deadlines, promises, escalation and supervisor approval through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI, edit_file, line_of, read_case

FRIDAY_5PM = "2026-11-20T17:00:00+08:00"
MONDAY = "2026-11-23T10:05:00+08:00"


def trailers(cli: CLI, rev: str = "HEAD") -> dict[str, str]:
    text = cli.git("log", "-1", "--format=%(trailers:only,unfold)", rev)
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def deadlines(cli: CLI, case_id: str) -> dict[str, Any]:
    return read_case(cli.case_path(case_id)).get("deadlines", {})  # type: ignore[no-any-return]


def complaint(cli: CLI, *extra: str, channel: str = "phone", now: str = MONDAY) -> str:
    return cli.new("complaint", "--channel", channel, *extra, now=now)


def unchanged(cli: CLI, case_id: str) -> Callable[[], None]:
    """Snapshot a case file, HEAD and the work tree; the returned check asserts nothing moved."""
    path = cli.case_path(case_id)
    before, head = path.read_bytes(), cli.head()

    def check() -> None:
        assert path.read_bytes() == before
        assert cli.head() == head
        assert cli.git("status", "--porcelain") == ""

    return check


# --- deadlines in working time ---------------------------------------------------------------


def test_friday_5pm_plus_one_working_day_is_monday_5pm(repo: CLI) -> None:
    case_id = complaint(repo, channel="forum", now=FRIDAY_5PM)
    first = deadlines(repo, case_id)["first_response"]
    assert first == {
        "rule": "channel=forum|weibo",
        "within": "1 working day",
        "start": FRIDAY_5PM,
        "due": "2026-11-23T17:00:00+08:00",
    }
    text = repo.case_path(case_id).read_text(encoding="utf-8")
    assert text.index("\ndeadlines:") < text.index("\nhistory:")
    repo.ok("validate")


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        ("2026-09-18T17:00:00+08:00", "2026-09-20T17:00:00+08:00"),  # Sunday Sep 20 is worked (调休)
        ("2026-09-30T17:00:00+08:00", "2026-10-08T17:00:00+08:00"),  # National Day, Oct 1-7
        ("2026-02-13T17:00:00+08:00", "2026-02-14T17:00:00+08:00"),  # Saturday Feb 14 is worked
        ("2026-02-14T17:00:00+08:00", "2026-02-24T17:00:00+08:00"),  # Spring Festival, Feb 15-23
    ],
)
def test_working_days_skip_holidays_and_count_makeup_days(repo: CLI, opened: str, due: str) -> None:
    case_id = complaint(repo, channel="weibo", now=opened)
    assert deadlines(repo, case_id)["first_response"]["due"] == due


def test_logistics_complaint_five_working_minutes_then_48_calendar_hours(repo: CLI) -> None:
    case_id = complaint(repo, "--set", "category=logistics", now=FRIDAY_5PM)
    found = deadlines(repo, case_id)
    assert found["first_response"]["due"] == "2026-11-20T17:05:00+08:00"
    assert found["first_response"]["within"] == "5 working minutes"
    assert found["resolution"]["within"] == "48 hours"
    assert found["resolution"]["due"] == "2026-11-22T17:00:00+08:00"  # a Sunday: calendar time


def test_callback_windows_by_type_and_off_hours(repo: CLI) -> None:
    def callback(callback_type: str, now: str) -> dict[str, Any]:
        case_id = repo.new("callback", "--set", f"callback_type={callback_type}", now=now)
        return deadlines(repo, case_id)["callback"]  # type: ignore[no-any-return]

    assert callback("new-signup", MONDAY)["due"] == "2026-11-23T10:20:00+08:00"
    assert callback("returning", MONDAY)["due"] == "2026-11-23T11:05:00+08:00"
    assert callback("after-repair", MONDAY)["due"] == "2026-11-26T10:05:00+08:00"  # within 3 days
    saturday = callback("new-signup", "2026-11-21T20:00:00+08:00")  # a weekend record
    assert saturday["rule"] == "off_hours=true"
    assert saturday["due"] == "2026-11-23T18:30:00+08:00"


def test_return_refund_clock_starts_at_inspection(repo: CLI) -> None:
    details = ["--set", "return_type=return", "--set", "reason=changed-mind"]
    details += ["--set", "order_no=TB20261120001", "--set", "amount_paid=199"]
    case_id = repo.new("return", *details, now=MONDAY)
    assert set(deadlines(repo, case_id)) == {"first_reply", "resolution"}
    steps = [
        ("approved", [], "2026-11-23T10:09:00+08:00"),
        ("in_transit", ["--set", "return_tracking_no=SF123"], "2026-11-24T10:00:00+08:00"),
        ("received", [], "2026-11-26T10:00:00+08:00"),
        ("inspected", ["--set", "inspection_result=确认开胶"], "2026-11-26T17:00:00+08:00"),
    ]
    for state, extra, now in steps:
        repo.ok("move", case_id, state, *extra, now=now)
    found = deadlines(repo, case_id)
    assert found["first_reply"]["met"] == "2026-11-23T10:09:00+08:00"
    assert found["refund"] == {
        "rule": "default",
        "within": "2 working days",
        "start": "2026-11-26T17:00:00+08:00",
        "due": "2026-11-30T17:00:00+08:00",
    }
    # approved + in transit, Mon 10:09 to Thu 10:00, was waiting on the customer's parcel
    assert found["resolution"]["paused"] == "28h21m"  # 8h21m + 9h30m + 9h30m + 1h


@pytest.mark.parametrize("kept", [False, True])
def test_extra_item_is_resolved_when_back_or_kept_then_closed_within_a_week(repo: CLI, kept: bool) -> None:
    details = ["--set", "return_type=extra-item", "--set", "reason=extra-item"]
    details += ["--set", "order_no=TB20261120002", "--set", "amount_paid=0"]
    case_id = repo.new("return", *details, now=MONDAY)
    repo.ok("move", case_id, "approved", now="2026-11-23T10:08:00+08:00")
    if kept:
        repo.ok("move", case_id, "kept", now="2026-11-24T10:08:00+08:00")
    else:
        sets = ["--set", "return_tracking_no=YT9", "--set", "postage_amount=8"]
        repo.ok("move", case_id, "in_transit", *sets, now="2026-11-24T10:08:00+08:00")
        repo.ok("move", case_id, "received", now="2026-11-26T10:08:00+08:00")
    found = deadlines(repo, case_id)
    assert "refund" not in found  # nothing is refunded for an item sent by mistake
    # the wait for the customer (approved, and the parcel on its way) does not count:
    # one or three working days of 9h30m
    assert found["resolution"]["paused"] == ("9h30m" if kept else "28h30m")
    back = "2026-11-24T10:08:00+08:00" if kept else "2026-11-26T10:08:00+08:00"
    assert found["resolution"]["met"] == back
    assert found["closure"]["start"] == back and found["closure"]["within"] == "5 working days"
    assert "met" not in found["closure"]
    repo.ok("move", case_id, "closed", now="2026-11-27T10:08:00+08:00")
    assert deadlines(repo, case_id)["closure"]["met"] == "2026-11-27T10:08:00+08:00"


# --- paused clocks and recomputation -------------------------------------------------------------


def test_paused_clock_moves_the_deadline_by_exactly_the_working_time_paused(repo: CLI) -> None:
    case_id = complaint(repo)
    assert deadlines(repo, case_id)["resolution"]["due"] == "2026-11-26T10:05:00+08:00"
    repo.ok("move", case_id, "assessing", now="2026-11-23T10:30:00+08:00")
    repo.ok(
        "move", case_id, "investigating", "--set", "responsible_department=售后技术部",
        now="2026-11-23T11:00:00+08:00",
    )  # fmt: skip
    repo.ok(
        "move", case_id, "waiting_customer", "--note", "请客户补充购买凭证", now="2026-11-23T14:00:00+08:00"
    )
    waiting = deadlines(repo, case_id)["resolution"]
    assert waiting["paused_since"] == "2026-11-23T14:00:00+08:00"
    assert waiting["due"] == "2026-11-26T10:05:00+08:00"
    later = "2026-11-27T09:00:00+08:00"  # past the old due, but the clock is stopped
    shown = json.loads(repo.ok("show", case_id, "--format", "json", now=later).out)
    assert shown["deadline_status"]["resolution"]["state"] == "paused"
    assert "resolution" not in [
        r["deadline"] for r in json.loads(repo.ok("due", "--format", "json", now=later).out)
    ]

    repo.ok("move", case_id, "investigating", now="2026-11-24T11:00:00+08:00")
    resumed = deadlines(repo, case_id)["resolution"]
    # Mon 14:00-18:30 and Tue 09:00-11:00: 6h30m of working time; Thu 10:05 + 6h30m = Thu 16:35
    assert resumed["paused"] == "6h30m"
    assert "paused_since" not in resumed
    assert resumed["due"] == "2026-11-26T16:35:00+08:00"
    repo.ok("validate")
    repo.ok("audit")


def test_moves_and_field_changes_recompute_deadlines(repo: CLI) -> None:
    case_id = complaint(repo)
    found = deadlines(repo, case_id)
    assert (found["first_response"]["rule"], found["first_response"]["due"]) == (
        "default",
        "2026-11-23T11:05:00+08:00",
    )
    assert found["resolution"]["rule"] == "default"

    repo.ok("update", case_id, "--set", "priority=high", now="2026-11-23T10:10:00+08:00")
    found = deadlines(repo, case_id)
    assert found["first_response"]["due"] == "2026-11-23T10:35:00+08:00"
    assert (found["resolution"]["rule"], found["resolution"]["due"]) == (
        "priority=highest|high",
        "2026-11-25T10:05:00+08:00",
    )

    repo.ok("update", case_id, "--set", "category=logistics", now="2026-11-23T10:12:00+08:00")
    assert deadlines(repo, case_id)["resolution"]["due"] == "2026-11-25T10:05:00+08:00"
    assert deadlines(repo, case_id)["resolution"]["within"] == "48 hours"

    repo.ok("move", case_id, "assessing", now="2026-11-23T10:20:00+08:00")
    first = deadlines(repo, case_id)["first_response"]
    assert first["met"] == "2026-11-23T10:20:00+08:00"  # late: logistics allows 5 minutes
    after = "2026-11-23T10:30:00+08:00"
    late = json.loads(repo.ok("show", case_id, "--format", "json", now=after).out)["deadline_status"]
    assert late["first_response"]["state"] == "late"


def test_a_recorded_call_meets_the_first_response(repo: CLI) -> None:
    case_id = complaint(repo)
    repo.ok("note", case_id, "已致电客户，了解情况", now="2026-11-23T10:45:00+08:00")
    first = deadlines(repo, case_id)["first_response"]
    assert first["met"] == "2026-11-23T10:45:00+08:00"
    assert "first_response" not in [
        r["deadline"]
        for r in json.loads(repo.ok("due", "--format", "json", now="2026-11-23T12:00:00+08:00").out)
    ]


def test_update_interval_records_missed_updates(repo: CLI) -> None:
    case_id = complaint(repo)
    repo.ok("note", case_id, "已致电客户", now="2026-11-23T15:00:00+08:00")  # in time
    repo.ok("note", case_id, "再次致电", now="2026-11-25T10:00:00+08:00")  # more than 1 working day later
    updates = deadlines(repo, case_id)["updates"]
    assert updates["start"] == "2026-11-25T10:00:00+08:00"
    assert updates["due"] == "2026-11-26T10:00:00+08:00"
    assert updates["missed"] == [{"due": "2026-11-24T15:00:00+08:00", "met": "2026-11-25T10:00:00+08:00"}]


def test_final_state_ends_every_clock(repo: CLI) -> None:
    case_id = complaint(repo)
    repo.ok("move", case_id, "assessing", now="2026-11-23T10:30:00+08:00")
    repo.ok(
        "move", case_id, "rejected", "--set", "rejection_reason=非产品问题", now="2026-11-23T11:00:00+08:00"
    )
    found = deadlines(repo, case_id)
    assert all(entry.get("met") for entry in found.values()), found
    assert json.loads(repo.ok("due", "--format", "json", now="2026-12-30T10:00:00+08:00").out) == []


# --- due and list --overdue -----------------------------------------------------------------------


def test_due_lists_soonest_first_and_list_overdue_filters(repo: CLI) -> None:
    a = complaint(repo, now="2026-11-23T09:00:00+08:00")  # first response due 10:00
    b = complaint(repo, "--priority", "highest", now="2026-11-23T10:00:00+08:00")  # due 10:15
    c = complaint(repo, channel="forum", now="2026-11-23T10:00:00+08:00")  # due tomorrow 10:00
    now = "2026-11-23T10:10:00+08:00"
    rows = json.loads(repo.ok("due", "--within", "2h", "--format", "json", now=now).out)
    assert [(r["id"], r["deadline"], r["state"]) for r in rows] == [
        (a, "first_response", "overdue"),
        (b, "first_response", "open"),
    ]
    assert rows[0]["remaining"] == "-10m" and rows[1]["remaining"] == "5m"
    everything = json.loads(repo.ok("due", "--format", "json", now=now).out)
    dues = [r["due"] for r in everything]
    assert dues == sorted(dues, key=datetime.fromisoformat)
    assert {r["id"] for r in everything} == {a, b, c}
    table = repo.ok("due", "--within", "2h", now=now).out
    assert "overdue 10m" in table and "in 5m" in table and "(2 deadlines, 1 overdue)" in table

    overdue = json.loads(repo.ok("list", "--overdue", "--format", "json", now=now).out)
    assert [r["id"] for r in overdue] == [a]
    assert overdue[0]["overdue"] == ["first_response"]
    listed = {r["id"]: r for r in json.loads(repo.ok("list", "--format", "json", now=now).out)}
    assert listed[b]["next_due"] == "2026-11-23T10:15:00+08:00"
    assert listed[b]["next_deadline"] == "first_response"
    assert listed[c]["overdue"] == []
    lines = repo.ok("list", now=now).lines
    assert lines[0].split()[-1] == "Due"
    assert any(a in line and line.endswith("2026-11-23 10:00 overdue") for line in lines)
    assert "no cases match" in repo.ok("list", "--overdue", now="2026-11-23T09:30:00+08:00").out
    assert repo.run("due", "--within", "soon").code == 2


def test_show_prints_the_file_and_deadline_states_on_stderr(repo: CLI) -> None:
    case_id = complaint(repo)
    result = repo.ok("show", case_id, now="2026-11-23T12:00:00+08:00")
    assert result.out == repo.case_path(case_id).read_text(encoding="utf-8")
    assert (
        "first_response (首次响应 First response): overdue: due 2026-11-23 11:05 (overdue 55m)" in result.err
    )


# --- promises ----------------------------------------------------------------------------------


def test_promise_kept_missed_and_refused(repo: CLI) -> None:
    from casekit.core.due import breaches

    case_id = complaint(repo)
    repo.ok("promise", case_id, "--by", "2026-11-24T15:00", "--note", "约定明天下午三点前回复")
    assert repo.git("log", "-1", "--format=%s").strip() == f"{case_id}: promised a reply by 2026-11-24 15:00"
    assert trailers(repo)["Case-Action"] == "promise"
    assert trailers(repo)["Case-Reply-By"] == "2026-11-24T15:00:00+08:00"
    case = read_case(repo.case_path(case_id))
    assert case["history"][-1]["reply_by"] == "2026-11-24T15:00:00+08:00"
    assert case["deadlines"]["promised_reply"]["due"] == "2026-11-24T15:00:00+08:00"

    # Nobody calls back by 15:00: the promise is overdue
    late = "2026-11-24T16:00:00+08:00"
    assert [r["id"] for r in json.loads(repo.ok("list", "--overdue", "--format", "json", now=late).out)] == [
        case_id
    ]
    rows = json.loads(repo.ok("due", "--format", "json", now=late).out)
    assert [r["state"] for r in rows if r["deadline"] == "promised_reply"] == ["overdue"]

    # The call back comes late, with a new promise: the first one counts as a breach
    repo.ok("promise", case_id, "--by", "1 working day", "--note", "仍在核实", now=late)
    case = read_case(repo.case_path(case_id))
    promised = case["deadlines"]["promised_reply"]
    assert promised["due"] == "2026-11-25T16:00:00+08:00"
    assert promised["missed"] == [{"due": "2026-11-24T15:00:00+08:00", "met": late}]
    found = breaches(case, datetime.fromisoformat("2026-11-25T12:00:00+08:00"))
    assert [
        (b.due.isoformat(), b.met and b.met.isoformat()) for b in found if b.clock == "promised_reply"
    ] == [
        ("2026-11-24T15:00:00+08:00", late),
    ]
    assert {b.clock for b in found} == {"updates", "promised_reply"}  # the promise was a first response
    # Kept in time by a note
    repo.ok("note", case_id, "已回电告知进展", now="2026-11-25T11:00:00+08:00")
    promised = deadlines(repo, case_id)["promised_reply"]
    assert promised["met"] == "2026-11-25T11:00:00+08:00"
    status = json.loads(repo.ok("show", case_id, "--format", "json", now="2026-11-25T12:00:00+08:00").out)
    assert status["deadline_status"]["promised_reply"]["state"] == "met"
    repo.ok("validate")
    repo.ok("audit")


@pytest.mark.parametrize(
    ("by", "message"),
    [
        ("2026-11-23T09:00", "is not in the future"),
        ("2026-11-24", "give a date and time"),
        ("whenever", "give a date and time"),
        ("next tuesday afternoon", "is not a date-time"),
    ],
)
def test_promise_refusals_change_nothing(repo: CLI, by: str, message: str) -> None:
    case_id = complaint(repo)
    check = unchanged(repo, case_id)
    result = repo.refused("promise", case_id, "--by", by)
    assert message in result.err
    check()


def test_promise_outside_working_hours_is_flagged(repo: CLI) -> None:
    case_id = complaint(repo)
    result = repo.ok("promise", case_id, "--by", "2026-11-23T21:00")
    assert "outside working hours" in result.err


# --- escalation ---------------------------------------------------------------------------------


def test_escalate_is_one_audited_commit(repo: CLI) -> None:
    case_id = complaint(repo)
    before = repo.commit_count()
    repo.ok("escalate", case_id, "--to", "zhang.wei", "--note", "客户要求三倍赔偿，已安抚", "--major",
            now="2026-11-23T11:00:00+08:00")  # fmt: skip
    assert repo.commit_count() == before + 1
    assert repo.git("log", "-1", "--format=%s").strip() == f"{case_id}: escalated to zhang.wei (major)"
    assert "客户要求三倍赔偿，已安抚" in repo.git("log", "-1", "--format=%b")
    assert trailers(repo) == {
        "Case-Id": case_id,
        "Case-Kind": "complaint",
        "Case-Action": "escalate",
        "Case-Actor": "li.na <li.na@example.com>",
        "Case-Escalated-To": "zhang.wei <zhang.wei@example.com>",
        "Case-Major": "yes",
        "Case-Derived": "2",
    }
    case = read_case(repo.case_path(case_id))
    assert case["assignee"] == "zhang.wei"
    assert case["escalation"] == {
        "to": "zhang.wei",
        "at": "2026-11-23T11:00:00+08:00",
        "by": "li.na",
        "major": True,
    }
    assert case["history"][-1] == {
        "at": "2026-11-23T11:00:00+08:00",
        "by": "li.na",
        "action": "escalate",
        "escalated_to": "zhang.wei",
        "major": True,
        "note": "客户要求三倍赔偿，已安抚",
    }
    assert case["deadlines"]["resolution"]["rule"] == "major=true"  # major complaints: 1 working day
    repo.ok("validate")
    repo.ok("audit")
    repo.refused("escalate", case_id, "--to", "zhang.wei", "--note", "再次上转")


def test_media_complaint_is_major_by_default(repo: CLI) -> None:
    case_id = complaint(repo, channel="media")
    repo.ok("escalate", case_id, "--to", "zhang.wei", "--note", "报社记者来电，未作评论")
    assert trailers(repo)["Case-Major"] == "yes"
    assert read_case(repo.case_path(case_id))["escalation"]["major"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "nobody", "--note", "x"], "'nobody' is not one of the people in casekit.yaml"),
        (
            ["--to", "wang.fang", "--note", "x"],
            "wang.fang is not a supervisor; escalate to a supervisor: zhang.wei",
        ),
        (["--to", "zhang.wei", "--note", "  "], "escalating needs --note"),
    ],
)
def test_escalation_refusals_change_nothing(repo: CLI, args: list[str], message: str) -> None:
    case_id = complaint(repo)
    check = unchanged(repo, case_id)
    result = repo.refused("escalate", case_id, *args)
    assert message in result.err
    check()


def test_major_flag_only_on_complaints(repo: CLI) -> None:
    case_id = repo.new("return")
    check = unchanged(repo, case_id)
    assert (
        "only complaint cases can be flagged major"
        in repo.refused("escalate", case_id, "--to", "zhang.wei", "--note", "x", "--major").err
    )
    check()


# --- supervisor approval ------------------------------------------------------------------------


def test_compensation_above_the_limit_needs_a_supervisor(repo: CLI) -> None:
    case_id = complaint(repo)
    check = unchanged(repo, case_id)
    result = repo.refused("update", case_id, "--set", "compensation=80")
    assert result.err.strip() == (
        f"casekit: {case_id}: compensation above the agent's limit (compensation 80.00 > 50.00): "
        "this needs a supervisor (zhang.wei) to make this change"
    )
    check()
    repo.ok("update", case_id, "--set", "compensation=30")  # within the agent's authority
    assert "Case-Approved-By" not in trailers(repo)

    repo.ok("update", case_id, "--set", "compensation=80", actor="zhang.wei", now="2026-11-23T11:00:00+08:00")
    assert trailers(repo)["Case-Approved-By"] == "zhang.wei <zhang.wei@example.com>"
    entry = read_case(repo.case_path(case_id))["history"][-1]
    assert entry["approved_by"] == "zhang.wei"
    # the file keeps the rule and the values, not prose; `show` says it in the reader's language
    assert entry["approval"] == [
        {"note": "approvals.rule", "rule": "compensation-over-limit", "detail": "compensation 80.00 > 50.00"}
    ]
    shown = repo.ok("show", case_id).err
    assert "approved by zhang.wei: compensation above the agent's limit (compensation 80.00 > 50.00)" in shown
    # once approved, a move that does not touch the amount needs no approval again
    repo.ok("move", case_id, "assessing", now="2026-11-23T11:30:00+08:00")
    assert "Case-Approved-By" not in trailers(repo)
    repo.ok("audit")


def test_rejecting_a_major_complaint_needs_a_supervisor(repo: CLI) -> None:
    case_id = complaint(repo, channel="media")
    repo.ok("move", case_id, "assessing")
    check = unchanged(repo, case_id)
    result = repo.refused("move", case_id, "rejected", "--set", "rejection_reason=不成立")
    assert "rejecting a major complaint: this needs a supervisor (zhang.wei) to make the move" in result.err
    check()
    repo.ok("move", case_id, "rejected", "--set", "rejection_reason=不成立", actor="zhang.wei")
    assert trailers(repo)["Case-Approved-By"] == "zhang.wei <zhang.wei@example.com>"
    assert read_case(repo.case_path(case_id))["history"][-1]["approved_by"] == "zhang.wei"


def test_opening_with_an_amount_above_the_limit_needs_a_supervisor(repo: CLI) -> None:
    head = repo.head()
    result = repo.refused("new", "complaint", "--title", "t", "--customer", "c", "--channel", "phone",
                          "--set", "compensation=100")  # fmt: skip
    assert "new complaint: compensation above the agent's limit" in result.err
    assert repo.head() == head and not list((repo.root / "cases").rglob("*.yaml"))
    case_id = repo.new("complaint", "--set", "compensation=100", actor="zhang.wei")
    assert read_case(repo.case_path(case_id))["history"][0]["approved_by"] == "zhang.wei"
    assert trailers(repo)["Case-Approved-By"] == "zhang.wei <zhang.wei@example.com>"
    repo.ok("audit")


def test_audit_checks_approvals_against_trailers_and_roles(repo: CLI) -> None:
    case_id = complaint(repo)
    repo.ok("update", case_id, "--set", "compensation=80", actor="zhang.wei")
    path = repo.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("approved_by: zhang.wei", "approved_by: wang.fang"), encoding="utf-8")
    repo.git("commit", "--no-verify", "-q", "-a", "--amend", "--no-edit")
    result = repo.run("audit")
    assert result.code == 1
    assert (
        "approved_by is 'wang.fang' but the commit's Case-Approved-By is 'zhang.wei <zhang.wei@example.com>'"
        in result.out
    )
    assert "is approved by 'wang.fang', who is not a supervisor in casekit.yaml" in result.out


# --- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "within: 5 working minutes}      # 物流",
            "within: 5 working fortnights}      # 物流",
            "5 working fortnights",
            "deadlines.complaint.first_response.rules.0.within: '5 working fortnights' is not a duration",
        ),
        (
            "pauses: [waiting_customer]\n      resets_on:",
            "pauses: [on_hold]\n      resets_on:",
            "pauses: [on_hold]",
            "deadlines.complaint.updates.pauses.0: 'on_hold' is not a complaint state",
        ),
        (
            "{when: {category: logistics}, within: 48 hours}",
            "{when: {colour: red}, within: 48 hours}",
            "colour: red",
            "deadlines.complaint.resolution.rules.0.when.colour: 'colour' is not a field of a complaint",
        ),
        (
            "hours: '09:00-18:30'",
            "hours: '18:30-09:00'",
            "hours: '18:30-09:00'",
            "calendar.hours: working period '18:30-09:00' must end after it starts",
        ),
        (
            "working_days: []",
            "working_days: [2026-02-30]",
            "working_days: [2026-02-30]",
            "calendar.working_days.0: '2026-02-30' is not a date",
        ),
        (
            "    when: {compensation: {above: 50.00}}",
            "    when: {compensation: {above: lots}}",
            "above: lots",
            "approvals.compensation-over-limit.when.compensation.above: 'lots' is neither a number",
        ),
        (
            "    moves_to: [rejected]",
            "    moves_to: [binned]",
            "moves_to: [binned]",
            "approvals.reject-major-complaint.moves_to.0: 'binned' is not a complaint state",
        ),
        (
            "  major_channels: [media]",
            "  major_channels: [telegraph]",
            "major_channels: [telegraph]",
            "escalation.major_channels.0: 'telegraph' is not a channel",
        ),
        (
            "  kept_by: [move, note, promise]",
            "  kept_by: [move, pray]",
            "kept_by: [move, pray]",
            "promises.kept_by.1: 'pray' is not a history action",
        ),
    ],
)
def test_config_errors_name_the_line(repo: CLI, old: str, new: str, needle: str, message: str) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(config, old, new)
    result = repo.run("validate")
    assert result.code == 1
    expected = f"casekit.yaml:{line_of(config, needle)}: {message}"
    assert any(line.startswith(expected) for line in result.lines), (expected, result.out)
    assert repo.refused("due").err.startswith("casekit: casekit.yaml:")


def test_config_days_off_and_known_until_change_deadlines(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(config, "days_off: []", "days_off: {2026-11-23: 公司年会}")
    repo.git("commit", "--no-verify", "-qam", "company day off")
    case_id = complaint(repo, channel="forum", now=FRIDAY_5PM)
    assert deadlines(repo, case_id)["first_response"]["due"] == "2026-11-24T17:00:00+08:00"


def test_deadlines_past_the_known_calendar_are_flagged(repo: CLI) -> None:
    result = repo.run("new", "complaint", "--title", "年底投诉", "--customer", "王先生", "--channel", "phone",
                      now="2026-12-31T17:00:00+08:00")  # fmt: skip
    assert result.code == 0
    case_id = result.out.strip()
    assert "the holiday calendar ends 2026-12-31" in result.err
    resolution = deadlines(repo, case_id)["resolution"]
    # past the known calendar: weekends and the fixed-date holidays (元旦 2027-01-01) only
    assert resolution["due"] == "2027-01-06T17:00:00+08:00"
    assert resolution["provisional"] is True
    assert (
        "from 2027-01-01 on only weekends and the fixed-date holidays were counted" in resolution["warning"]
    )
    config = repo.root / "casekit.yaml"
    edit_file(config, "known_until: null", "known_until: 2027-12-31")
    edit_file(config, "days_off: []", "days_off: [2027-01-01, 2027-01-04]")
    repo.git("commit", "--no-verify", "-qam", "2027 schedule")
    repo.ok("note", case_id, "跟进", now="2027-01-05T10:00:00+08:00")
    resolution = deadlines(repo, case_id)["resolution"]
    assert resolution["due"] == "2027-01-07T17:00:00+08:00"
    assert "warning" not in resolution and "provisional" not in resolution


def test_validate_checks_the_shape_of_deadlines_and_escalation(repo: CLI) -> None:
    case_id = complaint(repo)
    path = repo.case_path(case_id)
    edit_file(path, "    due: 2026-11-23T11:05:00+08:00", "    due: tomorrow")
    edit_file(
        path, "history:", "escalation: {to: zhang.wei, at: 2026-11-23T11:00:00+08:00, by: li.na}\nhistory:"
    )
    result = repo.run("validate")
    assert result.code == 1
    rel = path.relative_to(repo.root).as_posix()
    assert (
        f"{rel}:{line_of(path, 'due: tomorrow')}: {case_id}: deadline first_response: due must be"
        in result.out
    )
    assert "escalation is set but the history has no escalate entry" in result.out


# --- replaying examples ----------------------------------------------------------------------------


def test_init_example_replays_promises_and_escalations(
    repo: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]
) -> None:
    """A recorded case with a promise and an escalation replays to the same file."""
    from casekit.service import init as bootstrap

    case_id = complaint(repo)
    repo.ok("promise", case_id, "--by", "2026-11-23T15:00", now="2026-11-23T10:30:00+08:00")
    repo.ok(
        "escalate", case_id, "--to", "zhang.wei", "--note", "客户情绪激动", now="2026-11-23T11:00:00+08:00"
    )
    repo.ok("update", case_id, "--set", "compensation=88", actor="zhang.wei", now="2026-11-23T11:30:00+08:00")
    recorded = repo.case_path(case_id).read_bytes()

    monkeypatch.setattr(bootstrap, "example_cases", lambda: [read_case(repo.case_path(case_id))])
    target = tmp_path / "replayed"
    bootstrap.init_repository(target, example=True, environ=environ)
    replayed = CLI(target, environ)
    assert replayed.case_path(case_id).read_bytes() == recorded
    replayed.ok("audit")
