"""Validation as a list of small pure checks.

Each case check takes one parsed case and the config and returns findings: (key path,
message). The runner turns findings into `Problem`s with the line each key is on, so
`casekit validate`, the pre-commit hook and CI print `path:line: message`. Adding a rule
is adding a function to `CASE_CHECKS` (or `REPOSITORY_CHECKS` for rules across cases);
features add theirs with `CASE_CHECKS.add`, and reading the registry loads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from casekit.core.casefile import (
    CUSTOMER_KEYS,
    HISTORY_ACTIONS,
    REQUIRED_KEYS,
    SALUTATIONS,
    TOP_LEVEL_KEYS,
    fields_of,
    history_of,
)
from casekit.core.config import CASE_FILE_BYTES, Config, Finding, KeyPath
from casekit.core.fields import check_timestamp, check_value, normalise_phone
from casekit.core.ids import parse_id, relative_case_path
from casekit.core.registry import Registry
from casekit.core.timeutil import stored_instant
from casekit.core.undo import UNDO, UNDOABLE, undone_position
from casekit.core.workflow import replay_states, state_after
from casekit.errors import Problem
from casekit.i18n import _


class CaseDoc:
    """One case file as read: its repository-relative path, raw bytes and parsed data.

    Cases served by the query index carry no bytes; `read` fetches them the first time
    `raw` is asked for (only reporting a problem's line number needs them).
    """

    __slots__ = ("_raw", "_read", "data", "path")

    def __init__(
        self,
        path: str,
        raw: bytes | None,
        data: Mapping[str, Any],
        read: Callable[[], bytes] | None = None,
    ) -> None:
        if raw is None and read is None:
            raise ValueError(_("a CaseDoc needs its bytes or a way to read them"))
        self.path = path
        self.data = data
        self._raw = raw
        self._read = read

    @property
    def raw(self) -> bytes:
        if self._raw is None:
            assert self._read is not None
            try:
                self._raw = self._read()
            except OSError:
                self._raw = b""
        return self._raw

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaseDoc):
            return NotImplemented
        return (self.path, self.raw, self.data) == (other.path, other.raw, other.data)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CaseDoc(path={self.path!r}, data={self.data!r})"


CaseCheck = Callable[[CaseDoc, Config], list[Finding]]
RepositoryCheck = Callable[[list[CaseDoc], Config], list[tuple[CaseDoc, KeyPath, str]]]


def check_shape(doc: CaseDoc, config: Config) -> list[Finding]:
    case = doc.data
    findings: list[Finding] = [
        ([], _("missing required key '{key}'").format(key=key)) for key in REQUIRED_KEYS if key not in case
    ]
    for key in case:
        if key not in TOP_LEVEL_KEYS:
            findings.append(
                (
                    [key],
                    _("unknown key '{key}'; case keys are {keys}").format(
                        key=key, keys=_(", ").join(TOP_LEVEL_KEYS)
                    ),
                )
            )
    if "title" in case and (not isinstance(case["title"], str) or not case["title"].strip()):
        findings.append((["title"], _("title must be non-empty text")))
    if "opened_at" in case and (problem := check_timestamp(case["opened_at"])):
        findings.append((["opened_at"], problem))
    if "priority" in case and case["priority"] not in config.priorities:
        findings.append(
            (
                ["priority"],
                _("unknown priority {priority!r}; use one of {priorities}").format(
                    priority=case["priority"], priorities=_(", ").join(config.priorities)
                ),
            )
        )
    if "channel" in case and config.channels and case["channel"] not in config.channels:
        findings.append(
            (
                ["channel"],
                _("unknown channel {channel!r}; use one of {channels}").format(
                    channel=case["channel"], channels=_(", ").join(config.channels)
                ),
            )
        )
    assignee = case.get("assignee")
    if assignee is not None and not isinstance(assignee, str):
        findings.append((["assignee"], _("assignee must be a login")))
    elif assignee and config.people and config.person(assignee) is None:
        findings.append(
            (
                ["assignee"],
                _("assignee {login!r} is not one of the people in casekit.yaml").format(login=assignee),
            )
        )
    links = case.get("links", [])
    if not isinstance(links, list) or not all(isinstance(x, str) and parse_id(x) for x in links):
        findings.append((["links"], _("links must be a list of case IDs")))
    return findings


def check_customer(doc: CaseDoc, config: Config) -> list[Finding]:
    customer = doc.data.get("customer")
    if customer is None:
        return []
    if not isinstance(customer, Mapping):
        return [(["customer"], _("customer must be a mapping with name and phone"))]
    findings: list[Finding] = []
    name = customer.get("name")
    if not isinstance(name, str) or not name.strip():
        findings.append((["customer", "name"], _("customer name must be non-empty text")))
    phone = customer.get("phone")
    if phone is not None:
        if not isinstance(phone, str):
            findings.append((["customer", "phone"], _("phone must be quoted text, such as '13800138000'")))
        else:
            try:
                normalise_phone(phone)
            except ValueError as exc:
                findings.append((["customer", "phone"], str(exc)))
    salutation = customer.get("salutation")
    if salutation is not None and salutation not in SALUTATIONS:
        findings.append(
            (
                ["customer", "salutation"],
                _("salutation must be one of {choices}").format(choices=_(", ").join(SALUTATIONS)),
            )
        )
    for key in customer:
        if key not in CUSTOMER_KEYS:
            findings.append(
                (
                    ["customer", key],
                    _("unknown customer key '{key}'; use {keys}").format(
                        key=key, keys=_(", ").join(CUSTOMER_KEYS)
                    ),
                )
            )
    return findings


def check_identity(doc: CaseDoc, config: Config) -> list[Finding]:
    """The file sits where its ID, kind and opening date say it should."""
    case = doc.data
    case_id = parse_id(str(case.get("id", "")))
    if case_id is None or str(case_id) != case.get("id"):
        return [(["id"], _("{id!r} is not a case ID such as C-20261123-7KQ3-XHD2").format(id=case.get("id")))]
    kind_name = case.get("kind")
    if not isinstance(kind_name, str) or kind_name not in config.kinds:
        return [
            (
                ["kind"],
                _("unknown kind {kind!r}; kinds are {kinds}").format(
                    kind=kind_name, kinds=_(", ").join(config.kinds)
                ),
            )
        ]
    kind = config.kinds[kind_name]
    findings: list[Finding] = []
    if case_id.prefix != kind.prefix:
        findings.append(
            (
                ["kind"],
                _("kind is {kind} but the ID {id} is not: a {kind} ID starts with {prefix}-").format(
                    kind=kind.name, id=case_id, prefix=kind.prefix
                ),
            )
        )
    expected = relative_case_path(kind.name, case_id)
    if doc.path != expected:
        findings.append((["id"], _("case {id} belongs at {path}").format(id=case_id, path=expected)))
    opened = case.get("opened_at")
    opened_moment = stored_instant(opened)
    if opened_moment is not None:
        day = opened_moment.astimezone(config.tz).date()
        if day != case_id.day:
            findings.append(
                (
                    ["opened_at"],
                    _("opened on {day} but the ID says {id_day}").format(day=day, id_day=case_id.day),
                )
            )
    return findings


def check_fields(doc: CaseDoc, config: Config) -> list[Finding]:
    kind = config.kinds.get(doc.data.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        return []
    raw_fields = doc.data.get("fields", {})
    if raw_fields is not None and not isinstance(raw_fields, Mapping):
        return [(["fields"], _("fields must be a mapping of field names to values"))]
    findings: list[Finding] = []
    for name, value in fields_of(doc.data).items():
        spec = kind.fields.get(name)
        if spec is None:
            findings.append(
                (
                    ["fields", name],
                    _("{field!r} is not a field of a {kind}; define it in casekit.yaml").format(
                        field=name, kind=kind.name
                    ),
                )
            )
        elif value is not None and (problem := check_value(spec, value)):
            findings.append((["fields", name], f"{name}: {problem}"))
    for name, spec in kind.fields.items():
        if spec.required and fields_of(doc.data).get(name) in (None, "", []):
            findings.append((["fields"], _("required field {field!r} is not set").format(field=name)))
    return findings


def check_status(doc: CaseDoc, config: Config) -> list[Finding]:
    kind = config.kinds.get(doc.data.get("kind"))  # type: ignore[arg-type]
    status = doc.data.get("status")
    if kind is None or status in kind.states:
        return []
    return [
        (
            ["status"],
            _("unknown {kind} state {state!r}; states are {states}").format(
                kind=kind.name, state=status, states=_(", ").join(kind.states)
            ),
        )
    ]


def check_history(doc: CaseDoc, config: Config) -> list[Finding]:
    case = doc.data
    raw = case.get("history")
    if not isinstance(raw, list) or not raw:
        return [(["history"], _("history must be a non-empty list, starting with the 'open' entry"))]
    findings: list[Finding] = []
    previous: datetime | None = None
    for index, entry in enumerate(raw):
        where: KeyPath = ["history", index]
        if not isinstance(entry, Mapping):
            findings.append((where, _("a history entry must be a mapping with at, by and action")))
            continue
        for key in ("at", "by", "action"):
            if key not in entry:
                findings.append(
                    (where, _("history entry {number} has no '{key}'").format(number=index + 1, key=key))
                )
        action = entry.get("action")
        if action is not None and action not in HISTORY_ACTIONS:
            findings.append(
                (
                    where,
                    _("unknown action {action!r}; actions are {actions}").format(
                        action=action, actions=_(", ").join(sorted(HISTORY_ACTIONS))
                    ),
                )
            )
        at = entry.get("at")
        if at is not None:
            if problem := check_timestamp(at):
                findings.append((where, problem))
            elif (moment := stored_instant(at)) is not None:
                if previous is not None and moment < previous:
                    findings.append(
                        (
                            where,
                            _("history entry {number} is dated before the one above it").format(
                                number=index + 1
                            ),
                        )
                    )
                previous = moment
    if findings:
        return findings
    kind = config.kinds.get(case.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        return []
    history = history_of(case)
    findings += [(["history", index], message) for index, message in replay_states(kind, history)]
    if history and history[0].get("at") != case.get("opened_at"):
        findings.append((["history", 0], _("the 'open' entry's time differs from opened_at")))
    last_state = state_after(kind, history)
    if last_state is not None and case.get("status") != last_state:
        findings.append(
            (
                ["status"],
                _("status is {status!r} but the history ends in {state!r}").format(
                    status=case.get("status"), state=last_state
                ),
            )
        )
    return findings


def check_undo(doc: CaseDoc, config: Config) -> list[Finding]:
    """Each `undo` entry (`casekit.core.undo`) undoes an earlier note, update or assignment
    by the same person, and no entry is undone twice."""
    raw = doc.data.get("history")
    if not isinstance(raw, list) or not any(isinstance(e, Mapping) and e.get("action") == UNDO for e in raw):
        return []
    history = [e if isinstance(e, Mapping) else {} for e in raw]
    findings: list[Finding] = []
    undone: set[int] = set()
    for position, entry in enumerate(history):
        if entry.get("action") != UNDO:
            continue
        where: list[str | int] = ["history", position]
        undoes = entry.get("undoes")
        if not isinstance(undoes, Mapping) or "action" not in undoes or "at" not in undoes:
            findings.append(
                (
                    where,
                    _("history entry {number} is an undo without undoes: {{action, at}}").format(
                        number=position + 1
                    ),
                )
            )
            continue
        if undoes.get("action") not in UNDOABLE:
            findings.append(
                (
                    where,
                    _(
                        "history entry {number} undoes a '{action}' entry; only {actions} entries are undone"
                    ).format(number=position + 1, action=undoes.get("action"), actions=", ".join(UNDOABLE)),
                )
            )
            continue
        found = undone_position(history, position)
        if found is None:
            findings.append(
                (
                    where,
                    _(
                        "history entry {number} undoes {action} at {at}, "
                        "which is not an earlier entry by {by}"
                    ).format(
                        number=position + 1,
                        action=undoes.get("action"),
                        at=undoes.get("at"),
                        by=entry.get("by"),
                    ),
                )
            )
        elif found in undone:
            findings.append(
                (
                    where,
                    _("history entry {number} undoes entry {undone} a second time").format(
                        number=position + 1, undone=found + 1
                    ),
                )
            )
        else:
            undone.add(found)
    return findings


def check_unique_ids(docs: list[CaseDoc], config: Config) -> list[tuple[CaseDoc, KeyPath, str]]:
    seen: dict[str, CaseDoc] = {}
    problems: list[tuple[CaseDoc, KeyPath, str]] = []
    for doc in docs:
        case_id = doc.data.get("id")
        if not isinstance(case_id, str):
            continue  # check_identity names an ID that is missing or not text
        if case_id in seen:
            problems.append(
                (doc, ["id"], _("ID {id} is also used by {path}").format(id=case_id, path=seen[case_id].path))
            )
        else:
            seen[case_id] = doc
    return problems


CASE_CHECKS: Registry[CaseCheck] = Registry(
    "validation.CASE_CHECKS",
    [check_shape, check_customer, check_identity, check_status, check_fields, check_history, check_undo],
)
REPOSITORY_CHECKS: Registry[RepositoryCheck] = Registry("validation.REPOSITORY_CHECKS", [check_unique_ids])

# Checks over the repository's other files (templates, ...), as "module:function" names
# imported only when the whole repository is validated. Each function takes the repository
# root and the config and returns `Problem`s whose paths are relative to the root.
TREE_CHECKS: Registry[str] = Registry("validation.TREE_CHECKS")

# Checks of the files that case records name (attachments, ...), as "module:function"
# names imported when cases are validated. They read files, so they run at the edge, not
# among the CASE_CHECKS: each function takes the repository root, the config and the case
# documents read, and returns `Problem`s whose paths are the case files'.
CASE_FILE_CHECKS: Registry[str] = Registry("validation.CASE_FILE_CHECKS")


def parse_doc(
    path: str, raw: bytes, max_bytes: int = CASE_FILE_BYTES
) -> tuple[CaseDoc | None, list[Problem]]:
    """A case file's bytes read as a case, or None and the one problem that stops it being
    read: larger than `max_bytes` (the config's `limits.case_file_bytes`; checked before
    anything is parsed), not YAML, or YAML casekit refuses (`casekit.codec.yamlio.screen`:
    aliases, anchors, tags, duplicate keys, nesting deeper than a case has), or not a
    mapping. Every reader of case files (the index, `validate`, the hooks) goes through it."""
    from casekit.codec.quickload import load as load_case
    from casekit.codec.yamlio import YamlSyntaxError

    if len(raw) > max_bytes:
        return None, [Problem(path, None, too_large(len(raw), max_bytes))]
    try:
        data = load_case(raw)
    except YamlSyntaxError as exc:
        return None, [Problem(path, exc.line, exc.sentence())]
    if not isinstance(data, Mapping):
        return None, [Problem(path, 1, _("a case file must be a YAML mapping (id, kind, status, ...)"))]
    return CaseDoc(path, raw, data), []


def too_large(size: int, max_bytes: int) -> str:
    """What is said of a case file larger than `limits.case_file_bytes`."""
    return _(
        "the file is {size} bytes, more than the {limit} a case file may have; shorten it, "
        "or raise limits.case_file_bytes in casekit.yaml"
    ).format(size=size, limit=max_bytes)


def check_case(doc: CaseDoc, config: Config) -> list[Problem]:
    problems = []
    for check in CASE_CHECKS:
        for key_path, message in check(doc, config):
            problems.append(_problem(doc, key_path, message))
    return problems


def check_repository(docs: list[CaseDoc], config: Config) -> list[Problem]:
    return [
        _problem(doc, key_path, message)
        for check in REPOSITORY_CHECKS
        for doc, key_path, message in check(docs, config)
    ]


def _problem(doc: CaseDoc, key_path: KeyPath, message: str) -> Problem:
    from casekit.codec.yamlio import locate

    case_id = doc.data.get("id")
    prefix = f"{case_id}: " if isinstance(case_id, str) else ""
    return Problem(doc.path, locate(doc.raw, key_path), prefix + message)


def validate_docs(
    docs: Iterable[CaseDoc], config: Config, progress: Callable[[int], None] | None = None
) -> list[Problem]:
    """Every problem of every case, then the problems across cases; `progress` is told
    how many cases have been checked, now and then."""
    collected = list(docs)
    problems: list[Problem] = []
    for number, doc in enumerate(collected, 1):
        problems += check_case(doc, config)
        if progress is not None and number % 500 == 0:
            progress(number)
    if progress is not None:
        progress(len(collected))
    return problems + check_repository(collected, config)
