"""The shape of a case document and the pure helpers that read it.

A case is a mapping (a ruamel CommentedMap when it will be rewritten, a dict when only
read). This module knows its keys, their order, and how to apply typed changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from datetime import tzinfo
from typing import Any

from casekit.core import words
from casekit.core.config import Config, FieldSpec, KindSpec
from casekit.core.fields import normalise_phone, parse_value, refuse_control_characters
from casekit.core.registry import Registry
from casekit.i18n import _

# Top-level keys in the order they are written. Features that store more on a case add
# their key with `TOP_LEVEL_KEYS.add(key, before="history")`: history stays last so it
# grows at the end of the file.
# The keys `casekit new` writes, in order; the derivers add theirs on top.
OPENING_KEYS = (
    "id",
    "kind",
    "status",
    "priority",
    "title",
    "customer",
    "channel",
    "opened_at",
    "assignee",
    "fields",
    "links",
    "history",
)
TOP_LEVEL_KEYS: Registry[str] = Registry("casefile.TOP_LEVEL_KEYS", list(OPENING_KEYS))
REQUIRED_KEYS = ("id", "kind", "status", "title", "customer", "opened_at", "history")
CUSTOMER_KEYS = ("name", "phone", "salutation")
# The fields that name a customer's order and shop account (`casekit.core.customers`).
ORDER_FIELD = "order_no"
ACCOUNT_FIELD = "customer_account"
SALUTATIONS = ("先生", "女士")

# Every action a history entry may record.
HISTORY_ACTIONS: Registry[str] = Registry(
    "casefile.HISTORY_ACTIONS", ["open", "move", "assign", "note", "set", "link", "undo"]
)

# Keys `--set` may change outside `fields`, with how each is parsed.
CORE_SETTABLE = ("title", "priority", "channel", "customer.name", "customer.phone", "customer.salutation")


def fields_of(case: Mapping[str, Any]) -> Mapping[str, Any]:
    value = case.get("fields")
    return value if isinstance(value, Mapping) else {}


def history_of(case: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = case.get("history")
    if not isinstance(value, list):
        return []
    # Parsed entries are plain dicts: test for that first (an ABC check costs more, and
    # reports call this for every case many times).
    return [e for e in value if type(e) is dict or isinstance(e, Mapping)]


def customer_of(case: Mapping[str, Any]) -> Mapping[str, Any]:
    value = case.get("customer")
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def parse_assignments(pairs: list[str]) -> list[tuple[str, str]]:
    """`key=value` strings from --set, split once at the first '='."""
    result = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(_("--set {pair!r} must look like key=value").format(pair=pair))
        refuse_control_characters(f"--set {key!r}:", key)
        result.append((key.strip(), value))
    return result


def parse_changes(kind: KindSpec, config: Config, pairs: list[tuple[str, str]], tz: tzinfo) -> dict[str, Any]:
    """Typed values for `--set key=value` pairs; an empty value unsets a field.

    Keys are field names of the kind, or one of CORE_SETTABLE. Raises ValueError naming
    the key and what is wrong.
    """
    changes: dict[str, Any] = {}
    for key, text in pairs:
        try:
            changes[key] = parse_change(kind, config, key, text, tz)
        except ValueError as exc:
            raise ValueError(_("--set {key}: {problem}").format(key=key, problem=exc)) from None
    return changes


def parse_change(kind: KindSpec, config: Config, key: str, text: str, tz: tzinfo) -> Any:
    """The stored value for one `key=text`; ValueError says what is wrong with it."""
    refuse_control_characters("", text)
    if key in kind.fields:
        return None if text.strip() == "" else parse_value(kind.fields[key], text, tz)
    if key == "priority":
        return words.resolve(words.priorities(config), text)
    if key == "channel":
        return words.resolve(words.channels(config), text)
    if key == "customer.phone":
        return normalise_phone(text)
    if key == "customer.salutation":
        if text.strip() == "":
            return None
        if text.strip() not in SALUTATIONS:
            raise ValueError(
                _("{value!r} is not one of {choices}").format(value=text, choices=_(", ").join(SALUTATIONS))
            )
        return text.strip()
    if key in ("title", "customer.name"):
        if not text.strip():
            raise ValueError(_("cannot be empty"))
        return text.strip()
    known = _(", ").join([*kind.fields, *CORE_SETTABLE])
    raise ValueError(
        _("{key!r} is not a field of a {kind}; fields are: {known}").format(
            key=key, kind=kind.name, known=known
        )
    )


def apply_changes(case: Any, changes: Mapping[str, Any], fields_factory: Any = dict) -> None:
    """Write parsed changes into a case mapping in place (None removes a field)."""
    for key, value in changes.items():
        if key.startswith("customer."):
            customer = case["customer"]
            sub = key.split(".", 1)[1]
            if value is None:
                customer.pop(sub, None)
            else:
                customer[sub] = value
        elif key in CORE_SETTABLE:
            case[key] = value
        else:
            if not isinstance(case.get("fields"), Mapping):
                case["fields"] = fields_factory()
            if value is None:
                case["fields"].pop(key, None)
            else:
                case["fields"][key] = value


def field_spec(kind: KindSpec, name: str) -> FieldSpec | None:
    return kind.fields.get(name)


def set_top_level(case: MutableMapping[str, Any], key: str, value: Any) -> None:
    """Set a top-level key; a new one goes where `TOP_LEVEL_KEYS` puts it (an unknown key
    just before `history`), so features that add keys keep the file's order stable."""
    if key in case or not hasattr(case, "insert"):
        case[key] = value
        return
    rank = {name: n for n, name in enumerate(TOP_LEVEL_KEYS)}
    mine = rank.get(key, rank["history"] - 0.5)
    keys = list(case)
    position = next((n for n, name in enumerate(keys) if rank.get(name, -1) > mine), len(keys))
    case.insert(position, key, value)


