"""Harassment calls (骚扰电话): `casekit harassment log` (the warning `casekit new` gives for a
known harassment source is `casekit.features.harassment.sources`)."""

from __future__ import annotations

from typing import Annotated

import typer

from casekit.cli.common import (
    ActorOption,
    NoteOption,
    RepoOption,
    make_env,
    plain_text,
    print_outcome,
    warn,
)
from casekit.i18n import _, is_chinese

harassment_app = typer.Typer(
    help=_(
        "骚扰电话 / Harassment calls: log one in one commit; no deadlines, no callbacks, "
        "kept out of the complaint statistics. "
        "Example: {example}"
    ).format(
        example="casekit harassment log --phone 13912345678 --line 400-820-8820 "
        "--said 来电胡言乱语，引导回主题无效 --ended-by agent"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@harassment_app.command(
    "log",
    help=_(
        "记录骚扰电话 / Log a harassment call: one case of the harassment kind, one commit; prints its "
        "ID. It has no deadlines and no callbacks, and reports count it only in the harassment section "
        "(骚扰电话统计). Says so when the number has called before.\n\nExample: {example}"
    ).format(
        example="casekit harassment log --phone 13912345678 --line 400-820-8820 --said "
        "来电胡言乱语，引导回主题无效 --ended-by agent --at 2026-11-22T22:40"
    ),
)
def log_command(
    phone: Annotated[
        str, typer.Option("--phone", help=_("来电号码 / The number it came from, e.g. 13912345678."))
    ],
    line: Annotated[
        str,
        typer.Option("--line", help=_("来电线路 / The line called, e.g. 400-820-8820."), callback=plain_text),
    ],
    said: Annotated[
        str, typer.Option("--said", help=_("通话内容 / What the caller said, briefly."), callback=plain_text)
    ],
    ended_by: Annotated[
        str, typer.Option("--ended-by", help=_("挂断方 / Who ended the call: agent or caller."))
    ],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help=_("来电时间 / When the call came in, e.g. 2026-11-23T12:10 (default: now), not later."),
        ),
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(
            "--severity", help=_("严重程度 / nuisance (无聊骚扰), obscene (低级下流) or abusive (辱骂威胁).")
        ),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option(
            "--customer",
            help=_("来电人 / The caller's name if given (default: 未知来电)."),
            callback=plain_text,
        ),
    ] = None,
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """记录骚扰电话 / Log a harassment call: one case of the harassment kind, one commit;
    prints its ID. It has no deadlines and no callbacks, and reports count it only in the
    harassment section (骚扰电话统计). Says so when the number has called before."""
    from casekit.core.casefile import mask_phone
    from casekit.features.harassment.service import log_call

    logged = log_call(
        make_env(repo, actor),
        phone=phone,
        line=line,
        said=said,
        ended_by=ended_by,
        at=at,
        severity=severity,
        note=note,
        customer=customer,
    )
    outcome = logged.outcome
    print_outcome(outcome)
    if logged.earlier:
        count = len(logged.earlier) + 1
        earlier = "、".join(logged.earlier)
        line = _("{case}: 号码 {phone} 第 {count} 次骚扰来电（此前：{earlier}）").format(
            case=outcome.case_id, phone=mask_phone(phone), count=count, earlier=earlier
        )
        if not is_chinese():  # the desk's Chinese line, and what it says
            line += _(" (call {count} from this number; earlier: {earlier})").format(
                count=count, earlier=", ".join(logged.earlier)
            )
        warn(line)


def register(app: typer.Typer) -> None:
    app.add_typer(harassment_app, name="harassment")
