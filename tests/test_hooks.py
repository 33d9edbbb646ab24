"""Git hooks: pre-commit and commit-msg stop hand-made commits that bypass the workflow;
the server's pre-receive refuses pushes that break the rules; `audit --since` runs the
same checks in CI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CLI
from gitserver import (
    append_entry,
    clone,
    edit,
    git,
    hand_commit,
    make_server,
    server_head,
    set_up_signing,
    trailers,
)

OPEN = "2026-11-23T10:05:00+08:00"
LATER = "2026-11-23T10:20:00+08:00"


def _case_at(repo: CLI, state: str = "received") -> tuple[str, Path]:
    case_id = repo.new("complaint", "--set", "category=product-quality")
    if state == "assessing":
        repo.ok("move", case_id, "assessing", now="2026-11-23T10:10:00+08:00")
    return case_id, repo.case_path(case_id)


# --- installing ---------------------------------------------------------------------


def test_init_installs_the_hooks_and_the_merge_driver(repo: CLI) -> None:
    hooks = repo.root / ".git" / "hooks"
    for name in ("pre-commit", "commit-msg"):
        script = hooks / name
        assert script.read_bytes() == (repo.root / "hooks" / name).read_bytes()
        assert os.access(script, os.X_OK)
        assert b"casekit-hook" in script.read_bytes()
    assert repo.git("config", "casekit.python").strip() == sys.executable
    assert "casekit.githooks merge-driver %O %A %B %P" in repo.git("config", "merge.casekit.driver")
    case_id = repo.new()
    rel = repo.case_path(case_id).relative_to(repo.root).as_posix()
    assert repo.git("check-attr", "merge", "--", rel).strip().endswith("merge: casekit")


def test_hooks_install_in_a_fresh_clone_and_refuses_a_foreign_hook(repo: CLI, tmp_path: Path) -> None:
    path = tmp_path / "fresh"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(path)], check=True, env=repo.environ)
    fresh = CLI(path, repo.environ)
    assert git(fresh, "config", "--get", "merge.casekit.driver").stdout == ""
    foreign = path / ".git" / "hooks" / "pre-commit"
    foreign.write_text("#!/bin/sh\nexit 0\n")
    refused = fresh.refused("hooks", "install")
    assert "not casekit's" in refused.err and "--force" in refused.err
    assert foreign.read_text() == "#!/bin/sh\nexit 0\n"
    fresh.ok("hooks", "install", "--force")
    assert b"casekit-hook" in foreign.read_bytes()
    assert "merge-driver" in fresh.git("config", "merge.casekit.driver")


# --- pre-commit -----------------------------------------------------------------------


def test_pre_commit_blocks_a_hand_edit_that_skips_a_state(repo: CLI) -> None:
    case_id, path = _case_at(repo)
    before = repo.commit_count()
    edit(path, "status: received", "status: investigating")
    edit(
        path,
        "  category: product-quality",
        "  category: product-quality\n  responsible_department: 售后技术部",
    )
    line = append_entry(
        path, f"{{at: '{LATER}', by: li.na, action: move, from: received, to: investigating}}"
    )
    result = hand_commit(repo, "skip a state", verify=True)
    assert result.returncode != 0
    rel = path.relative_to(repo.root).as_posix()
    expected = f"{rel}:{line}: {case_id}: history entry 2: cannot move from received"
    assert any(
        row.startswith(expected) and row.endswith("[rule: transition]") for row in result.stderr.splitlines()
    ), result.stderr
    assert "casekit pre-commit: 1 problem; the commit was stopped" in result.stderr
    assert repo.commit_count() == before


def test_pre_commit_applies_every_guard_as_the_author(repo: CLI) -> None:
    _, path = _case_at(repo, "assessing")
    edit(path, "status: assessing", "status: investigating")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: move, from: assessing, to: investigating}}")
    result = hand_commit(repo, "no department", verify=True)
    assert result.returncode != 0
    assert "requires responsible_department" in result.stderr and "[rule: requires-fields]" in result.stderr

    repo.git("checkout", "-q", "--", ".")
    edit(path, "status: assessing", "status: rejected")
    edit(path, "  category: product-quality", "  category: product-quality\n  rejection_reason: 不属实")
    append_entry(path, f"{{at: '{LATER}', by: zhang.wei, action: move, from: assessing, to: rejected}}")
    result = hand_commit(repo, "pretend to be the supervisor", login="li.na", verify=True)
    assert result.returncode != 0
    assert (
        "history entry 3 is by zhang.wei but the change is made by 李娜 <li.na@example.com>" in result.stderr
    )
    assert "[rule: actor]" in result.stderr


def test_pre_commit_blocks_history_rewrites_deletions_and_bad_fields(repo: CLI) -> None:
    case_id, path = _case_at(repo, "assessing")
    edit(path, f"{{at: {OPEN}, by: li.na, action: open", f"{{at: {OPEN}, by: wang.fang, action: open")
    result = hand_commit(repo, "rewrite", verify=True)
    assert result.returncode != 0
    assert (
        "history entry 1 (open to received by li.na" in result.stderr
        and "[rule: append-only]" in result.stderr
    )

    repo.git("checkout", "-q", "--", ".")
    edit(path, "category: product-quality", "category: weather")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: set, set: {{category: weather}}}}")
    result = hand_commit(repo, "bad field", verify=True)
    assert result.returncode != 0
    assert "'weather' is not one of" in result.stderr and "[rule: schema]" in result.stderr

    repo.git("checkout", "-q", "--", ".")
    repo.git("rm", "-q", str(path))
    result = hand_commit(repo, "remove", verify=True, paths=())
    assert result.returncode != 0
    assert "cases are never deleted" in result.stderr and "[rule: delete]" in result.stderr
    assert path.relative_to(repo.root).as_posix() in repo.git("ls-tree", "-r", "--name-only", "HEAD")
    assert f": {case_id}: the case file is deleted" in result.stderr


# --- commit-msg -----------------------------------------------------------------------


def test_commit_msg_requires_trailers_that_match_the_change(repo: CLI) -> None:
    case_id, path = _case_at(repo)
    before = repo.commit_count()
    edit(path, "status: received", "status: assessing")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: move, from: received, to: assessing}}")

    missing = hand_commit(repo, "moved it by hand", verify=True)
    assert missing.returncode != 0
    assert "without casekit's trailers" in missing.stderr and "[rule: trailers]" in missing.stderr
    assert "casekit commit-msg:" in missing.stderr

    wrong = hand_commit(
        repo,
        f"{case_id}: received -> rejected\n\n{trailers(case_id, 'move', 'received', 'rejected')}",
        verify=True,
    )
    assert wrong.returncode != 0
    assert "to is 'assessing' but the commit says 'rejected'" in wrong.stderr
    assert repo.commit_count() == before

    # Trailers that agree are not enough: the file must hold what casekit writes for the
    # move, and a hand edit leaves the deadlines the move settles as they were.
    agreeing = hand_commit(
        repo,
        f"{case_id}: received -> assessing\n\n{trailers(case_id, 'move', 'received', 'assessing')}",
        date=LATER,
        verify=True,
    )
    assert agreeing.returncode == 0, agreeing.stderr  # the client's hooks check trailers
    audit = repo.run("audit", "--since", "HEAD~1")
    assert audit.code == 1 and "[rule: replay]" in audit.out and "deadlines.first_response" in audit.out
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.ok("move", case_id, "assessing", now=LATER)
    assert repo.commit_count() == before + 1
    repo.ok("audit")
    repo.ok("audit", "--since", "HEAD~1")

    (repo.root / "NOTES.md").write_text("team notes\n")
    repo.git("add", "NOTES.md")
    assert hand_commit(repo, "notes outside cases/", verify=True, paths=()).returncode == 0


def test_a_comment_added_by_hand_needs_no_trailers(repo: CLI) -> None:
    case_id, path = _case_at(repo)
    edit(path, "title:", "# 客户情绪激动，注意安抚\ntitle:")
    result = hand_commit(repo, "A reminder for whoever calls back", verify=True)
    assert result.returncode == 0, result.stderr
    repo.ok("audit")
    repo.ok("audit", "--since", "HEAD~1")
    repo.ok("note", case_id, "已安抚", now=LATER)
    assert "# 客户情绪激动，注意安抚" in path.read_text(encoding="utf-8")


def test_casekit_commits_do_not_run_the_hooks(repo: CLI) -> None:
    """casekit checks a change before committing it with plumbing; hooks are for `git commit`."""
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused by the hook >&2\nexit 1\n")
    case_id, path = _case_at(repo)
    repo.ok("note", case_id, "已致电客户")
    assert repo.git("status", "--porcelain") == ""
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: note, note: 手写}}")
    assert "refused by the hook" in hand_commit(repo, "by hand", verify=True).stderr


# --- the server -----------------------------------------------------------------------

SUPERVISOR_ONLY = "rejected: {requires: [rejection_reason], role: supervisor}"


@pytest.fixture
def team(repo: CLI, tmp_path: Path) -> tuple[Path, CLI, str]:
    """A server whose config makes rejecting a complaint a supervisor's move, one case in
    `assessing`, and li.na's clone."""
    edit(repo.root / "casekit.yaml", "rejected: {requires: [rejection_reason]}", SUPERVISOR_ONLY)
    result = hand_commit(
        repo, "Rejecting a complaint is a supervisor's decision", login="zhang.wei", verify=True
    )
    assert result.returncode == 0, result.stderr
    case_id, _ = _case_at(repo, "assessing")
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    return server, agent, case_id


