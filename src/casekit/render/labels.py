"""Config keys as people read them: a kind, state, priority or enum value by its label in
the user's language (`casekit.i18n.label`), a login by the person's display name. Keys
the config does not know are shown as they are."""

from __future__ import annotations

from typing import Any

from casekit.core.config import Config, Label
from casekit.i18n import label as in_language


def shown(value: Label | None, key: Any) -> str:
    """A config label in the user's language, else the key itself."""
    text = "" if key is None else str(key)
    if value is None:
        return text
    return in_language({"zh": value.zh, "en": value.en}, text)


def kind_label(config: Config, kind: Any) -> str:
    spec = config.kinds.get(kind) if isinstance(kind, str) else None
    return shown(spec.label if spec else None, kind)


def state_label(config: Config, kind: Any, state: Any) -> str:
    spec = config.kinds.get(kind) if isinstance(kind, str) else None
    state_spec = spec.states.get(state) if spec and isinstance(state, str) else None
    return shown(state_spec.label if state_spec else None, state)


def priority_label(config: Config, priority: Any) -> str:
    return shown(config.priorities.get(priority) if isinstance(priority, str) else None, priority)


def value_label(config: Config, kind: Any, field: str, value: Any) -> str:
    """An enum field's value (`callback_type: vip-monthly`) by its label."""
    spec = config.kinds.get(kind) if isinstance(kind, str) else None
    field_spec = spec.fields.get(field) if spec else None
    values = field_spec.values if field_spec else {}
    return shown(values.get(value) if isinstance(value, str) else None, value)


def field_label(config: Config, kind: Any, field: str) -> str:
    """A field by its label: order_no -> 订单号."""
    spec = config.kinds.get(kind) if isinstance(kind, str) else None
    field_spec = spec.fields.get(field) if spec else None
    return shown(field_spec.label if field_spec else None, field)


def person_name(config: Config, who: Any) -> str:
    """A login (or `Name <email>`) as the person's display name: li.na -> 李娜."""
    text = "" if who is None else str(who)
    login = text.split(" <")[0]
    person = config.person(login) or config.person(text)
    if person is None and "<" in text:
        email = text.rsplit("<", 1)[1].rstrip(">")
        person = config.person(email)
    return person.name if person and person.name else login
