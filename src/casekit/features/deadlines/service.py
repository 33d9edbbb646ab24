"""Services for deadlines: keep `deadlines:` up to date, record promises and escalations.

`derive_deadlines` is an `effects.DERIVERS` entry: before any change to a case is written
it recomputes the case's deadlines from its history (so a move or a field change that
affects them moves them), and `escalate_case` / `promise_case` are the `casekit escalate`
and `casekit promise` actions, each one commit through `actions.change_case`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from casekit.codec.yamlio import block_map, flow_map
from casekit.core import words
from casekit.core.casefile import set_top_level
from casekit.core.config import Config, KindSpec, Person
from casekit.core.due import (
    State,
    deadline_state,
    deadlines_of,
)
from casekit.core.effects import apply_entry
from casekit.core.timeutil import format_datetime, parse_datetime
from casekit.core.workcal import WorkCalendar, advance, parse_duration
from casekit.core.workflow import refuse_if_final
from casekit.errors import Refused
from casekit.features.deadlines.calendar import calendar_for
from casekit.features.deadlines.derived import current_deadlines
from casekit.features.deadlines.escalation import escalation_settings
from casekit.features.deadlines.facts import escalations, is_major, major_by_default
from casekit.features.deadlines.view import DUE_COLUMNS, due_headers, due_marks, due_rows, table_rows
from casekit.i18n import _, ngettext
from casekit.service.actions import Change, Context, Outcome, change_case, history_entry
from casekit.service.env import Env


def derive_deadlines(case: MutableMapping[str, Any], config: Config, kind: KindSpec) -> None:
    """`effects.DERIVERS` entry: recompute the case's deadlines before it is written."""
    records = current_deadlines(case, config, kind)
    if not records:
        if "deadlines" in case:
            del case["deadlines"]
        return
    mapping = block_map({})
    for record in records:
        entry = block_map({})
        for key, value in record.items():
            if key == "clock":
                continue
            entry[key] = [flow_map(item) for item in value] if key == "missed" else value
        mapping[record["clock"]] = entry
    set_top_level(case, "deadlines", mapping)


def calendar_warnings(env: Env, outcome: Outcome, change: Change) -> list[str]:
    """`actions.NOTICES` entry: say when an open deadline ran past the known holidays."""
    now = env.now(env.config.tz)
    lines = []
    for clock, entry in deadlines_of(outcome.case).items():
        if entry.get("warning") and deadline_state(entry, now).is_open:
            lines.append(f"warning: {outcome.case_id}: {clock} due {entry['due']}: {entry['warning']}")
    return lines


def _ident(person: Person) -> str:
    return f"{person.login} <{person.email}>" if person.email else person.login


def escalate_case(env: Env, reference: str, to: str, *, note: str, major: bool = False) -> Outcome:
    """Hand a case to a supervisor with the notes so far; one commit."""
    if not note or not note.strip():
        raise Refused(
            _(
                "escalating needs --note: write what has been done so far, so the supervisor "
                "and the customer need not start again"
            )
        )

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        refuse_if_final(case, ctx.kind, "escalated")
        config = ctx.config
        settings = escalation_settings(config)
        role = settings.to_role
        holders = ", ".join(p.login for p in config.people.values() if p.has_role(role)) or "nobody yet"
        try:
            person = config.people.get(words.person(config, to))
        except words.UnknownWord as exc:
            if exc.matches:
                raise Refused(f"{case_id}: {exc}") from None
            person = None
        if person is None:
            raise Refused(
                _(
                    "{case_id}: {to!r} is not one of the people in casekit.yaml; escalate to a "
                    "{role}: {holders}"
                ).format(case_id=case_id, to=to, role=role, holders=holders)
            )
        if not person.has_role(role):
            raise Refused(
                _("{case_id}: {login} is not a {role}; escalate to a {role}: {holders}").format(
                    case_id=case_id, login=person.login, role=role, holders=holders
                )
            )
        if person.login == ctx.actor.login:
            raise Refused(
                _("{case_id}: you cannot escalate a case to yourself; choose another {role}").format(
                    case_id=case_id, role=role
                )
            )
        if major and ctx.kind.name not in settings.major_kinds:
            kinds = ", ".join(settings.major_kinds) or "no kinds"
            raise Refused(
                _("{case_id}: only {kinds} cases can be flagged major (escalation.major_kinds)").format(
                    case_id=case_id, kinds=kinds
                )
            )
        flagged = major or major_by_default(case, settings) or is_major(case, config)
        previous = escalations(case)
        if (
            previous
            and previous[-1].to == person.login
            and case.get("assignee") == person.login
            and (previous[-1].major or not flagged)
        ):
            raise Refused(
                _("{case_id}: it is already escalated to {login}").format(case_id=case_id, login=person.login)
            )
        trailers = [("Case-Escalated-To", _ident(person))]
        if flagged:
            trailers.append(("Case-Major", "yes"))
        subject = f"{case_id}: escalated to {person.login}" + (" (major)" if flagged else "")
        change = Change("escalate", subject, note=note, trailers=tuple(trailers))
        extra: dict[str, Any] = {"escalated_to": person.login}
        if flagged:
            extra["major"] = True
        apply_entry(case, history_entry(ctx, change, extra), block_map)
        return change

    return change_case(env, reference, mutate)