def _refused_push(agent: CLI, server: Path, rule: str, case_id: str | None, *args: str) -> str:
    before = server_head(server)
    result = git(agent, "push", *(args or ("origin", "main")))
    assert result.returncode != 0, result.stderr
    assert f"[rule: {rule}]" in result.stderr, result.stderr
    assert "pre-receive hook declined" in result.stderr
    if case_id:
        commit = agent.git("rev-parse", "--short=10", "HEAD").strip()
        assert any(f"commit {commit}: {case_id}:" in line for line in result.stderr.splitlines()), (
            result.stderr
        )
    assert server_head(server) == before
    return result.stderr


def test_server_refuses_force_pushes_and_deleting_main(team: tuple[Path, CLI, str]) -> None:
    server, agent, case_id = team
    agent.ok("note", case_id, "第一次致电", now=LATER)
    agent.ok("sync")
    agent.git("reset", "-q", "--hard", "HEAD~1")
    agent.ok("note", case_id, "改写的记录", now=LATER)
    err = _refused_push(agent, server, "no-rewrite", None, "--force", "origin", "main")
    assert "rewrites the history of main" in err
    err = _refused_push(agent, server, "no-delete", None, "origin", ":main")
    assert "deletes main" in err


def test_server_refuses_a_case_change_without_trailers(team: tuple[Path, CLI, str]) -> None:
    server, agent, case_id = team
    append_entry(agent.case_path(case_id), f"{{at: '{LATER}', by: li.na, action: note, note: 手写}}")
    assert hand_commit(agent, "a note by hand", date=LATER).returncode == 0
    err = _refused_push(agent, server, "trailers", case_id)
    assert "without casekit's trailers" in err


