"""Tables on a real terminal: the real CLI on a pseudo-terminal (or with FORCE_COLOR) at 80
and 120 columns fits every line to the width (East Asian wide characters count two),
marks overdue rows red and rows due within the hour yellow, prints no colour under
NO_COLOR or into a pipe, and speaks the user's language; `list` hides closed cases unless
`--all`; `log` reads as a timeline."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import unicodedata

import pytest

from conftest import CLI

SGR = re.compile(r"\x1b\[[0-9;]*m")
RED = "\x1b[31m"
YELLOW = "\x1b[33m"
# in the example repository at the tests' clock (2026-11-23 10:05)
OVERDUE_CASE = "C-20261027-F725-3V3A"  # due 2026-11-09
DUE_SOON_CASE = "C-20261120-HRRT-NFNM"  # due 10:31
LATER_CASE = "R-20261111-YYV9-3PDK"  # due tomorrow
CLOSED_CASE = "C-20261026-VSFK-4PVC"  # closed
ZH = {"CASEKIT_LANG": "zh_CN"}


def on_terminal(cli: CLI, *args: str, columns: int, extra_env: dict[str, str] | None = None) -> str:
    """What `casekit args` prints on a pseudo-terminal `columns` wide."""
    env = {**cli.environ, "COLUMNS": str(columns), "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    env.update(extra_env or {})
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "casekit", *args],
            cwd=cli.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0, err.decode()
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def width(line: str) -> int:
    """Columns a line takes on a terminal: colour codes none, East Asian wide two."""
    text = SGR.sub("", line)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def line_of(text: str, case_id: str) -> str:
    return next(line for line in text.splitlines() if case_id in line)


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_list_and_queue_fit_the_terminal(example_repo: CLI, columns: int, language: str) -> None:
    env = {"CASEKIT_LANG": language}
    for args in (("list",), ("list", "--all"), ("queue", "--all")):
        text = on_terminal(example_repo, *args, columns=columns, extra_env=env)
        lines = text.splitlines()
        assert len(lines) > 3, text
        too_wide = [line for line in lines if width(line) > columns]
        assert not too_wide, "\n".join(too_wide)
    listed = on_terminal(example_repo, "list", columns=columns, extra_env=env)
    # the IDs are never cut: they are to be copied
    assert OVERDUE_CASE in listed and DUE_SOON_CASE in listed
    # phone numbers neither
    queue = on_terminal(example_repo, "queue", "--all", columns=columns, extra_env=env)
    assert "15261893305" in queue


def test_overdue_rows_are_red_and_those_due_within_the_hour_yellow(example_repo: CLI) -> None:
    text = on_terminal(example_repo, "list", columns=120)
    assert RED in line_of(text, OVERDUE_CASE) and YELLOW not in line_of(text, OVERDUE_CASE)
    assert YELLOW in line_of(text, DUE_SOON_CASE) and RED not in line_of(text, DUE_SOON_CASE)
    later = line_of(text, LATER_CASE)
    assert RED not in later and YELLOW not in later
    # the callback queue too: due at 11:00, 55 minutes from now
    queue = on_terminal(example_repo, "queue", "--all", columns=120)
    assert YELLOW in line_of(queue, "B-20261120-RKXQ-2NKA")


def test_no_colour_under_no_color_nor_into_a_pipe(example_repo: CLI) -> None:
    plain = on_terminal(example_repo, "list", columns=120, extra_env={"NO_COLOR": "1"})
    assert "\x1b" not in plain and OVERDUE_CASE in plain
    assert all(width(line) <= 120 for line in plain.splitlines())
    piped = example_repo.ok("list").out
    assert "\x1b" not in piped
    # a pipe keeps the plain layout scripts read: a dashed rule, full timestamps
    assert piped.splitlines()[1].startswith("-" * 20 + "  ")
    assert "2026-11-09 11:00 overdue" in line_of(piped, OVERDUE_CASE)
    # FORCE_COLOR colours a pipe too (NO_COLOR still wins)
    forced = example_repo.ok("list", extra_env={"FORCE_COLOR": "1", "COLUMNS": "100"}).out
    assert RED in line_of(forced, OVERDUE_CASE)
    assert all(width(line) <= 100 for line in forced.splitlines())
    both = example_repo.ok("list", extra_env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).out
    assert "\x1b" not in both


def test_machine_formats_are_the_same_on_a_terminal(example_repo: CLI) -> None:
    for output in ("json", "csv"):
        piped = example_repo.ok("list", "--all", "--format", output).out
        shown = on_terminal(example_repo, "list", "--all", "--format", output, columns=80)
        assert shown == piped


def test_list_shows_open_cases_unless_all(example_repo: CLI) -> None:
    open_rows = json.loads(example_repo.ok("list", "--format", "json").out)
    every_row = json.loads(example_repo.ok("list", "--all", "--format", "json").out)
    open_ids = {r["id"] for r in open_rows}
    closed = [r for r in every_row if r["id"] not in open_ids]
    assert CLOSED_CASE not in open_ids and CLOSED_CASE in {r["id"] for r in closed}
    assert len(open_rows) + len(closed) == len(every_row)
    # closed ones are those in a terminal state (no open deadline)
    assert {r["status"] for r in closed} >= {"closed", "cancelled"}
    assert CLOSED_CASE not in example_repo.ok("list").out
    assert CLOSED_CASE in example_repo.ok("list", "--all").out
    # a closed state asked for by name is listed without --all
    assert CLOSED_CASE in example_repo.ok("list", "--status", "closed").out
    # when only closed cases match, the answer says so
    hidden = example_repo.ok("list", "--customer", "韩梅").out.strip()
    assert hidden == "no cases match (2 closed cases hidden; --all lists them)"
    assert "韩梅" in example_repo.ok("list", "--all", "--customer", "韩梅").out


def test_headers_and_labels_in_the_users_language(example_repo: CLI) -> None:
    zh = example_repo.ok("list", extra_env=ZH).out.splitlines()
    assert zh[0].split() == ["编号", "类型", "状态", "优先级", "标题", "客户", "处理人", "受理时间", "期限"]
    assert "调查中" in line_of("\n".join(zh), OVERDUE_CASE) and zh[-1] == f"（{len(zh) - 3} 个工单）"
    en = example_repo.ok("list").out.splitlines()
    headers = ["ID", "Kind", "Status", "Priority", "Title", "Customer", "Assignee", "Opened", "Due"]
    assert en[0].split() == headers
    assert "Investigating" in line_of("\n".join(en), OVERDUE_CASE)
    # the callback queue: labels from casekit.yaml, not keys
    queue_zh = example_repo.ok("queue", "--all", extra_env=ZH).out
    assert queue_zh.split()[:3] == ["编号", "优先级", "期限"]
    vip = line_of(queue_zh, "B-20261120-TSY2-6R3Y")
    assert "VIP月度回访" in vip and " 高 " in vip and "vip-monthly" not in vip and "high" not in vip
    vip_en = line_of(example_repo.ok("queue", "--all").out, "B-20261120-TSY2-6R3Y")
    assert "VIP monthly" in vip_en and "High" in vip_en and "vip-monthly" not in vip_en
    on_screen = on_terminal(example_repo, "list", columns=120, extra_env=ZH)
    assert SGR.sub("", on_screen).split()[:3] == ["编号", "类型", "状态"]


def test_log_reads_as_a_timeline_in_chinese_and_in_english(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("move", case_id, "assessing", "--note", "电话核实中", now="2026-11-23T11:00:00+08:00")
    repo.ok("assign", case_id, "wang.fang", now="2026-11-23T11:30:00+08:00", actor="zhang.wei")
    zh = repo.ok("log", case_id, extra_env=ZH).out.splitlines()
    assert zh[0] == "2026-11-23 10:05  李娜  新建 → 已受理"
    assert zh[1] == "2026-11-23 11:00  李娜  状态 已受理 → 判断中"
    assert zh[2] == " " * len("2026-11-23 11:00  ") + " " * 6 + "电话核实中"
    assert zh[3] == "2026-11-23 11:30  张伟  指派 → 王芳"
    en = repo.ok("log", case_id).out.splitlines()
    assert en[0] == "2026-11-23 10:05  李娜  opened → Received"
    assert en[1] == "2026-11-23 11:00  李娜  state Received → Assessing"
    assert en[3] == "2026-11-23 11:30  张伟  assigned → 王芳"
    # on a narrow terminal a long note is cut to the width
    repo.ok("note", case_id, "很长的备注" * 30, now="2026-11-23T12:00:00+08:00")
    shown = on_terminal(repo, "log", case_id, columns=80, extra_env=ZH)
    assert all(width(line) <= 80 for line in shown.splitlines())
    assert "…" in shown.splitlines()[-1]
