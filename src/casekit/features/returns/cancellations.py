"""Cancellation bookings (退订, 003), pure: the `cancellations:` section of casekit.yaml, the
booking-notice rule (网友退订必须提前3个工作日预约) and which bookings hold an order back from
settlement (已退订或预约退订订单不可结算). The daily register (退订日台账) is in `registers`.

    cancellations:
      kind: cancellation
      event_field: event_date
      booking:                      # a booking for which refuse_when holds is refused
        refuse_when: {working_days_until: {field: event_date, below: 3}}
        zh: 退订须在活动日前至少3个工作日预约
        en: a cancellation must be booked at least 3 working days before the event
      blocks_settlement: [requested, confirmed, settled]

`refuse_when` is a `when:` condition (`casekit.features.deadlines.conditions`), evaluated at
the time of the change with the team's working calendar. It is checked when a booking is
opened and whenever a change sets the event field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.config import Config, Finding, Label, once_per_config
from casekit.core.workflow import MoveRequest
from casekit.features.deadlines.calendar import calendar_for
from casekit.features.deadlines.conditions import (
    DAY_COUNTS,
    Condition,
    Facts,
    day_count,
    matches,
    parse_condition,
)
from casekit.i18n import _, is_chinese

SECTION = "cancellations"
_KEYS = ("kind", "event_field", "booking", "blocks_settlement")
_BOOKING_KEYS = ("refuse_when", "zh", "en")
_SEARCH_DAYS = 400  # how far ahead to look for the earliest event date a booking may name


@dataclass(frozen=True)
class CancellationSettings:
    kind: str
    event_field: str
    refuse_when: Condition
    label: Label
    blocks_settlement: tuple[str, ...]


def parse_cancellations(section: Any, config: Config) -> tuple[CancellationSettings | None, list[Finding]]:
    """The settings (None when the section is absent or names no kind of this config) and
    the problems `validate` reports, as (key path under `cancellations`, message)."""
    if section is None:
        return None, []
    if not isinstance(section, Mapping):
        return None, [([], _("must be a mapping with kind, event_field, booking; see docs/returns.md"))]
    findings: list[Finding] = []
    for key in section:
        if key not in _KEYS:
            findings.append(
                ([str(key)], _("unknown key; known keys are {keys}").format(keys=", ".join(_KEYS)))
            )
    kind_name = str(section.get("kind", "cancellation"))
    kind = config.kinds.get(kind_name)
    if kind is None:
        return None, [
            *findings,
            (
                ["kind"],
                _("no case kind {kind_name!r}; kinds are {kinds}").format(
                    kind_name=kind_name, kinds=", ".join(config.kinds)
                ),
            ),
        ]
    event_field = str(section.get("event_field", "event_date"))
    spec = kind.fields.get(event_field)
    if spec is None or spec.type not in ("date", "datetime"):
        findings.append(
            (
                ["event_field"],
                _("{event_field!r} is not a date field of a {kind_name}").format(
                    event_field=event_field, kind_name=kind_name
                ),
            )
        )
    booking = section.get("booking") or {}
    condition = Condition()
    label = Label("退订预约时间不符合要求", "the booking is too close to the event")
    if not isinstance(booking, Mapping):
        findings.append((["booking"], _("must be a mapping with refuse_when, zh and en")))
    else:
        for key in booking:
            if key not in _BOOKING_KEYS:
                findings.append(
                    (
                        ["booking", str(key)],
                        _("unknown key; use {booking_keys}").format(booking_keys=", ".join(_BOOKING_KEYS)),
                    )
                )
        condition, problems = parse_condition(booking.get("refuse_when"), kind, config, flags=())
        findings += [(["booking", "refuse_when", *path], message) for path, message in problems]
        label = Label(str(booking.get("zh", label.zh)), str(booking.get("en", label.en)))
    blocks: list[str] = []
    raw_blocks = section.get("blocks_settlement", ["requested", "confirmed", "settled"])
    if not isinstance(raw_blocks, list):
        findings.append(
            (["blocks_settlement"], _("must be a list of {kind_name} states").format(kind_name=kind_name))
        )
    else:
        for index, state in enumerate(raw_blocks):
            if state not in kind.states:
                findings.append(
                    (
                        ["blocks_settlement", index],
                        _("{state!r} is not a {kind_name} state; use {states}").format(
                            state=state, kind_name=kind_name, states=", ".join(kind.states)
                        ),
                    )
                )
            else:
                blocks.append(str(state))
    settings = CancellationSettings(kind_name, event_field, condition, label, tuple(blocks))
    return settings, findings


def check_section(section: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `cancellations:`."""
    return parse_cancellations(section, config)[1]


