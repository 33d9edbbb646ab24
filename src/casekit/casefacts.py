"""Facts read from a case and its history, pure and defensive.

Reply scripts and reports need more than the current file: the state a case was in at a
moment (a report for last week reads Sunday 23:59 from the history, not today's file), when
it was first answered and resolved, the promise recorded with the customer, an escalation,
its deadlines. Some of that data is written by features that may not be present (deadlines,
promises, escalations, call attempts), so every reader here accepts whatever shape it finds
and returns None or an empty result for what is missing; nothing here raises on odd data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from casekit.casefile import customer_of, fields_of, history_of
from casekit.config import KindSpec
from casekit.returns.settings import ReturnSettings
from casekit.timeutil import stored_instant

# Keys the core settable changes use in a history entry's `set` record.
_CORE_KEYS = ("title", "priority", "channel")
_CUSTOMER_PREFIX = "customer."

# History actions that are not a contact with the customer (they do not answer a case).
NON_CONTACT_ACTIONS = frozenset({"open", "assign", "link"})

# States (besides terminal ones) that mean "the customer's problem is solved".
RESOLVING_STATES = frozenset({"resolved", "refunded", "reshipped"})

# Keys under which a promise entry, an escalation entry or a deadline may keep its time.
_PROMISE_TIME_KEYS = ("promised_reply_at", "reply_by", "until", "due", "promise", "deadline", "time")
_ESCALATION_TARGET_KEYS = ("to_person", "supervisor", "escalated_to", "assignee", "to")
_DUE_KEYS = ("due", "at", "deadline", "until")
_DONE_KEYS = ("met", "met_at", "done_at", "completed_at", "satisfied_at", "answered_at", "resolved_at")


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from a stored ISO 8601 text, or None for anything else."""
    if isinstance(value, str):
        return stored_instant(value.strip())
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    return None


def money(value: Any) -> Decimal | None:
    """A money value as Decimal (stored Decimal, int or numeric text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip().lstrip("¥￥"))
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    return parse_time(entry.get("at"))


# Set by `shared_timelines`: id(case) -> (case, its timed history).
_TIMELINES: dict[int, tuple[Mapping[str, Any], list[tuple[datetime, Mapping[str, Any]]]]] | None = None


@contextmanager
def shared_timelines() -> Iterator[None]:
    """Within this block `timed_history` reads each case once: a report asks for the same
    case's timeline many times. The cases must not change inside the block."""
    global _TIMELINES
    previous = _TIMELINES
    _TIMELINES = {}
    try:
        yield
    finally:
        _TIMELINES = previous


def timed_history(case: Mapping[str, Any]) -> list[tuple[datetime, Mapping[str, Any]]]:
    """History entries with a readable time, in file order (do not change the list)."""
    cache = _TIMELINES
    if cache is not None and (hit := cache.get(id(case))) is not None and hit[0] is case:
        return hit[1]
    result = []
    for entry in history_of(case):
        moment = entry_time(entry)
        if moment is not None:
            result.append((moment, entry))
    if cache is not None:
        cache[id(case)] = (case, result)
    return result


def opened_at(case: Mapping[str, Any]) -> datetime | None:
    return parse_time(case.get("opened_at"))


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


_SALUTATION_EN = {"先生": "Mr", "女士": "Ms"}


def customer_address(customer: Mapping[str, Any], lang: str = "zh") -> str:
    """How to address the customer: the recorded name and salutation, never a guessed one.

    zh: 王 + 先生 -> 王先生 (a name already ending in its salutation is kept as is);
    en: Mr 王. Without a recorded salutation, the name alone.
    """
    name = str(customer.get("name") or "").strip()
    salutation = customer.get("salutation")
    if salutation not in _SALUTATION_EN:
        return name
    if lang == "en":
        bare = name[: -len(salutation)] if name.endswith(salutation) and len(name) > len(salutation) else name
        return f"{_SALUTATION_EN[salutation]} {bare}"
    return name if name.endswith(salutation) else f"{name}{salutation}"


# --- the case as it was at a moment -----------------------------------------------------


