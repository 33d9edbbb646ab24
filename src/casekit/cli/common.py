"""Options every command shares, the environment they build, and output helpers."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from casekit.i18n import _

if TYPE_CHECKING:
    from casekit.render.output import Terminal
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
    # the environment the command built, so that the notices after it name its repository
    env: Env | None = None


RepoOption = Annotated[
    str | None,
    typer.Option(
        "--repo",
        help=_("Case repository (default: $CASEKIT_REPO, else the enclosing git work tree)."),
        show_default=False,
    ),
]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help=_("Who is acting: a login or 'Name <email>' (default: $CASEKIT_ACTOR, else git)."),
        show_default=False,
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help=_("Set a field: key=value (repeatable; an empty value unsets it)."), show_default=False
    ),
]
NoteOption = Annotated[
    str | None,
    typer.Option("--note", help=_("A note for the history and the commit message."), callback=plain_text),
]


BomOption = Annotated[
    bool | None,
    typer.Option(
        "--bom/--no-bom",
        help=_(
            "With --format csv: start with a UTF-8 BOM, so Excel shows Chinese text "
            "(default: on when casekit.yaml's locale is Chinese, as zh-CN is)."
        ),
        show_default=False,
    ),
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

    env = process_env(repo or Globals.repo, actor or Globals.actor)
    Globals.env = env
    from casekit.render.output import use_terminal

    use_terminal(terminal_of_stdout())
    return env


def terminal_of_stdout() -> Terminal | None:
    """The terminal stdout is, for tables to fit it, or None for a pipe or a file (tables
    stay plain text there). Colour unless NO_COLOR is set (or TERM=dumb); FORCE_COLOR
    (set, not 0) treats any stdout as a colour terminal, NO_COLOR still winning. The
    width is COLUMNS, else the terminal's own (`shutil.get_terminal_size`)."""
    import os
    import shutil

    from casekit.render.output import Terminal

    forced = os.environ.get("FORCE_COLOR", "") not in ("", "0")
    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not (tty or forced):
        return None
    colour = not os.environ.get("NO_COLOR") and (forced or os.environ.get("TERM") != "dumb")
    return Terminal(width=shutil.get_terminal_size((80, 24)).columns, colour=colour)


def with_bom(output: TableFormat, bom: bool | None, env: Env) -> bool:
    """Whether CSV output starts with a UTF-8 BOM: as --bom/--no-bom says, else when the
    team's locale (casekit.yaml `locale`) is Chinese. A BOM is only for CSV."""
    if output is not TableFormat.csv:
        if bom:
            from casekit.errors import UsageError

            raise UsageError(_("--bom goes with --format csv; leave it out or add --format csv"))
        return False
    return env.config.chinese if bom is None else bom


def echo(text: str, *, bom: bool = False) -> None:
    """Print to stdout, control characters shown as escapes (`safe_text`). With `bom`, the
    text is written as UTF-8 after a byte order mark, whatever the terminal's encoding: a
    file for Excel."""
    from casekit.render.output import safe_output

    line = safe_output(text if text.endswith("\n") else text + "\n")
    if bom:
        sys.stdout.flush()
        sys.stdout.buffer.write(("\ufeff" + line).encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    sys.stdout.write(line)


def warn(text: str) -> None:
    """Print to stderr, control characters shown as escapes (`safe_text`)."""
    from casekit.render.output import safe_text

    sys.stderr.write(safe_text(text if text.endswith("\n") else text + "\n", layout=True))


class Outcome(Protocol):
    """What a change returns (`casekit.service.actions.Outcome`), as printing needs it."""

    @property
    def case_id(self) -> str: ...
    @property
    def case(self) -> Any: ...
    @property
    def messages(self) -> Sequence[str]: ...


def print_outcome(outcome: Outcome, *, as_json: bool = False) -> None:
    """What a change says: the case's ID on stdout (the whole case with `as_json`), then
    its notices on stderr."""
    if as_json:
        from casekit.render.output import to_json  # csv and json: not needed to print an ID

        echo(to_json(outcome.case))
    else:
        echo(outcome.case_id)
    for message in outcome.messages:
        warn(message)


def warn_calendar_ending(env: Env) -> None:
    """`validate`, `due` and `list`: one line on stderr when the holiday calendar ends within
    `calendar.warn_days` or has ended (`casekit.core.holidays.coverage_notice`); a config
    or clock that cannot be read is the command's own business."""
    from casekit.core.holidays import coverage_notice
    from casekit.errors import CasekitError

    try:
        config = env.config
        today = env.now(config.tz).date()
    except CasekitError:
        return
    text = coverage_notice(config.section("calendar"), today)
    if text:
        warn(text)


def safe_streams() -> None:
    """stdout and stderr write what their encoding cannot hold as `?` (a GBK or ASCII
    console, `PYTHONIOENCODING=gbk`) instead of failing with a traceback. Files written
    with --out are UTF-8 whatever the console."""
    import io

    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
