"""Tab completion in bash, zsh and fish: the `--install-completion` and `--show-completion`
options, and what each parameter completes.

The shell runs `casekit` with `_CASEKIT_COMPLETE` set (Typer's `complete_bash`, or Click's
`bash_complete`: both are understood) and the words typed so far in `COMP_WORDS` /
`COMP_CWORD` (bash) or `_TYPER_COMPLETE_ARGS` (zsh, fish); Typer's completion classes turn
the candidates into the shell's format. Only the command being completed is built (as for
a run, see `casekit.cli.app._narrowed`), and the candidates come from the query index and
the config cache as they stand (`casekit.index.names`): nothing is written or brought up
to date, so a completion answers quickly at 100,000 cases.

What a parameter completes is decided here, by its name (`case_id`: a case ID), or by the
command and name (`move`'s `state`: a state the case can move to). A command that adds a
parameter of a known name completes it with no change here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from casekit.i18n import _

if TYPE_CHECKING:
    from typer._click import Command, Context, Parameter
    from typer._click.shell_completion import CompletionItem

    from casekit.core.config import Config

PROG = "casekit"
COMPLETE_VAR = "_CASEKIT_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
INSTRUCTIONS = ("complete", "source")

Completer = Callable[["Context", "Parameter", str], list["CompletionItem"]]


# options ------------------------------------------------------------------------------


def _shell(flag: str) -> str:
    """The shell named right after the flag (`casekit --show-completion zsh`), else the one
    casekit runs in. The flag takes no value, so that it also works alone."""
    argv = sys.argv[1:]
    named = argv[argv.index(flag) + 1 :][:1] if flag in argv else []
    if named and not named[0].startswith("-"):
        shell = named[0]
    else:
        from typer._completion_shared import _get_shell_name

        shell = _get_shell_name() or Path(os.environ.get("SHELL", "")).name
    if shell not in SHELLS:
        from casekit.errors import UsageError

        raise UsageError(
            _("{flag}: no completion for the shell {shell!r}; name one: bash, zsh or fish").format(
                flag=flag, shell=shell
            )
        )
    return shell


def script(shell: str) -> str:
    """The completion script for a shell, which runs `casekit` to complete each word."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)


