"""Two clones changed the same case: merge their versions, or settle the conflict.

`merge_case` is what git's merge driver for case files runs (during `casekit sync`'s
rebase, and during any merge). It takes the common ancestor and both versions, and:
- merges the two histories by time: every entry either side recorded, once, oldest first
  (an entry one side removed stays removed);
- merges the other keys three ways: a key only one side changed takes that side's value;
  a key both changed takes the value of the side whose last entry is later (its history
  entry still records the other value); `links` are united;
- replays the merged history through the workflow, sets `status` to where it ends, and
  checks the result with every case check and every guard.
A valid result is the merge. Otherwise (typically: both sides moved the case) the result
is a conflict that names the case and both moves; `resolve_case` then settles it by
keeping one side's moves, recording the other side's entries word for word in one
`resolve` entry (see `casekit.service.resolution`), so nothing either clone recorded is lost.

Pure: bytes in, bytes out; the config and the labels of the sides are arguments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from casekit.codec.yamlio import (
    YamlSyntaxError,
    block_map,
    dump_round_trip,
    flow_map,
    load_fast,
    load_round_trip,
)
from casekit.core.casefile import ordered_keys
from casekit.core.change_rules import Mover, check_added_entries, describe_entry, entry_key
from casekit.core.config import Config
from casekit.core.effects import derive
from casekit.core.notes import REMARK_KEY, Note
from casekit.core.timeutil import stored_instant
from casekit.core.validation import check_case, parse_doc
from casekit.core.workflow import STATE_CHANGING_ACTIONS, STATE_REPLAYERS, replay_states, state_after
from casekit.i18n import _
from casekit.service.resolution import KEPT_LOCAL_NOTE, KEPT_REMOTE_NOTE

_MISSING: Any = object()


@dataclass(frozen=True)
class MergeResult:
    case_id: str
    content: bytes | None  # the merged file, or None on a conflict
    conflict: str = ""  # one sentence naming the case and what clashed


class Unmergeable(ValueError):
    """A version that cannot take part in a merge (not YAML, not a case)."""


def _load(raw: bytes | None, label: str, path: str) -> tuple[Mapping[str, Any], Any]:
    if raw is None:
        return {}, None
    try:
        plain = load_fast(raw)
        rich = load_round_trip(raw.decode("utf-8"))
    except (YamlSyntaxError, UnicodeDecodeError) as exc:
        raise Unmergeable(
            _("{path}: {side}'s version is not valid YAML ({problem})").format(
                path=path, side=label, problem=exc
            )
        ) from None
    if not isinstance(plain, Mapping):
        raise Unmergeable(_("{path}: {side}'s version is not a case file").format(path=path, side=label))
    return plain, rich


def _entries(data: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """(position in the raw list, entry) for each mapping in a case's history."""
    raw = data.get("history") if isinstance(data, Mapping) else None
    if not isinstance(raw, list):
        return []
    return [(i, e) for i, e in enumerate(raw) if isinstance(e, Mapping)]


