"""Return scripts state only what the case holds, through the real CLI: each return type's
own wording at each state, the 多发 (extra-item) workflow both ways, postage sentences only
with a payer and an amount, and an exchange's difference (补差价, 补邮费) said, then required
as paid (or waived by a supervisor) before the exchange is re-shipped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import CLI, read_case
from test_returns import SUPERVISOR, open_return, refused_unchanged, shown, trailers


def script(repo: CLI, case_id: str, lang: str = "zh") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(repo.ok("script", case_id, "--format", "json", "--lang", lang).out)
    return data


def walk(repo: CLI, case_id: str, *steps: tuple[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Move through `steps`; the zh script at each state reached, by state."""
    scripts = {}
    for target, sets in steps:
        if target == "closed":  # the after-return callback is made first: an open one blocks closing
            for linked in read_case(repo.case_path(case_id))["links"]:
                if linked.startswith("B-"):
                    repo.ok("move", linked, "completed", "--set", "satisfaction=satisfied")
        repo.ok("move", case_id, target, *[a for s in sets for a in ("--set", s)])
        scripts[target] = script(repo, case_id)
    return scripts


def assert_words(text: str, present: list[str], absent: list[str]) -> None:
    for phrase in present:
        assert phrase in text, (phrase, text)
    for phrase in absent:
        assert phrase not in text, (phrase, text)


# What each type may never say, at any state (besides the generic request and decline lines).
NEVER = {
    "return": ["换货", "补发", "折价"],
    "exchange": ["退货", "补发", "折价", "退款"],
    "partial-refund": ["退货", "换货", "补发", "运费", "垫付"],
    "resend": ["退货", "换货", "退款", "折价"],
    "refund-only": ["退货", "换货", "补发", "运费", "垫付"],
    "extra-item": ["退款", "退货", "换货"],
}
PATHS: dict[str, list[tuple[str, list[str]]]] = {
    "return": [
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=吊牌齐全，商品完好"]),
        ("refunded", ["refund_amount=299"]),
        ("closed", []),
    ],
    "exchange": [
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=尺码不合适，商品完好"]),
        ("reshipped", ["reship_tracking_no=SF1", "exchange_price=299"]),
        ("closed", []),
    ],
    "partial-refund": [("approved", []), ("refunded", ["refund_amount=10"]), ("closed", [])],
    "resend": [("approved", []), ("reshipped", ["reship_tracking_no=SF1"]), ("closed", [])],
    "refund-only": [
        ("approved", []),
        ("shipment_cancelled", ["cancellation=parcel-recalled"]),
        ("refunded", ["refund_amount=299"]),
        ("closed", []),
    ],
    "extra-item": [
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT2", "postage_amount=8"]),
        ("received", []),
        ("closed", ["postage_reimbursed=true"]),
    ],
}
REASON = {
    "return": "not-as-described",
    "exchange": "not-as-described",
    "partial-refund": "courier-damage",
    "resend": "lost-parcel",
    "refund-only": "lost-parcel",
    "extra-item": "extra-item",
}
# Phrases each type's scripts must say at a state.
SAYS = {
    ("return", "approved"): ["退货申请已经通过", "运费由我们承担"],
    ("return", "refunded"): ["您的退货我们已经处理完毕", "退款299.00元", "您垫付的寄回运费12.00元"],
    ("exchange", "approved"): ["换货申请已经通过", "来回的运费都由我们承担"],
    ("exchange", "inspected"): ["尽快为您换发"],
    ("exchange", "reshipped"): ["您的换货已处理完毕", "单号：SF1", "您垫付的寄回运费12.00元"],
    ("partial-refund", "approved"): ["折价申请已经通过", "商品不用寄回"],
    ("partial-refund", "refunded"): ["折价补偿10.00元已原路退回"],
    ("resend", "approved"): ["包裹在路上丢失", "补发"],
    ("resend", "reshipped"): ["为您补发的", "单号：SF1"],
    ("refund-only", "shipment_cancelled"): ["包裹已经从快递追回"],
    ("refund-only", "refunded"): ["退款299.00元已原路退回"],
    ("extra-item", "approved"): ["多发的", "运费由我们承担", "先垫付运费（不支持到付）", "留给您使用"],
    ("extra-item", "in_transit"): ["寄回单号YT2", "您垫付的运费8.00元"],
    ("extra-item", "received"): ["多发的商品我们已经收到", "您垫付的运费8.00元，我们会尽快转给您"],
    ("extra-item", "closed"): ["多发的商品已经寄回", "您垫付的运费8.00元已经转给您"],
}


