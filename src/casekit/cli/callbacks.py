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

callbacks_app = typer.Typer(
    help=(
        "Callbacks (回访): plan periodic ones, import sign-ups. "
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


def queue(
    agent: Annotated[
        str | None, typer.Option("--agent", help="Only callbacks assigned to this agent.")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list callbacks outside their calling hours.")
    ] = False,
    output: Annotated[TableFormat, typer.Option("--format", help="table, json or csv.")] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """List callbacks to dial now: by priority, then deadline; only those in calling hours.

    Example: casekit queue --agent li.na
    """
    from casekit.features.callbacks.service import empty_queue_message, queue_rows
    from casekit.features.callbacks.service import queue as build
    from casekit.render.output import short_time, table, to_csv, to_json, truncate

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    view = build(env, agent=agent, show_all=show_all)
    rows = queue_rows(view)
    if output is TableFormat.json:
        echo(to_json(rows))
        return
    columns = ["id", "priority", "due", "customer", "phone", "callback_type", "attempts", "hours", "title"]
    if output is TableFormat.csv:
        echo(to_csv(rows, columns).rstrip("\n"), bom=bom_first)
        return
    if not rows:
        echo(empty_queue_message(view))
        return
    body = [
        [
            r["id"],
            r["priority"],
            short_time(r["due"]) if r["due"] else "-",
            r["customer"],
            r["phone"],
            r["callback_type"] or "",
            r["attempts"],
            r["hours"] if r["in_hours"] else f"{r['hours']} (outside now)",
            truncate(str(r["title"] or ""), 24),
        ]
        for r in rows
    ]
    headers = ["ID", "Priority", "Due", "Customer", "Phone", "Type", "Tries", "Hours", "Title"]
    echo(table(body, headers) + f"\n({len(rows)} to dial)")


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
