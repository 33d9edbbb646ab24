"""Duplicate cases merged into the case that stays, and merges undone: pure rules.

`casekit merge DUP INTO` writes, in one commit (`Case-Action: merge`):

- on the duplicate, a `merge` entry (`from` its state, `to` its kind's merge state, `case`
  the survivor), and `merged_into: SURVIVOR`;
- on the survivor (`Case-Survivor` trailer), a `merged-from` entry naming the duplicate
  (`case`), holding the duplicate's whole history as it stood, entry by entry and
  unchanged (`entries`), and the open callbacks moved to it (`callbacks`);
- on each moved callback (`Case-Moved` trailer), a `refollow` entry: it now follows the
  survivor (`case`) instead of the duplicate (`previous`).

`casekit unmerge DUP` writes the reverse in one commit (`Case-Action: unmerge`): an
`unmerge` entry on the duplicate (`from` the merge state, `to` the state it was merged
from; `merged_into` goes), an `unmerged` entry on the survivor naming the duplicate and
the time of the `merged-from` entry it undoes (`merged_at`), and a `refollow` entry back
on each callback the merge moved. History is append-only: the `merged-from` entry stays,
undone by the `unmerged` entry after it.

A merge and the unmerge that undoes it are invisible to the clocks (`clock_history`):
the duplicate's deadlines come back exactly as they were. While it stays merged, its
merge state is final, so its clocks stop.

`merge_findings` checks a commit's merge or unmerge across the cases it writes, for the
server's pre-receive hook and `casekit audit`: each file alone is checked by the replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casekit.core.casefile import history_of
from casekit.core.commits import MOVED_ACTION, MOVED_TRAILER, SURVIVOR_TRAILER, CommitRecord
from casekit.core.config import KindSpec
from casekit.core.notes import define
from casekit.core.undo import taken_back
from casekit.i18n import N_, _

MERGE = "merge"
UNMERGE = "unmerge"
MERGED_FROM = "merged-from"
UNMERGED = "unmerged"
REFOLLOW = MOVED_ACTION
MERGED_INTO = "merged_into"
# The state flag in casekit.yaml: `merged: {zh: 已合并, en: Merged, terminal: true, merge: true}`.
MERGE_FLAG = "merge"

# the remark a merge (and its undoing) records when the agent gives no note (core.notes)
MERGED_NOTE = define("duplicates.merged", N_("{case} is the same problem as {into}, merged into it"))
UNMERGED_NOTE = define("duplicates.unmerged", N_("the merge of {case} into {into} undone"))


def merge_state(kind: KindSpec) -> str | None:
    """The kind's state a merged duplicate is closed in (`merge: true`), or None."""
    return next((name for name, spec in kind.states.items() if spec.extra.get(MERGE_FLAG) is True), None)


def is_merge_state(kind: KindSpec, state: str) -> bool:
    spec = kind.states.get(state)
    return spec is not None and spec.extra.get(MERGE_FLAG) is True


def open_merge(history: Sequence[Mapping[str, Any]]) -> int | None:
    """The position of the duplicate's `merge` entry no `unmerge` has undone, or None."""
    found: int | None = None
    for position, entry in enumerate(history):
        action = entry.get("action")
        if action == MERGE:
            found = position
        elif action == UNMERGE:
            found = None
    return found


def is_merged(case: Mapping[str, Any]) -> bool:
    """Whether the case's history leaves it merged into another case."""
    return open_merge(history_of(case)) is not None


def open_merged_from(history: Sequence[Mapping[str, Any]], duplicate: str) -> int | None:
    """The survivor's `merged-from` entry for `duplicate` that no `unmerged` entry undid."""
    found: int | None = None
    for position, entry in enumerate(history):
        if str(entry.get("case")) != duplicate:
            continue
        if entry.get("action") == MERGED_FROM:
            found = position
        elif (
            entry.get("action") == UNMERGED
            and found is not None
            and str(entry.get("merged_at")) == str(history[found].get("at"))
        ):
            found = None
    return found


