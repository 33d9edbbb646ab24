"""Commands about the repository as a whole: init, validate, audit, repair, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casekit.cli.common import RepoOption, TextFormat, echo, make_env, warn, warn_calendar_ending
from casekit.i18n import _, ngettext


def init(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help=_("Folder for the new case repository."))
    ] = Path("."),
    example: Annotated[
        bool,
        typer.Option("--example", help=_("Fill it with the example cases, replayed as real commits.")),
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help=_("Who creates it (default: $CASEKIT_ACTOR, else git config).")),
    ] = None,
    casekit_source: Annotated[
        str | None,
        typer.Option(
            "--casekit-source",
            metavar="SOURCE",
            help=_(
                "Where the repository's CI installs casekit from: a pip requirement "
                "(default: casekit==this version), a git URL (git+https://host/casekit.git@v0.1.0) "
                "or a wheel file, copied into ci/."
            ),
        ),
    ] = None,
) -> None:
    """Create a case repository: git, casekit.yaml, cases/, templates/ and hooks/."""
    import os

    from casekit.service.init import init_repository

    environ = dict(os.environ)
    if actor:
        environ["CASEKIT_ACTOR"] = actor
    root, count = init_repository(path, example=example, environ=environ, casekit_source=casekit_source)
    if example:
        echo(_("created case repository {root} with {count} example cases").format(root=root, count=count))
    else:
        echo(_("created case repository {root}").format(root=root))


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATH", help=_("Case files or folders (default: the whole repository).")),
    ] = None,
    output: Annotated[
        TextFormat, typer.Option("--format", help=_("text (path:line: message) or json."))
    ] = TextFormat.text,
    repo: RepoOption = None,
) -> None:
    """Check casekit.yaml and case files: schema, states, field types, history. Exit 1 on problems."""
    from casekit.service.queries import validate_repository

    env = make_env(repo)
    problems, checked = validate_repository(env, paths)
    warn_calendar_ending(env)
    _report(problems, output, _("{count} case files checked, no problems").format(count=checked))


def audit(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=_(
                "Check each commit after this one (a commit, tag or branch) against the rules, "
                "as the server's pre-receive hook does."
            ),
        ),
    ] = None,
    output: Annotated[TextFormat, typer.Option("--format", help=_("text or json."))] = TextFormat.text,
    repo: RepoOption = None,
) -> None:
    """Check that every case file's history agrees with the commits that touched it."""
    if since is not None:
        from casekit.service.gitcheck import audit_since

        root = make_env(repo).root
        from casekit.service.merge import merged_content

        problems = [v.as_problem() for v in audit_since(root, since, merged_content)]
        _report(problems, output, _("every commit since {since} follows the rules").format(since=since))
        return
    from casekit.service.audit import audit_repository

    problems = audit_repository(make_env(repo).root)
    _report(problems, output, _("history and commits agree"))


def schema(repo: RepoOption = None) -> None:
    """Print the JSON Schema for case files, generated from casekit.yaml."""
    from casekit.render.output import to_json
    from casekit.service.schema import case_schema

    echo(to_json(case_schema(make_env(repo).config)))


def _report(problems: list, output: TextFormat, ok_message: str) -> None:  # type: ignore[type-arg]
    from casekit.render.output import to_json

    errors = [p for p in problems if p.severity != "warning"]
    warnings = len(problems) - len(errors)
    if output is TextFormat.json:
        echo(
            to_json(
                [
                    {"path": p.path, "line": p.line, "message": p.message, "severity": p.severity}
                    for p in problems
                ]
            )
        )
    else:
        for problem in problems:
            echo(problem.format())
        counted = (
            [
                ngettext("{count} problem found", "{count} problems found", len(errors)).format(
                    count=len(errors)
                )
            ]
            if errors
            else []
        )
        counted += (
            [ngettext("{count} warning", "{count} warnings", warnings).format(count=warnings)]
            if warnings
            else []
        )
        warn(_(", ").join(counted) if counted else ok_message)
    if errors:
        raise typer.Exit(1)


def repair(repo: RepoOption = None) -> None:
    """Finish or undo a change that a killed casekit command left half-done."""
    from casekit.service.actions import repair_interrupted

    echo(repair_interrupted(make_env(repo)))


def register(app: typer.Typer) -> None:
    app.command(
        help=_(
            "Create a case repository: git, casekit.yaml, cases/, templates/ and hooks/.\n\nExample: "
            "{example}"
        ).format(example="casekit init ~/cases --example")
    )(init)
    app.command(
        help=_(
            "Check casekit.yaml and case files: schema, states, field types, history. Exit 1 on "
            "problems.\n\nExample: {example}"
        ).format(example="casekit validate cases/complaint/2026/11")
    )(validate)
    app.command(
        help=_(
            "Check that every case file's history agrees with the commits that touched it.\n\nExample: "
            "{example}"
        ).format(example="casekit audit --since origin/main")
    )(audit)
    app.command(
        help=_(
            "Finish or undo a change that a killed casekit command left half-done.\n\nEvery casekit "
            "command that changes cases does this first by itself; `repair` does only this, and says what "
            "it did. Example: {example}"
        ).format(example="casekit repair")
    )(repair)
    app.command(
        help=_(
            "Print the JSON Schema for case files, generated from casekit.yaml.\n\nExample: {example}"
        ).format(example="casekit schema > case.schema.json")
    )(schema)
