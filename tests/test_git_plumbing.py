"""casekit's own git plumbing against git itself: objects written from Python, index
entries read without git, the long-lived `git cat-file`, and what a case command leaves
in git (its index, its locks) when it commits, is refused, fails or waits its turn."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from casekit.vcs import git as vcs
from casekit.vcs import gitindex
from casekit.vcs.objects import ObjectReader, object_id, objects_dir, write_loose_object
from conftest import CLI, edit_file
from gitserver import hand_commit

CLEAN_GIT = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}


def git(root: Path, *args: str, input: bytes | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(CLEAN_GIT, HOME=str(root.parent), GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.com")
    proc = subprocess.run(["git", *args], cwd=root, env=env, input=input, capture_output=True, check=True)
    return proc.stdout.decode()


def new_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


def loose_file(root: Path, oid: str) -> Path:
    return root / ".git" / "objects" / oid[:2] / oid[2:]


def fsck_clean(root: Path) -> None:
    git(root, "fsck", "--strict", "--no-progress", "--no-dangling")


CONTENTS = [b"", b"id: C-1\n", "客户: 王先生\n".encode(), bytes(range(256)) * 40]


@pytest.mark.parametrize("content", CONTENTS)
def test_a_blob_written_from_python_is_the_one_git_writes(tmp_path: Path, content: bytes) -> None:
    ours, theirs = new_repo(tmp_path / "ours"), new_repo(tmp_path / "theirs")
    objects = objects_dir(ours / ".git", {})
    assert objects is not None
    oid = write_loose_object(objects, "blob", content)
    assert oid == git(theirs, "hash-object", "-w", "--stdin", input=content).strip()
    assert zlib.decompress(loose_file(ours, oid).read_bytes()) == zlib.decompress(
        loose_file(theirs, oid).read_bytes()
    )
    assert subprocess.run(["git", "cat-file", "blob", oid], cwd=ours, capture_output=True).stdout == content
    assert stat.S_IMODE(loose_file(ours, oid).stat().st_mode) & 0o222 == 0  # read-only, as git makes them
    assert list(loose_file(ours, oid).parent.glob("tmp_obj_*")) == []
    # writing it again leaves the stored object alone
    assert write_loose_object(objects, "blob", content) == oid
    fsck_clean(ours)


def test_objects_go_where_git_keeps_them(tmp_path: Path) -> None:
    main = new_repo(tmp_path / "main")
    (main / "f").write_text("x\n")
    git(main, "add", "f")
    git(main, "commit", "-qm", "f")
    git(main, "worktree", "add", "-q", str(tmp_path / "linked"))
    linked_git = vcs.git_dir(tmp_path / "linked")
    assert linked_git != main / ".git"
    assert objects_dir(linked_git, {}) == (main / ".git" / "objects").resolve()
    assert objects_dir(main / ".git", {"GIT_OBJECT_DIRECTORY": "/elsewhere"}) is None


def test_the_config_that_decides_how_commits_are_written() -> None:
    def settings(text: str) -> vcs.WriteSettings:
        return vcs.parse_write_settings(text.replace("|", "\0").encode())

    assert settings("") == vcs.WriteSettings(sign=False, git_writes_objects=False, encoding=None)
    assert settings("commit.gpgsign\ntrue|") == vcs.WriteSettings(sign=True)
    assert settings("commit.gpgsign\ntrue|commit.gpgsign\nno|").sign is False  # the last one counts
    assert settings("commit.gpgsign|").sign is True  # a key with no value is true
    assert settings("commit.gpgsign\n1k|").sign is True
    assert settings("commit.gpgsign\nmaybe|").sign is False  # git rejects it; nothing is signed
    for shared in ("group", "true", "all", "0660", "1"):
        assert settings(f"core.sharedrepository\n{shared}|").git_writes_objects is True, shared
    for private in ("umask", "false", "0", "00", ""):
        assert settings(f"core.sharedrepository\n{private}|").git_writes_objects is False, private
    assert settings("core.fsync\nloose-object|").git_writes_objects is True
    assert settings("core.fsyncobjectfiles\ntrue|").git_writes_objects is True
    assert settings("core.fsyncobjectfiles\nfalse|").git_writes_objects is False
    assert settings("i18n.commitencoding\nGB18030|").encoding == "GB18030"


def test_a_move_commits_exactly_what_git_add_would(repo: CLI, tmp_path: Path) -> None:
    case_id = repo.new()
    repo.ok("move", case_id, "assessing", "--note", "已核实情况")
    path = repo.case_path(case_id)
    rel = path.relative_to(repo.root).as_posix()
    twin = tmp_path / "twin"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(twin)], check=True, env=repo.environ)
    git(twin, "reset", "-q", "--hard", "HEAD~1")
    (twin / rel).write_bytes(path.read_bytes())
    git(twin, "add", rel)
    assert git(twin, "write-tree").strip() == repo.git("rev-parse", "HEAD^{tree}").strip()
    fsck_clean(repo.root)


def test_trees_from_python_add_nest_replace_and_remove_files(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    when = vcs.datetime.fromisoformat("2026-11-23T10:00:00+08:00")
    who = vcs.Ident("T", "t@example.com")
    first = {"a.txt": b"a\n", "deep/er/b.txt": b"b\n", "deep/c.sh": b"#!/bin/sh\n", "z/y.txt": b"y\n"}
    second: dict[str, bytes | None] = {"deep/er/b.txt": None, "deep/er-x/d.txt": b"d\n", "z/y.txt": None}
    for step, executable in ((first, frozenset({"deep/c.sh"})), (second, frozenset())):
        for rel, content in step.items():
            target = root / rel
            if content is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
                if rel in executable:
                    target.chmod(0o755)
        with vcs.repo_lock(root):
            vcs.commit_files(root, step, "step", who, when, executable=executable)
        assert git(root, "status", "--porcelain") == ""
    tree = git(root, "ls-tree", "-r", "HEAD")
    assert "100755 blob" in tree.splitlines()[1] and tree.splitlines()[1].endswith("deep/c.sh")
    assert [line.split("\t")[1] for line in tree.splitlines()] == ["a.txt", "deep/c.sh", "deep/er-x/d.txt"]
    git(root, "add", "-A")
    assert git(root, "write-tree").strip() == git(root, "rev-parse", "HEAD^{tree}").strip()
    fsck_clean(root)


def index_version(root: Path) -> int:
    return int.from_bytes((root / ".git" / "index").read_bytes()[4:8], "big")


def test_index_entries_read_without_git_match_git(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    # paths that end like one another, and an intent-to-add entry (extended flags, format 3)
    names = ["a", "cases/x/2026/11/C-1.yaml", "cases/x/2026/11/AC-1.yaml", "z/cases/x/2026/11/C-1.yaml"]
    for i, name in enumerate([*names, "later.txt"]):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"{i}\n")
    git(root, "add", *names)
    git(root, "add", "-N", "later.txt")
    assert index_version(root) == 3
    for name in [*names, "later.txt"]:
        expected = git(root, "ls-files", "-s", "--", name).split()[1]
        assert gitindex.staged_blob(root / ".git", name, {}) == expected, name
    for missing in ("not/there.yaml", "C-1.yaml", "x/2026/11/C-1.yaml"):
        with pytest.raises(gitindex.CannotTell):
            gitindex.staged_blob(root / ".git", missing, {})


def test_indexes_it_cannot_read_are_left_to_git(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "a").write_text("a\n")
    git(root, "add", "a")
    git_folder = root / ".git"
    with pytest.raises(gitindex.CannotTell):
        gitindex.staged_blob(git_folder, "a", {"GIT_INDEX_FILE": str(git_folder / "index")})
    git(root, "update-index", "--index-version", "4")
    with pytest.raises(gitindex.CannotTell):
        gitindex.staged_blob(git_folder, "a", {})
    git(root, "update-index", "--index-version", "2")
    assert gitindex.staged_blob(git_folder, "a", {}) == object_id("blob", b"a\n")
    git(root, "update-index", "--split-index")
    assert list(git_folder.glob("sharedindex.*"))
    with pytest.raises(gitindex.CannotTell):
        gitindex.staged_blob(git_folder, "a", {})


def test_a_conflicted_path_is_left_to_git(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "a").write_text("base\n")
    git(root, "add", "a")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-q", "-b", "other")
    (root / "a").write_text("other\n")
    git(root, "commit", "-qam", "other")
    git(root, "checkout", "-q", "main")
    (root / "a").write_text("main\n")
    git(root, "commit", "-qam", "main")
    with pytest.raises(subprocess.CalledProcessError):  # the merge stops on the conflict
        git(root, "merge", "-q", "other")
    assert len(git(root, "ls-files", "-s", "a").splitlines()) == 3
    with pytest.raises(gitindex.CannotTell):
        gitindex.staged_blob(root / ".git", "a", {})


def test_the_long_lived_reader_looks_refs_up_afresh(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "a").write_text("1\n")
    git(root, "add", "a")
    git(root, "commit", "-qm", "one")
    reader = ObjectReader.start(root)
    try:
        first = reader.read(["HEAD", "HEAD:a", "HEAD:nothing"])
        assert first[0] is not None and first[0].oid == git(root, "rev-parse", "HEAD").strip()
        assert first[1] is not None and first[1].content == b"1\n"
        assert first[2] is None
        (root / "a").write_text("2\n")
        git(root, "commit", "-qam", "two")
        second = reader.read(["HEAD:a"])
        assert second[0] is not None and second[0].content == b"2\n"
        # more names than a pipe holds, each answered with more bytes than it asks with
        many = reader.read([f"HEAD:{'./' * 60}a"] * 5000)
        assert [o.content if o else None for o in many] == [b"2\n"] * 5000
        # asked ahead, answered later; nothing else is read in between
        reader.ask(["HEAD:a", "HEAD"])
        with pytest.raises(RuntimeError):
            reader.read(["HEAD:a"])
        ahead = reader.answers(2)
        assert ahead[0] is not None and ahead[0].content == b"2\n"
        assert ahead[1] is not None and ahead[1].kind == "commit"
    finally:
        reader.close()


def index_snapshot(repo: CLI) -> tuple[bytes, int]:
    index = repo.root / ".git" / "index"
    return index.read_bytes(), index.stat().st_mtime_ns


def no_git_left_behind(repo: CLI) -> None:
    assert not (repo.root / ".git" / "index.lock").exists()
    assert repo.git("status", "--porcelain") == ""


def test_a_refused_change_leaves_git_index_untouched(repo: CLI) -> None:
    case_id = repo.new()
    before, head = index_snapshot(repo), repo.head()
    repo.refused("move", case_id, "no-such-state")
    repo.refused("note", case_id, " ")
    assert repo.run("move", "--help").code == 0
    assert index_snapshot(repo) == before and repo.head() == head
    no_git_left_behind(repo)
    repo.ok("move", case_id, "assessing")  # the clone's lock was given back
    no_git_left_behind(repo)


def test_a_failed_commit_leaves_git_index_untouched(repo: CLI, tmp_path: Path) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    before, head, content = index_snapshot(repo), repo.head(), path.read_bytes()
    shim = tmp_path / "shim"
    shim.mkdir()
    script = shim / "git"
    real_git = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "update-ref" ]; then echo "fatal: no space left" >&2; exit 128; fi\n'
        f'exec {real_git} "$@"\n'
    )
    script.chmod(0o755)
    result = repo.run(
        "move", case_id, "assessing", extra_env={"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    )
    assert result.code == 1 and "git update-ref failed: fatal: no space left" in result.err
    assert path.read_bytes() == content and repo.head() == head
    assert index_snapshot(repo) == before
    no_git_left_behind(repo)


def test_a_staged_edit_is_refused(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    committed = path.read_text(encoding="utf-8")
    edit_file(path, "王先生", "王建国先生")
    repo.git("add", str(path))
    path.write_text(committed, encoding="utf-8")  # the file is as committed, git's index is not
    head = repo.head()
    result = repo.refused("move", case_id, "assessing")
    assert "has uncommitted changes" in result.err
    assert repo.head() == head and path.read_text(encoding="utf-8") == committed


def test_git_index_locked_by_another_command(repo: CLI) -> None:
    """The commit is made; casekit says how to bring git's index in line afterwards."""
    case_id = repo.new()
    head = repo.head()
    lock = repo.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    try:
        result = repo.run("move", case_id, "assessing")
    finally:
        lock.unlink()
    assert result.code == 1 and "git's index is locked by another git command" in result.err
    assert repo.git("rev-parse", "HEAD~1").strip() == head
    repo.git("reset", "-q")
    no_git_left_behind(repo)


