"""`casekit validate` for templates: syntax, script headers, forbidden phrases, unknown variables.

Checks every template in effect for the repository: its own `templates/` files and the
bundled ones they do not override. A bundled script for a kind the config does not define is
skipped (the team does not use it); a repository script for an unknown kind is a problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.meta import find_undeclared_variables

from casekit.core.config import Config, KindSpec
from casekit.core.wording import WordingHit, WordingRule, find_forbidden
from casekit.errors import Problem
from casekit.features.scripts.context import (
    ANY_KIND,
    FIELD_RECORDS,
    SCRIPT_VARIABLES,
    forbidden_rules,
    parse_condition,
    parse_header,
    split_template_name,
)
from casekit.i18n import _
from casekit.render.jinja import (
    Source,
    TemplateFailure,
    display_path,
    find_templates,
    make_environment,
    read_source,
)

_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_CONDITION_FIELD = re.compile(r"^!?(?:set:(?P<set>[a-z0-9_]+)|(?P<field>[a-z0-9_]+)=.*)$")


def check_templates(root: Path, config: Config) -> list[Problem]:
    env = make_environment(root)
    problems: list[Problem] = []
    for name, source in find_templates(root, "").items():
        path = display_path(source)
        try:
            text = read_source(source)
        except TemplateFailure as exc:
            problems.append(Problem(path, None, str(exc).removeprefix(f"{path} ")))
            continue
        try:
            tree = env.parse(text, name, str(source.path))
        except TemplateSyntaxError as exc:
            problems.append(
                Problem(path, exc.lineno, _("template syntax: {message}").format(message=exc.message))
            )
            continue
        if split_template_name(name) is not None:
            problems += _check_script(config, source, path, text, tree, set(env.globals))
    return problems


def _check_script(
    config: Config, source: Source, path: str, text: str, tree: nodes.Template, globals_: set[str]
) -> list[Problem]:
    header, header_problems = parse_header(text)
    problems = [Problem(path, line, message) for line, message in header_problems]
    named = [str(k) for k in header.get("kind") or []]
    if ANY_KIND in named:
        named = list(config.kinds)  # `kind: any`: a script for every kind
    kinds = [config.kinds[k] for k in named if k in config.kinds]
    unknown = [k for k in named if k not in config.kinds]
    if unknown and (source.origin == "repository" or not kinds):
        if source.origin == "bundled":
            return []  # a bundled script for a kind this repository does not have
        problems.append(
            Problem(
                path,
                1,
                _("unknown kind {unknown!r}; kinds are {kinds}").format(
                    unknown=unknown[0], kinds=", ".join(config.kinds)
                ),
            )
        )
    if not kinds:
        return problems
    states = {s for kind in kinds for s in kind.states}
    for state in header.get("states") or []:
        if state not in states:
            problems.append(
                Problem(
                    path,
                    1,
                    _("unknown state {state!r} for {kinds}").format(
                        state=state, kinds=", ".join(k.name for k in kinds)
                    ),
                )
            )
    fields = _field_names(kinds)
    for condition in header.get("when") or []:
        parts = parse_condition(str(condition))
        if parts is not None and parts["key"]:
            table = config.channels if parts["key"] == "channel" else config.priorities
            if parts["key_value"] not in table:
                problems.append(
                    Problem(
                        path,
                        1,
                        _(
                            "condition {condition!r}: {key_value!r} is not a {key} in casekit.yaml; {key}s "
                            "are {table}"
                        ).format(
                            condition=condition,
                            key_value=parts["key_value"],
                            key=parts["key"],
                            table=", ".join(table),
                        ),
                    )
                )
            continue
        match = _CONDITION_FIELD.match(str(condition))
        field = match and (match["set"] or match["field"])
        if field and field not in fields:
            problems.append(
                Problem(
                    path,
                    1,
                    _("condition {condition!r} names {field!r}, {advice}").format(
                        condition=condition, field=field, advice=_not_a_field(kinds)
                    ),
                )
            )
    lang = (split_template_name(source.name) or ("", "zh"))[1]
    problems += _forbidden_phrases(path, text, forbidden_rules(config), lang)
    problems += _variables(path, tree, kinds, globals_)
    return problems


def _field_names(kinds: Iterable[KindSpec]) -> set[str]:
    return {name for kind in kinds for name in kind.fields}


def _not_a_field(kinds: list[KindSpec]) -> str:
    return "which is not a field of " + " or ".join(f"a {k.name}" for k in kinds)


def _forbidden_phrases(path: str, text: str, rules: Sequence[WordingRule], lang: str) -> list[Problem]:
    """Wording a reply must never use (不行, 不知道, 不可以, the 禁区 of the config), in the
    template's own text, with the wording the config suggests instead."""
    visible = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    problems = []
    for number, line in enumerate(visible.splitlines(), 1):
        for hit in find_forbidden(line, rules):
            problems.append(
                Problem(
                    path,
                    number,
                    _("says {found!r}, {advice}").format(found=hit.found, advice=forbidden_advice(hit, lang)),
                )
            )
    return problems


def forbidden_advice(hit: WordingHit, lang: str) -> str:
    """'wording replies must never use (004); say instead: ...' for a template's problem."""
    source = f" ({hit.rule.source})" if hit.rule.source else ""
    suggestion = hit.rule.suggestion(lang)
    if suggestion:
        return _("wording replies must never use{source}; say instead: {suggestion}").format(
            source=source, suggestion=suggestion
        )
    return _("wording replies must never use{source}; rephrase it (offer what can be done instead)").format(
        source=source
    )


def _variables(path: str, tree: nodes.Template, kinds: list[KindSpec], globals_: set[str]) -> list[Problem]:
    """Names the script context never has, and fields the script's kinds do not have."""
    problems = []
    allowed = set(SCRIPT_VARIABLES) | set(FIELD_RECORDS) | globals_
    for name in sorted(find_undeclared_variables(tree) - allowed):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), None)
        problems.append(
            Problem(
                path,
                line,
                _("unknown variable {name!r}; scripts have {variables}").format(
                    name=name, variables=", ".join(sorted(allowed - globals_))
                ),
            )
        )
    fields = _field_names(kinds)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        base = node.node
        if not isinstance(base, nodes.Name) or base.ctx != "load":
            continue
        if isinstance(node, nodes.Getattr):
            key = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            key = node.arg.value
        else:
            continue
        if base.name in FIELD_RECORDS:
            if key not in fields:
                problems.append(
                    Problem(path, node.lineno, f"{base.name}.{key}: {key!r} {_not_a_field(kinds)}")
                )
        elif (known := SCRIPT_VARIABLES.get(base.name)) is not None and key not in known:
            problems.append(
                Problem(
                    path,
                    node.lineno,
                    _("{name}.{key}: {name} has {known}").format(
                        name=base.name, key=key, known=", ".join(sorted(known))
                    ),
                )
            )
    return problems
