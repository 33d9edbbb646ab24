"""Helpers for tests with many clones: a bare repository as the server (with casekit's
pre-receive hook), clones as agents, and commits made by hand with plain git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import CLI

SIGNERS = ".casekit/allowed_signers"
AGENTS = {
    "li.na": ("李娜", "li.na@example.com"),
    "wang.fang": ("王芳", "wang.fang@example.com"),
    "chen.jie": ("陈杰", "chen.jie@example.com"),
    "zhang.wei": ("张伟", "zhang.wei@example.com"),
}


def git(cli: CLI, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run git in the clone without raising; the test looks at the outcome."""
    return subprocess.run(
        ["git", *args],
        cwd=cli.root,
        env={**cli.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def make_server(repo: CLI, path: Path) -> Path:
    """A bare copy of `repo` with casekit's pre-receive installed, as a team's server."""
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.root), str(path)], check=True, env=repo.environ)
    repo.ok("hooks", "install", "--server", str(path))
    return path


def clone(server: Path, path: Path, environ: dict[str, str], actor: str) -> CLI:
    """An agent's clone of the server, hooks installed, acting as `actor`."""
    subprocess.run(["git", "clone", "-q", str(server), str(path)], check=True, env=environ)
    cli = CLI(path, {**environ, "CASEKIT_ACTOR": actor})
    cli.ok("hooks", "install")
    return cli


def set_up_signing(supervisor: CLI, server: Path) -> None:
    """What a supervisor does once under `sync.signed: supervisor`: `casekit keys setup` in
    their clone (a key made in the test's HOME), commit the allowed-signers line it
    proposes, sync. The server's keeper lists the same keys in the file the server's
    `gpg.ssh.allowedSignersFile` names (the first key cannot vouch for itself: the server
    knows no pusher here, so the commit adding it must already carry a signature it checks)."""
    supervisor.ok("keys", "setup")
    listed = server / "casekit_allowed_signers"
    listed.write_bytes((supervisor.root / SIGNERS).read_bytes())
    server_git(server, "config", "gpg.ssh.allowedSignersFile", str(listed))
    supervisor.git("add", SIGNERS)
    login = supervisor.environ["CASEKIT_ACTOR"]
    result = hand_commit(supervisor, f"Allowed signer: {login}", login=login, verify=True, paths=())
    assert result.returncode == 0, result.stderr
    supervisor.ok("sync")


def server_git(server: Path, *args: str) -> str:
    """What git prints for ARGS in the server's bare repository."""
    return subprocess.run(["git", *args], cwd=server, capture_output=True, text=True, check=True).stdout


def server_head(server: Path) -> str:
    return server_git(server, "rev-parse", "refs/heads/main").strip()


def server_log(server: Path) -> list[str]:
    """Subjects on the server's main, oldest first."""
    return server_git(server, "log", "--reverse", "--format=%s", "refs/heads/main").splitlines()


def hand_commit(
    cli: CLI,
    message: str,
    *,
    login: str = "li.na",
    date: str | None = None,
    verify: bool = False,
    paths: tuple[str, ...] = ("-a",),
) -> subprocess.CompletedProcess[str]:
    """`git commit` of what was edited by hand, authored by `login` at `date`."""
    name, email = AGENTS[login]
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    if date:
        env["GIT_AUTHOR_DATE"] = date
    flags = [] if verify else ["--no-verify"]
    return git(cli, "commit", "-q", *flags, *paths, "-m", message, env=env)


def trailers(
    case_id: str, action: str, source: str | None = None, target: str | None = None, login: str = "li.na"
) -> str:
    lines = [f"Case-Id: {case_id}", "Case-Kind: complaint", f"Case-Action: {action}"]
    if source:
        lines.append(f"Case-From: {source}")
    if target:
        lines.append(f"Case-To: {target}")
    lines.append(f"Case-Actor: {login} <{AGENTS[login][1]}>")
    return "\n".join(lines)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append_entry(path: Path, entry: str) -> int:
    """Add a history entry line by hand; returns its line number."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"  - {entry}\n", encoding="utf-8")
    return len(text.splitlines()) + 1
