"""`casekit calendar add|show`: next year's holiday schedule, and a year's working days."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casekit.cli.common import ActorOption, RepoOption, TextFormat, echo, make_env, plain_text
from casekit.i18n import _

calendar_app = typer.Typer(
    help=_(
        "The working calendar (工作日历): add next year's public holidays and make-up working "
        "days (调休) from the State Council's notice, and print a year month by month.\n\n"
        "Example: {example}"
    ).format(example="casekit calendar add 2027 2027.csv && casekit calendar show 2027"),
    no_args_is_help=True,
)

YearArgument = Annotated[
    int, typer.Argument(metavar="YEAR", min=1900, max=2999, help=_("The year, e.g. 2027."))
]


@calendar_app.command(
    "add",
    help=_(
        "Add a year's holidays and make-up working days to casekit.yaml (calendar.days_off, "
        "calendar.working_days, known_until YEAR-12-31) as one commit. Supervisors only.\n\nThe table "
        "lists the days of the notice, e.g.:\n\n{table}\n\nAdding the same table again changes nothing. "
        "Example: {example}"
    ).format(
        table="\b\n    2027-02-11..2027-02-17, off, 春节\n    2027-02-07, working, 春节",
        example="casekit calendar add 2027 2027.csv --note '国务院办公厅关于2027年部分节假日安排的通知'",
    ),
)
def calendar_add(
    year: YearArgument,
    table: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=_(
                "The schedule: one line a day (or a range a..b): date, off or working "
                "(休/班, 放假/上班), label; CSV, tab- or space-separated."
            ),
        ),
    ],
    note: Annotated[
        str | None,
        typer.Option(
            "--note", help=_("A note for the commit message, e.g. the notice's title."), callback=plain_text
        ),
    ] = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Add a year's holidays and make-up working days to casekit.yaml (calendar.days_off,
    calendar.working_days, known_until YEAR-12-31) as one commit. Supervisors only."""
    from casekit.features.deadlines.calendar_service import add_year

    for line in add_year(make_env(repo, actor), year, table, note=note):
        echo(line)


@calendar_app.command(
    "show",
    help=_(
        "Print a year's working calendar month by month: working days, days off other than weekends, "
        "weekend days worked (调休), and which months are provisional (暂定).\n\nExample: {example}"
    ).format(example="casekit calendar show 2026"),
)
def calendar_show(
    year: YearArgument,
    output: Annotated[
        TextFormat, typer.Option("--format", help=_("text (a table) or json."))
    ] = TextFormat.text,
    repo: RepoOption = None,
) -> None:
    """Print a year's working calendar month by month: working days, days off other than
    weekends, weekend days worked (调休), and which months are provisional (暂定)."""
    from casekit.features.deadlines.calendar_service import show_year

    echo(show_year(make_env(repo), year, output.value))


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
