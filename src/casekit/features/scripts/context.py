"""Reply scripts (话术), the pure part: which template fits a case, and what it is filled with.

Each script template starts with a Jinja comment holding YAML that says where it applies:

    {#
    kind: complaint            # or a list of kinds
    states: [received]         # omitted: any state
    when: [promise]            # conditions that must all hold (see CONDITIONS)
    priority: 10               # higher wins when several fit; then more conditions win
    manual: true               # only used with --template, never picked automatically
    summary: {zh: 受理致歉, en: Intake apology}
    #}

A team's template with the same name overrides the bundled one, header included, so it can
change where the script applies as well as what it says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casekit.codec.yamlio import YamlSyntaxError, load_fast
from casekit.core.casefile import customer_address, customer_of, fields_of
from casekit.core.config import Config, Finding, KindSpec
from casekit.features.deadlines.facts import active_escalation, active_promise, is_major
from casekit.features.returns import rules
from casekit.features.returns.settings import settings_for

LANGS = ("zh", "en")
SCRIPTS_FOLDER = "scripts"

_HEADER = re.compile(r"\A\s*\{#-?(?P<body>.*?)-?#\}", re.S)
_CONDITION = re.compile(
    r"^(?P<neg>!)?(?:(?P<name>promise|escalated|major)|set:(?P<set>[a-z][a-z0-9_]*)"
    r"|(?P<field>[a-z][a-z0-9_]*)=(?P<value>[^=\s]+))$"
)

# Names every script may use besides `fields` and `labels` (documented in docs/).
SCRIPT_VARIABLES: dict[str, frozenset[str] | None] = {
    "case": frozenset({"id", "kind", "status", "title", "priority", "channel", "opened_at", "links"}),
    "customer": frozenset({"name", "phone", "salutation", "address"}),
    "agent": frozenset({"login", "name"}),
    "assignee": frozenset({"login", "name"}),
    "promise": frozenset({"at", "made_at", "note", "reached"}),
    "escalation": frozenset({"at", "by", "by_name", "to", "to_name", "note"}),
    "postage": rules.POSTAGE_FACTS,
    "exchange": rules.EXCHANGE_FACTS,
    "deadlines": None,
    "kind_label": None,
    "status_label": None,
    "priority_label": None,
    "channel_label": None,
    "company": None,
    "return_address": None,
    "major": None,
    "now": None,
    "lang": None,
    "tz": None,
}
FIELD_RECORDS = ("fields", "labels")


@dataclass(frozen=True)
class ScriptInfo:
    """One script template in one language, with where it applies."""

    name: str
    lang: str
    template: str  # the Jinja name, e.g. scripts/zh/complaint-acknowledge.j2
    kinds: tuple[str, ...]
    states: tuple[str, ...] = ()
    when: tuple[str, ...] = ()
    priority: int = 0
    manual: bool = False
    summary: Mapping[str, str] = field(default_factory=dict)
    origin: str = "bundled"

    def fits(self, kind: str, state: str | None = None) -> bool:
        return kind in self.kinds and (state is None or not self.states or state in self.states)


def split_template_name(template: str) -> tuple[str, str] | None:
    """'scripts/zh/complaint-acknowledge.j2' -> ('complaint-acknowledge', 'zh')."""
    parts = template.split("/")
    if len(parts) != 3 or parts[0] != SCRIPTS_FOLDER or not parts[2].endswith(".j2"):
        return None
    return parts[2][: -len(".j2")], parts[1]


def parse_header(text: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """The YAML header of a script template and the problems in it as (line, message)."""
    match = _HEADER.match(text)
    if not match:
        return {}, [(1, "a script template starts with a {# ... #} header saying its kind and states")]
    try:
        data = load_fast(match["body"])
    except YamlSyntaxError as exc:
        return {}, [(exc.line or 1, f"the header is not valid YAML: {exc}")]
    if not isinstance(data, Mapping):
        return {}, [(1, "the header must be YAML such as `kind: complaint` and `states: [received]`")]
    problems: list[tuple[int, str]] = []
    header = dict(data)
    for key in header:
        if key not in ("kind", "states", "when", "priority", "manual", "summary"):
            problems.append(
                (1, f"unknown header key {key!r}; use kind, states, when, priority, manual, summary")
            )
    for key in ("states", "when"):
        value = header.get(key, [])
        if isinstance(value, str):
            header[key] = [value]
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append((1, f"{key} must be a list of names"))
            header[key] = []
    kinds = header.get("kind")
    if isinstance(kinds, str):
        header["kind"] = [kinds]
    elif not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        problems.append((1, "kind must name a case kind (or a list of kinds)"))
        header["kind"] = []
    if not isinstance(header.get("priority", 0), int):
        problems.append((1, "priority must be a whole number"))
        header["priority"] = 0
    for condition in header.get("when", []):
        if not _CONDITION.match(condition):
            problems.append(
                (
                    1,
                    f"unknown condition {condition!r}; "
                    "use promise, escalated, major, set:FIELD or FIELD=VALUE",
                )
            )
    return header, problems


def script_info(template: str, text: str, origin: str) -> ScriptInfo | None:
    names = split_template_name(template)
    if names is None:
        return None
    header, _ = parse_header(text)
    summary = header.get("summary")
    if isinstance(summary, str):
        summary = {"zh": summary, "en": summary}
    return ScriptInfo(
        name=names[0],
        lang=names[1],
        template=template,
        kinds=tuple(header.get("kind") or ()),
        states=tuple(header.get("states") or ()),
        when=tuple(c for c in header.get("when") or () if _CONDITION.match(c)),
        priority=int(header.get("priority", 0) or 0),
        manual=header.get("manual") is True,
        summary={str(k): str(v) for k, v in summary.items()} if isinstance(summary, Mapping) else {},
        origin=origin,
    )


def condition_holds(condition: str, case: Mapping[str, Any], config: Config) -> bool:
    match = _CONDITION.match(condition)
    if not match:
        return False
    if match["name"] == "promise":
        result = active_promise(case) is not None
    elif match["name"] == "escalated":
        result = active_escalation(case) is not None
    elif match["name"] == "major":
        result = is_major(case, config)
    elif match["set"]:
        result = fields_of(case).get(match["set"]) not in (None, "", [])
    else:
        result = str(fields_of(case).get(match["field"])) == match["value"]
    return result != bool(match["neg"])


def choose(
    scripts: Sequence[ScriptInfo],
    case: Mapping[str, Any],
    config: Config,
) -> ScriptInfo | None:
    """The script that fits a case best: kind, state and every condition; then the highest
    priority, then the most conditions, then the name."""
    kind, state = str(case.get("kind")), str(case.get("status"))
    fitting = [
        s
        for s in scripts
        if not s.manual and s.fits(kind, state) and all(condition_holds(c, case, config) for c in s.when)
    ]
    if not fitting:
        return None
    fitting.sort(key=lambda s: (-s.priority, -len(s.when), 0 if s.states else 1, s.name))
    return fitting[0]


def _person(config: Config, login: Any) -> dict[str, Any] | None:
    if not isinstance(login, str) or not login:
        return None
    person = config.person(login)
    return {"login": login, "name": person.name if person else login}


def _label(labels: Mapping[str, Any], key: Any, lang: str) -> str | None:
    label = labels.get(key) if isinstance(key, str) else None
    return label.text(lang) if label is not None else None


def script_context(
    case: Mapping[str, Any],
    config: Config,
    *,
    lang: str,
    agent: Mapping[str, str],
    now: datetime,
) -> dict[str, Any]:
    """The variables a script sees. Only values the case has are present, so a template that
    needs a missing one fails naming it (see docs/scripts-and-reports.md for the list)."""
    kind: KindSpec | None = config.kinds.get(str(case.get("kind")))
    customer = customer_of(case)
    fields = {k: v for k, v in fields_of(case).items() if v not in (None, "", [])}
    context: dict[str, Any] = {
        "lang": lang,
        "tz": config.tz,
        "now": now.isoformat(timespec="seconds"),
        "case": {
            k: case[k]
            for k in ("id", "kind", "status", "title", "priority", "channel", "opened_at", "links")
            if case.get(k) not in (None, "")
        },
        "customer": {
            **{k: customer[k] for k in ("name", "phone", "salutation") if customer.get(k)},
            "address": customer_address(customer, lang),
        },
        "agent": dict(agent),
        "fields": fields,
        "major": is_major(case, config),
    }
    if kind is not None:
        context["kind_label"] = kind.label.text(lang)
        context["status_label"] = kind.state_label(str(case.get("status")), lang)
        labels = {}
        for name, value in fields.items():
            spec = kind.fields.get(name)
            if spec is not None and spec.type == "enum" and (text := _label(spec.values, value, lang)):
                labels[name] = text
        context["labels"] = labels
    for key, table in (("priority", config.priorities), ("channel", config.channels)):
        if (text := _label(table, case.get(key), lang)) is not None:
            context[f"{key}_label"] = text
    if assignee := _person(config, case.get("assignee")):
        context["assignee"] = assignee
    settings = scripts_settings(config)
    for key in ("company", "return_address"):
        if (text := settings.get(key, {}).get(lang)) is not None:
            context[key] = text
    promise = active_promise(case)
    if promise is not None:
        context["promise"] = {
            "at": promise.due.isoformat(timespec="seconds"),
            "made_at": promise.made_at.isoformat(timespec="seconds"),
            "reached": promise.due <= now,
            **({"note": promise.note} if promise.note else {}),
        }
    escalation = active_escalation(case)
    if escalation is not None:
        record: dict[str, Any] = {"at": escalation.at.isoformat(timespec="seconds")}
        if by := _person(config, escalation.by):
            record |= {"by": by["login"], "by_name": by["name"]}
        target = _person(config, escalation.to) or _person(config, case.get("assignee"))
        if target:
            record |= {"to": target["login"], "to_name": target["name"]}
        if escalation.note:
            record["note"] = escalation.note
        context["escalation"] = record
    if isinstance(case.get("deadlines"), Mapping):
        context["deadlines"] = dict(case["deadlines"])
    returns = settings_for(config)
    if case.get("kind") == returns.kind:
        context |= rules.script_facts(case, returns, lang)  # postage, exchange: what the case holds
    return context


DEFAULT_FORBIDDEN = {"zh": ("不行", "不知道", "不可以"), "en": ("I don't know", "no way")}


def scripts_settings(config: Config) -> dict[str, Any]:
    """The `scripts:` section read leniently (validated by check_section)."""
    raw = config.section("scripts")
    raw = raw if isinstance(raw, Mapping) else {}
    settings: dict[str, Any] = {"lang": raw.get("lang") if raw.get("lang") in LANGS else "zh"}
    for key in ("company", "return_address"):
        value = raw.get(key)
        if isinstance(value, str):
            settings[key] = {"zh": value, "en": value}
        elif isinstance(value, Mapping):
            settings[key] = {str(k): str(v) for k, v in value.items() if k in LANGS}
    forbidden = raw.get("forbidden_phrases")
    if isinstance(forbidden, Mapping):
        settings["forbidden"] = {lang: tuple(str(p) for p in forbidden.get(lang) or ()) for lang in LANGS}
    elif isinstance(forbidden, list):
        settings["forbidden"] = {lang: tuple(str(p) for p in forbidden) for lang in LANGS}
    else:
        settings["forbidden"] = dict(DEFAULT_FORBIDDEN)
    return settings


def check_section(value: Any, config: Config) -> list[Finding]:
    """Problems in the `scripts:` section of casekit.yaml."""
    if not isinstance(value, Mapping):
        return [([], "must be a mapping with lang, company, return_address, forbidden_phrases")]
    problems: list[Finding] = []
    for key, item in value.items():
        if key == "lang":
            if item not in LANGS:
                problems.append(([key], f"lang must be one of {', '.join(LANGS)}"))
        elif key in ("company", "return_address"):
            if isinstance(item, Mapping):
                for lang, text in item.items():
                    if lang not in LANGS or not isinstance(text, str):
                        problems.append(([key, lang], "give the text per language: {zh: ..., en: ...}"))
            elif not isinstance(item, str):
                problems.append(([key], "must be text, or {zh: ..., en: ...}"))
        elif key == "forbidden_phrases":
            lists = item.values() if isinstance(item, Mapping) else [item]
            if isinstance(item, Mapping) and any(lang not in LANGS for lang in item):
                problems.append(([key], f"languages are {', '.join(LANGS)}"))
            if not all(isinstance(x, list) and all(isinstance(p, str) and p for p in x) for x in lists):
                problems.append(([key], "must be a list of phrases, or {zh: [...], en: [...]}"))
        else:
            problems.append(
                ([key], "unknown setting; scripts has lang, company, return_address, forbidden_phrases")
            )
    return problems
