"""Reading casekit's commits back from git: subjects, notes and `Case-*` trailers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from casekit.vcs import run_git

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$")
_RECORD = "\x1e"
_UNIT = "\x1f"


@dataclass(frozen=True)
class CommitRecord:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    when: str  # ISO 8601 with offset, the author date
    subject: str
    note: str
    trailers: tuple[tuple[str, str], ...]
    files: tuple[str, ...] = ()
    # git's %G? and %GS, read only when asked for (checking a signature costs a process)
    signature: str = ""
    signer: str = ""

    def trailer(self, key: str) -> str | None:
        for name, value in self.trailers:
            if name.lower() == key.lower():
                return value
        return None

    def trailer_values(self, key: str) -> list[str]:
        return [v for name, v in self.trailers if name.lower() == key.lower()]

    @property
    def short(self) -> str:
        return self.sha[:10]


def split_message(message: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(subject, note, trailers) of a commit message; trailers are its last paragraph."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", message.strip()) if p.strip()]
    if not paragraphs:
        return "", "", ()
    subject = paragraphs[0].splitlines()[0]
    rest = paragraphs[1:]
    first_tail = "\n".join(paragraphs[0].splitlines()[1:])
    if first_tail:
        rest.insert(0, first_tail)
    trailers: tuple[tuple[str, str], ...] = ()
    if rest:
        lines = rest[-1].splitlines()
        matches = [_TRAILER.match(line) for line in lines]
        if lines and all(matches):
            trailers = tuple((m.group(1), m.group(2).strip()) for m in matches if m)
            rest = rest[:-1]
    return subject, "\n\n".join(rest), trailers


def read_commits(
    root: Path,
    paths: Sequence[str] = ("cases",),
    *,
    revision_range: str | None = None,
    with_files: bool = True,
) -> list[CommitRecord]:
    """Non-merge commits touching `paths`, oldest first, with the files each touched."""
    fmt = _UNIT.join(["%H", "%P", "%an", "%ae", "%aI", "%B"]) + _UNIT
    args = [
        "log",
        "--no-merges",
        "--full-history",
        "--reverse",
        "--topo-order",
        "--no-renames",
        f"--format={_RECORD}{fmt}",
    ]
    if with_files:
        args.append("--name-only")
    if revision_range:
        args.append(revision_range)
    if run_git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() == b"":
        return []
    out = run_git(root, *args, "--", *paths).decode("utf-8", "replace")
    records = []
    for chunk in out.split(_RECORD)[1:]:
        parts = chunk.split(_UNIT)
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
    fmt = _UNIT.join(fields) + _UNIT
    out = run_git(
        root, "log", "--reverse", "--topo-order", f"--format={_RECORD}{fmt}", *revisions, "--"
    ).decode("utf-8", "replace")
    records = []
    for chunk in out.split(_RECORD)[1:]:
        parts = chunk.split(_UNIT)
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
