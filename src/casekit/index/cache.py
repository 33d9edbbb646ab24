"""The query index: parsed case files cached in SQLite under `.git/casekit/`, never committed.

Each row holds one file of `cases/`: its path, the git blob id of the content that was
parsed, the fields queries filter on, the parsed case (history included), the small part
of it that `list` and `due` show (`casekit.core.listview.list_view`) and the problems met reading it.
It is a cache: deleting it loses nothing, a damaged one is rebuilt, and
`CASEKIT_INDEX=off` bypasses it; readers get the same answers either way.

Keeping it fresh costs little, whatever the size of the repository:
- files added, removed or renamed: only folders whose modification time changed are
  listed again (a few dozen `stat` calls);
- content: git already knows which tracked files match its index. `git ls-files -s` (run
  only when `.git/index` changed) gives the blob id of each, `git diff-files` names the
  tracked files that differ from it; a row is re-parsed only when its blob id changed.
  Untracked and modified files are checked by size, times and inode, then by blob id.
A cold build parses with several processes and shows a progress bar.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import pickle
import re
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casekit.core.casefile import history_of
from casekit.core.config import CASE_FILE_BYTES
from casekit.core.ids import CASES_DIR
from casekit.core.listview import list_view
from casekit.core.selection import CaseFilter, entry_moments
from casekit.core.timeutil import stored_instant
from casekit.errors import Problem
from casekit.i18n import _, language
from casekit.index.location import DB_NAME, PROBLEMS_LANGUAGE, stored_format
from casekit.index.location import FORMAT as FORMAT  # re-exported, as `cache.enabled`
from casekit.index.location import enabled as enabled
from casekit.vcs.git import blob_id, git_dir, run_git, state_dir

SNAPSHOT_NAME = "index.staged"
STAMP_NAME = "index.gitstamp"  # the stamp of git's index the rows agree with (for prefetch)
LOCK_NAME = "index.lock"
PARALLEL_FROM = 2000  # files to parse before a pool of processes pays off
CHUNK = 500
RACY_NS = 2_000_000_000  # a stat younger than this may hide a change in the same tick
REFRESH_GIT_FROM = 500  # stat-dirty files before git's own stat cache is refreshed
TAIL = 15  # characters of a file name kept for look-ups by ID suffix: "-7KQ3-XHD2.yaml"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE dirs (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    dir TEXT NOT NULL,
    sortkey TEXT NOT NULL,
    tail TEXT NOT NULL,
    blob TEXT NOT NULL,
    staged TEXT,
    watch INTEGER NOT NULL,
    stat TEXT,
    state INTEGER NOT NULL,
    readable INTEGER NOT NULL,
    id TEXT, kind TEXT, status TEXT, priority TEXT, assignee TEXT,
    opened_at TEXT, updated_at TEXT, first_at REAL, last_at REAL,
    overdue_from REAL, overdue_until REAL, who_phone TEXT, who_order TEXT, who_account TEXT, who TEXT,
    latest REAL,
    listing BLOB,
    data BLOB,
    problems BLOB
);
"""
# `files_status` holds kind and id too: Tab completion lists the open cases' IDs from it
# alone (`casekit.index.names`), reading no row.
# The end of a row's overdue window, with no end as infinity: the rows overdue now are few
# (cases still open past a deadline), found on this without reading the other rows.
OVERDUE_END = "ifnull(overdue_until, 9e999)"
_INDEXES = f"""
CREATE INDEX IF NOT EXISTS files_dir ON files (dir);
CREATE INDEX IF NOT EXISTS files_sort ON files (sortkey);
CREATE INDEX IF NOT EXISTS files_tail ON files (tail);
CREATE INDEX IF NOT EXISTS files_watch ON files (watch) WHERE watch = 1;
CREATE INDEX IF NOT EXISTS files_status ON files (status, kind, id);
CREATE INDEX IF NOT EXISTS files_id ON files (id);
CREATE INDEX IF NOT EXISTS files_last ON files (last_at);
CREATE INDEX IF NOT EXISTS files_overdue ON files ({OVERDUE_END}, overdue_from)
    WHERE overdue_from IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_latest ON files (latest);
CREATE INDEX IF NOT EXISTS files_who_phone ON files (who_phone) WHERE who_phone IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_who_order ON files (who_order) WHERE who_order IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_who_account ON files (who_account) WHERE who_account IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_scan ON files (
    sortkey, readable, state, kind, status, assignee, id,
    first_at, last_at, overdue_from, overdue_until, latest, who
);
CREATE INDEX IF NOT EXISTS files_problems ON files (sortkey) WHERE problems IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_outlined ON files (state) WHERE state = 0;
"""
_ROW_COLUMNS = (
    "path, dir, sortkey, tail, blob, staged, watch, stat, state, readable, "
    "id, kind, status, priority, assignee, opened_at, updated_at, first_at, last_at, "
    "overdue_from, overdue_until, who_phone, who_order, who_account, who, latest, listing, data, problems"
)
_INSERT_ROW = f"INSERT OR REPLACE INTO files ({_ROW_COLUMNS}) VALUES ({', '.join('?' * 29)})"


