"""The rules every change to a case follows, however it was made and however it arrived.

Pure: functions take a case file's bytes before and after a change, the config, who made
the change and (when there is one) the commit whose trailers describe it, and return
findings, each naming its rule. The pre-commit and commit-msg hooks (staged files), the
server's pre-receive hook and `casekit audit --since` (commits) and the merge driver all
go through here, so a rule added to `workflow.GUARDS` applies everywhere at once.

Rules (the names printed with each finding):
- schema: the file is a valid case (every `validation.CASE_CHECKS` check; problems the
  file already had before the change are tolerated, as casekit itself does).
- delete: case files are never deleted.
- open: a new case file holds only its `open` entry.
- append-only: every earlier history entry is kept, unchanged and in order.
- history: a change adds exactly one history entry (one change, one commit, one entry).
  A change to comments or layout only (the same data) is no change: it needs no entry
  and no trailers.
- actor: the entry is by the person who made the commit (identity from the commit's author).
- transition: each move starts from the state the case was in and is allowed by the config.
- <guard name>: each `workflow.GUARDS` function (requires_fields, requires_role,
  requires_approval, and whatever rules features add) names its own rule.
- approval: a move, update or opening that needed a supervisor's approval records it, as
  the supervisor's own change (approved_by is the entry's by).
- replay: the case holds exactly what casekit writes for the change (the `replay` given,
  `casekit.service.replay`).
- time: entry times never go backwards; at a push, the server's `Clock` bounds them.
- trailers: the commit carries casekit's trailers and they agree with the new entry.
- updated: a case a commit updates besides the one acted on (`Case-Updated`) records
  what the action did to that case (`updated_findings`: its values and state).
- merge: a merge commit only merges; it adds no entry of its own.
- config / config-change: casekit.yaml stays valid, and only a supervisor changes it.
- signature: where `sync.signed` asks for it, the commit has a good signature by its author.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from casekit.codec.yamlio import locate
from casekit.core.casefile import HISTORY_ACTIONS, history_of
from casekit.core.commits import UPDATED_ACTION, CommitRecord
from casekit.core.config import Config, KindSpec, Person, parse_config
from casekit.core.ids import parse_id, relative_case_path
from casekit.core.notes import REMARK_KEY, REMARK_TRAILER, read_remark
from casekit.core.timeutil import stored_instant
from casekit.core.validation import CaseDoc, check_case, parse_doc
from casekit.core.workflow import (
    APPROVER_ROLE,
    GUARDS,
    STATE_CHANGING_ACTIONS,
    STATE_REPLAYERS,
    MoveRequest,
    approval_reasons,
    change_refusals,
    field_change_request,
    refusal_for_unknown_move,
    requires_approval,
    transition_rule,
)
from casekit.errors import Problem
from casekit.i18n import N_, _

_EMAIL = re.compile(r"<([^<>]*)>")


@dataclass(frozen=True)
class ChangeFinding:
    """What is wrong with a change to one case: the rule it breaks, and where in the file."""

    rule: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Identity:
    """Who made a change: a commit's author (or, before the commit, `git var GIT_AUTHOR_IDENT`)."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


@dataclass(frozen=True)
class Signature:
    """A commit's signature as git reports it: %G? (G good, B bad, U unverified, N none...)
    and %GS (the signer: a GPG user id or an SSH principal)."""

    status: str
    signer: str = ""


@dataclass
class CaseReport:
    case_id: str
    findings: list[ChangeFinding] = field(default_factory=list)
    # The change contains a move only some people may make (a role or an approval).
    privileged: bool = False


# names the rule a finding breaks, in every language: what a reader searches the docs for
RULE_TAG = " [rule: {rule}]"


@dataclass(frozen=True)
class Violation:
    """A finding placed: which file, which case, which commit (None when not committed yet)."""

    path: str
    case: str
    rule: str
    message: str
    line: int | None = None
    commit: str | None = None

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        parts = [where]
        if self.commit:
            parts.append(_("commit {sha}").format(sha=self.commit[:10]))
        if self.case:
            parts.append(self.case)
        return ": ".join([*parts, self.message]) + RULE_TAG.format(rule=self.rule)

    def as_problem(self) -> Problem:
        parts = [_("commit {sha}").format(sha=self.commit[:10])] if self.commit else []
        if self.case:
            parts.append(self.case)
        return Problem(
            self.path, self.line, ": ".join([*parts, self.message]) + RULE_TAG.format(rule=self.rule)
        )


def place(
    path: str, report: CaseReport | list[ChangeFinding], case: str = "", commit: str | None = None
) -> list[Violation]:
    findings = report.findings if isinstance(report, CaseReport) else report
    case_id = report.case_id if isinstance(report, CaseReport) else case
    return [Violation(path, case_id, f.rule, f.message, f.line, commit) for f in findings]


def entry_key(entry: Any) -> str:
    """A history entry's identity: its whole content (two equal entries are the same event)."""
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str)


