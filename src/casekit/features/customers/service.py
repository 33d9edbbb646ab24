"""`casekit customer QUERY`, `casekit customer update` and the repeat-caller notice of
`casekit new`: the customer file read and written, the cases of a customer found through
the query index (`CaseFilter.customer`, narrowed in SQL on each case's search terms)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from casekit.codec.yamlio import block_map, dump_round_trip, load_fast, load_round_trip
from casekit.core.casefile import customer_of, mask_phone, parse_assignments
from casekit.core.config import Config
from casekit.core.customers import CustomerMatch, identity, query_match, squeezed
from casekit.core.fields import control_character, parse_value, phone_key
from casekit.core.selection import CaseFilter, open_states
from casekit.core.timeline import latest_progress, opened_at
from casekit.errors import Refused, UsageError
from casekit.features.customers.cards import (
    CARD_COLUMNS,
    card_for_phone,
    card_matches,
    card_phones,
    check_cards,
    identity_match,
)
from casekit.features.customers.files import CARDS_KEY, CustomerFile, read_customer_file, within_file
from casekit.features.customers.settings import (
    LIST_KEYS,
    NAME_KEY,
    PHONE_KEY,
    CustomerSettings,
    customer_settings,
)
from casekit.i18n import N_, _, ngettext
from casekit.service.env import Env

# --- finding a customer ---------------------------------------------------------------


def customer_cases(
    env: Env, match: CustomerMatch, widen: Callable[[list[Mapping[str, Any]]], CustomerMatch] | None = None
) -> list[Mapping[str, Any]]:
    """The cases `match` names (and then those `widen(found)` names), newest first, read
    through the query index."""
    from casekit.index.reader import read_related

    def wider(found: list[Mapping[str, Any]]) -> CaseFilter | None:
        more = widen(found) if widen is not None else None
        return None if more is None or more.is_empty else CaseFilter.of(customer=more)

    cases = read_related(env.root, CaseFilter.of(customer=match), wider)
    cases.sort(key=lambda c: (str(c.get("opened_at", "")), str(c.get("id", ""))), reverse=True)
    return cases


def find_customer(env: Env, query: str) -> dict[str, Any]:
    """`casekit customer QUERY`: the customers the query names, each with their card (when
    the customer file has one) and every case they have, newest first."""
    text = query.strip()
    if not text:
        raise UsageError(_("give a phone number, part of a name, an order or an account number"))
    if problem := control_character(text):
        raise UsageError(_("QUERY {problem}").format(problem=problem))
    config = env.config
    file = read_customer_file(env.root, config)
    match = query_match(text)
    cards = [card for card in file.cards if card_matches(card, match)]
    # Then everything that names the same people (their phones and accounts): every case they have.
    cases = customer_cases(env, match, lambda found: identity_match(cards, found))
    return {"query": text, "customers": _grouped(cards, cases, config, env.now(config.tz))}


def _grouped(
    cards: list[Mapping[str, Any]], cases: list[Mapping[str, Any]], config: Config, now: datetime
) -> list[dict[str, Any]]:
    """One group per customer: a card and its cases, then cases of customers with no card,
    grouped by phone (else account, else name)."""
    groups: list[dict[str, Any]] = []
    owner: dict[str, dict[str, Any]] = {}
    for card in cards:
        group: dict[str, Any] = {"card": _card_view(card), "cases": []}
        groups.append(group)
        for key in card_phones(card):
            owner.setdefault("phone:" + key, group)
        if account := squeezed(card.get("account")):
            owner.setdefault("account:" + account, group)
    for case in cases:
        found = identity(case)
        keys = [
            k
            for k in (
                "phone:" + found.phone if found.phone else "",
                "account:" + found.account if found.account else "",
            )
            if k
        ]
        keys = keys or ["name:" + found.name]
        known = next((owner[k] for k in keys if k in owner), None)
        if known is None:
            name = customer_of(case).get("name")
            known = {"card": None, "name": name if isinstance(name, str) else "", "cases": []}
            groups.append(known)
            for key in keys:
                owner.setdefault(key, known)
        known["cases"].append(_case_view(case, config, now))
    return groups


def _card_view(card: Mapping[str, Any]) -> dict[str, Any]:
    view = {key: card[key] for key in CARD_COLUMNS if key in card}
    view.update({key: value for key, value in card.items() if key not in view and key not in LIST_KEYS})
    return view


def _case_view(case: Mapping[str, Any], config: Config, now: datetime) -> dict[str, Any]:
    from casekit.render.due import list_columns

    kind = config.kinds.get(str(case.get("kind")))
    status = str(case.get("status", ""))
    progress = latest_progress(case)
    text = None
    if progress is not None:
        entry, text = progress
        if text is None and kind is not None:
            text = "→ " + kind.state_label(str(entry.get("to")))
    columns = list_columns(case, config, now, count_breaches=False)
    return {
        "id": case.get("id"),
        "kind": case.get("kind"),
        "kind_label": kind.label.zh if kind else case.get("kind"),
        "status": status,
        "status_label": kind.state_label(status) if kind else status,
        "title": case.get("title"),
        "opened_at": case.get("opened_at"),
        "assignee": case.get("assignee"),
        "next_due": columns["next_due"],
        "overdue": bool(columns["overdue"]),
        "progress_at": progress[0].get("at") if progress else None,
        "progress": text or "",
    }


def customer_text(found: Mapping[str, Any]) -> str:
    """The customer card and cases for people: one block per customer."""
    from casekit.render.output import short_time, table, truncate

    groups = found["customers"]
    if not groups:
        return _("没有找到客户：{query} (no customer or case matches {query!r})").format(query=found["query"])
    blocks = []
    for group in groups:
        card = group["card"]
        lines = []
        if card is None:
            lines.append(
                _("客户 Customer: {name}（客户档案中没有 not in the customer file）").format(
                    name=group["name"]
                )
            )
        else:
            lines.append(_("客户 Customer: {name}").format(name=_addressed(card)))
            phones = [str(card.get(PHONE_KEY, "")), *(str(p) for p in card.get("phones") or [])]
            lines.append(_("电话 Phones: {phones}").format(phones="、".join(p for p in phones if p)))
            if card.get("vip") or card.get("vip_level"):
                lines.append(_("VIP: {level}").format(level=card.get("vip_level") or _("是 yes")))
            for key in ("account", "agent", "preferred_hours", "address"):
                if card.get(key):
                    lines.append(f"{_(_LABELS[key])}: {card[key]}")
            if card.get("notes"):
                lines.append(_("备注 Notes: {notes}").format(notes=" ".join(str(card["notes"]).split())))
        cases = group["cases"]
        if cases:
            rows = [
                [
                    c["id"],
                    c["kind_label"],
                    c["status_label"],
                    truncate(str(c["title"] or ""), 24),
                    short_time(c["opened_at"]),
                    (short_time(c["next_due"]) + (" " + _("逾期") if c["overdue"] else "")).strip(),
                    truncate(c["progress"], 30),
                ]
                for c in cases
            ]
            headers = [
                "ID",
                _("类型 Kind"),
                _("状态 Status"),
                _("标题 Title"),
                _("受理 Opened"),
                _("期限 Due"),
                _("最新进展 Progress"),
            ]
            lines.append(table(rows, headers))
            count = len(cases)
            lines.append(
                ngettext("（共 {count} 件 {count} case）", "（共 {count} 件 {count} cases）", count).format(
                    count=count
                )
            )
        else:
            lines.append(_("（没有案件 no cases）"))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _addressed(card: Mapping[str, Any]) -> str:
    """王建国先生: the name, with the salutation when the name does not end in it."""
    name, salutation = str(card.get("name") or ""), str(card.get("salutation") or "")
    return name if name.endswith(salutation) else name + salutation


_LABELS = {
    "account": N_("买家ID Account"),
    "agent": N_("专属客服 Agent"),
    "preferred_hours": N_("方便接听 Preferred hours"),
    "address": N_("地址 Address"),
}


# --- repeat callers ---------------------------------------------------------------------


@dataclass(frozen=True)
class CallerHistory:
    """What `casekit new` learns about a caller before opening: their open and recent
    cases (a repeat caller), the line to print about them, and the harassment logs
    whose source is their phone."""

    repeats: list[str]
    repeat_line: str | None
    harassment_logs: list[str]


def caller_history(env: Env, phone: str | None, sets: Sequence[str], *, linking: bool) -> CallerHistory:
    """One look at the caller's cases (by phone, or by the `customer_account` given with
    --set) for `casekit new`."""
    from casekit.core.casefile import ACCOUNT_FIELD
    from casekit.features.harassment.rules import is_harassment

    account = next(
        (
            v.strip()
            for k, _, v in (s.partition("=") for s in sets)
            if k.strip() == ACCOUNT_FIELD and v.strip()
        ),
        None,
    )
    match = CustomerMatch.of(phones=[phone] if phone else [], accounts=[account] if account else [])
    if match.is_empty:
        return CallerHistory([], None, [])
    cases = customer_cases(env, match)
    logs = sorted(str(c.get("id")) for c in cases if is_harassment(c))
    config = env.config
    repeats = repeat_cases([c for c in cases if not is_harassment(c)], config, env.now(config.tz))
    line = repeat_notice(repeats, customer_settings(config), config, linked=linking) if repeats else None
    return CallerHistory([str(c.get("id")) for c in repeats], line, logs)


def repeat_cases(
    cases: Sequence[Mapping[str, Any]], config: Config, now: datetime
) -> list[Mapping[str, Any]]:
    """Of a customer's earlier cases, those that make them a repeat caller: every one
    still open, and (when there are `repeat.min_cases` or more, the new case counted)
    those opened in the last `repeat.within_days`; newest first."""
    settings = customer_settings(config)
    open_ = open_states(config)
    since = now - timedelta(days=settings.repeat_within_days)
    still_open = [c for c in cases if str(c.get("status")) in open_.get(str(c.get("kind")), ())]
    recent = [c for c in cases if (opened_at(c) or now) >= since]
    if still_open or len(recent) + 1 >= settings.repeat_min_cases:  # the new case counts
        chosen = {str(c.get("id")): c for c in [*still_open, *recent]}
        return sorted(chosen.values(), key=lambda c: str(c.get("opened_at", "")), reverse=True)
    return []


def repeat_notice(
    cases: Sequence[Mapping[str, Any]], settings: CustomerSettings, config: Config, *, linked: bool = False
) -> str:
    """One line naming the customer's open and recent cases."""
    open_ = open_states(config)
    named = []
    for case in cases:
        kind = config.kinds.get(str(case.get("kind")))
        status = str(case.get("status"))
        label = kind.state_label(status) if kind else status
        named.append(f"{case.get('id')}（{label}）")
    open_count = sum(1 for c in cases if str(c.get("status")) in open_.get(str(c.get("kind")), ()))
    listed = "、".join(named)
    if linked:
        return _(
            "重复来电，已关联该客户的{count}件案件：{listed} "
            "(repeat caller: linked to {count} cases of this customer)"
        ).format(count=len(cases), listed=listed)
    return _(
        "重复来电：该客户有{open_count}件未结案件，近{days}天共{count}件案件：{listed}；可加 --link 关联 "
        "(repeat caller: {open_count} open and {count} recent cases of this customer; pass --link to link "
        "the new case to them)"
    ).format(open_count=open_count, days=settings.repeat_within_days, count=len(cases), listed=listed)


