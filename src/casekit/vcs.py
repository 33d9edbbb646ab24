"""Git for casekit's hot path: one commit per change, made with plumbing so that only the
case file goes into it (never whatever else someone staged), fast at 100,000 files, and
safe when several casekit processes share a clone (they take turns on a lock).

GitPython is used where its object model pays for its import time (history reading in
`casekit log` / `audit`); commits run `git` directly.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from casekit.errors import CasekitError, GitError

ZERO_OID = "0" * 40
LOCK_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Ident:
    name: str
    email: str


def run_git(
    root: Path,
    *args: str,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> bytes:
    """Run git in `root` and return its stdout; a failure raises GitError with git's words."""
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, input=input, env=full_env, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise CasekitError("git is not installed; install it (e.g. apt-get install git)") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit code {proc.returncode}"
        raise GitError(f"git {args[0]} failed: {detail}")
    return proc.stdout


def git_dir(root: Path) -> Path:
    dot_git = root / ".git"
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            return (root / text.split(":", 1)[1].strip()).resolve()
    return dot_git


def state_dir(root: Path) -> Path:
    """casekit's private folder inside .git (lock, index cache); never committed."""
    path = git_dir(root) / "casekit"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def repo_lock(root: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Serialise casekit writers on one clone; waits its turn instead of failing."""
    lock_path = state_dir(root) / "lock"
    with open(lock_path, "a+b") as handle:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CasekitError(
                        f"another casekit command has held {lock_path} for over "
                        f"{int(timeout)} s; wait for it to finish and try again"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def blob_id(content: bytes) -> str:
    """The id git gives a blob with this content (SHA-1 object format)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def _tree_id(body: bytes) -> str:
    return hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class _Object:
    kind: str
    content: bytes


def cat_objects(root: Path, names: Sequence[str]) -> list[_Object | None]:
    """Read several objects (by name such as 'HEAD:cases' or ':path') in one git call."""
    if not names:
        return []
    out = run_git(root, "cat-file", "--batch", input="".join(f"{n}\n" for n in names).encode())
    results: list[_Object | None] = []
    pos = 0
    for _ in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) != 3 or header[-1] == b"missing":
            results.append(None)
            continue
        size = int(header[2])
        results.append(_Object(header[1].decode(), out[pos : pos + size]))
        pos += size + 1
    return results


def head_commit(root: Path) -> str | None:
    out = run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
    return out.decode() if out else None


@dataclass(frozen=True)
class FileState:
    head: str | None
    index: str | None


def file_state(root: Path, relpath: str) -> FileState:
    """The blob ids of `relpath` in HEAD and in git's index (None where absent)."""
    head_obj, index_obj = cat_objects(root, [f"HEAD:{relpath}", f":0:{relpath}"])
    return FileState(
        blob_id(head_obj.content) if head_obj else None,
        blob_id(index_obj.content) if index_obj else None,
    )