def new_entries(base: Mapping[str, Any], side: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """Entries of `side` that `base` does not have (counting repeats)."""
    remaining = Counter(entry_key(e) for _, e in _entries(base))
    found = []
    for position, entry in _entries(side):
        key = entry_key(entry)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            found.append((position, entry))
    return found


def _instant(entry: Mapping[str, Any]) -> datetime:
    moment = stored_instant(entry.get("at"))
    if moment is None:
        raise Unmergeable(_("history entry ({entry}) has no valid time").format(entry=describe_entry(entry)))
    return moment


def merge_histories(
    base: Mapping[str, Any], ours: Mapping[str, Any], theirs: Mapping[str, Any]
) -> list[tuple[str, int]]:
    """The merged history as (side, raw position) pairs, side "ours" or "theirs", by time."""
    base_count = Counter(entry_key(e) for _, e in _entries(base))
    ours_list, theirs_list = _entries(ours), _entries(theirs)
    removed_by_ours = base_count - Counter(entry_key(e) for _, e in ours_list)
    removed_by_theirs = base_count - Counter(entry_key(e) for _, e in theirs_list)
    chosen: list[tuple[datetime, str, int]] = []
    from_ours: Counter[str] = Counter()
    for position, entry in ours_list:
        key = entry_key(entry)
        if removed_by_theirs[key] > 0:
            removed_by_theirs[key] -= 1
            continue
        from_ours[key] += 1
        chosen.append((_instant(entry), "ours", position))
    for position, entry in theirs_list:
        key = entry_key(entry)
        if from_ours[key] > 0:
            from_ours[key] -= 1
        elif removed_by_ours[key] > 0:
            removed_by_ours[key] -= 1
        else:
            chosen.append((_instant(entry), "theirs", position))
    chosen.sort(key=lambda item: item[0])  # stable: on a tie, ours first
    return [(side, position) for _, side, position in chosen]


def merge_values(base: Any, ours: Any, theirs: Any, prefer_theirs: bool) -> Any:
    """Three-way merge of plain values; `_MISSING` stands for an absent key."""
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if all(isinstance(v, Mapping) for v in (ours, theirs)):
        base_map = base if isinstance(base, Mapping) else {}
        merged = {}
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            value = merge_values(
                base_map.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING), prefer_theirs
            )
            if value is not _MISSING:
                merged[key] = value
        return merged
    if isinstance(ours, list) and isinstance(theirs, list) and _hashable(ours, theirs, base):
        base_list = base if isinstance(base, list) else []
        kept = [x for x in ours if not (x in base_list and x not in theirs)]
        return kept + [x for x in theirs if x not in ours and x not in base_list]
    return theirs if prefer_theirs else ours


def _hashable(*lists: Any) -> bool:
    return all(isinstance(x, str | int) for items in lists if isinstance(items, list) for x in items)


def _state_changes(entries: Sequence[tuple[int, Mapping[str, Any]]]) -> list[Mapping[str, Any]]:
    return [
        e
        for _, e in entries
        if "to" in e and (e.get("action") in STATE_CHANGING_ACTIONS or e.get("action") in STATE_REPLAYERS)
    ]


def _moves_text(label: str, moves: Sequence[Mapping[str, Any]]) -> str:
    steps = _(", then ").join(
        f"{m.get('from')} -> {m.get('to')} ({m.get('by')}, {m.get('at')})" for m in moves
    )
    return _("{side} moved it {steps}").format(side=label, steps=steps)