def as_of(case: Mapping[str, Any], moment: datetime) -> dict[str, Any] | None:
    """The case as it stood at `moment`, read from its history; None if not yet opened.

    Status and assignee are replayed from open/move/assign entries; fields, title, priority,
    channel and customer from the `set` records of open/move/set entries. A value no entry
    ever recorded (an older or hand-made file) is taken from the file as it is now. Keys other
    features add (deadlines, flags) are taken as they are now.
    """
    start = opened_at(case)
    if start is not None and start > moment:
        return None
    entries = history_of(case)
    if entries and (last := entry_time(entries[-1])) is not None and last <= moment:
        return dict(case)  # nothing happened after the moment (entries are in time order)
    past = [e for e in entries if (t := entry_time(e)) is None or t <= moment]
    if entries and not past:
        return None
    recorded: set[str] = set()
    for entry in entries:
        recorded.update(str(k) for k in _set_record(entry))
    snapshot: dict[str, Any] = dict(case)
    fields = {k: v for k, v in fields_of(case).items() if k not in recorded}
    customer = {k: v for k, v in customer_of(case).items() if _CUSTOMER_PREFIX + k not in recorded}
    for key in _CORE_KEYS:
        if key in recorded:
            snapshot.pop(key, None)
    status = case.get("status")
    assignee = _initial_assignee(case, entries)
    for entry in past:
        action = entry.get("action")
        if action in ("open", "move") and "to" in entry:
            status = entry["to"]
        if action == "assign" and entry.get("assignee"):
            assignee = entry["assignee"]
        for key, value in _set_record(entry).items():
            key = str(key)
            if key.startswith(_CUSTOMER_PREFIX):
                _put(customer, key[len(_CUSTOMER_PREFIX) :], value)
            elif key in _CORE_KEYS:
                _put(snapshot, key, value)
            else:
                _put(fields, key, value)
    snapshot.update(status=status, assignee=assignee, fields=fields, customer=customer, history=past)
    return snapshot