def _parse_tree(body: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    entries: dict[bytes, tuple[bytes, bytes]] = {}
    pos = 0
    while pos < len(body):
        space = body.index(b" ", pos)
        nul = body.index(b"\0", space)
        mode, name = body[pos:space], body[space + 1 : nul]
        entries[name] = (mode, body[nul + 1 : nul + 21])
        pos = nul + 21
    return entries


def _tree_body(entries: dict[bytes, tuple[bytes, bytes]]) -> bytes:
    def sort_key(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == b"40000" else name

    return b"".join(entries[n][0] + b" " + n + b"\0" + entries[n][1] for n in sorted(entries, key=sort_key))


def _write_trees(root: Path, bodies: list[bytes]) -> None:
    import tempfile

    tmp = state_dir(root) / "tmp"
    tmp.mkdir(exist_ok=True)
    paths = []
    try:
        for body in bodies:
            fd, name = tempfile.mkstemp(dir=tmp)
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            paths.append(name)
        run_git(
            root,
            "hash-object",
            "-w",
            "-t",
            "tree",
            "--stdin-paths",
            input="".join(p + "\n" for p in paths).encode(),
        )
    finally:
        for name in paths:
            with contextlib.suppress(OSError):
                os.unlink(name)


def commit_files(
    root: Path,
    changes: Mapping[str, bytes | None],
    message: str,
    author: Ident,
    when: datetime,
    committer: Ident | None = None,
    executable: frozenset[str] = frozenset(),
    filtered: frozenset[str] = frozenset(),
) -> str:
    """Commit new contents of `changes` (relative path -> bytes, None = delete) on top of
    HEAD, without touching other staged work, then bring git's index in line.
    Paths in `filtered` go through the clean filters .gitattributes names for them, as
    `git add` would (Git LFS stores a pointer); others are stored exactly as given.
    Returns the new commit id. The caller holds `repo_lock`."""
    parent = head_commit(root)
    if parent is not None and len(parent) != 40:
        raise GitError("casekit supports SHA-1 repositories only")
    blob_ids: dict[str, str] = {}
    for relpath, content in changes.items():
        if content is not None:
            path_args = (f"--path={relpath}",) if relpath in filtered else ()
            blob_ids[relpath] = (
                run_git(root, "hash-object", "-w", "--stdin", *path_args, input=content).decode().strip()
            )

    dirs = sorted({"/".join(p.split("/")[:i]) for p in changes for i in range(p.count("/") + 1)})
    trees = cat_objects(root, [f"HEAD:{d}" if d else "HEAD^{tree}" for d in dirs])
    entries = {
        d: (_parse_tree(t.content) if t and t.kind == "tree" else {})
        for d, t in zip(dirs, trees, strict=True)
    }
    for relpath in changes:
        folder, _, name = relpath.rpartition("/")
        if relpath in blob_ids:
            mode = b"100755" if relpath in executable else b"100644"
            entries[folder][name.encode()] = (mode, bytes.fromhex(blob_ids[relpath]))
        else:
            entries[folder].pop(name.encode(), None)
    new_bodies: list[bytes] = []
    tree_id = ""
    for folder in sorted(dirs, key=lambda d: -d.count("/") if d else 1):
        body = _tree_body(entries[folder])
        tree_id = _tree_id(body)
        new_bodies.append(body)
        if folder:
            parent_dir, _, name = folder.rpartition("/")
            if entries[folder]:
                entries[parent_dir][name.encode()] = (b"40000", bytes.fromhex(tree_id))
            else:
                entries[parent_dir].pop(name.encode(), None)
    _write_trees(root, new_bodies)

    stamp = f"{int(when.timestamp())} {when.strftime('%z')}"
    committer = committer or author
    env = {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": committer.name,
        "GIT_COMMITTER_EMAIL": committer.email,
        "GIT_COMMITTER_DATE": stamp,
    }
    parents = ["-p", parent] if parent else []
    commit = (
        run_git(
            root,
            "commit-tree",
            tree_id,
            *parents,
            *_sign_flag(root),
            "-F",
            "-",
            input=message.encode(),
            env=env,
        )
        .decode()
        .strip()
    )
    subject = message.splitlines()[0]
    run_git(root, "update-ref", "-m", f"casekit: {subject}", "HEAD", commit, parent or ZERO_OID)
    _sync_index(root, changes, blob_ids, executable)
    return commit


def _sign_flag(root: Path) -> list[str]:
    """`git commit-tree` ignores commit.gpgSign; casekit honours it (a team that requires
    signed commits, see `sync.signed`, sets it in every clone)."""
    value = run_git(root, "config", "--type=bool", "--get", "commit.gpgsign", check=False).strip()
    return ["-S"] if value == b"true" else []


def _sync_index(
    root: Path,
    changes: Mapping[str, bytes | None],
    blob_ids: dict[str, str],
    executable: frozenset[str],
) -> None:
    lines = []
    for relpath in changes:
        if relpath in blob_ids:
            mode = "100755" if relpath in executable else "100644"
            lines.append(f"{mode} {blob_ids[relpath]}\t{relpath}\n")
        else:
            lines.append(f"0 {ZERO_OID}\t{relpath}\n")
    for attempt in range(20):
        try:
            run_git(root, "update-index", "--index-info", input="".join(lines).encode())
            return
        except GitError:
            if attempt == 19:
                raise CasekitError(
                    "the commit was made but git's index is locked by another git command; "
                    "run `git reset -q` when it has finished to bring the index in line"
                ) from None
            time.sleep(0.05)


def rebase_in_progress(root: Path) -> bool:
    """A rebase (such as `casekit sync`'s) stopped on a conflict and waiting to continue."""
    folder = git_dir(root)
    return (folder / "rebase-merge").is_dir() or (folder / "rebase-apply").is_dir()


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    proc = subprocess.run(["git", "merge-base", "--is-ancestor", older, newer], cwd=root, capture_output=True)
    return proc.returncode == 0
