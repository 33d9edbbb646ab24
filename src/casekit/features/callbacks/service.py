"""Callback actions: record a dial attempt, plan periodic callbacks, import sign-ups, sweep
missed calls, the queue."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from casekit.core.casefile import customer_of, fields_of
from casekit.core.config import KindSpec
from casekit.core.fields import normalise_phone
from casekit.core.notes import Note
from casekit.core.timeutil import parse_date, parse_datetime
from casekit.core.workflow import refuse_if_final
from casekit.errors import CasekitError, Refused, UsageError
from casekit.features.callbacks import facts
from casekit.features.callbacks.remarks import IMPORTED_NOTE, PLANNED_NOTE, SWEPT_NOTE
from casekit.features.callbacks.rules import (
    QueueItem,
    build_queue,
    cell,
    column_map,
    counted_failures,
    parse_customers,
    plan,
    queue_note,
)
from casekit.features.callbacks.settings import OUTCOME_LABELS, CallbackSettings, settings_of
from casekit.features.callbacks.sweep import (
    CALLS_FIELD,
    LINE_FIELD,
    Known,
    MissedCall,
    Owed,
    SweepPlan,
    known_callback,
    not_called_back,
    plan_sweep,
    previous_round,
    read_calls,
    schedule_lines,
)
from casekit.i18n import _, ngettext
from casekit.service import actions
from casekit.service.actions import Change, Context, Outcome, change_case, history_entry
from casekit.service.env import Env
from casekit.store.inputfiles import read_input_file


def attempt_outcome(word: str) -> str:
    """The outcome a word names: its key (no-answer) or its label (无人接听, No answer)."""
    from casekit.core import words

    vocabulary = words.labelled(OUTCOME_LABELS, _("{word} is not one of {choices}"))
    try:
        return words.resolve(vocabulary, word)
    except words.UnknownWord as exc:
        raise UsageError(_("--outcome {problem}").format(problem=exc)) from None


def attempt_case(env: Env, reference: str, outcome: str, *, note: str | None = None) -> Outcome:
    """Record one dial of the customer and its outcome; one commit."""
    outcome = attempt_outcome(outcome)

    def mutate(case: MutableMapping[str, Any], ctx: Context) -> Change:
        case_id = str(case["id"])
        refuse_if_final(case, ctx.kind, "dialled again")
        change = Change(
            "attempt", f"{case_id}: attempt {outcome}", note=note, trailers=(("Case-Outcome", outcome),)
        )
        case["history"].append(history_entry(ctx, change, {"outcome": outcome}))
        return change

    result = change_case(env, reference, mutate)
    settings = settings_of(env.config)
    if result.case.get("kind") == settings.kind and outcome in settings.failed_outcomes:
        counted = len(counted_failures(facts.attempts(result.case), settings))
        owed = settings.min_attempts - counted
        if owed > 0:
            result.messages.append(
                _(
                    "{case_id}: {counted} failed attempt(s) counted; {owed} more, at least "
                    "{min_minutes_apart} minutes apart, before it may be marked unreachable"
                ).format(
                    case_id=result.case_id,
                    counted=counted,
                    owed=owed,
                    min_minutes_apart=settings.min_minutes_apart,
                )
            )
        else:
            result.messages.append(
                _("{case_id}: {counted} failed attempts; it may now be marked unreachable").format(
                    case_id=result.case_id, counted=counted
                )
            )
    return result


@dataclass
class QueueView:
    items: list[QueueItem]
    shown: list[QueueItem]  # what the queue lists: `queue_shown`
    settings: CallbackSettings
    now: datetime


def queue_shown(items: list[QueueItem], show_all: bool) -> list[QueueItem]:
    """What `casekit queue` lists: every callback due before its calling hours (dialable now
    or not: nothing due is hidden) and those dialable now; with `--all` also those waiting for
    their calling hours or for the gap after a failed dial. Never one scheduled for a later day."""
    return [i for i in items if i.dialable or i.due_first or (show_all and i.hold != "scheduled")]


def queue(env: Env, *, agent: str | None, show_all: bool) -> QueueView:
    from casekit.features.deadlines.calendar import calendar_for
    from casekit.index.reader import CaseFilter, read_cases

    cfg = env.config
    settings = settings_of(cfg)
    now = env.now(cfg.tz)
    if agent:
        from casekit.core import words

        try:
            agent = words.person(cfg, agent)
        except words.UnknownWord as exc:
            raise Refused(str(exc)) from None
    kind = cfg.kinds.get(settings.kind)
    if kind is None:
        raise Refused(_("the config has no {kind!r} kind for callbacks").format(kind=settings.kind))
    open_states = [s for s in kind.states if not kind.is_terminal(s)]
    where = CaseFilter.of(states={settings.kind: open_states}, assignees={agent} if agent else None)
    docs, _problems = read_cases(env.root, where=where, with_problems=False)
    items = build_queue(
        (d.data for d in docs),
        settings,
        list(cfg.priorities),
        now,
        open_states=open_states,
        agent=agent,
        calendar=calendar_for(cfg),
    )
    return QueueView(items, queue_shown(items, show_all), settings, now)


def queue_rows(view: QueueView) -> list[dict[str, Any]]:
    rows = []
    for item in view.shown:
        case = item.case
        customer = customer_of(case)
        rows.append(
            {
                "id": case.get("id"),
                "priority": case.get("priority"),
                "due": item.due.isoformat() if item.due else None,
                "customer": customer.get("name"),
                "phone": customer.get("phone"),
                "callback_type": fields_of(case).get("callback_type"),
                "attempts": len(facts.attempts(case)),
                "hours": ", ".join(w.text() for w in item.windows),
                "in_hours": item.in_hours,
                "due_before_best_hours": item.due_first,
                "dialable": item.dialable,
                "dialable_from": item.opens.isoformat() if item.opens and not item.dialable else None,
                "note": queue_note(item, view.settings, view.now),
                "assignee": case.get("assignee"),
                "title": case.get("title"),
            }
        )
    return rows


def empty_queue_message(view: QueueView) -> str:
    waiting = [i for i in view.items if not i.dialable]
    if not view.items:
        return _("no open callbacks")
    opens = min((i.opens for i in waiting if i.opens is not None), default=None)
    counts: dict[str, int] = {}
    for item in waiting:
        reason = (item.reason or "").split(" ", 1)[0]
        counts[reason] = counts.get(reason, 0) + 1
    detail = ngettext("{count} open callback waiting", "{count} open callbacks waiting", len(waiting)).format(
        count=len(waiting)
    )
    if opens is not None:
        detail += _("; the next becomes dialable at {opens}").format(opens=opens.strftime("%Y-%m-%d %H:%M"))
    return _(
        "nothing to dial now ({detail}); `casekit queue --all` lists those outside calling hours"
    ).format(detail=detail)


@dataclass
class PlanResult:
    created: list[tuple[str, str, date]] = field(default_factory=list)  # (id, key, on)
    existing: int = 0
    problems: list[str] = field(default_factory=list)


def _existing_keys(env: Env, kind: str) -> set[str]:
    from casekit.index.reader import CaseFilter, read_cases

    docs, _problems = read_cases(env.root, where=CaseFilter.of(kinds={kind}), with_problems=False)
    return {
        str(fields_of(d.data).get("plan_key"))
        for d in docs
        if d.data.get("kind") == kind and fields_of(d.data).get("plan_key")
    }


def plan_callbacks(env: Env, *, until: str | None) -> PlanResult:
    """Open the callbacks the periodic rules owe up to `until` that are not opened yet."""
    cfg = env.config
    settings = settings_of(cfg)
    today = env.now(cfg.tz).date()
    try:
        last = parse_date(until) if until else today
    except ValueError as exc:
        raise UsageError(_("--until: {exc}").format(exc=exc)) from None
    first = today - timedelta(days=settings.periodic.lookback_days)
    if last < first:
        raise UsageError(
            _("--until {last} is before the planning window starts ({first})").format(last=last, first=first)
        )
    from casekit.features.customers.files import read_customer_file

    # The customer file (customers.file; callbacks.periodic.customers_file before it), or folder.
    file = read_customer_file(env.root, cfg)
    name = file.settings.file
    if not (env.root / name).exists():
        raise Refused(
            _(
                "no {name} in the repository: periodic callbacks are planned from its "
                "customers; create it (see docs/callbacks.md) or set customers.file"
            ).format(name=name)
        )
    if file.problems:
        raise Refused(file.problems[0])
    data = {"customers": list(file.cards)}
    customers, problems = parse_customers(data)
    result = PlanResult(problems=[f"{name}: {'.'.join(map(str, p))}: {m}" for p, m in problems])
    known = _existing_keys(env, settings.kind)
    fields = cfg.kinds[settings.kind].fields if settings.kind in cfg.kinds else {}
    owed_now = []
    requests: list[actions.CaseRequest] = []
    for owed in plan(customers, settings, first, last):
        if owed.key in known:
            result.existing += 1
            continue
        sets = [
            f"callback_type={owed.callback_type}",
            f"plan_key={owed.key}",
            f"scheduled_for={owed.on.isoformat()}",
        ]
        if owed.item:
            sets.append(f"service_item={owed.item}")
        if owed.item_date:
            sets.append(f"service_date={owed.item_date.isoformat()}")
        # a greeting's occasion, where the config's callback kind has the fields for it
        for name, value in (("greeting_occasion", owed.occasion), ("holiday_name", owed.holiday)):
            if value and name in fields:
                sets.append(f"{name}={value}")
        agent = owed.customer.agent
        requests.append(
            actions.CaseRequest(
                title=owed.title,
                customer=owed.customer.name,
                phone=owed.customer.phone,
                channel=settings.import_channel,
                assignee=agent if agent and (not cfg.people or cfg.person(agent)) else None,
                sets=sets,
                note=Note(PLANNED_NOTE, plan=owed.key),
            )
        )
        owed_now.append(owed)
        known.add(owed.key)
    opened, settled = actions.open_cases(
        env, settings.kind, requests, what=f"planned until {last.isoformat()}"
    )
    result.problems += settled
    for owed, one in zip(owed_now, opened, strict=True):
        if one.case_id is None:
            raise Refused(f"{owed.key}: {one.refusal}")
        result.created.append((one.case_id, owed.key, owed.on))
    return result


IMPORT_LIMIT_BYTES = 50 * 2**20  # some 500,000 rows of sign-ups


@dataclass
class ImportResult:
    created: list[tuple[int, str, str]] = field(default_factory=list)  # (line, id, callback type)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    messages: list[str] = field(default_factory=list)  # for the user, e.g. a change settled first


def _open_callbacks_by_phone(env: Env, settings: CallbackSettings) -> dict[str, str]:
    from casekit.index.reader import CaseFilter, open_states, read_cases

    still_open = {settings.kind: open_states(env.config)[settings.kind]}
    docs, _problems = read_cases(env.root, where=CaseFilter.of(states=still_open), with_problems=False)
    found: dict[str, str] = {}
    for doc in docs:
        case = doc.data
        phone = customer_of(case).get("phone")
        if phone:
            found.setdefault(str(phone), str(case.get("id")))
    return found


def _read_csv(path: Path, what: str, header: str) -> list[list[str]]:
    """The rows of a UTF-8 CSV export (a BOM is fine), refused when missing, too large,
    not UTF-8 or empty; `header` names the columns it needs, for the refusal."""

    def too_large(size: int, more: bool) -> NoReturn:
        raise Refused(
            _(
                "{path} is over the {limit} MB limit for one run; split it into smaller files "
                "and give each in turn"
            ).format(path=path, limit=IMPORT_LIMIT_BYTES // 2**20)
        )

    if not path.exists() and not path.is_symlink():
        raise UsageError(_("{path}: no such file").format(path=path))
    data = read_input_file(path, IMPORT_LIMIT_BYTES, what=what, too_large=too_large)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(_("{path}: not UTF-8 text; save the export as UTF-8 CSV").format(path=path)) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise Refused(
            _("{path}: the file is empty; it needs a header: {header}").format(path=path, header=header)
        )
    return rows


def import_signups(env: Env, path: Path) -> ImportResult:
    """One callback per good CSV row, all in one commit; refused rows are reported, not created."""
    cfg = env.config
    settings = settings_of(cfg)
    if settings.kind not in cfg.kinds:
        raise Refused(_("the config has no {kind!r} kind for callbacks").format(kind=settings.kind))
    header = "name, phone, signed_up_at, customer_type, source"
    rows = _read_csv(path, "the CSV export of sign-ups", header)
    columns, missing = column_map(rows[0])
    if missing:
        raise Refused(
            _("{path}: line 1: the header has no column for {missing}; expected {header}").format(
                path=path, missing=", ".join(missing), header=header
            )
        )
    now = env.now(cfg.tz)
    open_by_phone = _open_callbacks_by_phone(env, settings)
    seen: dict[str, int] = {}
    result = ImportResult()
    pending: list[tuple[int, str]] = []  # (line, callback type) of each request, in order
    requests: list[actions.CaseRequest] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        reason, values = _check_row(row, columns, settings, cfg.tz, now)
        phone = values.get("phone")
        if reason is None and phone in seen:
            reason = _("duplicate of line {line} in this file (same phone {phone})").format(
                line=seen[phone], phone=phone
            )
        if reason is None and phone in open_by_phone:
            reason = _("duplicate of open callback {case_id} for phone {phone}").format(
                case_id=open_by_phone[phone], phone=phone
            )
        if reason is not None:
            result.refused.append((line, reason))
            continue
        assert phone is not None
        seen[phone] = line
        kind_of = settings.import_types[values["customer_type"]]
        sets = [f"callback_type={kind_of.callback_type}", f"signed_up_at={values['signed_up_at']}"]
        if values.get("source"):
            sets.append(f"source={values['source']}")
        requests.append(
            actions.CaseRequest(
                title=f"{kind_of.title}：{values['name']}",
                customer=values["name"],
                phone=phone,
                channel=settings.import_channel,
                priority=kind_of.priority,
                sets=sets,
                note=Note(IMPORTED_NOTE, file=path.name, line=line),
            )
        )
        pending.append((line, kind_of.callback_type))
    opened, result.messages = actions.open_cases(env, settings.kind, requests, what=f"imported {path.name}")
    for (line, callback_type), one in zip(pending, opened, strict=True):
        if one.case_id is None:
            result.refused.append((line, str(one.refusal)))
        else:
            result.created.append((line, one.case_id, callback_type))
    result.refused.sort()
    return result


def _check_row(
    row: list[str], columns: Mapping[str, int], settings: CallbackSettings, tz: Any, now: datetime
) -> tuple[str | None, dict[str, str]]:
    name = cell(row, columns, "name")
    if not name:
        return _("missing name"), {}
    try:
        phone = normalise_phone(cell(row, columns, "phone"))
    except ValueError as exc:
        return _("bad phone: {problem}").format(problem=exc), {}
    customer_type = cell(row, columns, "customer_type")
    if customer_type not in settings.import_types:
        known = ", ".join(settings.import_types)
        return _("unknown kind of customer {customer_type!r}; use one of {known}").format(
            customer_type=customer_type, known=known
        ), {}
    signed = cell(row, columns, "signed_up_at")
    if not signed:
        return _("missing sign-up time"), {}
    try:
        moment = parse_datetime(signed, tz)
    except ValueError as exc:
        return _("bad sign-up time: {problem}").format(problem=exc), {}
    if moment > now:
        return _("sign-up time {signed} is in the future").format(signed=signed), {}
    values = {
        "name": name,
        "phone": phone,
        "customer_type": customer_type,
        "signed_up_at": moment.astimezone(tz).isoformat(timespec="seconds"),
        "source": cell(row, columns, "source"),
    }
    return None, values


SWEEP_HEADER = "phone, time and optionally line (电话/主叫号码, 时间/来电时间, 线路/中继)"


@dataclass
class SweepResult:
    created: list[tuple[str, Owed]] = field(default_factory=list)  # (id, what it answers)
    plan: SweepPlan = field(default_factory=SweepPlan)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    refused: list[tuple[Owed, str]] = field(default_factory=list)
    late: list[tuple[MissedCall, str | None]] = field(default_factory=list)
    since: datetime | None = None  # the sweep round `late` calls were made before
    messages: list[str] = field(default_factory=list)


def sweep_missed_calls(env: Env, path: Path) -> SweepResult:
    """Open a missed-call callback (呼损回拨) per phone whose missed calls in the telephony
    export no callback answers yet, all in one commit; a bad row refuses the whole file."""
    from casekit.features.deadlines.calendar import calendar_for

    cfg = env.config
    settings = settings_of(cfg)
    kind = _sweep_kind(env, settings)
    rows = _read_csv(path, "the telephony export of missed calls", SWEEP_HEADER)
    try:
        calls, skipped, bad = read_calls(rows, cfg.tz)
    except ValueError as exc:
        raise Refused(
            _("{path}: line 1: {exc}; expected {sweep_header}").format(
                path=path, exc=exc, sweep_header=SWEEP_HEADER
            )
        ) from None
    if bad:
        (line, reason), more = bad[0], [str(n) for n, _reason in bad[1:]]
        also = f" (also bad: line {', '.join(more)})" if more else ""
        raise Refused(
            _(
                "{path}: line {line}: {reason}; nothing was swept{also}: fix the export and sweep again"
            ).format(path=path, line=line, reason=reason, also=also)
        )
    now = env.now(cfg.tz)
    known, names = _missed_callbacks(env, settings, kind)
    plan = plan_sweep(calls, known, now, names, settings.sweep.customer)
    since = previous_round(now, settings.sweep.times, calendar_for(cfg))
    result = SweepResult(plan=plan, skipped=skipped, since=since)
    result.skipped += [
        (c.row, _("the call at {at} is after now; not swept").format(at=f"{c.at:%Y-%m-%d %H:%M}"))
        for c in plan.future
    ]
    result.skipped += [
        (c.row, _("the same call as line {first}").format(first=first)) for c, first in plan.repeated
    ]
    result.skipped.sort()
    requests = [_sweep_request(owed, settings, kind, path) for owed in plan.owed]
    opened, result.messages = actions.open_cases(env, settings.kind, requests, what=f"swept {path.name}")
    for owed, one in zip(plan.owed, opened, strict=True):
        if one.case_id is None:
            result.refused.append((owed, str(one.refusal)))
        else:
            result.created.append((one.case_id, owed))
    result.late = not_called_back(plan, known, result.since)
    return result


def _sweep_kind(env: Env, settings: CallbackSettings) -> KindSpec:
    """The callback kind, refused when it cannot hold what the sweep writes."""
    kind = env.config.kinds.get(settings.kind)
    if kind is None:
        raise Refused(_("the config has no {kind!r} kind for callbacks").format(kind=settings.kind))
    if CALLS_FIELD not in kind.fields:
        raise Refused(
            _(
                "the {kind} kind has no {calls_field} field, where the sweep lists the calls; "
                "add `{calls_field}: {{type: list, items: datetime, zh: 未接来电时间, en: Missed "
                "calls}}` under kinds.{kind}.fields in casekit.yaml"
            ).format(kind=settings.kind, calls_field=CALLS_FIELD)
        )
    values = kind.fields["callback_type"].values if "callback_type" in kind.fields else {}
    if values and settings.sweep.callback_type not in values:
        raise Refused(
            _(
                "callbacks.sweep.callback_type {callback_type!r} is not a callback_type of "
                "kind {kind}; set it to one of {values} in casekit.yaml"
            ).format(callback_type=settings.sweep.callback_type, kind=settings.kind, values=", ".join(values))
        )
    return kind


def _missed_callbacks(
    env: Env, settings: CallbackSettings, kind: KindSpec
) -> tuple[list[Known], dict[str, str]]:
    """The missed-call callbacks the repository holds, and a customer name for each phone
    any callback knows (the latest opened)."""
    from casekit.core.timeline import closed_at
    from casekit.index.reader import CaseFilter, read_cases

    docs, _problems = read_cases(env.root, where=CaseFilter.of(kinds={settings.kind}), with_problems=False)
    known: list[Known] = []
    names: dict[str, str] = {}
    for doc in sorted(docs, key=lambda d: str(d.data.get("opened_at"))):
        case = doc.data
        customer = customer_of(case)
        if customer.get("phone") and customer.get("name"):
            names[str(customer["phone"])] = str(customer["name"])
        if fields_of(case).get("callback_type") != settings.sweep.callback_type:
            continue
        is_open = not kind.is_terminal(str(case.get("status")))
        one = known_callback(case, closed_at(case, kind), is_open)
        if one is not None:
            known.append(one)
    return known, names


def _sweep_request(owed: Owed, settings: CallbackSettings, kind: KindSpec, path: Path) -> actions.CaseRequest:
    sweep = settings.sweep
    times = [call.at.isoformat(timespec="seconds") for call in owed.calls]
    sets = [f"callback_type={sweep.callback_type}", f"{CALLS_FIELD}={','.join(times)}"]
    lines = list(dict.fromkeys(call.line for call in owed.calls if call.line))
    if lines and LINE_FIELD in kind.fields:
        sets.append(f"{LINE_FIELD}={' / '.join(lines)}")
    rows = ", ".join(str(call.row) for call in owed.calls)
    shape = "%H:%M" if len({call.at.date() for call in owed.calls}) == 1 else "%m-%d %H:%M"
    when = ", ".join(call.at.strftime(shape) for call in owed.calls)
    return actions.CaseRequest(
        title=f"{sweep.title}：{owed.phone}",
        customer=owed.name,
        phone=owed.phone,
        channel=sweep.channel,
        priority=sweep.priority,
        sets=sets,
        note=Note(SWEPT_NOTE, file=path.name, rows=rows, calls=len(owed.calls), at=when),
    )


def sweep_schedule(env: Env, path: Path) -> list[str]:
    """Crontab lines running the sweep of `path` at `callbacks.sweep.times`, in the calendar's zone."""
    import contextlib
    import shlex

    cfg = env.config
    times = settings_of(cfg).sweep.times
    if not times:
        raise Refused(_("callbacks.sweep.times is empty in casekit.yaml: there is nothing to schedule"))
    command = f"cd {shlex.quote(str(env.root))} && casekit callbacks sweep {shlex.quote(str(path.resolve()))}"
    with contextlib.suppress(CasekitError):  # no identity here: cron runs as git's user
        command += f" --actor {shlex.quote(env.actor().login)}"
    return schedule_lines(times, cfg.timezone_name, command)
