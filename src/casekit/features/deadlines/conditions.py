"""`when:` conditions in deadline rules and approval rules, pure: parse, check, evaluate, explain.

A condition is a mapping; every entry must hold. Keys are a kind's field names, or
`priority`, `channel`, `status`, `major`, `escalated` (and `off_hours` for deadline rules),
or a day count: `days_since` (calendar days), `working_days_until` and `working_days_since`
(working days of the team's calendar, with public holidays and make-up days). Values:

    category: logistics                  # equals
    channel: [forum, weibo]              # any of
    compensation: {above: 50.00}         # above / at_least / below / at_most a number ...
    refund_amount: {above: postage_amount}   # ... or another field (unset counts as 0)
    solution: {set: true}                # the field is (not) set
    days_since: {field: received_date, at: opened_at, above: 3}   # whole calendar days
    working_days_until: {field: event_date, below: 3}    # working days from now to the date
    working_days_since: {field: received_date, at: now, above: 2}  # ... from the date to now

A working-day count is the number of working days after the earlier day up to and including
the later one (`WorkCalendar.working_days_between`), negative when the date is on the other
side; `at` is `now` (the change's time, the default) or `opened_at`. Without a calendar or a
time to count from, the test does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from casekit.core.config import Config, Finding, KindSpec
from casekit.core.timeutil import stored_instant
from casekit.core.workcal import WorkCalendar
from casekit.i18n import _

COMPARISONS = {"above": ">", "at_least": ">=", "below": "<", "at_most": "<="}
FLAGS = ("major", "escalated", "off_hours")
CORE_KEYS = ("priority", "channel", "status")
NUMERIC_TYPES = ("money", "integer", "decimal")
# Day counts between a date field and `at`: calendar days, or working days of the calendar.
DAY_COUNTS = ("days_since", "working_days_until", "working_days_since")
_DEFAULT_AT = {"days_since": "opened_at", "working_days_until": "now", "working_days_since": "now"}
DATE_TYPES = ("date", "datetime")


@dataclass(frozen=True)
class Test:
    """One entry of a condition."""

    key: str
    op: str  # "in", "set", one of COMPARISONS, or one of DAY_COUNTS
    values: tuple[Any, ...] = ()
    limit: Decimal | None = None  # a number to compare with
    ref: str | None = None  # ... or the field to compare with
    field: str | None = None  # a day count: the date field
    at: str = "opened_at"  # a day count: opened_at or now


@dataclass(frozen=True)
class Condition:
    tests: tuple[Test, ...] = ()

    @property
    def fields(self) -> set[str]:
        """Case fields the condition reads (a change to them may change its outcome)."""
        names = set()
        for test in self.tests:
            if test.key not in CORE_KEYS and test.key not in FLAGS and test.key not in DAY_COUNTS:
                names.add(test.key)
            for extra in (test.ref, test.field):
                if extra:
                    names.add(extra)
        return names

    def describe(self) -> str:
        """A short text naming the condition, e.g. 'category=logistics, channel=forum|weibo'."""
        return ", ".join(_describe(t) for t in self.tests) or "default"


@dataclass(frozen=True)
class Facts:
    """What a condition may consult besides the case's own values."""

    major: bool = False
    escalated: bool = False
    off_hours: bool = False
    now: datetime | None = None
    tz: tzinfo | None = None
    calendar: WorkCalendar | None = None  # for working-day counts


def _describe(test: Test) -> str:
    if test.op == "in":
        return (
            f"{test.key}={'|'.join(str(v).lower() if isinstance(v, bool) else str(v) for v in test.values)}"
        )
    if test.op == "set":
        return f"{test.key} {'set' if test.values[0] else 'unset'}"
    if test.op == "days_since":
        return f"days from {test.field} to {test.at} {COMPARISONS[str(test.values[0])]} {test.limit}"
    if test.op == "working_days_until":
        return f"working days from {test.at} to {test.field} {COMPARISONS[str(test.values[0])]} {test.limit}"
    if test.op == "working_days_since":
        return f"working days from {test.field} to {test.at} {COMPARISONS[str(test.values[0])]} {test.limit}"
    other = test.ref if test.ref else str(test.limit)
    return f"{test.key} {COMPARISONS[test.op]} {other}"


