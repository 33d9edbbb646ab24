"""The static config (`casekit.yaml`): parsed once into frozen records, checked with line numbers.

`parse_config` never raises for bad content: it returns the problems it found, each naming
the line, so `casekit validate` can list them all. Commands read a repository's config
with `casekit.store.configfile.load_config`, which raises one `ConfigError` naming the
first problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import wraps
from importlib import import_module
from pathlib import Path
from typing import Any, TypeVar

from casekit.core.registry import KeyedRegistry
from casekit.core.timeutil import zone
from casekit.errors import ConfigError, Problem
from casekit.i18n import _

CONFIG_FILE = "casekit.yaml"

FIELD_TYPES = (
    "string",
    "text",
    "integer",
    "money",
    "decimal",
    "boolean",
    "enum",
    "date",
    "datetime",
    "phone",
    "list",
)

# Where in a YAML document something is: keys and list positions from the top.
KeyPath = Sequence[str | int]

# What is wrong, and where: a finding of a config section check or a case check, located
# in its file (`casekit.codec.yamlio.locate`) when it is reported.
Finding = tuple[KeyPath, str]

# Top-level sections other modules own: name -> "module:function". The function takes
# (section value, Config) and returns a list of `Finding`s. Imported only
# when the config is validated, so ordinary commands do not pay for them.
SECTION_CHECKS: KeyedRegistry[str] = KeyedRegistry("config.SECTION_CHECKS")

_CORE_SECTIONS = {
    "version",
    "timezone",
    "locale",
    "people",
    "priorities",
    "default_priority",
    "channels",
    "kinds",
    "limits",
}

# `limits: {case_file_bytes: N}`: a case file larger than this is refused before it is
# parsed (`casekit.core.validation.parse_doc`). Case files casekit writes stay far below.
CASE_FILE_BYTES = 256 * 1024
_LIMIT_KEYS = {"case_file_bytes": (1024, 64 * 1024 * 1024)}  # key -> allowed (lowest, highest)
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_PREFIX = re.compile(r"^[A-Z]{1,3}$")
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
DEFAULT_LOCALE = "zh-CN"


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: Label
    values: Mapping[str, Label] = field(default_factory=dict)
    items: str = "string"
    required: bool = False


@dataclass(frozen=True)
class StateSpec:
    name: str
    label: Label
    terminal: bool
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TransitionRule:
    source: str
    target: str
    requires: tuple[str, ...] = ()
    role: str | None = None
    # Field conditions: the move exists only for cases whose field holds one of the values,
    # e.g. {"return_type": ("exchange",)}. Every listed field must match.
    when: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KindSpec:
    name: str
    prefix: str
    label: Label
    initial: str
    states: Mapping[str, StateSpec]
    transitions: Mapping[str, Mapping[str, TransitionRule]]
    fields: Mapping[str, FieldSpec]

    def allowed_from(self, state: str) -> list[str]:
        return list(self.transitions.get(state, {}))

    def is_terminal(self, state: str) -> bool:
        spec = self.states.get(state)
        return spec is not None and spec.terminal

    def state_label(self, state: str, lang: str = "zh") -> str:
        spec = self.states.get(state)
        return spec.label.text(lang) if spec else state


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    email: str
    roles: tuple[str, ...]
    # The person's logins on the git server, which its pre-receive hook learns from the
    # server (`people.<login>.logins`; by default the casekit login itself).
    logins: tuple[str, ...] = ()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def server_logins(self) -> tuple[str, ...]:
        return self.logins or (self.login,)


@dataclass(frozen=True)
class Config:
    path: Path
    text: str
    raw: Mapping[str, Any]
    timezone_name: str
    tz: tzinfo
    people: Mapping[str, Person]
    priorities: Mapping[str, Label]
    default_priority: str
    channels: Mapping[str, Label]
    kinds: Mapping[str, KindSpec]
    # The team's locale (BCP 47, e.g. zh-CN): decides defaults for files others open,
    # such as the UTF-8 BOM of CSV output that Excel needs to read Chinese text.
    locale: str = DEFAULT_LOCALE
    case_file_bytes: int = CASE_FILE_BYTES  # `limits.case_file_bytes`

    @property
    def chinese(self) -> bool:
        """Whether the team's locale is Chinese (zh, zh-CN, zh-Hant-TW...)."""
        return self.locale.lower().replace("_", "-").split("-")[0] == "zh"

    def kind(self, name: str) -> KindSpec:
        try:
            return self.kinds[name]
        except KeyError:
            known = _(", ").join(self.kinds)
            raise ConfigError(
                _("unknown case kind {name!r}; the config defines: {known}").format(name=name, known=known)
            ) from None

    def kind_for_prefix(self, prefix: str) -> KindSpec | None:
        for spec in self.kinds.values():
            if spec.prefix == prefix:
                return spec
        return None

    def line(self, key_path: Sequence[str | int]) -> int | None:
        from casekit.codec.yamlio import locate

        return locate(self.text, key_path)

    def person(self, who: str) -> Person | None:
        """Find a person by login, email or display name."""
        if who in self.people:
            return self.people[who]
        for person in self.people.values():
            if who in (person.email, person.name):
                return person
        return None

    def person_on_server(self, login: str) -> Person | None:
        """The person a git server login belongs to (`people.<login>.logins`)."""
        return next((p for p in self.people.values() if login in p.server_logins), None)

    def section(self, name: str) -> Any:
        return self.raw.get(name)