@pytest.mark.parametrize("return_type", list(PATHS))
def test_each_type_says_only_its_own_facts_at_each_state(repo: CLI, return_type: str) -> None:
    # postage_amount recorded from the start: the partial refund of the complaint that
    # started this said "您垫付的运费10.00元也已一并退回" with nothing shipped.
    sets = [f"return_type={return_type}", f"reason={REASON[return_type]}"]
    if return_type in ("partial-refund", "refund-only", "resend"):
        sets.append("postage_amount=10")
    case_id = open_return(repo, *sets)
    scripts = walk(repo, case_id, *PATHS[return_type])
    for state, result in scripts.items():
        text = result["text"]
        assert_words(text, SAYS.get((return_type, state), []), NEVER[return_type])
        assert "退款0.00元" not in text and "None" not in text
        assert not any(word in text for word in ("return", "exchange", "shop", "customer")), text
    # Every state the type passes through has a script of its own; closed may repeat the last.
    chosen = [result["template"] for result in scripts.values()]
    assert len(set(chosen)) >= len(chosen) - 1, chosen
    if return_type == "extra-item":
        assert all(name.startswith("return-extra-item-") for name in chosen)


def test_extra_item_kept_by_the_customer(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=extra-item", "reason=extra-item")
    request = script(repo, case_id)
    assert request["template"] == "return-extra-item-request"
    assert_words(request["text"], ["多发了羽绒服 黑色 L", "寄回还是留用"], ["申请已经收到", "退款"])
    scripts = walk(repo, case_id, ("approved", []), ("kept", []), ("closed", []))
    assert scripts["kept"]["template"] == "return-extra-item-kept"
    assert_words(scripts["kept"]["text"], ["不用寄回了，留给您使用"], ["退款", "运费"])
    assert_words(scripts["closed"]["text"], ["留给您使用，这件事处理完毕"], ["退款", "运费", "寄回，"])
    case = read_case(repo.case_path(case_id))
    assert [e["to"] for e in case["history"][1:]] == ["approved", "kept", "closed"]
    repo.ok("validate")


def test_extra_item_moves_are_its_own(repo: CLI) -> None:
    other = open_return(repo, "return_type=return", "reason=not-as-described")
    repo.ok("move", other, "approved")
    err = refused_unchanged(repo, other, "move", other, "kept")
    assert "only for a return whose return_type is extra-item" in err
    extra = open_return(repo, "return_type=extra-item", "reason=wrong-item")
    err = refused_unchanged(repo, extra, "move", extra, "approved")
    assert err.startswith(f"casekit: {extra}: 多发") and "--set reason=extra-item" in err
    repo.ok("move", extra, "approved", "--set", "reason=extra-item")
    # The shop reimburses the postage the customer advances: the amount must be recorded.
    err = refused_unchanged(repo, extra, "move", extra, "in_transit", "--set", "return_tracking_no=YT")
    assert "postage_amount" in err
    repo.ok("move", extra, "in_transit", "--set", "return_tracking_no=YT", "--set", "postage_amount=8")
    repo.ok("move", extra, "received")
    err = refused_unchanged(repo, extra, "move", extra, "inspected", "--set", "inspection_result=好")
    assert "only for a return whose return_type is return (退货) or exchange (换货)" in err
    repo.ok("move", extra, "closed")
    assert shown(repo, extra)["postage"]["reimburse"] == "8.00"
    repo.ok("validate")
    repo.ok("audit")


def test_postage_sentence_needs_a_payer_and_an_amount(repo: CLI) -> None:
    steps = [
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1"]),
        ("received", []),
        ("inspected", ["inspection_result=商品完好"]),
        ("refunded", ["refund_amount=299"]),
    ]
    # The customer pays their own postage (changed mind): nothing advanced, nothing said.
    mine = open_return(repo, "return_type=return", "reason=changed-mind", "postage_amount=12")
    assert "垫付" not in walk(repo, mine, *steps)["refunded"]["text"]
    # The shop pays and the amount is recorded: the sentence names it.
    shops = open_return(repo, "return_type=return", "reason=not-as-described")
    shop_steps = [steps[0], ("in_transit", ["return_tracking_no=YT1", "postage_amount=12"]), *steps[2:]]
    assert "您垫付的寄回运费12.00元" in walk(repo, shops, *shop_steps)["refunded"]["text"]
    repo.ok("update", shops, "--set", "postage_reimbursed=true")
    assert "您垫付的寄回运费12.00元也已经退给您" in script(repo, shops)["text"]
    # A reason the config gives no payer for: an amount alone says nothing.
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    old = "courier-damage, lost-parcel]"
    assert old in text
    config.write_text(text.replace(old, "courier-damage]", 1), "utf-8")
    nobody = open_return(repo, "return_type=return", "reason=lost-parcel", "postage_amount=12")
    assert read_case(repo.case_path(nobody))["postage"]["payer"] == "unknown"
    approved = walk(repo, nobody, *steps)
    assert all("运费" not in result["text"] for result in approved.values())


def _dearer_exchange(repo: CLI) -> str:
    """A changed-mind exchange for a dearer item: 329.00 for 299.00 paid, postage 12.00."""
    case_id = open_return(
        repo,
        "return_type=exchange",
        "reason=changed-mind",
        "exchange_item=羽绒服 黑色 XL",
        "exchange_price=329",
    )
    return case_id


def test_exchange_states_the_difference_and_how_to_pay(repo: CLI) -> None:
    case_id = _dearer_exchange(repo)
    approved = walk(repo, case_id, ("approved", []))["approved"]["text"]
    # No postage amount yet: the difference only, never a guessed postage.
    assert_words(
        approved,
        ["补差价30.00元", "共30.00元", "请通过店铺的补差价链接拍下对应金额"],
        ["补邮费", "10.00"],
    )
    scripts = walk(
        repo,
        case_id,
        ("in_transit", ["return_tracking_no=YT1", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=尺码不合适，商品完好"]),
    )
    assert_words(
        scripts["inspected"]["text"],
        ["补差价30.00元、补邮费12.00元，共42.00元", "您付款后"],
        ["尽快为您换发"],
    )
    english = script(repo, case_id, "en")["text"]
    assert "¥42.00 in all; please pay it through the shop's price-difference link" in english
    # The payment text comes from the config.
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("请通过店铺的补差价链接拍下对应金额", "请扫码转账到店铺账户", 1), "utf-8")
    assert "共42.00元，请扫码转账到店铺账户。" in script(repo, case_id)["text"]


def test_exchange_is_reshipped_only_once_the_difference_is_paid(repo: CLI) -> None:
    case_id = _dearer_exchange(repo)
    walk(
        repo,
        case_id,
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=商品完好"]),
    )
    err = refused_unchanged(repo, case_id, "move", case_id, "reshipped", "--set", "reship_tracking_no=SF1")
    assert err.startswith(f"casekit: {case_id}: 换货需客户补差价30.00元、补邮费12.00元，共42.00元")
    assert "--set difference_paid_amount=42.00" in err and "difference_waived=true" in err
    repo.ok("update", case_id, "--set", "difference_paid_amount=30")
    err = refused_unchanged(repo, case_id, "move", case_id, "reshipped", "--set", "reship_tracking_no=SF1")
    assert "已记录付款30.00元，还差12.00元未付" in err
    assert "还差12.00元" in script(repo, case_id)["text"]
    repo.ok(
        "move", case_id, "reshipped", "--set", "reship_tracking_no=SF1", "--set", "difference_paid_amount=42"
    )
    text = script(repo, case_id)["text"]
    assert_words(text, ["您的换货已处理完毕", "您补的42.00元我们已经收到"], ["退货", "退款", "垫付"])


def test_only_a_supervisor_waives_the_difference(repo: CLI) -> None:
    case_id = _dearer_exchange(repo)
    walk(
        repo,
        case_id,
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=商品完好"]),
    )
    move = ["move", case_id, "reshipped", "--set", "reship_tracking_no=SF1"]
    err = refused_unchanged(repo, case_id, *move, "--set", "difference_waived=true")
    assert "免收换货差价" in err and "supervisor" in err
    err = refused_unchanged(repo, case_id, "update", case_id, "--set", "difference_waived=true")
    assert "免收换货差价" in err
    repo.ok(*move, "--set", "difference_waived=true", actor=SUPERVISOR)
    assert trailers(repo)["Case-Approved-By"].startswith(SUPERVISOR)
    entry = read_case(repo.case_path(case_id))["history"][-1]
    assert entry["approved_by"] == SUPERVISOR
    assert entry["approval"] == [{"note": "returns.difference-waived"}]
    assert "经主管同意，这次换货的42.00元不用您再补了" in script(repo, case_id)["text"]
    repo.ok("validate")
    repo.ok("audit")


def test_supervisor_waiver_recorded_earlier_lets_an_agent_reship(repo: CLI) -> None:
    case_id = _dearer_exchange(repo)
    repo.ok("move", case_id, "approved")
    repo.ok("update", case_id, "--set", "difference_waived=true", actor=SUPERVISOR)
    walk(
        repo,
        case_id,
        ("in_transit", ["return_tracking_no=YT1", "postage_amount=12"]),
        ("received", []),
        ("inspected", ["inspection_result=商品完好"]),
    )
    assert "补差价" not in script(repo, case_id)["text"]
    repo.ok("move", case_id, "reshipped", "--set", "reship_tracking_no=SF1")


def test_changed_mind_exchange_needs_the_reshipment_postage_recorded(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=exchange", "reason=changed-mind", "exchange_price=299")
    walk(
        repo,
        case_id,
        ("approved", []),
        ("in_transit", ["return_tracking_no=YT1"]),
        ("received", []),
        ("inspected", ["inspection_result=商品完好"]),
    )
    err = refused_unchanged(repo, case_id, "move", case_id, "reshipped", "--set", "reship_tracking_no=SF1")
    assert "补邮费" in err and "--set postage_amount=" in err
    repo.ok("update", case_id, "--set", "postage_amount=12", "--set", "difference_paid_amount=12")
    repo.ok("move", case_id, "reshipped", "--set", "reship_tracking_no=SF1")
