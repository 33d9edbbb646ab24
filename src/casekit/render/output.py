"""Formatting for people (tables that line up Chinese text) and for scripts (JSON, CSV)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


# What a table row may be marked as: shown in red and yellow on a colour terminal.
OVERDUE = "overdue"
DUE_SOON = "due-soon"
_MARK_COLOURS = {OVERDUE: "\x1b[31m", DUE_SOON: "\x1b[33m"}  # red, yellow


@dataclass(frozen=True)
class Terminal:
    """The terminal tables are printed on: its width in columns, and whether it shows colour."""

    width: int
    colour: bool


_terminal: Terminal | None = None


def terminal() -> Terminal | None:
    """The terminal tables are laid out for (`use_terminal`), or None for plain text."""
    return _terminal


# Lines of terminal tables with the colour codes casekit put there itself (cells were made
# harmless first), which `safe_output` lets through.
_styled_lines: set[str] = set()


def use_terminal(terminal: Terminal | None) -> None:
    """Lay tables out for this terminal from now on (None: plain text, as for a pipe)."""
    global _terminal
    _terminal = terminal


def safe_output(text: str) -> str:
    """`safe_text` for whole output (layout kept), except the lines of terminal tables,
    whose only escape sequences are the colours casekit added to harmless cells."""
    if not _styled_lines or "\x1b" not in text:
        return safe_text(text, layout=True)
    return "\n".join(
        line if line in _styled_lines else safe_text(line, layout=True) for line in text.split("\n")
    )


def table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    *,
    marks: Sequence[str | None] | None = None,
    optional: Sequence[int] = (),
    flexible: Sequence[int] = (),
    whole: Sequence[int] = (0,),
) -> str:
    """A plain-text table; wide (Chinese) characters count as two columns.

    On a terminal (`use_terminal`) the table fits its width (`terminal_table`): the rows
    `marks` names OVERDUE or DUE_SOON are red or yellow when it shows colour, the
    `optional` columns (indexes, least needed first) are left out while it is much too
    narrow (first those with nothing in them), the `flexible` ones (free text such as
    titles) give way first and the `whole` ones (IDs, phone numbers) are never cut.
    Otherwise the layout is tabulate's "simple" format. Common tables (plain text cells) are laid
    out here, which is much quicker to start than importing tabulate; anything unusual
    (combining marks, ragged rows) goes through tabulate itself. Control characters in
    cells (newlines and tabs too) are shown as escapes (`safe_text`).
    """
    cells = [[c if type(c) is str else _cell(c) for c in row] for row in rows]
    names = [str(h) for h in headers]
    if _terminal is not None:
        return terminal_table(
            cells, names, _terminal, marks=marks, optional=optional, flexible=flexible, whole=whole
        )
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


def terminal_table(
    rows: list[list[str]],
    headers: list[str],
    terminal: Terminal,
    *,
    marks: Sequence[str | None] | None = None,
    optional: Sequence[int] = (),
    flexible: Sequence[int] = (),
    whole: Sequence[int] = (0,),
) -> str:
    """The table fitted to `terminal.width` (`column_widths`; East Asian wide characters
    count two columns): one line a row, a cell too long for its column cut with '…',
    a marked row in its colour (SGR codes around the line) when the terminal shows colour.

    Laid out here rather than by rich: rich's import is cheap enough (about 15 ms) but its
    table costs about 0.5 ms a row (1 s for 2,000 open cases, 7 ms here), about as
    little as the plain layout."""
    count = len(headers)
    names = [safe_text(h) for h in headers]
    cells = [[safe_text(c) for c in row[:count]] + [""] * (count - len(row)) for row in rows]
    kept = _columns_kept(names, cells, terminal.width, optional)
    if len(kept) < count:
        names = [names[i] for i in kept]
        cells = [[row[i] for i in kept] for row in cells]
    widths = column_widths(
        names,
        cells,
        terminal.width,
        gap=2,
        flexible=[kept.index(i) for i in flexible if i in kept],
        whole=[kept.index(i) for i in whole if i in kept],
    )
    fitted: dict[tuple[str, int], str] = {}
    header = _fitted_line(names, widths, fitted)
    lines = [f"\x1b[1m{header}\x1b[0m" if terminal.colour and header else header]
    lines.append("  ".join("-" * w for w in widths))
    for index, row in enumerate(cells):
        line = _fitted_line(row, widths, fitted)
        mark = marks[index] if marks is not None and index < len(marks) else None
        colour = _MARK_COLOURS.get(mark or "") if terminal.colour else None
        lines.append(f"{colour}{line}\x1b[0m" if colour and line else line)
    _styled_lines.update(line for line in lines if "\x1b" in line)
    return "\n".join(lines)


def _fitted_line(cells: Sequence[str], widths: Sequence[int], fitted: dict[tuple[str, int], str]) -> str:
    """A row's cells, each cut to and padded to its column's width; `fitted` remembers
    the cells already laid out (a list repeats labels, names and dates)."""
    parts = []
    for text, width in zip(cells, widths, strict=True):
        part = fitted.get((text, width))
        if part is None:
            shown = text.strip()
            used = display_width(shown)
            if used > width:
                shown = truncate(shown, width)
                used = display_width(shown)
            part = fitted[(text, width)] = shown + " " * max(width - used, 0)
        parts.append(part)
    return "  ".join(parts).rstrip()


def _natural_widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column's width as wide as its widest (stripped) cell; rows are all as long."""
    natural = [display_width(h) for h in headers]
    for index, column in enumerate(zip(*rows, strict=True) if rows else ()):
        natural[index] = max(natural[index], max(display_width(v.strip()) for v in set(column)))
    return natural


