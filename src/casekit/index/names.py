"""Case IDs and states for Tab completion, read from the query index as it stands.

A completion must answer within a fraction of a second at 100,000 cases, so nothing here
brings the index up to date (that asks git about every file) or writes to it: IDs come
from the index's `id` column (a covering index, so no case row is read), corrected by
listing again the folders whose modification time changed since the index last saw them,
so a case opened since then is offered at once and a removed one is not. Without an
index (no query has run yet, `CASEKIT_INDEX=off`, not a git work tree) the folders are
listed. The state of one case is its file's: the index row's when it holds the file's
current content, else the file outlined.

May import what `casekit.index` may; imports little, as completion runs start often.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from casekit.core.ids import ALPHABET, CASES_DIR
from casekit.index.location import DB_NAME, FOLDER, enabled, stored_format

# The kind prefix and a hyphen: the start of a full ID, never a piece of the suffix.
_PREFIX_START = re.compile(r"^[A-Z]{1,3}-")
_ID = re.compile(rf"^[A-Z]{{1,3}}-\d{{8}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
SUFFIX = 9  # "7KQ3-XHD2"
GROUP = 4  # "XHD2"


@dataclass(frozen=True)
class Known:
    """What the index says of the cases' files, and the folders it no longer describes."""

    conn: sqlite3.Connection | None
    changed: dict[str, set[str]]  # folder -> IDs of the case files in it now


def matches(case_id: str, typed: str) -> bool:
    """Whether a case ID completes what was typed: the ID starts with it, or (typed as
    the suffix is said, e.g. over the phone) the suffix `7KQ3-XHD2` or its last group
    starts with it, or the ID ends with it (尾号, its last characters)."""
    text = typed.strip().upper()
    if case_id.startswith(text):
        return True
    if _PREFIX_START.match(text):
        return False
    text = text.translate(_READ_AS)
    return case_id[-SUFFIX:].startswith(text) or case_id[-GROUP:].startswith(text) or case_id.endswith(text)


def case_ids(root: Path, typed: str, open_states: Mapping[str, Collection[str]] | None = None) -> list[str]:
    """The IDs of the cases that complete `typed` (see `matches`), sorted. With nothing
    typed and `open_states` (kind -> states not final) given, only the open cases: the
    ones being worked on, rather than every case ever opened (a case the index does not
    know yet counts as open: it was opened since; without an index, every case does, as
    states are only in the files)."""
    known = _known(root)
    conn = known.conn
    if conn is None:
        return sorted(i for ids in known.changed.values() for i in ids if matches(i, typed))
    try:
        if not typed.strip() and open_states is not None:
            found = _open_ids(conn, open_states)
        else:
            found = _indexed_ids(conn, typed)
        if known.changed:
            listed = {i for ids in known.changed.values() for i in ids}
            indexed: set[str] = set()
            for folder in known.changed:
                indexed |= _indexed_in(conn, folder)
            found -= indexed - listed
            found |= {i for i in listed - indexed if matches(i, typed)}
    except sqlite3.Error:
        return sorted(i for ids in _listed(root, CASES_DIR).values() for i in ids if matches(i, typed))
    finally:
        conn.close()
    return sorted(i for i in found if i)


def _indexed_ids(conn: sqlite3.Connection, typed: str) -> set[str]:
    text = typed.strip().upper()
    ids = {
        r[0] for r in conn.execute("SELECT id FROM files WHERE id >= ? AND id < ?", (text, text + "\uffff"))
    }
    if _PREFIX_START.match(text) or not text:
        return ids
    piece = text.translate(_READ_AS)
    # every ID is in the covering index `files_id`: scanning it reads no case row
    query = (
        "SELECT id FROM files INDEXED BY files_id WHERE substr(id, ?, ?) = ? OR substr(id, ?, ?) = ?"
        " OR substr(id, ?) = ?"
    )
    args = (-SUFFIX, len(piece), piece, -GROUP, len(piece), piece, -len(piece), piece)
    return ids | {r[0] for r in conn.execute(query, args)}


