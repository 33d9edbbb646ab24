"""Reply scripts: the service behind `casekit script` (find the case, pick, fill, render)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casekit.core.casefile import fields_of
from casekit.errors import CasekitError, NotARepository, Refused, UsageError
from casekit.features.scripts.context import (
    LANGS,
    SCRIPTS_FOLDER,
    ScriptInfo,
    choose,
    rank,
    script_context,
    script_info,
    scripts_settings,
)
from casekit.features.scripts.explain import Reason, explain
from casekit.i18n import _
from casekit.index.reader import find_case
from casekit.render.jinja import find_templates, make_environment, read_source, render
from casekit.service.env import Env
from casekit.store.casefiles import parse_case


def catalogue(root: Path | None) -> list[ScriptInfo]:
    """Every script template (repository files overriding bundled ones), every language."""
    infos = []
    for name, source in find_templates(root, SCRIPTS_FOLDER).items():
        info = script_info(name, read_source(source), source.origin)
        if info is not None:
            infos.append(info)
    return infos


@dataclass(frozen=True)
class Rendered:
    case_id: str
    script: ScriptInfo
    text: str


def render_script(env: Env, reference: str, *, template: str | None, lang: str | None) -> Rendered:
    """The script for one case: the named template, or the one that fits its kind and state."""
    config = env.config
    path = find_case(env.root, config, reference)
    case = parse_case(env.root, path, path.read_bytes(), max_bytes=env.config.case_file_bytes)
    case_id = str(case.get("id", path.stem))
    lang = lang or str(scripts_settings(config)["lang"])
    if lang not in LANGS:
        raise UsageError(_("--lang {lang!r}: use one of {langs}").format(lang=lang, langs=", ".join(LANGS)))
    scripts = catalogue(env.root)
    kind = str(case.get("kind"))
    if template:
        info: ScriptInfo | None = _named(scripts, template, lang, kind)
    else:
        info = choose([s for s in scripts if s.lang == lang], case, config, env.now(config.tz))
    if info is None:
        raise Refused(
            _(
                "{case_id}: no {lang} script fits a {kind} in state {state}; see `casekit "
                "script --list --kind {kind}` or pass --template NAME"
            ).format(case_id=case_id, lang=lang, kind=kind, state=case.get("status"))
        )
    context = script_context(case, config, lang=lang, agent=_agent(env, case), now=env.now(config.tz))
    text = render(make_environment(env.root), info.template, context, subject=case_id)
    return Rendered(case_id, info, text.strip() + "\n")


def _named(scripts: list[ScriptInfo], name: str, lang: str, kind: str) -> ScriptInfo:
    same_name = [s for s in scripts if s.name == name]
    if not same_name:
        names = ", ".join(sorted({s.name for s in scripts if s.applies_to(kind)}))
        raise Refused(
            _("no script template {name!r}; templates for a {kind}: {names}").format(
                name=name, kind=kind, names=names
            )
        )
    info = next((s for s in same_name if s.lang == lang), None)
    if info is None:
        have = ", ".join(sorted(s.lang for s in same_name))
        raise Refused(
            _("script template {name!r} has no {lang} version (it has: {have})").format(
                name=name, lang=lang, have=have
            )
        )
    if not info.applies_to(kind):
        raise Refused(
            _("script template {name!r} is for {kinds}, not for a {kind}").format(
                name=name, kinds=", ".join(info.kinds), kind=kind
            )
        )
    return info


def _agent(env: Env, case: Any) -> dict[str, str]:
    """The person reading the script: the acting agent, else the case's assignee, named as
    casekit.yaml's people name them (never as git or the case file spell them)."""
    try:
        person = env.config.people.get(env.actor().login)
    except Refused:
        raise  # someone casekit.yaml does not list: say how to be listed
    except CasekitError:  # no actor at all
        assignee = case.get("assignee")
        person = env.config.people.get(assignee) if isinstance(assignee, str) else None
    if person is None:
        raise Refused(
            _(
                "no one in casekit.yaml's people reads this script: act as one of them with "
                "--actor LOGIN or CASEKIT_ACTOR ({logins}), or add yourself under people: in casekit.yaml"
            ).format(logins=_(", ").join(env.config.people) or "-")
        )
    return {"login": person.login, "name": person.name}


@dataclass(frozen=True)
class Listing:
    """`casekit script --list`: one row per template name; for a case, also the case, the
    language weighed and the name it gets (`chosen`)."""

    rows: list[dict[str, Any]]
    chosen: str | None = None
    case: dict[str, Any] | None = None
    lang: str = "zh"


