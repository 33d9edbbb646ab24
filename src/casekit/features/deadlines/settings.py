"""The `deadlines:` and `promises:` config sections: which clocks run on each kind of case.

    deadlines:
      complaint:                      # a kind
        resolution:                   # a clock
          zh: 处理时限
          en: Resolution
          starts: open                # open, or a list of states whose entry starts it
          ends: [resolved]            # entering these (or any final state) meets it
          met_by: [note]              # ... as does the first of these history entries
          pauses: [waiting_customer]  # the clock stops while the case is in these states
          reopen: true                # leaving an `ends` state again starts a new round
          from_field: signed_up_at    # datetime fields (one or a list) whose earliest time, when
                                      # set and earlier, starts an `open` clock instead (a record
                                      # made after the event)
          not_before: scheduled_for   # a date field: an `open` clock starts no earlier than
                                      # that day's first working instant (planned ahead)
          rules:                      # the first rule whose `when` holds sets the deadline
            - {when: {category: logistics}, within: 48 hours}
            - {within: 3 working days}
        updates:
          resets_on: [move, note, promise]   # a repeating clock: each of these meets the
          rules: [{within: 1 working day}]   # current deadline and starts the next one
    promises:
      kept_by: [move, note, promise]  # what counts as calling back on a promise
      covers: [updates]               # clocks a promise carries to the promised time

A state in `starts`, `ends` or `pauses` may be a mapping that applies only when a condition
holds, and a pause names what resumes the clock:

      pauses:
        - {state: approved, when: {return_type: [return, exchange]},
           zh: 等待客户寄回商品, en: waiting for the customer's parcel}

An entry of `met_by` or `resets_on` is an action, or a mapping of an action and the values
its history entry must have: `{action: attempt, outcome: answered}`, `{action: attach,
note: {set: true}}`, `{action: open, replied: true}`.

Parsing is pure; `check_deadlines` / `check_promises` return (key path, message) findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casekit.core.config import Config, Finding, KindSpec, Label, once_per_config
from casekit.core.due import (
    CLOCK_NAME,
    PROMISE_CLOCK,
    PROMISE_LABEL,
    PROMISES_SECTION,
    ROUND_NAME,
    SECTION,
    base_clock,
    label_of_clock,
    promise_label,
)
from casekit.core.workcal import Duration, parse_duration
from casekit.features.deadlines.conditions import Condition, Facts, matches, parse_condition
from casekit.i18n import _

DEFAULT_KEPT_BY: tuple[str, ...] = ("move", "note", "promise")
DEFAULT_COVERS: tuple[str, ...] = ("updates",)
OPEN = "open"  # in `starts`: the case's opening
ALWAYS = Condition()

# Whose duty a clock is (`duty:`): ours, or the merchant's own reply (003), which the
# reports judge in the merchant tables and never per agent.
AGENT_DUTY = "agent"
MERCHANT_DUTY = "merchant"
DUTIES = (AGENT_DUTY, MERCHANT_DUTY)

_CLOCK_KEYS = (
    "zh",
    "en",
    "starts",
    "ends",
    "met_by",
    "pauses",
    "resets_on",
    "reopen",
    "rules",
    "from_field",
    "not_before",
    "met_at_field",
    "duty",
)


@dataclass(frozen=True)
class StateRef:
    """A state in a clock's `starts`, `ends` or `pauses`, counting only while `condition`
    holds (e.g. for some return types); a pause's `reason` says what resumes the clock."""

    state: str
    condition: Condition = ALWAYS
    reason: Label | None = None

    def holds(self, state: str | None, case: Mapping[str, Any], facts: Facts) -> bool:
        return state == self.state and matches(self.condition, case, facts)


@dataclass(frozen=True)
class EntryMatch:
    """A kind of history entry: its action, and the values some of its keys must have
    (`values` None: the key must be set to something)."""

    action: str
    keys: tuple[tuple[str, tuple[Any, ...] | None], ...] = ()

    def matches(self, entry: Mapping[str, Any]) -> bool:
        if entry.get("action") != self.action:
            return False
        for key, values in self.keys:
            value = entry.get(key)
            if values is None:
                if value is None or value == "" or value == []:
                    return False
            elif not any(value == v or str(value) == str(v) for v in values):
                return False
        return True


