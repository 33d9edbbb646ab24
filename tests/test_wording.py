"""Forbidden wording (投诉处理禁区) as config, checked where a script will read it to the customer:
in templates, in text typed into a case at every change, and in case files by `validate`."""

from __future__ import annotations

import json
from pathlib import Path

from casekit.core.wording import find_forbidden, parse_rules
from casekit.features.scripts.customer_text import header_kinds, scan_template
from conftest import CLI, edit_file, line_of, read_case

BAD_REASON = "这个要求不行，是您自己操作错误"
SCRIPTS = Path("templates") / "scripts" / "zh"


def _assessing(repo: CLI) -> str:
    case_id = repo.new("complaint")
    repo.ok("move", case_id, "assessing")
    return case_id


def _config(repo: CLI, old: str, new: str) -> None:
    edit_file(repo.root / "casekit.yaml", old, new)
    repo.git("commit", "--no-verify", "-qam", "config")


def _strict(repo: CLI) -> None:
    _config(repo, "  customer_text: warn\n", "  customer_text: strict\n")


def _template(repo: CLI, name: str, body: str, kind: str = "complaint") -> None:
    folder = repo.root / SCRIPTS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.j2").write_text(f"{{#\nkind: {kind}\nmanual: true\n#}}\n{body}\n", encoding="utf-8")
    repo.git("add", "templates")
    repo.git("commit", "--no-verify", "-qm", f"template {name}")


def test_move_with_forbidden_wording_warns_and_commits(repo: CLI) -> None:
    case_id = _assessing(repo)
    count = repo.commit_count()
    result = repo.ok("move", case_id, "rejected", "--set", f"rejection_reason={BAD_REASON}")
    assert result.out.strip() == case_id
    assert repo.commit_count() == count + 1
    assert read_case(repo.case_path(case_id))["fields"]["rejection_reason"] == BAD_REASON
    lines = result.err.splitlines()
    assert len(lines) == 2, result.err
    assert lines[0].startswith(
        f"warning: {case_id}: 字段 rejection_reason（不成立原因）含禁用语“不行”（见 004），"
        "建议改为：我们来看看还有哪些办法"
    ), lines[0]
    assert "/ the field rejection_reason (Rejection reason) uses '不行'" in lines[0]
    assert "suggested: let us see what else we can do" in lines[0]
    # blaming the customer is in the list too (002 暗示客户有错误)
    assert "含禁用语“您自己操作错”（见 002），建议改为：我们一起看看问题出在哪里" in lines[1]


def test_strict_refuses_and_changes_nothing(repo: CLI) -> None:
    _strict(repo)
    case_id = _assessing(repo)
    path = repo.case_path(case_id)
    before, count = path.read_bytes(), repo.commit_count()
    refused = repo.refused("move", case_id, "rejected", "--set", f"rejection_reason={BAD_REASON}")
    assert refused.err.startswith(
        f"casekit: {case_id}: 字段 rejection_reason（不成立原因）含禁用语“不行”（见 004），"
        "建议改为：我们来看看还有哪些办法；未作任何更改，请改写后重新执行命令"
    ), refused.err
    assert "nothing was changed: rephrase it and run the command again" in refused.err
    assert path.read_bytes() == before and repo.commit_count() == count
    assert repo.git("status", "--porcelain") == ""
    good = repo.ok("move", case_id, "rejected", "--set", "rejection_reason=经核实，商品在保修期外")
    assert good.err == "" and repo.commit_count() == count + 1


def test_update_warns_only_for_new_wording(repo: CLI) -> None:
    case_id = repo.new("complaint")
    first = repo.ok("update", case_id, "--set", "solution=我也不知道怎么办，先换一台吧")
    assert f"warning: {case_id}: 字段 solution（处理方案）含禁用语“不知道”" in first.err
    assert "建议改为：我马上为您核实，再给您准确的答复" in first.err
    assert f"`casekit update {case_id} --set solution=...`" in first.err
    # the same wording, already there, is not named again by an unrelated change
    again = repo.ok("update", case_id, "--set", "root_cause=传真模块老化")
    assert again.err == ""


def test_strict_update_refused(repo: CLI) -> None:
    _strict(repo)
    case_id = repo.new("complaint")
    path = repo.case_path(case_id)
    before, count = path.read_bytes(), repo.commit_count()
    refused = repo.refused("update", case_id, "--set", "solution=这个不可以退")
    assert "字段 solution（处理方案）含禁用语“不可以”" in refused.err
    assert path.read_bytes() == before and repo.commit_count() == count


def test_fields_no_script_prints_are_not_checked(repo: CLI) -> None:
    case_id = repo.new("complaint", "--set", "content=客服说不行，我很生气")  # the customer's words
    quiet = repo.ok("update", case_id, "--set", "summary=不行的做法要改进")
    assert quiet.err == ""
    assert "warning" not in repo.ok("validate").out
    # once a script of the team prints the field, it is checked
    _template(repo, "complaint-summary", "总结：{{ fields.summary }}")
    loud = repo.ok("update", case_id, "--set", "summary=这样不行")
    assert f"warning: {case_id}: 字段 summary（总结评价）含禁用语“不行”" in loud.err
    # a script for another kind does not make the field of this kind checked
    _template(repo, "return-merchant", "{{ fields.merchant }}", kind="return")
    assert repo.ok("update", case_id, "--set", "merchant=不知道").err == ""
    assert repo.ok("validate").code == 0


def test_notes_are_checked_when_a_script_prints_them(repo: CLI) -> None:
    case_id = repo.new("complaint")
    # no script prints a case's notes: `casekit note` and a move's note are the team's own
    assert repo.ok("note", case_id, "客户说上次客服回答不知道").err == ""
    assert repo.ok("promise", case_id, "--by", "2h", "--note", "不知道能不能修好").err == ""
    _template(repo, "complaint-promise-note", "{% if promise %}{{ promise.note }}{% endif %}")
    promised = repo.ok("promise", case_id, "--by", "3h", "--note", "不知道能不能修好")
    assert f"warning: {case_id}: 承诺说明含禁用语“不知道”" in promised.err
    assert "`casekit promise C-" in promised.err
    assert repo.ok("note", case_id, "不知道").err == ""
    _template(repo, "complaint-escalation-note", "{{ escalation['note'] }}")
    escalated = repo.ok(
        "escalate", case_id, "--to", "zhang.wei", "--note", "客户要求三倍赔偿，这不是我们的责任"
    )
    assert f"warning: {case_id}: 上转说明含禁用语“不是我们的责任”" in escalated.err
    assert "建议改为：这件事由我来跟进" in escalated.err


def test_strict_promise_note_refused(repo: CLI) -> None:
    _strict(repo)
    _template(repo, "complaint-promise-note", "{{ promise.note }}")
    case_id = repo.new("complaint")
    count = repo.commit_count()
    refused = repo.refused("promise", case_id, "--by", "2h", "--note", "我保证明天修好")
    assert f"{case_id}: 承诺说明含禁用语“我保证”" in refused.err
    assert repo.commit_count() == count


def test_validate_reports_a_hand_edited_case(repo: CLI) -> None:
    case_id = repo.new("complaint", "--set", "solution=为您更换新机")
    path = repo.case_path(case_id)
    edit_file(path, "solution: 为您更换新机", "solution: 这是您自己的问题，不行")
    repo.git("commit", "--no-verify", "-qam", "hand edit")
    rel = path.relative_to(repo.root).as_posix()
    line = line_of(path, "solution:")
    result = repo.ok("validate")  # a warning by default
    assert f"{rel}:{line}: warning: {case_id}: 字段 solution（处理方案）含禁用语“不行”" in result.out
    assert "含禁用语“您自己的问题”" in result.out
    assert "2 warnings" in result.err
    problems = json.loads(repo.ok("validate", "--format", "json").out)
    assert {p["severity"] for p in problems} == {"warning"} and len(problems) == 2
    assert repo.ok("validate", rel).out.count("warning:") == 2  # a path given: the same check
    _strict(repo)
    strict = repo.run("validate")
    assert strict.code == 1
    assert f"{rel}:{line}: {case_id}: 字段 solution（处理方案）含禁用语“不行”" in strict.out
    assert "2 problems found" in strict.err


def test_the_old_list_format_is_still_read(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    start = text.index("  forbidden:\n")
    end = text.index("  # Text typed into a case")
    config.write_text(
        text[:start] + '  forbidden_phrases:\n    zh: [不行, 客户撒谎]\n    en: ["no way"]\n' + text[end:],
        encoding="utf-8",
    )
    repo.git("commit", "--no-verify", "-qam", "old format")
    assert repo.ok("validate").out == ""
    case_id = _assessing(repo)
    moved = repo.ok("move", case_id, "rejected", "--set", "rejection_reason=客户撒谎")
    assert f"warning: {case_id}: 字段 rejection_reason（不成立原因）含禁用语“客户撒谎”" in moved.err
    assert "建议改为" not in moved.err  # a plain phrase has no suggested wording
    assert "不行" not in moved.err  # 不行 is not in the text; the bundled list no longer applies
    # one list for every language
    edit_file(config, '    zh: [不行, 客户撒谎]\n    en: ["no way"]\n', "    [不行]\n")
    edit_file(config, "  forbidden_phrases:\n    [不行]\n", "  forbidden_phrases: [不行]\n")
    repo.git("commit", "--no-verify", "-qam", "one list")
    assert repo.ok("validate").out == ""
    other = repo.new("complaint")
    assert (
        f"{other}: 字段 solution（处理方案）含禁用语“不行”"
        in repo.ok("update", other, "--set", "solution=不行").err
    )


def test_bad_forbidden_config_is_named(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(
        config,
        "  forbidden:\n    zh:\n",
        "  forbidden:\n    zh:\n      - {pattern: '([', suggest: x}\n      - {phrase: 不行, pattern: 不行}\n",
    )
    edit_file(config, "  customer_text: warn\n", "  customer_text: loud\n")
    result = repo.run("validate")
    assert result.code == 1
    out = result.out
    assert "pattern '([' is not a regular expression" in out
    assert "give either phrase (words) or pattern (a regular expression), not both" in out
    assert "customer_text is warn" in out and "or strict" in out
    assert all(line.startswith("casekit.yaml:") for line in out.splitlines())


def test_templates_with_forbidden_wording_are_refused(repo: CLI) -> None:
    _template(repo, "complaint-blame", "王先生，这是您自己的问题。")
    result = repo.run("validate")
    assert result.code == 1
    path = (SCRIPTS / "complaint-blame.j2").as_posix()
    assert (
        f"{path}:5: says '您自己的问题', wording replies must never use (002); "
        "say instead: 我们一起看看问题出在哪里，我来为您处理"
    ) in result.out
    # with customer_text: strict the templates are checked just the same
    _strict(repo)
    assert f"{path}:5: says '您自己的问题'" in repo.run("validate").out


def test_rules_parse_and_match() -> None:
    rules, problems = parse_rules(
        {
            "zh": ["不行", {"pattern": "您自己.{0,6}错", "suggest": {"zh": "我们一起看看"}, "source": "002"}],
            "en": [{"phrase": "No Way", "suggest": "let us see"}],
        },
        where=["forbidden"],
    )
    assert problems == []
    hits = find_forbidden("真不行，是您自己操作错误。NO WAY", rules)
    assert [(h.found, h.rule.lang, h.rule.suggestion("zh")) for h in hits] == [
        ("不行", "zh", None),
        ("您自己操作错", "zh", "我们一起看看"),
        ("NO WAY", "en", "let us see"),
    ]
    shared, _ = parse_rules(["不行"], where=["forbidden_phrases"])
    assert {r.lang for r in shared} == {"zh", "en"}
    assert len(find_forbidden("不行", shared)) == 1  # one rule for every language: one hit
    _, wrong = parse_rules({"fr": ["non"], "zh": [{"pattern": ".*"}, "", 3]}, where=["forbidden"])
    assert [path for path, _ in wrong] == [
        ["forbidden", "fr"],
        ["forbidden", "zh", 0],
        ["forbidden", "zh", 1],
        ["forbidden", "zh", 2],
    ]


def test_scan_template_finds_printed_fields() -> None:
    fields, notes = scan_template(
        "{# fields.hidden #}{{ fields.solution }}{{ fields['root_cause'] }}"
        "{% if fields.get('demand') %}{{ promise.note }}{% endif %}{{ escalation.by_name }}"
    )
    assert fields == {"solution", "root_cause", "demand"}
    assert notes == {"promise"}
    everything, _ = scan_template("{% for k, v in fields.items() %}{{ v }}{% endfor %}")
    assert everything is None
    assert header_kinds("{#\nsummary: x\nkind: [complaint, return]  # both\n#}\n") == ["complaint", "return"]
    assert header_kinds('{#\nkind: "callback"\n#}\n') == ["callback"]  # read as YAML
    assert header_kinds("{#\nstates: [new]\n#}\nkind: complaint\n") == []  # not in the header
