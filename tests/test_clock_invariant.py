"""No clock silently stops: random walks of every kind of case through the bundled workflows.

Hypothesis walks complaints, callbacks and returns (every return type, callback type,
complaint category, channel and priority) through the workflows of the repository's own
casekit.yaml: moves the workflow allows for the case's state and fields (with the fields a
move requires, set as `--set` does), reopening a resolved complaint, waiting on the customer,
escalations (major or not), promises, notes, dial attempts, field updates and assignments,
with the clock moving minutes to days between steps, across nights, weekends and the 2026
Chinese holidays. After every step, at its instant and at later instants before the next
step, it checks, for a case not in a final state:

1. some deadline is running (open or overdue), or the case is paused with a reason: a
   paused deadline entry carries a non-empty `paused_reason` saying what resumes it
   (e.g. 等待客户寄回商品 (waiting for the customer's parcel));
2. no deadline lies before its start;
3. a paused clock is due exactly `within` plus the time it stood still (`paused`) after its
   start, in working time for a working-time rule, in calendar time otherwise;
4. reopening keeps history: the deadlines met when the complaint was resolved are still
   there, unchanged; and more generally, a deadline once met is not changed by any later
   step (its rule, due and met time stay as they were).

The cases are built by casekit's own code, as a command builds them, without git: the
opening is `actions._new_case` (what `casekit new` stages), each change is the command's
own steps (the workflow checks and guards, the approval rules, `history_entry`,
`apply_entry`), and `actions.Staged.derive` brings the derived data up to date
(`effects.derive`: every deriver, `derive_deadlines` among them), as a command does
before its commit. A step casekit refuses is not taken. The second test runs the real
`casekit` for a few seeded walks: every step the in-process walk takes is accepted by the
command, the file it writes has the deadlines the in-process walk computed, and every
clock `show` reports overdue is in `list --overdue` and in `due`.

Until the deadline engine gives every waiting case a reason (`paused_reason`) and every
open state a running clock, the first tests fail, each with one shrunk example per kind
of failure (kind, return type, state, reopened, after a dial attempt).
"""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from casekit.codec.yamlio import block_map
from casekit.core import notes
from casekit.core.casefile import apply_changes
from casekit.core.config import Config, KindSpec
from casekit.core.due import PROMISE_CLOCK, State, deadline_state, deadlines_of
from casekit.core.effects import apply_entry
from casekit.core.timeutil import format_datetime
from casekit.core.workcal import DAY_END, parse_duration, parse_span
from casekit.core.workflow import (
    MoveRequest,
    allowed_targets,
    approval_reasons,
    check_move,
    refuse_if_final,
    transition_rule,
    unmet_condition,
)
from casekit.errors import Refused
from casekit.features.deadlines.calendar import calendar_for
from casekit.features.deadlines.escalation import escalation_settings
from casekit.features.deadlines.facts import escalations, is_major, major_by_default
from casekit.features.deadlines.service import promise_time
from casekit.service import actions
from casekit.service.env import Env, resolve_actor
from casekit.store.configfile import read_config
from conftest import CLI, PROJECT, read_case

_BUNDLED, _PROBLEMS = read_config(PROJECT)  # the bundled config, as `casekit init` copies it
assert _BUNDLED is not None and not _PROBLEMS, _PROBLEMS
CONFIG: Config = _BUNDLED
CALENDAR = calendar_for(CONFIG)
TZ = CONFIG.tz
AGENT, SUPERVISOR = "li.na", "zhang.wei"
RETURN_TYPES = ("return", "exchange", "partial-refund", "resend", "refund-only")
# What the walks checked, printed at the end: cases, steps, instants judged, and deadline
# entries measured by invariant 3 (of which paused ones, and calendar-time ones), reopens.
SIZE = dict.fromkeys(("cases", "steps", "instants", "entries", "paused", "calendar", "reopens"), 0)

# ---------------------------------------------------------------------------------------
# Steps: one casekit command each, replayable in-process and through the CLI.


@dataclass(frozen=True)
class Step:
    """One command on the case: `action` is the casekit command (new, move, note, update,
    assign, promise, escalate, attempt); `arg` its argument (the state, agent, supervisor,
    outcome or reply-by time); `sets` its --set pairs."""

    at: datetime
    actor: str
    action: str
    arg: str = ""
    sets: tuple[str, ...] = ()
    major: bool = False
    # `casekit new` only
    kind: str = ""
    channel: str = ""
    priority: str = ""

    def describe(self) -> str:
        when = f"{self.at:%Y-%m-%d %a %H:%M}"
        words = [self.action, self.kind or self.arg]
        if self.action == "new":
            words += [f"--channel {self.channel}", f"--priority {self.priority}"]
        words += [f"--set {pair}" for pair in self.sets]
        if self.major:
            words.append("--major")
        return f"{when} {self.actor}: casekit {' '.join(w for w in words if w)}"

    def command(self, case_id: str) -> list[str]:
        """The `casekit` arguments of this step."""
        sets = [arg for pair in self.sets for arg in ("--set", pair)]
        if self.action == "new":
            opening = ["--title", "随机流程", "--customer", "王先生", "--phone", "13800138000"]
            return ["new", self.kind, *opening, "--channel", self.channel, "--priority", self.priority, *sets]
        if self.action == "move":
            return ["move", case_id, self.arg, *sets]
        if self.action == "update":
            return ["update", case_id, *sets]
        if self.action == "note":
            return ["note", case_id, "已致电客户，说明进展"]
        if self.action == "assign":
            return ["assign", case_id, self.arg]
        if self.action == "promise":
            return ["promise", case_id, "--by", self.arg, "--note", "约定回复时间"]
        if self.action == "escalate":
            major = ["--major"] if self.major else []
            return ["escalate", case_id, "--to", self.arg, "--note", "客户情绪激动，已安抚", *major]
        if self.action == "attempt":
            return ["attempt", case_id, "--outcome", self.arg]
        raise AssertionError(self.action)


