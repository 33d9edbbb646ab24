"""The `casekit` application: global options, command registration, one error handler."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated

import typer

from casekit.cli.common import ActorOption, Globals, RepoOption
from casekit.errors import CasekitError, ExitCode
from casekit.features import load_features

app = typer.Typer(
    name="casekit",
    help=(
        "Customer-service cases (complaints 投诉, callbacks 回访, returns 退换货) kept as "
        "YAML files in git, moved through config-defined workflows, one audited commit per change."
    ),
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Each module has `register(app)`; a feature adds its module here.
COMMAND_MODULES = (
    "casekit.cli.cases",
    "casekit.cli.repo",
    "casekit.cli.deadlines",
    "casekit.cli.returns",
    "casekit.cli.sync",
    "casekit.cli.callbacks",
)


def _version(value: bool) -> None:
    if value:
        from casekit import __version__

        print(f"casekit {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    repo: RepoOption = None,
    actor: ActorOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    Globals.repo = repo
    Globals.actor = actor


load_features()
for _module in COMMAND_MODULES:
    import_module(_module).register(app)


def main() -> None:
    """Entry point: user mistakes print one sentence to stderr and exit 1 (2 for usage)."""
    try:
        app()
    except CasekitError as exc:
        sys.stderr.write(f"casekit: {exc}\n")
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        sys.stderr.write("casekit: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(int(ExitCode.OK))
