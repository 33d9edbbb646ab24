"""Formatting for people (tables that line up Chinese text) and for scripts (JSON, CSV)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from casekit.i18n import _


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        from casekit.codec.yamlio import decimal_text

        return decimal_text(value) if value.is_finite() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(_("cannot write {type} as JSON").format(type=type(value).__name__))


def plain(value: Any) -> Any:
    """ruamel's commented containers turned into dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


# Characters a terminal may act on: C0 controls, DEL and C1 controls (ESC starts the
# CSI/OSC sequences that recolour, retitle or rewrite a terminal; BEL, BS and CR rewrite
# or hide what was printed; U+009B is an 8-bit CSI).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(text: str, *, layout: bool = False) -> str:
    """Text from case data made harmless for a terminal: every control character (C0, DEL,
    C1, so also the ESC that starts an escape sequence) written as a visible escape such as
    `\\x1b`. With `layout`, tab and newline are kept (whole lines of output); without it
    (a table cell) they are escaped too. The one home of that rule: `table`, `to_csv` and
    the CLI's `echo`/`warn` call it."""
    if text.isprintable():  # the usual case: nothing to do, found at C speed
        return text
    if layout:
        # Whole output: printable lines (most of a long listing) are checked at C speed,
        # about three times quicker than the pattern's own scan.
        if all(line.isprintable() for line in text.split("\n")):
            return text
        return _CONTROLS_BUT_LAYOUT.sub(_visible, text)
    return _CONTROLS.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group(0)):02x}"


_JSON_RAW = re.compile(r"[\x7f-\x9f]")


def to_json(value: Any) -> str:
    """Stable JSON for scripts: UTF-8 text as is, money as a string with two places.

    json escapes C0 controls itself; DEL and the C1 controls (which it would write raw,
    and which a terminal may act on) are written as `\\u009b` escapes too: the same data,
    harmless to print."""
    text = json.dumps(plain(value), ensure_ascii=False, indent=2, default=_json_default)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV for spreadsheets: a header of column keys, one line per row (RFC 4180 quoting:
    a field with a comma, quote or line break is quoted, its quotes doubled).

    Every cell goes through `csv_cell`: no cell can run as a spreadsheet formula."""
    lines = [_csv_line([csv_cell(c) for c in columns])]
    for row in rows:
        lines.append(_csv_line([csv_cell(row.get(key)) for key in columns]))
    return "\n".join(lines) + "\n"


def _csv_line(cells: list[tuple[str, bool]]) -> str:
    if len(cells) == 1 and not cells[0][0]:
        return '""'  # a lone empty field, quoted so the line is not read as no field at all
    return ",".join(_csv_field(text, quote) for text, quote in cells)


# OWASP's CSV-injection rule: a cell starting with one of these is a formula to Excel,
# LibreOffice and Google Sheets (`=cmd|' /C calc'!A0`, `@SUM(...)`, `-2+3`...).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ...unless it is a plain number: a negative amount stays a number in the sheet.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def csv_cell(value: Any) -> tuple[str, bool]:
    """A CSV cell's text and whether it must be quoted: the one home of the CSV-injection
    rule. Text starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` (Excel shows
    the text, never runs it) and is quoted, except a plain number such as `-12.50`, kept
    as a number. Control characters are escaped as for the terminal (tab and newline kept)."""
    text = _cell(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + safe_text(text, layout=True), True
    return safe_text(text, layout=True), False


def _csv_field(text: str, quote: bool) -> str:
    if quote or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


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
    (combining marks, ragged rows) goes through tabulate itself. Control characters in
    cells (newlines and tabs too) are shown as escapes (`safe_text`).
    """
    cells = [[c if type(c) is str else _cell(c) for c in row] for row in rows]
    names = [str(h) for h in headers]
    quick = _simple_table(cells, names)  # None for any cell that is not printable...
    if quick is not None:
        return quick
    cells = [[safe_text(c) for c in row] for row in cells]  # ...such as one with controls
    names = [safe_text(h) for h in names]
    quick = _simple_table(cells, names)
    if quick is not None:
        return quick
    import tabulate

    tabulate.WIDE_CHARS_MODE = True
    tabulate.PRESERVE_WHITESPACE = False
    return tabulate.tabulate(cells, headers=names, tablefmt="simple", disable_numparse=True)


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
    """Cut text to `width` display columns, marking the cut with '…'; control characters
    are shown as escapes first (`safe_text`), so the cut counts what is shown."""
    text = safe_text(text)
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