def parse_condition(
    value: Any, kind: KindSpec, config: Config, *, flags: Sequence[str] = ("major", "escalated")
) -> tuple[Condition, list[Finding]]:
    """A condition from a config `when:` mapping; findings have key paths inside it."""
    if value is None:
        return Condition(), []
    if not isinstance(value, Mapping):
        return Condition(), [([], _("when must be a mapping such as {category: logistics}"))]
    findings: list[Finding] = []
    tests: list[Test] = []
    for key, spec in value.items():
        key = str(key)
        test = _parse_test(key, spec, kind, config, flags, findings)
        if test is not None:
            tests.append(test)
    return Condition(tuple(tests)), findings


def _parse_test(
    key: str, spec: Any, kind: KindSpec, config: Config, flags: Sequence[str], findings: list[Finding]
) -> Test | None:
    if key in FLAGS:
        if key not in flags:
            findings.append(([key], _("{key} cannot be used here").format(key=key)))
            return None
        if not isinstance(spec, bool):
            findings.append(([key], _("{key} must be true or false").format(key=key)))
            return None
        return Test(key, "in", (spec,))
    if key in DAY_COUNTS:
        return _parse_day_count(key, spec, kind, findings)
    choices: Sequence[str] | None
    if key == "priority":
        choices = list(config.priorities)
    elif key == "channel":
        choices = list(config.channels) or None
    elif key == "status":
        choices = list(kind.states)
    elif key in kind.fields:
        field = kind.fields[key]
        choices = list(field.values) if field.type == "enum" else None
        if isinstance(spec, Mapping):
            return _parse_comparison(key, spec, kind, findings)
    else:
        known = ", ".join([*CORE_KEYS, *flags, *DAY_COUNTS, *kind.fields])
        findings.append(
            (
                [key],
                _("{key!r} is not a field of a {name}; use one of {known}").format(
                    key=key, name=kind.name, known=known
                ),
            )
        )
        return None
    values = spec if isinstance(spec, list) else [spec]
    if not values or any(isinstance(v, Mapping | list) or v is None for v in values):
        findings.append(([key], _("give a value or a list of values")))
        return None
    if choices is not None:
        for index, item in enumerate(values):
            if str(item) not in choices:
                where: list[str | int] = [key, index] if isinstance(spec, list) else [key]
                findings.append(
                    (
                        where,
                        _("{item!r} is not a {key} value; use one of {choices}").format(
                            item=item, key=key, choices=", ".join(choices)
                        ),
                    )
                )
    return Test(key, "in", tuple(str(v) if choices is not None else v for v in values))


def _parse_comparison(
    key: str, spec: Mapping[str, Any], kind: KindSpec, findings: list[Finding]
) -> Test | None:
    if set(spec) == {"set"}:
        if not isinstance(spec["set"], bool):
            findings.append(([key, "set"], _("set must be true or false")))
            return None
        return Test(key, "set", (spec["set"],))
    ops = [op for op in spec if op in COMPARISONS]
    unknown = [op for op in spec if op not in COMPARISONS]
    if unknown or len(ops) != 1:
        findings.append(
            (
                [key],
                _("use one of {comparisons} (or set: true), e.g. {{above: 50.00}}").format(
                    comparisons=", ".join(COMPARISONS)
                ),
            )
        )
        return None
    op = str(ops[0])
    if kind.fields[key].type not in NUMERIC_TYPES:
        findings.append(
            ([key, op], _("{key} is not a number field, so it cannot be compared").format(key=key))
        )
        return None
    target = spec[op]
    if isinstance(target, str) and not _is_number(target):
        if target not in kind.fields or kind.fields[target].type not in NUMERIC_TYPES:
            findings.append(
                (
                    [key, op],
                    _("{target!r} is neither a number nor a number field of a {name}").format(
                        target=target, name=kind.name
                    ),
                )
            )
            return None
        return Test(key, op, ref=target)
    number = _number(target)
    if number is None:
        findings.append(([key, op], _("{target!r} is not a number such as 50.00").format(target=target)))
        return None
    return Test(key, op, limit=number)


