"""Returns as handbook 001 describes them, through the real CLI: an agreed return extends the
order (延长交易时间10天) and the daily list shows extensions about to end; 先行换发 (ship the
exchange before the returned item arrives) is a supervisor's move when the shop is at fault
and the customer has given a tracking number, in the CLI and on the server."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CLI, edit_file, read_case
from gitserver import append_entry, clone, edit, git, hand_commit, make_server, server_head, set_up_signing
from test_returns import open_return, refused_unchanged

SUPERVISOR = "zhang.wei"
OPEN = "2026-11-23T10:00:00+08:00"
APPROVE = "2026-11-23T10:03:00+08:00"
SHIPPED = "2026-11-24T11:00:00+08:00"
LATER = "2026-11-25T09:30:00+08:00"


def approved(repo: CLI, *sets: str, at: str = APPROVE) -> str:
    case_id = open_return(repo, *sets, now=OPEN)
    repo.ok("move", case_id, "approved", now=at)
    return case_id


def in_transit(repo: CLI, reason: str = "wrong-item") -> str:
    case_id = approved(repo, "return_type=exchange", f"reason={reason}")
    repo.ok(
        "move",
        case_id,
        "in_transit",
        "--set",
        "return_tracking_no=SF1001",
        "--set",
        "postage_amount=12.00",
        now=SHIPPED,
    )
    return case_id


# --- the order extension ----------------------------------------------------------------


def test_the_move_to_approved_records_the_extended_date_in_its_commit(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=wrong-item", now=OPEN)
    before = repo.commit_count()
    repo.ok("move", case_id, "approved", now=APPROVE)
    assert repo.commit_count() == before + 1
    case = read_case(repo.case_path(case_id))
    assert case["fields"]["order_extended_until"] == "2026-12-03"  # 11-23 + 10 days
    move = case["history"][-1]
    assert move["action"] == "move" and move["to"] == "approved"
    assert move["set"]["order_extended_until"] == "2026-12-03"
    shown = repo.git("show", "HEAD", "--format=%s")
    assert shown.startswith(f"{case_id}: requested -> approved")
    assert "+  order_extended_until: 2026-12-03" in shown
    repo.ok("audit")
    # Other moves leave it alone.
    repo.ok(
        "move",
        case_id,
        "in_transit",
        "--set",
        "return_tracking_no=SF1",
        "--set",
        "postage_amount=12.00",
        now=SHIPPED,
    )
    assert read_case(repo.case_path(case_id))["fields"]["order_extended_until"] == "2026-12-03"


def test_the_extension_is_configurable_and_an_explicit_value_wins(repo: CLI) -> None:
    edit_file(repo.root / "casekit.yaml", "order_extension_days: 10", "order_extension_days: 7")
    repo.git("commit", "-qam", "a shorter extension", "--no-verify")
    first = approved(repo, "return_type=return", "reason=wrong-item")
    assert read_case(repo.case_path(first))["fields"]["order_extended_until"] == "2026-11-30"
    second = open_return(repo, "return_type=return", "reason=wrong-item", now=OPEN)
    repo.ok("move", second, "approved", "--set", "order_extended_until=2026-12-20", now=APPROVE)
    assert read_case(repo.case_path(second))["fields"]["order_extended_until"] == "2026-12-20"
    edit_file(repo.root / "casekit.yaml", "order_extension_days: 7", "order_extension_days: soon")
    result = repo.run("validate")
    assert result.code == 1 and "returns.order_extension_days" in result.out + result.err


def test_the_daily_list_shows_extensions_about_to_end(repo: CLI) -> None:
    soon = approved(repo, "return_type=return", "reason=wrong-item")  # until 12-03
    later = approved(repo, "return_type=return", "reason=wrong-item", at="2026-11-28T10:00:00+08:00")  # 12-08
    done = approved(repo, "return_type=partial-refund", "reason=wrong-item")  # until 12-03, then closed
    repo.ok("move", done, "refunded", "--set", "refund_amount=5", now=LATER)
    repo.ok("move", done, "closed", now=LATER, actor=SUPERVISOR)  # its callback is still scheduled
    paid = approved(repo, "return_type=partial-refund", "reason=wrong-item", at="2026-11-23T10:05:00+08:00")
    repo.ok("move", paid, "refunded", "--set", "refund_amount=5", now="2026-11-25T09:40:00+08:00")

    text = repo.ok("extensions", "--as-of", "2026-12-01").out
    assert "交易延长期将到" in text and "延长至 Until" in text
    assert soon in text and "2026-12-03" in text and "剩2天" in text
    assert later not in text and done not in text
    assert paid not in text  # refunded: the extension no longer matters (extension_done_states)

    data = json.loads(repo.ok("extensions", "--as-of", "2026-12-01", "--within", "7", "--format", "json").out)
    assert [(row["case_id"], row["days_left"]) for row in data] == [(soon, 2), (later, 7)]
    assert data[0]["extended_until"] == "2026-12-03" and data[0]["order_no"] == "TB20261120001"

    lapsed = repo.ok("extensions", "--as-of", "2026-12-05").out
    assert soon in lapsed and "已过期2天" in lapsed
    nothing = repo.ok("extensions", "--as-of", "2026-11-24").out
    assert "none (无)" in nothing
    # Today by default; a bad date is a usage error.
    assert soon in repo.ok("extensions", now="2026-12-02T09:00:00+08:00").out
    assert repo.run("extensions", "--as-of", "12/01").code == 2

    # The daily report (the 9:00 meeting of 12-01, about 11-30) lists the same returns.
    daily = json.loads(repo.ok("report", "daily", "--date", "2026-11-30", "--format", "json").out)
    section = daily["extensions"]
    assert section["day"] == "2026-12-01" and section["warn_days"] == 2
    assert [(row["case_id"], row["days_left"], row["extended_until"]) for row in section["rows"]] == [
        (soon, 2, "2026-12-03")
    ]
    text = repo.ok("report", "daily", "--date", "2026-11-30", "--format", "md").out
    assert "## 交易延长即将到期（2026-12-01）" in text and f"| {soon} | TB20261120001 |" in text


# --- 先行换发 -------------------------------------------------------------------------------

SHIP_FIRST = ["reshipped", "--set", "reship_tracking_no=SF2002", "--set", "exchange_price=299.00"]


def test_an_agent_may_not_ship_the_exchange_first(repo: CLI) -> None:
    case_id = in_transit(repo)
    err = refused_unchanged(repo, case_id, "move", case_id, *SHIP_FIRST, now=LATER, actor="li.na")
    assert case_id in err
    assert "先行换发" in err and "this needs a supervisor (zhang.wei) to make the move" in err


def test_a_supervisor_ships_the_exchange_first_and_the_approval_is_recorded(repo: CLI) -> None:
    case_id = in_transit(repo)
    repo.ok("move", case_id, *SHIP_FIRST, now=LATER, actor=SUPERVISOR)
    case = read_case(repo.case_path(case_id))
    assert case["status"] == "reshipped"
    entry = case["history"][-1]
    assert entry["from"] == "in_transit" and entry["to"] == "reshipped"
    assert entry["approved_by"] == SUPERVISOR
    assert [note["rule"] for note in entry["approval"]] == ["ship-exchange-first"]
    assert "先行换发" in repo.ok("show", case_id).err
    assert "Case-Approved-By: zhang.wei <zhang.wei@example.com>" in repo.git("log", "-1", "--format=%B")
    repo.ok("audit")


def test_ship_first_needs_the_shop_at_fault(repo: CLI) -> None:
    case_id = in_transit(repo, reason="changed-mind")
    err = refused_unchanged(repo, case_id, "move", case_id, *SHIP_FIRST, now=LATER, actor=SUPERVISOR)
    assert "moving from in_transit to reshipped is only for a return whose reason is" in err
    assert "not changed-mind (个人原因)" in err and "received (已收货)" in err
    # Not as described is the shop's fault: allowed.
    other = in_transit(repo, reason="not-as-described")
    repo.ok("move", other, *SHIP_FIRST, now=LATER, actor=SUPERVISOR)


def test_ship_first_needs_the_customers_tracking_number(repo: CLI) -> None:
    case_id = in_transit(repo)
    err = refused_unchanged(
        repo,
        case_id,
        "move",
        case_id,
        *SHIP_FIRST,
        "--set",
        "return_tracking_no=",
        now=LATER,
        actor=SUPERVISOR,
    )
    assert "requires return_tracking_no" in err and "--set return_tracking_no=..." in err


def test_ship_first_is_only_for_exchanges(repo: CLI) -> None:
    case_id = approved(repo, "return_type=return", "reason=wrong-item")
    repo.ok(
        "move",
        case_id,
        "in_transit",
        "--set",
        "return_tracking_no=SF1",
        "--set",
        "postage_amount=12.00",
        now=SHIPPED,
    )
    err = refused_unchanged(repo, case_id, "move", case_id, *SHIP_FIRST, now=LATER, actor=SUPERVISOR)
    assert "whose return_type is exchange" in err


# --- the server ----------------------------------------------------------------------------


def test_the_server_refuses_an_agents_ship_first_and_accepts_the_supervisors(
    repo: CLI, tmp_path: Path
) -> None:
    case_id = in_transit(repo)
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    path = agent.case_path(case_id)
    edit(path, "status: in_transit", "status: reshipped")
    edit(
        path,
        "  return_tracking_no: SF1001",
        "  return_tracking_no: SF1001\n  reship_tracking_no: SF2002\n  exchange_price: 299.00",
    )
    append_entry(
        path,
        f"{{at: '{LATER}', by: li.na, action: move, from: in_transit, to: reshipped, "
        "set: {reship_tracking_no: SF2002, exchange_price: 299.00}}",
    )
    message = (
        f"{case_id}: in_transit -> reshipped\n\nCase-Id: {case_id}\nCase-Kind: return\nCase-Action: move\n"
        "Case-From: in_transit\nCase-To: reshipped\nCase-Actor: li.na <li.na@example.com>"
    )
    assert hand_commit(agent, message, date=LATER).returncode == 0
    before = server_head(server)
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0
    assert "[rule: requires-approval]" in result.stderr and "先行换发" in result.stderr
    assert server_head(server) == before

    supervisor = clone(server, tmp_path / "zhang.wei", repo.environ, SUPERVISOR)
    set_up_signing(supervisor, server)
    supervisor.ok("move", case_id, *SHIP_FIRST, now=LATER)
    supervisor.ok("sync")
    assert server_head(server) == supervisor.head()
    assert read_case(supervisor.case_path(case_id))["history"][-1]["approved_by"] == SUPERVISOR
