"""Commands about deadlines: what falls due, honest promises, escalation to a supervisor."""

from __future__ import annotations

from typing import Annotated

import typer

from casekit.cli.common import (
    ActorOption,
    BomOption,
    NoteOption,
    RepoOption,
    TableFormat,
    echo,
    make_env,
    plain_text,
    print_outcome,
    warn_calendar_ending,
    with_bom,
)
from casekit.i18n import _

IdArgument = Annotated[
    str, typer.Argument(help=_("Case ID, e.g. C-20261123-7KQ3-XHD2, or its last part 7KQ3-XHD2."))
]


def due(
    within: Annotated[
        str | None,
        typer.Option(
            "--within",
            help=_("Only what falls due within this time: 2h, 30m, '1 working day' (overdue included)."),
        ),
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help=_("Only this kind (repeatable or comma-separated)."))
    ] = None,
    assignee: Annotated[
        list[str] | None, typer.Option("--assignee", help=_("Only cases of this agent."))
    ] = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, json or csv."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """List open deadlines, soonest (and overdue) first, with how long is left."""
    from casekit.features.deadlines.service import due_report

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    echo(due_report(env, within=within, kinds=kind, assignees=assignee, output=output.value), bom=bom_first)
    warn_calendar_ending(env)


def promise(
    case_id: IdArgument,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help=_(
                "When you will reply: 2026-11-24T15:00 (read in the repository's time zone), "
                "or a length of time from now such as 2h or '1 working day'."
            ),
        ),
    ],
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Record a reply-by time agreed with the customer; missing it counts as a breach. One commit."""
    from casekit.features.deadlines.service import promise_case

    outcome = promise_case(make_env(repo, actor), case_id, by, note=note)
    _print(outcome)


def escalate(
    case_id: IdArgument,
    to: Annotated[str, typer.Option("--to", help=_("The supervisor who takes the case (a login)."))],
    note: Annotated[
        str,
        typer.Option(
            "--note",
            help=_("What has been done so far, handed over with the case (required)."),
            callback=plain_text,
        ),
    ],
    major: Annotated[
        bool,
        typer.Option(
            "--major", help=_("Flag a major complaint (重大投诉); media complaints are major anyway.")
        ),
    ] = False,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Hand a case to a supervisor with its notes and mark it escalated; one audited commit."""
    from casekit.features.deadlines.service import escalate_case

    outcome = escalate_case(make_env(repo, actor), case_id, to, note=note, major=major)
    _print(outcome)


def merchant_reply(
    case_id: IdArgument,
    at: Annotated[
        str | None,
        typer.Option("--at", help=_("When the merchant replied, e.g. 2026-11-24T09:40 (default: now).")),
    ] = None,
    reply: Annotated[
        str | None, typer.Option("--reply", help=_("What the merchant said, as posted (商家回复内容)."))
    ] = None,
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Record the merchant's own reply to a complaint about it (商家回复); one commit."""
    from casekit.features.deadlines.merchant import merchant_reply_case

    outcome = merchant_reply_case(make_env(repo, actor), case_id, at, reply=reply, note=note)
    _print(outcome)


def _print(outcome: object) -> None:
    from casekit.service.actions import Outcome

    assert isinstance(outcome, Outcome)
    print_outcome(outcome)


def register(app: typer.Typer) -> None:
    app.command(
        help=_(
            "List open deadlines, soonest (and overdue) first, with how long is left.\n\nExample: {example}"
        ).format(example="casekit due --within 2h --assignee li.na")
    )(due)
    app.command(
        help=_(
            "Record a reply-by time agreed with the customer; missing it counts as a breach. One "
            "commit.\n\nExample: {example}"
        ).format(
            example="casekit promise C-20261123-WYWA-2JS4 --by 2026-11-24T15:00 --note "
            "'约定明天下午三点前回复'"
        )
    )(promise)
    app.command(
        help=_(
            "Hand a case to a supervisor with its notes and mark it escalated; one audited "
            "commit.\n\nExample: {example}"
        ).format(
            example="casekit escalate C-20261120-E90B-AY82 --to zhang.wei --note '客户要求三倍赔偿' --major"
        )
    )(escalate)
    app.command(
        "merchant-reply",
        help=_(
            "Record the merchant's own reply to a complaint about it (商家回复); one commit.\n\nForum and "
            "Weibo complaints need the merchant's reply within 1 working day: the merchant_reply deadline "
            "is met at --at, and the monthly 红黑榜 judges merchants on it.\n\nExample: {example}"
        ).format(
            example="casekit update C-20261123-WYWA-2JS4 --set merchant=优品服饰旗舰店 && "
            "casekit merchant-reply C-20261123-WYWA-2JS4 --at 2026-11-23T09:40 --reply '同意退货退款'"
        ),
    )(merchant_reply)
