"""Git for casekit's hot path: one commit per change, made with plumbing so that only the
case file goes into it (never whatever else someone staged), fast at 100,000 files, and
safe when several casekit processes share a clone (they take turns on a lock).

GitPython is used where its object model pays for its import time (history reading in
`casekit log` / `audit`); commits run `git` directly, and write the objects themselves
where git would do no more (`casekit.vcs.objects`, `casekit.vcs.gitindex`).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from casekit.errors import CasekitError, GitError
from casekit.i18n import _

if TYPE_CHECKING:  # imported where used: queries import this module but only changes write
    from casekit.vcs.objects import GitObject, ObjectReader

ZERO_OID = "0" * 40
LOCK_TIMEOUT_SECONDS = 120.0
SETTINGS_QUERY = (
    "config",
    "-z",
    "--get-regexp",
    r"^(commit\.gpgsign|core\.sharedrepository|core\.fsync|core\.fsyncobjectfiles|i18n\.commitencoding)$",
)


class IndexOutOfLine(CasekitError):
    """The commit was made, but git's index could not be brought in line with it."""


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
        raise CasekitError(_("git is not installed; install it (e.g. apt-get install git)")) from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else _("exit code {code}").format(code=proc.returncode)
        raise GitError(_("git {command} failed: {detail}").format(command=args[0], detail=detail))
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


