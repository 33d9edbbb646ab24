"""Notes casekit writes into a case's history itself, such as why a change needed a
supervisor's approval: stored as a key and the values it names, so that the file reads
the same whatever language its writer spoke, and shown in the reader's language.

    approval:
    - {note: returns.quality-claim-late, days: 4, allowed: 3}

A history entry's own note from casekit (a callback opened by a plan, a merge of
duplicates) is its `remark`, a note of the same shape; a person's words stay in `note`.
The commit that records the entry carries it as a `Case-Remark:` trailer (JSON), so the
server can check it as it checks a note against the commit's text:

    - {at: ..., by: li.na, action: merge, ..., remark: {note: duplicates.merged, case: C-1, into: C-2}}

A feature defines each note once (`define`, with the English template marked `N_()`);
its rules return `Note(key, values...)`, a str holding the text in the reader's language
(what a refusal prints), whose `record()` is what the history keeps. `text` shows a stored
note; files written before notes were keys hold the English prose, shown as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from casekit.core.config import Config
from casekit.i18n import _

NOTE_KEY = "note"
# the history entry's field for casekit's own note, and the commit trailer carrying it
REMARK_KEY = "remark"
REMARK_TRAILER = "Case-Remark"

# values a note shows besides those it stores, found in the config (a rule's label)
Filler = Callable[[Mapping[str, Any], Config | None], Mapping[str, Any]]
_TEMPLATES: dict[str, str] = {}
_FILLERS: dict[str, Filler] = {}


def define(key: str, template: str, fill: Filler | None = None) -> str:
    """Define the note `key` (its English template, marked `N_()`); returns the key."""
    if _TEMPLATES.get(key, template) != template:
        raise ValueError(key)  # two notes under one key
    _TEMPLATES[key] = template
    if fill is not None:
        _FILLERS[key] = fill
    return key


class Note(str):
    """A note as text in the reader's language, with the key and values it is stored as."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, config: Config | None = None, **values: Any) -> Note:
        note = super().__new__(cls, _render(key, values, config))
        note.key = key
        note.values = dict(values)
        return note

    def record(self) -> dict[str, Any]:
        return {NOTE_KEY: self.key, **self.values}


def records(reasons: Sequence[str]) -> list[Any]:
    """What the history keeps for these reasons: each note's key and values (any other
    reason as its text)."""
    return [reason.record() if isinstance(reason, Note) else str(reason) for reason in reasons]


def remark_trailer(note: Note) -> tuple[str, str]:
    """The commit trailer recording `note` as an entry's remark: its key and values as JSON."""
    return REMARK_TRAILER, json.dumps(note.record(), ensure_ascii=False, separators=(", ", ": "))


def read_remark(value: str | None) -> dict[str, Any] | None:
    """The remark a `Case-Remark:` trailer records (None when there is none or it is not
    a keyed note)."""
    if value is None:
        return None
    try:
        stored = json.loads(value)
    except ValueError:
        return None
    return stored if isinstance(stored, dict) and is_note(stored) else None


def is_note(stored: Any) -> bool:
    """Whether `stored` is a keyed note (a mapping naming its `note`)."""
    return isinstance(stored, Mapping) and isinstance(stored.get(NOTE_KEY), str)


def text(stored: Any, config: Config | None = None) -> str:
    """A stored note (or a list of them) in the reader's language; prose as it is."""
    if isinstance(stored, list):
        return "; ".join(text(item, config) for item in stored)
    if is_note(stored):
        values = {str(k): v for k, v in stored.items() if k != NOTE_KEY}
        return _render(str(stored[NOTE_KEY]), values, config)
    return "" if stored is None else str(stored)


def _render(key: str, values: Mapping[str, Any], config: Config | None) -> str:
    if key not in _TEMPLATES:
        from casekit.core.registry import load_features

        load_features()  # the features define their notes when they are loaded
    template = _TEMPLATES.get(key)
    if template is None:  # a note of a feature this casekit does not have
        shown = ", ".join(f"{name}: {value}" for name, value in values.items())
        return f"{key} ({shown})" if shown else key
    filler = _FILLERS.get(key)
    filled = {**values, **(filler(values, config) if filler else {})}
    try:
        return _(template).format(**filled)
    except (KeyError, IndexError, ValueError):
        return template.format_map(_Keep(filled))


class _Keep(dict[str, Any]):
    """A translation that names a value the note lacks: the English template, gaps kept."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"
