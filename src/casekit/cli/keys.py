"""`casekit keys setup`: sign this clone's commits with an SSH key the server can check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casekit.cli.common import ActorOption, RepoOption, echo, make_env
from casekit.i18n import _

keys_app = typer.Typer(
    help=_(
        "Signing keys: sign this clone's commits with SSH and propose the key for the "
        "repository's allowed-signers file (.casekit/allowed_signers).\n\n"
        "Example: {example}"
    ).format(example="casekit keys setup"),
    no_args_is_help=True,
)


@keys_app.command(
    "setup",
    help=_(
        "Sign this clone's commits (git's and casekit's) with an SSH key, and write the key into "
        ".casekit/allowed_signers for a supervisor to commit.\n\nSets gpg.format ssh, user.signingkey, "
        "commit.gpgsign and gpg.ssh.allowedSignersFile in this clone's git config. Example: {example}"
    ).format(example="casekit keys setup --key ~/.ssh/id_ed25519.pub"),
)
def keys_setup(
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help=_(
                "The SSH key to sign with: a private key or its .pub "
                "(default: ~/.ssh/id_ed25519, made with ssh-keygen when missing)."
            ),
        ),
    ] = None,
    new: Annotated[
        bool,
        typer.Option("--new", help=_("Make a new key, ~/.ssh/casekit_ed25519, never over an existing file.")),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--print", "--dry-run", help=_("Only print what it would do; change nothing."))
    ] = False,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Sign this clone's commits (git's and casekit's) with an SSH key, and write the key into
    .casekit/allowed_signers for a supervisor to commit."""
    from casekit.errors import UsageError
    from casekit.service.keys import setup_keys

    if key is not None and new:
        raise UsageError(_("--key and --new do not go together: name a key, or ask for a new one"))
    for line in setup_keys(make_env(repo, actor), key=key, new=new, dry_run=dry_run):
        echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
