"""casekit through real authenticated git servers on 127.0.0.1 (tests/authservers.py):
lighttpd + git http-backend with basic auth, and gitolite behind sshd. Agents' clones
share cases with `casekit sync`, the server's pre-receive refuses a rewritten main and
says why, and the hooks see who authenticated. The load test sends 10 clones' syncs
through the HTTP server at the same moment."""

from __future__ import annotations

import random
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import CLI, NOW, edit_file, read_case
from gitserver import AGENTS, git, hand_commit

if TYPE_CHECKING:
    from authservers import GitServer, Repository

pytest_plugins = ("authservers",)

# the variable each server sets to the login that authenticated
PUSHER_VARIABLE = {"http": "REMOTE_USER", "gitolite": "GL_USER"}


def _notes(case: dict, text: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    return [
        entry
        for entry in case.get("history", [])
        if entry.get("action") == "note" and (text is None or entry.get("note") == text)
    ]


def test_agents_share_a_case_through_the_server(
    auth_server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = auth_server.new_repository(repo)
    dump = repository.dump_hook_environ()
    li = repository.clone("li.na", tmp_path / "li.na", environ)
    wang = repository.clone("wang.fang", tmp_path / "wang.fang", environ)

    case_id = li.new("complaint", "--set", "category=product-quality")
    li.ok("note", case_id, "已致电客户，约定明天上午回复", now="2026-11-23T10:07:00+08:00")
    synced = li.ok("sync")
    assert "pushed 2 commits" in synced.out, synced.out
    assert repository.head() == li.head()

    env = repository.hook_environ()
    assert env.get(PUSHER_VARIABLE[auth_server.kind]) == "li.na", sorted(env)
    assert dump.exists()

    pulled = wang.ok("sync")
    assert "pulled 2 commits" in pulled.out, pulled.out
    case = read_case(wang.case_path(case_id))
    assert [entry["note"] for entry in _notes(case)] == ["已致电客户，约定明天上午回复"]
    assert "已致电客户" in wang.ok("show", case_id).out

    wang.ok("note", case_id, "客户补充了购买凭证", now="2026-11-23T10:09:00+08:00")
    wang.ok("sync")
    assert repository.hook_environ()[PUSHER_VARIABLE[auth_server.kind]] == "wang.fang"
    li.ok("sync")
    assert len(_notes(read_case(li.case_path(case_id)))) == 2


def test_a_force_push_rewriting_main_is_refused(
    auth_server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    case_id = repo.new("complaint")
    repository = auth_server.new_repository(repo)
    auth_server.new_repository(repo)  # gitolite relinks its hooks everywhere: casekit's stays
    li = repository.clone("li.na", tmp_path / "li.na", environ)
    li.ok("note", case_id, "第一次跟进", now="2026-11-23T10:07:00+08:00")
    li.ok("sync")
    shared = repository.head()

    assert git(li, "reset", "-q", "--hard", "HEAD~1").returncode == 0
    li.ok("note", case_id, "改写过的跟进", now="2026-11-23T10:08:00+08:00")
    pushed = git(li, "push", "--force", "origin", "HEAD:main")
    assert pushed.returncode != 0, pushed.stderr
    assert "no-rewrite" in pushed.stderr, pushed.stderr
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr
    assert repository.head() == shared  # nothing changed on the server

    deleted = git(li, "push", "origin", ":main")
    assert deleted.returncode != 0 and "no-delete" in deleted.stderr, deleted.stderr
    assert repository.head() == shared


def test_the_hook_sees_who_authenticated_not_who_the_commit_names(
    auth_server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    """The login comes from the server (basic auth, the ssh key), not from the clone: a clone
    authenticating as chen.jie whose commits name li.na is seen as chen.jie, and refused."""
    case_id = repo.new("complaint")
    repository = auth_server.new_repository(repo)
    repository.dump_hook_environ()
    chen = repository.clone("chen.jie", tmp_path / "chen.jie", environ, actor="li.na")
    chen.ok("note", case_id, "代同事记录", now="2026-11-23T10:07:00+08:00")
    refused = chen.run("sync")
    assert refused.code == 1 and "the commit is li.na's but chen.jie pushed it" in refused.err, refused.err
    assert "[rule: identity]" in refused.err

    own = repository.clone("chen.jie", tmp_path / "chen.jie-own", environ)
    own.ok("note", case_id, "自己的记录", now="2026-11-23T10:07:00+08:00")
    own.ok("sync")
    env = repository.hook_environ()
    assert env[PUSHER_VARIABLE[auth_server.kind]] == "chen.jie"
    assert env.get("CASEKIT_NOW") == NOW  # the server's clock, as the fixture set it


def test_a_server_gets_the_environment_the_test_gives_it(
    http_servers: object, gitolite_servers: object, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    clock = "2026-11-24T09:00:00+08:00"
    for servers in (http_servers, gitolite_servers):
        server: GitServer = servers({"CASEKIT_NOW": clock, "CASEKIT_TEST_MARK": "yes"})  # type: ignore[operator]
        repository = server.new_repository(repo)
        repository.dump_hook_environ()
        zhang = repository.clone("zhang.wei", tmp_path / f"zhang-{server.kind}", environ)
        zhang.new("complaint")
        zhang.ok("sync")
        env = repository.hook_environ()
        assert (env["CASEKIT_NOW"], env["CASEKIT_TEST_MARK"]) == (clock, "yes"), server.kind


def test_a_wrong_password_or_key_gets_nothing(
    http_server: GitServer, gitolite_server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    http = http_server.new_repository(repo)
    bad_url = http.url("li.na").replace(":pw-li.na@", ":wrong@")
    refused = subprocess.run(
        ["git", "ls-remote", bad_url],
        env={**environ, "GIT_TERMINAL_PROMPT": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0, refused.stdout
    assert "Authentication failed" in refused.stderr, refused.stderr

    ssh = gitolite_server.new_repository(repo)
    unknown_key = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(unknown_key)], check=True)
    command = gitolite_server.ssh_command("li.na", key=unknown_key)
    refused = subprocess.run(
        ["git", "ls-remote", ssh.url("li.na")],
        env={**environ, "GIT_SSH_COMMAND": command},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0, refused.stdout
    assert "Permission denied" in refused.stderr, refused.stderr


# ---------------------------------------------------------------------------------------
# load: 10 clones, 20 changes each, every change synced at once, through the HTTP server

CLONES = 10
CHANGES = 20
SHARED_CASES = 4
ATTEMPTS = 100  # the most sync.attempts allows
LOAD_START = datetime.fromisoformat(NOW) + timedelta(days=1)
AFTER_RETRIES = re.compile(r"after (\d+) attempts")


class Clock:
    """The team's clock: every change gets a later time than any change before it, as a real
    clock would give, but the same times on every run."""

    def __init__(self, start: datetime) -> None:
        self._next = start
        self._lock = threading.Lock()

    def tick(self) -> str:
        with self._lock:
            now, self._next = self._next, self._next + timedelta(seconds=1)
        return now.isoformat()


@dataclass
class Worker:
    clone: CLI
    index: int
    cases: list[str]
    attempts: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    told_again: int = 0  # syncs that gave up and were run again, as their message says

    def run(self, start: threading.Barrier, clock: Clock) -> None:
        start.wait()
        for round_ in range(CHANGES):
            # neighbouring clones note the same cases, so their syncs rebase onto each other's
            case_id = self.cases[(self.index + round_) % len(self.cases)]
            noted = self.clone.run("note", case_id, note_text(self.index, round_), now=clock.tick())
            if noted.code != 0:
                self.failures.append(f"note {round_}: {noted.err.strip()}")
                continue
            synced = self.clone.run("sync")
            spent = 0
            if synced.code != 0 and "run `casekit sync` again" in synced.err:
                # what the agent is told to do when every attempt lost the race
                self.told_again += 1
                spent = ATTEMPTS
                synced = self.clone.run("sync")
            if synced.code != 0:
                self.failures.append(f"sync {round_}: {synced.err.strip()}")
                continue
            retried = AFTER_RETRIES.search(synced.out)
            self.attempts.append(spent + (int(retried.group(1)) if retried else 1))


def note_text(clone: int, round_: int) -> str:
    return f"第{clone}号坐席第{round_}次跟进"


@pytest.mark.load
def test_load_ten_clones_sync_at_the_same_time_through_http(
    http_servers: object, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    """Every clone notes 20 times and syncs after each note, all 10 at once, each clone
    authenticating as its person; clones share cases, so rebases run the case merge driver.
    Every note reaches main, none twice; a sync whose every attempt lost the race is run
    again, as its message tells the agent, and counted. The figures (wall time, attempts per sync) are
    printed (`pytest -s`) and given with any failure."""
    cases = [repo.new("complaint") for _ in range(SHARED_CASES)]
    # the supervisor gives sync more attempts: ten clones pushing at once race often
    config = repo.root / "casekit.yaml"
    edit_file(config, "  attempts: 8 ", f"  attempts: {ATTEMPTS} ")
    assert hand_commit(repo, "sync: more push attempts for a busy team", login="zhang.wei").returncode == 0
    repo.ok("validate")

    # the server's clock is after every note's time (the clients' times come from Clock)
    server: GitServer = http_servers(  # type: ignore[operator]
        {"CASEKIT_NOW": (LOAD_START + timedelta(days=1)).isoformat()}
    )
    repository: Repository = server.new_repository(repo)
    people = list(AGENTS)
    workers = [
        Worker(repository.clone(people[i % len(people)], tmp_path / f"clone{i}", environ), i, cases)
        for i in range(CLONES)
    ]
    random.Random(7).shuffle(workers)  # start order is not clone order
    start = threading.Barrier(len(workers))
    clock = Clock(LOAD_START)
    threads = [threading.Thread(target=w.run, args=(start, clock)) for w in workers]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began

    attempts = [n for w in sorted(workers, key=lambda w: w.index) for n in w.attempts]
    retried = [n for n in attempts if n > 1]
    figures = (
        f"load: {CLONES} clones x {CHANGES} changes, wall {wall:.1f}s, {len(attempts)} syncs succeeded, "
        f"{len(retried)} retried, max attempts {max(attempts, default=0)}, "
        f"mean {sum(attempts) / max(len(attempts), 1):.2f}, "
        f"run again as told {sum(w.told_again for w in workers)}; attempts per sync by clone: "
        + "; ".join(f"{w.index}:{w.attempts}" for w in sorted(workers, key=lambda w: w.index))
    )
    print(figures)
    failures = [f"clone {w.index}: {f}" for w in workers for f in w.failures]
    assert not failures, figures + "\n" + "\n".join(failures)
    assert len(attempts) == CLONES * CHANGES, figures

    expected = {note_text(i, r) for i in range(CLONES) for r in range(CHANGES)}
    found: list[str] = []
    for case_id in cases:
        path = repo.case_path(case_id).relative_to(repo.root)
        shown = repository.git("show", f"refs/heads/main:{path}")
        (tmp_path / "shown.yaml").write_text(shown, encoding="utf-8")
        found += [entry["note"] for entry in _notes(read_case(tmp_path / "shown.yaml"))]
    assert len(found) == len(set(found)) == CLONES * CHANGES, figures  # none lost, none twice
    assert set(found) == expected, figures
    subjects = repository.git("log", "--format=%s", "refs/heads/main").splitlines()
    assert len(subjects) == len(repo.git("log", "--format=%s").splitlines()) + CLONES * CHANGES, figures