def usable(root: Path) -> bool:
    """The index lives in the git folder; a plain folder of cases is read directly."""
    return (root / ".git").exists()


@dataclass
class Entry:
    """One indexed file: its parsed case (None when unreadable) and its problems."""

    path: str
    data: Mapping[str, Any] | None
    problems: list[Problem]


def _stat_key(st: os.stat_result) -> str:
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}:{st.st_ctime_ns}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def summary(data: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """The columns queries filter on, but the latest time (`latest_column`): text values
    only (anything else is NULL), the first and last history times, when the case can
    be overdue (`overdue_window`) and who its customer is (`search_terms`)."""
    from casekit.core.customers import identity_keys, search_terms
    from casekit.core.due import overdue_window

    if data is None:
        return (None,) * 15
    history = history_of(data)
    updated = history[-1].get("at") if history else data.get("opened_at")
    window = overdue_window(data)
    return (
        *_texts(data),
        _text(updated),
        *_span(history, data),
        None if window is None else window[0].timestamp(),
        None if window is None or window[1] is None else window[1].timestamp(),
        *identity_keys(data),
        search_terms(data),
    )


def latest_column(data: Mapping[str, Any] | None) -> float | None:
    """The latest time a whole case holds (`latest_time`; NULL: none)."""
    from casekit.core.selection import latest_time

    latest = None if data is None else latest_time(data)
    return None if latest is None else latest.timestamp()


_TEXT_COLUMNS = ("id", "kind", "status", "priority", "assignee", "opened_at")  # quickload.OUTLINED_KEYS


def _texts(data: Mapping[str, Any]) -> tuple[str | None, ...]:
    return tuple(_text(data.get(key)) for key in _TEXT_COLUMNS)


# Times as casekit writes them; among these, text order is time order when the offset
# is the same, so only the first and last need parsing.
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def _span(history: list[Mapping[str, Any]], data: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """Epoch seconds of the earliest and latest history entry with a valid time."""
    ordered = [at for at in (entry.get("at") for entry in history) if isinstance(at, str)]
    offset = ordered[0][-6:] if ordered else ""
    if len(ordered) == len(history) > 0 and all(_STAMP.fullmatch(t) and t[-6:] == offset for t in ordered):
        first, last = stored_instant(min(ordered)), stored_instant(max(ordered))
        if first is not None and last is not None:  # not 2026-02-30: entry_moments leaves those out
            return first.timestamp(), last.timestamp()
    stamps = [m.timestamp() for m in entry_moments(data)]
    return (min(stamps), max(stamps)) if stamps else (None, None)


def read_file(
    root: str, rel: str, racy_before: int, outline: bool = False, max_bytes: int = CASE_FILE_BYTES
) -> tuple[Any, ...]:
    """Read one case file: (path, blob, stat, state, summary..., listing, data, problems).

    With `outline`, a file in casekit's usual layout is only outlined (state 0: the
    summary columns, no data); it is read whole (state 1) when a query needs it. A file
    larger than `max_bytes` is never outlined: `parse_doc` refuses it unread."""
    from casekit.core.validation import parse_doc

    path = os.path.join(root, rel)
    stat: str | None = None
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())  # before reading: a later change shows in the stat
            if st.st_mtime_ns < racy_before and st.st_ctime_ns < racy_before:
                stat = _stat_key(st)
            raw = handle.read()
    except OSError as exc:
        problems = [Problem(rel, None, _("cannot read the file: {reason}").format(reason=exc.strerror))]
        return (rel, "", None, 1, *summary(None), None, None, None, pickle.dumps(problems))
    if outline and len(raw) <= max_bytes:
        from casekit.codec.quickload import outline as outline_of
        from casekit.codec.quickload import time_bound

        shape = outline_of(raw)
        if shape is not None:
            # the outline holds only some of the times: bound them from the text instead
            return (rel, blob_id(raw), stat, 0, *summary(shape), time_bound(raw), None, None, None)
    doc, found = parse_doc(rel, raw, max_bytes)
    data = None if doc is None else doc.data
    return (
        rel,
        blob_id(raw),
        stat,
        1,
        *summary(data),
        latest_column(data),
        None if data is None else _dumps(list_view(data)),
        None if data is None else _dumps(data),
        pickle.dumps(found) if found else None,
    )


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _read_chunk(args: tuple[str, list[str], int, bool, int]) -> list[tuple[Any, ...]]:
    root, paths, racy_before, outline, max_bytes = args
    return [read_file(root, rel, racy_before, outline, max_bytes) for rel in paths]


def case_file_bytes(root: Path) -> int:
    """The repository's `limits.case_file_bytes` (the default while casekit.yaml cannot be
    read: every command but `validate` then refuses to run anyway)."""
    from casekit.store.configfile import load_cached, read_config

    config = load_cached(root) or read_config(root)[0]
    return CASE_FILE_BYTES if config is None else config.case_file_bytes


def _sortkey(rel: str) -> str:
    # The order `store.iter_case_files` walks in: folder by folder, names sorted.
    return rel.replace("/", "\x01")


def _parent(rel: str) -> str:
    return rel.rpartition("/")[0]


class Corrupt(Exception):
    """The index file cannot be used as it is; it will be rebuilt."""


@dataclass
class _Git:
    """What git says about cases/: blob ids of trusted index entries, files that differ."""

    stamp: str
    listing: bytes | None  # `git ls-files -s -v -z` output when it was read
    staged: dict[str, str | None]  # path -> trusted blob id (None: no longer trusted)
    dirty: set[str]


class CaseIndex:
    def __init__(self, root: Path, *, show_progress: bool = True, outline: bool = True) -> None:
        self.root = root
        # Outline files when many must be read (read whole on demand); off when the
        # caller is about to read every case whole anyway.
        self.outline = outline
        self.folder = state_dir(root)
        self.db_path = self.folder / DB_NAME
        self.show_progress = show_progress
        # Rows hold what parse_doc made of each file under this limit; another limit
        # means another index (see _open).
        self.max_bytes = case_file_bytes(root)
        self._conn: sqlite3.Connection | None = None

    # connection -----------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = self._open()
            except (sqlite3.DatabaseError, Corrupt):
                self.discard()
                self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=120, isolation_level=None)
        try:
            conn.execute("PRAGMA page_size=16384")  # rows of ~2 KB pack better (new files only)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "meta" not in tables:
                with _write(conn):
                    if not {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
                        _statements(conn, _SCHEMA)
                        conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (_format(),))
                        limit = str(self.max_bytes)
                        conn.execute("INSERT OR REPLACE INTO meta VALUES ('case_file_bytes', ?)", (limit,))
            elif self._meta(conn, "format") != _format():
                raise Corrupt("written by another version")
            elif self._meta(conn, "case_file_bytes") != str(self.max_bytes):
                raise Corrupt("written under another limits.case_file_bytes")
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def discard(self) -> None:
        """Delete the index files (it is only a cache)."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.db_path}{suffix}")
        for name in (SNAPSHOT_NAME, STAMP_NAME):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.folder / name)

    def warm(self) -> bool:
        """Whether the index file holds rows from an earlier refresh."""
        if not self.db_path.exists():
            return False
        conn = self.connection()
        return conn.execute("SELECT 1 FROM dirs WHERE path = ?", (CASES_DIR,)).fetchone() is not None

    def data_version(self) -> int:
        """SQLite's count of commits by other connections: unchanged, nobody else wrote."""
        return int(self.connection().execute("PRAGMA data_version").fetchone()[0])

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # refresh ----------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Bring every row in line with the working tree; False when every case already
        was (files read again and found with the same content count as unchanged) and the
        problems were already worded in the user's language."""
        conn = self.connection()
        with _flock(self.folder / LOCK_NAME):
            started = time.time_ns()
            racy_before = started - RACY_NS
            known_dirs = dict(conn.execute("SELECT path, mtime_ns FROM dirs").fetchall())
            cold = CASES_DIR not in known_dirs
            new_dirs, gone_dirs, added, removed = self._scan(conn, known_dirs, racy_before)
            git = self._git(conn, cold)
            candidates = set(added) | set(git.staged) | git.dirty
            candidates |= {r[0] for r in conn.execute("SELECT path FROM files WHERE watch = 1")}
            # problems are worded in one language: in another, files that have any are read again
            worded_in = language()
            worded = self._meta(conn, PROBLEMS_LANGUAGE) == worded_in  # (None: a new index)
            reword: set[str] = set()
            if not worded:
                reword = {r[0] for r in conn.execute("SELECT path FROM files WHERE problems IS NOT NULL")}
            candidates |= reword
            candidates -= removed
            rows = self._rows(conn, candidates)
            present = {p for p in candidates if p in rows or p in added}  # not deleted, .yaml
            to_read: list[str] = []
            updates: list[tuple[Any, ...]] = []
            for rel in sorted(present):
                row = rows.get(rel)
                staged = git.staged[rel] if rel in git.staged else (row[1] if row else None)
                decision = (
                    None if rel in reword else self._decide(rel, row, staged, rel in git.dirty, racy_before)
                )
                if decision is None:
                    to_read.append(rel)
                elif row is None or decision != row[1:]:
                    updates.append((*decision, rel))
            parsed = self._read_all(
                to_read,
                racy_before,
                _("indexing cases") if cold else _("updating the case index"),
                outline=self.outline and len(to_read) >= PARALLEL_FROM,
            )
            changed = removed or gone_dirs or new_dirs or updates or parsed or not worded
            # problems worded again count as a change: an answer read before them is not kept
            cases_changed = bool(removed or reword) or any(row[1] != _blob(rows, row[0]) for row in parsed)
            if not changed and git.stamp == self._meta(conn, "git_index"):
                return False  # nothing to write: the rows are current
            with _write(conn):
                _delete_paths(conn, removed)
                for folder in gone_dirs:
                    conn.execute(
                        "DELETE FROM dirs WHERE path = ? OR substr(path, 1, ?) = ?",
                        (folder, len(folder) + 1, folder + "/"),
                    )
                conn.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?)", new_dirs.items())
                conn.executemany("UPDATE files SET staged = ?, watch = ?, stat = ? WHERE path = ?", updates)
                staged_of = {rel: git.staged.get(rel, _staged(rows, rel)) for rel in to_read}
                conn.executemany(
                    _INSERT_ROW,
                    (_full_row(row, staged_of[row[0]]) for row in parsed),
                )
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('git_index', ?)", (git.stamp,))
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (PROBLEMS_LANGUAGE, worded_in))
                if cold:
                    _statements(conn, _INDEXES)
            if git.listing is not None:
                _write_snapshot(self.folder / SNAPSHOT_NAME, git.listing)
            _write_snapshot(self.folder / STAMP_NAME, git.stamp.encode("ascii"))
        return cases_changed

    def _decide(
        self,
        rel: str,
        row: tuple[Any, ...] | None,
        staged: str | None,
        dirty: bool,
        racy_before: int,
    ) -> tuple[Any, ...] | None:
        """(staged, watch, stat) to keep the row as it is, or None to read the file again."""
        if row is None:
            return None
        blob = row[0]
        if staged is not None and not dirty:
            # git vouches that the file holds its indexed blob
            return (staged, 0, None) if blob == staged else None
        try:
            st = os.stat(self.root / rel)
        except OSError:
            return None
        key = _stat_key(st)
        if row[3] is not None and row[3] == key:
            return (staged, 1, key)
        try:
            raw = (self.root / rel).read_bytes()
        except OSError:
            return None
        if blob_id(raw) != blob:
            return None
        fresh = st.st_mtime_ns < racy_before and st.st_ctime_ns < racy_before
        return (staged, 1, key if fresh else None)

    @staticmethod
    def _rows(conn: sqlite3.Connection, paths: Collection[str]) -> dict[str, tuple[Any, ...]]:
        """(blob, staged, watch, stat) of the given paths that have a row."""
        found: dict[str, tuple[Any, ...]] = {}
        ordered = list(paths)
        for start in range(0, len(ordered), CHUNK):
            part = ordered[start : start + CHUNK]
            marks = ", ".join("?" * len(part))
            for path, *rest in conn.execute(
                f"SELECT path, blob, staged, watch, stat FROM files WHERE path IN ({marks})", part
            ):
                found[path] = tuple(rest)
        return found

    def _scan(
        self, conn: sqlite3.Connection, known: dict[str, int], racy_before: int
    ) -> tuple[dict[str, int], set[str], set[str], set[str]]:
        """Folders whose listing changed: (folder -> mtime to record, folders gone,
        files added, files removed)."""
        record: dict[str, int] = {}
        gone_dirs: set[str] = set()
        added: set[str] = set()
        removed: set[str] = set()
        queue: list[str] = []
        for folder, mtime in known.items():
            try:
                st = os.stat(self.root / folder)
            except OSError:
                gone_dirs.add(folder)
                continue
            if not _is_dir(st) or (folder != CASES_DIR and os.path.islink(self.root / folder)):
                gone_dirs.add(folder)
            elif mtime < 0 or st.st_mtime_ns != mtime:
                queue.append(folder)
        if CASES_DIR not in known:
            queue.append(CASES_DIR)
        while queue:
            folder = queue.pop()
            try:
                st = os.stat(self.root / folder)
                with os.scandir(self.root / folder) as scan:
                    entries = list(scan)
            except OSError:
                gone_dirs.add(folder)
                continue
            record[folder] = st.st_mtime_ns if st.st_mtime_ns < racy_before else -1
            files, subdirs = set(), set()
            for entry in entries:
                rel = f"{folder}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    subdirs.add(rel)
                elif entry.name.endswith(".yaml"):
                    files.add(rel)
            had = {r[0] for r in conn.execute("SELECT path FROM files WHERE dir = ?", (folder,))}
            added |= files - had
            removed |= had - files
            had_dirs = {d for d in known if _parent(d) == folder}
            gone_dirs |= had_dirs - subdirs
            queue.extend(d for d in subdirs if d not in known or d in gone_dirs)
            gone_dirs -= subdirs
        for folder in gone_dirs:
            removed |= {
                r[0]
                for r in conn.execute(
                    "SELECT path FROM files WHERE dir = ? OR substr(dir, 1, ?) = ?",
                    (folder, len(folder) + 1, folder + "/"),
                )
            }
            record.pop(folder, None)
        return record, gone_dirs, added, removed

    def _git(self, conn: sqlite3.Connection, cold: bool) -> _Git:
        from casekit.index import prefetch

        early = prefetch.take(self.root, "ls-files")
        listing, stamp = early if early else (None, prefetch.index_stamp(git_dir(self.root)))
        if stamp and int(stamp.split(":")[0]) >= time.time_ns() - RACY_NS:
            stamp = ""  # git's index was written just now: read it again next time
        staged: dict[str, str | None] = {}
        if cold or not stamp or stamp != self._meta(conn, "git_index"):
            if listing is None:
                listing = run_git(self.root, *prefetch.LS_FILES, check=False)
            old_listing = None if cold else _read_snapshot(self.folder / SNAPSHOT_NAME)
            if old_listing is None:
                staged = _parse_listing(listing)
                if not cold:
                    for (path,) in conn.execute("SELECT path FROM files WHERE staged IS NOT NULL"):
                        staged.setdefault(path, None)
            else:
                staged = _listing_changes(old_listing, listing)
        else:
            listing = None
        return _Git(stamp, listing, staged, self._dirty())

    def _dirty(self) -> set[str]:
        """Tracked files under cases/ that may differ from git's index."""
        from casekit.index import prefetch

        early = prefetch.take(self.root, "diff-files")
        for attempt in range(2):
            out = early[0] if early and not attempt else run_git(self.root, *prefetch.DIFF_FILES, check=False)
            dirty = {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}
            if len(dirty) < REFRESH_GIT_FROM or attempt:
                return dirty
            # Many files only look changed (touched, copied): let git refresh its stat
            # cache, as `git status` does, so later queries stay fast.
            run_git(self.root, "update-index", "-q", "--refresh", check=False)
        return dirty  # pragma: no cover

    def _read_all(
        self, paths: list[str], racy_before: int, label: str, *, outline: bool = False
    ) -> list[tuple[Any, ...]]:
        """`read_file` for every path, with a pool of processes when there are many."""
        if not paths:
            return []
        from casekit.progress import Progress

        progress = Progress(label, len(paths)) if self.show_progress else None
        root = str(self.root)
        chunks = [
            (root, paths[i : i + CHUNK], racy_before, outline, self.max_bytes)
            for i in range(0, len(paths), CHUNK)
        ]
        results: list[tuple[Any, ...]] = []
        workers = min(os.cpu_count() or 1, 4)
        with no_gc():
            if len(paths) >= PARALLEL_FROM and workers > 1:
                import multiprocessing

                context = multiprocessing.get_context("fork")
                with context.Pool(workers) as pool:
                    for part in pool.imap(_read_chunk, chunks):
                        results += part
                        if progress:
                            progress.advance(len(part))
            else:
                for chunk in chunks:
                    part = _read_chunk(chunk)
                    results += part
                    if progress:
                        progress.advance(len(part))
        if progress:
            progress.finish()
        return results

    def _complete(self, paths: list[str]) -> dict[str, tuple[Any, ...]]:
        """Read outlined files whole and store them: path -> (listing, data, problems) blobs."""
        if not paths:
            return {}
        conn = self.connection()
        with _flock(self.folder / LOCK_NAME):
            started = time.time_ns()
            parsed = self._read_all(paths, started - RACY_NS, _("reading cases"))
            staged = self._rows(conn, paths)
            with _write(conn):
                conn.executemany(
                    _INSERT_ROW,
                    (_full_row(row, _staged(staged, row[0])) for row in parsed),
                )
        return {row[0]: row[-3:] for row in parsed}

    # queries ----------------------------------------------------------------------------

    def entries(self, where: CaseFilter | None = None, paths: Collection[str] | None = None) -> list[Entry]:
        """Rows in walk order that may match `where` (a superset: callers apply the
        filter to the data) or, when given, the rows of exactly `paths`."""
        conn = self.connection()
        rows: list[tuple[Any, ...]] = []
        if paths is None:
            rows = self._chosen(where, "data, problems")
        else:
            wanted = sorted(set(paths))
            for start in range(0, len(wanted), CHUNK):
                part = wanted[start : start + CHUNK]
                marks = ", ".join("?" * len(part))
                rows += conn.execute(
                    f"SELECT path, state, data, problems FROM files WHERE path IN ({marks})", part
                ).fetchall()
        done = self._complete([row[0] for row in rows if row[1] == 0])
        with no_gc():
            return [
                _entry((path, *done[path][1:]) if path in done else (path, data, problems))
                for path, _, data, problems in rows
            ]

    def listings(self, where: CaseFilter) -> list[Mapping[str, Any]]:
        """The `list_view` of each readable case that may match `where`, in walk
        order (a superset, as with `entries`): all that `list` and `due` show."""
        rows = self._chosen(where, "listing")
        done = self._complete([row[0] for row in rows if row[1] == 0])
        blobs = [done[path][0] if path in done else listing for path, _, listing in rows]
        with no_gc():
            return [_loads(blob) for blob in blobs if blob is not None]

    def _chosen(self, where: CaseFilter | None, columns: str) -> list[tuple[Any, ...]]:
        """(path, state, *columns) of the rows that may match `where`, in walk order."""
        # Choose rows on a covering index (every column filtered on), then fetch the
        # chosen ones: scanning the table itself would read every case's data.
        conn = self.connection()
        sql, args = _where_sql(where)
        # SQLite's planner, without statistics, would rather scan every row than trust
        # that few rows are overdue now; they are (see OVERDUE_END).
        hint = " INDEXED BY files_overdue" if where is not None and where.overdue_at is not None else ""
        query = f"SELECT rowid FROM files{hint} WHERE {sql} ORDER BY sortkey"
        chosen = [r[0] for r in conn.execute(query, args)]
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(chosen), CHUNK):
            part = chosen[start : start + CHUNK]
            marks = ", ".join("?" * len(part))
            fetch = f"SELECT rowid, path, state, {columns} FROM files WHERE rowid IN ({marks})"
            found = {r[0]: r[1:] for r in conn.execute(fetch, part)}
            rows += [found[rowid] for rowid in part]
        return rows

    def unreadable(self) -> list[Problem]:
        """Problems of the files known to be unreadable, in walk order, without reading
        the outlined ones whole (as `problems` does)."""
        rows = self.connection().execute(
            "SELECT problems FROM files WHERE problems IS NOT NULL ORDER BY sortkey"
        )
        return [p for (blob,) in rows for p in _loads(blob)]

    def problems(self) -> list[Problem]:
        """Problems met reading any file, in walk order."""
        conn = self.connection()
        self._complete([r[0] for r in conn.execute("SELECT path FROM files WHERE state = 0")])
        rows = conn.execute("SELECT problems FROM files WHERE problems IS NOT NULL ORDER BY sortkey")
        return [p for (blob,) in rows for p in _loads(blob)]

    def data_for_blobs(self, blobs: Mapping[str, str]) -> dict[str, Any]:
        """Parsed cases of the given paths whose row holds exactly the given blob id
        (a row's blob id and data always belong together, fresh or not)."""
        conn = self.connection()
        paths = sorted(blobs)

        def rows() -> Iterator[tuple[str, Any, int]]:
            for start in range(0, len(paths), CHUNK):
                part = paths[start : start + CHUNK]
                marks = ", ".join("?" * len(part))
                query = f"SELECT path, blob, data, state FROM files WHERE path IN ({marks})"
                for path, blob, data, state in conn.execute(query, part):
                    if blobs.get(path) == blob:
                        yield path, data, state

        self._complete([path for path, _, state in rows() if state == 0])
        with no_gc():
            return {path: _loads(data) for path, data, state in rows() if state == 1 and data is not None}


