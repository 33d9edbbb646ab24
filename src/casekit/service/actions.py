"""One function per user action on a case. Each makes exactly one commit or changes nothing.

Every action follows the same transaction (`Transaction`, `_commit`): under the clone's
lock, settle a change an earlier command was killed in the middle of, refuse a file with
uncommitted hand edits, apply the change in memory, let the follow-ups add what the change
opens (a callback, a follow-up complaint, both links), refuse it all if any case would be
invalid, prepare the one commit, record it in the journal (`casekit.vcs.journal`), write
the files, move HEAD, and clear the journal. A failure puts the old bytes back; a kill is
settled by the next command (or `casekit repair`) from the journal.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from casekit.codec.yamlio import block_map, dump_round_trip, flow_map
from casekit.core import effects, notes, words
from casekit.core.casefile import (
    apply_changes,
    fields_of,
    ordered_keys,
    parse_assignments,
    parse_change,
    parse_changes,
)
from casekit.core.commits import UPDATED_ACTION
from casekit.core.config import Config, KindSpec
from casekit.core.effects import apply_entry, derive
from casekit.core.fields import control_character
from casekit.core.ids import CaseId, new_id, parse_id, relative_case_path, seeded_bits
from casekit.core.registry import Registry
from casekit.core.timeutil import format_datetime
from casekit.core.validation import check_case, parse_doc
from casekit.core.workflow import (
    MoveRequest,
    approval_reasons,
    change_refusals,
    check_move,
    field_change_request,
    move_values,
    refusal_for_unknown_move,
    refuse_if_final,
    requires_approval,
    transition_rule,
    unmet_condition,
)
from casekit.errors import CasekitError, Refused
from casekit.i18n import _
from casekit.index.reader import find_case
from casekit.service.env import Actor, Env
from casekit.store.casefiles import parse_case, relpath, write_atomically
from casekit.vcs import git as vcs
from casekit.vcs import journal


@dataclass(frozen=True)
class Change:
    """What one action did, as it goes into the history entry and the commit."""

    action: str
    subject: str
    source: str | None = None
    target: str | None = None
    note: str | None = None
    trailers: tuple[tuple[str, str], ...] = ()
    # Other files committed together with the case file (repository-relative path, content),
    # such as evidence photos; hashed through .gitattributes filters, as `git add` would.
    files: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Outcome:
    case_id: str
    path: Path
    commit: str
    case: Mapping[str, Any]
    messages: list[str] = field(default_factory=list)
    # the other cases the same commit wrote: those it opened and those it linked
    others: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What a mutation may consult: config, kind, actor and the time of the change."""

    env: Env
    config: Config
    kind: KindSpec
    actor: Actor
    now: datetime

    @property
    def stamp(self) -> str:
        return format_datetime(self.now, self.config.tz)


@dataclass(frozen=True)
class CaseRequest:
    """What a new case is opened with: `casekit new`'s options. `case_id` is for replaying
    the examples; `links` are cases the new one follows."""

    title: str
    customer: str
    phone: str | None
    channel: str
    priority: str | None = None
    assignee: str | None = None
    salutation: str | None = None
    sets: Sequence[str] = ()
    note: str | None = None
    case_id: str | None = None
    links: Sequence[str] = ()
    replied: bool = False  # the agent already answered the customer when opening it


@dataclass
class Staged:
    """One case file an action writes: where, its committed bytes (None: new) and the case."""

    ctx: Context
    path: Path
    original: bytes | None
    case: MutableMapping[str, Any]
    change: Change
    derived: bool = False  # deadlines and flags brought up to date (`effects.DERIVERS`)
    content: bytes | None = None  # the file's new bytes, once checked (`checked_content`)

    def derive(self) -> None:
        if not self.derived:
            derive(self.case, self.ctx.config, self.ctx.kind)
            self.derived = True

    def checked_content(self, root: Path) -> bytes:
        """The case derived and written out, refused if it would add a problem to the file.
        Worked out once: nothing may change the case after it is checked."""
        if self.content is None:
            self.derive()
            content = dump_round_trip(self.case).encode("utf-8")
            _refuse_new_problems(self.ctx.config, relpath(root, self.path), self.original, content)
            self.content = content
        return self.content

    @property
    def case_id(self) -> str:
        return str(self.case["id"])


