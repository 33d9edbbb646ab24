"""Duplicates feature: registers the merge actions, their effects and state replay.

- History actions `merge` and `unmerge` (on the duplicate, changing its state), `merged-from`
  and `unmerged` (on the case that stays) and `refollow` (on a callback moved with them),
  each with its effect (`casekit.core.duplicates`).
- `merged_into` top-level key (the case a duplicate is merged into).
- Replayers for `casekit init --example`: a `merge` entry replays `casekit merge`, an
  `unmerge` entry `casekit unmerge`; the other entries are written by those commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casekit.core import casefile, duplicates, effects, workflow
from casekit.service import init as bootstrap
from casekit.service.env import Env


def _replay_merge(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    from casekit.features.duplicates.service import merge_cases

    merge_cases(env, str(case["id"]), str(entry["case"]), note=entry.get("note"))


def _replay_unmerge(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    from casekit.features.duplicates.service import unmerge_case

    unmerge_case(env, str(case["id"]), note=entry.get("note"))


def _written_by_the_merge(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    """Entries `casekit merge`/`unmerge` write on the other cases of their commit."""
    return None


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    casefile.TOP_LEVEL_KEYS.add(duplicates.MERGED_INTO, before="history")
    for action in (
        duplicates.MERGE,
        duplicates.UNMERGE,
        duplicates.MERGED_FROM,
        duplicates.UNMERGED,
        duplicates.REFOLLOW,
    ):
        casefile.HISTORY_ACTIONS.add(action)
    effects.EFFECTS.add(duplicates.MERGE, duplicates.merge_effect)
    effects.EFFECTS.add(duplicates.UNMERGE, duplicates.unmerge_effect)
    effects.EFFECTS.add(duplicates.MERGED_FROM, duplicates.merged_from_effect)
    effects.EFFECTS.add(duplicates.UNMERGED, effects.no_effect)
    effects.EFFECTS.add(duplicates.REFOLLOW, duplicates.refollow_effect)
    workflow.STATE_REPLAYERS.add(duplicates.MERGE, duplicates.replay_merge)
    workflow.STATE_REPLAYERS.add(duplicates.UNMERGE, duplicates.replay_unmerge)
    bootstrap.REPLAYERS.add(duplicates.MERGE, _replay_merge)
    bootstrap.REPLAYERS.add(duplicates.UNMERGE, _replay_unmerge)
    for action in (duplicates.MERGED_FROM, duplicates.UNMERGED, duplicates.REFOLLOW):
        bootstrap.REPLAYERS.add(action, _written_by_the_merge)
