"""`casekit script`: the reply script (话术) for a case, filled with the case's data."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from casekit.cli.common import RepoOption, TextFormat, echo, make_env
from casekit.errors import UsageError

if TYPE_CHECKING:
    from casekit.service.env import Env


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def script(
    case_id: Annotated[
        str | None,
        typer.Argument(help="Case ID (or its last part); with --list, show only the scripts for it."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", help="Use this script instead of the one that fits, e.g. calm-down."),
    ] = None,
    lang: Annotated[
        Lang | None, typer.Option("--lang", help="zh or en (default: scripts.lang in casekit.yaml, else zh).")
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the script templates instead of rendering one.")
    ] = False,
    kind: Annotated[
        str | None, typer.Option("--kind", help="With --list: only scripts for this kind.")
    ] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="With --list: only scripts for this state.")
    ] = None,
    output: Annotated[
        TextFormat, typer.Option("--format", help="text, or json with the template name and the text.")
    ] = TextFormat.text,
    repo: RepoOption = None,
) -> None:
    """Print the reply script that fits a case's kind and state, filled with its data.

    Example: casekit script C-20261123-7KQ3-XHD2 --lang en
    """
    env = make_env(repo)
    if list_:
        if template:
            raise UsageError("--list and --template do not go together; --list shows the template names")
        _print_list(env, case_id, kind, state, lang.value if lang else None, output)
        return
    if kind or state:
        raise UsageError("--kind and --state go with --list")
    if not case_id:
        raise UsageError("give a case ID (casekit script ID), or --list to see the script templates")
    from casekit.features.scripts.service import render_script

    rendered = render_script(env, case_id, template=template, lang=lang.value if lang else None)
    if output is TextFormat.json:
        from casekit.render.output import to_json

        echo(
            to_json(
                {
                    "case": rendered.case_id,
                    "template": rendered.script.name,
                    "file": rendered.script.template,
                    "lang": rendered.script.lang,
                    "text": rendered.text,
                }
            )
        )
    else:
        echo(rendered.text)


def _print_list(
    env: Env, case_id: str | None, kind: str | None, state: str | None, lang: str | None, output: TextFormat
) -> None:
    from casekit.features.scripts.service import list_scripts
    from casekit.render.output import table, to_json

    rows, chosen = list_scripts(env, reference=case_id, kind=kind, state=state, lang=lang)
    if output is TextFormat.json:
        echo(to_json({"scripts": rows, "chosen": chosen}))
        return
    if not rows:
        echo("no script templates match")
        return
    body = [
        [
            "*" if r["name"] == chosen else "",
            r["name"],
            ",".join(r["kinds"]),
            ",".join(r["states"]) or "(any)",
            ",".join(r["when"]) or ("(manual)" if r["manual"] else ""),
            ",".join(r["langs"]),
            r["origin"],
            r["summary"],
        ]
        for r in rows
    ]
    echo(table(body, ["", "Template", "Kind", "States", "When", "Lang", "From", "Summary"]))
    if chosen:
        echo(f"* = the script `casekit script {case_id}` renders")


def register(app: typer.Typer) -> None:
    app.command()(script)