def split_history(old: Sequence[Any], new: Sequence[Any]) -> tuple[list[int], int | None]:
    """Positions in `new` of entries that are not in `old`, and the position of the first
    entry of `old` that `new` does not keep in order (None when all are kept).

    New entries may sit between old ones: histories merged from two clones are in time order.
    """
    added: list[int] = []
    kept = 0
    for position, entry in enumerate(new):
        if kept < len(old) and entry_key(entry) == entry_key(old[kept]):
            kept += 1
        else:
            added.append(position)
    return added, (kept if kept < len(old) else None)


def describe_entry(entry: Mapping[str, Any]) -> str:
    action, by, at = entry.get("action"), entry.get("by"), entry.get("at")
    if "from" in entry:
        return _("{action} {source} -> {target} by {by} at {at}").format(
            action=action, source=entry.get("from", ""), target=entry.get("to"), by=by, at=at
        )
    if "to" in entry:
        return _("{action} to {target} by {by} at {at}").format(
            action=action, target=entry.get("to"), by=by, at=at
        )
    return _("{action} by {by} at {at}").format(action=action, by=by, at=at)


def email_of(text: str) -> str:
    match = _EMAIL.search(text)
    return (match.group(1) if match else text).strip()


def person_for(config: Config, who: Identity) -> Person | None:
    """The config's person for a git identity: by email first, then by name."""
    person = config.person(who.email) if who.email else None
    return person or (config.person(who.name) if who.name else None)


def _rule_name(guard: Callable[..., Any]) -> str:
    return getattr(guard, "__name__", "guard").strip("_").replace("_", "-") or "guard"


def _line(doc: CaseDoc, index: int) -> int | None:
    return locate(doc.raw, ["history", index])


def _strip_id(message: str, case_id: str) -> str:
    prefix = f"{case_id}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


# (the case before or None when new, the case after, positions of the added entries, its
# kind) -> the differences between the pushed case and the one casekit writes
# (`casekit.service.replay.replay_differences`).
Replay = Callable[[Mapping[str, Any] | None, Mapping[str, Any], Sequence[int], KindSpec], list[str]]


@dataclass(frozen=True)
class Clock:
    """The server's clock at a push, and how far entry times may stray from it: no later
    than `now + skew` (clocks differ a little), no earlier than `now - max_offline` (a change
    made offline reaches the server within that time)."""

    now: datetime
    skew: timedelta
    max_offline: timedelta


def describe_replay(differences: Sequence[str], entries: str) -> str:
    shown = _("; ").join(differences[:4]) + (_("; ...") if len(differences) > 4 else "")
    return _(
        "the change does more than {entries} records: {shown}; "
        "change cases only with casekit commands (update --set, move, assign...), which record "
        "each change in its entry"
    ).format(entries=entries, shown=shown)


