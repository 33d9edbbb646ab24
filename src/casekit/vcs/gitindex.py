"""One entry of git's index, looked up without git.

Before changing a case casekit checks that git's index holds the case file as committed.
Asking git (`git cat-file --batch` with `:0:<path>`) makes it parse the whole index, 11 MB
at 100,000 files; finding the one path in the mapped file takes a fiftieth of that.

Only a plain answer is trusted: an index in format 2 or 3 (git's default; not 4, whose
paths are compressed), not split (`core.splitIndex`), and exactly one entry, at stage 0,
whose fixed-size header agrees with the path (its name length and a file mode). Anything
else, including a path not found at all (a sparse index folds paths into their folder),
raises `CannotTell` and the caller asks git.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Mapping
from pathlib import Path

_SIGNATURE = b"DIRC"
_VERSIONS = (2, 3)
_HEADER = 12
_ENTRY_FIXED = 62  # times, device, inode, mode, uid, gid, size, object id, flags
_MODE_AT = 24
_OID_AT = 40
_FLAGS_AT = 60
_NAME_MASK = 0x0FFF
_EXTENDED = 0x4000
_STAGE_SHIFT = 12
_FILE_MODES = (0o100644, 0o100755, 0o120000, 0o160000)


class CannotTell(Exception):
    """The index is not one this module reads; ask git."""


def staged_blob(git_folder: Path, relpath: str, environ: Mapping[str, str]) -> str:
    """The blob id git's index holds for `relpath` (stage 0)."""
    if environ.get("GIT_INDEX_FILE") or _split(git_folder):
        raise CannotTell(relpath)
    name = relpath.encode()
    if len(name) >= _NAME_MASK:
        raise CannotTell(relpath)
    try:
        with (
            open(git_folder / "index", "rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            return _find(data, name)
    except (OSError, ValueError):  # no index, or an empty one (mmap refuses length 0)
        raise CannotTell(relpath) from None


def _split(git_folder: Path) -> bool:
    return any(n.startswith("sharedindex.") for n in os.listdir(git_folder))


def _find(data: mmap.mmap, name: bytes) -> str:
    if data[:4] != _SIGNATURE or int.from_bytes(data[4:8], "big") not in _VERSIONS:
        raise CannotTell(name.decode())
    found = []
    pos = data.find(name + b"\0", _HEADER)
    while pos != -1:
        found += [oid for oid in (_entry(data, pos, len(name), extended) for extended in (0, 2)) if oid]
        pos = data.find(name + b"\0", pos + 1)
    if len(found) != 1:
        raise CannotTell(name.decode())
    return found[0]


def _entry(data: mmap.mmap, name_at: int, length: int, extended: int) -> str | None:
    """The blob id of the stage-0 entry whose name starts at `name_at`, if the bytes before
    it are that entry's header (`extended`: 2 when the header ends in extended flags)."""
    start = name_at - _ENTRY_FIXED - extended
    if start < _HEADER:
        return None
    flags = int.from_bytes(data[start + _FLAGS_AT : start + _FLAGS_AT + 2], "big")
    mode = int.from_bytes(data[start + _MODE_AT : start + _MODE_AT + 4], "big")
    if (
        flags & _NAME_MASK != length
        or bool(flags & _EXTENDED) != bool(extended)
        or mode not in _FILE_MODES
        or flags >> _STAGE_SHIFT & 3
    ):
        return None
    return bytes(data[start + _OID_AT : start + _OID_AT + 20]).hex()