class Transaction:
    """The cases one user action writes, committed together in one commit: the case acted
    on, the cases its follow-ups open, and the links between them."""

    def __init__(self, env: Env, primary: Staged) -> None:
        self.env = env
        self.primary = primary
        self.others: list[Staged] = []
        self.opened: list[str] = []
        self.linked: list[str] = []
        self.updated: list[str] = []

    @property
    def staged(self) -> list[Staged]:
        return [self.primary, *self.others]

    def add_opened(self, staged: Staged) -> None:
        """A case the action opens, written in its commit (`Case-Opened`)."""
        self.others.append(staged)
        self.opened.append(staged.case_id)

    def add_linked(self, staged: Staged) -> None:
        """The other side of a link the action makes, written in its commit (`Case-Linked`)."""
        self.others.append(staged)
        self.linked.append(staged.case_id)

    def open_linked(self, kind_name: str, request: CaseRequest, *, also: Sequence[Staged] = ()) -> Staged:
        """Open a case linked both ways with the primary one (and with each case of `also`,
        cases this transaction already writes), in the same commit; the history entry each
        of them gains in this commit records it (`opened: [ID]`)."""
        sides = [self.primary, *(s for s in also if s is not self.primary)]
        taken = frozenset(s.case_id for s in self.staged)
        staged = _new_case(
            self.env, kind_name, dataclasses.replace(request, links=[s.case_id for s in sides]), taken=taken
        )
        staged.derive()  # its deadlines are known to the follow-up that opened it
        self.add_opened(staged)
        for side in sides:
            links = _links(side.case)
            if staged.case_id not in links:
                links.append(staged.case_id)
            _record_opened(side.case["history"][-1], staged.case_id)
        return staged

    def update_linked(self, reference: str, record: Mapping[str, Any]) -> Staged:
        """Record on an existing case what the primary one's action did (`Case-Updated`):
        one history entry of action `commits.UPDATED_ACTION`, with the commit's time, actor
        and note, naming the case acted on (`case`) and holding `record` (the values it sets,
        under `set`, and whatever else the entry says). Its effect applies at once."""
        path, original, case, kind = _load_for_change(self.env, reference)
        ctx = dataclasses.replace(self.primary.ctx, kind=kind)
        change = Change(UPDATED_ACTION, f"{case['id']}: {UPDATED_ACTION}", note=self.primary.change.note)
        extra: dict[str, Any] = {"case": self.primary.case_id}
        for key, value in record.items():
            extra[key] = flow_map(dict(value)) if isinstance(value, Mapping) else value
        apply_entry(case, history_entry(ctx, change, extra), block_map)
        staged = Staged(ctx, path, original, case, change)
        self.others.append(staged)
        self.updated.append(staged.case_id)
        return staged


def _record_opened(entry: Any, case_id: str) -> None:
    """The entry records that its commit opened case `case_id` (`opened: [ID]`), the note last."""
    opened = [*entry.get("opened", []), case_id]
    if "opened" not in entry and "note" in entry:
        entry.insert(list(entry).index("note"), "opened", opened)
    else:
        entry["opened"] = opened


def _links(case: MutableMapping[str, Any]) -> list[Any]:
    """The case's list of links, made empty where there is none."""
    links = case.get("links")
    if not isinstance(links, list):
        links = case["links"] = []
    return links


# Functions run inside an action's transaction, before its commit: they may open linked
# cases (`Transaction.open_linked`), which go into the same commit, and return lines to tell
# the user, e.g. "opened callback B-...".
FollowUp = Callable[[Transaction, Change], list[str]]
FOLLOW_UPS: Registry[FollowUp] = Registry("actions.FOLLOW_UPS")

# Functions run inside an action's transaction, before its follow-ups and its commit, that
# check what the action writes: they refuse (raise Refused) or return warnings to tell the
# user. Unlike follow-ups they always run (CASEKIT_NO_FOLLOW_UPS turns off follow-ups only).
CHECKS: Registry[FollowUp] = Registry("actions.CHECKS")

# Functions run after the commit, reading what was committed, for lines to tell the user.
Notice = Callable[[Env, Outcome, Change], list[str]]
NOTICES: Registry[Notice] = Registry("actions.NOTICES")