class _Checker:
    """Collects problems while walking the raw config."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.problems: list[Problem] = []

    def add(self, key_path: Sequence[str | int], message: str) -> None:
        where = ".".join(str(k) for k in key_path)
        prefix = f"{where}: " if where else ""
        from casekit.codec.yamlio import locate

        self.problems.append(Problem(str(self.path), locate(self.text, key_path), prefix + message))

    def mapping(self, value: Any, key_path: Sequence[str | int]) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.add(key_path, _("must be a mapping of names to settings"))
            return {}
        return value

    def label(self, value: Any, key_path: Sequence[str | int], default: str) -> Label:
        settings = value if isinstance(value, Mapping) else {}
        zh = settings.get("zh", default)
        en = settings.get("en", default)
        if not isinstance(zh, str) or not isinstance(en, str):
            self.add(key_path, _("labels zh and en must be text"))
            return Label(default, default)
        return Label(zh, en)

    def labels(self, value: Any, key_path: Sequence[str | int]) -> dict[str, Label]:
        if isinstance(value, list):
            return {str(v): Label(str(v), str(v)) for v in value}
        return {
            str(name): self.label(spec, [*key_path, name], str(name))
            for name, spec in self.mapping(value, key_path).items()
        }


def parse_config(text: str, path: Path) -> tuple[Config | None, list[Problem]]:
    """Parse and check a config; returns it (or None when unusable) and every problem found."""
    from casekit.codec.yamlio import CONFIG_DEPTH, YamlSyntaxError, load_fast

    check = _Checker(path, text)
    try:
        raw = load_fast(text, CONFIG_DEPTH)
    except YamlSyntaxError as exc:
        return None, [Problem(str(path), exc.line, exc.sentence())]
    if not isinstance(raw, Mapping):
        return None, [Problem(str(path), 1, _("the config must be a mapping with a 'kinds' section"))]

    known_sections = _CORE_SECTIONS | set(SECTION_CHECKS)
    for key in raw:
        if key not in known_sections:
            check.add(
                [key],
                _("unknown section; known sections are {sections}").format(
                    sections=_(", ").join(sorted(known_sections))
                ),
            )

    timezone_name = raw.get("timezone", "Asia/Shanghai")
    try:
        tz = zone(str(timezone_name))
    except ValueError:
        check.add(
            ["timezone"],
            _("unknown time zone {zone!r}; use a name like Asia/Shanghai").format(zone=timezone_name),
        )
        tz = zone("Asia/Shanghai")

    locale = raw.get("locale", DEFAULT_LOCALE)
    if not isinstance(locale, str) or not _LOCALE.match(locale):
        check.add(
            ["locale"], _("{locale!r} is not a locale; write it like zh-CN or en-US").format(locale=locale)
        )
        locale = DEFAULT_LOCALE

    people = _parse_people(check, raw.get("people"))
    priorities = check.labels(raw.get("priorities") or _DEFAULT_PRIORITIES, ["priorities"])
    default_priority = str(raw.get("default_priority", next(iter(priorities), "medium")))
    if priorities and default_priority not in priorities:
        check.add(
            ["default_priority"],
            _("{priority!r} is not one of the priorities").format(priority=default_priority),
        )
    channels = check.labels(raw.get("channels"), ["channels"])
    case_file_bytes = _parse_limits(check, raw.get("limits"))

    kinds: dict[str, KindSpec] = {}
    kinds_raw = check.mapping(raw.get("kinds"), ["kinds"])
    if not kinds_raw:
        check.add(["kinds"], _("define at least one case kind under 'kinds'"))
    prefixes: dict[str, str] = {}
    for name, settings in kinds_raw.items():
        spec = _parse_kind(check, str(name), settings)
        if spec is None:
            continue
        if spec.prefix in prefixes:
            check.add(
                ["kinds", name, "prefix"],
                _("prefix {prefix!r} is already used by kind {kind!r}").format(
                    prefix=spec.prefix, kind=prefixes[spec.prefix]
                ),
            )
        prefixes[spec.prefix] = spec.name
        kinds[spec.name] = spec

    config = Config(
        path=path,
        text=text,
        raw=raw,
        timezone_name=str(timezone_name),
        tz=tz,
        people=people,
        priorities=priorities,
        default_priority=default_priority,
        channels=channels,
        kinds=kinds,
        locale=locale,
        case_file_bytes=case_file_bytes,
    )
    for section, target in SECTION_CHECKS.items():
        if section in raw:
            for key_path, message in _section_check(target)(raw[section], config):
                check.add([section, *key_path], message)
    return config, check.problems


def _section_check(
    target: str,
) -> Callable[[Any, Config], list[tuple[Sequence[str | int], str]]]:
    module_name, function_name = target.split(":")
    check: Callable[[Any, Config], list[tuple[Sequence[str | int], str]]] = getattr(
        import_module(module_name), function_name
    )
    return check


_DEFAULT_PRIORITIES = {
    "highest": {"zh": "最高", "en": "Highest"},
    "high": {"zh": "高", "en": "High"},
    "medium": {"zh": "中", "en": "Medium"},
    "low": {"zh": "低", "en": "Low"},
}


def _parse_limits(check: _Checker, value: Any) -> int:
    """`limits:` -> the largest case file casekit reads, in bytes."""
    limits = check.mapping(value, ["limits"])
    for key in limits:
        if key not in _LIMIT_KEYS:
            check.add(
                ["limits", key],
                _("unknown limit; known limits are {limits}").format(
                    limits=_(", ").join(sorted(_LIMIT_KEYS))
                ),
            )
    size = limits.get("case_file_bytes", CASE_FILE_BYTES)
    lowest, highest = _LIMIT_KEYS["case_file_bytes"]
    if isinstance(size, bool) or not isinstance(size, int) or not lowest <= size <= highest:
        check.add(
            ["limits", "case_file_bytes"],
            _("must be a whole number of bytes from {lowest} to {highest}, such as {example}").format(
                lowest=lowest, highest=highest, example=CASE_FILE_BYTES
            ),
        )
        return CASE_FILE_BYTES
    return size


def _parse_people(check: _Checker, value: Any) -> dict[str, Person]:
    people: dict[str, Person] = {}
    emails: dict[str, str] = {}
    servers: dict[str, str] = {}  # server login -> the person it belongs to
    for login, settings in check.mapping(value, ["people"]).items():
        key_path = ["people", login]
        if not _LOGIN.match(str(login)):
            check.add(key_path, _("a login may hold letters, digits, '.', '_' and '-' only"))
        # One person, one entry: a second entry for the same login (or one differing only
        # in case) or the same email would decide someone's roles by which entry wins.
        same = next((p for p in people if p.lower() == str(login).lower()), None)
        if same is not None:
            check.add(
                key_path,
                _("{login!r} is listed twice (also as {same!r}); keep one entry per person").format(
                    login=login, same=same
                ),
            )
            continue
        settings = check.mapping(settings, key_path)
        roles = settings.get("roles", ["agent"])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            check.add([*key_path, "roles"], _("roles must be a list such as [agent, supervisor]"))
            roles = ["agent"]
        email = str(settings.get("email", ""))
        if email and email.lower() in emails:
            check.add(
                [*key_path, "email"],
                _("{email} is also the email of {login!r}; give each person their own email").format(
                    email=email, login=emails[email.lower()]
                ),
            )
            continue
        if email:
            emails[email.lower()] = str(login)
        logins = settings.get("logins", [])
        if not isinstance(logins, list) or not all(isinstance(n, str) and n.strip() for n in logins):
            check.add([*key_path, "logins"], _("logins must be a list of the person's git server logins"))
            logins = []
        for name in logins:
            owner = servers.setdefault(name, str(login))
            if owner != str(login):
                check.add(
                    [*key_path, "logins"],
                    _(
                        "the server login {name!r} is also {owner!r}'s; each login belongs to one person"
                    ).format(name=name, owner=owner),
                )
        people[str(login)] = Person(
            login=str(login),
            name=str(settings.get("name", login)),
            email=email,
            roles=tuple(roles),
            logins=tuple(logins),
        )
    return people


def _parse_kind(check: _Checker, name: str, settings: Any) -> KindSpec | None:
    key_path: list[str | int] = ["kinds", name]
    if not _NAME.match(name):
        check.add(key_path, _("a kind name must be lower-case letters, digits, '-' or '_'"))
    settings = check.mapping(settings, key_path)
    prefix = str(settings.get("prefix", ""))
    if not _PREFIX.match(prefix):
        check.add([*key_path, "prefix"], _("prefix must be 1 to 3 capital letters, such as C"))

    states: dict[str, StateSpec] = {}
    for state, state_settings in check.mapping(settings.get("states"), [*key_path, "states"]).items():
        state_path = [*key_path, "states", state]
        if not _NAME.match(str(state)):
            check.add(state_path, _("a state name must be lower-case letters, digits, '-' or '_'"))
        state_map = check.mapping(state_settings, state_path)
        extra = {k: v for k, v in state_map.items() if k not in ("zh", "en", "terminal")}
        states[str(state)] = StateSpec(
            name=str(state),
            label=check.label(state_map, state_path, str(state)),
            terminal=bool(state_map.get("terminal", False)),
            extra=extra,
        )
    if not states:
        check.add([*key_path, "states"], _("define the kind's states"))

    initial = str(settings.get("initial", ""))
    if initial not in states:
        check.add(
            [*key_path, "initial"],
            _("initial state {state!r} is not one of the states").format(state=initial),
        )

    fields: dict[str, FieldSpec] = {}
    for field_name, field_settings in check.mapping(settings.get("fields"), [*key_path, "fields"]).items():
        spec = _parse_field(check, [*key_path, "fields", field_name], str(field_name), field_settings)
        fields[spec.name] = spec

    transitions: dict[str, dict[str, TransitionRule]] = {}
    for source, targets in check.mapping(settings.get("transitions"), [*key_path, "transitions"]).items():
        source_path = [*key_path, "transitions", source]
        if source not in states:
            check.add(
                source_path,
                _("unknown state {state!r}; states are {states}").format(
                    state=source, states=_(", ").join(states)
                ),
            )
        elif states[source].terminal:
            check.add(
                source_path, _("state {state!r} is terminal, so nothing may leave it").format(state=source)
            )
        for target, rule in check.mapping(targets, source_path).items():
            rule_path = [*source_path, target]
            if target not in states:
                check.add(
                    rule_path,
                    _("unknown state {state!r}; states are {states}").format(
                        state=target, states=_(", ").join(states)
                    ),
                )
            rule_map = check.mapping(rule, rule_path)
            requires = rule_map.get("requires", [])
            if not isinstance(requires, list):
                check.add([*rule_path, "requires"], _("requires must be a list of field names"))
                requires = []
            for required in requires:
                if required not in fields:
                    check.add(
                        [*rule_path, "requires"],
                        _("requires unknown field {field!r}; define it under kinds.{kind}.fields").format(
                            field=required, kind=name
                        ),
                    )
            role = rule_map.get("role")
            when = _parse_when(check, [*rule_path, "when"], name, fields, rule_map.get("when"))
            transitions.setdefault(str(source), {})[str(target)] = TransitionRule(
                source=str(source),
                target=str(target),
                requires=tuple(str(r) for r in requires),
                role=str(role) if role is not None else None,
                when=when,
                extra={k: v for k, v in rule_map.items() if k not in ("requires", "role", "when")},
            )

    reachable = _reachable(initial, transitions)
    for state, state_spec in states.items():
        if state_spec.extra.get("merge") is True:
            # `merge: true`: the final state `casekit merge` closes a duplicate in, and only it
            if not state_spec.terminal:
                check.add(
                    [*key_path, "states", state], _("a merge state (merge: true) must be terminal: true")
                )
            for source, targets in transitions.items():
                if state in targets:
                    check.add(
                        [*key_path, "transitions", source, state],
                        _(
                            "state {state!r} is reached only by `casekit merge` (merge: true); "
                            "remove this transition"
                        ).format(state=state),
                    )
        elif initial in states and state not in reachable:
            check.add([*key_path, "states", state], _("no transition leads to this state"))

    if not prefix or initial not in states:
        return None
    return KindSpec(
        name=name,
        prefix=prefix,
        label=check.label(settings, key_path, name),
        initial=initial,
        states=states,
        transitions=transitions,
        fields=fields,
    )


def _parse_when(
    check: _Checker,
    key_path: list[str | int],
    kind_name: str,
    fields: Mapping[str, FieldSpec],
    value: Any,
) -> dict[str, tuple[Any, ...]]:
    """A transition's `when:` condition: enum or boolean fields mapped to allowed values."""
    if value is None:
        return {}
    example = "when: {return_type: [return, exchange]}"
    if not isinstance(value, Mapping) or not value:
        check.add(
            key_path,
            _("when must map a field to the values that allow this move, e.g. {example}").format(
                example=example
            ),
        )
        return {}
    when: dict[str, tuple[Any, ...]] = {}
    for field_name, allowed in value.items():
        path = [*key_path, field_name]
        spec = fields.get(str(field_name))
        if spec is None:
            check.add(
                path,
                _("unknown field {field!r}; define it under kinds.{kind}.fields").format(
                    field=field_name, kind=kind_name
                ),
            )
            continue
        values = allowed if isinstance(allowed, list) else [allowed]
        if not values:
            check.add(
                path,
                _("list the values of {field} that allow this move, e.g. {example}").format(
                    field=field_name, example=example
                ),
            )
            continue
        if spec.type == "enum":
            unknown = [v for v in values if not isinstance(v, str) or v not in spec.values]
            if unknown:
                check.add(
                    path,
                    _("{value!r} is not a value of {field}; values are {values}").format(
                        value=unknown[0], field=field_name, values=_(", ").join(spec.values)
                    ),
                )
                continue
        elif spec.type == "boolean":
            if not all(isinstance(v, bool) for v in values):
                check.add(path, _("{field} is a yes/no field: use true or false").format(field=field_name))
                continue
        else:
            check.add(
                path,
                _("when may name enum or boolean fields only; {field} is {type}").format(
                    field=field_name, type=spec.type
                ),
            )
            continue
        when[str(field_name)] = tuple(values)
    return when


