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
    help=(
        "Callbacks (回访): plan periodic ones, import sign-ups, sweep missed calls. "
        "Example: casekit callbacks plan --until 2026-12-31"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@callbacks_app.command("plan")
def plan_command(
    until: Annotated[
        str | None, typer.Option("--until", help="Plan callbacks owed up to this date (default: today).")
    ] = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Open the callbacks periodic rules owe up to a date; running it again creates nothing new.

    Example: casekit callbacks plan --until 2026-12-31
    """
    from casekit.features.callbacks.service import plan_callbacks

    result = plan_callbacks(make_env(repo, actor), until=until)
    for problem in result.problems:
        warn(problem)
    for case_id, key, on in result.created:
        echo(f"{case_id}  {on.isoformat()}  {key}")
    echo(f"{len(result.created)} callback(s) planned, {result.existing} already planned")


@callbacks_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV with name, phone, signed_up_at, customer_type, source.")],
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Open one callback per good row of a sign-up export; report refused rows (exit 1 if any).

    Example: casekit callbacks import signups.csv
    """
    from casekit.errors import Refused
    from casekit.features.callbacks.service import import_signups

    result = import_signups(make_env(repo, actor), file)
    for message in result.messages:
        warn(message)
    for line, case_id, callback_type in result.created:
        echo(f"line {line}: opened {case_id} ({callback_type})")
    for line, reason in result.refused:
        echo(f"line {line}: refused: {reason}")
    if result.refused:
        lines = ", ".join(str(line) for line, _ in result.refused)
        raise Refused(
            f"{file}: {len(result.refused)} row(s) refused (line {lines}), nothing created for them; "
            f"{len(result.created)} callback(s) opened"
        )


@callbacks_app.command("sweep")
def sweep_command(
    file: Annotated[
        Path, typer.Argument(help="CSV of missed calls with phone, time, line (电话, 时间, 线路).")
    ],
    schedule: Annotated[
        bool,
        typer.Option("--schedule", help="Print crontab lines that sweep FILE at callbacks.sweep.times."),
    ] = False,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Open a missed-call callback (呼损回拨) per phone with missed calls not yet called back;
    one commit; running it again on the same or a grown file opens nothing twice.

    Example: casekit callbacks sweep missed-calls.csv
    """
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
        echo(f"opened {case_id} for {owed.phone}: {len(owed.calls)} missed call(s) at {times}")
    for call, case_id in result.plan.covered:
        echo(
            f"line {call.row}: {call.phone} called at {call.at:%m-%d %H:%M}; "
            f"missed-call callback {case_id} is already open, none added"
        )
    for row, reason in result.skipped:
        echo(f"line {row}: skipped: {reason}")
    for owed, reason in result.refused:
        echo(f"{owed.phone}: refused: {reason}")
    since = f"{result.since:%m-%d %H:%M}" if result.since else ""
    for call, late_id in result.late:
        where = f" ({late_id})" if late_id else ""
        warn(
            f"{call.phone}: the missed call at {call.at:%m-%d %H:%M} (line {call.row}) is still not "
            f"called back after the {since} sweep{where}"
        )
    plan = result.plan
    echo(
        f"{len(result.created)} missed-call callback(s) opened, {len(plan.handled)} call(s) already handled, "
        f"{len(plan.covered)} covered by open callbacks"
    )
    if result.refused:
        raise Refused(f"{file}: {len(result.refused)} callback(s) refused; {len(result.created)} opened")


def queue(
    agent: Annotated[
        str | None, typer.Option("--agent", help="Only callbacks assigned to this agent.")
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="Also list callbacks that can wait for their calling hours."),
    ] = False,
    output: Annotated[TableFormat, typer.Option("--format", help="table, json or csv.")] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """List callbacks to dial now: first those due before their calling hours, then those in
    calling hours, by priority, then deadline.

    Example: casekit queue --agent li.na
    """
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
    counts = f"{dialable} to dial"
    if urgent:
        counts += f", {urgent} due before the best hours"
    if dialable < len(rows):
        counts += f", {len(rows) - dialable} not dialable now"
    # on a narrow terminal: the calling hours left out first, then the type, the tries (an
    # empty note before them); IDs and phone numbers are never cut
    shown = table(body, headers, marks=marks, optional=(7, 5, 6, 9), flexible=(8, 9), whole=(0, 4))
    echo(shown + f"\n({counts})")


def attempt(
    case_id: Annotated[str, typer.Argument(help="Callback ID, e.g. B-20261123-4M2P-9QXA.")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="answered, no-answer, busy, wrong-number or refused.")
    ],
    note: Annotated[
        str | None, typer.Option("--note", help="What was said, for the history.", callback=plain_text)
    ] = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Record one dial of the customer and its outcome; one commit.

    Example: casekit attempt B-20261123-4M2P-9QXA --outcome no-answer --note 无人接听
    """
    from casekit.features.callbacks.service import attempt_case

    result = attempt_case(make_env(repo, actor), case_id, outcome, note=note)
    echo(result.case_id)
    for message in result.messages:
        warn(message)


def register(app: typer.Typer) -> None:
    app.add_typer(callbacks_app, name="callbacks")
    app.command()(queue)
    app.command()(attempt)
