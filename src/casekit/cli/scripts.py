"""`casekit script`: the reply script (话术) for a case, filled with the case's data."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from casekit.cli.common import RepoOption, TextFormat, echo, make_env
from casekit.errors import UsageError
from casekit.i18n import _, is_chinese, pgettext

if TYPE_CHECKING:
    from casekit.core.config import Config
    from casekit.service.env import Env


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def script(
    case_id: Annotated[
        str | None,
        typer.Argument(
            help=_(
                "Case ID (or its last part); with --list, whether each script of its kind fits it and why."
            )
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option("--template", help=_("Use this script instead of the one that fits, e.g. calm-down.")),
    ] = None,
    lang: Annotated[
        Lang | None,
        typer.Option("--lang", help=_("zh or en (default: scripts.lang in casekit.yaml, else zh).")),
    ] = None,
    list_: Annotated[
        bool,
        typer.Option(
            "--list", help=_("List the script templates; with a case ID, whether each fits it now and why.")
        ),
    ] = False,
    kind: Annotated[
        str | None, typer.Option("--kind", help=_("With --list: only scripts for this kind."))
    ] = None,
    state: Annotated[
        str | None, typer.Option("--state", help=_("With --list: only scripts for this state."))
    ] = None,
    output: Annotated[
        TextFormat, typer.Option("--format", help=_("text, or json with the template name and the text."))
    ] = TextFormat.text,
    repo: RepoOption = None,
) -> None:
    """Print the reply script that fits a case's kind and state, filled with its data."""
    env = make_env(repo)
    if list_:
        if template:
            raise UsageError(_("--list and --template do not go together; --list shows the template names"))
        _print_list(env, case_id, kind, state, lang.value if lang else None, output)
        return
    if kind or state:
        raise UsageError(_("--kind and --state go with --list"))
    if not case_id:
        raise UsageError(_("give a case ID (casekit script ID), or --list to see the script templates"))
    from casekit.features.scripts.service import render_script

    rendered = render_script(env, case_id, template=template, lang=lang.value if lang else None)
    if output is TextFormat.json:
        from casekit.render.output import to_json

        echo(
            to_json(
                {
                    "case": rendered.case_id,
                    "template": rendered.script.name,
                    "file": rendered.script.template,
                    "lang": rendered.script.lang,
                    "text": rendered.text,
                }
            )
        )
    else:
        echo(rendered.text)


_FITS = {
    "chosen": ("采用", "chosen"),
    "fits": ("适用", "fits"),
    "manual": ("手动", "manual"),
    "no": ("不适用", "no"),
}
_ORIGIN = {"repository": ("本仓库", "repository"), "bundled": ("内置", "bundled")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _kind_text(config: Config, kind: str) -> str:
    """A script's kind in the user's language: its label, `any` as （任何） in Chinese."""
    from casekit.render.labels import kind_label

    if kind == "any":
        return pgettext("kind", "any")
    return kind_label(config, kind)


def _state_text(config: Config, kinds: list[str], state: str) -> str:
    """A script's state by its label under the first of its kinds that knows the state."""
    from casekit.render.labels import state_label

    for kind in kinds:
        spec = config.kinds.get(kind)
        if spec is not None and state in spec.states:
            return state_label(config, kind, state)
    return state


def _print_list(
    env: Env, case_id: str | None, kind: str | None, state: str | None, lang: str | None, output: TextFormat
) -> None:
    from casekit.features.scripts.service import list_scripts
    from casekit.render.output import table, to_json

    listing = list_scripts(env, reference=case_id, kind=kind, state=state, lang=lang)
    rows, chosen, shown = listing.rows, listing.chosen, listing.lang
    if output is TextFormat.json:
        data: dict[str, Any] = {"scripts": rows, "chosen": chosen}
        if listing.case is not None:
            data |= {"case": listing.case, "lang": shown}
        echo(to_json(data))
        return
    if not rows:
        echo(_("没有符合的话术模板 / no script templates match"))
        return
    if listing.case is None:
        config = env.config
        mine = "zh" if is_chinese() else "en"
        join = "、".join if is_chinese() else ",".join
        body = [
            [
                r["name"],
                join(_kind_text(config, k) for k in r["kinds"]),
                join(_state_text(config, r["kinds"], s) for s in r["states"])
                or _pick(("（任何）", "(any)"), mine),
                ",".join(r["when"]) or (_pick(("（手动）", "(manual)"), mine) if r["manual"] else ""),
                join(r["langs"]),
                _pick(_ORIGIN[r["origin"]], mine),
                r["source"],
                r["summary"],
            ]
            for r in rows
        ]
        headers = [_("Template"), _("Kind"), _("States"), _("Conditions"), _("Lang")]
        echo(table(body, [*headers, _("From"), _("Source"), _("Summary")]))
        return
    about = listing.case
    labels = [about["kind_label"], *([about["type_label"]] if "type" in about else []), about["status_label"]]
    keys = ", ".join(about[k] for k in ("kind", "type", "status") if k in about)
    sep = (": ", " ({})") if shown == "en" else ("：", "（{}）")
    echo(f"{about['id']}{sep[0]}{' · '.join(labels)}{sep[1].format(keys)}")
    body = []
    for r in rows:
        verdict = "chosen" if r["chosen"] else "fits" if r["fits"] else "manual" if r["manual"] else "no"
        # What decided it: everything for one that fits, the manual note, else what failed.
        why = (
            r["why"] if r["fits"] else r["why"][-1:] if r["manual"] else [w for w in r["why"] if not w["ok"]]
        )
        reasons = ("; " if shown == "en" else "；").join(str(w[shown]) for w in why)
        body.append(
            [
                "*" if r["chosen"] else "",
                r["name"],
                _pick(_FITS[verdict], shown),
                reasons,
                _pick(_ORIGIN[r["origin"]], shown),
                r["source"],
                r["summary"],
            ]
        )
    headers = [
        "",
        _("Template"),
        _("Fits"),
        _("Why"),
        _("From"),
        _("Source"),
        _("Summary"),
    ]
    echo(table(body, headers))
    if chosen:
        echo(_("* = `casekit script {case}` 采用的模板 / the script it renders").format(case=about["id"]))
    else:
        echo(
            _("没有自动适用的模板，请用 --template 选用 / none fits {case}; use --template NAME").format(
                case=about["id"]
            )
        )


def register(app: typer.Typer) -> None:
    app.command(
        help=_(
            "Print the reply script that fits a case's kind and state, filled with its data.\n\nExample: "
            "{example}"
        ).format(example="casekit script C-20261123-WYWA-2JS4 --lang en")
    )(script)
