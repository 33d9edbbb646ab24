"""`casekit undo`: take back one's own last change to a case, as one audited commit.

The change undone is the case's last history entry, made by the actor, in the last commit
to its file, and that commit changed no other case. The undo is a new `undo` entry
(`casekit.core.undo`) recording the values the change replaced, read from the file as it
was before that commit; it goes through the same transaction as every action
(`actions.change_case`): checked, derived, one commit. Values an update put back are
judged by the approval rules as an update's are.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from casekit.codec.yamlio import block_map, flow_map
from casekit.core.casefile import CORE_SETTABLE, customer_of, fields_of, history_of
from casekit.core.commits import split_message
from casekit.core.effects import apply_entry
from casekit.core.ids import parse_id, relative_case_path
from casekit.core.undo import UNDO, UNDOABLE
from casekit.errors import Refused
from casekit.i18n import _, is_chinese
from casekit.service.actions import (
    Change,
    Context,
    Outcome,
    _approval,
    _changes_record,
    _field_change_request,
    change_case,
    history_entry,
)
from casekit.service.env import Env
from casekit.store.casefiles import parse_case
from casekit.vcs import git as vcs
from casekit.vcs.history import read_commits


def undo_last_change(env: Env, reference: str | None, *, note: str | None = None) -> Outcome:
    """Undo the actor's last change to the case `reference` (None: to the case the actor
    changed last), when nothing came after it; refused with the reason otherwise."""
    if reference is None:
        reference = _case_changed_last(env)
    undone: dict[str, Any] = {}

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        last = _own_last_entry(case, ctx)
        prior = _case_before_last_commit(ctx, case, last)
        action = str(last.get("action"))
        extra: dict[str, Any] = {"undoes": flow_map({"action": action, "at": last.get("at")})}
        trailers: tuple[tuple[str, str], ...] = ()
        if action == "set":
            recorded = last.get("set")
            changes = (
                {key: _value_in(prior, str(key)) for key in recorded} if isinstance(recorded, Mapping) else {}
            )
            trailers, approval = _approval(ctx, _field_change_request(ctx, case, changes, UNDO), case_id)
            extra |= _changes_record(changes) | approval
        elif action == "assign":
            extra["assignee"] = prior.get("assignee")
        change = Change(UNDO, f"{case_id}: undo {action}", note=note, trailers=trailers)
        apply_entry(case, history_entry(ctx, change, extra), block_map)
        undone.update(action=action, at=last.get("at"), case=case_id)
        return change

    outcome = change_case(env, reference, mutate)
    outcome.messages.insert(
        0,
        _("{case}: undid your {action} of {at}").format(case=undone["case"], **_undone_words(undone)),
    )
    return outcome


def _undone_words(undone: Mapping[str, Any]) -> dict[str, Any]:
    """What was undone and when, for the reader: the keys and stored time in English (as
    ever), the action's name and a short time in Chinese."""
    if not is_chinese():
        return {"action": undone["action"], "at": undone["at"]}
    from casekit.render.output import short_time
    from casekit.render.timeline import action_name

    return {"action": action_name(undone["action"]), "at": short_time(undone["at"])}


def _case_changed_last(env: Env) -> str:
    """The case of the actor's latest casekit commit in this clone."""
    actor = env.actor()
    out = vcs.run_git(
        env.root,
        "log",
        "-1",
        "--no-merges",
        "--fixed-strings",
        f"--grep=Case-Actor: {actor.ident}",
        "--format=%B",
        "--",
        "cases",
        check=False,
    )
    _subject, _note, trailers = split_message(out.decode("utf-8", "replace"))
    case_ids = [value for key, value in trailers if key == "Case-Id"]
    if not case_ids:
        raise Refused(
            _("{who} has made no change to undo in this repository; name the case: casekit undo ID").format(
                who=actor.login
            )
        )
    return case_ids[0]