@once_per_config
def cancellation_settings(config: Config) -> CancellationSettings | None:
    return parse_cancellations(config.section(SECTION), config)[0]


def _facts(config: Config, at: datetime) -> Facts:
    return Facts(now=at, tz=config.tz, calendar=calendar_for(config))


def earliest_event(
    settings: CancellationSettings, case: Mapping[str, Any], facts: Facts, start: date
) -> date | None:
    """The first event date from `start` on that the booking rule would accept for this case."""
    if settings.event_field not in settings.refuse_when.fields:
        return None
    for offset in range(_SEARCH_DAYS):
        day = start + timedelta(days=offset)
        candidate = {**case, "fields": {**fields_of(case), settings.event_field: day.isoformat()}}
        if not matches(settings.refuse_when, candidate, facts):
            return day
    return None


def booking_refusal(request: MoveRequest, config: Config) -> list[str]:
    """`workflow.CHANGE_REFUSALS` and `workflow.GUARDS` entry: a booking whose event is too
    close (the `booking.refuse_when` condition holds at the change's time) is refused,
    whoever books it, naming the earliest event date that could be booked instead."""
    settings = cancellation_settings(config)
    if settings is None or request.kind.name != settings.kind or request.at is None:
        return []
    if request.action != "open" and settings.event_field not in request.changes:
        return []
    if not settings.refuse_when.tests:
        return []
    facts = _facts(config, request.at)
    if not matches(settings.refuse_when, request.case, facts):
        return []
    name = settings.event_field
    value = fields_of(request.case).get(name)
    counts = [
        day_count(test, request.case, facts)
        for test in settings.refuse_when.tests
        if test.op in DAY_COUNTS and test.field == name and test.op != "days_since"
    ]
    away = f"距今只有{counts[0]}个工作日" if counts and counts[0] is not None else "不符合要求"
    away_en = (
        f"is only {counts[0]} working day{'s' if counts[0] != 1 else ''} away"
        if counts and counts[0] is not None
        else "does not meet the rule"
    )
    today = request.at.astimezone(config.tz).date()
    earliest = earliest_event(settings, request.case, facts, today)
    hint_zh = f"，今天最早可预约{earliest.isoformat()}的活动" if earliest else ""
    hint_en = f"; the earliest {name} that can be booked today is {earliest.isoformat()}" if earliest else ""
    zh = f"{settings.label.zh}：{name} {value} {away}{hint_zh}"
    en = f"{settings.label.en}: {name} {value} {away_en}{hint_en}"
    return [zh if is_chinese() else f"{zh} / {en}"]


def is_cancellation(case: Mapping[str, Any], config: Config) -> bool:
    settings = cancellation_settings(config)
    return settings is not None and case.get("kind") == settings.kind


def blocks_settlement(case: Mapping[str, Any], config: Config) -> bool:
    """Whether this case is a cancellation booked or done (003: 已退订或预约退订订单不可结算)."""
    settings = cancellation_settings(config)
    return (
        settings is not None
        and case.get("kind") == settings.kind
        and str(case.get("status")) in settings.blocks_settlement
    )
