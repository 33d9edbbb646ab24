"""Chinese words accepted everywhere a key is: a kind, state, priority, channel, enum value,
outcome or person may be typed as its key, its Chinese or English label (any letter case),
or a person's display name, login or email; a word that names nothing, or more than one
thing, is refused naming it and listing the choices, in the user's language."""

from __future__ import annotations

import json

import pytest

from casekit.core import words
from casekit.core.config import Label
from conftest import CLI, Result, read_case

ZH = {"CASEKIT_LANG": "zh_CN"}


def ids(result: Result) -> list[str]:
    return [row["id"] for row in json.loads(result.out)]


def usage_refusal(result: Result) -> str:
    """A filter word refused: exit 2, one line on stderr, no traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if "warning:" not in line]
    assert len(lines) == 1, result.err
    return lines[0]


def test_the_resolver_takes_plain_data() -> None:
    vocabulary = words.labelled(
        {"high": Label("高", "High"), "low": Label("低", "Low")},
        "{word} is not a priority; use one of {choices}",
    )
    assert [words.resolve(vocabulary, w) for w in ("high", " 高 ", "HIGH", "ｈｉｇｈ", "Low")] == [
        "high",
        "high",
        "high",
        "high",
        "low",
    ]
    with pytest.raises(words.UnknownWord) as unknown:
        words.resolve(vocabulary, "urgent")
    assert str(unknown.value) == "'urgent' is not a priority; use one of high, low"
    assert unknown.value.word == "urgent" and unknown.value.matches == ()

    shared = words.labelled(
        {"declined": Label("已拒绝", "Declined"), "refused": Label("已拒绝", "Refused")}, ""
    )
    with pytest.raises(words.UnknownWord) as ambiguous:
        words.resolve(shared, "已拒绝")
    assert ambiguous.value.matches == ("declined", "refused")
    assert "declined" in str(ambiguous.value) and "refused" in str(ambiguous.value)


def test_list_filters_take_chinese_words(example_repo: CLI) -> None:
    def listed(*args: str) -> list[str]:
        return ids(example_repo.ok("list", *args, "--format", "json", extra_env=ZH))

    investigating = listed("--status", "investigating")
    assert investigating and listed("--status", "调查中") == investigating
    assert listed("--status", "INVESTIGATING") == listed("--status", "Investigating") == investigating
    complaints = listed("--kind", "complaint")
    assert complaints and listed("--kind", "投诉") == complaints
    assert listed("--kind", "投诉,回访") == listed("--kind", "complaint,callback")
    of_li_na = listed("--assignee", "li.na")
    assert of_li_na
    assert listed("--assignee", "李娜") == listed("--assignee", "li.na@example.com") == of_li_na
    table = example_repo.ok("list", "--assignee", "李娜", extra_env=ZH).out
    assert "no cases match" not in table and "没有" not in table
    due = example_repo.ok("due", "--assignee", "陈杰", "--kind", "投诉", "--format", "json", extra_env=ZH).out
    assert json.loads(due) == json.loads(
        example_repo.ok("due", "--assignee", "chen.jie", "--kind", "complaint", "--format", "json").out
    )


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_misspelt_filter_is_refused_naming_it_with_the_choices(example_repo: CLI, lang: str) -> None:
    env = {"CASEKIT_LANG": lang}
    status = usage_refusal(example_repo.run("list", "--status", "investigatin", extra_env=env))
    assert "'investigatin'" in status and "investigating" in status and "resolved" in status
    kind = usage_refusal(example_repo.run("list", "--kind", "投拆", extra_env=env))
    assert "'投拆'" in kind and "complaint" in kind
    person = usage_refusal(example_repo.run("list", "--assignee", "李那", extra_env=env))
    assert "'李那'" in person and "li.na" in person
    due = usage_refusal(example_repo.run("due", "--assignee", "ghost", extra_env=env))
    assert "'ghost'" in due and "wang.fang" in due
    if lang == "zh_CN":
        assert "可选状态" in status and "（调查中）" in status
        assert "李娜" in person
    else:
        assert "unknown status 'investigatin'; states are " in status


def test_an_ambiguous_word_is_refused_with_what_it_could_mean(example_repo: CLI) -> None:
    # 已拒绝 is both a return's `declined` and a cancellation's `refused`
    refusal = usage_refusal(example_repo.run("list", "--status", "已拒绝", extra_env=ZH))
    assert "'已拒绝'" in refusal and "declined" in refusal and "refused" in refusal
    assert "退换货" in refusal and "退订" in refusal
    # among the states of one kind it names one
    declined = ids(example_repo.ok("list", "--kind", "退换货", "--status", "已拒绝", "--format", "json"))
    assert declined == ids(
        example_repo.ok("list", "--kind", "return", "--status", "declined", "--format", "json")
    )


def test_new_move_assign_and_update_take_chinese_words(example_repo: CLI) -> None:
    new = example_repo.ok(
        "new",
        "投诉",
        "--title",
        "传真机无法接收传真",
        "--customer",
        "王先生",
        "--channel",
        "WeChat",
        "--priority",
        "HIGH",
        "--assignee",
        "王芳",
        "--set",
        "category=物流配送",
        extra_env=ZH,
    )
    case_id = new.out.strip()
    case = read_case(example_repo.case_path(case_id))
    assert (case["kind"], case["channel"], case["priority"], case["assignee"]) == (
        "complaint",
        "wechat",
        "high",
        "wang.fang",
    )
    assert case["fields"]["category"] == "logistics"

    example_repo.ok("move", case_id, "判断中", extra_env=ZH)
    assert read_case(example_repo.case_path(case_id))["status"] == "assessing"
    assert "Case-To: assessing" in example_repo.git("log", "-1", "--format=%(trailers)")
    example_repo.ok("assign", case_id, "Chen.Jie@Example.com", extra_env=ZH)
    example_repo.ok("update", case_id, "--set", "category=Product quality", extra_env=ZH)
    case = read_case(example_repo.case_path(case_id))
    assert (case["assignee"], case["fields"]["category"]) == ("chen.jie", "product-quality")

    head = example_repo.head()
    moved = example_repo.refused("move", case_id, "调查终", extra_env=ZH)
    assert "'调查终'" in moved.err and "investigating（调查中）" in moved.err and "可选状态" in moved.err
    english = example_repo.refused("move", case_id, "investigate")
    assert "'investigate' is not a complaint state; states are received, assessing" in english.err
    assigned = example_repo.refused("assign", case_id, "李那", extra_env=ZH)
    assert "'李那'" in assigned.err and "li.na（李娜）" in assigned.err
    updated = example_repo.refused("update", case_id, "--set", "category=物流", extra_env=ZH)
    assert "'物流'" in updated.err and "logistics（物流配送）" in updated.err
    kind = example_repo.refused(
        "new", "工单", "--title", "t", "--customer", "c", "--channel", "电话", extra_env=ZH
    )
    assert "'工单'" in kind.err and "complaint（投诉）" in kind.err
    assert example_repo.head() == head


def test_callback_words_and_people_options(example_repo: CLI) -> None:
    callback = example_repo.ok(
        "new",
        "回访",
        "--title",
        "回访",
        "--customer",
        "王先生",
        "--phone",
        "13800138000",
        "--channel",
        "电话",
        "--set",
        "callback_type=老客户",
    ).out.strip()
    assert read_case(example_repo.case_path(callback))["fields"]["callback_type"] == "returning"
    example_repo.ok("attempt", callback, "--outcome", "无人接听", extra_env=ZH)
    assert read_case(example_repo.case_path(callback))["history"][-1]["outcome"] == "no-answer"
    example_repo.ok("attempt", callback, "--outcome", "Busy")
    outcome = example_repo.run("attempt", callback, "--outcome", "没人接", extra_env=ZH)
    assert outcome.code == 2 and "'没人接'" in outcome.err and "no-answer（无人接听）" in outcome.err

    queue = example_repo.ok("queue", "--agent", "李娜", "--format", "json", "--all").out
    assert json.loads(queue) == json.loads(
        example_repo.ok("queue", "--agent", "li.na", "--format", "json", "--all").out
    )
    stranger = example_repo.refused("queue", "--agent", "李那", extra_env=ZH)
    assert "'李那'" in stranger.err and "li.na（李娜）" in stranger.err

    complaint = example_repo.new()
    example_repo.ok("escalate", complaint, "--to", "张伟", "--note", "客户要求三倍赔偿", extra_env=ZH)
    assert read_case(example_repo.case_path(complaint))["assignee"] == "zhang.wei"


def test_script_list_and_harassment_log_take_labels(example_repo: CLI) -> None:
    by_label = example_repo.ok("script", "--list", "--kind", "回访", "--state", "待回访", "--format", "json")
    by_key = example_repo.ok(
        "script", "--list", "--kind", "callback", "--state", "scheduled", "--format", "json"
    )
    assert json.loads(by_label.out) == json.loads(by_key.out)
    state = example_repo.run("script", "--list", "--kind", "回访", "--state", "调查中", extra_env=ZH)
    assert state.code == 2 and "--state" in state.err and "scheduled（待回访）" in state.err

    logged = example_repo.ok(
        "harassment",
        "log",
        "--phone",
        "13912345678",
        "--line",
        "400-820-8820",
        "--said",
        "胡言乱语",
        "--ended-by",
        "座席挂断",
        "--severity",
        "辱骂威胁",
        extra_env=ZH,
    ).out.strip()
    fields = read_case(example_repo.case_path(logged))["fields"]
    assert (fields["ended_by"], fields["severity"]) == ("agent", "abusive")
    refused = example_repo.run(
        "harassment",
        "log",
        "--phone",
        "13912345678",
        "--line",
        "400-820-8820",
        "--said",
        "胡言乱语",
        "--ended-by",
        "客户",
        extra_env=ZH,
    )
    assert refused.code == 2 and "--ended-by" in refused.err and "caller（来电方挂断）" in refused.err


def test_registers_take_the_names_the_team_uses(example_repo: CLI) -> None:
    def register(name: str) -> object:
        return json.loads(example_repo.ok("registers", name, "--month", "2026-11", "--format", "json").out)

    assert register("邮费充值清单") == register("Postage refunds") == register("postage")
    unknown = usage_refusal(example_repo.run("registers", "邮费", extra_env=ZH))
    assert "'邮费'" in unknown and "postage（邮费充值清单）" in unknown