# --- writing the card -------------------------------------------------------------------


def card_changes(
    settings: CustomerSettings, pairs: Sequence[tuple[str, str]], config: Config, what: str
) -> dict[str, Any]:
    """Parsed `key=value` card changes; an empty value removes the key."""
    changes: dict[str, Any] = {}
    for key, text in pairs:
        if key in LIST_KEYS:
            raise Refused(
                _("{what}: {key} is written by the callback planner's export, not by --set").format(
                    what=what, key=key
                )
            )
        spec = settings.fields.get(key)
        if spec is None:
            known = ", ".join(settings.fields)
            raise Refused(
                _(
                    "{what}: {key!r} is not a customer card field; the fields are {known} "
                    "(customers.fields adds more)"
                ).format(what=what, key=key, known=known)
            )
        if not text.strip():
            if key in (NAME_KEY, PHONE_KEY):
                raise Refused(_("{what}: a card cannot lose its {key}").format(what=what, key=key))
            changes[key] = None
            continue
        try:
            changes[key] = parse_value(spec, text, config.tz)
        except ValueError as exc:
            raise Refused(f"{what}: {key}: {exc}") from None
    return changes


@dataclass(frozen=True)
class CardWrite:
    """A card's new content: the file to write and its bytes, and what changed."""

    path: str
    content: bytes
    phone: str
    name: str
    created: bool
    keys: tuple[str, ...]


