"""Formatting for people (tables that line up Chinese text) and for scripts (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        from casekit.codec.yamlio import decimal_text

        return decimal_text(value) if value.is_finite() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def plain(value: Any) -> Any:
    """ruamel's commented containers turned into dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def to_json(value: Any) -> str:
    """Stable JSON for scripts: UTF-8 text as is, money as a string with two places."""
    return json.dumps(plain(value), ensure_ascii=False, indent=2, default=_json_default)


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _json_default(value)  # type: ignore[no-any-return]
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain-text table; wide (Chinese) characters count as two columns.

    The layout is tabulate's "simple" format. Common tables (plain text cells) are laid
    out here, which is much quicker to start than importing tabulate; anything unusual
    (control characters, combining marks, ragged rows) goes through tabulate itself.
    """
    cells = [[c if type(c) is str else _cell(c) for c in row] for row in rows]
    quick = _simple_table(cells, [str(h) for h in headers])
    if quick is not None:
        return quick
    import tabulate

    tabulate.WIDE_CHARS_MODE = True
    tabulate.PRESERVE_WHITESPACE = False
    return tabulate.tabulate(cells, headers=list(headers), tablefmt="simple", disable_numparse=True)


def _simple_table(rows: list[list[str]], headers: list[str]) -> str | None:
    """tabulate's "simple" layout (left-aligned text, two spaces between columns, every
    line right-stripped), or None when a cell needs tabulate's own handling."""
    count = len(headers)
    if any(len(row) != count for row in rows):
        return None
    # Laid out a column at a time: a list's columns repeat labels, names and dates, each
    # measured once.
    measured: dict[str, tuple[str, int] | None] = {}
    padded_columns = []
    for header, values in zip(headers, zip(*rows, strict=True) if rows else [()] * count, strict=True):
        head_width = _quick_width(header) if header.isprintable() else None
        if head_width is None:
            return None
        head = (header, head_width)
        cells = []
        for value in values:
            cell = measured.get(value, _UNMEASURED)
            if cell is _UNMEASURED:
                cell = measured[value] = _measure(value)
            if cell is None:
                return None
            cells.append(cell)
        width = max(head[1] + 2, max((w for _, w in cells), default=0))
        padded = [text + " " * (width - w) for text, w in (head, *cells)]
        padded.insert(1, "-" * width)
        padded_columns.append(padded)
    return "\n".join(["  ".join(parts).rstrip() for parts in zip(*padded_columns, strict=True)])


_UNMEASURED = ("", -1)


def _measure(value: str) -> tuple[str, int] | None:
    """A cell's text as laid out (stripped) and its width, or None when tabulate must
    lay it out (controls and marks whose width needs wcwidth's tables)."""
    if not value.isprintable():
        return None
    text = value.strip()
    width = _quick_width(text)
    return None if width is None else (text, width)


def _quick_width(text: str) -> int | None:
    """Display width of text made of ASCII and common wide or narrow characters, or None
    for anything whose width needs wcwidth's tables (controls, combining marks...)."""
    if text.isascii():
        return len(text) if text.isprintable() else None
    known = _TEXT_WIDTHS.get(text, -1)
    if known != -1:
        return known
    width = 0
    for char in text:
        char_width = _CHAR_WIDTHS.get(char)
        if char_width is None:
            char_width = _CHAR_WIDTHS[char] = _quick_char_width(char)
        if char_width < 0:
            _TEXT_WIDTHS[text] = None
            return None
        width += char_width
    _TEXT_WIDTHS[text] = width
    return width


# A table of thousands of Chinese cells repeats labels, names and characters.
_CHAR_WIDTHS: dict[str, int] = {}
_TEXT_WIDTHS: dict[str, int | None] = {}


def _quick_char_width(char: str) -> int:
    """1 or 2 columns, or -1 when wcwidth's tables are needed."""
    import unicodedata

    if char.isascii():
        return 1 if char.isprintable() else -1
    category = unicodedata.category(char)
    if category[0] not in "LNPS" or category == "Sk":
        return -1
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    quick = _quick_width(text)
    if quick is not None:
        return quick
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def truncate(text: str, width: int) -> str:
    """Cut text to `width` display columns, marking the cut with '…'."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def _char_width(char: str) -> int:
    quick = _quick_width(char)
    if quick is not None:
        return quick
    from wcwidth import wcwidth

    return max(wcwidth(char), 0)


def short_time(stamp: Any) -> str:
    """'2026-11-23T10:05:00+08:00' -> '2026-11-23 10:05' for tables."""
    text = str(stamp or "")
    return text[:16].replace("T", " ") if len(text) >= 16 else text
