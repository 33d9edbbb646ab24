"""Reading a whole case repository: config plus every case file, errors as records.

This is the one load function `validate`, `list`, reports and hooks go through. It
returns what it could read and a list of problems instead of raising on bad files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from casekit.config import Config, read_config
from casekit.errors import Problem
from casekit.store import iter_case_files, relpath
from casekit.validation import CaseDoc, parse_doc


@dataclass
class Loaded:
    config: Config | None
    cases: list[CaseDoc] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_cases(root: Path, paths: Iterable[Path] | None = None) -> tuple[list[CaseDoc], list[Problem]]:
    """Parse case files (all of cases/, or the given files and folders)."""
    docs: list[CaseDoc] = []
    problems: list[Problem] = []
    for path in _expand(root, paths):
        rel = relpath(root, path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(rel, None, f"cannot read the file: {exc.strerror}"))
            continue
        doc, found = parse_doc(rel, raw)
        problems += found
        if doc is not None:
            docs.append(doc)
    return docs, problems


def _expand(root: Path, paths: Iterable[Path] | None) -> Iterable[Path]:
    if paths is None:
        yield from iter_case_files(root)
        return
    for path in paths:
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*.yaml")) if p.is_file())
        else:
            yield path


def load_repository(root: Path, paths: Iterable[Path] | None = None) -> Loaded:
    config, problems = read_config(root)
    docs, case_problems = read_cases(root, paths)
    return Loaded(config, docs, problems + case_problems)