def plan_card_write(
    env: Env, phone: str, changes: Mapping[str, Any], *, default_name: str | None = None
) -> CardWrite | None:
    """The customer file with the card of `phone` changed (made when there is none: it
    takes `default_name` unless `changes` names the customer). None when nothing changes."""
    config = env.config
    settings = customer_settings(config)
    key = phone_key(phone)
    if not key:
        raise Refused(
            _("{phone!r} is not a phone number; give the customer's phone, such as 13800138000").format(
                phone=phone
            )
        )
    file = read_customer_file(env.root, config)
    if file.problems:
        raise Refused(_("{problem}; fix the customer file first").format(problem=file.problems[0]))
    position = card_for_phone(file.cards, phone)
    created = position is None
    rel = (
        (settings.file + key + ".yaml")
        if settings.is_folder and created
        else (file.files[position] if position is not None else settings.file)
    )
    path = env.root / rel
    text = path.read_text("utf-8") if path.is_file() else ""
    document = load_round_trip(text) if text.strip() else None
    if settings.is_folder:
        card = document if document is not None else block_map({})
        container = None
    else:
        if document is None:
            document = block_map({CARDS_KEY: []})
        container = document[CARDS_KEY]
        card = container[within_file(file, position)] if position is not None else block_map({})
    before = dict(card)
    if created:
        name = changes.get(NAME_KEY) or default_name
        if not name:
            raise Refused(
                _(
                    "no customer card has the phone {phone} and no case names one; give the name "
                    "too: --set name=王先生"
                ).format(phone=mask_phone(phone))
            )
        card[NAME_KEY] = name
        card[PHONE_KEY] = _stored_phone(phone)
    for name, value in changes.items():
        if value is None:
            card.pop(name, None)
        else:
            card[name] = value
    if not created and dict(card) == before:
        return None
    if created and container is not None:
        container.append(card)
    content = dump_round_trip(document if not settings.is_folder else card).encode("utf-8")
    # as with cases, casekit never writes a problem the file did not have (old ones are tolerated)
    known = {message for _, (_, message) in check_cards(file.cards, settings)}
    after = check_cards(_cards_after(file, rel, content, settings), settings)
    problems = [message for _, (_, message) in after if message not in known]
    if problems:
        raise Refused(_("{rel}: {problems} (nothing was changed)").format(rel=rel, problems=problems[0]))
    keys = tuple(k for k in changes if before.get(k) != card.get(k) or created)
    return CardWrite(rel, content, key, str(card[NAME_KEY]), created, keys)