def test_case_commands_on_one_clone_at_once_take_turns(repo: CLI) -> None:
    cases = [repo.new() for _ in range(4)]
    start = repo.commit_count()
    script = (
        "import subprocess, sys\n"
        "case = sys.argv[1]\n"
        "steps = [['move', case, 'assessing'], ['note', case, '已致电客户'], ['assign', case, 'wang.fang']]\n"
        "for args in steps:\n"
        "    command = [sys.executable, '-m', 'casekit', *args]\n"
        "    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)\n"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, case], cwd=repo.root, env=repo.environ, stderr=subprocess.PIPE
        )
        for case in cases
    ]
    errors = [w.communicate()[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0, 0], errors
    assert repo.commit_count() == start + 12
    no_git_left_behind(repo)
    fsck_clean(repo.root)
    repo.ok("audit")


def test_a_case_named_by_its_last_part_or_elsewhere_on_the_line(repo: CLI) -> None:
    first, second = repo.new(), repo.new()
    start = repo.commit_count()
    repo.ok("move", first.split("-", 2)[2], "assessing")
    repo.ok("--repo", str(repo.root), "note", second, "已致电客户", cwd=repo.root.parent)
    repo.ok("note", "--repo", str(repo.root), second, first, cwd=repo.root.parent)  # an ID as the note
    assert repo.commit_count() == start + 3
    no_git_left_behind(repo)


def test_a_shared_repository_gets_objects_git_made_for_the_group(repo: CLI) -> None:
    repo.git("config", "core.sharedRepository", "group")
    case_id = repo.new()
    code = (
        "import os, subprocess, sys\n"
        "os.umask(0o077)\n"
        "command = [sys.executable, '-m', 'casekit', *sys.argv[1:]]\n"
        "sys.exit(subprocess.run(command).returncode)\n"
    )
    move = [sys.executable, "-c", code, "move", case_id, "assessing"]
    subprocess.run(move, cwd=repo.root, env=repo.environ, check=True, capture_output=True)
    blob = repo.git("rev-parse", f"HEAD:{repo.case_path(case_id).relative_to(repo.root).as_posix()}").strip()
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    for oid in (blob, tree):
        assert loose_file(repo.root, oid).stat().st_mode & stat.S_IRGRP, oid
    no_git_left_behind(repo)


PEOPLE = [
    vcs.Ident("李娜", "li.na@example.com"),
    vcs.Ident("Test Runner", "runner@example.com"),
    vcs.Ident("O'Neil Wang", "o'neil+cs@example.com"),
]
CLEANED_UP = [
    vcs.Ident(" Li Na.", "li.na@example.com"),
    vcs.Ident("Li <Na>", "li.na@example.com"),
    vcs.Ident("Li Na", "<li.na@example.com>"),
    vcs.Ident("Li Na", ""),
    vcs.Ident("", "li.na@example.com"),
]


def commit_tree(root: Path, tree: str, parent: str | None, author: vcs.Ident, message: str) -> str:
    stamp = "1795483800 +0800"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(root.parent),
        GIT_AUTHOR_NAME=author.name,
        GIT_AUTHOR_EMAIL=author.email,
        GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_NAME="Test Runner",
        GIT_COMMITTER_EMAIL="runner@example.com",
        GIT_COMMITTER_DATE=stamp,
    )
    parents = ["-p", parent] if parent else []
    proc = subprocess.run(
        ["git", "commit-tree", tree, *parents, "-F", "-"],
        cwd=root,
        env=env,
        input=message.encode(),
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def test_a_commit_written_from_python_is_the_one_git_writes(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    tree = git(root, "write-tree").strip()
    committer = vcs.Ident("Test Runner", "runner@example.com")
    message = (
        "C-1: received -> assessing\n\n已核实情况\n\nCase-Id: C-1\nCase-Actor: li.na <li.na@example.com>\n"
    )
    parent = None
    for author in PEOPLE:
        body = vcs.commit_body(tree, parent, author, committer, "1795483800 +0800", message)
        assert body is not None
        expected = commit_tree(root, tree, parent, author, message)
        assert object_id("commit", body) == expected, author
        parent = expected
    for author in CLEANED_UP:
        assert vcs.commit_body(tree, parent, author, committer, "1795483800 +0800", message) is None, author


def test_commits_git_must_write_are_left_to_git(repo: CLI) -> None:
    first, second = repo.new(), repo.new()
    # a person whose name git cannot keep as written (the trailing dot) acts on a case
    listed = "li.na: {name: 李娜, email: li.na@example.com, roles: [agent]}"
    joined = listed + "\n  zhao.lei: {name: Zhao Lei., email: zhao.lei@example.com}"
    edit_file(repo.root / "casekit.yaml", listed, joined)
    hand_commit(repo, "Zhao Lei joins the team", login="zhang.wei", verify=True).check_returncode()
    repo.ok("move", first, "assessing", actor="Zhao Lei. <zhao.lei@example.com>")
    assert "\nauthor Zhao Lei <zhao.lei@example.com> " in repo.git("cat-file", "commit", "HEAD")
    repo.git("config", "i18n.commitEncoding", "GB18030")
    repo.ok("move", second, "assessing")
    assert "\nencoding GB18030\n" in repo.git("cat-file", "commit", "HEAD")
    fsck_clean(repo.root)


def test_changes_in_a_repository_whose_index_git_must_read(repo: CLI) -> None:
    repo.git("update-index", "--index-version", "4")
    first, second = repo.new(), repo.new()
    repo.ok("move", first, "assessing")
    path = repo.case_path(second)
    committed = path.read_text(encoding="utf-8")
    edit_file(path, "王先生", "王建国先生")
    repo.git("add", str(path))
    path.write_text(committed, encoding="utf-8")
    assert "has uncommitted changes" in repo.refused("move", second, "assessing").err
    repo.git("reset", "-q")
    repo.ok("move", second, "assessing")
    assert index_version(repo.root) == 4
    no_git_left_behind(repo)
