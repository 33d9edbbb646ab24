"""Reading a whole case repository: config plus every case file, errors as records.

This is the one load function `validate`, `list`, reports and hooks go through. It
returns what it could read and a list of problems instead of raising on bad files.

Reads go through the query index (`casekit.index`) when the repository is a git work
tree: only files whose content changed since the last read are parsed again, and the
filters below are answered from indexed columns, so asking for the open cases of one
agent among 100,000 reads only those. `CASEKIT_INDEX=off` reads the files directly; the
results are the same.

A case file that cannot be read (not YAML, YAML casekit refuses, too large: see
`casekit.core.validation.parse_doc`) is never silently left out: a reader that does not
hand the problems back (`with_problems=False`, `answer_from_listings`) says so on stderr,
one line per file (`warn_skipped`), and goes on with the other cases.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from casekit.core.config import Config
from casekit.core.ids import CASES_DIR, SUFFIX_PATTERN, normalise, parse_id, relative_case_path
from casekit.core.selection import CaseFilter, final_states, open_states
from casekit.core.validation import CaseDoc, parse_doc
from casekit.errors import CaseNotFound, Problem
from casekit.i18n import _
from casekit.store.casefiles import iter_case_files, relpath
from casekit.store.configfile import read_config

__all__ = [
    "CaseFilter",
    "Loaded",
    "answer_from_listings",
    "final_states",
    "load_repository",
    "open_states",
    "read_cases",
]

T = TypeVar("T")

# Fewer named files than this are parsed directly: cheaper than bringing the index up to date.
DIRECT_READ_BELOW = 200


@dataclass
class Loaded:
    config: Config | None
    cases: list[CaseDoc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_cases(
    root: Path,
    paths: Iterable[Path] | None = None,
    *,
    where: CaseFilter | None = None,
    with_problems: bool = True,
    show_progress: bool = True,
    warn: bool = True,
) -> tuple[list[CaseDoc], list[Problem]]:
    """Parse case files (all of cases/, or the given files and folders), in path order.

    `where` keeps only matching cases (`CaseFilter.of(kinds=..., states=...)`); the
    problems returned are those of every file read, matching or not. A caller that does
    not use them passes `with_problems=False` (an empty list comes back): with filters,
    finding every file's problems would mean reading every file whole.

    Each file left out because it cannot be read is named on stderr (`warn_skipped`),
    unless `warn` is off: for a caller that reports the problems itself (`validate`).
    """
    where = where or CaseFilter.of()
    targets = None if paths is None else list(_expand(root, paths))
    if _use_index(root, targets):
        docs, problems = _read_indexed(root, targets, where, show_progress, with_problems)
    else:
        docs, problems = _read_files(root, targets)
    if not where.is_everything:
        docs = [doc for doc in docs if where.matches(doc.data)]
    if warn:
        warn_skipped(problems)
    return docs, problems if with_problems else []


def warn_skipped(problems: Iterable[Problem]) -> None:
    """One line on stderr for each case file left out because it cannot be read (once per
    file in a process, however many times a command reads the cases)."""
    for problem in problems:
        if problem.path in _WARNED:
            continue
        _WARNED.add(problem.path)
        line = _("casekit: warning: {problem}; skipped (run `casekit validate`)").format(
            problem=problem.format()
        )
        sys.stderr.write(line + "\n")


_WARNED: set[str] = set()


def answer_from_listings(
    root: Path,
    answer: Callable[[list[Mapping[str, Any]]], T],
    where: CaseFilter | None = None,
    *,
    checked: bool = True,
) -> T:
    """`answer` worked out on what `list` and `due` show of the readable cases `where`
    matches (all when None), in path order: each case's `list_view`, which the index
    keeps ready, so listing thousands of cases does not load them whole. Filters on
    activity and times (`active_between`, `live_since`) need more of a case than its list
    view holds.

    `answer` must only read the views: with the index it may run while git is still
    checking the working tree, its result kept when git finds nothing changed
    (`casekit.index.cache.with_index`). With `checked` off the views are not tested against
    `where`, only narrowed on it by the index: a superset of the matches (every view
    without the index), for an `answer` that applies the same tests itself and would
    otherwise judge each case twice."""
    from casekit.core.listview import list_view

    where = where or CaseFilter()
    if where.active_between is not None or where.live_since is not None:
        raise ValueError(_("list views cannot answer filters on activity or times; use read_cases"))

    def chosen(views: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [view for view in views if where.matches(view)] if checked else views

    if _use_index(root, None):
        from casekit.index.cache import CaseIndex, with_index

        def use(index: CaseIndex) -> tuple[T, list[Problem]]:
            views = index.listings(where)  # first: it reads outlined rows whole
            return answer(chosen(views)), index.unreadable()

        result: tuple[T, list[Problem]] = with_index(root, use, early=True)
        warn_skipped(result[1])
        return result[0]
    docs, problems = _read_files(root, None)
    warn_skipped(problems)
    return answer(chosen([list_view(doc.data) for doc in docs]))


def read_related(
    root: Path,
    where: CaseFilter,
    widen: Callable[[list[Mapping[str, Any]]], CaseFilter | None],
) -> list[Mapping[str, Any]]:
    """The readable cases `where` matches, then also those `widen(found)` matches (when it
    gives a filter), in path order, from one look at the index: a customer's cases found
    by an order number, then every case of the phones those name. Files that cannot be
    read are left out unnamed."""
    Pick = Callable[[CaseFilter], dict[str, Mapping[str, Any]]]

    def both(pick: Pick) -> list[Mapping[str, Any]]:
        found = pick(where)
        wider = widen(list(found.values()))
        if wider is not None:
            found.update(pick(wider))
        return [found[path] for path in sorted(found, key=lambda p: p.split("/"))]

    if _use_index(root, None):
        from casekit.index.cache import CaseIndex, with_index

        def use(index: CaseIndex) -> list[Mapping[str, Any]]:
            def pick(chosen: CaseFilter) -> dict[str, Mapping[str, Any]]:
                return {
                    e.path: e.data
                    for e in index.entries(chosen)
                    if e.data is not None and chosen.matches(e.data)
                }

            return both(pick)

        result: list[Mapping[str, Any]] = with_index(root, use, early=True)
        return result
    docs, _ = _read_files(root, None)

    def pick_directly(chosen: CaseFilter) -> dict[str, Mapping[str, Any]]:
        return {doc.path: doc.data for doc in docs if chosen.matches(doc.data)}

    return both(pick_directly)


def _use_index(root: Path, targets: list[Path] | None) -> bool:
    from casekit.index import cache as index

    if not index.enabled() or not index.usable(root):
        return False
    return targets is None or len(targets) >= DIRECT_READ_BELOW


def _read_files(root: Path, targets: list[Path] | None) -> tuple[list[CaseDoc], list[Problem]]:
    from casekit.index.cache import case_file_bytes

    max_bytes = case_file_bytes(root)
    docs: list[CaseDoc] = []
    problems: list[Problem] = []
    for path in iter_case_files(root) if targets is None else targets:
        rel = relpath(root, path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(
                Problem(rel, None, _("cannot read the file: {reason}").format(reason=exc.strerror))
            )
            continue
        doc, found = parse_doc(rel, raw, max_bytes)
        problems += found
        if doc is not None:
            docs.append(doc)
    return docs, problems


def _read_indexed(
    root: Path, targets: list[Path] | None, where: CaseFilter, show_progress: bool, with_problems: bool
) -> tuple[list[CaseDoc], list[Problem]]:
    from casekit.index.cache import CaseIndex, no_gc, with_index

    def read(index: CaseIndex) -> tuple[list[CaseDoc], list[Problem]]:
        docs: list[CaseDoc] = []
        if targets is None:
            with no_gc():
                entries = index.entries(where)
                docs = [_doc(root, e.path, e.data) for e in entries if e.data is not None]
            return docs, index.problems() if with_problems else index.unreadable()
        rels = [relpath(root, path) for path in targets]
        indexed = {e.path: e for e in index.entries(paths=rels)}
        problems: list[Problem] = []
        for rel, path in zip(rels, targets, strict=True):
            entry = indexed.get(rel)
            if entry is None:  # outside cases/, or not a .yaml file: read it here
                more_docs, more_problems = _read_files(root, [path])
                docs += more_docs
                problems += more_problems
                continue
            problems += entry.problems
            if entry.data is not None:
                docs.append(_doc(root, rel, entry.data))
        return docs, problems

    # Everything read whole (all cases, or every file's problems): no outlines first.
    whole = with_problems or (targets is None and where.is_everything)
    result: tuple[list[CaseDoc], list[Problem]] = with_index(
        root, read, show_progress=show_progress, outline=not whole
    )
    return result


def _doc(root: Path, rel: str, data: Mapping[str, object]) -> CaseDoc:
    return CaseDoc(rel, None, data, read=lambda: (root / rel).read_bytes())


def _expand(root: Path, paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*.yaml")) if p.is_file())
        else:
            yield path


def load_repository(root: Path, paths: Iterable[Path] | None = None, **filters: Any) -> Loaded:
    """The config and the cases (keyword filters as `CaseFilter.of` takes them), with every
    problem."""
    config, problems = read_config(root)
    docs, case_problems = read_cases(root, paths, where=CaseFilter.of(**filters), warn=False)
    return Loaded(config, docs, problems + case_problems)


def find_case(root: Path, config: Config, reference: str) -> Path:
    """The file of the case named by a full ID, or by its unique suffix (e.g. 7KQ3-XHD2)."""
    case_id = parse_id(reference)
    if case_id is not None:
        kind = config.kind_for_prefix(case_id.prefix)
        if kind is None:
            prefixes = ", ".join(f"{k.prefix} ({k.name})" for k in config.kinds.values())
            raise CaseNotFound(
                _("{reference}: no case kind has the prefix {prefix}; known: {prefixes}").format(
                    reference=reference, prefix=repr(case_id.prefix), prefixes=prefixes
                )
            )
        path = root / relative_case_path(kind.name, case_id)
        if path.is_file():
            return path
        raise CaseNotFound(
            _("no case {case} (looked for {path})").format(case=case_id, path=path.relative_to(root))
        )
    suffix = normalise(reference)
    if SUFFIX_PATTERN.match(suffix):
        matches = _named(root, suffix)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(m.stem for m in matches)
            raise CaseNotFound(
                _("{reference} matches several cases ({cases}); give the full ID").format(
                    reference=reference, cases=names
                )
            )
        raise CaseNotFound(
            _("no case ends in {suffix}; check the ID with `casekit list`").format(suffix=suffix)
        )
    raise CaseNotFound(
        _(
            "{reference} is not a case ID; IDs look like C-20261123-7KQ3-XHD2 "
            "(or give the last part, 7KQ3-XHD2)"
        ).format(reference=repr(reference))
    )


def _named(root: Path, suffix: str) -> list[Path]:
    """Case files named `*-<suffix>.yaml` in cases/<kind>/<year>/<month>/."""
    from casekit.index.cache import paths_named

    known = paths_named(root, f"-{suffix}.yaml")
    if known is not None:
        return [root / p for p in known if p.count("/") == 4]
    return sorted((root / CASES_DIR).glob(f"*/*/*/*-{suffix}.yaml"))