def _set_record(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    record = entry.get("set")
    return record if isinstance(record, Mapping) else {}


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _initial_assignee(case: Mapping[str, Any], entries: list[Mapping[str, Any]]) -> Any:
    if not entries:
        return case.get("assignee")
    first = entries[0]
    if first.get("assignee"):
        return first["assignee"]
    if any(e.get("action") == "assign" for e in entries):
        return first.get("by")
    return case.get("assignee")


# --- events -----------------------------------------------------------------------------


def entered(case: Mapping[str, Any], states: Iterable[str]) -> datetime | None:
    """When the case first entered one of `states` (its opening counts)."""
    wanted = set(states)
    for moment, entry in timed_history(case):
        if entry.get("action") in ("open", "move") and entry.get("to") in wanted:
            return moment
    return None


def last_entered(case: Mapping[str, Any], states: Iterable[str]) -> datetime | None:
    """When the case last entered one of `states`."""
    wanted = set(states)
    found = None
    for moment, entry in timed_history(case):
        if entry.get("action") in ("open", "move") and entry.get("to") in wanted:
            found = moment
    return found


def is_terminal(case: Mapping[str, Any], kind: KindSpec | None) -> bool:
    return kind is not None and kind.is_terminal(str(case.get("status")))


def resolving_states(kind: KindSpec) -> set[str]:
    return {name for name, spec in kind.states.items() if spec.terminal or name in RESOLVING_STATES}


def closed_at(case: Mapping[str, Any], kind: KindSpec | None) -> datetime | None:
    """When a case now in a terminal state got there (None while it is open)."""
    if kind is None or not is_terminal(case, kind):
        return None
    return last_entered(case, [s for s, spec in kind.states.items() if spec.terminal])


def first_response_at(case: Mapping[str, Any]) -> datetime | None:
    """The first contact after opening: any history entry but assign and link."""
    for moment, entry in timed_history(case)[1:]:
        if entry.get("action") not in NON_CONTACT_ACTIONS:
            return moment
    return None


def resolved_at(case: Mapping[str, Any], kind: KindSpec | None) -> datetime | None:
    """When the case first reached a resolving state (resolved, refunded, a terminal state)."""
    if kind is None:
        return None
    return entered(case, resolving_states(kind) - {kind.initial})


# --- promises and escalation -----------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """A reply-by time agreed with the customer (the honest-promise rule)."""

    made_at: datetime
    due: datetime
    by: str | None
    note: str | None
    kept_at: datetime | None  # the first contact after it was made, if any


def promises(case: Mapping[str, Any]) -> list[Promise]:
    """Every promise recorded: `promise` history entries, else a top-level promised_reply_at."""
    timeline = timed_history(case)
    found = []
    for index, (moment, entry) in enumerate(timeline):
        if entry.get("action") != "promise":
            continue
        due = _first_time(entry, _PROMISE_TIME_KEYS)
        if due is None:
            continue
        kept = next(
            (t for t, later in timeline[index + 1 :] if later.get("action") not in NON_CONTACT_ACTIONS),
            None,
        )
        found.append(Promise(moment, due, _text(entry.get("by")), _text(entry.get("note")), kept))
    if not found:
        due = parse_time(case.get("promised_reply_at"))
        if due is not None:
            found.append(Promise(due, due, None, None, None))
    return found


def promise_kept(promise: Promise) -> bool:
    return promise.kept_at is not None and promise.kept_at <= promise.due


def active_promise(case: Mapping[str, Any]) -> Promise | None:
    """The latest promise, if no state move came after it (a move answers it)."""
    found = promises(case)
    if not found:
        return None
    latest = found[-1]
    last_move = _last_action_time(case, {"move"})
    if last_move is not None and last_move > latest.made_at:
        return None
    return latest


@dataclass(frozen=True)
class Escalation:
    at: datetime
    by: str | None
    to: str | None
    note: str | None
    major: bool


def escalations(case: Mapping[str, Any]) -> list[Escalation]:
    found = []
    for moment, entry in timed_history(case):
        if entry.get("action") != "escalate":
            continue
        target = next((entry[k] for k in _ESCALATION_TARGET_KEYS if isinstance(entry.get(k), str)), None)
        found.append(
            Escalation(
                moment, _text(entry.get("by")), target, _text(entry.get("note")), entry.get("major") is True
            )
        )
    return found


def active_escalation(case: Mapping[str, Any]) -> Escalation | None:
    """The latest escalation, if no state move came after it."""
    found = escalations(case)
    if not found:
        return None
    latest = found[-1]
    last_move = _last_action_time(case, {"move"})
    if last_move is not None and last_move > latest.at:
        return None
    return latest


@dataclass(frozen=True)
class MajorRule:
    """Which cases are major by default (the `escalation:` section's major_kinds and
    major_channels when the config has them): a media complaint (媒体投诉)."""

    kinds: tuple[str, ...] = ("complaint",)
    channels: tuple[str, ...] = ("media",)

    @classmethod
    def from_config(cls, config: Any) -> MajorRule:
        section = config.section("escalation") if hasattr(config, "section") else None
        if not isinstance(section, Mapping):
            return cls()
        default = cls()

        def names(key: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
            value = section.get(key)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return tuple(str(v) for v in value)
            return fallback

        return cls(names("major_kinds", default.kinds), names("major_channels", default.channels))


def is_major(case: Mapping[str, Any], rule: MajorRule = MajorRule()) -> bool:
    """A major complaint (重大投诉): flagged on the case or by an escalation, or major by
    default (its kind and channel, e.g. a media complaint)."""
    if case.get("major") is True or fields_of(case).get("major") is True:
        return True
    flags = case.get("flags")
    if isinstance(flags, list) and "major" in flags:
        return True
    escalation = case.get("escalation")
    if isinstance(escalation, Mapping) and escalation.get("major") is True:
        return True
    if any(e.major for e in escalations(case)):
        return True
    return case.get("kind") in rule.kinds and case.get("channel") in rule.channels


def _last_action_time(case: Mapping[str, Any], actions: set[str]) -> datetime | None:
    found = None
    for moment, entry in timed_history(case):
        if entry.get("action") in actions:
            found = moment
    return found


def _first_time(entry: Mapping[str, Any], keys: Iterable[str]) -> datetime | None:
    for key in keys:
        raw = entry.get(key)
        if raw is not None and (value := parse_time(raw)) is not None:
            return value
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


PROMISE_NAMES = frozenset({"promise", "promised_reply", "promised_reply_at"})

# --- deadlines --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    name: str
    due: datetime
    done: datetime | None  # when it was met or answered (None: not yet)


def deadlines(
    case: Mapping[str, Any], kind: KindSpec | None, promised: list[Promise] | None = None
) -> list[Deadline]:
    """The case's `deadlines:` (name -> time, or name -> mapping with `due`, `met` and the
    earlier intervals it `missed`), each with when it was satisfied: the recorded time, else
    first response / resolution read from the history. Promises are read from the history
    (`promise` entries), each kept by the next contact; `promised`: the case's `promises`,
    when the caller has them already."""
    raw = case.get("deadlines")
    found: list[Deadline] = []
    if isinstance(raw, Mapping):
        for name, value in raw.items():
            name = str(name)
            if name in PROMISE_NAMES:
                continue
            due: datetime | None
            done: datetime | None = None
            if isinstance(value, Mapping):
                due = _first_time(value, _DUE_KEYS)
                done = _first_time(value, _DONE_KEYS)
                missed = value.get("missed")
                for earlier in missed if isinstance(missed, list) else []:
                    if isinstance(earlier, Mapping) and (when := _first_time(earlier, _DUE_KEYS)):
                        found.append(Deadline(name, when, _first_time(earlier, _DONE_KEYS)))
            else:
                due = parse_time(value)
            if due is None:
                continue
            if done is None and not (isinstance(value, Mapping) and "start" in value):
                # written by hand or by an older tool: read when it was met from the history
                done = _done_by_history(case, kind, name)
            found.append(Deadline(name, due, done))
    for promise in promises(case) if promised is None else promised:
        found.append(Deadline("promise", promise.due, promise.kept_at))
    return found


def _done_by_history(case: Mapping[str, Any], kind: KindSpec | None, name: str) -> datetime | None:
    lowered = name.lower()
    if "first" in lowered or "response" in lowered or "reply" in lowered:
        return first_response_at(case)
    if "update" in lowered:
        return None
    if case.get("kind") == "callback" and kind is not None:
        return closed_at(case, kind) or entered(case, [s for s in kind.states if kind.is_terminal(s)])
    return resolved_at(case, kind)


# --- callbacks --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    at: datetime
    outcome: str


ANSWERED = "answered"


def attempts(case: Mapping[str, Any]) -> list[Attempt]:
    """Call attempts: an `attempts:` list of {at, outcome}, else `attempt` history entries."""
    raw = case.get("attempts")
    found = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and (moment := parse_time(item.get("at"))) is not None:
                found.append(Attempt(moment, str(item.get("outcome", ""))))
        return found
    for moment, entry in timed_history(case):
        if entry.get("action") == "attempt":
            found.append(Attempt(moment, str(entry.get("outcome", ""))))
    return found


def satisfaction(case: Mapping[str, Any]) -> str | None:
    """satisfied / neutral / dissatisfied from the fields (or a `survey:` mapping)."""
    value = fields_of(case).get("satisfaction")
    if value is None and isinstance(case.get("survey"), Mapping):
        value = case["survey"].get("satisfaction")
    return value if isinstance(value, str) else None


# --- returns ----------------------------------------------------------------------------

# Reasons for which the shop pays the postage both ways (domain.md section 3), as the
# returns feature ships them; a case normally records its payer, this is the fallback.
SHOP_PAYS_REASONS = frozenset(ReturnSettings().shop_pays)


def postage_payer(case: Mapping[str, Any]) -> str | None:
    """'shop' or 'customer': as recorded on the case, else from the return's reason."""
    fields = fields_of(case)
    for source in (fields, case):
        for key in ("postage_payer", "postage_paid_by"):
            value = source.get(key)
            if isinstance(value, str):
                return value
    postage = case.get("postage")
    if isinstance(postage, Mapping) and isinstance(postage.get("payer"), str):
        return str(postage["payer"])
    reason = fields.get("reason")
    if not isinstance(reason, str):
        return None
    return "shop" if reason in SHOP_PAYS_REASONS else "customer"


# Which ways each return type ships: back = customer to shop, out = shop to customer.
DEFAULT_LEGS = {"return": ("back",), "exchange": ("back", "out"), "resend": ("out",)}


def shop_postage_legs(case: Mapping[str, Any]) -> list[str]:
    """The legs ('back', 'out') whose postage the shop pays: as the case records them
    (`postage: {return_leg, reship_leg}`), else from the payer and the return type."""
    postage = case.get("postage")
    if isinstance(postage, Mapping) and ("return_leg" in postage or "reship_leg" in postage):
        return [
            leg for leg, key in (("back", "return_leg"), ("out", "reship_leg")) if postage.get(key) == "shop"
        ]
    if postage_payer(case) != "shop":
        return []
    return list(DEFAULT_LEGS.get(str(fields_of(case).get("return_type")), ()))


def postage_amount(case: Mapping[str, Any]) -> Decimal | None:
    value = money(fields_of(case).get("postage_amount"))
    if value is None and isinstance(case.get("postage"), Mapping):
        value = money(case["postage"].get("amount"))
    return value
