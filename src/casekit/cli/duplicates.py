"""Commands for duplicate cases (重复案件): merge one into the case that stays, undo it."""

from __future__ import annotations

from typing import Annotated

import typer

from casekit.cli.common import ActorOption, NoteOption, RepoOption, make_env, print_outcome
from casekit.i18n import _

DupArgument = Annotated[
    str,
    typer.Argument(
        metavar="DUP", help=_("The duplicate case, e.g. C-20261120-91TS-5PDY, or its last part 91TS-5PDY.")
    ),
]


def merge(
    duplicate: DupArgument,
    into: Annotated[
        str,
        typer.Argument(metavar="INTO", help=_("The case that stays (same kind), e.g. C-20261120-E90B-AY82.")),
    ],
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """合并重复的案件 / Merge a duplicate case into the case that stays: the duplicate is
    closed as merged (merged_into), its history is copied whole into one merged-from entry of
    the case that stays, and its open callbacks move there; one commit. Only open cases of the
    same kind merge; undo it with `casekit unmerge DUP`."""
    from casekit.features.duplicates.service import merge_cases

    outcome = merge_cases(make_env(repo, actor), duplicate, into, note=note)
    print_outcome(outcome)


def unmerge(
    duplicate: DupArgument,
    note: NoteOption = None,
    repo: RepoOption = None,
    actor: ActorOption = None,
) -> None:
    """撤销合并 / Undo the merge of a duplicate case: it returns to the state it was merged
    from with its deadlines as they were, the callbacks the merge moved follow it again, and
    the case that stays records the merge as undone (history is never deleted); one commit."""
    from casekit.features.duplicates.service import unmerge_case

    outcome = unmerge_case(make_env(repo, actor), duplicate, note=note)
    print_outcome(outcome)


def register(app: typer.Typer) -> None:
    app.command(
        help=_(
            "合并重复的案件 / Merge a duplicate case into the case that stays: the duplicate is closed as "
            "merged (merged_into), its history is copied whole into one merged-from entry of the case "
            "that stays, and its open callbacks move there; one commit. Only open cases of the same kind "
            "merge; undo it with `casekit unmerge DUP`.\n\nExample (the example cases merge this Weibo "
            "complaint already; undo it first with `{undo}`): {example}"
        ).format(
            undo="casekit unmerge C-20261120-91TS-5PDY",
            example="casekit merge C-20261120-91TS-5PDY C-20261120-E90B-AY82 --note "
            "'微博与电话反映的是同一问题'",
        )
    )(merge)
    app.command(
        help=_(
            "撤销合并 / Undo the merge of a duplicate case: it returns to the state it was merged from "
            "with its deadlines as they were, the callbacks the merge moved follow it again, and the case "
            "that stays records the merge as undone (history is never deleted); one commit.\n\nExample: "
            "{example}"
        ).format(example="casekit unmerge C-20261120-91TS-5PDY --note '核实后为两个不同的问题'")
    )(unmerge)
