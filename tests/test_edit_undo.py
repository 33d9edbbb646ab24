"""Agent comforts through the real CLI and real git: `note` takes the rest of the line,
`edit` opens a case in $EDITOR and commits one update, `undo` takes back one's own last
change as one audited commit."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from conftest import CLI, read_case
from gitserver import clone, git, make_server

# An editor for the tests: replaces the first EDIT_FROM by EDIT_TO in the file it is given
# (with EDIT_FROM empty, it leaves the file as it is).
EDITOR_SCRIPT = """\
import os, sys
path = sys.argv[-1]
text = open(path, encoding="utf-8").read()
old, new = os.environ.get("EDIT_FROM", ""), os.environ.get("EDIT_TO", "")
if old:
    assert old in text, (old, text)
    text = text.replace(old, new, 1)
open(path, "w", encoding="utf-8").write(text)
"""


@pytest.fixture
def editor(tmp_path: Path) -> dict[str, str]:
    """EDITOR set to the script above (a command with an argument), and a TMPDIR of its
    own, so a test sees what `edit` leaves behind."""
    script = tmp_path / "editor.py"
    script.write_text(EDITOR_SCRIPT, encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return {
        "EDITOR": f"{shlex.quote(sys.executable)} -u {shlex.quote(str(script))}",
        "VISUAL": "",
        "TMPDIR": str(scratch),
    }


def _edit(  # type: ignore[no-untyped-def]
    cli: CLI,
    editor: dict[str, str],
    case_id: str,
    old: str,
    new: str,
    *extra: str,
    extra_env: dict[str, str] | None = None,
    **kw: object,
):
    env = {**editor, "EDIT_FROM": old, "EDIT_TO": new, **(extra_env or {})}
    return cli.run("edit", case_id, *extra, extra_env=env, **kw)  # type: ignore[arg-type]


def _trailers(cli: CLI) -> dict[str, str]:
    text = cli.git("log", "-1", "--format=%(trailers:only,unfold)")
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def _complaint(repo: CLI) -> str:
    return repo.new("complaint", "--set", "category=product-quality")


# --- note -----------------------------------------------------------------------------


def test_note_takes_the_rest_of_the_line(repo: CLI) -> None:
    case_id = _complaint(repo)
    before = repo.commit_count()
    repo.ok("note", case_id, "多个", "词", "的", "备注", "--actor", "wang.fang")
    assert repo.commit_count() == before + 1
    last = read_case(repo.case_path(case_id))["history"][-1]
    assert (last["action"], last["by"], last["note"]) == ("note", "wang.fang", "多个 词 的 备注")
    assert repo.git("log", "-1", "--format=%b").startswith("多个 词 的 备注\n")
    repo.ok("note", case_id, "已致电客户，约定明天上午回复")  # one quoted word, as before
    assert read_case(repo.case_path(case_id))["history"][-1]["note"] == "已致电客户，约定明天上午回复"
    result = repo.run("note", case_id)
    assert result.code == 2 and "TEXT" in result.err


# --- edit -----------------------------------------------------------------------------


def test_edit_changing_a_field_commits_one_update_with_exactly_that_field(
    repo: CLI, editor: dict[str, str]
) -> None:
    case_id = _complaint(repo)
    path = repo.case_path(case_id)
    before = repo.commit_count()
    result = _edit(
        repo,
        editor,
        case_id,
        "category: product-quality",
        "category: logistics",
        "--note",
        "客户说是物流问题",
    )
    assert result.code == 0, result.err
    assert repo.commit_count() == before + 1
    assert _trailers(repo)["Case-Action"] == "set"  # the action `casekit update --set` records
    assert repo.git("log", "-1", "--format=%s").strip() == f"{case_id}: set category"
    case = read_case(path)
    assert case["fields"]["category"] == "logistics"
    last = case["history"][-1]
    assert (last["action"], last["set"], last["note"]) == (
        "set",
        {"category": "logistics"},
        "客户说是物流问题",
    )
    assert "-  category: product-quality" in result.out and "+  category: logistics" in result.out
    assert result.out.rstrip().endswith(case_id)
    assert not list(Path(editor["TMPDIR"]).iterdir())  # nothing left behind
    repo.ok("validate")
    assert "agree" in repo.ok("audit").err


def test_edit_accepts_words_as_update_does_and_core_keys(repo: CLI, editor: dict[str, str]) -> None:
    case_id = _complaint(repo)
    assert _edit(repo, editor, case_id, "priority: medium", "priority: 高").code == 0
    assert _edit(repo, editor, case_id, "phone: '13800138000'", "phone: 139 1596 2048").code == 0
    case = read_case(repo.case_path(case_id))
    assert (case["priority"], case["customer"]["phone"]) == ("high", "13915962048")
    assert [e.get("set") for e in case["history"][-2:]] == [
        {"priority": "high"},
        {"customer.phone": "13915962048"},
    ]


def test_edit_unchanged_makes_no_commit(repo: CLI, editor: dict[str, str]) -> None:
    case_id = _complaint(repo)
    before, content = repo.commit_count(), repo.case_path(case_id).read_bytes()
    result = _edit(repo, editor, case_id, "", "")
    assert result.code == 0, result.err
    assert "unchanged" in result.err and "nothing was committed" in result.err
    assert repo.commit_count() == before
    assert repo.case_path(case_id).read_bytes() == content
    assert not list(Path(editor["TMPDIR"]).iterdir())


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("category: product-quality", "category: [oops", ["invalid YAML"]),
        ("category: product-quality", "category: 不存在", ["fields.category", "不存在"]),
        ("category: product-quality", "category: product-quality\n  colour: red", ["fields.colour"]),
        ("title: 传真机有时无法接收传真", "title: ''", ["title", "cannot be empty"]),
        ("status: received", "status: assessing", ["status", "casekit move {id} assessing"]),
        ("assignee: li.na", "assignee: wang.fang", ["assignee", "casekit assign {id} wang.fang"]),
        ("id: C-", "id: X-", ["id is kept by casekit"]),
        ("action: open", "action: note", ["history is append-only"]),
        ("    rule: default", "    rule: mine", ["deadlines is kept by casekit"]),
    ],
)
def test_edit_invalid_or_refused_changes_nothing_and_keeps_the_typing(
    repo: CLI, editor: dict[str, str], old: str, new: str, words: list[str]
) -> None:
    case_id = _complaint(repo)
    path = repo.case_path(case_id)
    before, content = repo.commit_count(), path.read_bytes()
    result = _edit(repo, editor, case_id, old, new)
    assert result.code == 1, result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    rel = path.relative_to(repo.root).as_posix()
    assert rel in result.err
    for word in words:
        assert word.format(id=case_id) in result.err
    assert repo.commit_count() == before
    assert path.read_bytes() == content
    assert repo.git("status", "--porcelain") == ""
    (kept,) = Path(editor["TMPDIR"]).iterdir()  # the typing is kept, and named
    assert str(kept) in result.err
    assert new.splitlines()[0] in kept.read_text(encoding="utf-8")


def test_edit_is_checked_as_validate_checks_the_result(repo: CLI, editor: dict[str, str]) -> None:
    """A required field emptied: refused with the file, its line and the field."""
    case_id = repo.new(
        "cancellation", "--set", "order_no=A1", "--set", "event_date=2026-12-20", "--set", "merchant=某商家"
    )
    path = repo.case_path(case_id)
    before, content = repo.commit_count(), path.read_bytes()
    result = _edit(repo, editor, case_id, "merchant: 某商家", "merchant: ''")
    assert result.code == 1, result.err
    rel = path.relative_to(repo.root).as_posix()
    assert re.search(rf"{re.escape(rel)}:\d+: {case_id}: required field 'merchant' is not set", result.err), (
        result.err
    )
    assert (repo.commit_count(), path.read_bytes()) == (before, content)


def test_edit_refuses_what_update_refuses(repo: CLI, editor: dict[str, str]) -> None:
    """A compensation above the agent's limit needs a supervisor, edited or --set."""
    case_id = _complaint(repo)
    before = repo.commit_count()
    result = _edit(
        repo, editor, case_id, "category: product-quality", "category: product-quality\n  compensation: 100"
    )
    assert result.code == 1, result.err
    assert "supervisor" in result.err and "nothing was changed" in result.err
    assert repo.commit_count() == before
    assert (
        _edit(
            repo,
            editor,
            case_id,
            "category: product-quality",
            "category: product-quality\n  compensation: 100",
            actor="zhang.wei",
        ).code
        == 0
    )
    assert read_case(repo.case_path(case_id))["history"][-1]["approved_by"] == "zhang.wei"


