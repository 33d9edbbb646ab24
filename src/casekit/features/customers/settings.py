"""The `customers:` section of casekit.yaml: where the customer file is, what makes a
repeat caller, and the fields a customer card may hold. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from casekit.core.config import FIELD_TYPES, Config, FieldSpec, Finding, Label, once_per_config
from casekit.i18n import _

SECTION = "customers"
DEFAULT_FILE = "customers.yaml"
PHONE_KEY = "phone"
NAME_KEY = "name"

# What a card can hold without any config (the periodic callback planner reads several).
BUILT_IN_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("name", "string", Label("姓名", "Name")),
        FieldSpec(
            "salutation",
            "enum",
            Label("称呼", "Salutation"),
            {"先生": Label("先生", "Mr"), "女士": Label("女士", "Ms")},
        ),
        FieldSpec("phone", "phone", Label("电话", "Phone")),
        FieldSpec("phones", "list", Label("其他电话", "Other phones"), items="phone"),
        FieldSpec("account", "string", Label("买家ID", "Account")),
        FieldSpec("vip", "boolean", Label("VIP客户", "VIP")),
        FieldSpec("vip_level", "string", Label("VIP等级", "VIP level")),
        FieldSpec("birthday", "string", Label("生日", "Birthday")),
        FieldSpec("agent", "string", Label("专属客服", "Agent")),
        FieldSpec("preferred_hours", "string", Label("方便接听时段", "Preferred hours")),
        FieldSpec("address", "text", Label("地址", "Address")),
        FieldSpec("notes", "text", Label("备注", "Notes")),
    )
}
# Kept as the callback planner writes them; `customer update` does not set these.
LIST_KEYS = ("purchases", "services")


@dataclass(frozen=True)
class CustomerSettings:
    file: str = DEFAULT_FILE  # a file, or a folder (ending in '/') with one file per customer
    repeat_within_days: int = 30
    repeat_min_cases: int = 2
    fields: Mapping[str, FieldSpec] = field(default_factory=lambda: dict(BUILT_IN_FIELDS))

    @property
    def is_folder(self) -> bool:
        return self.file.endswith("/")


def check_customers(raw: Any, config: Config) -> list[Finding]:
    """`casekit validate`'s findings in the `customers:` section."""
    _, findings = _parse(raw, config)
    return findings


@once_per_config
def customer_settings(config: Config) -> CustomerSettings:
    settings, _ = _parse(config.section(SECTION), config)
    return settings


def _parse(raw: Any, config: Config) -> tuple[CustomerSettings, list[Finding]]:
    findings: list[Finding] = []
    legacy = _legacy_file(config)
    if raw is None:
        return CustomerSettings(file=legacy or DEFAULT_FILE), findings
    if not isinstance(raw, Mapping):
        return CustomerSettings(), [([], _("must be a mapping with file, repeat and fields"))]
    for key in raw:
        if key not in ("file", "repeat", "fields"):
            findings.append(([str(key)], _("unknown setting; the settings are file, repeat and fields")))
    file = raw.get("file", legacy or DEFAULT_FILE)
    if not isinstance(file, str) or not file.strip() or file.startswith(("/", "..")) or "\\" in file:
        findings.append(
            (["file"], _("must be a path inside the repository, such as customers.yaml or customers/"))
        )
        file = DEFAULT_FILE
    repeat = raw.get("repeat") or {}
    within, least = 30, 2
    if not isinstance(repeat, Mapping):
        findings.append((["repeat"], _("must be a mapping such as {within_days: 30, min_cases: 2}")))
    else:
        for key in repeat:
            if key not in ("within_days", "min_cases"):
                findings.append((["repeat", str(key)], _("unknown setting; use within_days and min_cases")))
        within = _count(repeat, "within_days", 30, findings)
        least = _count(repeat, "min_cases", 2, findings)
    fields = dict(BUILT_IN_FIELDS)
    extra = raw.get("fields") or {}
    if not isinstance(extra, Mapping):
        findings.append((["fields"], _("must map card field names to {type, zh, en}")))
        extra = {}
    for name, spec in extra.items():
        parsed = _field(str(name), spec, findings)
        if parsed is not None:
            fields[parsed.name] = parsed
    return CustomerSettings(file.strip(), within, least, fields), findings


def _legacy_file(config: Config) -> str | None:
    """The file the periodic callback planner was told to read, before `customers.file`."""
    callbacks = config.section("callbacks")
    periodic = callbacks.get("periodic") if isinstance(callbacks, Mapping) else None
    value = periodic.get("customers_file") if isinstance(periodic, Mapping) else None
    return value if isinstance(value, str) and value.strip() else None


def _count(settings: Mapping[str, Any], key: str, default: int, findings: list[Finding]) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        findings.append((["repeat", key], _("must be a whole number of at least 1")))
        return default
    return value


def _field(name: str, spec: Any, findings: list[Finding]) -> FieldSpec | None:
    path: list[str | int] = ["fields", name]
    if name in BUILT_IN_FIELDS or name in LIST_KEYS:
        findings.append((path, _("is a built-in card field; remove it from customers.fields")))
        return None
    if not name.replace("_", "a").isalnum() or not name[:1].isalpha() or name != name.lower():
        findings.append((path, _("a field name must be lower-case letters, digits or '_'")))
        return None
    spec = spec if isinstance(spec, Mapping) else {}
    field_type = str(spec.get("type", "string"))
    if field_type not in FIELD_TYPES or field_type == "list":
        findings.append(
            ([*path, "type"], _("unknown card field type {field_type!r}").format(field_type=field_type))
        )
        return None
    values = spec.get("values") or {}
    labels = {
        str(v): Label(str(lab.get("zh", v)), str(lab.get("en", v)))
        if isinstance(lab, Mapping)
        else Label(str(v), str(v))
        for v, lab in (values.items() if isinstance(values, Mapping) else [(v, None) for v in values])
    }
    if field_type == "enum" and not labels:
        findings.append(([*path, "values"], _("an enum field needs its values")))
        return None
    return FieldSpec(name, field_type, Label(str(spec.get("zh", name)), str(spec.get("en", name))), labels)