def _own_last_entry(case: Mapping[str, Any], ctx: Context) -> Mapping[str, Any]:
    """The case's last entry, refused unless it is the actor's and an undoable change."""
    case_id = str(case["id"])
    history = history_of(case)
    last = history[-1]
    login = ctx.actor.login
    if last.get("by") != login:
        mine = [e for e in history if e.get("by") == login]
        if mine:
            raise Refused(
                _(
                    "{case}: {who} changed it after your last change ({action} at {at}, after your "
                    "{yours} at {your_at}); undo takes back only a change nothing came after"
                ).format(
                    case=case_id,
                    who=last.get("by"),
                    action=last.get("action"),
                    at=last.get("at"),
                    yours=mine[-1].get("action"),
                    your_at=mine[-1].get("at"),
                )
            )
        raise Refused(
            _(
                "{case}: you ({login}) have not changed it; its last change is {action} by {who} at {at}, "
                "and undo takes back only your own last change"
            ).format(
                case=case_id, login=login, action=last.get("action"), who=last.get("by"), at=last.get("at")
            )
        )
    action = str(last.get("action"))
    if action == UNDO:
        raise Refused(
            _(
                "{case}: your last change is already an undo ({at}); to have it back, make the change again"
            ).format(case=case_id, at=last.get("at"))
        )
    if action in UNDOABLE:
        return last
    if action == "move":
        raise Refused(
            _(
                "{case}: your last change moved it from {source} to {target}, and a move is not undone; "
                "move it back with `casekit move {case} {source}` where the workflow allows it"
            ).format(case=case_id, source=last.get("from"), target=last.get("to"))
        )
    if action == "open":
        raise Refused(
            _(
                "{case}: your last change opened it, and an opening is not undone; close it through its "
                "workflow, or add a note"
            ).format(case=case_id)
        )
    if action == "link":
        raise Refused(
            _(
                "{case}: your last change linked it to {other}; a link is recorded on both cases "
                "and is not undone"
            ).format(case=case_id, other=last.get("case"))
        )
    raise Refused(
        _(
            "{case}: your last change is a {action} entry, which cannot be undone; undo takes back a note, "
            "an update (set) or an assignment"
        ).format(case=case_id, action=action)
    )


def _case_before_last_commit(ctx: Context, case: Mapping[str, Any], last: Mapping[str, Any]) -> Any:
    """The case as it was before the commit that recorded `last` (the last commit to its
    file), refused when that commit changed other cases too."""
    case_id = str(case["id"])
    parsed = parse_id(case_id)
    if parsed is None:  # pragma: no cover - the case was found by its ID
        raise Refused(_("{case} is not a case ID").format(case=case_id))
    rel = relative_case_path(ctx.kind.name, parsed)
    root = ctx.env.root
    commits = read_commits(root, (rel,), revision_range="-1", with_files=False)
    commit = commits[-1] if commits else None
    if commit is None or commit.action_of(case_id)[0] != str(last.get("action")):
        raise Refused(
            _(
                "{case}: its last history entry is not the last commit to {file}; run `casekit audit` "
                "before undoing"
            ).format(case=case_id, file=rel)
        )
    others = [other for other in dict.fromkeys(commit.cases_named()) if other != case_id]
    if others or commit.role_of(case_id) != "acted":
        raise Refused(
            _(
                "{case}: your last change ({action}) also changed {others} in the same commit; undo "
                "takes back a change to one case only"
            ).format(
                case=case_id, action=last.get("action"), others=", ".join(others) or commit.trailer("Case-Id")
            )
        )
    before = vcs.run_git(root, "show", f"{commit.sha}^:{rel}")
    return parse_case(root, root / rel, before, for_rewrite=True, max_bytes=ctx.config.case_file_bytes)


def _value_in(case: Mapping[str, Any], key: str) -> Any:
    """The value of `--set` key `key` in the case (None when it has none)."""
    import copy

    if key.startswith("customer."):
        value = customer_of(case).get(key.split(".", 1)[1])
    elif key in CORE_SETTABLE:
        value = case.get(key)
    else:
        value = fields_of(case).get(key)
    return copy.deepcopy(value)