# Plausible values for the fields a move or a guard asks for (`--set name=...`); a field
# with several listed values gives one candidate move per value.
FIELD_OPTIONS: dict[str, tuple[str, ...]] = {
    "satisfaction": ("satisfied", "neutral", "dissatisfied"),
    "refund_amount": ("8.00", "80.00"),  # below / above the standard postage (partial refunds)
}
FIELD_VALUES: dict[str, str] = {
    "return_tracking_no": "SF1234567890",
    "reship_tracking_no": "SF9876543210",
    "order_no": "E20260915001",
    "amount_paid": "199.00",
    "postage_amount": "12.00",
    "exchange_price": "199.00",
    "responsible_department": "售后技术部",
}
TEXT_BY_TYPE = {"string": "示例", "text": "已与客户沟通确认", "money": "20.00", "date": "2026-09-10"}


def plausible(kind: KindSpec, name: str) -> str:
    if name in FIELD_VALUES:
        return FIELD_VALUES[name]
    spec = kind.fields[name]
    if spec.type == "enum":
        return next(iter(spec.values))
    if spec.type == "boolean":
        return "no"
    return TEXT_BY_TYPE.get(spec.type, "1")


_HINT = re.compile(r"--set (\w+)=")

# ---------------------------------------------------------------------------------------
# The in-process case: what the commands do, without git.


