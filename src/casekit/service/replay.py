"""Replaying a change: the case a commit should have written, worked out with casekit's
own code, compared with the case it did write.

For a changed case file, the entries the change adds are applied to the file as it was,
with the effects the commands themselves apply (`casekit.core.effects`); the status is
where the history ends (`workflow.state_after`); the derived data (deadlines, postage...)
is what the derivers the commands run compute (`effects.DERIVERS`). A new case file is
what its `open` entry records: its fields, its links, its time, its first state. The
pushed file must hold exactly that (comments and layout aside): a note changes only the
history, an update only the fields its entry lists, and nobody writes a deadline by hand.

The server's pre-receive, `casekit audit` and `casekit audit --since` run it for every
changed case file of every commit; the pre-commit hook for the staged ones.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from casekit.core.casefile import OPENING_KEYS, history_of
from casekit.core.change_rules import Replay
from casekit.core.commits import CommitRecord
from casekit.core.config import Config, KindSpec
from casekit.core.effects import DERIVED_KEYS, DERIVED_TRAILER, DERIVED_VERSION, apply_effect, derive
from casekit.core.registry import KeyedRegistry
from casekit.core.workflow import state_after
from casekit.i18n import _

# Values an entry names but does not hold, taken from the pushed case for the replay (and
# checked elsewhere): `attach` names its files, whose records carry the hashes the server
# compares with the pushed files. (expected case, entry, pushed case) -> None.
Supplier = Callable[[MutableMapping[str, Any], Mapping[str, Any], Mapping[str, Any]], None]
SUPPLIED: KeyedRegistry[Supplier] = KeyedRegistry("replay.SUPPLIED")


def expected_case(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    added: Sequence[int],
    config: Config,
    kind: KindSpec,
) -> dict[str, Any]:
    """The case casekit writes when it makes the change `before` -> `after`, whose history
    gains the entries at positions `added` (`before` None: the case is new)."""
    history = [dict(e) for e in history_of(after)]
    if before is None:
        expected = _opened(after, history)
    else:
        expected = copy.deepcopy(dict(before))
        expected["history"] = history
        first = min(added) if added else len(history)
        for entry in history[first:]:  # later entries again: a merged history keeps time order
            apply_effect(expected, entry)
            supply = SUPPLIED.get(str(entry.get("action")))
            if supply is not None:
                supply(expected, entry, after)
    status = state_after(kind, history)
    if status is not None:
        expected["status"] = status
    derive(expected, config, kind)
    return expected


def _opened(after: Mapping[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    opening = history[0] if history else {}
    expected: dict[str, Any] = {key: copy.deepcopy(after[key]) for key in OPENING_KEYS if key in after}
    expected["history"] = history
    expected["status"] = opening.get("to")
    expected["opened_at"] = opening.get("at")
    recorded = opening.get("set")
    expected["fields"] = dict(recorded) if isinstance(recorded, Mapping) else {}
    links = opening.get("links")
    expected["links"] = list(links) if isinstance(links, list) else []
    return expected


def replay_differences(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    added: Sequence[int],
    config: Config,
    kind: KindSpec,
    *,
    derived: bool = True,
) -> list[str]:
    """The keys (dotted, e.g. `fields.compensation`) where the pushed case differs from
    what casekit writes for the change, each with both values; empty when they agree.
    `derived` False leaves out the derived keys (`effects.DERIVED_KEYS`): a commit an
    older casekit made holds what that casekit derived."""
    try:
        expected = _plain(expected_case(before, after, added, config, kind))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return [_("the change cannot be replayed ({problem})").format(problem=exc)]
    return replay_differences_between(expected, after, derived=derived)


def replayer(config: Config, *, derived: bool = True) -> Replay:
    """The replay rule (`change_rules.check_case_change`'s `replay`) for changes checked
    against `config` (`derived`: see `replay_differences`)."""

    def replay(
        before: Mapping[str, Any] | None, after: Mapping[str, Any], added: Sequence[int], kind: KindSpec
    ) -> list[str]:
        return replay_differences(before, after, added, config, kind, derived=derived)

    return replay


def replay_differences_between(expected: Any, actual: Any, *, derived: bool = True) -> list[str]:
    """Where case data `actual` differs from `expected` (both as loaded from YAML); without
    the derived keys when `derived` is False."""
    expected, actual = _plain(expected), _plain(actual)
    if not derived and isinstance(expected, dict) and isinstance(actual, dict):
        for key in DERIVED_KEYS:
            expected.pop(key, None)
            actual.pop(key, None)
    return _differences(expected, actual, "")


def derived_by_this_version(commit: CommitRecord) -> bool:
    """Whether the commit's derived data is what this casekit derives (its trailer)."""
    return commit.trailer(DERIVED_TRAILER) == str(DERIVED_VERSION)


def _plain(data: Any) -> Any:
    """The data as YAML holds it, so values compare by what is written, not by type:
    mappings as dicts, sequences as lists, amounts as numbers, times as ISO text."""
    if isinstance(data, Mapping):
        return {str(key): _plain(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(value) for value in data]
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, Decimal):
        return float(data)
    if isinstance(data, (datetime, date)):
        return data.isoformat()
    if isinstance(data, str):
        return str(data)  # ruamel's scalar strings compare as plain ones
    return data


def _text(value: Any) -> str:
    if value is None:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _differences(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        found = []
        for key in list(dict.fromkeys([*expected, *actual])):
            if key == "history" and not where:
                continue  # entries are judged by the history rules
            path = f"{where}.{key}" if where else str(key)
            if key not in actual:
                found.append(
                    _("{key} is missing (casekit writes {expected})").format(
                        key=path, expected=_text(expected[key])
                    )
                )
            elif key not in expected:
                found.append(
                    _("{key} is {actual}, which no entry sets").format(key=path, actual=_text(actual[key]))
                )
            else:
                found += _differences(expected[key], actual[key], path)
        return found
    if expected != actual:
        return [
            _("{key} is {actual} but casekit writes {expected}").format(
                key=where, actual=_text(actual), expected=_text(expected)
            )
        ]

    return []