def test_edit_of_a_closed_case_is_refused_before_the_editor_opens(repo: CLI, editor: dict[str, str]) -> None:
    case_id = _complaint(repo)
    repo.ok("move", case_id, "assessing")
    repo.ok("move", case_id, "rejected", "--set", "rejection_reason=非产品问题")
    result = _edit(repo, editor, case_id, "no such text", "x")  # the editor would fail: it never runs
    assert result.code == 1 and "final state" in result.err, result.err
    assert not list(Path(editor["TMPDIR"]).iterdir())


def test_edit_with_a_failing_editor_changes_nothing(repo: CLI, editor: dict[str, str]) -> None:
    case_id = _complaint(repo)
    before = repo.commit_count()
    result = repo.run("edit", case_id, extra_env={**editor, "EDITOR": "false"})
    assert result.code == 1 and "the editor false exited with status 1" in result.err, result.err
    assert repo.commit_count() == before
    result = repo.run("edit", case_id, extra_env={**editor, "EDITOR": "no-such-editor-here"})
    assert result.code == 1 and "cannot start the editor no-such-editor-here" in result.err, result.err
    assert repo.commit_count() == before


def test_edit_and_undo_speak_chinese(repo: CLI, editor: dict[str, str]) -> None:
    case_id = _complaint(repo)
    chinese = {"CASEKIT_LANG": "zh_CN"}
    result = _edit(repo, editor, case_id, "", "", extra_env=chinese)
    assert result.code == 0 and "未提交" in result.err, result.err
    result = _edit(repo, editor, case_id, "status: received", "status: assessing", extra_env=chinese)
    assert result.code == 1 and "casekit move" in result.err and "未做任何更改" in result.err, result.err
    result = repo.run("undo", case_id, extra_env=chinese)
    assert result.code == 1 and "不能撤销" in result.err, result.err