def commit_message(
    case: Mapping[str, Any],
    change: Change,
    actor: Actor,
    *,
    opened: Sequence[str] = (),
    linked: Sequence[str] = (),
    updated: Sequence[str] = (),
) -> str:
    lines = [change.subject, ""]
    if change.note and not isinstance(change.note, notes.Note):
        lines += [change.note.strip(), ""]
    lines += [
        f"Case-Id: {case['id']}",
        f"Case-Kind: {case['kind']}",
        f"Case-Action: {change.action}",
    ]
    if change.source is not None:
        lines.append(f"Case-From: {change.source}")
    if change.target is not None:
        lines.append(f"Case-To: {change.target}")
    lines.append(f"Case-Actor: {actor.ident}")
    lines += [f"{key}: {value}" for key, value in change.trailers]
    if isinstance(change.note, notes.Note):
        lines.append("{}: {}".format(*notes.remark_trailer(change.note)))
    lines += [f"Case-Opened: {case_id}" for case_id in opened]
    lines += [f"Case-Linked: {case_id}" for case_id in linked]
    lines += [f"Case-Updated: {case_id}" for case_id in updated]
    lines.append(f"{effects.DERIVED_TRAILER}: {effects.DERIVED_VERSION}")
    return "\n".join(lines) + "\n"


def history_entry(ctx: Context, change: Change, extra: Mapping[str, Any] | None = None) -> Any:
    if change.note and (problem := control_character(change.note)):
        raise Refused(_("the note {problem}").format(problem=problem))
    entry: dict[str, Any] = {"at": ctx.stamp, "by": ctx.actor.login, "action": change.action}
    if change.source is not None:
        entry["from"] = change.source
    if change.target is not None:
        entry["to"] = change.target
    entry.update(extra or {})
    if isinstance(change.note, notes.Note):  # casekit's own words, kept as a key
        entry[notes.REMARK_KEY] = flow_map(change.note.record())
    elif change.note:
        entry["note"] = change.note.strip()
    return flow_map(entry)


def _context(env: Env, kind: KindSpec, now: datetime | None = None) -> Context:
    config = env.config
    return Context(env, config, kind, env.actor(), now or env.now(config.tz))


def _commit(tx: Transaction) -> Outcome:
    """Derive, check, write and commit every staged case as one commit; on any failure the
    files get their old bytes back, and a kill is settled from the journal."""
    env = tx.env
    root = env.root
    primary = tx.primary
    contents = {relpath(root, s.path): s.checked_content(root) for s in tx.staged}
    extra = dict(primary.change.files)
    new_files = {relpath(root, s.path) for s in tx.staged if s.original is None}
    new_files |= {name for name in extra if not (root / name).exists()}
    ctx = primary.ctx
    message = commit_message(
        primary.case, primary.change, ctx.actor, opened=tx.opened, linked=tx.linked, updated=tx.updated
    )
    commit = write_and_commit(
        root,
        {**contents, **extra},
        message,
        author=vcs.Ident(ctx.actor.name, ctx.actor.email),
        when=ctx.now,
        new_files=frozenset(new_files),
        filtered=frozenset(extra),
    )
    return Outcome(primary.case_id, primary.path, commit, primary.case, others=[s.case_id for s in tx.others])


def write_and_commit(
    root: Path,
    contents: Mapping[str, bytes],
    message: str,
    *,
    author: vcs.Ident,
    when: datetime,
    new_files: frozenset[str] = frozenset(),
    filtered: frozenset[str] = frozenset(),
) -> str:
    """Write `contents` (repository-relative path -> bytes) and commit them as one commit,
    as every casekit change is committed: prepared, recorded in the journal, written, HEAD
    moved. On any failure the files get their old bytes back (`new_files` are removed),
    and a kill is settled from the journal by the next command. The caller holds
    `repo_lock`. Returns the commit id."""
    prepared = vcs.prepare_commit(root, contents, message, author=author, when=when, filtered=filtered)
    journal.record(root, prepared, new_files)
    try:
        for name, data in contents.items():
            write_atomically(root / name, data)
        commit = vcs.publish_commit(root, prepared)
    except vcs.IndexOutOfLine:
        journal.clear(root)
        raise  # committed: the files hold what the commit holds
    except BaseException:
        journal.recover(root)  # undone (or finished, if HEAD moved), as after a kill
        raise
    journal.clear(root)
    return commit


