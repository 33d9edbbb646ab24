"""Commands for callbacks (回访): plan, import, the dialling queue and call attempts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casekit.cli.common import (
    ActorOption,
    BomOption,
    RepoOption,
    TableFormat,
    echo,
    make_env,
    plain_text,
    warn,
    with_bom,
)
from casekit.i18n import _

callbacks_app = typer.Typer(
    help=_(
        "Callbacks (回访): plan periodic ones, import sign-ups, sweep missed calls. Example: {example}"
    ).format(example="casekit callbacks plan --until 2026-12-31"),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@callbacks_app.command(
    "plan",
    help=_(
        "Open the callbacks periodic rules owe up to a date; running it again creates nothing "
        "new.\n\nExample: {example}"
    ).format(example="casekit callbacks plan --until 2026-12-31"),
)
def plan_command(
    until: Annotated[
        str | None, typer.Option("--until", help=_("Plan callbacks owed up to this date (default: today)."))
    ] = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Open the callbacks periodic rules owe up to a date; running it again creates nothing new."""
    from casekit.features.callbacks.service import plan_callbacks

    result = plan_callbacks(make_env(repo, actor), until=until)
    for problem in result.problems:
        warn(problem)
    for case_id, key, on in result.created:
        echo(f"{case_id}  {on.isoformat()}  {key}")
    echo(
        _("{count} callback(s) planned, {existing} already planned").format(
            count=len(result.created), existing=result.existing
        )
    )


