"""Cancellation bookings (退订, 003) through the real CLI: the 3-working-day booking rule
across holidays, make-up days (调休) and weekends, the working-day conditions, the daily
register (退订日台账), settlement holds and config validation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import CLI, edit_file, read_case
from gitserver import append_entry, clone, edit, git, hand_commit, make_server, server_head

# 2026: 10-01..10-07 are the National Day holiday, Saturday 10-10 is a make-up working day.
BEFORE_NATIONAL_DAY = "2026-09-30T10:00:00+08:00"  # a Wednesday
FRIDAY = "2026-12-04T16:00:00+08:00"


def book(
    repo: CLI, event_date: str, *, now: str, order: str = "TB20260930001", merchant: str = "优品旅行社"
) -> str:
    return repo.new(
        "cancellation",
        "--set",
        f"order_no={order}",
        "--set",
        f"event_date={event_date}",
        "--set",
        f"merchant={merchant}",
        "--set",
        "reason=行程有变",
        now=now,
    )


def refused_booking(repo: CLI, event_date: str, *, now: str) -> str:
    before = repo.commit_count()
    result = repo.refused(
        "new",
        "cancellation",
        "--title",
        "预约退订",
        "--customer",
        "王先生",
        "--phone",
        "13800138000",
        "--channel",
        "phone",
        "--set",
        "order_no=TB1",
        "--set",
        f"event_date={event_date}",
        "--set",
        "merchant=优品旅行社",
        now=now,
    )
    assert repo.commit_count() == before
    assert not list((repo.root / "cases").glob("cancellation/**/*.yaml"))
    return result.err


# --- the booking rule -------------------------------------------------------------------


def test_a_booking_across_national_day_counts_only_working_days(repo: CLI) -> None:
    # Wednesday 09-30: the next working days are 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, 调休).
    err = refused_booking(repo, "2026-10-09", now=BEFORE_NATIONAL_DAY)
    assert "new cancellation:" in err
    assert "须提前3个工作日预约" in err or "至少3个工作日" in err
    assert "event_date 2026-10-09" in err and "only 2 working days away" in err
    assert "the earliest event_date that can be booked today is 2026-10-10" in err
    # Seven calendar days away but every one of them a holiday: refused too.
    err = refused_booking(repo, "2026-10-07", now=BEFORE_NATIONAL_DAY)
    assert "only 0 working days away" in err and "2026-10-10" in err

    case_id = book(repo, "2026-10-10", now=BEFORE_NATIONAL_DAY)  # the make-up Saturday counts
    case = read_case(repo.case_path(case_id))
    assert case_id.startswith("T-20260930-")
    assert case["status"] == "requested" and case["fields"]["event_date"] == "2026-10-10"
    assert case["history"][0]["action"] == "open"


def test_a_booking_over_a_weekend(repo: CLI) -> None:
    # Friday 12-04: Monday 12-07, Tuesday 12-08, Wednesday 12-09.
    err = refused_booking(repo, "2026-12-08", now=FRIDAY)
    assert "only 2 working days away" in err and "is 2026-12-09" in err
    err = refused_booking(repo, "2026-12-04", now=FRIDAY)  # the same day
    assert "only 0 working days away" in err
    err = refused_booking(repo, "2026-12-01", now=FRIDAY)  # already past
    assert "only -3 working days away" in err and "is 2026-12-09" in err
    book(repo, "2026-12-09", now=FRIDAY)


def test_moving_the_event_closer_is_refused_too(repo: CLI) -> None:
    case_id = book(repo, "2026-12-15", now=FRIDAY)
    before = repo.commit_count()
    err = repo.refused("update", case_id, "--set", "event_date=2026-12-07", now=FRIDAY).err
    assert case_id in err and "event_date 2026-12-07" in err and "2026-12-09" in err
    assert repo.commit_count() == before
    repo.ok("update", case_id, "--set", "event_date=2026-12-10", now=FRIDAY)
    assert read_case(repo.case_path(case_id))["fields"]["event_date"] == "2026-12-10"
    # A move that sets it is judged the same way.
    err = repo.refused(
        "move",
        case_id,
        "confirmed",
        "--set",
        "merchant_confirmed_by=张经理",
        "--set",
        "event_date=2026-12-08",
        now=FRIDAY,
    ).err
    assert "event_date 2026-12-08" in err and "only 2 working days away" in err
    assert read_case(repo.case_path(case_id))["status"] == "requested"


def test_the_workflow_confirm_refuse_settle(repo: CLI) -> None:
    case_id = book(repo, "2026-10-10", now=BEFORE_NATIONAL_DAY)
    err = repo.refused("move", case_id, "confirmed", now=BEFORE_NATIONAL_DAY).err
    assert "merchant_confirmed_by" in err
    repo.ok("move", case_id, "confirmed", "--set", "merchant_confirmed_by=张经理", now=BEFORE_NATIONAL_DAY)
    repo.ok("move", case_id, "settled", "--set", "refund_amount=200", now="2026-10-12T10:00:00+08:00")
    other = book(repo, "2026-10-12", now=BEFORE_NATIONAL_DAY, order="TB2")
    err = repo.refused("move", other, "refused", now=BEFORE_NATIONAL_DAY).err
    assert "refuse_reason" in err
    repo.ok("move", other, "refused", "--set", "refuse_reason=商家已备货，不可退订", now=BEFORE_NATIONAL_DAY)
    assert read_case(repo.case_path(other))["status"] == "refused"
    repo.ok("validate")


# --- working-day conditions elsewhere ---------------------------------------------------

LATE_CLAIM = """approvals:
  late-received-date:
    kind: return
    zh: 签收已超过2个工作日
    en: received more than 2 working days ago
    when: {working_days_since: {field: received_date, above: 2}}
