"""Case files on disk: where each lives, finding one by ID, reading and writing them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from casekit.core.config import CASE_FILE_BYTES
from casekit.core.ids import CASES_DIR
from casekit.errors import Problem, Refused
from casekit.i18n import _


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


def parse_case(
    root: Path, path: Path, raw: bytes, *, for_rewrite: bool = False, max_bytes: int = CASE_FILE_BYTES
) -> Any:
    """Parse a case file's bytes; a broken file is one error naming the file and line.

    The rules are `casekit.core.validation.parse_doc`'s; `for_rewrite` reads the file with
    the round-trip reader, keeping comments and layout for the rewrite."""
    from casekit.codec.yamlio import YamlSyntaxError, load_round_trip
    from casekit.core.validation import parse_doc

    rel = relpath(root, path)
    doc, problems = parse_doc(rel, raw, max_bytes)  # first: what the round trip must not see
    data = None if doc is None else doc.data
    if for_rewrite and not problems:
        try:
            data = load_round_trip(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise Refused(_("{path} is not UTF-8 text; save it as UTF-8").format(path=rel)) from None
        except YamlSyntaxError as exc:  # pragma: no cover - parse_doc read the same YAML
            problems = [Problem(rel, exc.line, exc.sentence())]
    if problems:
        raise Refused(problems[0].format())
    if not isinstance(data, dict) or not isinstance(data.get("history"), list):
        raise Refused(
            _("{path} is not a case file (no history list); run `casekit validate`").format(path=rel)
        )
    return data