def test_server_refuses_trailers_that_disagree_with_the_change(team: tuple[Path, CLI, str]) -> None:
    server, agent, case_id = team
    path = agent.case_path(case_id)
    edit(path, "status: assessing", "status: investigating")
    edit(
        path,
        "  category: product-quality",
        "  category: product-quality\n  responsible_department: 售后技术部",
    )
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: move, from: assessing, to: investigating}}")
    message = f"{case_id}: note\n\n{trailers(case_id, 'note')}"
    assert hand_commit(agent, message, date=LATER).returncode == 0
    err = _refused_push(agent, server, "trailers", case_id)
    assert "action is 'move' but the commit says 'note'" in err


def test_server_refuses_a_transition_the_config_does_not_allow(team: tuple[Path, CLI, str]) -> None:
    server, agent, case_id = team
    path = agent.case_path(case_id)
    edit(path, "status: assessing", "status: closed")
    edit(path, "  category: product-quality", "  category: product-quality\n  summary: 已处理")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: move, from: assessing, to: closed}}")
    message = f"{case_id}: assessing -> closed\n\n{trailers(case_id, 'move', 'assessing', 'closed')}"
    assert hand_commit(agent, message, date=LATER).returncode == 0
    err = _refused_push(agent, server, "transition", case_id)
    assert "cannot move from assessing" in err


def test_server_refuses_a_supervisor_only_move_by_an_agent(
    team: tuple[Path, CLI, str], tmp_path: Path
) -> None:
    server, agent, case_id = team
    path = agent.case_path(case_id)
    edit(path, "status: assessing", "status: rejected")
    edit(path, "  category: product-quality", "  category: product-quality\n  rejection_reason: 不属实")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: move, from: assessing, to: rejected}}")
    message = f"{case_id}: assessing -> rejected\n\n{trailers(case_id, 'move', 'assessing', 'rejected')}"
    assert hand_commit(agent, message, date=LATER).returncode == 0
    err = _refused_push(agent, server, "requires-role", case_id)
    assert "only a supervisor (zhang.wei) may move it from assessing to rejected" in err

    # Claiming to be the supervisor in the file and the trailers does not help: identity
    # comes from the commit's author.
    agent.git("reset", "-q", "--hard", "origin/main")
    edit(path, "status: assessing", "status: rejected")
    edit(path, "  category: product-quality", "  category: product-quality\n  rejection_reason: 不属实")
    append_entry(path, f"{{at: '{LATER}', by: zhang.wei, action: move, from: assessing, to: rejected}}")
    claimed = trailers(case_id, "move", "assessing", "rejected", login="zhang.wei")
    forged = f"{case_id}: assessing -> rejected\n\n{claimed}"
    assert hand_commit(agent, forged, date=LATER, login="li.na").returncode == 0
    err = _refused_push(agent, server, "actor", case_id)
    assert "is by zhang.wei but the change is made by 李娜" in err

    # The supervisor's own move goes through, signed as `sync.signed: supervisor` (casekit
    # init's default) asks.
    supervisor = clone(server, tmp_path / "zhang.wei", agent.environ, "zhang.wei")
    set_up_signing(supervisor, server)
    supervisor.ok("move", case_id, "rejected", "--set", "rejection_reason=不属实", now=LATER)
    supervisor.ok("sync")
    assert server_head(server) == supervisor.head()


