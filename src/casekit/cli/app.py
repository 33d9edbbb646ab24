"""The `casekit` application: global options, command registration, one error handler."""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Annotated

import typer

from casekit.cli import clickwords, completion, fastparams
from casekit.cli.common import ActorOption, Globals, RepoOption, safe_streams, warn
from casekit.errors import CasekitError, ExitCode
from casekit.i18n import _

if TYPE_CHECKING:
    from typer.models import CommandInfo, TyperInfo

app = typer.Typer(
    name="casekit",
    help=_(
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
    "casekit.cli.editing",
    "casekit.cli.repo",
    "casekit.cli.deadlines",
    "casekit.cli.returns",
    "casekit.cli.sync",
    "casekit.cli.keys",
    "casekit.cli.calendar",
    "casekit.cli.callbacks",
    "casekit.cli.duplicates",
    "casekit.cli.scripts",
    "casekit.cli.reports",
    "casekit.cli.customers",
    "casekit.cli.harassment",
)


def _version(value: bool) -> None:
    if value:
        from casekit.version import __version__

        print(_("casekit {version}").format(version=__version__))
        raise typer.Exit()


@app.callback()
def _global_options(
    repo: RepoOption = None,
    actor: ActorOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=_("Print the version."))
    ] = False,
    install_completion: Annotated[
        bool,
        typer.Option(
            "--install-completion",
            callback=completion.install,
            expose_value=False,
            is_eager=True,
            help=_(
                "Install Tab completion for this shell, or the one named next (--install-completion zsh)."
            ),
        ),
    ] = False,
    show_completion: Annotated[
        bool,
        typer.Option(
            "--show-completion",
            callback=completion.show,
            expose_value=False,
            is_eager=True,
            help=_(
                "Print the Tab completion script for this shell, or the one named next: bash, zsh or fish."
            ),
        ),
    ] = False,
) -> None:
    Globals.repo = repo
    Globals.actor = actor


fastparams.install()
clickwords.install()
for _module in COMMAND_MODULES:
    import_module(_module).register(app)


# Global options that take a value: `casekit --repo PATH list`.
_VALUE_OPTIONS = ("--repo", "--actor")


def _command_name(argv: list[str]) -> str | None:
    """The command the arguments name, or None when they ask for the top-level help."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
        elif not arg.startswith(tuple(f"{o}=" for o in _VALUE_OPTIONS)):
            return None
    return None


def _narrowed(argv: list[str]) -> typer.Typer:
    """The app with only the command being run: Typer builds every registered command's
    parser before it runs one, a cost that grows with each command a feature adds."""
    import copy

    from typer.main import get_command_name

    def command_name(c: CommandInfo) -> str | None:
        return c.name or (get_command_name(c.callback.__name__) if c.callback else None)

    def group_name(g: TyperInfo) -> str | None:
        return g.name or (g.typer_instance.info.name if g.typer_instance else None)

    wanted = _command_name(argv)
    if wanted is None:
        names = {command_name(c) for c in app.registered_commands} | {
            group_name(g) for g in app.registered_groups
        }
        # the top-level help or options alone; a command after an option this reading
        # does not know gets the whole app
        return app if names.intersection(argv) else _listing()
    commands = [c for c in app.registered_commands if command_name(c) == wanted]
    groups = [g for g in app.registered_groups if group_name(g) == wanted]
    if len(commands) + len(groups) != 1:
        return _listing()  # unknown or ambiguous: let Typer list the commands
    narrow = copy.copy(app)
    narrow.registered_commands = commands
    narrow.registered_groups = groups
    return narrow


def _listing(typer_app: typer.Typer | None = None) -> typer.Typer:
    """The app as its list of commands needs it (`casekit --help`, a misspelt command, Tab
    on the first word): every command's name and help, none of its parameters, which Typer
    would otherwise read from every command's signature (some 50 ms at each start)."""
    import copy

    source = typer_app or app
    listing = copy.copy(source)
    listing.registered_commands = [_listed(c) for c in source.registered_commands]
    groups = []
    for group in source.registered_groups:
        listed_group = copy.copy(group)
        if group.typer_instance is not None:
            listed_group.typer_instance = _listing(group.typer_instance)
        groups.append(listed_group)
    listing.registered_groups = groups
    return listing


def _listed(command: CommandInfo) -> CommandInfo:
    """A command as a list shows it: its name and help, with a callback taking nothing."""
    import copy

    original = command.callback
    if original is None:
        return command

    def listed() -> None:
        # never run: a listing is only built when no command was named
        raise AssertionError(original.__name__)

    listed.__name__ = original.__name__
    listed.__doc__ = original.__doc__
    stub = copy.copy(command)
    stub.callback = listed
    return stub


def _interrupted_change_notice() -> None:
    """A command that did not settle an interrupted change says that one is left."""
    if Globals.env is None:
        return
    try:
        root = Globals.env.root
    except CasekitError:
        return
    from casekit.vcs.journal import notice

    try:
        text = notice(root)
    except OSError:
        return
    if text:
        warn(_("casekit: warning: {text}").format(text=text))


def main() -> None:
    """Entry point: user mistakes print one sentence to stderr and exit 1 (2 for usage)."""
    safe_streams()
    try:
        _run()
    finally:
        _interrupted_change_notice()


def _run() -> None:
    try:
        # Feature modules are not imported here: reading any registry imports them first
        # (`casekit.core.registry`), so `show` and `list` never pay for them.
        typed = completion.words_typed(os.environ)
        if typed is not None:  # the shell asks what Tab offers: build what the words name
            completion.run(_narrowed(typed))
        else:
            _narrowed(sys.argv[1:])(prog_name=completion.PROG)
    except CasekitError as exc:
        warn(
            _("casekit: {message}").format(message=exc)
        )  # messages may quote case data: controls shown as escapes
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        sys.stderr.write(_("casekit: interrupted") + "\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(int(ExitCode.OK))
