"""`casekit merge` and `casekit unmerge`: one commit each, writing the duplicate, the case
that stays and the callbacks that move between them (`casekit.core.duplicates`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from casekit.codec.yamlio import block_map
from casekit.core import duplicates
from casekit.core.commits import MOVED_TRAILER, SURVIVOR_TRAILER
from casekit.core.effects import apply_entry
from casekit.core.notes import Note
from casekit.core.workflow import describe_state
from casekit.errors import Refused
from casekit.features.callbacks.loop import followed_cases
from casekit.features.callbacks.settings import settings_of
from casekit.i18n import _
from casekit.index.reader import find_case
from casekit.service.actions import Change, Loaded, Outcome, change_together, history_entry
from casekit.service.env import Env
from casekit.store.casefiles import parse_case


def _case_id(env: Env, reference: str) -> str:
    return find_case(env.root, env.config, reference).stem


def _read(env: Env, case_id: str) -> Mapping[str, Any]:
    path = find_case(env.root, env.config, case_id)
    case: Mapping[str, Any] = parse_case(
        env.root, path, path.read_bytes(), max_bytes=env.config.case_file_bytes
    )
    return case


def _open_callbacks_of(env: Env, case: Mapping[str, Any]) -> list[str]:
    """The callbacks still scheduled that follow the case (they link to it both ways)."""
    config = env.config
    callback_kind = settings_of(config).kind
    kind = config.kinds.get(callback_kind)
    if kind is None or case.get("kind") == callback_kind:
        return []
    found = []
    for link in case.get("links") or []:
        other = _read(env, str(link))
        if other.get("kind") != callback_kind or kind.is_terminal(str(other.get("status"))):
            continue
        if str(case["id"]) in followed_cases(other, config, callback_kind):
            found.append(str(other["id"]))
    return found


def _entry(item: Loaded, change: Change, extra: dict[str, Any], *, block: bool = False) -> None:
    entry = history_entry(item.ctx, change, extra)
    apply_entry(item.case, block_map(dict(entry)) if block else entry, block_map)


def merge_cases(env: Env, duplicate: str, into: str, *, note: str | None = None) -> Outcome:
    """Close `duplicate` as merged into `into`: its history copied whole into one
    `merged-from` entry of `into`, its open callbacks moved to `into`; one commit."""
    dup_id, survivor_id = _case_id(env, duplicate), _case_id(env, into)
    if dup_id == survivor_id:
        raise Refused(
            _("{dup_id}: a case cannot be merged into itself; name the case that stays as INTO").format(
                dup_id=dup_id
            )
        )
    callbacks = _open_callbacks_of(env, _read(env, dup_id))

    def mutate(loaded: list[Loaded]) -> list[Change]:
        dup, survivor, moved = loaded[0], loaded[1], loaded[2:]
        _refuse_merge(dup, survivor)
        state = duplicates.merge_state(dup.ctx.kind)
        assert state is not None  # refused above
        source = str(dup.case.get("status"))
        text = note or Note(duplicates.MERGED_NOTE, case=dup_id, into=survivor_id)
        trailers = ((SURVIVOR_TRAILER, survivor_id), *((MOVED_TRAILER, c) for c in callbacks))
        entries = [copy.deepcopy(e) for e in dup.case["history"]]
        change = Change(
            duplicates.MERGE, f"{dup_id}: merged into {survivor_id}", source, state, text, trailers
        )
        _entry(dup, change, {"case": survivor_id})
        kept = Change(duplicates.MERGED_FROM, f"{survivor_id}: merged from {dup_id}", note=text)
        extra: dict[str, Any] = {"case": dup_id, "entries": entries}
        if callbacks:
            extra["callbacks"] = list(callbacks)
        _entry(survivor, kept, extra, block=True)
        return [change, kept, *_refollow(moved, survivor_id, dup_id, text)]

    outcome = change_together(env, [dup_id, survivor_id, *callbacks], mutate)
    moved_text = f"; moved callback {', '.join(callbacks)} to {survivor_id}" if callbacks else ""
    outcome.messages.append(
        _(
            "{dup_id}已合并到{survivor_id} / merged {dup_id} into {survivor_id}{moved_text}; "
            "undo with `casekit unmerge {dup_id}`"
        ).format(dup_id=dup_id, survivor_id=survivor_id, moved_text=moved_text)
    )
    return outcome


def _refollow(callbacks: list[Loaded], case_id: str, previous: str, text: str) -> list[Change]:
    """Each callback now follows `case_id` instead of `previous` (a `refollow` entry)."""
    changes = []
    for item in callbacks:
        change = Change(duplicates.REFOLLOW, f"{item.case['id']}: follows {case_id}", note=text)
        _entry(item, change, {"case": case_id, "previous": previous})
        changes.append(change)
    return changes


def _refuse_merge(dup: Loaded, survivor: Loaded) -> None:
    dup_id, survivor_id = str(dup.case["id"]), str(survivor.case["id"])
    kind = dup.ctx.kind
    if survivor.ctx.kind.name != kind.name:
        raise Refused(
            _(
                "{dup_id}: it is a {dup_kind} and {survivor_id} is a {survivor_kind}; only cases of the "
                "same kind are merged (link them instead: `casekit link`)"
            ).format(
                dup_id=dup_id,
                dup_kind=kind.name,
                survivor_id=survivor_id,
                survivor_kind=survivor.ctx.kind.name,
            )
        )
    if duplicates.merge_state(kind) is None:
        raise Refused(
            _(
                "{dup_id}: the {name} kind has no merge state; add `merged: {{zh: 已合并, en: "
                "Merged, terminal: true, merge: true}}` under kinds.{name}.states in "
                "casekit.yaml"
            ).format(dup_id=dup_id, name=kind.name)
        )
    if duplicates.is_merged(dup.case):
        raise Refused(
            _(
                "{dup_id}: it is already merged into {into}; undo that first with `casekit unmerge {dup_id}`"
            ).format(dup_id=dup_id, into=dup.case.get(duplicates.MERGED_INTO))
        )
    if duplicates.is_merged(survivor.case):
        target = survivor.case.get(duplicates.MERGED_INTO)
        raise Refused(
            _(
                "{survivor_id}: it is itself merged into {target}, so nothing can be merged "
                "into it; merge {dup_id} into {target} instead"
            ).format(survivor_id=survivor_id, target=target, dup_id=dup_id)
        )
    status = str(dup.case.get("status"))
    if kind.is_terminal(status):
        raise Refused(
            _(
                "{dup_id}: it is {state}, a final state; only an open case is merged as a "
                "duplicate (link the two instead: `casekit link`)"
            ).format(dup_id=dup_id, state=describe_state(kind, status))
        )


def unmerge_case(env: Env, duplicate: str, *, note: str | None = None) -> Outcome:
    """Undo the merge of `duplicate`: it returns to the state it was merged from, the
    callbacks the merge moved go back, the survivor records the merge as undone; one commit."""
    dup_id = _case_id(env, duplicate)
    case = _read(env, dup_id)
    history = list(case.get("history") or [])
    position = duplicates.open_merge(history)
    if position is None:
        raise Refused(
            _("{dup_id}: it is not merged into another case, so there is nothing to unmerge").format(
                dup_id=dup_id
            )
        )
    survivor_id = str(history[position].get("case"))
    survivor_case = _read(env, survivor_id)
    survivor_history = list(survivor_case.get("history") or [])
    kept_at = duplicates.open_merged_from(survivor_history, dup_id)
    if kept_at is None:
        raise Refused(
            _("{dup_id}: {survivor_id} holds no merge of it to undo; run `casekit audit`").format(
                dup_id=dup_id, survivor_id=survivor_id
            )
        )
    callbacks = duplicates.moved_callbacks(survivor_history[kept_at])

    def mutate(loaded: list[Loaded]) -> list[Change]:
        dup, survivor, moved = loaded[0], loaded[1], loaded[2:]
        entries = list(dup.case["history"])
        merge_at = duplicates.open_merge(entries)
        if merge_at is None or str(entries[merge_at].get("case")) != survivor_id:
            raise Refused(
                _("{dup_id}: it is no longer merged into {survivor_id}; nothing was changed").format(
                    dup_id=dup_id, survivor_id=survivor_id
                )
            )
        source, target = str(dup.case.get("status")), str(entries[merge_at].get("from"))
        merged_at = survivor.case["history"][kept_at].get("at")
        text = note or Note(duplicates.UNMERGED_NOTE, case=dup_id, into=survivor_id)
        trailers = ((SURVIVOR_TRAILER, survivor_id), *((MOVED_TRAILER, c) for c in callbacks))
        change = Change(
            duplicates.UNMERGE, f"{dup_id}: unmerged from {survivor_id}", source, target, text, trailers
        )
        _entry(dup, change, {"case": survivor_id})
        undone = Change(duplicates.UNMERGED, f"{survivor_id}: unmerged {dup_id}", note=text)
        _entry(survivor, undone, {"case": dup_id, "merged_at": merged_at})
        return [change, undone, *_refollow(moved, dup_id, survivor_id, text)]

    outcome = change_together(env, [dup_id, survivor_id, *callbacks], mutate)
    moved_text = f"; callback {', '.join(callbacks)} follows {dup_id} again" if callbacks else ""
    outcome.messages.append(
        _("{dup_id}已撤销合并 / {dup_id} is no longer merged into {survivor_id}{moved_text}").format(
            dup_id=dup_id, survivor_id=survivor_id, moved_text=moved_text
        )
    )
    return outcome