def _parse_field(check: _Checker, key_path: list[str | int], name: str, settings: Any) -> FieldSpec:
    if not re.match(r"^[a-z][a-z0-9_]*$", name):
        check.add(key_path, _("a field name must be lower-case letters, digits or '_'"))
    settings = check.mapping(settings, key_path)
    field_type = str(settings.get("type", "string"))
    if field_type not in FIELD_TYPES:
        check.add(
            [*key_path, "type"],
            _("unknown type {type!r}; use one of {types}").format(
                type=field_type, types=_(", ").join(FIELD_TYPES)
            ),
        )
        field_type = "string"
    values: dict[str, Label] = {}
    if field_type == "enum":
        values = check.labels(settings.get("values"), [*key_path, "values"])
        if not values:
            check.add([*key_path, "values"], _("an enum field needs its values"))
    items = str(settings.get("items", "string"))
    if field_type == "list" and items not in FIELD_TYPES:
        check.add([*key_path, "items"], _("unknown item type {type!r}").format(type=items))
    return FieldSpec(
        name=name,
        type=field_type,
        label=check.label(settings, key_path, name),
        values=values,
        items=items,
        required=bool(settings.get("required", False)),
    )


def _reachable(initial: str, transitions: Mapping[str, Mapping[str, Any]]) -> set[str]:
    seen = {initial}
    frontier = [initial]
    while frontier:
        for target in transitions.get(frontier.pop(), {}):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


T = TypeVar("T")


def once_per_config(parse: Callable[[Config], T]) -> Callable[[Config], T]:
    """`parse` run once per loaded config: a feature's settings, read from its section,
    are asked for by every case a command looks at. (Keyed by the config object itself,
    which is immutable; a cache, not a registry: nothing is shared between configs.)"""
    results: dict[int, tuple[Config, T]] = {}

    @wraps(parse)
    def cached(config: Config) -> T:
        hit = results.get(id(config))
        if hit is not None and hit[0] is config:
            return hit[1]
        value = parse(config)
        results[id(config)] = (config, value)
        return value

    return cached
