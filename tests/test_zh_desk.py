"""A Chinese desk sees Chinese: under zh_CN, what casekit prints for the everyday commands,
their refusals and every command's help holds no English sentence of casekit's own (case
data, keys, IDs, commands and flags may stay as they are)."""

from __future__ import annotations

import re

import pytest

from conftest import CLI

ZH = {"CASEKIT_LANG": "zh_CN", "COLUMNS": "120"}
# What may stay in English in a Chinese line: commands, flags, keys, paths, IDs, URLs, times,
# quoted or back-ticked text (case data and the user's own words).
NEUTRAL = re.compile(
    r"`[^`]*`|'[^']*'|\"[^\"]*\"|「[^」]*」|“[^”]*”|https?://\S+|casekit(?: [a-z-]+)*"
    r"|--?[a-z][a-z-]*(?:[= ]\S+)?|\b[\w.-]+=\S*|\S*[/\\]\S*"
    r"|\b[A-Za-z]+[_.@-]\w[\w.@-]*|\b[A-Z]{1,3}-\d{8}-\w{4}-\w{4}\b|\{[^}]*\}|<[^>]*>"
)
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")
# The example cases' own data in Latin letters (brand and product names, codes)
DATA_WORDS = re.compile(r"\b(?:Python|YAML|JSON|CSV|HTML|PDF|Markdown|SVG|SSH|SKU|VIP|git|Git|Jinja)\b")


def english_lines(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        stripped = DATA_WORDS.sub(" ", NEUTRAL.sub(" ", line))
        if ENGLISH.search(stripped):
            found.append(line)
    return found


EVERYDAY = [
    ("list",),
    ("list", "--all"),
    ("show", "WYWA-2JS4"),
    ("log", "WYWA-2JS4"),
    ("due",),
    ("queue", "--all"),
    ("alerts",),
    ("extensions", "--as-of", "2026-11-30"),
    ("registers", "wrong-shipment", "--month", "2026-11"),
    ("registers", "cancellations", "--date", "2026-11-23"),
    ("settlement-check", "优品服饰旗舰店"),
    ("customer", "王"),
    ("calendar", "show", "2026"),
    ("script", "--list"),
    ("script", "WYWA-2JS4"),
    ("validate",),
    ("report", "daily", "--date", "2026-11-23"),
]
REFUSALS = [
    ("show", "NOPE-NOPE"),
    ("move", "WYWA-2JS4", "closed"),
    ("move", "WYWA-2JS4", "no-such-state"),
    ("list", "--status", "不存在的状态"),
    ("list", "--kind", "nonsense"),
    ("new", "complaint", "--title", "标题"),
    ("update", "WYWA-2JS4", "--set", "no_such_field=1"),
    ("assign", "WYWA-2JS4", "nobody.here"),
]


@pytest.mark.parametrize("args", EVERYDAY, ids=" ".join)
def test_everyday_output_is_chinese(example_repo: CLI, args: tuple[str, ...]) -> None:
    result = example_repo.run(*args, extra_env=ZH, now="2026-11-23T10:00:00+08:00")
    assert "Traceback" not in result.err
    assert english_lines(result.out + result.err) == []


@pytest.mark.parametrize("args", REFUSALS, ids=" ".join)
def test_refusals_are_chinese_sentences(example_repo: CLI, args: tuple[str, ...]) -> None:
    result = example_repo.run(*args, extra_env=ZH, now="2026-11-23T10:00:00+08:00")
    assert result.code in (1, 2), result.out
    assert "Traceback" not in result.err
    assert re.search(r"[\u4e00-\u9fff]", result.err), result.err
    assert english_lines(result.err) == []


def _commands(cli: CLI) -> list[list[str]]:
    found = []
    top = cli.ok("--help", extra_env=ZH).out
    names = re.findall(r"^\s*(?:│\s*)?([a-z][a-z-]+)\s{2,}\S", top.split("\n", 3)[-1], re.MULTILINE)
    for name in names:
        found.append([name])
        sub = cli.run(name, "--help", extra_env=ZH).out
        if re.search(r"^(?:Commands|命令)", sub, re.MULTILINE):
            body = re.split(r"^(?:Commands|命令).*$", sub, maxsplit=1, flags=re.MULTILINE)[1]
            found += [[name, s] for s in re.findall(r"^\s*([a-z][a-z-]+)\s{2,}\S", body, re.MULTILINE)]
    return found


def test_every_commands_help_is_chinese(example_repo: CLI) -> None:
    commands = _commands(example_repo)
    assert len(commands) > 40
    offending = {}
    for command in [[], *commands]:
        result = example_repo.run(*command, "--help", extra_env=ZH)
        assert result.code == 0, (command, result.err)
        lines = english_lines(result.out)
        if lines:
            offending[" ".join(command) or "casekit"] = lines
    assert offending == {}
