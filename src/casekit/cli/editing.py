"""`casekit edit` (a case in $EDITOR, committed as one update) and `casekit undo`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from casekit.cli.common import ActorOption, NoteOption, RepoOption, echo, make_env, print_outcome, warn
from casekit.i18n import _

# Editors tried, in order, when neither VISUAL nor EDITOR names one: Debian's choice of
# the machine's editor, then the ones most systems have.
DEFAULT_EDITORS = ("editor", "nano", "vi")


def edit(
    case_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help=_("Case ID, e.g. C-20261123-7KQ3-XHD2, or its last part 7KQ3-XHD2.")
        ),
    ],
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Edit a case file in your editor, committed as one update."""
    from casekit.errors import CasekitError, Refused
    from casekit.service.edit import commit_edit, edited_assignments, prepare_edit

    env = make_env(repo, actor)
    target = prepare_edit(env, case_id)
    kept = _scratch_copy(target.case_id, target.original)
    try:
        _run_editor(kept)
        assignments = edited_assignments(env, target, kept.read_bytes())
        if not assignments:
            kept.unlink()
            warn(_("{case}: the file is unchanged; nothing was committed").format(case=target.case_id))
            return
        outcome = commit_edit(env, target, assignments, note)
    except CasekitError as exc:
        raise Refused(
            _("{problem}; nothing was changed, and your edited text is kept in {file}").format(
                problem=str(exc).rstrip("."), file=kept
            )
        ) from None
    kept.unlink()
    echo(_diff(target.rel, target.original, outcome.path.read_bytes()))
    print_outcome(outcome)


def _scratch_copy(case_id: str, content: bytes) -> Path:
    """A file outside the repository holding `content`, for the editor (and, when the edit is
    refused, for the user to take their typing back from)."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix=f"casekit-edit-{case_id}-", suffix=".yaml")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    return Path(name)


def editor_command() -> list[str]:
    """The editor to run, as a command and its arguments: $VISUAL, else $EDITOR (each may
    hold arguments, `code --wait`), else the first of DEFAULT_EDITORS found."""
    import shlex
    import shutil

    for variable in ("VISUAL", "EDITOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as exc:
                from casekit.errors import UsageError

                raise UsageError(
                    _("${variable} cannot be read as a command ({problem})").format(
                        variable=variable, problem=exc
                    )
                ) from None
            if words:
                return words
    for name in DEFAULT_EDITORS:
        if shutil.which(name):
            return [name]
    from casekit.errors import Refused

    raise Refused(_("no editor found; set VISUAL or EDITOR to the editor you use, e.g. export EDITOR=nano"))


def _run_editor(path: Path) -> None:
    import subprocess

    from casekit.errors import Refused

    command = editor_command()
    try:
        finished = subprocess.run([*command, str(path)], check=False)
    except OSError as exc:
        raise Refused(
            _(
                "cannot start the editor {editor} ({problem}); set VISUAL or EDITOR to the editor you use"
            ).format(editor=command[0], problem=exc.strerror or exc)
        ) from None
    if finished.returncode != 0:
        raise Refused(
            _("the editor {editor} exited with status {status}").format(
                editor=command[0], status=finished.returncode
            )
        )


def _diff(rel: str, before: bytes, after: bytes) -> str:
    import difflib

    lines = difflib.unified_diff(
        before.decode("utf-8", "replace").splitlines(keepends=True),
        after.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"a/{rel}",
        tofile=f"b/{rel}",
    )
    return "".join(lines).rstrip("\n")


def undo(
    case_id: Annotated[
        str | None,
        typer.Argument(
            metavar="ID",
            help=_("The case (default: the case you changed last), e.g. C-20261123-7KQ3-XHD2 or 7KQ3-XHD2."),
            show_default=False,
        ),
    ] = None,
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """Take back your own last change to a case when nothing came after it."""
    from casekit.service.undo import undo_last_change

    outcome = undo_last_change(make_env(repo, actor), case_id, note=note)
    print_outcome(outcome)


def register(app: typer.Typer) -> None:
    app.command(
        help=_(
            "Edit a case file in your editor ($VISUAL, else $EDITOR); on save it is checked, its diff "
            "shown and committed as one update. State, agent and links change through move, assign and "
            "link.\n\nExample: {example}"
        ).format(example="casekit edit C-20261123-WYWA-2JS4")
    )(edit)
    app.command(
        help=_(
            "Take back your own last change to a case (a note, an update or an assignment) when "
            "nothing came after it: one new commit records the undo.\n\nExample: {example}"
        ).format(example="casekit undo C-20261123-WYWA-2JS4")
    )(undo)
