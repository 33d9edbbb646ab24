"""A fast reader for case files in the layout casekit writes, falling back to YAML.

`casekit.codec.yamlio.load_fast` (libyaml) reads about 2,000 case files a second here, this
reader about 8,000 (`python bench/readers.py bench/out/10000/repo`); building the query
index of a 100,000-case repository needs the difference. Case files written by casekit
use a small, regular part of YAML: top-level `key: value` lines, mappings nested two
levels deep (at two and four spaces: `customer`, `fields`, and `deadlines` with one
mapping per clock), and block sequences whose items are one-line flow mappings
(`history` at two spaces, a deadline's `missed` at six). This module reads exactly that
part, line by line with regular expressions, and hands every file that strays from it
(comments in odd places, quotes other than simple single quotes, multi-line values,
deeper nesting, anchors, tags, tabs, CRLF ...) to `load_fast` whole. Values are resolved
with the same YAML 1.2 rules as `load_fast`, so `load(raw) == load_fast(raw)` for every
input, types included (the test suite checks that on generated and mutated files).

The rules `yamlio.screen` enforces hold here because this reader never takes what they
refuse: a duplicate key, an anchor, an alias or a tag is "straying" and goes to
`load_fast`, which screens; flow collections nest at most `_FLOW_DEPTH` deep on a line
here (so at most `yamlio.CASE_DEPTH` in the file), deeper ones go there too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from casekit.codec.yamlio import (
    _BOOL,
    _FLOAT,
    _INT,
    _NULL,
    _TIMESTAMP,
    CASE_DEPTH,
    BadNumber,
    load_fast,
    yaml_decimal,
    yaml_int,
)


class _Unsupported(Exception):
    """The text strays from the simple layout; read it with the full YAML parser."""


# Block nesting here is at most 4 deep (a deadline's `missed` items); flow collections on
# a line may add this many levels, so nothing read here nests deeper than CASE_DEPTH.
_FLOW_DEPTH = CASE_DEPTH - 4


# Characters libyaml takes as plain printable text, minus tab, CR, the Unicode line
# breaks and the byte-order mark: anything else goes to the full parser.
_SAFE_TEXT = re.compile(
    "[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
_KEY = r"[A-Za-z0-9_][A-Za-z0-9_-]*"
_TOP = re.compile(rf"({_KEY}):(?: (.*))?")
_NESTED = re.compile(rf"  ({_KEY}): (.+)")
_NESTED_OPEN = re.compile(rf"  ({_KEY}):")
_INNER = re.compile(rf"    ({_KEY}): (.+)")
_INNER_OPEN = re.compile(rf"    ({_KEY}):")
_FLOW_KEY = re.compile(rf"({_KEY}): ")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
# A plain scalar in flow context: no indicator first, then no flow indicator, comment
# sign or question mark, and a colon only inside a time (followed by a digit).
_FLOW_PLAIN = re.compile(r"[^ \-?:,\[\]{}#&*!|>'\"%@`](?:[^,\[\]{}#?:]|:(?=[0-9]))*")
_PLAIN_START = frozenset(" -?:,[]{}#&*!|>'\"%@`")

# Implicit types, as yamlio's resolver registers them: first character -> (regex, make).
_Make = Callable[[str], Any]
_RESOLVERS: dict[str, list[tuple[re.Pattern[str], _Make]]] = {}
for _regex, _make, _first in (
    (_BOOL, lambda text: text.lower() == "true", "tTfF"),
    (_FLOAT, yaml_decimal, "-+0123456789."),
    (_INT, yaml_int, "-+0123456789"),
    (_TIMESTAMP, str, "0123456789"),
):
    for _char in _first:
        _RESOLVERS.setdefault(_char, []).append((_regex, _make))


def _resolve(text: str) -> Any:
    """A plain scalar's value under the YAML 1.2 rules yamlio uses."""
    try:
        return _RESOLVED[text]
    except KeyError:
        pass
    if text[:1].isdigit() and text[4:5] == "-" and text[1:4].isdigit():
        # digits then '-': neither a float nor an int can look like this
        return text if _TIMESTAMP.match(text) else _resolve_slowly(text)
    value = _resolve_slowly(text)
    if len(_RESOLVED) < _RESOLVED_MAX:
        _RESOLVED[text] = value  # values are immutable: str, int, Decimal, bool, None
    return value


