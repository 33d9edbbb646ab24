"""Commands that open, change and read cases."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from casekit.cli.common import (
    ActorOption,
    BomOption,
    DocFormat,
    NoteOption,
    RepoOption,
    SetOption,
    TableFormat,
    TextFormat,
    echo,
    make_env,
    plain_text,
    print_outcome,
    warn,
    warn_calendar_ending,
    with_bom,
)
from casekit.i18n import _

KindArgument = Annotated[
    str, typer.Argument(metavar="KIND", help=_("Case kind from casekit.yaml: complaint, callback or return."))
]
IdArgument = Annotated[
    str,
    typer.Argument(metavar="ID", help=_("Case ID, e.g. C-20261123-7KQ3-XHD2, or its last part 7KQ3-XHD2.")),
]


def new(
    kind: KindArgument,
    title: Annotated[str, typer.Option("--title", help=_("One line saying what the case is about."))],
    customer: Annotated[str, typer.Option("--customer", help=_("Customer's name, e.g. 王先生."))],
    channel: Annotated[
        str, typer.Option("--channel", help=_("How it came in: phone, wechat, weibo, store, ..."))
    ],
    phone: Annotated[
        str | None, typer.Option("--phone", help=_("Customer's phone, e.g. 13800138000."))
    ] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", help=_("highest, high, medium or low."))
    ] = None,
    assignee: Annotated[
        str | None, typer.Option("--assignee", help=_("Agent who owns it (default: you)."))
    ] = None,
    salutation: Annotated[
        str | None,
        typer.Option(
            "--salutation",
            help=_("先生 or 女士, used by reply scripts; asked for at a terminal when missing."),
        ),
    ] = None,
    sets: SetOption = None,
    note: NoteOption = None,
    replied: Annotated[
        bool,
        typer.Option(
            "--replied",
            help=_(
                "You already answered the customer (on the call, in chat): it meets the first-reply clock."
            ),
        ),
    ] = False,
    link_repeats: Annotated[
        bool,
        typer.Option(
            "--link",
            help=_(
                "重复来电时关联该客户的未结及近期案件 / Link the new case to the same customer's open "
                "and recent cases (the repeat-caller notice names them), in the same commit."
            ),
        ),
    ] = False,
    output: Annotated[
        TextFormat, typer.Option("--format", help=_("text prints the ID; json the whole case."))
    ] = TextFormat.text,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Open a case and commit it; prints the new ID."""
    from casekit.features.customers.service import caller_history
    from casekit.features.harassment.sources import known_source_warning
    from casekit.service.actions import open_case

    env = make_env(repo, actor)
    if salutation is None and not _salutation_given(customer, sets or []) and sys.stdin.isatty():
        salutation = _ask_salutation()
    # Looked up before opening, while the query index is up to date: one look at the caller.
    caller = caller_history(env, phone, sets or [], linking=link_repeats)
    outcome = open_case(
        env,
        kind,
        title=title,
        customer=customer,
        phone=phone,
        channel=channel,
        priority=priority,
        assignee=assignee,
        salutation=salutation,
        sets=sets or [],
        note=note,
        replied=replied,
        links=caller.repeats if link_repeats else None,
    )
    print_outcome(outcome, as_json=output is TextFormat.json)
    if caller.repeat_line:
        warn(_("{case}: {notice}").format(case=outcome.case_id, notice=caller.repeat_line))
    if harassment_source := known_source_warning(outcome.case_id, phone, caller.harassment_logs):
        warn(harassment_source)
    if not _salutation_given(customer, sets or [], salutation):
        warn(
            _(
                "{case}: 未记录称呼，话术将以全名称呼客户；可用 --salutation 先生/女士，"
                "或 casekit update {case} --set customer.salutation=女士 补记 "
                "(no salutation recorded: scripts address the customer by full name; add one with "
                "--salutation)"
            ).format(case=outcome.case_id)
        )


def _salutation_given(customer: str, sets: list[str], salutation: str | None = None) -> bool:
    from casekit.core.casefile import has_salutation

    set_here = any(
        s.partition("=")[0].strip() == "customer.salutation" and s.partition("=")[2].strip() for s in sets
    )
    return set_here or has_salutation({"name": customer, "salutation": salutation})


def _ask_salutation() -> str | None:
    """Ask at the terminal for 先生 or 女士; Enter skips (None)."""
    from casekit.core.casefile import SALUTATIONS

    while True:
        answer = str(
            typer.prompt(
                _("客户称呼（先生/女士，回车跳过）/ Salutation (先生 or 女士, Enter to skip)"),
                default="",
                show_default=False,
                err=True,
            )
        ).strip()
        if not answer:
            return None
        if answer in SALUTATIONS:
            return answer
        # the salutations are SALUTATIONS, as the prompt says
        warn(_("请输入 先生 或 女士，或直接回车跳过 (type 先生 or 女士, or Enter to skip)"))