def _hours(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60 == 0 and minutes >= 60:
        return _("{count} hours").format(count=minutes // 60)
    return _("{count} minutes").format(count=minutes)


def time_findings(
    doc: CaseDoc, history: Sequence[Mapping[str, Any]], added: Sequence[int], clock: Clock | None
) -> list[ChangeFinding]:
    """Entry times never go backwards within a case; at a push, none is in the future (beyond
    the skew) or older than the offline limit. Deadlines are judged on these times."""
    findings = []
    for position in added:
        entry = history[position]
        at = stored_instant(entry.get("at"))
        label = _("history entry {number} ({entry})").format(number=position + 1, entry=describe_entry(entry))
        if at is None:
            continue  # the schema rule names a bad time
        earlier = [stored_instant(e.get("at")) for e in history[:position]]
        latest = max((t for t in earlier if t is not None), default=None)
        if latest is not None and at < latest:
            findings.append(
                ChangeFinding(
                    "time",
                    _(
                        "{label} is earlier than the entry before it ({time}); times never go "
                        "backwards: check the computer's clock (and CASEKIT_NOW), then make the change again"
                    ).format(label=label, time=latest.isoformat()),
                    _line(doc, position),
                )
            )
        if clock is None:
            continue
        if at > clock.now + clock.skew:
            findings.append(
                ChangeFinding(
                    "time",
                    _(
                        "{label} is later than the server's clock ({now}) "
                        "by more than {skew} (sync.clock_skew); set the computer's clock right, "
                        "then make the change again"
                    ).format(
                        label=label, now=clock.now.isoformat(timespec="seconds"), skew=_hours(clock.skew)
                    ),
                    _line(doc, position),
                )
            )
        elif at < clock.now - clock.max_offline:
            findings.append(
                ChangeFinding(
                    "time",
                    _(
                        "{label} was recorded more than {limit} before this push "
                        "(sync.max_offline, server time {now}); deadlines "
                        "are judged on recorded times, so an old time is not taken: drop the commit "
                        "(`git rebase -i @{{u}}`) and make the change again now"
                    ).format(
                        label=label,
                        limit=_hours(clock.max_offline),
                        now=clock.now.isoformat(timespec="seconds"),
                    ),
                    _line(doc, position),
                )
            )
    return findings


@dataclass(frozen=True)
class Mover:
    login: str
    roles: tuple[str, ...]


def mover_for(config: Config, who: Identity) -> Mover:
    person = person_for(config, who)
    if person is not None:
        return Mover(person.login, person.roles)
    return Mover(who.name or who.email, ())


def check_case_change(
    path: str,
    before: bytes | None,
    after: bytes | None,
    config: Config,
    author: Identity,
    commit: CommitRecord | None = None,
    *,
    check_time: bool = True,
    replay: Replay | None = None,
    clock: Clock | None = None,
) -> CaseReport:
    """Every rule for one case file changed by one commit (or by the staged change).
    `replay` works out the case casekit writes for the change (rule replay); `clock` is the
    server's, for the time rules of a push."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    report = CaseReport(stem)
    old_doc: CaseDoc | None = None
    if before is not None:
        old_doc, _problems = parse_doc(path, before)
    if after is None:
        if before is not None:
            report.findings.append(
                ChangeFinding(
                    "delete", _("the case file is deleted; cases are never deleted: close them instead")
                )
            )
        return report
    doc = _parse_new(path, after, report, config)
    if doc is None:
        return report
    case = doc.data
    report.case_id = str(case.get("id") or stem)
    old_case: Mapping[str, Any] = old_doc.data if old_doc is not None else {}

    if old_doc is not None and case == old_case:
        return report  # only comments or layout changed: there is no change to record
    known = {p.message for p in check_case(old_doc, config)} if old_doc is not None else set()
    schema = [p for p in check_case(doc, config) if p.message not in known]
    if commit is not None:
        report.findings += _trailer_presence(report.case_id, case, commit)

    old_history, history = history_of(old_case), history_of(case)
    added, lost = split_history(old_history, history)
    if old_doc is None and before is not None:
        added = []  # the previous version was unreadable: nothing to tell old entries from new
    kind = config.kinds.get(str(case.get("kind")))
    structural: list[ChangeFinding] = []
    if lost is not None:
        structural.append(
            ChangeFinding(
                "append-only",
                _(
                    "history entry {number} ({entry}) was changed or removed; "
                    "history is append-only: record a correction as a new entry"
                ).format(number=lost + 1, entry=describe_entry(old_history[lost])),
                _line(doc, min(lost, max(len(history) - 1, 0))),
            )
        )
    elif old_doc is None:
        if before is None and (len(history) != 1 or history[0].get("action") != "open"):
            structural.append(
                ChangeFinding(
                    "open", _("a new case file holds only its 'open' entry; open cases with `casekit new`")
                )
            )
    elif not added and case != old_case:
        structural.append(
            ChangeFinding(
                "history",
                _(
                    "the case changes without a new history entry; record every change with casekit "
                    "(move, note, update, assign...)"
                ),
            )
        )
    elif len(added) > 1:
        structural.append(
            ChangeFinding(
                "history",
                _(
                    "{count} history entries are added at once; each change is its own commit with one entry"
                ).format(count=len(added)),
                _line(doc, added[1]),
            )
        )
    report.findings += structural

    if kind is not None and lost is None:
        actor = mover_for(config, author)
        moves, report.privileged = check_added_entries(doc, kind, added, config, lambda _: actor)
        report.findings += moves
        report.findings += _actor_findings(doc, added, config, author)
        if commit is not None and len(added) == 1 and not structural:
            report.findings += _trailer_agreement(doc, added[0], commit, author, check_time)
        report.findings += time_findings(doc, history, added, clock)
        if replay is not None and not structural and not moves:
            differences = replay(old_case if old_doc is not None else None, case, added, kind)
            if differences:
                entries = (
                    _("its history entry ({entry})").format(entry=describe_entry(history[added[0]]))
                    if len(added) == 1
                    else _("its history")
                )
                report.findings.append(ChangeFinding("replay", describe_replay(differences, entries)))
        moved_lines = {f.line for f in moves if f.line is not None}
        schema = [p for p in schema if p.line not in moved_lines]
    report.findings[:0] = [
        ChangeFinding("schema", _strip_id(p.message, report.case_id), p.line) for p in schema
    ]
    return report


def check_added_entries(
    doc: CaseDoc,
    kind: KindSpec,
    added: Sequence[int],
    config: Config,
    actor_for: Callable[[Mapping[str, Any]], Mover],
) -> tuple[list[ChangeFinding], bool]:
    """Replay the history; check each added entry's state change against the workflow and
    every guard, as the person `actor_for(entry)` making it. Returns findings and whether
    any of the moves needed a supervisor (a role or an approval)."""
    history = history_of(doc.data)
    findings: list[ChangeFinding] = []
    privileged = False
    state: str | None = None
    added_set = set(added)
    for position, entry in enumerate(history):
        action = str(entry.get("action"))
        before = state
        seen = [str(e.get("to")) for e in history[:position] if "to" in e]
        if action in STATE_REPLAYERS:
            state, reasons = STATE_REPLAYERS[action](kind, entry, state, seen)
        elif (action == "open" or action in STATE_CHANGING_ACTIONS) and "to" in entry:
            state, reasons = entry.get("to"), []
        else:
            reasons = []
        if position not in added_set:
            continue
        line = _line(doc, position)
        label = _("history entry {number}").format(number=position + 1)
        actor = actor_for(entry)
        if action in FIELD_SETTING_ACTIONS and isinstance(entry.get("set"), Mapping):
            found, needs = _check_values(doc.data, kind, before, entry, config, actor, label)
            findings += [ChangeFinding(f.rule, f.message, line) for f in found]
            privileged = privileged or needs
        if action in STATE_REPLAYERS:
            findings += [
                ChangeFinding("transition", _("{label} {reason}").format(label=label, reason=reason), line)
                for reason in reasons
            ]
            moves = _kept(entry)
        elif action in STATE_CHANGING_ACTIONS and "to" in entry:
            source, target = entry.get("from"), entry.get("to")
            if source != before:
                findings.append(
                    ChangeFinding(
                        "transition",
                        _("{label} moves from {source!r} but the case was {state!r} then").format(
                            label=label, source=source, state=before
                        ),
                        line,
                    )
                )
                continue
            if transition_rule(kind, str(source), str(target)) is None:
                findings.append(
                    ChangeFinding(
                        "transition",
                        _("{label}: {reason}").format(
                            label=label, reason=refusal_for_unknown_move(kind, str(source), str(target))
                        ),
                        line,
                    )
                )
                continue
            moves = [entry]
        else:
            continue
        for move in moves:
            found, needs = _check_move(doc.data, kind, history[:position], move, entry, config, actor, label)
            for finding in found:
                findings.append(ChangeFinding(finding.rule, finding.message, line))
            privileged = privileged or needs
    return findings, privileged


# Actions that set values without moving the case: approval rules judge their values too
# (a compensation above the limit needs a supervisor whether it is set by a move, an update,
# at opening or put back by an undo).
FIELD_SETTING_ACTIONS = ("set", "open", "undo")


def _check_values(
    case: Mapping[str, Any],
    kind: KindSpec,
    state: str | None,
    entry: Mapping[str, Any],
    config: Config,
    actor: Mover,
    label: str,
) -> tuple[list[ChangeFinding], bool]:
    changes = entry.get("set")
    request = field_change_request(
        case,
        kind,
        str(state if state is not None else case.get("status")),
        changes if isinstance(changes, Mapping) else {},
        actor.login,
        actor.roles,
        str(entry.get("action")),
        stored_instant(entry.get("at")),
    )
    what = _("{label} ({action}, as {login})").format(
        label=label, action=entry.get("action"), login=actor.login
    )
    findings = [
        ChangeFinding("refused", _("{label}: {reason}").format(label=what, reason=reason))
        for reason in change_refusals(request, config)
    ]
    findings += [
        ChangeFinding("requires-approval", _("{label}: {reason}").format(label=what, reason=reason))
        for reason in requires_approval(request, config)
    ]
    reasons = approval_reasons(request, config)
    if reasons and not findings and entry.get("approved_by") != actor.login:
        findings.append(
            ChangeFinding(
                "approval",
                _(
                    "{label} needs a supervisor's approval ({reasons}) "
                    "but does not record approved_by: {login}"
                ).format(label=what, reasons=_("; ").join(reasons), login=actor.login),
            )
        )
    return findings, bool(reasons)


def _kept(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    kept = entry.get("kept")
    if not isinstance(kept, list):
        return []
    return [m for m in kept if isinstance(m, Mapping) and m.get("action") in STATE_CHANGING_ACTIONS]


def _check_move(
    case: Mapping[str, Any],
    kind: KindSpec,
    earlier: Sequence[Mapping[str, Any]],
    move: Mapping[str, Any],
    entry: Mapping[str, Any],
    config: Config,
    actor: Mover,
    label: str,
) -> tuple[list[ChangeFinding], bool]:
    source, target = str(move.get("from")), str(move.get("to"))
    rule = transition_rule(kind, source, target)
    if rule is None:
        return [], False  # reported by the replay
    candidate = copy.deepcopy(dict(case))
    candidate["status"] = source
    candidate["history"] = copy.deepcopy(list(earlier))
    changes = move.get("set")
    request = MoveRequest(
        case=candidate,
        kind=kind,
        source=source,
        target=target,
        rule=rule,
        actor_login=actor.login,
        actor_roles=actor.roles,
        changes=changes if isinstance(changes, Mapping) else {},
    )
    findings = [
        ChangeFinding(
            _rule_name(guard),
            _("{label} ({source} -> {target}, as {login}): {reason}").format(
                label=label, source=source, target=target, login=actor.login, reason=reason
            ),
        )
        for guard in GUARDS
        for reason in guard(request, config)
    ]
    reasons = approval_reasons(request, config)
    if reasons and not findings and move is entry and entry.get("approved_by") != actor.login:
        findings.append(
            ChangeFinding(
                "approval",
                _(
                    "{label} ({source} -> {target}) needs a supervisor's approval ({reasons}) "
                    "but does not record approved_by: {login}"
                ).format(
                    label=label,
                    source=source,
                    target=target,
                    reasons=_("; ").join(reasons),
                    login=actor.login,
                ),
            )
        )
    return findings, rule.role is not None or bool(reasons)


def _actor_findings(
    doc: CaseDoc, added: Sequence[int], config: Config, author: Identity
) -> list[ChangeFinding]:
    history = history_of(doc.data)
    author_person = person_for(config, author)
    findings = []
    for position in added:
        by = history[position].get("by")
        claimed = config.person(str(by)) if by is not None else None
        if claimed is None and config.people:
            findings.append(
                ChangeFinding(
                    "actor",
                    _(
                        "history entry {number} is by {by!r}, who is not a person in casekit.yaml; "
                        "record changes as yourself (a supervisor adds new people under people:)"
                    ).format(number=position + 1, by=by),
                    _line(doc, position),
                )
            )
            continue
        approver = history[position].get("approved_by")
        if approver is not None and str(approver) != str(by):
            findings.append(
                ChangeFinding(
                    "approval",
                    _(
                        "history entry {number} is by {by} but records approved_by: {approver}; an "
                        "approval is the supervisor's own change, made by them with casekit"
                    ).format(number=position + 1, by=by, approver=approver),
                    _line(doc, position),
                )
            )
        if claimed is not None and claimed != author_person:
            findings.append(
                ChangeFinding(
                    "actor",
                    _(
                        "history entry {number} is by {by} but the change is made by {author}"
                        "; record changes as yourself"
                    ).format(number=position + 1, by=by, author=author),
                    _line(doc, position),
                )
            )
    return findings


def _trailer_presence(case_id: str, case: Mapping[str, Any], commit: CommitRecord) -> list[ChangeFinding]:
    ids = commit.cases_named()
    if not commit.trailer_values("Case-Id") or commit.trailer("Case-Action") is None:
        return [
            ChangeFinding(
                "trailers",
                _(
                    "the commit changes the case without casekit's trailers (Case-Id, "
                    "Case-Kind, Case-Action, "
                    "Case-Actor); change cases with casekit commands"
                ),
            )
        ]
    findings = []
    if case_id not in ids:
        findings.append(
            ChangeFinding(
                "trailers",
                _("the commit's Case-Id names {cases}, not {case}").format(
                    cases=_(", ").join(ids), case=case_id
                ),
            )
        )
    kind = commit.trailer("Case-Kind")
    if kind is not None and kind != case.get("kind") and commit.role_of(case_id) == "acted":
        findings.append(
            ChangeFinding(
                "trailers",
                _("the commit's Case-Kind is {kind!r} but the case is a {actual}").format(
                    kind=kind, actual=case.get("kind")
                ),
            )
        )
    return findings


def _trailer_agreement(
    doc: CaseDoc, position: int, commit: CommitRecord, author: Identity, check_time: bool
) -> list[ChangeFinding]:
    if commit.trailer("Case-Action") is None:
        return []
    entry = history_of(doc.data)[position]
    line = _line(doc, position)
    label = _("history entry {number} ({entry})").format(number=position + 1, entry=describe_entry(entry))
    findings = [
        ChangeFinding(
            "trailers",
            _("{label} disagrees with the commit: {difference}").format(label=label, difference=difference),
            line,
        )
        for difference in compare_entry(entry, commit, check_time=check_time, case_id=_id_of(doc))
    ]
    approver = entry.get("approved_by")
    trailer = commit.trailer("Case-Approved-By")
    if approver is not None and (trailer is None or trailer.split(" <")[0] != approver):
        findings.append(
            ChangeFinding(
                "trailers",
                _(
                    "{label} is approved by {approver} but the commit's Case-Approved-By is {trailer!r}"
                ).format(label=label, approver=approver, trailer=trailer),
                line,
            )
        )
    actor = commit.trailer("Case-Actor") or ""
    if "<" in actor and author.email and email_of(actor) != author.email:
        findings.append(
            ChangeFinding(
                "actor",
                _("the commit's Case-Actor is {actor} but its author is {author}").format(
                    actor=actor, author=author
                ),
                line,
            )
        )
    return findings


def _id_of(doc: CaseDoc) -> str | None:
    value = doc.data.get("id") if isinstance(doc.data, Mapping) else None
    return str(value) if value is not None else None


def check_merged_case(
    path: str, parents: Sequence[bytes | None], after: bytes | None, config: Config
) -> CaseReport:
    """A case file in a merge commit: each parent's history kept in order, nothing added."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    report = CaseReport(stem)
    if after is None:
        if any(p is not None for p in parents):
            report.findings.append(
                ChangeFinding("delete", _("the merge deletes the case file; cases are never deleted"))
            )
        return report
    doc = _parse_new(path, after, report, config)
    if doc is None:
        return report
    report.case_id = str(doc.data.get("id") or stem)
    known: set[str] = set()
    histories = []
    for content in parents:
        if content is None:
            continue
        parent_doc, _problems = parse_doc(path, content)
        if parent_doc is not None:
            known |= {p.message for p in check_case(parent_doc, config)}
            histories.append(history_of(parent_doc.data))
    report.findings += [
        ChangeFinding("schema", _strip_id(p.message, report.case_id), p.line)
        for p in check_case(doc, config)
        if p.message not in known
    ]
    history = history_of(doc.data)
    for number, old in enumerate(histories, 1):
        _kept, lost = split_history(old, history)
        if lost is not None:
            report.findings.append(
                ChangeFinding(
                    "append-only",
                    _(
                        "the merge drops or changes history entry {number} ({entry}) of parent {parent}"
                    ).format(number=lost + 1, entry=describe_entry(old[lost]), parent=number),
                )
            )
    allowed: Counter[str] = Counter()
    for old in histories:
        allowed |= Counter(entry_key(e) for e in old)
    used: Counter[str] = Counter()
    for position, entry in enumerate(history):
        key = entry_key(entry)
        used[key] += 1
        if used[key] > allowed[key]:
            report.findings.append(
                ChangeFinding(
                    "merge",
                    _(
                        "history entry {number} ({entry}) is in neither parent"
                        "; a merge adds no entries of its own"
                    ).format(number=position + 1, entry=describe_entry(entry)),
                    _line(doc, position),
                )
            )
    return report


def check_config_change(
    parent_config: Config | None, after: bytes | None, author: Identity
) -> list[ChangeFinding]:
    """casekit.yaml changed: it must stay valid, and (once there are supervisors) only a
    supervisor may change the rules everyone else is checked against."""
    findings: list[ChangeFinding] = []
    if after is None:
        findings.append(ChangeFinding("config", _("casekit.yaml is deleted; every case repository needs it")))
    else:
        try:
            text = after.decode("utf-8")
        except UnicodeDecodeError:
            text = None
            findings.append(ChangeFinding("config", _("casekit.yaml is not UTF-8 text")))
        if text is not None:
            _config, problems = parse_config(text, Path("casekit.yaml"))
            findings += [ChangeFinding("config", p.message, p.line) for p in problems]
    if parent_config is not None:
        supervisors = [p.login for p in parent_config.people.values() if p.has_role(APPROVER_ROLE)]
        person = person_for(parent_config, author)
        if supervisors and (person is None or not person.has_role(APPROVER_ROLE)):
            findings.append(
                ChangeFinding(
                    "config-change",
                    _(
                        "casekit.yaml is changed by {author}, who is not a {role}"
                        "; only {people} may change the rules"
                    ).format(author=author, role=APPROVER_ROLE, people=_(", ").join(supervisors)),
                )
            )
    return findings


# git's %G? letters, said in words (translated where shown)
_SIGNATURE_WORDS = {
    "B": N_("bad"),
    "U": N_("good but from a key that is not trusted or not among the allowed signers"),
    "X": N_("good but expired"),
    "Y": N_("made by an expired key"),
    "R": N_("made by a revoked key"),
    "E": N_("impossible to check (the key is missing)"),
}


def signature_findings(
    mode: str, privileged: bool, signature: Signature | None, author: Identity, config: Config
) -> list[ChangeFinding]:
    """Where `sync.signed` asks for it: a good signature, made by the commit's author."""
    if mode == "none" or (mode == "supervisor" and not privileged):
        return []
    status = signature.status if signature is not None else "N"
    if status == "N":
        if mode == "all":
            message = _(
                "the commit is not signed, but casekit.yaml asks for a verified signature on every change "
                "to cases (sync.signed); sign commits with `git config commit.gpgsign true`"
            )
        else:
            message = _(
                "the commit is not signed, but casekit.yaml asks for a verified signature on supervisor-only "
                "changes (sync.signed); sign commits with `git config commit.gpgsign true`"
            )
        return [ChangeFinding("signature", message)]
    if status != "G":
        words = _(_SIGNATURE_WORDS[status]) if status in _SIGNATURE_WORDS else status
        return [ChangeFinding("signature", _("the commit's signature is {words}").format(words=words))]
    signer = signature.signer if signature is not None else ""
    if email_of(signer) == author.email and author.email:
        return []
    signer_person = config.person(email_of(signer)) or config.person(signer)
    if signer_person is not None and signer_person == person_for(config, author):
        return []
    return [
        ChangeFinding(
            "signature",
            _("the commit is signed by {signer}, not by its author {author}").format(
                signer=signer or _("an unknown key"), author=author
            ),
        )
    ]


def _parse_new(path: str, after: bytes, report: CaseReport, config: Config) -> CaseDoc | None:
    """The new content parsed (within the config's size limit), or None with its syntax
    problems added to the report."""
    doc, syntax = parse_doc(path, after, max_bytes=config.case_file_bytes)
    if doc is None:
        report.findings += [ChangeFinding("schema", p.message, p.line) for p in syntax]
    return doc


def _same_instant(a: Any, b: str) -> bool:
    first = stored_instant(a)
    return first is not None and first == stored_instant(b)


def _same_remark(stored: Any, trailer: str | None) -> bool:
    """Whether an entry's remark is the one its commit's trailer records (or neither has one)."""
    if stored is None and trailer is None:
        return True
    recorded = read_remark(trailer)
    if not isinstance(stored, Mapping) or recorded is None:
        return False
    return {str(k): str(v) for k, v in stored.items()} == {k: str(v) for k, v in recorded.items()}


def _describe(entry: Mapping[str, Any]) -> str:
    action = entry.get("action")
    if action == "move":
        return _("move {source} -> {target} at {at}").format(
            source=entry.get("from"), target=entry.get("to"), at=entry.get("at")
        )
    return _("{action} at {at}").format(action=action, at=entry.get("at"))


def compare_entry(
    entry: Mapping[str, Any], commit: CommitRecord, *, check_time: bool = True, case_id: str | None = None
) -> list[str]:
    """How one history entry of case `case_id` differs from the commit that should have
    recorded it (`check_time=False` before the commit exists, in the commit-msg hook).
    A case the commit opened holds an 'open' entry, the other side of a link a 'link'
    entry and a case it updated (`Case-Updated`) an `UPDATED_ACTION` entry naming the case
    acted on (`case`), with the commit's time and actor; the note of an opened case is its own."""
    role = commit.role_of(case_id)
    differences = []
    action, source, target = commit.action_of(case_id)
    expected: dict[str, str | None] = {"action": action, "from": source}
    if role != "opened":  # an opened case's entry names its kind's first state
        expected["to"] = target
    for key, value in expected.items():
        if value is not None and str(entry.get(key)) != value:
            differences.append(
                _("{key} is {value!r} but the commit says {expected!r}").format(
                    key=key, value=entry.get(key), expected=value
                )
            )
        if value is None and key != "action" and entry.get(key) is not None:
            differences.append(
                _("{key} is {value!r} but the commit records none").format(key=key, value=entry.get(key))
            )
    if check_time and not _same_instant(entry.get("at"), commit.when):
        differences.append(
            _("time is {at} but the commit was made at {when}").format(at=entry.get("at"), when=commit.when)
        )
    actor = commit.trailer("Case-Actor") or ""
    if str(entry.get("by")) != actor.split(" <")[0]:
        differences.append(
            _("by is {by!r} but the commit's actor is {actor!r}").format(by=entry.get("by"), actor=actor)
        )
    if role != "opened" and (entry.get("note") or "").strip() != commit.note.strip():
        differences.append(_("the note differs from the commit message"))
    if role != "opened" and not _same_remark(entry.get(REMARK_KEY), commit.trailer(REMARK_TRAILER)):
        differences.append(
            _("remark is {remark!r} but the commit's {trailer} is {recorded!r}").format(
                remark=entry.get(REMARK_KEY),
                trailer=REMARK_TRAILER,
                recorded=commit.trailer(REMARK_TRAILER),
            )
        )
    acted = commit.trailer("Case-Id")
    if role == "updated" and str(entry.get("case")) != acted:
        differences.append(
            _("case is {case!r} but the commit acted on {acted!r}").format(
                case=entry.get("case"), acted=acted
            )
        )
    approver = commit.trailer("Case-Approved-By")
    recorded = entry.get("approved_by")
    if approver is None and recorded is not None:
        differences.append(
            _("approved_by is {login!r} but the commit has no Case-Approved-By trailer").format(
                login=recorded
            )
        )
    elif approver is not None and recorded is None and role == "acted":
        differences.append(
            _("the commit says Case-Approved-By: {approver} but the entry records no approval").format(
                approver=approver
            )
        )
    elif approver is not None and recorded is not None and str(recorded) != approver.split(" <")[0]:
        differences.append(
            _("approved_by is {login!r} but the commit's Case-Approved-By is {approver!r}").format(
                login=recorded, approver=approver
            )
        )
    return differences


def check_approvers(case: Mapping[str, Any], config: Config) -> list[tuple[int, str]]:
    """History entries approved by someone the config does not name as a supervisor."""
    findings = []
    for position, entry in enumerate(history_of(case)):
        login = entry.get("approved_by")
        if login is None:
            continue
        person = config.person(str(login))
        if person is None or not person.has_role(APPROVER_ROLE):
            findings.append(
                (
                    position,
                    _(
                        "history entry {number} ({entry}) is approved by {login!r}"
                        ", who is not a {role} in casekit.yaml"
                    ).format(number=position + 1, entry=_describe(entry), login=login, role=APPROVER_ROLE),
                )
            )
    return findings


def compare_history(case: Mapping[str, Any], commits: Sequence[CommitRecord]) -> list[tuple[int | None, str]]:
    """(history index or None, message) for each disagreement between file and commits."""
    findings: list[tuple[int | None, str]] = []
    history = history_of(case)
    case_id = str(case.get("id")) if case.get("id") is not None else None
    for position, (entry, commit) in enumerate(zip(history, commits, strict=False)):
        differences = compare_entry(entry, commit, case_id=case_id)
        if differences:
            findings.append(
                (
                    position,
                    _(
                        "history entry {number} ({entry}) disagrees with commit {commit}: {differences}"
                    ).format(
                        number=position + 1,
                        entry=_describe(entry),
                        commit=commit.short,
                        differences=_("; ").join(differences),
                    ),
                )
            )
    for position in range(len(commits), len(history)):
        findings.append(
            (
                position,
                _("history entry {number} ({entry}) has no commit: it was written by hand").format(
                    number=position + 1, entry=_describe(history[position])
                ),
            )
        )
    for commit in commits[len(history) :]:
        findings.append(
            (
                None,
                _(
                    "commit {commit} ({subject}) is missing from the history: an entry was removed by hand"
                ).format(commit=commit.short, subject=commit.subject),
            )
        )
    return findings


def updated_findings(
    commit: CommitRecord,
    acted: Mapping[str, Any] | None,
    updated: Mapping[str, tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> list[tuple[str, str]]:
    """(case id, message) for each case the commit updated (`Case-Updated`) whose entry
    does not record what the action did to the case acted on (rule `updated`): its `set`
    values are that case's fields after the commit, its `result` the state that case is
    in, and that case links to it. `acted`: the case acted on after the commit;
    `updated`: case id -> (before, after) for the cases the commit updated."""
    acted_id = commit.trailer("Case-Id")
    findings = []
    for case_id, (before, after) in updated.items():
        if after is None:
            continue
        old, new = history_of(before or {}), history_of(after)
        added, _kept = split_history(old, new)
        entries = [new[i] for i in added if new[i].get("action") == UPDATED_ACTION]
        if acted is None:
            if entries:
                findings.append(
                    (
                        case_id,
                        _("records the result of {case}, which the commit does not change").format(
                            case=acted_id
                        ),
                    )
                )
            continue
        recorded = acted.get("fields")
        fields: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
        for entry in entries:
            values = entry.get("set")
            for name, value in values.items() if isinstance(values, Mapping) else []:
                if fields.get(name) != value:
                    findings.append(
                        (
                            case_id,
                            _(
                                "records {field}: {value!r} from {case}, but {case} holds "
                                "{actual!r}; the result of a callback is written by casekit "
                                "when the callback is completed (`casekit move {case} completed --set ...`)"
                            ).format(field=name, value=value, case=acted_id, actual=fields.get(name)),
                        )
                    )
            if "result" in entry and entry.get("result") != acted.get("status"):
                findings.append(
                    (
                        case_id,
                        _("records {case} as {result!r}, but it is {state!r}").format(
                            case=acted_id, result=entry.get("result"), state=acted.get("status")
                        ),
                    )
                )
        if entries and case_id not in links_of(acted):
            findings.append(
                (case_id, _("records the result of {case}, which does not link to it").format(case=acted_id))
            )
    return findings


def links_of(data: Any) -> list[str]:
    links = data.get("links") if isinstance(data, Mapping) else None
    return [str(link) for link in links] if isinstance(links, list) else []


def case_path_of(config: Config, case_id: str) -> str | None:
    """Where the file of case `case_id` lives, or None when the ID names no kind."""
    parsed = parse_id(case_id)
    kind = config.kind_for_prefix(parsed.prefix) if parsed else None
    return relative_case_path(kind.name, parsed) if kind and parsed else None


def one_way_links(
    changed: Mapping[str, tuple[Sequence[str], Sequence[str]]],
    links_after: Mapping[str, Sequence[str] | None],
) -> list[tuple[str, str]]:
    """(case id, message) for each link a change adds that the other case does not return.
    `changed`: case id -> (links before, links after), for the cases the change writes;
    `links_after`: case id -> its links once the change is made (None: there is no such case)."""
    findings = []
    for case_id, (before, after) in changed.items():
        for other in [link for link in after if link not in before]:
            back = links_after.get(other)
            if back is None:
                findings.append(
                    (
                        case_id,
                        _("links to {other}, which is not a case in the repository").format(other=other),
                    )
                )
            elif case_id not in back:
                findings.append(
                    (
                        case_id,
                        _(
                            "links to {other} but {other} does not link back; links go both ways in "
                            "one commit: use `casekit link {case} {other}`"
                        ).format(other=other, case=case_id),
                    )
                )
    return findings


def check_commit(commit: CommitRecord, case_files: Sequence[str]) -> list[str]:
    """A commit that changes case files must be casekit's: trailers naming that case."""
    if not case_files:
        return []
    case_ids = commit.cases_named()
    action = commit.trailer("Case-Action")
    problems = []
    if not commit.trailer_values("Case-Id") or action is None:
        return [
            _(
                "commit {commit} ({subject}) changes {files} "
                "without casekit trailers; changes to cases must be made with casekit"
            ).format(commit=commit.short, subject=commit.subject, files=_(", ").join(case_files))
        ]
    if action not in HISTORY_ACTIONS:
        problems.append(
            _("commit {commit} has an unknown Case-Action {action!r}").format(
                commit=commit.short, action=action
            )
        )
    for path in case_files:
        stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem not in case_ids:
            problems.append(
                _("commit {commit} changes {path} but its trailers name {cases}").format(
                    commit=commit.short, path=path, cases=_(", ").join(case_ids)
                )
            )
    return problems
