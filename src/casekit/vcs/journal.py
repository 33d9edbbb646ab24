"""A change in flight: what one action is about to write, kept until its commit is made.

An action prepares its whole commit first (blobs, trees and the commit object, which no
branch points to yet), then records it here, in `.git/casekit/pending.json`: the commit,
the HEAD it builds on, and the files it writes. Only then are the working files written,
HEAD moved to the commit, git's index brought in line, and the record removed.

If casekit is killed anywhere in between, the record names what was left half-done, and
`recover` settles it under the clone's lock: when HEAD already is the prepared commit,
the change is finished (the files and the index get the commit's content); when HEAD is
still its parent, the change is undone (the files get their committed content back, new
files are removed). Either way the repository holds the whole action or nothing of it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from casekit.errors import Refused
from casekit.i18n import _
from casekit.vcs.git import (
    PreparedCommit,
    cat_objects,
    git_dir,
    head_commit,
    is_ancestor,
    run_git,
    state_dir,
)

PENDING_FILE = "pending.json"


@dataclass(frozen=True)
class Pending:
    subject: str
    commit: str
    parent: str | None
    written: tuple[str, ...]  # repository-relative paths the change writes
    new: tuple[str, ...]  # those of them that did not exist before


def _path(root: Path) -> Path:
    return git_dir(root) / "casekit" / PENDING_FILE


def record(root: Path, prepared: PreparedCommit, new_files: frozenset[str]) -> None:
    """Write the record of a prepared change, atomically, before any working file changes."""
    folder = state_dir(root)
    data = {
        "subject": prepared.subject,
        "commit": prepared.commit,
        "parent": prepared.parent,
        "written": sorted(prepared.blobs),
        "new": sorted(new_files),
    }
    tmp = folder / f".{PENDING_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / PENDING_FILE)


def clear(root: Path) -> None:
    _path(root).unlink(missing_ok=True)


def read(root: Path) -> Pending | None:
    """The interrupted change, if a record is left; a record casekit cannot read counts as one."""
    path = _path(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Pending(
            str(data["subject"]),
            str(data["commit"]),
            str(data["parent"]) if data.get("parent") else None,
            tuple(str(p) for p in data["written"]),
            tuple(str(p) for p in data["new"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise Refused(
            _(
                "{path} records an interrupted change but cannot be read; check `git status` and "
                "`git log -1`, put right what the interrupted command left, then delete {path}"
            ).format(path=path)
        ) from None


def notice(root: Path) -> str | None:
    """One line for commands that only read: a change was interrupted and is not settled yet."""
    if not _path(root).exists():
        return None
    try:
        pending = read(root)
    except Refused as exc:
        return str(exc)
    if pending is None:
        return None
    return _(
        "a change was interrupted before it was finished ({subject}); "
        "run `casekit repair` to finish or undo it"
    ).format(subject=pending.subject)


def _finished(pending: Pending) -> str:
    return _("an interrupted change was finished: {subject} (commit {commit})").format(
        subject=pending.subject, commit=pending.commit[:10]
    )


def recover(root: Path) -> str | None:
    """Finish or undo the interrupted change, if any; the caller holds `repo_lock`.
    Returns what was done, for the user."""
    pending = read(root)
    if pending is None:
        _remove_strays(root, ())
        return None
    head = head_commit(root)
    if head == pending.commit:
        found = cat_objects(root, [f"{pending.commit}:{p}" for p in pending.written])
        existing = [p for p, obj in zip(pending.written, found, strict=True) if obj is not None]
        if existing:
            run_git(root, "checkout", pending.commit, "--", *existing)
        outcome = _finished(pending)
    elif head == pending.parent:
        for rel in pending.new:
            path = root / rel
            path.unlink(missing_ok=True)
            _remove_empty_folders(root, path.parent)
        kept = [p for p in pending.written if p not in pending.new]
        if kept and pending.parent is not None:
            _restore(root, pending.parent, kept)
        outcome = _("an interrupted change was undone: {subject} (nothing of it was committed)").format(
            subject=pending.subject
        )
    elif head is not None and is_ancestor(root, pending.commit, head):
        outcome = _finished(pending)
    else:
        raise Refused(
            _(
                "a change was interrupted ({subject}) and HEAD has moved since; check "
                "`git status`, restore or commit {files} by hand, then delete {journal}"
            ).format(subject=pending.subject, files=", ".join(pending.written), journal=_path(root))
        )

    _remove_strays(root, pending.written)
    clear(root)
    return outcome


def _restore(root: Path, commit: str, paths: list[str]) -> None:
    """Put back the bytes `commit` holds for these files, leaving git's index alone (the
    change never reached it). casekit writes such files as stored (case files), so the
    blob is the file; one that git filters is checked out by git instead."""
    filtered = []
    for rel, obj in zip(paths, cat_objects(root, [f"{commit}:{p}" for p in paths]), strict=True):
        path = root / rel
        if obj is None or obj.kind != "blob":
            continue
        if _filtered(root, rel):
            filtered.append(rel)
            continue
        try:
            if path.read_bytes() == obj.content:
                continue
        except FileNotFoundError:
            pass
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(obj.content)
        os.replace(tmp, path)
    if filtered:
        run_git(root, "checkout", commit, "--", *filtered)


def _filtered(root: Path, rel: str) -> bool:
    out = run_git(root, "check-attr", "filter", "--", rel, check=False).decode("utf-8", "replace")
    value = out.rsplit(": ", 1)[-1].strip()
    return value not in ("unspecified", "unset", "")


def _remove_strays(root: Path, written: tuple[str, ...]) -> None:
    """Temporary files an atomic write was killed in the middle of."""
    folder = state_dir(root)
    for stray in folder.glob(f".{PENDING_FILE}.*.tmp"):
        stray.unlink(missing_ok=True)
    for rel in written:
        path = root / rel
        if path.parent.is_dir():
            for stray in path.parent.glob(f".{path.name}.*.tmp"):
                stray.unlink(missing_ok=True)


def _remove_empty_folders(root: Path, folder: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
