"""Commands for returns and evidence: attach, registers, alerts, extensions, settlement-check."""

from __future__ import annotations

from pathlib import Path
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
    print_outcome,
    with_bom,
)
from casekit.i18n import _


def attach(
    case_id: Annotated[str, typer.Argument(help=_("Case ID, e.g. R-20261123-7KQ3-XHD2, or its last part."))],
    files: Annotated[list[Path], typer.Argument(help=_("Photos or documents to attach."))],
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Attach evidence files to a case: copied to attachments/<ID>/, hashed, one commit."""
    from casekit.features.returns.attachments import attach_files

    outcome = attach_files(make_env(repo, actor), case_id, files, note=note)
    print_outcome(outcome)


def registers(
    name: Annotated[
        str,
        typer.Argument(help=_("wrong-shipment, parcel-claims, postage or cancellations (退订日台账).")),
    ],
    month: Annotated[
        str | None, typer.Option("--month", help=_("Only cases opened in this month, YYYY-MM."))
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help=_("退订日台账的日期 / cancellations: the day of the bookings, YYYY-MM-DD (default: today)."),
        ),
    ] = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, csv or json."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """售后登记表与退订日台账 / Print a register the after-sales team keeps, generated from
    the cases: 发错货登记, 丢件赔偿登记, 邮费充值清单 by month; 退订日台账 (the cancellation
    bookings made on a day, with their progress) by day."""
    from casekit.features.returns.service import registers as run

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    echo(run(env, name, month=month, output=output.value, day=day), bom=bom_first)


def alerts(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=_("Last day of the window, YYYY-MM-DD (default: today)."))
    ] = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, csv or json."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """List SKUs and batches that several customers reported for quality in the alert window."""
    from casekit.features.returns.service import alerts as run

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    echo(run(env, as_of=as_of, output=output.value), bom=bom_first)


def extensions(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=_("The day to look from, YYYY-MM-DD (default: today)."))
    ] = None,
    within: Annotated[
        int | None,
        typer.Option("--within", help=_("Days ahead to look (default: returns.extension_warn_days).")),
    ] = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, csv or json."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """交易延长期将到的退换货 / Open returns whose order extension (延长交易时间, recorded when
    the return is approved) ends within a few days or has ended: extend the order again or
    finish the return."""
    from casekit.features.returns.service import extensions as run

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    echo(run(env, as_of=as_of, within=within, output=output.value), bom=bom_first)


def settlement_check(
    merchant: Annotated[str, typer.Argument(help=_("The merchant (商家) as written in the cases."))],
    order: Annotated[
        str | None,
        typer.Option("--order", help=_("Check one order: exit 1 if it cannot be settled.")),
    ] = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help=_("table, csv or json."))
    ] = TableFormat.table,
    bom: BomOption = None,
    repo: RepoOption = None,
) -> None:
    """商家结算检查 / List a merchant's orders that cannot be settled: a complaint or return is open, or a
    cancellation (退订) is booked or done (已退订或预约退订订单不可结算)."""
    from casekit.features.returns.service import settlement_check as run

    env = make_env(repo)
    bom_first = with_bom(output, bom, env)
    echo(run(env, merchant, order=order, output=output.value), bom=bom_first)


def register(app: typer.Typer) -> None:
    app.command(
        help=_(
            "Attach evidence files to a case: copied to attachments/<ID>/, hashed, one "
            "commit.\n\nExample: {example}"
        ).format(
            example="casekit attach R-20261116-5SRV-GFDB IMG_2041.png IMG_2042.png --note 客户提供的破损照片"
        )
    )(attach)
    app.command(
        help=_(
            "售后登记表与退订日台账 / Print a register the after-sales team keeps, generated from the "
            "cases: 发错货登记, 丢件赔偿登记, 邮费充值清单 by month; 退订日台账 (the cancellation "
            "bookings made on a day, with their progress) by day.\n\nExample: {example}\n\nExample: "
            "{cancellations}"
        ).format(
            example="casekit registers parcel-claims --month 2026-11 --format csv > 丢件赔偿-2026-11.csv",
            cancellations="casekit registers cancellations --date 2026-11-23",
        )
    )(registers)
    app.command(
        help=_(
            "List SKUs and batches that several customers reported for quality in the alert "
            "window.\n\nExample: {example}"
        ).format(example="casekit alerts --as-of 2026-11-30")
    )(alerts)
    app.command(
        "settlement-check",
        help=_(
            "商家结算检查 / List a merchant's orders that cannot be settled: a complaint or return is "
            "open, or a cancellation (退订) is booked or done (已退订或预约退订订单不可结算).\n\nExample: "
            "{example}"
        ).format(example="casekit settlement-check 优品服饰旗舰店 --order TB20261120001"),
    )(settlement_check)
    app.command(
        help=_(
            "交易延长期将到的退换货 / Open returns whose order extension (延长交易时间, recorded when the "
            "return is approved) ends within a few days or has ended: extend the order again or finish "
            "the return.\n\nExample: {example}"
        ).format(example="casekit extensions --as-of 2026-11-30")
    )(extensions)
