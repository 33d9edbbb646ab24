"""What each history entry does to the rest of its case: the one home of an action's effect.

An entry records an action with the values it set (`set`, `assignee`, `case`...). Its
effect writes those values into the case. The commands build the entry and apply it with
`apply_entry`; the server's pre-receive and `casekit audit` replay the pushed entries
with the same functions (`casekit.service.replay`), so a commit can change no more than
its entry says. Features add the effects of their actions (`EFFECTS.add`).

Derived data (deadlines, postage, the status a history ends in) is not an effect: it is
recomputed from the case after every change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from casekit.core.casefile import apply_changes, set_top_level
from casekit.core.config import Config, KindSpec
from casekit.core.registry import KeyedRegistry, Registry

# Functions that bring derived data (deadlines, postage, flags) up to date before a case is
# written: pure functions of the case and the config, so the server's replay
# (`casekit.service.replay`) computes exactly what the command wrote. Features add theirs.
Deriver = Callable[[MutableMapping[str, Any], Config, KindSpec], None]
DERIVERS: Registry[Deriver] = Registry("effects.DERIVERS")
# The top-level keys the derivers write (features add theirs with their deriver).
DERIVED_KEYS: Registry[str] = Registry("effects.DERIVED_KEYS")
# What the derivers compute, as a number every casekit commit records in its
# `Case-Derived:` trailer. Raise it whenever a deriver writes something else for the same
# case and config (a new clock rule, a new derived key): the whole-history audit then knows
# that older commits hold what an older casekit derived, and compares only what they record.
DERIVED_VERSION = 2
DERIVED_TRAILER = "Case-Derived"


def derive(case: MutableMapping[str, Any], config: Config, kind: KindSpec) -> None:
    """Bring the case's derived data up to date (every `DERIVERS` entry)."""
    for deriver in DERIVERS:
        deriver(case, config, kind)


# (the case, the entry, how to make a new mapping from a dict) -> None, changing the case in
# place; the commands pass ruamel's block style, the replay plain dicts.
Effect = Callable[[MutableMapping[str, Any], Mapping[str, Any], Callable[..., Any]], None]


def _set_values(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    changes = entry.get("set")
    if isinstance(changes, Mapping):
        apply_changes(case, changes, lambda: mapping({}))


def _move(case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]) -> None:
    _set_values(case, entry, mapping)
    if "to" in entry:
        case["status"] = entry["to"]


def _assign(case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]) -> None:
    if entry.get("assignee") is not None:
        case["assignee"] = entry["assignee"]


def _undo(case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]) -> None:
    """An `undo` entry puts back what the entry it undoes changed: the values it records
    (`set`, `assignee`); undoing a note changes nothing but the history."""
    _set_values(case, entry, mapping)
    _assign(case, entry, mapping)


def _link(case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]) -> None:
    if entry.get("case") is not None:
        add_links(case, [str(entry["case"])])


def no_effect(case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]) -> None:
    """The effect of an entry that only records (a note, a call attempt, a promise)."""
    return None


EFFECTS: KeyedRegistry[Effect] = KeyedRegistry(
    "effects.EFFECTS",
    {
        "move": _move,
        "set": _set_values,
        "assign": _assign,
        "link": _link,
        "note": no_effect,
        "undo": _undo,
    },
)


def add_links(case: MutableMapping[str, Any], others: list[str]) -> None:
    """Link the case to `others` (once each, in order)."""
    links = case.get("links")
    if not isinstance(links, list):
        links = []
        set_top_level(case, "links", links)
    for other in others:
        if other not in links:
            links.append(other)


def apply_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any] = dict
) -> None:
    """Write what `entry` records into the case (not its history). Cases an action opened
    (`opened: [ID]`, e.g. the callback a resolved complaint opens) are linked too."""
    effect = EFFECTS.get(str(entry.get("action")))
    if effect is not None:
        effect(case, entry, mapping)
    opened = entry.get("opened")
    if isinstance(opened, list):
        add_links(case, [str(o) for o in opened])


def has_effect(action: str) -> bool:
    return action in EFFECTS


def apply_entry(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any] = dict
) -> None:
    """Apply the entry's effect and append it to the case's history."""
    apply_effect(case, entry, mapping)
    case["history"].append(entry)