class Walk:
    """One case, changed step by step as the commands change it (`actions.change_case`
    without the lock, the journal and the commit)."""

    def __init__(self, root: Path, opening: Step, seed: str, preset: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.preset = dict(preset or {})  # values to give fields a move asks for (the return type)
        self.kind = CONFIG.kind(opening.kind)
        self.steps: list[Step] = []
        self.env = Env(
            repo_flag=str(root),
            actor_flag=opening.actor,
            environ={"CASEKIT_NOW": format_datetime(opening.at, TZ)},
            follow_ups=False,
            id_seed=seed,
            _config=CONFIG,
        )
        request = actions.CaseRequest(
            title="随机流程",
            customer="王先生",
            phone="13800138000",
            channel=opening.channel,
            priority=opening.priority,
            sets=opening.sets,
        )
        staged = actions._new_case(self.env, opening.kind, request)
        self.case: Any = staged.case
        self.path = staged.path
        self._write(staged)
        self.steps.append(opening)
        self.resolved_met: dict[str, dict[str, Any]] | None = None  # deadlines met at the last resolve
        self.reopens = 0  # moves resolved -> investigating so far
        self.met_before: dict[str, dict[str, Any]] = {}  # deadlines met before the last step
        self.failures: dict[str, str] = {}  # broken invariants: kind of failure -> first report

    @property
    def status(self) -> str:
        return str(self.case["status"])

    @property
    def final(self) -> bool:
        return self.kind.is_terminal(self.status)

    @property
    def reopened(self) -> bool:
        return self.reopens > 0

    def _write(self, staged: actions.Staged) -> None:
        """What the command's commit writes, short of the file: the case derived
        (`effects.derive`: deadlines, postage). Whether casekit accepts each step and
        writes these deadlines is what the CLI test below proves."""
        staged.derive()

    def _context(self, step: Step) -> actions.Context:
        return actions.Context(self.env, CONFIG, self.kind, resolve_actor(step.actor, CONFIG), step.at)

    def _mutate(self, step: Step) -> actions.Change:
        """The command's change to the case (its `mutate`); Refused when casekit refuses it."""
        ctx = self._context(step)
        case = self.case
        case_id = str(case["id"])
        if step.action == "move":
            return self._move(ctx, step)
        if step.action == "note":
            change = actions.Change("note", f"{case_id}: note", note="已致电客户，说明进展")
            apply_entry(case, actions.history_entry(ctx, change), block_map)
            return change
        if step.action == "update":
            refuse_if_final(case, ctx.kind, "changed")
            changes = actions._parse_sets(ctx, case_id, list(step.sets))
            request = actions._field_change_request(ctx, case, changes, "set")
            trailers, approval = actions._approval(ctx, request, case_id)
            change = actions.Change("set", f"{case_id}: set {', '.join(changes)}", trailers=trailers)
            extra = actions._changes_record(changes) | approval
            apply_entry(case, actions.history_entry(ctx, change, extra), block_map)
            return change
        if step.action == "assign":
            refuse_if_final(case, ctx.kind, "reassigned")
            if case.get("assignee") == step.arg:
                raise Refused(f"{case_id}: it is already assigned to {step.arg}")
            change = actions.Change("assign", f"{case_id}: assigned to {step.arg}")
            apply_entry(case, actions.history_entry(ctx, change, {"assignee": step.arg}), block_map)
            return change
        if step.action == "promise":
            return self._promise(ctx, step)
        if step.action == "escalate":
            return self._escalate(ctx, step)
        if step.action == "attempt":
            refuse_if_final(case, ctx.kind, "dialled again")
            change = actions.Change("attempt", f"{case_id}: attempt {step.arg}")
            case["history"].append(actions.history_entry(ctx, change, {"outcome": step.arg}))
            return change
        raise AssertionError(step.action)

    def _move(self, ctx: actions.Context, step: Step) -> actions.Change:
        """`actions.move_case`'s steps."""
        case, target = self.case, step.arg
        case_id, source = str(case["id"]), self.status
        changes = actions._parse_sets(ctx, case_id, list(step.sets))
        candidate = copy.deepcopy(dict(case))
        apply_changes(candidate, changes)
        rule = transition_rule(ctx.kind, source, target)
        if rule is None:
            raise Refused(f"{case_id}: no move {source} -> {target}")
        unmet = unmet_condition(ctx.kind, rule, candidate)
        if unmet:
            raise Refused(f"{case_id}: {unmet}")
        person = CONFIG.person(ctx.actor.login)
        request = MoveRequest(
            case=candidate,
            kind=ctx.kind,
            source=source,
            target=target,
            rule=rule,
            actor_login=ctx.actor.login,
            actor_roles=person.roles if person else (),
            changes=changes,
            action="move",
            at=ctx.now,
        )
        problems = check_move(request, CONFIG)
        if problems:
            raise Refused(f"{case_id}: " + "; ".join(problems))
        approvals = approval_reasons(request, CONFIG)
        trailers = (("Case-Approved-By", ctx.actor.ident),) if approvals else ()
        change = actions.Change("move", f"{case_id}: {source} -> {target}", source, target, None, trailers)
        extra = actions._changes_record(changes)
        if approvals:
            extra |= {"approved_by": ctx.actor.login, "approval": notes.records(approvals)}
        apply_entry(case, actions.history_entry(ctx, change, extra), block_map)
        return change

    def _promise(self, ctx: actions.Context, step: Step) -> actions.Change:
        """`promise_case`'s steps."""
        case_id = str(self.case["id"])
        refuse_if_final(self.case, ctx.kind, "promised anything")
        try:
            reply_by = promise_time(step.arg, ctx.now, CALENDAR, CONFIG)
        except ValueError as exc:
            raise Refused(f"{case_id}: {exc}") from None
        if reply_by <= ctx.now:
            raise Refused(f"{case_id}: {reply_by} is not in the future")
        stamp = format_datetime(reply_by, TZ)
        change = actions.Change(
            "promise", f"{case_id}: promised a reply by {stamp[:16]}", trailers=(("Case-Reply-By", stamp),)
        )
        self.case["history"].append(actions.history_entry(ctx, change, {"reply_by": stamp}))
        return change

    def _escalate(self, ctx: actions.Context, step: Step) -> actions.Change:
        """`escalate_case`'s steps (its refusals included)."""
        case, case_id = self.case, str(self.case["id"])
        refuse_if_final(case, ctx.kind, "escalated")
        escalation = escalation_settings(CONFIG)
        if step.major and ctx.kind.name not in escalation.major_kinds:
            raise Refused(f"{case_id}: only complaints can be flagged major")
        if step.arg == ctx.actor.login:
            raise Refused(f"{case_id}: you cannot escalate a case to yourself")
        flagged = step.major or major_by_default(case, escalation) or is_major(case, CONFIG)
        previous = escalations(case)
        if (
            previous
            and previous[-1].to == step.arg
            and case.get("assignee") == step.arg
            and (previous[-1].major or not flagged)
        ):
            raise Refused(f"{case_id}: it is already escalated to {step.arg}")
        change = actions.Change(
            "escalate", f"{case_id}: escalated to {step.arg}", note="客户情绪激动，已安抚"
        )
        extra: dict[str, Any] = {"escalated_to": step.arg}
        if flagged:
            extra["major"] = True
        apply_entry(case, actions.history_entry(ctx, change, extra), block_map)
        return change

    def apply(self, step: Step) -> None:
        """Make the change, or raise Refused and leave the case as it was (like the
        commands, every refusal comes before the first change to the case)."""
        source = self.status
        met = met_entries(self.case)
        change = self._mutate(step)
        if step.action == "move" and (source, step.arg) == ("resolved", "investigating"):
            self.reopens += 1
        self._write(actions.Staged(self._context(step), self.path, None, self.case, change))
        self.steps.append(step)
        self.met_before = met
        if step.action == "move" and step.arg == "resolved" and self.kind.name == "complaint":
            self.resolved_met = met_entries(self.case)

    def take(self, step: Step) -> Step | None:
        """Make the change, with what the guards ask for (`--set name=...` hints) and, when
        it needs a supervisor's approval, by one; None (nothing changed) when casekit
        refuses it anyway. Returns the step as made."""
        for _ in range(4):
            try:
                self.apply(step)
            except Refused as exc:
                reason = str(exc)
            else:
                return step
            asked = [n for n in _HINT.findall(reason) if n in self.kind.fields]
            given = {pair.split("=", 1)[0] for pair in step.sets}
            extra = tuple(f"{n}={self.value(n)}" for n in dict.fromkeys(asked) if n not in given)
            if extra:
                step = Step(**{**step.__dict__, "sets": step.sets + extra})
            elif "supervisor" in reason and step.actor != SUPERVISOR and step.action != "escalate":
                step = Step(**{**step.__dict__, "actor": SUPERVISOR})
            else:
                return None
        return None

    def value(self, name: str) -> str:
        return self.preset.get(name) or plausible(self.kind, name)

    # --- what may happen next -----------------------------------------------------------

    def candidates(self, at: datetime) -> list[Step]:
        """Changes to try at `at`, in a fixed order (for shrinking); `take` says which
        casekit accepts."""
        found = [Step(at, AGENT, "note")]
        found += self._moves(at)
        found += list(self._updates(at))
        for person in ("wang.fang", "chen.jie", AGENT):
            if self.case.get("assignee") != person:
                found.append(Step(at, AGENT, "assign", person))
                break
        found += [Step(at, AGENT, "promise", by) for by in ("2h", "1 working day")]
        found.append(Step(at, AGENT, "escalate", SUPERVISOR))
        if self.kind.name == "complaint":
            found.append(Step(at, AGENT, "escalate", SUPERVISOR, major=True))
        if self.kind.name == "callback":
            found += [Step(at, AGENT, "attempt", outcome) for outcome in ("answered", "no-answer", "busy")]
        return found

    def _moves(self, at: datetime) -> list[Step]:
        steps = []
        for target in allowed_targets(self.kind, self.status):
            rule = transition_rule(self.kind, self.status, target)
            assert rule is not None
            if not _condition_possible(rule.when, self.case):
                continue
            base = [n for n in rule.requires if not (self.case.get("fields") or {}).get(n)]
            variants: list[tuple[str, ...]] = [()]
            for name in base:
                options = FIELD_OPTIONS.get(name, (self.value(name),))
                if name in self.preset:
                    options = (self.preset[name],)
                variants = [(*v, f"{name}={o}") for v in variants for o in options]
            if target == "completed":  # the questionnaire's answer varies the outcome
                variants = [(f"satisfaction={o}",) for o in FIELD_OPTIONS["satisfaction"]]
            steps += [Step(at, AGENT, "move", target, sets) for sets in variants]
        return steps

    def _updates(self, at: datetime) -> Iterator[Step]:
        kind = self.kind.name
        fields = self.case.get("fields") or {}
        if self.case.get("priority") != "highest":
            yield Step(at, AGENT, "update", sets=("priority=highest",))
        if self.case.get("priority") != "low":
            yield Step(at, AGENT, "update", sets=("priority=low",))
        if kind == "complaint":
            for category in ("logistics", "billing"):
                if fields.get("category") != category:
                    yield Step(at, AGENT, "update", sets=(f"category={category}",))
            if self.case.get("channel") != "media":
                yield Step(at, AGENT, "update", sets=("channel=media",))
            yield Step(at, AGENT, "update", sets=("compensation=80.00",))
        if kind == "callback" and fields.get("callback_type") != "returning":
            yield Step(at, AGENT, "update", sets=("callback_type=returning",))
        if kind == "return":
            yield Step(at, AGENT, "update", sets=("postage_amount=12.00",))


def met_entries(case: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The deadline entries that are met, by clock, as plain dicts. Not the promise: the
    `promised_reply` entry is by design the latest promise, replaced by the next one."""
    return {
        clock: dict(entry)
        for clock, entry in deadlines_of(case).items()
        if entry.get("met") is not None and clock != PROMISE_CLOCK
    }


def _condition_possible(when: Mapping[str, Any], case: Mapping[str, Any]) -> bool:
    """A `when:` on a field that is set and does not hold rules the move out; an unset one
    is supplied with the move (e.g. return_type when approving)."""
    fields = case.get("fields") or {}
    return all(
        fields.get(name) in (None, "") or fields.get(name) in allowed for name, allowed in when.items()
    )


# ---------------------------------------------------------------------------------------
# The invariants, judged on the case as written, at an instant.


class InvariantBroken(AssertionError):
    """A walk broke an invariant; `failure` makes one subclass per kind of failure."""


_FAILURE_KINDS: dict[str, type[InvariantBroken]] = {}


def failure(key: str) -> type[InvariantBroken]:
    """One exception class per kind of failure (the invariant, the case's kind, type,
    state...), so that Hypothesis reports and shrinks an example of each, not only the
    first it met."""
    name = re.sub(r"\W+", "_", key).strip("_")
    if name not in _FAILURE_KINDS:
        _FAILURE_KINDS[name] = type(name, (InvariantBroken,), {})
    return _FAILURE_KINDS[name]


def case_type(walk: Walk) -> str:
    fields = walk.case.get("fields") or {}
    name = {"return": "return_type", "callback": "callback_type", "complaint": "category"}[walk.kind.name]
    return str(fields.get(name) or "-")


def situation(walk: Walk) -> str:
    """What a failure is about, for grouping: the kind (and a return's type), the state (or
    that it was reopened), and whether a dial attempt was made."""
    parts = [walk.kind.name]
    if walk.kind.name == "return":
        parts.append(case_type(walk))
    if walk.reopened:  # whatever state it is in since: one kind of failure
        return "/".join([*parts, "reopened"])
    parts.append(walk.status)
    if walk.kind.name == "callback" and any(s.action == "attempt" for s in walk.steps):
        parts.append("after-attempt")
    return "/".join(parts)


def report(walk: Walk, at: datetime, problem: str) -> str:
    lines = [
        f"{problem}",
        f"case: {walk.kind.name} {case_type(walk)}, status {walk.status}, channel "
        f"{walk.case.get('channel')}, priority {walk.case.get('priority')}, at {at:%Y-%m-%d %a %H:%M}",
        "steps:",
        *(f"  {n}. {s.describe()}" for n, s in enumerate(walk.steps, 1)),
        "deadlines:",
    ]
    entries = deadlines_of(walk.case)
    for clock, entry in entries.items():
        keys = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("missed", "warning"))
        lines.append(f"  {clock}: {deadline_state(entry, at).value} ({keys})")
    if not entries:
        lines.append("  (none)")
    return "\n".join(lines)


def check_running(walk: Walk, at: datetime) -> None:
    """Invariant 1: a case not in a final state has a clock running, or waits with a reason."""
    if walk.final:
        return
    states = {clock: deadline_state(entry, at) for clock, entry in deadlines_of(walk.case).items()}
    if any(state in (State.OPEN, State.OVERDUE) for state in states.values()):
        return
    entries = deadlines_of(walk.case)
    reasons = [
        str(entries[clock].get("paused_reason") or "").strip()
        for clock, state in states.items()
        if state is State.PAUSED
    ]
    if any(reasons):
        return
    if any(state is State.PAUSED for state in states.values()):
        problem = "every clock is paused and no paused entry has a paused_reason"
    elif states:
        problem = "no clock is running: every deadline is met"
    else:
        problem = "the case has no deadline at all"
    fail(walk, RUNNING + situation(walk), at, problem)


def check_entries(walk: Walk) -> None:
    """Invariants 2 and 3, for every entry as written."""
    for clock, entry in deadlines_of(walk.case).items():
        start, due = _instant(entry["start"]), _instant(entry["due"])
        if due < start:
            fail(
                walk,
                f"due-before-start/{walk.kind.name}/{clock}",
                start,
                f"due {due} lies before start {start}",
            )
        # Skipped: a promise's time is the one agreed with the customer (`reply_by`), not a
        # length of time from a rule, so it has no `within` to measure.
        if entry.get("rule") == "promise" or not entry.get("within"):
            continue
        # Skipped: a due time a promise carried (`promised`, promises.covers) is the time agreed
        # with the customer, later than the rule's.
        if entry.get("promised"):
            continue
        within = parse_duration(entry["within"])
        allowed = within.length(CALENDAR.day_length) + parse_span(entry.get("paused") or "0m")
        if within.working == DAY_END:  # `same working day`: the rest of the day it starts in
            allowed += CALENDAR.between(start, CALENDAR.day_end(start))
        counted = CALENDAR.between(start, due) if within.working else due - start
        SIZE["entries"] += 1
        SIZE["paused"] += bool(entry.get("paused"))
        SIZE["calendar"] += not within.working
        if counted != allowed:
            problem = (
                f"from start to due is {counted}, not within {entry['within']} "
                f"+ paused {entry.get('paused') or '0m'} = {allowed}"
            )
            fail(walk, f"due-not-within-plus-paused/{walk.kind.name}/{clock}", due, problem)


def check_history_kept(walk: Walk) -> None:
    """Invariant 4: after a reopen, what was met when the complaint was resolved stays met,
    unchanged (a new round is a new entry, `<clock>_<n>`); the promise aside (`met_entries`)."""
    if walk.resolved_met is None or not walk.reopened:
        return
    entries = deadlines_of(walk.case)
    for clock, before in walk.resolved_met.items():
        now = dict(entries[clock]) if clock in entries else None
        if now != before:
            problem = f"after the reopen, the {clock} entry met at the resolve became {now} (was {before})"
            fail(walk, f"reopen-rewrote-met/{walk.kind.name}/{clock}", walk.steps[-1].at, problem)


def check_met_kept(walk: Walk) -> None:
    """Invariant 4, for every step: a deadline met is history. No later step (a field
    update, an escalation that makes the case major...) changes its rule, due time or
    met time, which could turn a deadline met on time into a breach after the fact."""
    entries = deadlines_of(walk.case)
    for clock, before in walk.met_before.items():
        now = dict(entries[clock]) if clock in entries else None
        if now != before:
            action = walk.steps[-1].action
            problem = f"{action} changed the {clock} entry, met before it: now {now} (was {before})"
            fail(walk, f"met-changed/{walk.kind.name}/{clock}/by-{action}", walk.steps[-1].at, problem)


def fail(walk: Walk, key: str, at: datetime, problem: str) -> None:
    """Record a broken invariant (once per kind of failure, `key`) and let the walk go on:
    a resolved complaint has no clock running, and the walk must still reach the reopen
    after it. `raise_failures` raises at the end of the walk."""
    walk.failures.setdefault(key, report(walk, at, f"{key}: {problem}"))


RUNNING = "no-clock-running/"  # the key prefix of invariant 1's failures


def raise_failures(walk: Walk, running: bool) -> None:
    """Raise the walk's failures of invariant 1 (`running`) or of the others: the exception
    is the last kind of failure the walk met (so Hypothesis shrinks each kind to the
    shortest walk that ends in it); the message has its report, then the first lines of the
    earlier ones."""
    failures = {k: v for k, v in walk.failures.items() if k.startswith(RUNNING) == running}
    if not failures:
        return
    *earlier, last = failures
    lines = [failures[last]]
    if earlier:
        lines += ["earlier in this walk:", *(f"  {failures[s].splitlines()[0]}" for s in earlier)]
    raise failure(last)("\n".join(lines))


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def check_all(walk: Walk, instants: list[datetime]) -> None:
    check_entries(walk)
    check_history_kept(walk)
    check_met_kept(walk)
    for at in instants:
        check_running(walk, at)
    SIZE["instants"] += len(instants)


def instants_between(first: datetime, second: datetime | None) -> list[datetime]:
    """The step's instant, a minute later, halfway, and just before the next step; after the
    last step, an hour, two days and forty days on (a case left alone must still show)."""
    if second is None:
        return [first, first + timedelta(hours=1), first + timedelta(days=2), first + timedelta(days=40)]
    found = [first, first + timedelta(minutes=1), first + (second - first) / 2, second - timedelta(seconds=1)]
    return sorted({at for at in found if first <= at < second} | {first})


# ---------------------------------------------------------------------------------------
# Random walks.

# Instants in 2026: around National Day and the Mid-autumn Festival (holidays 09-25..09-27
# and 10-01..10-07, make-up working days Sunday 09-20 and Saturday 10-10: see
# test_the_walks_cross_the_2026_holidays), or anywhere from March to November.
HOLIDAY_DAYS = st.dates(min_value=date(2026, 9, 17), max_value=date(2026, 10, 12))
OTHER_DAYS = st.dates(min_value=date(2026, 3, 2), max_value=date(2026, 11, 30))
TIMES = st.one_of(
    st.sampled_from([time(9, 0), time(17, 0), time(18, 29), time(18, 30), time(8, 59)]),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
STARTS = st.builds(
    lambda day, moment: datetime.combine(day, moment, TZ), st.one_of(HOLIDAY_DAYS, OTHER_DAYS), TIMES
)
GAPS = st.one_of(
    st.integers(1, 59).map(lambda m: timedelta(minutes=m)),
    st.integers(60, 24 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 6).flatmap(lambda d: st.integers(0, 24 * 60).map(lambda m: timedelta(days=d, minutes=m))),
)
MAX_STEPS = 20


def opening_sets(kind: str, data: st.DataObject, return_type: str | None) -> tuple[str, ...]:
    spec = CONFIG.kind(kind)
    if kind == "complaint":
        category = data.draw(st.sampled_from(list(spec.fields["category"].values)), label="category")
        return (f"category={category}", "content=传真机有时无法接收传真")
    if kind == "callback":
        callback_type = data.draw(st.sampled_from(list(spec.fields["callback_type"].values)), label="type")
        sets = [f"callback_type={callback_type}"]
        if callback_type == "new-signup" and data.draw(st.booleans(), label="signed up earlier"):
            sets.append("signed_up_at=SIGNED_UP")  # filled in with a time before the opening
        return tuple(sets)
    reasons = [r for r in spec.fields["reason"].values if r != "quality"]
    # Not `quality`: approving a quality claim needs an attached photo (`casekit attach`),
    # which this walk does not make; such a claim could only be declined.
    reason = data.draw(st.sampled_from(reasons), label="reason")
    sets = [f"reason={reason}", "order_no=E20260915001", "amount_paid=199.00"]
    if data.draw(st.booleans(), label="type at opening"):
        sets.insert(0, f"return_type={return_type}")
    return tuple(sets)


def random_walk(
    kind: str, data: st.DataObject, root: Path, *, running: bool, return_type: str | None = None
) -> Walk:
    """A random walk of one case, checked as it goes; raises the failures of invariant 1
    (`running`) or of the others (2 to 4), so each test shrinks its own."""
    at = data.draw(STARTS, label="opened at")
    sets = opening_sets(kind, data, return_type)
    signed_up = at - data.draw(GAPS, label="signed up before")
    sets = tuple(p.replace("SIGNED_UP", format_datetime(signed_up, TZ)) for p in sets)
    opening = Step(
        at,
        AGENT,
        "new",
        kind=kind,
        channel=data.draw(st.sampled_from(list(CONFIG.channels)), label="channel"),
        priority=data.draw(st.sampled_from(list(CONFIG.priorities)), label="priority"),
        sets=sets,
    )
    preset = {"return_type": return_type} if return_type else {}
    walk = Walk(root, opening, seed=f"{kind}-{at.isoformat()}", preset=preset)
    SIZE["cases"] += 1
    steps = data.draw(st.integers(1, MAX_STEPS), label="steps")
    for _ in range(steps):
        following = at + data.draw(GAPS, label="gap")
        check_all(walk, instants_between(at, following))
        if walk.final:
            break
        at = following
        choices = walk.candidates(at)
        moves = [c for c in choices if c.action == "move"]
        if moves and data.draw(st.integers(0, 2), label="move?") > 0:  # two steps in three move
            choices = [*moves, Step(at, AGENT, "note")]
        while True:  # a note is always accepted, so this ends
            named = {c.describe(): c for c in choices}
            step = named[data.draw(st.sampled_from(list(named)), label="step")]
            if walk.take(step) is not None:
                break
            choices = [c for c in choices if c != step]
        SIZE["steps"] += 1
    else:
        check_all(walk, instants_between(at, None))
    SIZE["reopens"] += walk.reopens
    raise_failures(walk, running)
    return walk


@pytest.fixture(scope="module")
def opening_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the bundled casekit.yaml, where `actions._new_case` looks for taken IDs."""
    root = tmp_path_factory.mktemp("walks")
    shutil.copy(PROJECT / "casekit.yaml", root / "casekit.yaml")
    return root


WALKS = settings(
    max_examples=250,
    # no `explain` phase: tracing every line of the failing walks makes shrinking far slower
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False,
)


@pytest.fixture(scope="module", autouse=True)
def _print_size() -> Iterator[None]:
    yield
    print("\nclock invariant: " + ", ".join(f"{n} {what}" for what, n in SIZE.items()))


COMPLAINT_WALKS = settings(WALKS, max_examples=800)  # half the walks end rejected or closed early


@COMPLAINT_WALKS
@given(data=st.data())
def test_no_complaint_clock_silently_stops(opening_root: Path, data: st.DataObject) -> None:
    random_walk("complaint", data, opening_root, running=True)


@WALKS
@given(data=st.data())
def test_no_callback_clock_silently_stops(opening_root: Path, data: st.DataObject) -> None:
    random_walk("callback", data, opening_root, running=True)


@pytest.mark.parametrize("return_type", RETURN_TYPES)
@WALKS
@given(data=st.data())
def test_no_return_clock_silently_stops(opening_root: Path, return_type: str, data: st.DataObject) -> None:
    random_walk("return", data, opening_root, running=True, return_type=return_type)


@COMPLAINT_WALKS
@given(data=st.data())
def test_complaint_deadlines_add_up_and_keep_their_history(opening_root: Path, data: st.DataObject) -> None:
    random_walk("complaint", data, opening_root, running=False)


@WALKS
@given(data=st.data())
def test_callback_deadlines_add_up_and_keep_their_history(opening_root: Path, data: st.DataObject) -> None:
    random_walk("callback", data, opening_root, running=False)


@pytest.mark.parametrize("return_type", RETURN_TYPES)
@WALKS
@given(data=st.data())
def test_return_deadlines_add_up_and_keep_their_history(
    opening_root: Path, return_type: str, data: st.DataObject
) -> None:
    random_walk("return", data, opening_root, running=False, return_type=return_type)


def test_the_walks_cross_the_2026_holidays() -> None:
    """The calendar the walks run on has the 2026 days they are meant to cross (chinesecalendar)."""
    off = [
        date(2026, 9, 25),
        date(2026, 9, 27),
        *(date(2026, 10, d) for d in range(1, 8)),
        date(2026, 10, 11),
    ]
    assert not any(CALENDAR.is_working_day(day) for day in off)
    assert all(
        CALENDAR.is_working_day(day) for day in (date(2026, 9, 20), date(2026, 10, 8), date(2026, 10, 10))
    )


# ---------------------------------------------------------------------------------------
# Through the real CLI.

CLI_WALKS, CLI_STEPS = 6, 8


def cli_walk(repo: CLI, rng: random.Random, kind: str, return_type: str | None) -> tuple[str, Walk]:
    """One seeded walk, each step a `casekit` process; after each, the file the command
    wrote has the deadlines the in-process walk computes for the same step."""
    at = datetime(2026, 9, 28, 9, 0, tzinfo=TZ) + timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
    spec = CONFIG.kind(kind)
    if kind == "complaint":
        sets: tuple[str, ...] = (f"category={rng.choice(list(spec.fields['category'].values))}",)
    elif kind == "callback":
        sets = (f"callback_type={rng.choice(list(spec.fields['callback_type'].values))}",)
    else:
        sets = (f"return_type={return_type}", "reason=wrong-item", "order_no=E1", "amount_paid=199.00")
    opening = Step(
        at,
        AGENT,
        "new",
        kind=kind,
        channel=rng.choice(list(CONFIG.channels)),
        priority=rng.choice(list(CONFIG.priorities)),
        sets=sets,
    )
    stamp = format_datetime(at, TZ)
    case_id = repo.ok(*opening.command(""), now=stamp, actor=AGENT).out.strip()
    walk = Walk(repo.root, opening, seed=case_id)  # its ID differs; its deadlines must not
    for _ in range(CLI_STEPS):
        if walk.final:
            break
        at += timedelta(minutes=rng.choice([7, 45, 200, 900, 1500, 3 * 24 * 60 + 17]))
        choices = walk.candidates(at)
        moves = [c for c in choices if c.action == "move"]
        if moves and rng.random() < 0.6:
            choices = moves + choices[:1]  # the note
        while (step := walk.take(rng.choice(choices))) is None:
            pass
        if step.action == "move" and walk.final:
            complete_open_callbacks(repo, case_id, at)
        repo.ok(*step.command(case_id), now=format_datetime(at, TZ), actor=step.actor)
        written = read_case(repo.case_path(case_id)).get("deadlines")
        assert _plain(written) == _plain(walk.case.get("deadlines")), report(
            walk, at, "the in-process walk and `casekit` wrote different deadlines"
        )
    return case_id, walk


def complete_open_callbacks(repo: CLI, case_id: str, at: datetime) -> None:
    """Complete the callbacks the case opened (after a refund or a re-shipment), as an agent
    does before closing it: the command refuses to close a case whose callback is scheduled.
    The in-process walk opens no callbacks, so it has nothing to do here."""
    for linked in read_case(repo.case_path(case_id)).get("links") or []:
        callback = read_case(repo.case_path(linked))
        if callback.get("kind") == "callback" and callback.get("status") == "scheduled":
            stamp = format_datetime(at - timedelta(minutes=1), TZ)
            repo.ok("attempt", linked, "--outcome", "answered", now=stamp, actor=AGENT)
            repo.ok("move", linked, "completed", "--set", "satisfaction=satisfied", now=stamp, actor=AGENT)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def test_every_overdue_clock_is_listed_by_list_and_due(repo: CLI) -> None:
    rng = random.Random(20261001)
    kinds = [("complaint", None), ("callback", None), *(("return", t) for t in RETURN_TYPES)]
    walks = [cli_walk(repo, rng, *kinds[n % len(kinds)]) for n in range(CLI_WALKS)]
    later = format_datetime(datetime(2026, 12, 1, 10, 0, tzinfo=TZ), TZ)
    listed = {
        row["id"]: row for row in json.loads(repo.ok("list", "--overdue", "--format", "json", now=later).out)
    }
    due_rows = json.loads(repo.ok("due", "--format", "json", now=later).out)
    due = {(row["id"], row["deadline"]) for row in due_rows if row["state"] == State.OVERDUE.value}
    checked = 0
    for case_id, walk in walks:
        shown = json.loads(repo.ok("show", case_id, "--format", "json", now=later).out)
        overdue = sorted(c for c, s in shown.get("deadline_status", {}).items() if s["state"] == "overdue")
        where = "\n".join(f"  {s.describe()}" for s in walk.steps)
        for clock in overdue:
            assert case_id in listed and clock in listed[case_id]["overdue"], (
                f"{case_id}: `show` says {clock} is overdue, `list --overdue` does not list it:\n{where}"
            )
            assert (case_id, clock) in due, (
                f"{case_id}: `show` says {clock} is overdue, `due` does not list it:\n{where}"
            )
        if case_id in listed:
            assert sorted(listed[case_id]["overdue"]) == overdue, (
                f"{case_id}: list and show disagree\n{where}"
            )
        checked += len(overdue)
        print(f"{case_id} {walk.status}, {len(walk.steps)} steps; overdue: {', '.join(overdue) or '-'}")
    assert checked, "no walk left a clock overdue: the test checked nothing"