def _stored_phone(phone: str) -> str:
    from casekit.core.fields import normalise_phone

    try:
        return normalise_phone(phone)
    except ValueError as exc:
        raise Refused(str(exc)) from None


def _cards_after(file: CustomerFile, rel: str, content: bytes, settings: CustomerSettings) -> list[Any]:
    """Every card as it will be once `content` is written to `rel`."""
    data = load_fast(content)
    if settings.is_folder:
        return [data if f == rel else c for c, f in zip(file.cards, file.files, strict=True)] + (
            [data] if rel not in file.files else []
        )
    items = data.get(CARDS_KEY) if isinstance(data, Mapping) else None
    return list(items) if isinstance(items, list) else []


def card_trailers(write: CardWrite) -> tuple[tuple[str, str], ...]:
    return (
        ("Customer-Action", "create" if write.created else "update"),
        ("Customer-Phone", write.phone),
        *(("Customer-Set", key) for key in write.keys),
    )


def update_customer(env: Env, phone: str, sets: Sequence[str], *, note: str | None = None) -> list[str]:
    """`casekit customer update PHONE --set key=value...`: the card changed as one commit."""
    from casekit.service.actions import begin, write_and_commit
    from casekit.vcs import git as vcs

    what = f"customer {mask_phone(phone)}"
    if not sets:
        raise UsageError(_("customer update: give at least one --set key=value"))
    if note and (problem := control_character(note)):
        raise Refused(_("{what}: --note {problem}").format(what=what, problem=problem))
    config = env.config
    settings = customer_settings(config)
    changes = card_changes(settings, parse_assignments(list(sets)), config, what)
    actor = env.actor()
    root = env.root
    with vcs.repo_lock(root):
        settled = begin(env)
        known = customer_cases(env, CustomerMatch.of(phones=[phone]))
        default_name = str(customer_of(known[0]).get("name") or "") if known else None
        write = plan_card_write(env, phone, changes, default_name=default_name)
        if write is None:
            return [*settled, _("{what}: the card already says that; nothing changed").format(what=what)]
        state = vcs.ask_file_state(root, write.path)()
        on_disk = (root / write.path).read_bytes() if (root / write.path).is_file() else None
        if on_disk is not None and (state.head != vcs.blob_id(on_disk) or state.index != state.head):
            raise Refused(
                _(
                    "{path} has uncommitted changes; commit or discard them (`git checkout HEAD -- "
                    "{path}`) before updating a customer"
                ).format(path=write.path)
            )
        lines = [
            f"{write.path}: {write.name} {mask_phone(write.phone)} "
            f"{'created' if write.created else 'updated'}",
            "",
        ]
        if note and note.strip():
            lines += [note.strip(), ""]
        lines += [f"{k}: {v}" for k, v in card_trailers(write)]
        lines.append(f"Customer-Actor: {actor.ident}")
        commit = write_and_commit(
            root,
            {write.path: write.content},
            "\n".join(lines) + "\n",
            author=vcs.Ident(actor.name, actor.email),
            when=env.now(config.tz),
            new_files=frozenset() if on_disk is not None else frozenset({write.path}),
        )
    done = (
        _("客户档案新建 created: {name} {phone} ({keys}) {commit}")
        if write.created
        else _("客户档案已更新 updated: {name} {phone} ({keys}) {commit}")
    )
    return [
        *settled,
        done.format(
            name=write.name, phone=mask_phone(write.phone), keys=", ".join(write.keys), commit=commit[:10]
        ),
    ]
