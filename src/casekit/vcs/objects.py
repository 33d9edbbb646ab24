"""Git objects without a git process per object: reading through one long-lived
`git cat-file --batch`, and writing blobs and trees as loose objects from Python.

Writing follows git's own loose-object writer (`object-file.c`): the zlib stream of
"<type> <size>\\0<content>" at level 1 (git's core.looseCompression default), written to a
temporary file next to its final name and hard-linked into place, read-only. Where git
would do more than that, callers let git write the object: a repository shared between
users (core.sharedRepository, whose permissions git adjusts) or objects kept elsewhere
(GIT_OBJECT_DIRECTORY and friends); `objects_dir` then answers None.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from casekit.errors import CasekitError, GitError
from casekit.i18n import _

LOOSE_COMPRESSION = 1
_PIPE_SHARE = 16_384  # bytes of names sent at once; pipes hold 64 KiB on Linux
_RELOCATING_VARIABLES = ("GIT_DIR", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")


@dataclass(frozen=True)
class GitObject:
    oid: str
    kind: str
    content: bytes


def object_id(kind: str, content: bytes) -> str:
    """The id git gives an object of this type and content (SHA-1 object format)."""
    header = b"%s %d\0" % (kind.encode(), len(content))
    return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()


def objects_dir(git_folder: Path, environ: Mapping[str, str]) -> Path | None:
    """The folder loose objects go in, or None when git should be left to find it."""
    if any(environ.get(name) for name in _RELOCATING_VARIABLES):
        return None
    common = git_folder
    pointer = git_folder / "commondir"
    if pointer.is_file():  # a linked worktree keeps its objects in the main repository
        common = (git_folder / pointer.read_text(encoding="utf-8").strip()).resolve()
    folder = common / "objects"
    return folder if folder.is_dir() else None


def write_loose_object(objects: Path, kind: str, content: bytes) -> str:
    """Store one object in `objects` as git would; returns its id. An object already
    stored loose is left as it is."""
    data = b"%s %d\0" % (kind.encode(), len(content)) + content
    oid = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    fan_out = objects / oid[:2]
    final = fan_out / oid[2:]
    if final.exists():
        return oid
    fan_out.mkdir(exist_ok=True)
    temporary = _write_temporary(fan_out, zlib.compress(data, LOOSE_COMPRESSION))
    try:
        os.link(temporary, final)
    except FileExistsError:
        pass  # another writer stored the same object first
    except OSError:
        os.replace(temporary, final)  # a file system without hard links
        return oid
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return oid


def _write_temporary(folder: Path, data: bytes) -> Path:
    for attempt in range(100):
        name = folder / f"tmp_obj_{os.getpid()}_{attempt}"
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            os.unlink(name)
            raise
        return name
    raise GitError(
        _("could not create a temporary object file in {folder}").format(folder=folder)
    )  # pragma: no cover


class ObjectReader:
    """One `git cat-file --batch` answering several rounds of names. Each round is read
    in full before the next is asked, so neither side waits on a full pipe.

    git reads its index once, at the first `:<stage>:<path>` name, so a reader's answers
    about the index hold only until the index is written; refs are looked up afresh on
    every name."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc
        self._unanswered = 0  # names asked whose answers are not read yet

    @classmethod
    def start(cls, root: Path) -> ObjectReader:
        return cls(_start_cat_file(root))

    def read(self, names: Sequence[str]) -> list[GitObject | None]:
        """The objects `names` name, None for each one that does not exist."""
        if self._unanswered:
            raise RuntimeError(_("read the answers to the names asked ahead first"))
        results: list[GitObject | None] = []
        for batch in _batches(names):
            self.ask(batch)
            results += self.answers(len(batch))
        return results

    def ask(self, names: Sequence[str]) -> None:
        """Send a few names now, for `answers` later (git answers meanwhile)."""
        if len(_batches(names)) > 1:
            raise ValueError(_("too many names to ask ahead; use read()"))
        self._send(names)
        self._unanswered += len(names)

    def answers(self, count: int) -> list[GitObject | None]:
        """The answers to the next `count` names asked."""
        if count > self._unanswered:
            raise RuntimeError(
                _("{wanted} answers wanted, {asked} names asked").format(wanted=count, asked=self._unanswered)
            )
        self._unanswered -= count
        return [self._answer() for _index in range(count)]

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        self._proc.wait()

    def _send(self, names: Sequence[str]) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.write("".join(f"{n}\n" for n in names).encode())
            stdin.flush()
        except BrokenPipeError:
            raise GitError(_("git cat-file failed: it stopped reading")) from None

    def _answer(self) -> GitObject | None:
        stdout = self._stdout()
        header = stdout.readline()
        if not header.endswith(b"\n"):
            raise GitError(_("git cat-file failed: it stopped answering"))
        fields = header.split()
        if len(fields) != 3 or fields[-1] == b"missing":
            return None
        size = int(fields[2])
        content = stdout.read(size)
        if len(content) != size or stdout.read(1) != b"\n":
            raise GitError(_("git cat-file failed: an answer was cut short"))
        return GitObject(fields[0].decode(), fields[1].decode(), content)

    def _stdout(self) -> IO[bytes]:
        assert self._proc.stdout is not None
        return self._proc.stdout


def _batches(names: Sequence[str]) -> list[list[str]]:
    """`names` in runs small enough to sit in a pipe while git is busy answering."""
    batches: list[list[str]] = [[]]
    size = 0
    for name in names:
        length = len(name.encode()) + 1
        if batches[-1] and size + length > _PIPE_SHARE:
            batches.append([])
            size = 0
        batches[-1].append(name)
        size += length
    return [b for b in batches if b]


def _start_cat_file(root: Path) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise CasekitError(_("git is not installed; install it (e.g. apt-get install git)")) from None