def ordered_keys(case: Mapping[str, Any]) -> list[str]:
    known = [k for k in TOP_LEVEL_KEYS if k in case and k != "history"]
    extra = [k for k in case if k not in TOP_LEVEL_KEYS]
    tail = ["history"] if "history" in case else []
    return known + extra + tail


_COUNTRY_CODE = re.compile(r"^\+?86-?(?=1\d{10}$)")


def mask_phone(value: Any) -> str:
    """138****8000: keep the first three and last four digits of a phone number (after +86)."""
    text = str(value or "")
    country = _COUNTRY_CODE.match(text)
    if country:
        return country.group(0) + mask_phone(text[country.end() :])
    if len(text) >= 8 and text.isdigit():  # the usual case, digits only: the same result, quicker
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if len(digits) < 8:
        return "*" * len(text)
    hidden = set(digits[3:-4])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


# Numbers written into free text (titles, notes, content...): no digit may touch either
# end, so a longer number (an order number, an amount) is never cut into a "phone".
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_CONTACTS = re.compile(
    r"(?<!\d)(?:"
    # 身份证: 18 digits (area, birth date 19xx/20xx, sequence, check digit or X), or the old 15
    rf"(?P<id>[1-9]\d{{5}}(?:19|20)\d{{2}}{_DATE}\d{{3}}[\dXx]|[1-9]\d{{7}}{_DATE}\d{{3}})"
    # mobile, optionally after +86 / 86, digits grouped 3-4-4 by spaces or hyphens or not
    r"|(?P<country>(?:\+?86[- ]?)?)(?P<mobile>1[3-9]\d(?:[- ]?\d{4}){2})"
    # landline: area code 0xx / 0xxx (or in brackets), then 7 or 8 digits (3-4 or 4-4 grouped)
    r"|(?P<landline>(?:\(0\d{2,3}\)|0\d{2,3})[- ]?)(?P<local>\d{3,4}[- ]?\d{4})"
    r")(?![\dXx])"
)


def mask_contacts(text: str) -> str:
    """Free text with the phone and ID-card numbers in it masked as `mask_phone` masks a
    phone: '请回电13800138000' -> '请回电138****8000', '0755-12345678' -> '0755-****5678',
    an ID card 110105194912310021 -> '110***********0021'. The one home of that rule:
    reports mask every text they show with it."""
    if not any(c.isdigit() for c in text):
        return text
    return _CONTACTS.sub(_mask_contact, text)


def _mask_contact(match: re.Match[str]) -> str:
    if match.group("landline") is not None:
        local = match.group("local")
        return match.group("landline") + re.sub(r"\d", "*", local[:-4]) + local[-4:]
    found = match.group("id")
    if found is not None:
        return found[:3] + "*" * (len(found) - 7) + found[-4:]
    return match.group("country") + mask_phone(match.group("mobile"))


def mask_contacts_in(value: Any) -> Any:
    """A report's data (mappings, lists, text) with `mask_contacts` applied to every
    string in it, keys included; other values as they are."""
    if isinstance(value, str):
        return mask_contacts(value)
    if isinstance(value, Mapping):
        return {mask_contacts_in(k): mask_contacts_in(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_contacts_in(v) for v in value]
    return value


_SALUTATION_EN = {"先生": "Mr", "女士": "Ms"}


def has_salutation(customer: Mapping[str, Any]) -> bool:
    """Whether the customer can be addressed as 先生/女士: a salutation is recorded, or the
    recorded name already ends in one (王先生)."""
    name = str(customer.get("name") or "").strip()
    return customer.get("salutation") in _SALUTATION_EN or any(
        name.endswith(s) and len(name) > len(s) for s in SALUTATIONS
    )


def customer_address(customer: Mapping[str, Any], lang: str = "zh") -> str:
    """How to address the customer: the recorded name and salutation, never a guessed one.

    zh: 王 + 先生 -> 王先生 (a name already ending in its salutation is kept as is);
    en: Mr 王. Without a recorded salutation, the name alone, as recorded (the full name):
    scripts then greet with it (刘伟，您好) and never ask "请问您是刘吗" of a bare surname;
    they tell the two apart by `customer.salutation` (see docs/callbacks.md).
    """
    name = str(customer.get("name") or "").strip()
    salutation = customer.get("salutation")
    if salutation not in _SALUTATION_EN:
        return name
    if lang == "en":
        bare = name[: -len(salutation)] if name.endswith(salutation) and len(name) > len(salutation) else name
        return f"{_SALUTATION_EN[salutation]} {bare}"
    return name if name.endswith(salutation) else f"{name}{salutation}"


def customer_key(case: Mapping[str, Any]) -> str:
    """Who the customer is, for counting distinct customers: their account (a
    `customer_account` field), else their phone, else their name."""
    account = fields_of(case).get(ACCOUNT_FIELD)
    if isinstance(account, str) and account.strip():
        return "account:" + account.strip()
    who = customer_of(case)
    phone = who.get("phone")
    if isinstance(phone, str) and phone.strip():
        return "phone:" + phone.strip()
    return "name:" + str(who.get("name", "")).strip()