# --- undo -----------------------------------------------------------------------------


def _values(cli: CLI, case_id: str) -> dict[str, object]:
    """The case but its history: its values and its deadlines (a note undone no longer
    meets the first-response clock)."""
    case = read_case(cli.case_path(case_id))
    return {k: v for k, v in case.items() if k != "history"}


@pytest.mark.parametrize(
    "change",
    [
        ["note", "{id}", "记错了的备注"],
        ["update", "{id}", "--set", "category=logistics", "--set", "compensation=20"],
        ["assign", "{id}", "wang.fang"],
    ],
)
def test_undo_of_ones_own_last_change_is_one_commit_back_to_before(repo: CLI, change: list[str]) -> None:
    case_id = _complaint(repo)
    repo.ok("update", case_id, "--set", "customer.salutation=先生", now="2026-11-23T10:06:00+08:00")
    values = _values(repo, case_id)
    repo.ok(*[a.format(id=case_id) for a in change], now="2026-11-23T10:07:00+08:00")
    assert _values(repo, case_id) != values
    before = repo.commit_count()
    result = repo.ok("undo", case_id, now="2026-11-23T10:08:00+08:00")
    assert result.out.strip() == case_id
    assert f"undid your {change[0] if change[0] != 'update' else 'set'}" in result.err
    assert repo.commit_count() == before + 1
    assert _values(repo, case_id) == values
    assert _trailers(repo)["Case-Action"] == "undo"
    last = read_case(repo.case_path(case_id))["history"][-1]
    assert last["action"] == "undo" and last["by"] == "li.na"
    assert last["undoes"]["at"] == "2026-11-23T10:07:00+08:00"
    assert repo.git("status", "--porcelain") == ""
    repo.ok("validate")
    assert "agree" in repo.ok("audit").err
    # an undo is not undone in turn, and what came before it is not reached through it
    assert "already an undo" in repo.refused("undo", case_id).err