def move(
    case_id: IdArgument,
    state: Annotated[
        str, typer.Argument(metavar="STATE", help=_("The state to move to, e.g. investigating."))
    ],
    sets: SetOption = None,
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Move a case to another state, if the workflow allows it; one commit."""
    from casekit.service.actions import move_case

    outcome = move_case(make_env(repo, actor), case_id, state, note=note, sets=sets or [])
    print_outcome(outcome)


def assign(
    case_id: IdArgument,
    agent: Annotated[
        str, typer.Argument(metavar="AGENT", help=_("Login of the agent, as in casekit.yaml's people."))
    ],
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Give a case to an agent; one commit."""
    from casekit.service.actions import assign_case

    print_outcome(assign_case(make_env(repo, actor), case_id, agent, note=note))


def note(
    case_id: IdArgument,
    text: Annotated[
        list[str],
        typer.Argument(
            metavar="TEXT",
            help=_("What happened, in a sentence: the rest of the line, quoted or not."),
            callback=plain_words,
        ),
    ],
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Add a note to a case's history; one commit."""
    from casekit.service.actions import note_case

    print_outcome(note_case(make_env(repo, actor), case_id, " ".join(text)))


def plain_words(ctx: typer.Context, param: typer.CallbackParam, value: list[str] | None) -> list[str]:
    """`plain_text` for an argument that takes the rest of the line: the words as one text."""
    words = list(value or [])
    plain_text(ctx, param, " ".join(words))
    return words


def update(
    case_id: IdArgument,
    sets: SetOption = None,
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Change fields of a case without moving it; one commit."""
    from casekit.service.actions import update_case

    print_outcome(update_case(make_env(repo, actor), case_id, sets or [], note=note))


def link(
    case_id: IdArgument,
    other: Annotated[str, typer.Argument(metavar="OTHER", help=_("The case to link to."))],
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Link two cases both ways, such as a complaint and its callback, in one commit."""
    from casekit.service.actions import link_cases

    outcome = link_cases(make_env(repo, actor), case_id, other, note=note)
    print_outcome(outcome)
    for other_id in outcome.others:
        echo(other_id)


def show(
    case_id: IdArgument,
    output: Annotated[
        DocFormat, typer.Option("--format", help=_("yaml (the file as written) or json."))
    ] = DocFormat.yaml,
    repo: RepoOption = None,
) -> None:
    """Print one case (the YAML file as written, its deadlines' state on stderr)."""
    from casekit.service.queries import show_case, show_lines

    env = make_env(repo)
    echo(show_case(env, case_id, output.value))
    if output is DocFormat.yaml:
        for line in show_lines(env, case_id):
            warn(line)


def list_cases(
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help=_("Only this kind (repeatable or comma-separated).")),
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help=_("Only these states, e.g. investigating."))
    ] = None,
    assignee: Annotated[
        list[str] | None, typer.Option("--assignee", help=_("Only cases of this agent."))
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help=_("Only cases with a deadline (or promise) past due now."))
    ] = False,
    phone: Annotated[
        str | None,
        typer.Option(
            "--phone",
            help=_("按电话（任意格式）/ Only cases of this phone, whatever its format: 138 0013 8000."),
        ),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option(
            "--customer",
            help=_(
                "按客户姓名的一部分或买家ID / Only customers whose name holds this, or with this account."
            ),
        ),
    ] = None,
    order: Annotated[
        str | None, typer.Option("--order", help=_("按订单号 / Only cases of this order number."))
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help=_("Closed cases too (by default only open ones are listed)."))
    ] = False,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, json or csv."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """List cases, oldest first, with their next deadline, in a table that lines up Chinese text."""
    from casekit.service.queries import list_cases as run

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    text = run(
        env,
        kinds=kind,
        statuses=status,
        assignees=assignee,
        overdue=overdue,
        output=output.value,
        phone=phone,
        customer=customer,
        order=order,
        closed=show_all,
    )
    echo(text, bom=bom_first)
    warn_calendar_ending(env)


def log(
    case_id: IdArgument,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, json or csv."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """Show a case's audit trail, read from its git commits and their trailers."""
    from casekit.service.queries import case_log

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    echo(case_log(env, case_id, output.value), bom=bom_first)


def register(app: typer.Typer) -> None:
    app.command(
        help=_("Open a case and commit it; prints the new ID.\n\nExample: {example}").format(
            example="casekit new complaint --title 传真机无法接收传真 --customer 王先生 --phone "
            "13800138000 --channel phone --priority high"
        )
    )(new)
    app.command(
        help=_(
            "Move a case to another state, if the workflow allows it; one commit.\n\nExample: {example}"
        ).format(
            example="casekit move C-20261120-HRRT-NFNM investigating --set responsible_department=售后技术部"
        )
    )(move)
    app.command(
        help=_(
            "Print one case (the YAML file as written, its deadlines' state on stderr).\n\nExample: {example}"
        ).format(example="casekit show C-20261123-WYWA-2JS4 --format json")
    )(show)
    app.command(
        "list",
        help=_(
            "List cases, oldest first, with their next deadline, in a table that lines up Chinese "
            "text.\n\nExample: {example} (or: {phone}, {customer})"
        ).format(
            example="casekit list --kind complaint --status investigating --overdue",
            phone="casekit list --phone '139 1596 2048'",
            customer="casekit list --customer 王",
        ),
    )(list_cases)
    app.command(
        help=_("Give a case to an agent; one commit.\n\nExample: {example}").format(
            example="casekit assign C-20261123-WYWA-2JS4 li.na"
        )
    )(assign)
    app.command(
        help=_("Add a note to a case's history; one commit.\n\nExample: {example}").format(
            example="casekit note C-20261123-WYWA-2JS4 '已致电客户，约定明天上午回复'"
        )
    )(note)
    app.command(
        help=_("Change fields of a case without moving it; one commit.\n\nExample: {example}").format(
            example="casekit update C-20261123-WYWA-2JS4 --set product='女士中长款羽绒服 米白 L'"
        )
    )(update)
    app.command(
        help=_(
            "Link two cases both ways, such as a complaint and its callback, in one commit.\n\nExample: "
            "{example}"
        ).format(example="casekit link C-20261120-E90B-AY82 R-20261112-WW40-07R7")
    )(link)
    app.command(
        help=_(
            "Show a case's audit trail, read from its git commits and their trailers.\n\nExample: {example}"
        ).format(example="casekit log C-20261123-WYWA-2JS4")
    )(log)
