"""No clock silently stops: pauses that fit the case, reopened rounds, what counts as a
reply, promises that carry the update clock, callbacks still owed after a failed dial.
Everything through the real CLI, on repositories made by `casekit init`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casebuild import photo
from conftest import CLI, edit_file, read_case

MONDAY = "2026-11-23T10:05:00+08:00"
LATER = "2026-12-14T10:00:00+08:00"  # three weeks on


def deadlines(cli: CLI, case_id: str) -> dict[str, Any]:
    return read_case(cli.case_path(case_id)).get("deadlines", {})  # type: ignore[no-any-return]


def new_return(cli: CLI, return_type: str, reason: str, *extra: str, now: str = MONDAY) -> str:
    return cli.new(
        "return",
        "--set",
        f"return_type={return_type}",
        "--set",
        f"reason={reason}",
        "--set",
        "order_no=DD20261123-0001",
        "--set",
        "amount_paid=59.00",
        "--set",
        "received_date=2026-11-22",
        *extra,
        now=now,
    )


def states_at(cli: CLI, case_id: str, now: str) -> dict[str, str]:
    shown = json.loads(cli.ok("show", case_id, "--format", "json", now=now).out)
    return {clock: status["state"] for clock, status in shown["deadline_status"].items()}


# --- pauses that fit the case ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("return_type", "reason", "rule", "due"),
    [
        ("partial-refund", "not-as-described", "default", "2026-11-25T10:05:00+08:00"),  # 部分退款
        ("resend", "missing-item", "return_type=resend", "2026-11-25T10:05:00+08:00"),  # 补发
        ("resend", "lost-parcel", "reason=lost-parcel", "2026-11-25T10:05:00+08:00"),  # 48 hours
        ("refund-only", "changed-mind", "default", "2026-11-25T10:05:00+08:00"),  # 撤单或追件
    ],
)
def test_nothing_coming_back_means_the_shop_owes_from_approval(
    repo: CLI, return_type: str, reason: str, rule: str, due: str
) -> None:
    case_id = new_return(repo, return_type, reason)
    repo.ok("move", case_id, "approved", now=MONDAY)
    found = deadlines(repo, case_id)
    assert found["refund"]["start"] == MONDAY
    assert found["refund"]["rule"] == rule
    assert found["refund"]["due"] == due
    assert "paused_since" not in found["resolution"]  # nothing is on its way back
    states = states_at(repo, case_id, LATER)
    assert states["refund"] == states["resolution"] == "overdue"
    overdue = json.loads(repo.ok("list", "--overdue", "--format", "json", now=LATER).out)
    assert [row["id"] for row in overdue] == [case_id]
    due_rows = json.loads(repo.ok("due", "--format", "json", now=LATER).out)
    assert {(row["id"], row["deadline"]) for row in due_rows} == {
        (case_id, "refund"),
        (case_id, "resolution"),
    }


def test_lost_parcel_counts_48_calendar_hours(repo: CLI) -> None:
    friday = "2026-11-20T17:00:00+08:00"
    case_id = new_return(repo, "resend", "lost-parcel", now=friday)
    repo.ok("move", case_id, "approved", now=friday)
    assert deadlines(repo, case_id)["refund"]["due"] == "2026-11-22T17:00:00+08:00"  # Sunday: calendar time


def test_a_parcel_coming_back_pauses_with_the_reason(repo: CLI) -> None:
    case_id = new_return(repo, "exchange", "changed-mind")
    repo.ok("move", case_id, "approved", now=MONDAY)
    resolution = deadlines(repo, case_id)["resolution"]
    assert resolution["paused_since"] == MONDAY
    assert resolution["paused_reason"] == "等待客户寄回商品 (waiting for the customer's parcel)"
    shown = repo.ok("show", case_id, now=LATER)
    assert "paused since 2026-11-23 10:05" in shown.err
    assert "等待客户寄回商品" in shown.err
    status = json.loads(repo.ok("show", case_id, "--format", "json", now=LATER).out)["deadline_status"]
    assert status["resolution"]["paused_reason"].startswith("等待客户寄回商品")
    # the parcel arrives two working days later: the clock resumes with those two days added
    repo.ok(
        "move", case_id, "in_transit", "--set", "return_tracking_no=YT123", now="2026-11-24T10:05:00+08:00"
    )
    repo.ok("move", case_id, "received", now="2026-11-25T10:05:00+08:00")
    resolution = deadlines(repo, case_id)["resolution"]
    assert resolution["paused"] == "19h00m"  # two working days of 9h30m
    assert resolution["due"] == "2026-12-02T10:05:00+08:00"  # 5 working days + 2 paused
    assert "paused_reason" not in resolution


def test_a_pause_can_depend_on_a_field_in_the_config(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(
        config,
        "      pauses: [waiting_customer]      # 等待客户资料: the customer's documents resume it",
        "      pauses: [{state: waiting_customer, when: {priority: [low, medium]},"
        " zh: 等待客户补充凭证, en: waiting for the customer's receipts}]",
    )
    repo.git("commit", "--no-verify", "-qam", "Pause only for ordinary complaints")
    repo.ok("validate")
    ordinary = repo.new("complaint", "--set", "category=billing", now=MONDAY)
    urgent = repo.new("complaint", "--set", "category=billing", "--priority", "high", now=MONDAY)
    for case_id in (ordinary, urgent):
        repo.ok("move", case_id, "assessing", now=MONDAY)
        repo.ok("move", case_id, "investigating", "--set", "responsible_department=财务部", now=MONDAY)
        repo.ok("move", case_id, "waiting_customer", now="2026-11-23T11:00:00+08:00")
    assert deadlines(repo, ordinary)["resolution"]["paused_reason"] == (
        "等待客户补充凭证 (waiting for the customer's receipts)"
    )
    assert "paused_since" not in deadlines(repo, urgent)["resolution"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      pauses: [waiting_customer]      #",
            "      pauses: [{state: waiting_customer, until: later}]      #",
            "deadlines.complaint.resolution.pauses.0.until: unknown setting; use state, when, zh, en",
        ),
        (
            "      reopen: true                    #",
            "      reopen: sometimes               #",
            "deadlines.complaint.resolution.reopen: write reopen: true, or reopen: {rules:",
        ),
        (
            "        - {action: open, replied: true}         # casekit new --replied",
            "        - {action: open, replied: {set: false}}         # casekit new --replied",
            "deadlines.complaint.first_response.met_by.5.replied: write {set: true}",
        ),
        (
            "        - {action: attempt, outcome: answered}\n",
            "        - {action: wave}\n",
            "deadlines.complaint.first_response.met_by.3: 'wave' is not a history action",
        ),
        ("  covers: [updates]", "  covers: updates", "promises.covers: must be a list of clock names"),
        ("    closure:\n", "    closure_2:\n", "clock name 'closure_2' may not end in _<number>"),
    ],
)
def test_clock_config_errors_name_the_key(repo: CLI, old: str, new: str, message: str) -> None:
    edit_file(repo.root / "casekit.yaml", old, new)
    result = repo.run("validate")
    assert result.code == 1
    assert message in result.out + result.err


# --- reopening restarts the right clocks ---------------------------------------------------------


def resolve(cli: CLI, case_id: str, now: str) -> None:
    cli.ok("move", case_id, "assessing", now=now)
    cli.ok("move", case_id, "investigating", "--set", "responsible_department=售后技术部", now=now)
    cli.ok("move", case_id, "proposed", "--set", "solution=上门检修", now=now)
    cli.ok("move", case_id, "implementing", "--set", "accepted_solution=上门检修", now=now)
    cli.ok("move", case_id, "resolved", "--set", "resolution=已修好", now=now)


def test_a_reopened_complaint_gets_new_rounds_and_keeps_the_first(repo: CLI) -> None:
    case_id = repo.new("complaint", "--set", "category=product-quality", now=MONDAY)
    resolve(repo, case_id, "2026-11-24T10:00:00+08:00")
    first = deadlines(repo, case_id)
    reopened = "2026-11-30T15:00:00+08:00"
    repo.ok("move", case_id, "investigating", "--note", "客户反映问题再次出现", now=reopened)
    found = deadlines(repo, case_id)
    assert found["resolution"] == first["resolution"]  # the first round's history is kept
    assert found["resolution"]["met"] == "2026-11-24T10:00:00+08:00"
    assert found["resolution_2"] == {
        "rule": "default",
        "within": "3 working days",
        "start": reopened,
        "due": "2026-12-03T15:00:00+08:00",
    }
    assert found["updates_2"]["start"] == reopened
    assert found["updates_2"]["due"] == "2026-12-01T15:00:00+08:00"
    assert "first_response_2" not in found  # it was answered; a reopening is no new first response
    due_rows = json.loads(repo.ok("due", "--format", "json", now=LATER).out)
    labels = {row["deadline"]: row["deadline_label"] for row in due_rows if row["id"] == case_id}
    assert labels == {"updates_2": "进展告知（重开第2轮）", "resolution_2": "处理时限（重开第2轮）"}
    overdue = json.loads(repo.ok("list", "--overdue", "--format", "json", now=LATER).out)
    assert case_id in [row["id"] for row in overdue]  # with the callback its resolution opened
    # resolved again, reopened again: a third round
    repo.ok("move", case_id, "proposed", "--set", "solution=换新机", now="2026-12-01T10:00:00+08:00")
    repo.ok(
        "move", case_id, "implementing", "--set", "accepted_solution=换新机", now="2026-12-01T10:00:00+08:00"
    )
    repo.ok("move", case_id, "resolved", "--set", "resolution=已换新", now="2026-12-01T11:00:00+08:00")
    repo.ok("move", case_id, "investigating", now="2026-12-02T11:00:00+08:00")
    found = deadlines(repo, case_id)
    assert found["resolution_2"]["met"] == "2026-12-01T11:00:00+08:00"
    assert found["resolution_3"]["start"] == "2026-12-02T11:00:00+08:00"
    repo.ok("validate")


def test_reopen_rules_can_differ_from_the_first_round(repo: CLI) -> None:
    edit_file(
        repo.root / "casekit.yaml",
        "      reopen: true                    # reopened",
        "      reopen: {rules: [{within: 1 working day}]}   # reopened",
    )
    repo.git("commit", "--no-verify", "-qam", "Reopened complaints within a day")
    case_id = repo.new("complaint", "--set", "category=product-quality", now=MONDAY)
    resolve(repo, case_id, "2026-11-24T10:00:00+08:00")
    repo.ok("move", case_id, "investigating", now="2026-11-30T15:00:00+08:00")
    assert deadlines(repo, case_id)["resolution_2"]["due"] == "2026-12-01T15:00:00+08:00"


# --- what counts as a reply ------------------------------------------------------------------


def test_a_reply_at_opening_meets_the_first_reply(repo: CLI) -> None:
    replied = new_return(
        repo, "exchange", "changed-mind", "--replied", "--note", "已在旺旺即时回复并安抚客户"
    )
    silent = new_return(repo, "exchange", "changed-mind", "--note", "已在旺旺即时回复并安抚客户")
    assert deadlines(repo, replied)["first_reply"]["met"] == MONDAY
    assert "met" not in deadlines(repo, silent)["first_reply"]
    entry = read_case(repo.case_path(replied))["history"][0]
    assert entry["replied"] is True
    repo.ok("validate")
    repo.ok("audit")


def test_attaching_the_customers_photos_with_a_note_is_a_reply(repo: CLI) -> None:
    with_note = new_return(repo, "exchange", "quality")
    without = new_return(repo, "exchange", "quality")
    at = "2026-11-23T10:08:00+08:00"
    repo.ok("attach", with_note, photo("shirt-cuff-seam.png"), "--note", "客户发来的照片，已回复", now=at)
    repo.ok("attach", without, photo("shirt-cuff-seam.png"), now=at)
    assert deadlines(repo, with_note)["first_reply"]["met"] == at
    assert "met" not in deadlines(repo, without)["first_reply"]


def test_what_counts_as_a_reply_is_config(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    start = text.index("    first_response:")
    block = text[start : text.index("      rules:", start)]
    edit_file(config, block, block.replace("        - move\n", ""))
    repo.git("commit", "--no-verify", "-qam", "A move is no reply")
    case_id = repo.new("complaint", "--set", "category=billing", now=MONDAY)
    repo.ok("update", case_id, "--set", "demand=退款", now="2026-11-23T10:06:00+08:00")
    assert "met" not in deadlines(repo, case_id)["first_response"]
    repo.ok("move", case_id, "assessing", now="2026-11-23T10:07:00+08:00")  # still an `ends` state
    assert deadlines(repo, case_id)["first_response"]["met"] == "2026-11-23T10:07:00+08:00"


# --- a kept promise is no missed update ------------------------------------------------------


def test_a_kept_promise_carries_the_update_clock(repo: CLI) -> None:
    case_id = repo.new("complaint", "--set", "category=product-quality", now="2026-11-23T10:00:00+08:00")
    repo.ok(
        "promise",
        case_id,
        "--by",
        "2026-11-24T15:00",
        "--note",
        "约定明天下午三点前回复",
        now="2026-11-23T10:17:00+08:00",
    )
    updates = deadlines(repo, case_id)["updates"]
    assert updates["due"] == "2026-11-24T15:00:00+08:00"
    assert updates["promised"] == "2026-11-24T15:00:00+08:00"
    assert "the promised reply time" in repo.ok("show", case_id, now="2026-11-24T11:00:00+08:00").err
    repo.ok("note", case_id, "已按约定回电告知进展", now="2026-11-24T14:30:00+08:00")
    found = deadlines(repo, case_id)
    assert found["promised_reply"]["met"] == "2026-11-24T14:30:00+08:00"
    assert "missed" not in found["updates"]
    rows = json.loads(repo.ok("list", "--format", "json", now="2026-11-24T16:00:00+08:00").out)
    assert [row["breaches"] for row in rows] == [0]  # the agent did what was agreed: no miss


def test_a_broken_promise_is_a_missed_update_too(repo: CLI) -> None:
    case_id = repo.new("complaint", "--set", "category=product-quality", now="2026-11-23T10:00:00+08:00")
    repo.ok("promise", case_id, "--by", "2026-11-24T15:00", now="2026-11-23T10:17:00+08:00")
    repo.ok("note", case_id, "回电晚了", now="2026-11-24T16:00:00+08:00")
    found = deadlines(repo, case_id)
    assert found["updates"]["missed"] == [
        {"due": "2026-11-24T15:00:00+08:00", "met": "2026-11-24T16:00:00+08:00"}
    ]


def test_promises_cover_only_the_configured_clocks(repo: CLI) -> None:
    edit_file(repo.root / "casekit.yaml", "  covers: [updates]", "  covers: []")
    repo.git("commit", "--no-verify", "-qam", "Promises carry no clock")
    case_id = repo.new("complaint", "--set", "category=product-quality", now="2026-11-23T10:00:00+08:00")
    repo.ok("promise", case_id, "--by", "2026-11-24T15:00", now="2026-11-23T10:17:00+08:00")
    repo.ok("note", case_id, "已回电", now="2026-11-24T14:30:00+08:00")
    assert deadlines(repo, case_id)["updates"]["missed"] == [
        {"due": "2026-11-24T10:17:00+08:00", "met": "2026-11-24T14:30:00+08:00"}
    ]


# --- callbacks still owed after a failed dial ------------------------------------------------


def test_a_failed_dial_leaves_the_callback_owed(repo: CLI) -> None:
    case_id = repo.new("callback", "--set", "callback_type=after-purchase", now=MONDAY)
    repo.ok("attempt", case_id, "--outcome", "no-answer", now="2026-11-23T10:30:00+08:00")
    found = deadlines(repo, case_id)
    assert found["callback"]["met"] == "2026-11-23T10:30:00+08:00"  # called back in time
    assert "met" not in found["closure"]
    assert found["closure"]["due"] == "2026-11-26T10:05:00+08:00"
    assert states_at(repo, case_id, LATER)["closure"] == "overdue"
    repo.ok("attempt", case_id, "--outcome", "busy", now="2026-11-23T11:30:00+08:00")
    repo.ok("move", case_id, "unreachable", now="2026-11-23T11:31:00+08:00")
    assert deadlines(repo, case_id)["closure"]["met"] == "2026-11-23T11:31:00+08:00"


# --- an upgrade does not turn old commits into audit findings ------------------------------


def _as_an_older_casekit_wrote_it(cli: CLI, case_id: str, *, keep_trailer: bool) -> None:
    """Amend the last commit as an older casekit would have made it: its deadlines derived by
    the older rules (here: the promise did not carry the update interval), and, unless
    `keep_trailer`, no `Case-Derived:` trailer (older versions wrote none)."""
    path = cli.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    older = text.replace(
        "    due: 2026-11-24T15:00:00+08:00\n    promised: 2026-11-24T15:00:00+08:00\n",
        "    due: 2026-11-24T10:17:00+08:00\n",
    )
    assert older != text
    path.write_text(older, encoding="utf-8")
    message = cli.git("log", "-1", "--format=%B")
    if not keep_trailer:
        message = "".join(line for line in message.splitlines(True) if not line.startswith("Case-Derived:"))
    cli.git("commit", "--no-verify", "-q", "--amend", "-a", "-m", message)


@pytest.mark.parametrize("keep_trailer", [False, True])
def test_audit_holds_old_commits_to_what_their_casekit_derived(repo: CLI, keep_trailer: bool) -> None:
    case_id = repo.new("complaint", "--set", "category=product-quality", now="2026-11-23T10:00:00+08:00")
    repo.ok("promise", case_id, "--by", "2026-11-24T15:00", now="2026-11-23T10:17:00+08:00")
    assert "Case-Derived: 2" in repo.git("log", "-1", "--format=%B")
    _as_an_older_casekit_wrote_it(repo, case_id, keep_trailer=keep_trailer)
    if keep_trailer:  # a commit that says it is this casekit's must hold this casekit's deadlines
        result = repo.run("audit")
        assert result.code == 1
        assert "deadlines.updates.due" in result.out + result.err
    else:
        repo.ok("audit")
    # the next change writes the deadlines as this casekit derives them, and is checked so
    repo.ok("note", case_id, "已回电", now="2026-11-24T14:30:00+08:00")
    assert deadlines(repo, case_id)["updates"]["start"] == "2026-11-24T14:30:00+08:00"


def test_a_callback_planned_ahead_is_owed_from_its_day(repo: CLI) -> None:
    planned = repo.new(
        "callback", "--set", "callback_type=after-purchase", "--set", "scheduled_for=2026-12-07", now=MONDAY
    )
    found = deadlines(repo, planned)
    assert found["callback"]["start"] == found["closure"]["start"] == "2026-12-07T09:00:00+08:00"
    assert found["callback"]["due"] == "2026-12-10T09:00:00+08:00"  # 3 days from the planned day
    assert set(states_at(repo, planned, "2026-12-01T10:00:00+08:00").values()) == {"open"}
    today = repo.new(
        "callback", "--set", "callback_type=after-purchase", "--set", "scheduled_for=2026-11-20", now=MONDAY
    )
    assert deadlines(repo, today)["callback"]["start"] == MONDAY  # planned for a day gone: owed from now


def test_a_met_deadline_is_not_rewritten_by_a_later_change(repo: CLI) -> None:
    case_id = repo.new("complaint", "--priority", "highest", "--set", "category=billing", now=MONDAY)
    repo.ok("note", case_id, "已回电致歉", now="2026-11-23T10:30:00+08:00")  # 15 minutes allowed: late
    met_late = deadlines(repo, case_id)["first_response"]
    assert met_late["due"] == "2026-11-23T10:20:00+08:00"
    repo.ok("update", case_id, "--set", "priority=low", now="2026-11-23T10:40:00+08:00")
    assert deadlines(repo, case_id)["first_response"] == met_late  # the breach stays a breach
    assert deadlines(repo, case_id)["resolution"]["rule"] == "default"  # a running clock follows
    repo.ok("audit")


def test_resolved_and_refunded_cases_are_still_owed_their_closing(repo: CLI) -> None:
    complaint = repo.new("complaint", "--set", "category=product-quality", now=MONDAY)
    resolve(repo, complaint, "2026-11-23T11:00:00+08:00")
    closure = deadlines(repo, complaint)["closure"]
    assert (closure["start"], closure["due"]) == ("2026-11-23T11:00:00+08:00", "2026-11-30T11:00:00+08:00")
    repo.ok("move", complaint, "investigating", now="2026-11-24T11:00:00+08:00")  # reopened
    assert deadlines(repo, complaint)["closure"]["met"] == "2026-11-24T11:00:00+08:00"
    repo.ok("move", complaint, "proposed", "--set", "solution=换新", now="2026-11-24T12:00:00+08:00")
    repo.ok(
        "move", complaint, "implementing", "--set", "accepted_solution=换新", now="2026-11-24T12:00:00+08:00"
    )
    repo.ok("move", complaint, "resolved", "--set", "resolution=已换新", now="2026-11-24T14:00:00+08:00")
    assert deadlines(repo, complaint)["closure_2"]["start"] == "2026-11-24T14:00:00+08:00"

    refund = new_return(repo, "partial-refund", "not-as-described")
    repo.ok("move", refund, "approved", now=MONDAY)
    repo.ok("move", refund, "refunded", "--set", "refund_amount=10.00", now="2026-11-23T15:00:00+08:00")
    assert deadlines(repo, refund)["closure"]["due"] == "2026-11-30T15:00:00+08:00"
    assert states_at(repo, refund, LATER)["closure"] == "overdue"