@callbacks_app.command(
    "import",
    help=_(
        "Open one callback per good row of a sign-up export; report refused rows (exit 1 if "
        "any).\n\nExample: {example}"
    ).format(example="casekit callbacks import signups.csv"),
)
def import_command(
    file: Annotated[
        Path, typer.Argument(help=_("CSV with name, phone, signed_up_at, customer_type, source."))
    ],
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Open one callback per good row of a sign-up export; report refused rows (exit 1 if any)."""
    from casekit.errors import Refused
    from casekit.features.callbacks.service import import_signups

    result = import_signups(make_env(repo, actor), file)
    for message in result.messages:
        warn(message)
    for line, case_id, callback_type in result.created:
        echo(_("line {line}: opened {case} ({type})").format(line=line, case=case_id, type=callback_type))
    for line, reason in result.refused:
        echo(_("line {line}: refused: {reason}").format(line=line, reason=reason))
    if result.refused:
        lines = ", ".join(str(line) for line, _reason in result.refused)
        raise Refused(
            _(
                "{file}: {refused} row(s) refused (line {lines}), nothing created for them; "
                "{opened} callback(s) opened"
            ).format(file=file, refused=len(result.refused), lines=lines, opened=len(result.created))
        )


@callbacks_app.command(
    "sweep",
    help=_(
        "Open a missed-call callback (呼损回拨) per phone with missed calls not yet called back; one "
        "commit; running it again on the same or a grown file opens nothing twice.\n\nExample: {example}"
    ).format(example="casekit callbacks sweep missed-calls.csv"),
)
def sweep_command(
    file: Annotated[
        Path, typer.Argument(help=_("CSV of missed calls with phone, time, line (电话, 时间, 线路)."))
    ],
    schedule: Annotated[
        bool,
        typer.Option("--schedule", help=_("Print crontab lines that sweep FILE at callbacks.sweep.times.")),
    ] = False,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Open a missed-call callback (呼损回拨) per phone with missed calls not yet called back;
    one commit; running it again on the same or a grown file opens nothing twice."""
    from casekit.errors import Refused
    from casekit.features.callbacks.service import sweep_missed_calls, sweep_schedule

    env = make_env(repo, actor)
    if schedule:
        for line in sweep_schedule(env, file):
            echo(line)
        return
    result = sweep_missed_calls(env, file)
    for message in result.messages:
        warn(message)
    for case_id, owed in result.created:
        times = ", ".join(f"{call.at:%m-%d %H:%M}" for call in owed.calls)
        echo(
            _("opened {case} for {phone}: {count} missed call(s) at {times}").format(
                case=case_id, phone=owed.phone, count=len(owed.calls), times=times
            )
        )
    for call, case_id in result.plan.covered:
        echo(
            _(
                "line {line}: {phone} called at {time}; missed-call callback {case} is already open, none "
                "added"
            ).format(line=call.row, phone=call.phone, time=f"{call.at:%m-%d %H:%M}", case=case_id)
        )
    for row, reason in result.skipped:
        echo(_("line {line}: skipped: {reason}").format(line=row, reason=reason))
    for owed, reason in result.refused:
        echo(_("{phone}: refused: {reason}").format(phone=owed.phone, reason=reason))
    since = f"{result.since:%m-%d %H:%M}" if result.since else ""
    for call, late_id in result.late:
        where = f" ({late_id})" if late_id else ""
        warn(
            _(
                "{phone}: the missed call at {time} (line {line}) is still not called back after the "
                "{since} sweep{case}"
            ).format(phone=call.phone, time=f"{call.at:%m-%d %H:%M}", line=call.row, since=since, case=where)
        )
    plan = result.plan
    echo(
        _(
            "{opened} missed-call callback(s) opened, {handled} call(s) already handled, "
            "{covered} covered by open callbacks"
        ).format(opened=len(result.created), handled=len(plan.handled), covered=len(plan.covered))
    )
    if result.refused:
        raise Refused(
            _("{file}: {refused} callback(s) refused; {opened} opened").format(
                file=file, refused=len(result.refused), opened=len(result.created)
            )
        )


def queue(
    agent: Annotated[
        str | None, typer.Option("--agent", help=_("Only callbacks assigned to this agent."))
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", help=_("Also list callbacks that can wait for their calling hours.")),
    ] = False,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, json or csv."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """List callbacks to dial now: first those due before their calling hours, then those in
    calling hours, by priority, then deadline."""
    from casekit.features.callbacks.service import empty_queue_message, queue_rows
    from casekit.features.callbacks.service import queue as build
    from casekit.render.due import due_mark
    from casekit.render.labels import priority_label, value_label
    from casekit.render.output import compact_time, short_time, table, to_csv, to_json, truncate

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    view = build(env, agent=agent, show_all=show_all)
    rows = queue_rows(view)
    if output is TableFormat.json:
        echo(to_json(rows))
        return
    columns = [
        "id",
        "priority",
        "due",
        "customer",
        "phone",
        "callback_type",
        "attempts",
        "hours",
        "title",
        "due_before_best_hours",
        "dialable",
        "note",
    ]
    if output is TableFormat.csv:
        echo(to_csv(rows, columns).rstrip("\n"), bom=bom_first)
        return
    if not rows:
        echo(empty_queue_message(view))
        return
    config = env.config
    kinds = [item.case.get("kind") for item in view.shown]
    body = [
        [
            r["id"],
            priority_label(config, r["priority"]),
            compact_time(short_time(r["due"]), view.now.year) if r["due"] else "-",
            r["customer"],
            r["phone"],
            value_label(config, kind, "callback_type", r["callback_type"]) if r["callback_type"] else "",
            r["attempts"],
            r["hours"] if r["in_hours"] else _("{hours} (outside now)").format(hours=r["hours"]),
            truncate(str(r["title"] or ""), 24),
            r["note"],
        ]
        for r, kind in zip(rows, kinds, strict=True)
    ]
    headers = [
        _("ID"),
        _("Priority"),
        _("Due"),
        _("Customer"),
        _("Phone"),
        _("Type"),
        _("Tries"),
        _("Hours"),
        _("Title"),
        _("Note"),
    ]
    marks = [due_mark({"next_due": r["due"]}, view.now) for r in rows]
    dialable = sum(1 for r in rows if r["dialable"])
    urgent = sum(1 for r in rows if r["due_before_best_hours"])
    counts = _("{count} to dial").format(count=dialable)
    if urgent:
        counts += _(", {count} due before the best hours").format(count=urgent)
    if dialable < len(rows):
        counts += _(", {count} not dialable now").format(count=len(rows) - dialable)
    # on a narrow terminal: the calling hours left out first, then the type, the tries (an
    # empty note before them); IDs and phone numbers are never cut
    shown = table(body, headers, marks=marks, optional=(7, 5, 6, 9), flexible=(8, 9), whole=(0, 4))
    echo(shown + "\n" + _("({counts})").format(counts=counts))


def attempt(
    case_id: Annotated[str, typer.Argument(help=_("Callback ID, e.g. B-20261123-4M2P-9QXA."))],
    outcome: Annotated[
        str, typer.Option("--outcome", help=_("answered, no-answer, busy, wrong-number or refused."))
    ],
    note: Annotated[
        str | None, typer.Option("--note", help=_("What was said, for the history."), callback=plain_text)
    ] = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Record one dial of the customer and its outcome; one commit."""
    from casekit.features.callbacks.service import attempt_case

    result = attempt_case(make_env(repo, actor), case_id, outcome, note=note)
    echo(result.case_id)
    for message in result.messages:
        warn(message)


def register(app: typer.Typer) -> None:
    app.add_typer(callbacks_app, name="callbacks")
    app.command(
        help=_(
            "List callbacks to dial now: first those due before their calling hours, then those in "
            "calling hours, by priority, then deadline.\n\nExample: {example}"
        ).format(example="casekit queue --agent li.na")
    )(queue)
    app.command(
        help=_("Record one dial of the customer and its outcome; one commit.\n\nExample: {example}").format(
            example="casekit attempt B-20261120-RKXQ-2NKA --outcome no-answer --note 无人接听"
        )
    )(attempt)
