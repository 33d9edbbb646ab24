"""Who a case's customer is, for finding every case of one caller: pure.

A case names its customer by name and phone (`customer:`), and may carry an order number
(`fields.order_no`) and the customer's account on the shop (`fields.customer_account`).
`CustomerMatch` is the definition of "this case is that customer's": the query index
keeps each case's `search_terms` in a column and narrows with SQL that returns at least
the matching cases, then applies `matches`, so answers are the same with and without it.

Phones match whatever way they were typed (`casekit.core.fields.phone_key`); names match
on any part, ignoring case and spaces; order and account numbers match whole, ignoring
case and spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casekit.core.casefile import ACCOUNT_FIELD, ORDER_FIELD, customer_of, fields_of
from casekit.core.fields import phone_key

SEPARATOR = "\x1f"  # between terms in the index column; never in a term
PHONE_TAG, NAME_TAG, ORDER_TAG, ACCOUNT_TAG = "p:", "n:", "o:", "a:"
MIN_PHONE_DIGITS = 5  # fewer digits than this is not a phone number to look up


def squeezed(value: Any) -> str:
    """Text without spaces, case folded: how names, orders and accounts are compared."""
    return "".join(value.split()).casefold() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Identity:
    """What a case says about its customer, each part normalised for matching."""

    phone: str  # phone_key of customer.phone ('' when none)
    name: str
    order: str
    account: str


def identity(case: Mapping[str, Any]) -> Identity:
    who = customer_of(case)
    fields = fields_of(case)
    phone = who.get("phone")
    return Identity(
        phone=phone_key(phone) if isinstance(phone, str) else "",
        name=squeezed(who.get("name")),
        order=squeezed(fields.get(ORDER_FIELD)),
        account=squeezed(fields.get(ACCOUNT_FIELD)),
    )


def search_terms(case: Mapping[str, Any]) -> str | None:
    """The index column: each known part tagged, between separators ('\\x1fp:138...\\x1f
    n:王先生\\x1f'); None when the case names none of them."""
    found = identity(case)
    parts = [
        tag + value
        for tag, value in (
            (PHONE_TAG, found.phone),
            (NAME_TAG, found.name),
            (ORDER_TAG, found.order),
            (ACCOUNT_TAG, found.account),
        )
        if value
    ]
    return SEPARATOR + SEPARATOR.join(parts) + SEPARATOR if parts else None


@dataclass(frozen=True)
class CustomerMatch:
    """Cases whose customer is any of: one of `phones` (phone keys), a name containing one
    of `names`, an order number in `orders`, an account in `accounts` (all normalised)."""

    phones: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    orders: frozenset[str] = frozenset()
    accounts: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        phones: Iterable[str] = (),
        names: Iterable[str] = (),
        orders: Iterable[str] = (),
        accounts: Iterable[str] = (),
    ) -> CustomerMatch:
        return cls(
            frozenset(k for k in map(phone_key, phones) if k),
            frozenset(k for k in map(squeezed, names) if k),
            frozenset(k for k in map(squeezed, orders) if k),
            frozenset(k for k in map(squeezed, accounts) if k),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.phones or self.names or self.orders or self.accounts)

    def matches(self, case: Mapping[str, Any]) -> bool:
        found = identity(case)
        return bool(
            (found.phone and found.phone in self.phones)
            or (found.order and found.order in self.orders)
            or (found.account and found.account in self.accounts)
            or (found.name and any(part in found.name for part in self.names))
        )

    def exact_keys(self) -> dict[str, frozenset[str]]:
        """The normalised phones, orders and accounts matched whole (`identity_keys`)."""
        return {"phone": self.phones, "order": self.orders, "account": self.accounts}

    def like_patterns(self) -> list[str]:
        """SQL LIKE patterns (escape character '!') of which the `search_terms` of a case
        whose name matches fit at least one."""
        return [f"%{SEPARATOR}{NAME_TAG}%{_like_escaped(v)}%{SEPARATOR}%" for v in sorted(self.names)]


def identity_keys(case: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The index columns a whole-value match looks up: the case's phone key, order and
    account, normalised (None for none)."""
    found = identity(case)
    return found.phone or None, found.order or None, found.account or None


def _like_escaped(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def looks_like_phone(text: str) -> bool:
    """Text an agent would type for a phone number: digits with spaces, dashes, dots,
    brackets or a leading +, and enough digits to be one."""
    stripped = text.strip()
    return (
        bool(stripped)
        and all(c.isdigit() or c in " +-().\u3000" for c in stripped)
        and len(phone_key(stripped)) >= MIN_PHONE_DIGITS
    )


def query_match(query: str) -> CustomerMatch:
    """What `casekit customer QUERY` looks for: a phone-like query matches phones (and
    order or account numbers written the same), anything else a name part, an order
    number or an account."""
    text = query.strip()
    if looks_like_phone(text):
        return CustomerMatch.of(phones=[text], orders=[text], accounts=[text])
    return CustomerMatch.of(names=[text], orders=[text], accounts=[text])
