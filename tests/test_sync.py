"""Many clones, one server: `casekit sync` gets every agent's commits through, the merge
driver merges two clones' changes to one case, and a conflict is settled as one audited
commit with nothing either clone recorded lost."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CLI, read_case
from gitserver import clone, git, make_server, server_head, server_log

AGENT_LOGINS = ("li.na", "wang.fang", "chen.jie")


@pytest.fixture
def office(repo: CLI, tmp_path: Path) -> tuple[Path, list[CLI], str]:
    """A server with one complaint in `assessing`, and three agents' clones."""
    case_id = repo.new("complaint", "--set", "category=product-quality")
    repo.ok("move", case_id, "assessing", now="2026-11-23T10:06:00+08:00")
    server = make_server(repo, tmp_path / "server.git")
    agents = [clone(server, tmp_path / login, repo.environ, login) for login in AGENT_LOGINS]
    return server, agents, case_id


def _fresh_checkout(server: Path, tmp_path: Path, environ: dict[str, str]) -> CLI:
    path = tmp_path / "auditor"
    subprocess.run(["git", "clone", "-q", str(server), str(path)], check=True, env=environ)
    return CLI(path, environ)


WORKER = """
import os, subprocess, sys
rounds, shared, me = int(sys.argv[1]), sys.argv[2], os.environ['CASEKIT_ACTOR']
def casekit(*args):
    subprocess.run([sys.executable, '-m', 'casekit', *args], check=True, stdout=subprocess.DEVNULL)
for i in range(rounds):
    casekit('new', 'callback', '--title', f'回访{i}', '--customer', '刘女士', '--phone', '13912345678',
            '--channel', 'phone')
    casekit('note', shared, f'{me}第{i}次跟进')
    casekit('sync', '--attempts', '40')
"""


