"""Every path commits change, with git's modes and blob ids, for the tree rules
(`casekit.core.tree_rules`); the blobs' digests; the links git's index holds.

A fixed number of git processes whatever the number of commits: one
`git diff-tree --stdin` lists the changes of all of them, one `git cat-file --batch`
reads all the blobs.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from casekit.core.tree_rules import GITLINK_MODE, SYMLINK_MODE, TreeChange, attachment_digest
from casekit.errors import CasekitError, GitError
from casekit.i18n import _

DIFF_TREE = ("diff-tree", "-r", "-z", "--raw", "--no-renames", "--root", "--always", "--stdin")
_OID = re.compile(r"[0-9a-f]{40}")


def tree_changes(root: Path, pairs: Sequence[tuple[str, str | None]]) -> list[list[TreeChange]]:
    """The paths each commit changes against the parent named with it, in the order
    given: `pairs` holds (commit, parent), parent None for a root commit (compared with
    the empty tree). A merge is listed once per parent it is to be compared with. Every
    path is listed, renames as a deletion and an addition, in one git process."""
    lines = []
    for commit, parent in pairs:
        for oid in (commit, parent):
            if oid is not None and not _OID.fullmatch(oid):
                raise ValueError(_("not a full commit id: {oid}").format(oid=repr(oid)))
        lines.append(f"{commit} {parent}\n" if parent else f"{commit}\n")
    if not lines:
        return []
    out = _run(root, DIFF_TREE, "".join(lines).encode())
    return _parse(out, [commit for commit, _parent in pairs])


def commit_changes(root: Path, commit: str, parent: str | None) -> list[TreeChange]:
    """The paths one commit changes against `parent` (None: a root commit)."""
    return tree_changes(root, [(commit, parent)])[0]


def _run(root: Path, args: Sequence[str], data: bytes) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=root, input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise CasekitError(_("git is not installed; install it (e.g. apt-get install git)")) from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else str(proc.returncode)
        raise GitError(_("git {command} failed: {detail}").format(command=args[0], detail=detail))
    return proc.stdout


def _parse(out: bytes, commits: Sequence[str]) -> list[list[TreeChange]]:
    """Read `git diff-tree -z --always --stdin`: for each line given, the commit's id,
    then a record and a path for each change."""
    records = out.split(b"\0")
    if records and records[-1] == b"":
        records.pop()
    result: list[list[TreeChange]] = []
    position = 0
    for commit in commits:
        if position >= len(records) or records[position].decode("ascii", "replace") != commit:
            raise GitError(
                _("git diff-tree failed: no answer for commit {commit} (does it exist?)").format(
                    commit=commit[:10]
                )
            )
        position += 1
        changes: list[TreeChange] = []
        while position < len(records) and records[position].startswith(b":"):
            fields = records[position][1:].decode("ascii").split(" ")
            if len(fields) != 5 or position + 1 >= len(records):
                raise GitError(_("git diff-tree failed: an answer was cut short"))
            path = records[position + 1].decode("utf-8", "surrogateescape")
            changes.append(TreeChange(path, fields[0], fields[1], fields[2], fields[3]))
            position += 2
        result.append(changes)
    if position != len(records):
        raise GitError(_("git diff-tree failed: it answered more than was asked"))

    return result


def blob_bytes(root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """The content of each blob (by id), read in one `git cat-file --batch`; a blob that
    does not exist is left out."""
    from casekit.vcs.git import cat_objects

    names = sorted(set(blobs))
    return {
        name: obj.content
        for name, obj in zip(names, cat_objects(root, names), strict=True)
        if obj is not None and obj.kind == "blob"
    }


def blob_digests(root: Path, blobs: Iterable[str]) -> dict[str, str]:
    """For each blob (by id), the `attachment_digest` of its bytes: the SHA-256 of the
    file, or the one a Git LFS pointer names. One `git cat-file --batch`, reading one blob
    at a time (attachments may be large); a blob that does not exist is left out."""
    from casekit.vcs.objects import ObjectReader

    names = sorted(set(blobs))
    if not names:
        return {}
    digests: dict[str, str] = {}
    reader = ObjectReader.start(root)
    try:
        for name in names:
            obj = reader.read([name])[0]
            if obj is not None and obj.kind == "blob":
                digests[name] = attachment_digest(obj.content)
    finally:
        reader.close()
    return digests


def tracked_links(root: Path) -> list[tuple[str, str]]:
    """(mode, path) of each symbolic link ("120000") and submodule ("160000") git's index
    holds, in path order."""
    out = _run(root, ("ls-files", "-s", "-z"), b"")
    found: dict[str, str] = {}  # a conflicted path is listed once per stage
    for record in out.split(b"\0"):
        if record.startswith((SYMLINK_MODE.encode() + b" ", GITLINK_MODE.encode() + b" ")):
            info, _, path = record.partition(b"\t")
            found[path.decode("utf-8", "surrogateescape")] = info[:6].decode()
    return [(mode, path) for path, mode in sorted(found.items())]