def _take_lock(handle: IO[bytes], timeout: float) -> bool:
    """Wait up to `timeout` seconds for an exclusive lock on an open file; whether it came."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


@contextlib.contextmanager
def repo_lock(root: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Serialise casekit writers on one clone; waits its turn instead of failing."""
    lock_path = state_dir(root) / "lock"
    with open(lock_path, "a+b") as handle:
        if not _take_lock(handle, timeout):
            raise CasekitError(
                _(
                    "another casekit command has held {lock} for over {seconds} s; "
                    "wait for it to finish and try again"
                ).format(lock=lock_path, seconds=int(timeout))
            )
        try:
            yield
        finally:
            close_reader(root)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def check_turn(root: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Serialise the server's push checks on one repository, so pushes that race each other
    do not all spend the machine on checks only one of them can use. Only an economy: after
    `timeout` the check runs anyway, since git itself refuses a push whose branch moved."""
    with contextlib.ExitStack() as stack:
        try:
            handle = stack.enter_context(open(state_dir(root) / "check-lock", "a+b"))
        except OSError:  # a repository the hook may not write to: no economy, same checks
            pass
        else:
            _take_lock(handle, timeout)  # the lock goes with the file when it closes
        yield


def blob_id(content: bytes) -> str:
    """The id git gives a blob with this content (SHA-1 object format)."""
    from casekit.vcs.objects import object_id

    return object_id("blob", content)


def cat_objects(root: Path, names: Sequence[str]) -> list[GitObject | None]:
    """Read several objects (by name such as 'HEAD:cases' or ':path') in one git call."""
    from casekit.vcs.objects import ObjectReader

    if not names:
        return []
    reader = ObjectReader.start(root)
    try:
        return reader.read(names)
    finally:
        reader.close()


# One reader per repository, for the length of one change under `repo_lock` (git reads its
# index once per reader, and a change ends by writing the index).
_readers: dict[str, ObjectReader] = {}


def object_reader(root: Path) -> ObjectReader:
    """The repository's open `git cat-file --batch`, started at its first use."""
    key = str(root)
    reader = _readers.get(key)
    if reader is None:
        from casekit.vcs.objects import ObjectReader

        reader = ObjectReader.start(root)
        if not _readers:
            atexit.register(_close_readers)
        _readers[key] = reader
    return reader


def close_reader(root: Path) -> None:
    """End the git processes of a change: its reader, and a config lookup not collected."""
    reader = _readers.pop(str(root), None)
    if reader is not None:
        reader.close()
    query = _settings_queries.pop(str(root), None)
    if query is not None:
        query.communicate()


def _close_readers() -> None:
    for key in list(_readers):
        close_reader(Path(key))


def head_commit(root: Path) -> str | None:
    out = run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip()
    return out.decode() if out else None


@dataclass(frozen=True)
class FileState:
    head: str | None
    index: str | None


def ask_file_state(root: Path, relpath: str) -> Callable[[], FileState]:
    """The blob ids of `relpath` in HEAD and in git's index (None where absent), in two
    steps: git looks the file up while the caller works, and the function returned waits
    for the answer. Starting a change, it also starts the lookup of `write_settings` the
    commit will need."""
    from casekit.vcs import gitindex

    reader = object_reader(root)
    _start_settings_query(root)
    try:
        staged = gitindex.staged_blob(git_dir(root), relpath, os.environ)
    except gitindex.CannotTell:
        reader.ask([f"HEAD:{relpath}", f":0:{relpath}"])

        def from_git() -> FileState:
            head_obj, index_obj = reader.answers(2)
            return FileState(_blob_of(head_obj), _blob_of(index_obj))

        return from_git
    reader.ask([f"HEAD:{relpath}"])
    return lambda: FileState(_blob_of(reader.answers(1)[0]), staged)


def _blob_of(obj: GitObject | None) -> str | None:
    return blob_id(obj.content) if obj else None


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


@dataclass(frozen=True)
class WriteSettings:
    """What git's config says about writing: `sign` (commit.gpgSign, which
    `git commit-tree` ignores and casekit honours: a team that requires signed commits,
    see `sync.signed`, sets it in every clone), `git_writes_objects` (core.sharedRepository,
    whose permissions git adjusts, or core.fsync / core.fsyncObjectFiles, which may have
    git flush objects to disk: casekit then leaves writing objects to git) and `encoding`
    (i18n.commitEncoding, when set: git records it in each commit)."""

    sign: bool = False
    git_writes_objects: bool = False
    encoding: str | None = None


def parse_write_settings(out: bytes) -> WriteSettings:
    """Read the output of `SETTINGS_QUERY` (`git config -z --get-regexp`)."""
    values: dict[str, str | None] = {}
    for record in out.split(b"\0"):
        if record:
            key, newline, value = record.partition(b"\n")
            values[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace") if newline else None
    sign = values.get("commit.gpgsign", "false")
    shared = values.get("core.sharedrepository", "false")
    synced = "core.fsync" in values or _git_bool(values.get("core.fsyncobjectfiles", "false"))
    return WriteSettings(
        sign=_git_bool(sign),
        git_writes_objects=shared is None or not _means_umask(shared) or synced,
        encoding=values.get("i18n.commitencoding", "") if "i18n.commitencoding" in values else None,
    )


def _git_bool(value: str | None) -> bool:
    """A boolean as git reads one; a value git would reject counts as false."""
    if value is None:  # `[commit] gpgSign` with no value
        return True
    text = value.strip().lower()
    if text in ("true", "yes", "on"):
        return True
    if text in ("false", "no", "off", ""):
        return False
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    try:
        return int(text[:-1] if text[-1:] in units else text) != 0
    except ValueError:
        return False


def _means_umask(value: str) -> bool:
    """core.sharedRepository values that leave permissions to the umask."""
    text = value.strip().lower()
    if text in ("umask", "false", "no", "off"):
        return True
    return all(c in "01234567" for c in text) and int(text or "0", 8) == 0


# `git config` started with a change, collected at its commit (`write_settings`).
_settings_queries: dict[str, subprocess.Popen[bytes]] = {}


def _start_settings_query(root: Path) -> None:
    if str(root) not in _settings_queries:
        _settings_queries[str(root)] = subprocess.Popen(
            ["git", *SETTINGS_QUERY], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )


def write_settings(root: Path) -> WriteSettings:
    query = _settings_queries.pop(str(root), None)
    if query is not None:
        out, _ = query.communicate()
        if query.returncode in (0, 1):  # 1: none of the keys is set
            return parse_write_settings(out)
    return parse_write_settings(run_git(root, *SETTINGS_QUERY, check=False))


def _write_objects(
    root: Path, settings: WriteSettings, kind: str, contents: Sequence[bytes], *, path: str | None = None
) -> list[str]:
    """Store objects of one type; `path` sends a blob through that path's clean filters."""
    from casekit.vcs.objects import write_loose_object

    objects = None if path else _own_objects_dir(root, settings)
    if objects is not None:
        return [write_loose_object(objects, kind, content) for content in contents]
    return [_hash_with_git(root, kind, content, path) for content in contents]


def _own_objects_dir(root: Path, settings: WriteSettings) -> Path | None:
    """Where casekit writes objects itself, None where git would do more than it does
    (see `casekit.vcs.objects`)."""
    from casekit.vcs.objects import objects_dir

    return None if settings.git_writes_objects else objects_dir(git_dir(root), os.environ)


def _hash_with_git(root: Path, kind: str, content: bytes, path: str | None) -> str:
    path_args = (f"--path={path}",) if path else ()
    out = run_git(root, "hash-object", "-w", "-t", kind, "--stdin", *path_args, input=content)
    return out.decode().strip()


# Characters git trims from both ends of a name or email ("crud", ident.c); it also drops
# these three anywhere inside.
_CRUD = frozenset(range(33)) | frozenset(b".,:;<>\"\\'")
_DELIMITERS = frozenset(b"\n<>")


def commit_body(
    tree: str, parent: str | None, author: Ident, committer: Ident, stamp: str, message: str
) -> bytes | None:
    """The commit `git commit-tree` writes for these (unsigned, UTF-8), or None when git
    would first clean up a name or email, or refuse an empty one."""
    people = []
    for role, who in (("author", author), ("committer", committer)):
        if not (_as_git_keeps_it(who.name) and _as_git_keeps_it(who.email)):
            return None
        people.append(f"{role} {who.name} <{who.email}> {stamp}\n")
    head = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "") + "".join(people)
    return (head + "\n" + message).encode()


def _as_git_keeps_it(text: str) -> bool:
    try:
        raw = text.encode()
    except UnicodeEncodeError:
        return False
    return bool(raw) and raw[0] not in _CRUD and raw[-1] not in _CRUD and not _DELIMITERS & set(raw)


@dataclass(frozen=True)
class PreparedCommit:
    """A commit whose objects are written but which no branch points to yet."""

    commit: str
    parent: str | None
    subject: str
    blobs: Mapping[str, str | None]  # relative path -> new blob id (None: the file is deleted)
    executable: frozenset[str] = frozenset()


def prepare_commit(
    root: Path,
    changes: Mapping[str, bytes | None],
    message: str,
    author: Ident,
    when: datetime,
    committer: Ident | None = None,
    executable: frozenset[str] = frozenset(),
    filtered: frozenset[str] = frozenset(),
) -> PreparedCommit:
    """Write the blobs, trees and commit object for new contents of `changes` (relative
    path -> bytes, None = delete) on top of HEAD; nothing points to the commit yet.
    Paths in `filtered` go through the clean filters .gitattributes names for them, as
    `git add` would (Git LFS stores a pointer); others are stored exactly as given.
    The caller holds `repo_lock`."""
    from casekit.vcs.objects import object_id

    reader = object_reader(root)
    head = reader.read(["HEAD"])[0]
    parent = head.oid if head is not None and head.kind == "commit" else None
    if parent is not None and len(parent) != 40:
        raise GitError(_("casekit supports SHA-1 repositories only"))
    settings = write_settings(root)
    blob_ids: dict[str, str | None] = {}
    for relpath, content in changes.items():
        if content is None:
            blob_ids[relpath] = None
        else:
            path = relpath if relpath in filtered else None
            blob_ids[relpath] = _write_objects(root, settings, "blob", [content], path=path)[0]

    dirs = sorted({"/".join(p.split("/")[:i]) for p in changes for i in range(p.count("/") + 1)})
    names = [f"{parent}:{d}" if d else f"{parent}^{{tree}}" for d in dirs]
    trees = reader.read(names) if parent else [None] * len(dirs)
    entries = {
        d: (_parse_tree(t.content) if t and t.kind == "tree" else {})
        for d, t in zip(dirs, trees, strict=True)
    }
    for relpath, blob in blob_ids.items():
        folder, _slash, name = relpath.rpartition("/")
        if blob is not None:
            mode = b"100755" if relpath in executable else b"100644"
            entries[folder][name.encode()] = (mode, bytes.fromhex(blob))
        else:
            entries[folder].pop(name.encode(), None)
    new_bodies: list[bytes] = []
    tree_id = ""
    for folder in sorted(dirs, key=lambda d: -d.count("/") if d else 1):
        body = _tree_body(entries[folder])
        tree_id = object_id("tree", body)
        new_bodies.append(body)
        if folder:
            parent_dir, _slash, name = folder.rpartition("/")
            if entries[folder]:
                entries[parent_dir][name.encode()] = (b"40000", bytes.fromhex(tree_id))
            else:
                entries[parent_dir].pop(name.encode(), None)
    _write_objects(root, settings, "tree", new_bodies)

    stamp = f"{int(when.timestamp())} {when.strftime('%z')}"
    commit = _make_commit(root, settings, tree_id, parent, author, committer or author, stamp, message)
    return PreparedCommit(commit, parent, message.splitlines()[0], blob_ids, executable)


def publish_commit(root: Path, prepared: PreparedCommit) -> str:
    """Point HEAD at a prepared commit (only if HEAD is still its parent), then bring git's
    index in line for its files. Returns the commit id."""
    run_git(
        root,
        "update-ref",
        "-m",
        f"casekit: {prepared.subject}",
        "HEAD",
        prepared.commit,
        prepared.parent or ZERO_OID,
    )
    close_reader(root)  # its view of git's index is about to be out of date
    sync_index(root, prepared.blobs, prepared.executable)
    return prepared.commit


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
    """Commit new contents of `changes` on top of HEAD, without touching other staged
    work, then bring git's index in line (`prepare_commit`, then `publish_commit`).
    Returns the new commit id. The caller holds `repo_lock`."""
    prepared = prepare_commit(root, changes, message, author, when, committer, executable, filtered)
    return publish_commit(root, prepared)


def _make_commit(
    root: Path,
    settings: WriteSettings,
    tree: str,
    parent: str | None,
    author: Ident,
    committer: Ident,
    stamp: str,
    message: str,
) -> str:
    """Write the commit object: from Python when it is plain, else with `git commit-tree`
    (signing, another commit encoding, names git cleans up)."""
    plain = not settings.sign and settings.encoding is None
    body = commit_body(tree, parent, author, committer, stamp, message) if plain else None
    objects = _own_objects_dir(root, settings)
    if body is not None and objects is not None:
        from casekit.vcs.objects import write_loose_object

        return write_loose_object(objects, "commit", body)
    env = {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": committer.name,
        "GIT_COMMITTER_EMAIL": committer.email,
        "GIT_COMMITTER_DATE": stamp,
    }
    parents = ["-p", parent] if parent else []
    sign = ["-S"] if settings.sign else []
    out = run_git(root, "commit-tree", tree, *parents, *sign, "-F", "-", input=message.encode(), env=env)
    return out.decode().strip()


def sync_index(root: Path, blobs: Mapping[str, str | None], executable: frozenset[str] = frozenset()) -> None:
    """Record these blob ids (None: removed) in git's index for their paths."""
    lines = []
    for relpath, blob in blobs.items():
        if blob is not None:
            mode = "100755" if relpath in executable else "100644"
            lines.append(f"{mode} {blob}\t{relpath}\n")
        else:
            lines.append(f"0 {ZERO_OID}\t{relpath}\n")
    data = "".join(lines).encode()
    for attempt in range(20):
        try:
            run_git(root, "update-index", "--index-info", input=data)
            return
        except GitError:
            if attempt == 19:
                raise IndexOutOfLine(
                    _(
                        "the commit was made but git's index is locked by another git command; "
                        "run `git reset -q` when it has finished to bring the index in line"
                    )
                ) from None
            time.sleep(0.05)


def side_labels(root: Path) -> tuple[str, str]:
    """Who "ours" and "theirs" are for git right now. In a rebase (what `casekit sync`
    does) git's "ours" is the shared history and "theirs" this clone's commit."""
    remote, clone = _("the remote"), _("this clone")
    if rebase_in_progress(root):
        return remote, clone
    return clone, remote


def rebase_in_progress(root: Path) -> bool:
    """A rebase (such as `casekit sync`'s) stopped on a conflict and waiting to continue."""
    folder = git_dir(root)
    return (folder / "rebase-merge").is_dir() or (folder / "rebase-apply").is_dir()


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    proc = subprocess.run(["git", "merge-base", "--is-ancestor", older, newer], cwd=root, capture_output=True)
    return proc.returncode == 0