def _resolve_slowly(text: str) -> Any:
    for regex, make in _RESOLVERS.get(text[0], ()) if text else ():
        if regex.match(text):
            return make(text)
    if _NULL.match(text):
        return None
    return text


# Scalars repeat a lot across case files (keys, states, logins, field values).
_RESOLVED: dict[str, Any] = {}
_RESOLVED_MAX = 20_000


def _key(text: str) -> str:
    value = _resolve(text)
    if not isinstance(value, str):
        raise _Unsupported
    return value


def _block_scalar(text: str) -> Any:
    """The value after `key: ` on a line of a block mapping or after `- ` in a sequence."""
    try:
        return _BLOCK_PLAIN[text]
    except KeyError:
        pass
    if not text:
        raise _Unsupported
    first = text[0]
    if first == "{" or first == "[":
        return _flow(text)
    if first == "'":
        match = _SINGLE.fullmatch(text)
        if match is None:
            raise _Unsupported
        return match[1].replace("''", "'")
    if first in _PLAIN_START or "#" in text or ": " in text or text[-1] in " :":
        raise _Unsupported
    value = _resolve(text)
    if len(_BLOCK_PLAIN) < _RESOLVED_MAX:
        _BLOCK_PLAIN[text] = value
    return value


def _flow_plain(text: str) -> Any:
    """A plain scalar inside a flow mapping or sequence."""
    try:
        return _FLOW_PLAIN_SEEN[text]
    except KeyError:
        pass
    if not text or text[-1] == " " or _FLOW_PLAIN.fullmatch(text) is None:
        raise _Unsupported
    value = _resolve(text)
    if len(_FLOW_PLAIN_SEEN) < _RESOLVED_MAX:
        _FLOW_PLAIN_SEEN[text] = value
    return value


def _flow_key(text: str) -> str:
    try:
        return _KEYS[text]
    except KeyError:
        pass
    if _KEY_ONLY.fullmatch(text) is None:
        raise _Unsupported
    key = _key(text)
    _KEYS[text] = key
    return key


_BLOCK_PLAIN: dict[str, Any] = {}
_FLOW_PLAIN_SEEN: dict[str, Any] = {}
_KEYS: dict[str, str] = {}
_KEY_ONLY = re.compile(_KEY)
_FLOW_SPLIT = re.compile(r"(, |: |[{}\[\]])")


# The history entries casekit writes, keys in casekit's order: one regular expression
# finds the pieces, each checked and resolved as the general path below would.
_NO_SEPARATOR = r"[^,{}\[\]]+"
_ENTRY = re.compile(
    rf"\{{at: ({_NO_SEPARATOR}), by: ({_NO_SEPARATOR}), action: ({_NO_SEPARATOR})"
    rf"(?:, from: ({_NO_SEPARATOR}))?(?:, to: ({_NO_SEPARATOR}))?"
    rf"(?:, set: (\{{[^{{}}\[\]]*\}}))?(?:, note: ({_NO_SEPARATOR}))?\}}"
)
_ENTRY_KEYS = ("at", "by", "action", "from", "to", "set", "note")


def _entry(text: str) -> dict[str, Any] | None:
    """A history entry in casekit's usual shape, or None to take the general path."""
    match = _ENTRY.fullmatch(text)
    if match is None or "'" in text:
        return None
    entry: dict[str, Any] = {}
    for key, piece in zip(_ENTRY_KEYS, match.groups(), strict=True):
        if piece is not None:
            entry[key] = _flow(piece) if key == "set" else _flow_plain(piece)
    return entry


