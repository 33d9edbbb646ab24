"""Duplicates feature: registers the merge actions, their effects and state replay.

- History actions `merge` and `unmerge` (on the duplicate, changing its state), `merged-from`
  and `unmerged` (on the case that stays) and `refollow` (on a callback moved with them),
  each with its effect (here; the rules are `casekit.core.duplicates`).
- `merged_into` top-level key (the case a duplicate is merged into).
- Replayers for `casekit init --example`: a `merge` entry replays `casekit merge`, an
  `unmerge` entry `casekit unmerge`; the other entries are written by those commands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from casekit.core import casefile, duplicates, effects, workflow
from casekit.service import init as bootstrap
from casekit.service.env import Env


# History effects (`effects.EFFECTS`).
def merge_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    if "to" in entry:
        case["status"] = entry["to"]
    if entry.get("case") is not None:
        casefile.set_top_level(case, duplicates.MERGED_INTO, str(entry["case"]))


def unmerge_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    if "to" in entry:
        case["status"] = entry["to"]
    if duplicates.MERGED_INTO in case:
        del case[duplicates.MERGED_INTO]


def merged_from_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    """The survivor links to the callbacks moved to it (they link back, `refollow`)."""
    if callbacks := duplicates.moved_callbacks(entry):
        effects.add_links(case, callbacks)


def refollow_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    if entry.get("case") is not None:
        effects.add_links(case, [str(entry["case"])])


def _replay_merge(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    from casekit.features.duplicates.service import merge_cases

    merge_cases(env, str(case["id"]), str(entry["case"]), note=entry.get("note"))


def _replay_unmerge(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    from casekit.features.duplicates.service import unmerge_case

    unmerge_case(env, str(case["id"]), note=entry.get("note"))


def _written_by_the_merge(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    """Entries `casekit merge`/`unmerge` write on the other cases of their commit."""
    return None


HISTORY = "history"  # the top-level keys go before it


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    casefile.TOP_LEVEL_KEYS.add(duplicates.MERGED_INTO, before=HISTORY)
    for action in (
        duplicates.MERGE,
        duplicates.UNMERGE,
        duplicates.MERGED_FROM,
        duplicates.UNMERGED,
        duplicates.REFOLLOW,
    ):
        casefile.HISTORY_ACTIONS.add(action)
    effects.EFFECTS.add(duplicates.MERGE, merge_effect)
    effects.EFFECTS.add(duplicates.UNMERGE, unmerge_effect)
    effects.EFFECTS.add(duplicates.MERGED_FROM, merged_from_effect)
    effects.EFFECTS.add(duplicates.UNMERGED, effects.no_effect)
    effects.EFFECTS.add(duplicates.REFOLLOW, refollow_effect)
    workflow.STATE_REPLAYERS.add(duplicates.MERGE, duplicates.replay_merge)
    workflow.STATE_REPLAYERS.add(duplicates.UNMERGE, duplicates.replay_unmerge)
    bootstrap.REPLAYERS.add(duplicates.MERGE, _replay_merge)
    bootstrap.REPLAYERS.add(duplicates.UNMERGE, _replay_unmerge)
    for action in (duplicates.MERGED_FROM, duplicates.UNMERGED, duplicates.REFOLLOW):
        bootstrap.REPLAYERS.add(action, _written_by_the_merge)