def list_scripts(
    env: Env,
    *,
    reference: str | None,
    kind: str | None,
    state: str | None,
    lang: str | None,
) -> Listing:
    """The script templates (one row per name), filtered by kind and state; for a case,
    every template of its kind with whether it fits now and why."""
    try:
        root: Path | None = env.root
    except NotARepository:
        if reference:
            raise
        root = None
    scripts = catalogue(root)
    if root is not None:
        config = env.config
        from casekit.core import words

        try:
            kind = words.resolve(words.kinds(config), kind) if kind else None
        except words.UnknownWord as exc:
            raise UsageError(_("--kind: {problem}").format(problem=exc)) from None
        try:
            scope = [config.kinds[kind]] if kind else list(config.kinds.values())
            state = words.resolve(words.states(scope), state) if state else None
        except words.UnknownWord as exc:
            raise UsageError(_("--state: {problem}").format(problem=exc)) from None
        lang = lang or str(scripts_settings(config)["lang"])
        if reference:
            return _case_listing(env, root, reference, scripts, lang)
    lang = lang or "zh"
    rows: dict[str, dict[str, Any]] = {}
    for info in scripts:
        if kind and not info.applies_to(kind):
            continue
        if state and info.states and state not in info.states:
            continue
        _add(rows, info, lang)
    return Listing(sorted(rows.values(), key=lambda r: (r["kinds"], r["name"])), lang=lang)


def _add(rows: dict[str, dict[str, Any]], info: ScriptInfo, lang: str) -> dict[str, Any]:
    """Merge one language's file into its name's row; the row shows the `lang` version."""
    row = rows.get(info.name)
    if row is None or (info.lang == lang and lang not in row["langs"]):
        langs = row["langs"] if row else []
        origin = row["origin"] if row else "bundled"
        row = rows[info.name] = {
            "name": info.name,
            "kinds": list(info.kinds),
            "states": list(info.states),
            "when": list(info.when),
            "manual": info.manual,
            "priority": info.priority,
            "langs": langs,
            "origin": origin,
            "summary": info.summary.get(lang) or info.summary.get("zh", ""),
            "source": info.source,
        }
    row["langs"] = sorted({*row["langs"], info.lang})
    if info.origin == "repository":
        row["origin"] = "repository"
    return row


def _case_listing(env: Env, root: Path, reference: str, scripts: list[ScriptInfo], lang: str) -> Listing:
    config = env.config
    path = find_case(root, config, reference)
    case = parse_case(root, path, path.read_bytes(), max_bytes=config.case_file_bytes)
    kind_name, state = str(case.get("kind")), str(case.get("status"))
    weighed = explain([s for s in scripts if s.lang == lang], case, config, env.now(config.tz))
    rows: dict[str, dict[str, Any]] = {}
    for info in scripts:
        if info.applies_to(kind_name):
            _add(rows, info, lang)
    by_name = {fit.script.name: fit for fit in weighed}
    order = {
        fit.script.name: n
        for n, fit in enumerate(sorted((f for f in weighed if f.fits), key=lambda f: rank(f.script)))
    }
    for name, row in rows.items():
        fit = by_name.get(name)
        if fit is None:
            reasons = [Reason(False, f"没有{lang}版本", f"no {lang} version")]
            row |= {"fits": False, "chosen": False}
        else:
            reasons = list(fit.reasons)
            row |= {"fits": fit.fits, "chosen": fit.chosen, "origin": fit.script.origin}
        row["why"] = [r.as_dict() for r in reasons]
    chosen = next((fit.script.name for fit in weighed if fit.chosen), None)
    kind = config.kinds.get(kind_name)
    about = {
        "id": str(case.get("id", path.stem)),
        "kind": kind_name,
        "status": state,
        "kind_label": kind.label.text(lang) if kind else kind_name,
        "status_label": kind.state_label(state, lang) if kind else state,
    }
    # The case's type (return_type, callback_type...): an enum field named *_type.
    for name, spec in (kind.fields if kind else {}).items():
        value = fields_of(case).get(name)
        if name.endswith("_type") and spec.type == "enum" and isinstance(value, str) and value:
            label = spec.values.get(value)
            about |= {"type": value, "type_label": label.text(lang) if label else value}
            break
    listed = sorted(
        rows.values(),
        key=lambda r: (r["name"] not in order, order.get(r["name"], 0), r["manual"], r["name"]),
    )
    return Listing(listed, chosen, about, lang)