def _blob(rows: dict[str, tuple[Any, ...]], rel: str) -> str | None:
    row = rows.get(rel)
    return None if row is None else row[0]


def _staged(rows: dict[str, tuple[Any, ...]], rel: str) -> str | None:
    row = rows.get(rel)
    return None if row is None else row[1]


def _full_row(row: tuple[Any, ...], staged: str | None) -> tuple[Any, ...]:
    rel, blob, stat, state, *columns = row
    watch = 0 if staged is not None and staged == blob else 1
    tail = rel.rpartition("/")[2][-TAIL:]
    kept_stat = stat if watch else None
    readable = int(state == 0 or columns[-2] is not None)  # outlined, or read whole with data
    return (rel, _parent(rel), _sortkey(rel), tail, blob, staged, watch, kept_stat, state, readable, *columns)


def _format() -> str:
    return stored_format()


def _entry(row: tuple[Any, ...]) -> Entry:

    path, data, problems = row
    return Entry(path, None if data is None else _loads(data), [] if problems is None else _loads(problems))


def _loads(blob: bytes) -> Any:
    try:
        return pickle.loads(blob)
    except Exception as exc:
        raise Corrupt(f"unreadable row: {exc}") from exc


def _where_sql(where: CaseFilter | None) -> tuple[str, list[Any]]:
    """SQL that keeps at least every row `where.matches`; rows that cannot match go."""
    clauses: list[str] = ["readable = 1"]
    args: list[Any] = []
    if where is None:
        return clauses[0], args

    def among(column: str, values: Iterable[str]) -> None:
        values = sorted(values)
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "0")
        args.extend(values)

    if where.kinds is not None:
        among("kind", where.kinds)
    if where.statuses is not None:
        among("status", where.statuses)
    if where.assignees is not None:
        among("assignee", where.assignees)
    if where.ids is not None and len(where.ids) <= CHUNK:
        among("id", where.ids)
    if where.states is not None:
        among("kind", where.states)
        among("status", {s for states in where.states.values() for s in states})
    if where.active_between is not None:
        start, end = where.active_between
        clauses.append("last_at >= ? AND first_at < ?")
        args += [start.timestamp(), end.timestamp()]
    if where.overdue_at is not None:
        clauses.append(f"overdue_from IS NOT NULL AND overdue_from < ? AND {OVERDUE_END} > ?")
        args += [where.overdue_at.timestamp()] * 2
    if where.live_since is not None:
        since, finals = where.live_since
        final, final_args = _final_sql(finals)
        clauses.append(f"(latest IS NULL OR latest >= ? OR kind IS NULL OR status IS NULL OR NOT ({final}))")
        args += [since.timestamp(), *final_args]
    if where.unfinished is not None:
        final, final_args = _final_sql(where.unfinished)
        clauses.append(f"(kind IS NULL OR status IS NULL OR NOT ({final}))")
        args += final_args
    if where.customer is not None:
        either: list[str] = []
        for name, values in where.customer.exact_keys().items():
            if values and name in _WHO_COLUMNS:
                either.append(f"who_{name} IN ({', '.join('?' * len(values))})")
                args.extend(sorted(values))
        patterns = where.customer.like_patterns()
        either += ["who LIKE ? ESCAPE '!'"] * len(patterns)
        args += patterns
        clauses.append("(" + " OR ".join(either) + ")" if either else "0")
    return " AND ".join(clauses), args


