"""`casekit report daily|weekly|monthly`: reports for supervisors and CI, as Markdown, HTML or JSON."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from casekit.cli.common import RepoOption, echo, make_env, warn
from casekit.i18n import _

report_app = typer.Typer(
    help=_(
        "Daily, weekly and monthly reports, computed from the cases as of the period's end.\n\n"
        "Example: {example}"
    ).format(example="casekit report weekly --week 2026-W47 --format html --out reports/"),
    no_args_is_help=True,
    rich_markup_mode=None,
)


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    pdf = "pdf"
    xlsx = "xlsx"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


FormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        help=(
            _(
                "md (Markdown), html (one self-contained file with charts), json, "
                "pdf (A4, printed by headless Chromium) or xlsx (an Excel workbook); pdf and xlsx need --out."
            )
        ),
    ),
]
LangOption = Annotated[
    Lang | None, typer.Option("--lang", help=_("zh or en (default: reports.lang in casekit.yaml, else zh)."))
]
OutOption = Annotated[
    str | None,
    typer.Option("--out", help=_("Write to this file (or into this folder, named after the period).")),
]


AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help=_(
            "Read the cases as committed at this commit, tag or branch (e.g. HEAD~5): "
            "the same report as one made then."
        ),
    ),
]


def _run(
    which: str,
    period: str | None,
    output: ReportFormat,
    lang: Lang | None,
    out: str | None,
    repo: str | None,
    at: str | None = None,
) -> None:
    from casekit.features.reports.service import make_report

    report = make_report(
        make_env(repo),
        which,
        period_text=period,
        output=output.value,
        lang=lang.value if lang else None,
        out=out,
        at=at,
    )
    for note in report.notes:
        warn(note)
    if report.path is None:
        echo(report.text)
    else:
        warn(_("wrote {path}").format(path=report.path))


@report_app.command(
    help=_(
        "The daily report for the 9:00 meeting: the day's figures, and what falls due the next day "
        "(today, for yesterday's report), overdue first.\n\nExample: {example}"
    ).format(example="casekit report daily --date 2026-11-23 --out reports/")
)
def daily(
    day: Annotated[
        str | None, typer.Option("--date", help=_("The day, e.g. 2026-11-23 (default: yesterday)."))
    ] = None,
    output: FormatOption = ReportFormat.md,
    lang: LangOption = None,
    out: OutOption = None,
    at: AtOption = None,
    repo: RepoOption = None,
) -> None:
    """The daily report for the 9:00 meeting: the day's figures, and what falls due the next
    day (today, for yesterday's report), overdue first."""
    _run("daily", day, output, lang, out, repo, at)


@report_app.command(
    help=_(
        "The weekly report (周投诉进度汇报 and more), Monday to Sunday unless reports.week_starts in "
        "casekit.yaml names another first day.\n\nExample: {example}"
    ).format(example="casekit report weekly --week 2026-W47 --format html --out reports/")
)
def weekly(
    week: Annotated[
        str | None, typer.Option("--week", help=_("ISO week, e.g. 2026-W47 (default: last complete week)."))
    ] = None,
    output: FormatOption = ReportFormat.md,
    lang: LangOption = None,
    out: OutOption = None,
    at: AtOption = None,
    repo: RepoOption = None,
) -> None:
    """The weekly report (周投诉进度汇报 and more), Monday to Sunday unless
    reports.week_starts in casekit.yaml names another first day."""
    _run("weekly", week, output, lang, out, repo, at)


@report_app.command(
    help=_(
        "The monthly report (月投诉汇总分析): the weekly sections plus category, brand, merchant ranking, "
        "red/black list nominations and the complaint analysis table.\n\nExample: {example}"
    ).format(example="casekit report monthly --month 2026-11 --out reports/2026-11.md")
)
def monthly(
    month: Annotated[
        str | None, typer.Option("--month", help=_("Month, e.g. 2026-11 (default: last complete month)."))
    ] = None,
    output: FormatOption = ReportFormat.md,
    lang: LangOption = None,
    out: OutOption = None,
    at: AtOption = None,
    repo: RepoOption = None,
) -> None:
    """The monthly report (月投诉汇总分析): the weekly sections plus category, brand, merchant
    ranking, red/black list nominations and the complaint analysis table."""
    _run("monthly", month, output, lang, out, repo, at)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