@dataclass(frozen=True)
class Rule:
    """One line of a clock's rules: when it applies, and the time it allows."""

    name: str
    condition: Condition
    within: Duration


@dataclass(frozen=True)
class ClockSpec:
    name: str
    label: Label
    starts: tuple[StateRef, ...] = (StateRef(OPEN),)
    ends: tuple[StateRef, ...] = ()
    pauses: tuple[StateRef, ...] = ()
    resets_on: tuple[EntryMatch, ...] = ()
    rules: tuple[Rule, ...] = ()
    met_by: tuple[EntryMatch, ...] = ()
    from_field: tuple[str, ...] = ()  # datetime fields; the earliest set one starts the clock
    reopen: tuple[Rule, ...] | None = None  # the rules of a reopened round; None: no rounds
    not_before: str | None = None  # a date field: an `open` clock starts no earlier than that day
    met_at_field: str | None = None  # a datetime field: the clock is met at the instant it holds
    duty: str = AGENT_DUTY  # whose duty it is (DUTIES)

    @property
    def starts_at_open(self) -> bool:
        return any(ref.state == OPEN for ref in self.starts)


@dataclass(frozen=True)
class PromiseSpec:
    kept_by: tuple[str, ...] = DEFAULT_KEPT_BY
    label: Label = PROMISE_LABEL
    covers: tuple[str, ...] = DEFAULT_COVERS


def _history_actions() -> set[str]:
    from casekit.core.casefile import HISTORY_ACTIONS

    return set(HISTORY_ACTIONS)