def _columns_kept(
    headers: list[str], rows: list[list[str]], width: int, optional: Sequence[int]
) -> list[int]:
    """The columns shown: all, less the `optional` ones (in their order) while the table
    is wider than `width` by more than a third of its widest column (a little cutting is
    better than a column less)."""
    natural = _natural_widths(headers, rows)
    kept = list(range(len(headers)))
    dropping = [i for i in optional if 0 < i < len(headers)]
    dropping.sort(key=lambda i: any(row[i] for row in rows))  # empty ones first, else in order
    slack = max(natural, default=0) // 3
    while dropping and sum(natural[i] for i in kept) + 2 * (len(kept) - 1) > width + slack:
        kept.remove(dropping.pop(0))
    return kept


def column_widths(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    gap: int,
    flexible: Sequence[int] = (),
    whole: Sequence[int] = (0,),
) -> list[int]:
    """Each column's width for a table `width` columns wide with `gap` between columns:
    as wide as its widest cell when that fits; else the `flexible` columns give way first
    (down to 12), then the widest columns, down to their header's width (at most 6), then
    further. The `whole` columns (IDs and phone numbers, to be copied) keep their width."""
    natural = _natural_widths(headers, rows)
    widths = list(natural)
    room = width - gap * (len(widths) - 1)
    for index in flexible:
        if 0 <= index < len(widths) and index not in whole:
            widths[index] -= min(max(sum(widths) - room, 0), max(widths[index] - 12, 0))
    floors = [min(n, max(min(display_width(h), 6), 4)) for n, h in zip(natural, headers, strict=True)]
    for floor in (floors, [min(n, 2) for n in natural]):
        for index in whole:
            floor[index] = natural[index]
        while sum(widths) > room:
            candidates = [i for i in range(len(widths)) if widths[i] > floor[i]]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths


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


def compact_time(text: str, year: int) -> str:
    """On a terminal (`use_terminal`), a table time of this `year` without it:
    '2026-11-23 10:05' -> '11-23 10:05'; elsewhere (a pipe, a file) as it is."""
    if _terminal is not None and text.startswith(f"{year:04d}-"):
        return text[5:]
    return text


def short_time(stamp: Any) -> str:
    """'2026-11-23T10:05:00+08:00' -> '2026-11-23 10:05' for tables."""
    text = str(stamp or "")
    return text[:16].replace("T", " ") if len(text) >= 16 else text
