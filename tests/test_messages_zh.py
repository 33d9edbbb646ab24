"""The Chinese desk: casekit's refusals read in Chinese when the user reads Chinese."""

from __future__ import annotations

from conftest import CLI, edit_file

ZH = {"CASEKIT_LANG": "zh_CN"}


def test_a_broken_config_is_refused_in_chinese_naming_the_line_and_the_fix(repo: CLI) -> None:
    edit_file(repo.root / "casekit.yaml", "timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    chinese = repo.refused("list", extra_env=ZH).err
    assert "未知时区 'Mars/Olympus'；请使用 Asia/Shanghai 这样的名称" in chinese
    assert "请修正 casekit.yaml，然后运行 `casekit validate`" in chinese
    # the same refusal in English, word for word as before
    english = repo.refused("list").err
    assert "unknown time zone 'Mars/Olympus'; use a name like Asia/Shanghai" in english
    assert "未知时区" not in english


def test_a_case_file_that_is_not_yaml_casekit_reads_is_refused_in_chinese(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    path.write_text(path.read_text(encoding="utf-8") + "title: again\n", encoding="utf-8")
    chinese = repo.refused("show", case_id, extra_env=ZH).err
    assert "在同一个映射中出现了两次" in chinese
    assert "请只保留其中一个" in chinese