def merge_case(
    path: str,
    base: bytes | None,
    ours: bytes,
    theirs: bytes,
    config: Config,
    *,
    ours_label: str = "ours",
    theirs_label: str = "theirs",
) -> MergeResult:
    """Merge two versions of one case file (see the module's docstring)."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    try:
        base_data, _base_rich = _load(base, _("the common ancestor"), path)
        ours_data, ours_rich = _load(ours, ours_label, path)
        theirs_data, theirs_rich = _load(theirs, theirs_label, path)
        order = merge_histories(base_data, ours_data, theirs_data)
    except Unmergeable as exc:
        return MergeResult(stem, None, str(exc))
    case_id = str(ours_data.get("id") or theirs_data.get("id") or stem)
    ours_new, theirs_new = new_entries(base_data, ours_data), new_entries(base_data, theirs_data)
    entries = {"ours": dict(_entries(ours_data)), "theirs": dict(_entries(theirs_data))}
    history = [entries[side][position] for side, position in order]
    kind = config.kinds.get(str(ours_data.get("kind")))
    if kind is None:
        return MergeResult(
            case_id,
            None,
            _("{case}: unknown kind {kind}; cannot replay it").format(
                case=case_id, kind=repr(ours_data.get("kind"))
            ),
        )
    replay = replay_states(kind, history)
    if replay:
        ours_moves, theirs_moves = _state_changes(ours_new), _state_changes(theirs_new)
        if ours_moves and theirs_moves:
            clash = _("{ours}, and {theirs}").format(
                ours=_moves_text(ours_label, ours_moves), theirs=_moves_text(theirs_label, theirs_moves)
            )
        else:
            clash = _("the merged history does not replay: {problem}").format(problem=replay[0][1])
        return MergeResult(
            case_id,
            None,
            _("{case}: both clones changed the case: {clash}").format(case=case_id, clash=clash),
        )

    prefer_theirs = _last_instant(theirs_new) >= _last_instant(ours_new)
    rest = merge_values(
        _without_history(base_data), _without_history(ours_data), _without_history(theirs_data), prefer_theirs
    )
    rest["status"] = state_after(kind, history)
    rich = ours_rich
    _apply(rich, rest, theirs_rich)
    sources = {"ours": ours_rich["history"], "theirs": theirs_rich["history"]}
    merged_history = [sources[side][position] for side, position in order]
    target = rich["history"]
    del target[:]
    target.extend(merged_history)
    derive(rich, config, kind)  # deadlines and postage of the merged history, as a command writes them
    _reorder(rich)
    content = dump_round_trip(rich).encode("utf-8")

    problem = _new_problem(path, content, (ours, theirs), config, base_data, ours_label, theirs_label)
    if problem:
        return MergeResult(
            case_id,
            None,
            _("{case}: the merged case breaks a rule: {problem}").format(case=case_id, problem=problem),
        )
    return MergeResult(case_id, content)


def merged_content(
    path: str, base: bytes | None, ours: bytes, theirs: bytes, config: Config
) -> tuple[bytes | None, str]:
    """`merge_case` as the server's merge check takes it: (merged bytes or None, conflict)."""
    result = merge_case(path, base, ours, theirs, config)
    return result.content, result.conflict


def _last_instant(entries: Sequence[tuple[int, Mapping[str, Any]]]) -> datetime:
    instants = [_instant(e) for _, e in entries]
    return max(instants) if instants else datetime.min.replace(tzinfo=UTC)


def _without_history(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "history"}


def _apply(rich: Any, merged: Mapping[str, Any], donor: Any) -> None:
    """Make round-trip mapping `rich` hold `merged`, reusing `donor`'s nodes (and so their
    formatting) where they carry the merged value."""
    for key in [k for k in rich if k not in merged and k != "history"]:
        del rich[key]
    for key, value in merged.items():
        current = rich.get(key, _MISSING) if isinstance(rich, Mapping) else _MISSING
        if current is not _MISSING and _same(current, value):
            continue
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            _apply(current, value, donor.get(key) if isinstance(donor, Mapping) else None)
            continue
        offered = donor.get(key, _MISSING) if isinstance(donor, Mapping) else _MISSING
        if offered is not _MISSING and _same(offered, value):
            rich[key] = offered
        else:
            rich[key] = _rich(value)


def _same(rich: Any, plain: Any) -> bool:
    return entry_key(rich) == entry_key(plain)