def _indexed_in(conn: sqlite3.Connection, folder: str) -> set[str]:
    """The IDs (file names) the index holds in one folder, read from the index on `path`."""
    start = folder + "/"
    rows = conn.execute("SELECT path FROM files WHERE path >= ? AND path < ?", (start, folder + "0"))
    return {path[len(start) : -len(".yaml")] for (path,) in rows if "/" not in path[len(start) :]}


def _open_ids(conn: sqlite3.Connection, open_states: Mapping[str, Collection[str]]) -> set[str]:
    statuses = sorted({s for states in open_states.values() for s in states})
    if not statuses:
        return set()
    marks = ", ".join("?" * len(statuses))
    rows = conn.execute(f"SELECT id, kind, status FROM files WHERE status IN ({marks})", statuses)
    return {case_id for case_id, kind, status in rows if status in open_states.get(kind, ())}


def _known(root: Path) -> Known:
    """The index, read-only, with the folders it lists whose content changed since (their
    case IDs listed now); without a usable index, every folder listed."""
    conn = _connect(root)
    if conn is None:
        return Known(None, _listed(root, CASES_DIR))
    try:
        dirs = dict(conn.execute("SELECT path, mtime_ns FROM dirs").fetchall())
        if CASES_DIR not in dirs:
            conn.close()
            return Known(None, _listed(root, CASES_DIR))
        changed: dict[str, set[str]] = {}
        for folder, mtime in dirs.items():
            try:
                stamp = os.stat(root / folder).st_mtime_ns
            except OSError:
                changed[folder] = set()
                continue
            if mtime < 0 or stamp != mtime:
                changed.update(_listed(root, folder, skip=dirs))
        return Known(conn, changed)
    except sqlite3.Error:
        conn.close()
        return Known(None, _listed(root, CASES_DIR))


def _connect(root: Path) -> sqlite3.Connection | None:
    if not enabled() or not (root / ".git").is_dir():
        return None
    path = root / ".git" / FOLDER / DB_NAME
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.Error:
        return None
    if row is None or row[0] != stored_format():
        conn.close()
        return None
    return conn


def _listed(root: Path, folder: str, skip: Collection[str] = ()) -> dict[str, set[str]]:
    """folder -> the case IDs named by the `.yaml` files in it, for `folder` and every
    folder below it not in `skip` (folders the index already lists, checked on their own)."""
    found: dict[str, set[str]] = {}
    for name, ids in _walk(root, folder, skip):
        found[name] = ids
    return found


def _walk(root: Path, folder: str, skip: Collection[str]) -> Iterator[tuple[str, set[str]]]:
    ids: set[str] = set()
    below: list[str] = []
    try:
        with os.scandir(root / folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    below.append(f"{folder}/{entry.name}")
                elif entry.name.endswith(".yaml") and _ID.match(entry.name[: -len(".yaml")]):
                    ids.add(entry.name[: -len(".yaml")])
    except OSError:
        pass
    yield folder, ids
    for sub in below:
        if sub not in skip:
            yield from _walk(root, sub, skip)


def case_state(root: Path, relative: str) -> tuple[str, str] | None:
    """(kind, status) of the case file at `relative` (e.g. cases/complaint/2026/11/C-...yaml),
    None when it cannot be read: the index row's when it holds the file's content."""
    try:
        raw = (root / relative).read_bytes()
    except OSError:
        return None
    conn = _connect(root)
    if conn is not None:
        from casekit.vcs.objects import object_id

        try:
            row = conn.execute("SELECT blob, kind, status FROM files WHERE path = ?", (relative,)).fetchone()
        except sqlite3.Error:
            row = None
        finally:
            conn.close()
        if row is not None and row[0] == object_id("blob", raw) and row[1] and row[2]:
            return str(row[1]), str(row[2])
    from casekit.codec.quickload import load, outline

    try:
        shape = outline(raw) or load(raw)
    except Exception:  # completion never fails loudly: a file casekit refuses offers nothing
        return None
    if (
        not isinstance(shape, dict)
        or not isinstance(shape.get("kind"), str)
        or not isinstance(shape.get("status"), str)
    ):
        return None
    return shape["kind"], shape["status"]
