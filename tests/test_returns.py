"""Returns and exchanges (退换货) through the real CLI: postage, evidence, supervisor decisions,
money rules and the workflow of each return type, each refused and allowed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import CLI, read_case
from returns_gen import PATHS, SHOP_PAYS

BASE = [
    "order_no=TB20261120001",
    "amount_paid=299.00",
    "sku=YR-BLK-L",
    "item_name=羽绒服 黑色 L",
    "batch=B2611-03",
    "customer_account=tb_wang",
    "merchant=优品服饰旗舰店",
]
SUPERVISOR = "zhang.wei"


def open_return(repo: CLI, *sets: str, now: str | None = None, base: bool = True) -> str:
    args = ["new", "return", "--title", "羽绒服拉链坏了", "--customer", "王女士"]
    args += ["--phone", "13800138000", "--channel", "online"]
    for item in [*(BASE if base else []), *sets]:
        args += ["--set", item]
    return repo.ok(*args, now=now).out.strip()


def shown(repo: CLI, case_id: str) -> dict[str, Any]:
    data = json.loads(repo.ok("show", case_id, "--format", "json").out)
    assert isinstance(data, dict)
    return data


def refused_unchanged(repo: CLI, case_id: str, *args: str, **kwargs: Any) -> str:
    """Run a command that must be refused; assert no file changed and no commit was made."""
    path = repo.case_path(case_id)
    before, head = path.read_bytes(), repo.head()
    err = repo.refused(*args, **kwargs).err
    assert path.read_bytes() == before
    assert repo.head() == head
    assert repo.git("status", "--porcelain") == ""
    return err


def photo(repo: CLI, name: str = "IMG_2041.jpg", content: bytes = b"\xff\xd8\xff\xe0 photo") -> str:
    folder = repo.root.parent / "photos"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return str(path)


def trailers(repo: CLI) -> dict[str, str]:
    text = repo.git("log", "-1", "--format=%(trailers:only,unfold)")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


# --- postage ---------------------------------------------------------------------------


def test_who_pays_postage_follows_the_reason_and_shows_on_the_case(repo: CLI) -> None:
    for reason in [*sorted(SHOP_PAYS), "changed-mind"]:
        case_id = open_return(repo, "return_type=return", f"reason={reason}")
        payer = "customer" if reason == "changed-mind" else "shop"
        postage = shown(repo, case_id)["postage"]
        assert postage["payer"] == payer, reason
        assert postage["return_leg"] == payer, reason
        assert postage["reship_leg"] == "none"
        assert postage["amount"] == "10.00" and postage["standard"] is True
        assert ("reimburse" in postage) is (payer == "shop")
    assert "postage: {payer: customer, return_leg: customer" in repo.ok("show", case_id).out
    repo.ok("validate")


def test_postage_legs_follow_the_type_and_update_with_the_fields(repo: CLI) -> None:
    exchange = open_return(repo, "return_type=exchange", "reason=changed-mind", "postage_amount=12.5")
    postage = shown(repo, exchange)["postage"]
    assert postage == {
        "payer": "customer",
        "return_leg": "customer",
        "reship_leg": "customer",
        "amount": "12.50",
        "customer_owes": "12.50",
    }
    resend = open_return(repo, "return_type=resend", "reason=missing-item")
    assert shown(repo, resend)["postage"]["return_leg"] == "none"
    assert shown(repo, resend)["postage"]["reship_leg"] == "shop"
    partial = open_return(repo, "return_type=partial-refund", "reason=quality")
    assert (shown(repo, partial)["postage"]["return_leg"], shown(repo, partial)["postage"]["reship_leg"]) == (
        "none",
        "none",
    )
    # a change of reason recomputes who pays, in the same commit as the change
    count = repo.commit_count()
    repo.ok("update", exchange, "--set", "reason=quality")
    assert repo.commit_count() == count + 1
    assert shown(repo, exchange)["postage"] == {
        "payer": "shop",
        "return_leg": "shop",
        "reship_leg": "shop",
        "amount": "12.50",
        "reimburse": "12.50",
    }
    # no reason yet: nothing to show; a complaint never gets postage
    bare = open_return(repo, base=False)
    assert "postage" not in shown(repo, bare)
    complaint = repo.new("complaint")
    assert "postage" not in shown(repo, complaint)
    repo.ok("validate")
    repo.ok("audit")


# --- workflow by type ----------------------------------------------------------------

WALKS: dict[str, list[tuple[str, list[str]]]] = {
    "return": [
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1234567890", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=吊牌齐全，商品完好"]),
        ("refunded", ["refund_amount=299"]),
        ("closed", []),
    ],
    "exchange": [
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1234567890", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=尺码不合适，商品完好"]),
        ("reshipped", ["reship_tracking_no=SF1234567890", "exchange_price=299"]),
        ("closed", []),
    ],
    "partial-refund": [("approved", []), ("refunded", ["refund_amount=8"]), ("closed", [])],
    "resend": [("approved", []), ("reshipped", ["reship_tracking_no=SF1234567890"]), ("closed", [])],
    "refund-only": [
        ("approved", []),
        ("shipment_cancelled", ["cancellation=parcel-recalled"]),
        ("refunded", ["refund_amount=299"]),
        ("closed", []),
    ],
}
# For each type, a move it must never make, with the step before which it is tried.
WRONG_TURNS = {
    "return": ("approved", "reshipped"),
    "exchange": ("inspected", "refunded"),
    "partial-refund": ("approved", "in_transit"),
    "resend": ("approved", "in_transit"),
    "refund-only": ("approved", "refunded"),
}


def test_the_case_generators_walk_the_same_paths() -> None:
    # The test generator (returns_gen) and the benchmark's each spell the paths out; the
    # walks above are checked against the workflow itself, through the command line.
    from test_index import _generator

    walked = {return_type: [state for state, _ in steps] for return_type, steps in WALKS.items()}
    assert walked == PATHS
    assert walked == _generator().RETURN_PATHS


@pytest.mark.parametrize("return_type", list(WALKS))
def test_each_type_takes_its_own_path(repo: CLI, return_type: str) -> None:
    reason = "missing-item" if return_type == "resend" else "not-as-described"
    case_id = open_return(repo, f"return_type={return_type}", f"reason={reason}")
    wrong_from, wrong_to = WRONG_TURNS[return_type]
    state = "requested"
    for target, sets in WALKS[return_type]:
        if state == wrong_from:
            extra = [
                "--set",
                "refund_amount=1",
                "--set",
                "reship_tracking_no=X",
                "--set",
                "return_tracking_no=Y",
            ]
            err = refused_unchanged(repo, case_id, "move", case_id, wrong_to, *extra)
            assert "only for a return whose return_type is" in err
            assert f"not {return_type}" in err
        args = [a for s in sets for a in ("--set", s)]
        if target == "closed":  # a return closes once its after-return callback has ended
            (callback,) = [c for c in read_case(repo.case_path(case_id))["links"] if c.startswith("B-")]
            repo.ok("move", callback, "completed", "--set", "satisfaction=satisfied")
        repo.ok("move", case_id, target, *args)
        state = target
    case = read_case(repo.case_path(case_id))
    assert case["status"] == "closed"
    assert case["fields"]["satisfaction"] == "satisfied"
    moves = [e["to"] for e in case["history"][1:] if e["action"] == "move"]
    assert moves == [t for t, _ in WALKS[return_type]]
    repo.ok("validate")
    repo.ok("audit")


def test_approval_needs_type_reason_order_and_amount(repo: CLI) -> None:
    case_id = open_return(repo, base=False)
    err = refused_unchanged(repo, case_id, "move", case_id, "approved")
    assert "requires return_type, reason, order_no, amount_paid" in err
    repo.ok(
        "move",
        case_id,
        "approved",
        *["--set", "return_type=退货", "--set", "reason=个人原因"],
        *["--set", "order_no=TB1", "--set", "amount_paid=59.9"],
    )
    assert read_case(repo.case_path(case_id))["fields"]["return_type"] == "return"


def test_type_specific_move_without_a_type_says_what_to_set(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=changed-mind")
    repo.ok("move", case_id, "approved")
    # a hand-written case could lose its type; the condition then names the field
    path = repo.case_path(case_id)
    text = path.read_text(encoding="utf-8").replace("  return_type: return\n", "", 1)
    path.write_text(text, encoding="utf-8")
    repo.git("commit", "--no-verify", "-qam", "hand edit")
    err = refused_unchanged(repo, case_id, "move", case_id, "in_transit", "--set", "return_tracking_no=Y")
    assert "return_type is not set; pass --set return_type=..." in err
    repo.ok("move", case_id, "in_transit", "--set", "return_tracking_no=Y", "--set", "return_type=return")


def test_unknown_move_lists_only_the_moves_for_this_type(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=partial-refund", "reason=quality", "received_date=2026-11-22")
    repo.ok("attach", case_id, photo(repo))
    repo.ok("move", case_id, "approved")
    err = refused_unchanged(repo, case_id, "move", case_id, "received")
    assert "allowed from approved: refunded (已退款)" in err
    assert "in_transit" not in err


def test_refund_only_cancels_the_shipment_before_the_refund(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=refund-only", "reason=changed-mind")
    repo.ok("move", case_id, "approved")
    err = refused_unchanged(repo, case_id, "move", case_id, "refunded", "--set", "refund_amount=299")
    assert "from approved it may go to shipment_cancelled (已撤单追件)" in err
    err = refused_unchanged(repo, case_id, "move", case_id, "shipment_cancelled")
    assert "requires cancellation" in err
    repo.ok("move", case_id, "shipment_cancelled", "--set", "cancellation=仓库撤单")
    repo.ok("move", case_id, "refunded", "--set", "refund_amount=299")
    assert read_case(repo.case_path(case_id))["fields"]["cancellation"] == "order-cancelled"


def test_inspection_can_decline_a_claim(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=changed-mind")
    for target, sets in WALKS["return"][:4]:
        repo.ok("move", case_id, target, *[a for s in sets for a in ("--set", s)])
    refused_unchanged(repo, case_id, "move", case_id, "declined")
    repo.ok("move", case_id, "declined", "--set", "decline_reason=商品已洗涤，影响二次销售")
    assert read_case(repo.case_path(case_id))["status"] == "declined"


# --- evidence and quality claims ----------------------------------------------------


def test_quality_claim_cannot_be_approved_without_evidence(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=exchange", "reason=quality", "received_date=2026-11-22")
    err = refused_unchanged(repo, case_id, "move", case_id, "approved")
    assert "a quality claim needs evidence before it is approved" in err
    assert f"casekit attach {case_id}" in err
    # a supervisor cannot skip the evidence either
    refused_unchanged(repo, case_id, "move", case_id, "approved", actor=SUPERVISOR)
    repo.ok("attach", case_id, photo(repo))
    repo.ok("move", case_id, "approved")
    assert read_case(repo.case_path(case_id))["status"] == "approved"


def test_other_reasons_need_no_evidence(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=changed-mind")
    repo.ok("move", case_id, "approved")


def test_quality_claim_needs_its_received_date(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality")
    repo.ok("attach", case_id, photo(repo))
    err = refused_unchanged(repo, case_id, "move", case_id, "approved")
    assert "needs received_date" in err
    repo.ok("move", case_id, "approved", "--set", "received_date=2026-11-21")


@pytest.mark.parametrize(
    ("approved_on", "agent_may"),
    [
        ("2026-11-20T09:00:00+08:00", True),  # the day it arrived
        ("2026-11-23T18:00:00+08:00", True),  # 3 days after receipt
        ("2026-11-24T09:00:00+08:00", False),  # 4 days: a supervisor decides
    ],
)
def test_late_quality_claim_needs_a_supervisor(repo: CLI, approved_on: str, agent_may: bool) -> None:
    case_id = open_return(
        repo,
        "return_type=return",
        "reason=quality",
        "received_date=2026-11-20",
        now="2026-11-20T08:00:00+08:00",
    )
    repo.ok("attach", case_id, photo(repo), now="2026-11-20T08:30:00+08:00")
    if agent_may:
        repo.ok("move", case_id, "approved", now=approved_on)
        entry = read_case(repo.case_path(case_id))["history"][-1]
        assert "approved_by" not in entry
        assert "Case-Approved-By" not in trailers(repo)
        return
    err = refused_unchanged(repo, case_id, "move", case_id, "approved", now=approved_on)
    assert "approved 4 days after receipt, more than the 3 days allowed" in err
    assert "needs a supervisor (zhang.wei)" in err
    repo.ok("move", case_id, "approved", now=approved_on, actor=SUPERVISOR)
    entry = read_case(repo.case_path(case_id))["history"][-1]
    assert entry["approved_by"] == SUPERVISOR
    assert {"note": "returns.quality-claim-late", "days": 4, "allowed": 3} in entry["approval"]
    assert trailers(repo)["Case-Approved-By"] == "zhang.wei <zhang.wei@example.com>"
    repo.ok("audit")


def test_quality_claim_days_come_from_the_config(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("quality_claim_days: 3", "quality_claim_days: 7"),
        encoding="utf-8",
    )
    repo.git("commit", "--no-verify", "-qam", "allow a week for quality claims")
    case_id = open_return(repo, "return_type=return", "reason=quality", "received_date=2026-11-17")
    repo.ok("attach", case_id, photo(repo))
    repo.ok("move", case_id, "approved", now="2026-11-24T09:00:00+08:00")  # 7 days
    late = open_return(repo, "return_type=return", "reason=quality", "received_date=2026-11-16")
    repo.ok("attach", late, photo(repo, "b.jpg", b"other"))
    err = refused_unchanged(repo, late, "move", late, "approved", now="2026-11-24T09:00:00+08:00")
    assert "8 days after receipt, more than the 7 days allowed" in err


def test_worn_item_needs_a_supervisor(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=quality", "received_date=2026-11-22")
    repo.ok("attach", case_id, photo(repo))
    err = refused_unchanged(repo, case_id, "move", case_id, "approved", "--set", "item_worn=是")
    assert "the item has been worn or used" in err
    repo.ok("move", case_id, "approved", "--set", "item_worn=yes", actor=SUPERVISOR)
    assert read_case(repo.case_path(case_id))["history"][-1]["approved_by"] == SUPERVISOR


# --- money ------------------------------------------------------------------------------


def test_partial_refund_up_to_the_postage_needs_no_supervisor(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=partial-refund", "reason=not-as-described")
    repo.ok("move", case_id, "approved", "--set", "refund_amount=10.00")  # equal to the standard postage
    repo.ok("move", case_id, "refunded")
    assert "approved_by" not in read_case(repo.case_path(case_id))["history"][-1]


def test_partial_refund_above_the_postage_needs_a_supervisor(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=partial-refund", "reason=not-as-described")
    err = refused_unchanged(repo, case_id, "move", case_id, "approved", "--set", "refund_amount=10.01")
    assert "the partial refund of 10.01 is larger than the standard postage of 10.00" in err
    repo.ok("move", case_id, "approved", "--set", "refund_amount=25", actor=SUPERVISOR)
    assert trailers(repo)["Case-Approved-By"].startswith("zhang.wei")
    # raising the approved amount when paying is the supervisor's decision again
    err = refused_unchanged(repo, case_id, "move", case_id, "refunded", "--set", "refund_amount=30")
    assert "partial refund of 30.00" in err
    # paying the amount the supervisor approved needs no second approval
    repo.ok("move", case_id, "refunded")
    entry = read_case(repo.case_path(case_id))["history"][-1]
    assert entry["by"] == "li.na" and "approved_by" not in entry


def test_partial_refund_limit_is_the_case_postage_when_recorded(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=partial-refund", "reason=quality", "received_date=2026-11-22")
    repo.ok("attach", case_id, photo(repo))
    repo.ok("move", case_id, "approved", "--set", "postage_amount=15")
    repo.ok("move", case_id, "refunded", "--set", "refund_amount=15")
    other = open_return(repo, "return_type=partial-refund", "reason=courier-damage", "postage_amount=15")
    repo.ok("move", other, "approved")
    err = refused_unchanged(repo, other, "move", other, "refunded", "--set", "refund_amount=15.5")
    assert "larger than the postage of 15.00" in err


def test_return_postage_must_be_recorded_when_the_shop_reimburses_it(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=return", "reason=wrong-item")
    repo.ok("move", case_id, "approved")
    err = refused_unchanged(repo, case_id, "move", case_id, "in_transit", "--set", "return_tracking_no=YT1")
    assert "pass --set postage_amount=" in err
    repo.ok("move", case_id, "in_transit", "--set", "return_tracking_no=YT1", "--set", "postage_amount=￥8.5")
    assert shown(repo, case_id)["postage"]["reimburse"] == "8.50"
    # the customer pays for a changed-mind return: nothing to record
    mine = open_return(repo, "return_type=return", "reason=changed-mind")
    repo.ok("move", mine, "approved")
    repo.ok("move", mine, "in_transit", "--set", "return_tracking_no=YT2")


def test_refund_cannot_exceed_what_was_paid(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=refund-only", "reason=changed-mind")
    repo.ok("move", case_id, "approved")
    repo.ok("move", case_id, "shipment_cancelled", "--set", "cancellation=order-cancelled")
    err = refused_unchanged(repo, case_id, "move", case_id, "refunded", "--set", "refund_amount=299.01")
    assert "refund_amount 299.01 is more than amount_paid 299.00" in err
    err = refused_unchanged(repo, case_id, "update", case_id, "--set", "refund_amount=300")
    assert "more than amount_paid" in err
    err = refused_unchanged(repo, case_id, "move", case_id, "refunded", "--set", "refund_amount=1.005")
    assert "more than two decimal places" in err
    repo.ok("move", case_id, "refunded", "--set", "refund_amount=299.00")


def test_exchange_records_the_price_difference_and_its_direction(repo: CLI) -> None:
    for new_price, amount, direction, zh in [
        ("329.90", "30.90", "customer-pays", "少补"),
        ("259.50", "39.50", "shop-refunds", "多退"),
        ("299", "0.00", "none", "无差价"),
    ]:
        case_id = open_return(
            repo, "return_type=exchange", "reason=changed-mind", "exchange_item=羽绒服 黑色 XL"
        )
        assert "price_difference" not in shown(repo, case_id)
        repo.ok("update", case_id, "--set", f"exchange_price={new_price}")
        assert shown(repo, case_id)["price_difference"] == {
            "amount": amount,
            "direction": direction,
            "zh": zh,
        }
        text = repo.ok("show", case_id).out
        assert f"price_difference: {{amount: {amount}, direction: {direction}, zh: {zh}}}" in text
    repo.ok("validate")


def test_exchange_cannot_be_reshipped_without_the_new_price(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=exchange", "reason=changed-mind")
    for target, sets in WALKS["exchange"][:4]:
        repo.ok("move", case_id, target, *[a for s in sets for a in ("--set", s)])
    err = refused_unchanged(repo, case_id, "move", case_id, "reshipped", "--set", "reship_tracking_no=SF1")
    assert "requires exchange_price" in err


# --- config validation ---------------------------------------------------------------


def _edit_config(repo: CLI, old: str, new: str) -> None:
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(repo: CLI, text: str) -> int:
    lines = (repo.root / "casekit.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


CONDITION_PROBLEMS = [
    ("when: {return_type: [swap]}", "'swap' is not a value of return_type"),
    ("when: {colour: [red]}", "unknown field 'colour'"),
    ("when: {order_no: [TB1]}", "when may name enum or boolean fields only; order_no is string"),
    ("when: [return]", "when must map a field to the values"),
]
SECTION_PROBLEMS = [
    ("customer_pays: [changed-mind]", "customer_pays: [changed-mind, bored]", "'bored' is not a reason"),
    ("customer_pays: [changed-mind]", "customer_pays: [changed-mind, quality]", "cannot be paid by both"),
    ("quality_claim_days: 3", "quality_claim_days: three", "whole number of days"),
    ("standard_amount: 10.00", "standard_amount: 10.005", "amount such as 10.00"),
    ("min_customers: 3", "min_customers: 0", "whole number, 1 or more"),
    ("      resend: [out]", "      swap: [out]", "'swap' is not a return type"),
    ("  kind: return\n", "  kind: refund\n", "no case kind 'refund'"),
    ("max_size_mb: 10", "max_size_mb: -1", "size in megabytes greater than 0"),
    (
        "quality_reasons: [quality]",
        "quality_reasons: [quality]\n  colour: red",
        "returns.colour: unknown key",
    ),
]


def test_config_problems_are_reported_with_lines(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    original = config.read_text(encoding="utf-8")
    cases = [("when: {return_type: [partial-refund]}", new, message) for new, message in CONDITION_PROBLEMS]
    for old, new, message in [*cases, *SECTION_PROBLEMS]:
        _edit_config(repo, old, new)
        result = repo.run("validate")
        assert result.code == 1, new
        assert message in result.out, (new, result.out)
        line = _line_of(repo, new.strip().split("\n")[-1])
        assert f"casekit.yaml:{line}:" in result.out, (new, result.out)
        if new.startswith("when"):
            assert "kinds.return.transitions.approved.refunded.when" in result.out
            assert repo.run("list").code == 1  # commands refuse to work with a broken config
        config.write_text(original, encoding="utf-8")
    repo.ok("validate")