def _parse_day_count(key: str, spec: Any, kind: KindSpec, findings: list[Finding]) -> Test | None:
    working = key != "days_since"
    default_at = _DEFAULT_AT[key]
    example = (
        f"{{field: {'event_date' if key == 'working_days_until' else 'received_date'}, below: 3}}"
        if working
        else "{field: received_date, at: opened_at, above: 3}"
    )
    if not isinstance(spec, Mapping):
        findings.append(([key], _("write it as {example}").format(example=example)))
        return None
    field = spec.get("field")
    if field not in kind.fields or kind.fields[str(field)].type not in DATE_TYPES:
        findings.append(
            (
                [key, "field"],
                _("{field!r} is not a date field of a {name}").format(field=field, name=kind.name),
            )
        )
        return None
    at = str(spec.get("at", default_at))
    if at not in ("opened_at", "now"):
        findings.append(([key, "at"], _("at must be opened_at (when the case was opened) or now")))
    ops = [op for op in spec if op in COMPARISONS]
    unknown = [k for k in spec if k not in COMPARISONS and k not in ("field", "at")]
    unit = "a whole number of working days" if working else "a number of days"
    if unknown or len(ops) != 1 or _number(spec[ops[0]]) is None:
        findings.append(
            (
                [key],
                _("give one of {comparisons} with {unit}, e.g. {example}").format(
                    comparisons=", ".join(COMPARISONS), unit=unit, example=example
                ),
            )
        )
        return None
    limit = _number(spec[ops[0]])
    if working and (limit is None or limit != limit.to_integral_value()):
        findings.append(
            ([key, str(ops[0])], _("{spec!r} is not {unit}").format(spec=str(spec[ops[0]]), unit=unit))
        )
        return None
    return Test(key, key, (str(ops[0]),), limit=limit, field=str(field), at=at)


def day_count(test: Test, case: Mapping[str, Any], facts: Facts) -> int | None:
    """The days a day-count test counts for this case (None when a date or the calendar is
    missing): calendar or working days from the field to `at`, or from `at` to the field."""
    moment = _day(_value(case, str(test.field)), facts.tz)
    if test.at == "now":
        at = facts.now.astimezone(facts.tz).date() if facts.now is not None else None
    else:
        at = _day(case.get("opened_at"), facts.tz)
    if moment is None or at is None:
        return None
    if test.op == "days_since":
        return (at - moment).days
    if facts.calendar is None:
        return None
    if test.op == "working_days_until":
        return facts.calendar.working_days_between(at, moment)
    return facts.calendar.working_days_between(moment, at)


def _is_number(text: str) -> bool:
    return _number(text) is not None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _value(case: Mapping[str, Any], key: str) -> Any:
    if key in CORE_KEYS:
        return case.get(key)
    fields = case.get("fields")
    return fields.get(key) if isinstance(fields, Mapping) else None


def _compare(op: str, left: Decimal, right: Decimal) -> bool:
    if op == "above":
        return left > right
    if op == "at_least":
        return left >= right
    if op == "below":
        return left < right
    return left <= right


def _day(value: Any, tz: tzinfo | None) -> date | None:
    if value is None:
        return None
    text = str(value)
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    moment = stored_instant(value)
    if moment is None:
        return None
    return moment.astimezone(tz).date() if tz is not None else moment.date()


def holds(test: Test, case: Mapping[str, Any], facts: Facts) -> bool:
    if test.key in FLAGS:
        return bool(getattr(facts, test.key)) is bool(test.values[0])
    if test.op in DAY_COUNTS:
        count = day_count(test, case, facts)
        if count is None or test.limit is None:
            return False
        return _compare(str(test.values[0]), Decimal(count), test.limit)
    value = _value(case, test.key)
    if test.op == "in":
        return any(value == v or (v is not None and str(value) == str(v)) for v in test.values)
    if test.op == "set":
        is_set = value is not None and value != "" and value != []
        return is_set is bool(test.values[0])
    left = _number(value)
    if left is None:
        return False
    right = _number(_value(case, test.ref)) if test.ref else test.limit
    return _compare(test.op, left, right if right is not None else Decimal(0))


def matches(condition: Condition, case: Mapping[str, Any], facts: Facts) -> bool:
    return all(holds(test, case, facts) for test in condition.tests)


def explain(condition: Condition, case: Mapping[str, Any]) -> str:
    """What made a comparison hold, e.g. 'compensation 80.00 > 50.00' (for approval reasons)."""
    parts = []
    for test in condition.tests:
        if test.op in COMPARISONS:
            value = _value(case, test.key)
            if test.ref:
                other = _value(case, test.ref)
                shown = other if other is not None else 0
                parts.append(f"{test.key} {value} {COMPARISONS[test.op]} {test.ref} {shown}")
            else:
                parts.append(f"{test.key} {value} {COMPARISONS[test.op]} {test.limit}")
        elif test.op in DAY_COUNTS:
            parts.append(f"{test.field} {_value(case, str(test.field))}, {_describe(test)}")
    return "; ".join(parts)