_WHO_COLUMNS = ("phone", "order", "account")  # who_<name>: exact customer keys, indexed


def _final_sql(finals: Mapping[str, Collection[str]]) -> tuple[str, list[Any]]:
    """SQL true for a row in one of the given states of its kind."""
    args: list[Any] = []
    parts = []
    for kind, states in sorted(finals.items()):
        if states:
            parts.append(f"(kind = ? AND status IN ({', '.join('?' * len(states))}))")
            args += [kind, *sorted(states)]
    return " OR ".join(parts) or "0", args


def _parse_listing(listing: bytes) -> dict[str, str | None]:
    """`git ls-files -s -v -z` output: path -> blob id when git's stat data can vouch for
    the working-tree file (a normal entry, stage 0, a regular file), else None."""
    result: dict[str, str | None] = {}
    for item in listing.split(b"\0"):
        if not item:
            continue
        head, _, path_bytes = item.partition(b"\t")
        path = path_bytes.decode("utf-8", "surrogateescape")
        parts = head.split(b" ")
        if len(parts) == 4 and parts[0] == b"H" and parts[3] == b"0" and parts[1] in (b"100644", b"100755"):
            result[path] = parts[2].decode()
        else:
            result[path] = None
    return result


def _listing_changes(old: bytes, new: bytes) -> dict[str, str | None]:
    """Paths whose entry differs between two `git ls-files -s -v -z` outputs, with their
    new value (None when gone or no longer trusted). Both are sorted by path, and a
    change usually touches a few entries: only the part between the longest common
    prefix and suffix is parsed."""
    if old == new:
        return {}
    limit = min(len(old), len(new))
    low, high = 0, limit
    while low < high:  # longest common prefix, comparing only the bytes not yet known equal
        middle = (low + high + 1) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle - 1
    start = old.rfind(b"\0", 0, low) + 1  # back to the start of the first differing entry
    low, high = 0, limit - start
    while low < high:  # longest common suffix, not reaching into the prefix
        middle = (low + high + 1) // 2
        if old[len(old) - middle : len(old) - low] == new[len(new) - middle : len(new) - low]:
            low = middle
        else:
            high = middle - 1

    def middle_part(listing: bytes) -> bytes:
        common = len(listing) - low  # where the common suffix begins
        end = start if common <= start else listing.find(b"\0", common - 1) + 1
        return listing[start:end]

    before = set(middle_part(old).split(b"\0")) - {b""}
    after = set(middle_part(new).split(b"\0")) - {b""}
    changes: dict[str, str | None] = dict.fromkeys(_parse_listing(b"\0".join(before - after)))
    changes.update(_parse_listing(b"\0".join(after - before)))
    return changes