def _flow(text: str) -> Any:
    """A whole flow mapping or sequence, such as a history entry, written with ', '."""
    if "'" in text:
        value, end = _flow_quoted(text, 0, 1)
        if end != len(text):
            raise _Unsupported
        return value
    # Split at the separators; plain scalars in flow context cannot contain them, and
    # every piece is checked, so text that only looks like this goes to the full parser.
    parts = _FLOW_SPLIT.split(text)
    if parts[0] or parts[-1]:
        raise _Unsupported
    try:
        value, end = _flow_parts(parts, 1, 1)
    except IndexError:
        raise _Unsupported from None
    if end != len(parts) - 2:
        raise _Unsupported
    return value


def _flow_parts(parts: list[str], at: int, depth: int) -> tuple[Any, int]:
    """The collection opened by the separator parts[at], `depth` levels deep on the line;
    returns it and the index of its closing separator. Texts sit at even indices,
    separators at odd ones."""
    if depth > _FLOW_DEPTH:
        raise _Unsupported
    opener = parts[at]
    if opener == "{":
        mapping: dict[str, Any] = {}
        if parts[at + 1] == "" and parts[at + 2] == "}":
            return mapping, at + 2
        while True:
            if parts[at + 2] != ": ":
                raise _Unsupported
            key = _flow_key(parts[at + 1])
            if key in mapping:
                raise _Unsupported
            text, after = parts[at + 3], parts[at + 4]
            if text == "" and (after == "{" or after == "["):
                mapping[key], closing = _flow_parts(parts, at + 4, depth + 1)
                at = closing + 2
                if parts[closing + 1] != "":
                    raise _Unsupported
                after = parts[at]
            else:
                mapping[key] = _flow_plain(text)
                at += 4
            if after == "}":
                return mapping, at
            if after != ", ":
                raise _Unsupported
    if opener != "[":
        raise _Unsupported
    items: list[Any] = []
    if parts[at + 1] == "" and parts[at + 2] == "]":
        return items, at + 2
    while True:
        text, after = parts[at + 1], parts[at + 2]
        if text == "" and (after == "{" or after == "["):
            item, closing = _flow_parts(parts, at + 2, depth + 1)
            items.append(item)
            at = closing + 2
            if parts[closing + 1] != "":
                raise _Unsupported
            after = parts[at]
        else:
            items.append(_flow_plain(text))
            at += 2
        if after == "]":
            return items, at
        if after != ", ":
            raise _Unsupported


def _flow_quoted(text: str, pos: int, depth: int) -> tuple[Any, int]:
    """A flow mapping or sequence starting at `pos`, `depth` levels deep on the line, that
    may hold 'quoted' scalars."""
    if depth > _FLOW_DEPTH:
        raise _Unsupported
    if text[pos] == "{":
        mapping: dict[str, Any] = {}
        pos += 1
        if text.startswith("}", pos):
            return mapping, pos + 1
        while True:
            match = _FLOW_KEY.match(text, pos)
            if match is None:
                raise _Unsupported
            key = _key(match[1])
            if key in mapping:
                raise _Unsupported
            mapping[key], pos = _flow_value(text, match.end(), depth)
            if text.startswith(", ", pos):
                pos += 2
            elif text.startswith("}", pos):
                return mapping, pos + 1
            else:
                raise _Unsupported
    items: list[Any] = []
    pos += 1
    if text.startswith("]", pos):
        return items, pos + 1
    while True:
        value, pos = _flow_value(text, pos, depth)
        items.append(value)
        if text.startswith(", ", pos):
            pos += 2
        elif text.startswith("]", pos):
            return items, pos + 1
        else:
            raise _Unsupported


def _flow_value(text: str, pos: int, depth: int) -> tuple[Any, int]:
    if pos >= len(text):
        raise _Unsupported
    first = text[pos]
    if first == "{" or first == "[":
        return _flow_quoted(text, pos, depth + 1)
    if first == "'":
        match = _SINGLE.match(text, pos)
        if match is None:
            raise _Unsupported
        return match[1].replace("''", "'"), match.end()
    match = _FLOW_PLAIN.match(text, pos)
    if match is None:
        raise _Unsupported
    plain = match[0]
    if plain[-1] == " ":
        raise _Unsupported
    return _resolve(plain), match.end()