def _refuse_new_problems(config: Config, rel: str, before: bytes | None, after: bytes) -> None:
    """casekit never writes a case it would itself call invalid (old problems are tolerated)."""
    doc_after, syntax = parse_doc(rel, after)
    if syntax or doc_after is None:  # pragma: no cover - our own dump is always YAML
        raise CasekitError(_("{path}: internal error, the rewritten case is not valid YAML").format(path=rel))
    known: set[str] = set()
    if before is not None:
        doc_before, _syntax = parse_doc(rel, before)
        if doc_before is not None:
            known = {p.message for p in check_case(doc_before, config)}
    new = [p for p in check_case(doc_after, config) if p.message not in known]
    if new:
        raise Refused(_("{problem} (nothing was changed)").format(problem=new[0].message))


def _run_follow_ups(tx: Transaction) -> list[str]:
    messages: list[str] = []
    for check in CHECKS:
        messages.extend(check(tx, tx.primary.change))
    if not tx.env.follow_ups:
        return messages
    for follow_up in FOLLOW_UPS:
        messages.extend(follow_up(tx, tx.primary.change))
    return messages


def _run_notices(env: Env, outcome: Outcome, change: Change) -> Outcome:
    for notice in NOTICES:
        outcome.messages.extend(notice(env, outcome, change))
    return outcome


def _settle_and_commit(tx: Transaction) -> Outcome:
    messages = _run_follow_ups(tx)
    outcome = _commit(tx)
    outcome.messages[:0] = messages
    return outcome


def _load_for_change(env: Env, reference: str) -> tuple[Path, bytes, Any, KindSpec]:
    """Read a case for rewriting; refuse one whose file differs from the last commit."""
    path = find_case(env.root, env.config, reference)
    rel = relpath(env.root, path)
    original = path.read_bytes()
    state = vcs.ask_file_state(env.root, rel)  # git looks while the file is parsed
    try:
        case = parse_case(env.root, path, original, for_rewrite=True, max_bytes=env.config.case_file_bytes)
    except Refused:
        _refuse_uncommitted(path, rel, original, state())  # the first thing to fix
        raise
    _refuse_uncommitted(path, rel, original, state())
    kind = env.config.kinds.get(case.get("kind"))
    if kind is None:
        raise Refused(
            _("{case}: unknown kind {kind} in {path}; run `casekit validate`").format(
                case=path.stem, kind=repr(case.get("kind")), path=rel
            )
        )
    return path, original, case, kind


def _refuse_uncommitted(path: Path, rel: str, original: bytes, state: vcs.FileState) -> None:
    blob = vcs.blob_id(original)
    if state.head is None:
        raise Refused(
            _(
                "{case}: {path} was never committed (left over from an interrupted command, or "
                "made by hand); remove it with `rm {path}` (and `git rm --cached {path}` if it is staged), "
                "or commit it with git, before changing the case with casekit"
            ).format(case=path.stem, path=rel)
        )
    if state.index != blob or state.head != blob:
        raise Refused(
            _(
                "{case}: {path} has uncommitted changes; commit them with a message, or discard them "
                "with `git checkout HEAD -- {path}`, before changing the case with casekit"
            ).format(case=path.stem, path=rel)
        )


def begin(env: Env) -> list[str]:
    """What every writer does first, under the lock: settle an interrupted change, and
    refuse to write while a sync is stopped on a conflict. Returns lines for the user."""
    settled = journal.recover(env.root)
    _refuse_while_rebasing(env.root)
    return [settled] if settled else []


def repair_interrupted(env: Env) -> str:
    """`casekit repair`: settle an interrupted change (`casekit.vcs.journal.recover`)."""
    with vcs.repo_lock(env.root):
        settled = journal.recover(env.root)
    return settled or _("nothing to repair: no casekit change was interrupted in this clone")


def _refuse_while_rebasing(root: Path) -> None:
    if vcs.rebase_in_progress(root):
        raise Refused(
            _(
                "a `casekit sync` is stopped on a conflict; settle it first with "
                "`casekit resolve-conflict ID --keep ours|theirs` "
                "(or give the sync up with `git rebase --abort`)"
            )
        )