def show(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> None:
    """`--show-completion [SHELL]`: print the script, for a shell's start-up file."""
    if not value or ctx.resilient_parsing:
        return
    sys.stdout.write(script(_shell("--show-completion")) + "\n")
    raise typer.Exit()


def install(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> None:
    """`--install-completion [SHELL]`: install the script where the shell reads it."""
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_shared import install as install_script

    shell = _shell("--install-completion")
    shell, path = install_script(shell=shell, prog_name=PROG, complete_var=COMPLETE_VAR)
    sys.stdout.write(
        _("{shell} completion installed in {path}; it takes effect in a new terminal").format(
            shell=shell, path=path
        )
        + "\n"
    )
    raise typer.Exit()


# completion runs ----------------------------------------------------------------------


def instruction(environ: Mapping[str, str]) -> str | None:
    """What the shell asks for (`complete_bash`, `source_zsh` ...), in Typer's order; Click's
    order (`bash_complete`) is read too. None when this is not a completion run."""
    value = environ.get(COMPLETE_VAR, "").strip()
    if not value:
        return None
    first, _sep, second = value.partition("_")
    if first in SHELLS and second in INSTRUCTIONS:
        return f"{second}_{first}"
    return value


def words_typed(environ: Mapping[str, str]) -> list[str] | None:
    """The words before the one being completed, program name left out (for building only
    the command they name); None when this is not a completion run."""
    asked = instruction(environ)
    if asked is None:
        return None
    from typer._click.shell_completion import split_arg_string

    if asked.endswith("_bash"):
        words = split_arg_string(environ.get("COMP_WORDS", ""))
        try:
            current = int(environ.get("COMP_CWORD", ""))
        except ValueError:
            current = len(words)
        return words[1:current]
    typed = environ.get("_TYPER_COMPLETE_ARGS", "")
    words = split_arg_string(typed)[1:]
    return words if typed.endswith(" ") else words[:-1]


def run(app: typer.Typer) -> None:
    """Answer the shell's completion request with `app`'s commands."""
    from typer import _completion_classes
    from typer.main import get_command

    asked = instruction(os.environ)
    if asked:
        os.environ[COMPLETE_VAR] = asked
    _completion_classes.completion_init()  # Typer's script formats for bash, zsh, fish and PowerShell
    if hasattr(_completion_classes, "_sanitize_help_text"):
        # zsh and fish show each candidate's help (a state's label): Typer would pass it
        # through rich markup first, which casekit does not use and which costs about as
        # long to import as the rest of the completion
        _completion_classes._sanitize_help_text = _plain
    command = get_command(app)
    attach(command)
    command(prog_name=PROG)


def _plain(text: str) -> str:
    return text


def attach(command: Command) -> None:
    """Give the parameters of `command` and its subcommands their completers."""
    stack: list[tuple[str, Command]] = [("", command)]
    while stack:
        name, current = stack.pop()
        for param in current.params:
            completer = BY_COMMAND.get((name, param.name or "")) or BY_NAME.get(param.name or "")
            if completer is not None:
                param._custom_shell_complete = completer
        for sub_name, sub in (getattr(current, "commands", None) or {}).items():
            stack.append((sub_name, sub))


# what the repository holds ------------------------------------------------------------


def _root(ctx: Context) -> Path | None:
    """The case repository the command would use: --repo, CASEKIT_REPO, the work tree."""
    given = None
    node: Context | None = ctx
    while node is not None and not given:
        given = node.params.get("repo")
        node = node.parent
    given = given or os.environ.get("CASEKIT_REPO")
    if given:
        root = Path(given).expanduser().resolve()
        return root if (root / "casekit.yaml").is_file() else None
    cwd = Path.cwd()
    for candidate in (cwd, *cwd.parents):
        if (candidate / ".git").exists():
            return candidate.resolve() if (candidate / "casekit.yaml").is_file() else None
    return None


def _config(root: Path) -> Config | None:
    from casekit.store.configfile import load_cached, read_config

    return load_cached(root) or read_config(root)[0]


def _item(value: str, help_text: str | None = None) -> CompletionItem:
    from typer._click.shell_completion import CompletionItem

    return CompletionItem(value, help=help_text or None)


def _lang() -> str:
    from casekit.i18n import is_chinese

    return "zh" if is_chinese() else "en"


def _guarded(completer: Completer) -> Completer:
    """A completer that offers nothing rather than fail: a broken config or index must not
    print a traceback into the shell's command line."""

    def guarded(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
        try:
            return completer(ctx, param, incomplete)
        except Exception:
            return []

    guarded.__doc__ = completer.__doc__
    return guarded


def _case_ids(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
    """Case IDs: the open cases when nothing is typed, else every case whose ID starts
    with what is typed, or whose suffix (7KQ3-XHD2) starts or ends with it."""
    from casekit.index.names import case_ids

    root = _root(ctx)
    if root is None:
        return []
    open_states = None
    if not incomplete.strip():
        config = _config(root)
        if config is not None:  # as `casekit.core.selection.open_states`, without importing it
            open_states = {
                name: {s for s, spec in kind.states.items() if not spec.terminal}
                for name, kind in config.kinds.items()
            }
    return [_item(case_id) for case_id in case_ids(root, incomplete, open_states)]


def _case_state(root: Path, config: Config, reference: str) -> tuple[str, str] | None:
    """(kind, status) of the case a full ID or a suffix names, from its file."""
    from casekit.core.ids import normalise, parse_id, relative_case_path
    from casekit.index.names import case_ids, case_state

    case_id = parse_id(reference)
    if case_id is None:
        ids = [i for i in case_ids(root, reference) if i.endswith(normalise(reference))]
        case_id = parse_id(ids[0]) if len(ids) == 1 else None
    if case_id is None:
        return None
    kind = config.kind_for_prefix(case_id.prefix)
    if kind is None:
        return None
    return case_state(root, relative_case_path(kind.name, case_id))


def _next_states(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
    """The states the named case may move to from its current one (its kind's states when
    the case cannot be found)."""
    root = _root(ctx)
    config = None if root is None else _config(root)
    if root is None or config is None:
        return []
    lang = _lang()
    reference = ctx.params.get("case_id")
    found = _case_state(root, config, reference) if isinstance(reference, str) else None
    if found is not None and found[0] in config.kinds:
        kind = config.kinds[found[0]]
        return [
            _item(s, kind.state_label(s, lang))
            for s in kind.allowed_from(found[1])
            if s.startswith(incomplete)
        ]
    return _states(ctx, param, incomplete)


def _states(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
    """Every kind's states (those of `--kind` when given)."""
    root = _root(ctx)
    config = None if root is None else _config(root)
    if config is None:
        return []
    wanted = ctx.params.get("kind")
    given = [wanted] if isinstance(wanted, str) else wanted if isinstance(wanted, list) else []
    kinds = {k.strip() for word in given for k in str(word).split(",")} or None
    chosen = [k for n, k in config.kinds.items() if kinds is None or n in kinds] or list(
        config.kinds.values()
    )
    lang = _lang()
    found: dict[str, str] = {}
    for kind in chosen:
        for state in kind.states:
            if state.startswith(incomplete):
                found.setdefault(state, kind.state_label(state, lang))
    return [_item(state, label) for state, label in sorted(found.items())]


def _kinds(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
    """The kinds of casekit.yaml."""
    root = _root(ctx)
    config = None if root is None else _config(root)
    if config is None:
        return []
    lang = _lang()
    return [
        _item(name, kind.label.text(lang))
        for name, kind in config.kinds.items()
        if name.startswith(incomplete)
    ]


def _people(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
    """People of casekit.yaml: logins (shown with the name), and display names (李娜)
    that start with what is typed."""
    root = _root(ctx)
    config = None if root is None else _config(root)
    if config is None:
        return []
    typed = incomplete.casefold()
    items = [
        _item(login, person.name)
        for login, person in config.people.items()
        if login.casefold().startswith(typed)
    ]
    if typed:
        items += [
            _item(person.name, login)
            for login, person in config.people.items()
            if person.name and person.name.casefold().startswith(typed) and person.name != login
        ]
    return items


def _templates(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
    """Reply-script template names: the repository's templates/scripts and the bundled ones."""
    from casekit.resources import bundled

    root = _root(ctx)
    bases = [bundled("templates")] + ([root / "templates"] if root is not None else [])
    names: set[str] = set()
    for base in bases:
        for path in (base / "scripts").glob("*/*.j2"):
            names.add(path.name[: -len(".j2")])
    return [_item(name) for name in sorted(names) if name.startswith(incomplete)]


CASE_ID = _guarded(_case_ids)
# parameter name -> what it completes, in every command
BY_NAME: dict[str, Completer] = {
    "case_id": CASE_ID,
    "other": CASE_ID,
    "duplicate": CASE_ID,
    "into": CASE_ID,
    "kind": _guarded(_kinds),
    "status": _guarded(_states),
    "state": _guarded(_states),
    "assignee": _guarded(_people),
    "agent": _guarded(_people),
    "actor": _guarded(_people),
    "to": _guarded(_people),
    "template": _guarded(_templates),
}
# (command, parameter name) -> what it completes there, before BY_NAME
BY_COMMAND: dict[tuple[str, str], Completer] = {
    ("move", "state"): _guarded(_next_states),
}