def parse_simple(text: str) -> dict[str, Any]:
    """The mapping in `text`; raises _Unsupported when it strays from the simple layout."""
    if not _SAFE_TEXT.fullmatch(text):
        raise _Unsupported
    lines = text.split("\n")
    count = len(lines)
    doc: dict[str, Any] = {}
    index = 0
    while index < count:
        line = lines[index]
        index += 1
        if not line or line[0] == "#" or (line[0] == " " and _skippable(line)):
            continue
        match = _TOP.fullmatch(line)
        if match is None:
            raise _Unsupported
        key = _key(match[1])
        if key in doc:
            raise _Unsupported
        rest = match[2]
        if rest is not None:
            doc[key] = _block_scalar(rest)
            continue
        block = []
        while index < count:
            line = lines[index]
            if line and line[0] != " ":
                break
            if line and not _skippable(line):
                block.append(line)
            index += 1
        doc[key] = _block(block)
    if not doc:
        raise _Unsupported
    return doc


# --- outlines: what the query index filters on, without reading the whole file --------
#
# An outline takes the top-level lines `key: value` at face value. That is exact when no
# value spans lines or hides in a construct, which one pass over the lines rules out: no
# double quotes, comment signs or block scalars (| >) anywhere; every line at column 0 is
# `key:` or `key: value`; an indented line only follows a `key:` line (or another indented
# line); quoted text and brackets close on the line they open.
_TOP_LINE = re.compile(rf"({_KEY}):(?: (.*))?")
_BLOCK_SCALAR = re.compile(r"(?:^|[:\-] )[|>]", re.M)
# A quote after a space, a bracket or a comma (or first on the line) may open quoted
# text; it is left open when the text runs to the end of the line.
_OPEN_QUOTE = re.compile(r"(?:^|[ \[{,])'(?:[^'\n]|'')*+$")
_AT = re.compile(r"  - \{at: ([^,{}\[\]]+)(?:, |\})")
OUTLINED_KEYS = ("id", "kind", "status", "priority", "assignee", "opened_at")
# Nested values the index filters on too (who the customer is: casekit.core.customers).
OUTLINED_PARTS = {"customer": ("name", "phone"), "fields": ("order_no", "customer_account")}


