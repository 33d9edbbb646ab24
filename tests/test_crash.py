"""A casekit command killed with SIGKILL anywhere leaves the whole action or nothing.

Each try copies a prepared repository, starts one real `casekit` process, kills it after a
delay spread over the command's own running time, and then requires: the next command
names an interrupted change if one is left, `casekit repair` settles it, and afterwards
there is no uncommitted, half-written or orphaned file, no journal, and either no new commit
(the files as before) or exactly one commit holding the whole action, which `audit` accepts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CLI, read_case
from gitserver import clone, make_server, server_head

COMPLAINT_WALK = [
    ("assessing", []),
    ("investigating", ["--set", "responsible_department=售后技术部"]),
    ("proposed", ["--set", "solution=上门更换新机"]),
    ("implementing", ["--set", "accepted_solution=上门更换新机"]),
]
RESOLVE = ["--set", "resolution=已更换新机"]
TRIES = 20  # per command; four commands, plus the sync tries


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _run_killed(cli: CLI, args: list[str], delay: float, *, after_journal: bool = False) -> int | None:
    """Start `casekit ARGS`, SIGKILL it after `delay` seconds (counted from the moment its
    journal appears, with `after_journal`); its exit code if it ended first."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "casekit", *args],
        cwd=cli.root,
        env=cli.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if after_journal:
        pending = cli.root / ".git" / "casekit" / "pending.json"
        while not pending.exists() and proc.poll() is None:
            time.sleep(0.0002)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None
    return proc.returncode


def _duration(cli: CLI, template: Path, tmp_path: Path, args: list[str]) -> float:
    probe = tmp_path / "probe"
    shutil.copytree(template, probe, symlinks=True)
    started = time.monotonic()
    CLI(probe, cli.environ).ok(*args)
    spent = time.monotonic() - started
    shutil.rmtree(probe)
    return spent


