"""The Chinese desk reads casekit's help in Chinese: the command's own prose and Typer's
words around it (用法, 参数, 选项, 命令, the help option, the usage errors), laid out by
display width. English stays as it was."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from conftest import CLI

CHINESE = {"CASEKIT_LANG": "zh_CN"}
# three English words in a row: a sentence of prose, not a flag, a value or a file name
ENGLISH_PROSE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")
TYPER_ENGLISH = (
    "Usage:",
    "Options:",
    "Arguments:",
    "Commands:",
    "Show this message",
    "[required]",
    "default:",
)
COMMANDS = (
    ("new",),
    ("list",),
    ("move",),
    ("merge",),
    ("calendar", "add"),
    ("callbacks",),
    ("report", "weekly"),
    ("customer", "show"),
    ("harassment", "log"),
)


@pytest.fixture
def desk(tmp_path: Path, environ: dict[str, str]) -> CLI:
    """casekit outside any case repository: help needs none."""
    return CLI(tmp_path, environ)


def _prose(help_text: str) -> str:
    """The help without its usage line and its examples (command lines stay as typed)."""
    paragraphs = re.split(r"\n\s*\n", help_text)
    kept = [p for p in paragraphs if not re.match(r"\s*(用法：|示例|还可以：)", p)]
    # an example may end a paragraph of prose: "... 示例：casekit repair"
    return "\n\n".join(re.sub(r"示例（?[^：]*：.*", "", p, flags=re.DOTALL) for p in kept)


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_the_application_help_is_chinese(desk: CLI) -> None:
    text = desk.ok("--help", extra_env=CHINESE).out
    assert re.match(r"用法：.*casekit \[OPTIONS\] COMMAND", text), text
    for heading in ("选项：", "命令：", "显示本帮助并退出。", "显示版本号。", "客户服务工单"):
        assert heading in text, heading
    for english in TYPER_ENGLISH:
        assert english not in text, english
    assert not ENGLISH_PROSE.search(_prose(text)), ENGLISH_PROSE.findall(_prose(text))
    # every command is listed with a Chinese summary, whole words, not a bare "..."
    listed = re.findall(r"^  ([a-z][a-z-]*) +(.+)$", text.split("命令：", 1)[1], flags=re.MULTILINE)
    assert {"new", "list", "merge", "report", "customer"} <= {name for name, _summary in listed}
    for name, summary in listed:
        assert re.search(r"[\u4e00-\u9fff]", summary), (name, summary)
        assert summary != "...", name


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_commands_help_is_chinese(desk: CLI, command: tuple[str, ...]) -> None:
    text = desk.ok(*command, "--help", extra_env=CHINESE).out
    assert re.match(rf"用法：.*casekit {' '.join(command)} ", text), text
    assert "选项：" in text and "显示本帮助并退出。" in text
    assert re.search(r"示例[^：]*：\s*casekit\s", text), "the example keeps its command as typed"
    for english in TYPER_ENGLISH:
        assert english not in text, english
    prose = _prose(text)
    assert not ENGLISH_PROSE.search(prose), ENGLISH_PROSE.findall(prose)


def test_the_help_of_new_names_what_is_required_in_chinese(desk: CLI) -> None:
    text = desk.ok("new", "--help", extra_env=CHINESE).out
    assert "参数：" in text
    assert re.search(r"--title <str> +一句话说明工单内容。  \[必填\]", text), text
    assert "[默认：text]" in text
    assert "示例：casekit new complaint --title 传真机无法接收传真 --customer 王先生" in text


def test_chinese_help_lines_fit_the_terminal_by_display_width(desk: CLI) -> None:
    for command in (("new",), ("list",), ("calendar", "add"), ()):
        text = desk.ok(*command, "--help", extra_env={**CHINESE, "COLUMNS": "80"}).out
        for line in text.splitlines():
            assert _width(line) <= 80, line
            # a line never starts with closing punctuation, nor splits [必填]
            assert not re.match(r"\s*[，。、；：）\]]", line), line
            assert not line.rstrip().endswith(("[必", "（")), line


def test_usage_mistakes_are_told_in_chinese(desk: CLI) -> None:
    missing = desk.run("new", extra_env=CHINESE)
    assert missing.code == 2
    assert re.search(r"^用法：.*casekit new \[OPTIONS\] \{KIND\}$", missing.err, flags=re.MULTILINE)
    assert re.search(r"^运行 '.*casekit new -h' 查看帮助。$", missing.err, flags=re.MULTILINE)
    assert "错误：缺少参数 'KIND'。" in missing.err
    wrong = desk.run("list", "--format", "xml", extra_env=CHINESE)
    assert wrong.code == 2
    assert "错误：'--format' 的值无效：'xml' 不在可选值 'table', 'json', 'csv' 之中。" in wrong.err
    unknown = desk.run("lst", extra_env=CHINESE)
    assert unknown.code == 2
    assert "错误：没有命令 'lst'。您是不是想用 'list'？" in unknown.err
    option = desk.run("list", "--stat", "x", extra_env=CHINESE)
    assert option.code == 2 and "错误：没有这个选项：--stat（可能的选项：--status）" in option.err
    for result in (missing, wrong, unknown, option):
        assert "Traceback" not in result.err
        assert "Error" not in result.err and "Usage" not in result.err


def test_english_help_and_errors_are_as_typer_words_them(desk: CLI) -> None:
    text = desk.ok("new", "--help").out
    assert re.match(r"Usage: .*casekit new \[OPTIONS\] \{KIND\}", text), text
    for english in ("Arguments:", "Options:", "Show this message and exit.", "[required]", "[default: text]"):
        assert english in " ".join(text.split()), english
    assert "Example: casekit new complaint" in text
    missing = desk.run("new")
    assert missing.code == 2 and "Error: Missing argument 'KIND'." in missing.err