def undone(history: Sequence[Mapping[str, Any]]) -> set[int]:
    """Positions of the `merge` and `unmerge` entries that cancel out (a merge undone)."""
    positions: set[int] = set()
    pending: int | None = None
    for position, entry in enumerate(history):
        action = entry.get("action")
        if action == MERGE:
            pending = position
        elif action == UNMERGE and pending is not None:
            positions |= {pending, position}
            pending = None
    return positions


def clock_history(history: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], str | None]]:
    """The history as the clocks see it: (entry, the state it enters or None), without the
    merges that were undone, nor the changes an `undo` took back (and the undo itself); a
    merge still in force enters the merge state (a final one)."""
    skipped = undone(history) | taken_back(history)
    seen: list[tuple[Mapping[str, Any], str | None]] = []
    for position, entry in enumerate(history):
        if position in skipped:
            continue
        action = str(entry.get("action"))
        state = entry.get("to") if action in ("open", "move", MERGE) else None
        seen.append((entry, str(state) if state is not None else None))
    return seen


def followed_now(callback: Mapping[str, Any], followed: Sequence[str]) -> list[str]:
    """The cases a callback follows, given those it was opened to follow: each `refollow`
    entry replaces the case it names as `previous` by its `case`."""
    current = list(followed)
    for entry in history_of(callback):
        if entry.get("action") != REFOLLOW:
            continue
        previous, now = str(entry.get("previous")), str(entry.get("case"))
        current = [now if c == previous else c for c in current]
    return list(dict.fromkeys(current))


def moved_callbacks(entry: Mapping[str, Any]) -> list[str]:
    """The callbacks a `merged-from` entry says its merge moved."""
    callbacks = entry.get("callbacks")
    return [str(c) for c in callbacks] if isinstance(callbacks, list) else []


def callbacks_moved_in(case: Mapping[str, Any]) -> list[str]:
    """The callbacks merges moved onto this case and no unmerge took back."""
    history = history_of(case)
    found: list[str] = []
    duplicates = {str(e.get("case")) for e in history if e.get("action") == MERGED_FROM}
    for duplicate in sorted(duplicates):
        position = open_merged_from(history, duplicate)
        found += moved_callbacks(history[position]) if position is not None else []
    return found


# State replayers (`workflow.STATE_REPLAYERS`).
def replay_merge(
    kind: KindSpec, entry: Mapping[str, Any], state: str | None, seen: Sequence[str]
) -> tuple[str | None, list[str]]:
    source, target = entry.get("from"), entry.get("to")
    reasons = []
    if source != state:
        reasons.append(
            _("merges the case from {source!r} but it was {state!r} then").format(source=source, state=state)
        )
    if target is None or not is_merge_state(kind, str(target)):
        reasons.append(
            _("merges the case into {target!r}, which is not the {kind}'s merge state").format(
                target=target, kind=kind.name
            )
        )
    elif state is not None and kind.is_terminal(state):
        reasons.append(
            _("merges the case from {state!r}, a final state: only open cases are merged").format(state=state)
        )
    if not entry.get("case"):
        reasons.append(_("merges the case without naming the case it is merged into ('case')"))
    return (str(target) if target is not None else state), reasons


def replay_unmerge(
    kind: KindSpec, entry: Mapping[str, Any], state: str | None, seen: Sequence[str]
) -> tuple[str | None, list[str]]:
    source, target = entry.get("from"), entry.get("to")
    reasons = []
    if state is None or not is_merge_state(kind, state) or source != state:
        reasons.append(
            _("undoes a merge from {source!r} but the case was {state!r} then").format(
                source=source, state=state
            )
        )
    elif len(seen) < 2 or target != seen[-2]:
        before = seen[-2] if len(seen) >= 2 else None
        reasons.append(
            _("returns the case to {target!r}, but it was merged from {source!r}").format(
                target=target, source=before
            )
        )
    return (str(target) if target is not None else state), reasons


