"""Rewriting one top-level section of a YAML file, everything else kept byte for byte.

A round trip of a whole casekit.yaml keeps its comments but may still re-flow a long flow
list elsewhere in the file; so only the section's own lines are read and written again
(ruamel.yaml round trip: its comments and layout kept), and spliced back between the lines
before and after it. The helpers add entries to a mapping or a list inside the section so
that a comment written after the last entry stays after the last entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from casekit.codec.yamlio import CONFIG_DEPTH, block_map, dump_round_trip, load_round_trip
from casekit.i18n import _


def top_level_span(text: str, key: str) -> tuple[int, int] | None:
    """Lines [start, end) of the top-level `key`'s entry: from its key line to its last
    line, without the blank lines and column-0 comments before the next key (those belong
    to it). None when the file has no such key; ValueError when it is not a mapping."""
    from ruamel.yaml.comments import CommentedMap

    doc = load_round_trip(text, CONFIG_DEPTH)
    if not isinstance(doc, CommentedMap):
        raise ValueError(_("the file is not a mapping"))
    keys = list(doc)
    if key not in keys:
        return None
    lines = text.splitlines(keepends=True)
    start = doc.lc.key(key)[0]
    index = keys.index(key)
    end = doc.lc.key(keys[index + 1])[0] if index + 1 < len(keys) else len(lines)
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return start, end


def edit_section(text: str, key: str, edit: Callable[[Any], None]) -> str:
    """`text` with the top-level `key` rewritten: `edit` changes its value (a round-trip
    mapping; an empty one when the key is missing or empty) in place. Lines outside the
    section stay as they are; a missing section is added at the end."""
    from ruamel.yaml.comments import CommentedMap

    span = top_level_span(text, key)
    if span is None:
        doc = block_map({key: block_map({})})
        edit(doc[key])
        ending = "" if not text or text.endswith("\n") else "\n"
        return text + ending + "\n" + dump_round_trip(doc)
    lines = text.splitlines(keepends=True)
    start, end = span
    doc = load_round_trip("".join(lines[start:end]), CONFIG_DEPTH)
    value = doc[key]
    if value is None:
        value = doc[key] = block_map({})
    if not isinstance(value, CommentedMap):
        raise ValueError(_("{key} is not a mapping").format(key=key))
    value.fa.set_block_style()
    edit(value)
    return "".join(lines[:start]) + dump_round_trip(doc) + "".join(lines[end:])


def set_scalar(parent: Any, key: str, value: Any, *, after: str | None = None) -> None:
    """`parent[key] = value`, its end-of-line comment kept; a new key goes after `after`
    (when present), else at the end."""
    if key in parent:
        parent[key] = value
        return
    keys = list(parent)
    position = keys.index(after) + 1 if after in keys else len(keys)
    at_end = position == len(keys)
    trailing = _take_trailing(parent) if at_end else ""
    parent.insert(position, key, value)
    if trailing:
        _give_trailing(parent, key, trailing)


def add_dated(parent: Any, key: str, entries: Mapping[str, str], *, after: str | None = None) -> None:
    """Add `entries` (a date as text -> its label) under `parent[key]`, in date order among
    those there: `date: label` in a mapping, the date alone in a list. A missing, empty or
    one-line value becomes a block mapping `date: label`, one line each."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if not entries:
        return
    current = parent.get(key)
    if isinstance(current, CommentedSeq) and len(current):
        for day in sorted(entries):
            position = sum(1 for item in current if str(item) < day)
            trailing = _take_trailing(current) if position == len(current) else ""
            current.insert(position, day)
            if trailing:
                current.ca.items[position] = [_token("\n" + trailing), None, None, None]
        return
    if isinstance(current, CommentedMap) and len(current) and not current.fa.flow_style():
        _insert_sorted(current, entries)
        return
    merged = {str(k): v for k, v in current.items()} if isinstance(current, CommentedMap) else {}
    merged.update(entries)
    replacement = block_map(dict(sorted(merged.items())))
    if key not in parent:
        set_scalar(parent, key, replacement, after=after)
        return
    trailing = _take_own_trailing(parent, key)
    parent[key] = replacement
    if trailing:
        _give_trailing(replacement, list(replacement)[-1], trailing)


def _insert_sorted(mapping: Any, entries: Mapping[str, str]) -> None:
    for day in sorted(entries):
        keys = [str(k) for k in mapping]
        position = sum(1 for k in keys if k < day)
        trailing = _take_trailing(mapping) if position == len(keys) else ""
        mapping.insert(position, day, entries[day])
        if trailing:
            _give_trailing(mapping, day, trailing)


def _comment_slot(node: Any) -> tuple[list[Any], int] | None:
    """Where the comment after the last line of `node` is kept: (the item's comment
    list, the slot in it), found by descending into the last entry of block collections."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap) and len(node) and not node.fa.flow_style():
        last = list(node)[-1]
        value = node[last]
        if isinstance(value, CommentedMap | CommentedSeq) and len(value) and not value.fa.flow_style():
            return _comment_slot(value)
        items = node.ca.items.get(last)
        return (items, 2) if items else None
    if isinstance(node, CommentedSeq) and len(node) and not node.fa.flow_style():
        value = node[-1]
        if isinstance(value, CommentedMap | CommentedSeq) and len(value) and not value.fa.flow_style():
            return _comment_slot(value)
        items = node.ca.items.get(len(node) - 1)
        return (items, 0) if items else None
    return None


def _split(items: list[Any] | None, slot: int) -> str:
    """Cut the lines after the first off the comment token at items[slot]; return them."""
    token = items[slot] if items else None
    text: str = token.value if token is not None else ""
    if "\n" not in text.rstrip("\n"):
        return ""
    first, _sep, rest = text.partition("\n")
    assert token is not None
    token.value = first + "\n"
    return rest


def _take_trailing(node: Any) -> str:
    """The comment lines after the last line of `node`, taken off it."""
    slot = _comment_slot(node)
    return _split(*slot) if slot else ""


def _take_own_trailing(parent: Any, key: str) -> str:
    """The comment lines after `parent[key]` when its value is on the key's line."""
    return _split(parent.ca.items.get(key), 2)


def _token(text: str) -> Any:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    return CommentToken(text, CommentMark(0), None)


def _give_trailing(mapping: Any, key: str, lines: str) -> None:
    """Put comment lines after the entry `key` of a block mapping (its last)."""
    value = mapping[key]
    target = _comment_slot(value) if hasattr(value, "ca") else None
    if target is not None:
        items, slot = target
        token = items[slot]
        if token is not None:
            token.value = token.value.rstrip("\n") + "\n" + lines
            return
    mapping.ca.items[key] = [None, None, _token("\n" + lines), None]