def _kill_many(
    cli: CLI,
    tmp_path: Path,
    args: list[str],
    whole: Callable[[CLI, str], None],
    *,
    rerun: bool = False,
) -> Counter[str]:
    """Kill `casekit ARGS` at TRIES points in its run; check every outcome; count them.
    With `rerun` (an action that cannot happen twice), every other interrupted try is
    settled by running the same command again instead of `casekit repair`."""
    template = cli.root
    base_head = cli.head()
    base_files = _files(template)
    spent = _duration(cli, template, tmp_path, args)
    tally: Counter[str] = Counter()
    for attempt in range(TRIES):
        root = tmp_path / f"try{attempt}"
        shutil.copytree(template, root, symlinks=True)
        trial = CLI(root, cli.environ)
        if attempt % 2:
            # inside the write itself: from the moment the journal is recorded, 0-40 ms on
            code = _run_killed(trial, args, 0.002 * (attempt // 2), after_journal=True)
        else:
            code = _run_killed(trial, args, spent * attempt / TRIES)
        tally["tries"] += 1
        if code is not None:
            assert code == 0, f"{args}: exited {code} without being killed"
        pending = root / ".git" / "casekit" / "pending.json"
        if pending.exists():
            tally["interrupted"] += 1
            listed = trial.run("list")
            assert listed.code == 0 and "interrupted" in listed.err, listed.err
            assert "casekit repair" in listed.err
            if rerun and tally["interrupted"] % 2 == 0:
                again = trial.run(*args)
                assert again.code in (0, 1) and "Traceback" not in again.err, again.err
                if again.code == 0:
                    assert "an interrupted change was" in again.err
                tally["settled by the command re-run"] += 1
        repaired = trial.ok("repair")
        assert "Traceback" not in repaired.err
        assert not pending.exists()
        assert trial.git("status", "--porcelain", "--untracked-files=all") == ""
        assert not [p for p in root.rglob("*.tmp")], "a temporary file was left behind"
        commits = int(trial.git("rev-list", "--count", f"{base_head}..HEAD").strip())
        if commits == 0:
            assert trial.head() == base_head
            assert _files(root) == base_files
            tally["nothing"] += 1
        else:
            assert commits == 1, f"{args}: {commits} commits for one action"
            assert trial.git("rev-parse", "HEAD~1").strip() == base_head
            whole(trial, base_head)
            trial.ok("audit")
            tally["whole"] += 1
        shutil.rmtree(root)
    assert tally["nothing"] + tally["whole"] == TRIES
    print(f"\nkill test {args[0]}: {dict(tally)} (run takes {spent:.2f} s)")
    return tally


def _ready_to_resolve(repo: CLI) -> str:
    complaint = repo.new("complaint", "--priority", "high")
    for target, extra in COMPLAINT_WALK:
        repo.ok("move", complaint, target, *extra)
    return complaint


def _links_both_ways(trial: CLI, first: str, second: str) -> None:
    assert second in read_case(trial.case_path(first))["links"]
    assert first in read_case(trial.case_path(second))["links"]


def test_killing_new_leaves_the_case_or_nothing(repo: CLI, tmp_path: Path) -> None:
    args = ["new", "complaint", "--title", "传真机无法接收传真", "--customer", "王先生"]
    args += ["--phone", "13800138000", "--channel", "phone"]

    def whole(trial: CLI, base: str) -> None:
        added = trial.git("show", "--name-only", "--format=", "HEAD").split()
        assert len(added) == 1 and added[0].startswith("cases/complaint/")

    tally = _kill_many(repo, tmp_path, args, whole)
    assert tally["nothing"] > 0


def test_killing_a_move_that_opens_a_callback_leaves_all_of_it_or_nothing(repo: CLI, tmp_path: Path) -> None:
    complaint = _ready_to_resolve(repo)

    def whole(trial: CLI, base: str) -> None:
        (callback,) = json.loads(trial.ok("list", "--kind", "callback", "--format", "json").out)
        assert read_case(trial.case_path(complaint))["status"] == "resolved"
        _links_both_ways(trial, complaint, callback["id"])
        assert len(trial.git("show", "--name-only", "--format=", "HEAD").split()) == 2

    tally = _kill_many(repo, tmp_path, ["move", complaint, "resolved", *RESOLVE], whole, rerun=True)
    assert tally["nothing"] > 0


def test_killing_link_leaves_both_sides_or_neither(repo: CLI, tmp_path: Path) -> None:
    complaint = repo.new()
    callback = repo.new("callback")

    def whole(trial: CLI, base: str) -> None:
        _links_both_ways(trial, complaint, callback)

    _kill_many(repo, tmp_path, ["link", complaint, callback], whole, rerun=True)


def test_killing_attach_leaves_the_evidence_with_its_record_or_nothing(repo: CLI, tmp_path: Path) -> None:
    ret = repo.new("return")
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 400)

    def whole(trial: CLI, base: str) -> None:
        attached = read_case(trial.case_path(ret))["attachments"]
        assert len(attached) == 1
        assert (trial.root / attached[0]["file"]).read_bytes() == photo.read_bytes()

    _kill_many(repo, tmp_path, ["attach", ret, str(photo), "--note", "客户提供的照片"], whole, rerun=True)


@pytest.mark.parametrize("attempt", range(8))
def test_killing_sync_leaves_a_clone_the_next_sync_completes(repo: CLI, tmp_path: Path, attempt: int) -> None:
    case_id = repo.new("complaint", "--set", "category=product-quality")
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "agent", repo.environ, "wang.fang")
    other = clone(server, tmp_path / "other", repo.environ, "chen.jie")
    other.ok("note", case_id, "客户来电催促")
    other.ok("sync")
    agent.ok("move", case_id, "assessing", now="2026-11-23T10:06:00+08:00")
    probe = clone(server, tmp_path / "probe", repo.environ, "chen.jie")
    probe.ok("note", case_id, "已回电")
    started = time.monotonic()
    probe.ok("sync")
    spent = time.monotonic() - started
    _run_killed(agent, ["sync"], spent * (0.2 + 0.1 * attempt))
    agent.ok("sync")
    assert agent.git("status", "--porcelain") == ""
    assert server_head(server) == agent.head()
    data = read_case(agent.case_path(case_id))
    assert data["status"] == "assessing"
    assert any(entry.get("note") == "客户来电催促" for entry in data["history"])
    agent.ok("audit")