def change_case(
    env: Env,
    reference: str,
    mutate: Callable[[MutableMapping[str, Any], Context], Change],
) -> Outcome:
    """Apply `mutate` to one case as a single commit. `mutate` raises Refused to refuse."""
    with vcs.repo_lock(env.root):
        settled = begin(env)
        path, original, case, kind = _load_for_change(env, reference)
        ctx = _context(env, kind)
        change = mutate(case, ctx)
        outcome = _settle_and_commit(Transaction(env, Staged(ctx, path, original, case, change)))
    outcome.messages[:0] = settled
    return _run_notices(env, outcome, change)


def _parse_sets(ctx: Context, case_id: str, sets: list[str]) -> dict[str, Any]:
    try:
        return parse_changes(ctx.kind, ctx.config, parse_assignments(sets), ctx.config.tz)
    except ValueError as exc:
        raise Refused(_("{case}: {notice}").format(case=case_id, notice=exc)) from None


def _changes_record(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {"set": flow_map(dict(changes))} if changes else {}


def _field_change_request(
    ctx: Context, case: Mapping[str, Any], changes: Mapping[str, Any], action: str
) -> MoveRequest:
    """A change that moves nothing, as approval rules see it (the case after the change)."""
    candidate = copy.deepcopy(dict(case))
    apply_changes(candidate, changes)
    person = ctx.config.person(ctx.actor.login)
    roles = person.roles if person else ()
    status = str(case.get("status"))
    return field_change_request(candidate, ctx.kind, status, changes, ctx.actor.login, roles, action, ctx.now)


def _refusal(subject: str, *reasons: str) -> str:
    """`C-…: why; and why` with the reader's punctuation (`C-…：why；and why` in Chinese)."""
    return _("{case}: {notice}").format(case=subject, notice=_("; ").join(reasons))


def _approval(
    ctx: Context, request: MoveRequest, label: str
) -> tuple[tuple[tuple[str, str], ...], dict[str, Any]]:
    """Refuse a change a rule refuses (`CHANGE_REFUSALS`) or one that needs a supervisor the
    actor is not; else (trailers, history extras)."""
    refusals = change_refusals(request, ctx.config)
    if refusals:
        raise Refused(_refusal(label, *refusals))
    problems = requires_approval(request, ctx.config)
    if problems:
        raise Refused(_refusal(label, *problems))
    reasons = approval_reasons(request, ctx.config)
    if not reasons:
        return (), {}
    extra = {"approved_by": ctx.actor.login, "approval": notes.records(reasons)}
    return (("Case-Approved-By", ctx.actor.ident),), extra


def open_case(
    env: Env,
    kind_name: str,
    *,
    title: str,
    customer: str,
    phone: str | None,
    channel: str,
    priority: str | None = None,
    assignee: str | None = None,
    salutation: str | None = None,
    sets: list[str] | None = None,
    note: str | None = None,
    case_id: str | None = None,
    links: list[str] | None = None,
    replied: bool = False,
) -> Outcome:
    """Open a new case in its kind's initial state; `case_id` is for replaying examples.

    `links` are cases the new one follows: they are on the case and in its 'open' history
    entry, and each of them links back with a 'link' entry, all in the one commit.
    """
    request = CaseRequest(
        title=title,
        customer=customer,
        phone=phone,
        channel=channel,
        priority=priority,
        assignee=assignee,
        salutation=salutation,
        sets=sets or (),
        note=note,
        case_id=case_id,
        links=[find_case(env.root, env.config, ref).stem for ref in links or []],
        replied=replied,
    )
    with vcs.repo_lock(env.root):
        settled = begin(env)
        staged = _new_case(env, kind_name, request)
        tx = Transaction(env, staged)
        for other in staged.case["links"]:  # the cases it follows link back, in the same commit
            side = _link_side(env, other, staged.case_id, note)
            if side is not None:
                tx.add_linked(side)
        outcome = _settle_and_commit(tx)
    outcome.messages[:0] = settled
    return _run_notices(env, outcome, staged.change)


@dataclass
class Opened:
    """What `open_cases` did with one request: the new case's ID, or why it was refused."""

    case_id: str | None
    refusal: str | None = None


def open_cases(
    env: Env, kind_name: str, requests: Sequence[CaseRequest], *, what: str
) -> tuple[list[Opened], list[str]]:
    """Open many cases of one kind (an import, a plan) as one commit: one user action.
    A request casekit refuses is reported in
    its place and the others are opened. The first case opened is the commit's `Case-Id`,
    the others its `Case-Opened`; `what` goes in the commit's subject, e.g. 'imported
    signups.csv'. Returns what became of each request, and lines for the user."""
    results: list[Opened] = []
    with vcs.repo_lock(env.root):
        settled = begin(env)
        staged: list[Staged] = []
        for request in requests:
            try:
                one = _new_case(env, kind_name, request, taken=frozenset(s.case_id for s in staged))
                one.checked_content(env.root)  # a request that would be invalid is refused alone
            except Refused as exc:
                results.append(Opened(None, str(exc)))
                continue
            staged.append(one)
            results.append(Opened(one.case_id))
        if staged:
            first = staged[0]
            if len(staged) > 1:
                subject = f"{first.case_id}: opened, with {len(staged) - 1} more ({what})"
                first.change = dataclasses.replace(first.change, subject=subject)
            tx = Transaction(env, first)
            for other in staged[1:]:
                tx.add_opened(other)
            _commit(tx)
    return results, settled


def _new_case(
    env: Env, kind_name: str, request: CaseRequest, *, taken: frozenset[str] = frozenset()
) -> Staged:
    """A new case, checked and staged, not yet written: the caller holds the lock."""
    config = env.config
    kind = config.kind(known_kind(config, kind_name))
    ctx = _context(env, kind)
    label = _("new {kind}").format(kind=kind.name)
    options = [
        ("--title", "title", request.title),
        ("--customer", "customer.name", request.customer),
        ("--channel", "channel", request.channel),
        ("--priority", "priority", request.priority or config.default_priority),
    ]
    if request.phone:
        options.append(("--phone", "customer.phone", request.phone))
    if request.salutation:
        options.append(("--salutation", "customer.salutation", request.salutation))
    core: dict[str, Any] = {}
    for flag, key, text in options:
        try:
            core[key] = parse_change(kind, config, key, text, config.tz)
        except ValueError as exc:
            raise Refused(_refusal(label, f"{flag}: {exc}")) from None
    try:
        extra = parse_changes(kind, config, parse_assignments(list(request.sets)), config.tz)
    except ValueError as exc:
        raise Refused(_refusal(label, str(exc))) from None
    missing = [n for n, spec in kind.fields.items() if spec.required and extra.get(n) in (None, "")]
    if missing:
        hint = " ".join(f"--set {n}=..." for n in missing)
        raise Refused(
            _("{label}: a {kind} needs {fields}; pass {hint}").format(
                label=label, kind=kind.name, fields=", ".join(missing), hint=hint
            )
        )
    login = _known_assignee(config, request.assignee, label) if request.assignee else ctx.actor.login

    identifier = _fresh_id(env.root, kind, ctx, request.case_id, taken)
    case = block_map({})
    case["id"] = str(identifier)
    case["kind"] = kind.name
    case["status"] = kind.initial
    case["priority"] = core.pop("priority")
    case["title"] = core.pop("title")
    case["customer"] = block_map({})
    case["channel"] = core.pop("channel")
    case["opened_at"] = ctx.stamp
    case["assignee"] = login
    case["fields"] = block_map({})
    case["links"] = list(dict.fromkeys(request.links))
    fields_set = {k: v for k, v in extra.items() if v is not None}
    apply_changes(case, core)
    apply_changes(case, fields_set, block_map)
    trailers, approval = _approval(ctx, _field_change_request(ctx, case, fields_set, "open"), label)
    change = Change(
        "open", f"{identifier}: opened", target=kind.initial, note=request.note, trailers=trailers
    )
    record = _changes_record(fields_of(case))
    if case["links"]:
        record["links"] = list(case["links"])
    if request.replied:
        record["replied"] = True
    case["history"] = [history_entry(ctx, change, record | approval)]
    _reorder(case)
    path = env.root / relative_case_path(kind.name, identifier)
    return Staged(ctx, path, None, case, change)


def known_kind(config: Config, word: str) -> str:
    """The kind a word names (its key or its Chinese or English label), else a refusal
    listing the kinds."""
    try:
        return words.resolve(words.kinds(config), word)
    except words.UnknownWord as exc:
        raise Refused(str(exc)) from None


def _fresh_id(
    root: Path, kind: KindSpec, ctx: Context, given: str | None, taken: frozenset[str] = frozenset()
) -> CaseId:
    if given is not None:
        parsed = parse_id(given)
        if parsed is None or parsed.prefix != kind.prefix:
            raise Refused(_("{given} is not a {kind} ID").format(given=repr(given), kind=kind.name))
        if (root / relative_case_path(kind.name, parsed)).exists():
            raise Refused(_("case {case} already exists").format(case=given))
        return parsed
    day = ctx.now.astimezone(ctx.config.tz).date()
    seed = ctx.env.id_seed
    for attempt in range(100):
        if seed:
            bits = seeded_bits(f"{seed}#{attempt}")
        else:
            import secrets  # only commands that open cases need it (it imports random)

            bits = secrets.randbits(40)
        candidate = new_id(kind.prefix, day, bits)
        if str(candidate) not in taken and not (root / relative_case_path(kind.name, candidate)).exists():
            return candidate
    raise CasekitError(_("could not find a free case ID; check the cases/ folder"))  # pragma: no cover


def _reorder(case: MutableMapping[str, Any]) -> None:
    items = [(k, case[k]) for k in ordered_keys(case)]
    for key, _value in items:
        del case[key]
    for key, value in items:
        case[key] = value


def _known_assignee(config: Config, who: str, case_label: str) -> str:
    try:
        return words.person(config, who)
    except words.UnknownWord as exc:
        raise Refused(_("{label}: {problem}").format(label=case_label, problem=exc)) from None


def move_case(
    env: Env, reference: str, target: str, *, note: str | None = None, sets: list[str] | None = None
) -> Outcome:
    """Move a case to `target` (a state's key or label) if the workflow allows it and its
    requirements are met."""

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        source = str(case.get("status"))
        try:
            state = words.resolve(words.kind_states(ctx.kind), target)
        except words.UnknownWord as exc:
            raise Refused(_("{case}: {notice}").format(case=case_id, notice=exc)) from None
        changes = _parse_sets(ctx, case_id, sets or [])
        candidate = copy.deepcopy(dict(case))
        apply_changes(candidate, changes)
        rule = transition_rule(ctx.kind, source, state)
        if rule is None:
            refusal = refusal_for_unknown_move(ctx.kind, source, state, candidate)
            raise Refused(_("{case}: {notice}").format(case=case_id, notice=refusal))
        unmet = unmet_condition(ctx.kind, rule, candidate)
        if unmet:
            raise Refused(_("{case}: {notice}").format(case=case_id, notice=unmet))
        person = ctx.config.person(ctx.actor.login)
        request = MoveRequest(
            case=candidate,
            kind=ctx.kind,
            source=source,
            target=state,
            rule=rule,
            actor_login=ctx.actor.login,
            actor_roles=person.roles if person else (),
            changes=changes,
            action="move",
            at=ctx.now,
        )
        automatic = move_values(request, ctx.config)
        if automatic:
            changes |= _parse_sets(ctx, case_id, [f"{name}={text}" for name, text in automatic.items()])
            apply_changes(candidate, changes)
            request = dataclasses.replace(request, case=candidate, changes=changes)
        problems = check_move(request, ctx.config)
        if problems:
            raise Refused(_refusal(case_id, *problems))
        approvals = approval_reasons(request, ctx.config)
        trailers = (("Case-Approved-By", ctx.actor.ident),) if approvals else ()
        change = Change("move", f"{case_id}: {source} -> {state}", source, state, note, trailers)
        extra = _changes_record(changes)
        if approvals:
            extra |= {"approved_by": ctx.actor.login, "approval": notes.records(approvals)}
        apply_entry(case, history_entry(ctx, change, extra), block_map)
        return change

    return change_case(env, reference, mutate)


def assign_case(env: Env, reference: str, agent: str, *, note: str | None = None) -> Outcome:
    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        # TRANSLATORS: completes "... a final state, so it cannot be {what}"
        refuse_if_final(case, ctx.kind, _("reassigned"))
        login = _known_assignee(ctx.config, agent, case_id)
        if case.get("assignee") == login:
            raise Refused(_("{case}: it is already assigned to {login}").format(case=case_id, login=login))
        change = Change("assign", f"{case_id}: assigned to {login}", note=note)
        apply_entry(case, history_entry(ctx, change, {"assignee": login}), block_map)
        return change

    return change_case(env, reference, mutate)


def note_case(env: Env, reference: str, text: str) -> Outcome:
    if not text.strip():
        raise Refused(_("the note is empty; write what happened, e.g. casekit note ID '已致电客户'"))

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        change = Change("note", f"{case['id']}: note", note=text)
        apply_entry(case, history_entry(ctx, change), block_map)
        return change

    return change_case(env, reference, mutate)


def update_case(
    env: Env,
    reference: str,
    sets: list[str],
    *,
    note: str | None = None,
    subject: Callable[[str], str] | None = None,
    check: Callable[[Mapping[str, Any], Context], None] | None = None,
) -> Outcome:
    """Change fields without moving the case. `subject` words the commit's first line
    from the case ID (default: the fields set); `check` may refuse first."""
    if not sets:
        raise Refused(_("nothing to change; pass --set key=value"))

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        # TRANSLATORS: completes "... a final state, so it cannot be {what}"
        refuse_if_final(case, ctx.kind, _("changed"))
        if check is not None:
            check(case, ctx)
        changes = _parse_sets(ctx, case_id, sets)
        trailers, approval = _approval(ctx, _field_change_request(ctx, case, changes, "set"), case_id)
        summary = subject(case_id) if subject is not None else f"{case_id}: set {', '.join(changes)}"
        change = Change("set", summary, note=note, trailers=trailers)
        apply_entry(case, history_entry(ctx, change, _changes_record(changes) | approval), block_map)
        return change

    return change_case(env, reference, mutate)


def link_cases(env: Env, reference: str, other: str, *, note: str | None = None) -> Outcome:
    """Link two cases both ways, in one commit with a 'link' entry in each case (only the
    missing side, when one side already links)."""
    config = env.config
    first = find_case(env.root, config, reference).stem
    second = find_case(env.root, config, other).stem
    if first == second:
        raise Refused(_("{case}: a case cannot be linked to itself").format(case=first))
    with vcs.repo_lock(env.root):
        settled = begin(env)
        sides = [_link_side(env, this, that, note) for this, that in ((first, second), (second, first))]
        present = [side for side in sides if side is not None]
        if not present:
            raise Refused(_("{first} and {second} are already linked").format(first=first, second=second))

        tx = Transaction(env, present[0])
        for side in present[1:]:
            tx.add_linked(side)
        outcome = _settle_and_commit(tx)
    outcome.messages[:0] = settled
    return _run_notices(env, outcome, tx.primary.change)


def _link_side(env: Env, this: str, that: str, note: str | None) -> Staged | None:
    """Case `this` loaded, linked to `that` with a 'link' entry; None when it already links."""
    path, original, case, kind = _load_for_change(env, this)
    if that in _links(case):
        return None
    ctx = _context(env, kind)
    change = Change("link", f"{this}: linked to {that}", note=note)
    apply_entry(case, history_entry(ctx, change, {"case": that}), block_map)
    return Staged(ctx, path, original, case, change)


@dataclass
class Loaded:
    """An existing case read for rewriting by `change_together`, with its context."""

    ctx: Context
    path: Path
    original: bytes
    case: MutableMapping[str, Any]


def change_together(
    env: Env, references: Sequence[str], mutate: Callable[[list[Loaded]], list[Change]]
) -> Outcome:
    """Change several existing cases as one commit, at one instant. Under the lock each is
    loaded (refusing uncommitted edits); `mutate` changes them in place and returns one
    Change per case, the first being the case acted on (whose trailers name the others);
    it raises Refused to refuse. Then every case is derived, checked and committed."""
    with vcs.repo_lock(env.root):
        settled = begin(env)
        now = env.now(env.config.tz)
        loaded = []
        for reference in references:
            path, original, case, kind = _load_for_change(env, reference)
            loaded.append(Loaded(_context(env, kind, now), path, original, case))
        changes = mutate(loaded)
        staged = [
            Staged(item.ctx, item.path, item.original, item.case, change)
            for item, change in zip(loaded, changes, strict=True)
        ]
        tx = Transaction(env, staged[0])
        tx.others.extend(staged[1:])
        outcome = _settle_and_commit(tx)
    outcome.messages[:0] = settled
    return _run_notices(env, outcome, staged[0].change)
