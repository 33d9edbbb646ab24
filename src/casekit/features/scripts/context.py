"""Reply scripts (话术), the pure part: which template fits a case, and what it is filled with.

Each script template starts with a Jinja comment holding YAML that says where it applies:

    {#
    kind: complaint            # or a list of kinds
    states: [received]         # omitted: any state
    when: [promise]            # conditions that must all hold (see condition_holds)
    priority: 10               # higher wins when several fit; then more conditions win
    manual: true               # only used with --template, never picked automatically
    summary: {zh: 受理致歉, en: Intake apology}
    source: 000 第一篇 认同客户的感受   # the handbook and section the lines come from
    #}

`kind: any` makes a script for every kind (e.g. the long-wait apology).

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
from casekit.core.config import Config, Finding, KindSpec, once_per_config
from casekit.core.wording import WordingRule, parse_rules
from casekit.features.deadlines.facts import active_escalation, active_promise, is_major
from casekit.features.returns import rules
from casekit.features.returns.settings import settings_for
from casekit.i18n import _

LANGS = ("zh", "en")
SCRIPTS_FOLDER = "scripts"

_HEADER = re.compile(r"\A\s*\{#-?(?P<body>.*?)-?#\}", re.S)
ANY_KIND = "any"
# Top-level case keys a condition may test as `case.KEY=VALUE` (fields use `FIELD=VALUE`).
CASE_KEYS = ("channel", "priority")
HEADER_KEYS = ("kind", "states", "when", "priority", "manual", "summary", "source")
_CONDITION = re.compile(
    r"^(?P<neg>!)?(?:(?P<name>promise-due|promise|escalated|major)|set:(?P<set>[a-z][a-z0-9_]*)"
    r"|case\.(?P<key>channel|priority)=(?P<key_value>[^=\s]+)"
    r"|(?P<field>[a-z][a-z0-9_]*)=(?P<value>[^=\s]+))$"
)
CONDITION_FORMS = "promise, promise-due, escalated, major, set:FIELD, FIELD=VALUE or case.channel=VALUE"

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
    source: str = ""  # the handbook and section the lines come from

    def applies_to(self, kind: str) -> bool:
        """The script is for this kind (named, or `kind: any`)."""
        return kind in self.kinds or ANY_KIND in self.kinds

    def fits(self, kind: str, state: str | None = None) -> bool:
        return self.applies_to(kind) and (state is None or not self.states or state in self.states)


def split_template_name(template: str) -> tuple[str, str] | None:
    """'scripts/zh/complaint-acknowledge.j2' -> ('complaint-acknowledge', 'zh')."""
    parts = template.split("/")
    if len(parts) != 3 or parts[0] != SCRIPTS_FOLDER or not parts[2].endswith(".j2"):
        return None
    return parts[2][: -len(".j2")], parts[1]


def parse_condition(condition: str) -> re.Match[str] | None:
    """A `when:` condition's parts (neg, name, set, key/key_value, field/value), or None."""
    return _CONDITION.match(condition)


