"""The `resolve` history action: how a conflict between two clones' moves was settled.

Written by `casekit resolve-conflict`, one entry in one commit, after the other clone's
entries. It records everything neither side may lose:

```yaml
- at: 2026-11-23T11:00:00+08:00
  by: wang.fang
  action: resolve
  from: investigating          # the state the remote's moves left the case in
  to: rejected                 # the state after the moves this clone kept
  kept: [{at: ..., by: wang.fang, action: move, from: assessing, to: rejected, ...}]
  overrides: [{at: ..., by: li.na, action: move, from: assessing, to: investigating}]
  remark: {note: sync.kept-local, ours: assessing -> rejected, theirs: assessing -> investigating}
```

With `--keep theirs` the entry has no `from`/`to`, and this clone's entries are kept, word
for word, under `discarded`. Replaying the history, a `resolve` entry is valid when it
starts from the state the case was in, and the moves it keeps are allowed by the workflow,
follow one another and start from a state the case was in before the conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from itertools import pairwise
from typing import Any

from casekit.core.casefile import HISTORY_ACTIONS
from casekit.core.config import Config, KindSpec
from casekit.core.effects import EFFECTS, apply_effect
from casekit.core.notes import define
from casekit.core.workflow import STATE_REPLAYERS, transition_rule
from casekit.i18n import N_, _

RESOLVE = "resolve"


def _sides(values: Mapping[str, Any], config: Config | None) -> dict[str, str]:
    """Each side's moves (`assessing -> rejected, ...`), or words for a side without any."""
    return {side: str(values.get(side) or _("its entries")) for side in ("ours", "theirs")}


# the remark of a `resolve` entry (casekit.core.notes): which side's change was kept
KEPT_REMOTE_NOTE = define(
    "sync.kept-remote",
    N_(
        "conflict resolved: kept the remote's change ({theirs}); "
        "this clone's entries ({ours}) are recorded here, not applied"
    ),
    _sides,
)
KEPT_LOCAL_NOTE = define(
    "sync.kept-local",
    N_("conflict resolved: kept this clone's change ({ours}) over the remote's ({theirs})"),
    _sides,
)


def kept_moves(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    kept = entry.get("kept")
    if not isinstance(kept, list):
        return []
    return [e for e in kept if isinstance(e, Mapping) and e.get("action") == "move"]


def replay_resolve(
    kind: KindSpec, entry: Mapping[str, Any], state: str | None, seen: Sequence[str]
) -> tuple[str | None, list[str]]:
    reasons: list[str] = []
    for key in ("kept", "discarded", "overrides"):
        if key in entry and not isinstance(entry[key], list):
            reasons.append(_("has '{key}' that is not a list of history entries").format(key=key))
    moves = kept_moves(entry)
    if "to" not in entry:
        if moves:
            reasons.append(_("keeps moves but records no 'to' state"))
        return state, reasons
    source, target = entry.get("from"), entry.get("to")
    if source != state:
        reasons.append(
            _("resolves a conflict from {source} but the case was {state} then").format(
                source=repr(source), state=repr(state)
            )
        )
    if not moves:
        if source != target:
            reasons.append(_("changes the state without keeping any move"))
        return target, reasons
    first = moves[0].get("from")
    if first not in seen:
        reasons.append(
            _("keeps a move from {state}, a state the case was never in").format(state=repr(first))
        )
    for move in moves:
        if transition_rule(kind, str(move.get("from")), str(move.get("to"))) is None:
            reasons.append(
                _("keeps the move {source} -> {target}, which the workflow does not allow").format(
                    source=move.get("from"), target=move.get("to")
                )
            )
    for earlier, later in pairwise(moves):
        if earlier.get("to") != later.get("from"):
            reasons.append(
                _("keeps moves that do not follow one another ({earlier} then {later})").format(
                    earlier=earlier.get("to"), later=later.get("from")
                )
            )
    if moves[-1].get("to") != target:
        reasons.append(
            _("ends in {target} but the moves it keeps end in {last}").format(
                target=repr(target), last=repr(moves[-1].get("to"))
            )
        )

    return target, reasons


def resolve_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    """`effects.EFFECTS` entry: the entries a resolution keeps take effect (those it
    discards do not); the state is the one its `to` names."""
    kept = entry.get("kept")
    for recorded in kept if isinstance(kept, list) else []:
        if isinstance(recorded, Mapping):
            apply_effect(case, recorded, mapping)
    if "to" in entry:
        case["status"] = entry["to"]


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    EFFECTS.add(RESOLVE, resolve_effect)
    HISTORY_ACTIONS.add(RESOLVE)
    STATE_REPLAYERS.add(RESOLVE, replay_resolve)
