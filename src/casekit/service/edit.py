"""`casekit edit`: a case file changed in an editor, committed as one `update`.

The edited text is read as a case (`validation.parse_doc`, the reader `casekit validate`
and the hooks use), compared with the committed file, and turned into the `--set`
assignments `casekit update` would have been given: the values a person may set
(`casefile.CORE_SETTABLE` and the kind's fields), each parsed by the same rule as `--set`.
Anything else that differs is refused with the command that makes that change (a state
through `casekit move`, an agent through `casekit assign`, a link through `casekit link`);
what casekit keeps itself (id, kind, history, deadlines...) is not edited by hand. The
update itself is `actions.update_case`: the same checks, entry and commit.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from casekit.core.casefile import (
    CORE_SETTABLE,
    apply_changes,
    customer_of,
    fields_of,
    parse_assignments,
    parse_change,
    parse_changes,
)
from casekit.core.config import KindSpec
from casekit.core.validation import CaseDoc, check_case, parse_doc
from casekit.core.workflow import refuse_if_final
from casekit.errors import Refused
from casekit.i18n import _
from casekit.service.actions import Outcome, _load_for_change, update_case
from casekit.service.env import Env
from casekit.store.casefiles import relpath

# Top-level keys whose change is made by another command, and that command.
_OTHER_COMMANDS = {
    "status": "casekit move {case} STATE",
    "assignee": "casekit assign {case} AGENT",
    "links": "casekit link {case} OTHER",
}
_TOP_LEVEL_SETTABLE = tuple(key for key in CORE_SETTABLE if "." not in key)
_CUSTOMER_SETTABLE = tuple(key.split(".", 1)[1] for key in CORE_SETTABLE if key.startswith("customer."))


@dataclass(frozen=True)
class EditTarget:
    """The case being edited, as committed when the editor opened it."""

    case_id: str
    path: Path
    rel: str
    original: bytes


def prepare_edit(env: Env, reference: str) -> EditTarget:
    """The case to edit, refused before the editor opens when it cannot be changed: no
    actor, a file with uncommitted changes, or a case in a final state."""
    env.actor()
    path, original, case, kind = _load_for_change(env, reference)
    refuse_if_final(case, kind, "changed")
    return EditTarget(str(case["id"]), path, relpath(env.root, path), original)


def edited_assignments(env: Env, target: EditTarget, edited: bytes) -> list[str]:
    """The `key=value` assignments (as `casekit update --set` takes them) that make the
    committed case into the edited one; empty when the edit changes no value. Refused,
    naming the file and the key, when the edited text is not a case or changes what an
    update cannot."""
    config = env.config
    doc, syntax = parse_doc(target.rel, edited, max_bytes=config.case_file_bytes)
    if doc is None:
        problem = syntax[0]
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        raise Refused(f"{where}: {problem.message}")
    before_doc, _unused = parse_doc(target.rel, target.original, max_bytes=config.case_file_bytes)
    if before_doc is None:  # pragma: no cover - prepare_edit read it as a case
        raise Refused(_("{file}: the committed file is not a case").format(file=target.rel))
    before, after = before_doc.data, doc.data
    if before == after:
        return []
    kind = config.kinds[str(before.get("kind"))]
    for key in dict.fromkeys([*before, *after]):
        if key in ("fields", "customer", *_TOP_LEVEL_SETTABLE) or before.get(key) == after.get(key):
            continue
        raise Refused(_not_editable(target, str(key), after.get(key)))
    assignments: list[str] = []
    for key in _TOP_LEVEL_SETTABLE:
        assignments += _assignment(env, target, kind, key, before.get(key), after.get(key))
    customer_before, customer_after = customer_of(before), customer_of(after)
    if not isinstance(after.get("customer"), Mapping):
        raise Refused(
            _("{file}: customer must be a mapping (name, phone, salutation)").format(file=target.rel)
        )
    for key in dict.fromkeys([*customer_before, *customer_after]):
        if key not in _CUSTOMER_SETTABLE and customer_before.get(key) != customer_after.get(key):
            raise Refused(_not_editable(target, f"customer.{key}"))
    for key in _CUSTOMER_SETTABLE:
        old, new = customer_before.get(key), customer_after.get(key)
        assignments += _assignment(env, target, kind, f"customer.{key}", old, new)
    if "fields" in after and not isinstance(after.get("fields"), Mapping):
        raise Refused(_("{file}: fields must be a mapping of field names to values").format(file=target.rel))
    fields_before, fields_after = fields_of(before), fields_of(after)
    for name in dict.fromkeys([*fields_before, *fields_after]):
        old, new = fields_before.get(name), fields_after.get(name)
        if name not in kind.fields and old != new:
            known = ", ".join(kind.fields)
            raise Refused(
                _("{file}: fields.{field} is not a field of a {kind}; fields are: {known}").format(
                    file=target.rel, field=name, kind=kind.name, known=known
                )
            )
        assignments += _assignment(env, target, kind, str(name), old, new)
    if assignments:
        _refuse_invalid_result(env, target, before_doc, edited, assignments, kind)
    return assignments


def _refuse_invalid_result(
    env: Env, target: EditTarget, before_doc: CaseDoc, edited: bytes, assignments: list[str], kind: KindSpec
) -> None:
    """Refuse, naming the file and line, an edit whose result the case checks of
    `casekit validate` and the hooks find a new problem in (a required field emptied...)."""
    config = env.config
    candidate = copy.deepcopy(dict(before_doc.data))
    apply_changes(candidate, parse_changes(kind, config, parse_assignments(assignments), config.tz))
    known = {p.message for p in check_case(before_doc, config)}
    for problem in check_case(CaseDoc(target.rel, edited, candidate), config):
        if problem.severity == "error" and problem.message not in known:
            raise Refused(problem.format())


def _not_editable(target: EditTarget, key: str, value: Any = None) -> str:
    if key == "history":
        return _(
            "{file}: history is append-only and written by casekit; record what happened with "
            "`casekit note {case} TEXT`"
        ).format(file=target.rel, case=target.case_id)
    command = _OTHER_COMMANDS.get(key)
    if command is not None:
        if isinstance(value, str) and value.strip() and " " not in value.strip():
            command = command.rsplit(" ", 1)[0] + " " + value.strip()  # the value the user wrote
        return _(
            "{file}: {key} cannot be changed in the editor; use `{command}`, which applies the "
            "workflow's rules"
        ).format(file=target.rel, key=key, command=command.format(case=target.case_id))
    return _("{file}: {key} is kept by casekit and cannot be edited by hand; put it back as it was").format(
        file=target.rel, key=key
    )


def _assignment(env: Env, target: EditTarget, kind: KindSpec, key: str, old: Any, new: Any) -> list[str]:
    """`[key=text]` when the edited value `new` differs from `old` once parsed as `--set`
    parses it; `[]` when it does not."""
    if old == new:
        return []
    where = key if key in CORE_SETTABLE else f"fields.{key}"
    if isinstance(new, Mapping):
        raise Refused(_("{file}: {key} must be one value, not a mapping").format(file=target.rel, key=where))
    text = _as_text(new)
    try:
        value = parse_change(kind, env.config, key, text, env.config.tz)
    except ValueError as exc:
        raise Refused(f"{target.rel}: {where}: {exc}") from None
    if value == old or (value is None and old in (None, "")):
        return []
    return [f"{key}={text}"]


def _as_text(value: Any) -> str:
    """A value as read from YAML, written as it would be typed after `--set key=`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_as_text(item) for item in value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def commit_edit(env: Env, target: EditTarget, assignments: list[str], note: str | None) -> Outcome:
    """Commit the assignments as one `casekit update`, refused when the case changed since
    the editor opened (another command, a sync)."""

    def unchanged_since(case: Mapping[str, Any], ctx: object) -> None:
        if target.path.read_bytes() != target.original:
            raise Refused(
                _(
                    "{case}: the case changed while it was being edited; edit it again to start from "
                    "its new text"
                ).format(case=target.case_id)
            )

    return update_case(env, target.case_id, assignments, note=note, check=unchanged_since)