def merge_findings(
    commit: CommitRecord,
    cases: Mapping[str, tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> list[tuple[str, str]]:
    """(case id, message) for each way the commit's merge or unmerge differs from what
    `casekit merge`/`unmerge` writes (rule `merge-cases`). `cases`: every case the commit
    changes, id -> (before, after). Entries of these actions outside such a commit are
    refused too."""
    action = commit.trailer("Case-Action")
    acted = commit.trailer("Case-Id") or ""
    survivors = commit.trailer_values(SURVIVOR_TRAILER)
    moved = commit.trailer_values(MOVED_TRAILER)
    ours = {MERGE, UNMERGE, MERGED_FROM, UNMERGED, REFOLLOW}
    findings: list[tuple[str, str]] = []
    added: dict[str, list[Mapping[str, Any]]] = {}
    for case_id, (before, after) in cases.items():
        old = history_of(before or {})
        new = history_of(after or {})
        added[case_id] = list(new[len(old) :])
    if action not in (MERGE, UNMERGE):
        for case_id, entries in added.items():
            for entry in entries:
                if entry.get("action") in ours:
                    findings.append(
                        (
                            case_id,
                            _(
                                "records a {action!r} entry in a commit that is no merge of "
                                "duplicates; merge cases with `casekit merge DUP INTO` only"
                            ).format(action=entry.get("action")),
                        )
                    )
        return findings
    if len(survivors) != 1:
        return [
            (
                acted,
                _("the {action} commit names {count} surviving cases ({trailer}); it names one").format(
                    action=action, count=len(survivors), trailer=SURVIVOR_TRAILER
                ),
            )
        ]
    survivor = survivors[0]
    dup_before, dup_after = cases.get(acted, (None, None))
    surv_before, surv_after = cases.get(survivor, (None, None))
    if dup_before is None or dup_after is None or surv_before is None or surv_after is None:
        return [
            (
                acted,
                _(
                    "the {action} commit does not change both {duplicate} and {survivor}; casekit writes both"
                ).format(action=action, duplicate=acted, survivor=survivor),
            )
        ]
    if dup_before.get("kind") != surv_before.get("kind"):
        findings.append(
            (
                acted,
                _("is a {kind} merged with a {other}; only cases of one kind merge").format(
                    kind=dup_before.get("kind"), other=surv_before.get("kind")
                ),
            )
        )
    if is_merged(surv_before):
        findings.append(
            (
                survivor,
                _("is itself merged into {case}, so nothing merges into it").format(
                    case=surv_before.get(MERGED_INTO)
                ),
            )
        )
    dup_entries, surv_entries = added.get(acted, []), added.get(survivor, [])
    if len(dup_entries) != 1 or len(surv_entries) != 1:
        return [*findings, (acted, _("the merge adds one entry to the duplicate and one to the survivor"))]
    dup_entry, surv_entry = dup_entries[0], surv_entries[0]
    if str(dup_entry.get("case")) != survivor:
        findings.append(
            (
                acted,
                _("names {case!r} as the case it merges with, not {survivor}").format(
                    case=dup_entry.get("case"), survivor=survivor
                ),
            )
        )
    if str(surv_entry.get("case")) != acted:
        findings.append(
            (
                survivor,
                _("names {case!r} as the duplicate, not {duplicate}").format(
                    case=surv_entry.get("case"), duplicate=acted
                ),
            )
        )
    surv_history = history_of(surv_before)
    if action == MERGE:
        findings += _merge_side(acted, survivor, dup_before, surv_entry, moved, cases)
        expected_back: list[str] = list(moved)
        previous, now = acted, survivor
    else:
        position = open_merged_from(surv_history, acted)
        if position is None:
            return [*findings, (survivor, _("holds no merge of {case} left to undo").format(case=acted))]
        merged = surv_history[position]
        if surv_entry.get("action") != UNMERGED or str(surv_entry.get("merged_at")) != str(merged.get("at")):
            findings.append(
                (
                    survivor,
                    _("does not record an 'unmerged' entry undoing the merge of {case} at {at}").format(
                        case=acted, at=merged.get("at")
                    ),
                )
            )
        dup_history = history_of(dup_before)
        merge_at = open_merge(dup_history)
        if merge_at is None or str(dup_history[merge_at].get("case")) != survivor:
            findings.append((acted, _("is not merged into {case}").format(case=survivor)))
        elif dup_entry.get("to") != dup_history[merge_at].get("from"):
            findings.append(
                (
                    acted,
                    _("returns to {state!r}, but it was merged from {source!r}").format(
                        state=dup_entry.get("to"), source=dup_history[merge_at].get("from")
                    ),
                )
            )
        expected_back = moved_callbacks(merged)
        if sorted(expected_back) != sorted(moved):
            findings.append(
                (
                    acted,
                    _("moves back {moved}, but the merge moved {expected}").format(
                        moved=_(", ").join(moved) or _("no callback"),
                        expected=_(", ").join(expected_back) or _("none"),
                    ),
                )
            )
        previous, now = survivor, acted
    for callback in moved:
        entries = added.get(callback, [])
        if len(entries) != 1 or entries[0].get("action") != REFOLLOW:
            findings.append(
                (
                    callback,
                    _("is moved by the {action} but records no 'refollow' entry").format(action=action),
                )
            )
            continue
        entry = entries[0]
        if str(entry.get("previous")) != previous or str(entry.get("case")) != now:
            findings.append(
                (
                    callback,
                    _(
                        "is to follow {now} instead of {previous}, but its entry says "
                        "{case!r} instead of {recorded!r}"
                    ).format(
                        now=now, previous=previous, case=entry.get("case"), recorded=entry.get("previous")
                    ),
                )
            )
    for case_id in cases:
        if case_id not in (acted, survivor, *moved):
            findings.append(
                (
                    case_id,
                    _(
                        "is changed by the {action} of {case}, which writes only the duplicate, "
                        "the survivor and the callbacks it moves"
                    ).format(action=action, case=acted),
                )
            )
    return findings


def _merge_side(
    acted: str,
    survivor: str,
    dup_before: Mapping[str, Any],
    surv_entry: Mapping[str, Any],
    moved: Sequence[str],
    cases: Mapping[str, tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> list[tuple[str, str]]:
    findings: list[tuple[str, str]] = []
    if surv_entry.get("action") != MERGED_FROM:
        findings.append(
            (
                survivor,
                _("records {action!r}, not a 'merged-from' entry for {case}").format(
                    action=surv_entry.get("action"), case=acted
                ),
            )
        )
    held = surv_entry.get("entries")
    history = [dict(e) for e in history_of(dup_before)]
    if not isinstance(held, list) or [_plain(e) for e in held] != [_plain(e) for e in history]:
        findings.append(
            (
                survivor,
                _(
                    "its merged-from entry does not hold {case}'s {count} history entries "
                    "whole and unchanged, as casekit merge copies them"
                ).format(case=acted, count=len(history)),
            )
        )
    listed = moved_callbacks(surv_entry)
    if sorted(listed) != sorted(moved):
        findings.append(
            (
                survivor,
                _("lists the callbacks {listed} but the commit moves {moved}").format(
                    listed=_(", ").join(listed) or _("none"), moved=_(", ").join(moved) or _("none")
                ),
            )
        )
    for callback in moved:
        before = cases.get(callback, (None, None))[0]
        links = before.get("links") if before is not None else None
        if not isinstance(links, list) or acted not in [str(link) for link in links]:
            findings.append(
                (callback, _("is moved from {case}, which it does not follow").format(case=acted))
            )
    return findings


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if value is None or isinstance(value, (bool, int, float)) else str(value)