def parse_header(text: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """The YAML header of a script template and the problems in it as (line, message)."""
    match = _HEADER.match(text)
    if not match:
        return {}, [(1, _("a script template starts with a {# ... #} header saying its kind and states"))]
    try:
        data = load_fast(match["body"])
    except YamlSyntaxError as exc:
        return {}, [(exc.line or 1, _("the header is not valid YAML: {problem}").format(problem=exc))]
    if not isinstance(data, Mapping):
        return {}, [(1, _("the header must be YAML such as `kind: complaint` and `states: [received]`"))]
    problems: list[tuple[int, str]] = []
    header = dict(data)
    for key in header:
        if key not in HEADER_KEYS:
            problems.append(
                (
                    1,
                    _("unknown header key {key!r}; use {header_keys}").format(
                        key=key, header_keys=", ".join(HEADER_KEYS)
                    ),
                )
            )
    if not isinstance(header.get("source", ""), str):
        problems.append((1, _("source must be text naming the handbook and section, e.g. 004 面对媒体投诉")))
        header["source"] = ""
    for key in ("states", "when"):
        value = header.get(key, [])
        if isinstance(value, str):
            header[key] = [value]
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append((1, _("{key} must be a list of names").format(key=key)))
            header[key] = []
    kinds = header.get("kind")
    if isinstance(kinds, str):
        header["kind"] = [kinds]
    elif not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        problems.append((1, _("kind must name a case kind (or a list of kinds)")))
        header["kind"] = []
    if not isinstance(header.get("priority", 0), int):
        problems.append((1, _("priority must be a whole number")))
        header["priority"] = 0
    for condition in header.get("when", []):
        if not _CONDITION.match(condition):
            problems.append(
                (
                    1,
                    _("unknown condition {condition!r}; use {condition_forms}").format(
                        condition=condition, condition_forms=CONDITION_FORMS
                    ),
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
        source=str(header.get("source") or ""),
    )


def condition_holds(
    condition: str, case: Mapping[str, Any], config: Config, now: datetime | None = None
) -> bool:
    """Whether a `when:` condition holds for a case. `promise-due` (a promise to keep whose
    time has come) needs `now`; without it, it does not hold."""
    match = _CONDITION.match(condition)
    if not match:
        return False
    if match["name"] == "promise":
        result = active_promise(case) is not None
    elif match["name"] == "promise-due":
        promise = active_promise(case)
        result = promise is not None and now is not None and promise.due <= now
    elif match["key"]:
        result = str(case.get(match["key"])) == match["key_value"]
    elif match["name"] == "escalated":
        result = active_escalation(case) is not None
    elif match["name"] == "major":
        result = is_major(case, config)
    elif match["set"]:
        result = fields_of(case).get(match["set"]) not in (None, "", [])
    else:
        result = str(fields_of(case).get(match["field"])) == match["value"]
    return result != bool(match["neg"])


def rank(script: ScriptInfo) -> tuple[int, int, int, str]:
    """Sort key among fitting scripts (first wins): the highest priority, then the most
    conditions, then one naming its states over one for any state, then the name."""
    return (-script.priority, -len(script.when), 0 if script.states else 1, script.name)


def fits_case(script: ScriptInfo, case: Mapping[str, Any], config: Config, now: datetime | None) -> bool:
    """Picked automatically for this case if it ranks first: not manual, its kind and state,
    every condition."""
    return (
        not script.manual
        and script.fits(str(case.get("kind")), str(case.get("status")))
        and all(condition_holds(c, case, config, now) for c in script.when)
    )


def choose(
    scripts: Sequence[ScriptInfo],
    case: Mapping[str, Any],
    config: Config,
    now: datetime | None = None,
) -> ScriptInfo | None:
    """The script that fits a case best (`fits_case`, then `rank`)."""
    fitting = sorted((s for s in scripts if fits_case(s, case, config, now)), key=rank)
    return fitting[0] if fitting else None


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


# Used when the `scripts:` section names no forbidden wording (004 投诉处理准则: 杜绝跟顾客说
# "不行、不知道、不可以"); the bundled casekit.yaml lists the 禁区 of 002 and 004 as well.
DEFAULT_FORBIDDEN: tuple[WordingRule, ...] = (
    WordingRule(
        "不行",
        "zh",
        suggest={"zh": "我们来看看还有哪些办法", "en": "let us see what else we can do"},
        source="004",
    ),
    WordingRule(
        "不知道",
        "zh",
        suggest={
            "zh": "我马上为您核实，再给您准确的答复",
            "en": "let me check that and give you an exact answer",
        },
        source="004",
    ),
    WordingRule(
        "不可以",
        "zh",
        suggest={"zh": "我们可以这样为您办理……", "en": "what we can do for you is ..."},
        source="004",
    ),
    WordingRule(
        "I don't know",
        "en",
        suggest={"en": "let me check that for you", "zh": "我马上为您核实"},
        source="004",
    ),
    WordingRule(
        "no way",
        "en",
        suggest={"en": "let us see what we can do", "zh": "我们来看看还有哪些办法"},
        source="004",
    ),
)
CUSTOMER_TEXT_MODES = ("warn", "strict")
# Fields holding the customer's own words (what they complain of, what they ask for):
# recorded as said, never checked for the wording a reply must not use.
DEFAULT_CUSTOMER_WORDS = ("content", "demand")
SETTINGS = (
    "lang",
    "company",
    "return_address",
    "forbidden",
    "forbidden_phrases",
    "customer_text",
    "customer_words",
)


@once_per_config
def scripts_settings(config: Config) -> Mapping[str, Any]:
    """The `scripts:` section read leniently (validated by check_section), once per config:
    every case `casekit validate` checks asks for its wording rules."""
    raw = config.section("scripts")
    raw = raw if isinstance(raw, Mapping) else {}
    settings: dict[str, Any] = {"lang": raw.get("lang") if raw.get("lang") in LANGS else "zh"}
    for key in ("company", "return_address"):
        value = raw.get(key)
        if isinstance(value, str):
            settings[key] = {"zh": value, "en": value}
        elif isinstance(value, Mapping):
            settings[key] = {str(k): str(v) for k, v in value.items() if k in LANGS}
    rules: list[WordingRule] = []
    for key in ("forbidden_phrases", "forbidden"):
        if key in raw:
            rules += parse_rules(raw[key], where=[key])[0]
    settings["forbidden"] = (
        tuple(rules) if "forbidden" in raw or "forbidden_phrases" in raw else DEFAULT_FORBIDDEN
    )
    mode = raw.get("customer_text")
    settings["customer_text"] = mode if mode in CUSTOMER_TEXT_MODES else "warn"
    words = raw.get("customer_words")
    settings["customer_words"] = (
        frozenset(str(w) for w in words) if isinstance(words, list) else frozenset(DEFAULT_CUSTOMER_WORDS)
    )
    return settings


def forbidden_rules(config: Config) -> tuple[WordingRule, ...]:
    """The wording replies must never use, as the config gives it (`scripts.forbidden` and
    `scripts.forbidden_phrases`), every language; match text with `wording.find_forbidden`."""
    rules: tuple[WordingRule, ...] = scripts_settings(config)["forbidden"]
    return rules


def check_section(value: Any, config: Config) -> list[Finding]:
    """Problems in the `scripts:` section of casekit.yaml."""
    if not isinstance(value, Mapping):
        return [([], _("must be a mapping with {settings}").format(settings=", ".join(SETTINGS)))]
    problems: list[Finding] = []
    for key, item in value.items():
        if key == "lang":
            if item not in LANGS:
                problems.append(([key], _("lang must be one of {langs}").format(langs=", ".join(LANGS))))
        elif key in ("company", "return_address"):
            if isinstance(item, Mapping):
                for lang, text in item.items():
                    if lang not in LANGS or not isinstance(text, str):
                        problems.append(([key, lang], _("give the text per language: {zh: ..., en: ...}")))
            elif not isinstance(item, str):
                problems.append(([key], _("must be text, or {zh: ..., en: ...}")))
        elif key in ("forbidden", "forbidden_phrases"):
            problems += parse_rules(item, where=[key])[1]
        elif key == "customer_text":
            if item not in CUSTOMER_TEXT_MODES:
                problems.append(
                    (
                        [key],
                        _(
                            "customer_text is warn (a warning when typed text uses forbidden wording) or "
                            "strict (the change is refused)"
                        ),
                    )
                )
        elif key == "customer_words":
            if not isinstance(item, list) or not all(isinstance(n, str) and n for n in item):
                problems.append(([key], _("must be a list of field names, e.g. [content, demand]")))
        else:
            problems.append(
                ([key], _("unknown setting; scripts has {settings}").format(settings=", ".join(SETTINGS)))
            )
    return problems
