"""The survey loop, pure: what a case's history says of the callbacks it opened, which case
a callback followed, who handled a case, and what a callback's result writes onto the case
it followed (a `survey` entry, `casekit.core.commits.UPDATED_ACTION`).

A case that reaches a trigger state opens its callback (`opened: [B-...]` in that move's
entry); when the callback ends (completed, unreachable, cancelled), the same commit adds a
`survey` entry to the case it followed, naming the callback (`case`), how it ended
(`result`) and the answers the case's kind has fields for (`set`: satisfaction,
suggestions). So the case alone says whether its callback is still open: the close guard
reads it here, in the commands and on the server alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casekit.core.casefile import fields_of, history_of
from casekit.core.commits import UPDATED_ACTION
from casekit.core.config import Config, KindSpec
from casekit.core.duplicates import callbacks_moved_in, followed_now
from casekit.core.ids import parse_id

# The answers a callback's result copies onto the case it followed, where its kind has them.
SURVEY_FIELDS = ("satisfaction", "suggestions")


def kind_of_id(config: Config, case_id: str) -> str | None:
    parsed = parse_id(case_id)
    kind = config.kind_for_prefix(parsed.prefix) if parsed else None
    return kind.name if kind else None


def callbacks_opened(case: Mapping[str, Any], config: Config, callback_kind: str) -> list[str]:
    """The callbacks the case's own moves opened (`opened: [ID]`), oldest first, and those
    a merge of a duplicate moved onto it (`casekit.core.duplicates.callbacks_moved_in`)."""
    found: list[str] = []
    for entry in history_of(case):
        opened = entry.get("opened")
        if entry.get("action") == UPDATED_ACTION or not isinstance(opened, list):
            continue
        found += [str(o) for o in opened if kind_of_id(config, str(o)) == callback_kind]
    found += [c for c in callbacks_moved_in(case) if kind_of_id(config, c) == callback_kind]
    return list(dict.fromkeys(found))


def callbacks_ended(case: Mapping[str, Any]) -> set[str]:
    """The callbacks whose end a `survey` entry of the case records."""
    return {str(e.get("case")) for e in history_of(case) if e.get("action") == UPDATED_ACTION}


def open_callbacks(case: Mapping[str, Any], config: Config, callback_kind: str) -> list[str]:
    """The callbacks the case opened that have not ended yet (still scheduled)."""
    ended = callbacks_ended(case)
    return [c for c in callbacks_opened(case, config, callback_kind) if c not in ended]


def followed_cases(callback: Mapping[str, Any], config: Config, callback_kind: str) -> list[str]:
    """The cases a callback follows: those it was opened linked to (its `open` entry's
    links), other than callbacks, each replaced by the case a merge moved it to."""
    history = history_of(callback)
    links = history[0].get("links") if history else None
    if not isinstance(links, list):
        return []
    opened = [str(c) for c in links if kind_of_id(config, str(c)) not in (None, callback_kind)]
    return followed_now(callback, opened)  # a merge of duplicates moves it to the case that stays


def handler_of(case: Mapping[str, Any]) -> str | None:
    """The agent who handled the case: its assignee before its first escalation (the last
    reassignment before it, else who escalated it), or its assignee when never escalated."""
    assignee: str | None = None
    for entry in history_of(case):
        action = entry.get("action")
        if action == "assign" and entry.get("assignee"):
            assignee = str(entry["assignee"])
        elif action == "escalate":
            return assignee or (str(entry["by"]) if entry.get("by") else None)
    current = case.get("assignee")
    return str(current) if current else None


def escalated_to(case: Mapping[str, Any]) -> str | None:
    """Who the case was last escalated to (None: never escalated)."""
    found = [e.get("escalated_to") for e in history_of(case) if e.get("action") == "escalate"]
    return str(found[-1]) if found and found[-1] else None


def survey_record(callback: Mapping[str, Any], target: KindSpec) -> dict[str, Any]:
    """What the callback's end writes onto a case of kind `target` it followed: `result`
    (the state it ended in) and, under `set`, the answers `target` has fields for."""
    record: dict[str, Any] = {"result": str(callback.get("status"))}
    answers = fields_of(callback)
    values: dict[str, Any] = {}
    for name in SURVEY_FIELDS:
        value = answers.get(name)
        spec = target.fields.get(name)
        if value in (None, "") or spec is None or (spec.values and value not in spec.values):
            continue
        values[name] = value
    if values:
        record["set"] = values
    return record


def value_label(kind: KindSpec | None, name: str, value: Any) -> str:
    """The Chinese label of an enum value (不满意, not dissatisfied); other values as text."""
    spec = kind.fields.get(name) if kind is not None else None
    if spec is not None and isinstance(value, str) and value in spec.values:
        return spec.values[value].zh
    return str(value)