def _read_snapshot(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _write_snapshot(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        tmp.write_bytes(content)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _delete_paths(conn: sqlite3.Connection, paths: Collection[str]) -> None:
    conn.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in paths))


def _is_dir(st: os.stat_result) -> bool:
    import stat as stat_module

    return stat_module.S_ISDIR(st.st_mode)


def _statements(conn: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated statements inside the current transaction (executescript commits)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


@contextlib.contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Loading many small objects at once: the cycle collector only slows it down."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def paths_named(root: Path, tail: str) -> list[str] | None:
    """Paths of case files whose name ends with `tail` (at most TAIL characters), from an
    existing index whose folders have not changed since it was brought up to date (names
    are all this needs, so it costs a few dozen `stat` calls). None when that is not so:
    the caller then looks at the folders itself."""
    if len(tail) > TAIL or not enabled() or not usable(root):
        return None
    db_path = git_dir(root) / "casekit" / DB_NAME
    if not db_path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        if CaseIndex._meta(conn, "format") != _format():
            return None
        dirs = conn.execute("SELECT path, mtime_ns FROM dirs").fetchall()
        if not any(folder == CASES_DIR for folder, _ in dirs):
            return None
        for folder, mtime in dirs:
            try:
                if mtime < 0 or os.stat(root / folder).st_mtime_ns != mtime:
                    return None
            except OSError:
                return None
        if len(tail) == TAIL:
            rows = conn.execute("SELECT path FROM files WHERE tail = ?", (tail,))
        else:
            rows = conn.execute("SELECT path FROM files WHERE substr(tail, -?) = ?", (len(tail), tail))
        return sorted((r[0] for r in rows), key=lambda p: p.split("/"))
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def with_index(
    root: Path,
    use: Callable[[CaseIndex], Any],
    *,
    show_progress: bool = True,
    outline: bool = True,
    early: bool = False,
) -> Any:
    """Run `use` on a fresh index; a damaged index is rebuilt once and `use` run again.

    `early` is for a `use` that only reads and costs little beside waiting for git: while
    git is still checking the working tree (see `casekit.index.prefetch`), `use` runs on the
    rows as they stand. If the refresh then finds every row current and no other process
    wrote meanwhile, that answer is the answer, and the wait for git was put to work;
    otherwise `use` runs again on the refreshed rows."""
    for attempt in range(2):
        index = CaseIndex(root, show_progress=show_progress, outline=outline)
        try:
            answer = _early_answer(index, use) if early and not attempt else None
            changed = index.refresh()
            if answer is not None and not changed and index.data_version() == answer[1]:
                return answer[0]
            return use(index)
        except (sqlite3.DatabaseError, Corrupt):
            if attempt:
                raise
            index.discard()
        finally:
            index.close()
    raise AssertionError(_("unreachable"))  # pragma: no cover


def _early_answer(index: CaseIndex, use: Callable[[CaseIndex], Any]) -> tuple[Any, int] | None:
    """(`use`'s answer on the rows as they stand, the data version read before them), when
    git is still at work for the refresh (`prefetch.early`) and the index is warm; else None."""
    from casekit.index import prefetch

    if not prefetch.early(index.root):
        return None
    try:
        if not index.warm():
            return None
        version = index.data_version()  # before the rows: a commit after it shows
        return use(index), version
    except Exception:  # whatever went wrong happens again, for real, after the refresh
        return None
