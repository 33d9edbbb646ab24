"""Every message casekit prints comes from the catalogue, in Chinese and in English."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from casekit import i18n
from conftest import CLI

PROJECT = Path(__file__).resolve().parents[1]
ZH = {"CASEKIT_LANG": "zh_CN"}
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


def _tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT / "tools" / name), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
    )


def test_both_catalogues_hold_every_message_of_the_source_with_a_translation() -> None:
    result = _tool("messages.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_english_literal_reaches_the_user_outside_the_catalogue() -> None:
    result = _tool("untranslated.py")
    assert result.returncode == 0, f"wrap these in _():\n{result.stdout}"


def test_the_lint_finds_english_in_each_shape_it_names_and_passes_what_is_translated(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "\n".join(
            [
                'echo("the case is closed")',
                'warn(f"moved {case} to closed")',
                'raise Refused("cannot " + "move it")',
                'problems.add(("the phone is missing", "fix it"))',
                'echo(", ".join(["first one", "second one"]))',
                'echo("{n} cases left".format(n=3))',
                'echo(_("the case is closed"))',
                'problems.add(("kinds", "states"))',
                "echo(case_id)",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = _tool("untranslated.py", str(sample))
    assert result.returncode == 1
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["1", "2", "3", "4", "5", "6"]


def test_a_translation_keeps_every_placeholder_of_its_message() -> None:
    for language in i18n.LANGUAGES:
        path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "casekit.po"
        with path.open("rb") as stream:
            catalogue = read_po(stream)
        for message in catalogue:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(PLACEHOLDER.findall(ids[-1]))
            for string in strings:
                assert set(PLACEHOLDER.findall(string)) == wanted, f"{language}: {message.id!r} -> {string!r}"


def test_the_language_comes_from_casekit_lang_then_the_standard_variables_then_the_config() -> None:
    assert i18n.choose({"CASEKIT_LANG": "en", "LANG": "zh_CN.UTF-8"}, "zh-CN") == "en"
    assert i18n.choose({"LANGUAGE": "fr:en_GB", "LANG": "zh_CN.UTF-8"}, "zh-CN") == "en"
    assert i18n.choose({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, None) == "zh_CN"
    # the neutral C locale says nothing: the config decides, and the default is Chinese
    assert i18n.choose({"LANG": "C.UTF-8", "LC_ALL": "POSIX"}, "en-US") == "en"
    assert i18n.choose({"LANG": "C"}, None) == "zh_CN"
    assert i18n.choose({"LANG": "de_DE.UTF-8"}, "zh-CN") == "zh_CN"


def test_the_bundled_report_templates_take_their_labels_from_the_reports_catalogue() -> None:
    templates = sorted((PROJECT / "templates" / "reports").glob("*.j2"))
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        # tr('中文', 'English') is for a team's own templates; the bundled ones use _()
        assert not re.search(r"\btr\(", text), template.name
    assert "pgettext(" in (PROJECT / "templates" / "reports" / "_sections.md.j2").read_text(encoding="utf-8")


def test_a_report_speaks_the_language_asked_for_whatever_the_users_language(example_repo: CLI) -> None:
    english = example_repo.ok("report", "daily", "--date", "2026-11-23", "--lang", "en", extra_env=ZH).out
    chinese = example_repo.ok("report", "daily", "--date", "2026-11-23", "--lang", "zh").out
    assert english.startswith("# Customer service daily report 2026-11-23")
    assert not re.search(r"[\u4e00-\u9fff]{2,}", english.split("\n", 3)[2])
    assert re.search(r"[\u4e00-\u9fff]{4,}", chinese)
    assert chinese != english
