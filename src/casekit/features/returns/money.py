"""Money for returns: Decimal yuan with two places, never float; exact sums."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from casekit.core.fields import CENT, MONEY_LIMIT

ZERO = Decimal("0.00")


def as_money(value: Any) -> Decimal | None:
    """A stored money value as Decimal with two places; None for absent or non-money values.

    Floats are refused (None): money is never read through binary floating point; so is an
    amount of MONEY_LIMIT or more (`casekit validate` reports it).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except ArithmeticError:
            return None
    else:
        return None
    return amount.quantize(CENT) if amount.is_finite() and abs(amount) < MONEY_LIMIT else None


def total(amounts: Iterable[Decimal | None]) -> Decimal:
    """The exact sum of the amounts given (None skipped), with two places."""
    result = ZERO
    for amount in amounts:
        if amount is not None:
            result += amount
    return result.quantize(CENT)


def text(amount: Decimal | None) -> str:
    """'128.50' for tables and CSV; '' for no amount."""
    return "" if amount is None else f"{amount.quantize(CENT):f}"
