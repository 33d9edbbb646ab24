"""The features speak Chinese to a Chinese desk (CASEKIT_LANG=zh_CN), through the real CLI:
refusals, register CSV headers, settlement-check's kind and state words, and the reasons a
supervisor's approval records, which the case file keeps as notes (keys and values) and
`show` says in the reader's language."""

from __future__ import annotations

from conftest import CLI, read_case
from test_returns import open_return

ZH = {"CASEKIT_LANG": "zh_CN"}
EN = {"CASEKIT_LANG": "en"}
SUPERVISOR = "zhang.wei"
SHOP = "优品服饰旗舰店"


def test_a_refusal_is_in_chinese(repo: CLI) -> None:
    case_id = repo.new("complaint")
    err = repo.refused("merge", case_id, case_id, extra_env=ZH).err
    assert f"{case_id}：工单不能合并到自身；请把保留的工单作为 INTO 给出" in err
    assert "cannot be merged" not in err
    # the same refusal in English keeps its wording
    err = repo.refused("merge", case_id, case_id, extra_env=EN).err
    assert f"{case_id}: a case cannot be merged into itself; name the case that stays as INTO" in err


def test_a_register_csv_names_its_columns_in_chinese_and_by_key_in_english(repo: CLI) -> None:
    zh = repo.ok("registers", "postage", "--format", "csv", "--no-bom", extra_env=ZH).lines
    assert zh[0] == "登记日期,工单号,店铺,帐号,客户,订单号,原因,寄回单号,金额,已充值,状态"
    en = repo.ok("registers", "postage", "--format", "csv", "--no-bom", extra_env=EN).lines
    assert en[0] == (
        "date,case_id,merchant,customer_account,customer,order_no,reason,return_tracking_no,amount,"
        "reimbursed,status"
    )
    text = repo.ok("registers", "postage", extra_env=ZH).out
    assert text.splitlines() == ["邮费充值清单", "无记录"]


def test_settlement_check_shows_kind_and_state_labels_in_chinese(repo: CLI) -> None:
    complaint = repo.new("complaint", "--set", f"merchant={SHOP}", "--set", "order_no=TB100")
    held = open_return(repo, "return_type=return", "reason=changed-mind", "order_no=TB200")
    err = repo.refused("settlement-check", SHOP, "--order", "TB100", extra_env=ZH).err
    assert f"{SHOP} 的订单 TB100 不能结算：未结案 {complaint}（投诉，" in err
    assert "complaint" not in err
    listing = repo.ok("settlement-check", SHOP, extra_env=ZH).out
    assert listing.startswith(f"{SHOP}：2 个订单不能结算")
    row = next(line for line in listing.splitlines() if held in line)
    assert "退换货" in row and " return " not in f" {row} "
    assert "类型" in listing and "Kind" not in listing


def test_an_approval_is_kept_as_a_note_and_shown_in_the_readers_language(repo: CLI) -> None:
    case_id = repo.new("complaint")
    err = repo.refused("update", case_id, "--set", "compensation=80", extra_env=ZH).err
    assert "补偿金额超过坐席权限（compensation 80.00 > 50.00）" in err
    repo.ok("update", case_id, "--set", "compensation=80", actor=SUPERVISOR, extra_env=ZH)
    entry = read_case(repo.case_path(case_id))["history"][-1]
    # the file holds the rule and its values, whatever language the supervisor reads
    assert entry["approval"] == [
        {"note": "approvals.rule", "rule": "compensation-over-limit", "detail": "compensation 80.00 > 50.00"}
    ]
    zh = repo.ok("show", case_id, extra_env=ZH).err
    assert "经主管 zhang.wei 批准：补偿金额超过坐席权限（compensation 80.00 > 50.00）" in zh
    en = repo.ok("show", case_id, extra_env=EN).err
    assert "approved by zhang.wei: compensation above the agent's limit (compensation 80.00 > 50.00)" in en


def test_a_returns_approval_note_names_its_values(repo: CLI) -> None:
    case_id = open_return(repo, "return_type=exchange", "reason=quality")
    path = repo.case_path(case_id)
    repo.ok("update", case_id, "--set", "difference_waived=true", actor=SUPERVISOR)
    entry = read_case(path)["history"][-1]
    assert entry["approval"] == [{"note": "returns.difference-waived"}]
    assert "经主管 zhang.wei 批准：免收换货差价" in repo.ok("show", case_id, extra_env=ZH).err


def test_an_approval_written_as_prose_by_an_older_casekit_is_shown_as_it_is(repo: CLI) -> None:
    case_id = repo.new("complaint")
    repo.ok("update", case_id, "--set", "compensation=80", actor=SUPERVISOR)
    path = repo.case_path(case_id)
    written = (
        "approval: [{note: approvals.rule, rule: compensation-over-limit, "
        "detail: compensation 80.00 > 50.00}]"
    )
    text = path.read_text(encoding="utf-8")
    assert written in text, text
    # the prose older versions wrote
    old = text.replace(
        written, 'approval: "compensation above the agent\'s limit (compensation 80.00 > 50.00)"'
    )
    path.write_text(old, encoding="utf-8")
    zh = repo.ok("show", case_id, extra_env=ZH).err
    assert "经主管 zhang.wei 批准：compensation above the agent's limit (compensation 80.00 > 50.00)" in zh