def _state_refs(
    value: Any,
    kind: KindSpec,
    config: Config,
    key: str,
    findings: list[Finding],
    *,
    allow_open: bool = False,
    reasons: bool = False,
) -> tuple[StateRef, ...]:
    """A clock's `starts`, `ends` or `pauses`: states, or {state, when[, zh, en]} mappings."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    result = []
    for index, item in enumerate(items):
        where: list[str | int] = [key, index] if isinstance(value, list) else [key]
        ref = _state_ref(item, kind, config, where, findings, allow_open=allow_open, reasons=reasons)
        if ref is not None:
            result.append(ref)
    return tuple(result)


def _state_ref(
    item: Any,
    kind: KindSpec,
    config: Config,
    where: list[str | int],
    findings: list[Finding],
    *,
    allow_open: bool,
    reasons: bool,
) -> StateRef | None:
    allowed = ("state", "when", "zh", "en") if reasons else ("state", "when")
    condition = Condition()
    reason: Label | None = None
    if isinstance(item, Mapping):
        for extra in item:
            if extra not in allowed:
                findings.append(
                    ([*where, extra], _("unknown setting; use {allowed}").format(allowed=", ".join(allowed)))
                )
        condition, problems = parse_condition(item.get("when"), kind, config, flags=("major", "escalated"))
        findings.extend(([*where, "when", *path], message) for path, message in problems)
        if reasons and ("zh" in item or "en" in item):
            reason = Label(str(item.get("zh", item.get("en"))), str(item.get("en", item.get("zh"))))
        item = item.get("state")
    if item == OPEN and allow_open:
        return StateRef(OPEN, condition)
    if not isinstance(item, str) or item not in kind.states:
        message = (
            _("{item!r} is not a {kind} state; use open or {states}")
            if allow_open
            else _("{item!r} is not a {kind} state; use {states}")
        )
        findings.append((where, message.format(item=item, kind=kind.name, states=", ".join(kind.states))))
        return None
    if reasons and reason is None:
        reason = kind.states[item].label
    return StateRef(item, condition, reason)


def _actions(value: Any, key: str, findings: list[Finding]) -> tuple[str, ...]:
    if value is None:
        return ()
    known = _history_actions()
    if not isinstance(value, list):
        findings.append(([key], _("must be a list of history actions such as [move, note]")))
        return ()
    for index, item in enumerate(value):
        if item not in known:
            findings.append(
                (
                    [key, index],
                    _("{item!r} is not a history action; use {known}").format(
                        item=item, known=", ".join(sorted(known))
                    ),
                )
            )
    return tuple(str(v) for v in value if v in known)


def _entry_matches(value: Any, key: str, findings: list[Finding]) -> tuple[EntryMatch, ...]:
    """`met_by` / `resets_on`: actions, or {action, <entry key>: value | [values] | {set: true}}."""
    if value is None:
        return ()
    if not isinstance(value, list):
        findings.append(([key], _("must be a list of history actions such as [move, note]")))
        return ()
    known = _history_actions()
    result = []
    for index, item in enumerate(value):
        where: list[str | int] = [key, index]
        spec = item if isinstance(item, Mapping) else {"action": item}
        action = spec.get("action")
        if action not in known:
            findings.append(
                (
                    [*where],
                    _("{action!r} is not a history action; use {known}").format(
                        action=action, known=", ".join(sorted(known))
                    ),
                )
            )
            continue
        keys: list[tuple[str, tuple[Any, ...] | None]] = []
        for name, wanted in spec.items():
            if name == "action":
                continue
            if isinstance(wanted, Mapping):
                if dict(wanted) != {"set": True}:
                    findings.append(([*where, name], _("write {set: true}, or a value or a list of values")))
                    continue
                keys.append((str(name), None))
            else:
                keys.append((str(name), tuple(wanted) if isinstance(wanted, list) else (wanted,)))
        result.append(EntryMatch(str(action), tuple(keys)))
    return tuple(result)


def parse_clock(
    name: str, value: Any, kind: KindSpec, config: Config
) -> tuple[ClockSpec | None, list[Finding]]:
    findings: list[Finding] = []
    if not CLOCK_NAME.match(name) or name == PROMISE_CLOCK or ROUND_NAME.match(name):
        if name == PROMISE_CLOCK:
            problem = _("clock name {name!r} is reserved for promises")
        elif CLOCK_NAME.match(name):
            problem = _(
                "clock name {name!r} may not end in _<number>: that names a reopened round (resolution_2)"
            )
        else:
            problem = _("clock name {name!r} must be lower-case letters, digits, '_'")
        return None, [([], problem.format(name=name))]
    if not isinstance(value, Mapping):
        return None, [([], _("a clock must be a mapping with rules (and starts, ends, pauses)"))]
    for key in value:
        if key not in _CLOCK_KEYS:
            findings.append(
                ([key], _("unknown setting; use {clock_keys}").format(clock_keys=", ".join(_CLOCK_KEYS)))
            )
    starts = _state_refs(value.get("starts", OPEN), kind, config, "starts", findings, allow_open=True) or (
        StateRef(OPEN),
    )
    ends = _state_refs(value.get("ends"), kind, config, "ends", findings)
    pauses = _state_refs(value.get("pauses"), kind, config, "pauses", findings, reasons=True)
    unconditional_ends = {ref.state for ref in ends if not ref.condition.tests}
    for state in sorted(unconditional_ends & {ref.state for ref in pauses}):
        findings.append((["pauses"], _("{state!r} cannot both end and pause the clock").format(state=state)))
    resets_on = _entry_matches(value.get("resets_on"), "resets_on", findings)
    met_by = _entry_matches(value.get("met_by"), "met_by", findings)
    if met_by and resets_on:
        findings.append((["met_by"], _("a repeating clock (resets_on) is met by its resets; drop met_by")))
    rules = _rules(value.get("rules"), kind, config, ["rules"], findings)
    reopen = _reopen(value.get("reopen"), rules, kind, config, findings)
    if reopen is not None and not ends:
        findings.append(
            (["reopen"], _("a clock reopens when the case leaves one of its ends states: give ends"))
        )
    label = label_of_clock(name, value)
    from_field = _from_fields(value.get("from_field"), kind, starts, findings)
    not_before = value.get("not_before")
    if not_before is not None:
        field_spec = kind.fields.get(str(not_before))
        if field_spec is None or field_spec.type not in ("date", "datetime"):
            findings.append(
                (
                    ["not_before"],
                    _("{not_before!r} is not a date field of {name}").format(
                        not_before=not_before, name=kind.name
                    ),
                )
            )
            not_before = None
        elif not any(ref.state == OPEN for ref in starts):
            findings.append((["not_before"], _("not_before applies to clocks that start at open")))
    duty = value.get("duty", AGENT_DUTY)
    if duty not in DUTIES:
        findings.append(
            (
                ["duty"],
                _("duty must be one of {duties} (whose duty the clock is)").format(duties=", ".join(DUTIES)),
            )
        )
        duty = AGENT_DUTY
    promises = config.section(PROMISES_SECTION)
    covered = promises.get("covers") if isinstance(promises, Mapping) else None
    if duty == MERCHANT_DUTY and isinstance(covered, list) and name in covered:
        findings.append(
            (
                ["duty"],
                _("our promises cannot carry the merchant's {name}; drop it from promises.covers").format(
                    name=name
                ),
            )
        )
    met_at_field = value.get("met_at_field")
    if met_at_field is not None:
        field_spec = kind.fields.get(str(met_at_field))
        if field_spec is None or field_spec.type != "datetime":
            findings.append(
                (
                    ["met_at_field"],
                    _("{met_at_field!r} is not a datetime field of {name}").format(
                        met_at_field=met_at_field, name=kind.name
                    ),
                )
            )
            met_at_field = None
        elif reopen is not None or resets_on:
            findings.append(
                (["met_at_field"], _("a clock met by a field has one round: drop reopen and resets_on"))
            )
            met_at_field = None
    spec = ClockSpec(
        name,
        label,
        starts,
        ends,
        pauses,
        resets_on,
        rules,
        met_by,
        from_field,
        reopen,
        str(not_before) if not_before is not None else None,
        str(met_at_field) if met_at_field is not None else None,
        str(duty),
    )
    return spec, findings


def _from_fields(
    value: Any, kind: KindSpec, starts: tuple[StateRef, ...], findings: list[Finding]
) -> tuple[str, ...]:
    """`from_field`: a datetime field, or a list of them (a list of date-times counts too)."""
    if value is None:
        return ()
    if not any(ref.state == OPEN for ref in starts):
        findings.append((["from_field"], _("from_field applies to clocks that start at open")))
    names = value if isinstance(value, list) else [value]
    result = []
    for index, name in enumerate(names):
        spec = kind.fields.get(str(name))
        if spec is None or not (
            spec.type == "datetime" or (spec.type == "list" and spec.items == "datetime")
        ):
            where: list[str | int] = ["from_field", index] if isinstance(value, list) else ["from_field"]
            findings.append(
                (where, _("{name!r} is not a datetime field of {kind}").format(name=name, kind=kind.name))
            )
        else:
            result.append(str(name))
    return tuple(result)


def _rules(
    raw_rules: Any, kind: KindSpec, config: Config, where: list[str | int], findings: list[Finding]
) -> tuple[Rule, ...]:
    if not isinstance(raw_rules, list) or not raw_rules:
        findings.append((where, _("give a list of rules, e.g. [{within: 1 working day}]")))
        raw_rules = []
    rules = []
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(raw, kind, config, [*where, index], findings)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _reopen(
    value: Any, rules: tuple[Rule, ...], kind: KindSpec, config: Config, findings: list[Finding]
) -> tuple[Rule, ...] | None:
    """`reopen: true` (a new round under the clock's own rules), `{rules: [...]}`, or off."""
    if value is None or value is False:
        return None
    if value is True:
        return rules
    if isinstance(value, Mapping) and set(value) == {"rules"}:
        return _rules(value["rules"], kind, config, ["reopen", "rules"], findings)
    findings.append((["reopen"], _("write reopen: true, or reopen: {rules: [{within: 2 working days}]}")))
    return None


def _parse_rule(
    raw: Any, kind: KindSpec, config: Config, where: list[str | int], findings: list[Finding]
) -> Rule | None:
    if not isinstance(raw, Mapping):
        findings.append(
            (where, _("a rule is a mapping such as {when: {priority: high}, within: 1 working day}"))
        )
        return None
    for key in raw:
        if key not in ("when", "within", "name"):
            findings.append(
                ([*where, key], _("unknown setting; a rule has when, within and an optional name"))
            )
    condition, problems = parse_condition(
        raw.get("when"), kind, config, flags=("major", "escalated", "off_hours")
    )
    findings.extend(([*where, "when", *path], message) for path, message in problems)
    try:
        within = parse_duration(raw.get("within"))
    except ValueError as exc:
        findings.append(([*where, "within"], str(exc)))
        return None
    name = raw.get("name")
    return Rule(str(name) if name else condition.describe(), condition, within)


def parse_deadlines(section: Any, config: Config) -> tuple[dict[str, tuple[ClockSpec, ...]], list[Finding]]:
    """Clocks per kind name, and the findings about the section."""
    findings: list[Finding] = []
    clocks: dict[str, tuple[ClockSpec, ...]] = {}
    if section is None:
        return clocks, findings
    if not isinstance(section, Mapping):
        return clocks, [([], _("must be a mapping of case kinds to their clocks"))]
    for kind_name, kind_clocks in section.items():
        kind = config.kinds.get(str(kind_name))
        if kind is None:
            findings.append(
                (
                    [kind_name],
                    _("unknown kind {kind_name!r}; kinds are {kinds}").format(
                        kind_name=kind_name, kinds=", ".join(config.kinds)
                    ),
                )
            )
            continue
        if not isinstance(kind_clocks, Mapping):
            findings.append(([kind_name], _("must be a mapping of clock names to clocks")))
            continue
        parsed = []
        for clock_name, value in kind_clocks.items():
            spec, problems = parse_clock(str(clock_name), value, kind, config)
            findings.extend(([kind_name, clock_name, *path], message) for path, message in problems)
            if spec is not None:
                parsed.append(spec)
        clocks[kind.name] = tuple(parsed)
    return clocks, findings


def check_deadlines(section: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `deadlines:`."""
    return parse_deadlines(section, config)[1]


def parse_promises(section: Any, config: Config) -> tuple[PromiseSpec, list[Finding]]:
    findings: list[Finding] = []
    if section is None:
        return PromiseSpec(), findings
    if not isinstance(section, Mapping):
        return PromiseSpec(), [([], _("must be a mapping such as {kept_by: [move, note, promise]}"))]
    for key in section:
        if key not in ("kept_by", "covers", "zh", "en"):
            findings.append(([key], _("unknown setting; use kept_by, covers, zh, en")))
    covers = DEFAULT_COVERS
    if "covers" in section:
        value = section["covers"]
        if not isinstance(value, list) or not all(isinstance(v, str) and CLOCK_NAME.match(v) for v in value):
            findings.append((["covers"], _("must be a list of clock names such as [updates]")))
        else:
            covers = tuple(value)
    kept_by = DEFAULT_KEPT_BY
    if "kept_by" in section:
        kept_by = _actions(section["kept_by"], "kept_by", findings)
        if not kept_by:
            findings.append((["kept_by"], _("name at least one action that keeps a promise, such as note")))
            kept_by = DEFAULT_KEPT_BY
    return PromiseSpec(kept_by, promise_label(section), covers), findings


def check_promises(section: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `promises:`."""
    return parse_promises(section, config)[1]


@once_per_config
def _cached(config: Config) -> tuple[dict[str, tuple[ClockSpec, ...]], PromiseSpec]:
    clocks, _ = parse_deadlines(config.section(SECTION), config)
    promises, _ = parse_promises(config.section(PROMISES_SECTION), config)
    return clocks, promises


def clocks_for(config: Config, kind: str) -> tuple[ClockSpec, ...]:
    """The clocks configured for a kind of case, in config order."""
    return _cached(config)[0].get(kind, ())


@once_per_config
def _specs_by_name(config: Config) -> dict[tuple[str, str], ClockSpec]:
    return {(kind, spec.name): spec for kind, specs in _cached(config)[0].items() for spec in specs}


def clock_spec(config: Config, kind: str, clock: str) -> ClockSpec | None:
    """The clock a stored deadline belongs to (`resolution` for `resolution_2`), or None
    when the config no longer has it."""
    specs = _specs_by_name(config)
    return specs.get((kind, clock)) or specs.get((kind, base_clock(clock)))


def promise_spec(config: Config) -> PromiseSpec:
    return _cached(config)[1]