def test_three_agents_sync_at_the_same_time(office: tuple[Path, list[CLI], str], tmp_path: Path) -> None:
    server, agents, shared = office
    start = len(server_log(server))
    rounds = 4
    workers = []
    for agent in agents:
        environ = {k: v for k, v in agent.environ.items() if k != "CASEKIT_NOW"}  # real clocks
        workers.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(rounds), shared],
                cwd=agent.root,
                env=environ,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    errors = [w.communicate()[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], errors
    for agent in agents:
        agent.ok("sync")
        assert agent.head() == server_head(server)

    subjects = server_log(server)
    assert len(subjects) == start + len(agents) * rounds * 2
    messages = subprocess.run(
        ["git", "log", "--format=%B%x00", f"HEAD~{len(agents) * rounds * 2}..HEAD"],
        cwd=server,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")[:-1]
    assert len(set(messages)) == len(messages) == len(agents) * rounds * 2  # none lost, none twice
    auditor = _fresh_checkout(server, tmp_path, agents[0].environ)
    callbacks = [read_case(p) for p in (auditor.root / "cases" / "callback").rglob("*.yaml")]
    assert len(callbacks) == len(agents) * rounds
    assert len({c["id"] for c in callbacks}) == len(callbacks)
    assert sorted(c["assignee"] for c in callbacks) == sorted(AGENT_LOGINS * rounds)
    notes = [e for e in read_case(auditor.case_path(shared))["history"] if e["action"] == "note"]
    assert sorted(n["note"] for n in notes) == sorted(
        f"{who}第{i}次跟进" for i in range(rounds) for who in AGENT_LOGINS
    )
    assert [n["at"] for n in notes] == sorted(n["at"] for n in notes)
    auditor.ok("validate")
    auditor.ok("audit")


def test_merge_driver_merges_two_clones_changes_by_time(
    office: tuple[Path, list[CLI], str], tmp_path: Path
) -> None:
    server, (a, b, _), case_id = office
    a.ok("note", case_id, "客户来电催促", now="2026-11-23T10:30:00+08:00")
    a.ok("update", case_id, "--set", "priority=high", now="2026-11-23T10:31:00+08:00")
    a.ok("sync")
    # b worked earlier, and on other things, but pushes later
    b.ok("assign", case_id, "wang.fang", now="2026-11-23T10:20:00+08:00")
    b.ok("update", case_id, "--set", "order_no=TB1234", now="2026-11-23T10:40:00+08:00")
    result = b.ok("sync")
    assert "pulled 2 commits, pushed 2 commits" in result.out
    case = read_case(b.case_path(case_id))
    assert [(e["action"], e["at"][11:16]) for e in case["history"][2:]] == [
        ("assign", "10:20"),
        ("note", "10:30"),
        ("set", "10:31"),
        ("set", "10:40"),
    ]
    assert case["assignee"] == "wang.fang" and case["priority"] == "high"
    assert case["fields"]["order_no"] == "TB1234" and case["status"] == "assessing"
    assert b.git("status", "--porcelain") == "" and b.head() == server_head(server)
    auditor = _fresh_checkout(server, tmp_path, a.environ)
    auditor.ok("validate")
    auditor.ok("audit")


def test_merge_driver_in_a_plain_git_merge(office: tuple[Path, list[CLI], str]) -> None:
    server, (a, b, _), case_id = office
    a.ok("note", case_id, "上午的备注", now="2026-11-23T10:30:00+08:00")
    a.ok("sync")
    b.ok("note", case_id, "下午的备注", now="2026-11-23T14:00:00+08:00")
    merged = git(b, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert merged.returncode == 0, merged.stderr
    notes = [e["note"] for e in read_case(b.case_path(case_id))["history"] if e["action"] == "note"]
    assert notes == ["上午的备注", "下午的备注"]
    b.ok("validate")
    b.ok("audit")
    pushed = git(b, "push", "-q", "origin", "main")
    assert pushed.returncode == 0, pushed.stderr  # the server accepts a merge that only merges
    assert server_head(server) == b.head()


def _conflicting_moves(office: tuple[Path, list[CLI], str]) -> tuple[Path, CLI, CLI, str]:
    server, (a, b, _), case_id = office
    a.ok(
        "move",
        case_id,
        "investigating",
        "--set",
        "responsible_department=售后技术部",
        now="2026-11-23T10:30:00+08:00",
    )
    a.ok("sync")
    b.ok("move", case_id, "rejected", "--set", "rejection_reason=客户误操作", now="2026-11-23T10:40:00+08:00")
    b.ok("note", case_id, "已向客户说明", now="2026-11-23T10:45:00+08:00")
    return server, a, b, case_id


def test_conflict_names_the_case_and_both_moves(office: tuple[Path, list[CLI], str]) -> None:
    server, _, b, case_id = _conflicting_moves(office)
    before = server_head(server)
    result = b.refused("sync")
    assert f"{case_id}: both clones changed the case" in result.err
    assert "the remote moved it assessing -> investigating (li.na, 2026-11-23T10:30:00+08:00)" in result.err
    assert "this clone moved it assessing -> rejected (wang.fang, 2026-11-23T10:40:00+08:00)" in result.err
    assert f"casekit resolve-conflict {case_id} --keep ours" in result.err
    assert server_head(server) == before
    text = b.case_path(case_id).read_text(encoding="utf-8")
    assert "<<<<<<< the remote" in text and ">>>>>>> this clone" in text
    refused = b.refused("note", case_id, "还在冲突中")
    assert "resolve-conflict" in refused.err
    again = b.refused("sync")
    assert "an earlier sync is stopped on a conflict" in again.err


def test_resolve_conflict_keeping_theirs(office: tuple[Path, list[CLI], str], tmp_path: Path) -> None:
    server, a, b, case_id = _conflicting_moves(office)
    b.refused("sync")
    shared = server_head(server)
    result = b.ok("resolve-conflict", case_id, "--keep", "theirs", now="2026-11-23T11:00:00+08:00")
    assert "conflict settled; run `casekit sync`" in result.err
    assert b.git("status", "--porcelain") == ""
    # one audited commit for the resolution, then this clone's note, replayed on top
    assert b.git("rev-list", "--count", f"{shared}..HEAD").strip() == "2"
    resolution = b.git("log", "-1", "--format=%B", "HEAD~1")
    assert "Case-Action: resolve" in resolution and "Case-From" not in resolution
    b.ok("sync")
    auditor = _fresh_checkout(server, tmp_path, a.environ)
    case = read_case(auditor.case_path(case_id))
    assert case["status"] == "investigating"
    resolve = next(e for e in case["history"] if e["action"] == "resolve")
    assert resolve["by"] == "wang.fang"
    (discarded,) = resolve["discarded"]
    assert discarded["to"] == "rejected" and discarded["set"] == {"rejection_reason": "客户误操作"}
    # what was settled is kept as a key and values, and read in each reader's language
    assert resolve["remark"] == {
        "note": "sync.kept-remote",
        "ours": "assessing -> rejected",
        "theirs": "assessing -> investigating",
    }
    assert "note" not in resolve
    assert "conflict resolved: kept the remote's change (assessing -> investigating)" in (
        auditor.ok("log", case_id).out
    )
    assert "冲突解决：保留远端的改动（assessing -> investigating），本机的记录（assessing -> rejected）" in (
        auditor.ok("show", case_id, extra_env={"CASEKIT_LANG": "zh_CN"}).err
    )
    # this clone's later note is kept too, in time order (10:45, before the 11:00 resolution)
    assert [(e["action"], e["at"][11:16]) for e in case["history"][-2:]] == [
        ("note", "10:45"),
        ("resolve", "11:00"),
    ]
    auditor.ok("validate")
    auditor.ok("audit")


def test_resolve_conflict_keeping_ours(office: tuple[Path, list[CLI], str], tmp_path: Path) -> None:
    _, a, b, case_id = _conflicting_moves(office)
    b.refused("sync")
    suffix = case_id.split("-", 2)[2]  # the short form agents read over the phone
    b.ok("resolve-conflict", suffix, "--keep", "ours", now="2026-11-23T11:00:00+08:00")
    assert "Case-From: investigating\nCase-To: rejected" in b.git("log", "-1", "--format=%B", "HEAD~1")
    b.ok("sync")
    a.ok("sync")
    case = read_case(a.case_path(case_id))
    assert case["status"] == "rejected"
    resolve = next(e for e in case["history"] if e["action"] == "resolve")
    assert (resolve["from"], resolve["to"]) == ("investigating", "rejected")
    assert [m["to"] for m in resolve["kept"]] == ["rejected"]
    assert [m["by"] for m in resolve["overrides"]] == ["li.na"]
    assert resolve["remark"] == {
        "note": "sync.kept-local",
        "ours": "assessing -> rejected",
        "theirs": "assessing -> investigating",
    }
    assert case["fields"]["rejection_reason"] == "客户误操作"
    a.ok("validate")
    a.ok("audit")
    a.ok("audit", "--since", "HEAD~4")


def test_resolve_conflict_without_a_conflict_is_refused(office: tuple[Path, list[CLI], str]) -> None:
    _, (a, *_), case_id = office
    head = a.head()
    result = a.refused("resolve-conflict", case_id, "--keep", "ours")
    assert "no conflict to settle" in result.err
    assert a.head() == head
    assert a.run("resolve-conflict", case_id, "--keep", "mine").code == 2


def test_sync_refuses_uncommitted_changes_and_reports_the_servers_refusal(
    office: tuple[Path, list[CLI], str],
) -> None:
    server, (a, *_), case_id = office
    path = a.case_path(case_id)
    path.write_text(path.read_text(encoding="utf-8").replace("王先生", "王建国"), encoding="utf-8")
    assert "uncommitted changes" in a.refused("sync").err
    git(a, "commit", "-q", "--no-verify", "-am", "rename the customer")
    before = server_head(server)
    result = a.run("sync")
    assert result.code == 1
    assert "the server refused the push" in result.err and "[rule: trailers]" in result.err
    assert server_head(server) == before


def test_a_push_that_waited_while_the_branch_moved_is_declined_at_once_and_sync_goes_round_again(
    office: tuple[Path, list[CLI], str],
) -> None:
    """The server checks one push at a time; a push whose branch moved while it waited its
    turn is declined without being checked (git would refuse it after the checks anyway),
    and `casekit sync` takes that for a race, not a refusal: it rebases and pushes again."""
    server, (a, b, _), case_id = office
    a.ok("note", case_id, "甲坐席跟进", now="2026-11-23T10:10:00+08:00")
    b.ok("note", case_id, "乙坐席跟进", now="2026-11-23T10:11:00+08:00")
    lock_path = server / "casekit" / "check-lock"
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # another push is being checked
        syncing = subprocess.Popen(
            [sys.executable, "-m", "casekit", "sync"],
            cwd=a.root,
            env=a.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # a's pack is in the server's quarantine once its pre-receive waits for its turn
        deadline = time.monotonic() + 60
        while not list((server / "objects").glob("*incoming-*")) and syncing.poll() is None:
            assert time.monotonic() < deadline, "a's push never reached the server's hook"
            time.sleep(0.05)
        # meanwhile the other push lands: b's commit becomes the server's branch
        branch = server_head(server)
        moved = subprocess.run(
            ["git", "fetch", "-q", str(b.root), "main:main"], cwd=server, env=b.environ, check=False
        )
        assert moved.returncode == 0
        assert server_head(server) != branch
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        out, err = syncing.communicate(timeout=120)
    assert syncing.returncode == 0, err
    assert "after 2 attempts" in out, out + err
    b.ok("sync")
    notes = [e["note"] for e in read_case(b.case_path(case_id))["history"] if e["action"] == "note"]
    assert notes == ["甲坐席跟进", "乙坐席跟进"]  # both, in the order of their times