def test_undo_without_an_id_takes_the_case_changed_last(repo: CLI) -> None:
    first, second = _complaint(repo), _complaint(repo)
    repo.ok("note", second, "第二个案件的备注")
    repo.ok("note", first, "其他人的备注", actor="wang.fang")
    result = repo.ok("undo")
    assert result.out.strip() == second
    assert read_case(repo.case_path(second))["history"][-1]["action"] == "undo"
    assert "no change to undo" in repo.refused("undo", actor="chen.jie").err


def test_undo_after_someone_else_changed_the_case_is_refused(repo: CLI) -> None:
    case_id = _complaint(repo)
    repo.ok("update", case_id, "--set", "category=logistics")
    repo.ok("note", case_id, "王芳补充的情况", actor="wang.fang")
    before = repo.commit_count()
    err = repo.refused("undo", case_id).err
    assert "wang.fang changed it after your last change" in err and "note" in err
    err = repo.refused("undo", case_id, actor="chen.jie").err
    assert "have not changed it" in err
    assert repo.commit_count() == before
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (["move", "{id}", "assessing"], ["a move is not undone", "casekit move {id} received"]),
        (None, ["an opening is not undone"]),
    ],
)
def test_undo_refuses_what_it_does_not_take_back(
    repo: CLI, change: list[str] | None, words: list[str]
) -> None:
    case_id = _complaint(repo)
    if change:
        repo.ok(*[a.format(id=case_id) for a in change])
    before = repo.commit_count()
    err = repo.refused("undo", case_id).err
    for word in words:
        assert word.format(id=case_id) in err
    assert repo.commit_count() == before


def test_undo_of_a_link_is_refused(repo: CLI) -> None:
    first, second = _complaint(repo), _complaint(repo)
    repo.ok("link", first, second)
    assert "a link is recorded on both cases" in repo.refused("undo", first).err


def test_undo_puts_back_only_what_the_rules_allow(repo: CLI) -> None:
    """The supervisor's approved compensation, lowered by an agent: the agent's undo would
    put back a value above their limit, so it needs the supervisor, as an update would."""
    case_id = _complaint(repo)
    repo.ok("update", case_id, "--set", "compensation=100", actor="zhang.wei")
    repo.ok("update", case_id, "--set", "compensation=30")
    err = repo.refused("undo", case_id).err
    assert "supervisor" in err
    assert read_case(repo.case_path(case_id))["fields"]["compensation"] == 30


def test_a_hand_written_undo_of_someone_elses_change_is_invalid(repo: CLI) -> None:
    case_id = _complaint(repo)
    repo.ok("note", case_id, "王芳的备注", actor="wang.fang", now="2026-11-23T10:06:00+08:00")
    path = repo.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "  - {at: 2026-11-23T10:07:00+08:00, by: li.na, action: undo, "
        "undoes: {action: note, at: 2026-11-23T10:06:00+08:00}}\n",
        encoding="utf-8",
    )
    result = repo.run("validate")
    assert result.code == 1 and "which is not an earlier entry by li.na" in result.out + result.err


def test_the_server_accepts_an_undo(repo: CLI, tmp_path: Path) -> None:
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    case_id = _complaint(agent)
    agent.ok("update", case_id, "--set", "category=logistics", now="2026-11-23T10:06:00+08:00")
    agent.ok("assign", case_id, "wang.fang", now="2026-11-23T10:07:00+08:00")
    agent.ok("undo", case_id, now="2026-11-23T10:08:00+08:00")
    pushed = git(agent, "push", "origin", "HEAD:main")
    assert pushed.returncode == 0, pushed.stderr
    agent.ok("note", case_id, "备注", now="2026-11-23T10:09:00+08:00")
    agent.ok("undo", now="2026-11-23T10:10:00+08:00")
    pushed = git(agent, "push", "origin", "HEAD:main")
    assert pushed.returncode == 0, pushed.stderr
    assert "agree" in agent.ok("audit").err
