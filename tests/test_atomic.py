"""One action, one commit: links go both ways in the same commit, the server and `audit`
refuse a one-way link, and a failed commit leaves nothing behind (tests/test_crash.py kills
casekit in the middle of its actions)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CLI, read_case
from gitserver import clone, edit, git, hand_commit, make_server, server_git, server_head

AT = "2026-11-23T11:00:00+08:00"


def _one_way_link_by_hand(cli: CLI, complaint: str, callback: str) -> None:
    path = cli.case_path(complaint)
    edit(path, "links: []", f"links: [{callback}]")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"  - {{at: {AT}, by: li.na, action: link, case: {callback}}}\n", encoding="utf-8")
    message = (
        f"{complaint}: linked to {callback}\n\n"
        f"Case-Id: {complaint}\nCase-Kind: complaint\nCase-Action: link\n"
        "Case-Actor: li.na <li.na@example.com>"
    )
    done = hand_commit(cli, message, date=AT)
    assert done.returncode == 0, done.stderr


def test_the_server_refuses_a_one_way_link_and_takes_the_two_way_one(repo: CLI, tmp_path: Path) -> None:
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "agent", repo.environ, "li.na")
    complaint = agent.new("complaint")
    callback = agent.new("callback")
    agent.ok("sync")
    shared = server_head(server)

    _one_way_link_by_hand(agent, complaint, callback)
    pushed = git(agent, "push", "-q", "origin", "HEAD:main")
    assert pushed.returncode != 0
    assert f"links to {callback} but {callback} does not link back" in pushed.stderr
    assert server_head(server) == shared
    found = agent.run("audit")
    assert found.code == 1 and f"{complaint}: links to {callback} but" in found.out + found.err

    git(agent, "reset", "-q", "--hard", shared)
    linked = agent.ok("link", complaint, callback)
    assert linked.lines == [complaint, callback]
    agent.ok("sync")
    assert server_head(server) == agent.head()
    agent.ok("audit")


def test_link_mends_a_one_way_link_with_the_missing_side(repo: CLI) -> None:
    complaint = repo.new("complaint")
    callback = repo.new("callback")
    _one_way_link_by_hand(repo, complaint, callback)
    before = repo.commit_count()
    repo.ok("link", complaint, callback)
    assert repo.commit_count() == before + 1
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == [
        str(repo.case_path(callback).relative_to(repo.root))
    ]
    assert read_case(repo.case_path(callback))["links"] == [complaint]
    assert "does not link back" not in repo.run("audit").out


def test_a_commit_git_cannot_make_leaves_the_files_as_they_were_and_no_journal(repo: CLI) -> None:
    assert repo.ok("repair").out.startswith("nothing to repair")
    complaint = repo.new("complaint")
    head = repo.head()
    files = sorted(p.name for p in (repo.root / "cases").rglob("*.yaml"))
    # a git that fails to move HEAD: the action puts every file back and leaves no journal
    lock = repo.root / ".git" / "HEAD.lock"
    lock.write_text("held\n")
    failed = repo.run("note", complaint, "已致电客户")
    lock.unlink()
    assert failed.code == 1 and "Traceback" not in failed.err
    assert repo.head() == head
    assert repo.git("status", "--porcelain") == ""
    assert not (repo.root / ".git" / "casekit" / "pending.json").exists()
    assert sorted(p.name for p in (repo.root / "cases").rglob("*.yaml")) == files


def test_audit_of_broken_case_files_lists_problems_without_a_traceback(repo: CLI) -> None:
    complaint = repo.new("complaint")
    path = repo.case_path(complaint)
    good = path.read_bytes()
    for content in [
        "[1, 2\n",
        "- a\n- b\n",
        "12\n",
        "",
        "history: [1, 2]\n",
        "id: [x]\nkind: 3\nlinks: [[1], {a: 1}]\n",
        "history:\n  - {at: 2026-13-45T99:00:00+08:00, by: [1], action: {a: 1}}\n",
        good + b"\xff\xfe not UTF-8\n",
    ]:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        assert hand_commit(repo, "by hand").returncode == 0
        commands = (["audit"], ["audit", "--since", "HEAD~1"], ["validate"], ["list"], ["show", complaint])
        for args in commands:
            result = repo.run(*args)
            assert "Traceback" not in result.err, (content, args, result.err)
            assert result.code in (0, 1), (content, args, result.err)
        path.write_bytes(good)
        assert hand_commit(repo, "restored by hand").returncode == 0


def test_a_follow_up_commit_passes_the_server(repo: CLI, tmp_path: Path) -> None:
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "agent", repo.environ, "li.na")
    complaint = agent.new("complaint", "--priority", "high")
    for target, extra in [
        ("assessing", []),
        ("investigating", ["--set", "responsible_department=售后技术部"]),
        ("proposed", ["--set", "solution=上门更换新机"]),
        ("implementing", ["--set", "accepted_solution=上门更换新机"]),
        ("resolved", ["--set", "resolution=已更换新机"]),
    ]:
        agent.ok("move", complaint, target, *extra)
    (callback,) = json.loads(agent.ok("list", "--kind", "callback", "--format", "json").out)
    agent.ok("sync")
    assert server_head(server) == agent.head()
    message = server_git(server, "log", "-1", "--format=%B", "refs/heads/main")
    assert f"Case-Opened: {callback['id']}" in message
    agent.ok("audit")
    agent.ok("audit", "--since", "HEAD~6")


def test_a_case_file_that_was_never_committed_is_named_with_how_to_remove_it(
    repo: CLI, tmp_path: Path
) -> None:
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "agent", repo.environ, "li.na")
    orphan = agent.new("complaint")
    git(agent, "reset", "-q", "HEAD~1")  # the file stays, as an older casekit killed in `new` left it
    rel = str(agent.case_path(orphan).relative_to(agent.root))
    refused = agent.refused("move", orphan, "assessing")
    assert f"{rel} was never committed" in refused.err and f"rm {rel}" in refused.err
    synced = agent.ok("sync")
    assert f"warning: {rel} is not committed, so it is not shared" in synced.err
