"""JSON Schema for case files, generated from the config (for editors that validate YAML)."""

from __future__ import annotations

from typing import Any

from casekit.core.casefile import SALUTATIONS, TOP_LEVEL_KEYS
from casekit.core.config import Config, FieldSpec, KindSpec

_TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$",
    "description": "date-time with UTC offset, e.g. 2026-11-23T10:05:00+08:00",
}
_ID = {
    "type": "string",
    "pattern": r"^[A-Z]{1,3}-\d{8}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$",
}


def _field_schema(spec: FieldSpec, field_type: str | None = None) -> dict[str, Any]:
    kind = field_type or spec.type
    title = f"{spec.label.zh} {spec.label.en}"
    if kind in ("string", "text"):
        return {"type": "string", "title": title}
    if kind == "integer":
        return {"type": "integer", "title": title}
    if kind == "money":
        return {"type": "number", "minimum": 0, "multipleOf": 0.01, "title": title}
    if kind == "decimal":
        return {"type": "number", "title": title}
    if kind == "boolean":
        return {"type": "boolean", "title": title}
    if kind == "enum":
        return {"enum": list(spec.values), "title": title}
    if kind == "date":
        return {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "title": title}
    if kind == "datetime":
        return {**_TIMESTAMP, "title": title}
    if kind == "phone":
        return {"type": "string", "pattern": r"^[+0-9-]{5,20}$", "title": title}
    if kind == "list":
        return {"type": "array", "items": _field_schema(spec, spec.items), "title": title}
    return {"title": title}


def _kind_rule(kind: KindSpec) -> dict[str, Any]:
    return {
        "if": {"properties": {"kind": {"const": kind.name}}},
        "then": {
            "properties": {
                "id": {**_ID, "pattern": _ID["pattern"].replace("[A-Z]{1,3}", kind.prefix)},
                "status": {"enum": list(kind.states)},
                "fields": {
                    "type": "object",
                    "properties": {n: _field_schema(s) for n, s in kind.fields.items()},
                    "additionalProperties": False,
                },
            }
        },
    }


def case_schema(config: Config) -> dict[str, Any]:
    entry = {
        "type": "object",
        "required": ["at", "by", "action"],
        "properties": {
            "at": _TIMESTAMP,
            "by": {"type": "string"},
            "action": {"type": "string"},
            "from": {"type": "string"},
            "to": {"type": "string"},
            "note": {"type": "string"},
            "remark": {"type": "object", "required": ["note"], "properties": {"note": {"type": "string"}}},
            "set": {"type": "object"},
        },
    }
    properties: dict[str, Any] = {
        "id": _ID,
        "kind": {"enum": list(config.kinds)},
        "status": {"type": "string"},
        "priority": {"enum": list(config.priorities)},
        "title": {"type": "string", "minLength": 1},
        "customer": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "phone": {"type": "string"},
                "salutation": {"enum": list(SALUTATIONS)},
            },
            "additionalProperties": False,
        },
        "channel": {"enum": list(config.channels)} if config.channels else {"type": "string"},
        "opened_at": _TIMESTAMP,
        "assignee": {"type": ["string", "null"]},
        "fields": {"type": "object"},
        "links": {"type": "array", "items": _ID},
        "history": {"type": "array", "minItems": 1, "items": entry},
    }
    for key in TOP_LEVEL_KEYS:
        properties.setdefault(key, {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://casekit.invalid/schema/case.json",
        "title": "casekit case file",
        "type": "object",
        "required": ["id", "kind", "status", "title", "customer", "opened_at", "history"],
        "properties": properties,
        "additionalProperties": False,
        "allOf": [_kind_rule(kind) for kind in config.kinds.values()],
    }
