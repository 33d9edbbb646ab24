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
        from casekit.yamlio import decimal_text

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
    """A plain-text table; wide (Chinese) characters count as two columns."""
    import tabulate

    tabulate.WIDE_CHARS_MODE = True
    tabulate.PRESERVE_WHITESPACE = False
    return tabulate.tabulate(
        [[_cell(c) for c in row] for row in rows],
        headers=list(headers),
        tablefmt="simple",
        disable_numparse=True,
    )


def display_width(text: str) -> int:
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def truncate(text: str, width: int) -> str:
    """Cut text to `width` display columns, marking the cut with '…'."""
    if display_width(text) <= width:
        return text
    from wcwidth import wcwidth

    out, used = [], 0
    for char in text:
        w = max(wcwidth(char), 0)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def short_time(stamp: Any) -> str:
    """'2026-11-23T10:05:00+08:00' -> '2026-11-23 10:05' for tables."""
    text = str(stamp or "")
    return text[:16].replace("T", " ") if len(text) >= 16 else text
