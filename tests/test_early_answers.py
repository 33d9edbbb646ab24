"""`list` and `due` work out their answer while git is still checking the working tree
for the index (`casekit.index.cache.with_index`, early): that answer may only stand when the
refresh then finds every row current and nobody else wrote the index meanwhile.

git is made slow here, not replaced: a `git` first on PATH sleeps, then runs the real one,
so the early answer is worked out for certain while git is at work."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI
from test_index import OFF, fill

DELAY = 0.6  # seconds git waits before it starts


@pytest.fixture
def slow_git(tmp_path: Path) -> str:
    """A PATH on which git starts DELAY seconds late."""
    real = shutil.which("git")
    assert real is not None
    folder = tmp_path / "slow-bin"
    folder.mkdir()
    shim = folder / "git"
    shim.write_text(f'#!/bin/sh\nsleep {DELAY}\nexec "{real}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


@pytest.fixture
def warm(repo: CLI) -> CLI:
    """40 committed cases, all in the index. Their files and git's index are dated back: a
    file changed in the last moments is read again on every refresh (its size and time
    might hide a second change), and so is git's index (no early answer then)."""
    minute_ago = time.time() - 60
    for path in fill(repo, 40):
        os.utime(path, (minute_ago, minute_ago))
    repo.git("update-index", "-q", "--refresh")
    half_a_minute_ago = time.time() - 30
    os.utime(repo.root / ".git" / "index", (half_a_minute_ago, half_a_minute_ago))  # git's too
    repo.ok("list")
    return repo


def early_ids(root: Path, slow_path: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int]:
    """The IDs `answer_from_listings` answers with, as `casekit list` starts it (git
    launched first), and how many times it worked the answer out."""
    from casekit.index import prefetch
    from casekit.index.reader import answer_from_listings

    calls: list[int] = []

    def ids(views: list[Mapping[str, Any]]) -> list[str]:
        calls.append(len(views))
        return [str(view["id"]) for view in views]

    monkeypatch.chdir(root)
    monkeypatch.setenv("PATH", slow_path)
    monkeypatch.delenv("CASEKIT_INDEX", raising=False)
    prefetch.start(["list"])
    assert prefetch.early(root.resolve())
    answer = answer_from_listings(root.resolve(), ids)
    assert not prefetch.early(root.resolve())  # git's output was taken
    return answer, len(calls)


def direct_ids(cli: CLI) -> list[str]:
    out = cli.ok("list", "--all", "--format", "csv", extra_env=OFF).out
    return sorted(line.split(",")[0] for line in out.splitlines()[1:])


def test_nothing_changed_the_early_answer_stands(
    warm: CLI, slow_git: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer, calls = early_ids(warm.root, slow_git, monkeypatch)
    assert calls == 1
    assert sorted(answer) == direct_ids(warm)


def test_after_a_commit_the_answer_waits_for_git(
    warm: CLI, slow_git: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A commit changed git's index: a case has likely changed, so working the answer out
    # early would most often be work thrown away.
    from casekit.index import prefetch
    from casekit.index.reader import answer_from_listings

    case_id = sorted((warm.root / "cases").glob("complaint/*/*/*.yaml"))[0].stem
    warm.ok("note", case_id, "已回电，客户表示满意")
    calls: list[int] = []
    monkeypatch.chdir(warm.root)
    monkeypatch.setenv("PATH", slow_git)
    monkeypatch.delenv("CASEKIT_INDEX", raising=False)
    prefetch.start(["list"])
    assert not prefetch.early(warm.root.resolve())
    views = answer_from_listings(warm.root.resolve(), lambda views: calls.append(1) or views)
    assert calls == [1]
    noted = next(view for view in views if view["id"] == case_id)
    assert noted["history"][-1]["at"] == "2026-11-23T10:05:00+08:00"  # the note, at the tests' clock


def test_a_hand_edit_git_finds_is_answered_again(
    warm: CLI, slow_git: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = sorted((warm.root / "cases").glob("*/*/*/*.yaml"))[3]
    old_id = target.stem
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace(f"id: {old_id}", "id: C-20261101-EDIT-ED00", 1), encoding="utf-8")
    answer, calls = early_ids(warm.root, slow_git, monkeypatch)
    assert calls == 2
    assert "C-20261101-EDIT-ED00" in answer and old_id not in answer
    assert sorted(answer) == direct_ids(warm)


def test_another_process_writing_the_index_meanwhile_is_answered_again(
    warm: CLI, slow_git: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casekit.index import cache as index
    from casekit.index import prefetch
    from casekit.index.reader import answer_from_listings

    root = warm.root.resolve()
    target = sorted((root / "cases").glob("*/*/*/*.yaml"))[5]
    old_id = target.stem
    calls: list[list[str]] = []

    def ids(views: list[Mapping[str, Any]]) -> list[str]:
        answer = [str(view["id"]) for view in views]
        calls.append(answer)
        if len(calls) == 1:
            # While git is still at work, another process edits a case and brings the
            # index up to date: our own refresh will then find every row current.
            text = target.read_text(encoding="utf-8")
            target.write_text(text.replace(f"id: {old_id}", "id: C-20261101-EDIT-ED01", 1), encoding="utf-8")
            other = index.CaseIndex(root, show_progress=False)
            try:
                assert other.refresh()
            finally:
                other.close()
        return answer

    monkeypatch.chdir(root)
    monkeypatch.setenv("PATH", slow_git)
    monkeypatch.delenv("CASEKIT_INDEX", raising=False)
    prefetch.start(["list"])
    answer = answer_from_listings(root, ids)
    assert len(calls) == 2
    assert old_id in calls[0] and "C-20261101-EDIT-ED01" not in calls[0]
    assert "C-20261101-EDIT-ED01" in answer and old_id not in answer


def test_list_and_due_answer_as_without_the_index_while_git_is_slow(warm: CLI, slow_git: str) -> None:
    slow = {"PATH": slow_git}
    queries = (
        ("list", "--overdue", "--format", "json"),
        ("list", "--status", "investigating,received"),
        ("due", "--format", "json"),
    )
    for args in queries:
        assert warm.ok(*args, extra_env=slow).out == warm.ok(*args, extra_env=OFF).out, args
    # Each query right after a hand edit it must show (the early answer would not).
    overdue = json.loads(warm.ok("list", "--overdue", "--format", "json").out)
    due = json.loads(warm.ok("due", "--format", "json").out)
    closed = next(p for p in case_files(warm) if "status: closed" in p.read_text("utf-8"))
    late, falls_due = case_file(warm, overdue[0]["id"]), case_file(warm, due[-1]["id"])
    edits = (  # file, text replaced, by, query, what the query must show
        (closed, "status: closed", "status: assessing", ("list", "--status", "assessing"), closed.stem),
        (late, "title: ", "title: 改过 ", ("list", "--overdue", "--format", "json"), "改过"),
        (falls_due, "title: ", "title: 新的 ", ("due", "--format", "json"), "新的"),
    )
    for path, old, new, args, shown in edits:
        path.write_text(path.read_text("utf-8").replace(old, new, 1), "utf-8")
        answer = warm.ok(*args, extra_env=slow).out
        assert answer == warm.ok(*args, extra_env=OFF).out, args
        assert shown in answer, args


def case_files(cli: CLI) -> list[Path]:
    return sorted((cli.root / "cases").glob("*/*/*/*.yaml"))


def case_file(cli: CLI, case_id: str) -> Path:
    return next(p for p in case_files(cli) if p.stem == case_id)
