"""Options every command shares, the environment they build, and output helpers."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from casekit.service.env import Env


def plain_text(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    """A parameter callback for free text (notes): refuses what `refuse_control_characters`
    refuses, naming the command and the option (`note: TEXT contains a control character
    (U+001E); remove it`)."""
    from casekit.core.fields import control_character
    from casekit.errors import Refused

    problem = control_character(value) if isinstance(value, str) else None
    if problem:
        flag = param.opts[0] if param.opts and param.opts[0].startswith("-") else (param.metavar or "TEXT")
        raise Refused(f"{ctx.info_name}: {flag} {problem}")
    return value


class Globals:
    """Values of the options given before the command name (`casekit --repo X list`)."""

    repo: str | None = None
    actor: str | None = None


RepoOption = Annotated[
    str | None,
    typer.Option(
        "--repo",
        help="Case repository (default: $CASEKIT_REPO, else the enclosing git work tree).",
        show_default=False,
    ),
]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Who is acting: a login or 'Name <email>' (default: $CASEKIT_ACTOR, else git).",
        show_default=False,
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Set a field: key=value (repeatable; an empty value unsets it).", show_default=False
    ),
]
NoteOption = Annotated[
    str | None,
    typer.Option("--note", help="A note for the history and the commit message.", callback=plain_text),
]


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class DocFormat(StrEnum):
    yaml = "yaml"
    json = "json"


class TextFormat(StrEnum):
    text = "text"
    json = "json"


def make_env(repo: str | None = None, actor: str | None = None) -> Env:
    from casekit.service.env import process_env  # imported here: `casekit --help` needs no config reader

    return process_env(repo or Globals.repo, actor or Globals.actor)


def echo(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
