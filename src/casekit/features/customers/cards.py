"""Customer cards (客户档案): what one entry of the customer file says, checked and matched.
Pure: cards are the mappings read from the file; nothing here reads or writes it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from casekit.core.config import Finding
from casekit.core.customers import CustomerMatch, squeezed
from casekit.core.fields import check_value, phone_key
from casekit.features.customers.settings import LIST_KEYS, NAME_KEY, PHONE_KEY, CustomerSettings
from casekit.i18n import _

OTHER_PHONES = "phones"
ACCOUNT = "account"
CARD_COLUMNS = ("name", "salutation", "phone", "phones", "account", "vip", "vip_level", "agent", "notes")


def card_phones(card: Mapping[str, Any]) -> list[str]:
    """Every phone key of a card: its `phone`, then its other `phones`."""
    found = [card.get(PHONE_KEY)]
    others = card.get(OTHER_PHONES)
    if isinstance(others, list):
        found += others
    keys = [phone_key(p) for p in found if isinstance(p, str)]
    return list(dict.fromkeys(k for k in keys if k))


def card_matches(card: Mapping[str, Any], match: CustomerMatch) -> bool:
    """The card is one `match` names: by any of its phones, its account, or its name."""
    if any(key in match.phones for key in card_phones(card)):
        return True
    account = squeezed(card.get(ACCOUNT))
    if account and account in match.accounts:
        return True
    name = squeezed(card.get(NAME_KEY))
    return bool(name) and any(part in name for part in match.names)


def card_for_phone(cards: Sequence[Mapping[str, Any]], phone: str) -> int | None:
    """The position of the card holding `phone` among any of its phones."""
    key = phone_key(phone)
    for position, card in enumerate(cards):
        if key and key in card_phones(card):
            return position
    return None


def identity_match(cards: Iterable[Mapping[str, Any]], cases: Iterable[Mapping[str, Any]]) -> CustomerMatch:
    """Everything that names the customers of these cards and cases: their phones and
    accounts (names are not: two people share a name), to find every case they have."""
    from casekit.core.customers import identity

    phones: list[str] = []
    accounts: list[str] = []
    for card in cards:
        phones += card_phones(card)
        if isinstance(card.get(ACCOUNT), str):
            accounts.append(card[ACCOUNT])
    for case in cases:
        found = identity(case)
        if found.phone:
            phones.append(found.phone)
        if found.account:
            accounts.append(found.account)
    return CustomerMatch.of(phones=phones, accounts=accounts)


def check_card(card: Any, settings: CustomerSettings) -> list[Finding]:
    """What is wrong with one card, each finding at its key (relative to the card)."""
    if not isinstance(card, Mapping):
        return [([], _("each customer is a mapping with name and phone"))]
    findings: list[Finding] = []
    name = card.get(NAME_KEY)
    if not isinstance(name, str) or not name.strip():
        findings.append(([NAME_KEY], _("a customer needs a name")))
    if card.get(PHONE_KEY) in (None, ""):
        findings.append(([PHONE_KEY], _("a customer needs a phone number in quotes, such as '13800138000'")))
    for key, value in card.items():
        if key in LIST_KEYS:
            if not isinstance(value, list):
                findings.append(([str(key)], _("must be a list of {date, item}")))
            continue
        spec = settings.fields.get(str(key))
        if spec is None:
            known = ", ".join([*settings.fields, *LIST_KEYS])
            findings.append(
                ([str(key)], _("unknown card field; the card fields are {known}").format(known=known))
            )
            continue
        problem = check_value(spec, value)
        if problem:
            findings.append(([str(key)], problem))
    return findings


def check_cards(cards: Sequence[Any], settings: CustomerSettings) -> list[tuple[int, Finding]]:
    """Each card's findings, with its position; a phone on two cards is one finding."""
    found = [
        (position, finding) for position, card in enumerate(cards) for finding in check_card(card, settings)
    ]
    owner: dict[str, int] = {}
    for position, card in enumerate(cards):
        if not isinstance(card, Mapping):
            continue
        for key in card_phones(card):
            if key in owner and owner[key] != position:
                found.append(
                    (
                        position,
                        (
                            [PHONE_KEY],
                            f"{key} is on customer {owner[key] + 1}'s card too; merge the two cards",
                        ),
                    )
                )
            owner.setdefault(key, position)
    return found
