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


def test_staged_blobs_read_from_the_index_file_agree_with_git(tmp_path: Path) -> None:
    """`vcs.staged_blob` reads git's index file itself; where it answers, it says what
    `git ls-files -s` says, in every index form git writes; otherwise it says nothing."""
    import subprocess

    from casekit.vcs import staged_blob

    root = tmp_path / "repo"
    root.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    names = [
        f"cases/complaint/2026/{m:02d}/C-2026{m:02d}01-AAAA-{n:04d}.yaml" for m in (1, 2) for n in range(40)
    ]
    names += [
        "a",
        "cases/x.yaml",
        "cases/complaint/2026/01/C-20260101-AAAA-0001.yaml.bak",
        "长名字/案例.yaml",
    ]
    for number, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"case {number}\n", encoding="utf-8")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "cases")
    (root / names[3]).write_text("staged change\n", encoding="utf-8")
    git("add", names[3])
    git("update-index", "--skip-worktree", names[5])

    def listed() -> dict[str, str]:
        rows = git("ls-files", "-s", "-z").split("\0")
        return {row.split("\t", 1)[1]: row.split()[1] for row in rows if row}

    answered = 0
    forms = (
        ["--index-version", "2"],
        ["--index-version", "3"],
        ["--index-version", "4"],
        ["--index-version", "3", "--split-index"],
    )
    for form in forms:
        git("update-index", *form)
        truth = listed()
        for name in names:
            found = staged_blob(root, name)
            if found is not None:
                answered += 1
                assert found == truth[name], (form, name)
        assert staged_blob(root, names[5]) is None  # skip-worktree: extended flags, left to git
        assert staged_blob(root, "cases/missing.yaml") is None
    assert answered >= 2 * (len(names) - 1)  # versions 2 and 3 answer for every plain entry
