"""Typed values: turning what a person typed into the stored form, and checking stored values.

Pure functions. Stored forms are what the YAML holds: str for text, enum values, phones,
dates ('2026-11-23') and date-times ('2026-11-23T10:05:00+08:00'); int; bool; Decimal for
money (two places, yuan); lists of those.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from casekit.core import resolver
from casekit.core.config import FieldSpec
from casekit.core.timeutil import format_datetime, out_of_range, parse_date, parse_datetime
from casekit.i18n import _

_PHONE = re.compile(r"^(?:\+?86-?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|[48]00-?\d{3}-?\d{4})$")
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LIST_SPLIT = re.compile(r"[,，、]")
_TRUE = {"true", "yes", "y", "1", "是"}
_FALSE = {"false", "no", "n", "0", "否"}
CENT = Decimal("0.01")
# The largest amounts and counts a field holds: a trillion yuan, a billion of anything.
# Larger ones are typing mistakes, and past about 10**28 Decimal arithmetic fails outright.
MONEY_LIMIT = Decimal(10) ** 12
DECIMAL_LIMIT = Decimal(10) ** 12
DECIMAL_PLACES = 6
INTEGER_LIMIT = 10**9

# Characters no text casekit keeps may hold: C0 controls but tab and newline, DEL, C1
# controls (U+0085 among them), the Unicode line and paragraph separators (they break
# lines where no one sees a line break), and the lone surrogates Python makes of bytes
# that are not UTF-8. casekit's own record separators (U+001E, U+001F) are C0 controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """What is wrong with `text` as casekit text ('contains a control character (U+001B);
    remove it'), or None when it holds none of the characters above."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:  # how Python spells a byte that is not UTF-8
        return _("is not UTF-8 text (byte 0x{byte:02X}); write it in UTF-8").format(byte=code - 0xDC00)
    return _("contains a control character (U+{code:04X}); remove it").format(code=code)


def refuse_control_characters(label: str, text: str) -> None:
    """The one rule for text typed into casekit: ValueError('LABEL contains a control
    character (U+001B); remove it') when `text` holds one (see `control_character`)."""
    problem = control_character(text)
    if problem:
        raise ValueError(f"{label} {problem}" if label else problem)


def parse_money(text: str) -> Decimal:
    """Yuan with at most two decimal places, never negative; '¥12.5' -> Decimal('12.50')."""
    cleaned = text.strip().lstrip("¥￥").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(
            _("{text!r} is not an amount of money; write it like 128.50").format(text=text)
        ) from None
    if not value.is_finite() or value < 0:
        raise ValueError(_("{text!r} is not an amount of money; write it like 128.50").format(text=text))
    if value >= MONEY_LIMIT:
        raise ValueError(
            _("{text!r} is too large; an amount of money is below {limit:,f} yuan").format(
                text=text, limit=MONEY_LIMIT
            )
        )
    if value != value.quantize(CENT):
        raise ValueError(
            _("{text!r} has more than two decimal places; money is kept to the fen").format(text=text)
        )
    return value.quantize(CENT)


def normalise_phone(text: str) -> str:
    cleaned = re.sub(r"[\s()]", "", text)
    undashed = re.sub(r"[-.]", "", cleaned)
    if not _PHONE.match(cleaned) and _MOBILE.match(undashed):
        cleaned = undashed  # a mobile written in groups, 138-0013-8000
    if not _PHONE.match(cleaned):
        raise ValueError(
            _(
                "{text!r} is not a phone number; give 11 digits such as 13800138000, "
                "or a landline with its area code such as 010-62345678"
            ).format(text=text)
        )
    return cleaned


def phone_key(text: str) -> str:
    """The digits that name a phone whatever way it was typed, for matching one number
    against another: '138 0013 8000', '+86 13800138000' and '0086-13800138000' are all
    '13800138000'; '+86 10 62345678' and '010-62345678' are both '01062345678'.
    Text with no digits gives ''."""
    plus = text.strip().startswith("+")
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits, plus = digits[4:], True
    elif digits.startswith("86") and (plus or (len(digits) == 13 and digits[2] == "1")):
        digits, plus = digits[2:], True
    mobile = len(digits) == 11 and digits.startswith("1")
    hotline = len(digits) == 10 and digits.startswith(("400", "800"))
    if plus and digits and not (mobile or hotline or digits.startswith("0")):
        digits = "0" + digits  # an area code written after the country code drops its 0
    return digits


def parse_value(spec: FieldSpec, text: str, tz: tzinfo) -> Any:
    """The stored value for `text` typed on the command line; ValueError says what is wrong."""
    refuse_control_characters("", text)
    return _parse_typed(spec.type, spec, text, tz)


def _parse_typed(field_type: str, spec: FieldSpec, text: str, tz: tzinfo) -> Any:
    text = text.strip()
    if field_type in ("string", "text"):
        return text
    if field_type == "integer":
        return _parse_integer(text)
    if field_type == "money":
        return parse_money(text)
    if field_type == "decimal":
        return _parse_decimal(text)
    if field_type == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(_("{text!r} is not yes or no").format(text=text))
    if field_type == "enum":
        return resolver.resolve(resolver.enum_values(spec.values), text)
    if field_type == "date":
        return parse_date(text).isoformat()
    if field_type == "datetime":
        return format_datetime(parse_datetime(text, tz), tz)
    if field_type == "phone":
        return normalise_phone(text)
    if field_type == "list":
        parts = [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()]
        return [_parse_typed(spec.items, spec, part, tz) for part in parts]
    raise ValueError(_("unknown field type {type!r}").format(type=field_type))


def _parse_integer(text: str) -> int:
    try:
        value = int(text)
    except ValueError:  # also for more digits than Python reads from text
        raise ValueError(_("{text!r} is not a whole number").format(text=text)) from None
    if abs(value) > INTEGER_LIMIT:
        raise ValueError(
            _("{text!r} is out of range; a whole number here is at most {limit:,}").format(
                text=text, limit=INTEGER_LIMIT
            )
        )
    return value


def _parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("{text!r} is not a number").format(text=text)) from None
    if not value.is_finite():
        raise ValueError(_("{text!r} is not a number").format(text=text))
    if abs(value) >= DECIMAL_LIMIT:
        raise ValueError(
            _("{text!r} is out of range; a number here is below {limit:,f}").format(
                text=text, limit=DECIMAL_LIMIT
            )
        )
    if value != value.quantize(Decimal(10) ** -DECIMAL_PLACES):
        raise ValueError(
            _("{text!r} has more than {places} decimal places").format(text=text, places=DECIMAL_PLACES)
        )
    return value


