"""Reading casekit's commits back from git: subjects, notes and `Case-*` trailers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from casekit.core.commits import RECORD_SEPARATOR, UNIT_SEPARATOR, CommitRecord, split_message
from casekit.vcs.git import run_git


def read_commits(
    root: Path,
    paths: Sequence[str] = ("cases",),
    *,
    revision_range: str | None = None,
    with_files: bool = True,
) -> list[CommitRecord]:
    """Non-merge commits touching `paths`, oldest first, with the files each touched."""
    fmt = UNIT_SEPARATOR.join(["%H", "%P", "%an", "%ae", "%aI", "%B"]) + UNIT_SEPARATOR
    args = [
        "log",
        "--no-merges",
        "--full-history",
        "--reverse",
        "--topo-order",
        "--no-renames",
        f"--format={RECORD_SEPARATOR}{fmt}",
    ]
    if with_files:
        args.append("--name-only")
    if revision_range:
        args.append(revision_range)
    if run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() == b"":
        return []
    out = run_git(root, *args, "--", *paths).decode("utf-8", "replace")
    records = []
    for chunk in out.split(RECORD_SEPARATOR)[1:]:
        parts = chunk.split(UNIT_SEPARATOR)
        sha, parents, name, email, when, message = parts[:6]
        files = tuple(line for line in parts[6].splitlines() if line.strip()) if with_files else ()
        subject, note, trailers = split_message(message)
        records.append(
            CommitRecord(sha, tuple(parents.split()), name, email, when, subject, note, trailers, files)
        )
    return records


def read_range(root: Path, revisions: Sequence[str], *, with_signatures: bool = False) -> list[CommitRecord]:
    """Every commit `git rev-list REVISIONS` names, merges included, oldest first (parents
    before children), without file lists. For the pre-receive hook and `audit --since`."""
    fields = ["%H", "%P", "%an", "%ae", "%aI"] + (["%G?", "%GS"] if with_signatures else []) + ["%B"]
    fmt = UNIT_SEPARATOR.join(fields) + UNIT_SEPARATOR
    out = run_git(
        root, "log", "--reverse", "--topo-order", f"--format={RECORD_SEPARATOR}{fmt}", *revisions, "--"
    ).decode("utf-8", "replace")
    records = []
    for chunk in out.split(RECORD_SEPARATOR)[1:]:
        parts = chunk.split(UNIT_SEPARATOR)
        sha, parents, name, email, when = parts[:5]
        signature, signer = (parts[5], parts[6]) if with_signatures else ("", "")
        message = parts[7] if with_signatures else parts[5]
        subject, note, trailers = split_message(message)
        records.append(
            CommitRecord(
                sha, tuple(parents.split()), name, email, when, subject, note, trailers, (), signature, signer
            )
        )
    return records