def escalate_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    """`effects.EFFECTS` entry for `escalate`: the supervisor takes the case, and the case
    records the escalation (to whom, when, by whom, whether major)."""
    login = entry.get("escalated_to")
    if login is None:
        return
    case["assignee"] = login
    record: dict[str, Any] = {"to": login, "at": entry.get("at"), "by": entry.get("by")}
    if entry.get("major"):
        record["major"] = True
    set_top_level(case, "escalation", flow_map(record))


def promise_time(text: str, now: datetime, calendar: WorkCalendar, config: Config) -> datetime:
    """`--by`: a date-time (offset optional), or a length from now ('2h', '1 working day')."""
    try:
        length = parse_duration(text)
    except ValueError:
        pass
    else:
        return advance(calendar, length.working, now, length.length(calendar.day_length))
    if len(text.strip()) <= 10:
        raise ValueError(
            _(
                "--by {text!r}: give a date and time such as 2026-11-24T15:00, or a length of time such as 2h"
            ).format(text=text)
        )
    try:
        return parse_datetime(text, config.tz)
    except ValueError as exc:
        raise ValueError(_("--by: {exc}, or a length of time such as 2h").format(exc=exc)) from None


def promise_case(env: Env, reference: str, by: str, *, note: str | None = None) -> Outcome:
    """Record a reply-by time agreed with the customer; missing it is a breach. One commit."""
    promised: list[datetime] = []

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        refuse_if_final(case, ctx.kind, "promised anything")
        calendar = calendar_for(ctx.config)
        try:
            reply_by = promise_time(by, ctx.now, calendar, ctx.config)
        except ValueError as exc:
            raise Refused(f"{case_id}: {exc}") from None
        stamp = format_datetime(reply_by, ctx.config.tz)
        if reply_by <= ctx.now:
            raise Refused(
                _("{case_id}: {stamp} is not in the future (it is now {now}); promise a later time").format(
                    case_id=case_id, stamp=stamp, now=ctx.stamp
                )
            )
        promised.append(reply_by)
        short = stamp[:16].replace("T", " ")
        change = Change(
            "promise",
            f"{case_id}: promised a reply by {short}",
            note=note,
            trailers=(("Case-Reply-By", stamp),),
        )
        case["history"].append(history_entry(ctx, change, {"reply_by": stamp}))
        return change

    outcome = change_case(env, reference, mutate)
    calendar = calendar_for(env.config)
    if promised and not calendar.is_working_time(promised[0] - timedelta(seconds=1)):
        outcome.messages.append(
            _(
                "note: {case_id}: the promised time {promised} is outside working hours; make "
                "sure someone will call"
            ).format(case_id=outcome.case_id, promised=format_datetime(promised[0], env.config.tz))
        )
    return outcome


def replay_promise(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    promise_case(env, str(case["id"]), str(entry["reply_by"]), note=entry.get("note"))


def replay_escalate(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    escalate_case(
        env,
        str(case["id"]),
        str(entry["escalated_to"]),
        note=str(entry.get("note") or ""),
        major=entry.get("major") is True,
    )


def due_report(
    env: Any,
    *,
    within: str | None,
    kinds: Sequence[str] | None,
    assignees: Sequence[str] | None,
    output: str,
) -> str:
    """`casekit due`: open deadlines (overdue ones included) due by now + `within`, soonest first."""
    from casekit.core.listview import select
    from casekit.core.workcal import advance, parse_duration
    from casekit.errors import UsageError
    from casekit.features.deadlines.calendar import calendar_for
    from casekit.index.reader import CaseFilter, answer_from_listings, final_states
    from casekit.render.output import table, to_csv, to_json

    config = env.config
    now = env.now(config.tz)
    horizon = None
    if within is not None:
        try:
            length = parse_duration(within)
        except ValueError as exc:
            raise UsageError(_("--within: {exc}").format(exc=exc)) from None
        calendar = calendar_for(config)
        horizon = advance(calendar, length.working, now, length.length(calendar.day_length))
    select([], config, kinds=kinds, assignees=assignees)  # unknown names: say so now

    def text(listed: list[Mapping[str, Any]]) -> str:
        chosen = select(listed, config, kinds=kinds, assignees=assignees)
        rows = due_rows(chosen, config, now, horizon=horizon)
        if output == "json":
            return to_json(rows)
        if output == "csv":
            return to_csv(rows, DUE_COLUMNS).rstrip("\n")
        if not rows:
            if within:
                return _("nothing falls due within {within}").format(within=within)
            return _("nothing falls due")
        overdue = sum(1 for r in rows if r["state"] == State.OVERDUE.value)
        summary = ngettext(
            "({count} deadline, {overdue} overdue)", "({count} deadlines, {overdue} overdue)", len(rows)
        ).format(count=len(rows), overdue=overdue)
        # on a narrow terminal: the kind left out first (the ID's letter says it), then the
        # assignee; the ID and how long is left never cut, the title and deadline give way first
        cells = table_rows(rows, config, now)
        marks = due_marks(rows, now)
        body = table(cells, due_headers(), marks=marks, optional=(4, 7), flexible=(6, 3), whole=(2, 1))
        return body + "\n" + summary

    # A case in a final state has no open deadline: due_rows would skip it.
    return answer_from_listings(env.root, text, CaseFilter.of(unfinished=final_states(config)))