def check_value(spec: FieldSpec, value: Any) -> str | None:
    """Why a stored value does not fit its field, or None when it does."""
    return _check_typed(spec.type, spec, value)


def _check_typed(field_type: str, spec: FieldSpec, value: Any) -> str | None:
    if field_type in ("string", "text"):
        return None if isinstance(value, str) else _("must be text")
    if field_type == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return _("must be a whole number")
        return (
            None
            if abs(value) <= INTEGER_LIMIT
            else _("must be at most {limit:,}").format(limit=INTEGER_LIMIT)
        )
    if field_type == "money":
        if not isinstance(value, Decimal) or isinstance(value, bool):
            return _("must be an amount such as 128.50 (written without quotes)")
        if not value.is_finite() or value < 0 or value >= MONEY_LIMIT or value != value.quantize(CENT):
            return _("must be a non-negative amount below {limit:,f} with at most two decimal places").format(
                limit=MONEY_LIMIT
            )
        return None
    if field_type == "decimal":
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            return _("must be a number")
        if isinstance(value, Decimal) and not value.is_finite():
            return _("must be a number")
        if abs(Decimal(value)) < DECIMAL_LIMIT:
            return None
        return _("must be below {limit:,f}").format(limit=DECIMAL_LIMIT)
    if field_type == "boolean":
        return None if isinstance(value, bool) else _("must be true or false")
    if field_type == "enum":
        if value in spec.values:
            return None
        return _("{value!r} is not one of {choices}").format(value=value, choices=_(", ").join(spec.values))
    if field_type == "date":
        if isinstance(value, str) and len(value) == 10:
            try:
                return out_of_range(value, date.fromisoformat(value))
            except ValueError:
                pass
        return _("must be a date such as 2026-11-23")
    if field_type == "datetime":
        return check_timestamp(value)
    if field_type == "phone":
        if not isinstance(value, str):
            return _("must be a phone number in quotes, such as '13800138000'")
        return None if _PHONE.match(value) else _("{value!r} is not a phone number").format(value=value)
    if field_type == "list":
        if not isinstance(value, list):
            return _("must be a list")
        for item in value:
            problem = _check_typed(spec.items, spec, item)
            if problem:
                return _("item {item!r}: {problem}").format(item=item, problem=problem)
        return None
    return _("unknown field type {type!r}").format(type=field_type)


def check_timestamp(value: Any) -> str | None:
    """Why a stored date-time is wrong, or None: it must carry its UTC offset."""
    if not isinstance(value, str):
        return _("must be a date-time such as 2026-11-23T10:05:00+08:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _("{value!r} is not a date-time such as 2026-11-23T10:05:00+08:00").format(value=value)
    if parsed.tzinfo is None:
        return _("{value!r} has no UTC offset; write it as 2026-11-23T10:05:00+08:00").format(value=value)
    return out_of_range(value, parsed)


def money(value: Any) -> Decimal | None:
    """A money value as Decimal (stored Decimal, int or numeric text), else None; None too
    for an amount of MONEY_LIMIT or more, which `check_value` reports."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        parsed = value
    elif isinstance(value, int):
        parsed = Decimal(value)
    elif isinstance(value, str):
        try:
            parsed = Decimal(value.strip().lstrip("¥￥"))
        except InvalidOperation:
            return None
    else:
        return None
    return parsed if parsed.is_finite() and abs(parsed) < MONEY_LIMIT else None
