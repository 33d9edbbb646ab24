"""Reply scripts: the service behind `casekit script` (find the case, pick, fill, render)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casekit.errors import CasekitError, NotARepository, Refused, UsageError
from casekit.features.scripts.context import (
    LANGS,
    SCRIPTS_FOLDER,
    ScriptInfo,
    choose,
    script_context,
    script_info,
    scripts_settings,
)
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
        raise UsageError(f"--lang {lang!r}: use one of {', '.join(LANGS)}")
    scripts = catalogue(env.root)
    kind = str(case.get("kind"))
    if template:
        info: ScriptInfo | None = _named(scripts, template, lang, kind)
    else:
        info = choose([s for s in scripts if s.lang == lang], case, config)
    if info is None:
        raise Refused(
            f"{case_id}: no {lang} script fits a {kind} in state {case.get('status')}; "
            f"see `casekit script --list --kind {kind}` or pass --template NAME"
        )
    context = script_context(case, config, lang=lang, agent=_agent(env, case), now=env.now(config.tz))
    text = render(make_environment(env.root), info.template, context, subject=case_id)
    return Rendered(case_id, info, text.strip() + "\n")


def _named(scripts: list[ScriptInfo], name: str, lang: str, kind: str) -> ScriptInfo:
    same_name = [s for s in scripts if s.name == name]
    if not same_name:
        names = ", ".join(sorted({s.name for s in scripts if kind in s.kinds}))
        raise Refused(f"no script template {name!r}; templates for a {kind}: {names}")
    info = next((s for s in same_name if s.lang == lang), None)
    if info is None:
        have = ", ".join(sorted(s.lang for s in same_name))
        raise Refused(f"script template {name!r} has no {lang} version (it has: {have})")
    if kind not in info.kinds:
        raise Refused(f"script template {name!r} is for {', '.join(info.kinds)}, not for a {kind}")
    return info


def _agent(env: Env, case: Any) -> dict[str, str]:
    """The person reading the script: the acting agent, else the case's assignee."""
    try:
        actor = env.actor()
        return {"login": actor.login, "name": actor.name}
    except CasekitError:
        login = str(case.get("assignee") or "")
        person = env.config.person(login) if login else None
        return {"login": login, "name": person.name if person else login}


def list_scripts(
    env: Env,
    *,
    reference: str | None,
    kind: str | None,
    state: str | None,
    lang: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Rows describing the script templates (one per name), filtered by kind and state, and
    the name the case would get when a case is given."""
    try:
        root: Path | None = env.root
    except NotARepository:
        if reference:
            raise
        root = None
    chosen = None
    scripts = catalogue(root)
    if root is not None:
        config = env.config
        if kind and kind not in config.kinds:
            raise UsageError(f"--kind {kind!r}: kinds are {', '.join(config.kinds)}")
        lang = lang or str(scripts_settings(config)["lang"])
        if reference:
            path = find_case(root, config, reference)
            case = parse_case(root, path, path.read_bytes(), max_bytes=config.case_file_bytes)
            kind, state = str(case.get("kind")), str(case.get("status"))
            best = choose([s for s in scripts if s.lang == lang], case, config)
            chosen = best.name if best else None
    lang = lang or "zh"
    rows: dict[str, dict[str, Any]] = {}
    for info in scripts:
        if kind and kind not in info.kinds:
            continue
        if state and info.states and state not in info.states:
            continue
        row = rows.setdefault(
            info.name,
            {
                "name": info.name,
                "kinds": list(info.kinds),
                "states": list(info.states),
                "when": list(info.when),
                "manual": info.manual,
                "priority": info.priority,
                "langs": [],
                "origin": "bundled",
                "summary": "",
            },
        )
        row["langs"].append(info.lang)
        if info.origin == "repository":
            row["origin"] = "repository"
        if info.lang == lang or not row["summary"]:
            row["summary"] = info.summary.get(lang) or info.summary.get("zh", "")
    return sorted(rows.values(), key=lambda r: (r["kinds"], r["name"])), chosen
