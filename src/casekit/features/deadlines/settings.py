"""The `deadlines:` and `promises:` config sections: which clocks run on each kind of case.

    deadlines:
      complaint:                      # a kind
        resolution:                   # a clock
          zh: 处理时限
          en: Resolution
          starts: open                # open, or a list of states whose entry starts it
          ends: [resolved]            # entering these (or any final state) meets it
          met_by: [note]              # ... as does the first of these actions (optional)
          pauses: [waiting_customer]  # the clock stops while the case is in these states
          from_field: signed_up_at    # a datetime field that, when set and earlier, starts an
                                      # `open` clock instead (a record made after the event)
          rules:                      # the first rule whose `when` holds sets the deadline
            - {when: {category: logistics}, within: 48 hours}
            - {within: 3 working days}
        updates:
          resets_on: [move, note, promise]   # a repeating clock: each of these meets the
          rules: [{within: 1 working day}]   # current deadline and starts the next one
    promises:
      kept_by: [move, note, promise]  # what counts as calling back on a promise

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
    SECTION,
    label_of_clock,
    promise_label,
)
from casekit.core.workcal import Duration, parse_duration
from casekit.features.deadlines.conditions import Condition, parse_condition

DEFAULT_KEPT_BY: tuple[str, ...] = ("move", "note", "promise")


_CLOCK_KEYS = ("zh", "en", "starts", "ends", "met_by", "pauses", "resets_on", "rules", "from_field")


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
    starts: tuple[str, ...] = ("open",)
    ends: tuple[str, ...] = ()
    pauses: tuple[str, ...] = ()
    resets_on: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    met_by: tuple[str, ...] = ()
    from_field: str | None = None


@dataclass(frozen=True)
class PromiseSpec:
    kept_by: tuple[str, ...] = DEFAULT_KEPT_BY
    label: Label = PROMISE_LABEL


def _history_actions() -> set[str]:
    from casekit.core.casefile import HISTORY_ACTIONS

    return set(HISTORY_ACTIONS)


def _states(
    value: Any, kind: KindSpec, key: str, findings: list[Finding], *, allow_open: bool = False
) -> tuple[str, ...]:
    if value is None:
        return ()
    if allow_open and value == "open":
        return ("open",)
    items = value if isinstance(value, list) else [value]
    result = []
    for index, item in enumerate(items):
        where: list[str | int] = [key, index] if isinstance(value, list) else [key]
        if item == "open" and allow_open:
            result.append("open")
        elif not isinstance(item, str) or item not in kind.states:
            hint = "open or " if allow_open else ""
            findings.append(
                (where, f"{item!r} is not a {kind.name} state; use {hint}{', '.join(kind.states)}")
            )
        else:
            result.append(item)
    return tuple(result)


def _actions(value: Any, key: str, findings: list[Finding]) -> tuple[str, ...]:
    if value is None:
        return ()
    known = _history_actions()
    if not isinstance(value, list):
        findings.append(([key], "must be a list of history actions such as [move, note]"))
        return ()
    for index, item in enumerate(value):
        if item not in known:
            findings.append(
                ([key, index], f"{item!r} is not a history action; use {', '.join(sorted(known))}")
            )
    return tuple(str(v) for v in value if v in known)


def parse_clock(
    name: str, value: Any, kind: KindSpec, config: Config
) -> tuple[ClockSpec | None, list[Finding]]:
    findings: list[Finding] = []
    if not CLOCK_NAME.match(name) or name == PROMISE_CLOCK:
        reason = (
            "is reserved for promises" if name == PROMISE_CLOCK else "must be lower-case letters, digits, '_'"
        )
        return None, [([], f"clock name {name!r} {reason}")]
    if not isinstance(value, Mapping):
        return None, [([], "a clock must be a mapping with rules (and starts, ends, pauses)")]
    for key in value:
        if key not in _CLOCK_KEYS:
            findings.append(([key], f"unknown setting; use {', '.join(_CLOCK_KEYS)}"))
    starts = _states(value.get("starts", "open"), kind, "starts", findings, allow_open=True) or ("open",)
    ends = _states(value.get("ends"), kind, "ends", findings)
    pauses = _states(value.get("pauses"), kind, "pauses", findings)
    for state in set(ends) & set(pauses):
        findings.append((["pauses"], f"{state!r} cannot both end and pause the clock"))
    resets_on = _actions(value.get("resets_on"), "resets_on", findings)
    met_by = _actions(value.get("met_by"), "met_by", findings)
    if met_by and resets_on:
        findings.append((["met_by"], "a repeating clock (resets_on) is met by its resets; drop met_by"))
    rules: list[Rule] = []
    raw_rules = value.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        findings.append((["rules"], "give a list of rules, e.g. [{within: 1 working day}]"))
        raw_rules = []
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(raw, kind, config, ["rules", index], findings)
        if rule is not None:
            rules.append(rule)
    label = label_of_clock(name, value)
    from_field = value.get("from_field")
    if from_field is not None:
        field_spec = kind.fields.get(str(from_field))
        if field_spec is None or field_spec.type != "datetime":
            findings.append((["from_field"], f"{from_field!r} is not a datetime field of {kind.name}"))
            from_field = None
        elif "open" not in starts:
            findings.append((["from_field"], "from_field applies to clocks that start at open"))
    spec = ClockSpec(
        name,
        label,
        starts,
        ends,
        pauses,
        resets_on,
        tuple(rules),
        met_by,
        str(from_field) if from_field is not None else None,
    )
    return spec, findings


def _parse_rule(
    raw: Any, kind: KindSpec, config: Config, where: list[str | int], findings: list[Finding]
) -> Rule | None:
    if not isinstance(raw, Mapping):
        findings.append(
            (where, "a rule is a mapping such as {when: {priority: high}, within: 1 working day}")
        )
        return None
    for key in raw:
        if key not in ("when", "within", "name"):
            findings.append(([*where, key], "unknown setting; a rule has when, within and an optional name"))
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
        return clocks, [([], "must be a mapping of case kinds to their clocks")]
    for kind_name, kind_clocks in section.items():
        kind = config.kinds.get(str(kind_name))
        if kind is None:
            findings.append(([kind_name], f"unknown kind {kind_name!r}; kinds are {', '.join(config.kinds)}"))
            continue
        if not isinstance(kind_clocks, Mapping):
            findings.append(([kind_name], "must be a mapping of clock names to clocks"))
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
        return PromiseSpec(), [([], "must be a mapping such as {kept_by: [move, note, promise]}")]
    for key in section:
        if key not in ("kept_by", "zh", "en"):
            findings.append(([key], "unknown setting; use kept_by, zh, en"))
    kept_by = DEFAULT_KEPT_BY
    if "kept_by" in section:
        kept_by = _actions(section["kept_by"], "kept_by", findings)
        if not kept_by:
            findings.append((["kept_by"], "name at least one action that keeps a promise, such as note"))
            kept_by = DEFAULT_KEPT_BY
    return PromiseSpec(kept_by, promise_label(section)), findings


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


def promise_spec(config: Config) -> PromiseSpec:
    return _cached(config)[1]
