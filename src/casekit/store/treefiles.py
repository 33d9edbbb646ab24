"""Files inside the case repository, reached without following a symbolic link: the
attachments casekit writes and checks, the hooks it installs.

A case repository holds no symbolic links (`casekit.core.tree_rules`); one committed or
made by hand where casekit writes or reads (an attachments folder, a hook) would take it
to a file outside the repository, so each folder on the way is looked at (lstat) first.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from casekit.core.tree_rules import LFS_POINTER_MAX, attachment_digest


def linked_part(root: Path, relpath: str) -> str | None:
    """The first part of `relpath` (a "/"-separated path below `root`) that is a symbolic
    link, as a path relative to `root`; None when there is none (parts that do not exist
    are no link)."""
    parts = [p for p in relpath.split("/") if p]
    current = root
    for number, part in enumerate(parts, 1):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return "/".join(parts[:number])
    return None


def outside(root: Path, relpath: str) -> bool:
    """Whether `relpath` below `root` resolves to a place outside `root`."""
    top = root.resolve()
    target = (root / relpath).resolve()
    return target != top and top not in target.parents


def file_digest(path: Path) -> str:
    """The `attachment_digest` of a file on disk, read in pieces: the SHA-256 of its bytes,
    or the one it names when it is a Git LFS pointer (a file Git LFS did not fetch)."""
    with open(path, "rb") as handle:
        head = handle.read(LFS_POINTER_MAX)
        if len(head) < LFS_POINTER_MAX:
            return attachment_digest(head)
        digest = hashlib.sha256(head)
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