"""


def test_working_days_since_in_an_approval_rule(repo: CLI) -> None:
    edit_file(repo.root / "casekit.yaml", "approvals:\n", LATE_CLAIM)
    repo.git("commit", "-qam", "a working-day approval rule", "--no-verify")
    repo.ok("validate")
    now = "2026-10-09T10:00:00+08:00"  # Friday after the holiday: working days 10-08, 10-09
    args = ["new", "return", "--title", "质量问题", "--customer", "王先生", "--phone", "13800138000"]
    args += ["--channel", "phone", "--set", "reason=quality"]
    # Received 09-30: two working days since (10-08, 10-09), though nine calendar days.
    repo.ok(*args, "--set", "received_date=2026-09-30", now=now, actor="li.na")
    # Received 09-29: three working days since (09-30, 10-08, 10-09): a supervisor's change.
    err = repo.refused(*args, "--set", "received_date=2026-09-29", now=now, actor="li.na").err
    assert "received more than 2 working days ago" in err and "zhang.wei" in err
    case_id = repo.ok(*args, "--set", "received_date=2026-09-29", now=now, actor="zhang.wei").out.strip()
    entry = read_case(repo.case_path(case_id))["history"][0]
    assert entry["approved_by"] == "zhang.wei"
    assert "working days from received_date to now > 2" in entry["approval"][0]["detail"]


def test_validate_refuses_malformed_working_day_conditions(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    good = "refuse_when: {working_days_until: {field: event_date, below: 3}}"
    cases = {
        "{working_days_until: {field: reason, below: 3}}": "'reason' is not a date field of a cancellation",
        "{working_days_until: {field: event_date, below: 2.5}}": "'2.5' is not a whole number",
        "{working_days_until: {field: event_date}}": "give one of above, at_least, below, at_most",
        "{working_days_until: {field: event_date, below: 3, at: tomorrow}}": "at must be opened_at",
        "{working_days_until: 3}": "write it as {field: event_date, below: 3}",
        "{working_days_since: {field: event_date, below: 3, within: 2}}": "give one of above",
    }
    original = config.read_text(encoding="utf-8")
    for bad, message in cases.items():
        config.write_text(original.replace(good, f"refuse_when: {bad}"), encoding="utf-8")
        result = repo.run("validate")
        assert result.code == 1, bad
        assert "cancellations.booking.refuse_when.working_days_" in result.out + result.err, bad
        assert message in result.out + result.err, (bad, result.out, result.err)
    config.write_text(original, encoding="utf-8")
    repo.ok("validate")


# --- the daily register -----------------------------------------------------------------


def test_the_daily_register(repo: CLI) -> None:
    first = book(repo, "2026-10-10", now=BEFORE_NATIONAL_DAY, order="TB1")
    second = book(repo, "2026-10-16", now="2026-09-30T15:30:00+08:00", order="TB2")
    book(repo, "2026-12-09", now=FRIDAY, order="TB3")  # another day
    repo.ok("move", second, "refused", "--set", "refuse_reason=商家已备货", now="2026-09-30T16:00:00+08:00")

    text = repo.ok(
        "registers", "cancellations", "--date", "2026-09-30", extra_env={"CASEKIT_LANG": "zh_CN"}
    ).out
    assert "退订日台账" in text and "2026-09-30" in text
    for header in (
        "预约时间",
        "工单号",
        "订单号",
        "商家",
        "活动日期",
        "提前工作日",
        "状态",
        "商家确认/拒绝原因",
    ):
        assert header in text
    assert first in text and second in text and "TB3" not in text
    assert "商家已备货" in text and "已预约 1" in text and "已拒绝 1" in text

    data = json.loads(repo.ok("registers", "cancellations", "--date", "2026-09-30", "--format", "json").out)
    assert data["date"] == "2026-09-30" and data["count"] == 2
    rows = {row["case_id"]: row for row in data["rows"]}
    assert rows[first]["notice"] == 3 and rows[first]["booked_at"] == "10:00"
    assert rows[second]["notice"] == 8  # 10-08, 09, 10 (调休), 12, 13, 14, 15, 16; 10-11 is a Sunday
    assert rows[second]["status_code"] == "refused"

    out = repo.ok("registers", "cancellations", "--date", "2026-09-30", "--format", "csv").out
    table = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert [r["case_id"] for r in table] == [first, second]

    empty = repo.ok("registers", "cancellations", "--date", "2026-10-01").out
    assert "当日无退订预约" in empty
    assert repo.run("registers", "cancellations", "--date", "30/09").code == 2
    assert repo.run("registers", "cancellations", "--month", "2026-09").code == 2
    # Today's register by default.
    assert first in repo.ok("registers", "cancellations", now="2026-09-30T18:00:00+08:00").out


# --- settlement ---------------------------------------------------------------------------


def test_a_booked_or_settled_cancellation_holds_the_order(repo: CLI) -> None:
    booked = book(repo, "2026-10-10", now=BEFORE_NATIONAL_DAY, order="TB1")
    err = repo.refused("settlement-check", "优品旅行社", "--order", "TB1").err
    assert "TB1" in err and booked in err and "cannot be settled" in err and "退订已预约" in err

    repo.ok("move", booked, "confirmed", "--set", "merchant_confirmed_by=张经理", now=BEFORE_NATIONAL_DAY)
    repo.ok("move", booked, "settled", "--set", "refund_amount=200", now="2026-10-12T10:00:00+08:00")
    err = repo.refused("settlement-check", "优品旅行社", "--order", "TB1").err
    assert booked in err and "退订已结算" in err  # settled: the order was cancelled

    refused = book(repo, "2026-10-12", now=BEFORE_NATIONAL_DAY, order="TB2")
    repo.ok("move", refused, "refused", "--set", "refuse_reason=商家已备货", now=BEFORE_NATIONAL_DAY)
    ok = repo.ok("settlement-check", "优品旅行社", "--order", "TB2").out
    assert "can be settled" in ok

    listing = repo.ok("settlement-check", "优品旅行社").out
    assert "TB1" in listing and "TB2" not in listing and "Why" in listing and "Cancellation" in listing
    chinese = repo.ok("settlement-check", "优品旅行社", extra_env={"CASEKIT_LANG": "zh_CN"}).out
    assert chinese.splitlines()[1].split()[:3] == ["订单号", "工单", "类型"] and "退订" in chinese
    data = json.loads(repo.ok("settlement-check", "优品旅行社", "--format", "json").out)
    orders = {o["order_no"]: o["cases"] for o in data["blocked_orders"]}
    assert list(orders) == ["TB1"] and orders["TB1"][0]["why"].startswith("退订已结算")


# --- the server ----------------------------------------------------------------------------


def test_the_server_refuses_a_hand_made_change_of_the_event_date(repo: CLI, tmp_path: Path) -> None:
    case_id = book(repo, "2026-12-15", now=FRIDAY)
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    path = agent.case_path(case_id)
    edit(path, "event_date: 2026-12-15", "event_date: 2026-12-07")
    append_entry(path, f"{{at: '{FRIDAY}', by: li.na, action: set, set: {{event_date: 2026-12-07}}}}")
    message = (
        f"{case_id}: set event_date\n\nCase-Id: {case_id}\nCase-Kind: cancellation\nCase-Action: set\n"
        "Case-Actor: li.na <li.na@example.com>"
    )
    assert hand_commit(agent, message, date=FRIDAY).returncode == 0
    before = server_head(server)
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0
    assert "[rule: refused]" in result.stderr and "event_date 2026-12-07" in result.stderr
    assert server_head(server) == before

    # Made with casekit, a date far enough ahead goes through.
    agent.git("reset", "-q", "--hard", "origin/main")
    agent.ok("update", case_id, "--set", "event_date=2026-12-10", now=FRIDAY)
    agent.ok("sync")
    assert server_head(server) == agent.head()