def test_server_refuses_editing_an_earlier_history_entry(team: tuple[Path, CLI, str]) -> None:
    server, agent, case_id = team
    path = agent.case_path(case_id)
    edit(
        path,
        "action: move, from: received, to: assessing}",
        "action: move, from: received, to: assessing, note: 补记}",
    )
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: note, note: 今天致电}}")
    message = f"{case_id}: note\n\n今天致电\n\n{trailers(case_id, 'note')}"
    assert hand_commit(agent, message, date=LATER).returncode == 0
    err = _refused_push(agent, server, "append-only", case_id)
    assert "history entry 2 (move received -> assessing" in err and "history is append-only" in err


def test_server_refuses_a_config_change_by_an_agent(team: tuple[Path, CLI, str]) -> None:
    server, agent, _ = team
    edit(agent.root / "casekit.yaml", "roles: [agent]}", "roles: [agent, supervisor]}")
    assert hand_commit(agent, "make me a supervisor").returncode == 0
    err = _refused_push(agent, server, "config-change", None)
    assert "only zhang.wei may change the rules" in err


def _ssh_key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen to sign commits")
def test_signatures_where_the_config_asks_for_them(repo: CLI, tmp_path: Path) -> None:
    assert "  signed: supervisor " in (repo.root / "casekit.yaml").read_text()  # casekit init's default
    edit(repo.root / "casekit.yaml", "rejected: {requires: [rejection_reason]}", SUPERVISOR_ONLY)
    assert hand_commit(repo, "Supervisor moves are signed", login="zhang.wei", verify=True).returncode == 0
    case_id, _ = _case_at(repo, "assessing")
    server = make_server(repo, tmp_path / "server.git")
    keys = tmp_path / "keys"
    keys.mkdir()
    key = _ssh_key(keys, "zhang.wei")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"zhang.wei@example.com {(keys / 'zhang.wei.pub').read_text()}")
    subprocess.run(["git", "config", "gpg.ssh.allowedSignersFile", str(allowed)], cwd=server, check=True)

    supervisor = clone(server, tmp_path / "zhang.wei", repo.environ, "zhang.wei")
    supervisor.ok("note", case_id, "不需要签名的备注", now="2026-11-23T10:15:00+08:00")
    supervisor.ok("move", case_id, "rejected", "--set", "rejection_reason=不属实", now=LATER)
    result = supervisor.run("sync")
    assert result.code == 1
    assert "the server refused the push" in result.err and "[rule: signature]" in result.err
    assert "not signed" in result.err
    audit = supervisor.run("audit", "--since", "origin/main")
    assert audit.code == 1 and "[rule: signature]" in audit.out
    assert audit.out.count("[rule: signature]") == 1  # the note needs no signature

    supervisor.git("reset", "-q", "--hard", "origin/main")
    for key_name, value in (
        ("gpg.format", "ssh"),
        ("user.signingkey", str(key) + ".pub"),
        ("commit.gpgsign", "true"),
        ("gpg.ssh.allowedSignersFile", str(allowed)),
    ):
        supervisor.git("config", key_name, value)
    supervisor.ok("move", case_id, "rejected", "--set", "rejection_reason=不属实", now=LATER)
    supervisor.ok("audit", "--since", "origin/main")
    supervisor.ok("sync")
    assert server_head(server) == supervisor.head()


def test_audit_since_runs_the_server_checks(team: tuple[Path, CLI, str]) -> None:
    _, agent, case_id = team
    agent.ok("note", case_id, "正常的备注", now="2026-11-23T10:15:00+08:00")
    clean = agent.run("audit", "--since", "origin/main")
    assert clean.code == 0 and "every commit since origin/main follows the rules" in clean.err
    path = agent.case_path(case_id)
    edit(path, "status: assessing", "status: closed")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: move, from: assessing, to: closed}}")
    assert hand_commit(agent, "close it by hand", date=LATER).returncode == 0
    result = agent.run("audit", "--since", "origin/main")
    assert result.code == 1
    rel = path.relative_to(agent.root).as_posix()
    commit = agent.git("rev-parse", "--short=10", "HEAD").strip()
    assert any(
        line.startswith(f"{rel}") and f"commit {commit}: {case_id}:" in line and "[rule: trailers]" in line
        for line in result.lines
    ), result.out
    assert "[rule: transition]" in result.out
    problems = json.loads(agent.run("audit", "--since", "origin/main", "--format", "json").out)
    assert {p["path"] for p in problems} == {rel}
    assert agent.run("audit", "--since", "no-such-ref").code == 2
