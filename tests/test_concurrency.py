"""Several casekit processes on one clone take turns; two clones never collide on IDs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import CLI, read_case


def test_four_processes_open_fifty_cases_at_once(repo: CLI) -> None:
    start = repo.commit_count()
    per_worker = [13, 13, 12, 12]
    script = (
        "import subprocess, sys\n"
        "for i in range(int(sys.argv[1])):\n"
        "    subprocess.run([sys.executable, '-m', 'casekit', 'new', 'callback', '--title', f'并发回访{i}',"
        " '--customer', '刘女士', '--phone', '13912345678', '--channel', 'phone'], check=True,"
        " stdout=subprocess.DEVNULL)\n"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(n)],
            cwd=repo.root,
            env=repo.environ,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in per_worker
    ]
    errors = [w.communicate()[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0], errors
    files = list((repo.root / "cases" / "callback").rglob("*.yaml"))
    assert len(files) == 50
    assert len({read_case(f)["id"] for f in files}) == 50
    assert repo.commit_count() == start + 50
    assert repo.git("status", "--porcelain") == ""
    repo.ok("validate")
    repo.ok("audit")


def test_two_clones_open_cases_at_the_same_moment_then_merge(repo: CLI, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(repo.root), str(origin)], check=True, env=repo.environ
    )
    clones = []
    for name in ("agent-a", "agent-b"):
        path = tmp_path / name
        subprocess.run(["git", "clone", "-q", str(origin), str(path)], check=True, env=repo.environ)
        clones.append(CLI(path, repo.environ))
    a, b = clones
    same_moment = "2026-11-23T10:05:00+08:00"
    ids_a = [a.new("complaint", now=same_moment, actor="li.na") for _ in range(5)]
    ids_b = [b.new("complaint", now=same_moment, actor="wang.fang") for _ in range(5)]
    assert not set(ids_a) & set(ids_b)
    a.git("push", "-q", "origin", "main")
    b.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    files = list((b.root / "cases").rglob("*.yaml"))
    assert sorted(read_case(f)["id"] for f in files) == sorted(ids_a + ids_b)
    b.ok("validate")
    b.ok("audit")
