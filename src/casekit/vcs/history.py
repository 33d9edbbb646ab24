"""Reading casekit's commits back from git: subjects, notes and `Case-*` trailers.

`git log` prints each commit's fields between NUL bytes (`%x00`): no commit message, name
or (git-quoted) path can hold one, so whatever a message says, fields are found by their
fixed count, never by searching the text for a separator.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from casekit.core.commits import CommitRecord, split_message
from casekit.errors import GitError
from casekit.i18n import _
from casekit.vcs.git import cat_objects, run_git

_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def _format(fields: Sequence[str]) -> str:
    """`--format=` for `fields`: a NUL before each and one after the last."""
    return "--format=" + "".join(f"%x00{f}" for f in fields) + "%x00"


def _records(out: bytes, count: int) -> list[list[str]]:
    """The output of `git log` with `_format(fields)` as one list per commit: the `count`
    fields, then whatever git printed after the last one (its file list, or a newline)."""
    parts = out.decode("utf-8", "replace").split("\x00")
    width = count + 1
    if (len(parts) - 1) % width or parts[0].strip():
        raise GitError(_("git log printed something casekit cannot read; run `git fsck` on this repository"))
    records = [parts[start : start + width] for start in range(1, len(parts), width)]
    for record in records:
        if not _SHA.match(record[0]):
            found = record[0][:50]
            raise GitError(
                _(
                    "git log printed {found} where a commit ID belongs; run `git fsck` on this repository"
                ).format(found=repr(found))
            )
    return records


def read_commits(
    root: Path,
    paths: Sequence[str] = ("cases",),
    *,
    revision_range: str | None = None,
    with_files: bool = True,
) -> list[CommitRecord]:
    """Non-merge commits touching `paths`, oldest first, with the files each touched."""
    fields = ["%H", "%P", "%an", "%ae", "%aI", "%B"]
    args = [
        "log",
        "--no-merges",
        "--full-history",
        "--reverse",
        "--topo-order",
        "--no-renames",
        _format(fields),
    ]
    if with_files:
        args.append("--name-only")
    if revision_range:
        args.append(revision_range)
    if run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() == b"":
        return []
    records = []
    for sha, parents, name, email, when, message, tail in _records(
        run_git(root, *args, "--", *paths), len(fields)
    ):
        # git quotes a path holding a newline or another control character, so one path is one line
        files = tuple(line for line in tail.split("\n") if line.strip()) if with_files else ()
        subject, note, trailers = split_message(message)
        records.append(
            CommitRecord(sha, tuple(parents.split()), name, email, when, subject, note, trailers, files)
        )
    return records


def read_range(root: Path, revisions: Sequence[str], *, with_signatures: bool = False) -> list[CommitRecord]:
    """Every commit `git rev-list REVISIONS` names, merges included, oldest first (parents
    before children), without file lists. For the pre-receive hook and `audit --since`."""
    fields = ["%H", "%P", "%an", "%ae", "%aI"] + (["%G?", "%GS"] if with_signatures else []) + ["%B"]
    out = run_git(root, "log", "--reverse", "--topo-order", _format(fields), *revisions, "--")
    records = []
    for record in _records(out, len(fields)):
        sha, parents, name, email, when = record[:5]
        signature, signer = (record[5], record[6]) if with_signatures else ("", "")
        message = record[len(fields) - 1]
        subject, note, trailers = split_message(message)
        records.append(
            CommitRecord(
                sha, tuple(parents.split()), name, email, when, subject, note, trailers, (), signature, signer
            )
        )
    return records


def read_signatures(
    root: Path, shas: Sequence[str], *, allowed_signers: bytes | None = None
) -> dict[str, tuple[str, str]]:
    """git's signature check (%G?) and signer (%GS) of each commit named, by commit ID.

    `allowed_signers`, when given, is the content of an allowed-signers file (the
    repository's `.casekit/allowed_signers`, read from a commit the caller trusts): SSH
    signatures are checked against those keys alone, whatever git's config names. Without
    it, git's own `gpg.ssh.allowedSignersFile` (if set) decides."""
    if not shas:
        return {}
    args = ["log", "--no-walk=unsorted", _format(["%H", "%G?", "%GS"]), *shas, "--"]
    if allowed_signers is None:
        out = run_git(root, *args)
    else:
        with tempfile.TemporaryDirectory(prefix="casekit-signers-") as folder:
            listed = Path(folder) / "allowed_signers"
            listed.write_bytes(allowed_signers)
            out = run_git(root, "-c", f"gpg.ssh.allowedSignersFile={listed}", *args)
    return {sha: (status, signer) for sha, status, signer, _ in _records(out, 3)}


def files_at(root: Path, revision: str, folder: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The commit `revision` names and every file under `folder` in it, as (path, content),
    in path order; GitError when the revision names no commit."""
    commit = run_git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}", check=False
    )
    sha = commit.decode("ascii", "replace").strip()
    if not _SHA.match(sha):
        raise GitError(_("{revision} names no commit of this repository").format(revision=repr(revision)))

    listing = run_git(root, "ls-tree", "-r", "-z", "--full-tree", sha, "--", folder)
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _tab, name = record.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            entries.append((name.decode("utf-8", "surrogateescape"), parts[2].decode("ascii")))
    objects = cat_objects(root, [oid for _, oid in entries])
    return sha, [
        (name, obj.content) for (name, _), obj in zip(entries, objects, strict=True) if obj is not None
    ]