def _rich(value: Any) -> Any:
    if isinstance(value, Mapping):
        return block_map({k: _rich(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_rich(v) for v in value]
    return value


def _reorder(case: Any) -> None:
    items = [(k, case[k]) for k in ordered_keys(case)]
    for key, _value in items:
        del case[key]
    for key, value in items:
        case[key] = value


def _new_problem(
    path: str,
    content: bytes,
    sides: Sequence[bytes],
    config: Config,
    base_data: Mapping[str, Any],
    ours_label: str,
    theirs_label: str,
) -> str | None:
    """The first problem of the merged file that neither side had, case checks and guards."""
    doc, syntax = parse_doc(path, content)
    if doc is None:  # pragma: no cover - our own dump is always YAML
        return syntax[0].message if syntax else _("not a case file")
    known: set[str] = set()
    for raw in sides:
        side_doc, _syntax = parse_doc(path, raw)
        if side_doc is not None:
            known |= {p.message for p in check_case(side_doc, config)}
    for problem in check_case(doc, config):
        if problem.message not in known:
            return problem.message
    kind = config.kinds[str(doc.data.get("kind"))]
    added = [position for position, _ in new_entries(base_data, doc.data)]

    def actor_for(entry: Mapping[str, Any]) -> Mover:
        person = config.person(str(entry.get("by")))
        return Mover(person.login, person.roles) if person else Mover(str(entry.get("by")), ())

    findings, _notes = check_added_entries(doc, kind, added, config, actor_for)
    return findings[0].message if findings else None


@dataclass(frozen=True)
class Resolution:
    case_id: str
    content: bytes
    source: str | None  # the state before the resolution (None: no state change recorded)
    target: str | None
    note: str
    subject: str


def resolve_case(
    path: str,
    base: bytes | None,
    local: bytes,
    remote: bytes,
    *,
    keep: str,
    actor_login: str,
    stamp: str,
    config: Config,
) -> Resolution:
    """Settle a conflict on top of the remote's version (which is already shared and so
    cannot change): `keep="theirs"` keeps the remote's state and records this clone's new
    entries under `discarded`; `keep="ours"` moves the case to this clone's state, keeping
    this clone's entries (and field values) and naming the remote's moves it overrides.
    Raises Unmergeable when a version cannot be read."""
    base_data, _base_rich = _load(base, _("the common ancestor"), path)
    local_data, _local_rich = _load(local, _("this clone"), path)
    remote_data, remote_rich = _load(remote, _("the remote"), path)
    case_id = str(remote_data.get("id") or local_data.get("id"))
    remote_keys = Counter(entry_key(e) for _, e in _entries(remote_data))
    local_new = []
    for _position, recorded in new_entries(base_data, local_data):
        key = entry_key(recorded)
        if remote_keys[key] > 0:
            remote_keys[key] -= 1
        else:
            local_new.append(recorded)
    remote_moves = _state_changes(new_entries(base_data, remote_data))
    local_moves = _state_changes([(0, e) for e in local_new])
    kind = config.kinds.get(str(remote_data.get("kind")))
    remote_state = state_after(kind, history_of_plain(remote_data)) if kind else remote_data.get("status")
    local_state = local_data.get("status")

    entry: dict[str, Any] = {"at": stamp, "by": actor_login, "action": "resolve"}
    sides = {
        "ours": ", ".join(f"{m.get('from')} -> {m.get('to')}" for m in local_moves),
        "theirs": ", ".join(f"{m.get('from')} -> {m.get('to')}" for m in remote_moves),
    }
    if keep == "theirs":
        entry["discarded"] = [flow_map(dict(e)) for e in local_new]
        note = Note(KEPT_REMOTE_NOTE, config, **sides)
        subject = f"{case_id}: conflict resolved, kept the remote's change"
        source = target = None
    else:
        rest = merge_values(
            _without_history(base_data), _without_history(remote_data), _without_history(local_data), True
        )
        rest = {**rest, "status": local_state}
        _apply(remote_rich, rest, None)
        source, target = str(remote_state), str(local_state)
        if local_moves or source != target:
            entry["from"], entry["to"] = source, target
        else:
            source = target = None
        entry["kept"] = [flow_map(dict(e)) for e in local_new]
        if remote_moves:
            entry["overrides"] = [
                flow_map({k: m[k] for k in ("at", "by", "action", "from", "to") if k in m})
                for m in remote_moves
            ]
        note = Note(KEPT_LOCAL_NOTE, config, **sides)
        moved = f" ({source} -> {target})" if source is not None else ""
        subject = f"{case_id}: conflict resolved, kept this clone's change{moved}"
    entry[REMARK_KEY] = flow_map(note.record())
    # Written as a block, unlike other entries: it carries whole entries of its own.
    remote_rich["history"].append(block_map(entry))
    if kind is not None:
        derive(remote_rich, config, kind)
    _reorder(remote_rich)
    return Resolution(case_id, dump_round_trip(remote_rich).encode("utf-8"), source, target, note, subject)


def history_of_plain(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [e for _, e in _entries(data)]
