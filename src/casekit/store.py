"""Case files on disk: where each lives, finding one by ID, reading and writing them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from casekit.config import Config
from casekit.errors import CaseNotFound, Refused
from casekit.ids import SUFFIX_PATTERN, CaseId, normalise, parse_id

CASES_DIR = "cases"


def relative_case_path(kind: str, case_id: CaseId) -> str:
    return f"{CASES_DIR}/{kind}/{case_id.day:%Y}/{case_id.day:%m}/{case_id}.yaml"


def find_case(root: Path, config: Config, reference: str) -> Path:
    """The file of the case named by a full ID, or by its unique suffix (e.g. 7KQ3-XHD2)."""
    case_id = parse_id(reference)
    if case_id is not None:
        kind = config.kind_for_prefix(case_id.prefix)
        if kind is None:
            prefixes = ", ".join(f"{k.prefix} ({k.name})" for k in config.kinds.values())
            raise CaseNotFound(
                f"{reference}: no case kind has the prefix {case_id.prefix!r}; known: {prefixes}"
            )
        path = root / relative_case_path(kind.name, case_id)
        if path.is_file():
            return path
        raise CaseNotFound(f"no case {case_id} (looked for {path.relative_to(root)})")
    suffix = normalise(reference)
    if SUFFIX_PATTERN.match(suffix):
        matches = _named(root, suffix)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(m.stem for m in matches)
            raise CaseNotFound(f"{reference} matches several cases ({names}); give the full ID")
        raise CaseNotFound(f"no case ends in {suffix}; check the ID with `casekit list`")
    raise CaseNotFound(
        f"{reference!r} is not a case ID; IDs look like C-20261123-7KQ3-XHD2 "
        "(or give the last part, 7KQ3-XHD2)"
    )


def _named(root: Path, suffix: str) -> list[Path]:
    """Case files named `*-<suffix>.yaml` in cases/<kind>/<year>/<month>/."""
    from casekit.index import paths_named

    known = paths_named(root, f"-{suffix}.yaml")
    if known is not None:
        return [root / p for p in known if p.count("/") == 4]
    return sorted((root / CASES_DIR).glob(f"*/*/*/*-{suffix}.yaml"))


def iter_case_files(root: Path) -> Iterator[Path]:
    """Every case file under cases/, in path order (kind, year, month, ID)."""
    base = root / CASES_DIR
    if base.is_dir():
        yield from _walk(base)


def _walk(folder: Path) -> Iterator[Path]:
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.name.endswith(".yaml"):
            yield Path(entry.path)


def relpath(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def write_atomically(path: Path, content: bytes) -> None:
    """Replace a file's content in one step, so a crash never leaves half a case file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def parse_case(root: Path, path: Path, raw: bytes, *, for_rewrite: bool = False) -> Any:
    """Parse a case file's bytes; a broken file is one error naming the file and line."""
    from casekit.quickload import load
    from casekit.yamlio import YamlSyntaxError, load_round_trip

    rel = relpath(root, path)
    try:
        data = load_round_trip(raw.decode("utf-8")) if for_rewrite else load(raw)
    except UnicodeDecodeError:
        raise Refused(f"{rel} is not UTF-8 text; save it as UTF-8") from None
    except YamlSyntaxError as exc:
        where = f"{rel}:{exc.line}" if exc.line else rel
        raise Refused(f"{where}: {exc}; fix the file, then run `casekit validate`") from None
    if not isinstance(data, dict) or not isinstance(data.get("history"), list):
        raise Refused(f"{rel} is not a case file (no history list); run `casekit validate`")
    return data