def outline(raw: bytes) -> dict[str, Any] | None:
    """The top-level values the query index filters on (OUTLINED_KEYS, where written on
    their own line), the customer's name and phone and the order and account numbers
    (OUTLINED_PARTS), each history entry reduced to {'at': value} and each deadline to
    its `due`, `met` and `paused_since`, for a small part of the cost of reading the
    file; None when the file's shape does not allow it.

    When the file reads as a mapping (`load`), each value here is exactly its value there
    (a key missing here has a value other than text there, or none); the query index
    uses this and reads a case whole only when a query needs it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if '"' in text or "#" in text or not _SAFE_TEXT.fullmatch(text) or _BLOCK_SCALAR.search(text):
        return None
    shape: dict[str, Any] = {}
    seen: set[str] = set()
    opened = False  # the last line at column 0 was `key:`: indented lines may follow
    history: list[dict[str, Any]] | None = None
    deadlines: _DeadlineBlock | None = None
    part: _PartBlock | None = None
    try:
        for line in text.split("\n"):
            if not line or line.isspace():
                continue
            if ("'" in line and _OPEN_QUOTE.search(line)) or (
                ("[" in line or "{" in line or "]" in line or "}" in line) and not _closed(line)
            ):
                return None
            if line[0] == " ":
                if not opened:
                    return None  # would continue the value above, or is out of place
                if history is not None:
                    match = _AT.match(line)
                    if match is None or line.count("at: ") != 1:
                        return None
                    history.append({"at": _flow_plain(match[1])})
                elif (deadlines is not None and not deadlines.take(line)) or (
                    part is not None and not part.take(line)
                ):
                    return None
                continue
            match = _TOP_LINE.fullmatch(line)
            if match is None or match[1] in seen:
                return None
            key, value = match[1], match[2]
            seen.add(key)
            opened = value is None
            history = deadlines = part = None
            if key in OUTLINED_PARTS:
                if value is not None:
                    return None  # a flow mapping or a scalar: read it whole
                part = _PartBlock(OUTLINED_PARTS[key])
                shape[key] = part.values
            elif key == "history":
                if value is not None:
                    return None
                history = shape["history"] = []
            elif key == "deadlines":
                if value is not None:
                    return None
                deadlines = _DeadlineBlock()
                shape["deadlines"] = deadlines.clocks
            elif key in OUTLINED_KEYS and value:
                shape[key] = _block_scalar(value)
    except _Unsupported:
        return None
    if shape.get("history") == []:
        shape["history"] = None  # `history:` with nothing under it
    if shape.get("deadlines") == {}:
        shape["deadlines"] = None
    return shape


_CLOCK_LINE = re.compile(rf"  ({_KEY}):")
_CLOCK_VALUE = re.compile(rf"    ({_KEY}):(?: (.*))?")
_DEADLINE_TIMES = ("due", "met", "paused_since")


class _DeadlineBlock:
    """The lines of a `deadlines:` block (clock -> mapping), taken one at a time: only
    the keys in _DEADLINE_TIMES are kept. A line nested deeper (such as the items of
    `missed:`) may only follow a `key:` line with nothing after the colon, so no value
    can continue on the next line unseen."""

    def __init__(self) -> None:
        self.clocks: dict[Any, dict[str, Any]] = {}
        self.seen: set[tuple[Any, Any]] = set()
        self.nested = False  # the last clock line was `key:`: deeper lines may follow

    def take(self, line: str) -> bool:
        """Add one line; False when it strays from the shape."""
        if line.startswith("      "):
            return self.nested
        self.nested = False
        match = _CLOCK_LINE.fullmatch(line)
        if match is not None:
            clock = _key(match[1])
            if clock in self.clocks:
                return False
            self.clocks[clock] = {}
            return True
        match = _CLOCK_VALUE.fullmatch(line)
        if match is None or not self.clocks:
            return False
        clock = next(reversed(self.clocks))
        key = _key(match[1])
        if (clock, key) in self.seen:
            return False
        self.seen.add((clock, key))
        if match[2] is None:
            self.nested = key not in _DEADLINE_TIMES
            return self.nested
        if key in _DEADLINE_TIMES:
            self.clocks[clock][key] = _block_scalar(match[2])
        return True


class _PartBlock:
    """The lines of a block mapping at two spaces (`customer:`, `fields:`), taken one at a
    time: only the `wanted` keys are kept. As in `_DeadlineBlock`, a deeper line may only
    follow a `key:` line with nothing after the colon."""

    def __init__(self, wanted: tuple[str, ...]) -> None:
        self.wanted = wanted
        self.values: dict[str, Any] = {}
        self.seen: set[Any] = set()
        self.nested = False

    def take(self, line: str) -> bool:
        """Add one line; False when it strays from the shape."""
        if line.startswith("   "):
            return self.nested
        match = _CLOCK_VALUE.fullmatch("  " + line)  # `  key: value` or `  key:`
        if match is None:
            return False
        key = _key(match[1])
        if key in self.seen:
            return False
        self.seen.add(key)
        self.nested = match[2] is None
        if match[2] is not None and key in self.wanted:
            self.values[key] = _block_scalar(match[2])
        return True


# Where a scalar may start: after `key: `, `- `, an opening bracket or `, `; then spaces
# and an opening quote. A text value that reads as a time (as
# `casekit.core.timeutil.stored_instant` reads one) begins with its 4-digit year there, and
# with -MM-DD or MMDD when a calendar date follows.
_VALUE_YEAR = re.compile(r"(?:: |- |[\[{]|, )[\s']*(\d{4})(-?)(\d\d)?(?:\2(\d\d))?")


def time_bound(raw: bytes) -> float | None:
    """Epoch seconds no instant written in the file reaches (see
    `selection.latest_time`), read from the text of a file `outline` accepts: the
    latest date a value starts with, plus two days for the time of day and the offset
    (a value with a year but no readable date counts as the end of that year). None
    when the file holds no such value."""
    from datetime import UTC, date, datetime, timedelta

    found = _VALUE_YEAR.findall(raw.decode("utf-8"))
    if not found:
        return None
    # Digits compare as text; a missing month or day ranks above any real one.
    year, _, month, day = max(found, key=lambda g: (g[0], g[2] or "99", g[3] or "99"))
    if year == "0000":
        return None  # year 0 does not exist: nothing reads as a time there
    try:
        latest = date(int(year), int(month), int(day)) if day else date(int(year), 12, 31)
    except ValueError:
        latest = date(int(year), 12, 31)
    try:
        return datetime.combine(latest + timedelta(days=2), datetime.min.time(), UTC).timestamp()
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC).timestamp()


def _closed(line: str) -> bool:
    """Brackets on this line close on it, and the line ends with the last of them."""
    if line.count("[") != line.count("]") or line.count("{") != line.count("}"):
        return False
    return line.rstrip()[-1:] in ("]", "}") or ("[" not in line and "{" not in line)


def _skippable(line: str) -> bool:
    """A blank line or a comment on its own line."""
    stripped = line.lstrip(" ")
    return not stripped or stripped[0] == "#"


def _block(lines: list[str]) -> Any:
    """What the indented lines under a top-level `key:` hold: a sequence of one-line
    items, or a mapping at two spaces (see `_mapping`)."""
    if not lines:
        return None
    if lines[0].startswith("  - "):
        items = []
        for line in lines:
            if line[:4] != "  - " or line[4:5] == " ":
                raise _Unsupported
            item = _entry(line[4:]) if line[4:5] == "{" else None
            items.append(_block_scalar(line[4:]) if item is None else item)
        return items
    return _mapping(lines)


def _mapping(lines: list[str]) -> dict[str, Any]:
    """`  key: value` lines, where a `  key:` line may open a mapping at four spaces
    (`deadlines:` holds one mapping per clock)."""
    mapping: dict[str, Any] = {}
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        index += 1
        match = _NESTED.fullmatch(line)
        if match is not None:
            value: Any = _block_scalar(match[2])
        else:
            match = _NESTED_OPEN.fullmatch(line)
            if match is None:
                raise _Unsupported
            start = index
            while index < count and lines[index].startswith("    "):
                index += 1
            # `key:` with nothing deeper under it: null, or an indentless sequence
            if start == index:
                raise _Unsupported
            value = _inner_mapping(lines, start, index)
        key = _key(match[1])
        if key in mapping:
            raise _Unsupported
        mapping[key] = value
    return mapping


def _inner_mapping(lines: list[str], start: int, end: int) -> dict[str, Any]:
    """`    key: value` lines in lines[start:end], where a `    key:` line opens a
    sequence of one-line items at six spaces (a deadline's `missed:`). Anything deeper
    is left to the full parser."""
    mapping: dict[str, Any] = {}
    index = start
    while index < end:
        line = lines[index]
        index += 1
        match = _INNER.fullmatch(line)
        if match is not None:
            value: Any = _block_scalar(match[2])
        else:
            match = _INNER_OPEN.fullmatch(line)
            if match is None:
                raise _Unsupported
            value = []
            while index < end and lines[index].startswith("      - "):
                value.append(_block_scalar(lines[index][8:]))
                index += 1
            if not value:
                raise _Unsupported
        key = _key(match[1])
        if key in mapping:
            raise _Unsupported
        mapping[key] = value
    return mapping


def load(raw: bytes) -> Any:
    """Parse a case file's bytes: the fast path when it can, `load_fast` otherwise.

    Returns exactly what `load_fast(raw)` returns, and raises what it raises: a
    `yamlio.YamlSyntaxError` for anything casekit will not read.
    """
    try:
        return parse_simple(raw.decode("utf-8"))
    except (_Unsupported, UnicodeDecodeError, BadNumber):
        return load_fast(raw)
