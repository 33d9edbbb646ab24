"""`casekit customer`: find a customer and every case they have; update their card."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from casekit.cli.common import ActorOption, NoteOption, RepoOption, SetOption, TextFormat, echo, make_env
from casekit.i18n import _


class _ShowByDefault(TyperGroup):
    """`casekit customer QUERY` is `casekit customer show QUERY`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["show", *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


customer_app = typer.Typer(
    cls=_ShowByDefault,
    help=_(
        "查找客户及其全部案件、更新客户档案 / Find a customer and every case they have; update "
        "their card in the customer file. Example: {example}"
    ).format(example="casekit customer 025 8667 2315"),
    no_args_is_help=True,
)


@customer_app.command(
    "show",
    help=_(
        "查找客户：客户档案与全部案件（最新在前）/ The customer's card and every case they have, newest "
        "first.\n\nExample: {example}\n\nAlso: {name}, {order}, {json}"
    ).format(
        example="casekit customer 025 8667 2315",
        name="casekit customer 王建国",
        order="casekit customer DD20261019-0457",
        json="casekit customer --format json 韩梅",
    ),
)
def show(
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY",
            help=_(
                "电话（任意格式）、姓名的一部分、订单号或买家ID / A phone in any format, "
                "part of a name, an order or account number."
            ),
        ),
    ],
    output: Annotated[TextFormat, typer.Option("--format", help=_("text or json."))] = TextFormat.text,
    repo: RepoOption = None,
) -> None:
    """查找客户：客户档案与全部案件（最新在前）/ The customer's card and every case they have, newest
    first."""
    from casekit.features.customers.service import customer_text, find_customer
    from casekit.render.output import to_json

    found = find_customer(make_env(repo), " ".join(query))
    echo(to_json(found) if output is TextFormat.json else customer_text(found))


@customer_app.command(
    "update",
    help=_(
        "更新客户档案（一次提交）/ Update a customer's card in the customer file, as one "
        "commit.\n\nExample: {example}"
    ).format(example="casekit customer update 025-86672315 --set vip_level=金卡"),
)
def update(
    phone: Annotated[
        str, typer.Argument(metavar="PHONE", help=_("客户电话 / The customer's phone, e.g. 13800138000."))
    ],
    sets: SetOption = None,
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """更新客户档案（一次提交）/ Update a customer's card in the customer file, as one commit."""
    from casekit.features.customers.service import update_customer

    for line in update_customer(make_env(repo, actor), phone, sets or [], note=note):
        echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(customer_app, name="customer")
