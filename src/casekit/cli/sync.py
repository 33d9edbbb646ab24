"""Commands for many clones: sync, resolve-conflict, hooks install (and the hook runner)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from casekit.cli.common import ActorOption, RepoOption, echo, make_env, warn
from casekit.i18n import _

IdArgument = Annotated[
    str, typer.Argument(help=_("The conflicting case's ID, e.g. C-20261123-7KQ3-XHD2, or its last part."))
]


class Side(StrEnum):
    ours = "ours"
    theirs = "theirs"


def sync(
    attempts: Annotated[
        int | None,
        typer.Option(
            "--attempts", min=1, max=100, help=_("Push attempts (default: sync.attempts in casekit.yaml).")
        ),
    ] = None,
    repo: RepoOption = None,
) -> None:
    """Pull (rebase) and push the shared branch, retrying while other clones push too."""
    from casekit.service.sync import sync as run

    outcome = run(make_env(repo), attempts=attempts)
    echo(outcome.summary())
    for message in outcome.messages:
        warn(message)


def resolve_conflict(
    case_id: IdArgument,
    keep: Annotated[
        Side,
        typer.Option(
            "--keep", help=_("ours: this clone's change; theirs: the remote's."), case_sensitive=False
        ),
    ],
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Settle a case that a sync stopped on, as one audited commit, and continue the sync."""
    from casekit.service.sync import resolve_conflict as run

    case, _ignored, messages = run(make_env(repo, actor), case_id, keep.value)
    echo(case)
    for message in messages:
        warn(message)


hooks_app = typer.Typer(
    help=_(
        "casekit's git hooks: pre-commit and commit-msg in clones, pre-receive on the server.\n\n"
        "Example: {example}"
    ).format(example="casekit hooks install"),
    no_args_is_help=True,
)


@hooks_app.command(
    "install",
    help=_(
        "Install the repository's hooks/ and the case-file merge driver into this clone.\n\nExample: "
        "{example}"
    ).format(example="casekit hooks install --server ~/cases.git"),
)
def hooks_install(
    server: Annotated[
        Path | None,
        typer.Option(
            "--server", help=_("Install pre-receive into this (bare) repository that clones push to.")
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help=_("Replace hooks that are not casekit's."))] = False,
    repo: RepoOption = None,
) -> None:
    """Install the repository's hooks/ and the case-file merge driver into this clone."""
    from casekit.service.hookinstall import install_hooks, install_server_hooks

    if server is not None:
        installed = install_server_hooks(server, force=force)
    else:
        installed = install_hooks(make_env(repo).root, force=force)
    for path in installed:
        echo(_("installed {path}").format(path=path))


def hook(
    name: Annotated[str, typer.Argument(help=_("pre-commit, commit-msg, pre-receive or merge-driver."))],
    args: Annotated[list[str] | None, typer.Argument(help=_("What git passes to the hook."))] = None,
) -> None:
    """Run one of casekit's git hooks (git does this; the scripts in hooks/ call it)."""
    from casekit.service.hooks import main

    code = main([name, *(args or [])])
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command(
        help=_(
            "Pull (rebase) and push the shared branch, retrying while other clones push too.\n\nExample: "
            "{example}"
        ).format(example="casekit sync")
    )(sync)
    app.command(
        "resolve-conflict",
        help=_(
            "Settle a case that a sync stopped on, as one audited commit, and continue the "
            "sync.\n\nExample: {example}"
        ).format(example="casekit resolve-conflict C-20261120-HRRT-NFNM --keep theirs"),
    )(resolve_conflict)
    app.add_typer(hooks_app, name="hooks")
    app.command(
        hidden=True,
        context_settings={"ignore_unknown_options": True},
        help=_(
            "Run one of casekit's git hooks (git does this; the scripts in hooks/ call it).\n\nExample: "
            "{example}"
        ).format(example="casekit hook pre-commit"),
    )(hook)
