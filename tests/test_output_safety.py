"""Output never attacks its reader: CSV cells cannot run as formulas, terminal control
sequences in case data are shown as escapes, reports mask phone and ID-card numbers
written into free text, and a console that cannot encode a character gets a `?`, never a
traceback. Everything runs through the real CLI; the hostile case data is written by hand
and committed with plain git, as a hostile clone would push it."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CLI, edit_file

FORMULA = "=cmd|' /C calc'!A0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# What a hostile clone writes into a case file: YAML's own escapes for ESC, BEL and the
# 8-bit CSI, which any YAML reader turns into the raw control characters.
HOSTILE_TITLE = r'"\e[31mred\e]0;pwned\a\u009b2J"'
HOSTILE_NAME = r'"\e[2Jwipe\r\b"'
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def rows_of(text: str) -> list[list[str]]:
    assert not text.startswith(BOM)
    return list(csv.reader(io.StringIO(text)))


def column(rows: list[list[str]], name: str) -> list[str]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def hand_commit(cli: CLI, message: str) -> None:
    """Commit the work tree as a hostile clone would: plain git, no casekit hooks."""
    cli.git("add", "-A")
    cli.git(
        "-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "--no-verify", "-q", "-m", message
    )


# --- CSV ------------------------------------------------------------------------------


def test_csv_cells_cannot_run_as_formulas_in_every_csv_output(repo: CLI) -> None:
    case_id = repo.ok(
        "new", "complaint", "--title", "@SUM(1+1)*cmd", "--customer", FORMULA, "--channel", "phone"
    ).out.strip()
    number = repo.ok("new", "complaint", "--title", "-12.50", "--customer", "-2+3", "--channel", "phone").out
    repo.ok("note", case_id, '+86 call back; =HYPERLINK("http://x")')

    listed = rows_of(repo.ok("list", "--format", "csv", "--no-bom").out)
    assert sorted(column(listed, "customer")) == sorted(["'" + FORMULA, "'-2+3"])
    # a plain number stays a number: a negative amount is summed, never prefixed
    assert sorted(column(listed, "title")) == sorted(["'@SUM(1+1)*cmd", "-12.50"])
    # neutralised cells are quoted by the writer, plain ones are not
    raw = repo.ok("list", "--format", "csv", "--no-bom").out
    assert f'"\'{FORMULA}"' in raw and ",-12.50," in raw
    assert number.strip() in column(listed, "id")

    logged = rows_of(repo.ok("log", case_id, "--format", "csv", "--no-bom").out)
    assert column(logged, "note")[-1] == '\'+86 call back; =HYPERLINK("http://x")'
    due = rows_of(repo.ok("due", "--format", "csv", "--no-bom").out)
    assert "'@SUM(1+1)*cmd" in column(due, "title")
    for rows in (listed, logged, due):
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS) or re.fullmatch(r"-\d+\.\d+", cell), cell


def test_bom_follows_the_flag_and_the_locale(repo: CLI) -> None:
    repo.new()
    # the default config's locale is zh-CN: Excel gets a BOM unless told otherwise
    assert "\nlocale: zh-CN\n" in (repo.root / "casekit.yaml").read_text(encoding="utf-8")
    for command in (("list",), ("due",), ("queue", "--all")):
        default = repo.ok(*command, "--format", "csv").out
        assert default.startswith(BOM + default.lstrip(BOM)[:3]) and default.count(BOM) == 1, command
        assert not repo.ok(*command, "--format", "csv", "--no-bom").out.startswith(BOM)
    # JSON and tables never get one; asking for one there is a usage error
    assert not repo.ok("list", "--format", "json").out.startswith(BOM)
    assert not repo.ok("list").out.startswith(BOM)
    misuse = repo.run("list", "--bom")
    assert misuse.code == 2 and "--bom goes with --format csv" in misuse.err and "Traceback" not in misuse.err

    edit_file(repo.root / "casekit.yaml", "\nlocale: zh-CN", "\nlocale: en-US")
    hand_commit(repo, "English-speaking team")
    assert not repo.ok("list", "--format", "csv").out.startswith(BOM)
    forced = repo.ok("list", "--format", "csv", "--bom").out
    assert forced.startswith(BOM + "id,kind,")

    edit_file(repo.root / "casekit.yaml", "\nlocale: en-US", "\nlocale: 'zh CN!'")
    bad = repo.refused("list")
    assert "casekit.yaml" in bad.err and "locale" in bad.err


def test_bom_output_is_utf8_whatever_the_console(repo: CLI) -> None:
    repo.ok("new", "complaint", "--title", "传真机 ¥50", "--customer", "王先生", "--channel", "phone")
    out = run_bytes(repo, ["list", "--format", "csv"], {"PYTHONIOENCODING": "ascii"})
    assert out.code == 0 and b"Traceback" not in out.err
    assert out.out.startswith(b"\xef\xbb\xbf") and "传真机 ¥50".encode() in out.out


@settings(deadline=None, derandomize=True, database=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_csv_round_trip_and_rule(values: list[str]) -> None:
    """Any text: the CSV parses back to the cells `csv_cell` made, and no parsed cell
    starts like a formula unless it is a plain number."""
    from casekit.render.output import csv_cell, to_csv

    columns = [f"c{i}" for i in range(len(values))]
    text = to_csv([dict(zip(columns, values, strict=True))], columns)
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [columns, [csv_cell(v)[0] for v in values]]
    for cell in parsed[1]:
        if cell.startswith(FORMULA_STARTS):
            assert re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cell), cell
        assert not CONTROLS.search(cell)


def test_csv_writer_quotes_as_the_csv_module_does() -> None:
    from casekit.render.output import to_csv

    rows = [{"a": 'say "hi", please', "b": "two\nlines", "c": "", "d": None, "e": "-0.50"}]
    columns = list("abcde")
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerows([columns, ['say "hi", please', "two\nlines", "", "", "-0.50"]])
    assert to_csv(rows, columns) == expected.getvalue()


# --- the terminal ---------------------------------------------------------------------


@pytest.fixture
def hostile(repo: CLI) -> tuple[CLI, str]:
    """A case built by casekit whose title and customer name a clone then rewrote by hand
    to hold escape sequences, committed with plain git (a message with ESC in it too)."""
    case_id = repo.new()
    path = repo.case_path(case_id)
    edit_file(path, "title: 传真机有时无法接收传真", f"title: {HOSTILE_TITLE}")
    edit_file(path, "name: 王先生", f"name: {HOSTILE_NAME}")
    hand_commit(repo, f"{case_id}: retitled\n\n\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\\x07")
    return repo, case_id


def test_terminal_output_shows_controls_as_escapes(hostile: tuple[CLI, str]) -> None:
    repo, case_id = hostile
    data = repo.ok("show", case_id, "--format", "json").out
    assert json.loads(data)["title"] == "\x1b[31mred\x1b]0;pwned\x07\x9b2J"  # the data really is hostile
    commands = [
        ("list",),
        ("list", "--format", "csv"),
        ("list", "--format", "json"),
        ("show", case_id),
        ("show", case_id, "--format", "json"),
        ("log", case_id),
        ("log", case_id, "--format", "csv"),
        ("log", case_id, "--format", "json"),
        ("due",),
        ("due", "--format", "csv"),
        ("script", case_id),
    ]
    for command in commands:
        result = repo.ok(*command)
        for stream in (result.out, result.err):
            assert not CONTROLS.search(stream), (command, stream)
    table = repo.ok("list").out
    assert "\\x1b[31mred\\x1b]0;pwned\\x07" in table and "\\x1b[2Jwipe\\x0d\\x08" in table
    # a row stays one line and the columns still line up
    lines = table.splitlines()
    assert len(lines) == 4 and lines[2].startswith(case_id)
    assert "\\x9b2J" in repo.ok("list", "--format", "csv").out
    assert "\\u009b2J" in data  # JSON writes C1 controls as JSON escapes
    assert "\\x1b]8;;http://evil" in repo.ok("log", case_id).out


def test_messages_quoting_case_data_show_controls_as_escapes(hostile: tuple[CLI, str]) -> None:
    repo, _ = hostile
    refused = repo.run("show", "\x1b[2J-nope")
    assert refused.code in (1, 2) and "\x1b" not in refused.err and "Traceback" not in refused.err


def test_safe_text() -> None:
    from casekit.render.output import safe_text, table, truncate

    assert safe_text("a\x1b[0mb\tc\nd\x7f\x85\x9b") == "a\\x1b[0mb\\x09c\\x0ad\\x7f\\x85\\x9b"
    assert safe_text("a\tb\nc\x1b", layout=True) == "a\tb\nc\\x1b"
    assert safe_text("传真机 ¥50　全角") == "传真机 ¥50　全角"
    assert "\x1b" not in table([["\x1b[31m红", 1]], ["\x07T", "n"])
    assert truncate("\x1b[31mred", 6) == "\\x1b[…"


# --- reports --------------------------------------------------------------------------

NOTE = "客户来电13912345678，又留了座机0755-12345678和(010)62345678，身份证11010519491231002X"
SECRETS = ("13912345678", "12345678", "62345678", "11010519491231002X", "13800138000", "0021")
MASKED = ("139****5678", "0755-****5678", "(010)****5678", "110***********002X")


def test_reports_mask_phone_and_id_numbers_in_free_text(repo: CLI) -> None:
    case_id = repo.ok(
        "new", "complaint", "--title", "请回电 138 0013 8000", "--customer", "王先生",
        "--phone", "13800138000", "--channel", "phone",
    ).out.strip()  # fmt: skip
    repo.ok("note", case_id, NOTE)
    md = repo.ok("report", "weekly", "--week", "2026-W48", "--format", "md").out
    html = repo.ok("report", "weekly", "--week", "2026-W48", "--format", "html").out
    report = repo.ok("report", "weekly", "--week", "2026-W48", "--format", "json").out
    plain_md = md.replace("\\*", "*")  # Markdown escapes the stars
    assert "138 **** 8000" in plain_md and "138****8000" in plain_md  # the title, customer.phone
    for text in (plain_md, html, report):
        assert all(masked in text for masked in MASKED), text
        assert not any(secret in text for secret in SECRETS[:4])
        assert "13800138000" not in text and "138 0013 8000" not in text
    # the case itself keeps what was written
    assert "13912345678" in repo.ok("show", case_id).out


def test_mask_contacts() -> None:
    from casekit.core.casefile import mask_contacts, mask_phone

    cases = {
        "请回电13800138000。": "请回电138****8000。",
        "138-0013-8000 / +86 13800138000": "138-****-8000 / +86 138****8000",
        "010-12345678, 0755-1234567, 010 6234 5678": "010-****5678, 0755-***4567, 010 **** 5678",
        "身份证110105194912310021 旧110105491231002": "身份证110***********0021 旧110********1002",
        # not contacts: order numbers, amounts, IDs, dates, masked numbers, hotlines
        "TB20261120001 ¥12345678.00 C-20261123-7KQ3-XHD2 2026-11-23T10:05 138****8000 400-820-8820": None,
        "卡号6222021234567890123": None,
    }
    for text, masked in cases.items():
        assert mask_contacts(text) == (masked or text)
    assert mask_contacts(mask_contacts("13800138000")) == mask_phone("13800138000") == "138****8000"


# --- encodings ------------------------------------------------------------------------


class Raw:
    def __init__(self, code: int, out: bytes, err: bytes) -> None:
        self.code, self.out, self.err = code, out, err


def run_bytes(cli: CLI, args: list[str], extra: dict[str, str]) -> Raw:
    env = {**cli.environ, **extra}
    proc = subprocess.run(
        [sys.executable, "-m", "casekit", *args], cwd=cli.root, env=env, capture_output=True, check=False
    )
    return Raw(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize(
    "console",
    [
        {"PYTHONIOENCODING": "gbk"},
        {"PYTHONIOENCODING": "ascii"},
        {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"},
    ],
    ids=["gbk", "ascii", "lang-c"],
)
def test_a_console_that_cannot_encode_gets_replacements(
    repo: CLI, console: dict[str, str], tmp_path: Path
) -> None:
    repo.new()
    utf8 = repo.ok("report", "monthly", "--month", "2026-11").out
    assert "¥" in utf8  # GBK has no ¥: this report would fail on a strict GBK console
    report = run_bytes(repo, ["report", "monthly", "--month", "2026-11"], console)
    assert report.code == 0 and b"Traceback" not in report.err, report.err
    assert b"?" in report.out
    # --out files stay UTF-8
    target = tmp_path / "monthly.md"
    written = run_bytes(repo, ["report", "monthly", "--month", "2026-11", "--out", str(target)], console)
    assert written.code == 0 and b"Traceback" not in written.err
    assert target.read_text(encoding="utf-8") == utf8
    # tables and error messages with Chinese text too
    assert run_bytes(repo, ["list"], console).code == 0
    refused = run_bytes(repo, ["show", "工单-不存在"], console)
    assert refused.code == 1 and b"Traceback" not in refused.err and refused.err.startswith(b"casekit: ")
