"""Callbacks (回访) feature: registers its config section, history action, guard and follow-ups.

- `callbacks:` config section (`casekit.features.callbacks.settings`), checked by `casekit validate`.
- `attempt` history action (one dial and its outcome), replayed by `init --example`.
- Guard: `unreachable` needs enough failed attempts far enough apart; `completed` needs the
  answers the callback type's questionnaire marks as required.
- Follow-ups: a case reaching a trigger state (complaint `resolved`, return `closed`) opens a
  linked callback; a dissatisfied survey opens a linked follow-up complaint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casekit.core import casefile, config, effects, validation, workflow
from casekit.core.casefile import customer_of, fields_of
from casekit.core.config import Finding
from casekit.core.workflow import MoveRequest
from casekit.features.callbacks.rules import unreachable_refusal
from casekit.features.callbacks.settings import parse_windows, settings_of
from casekit.service import actions
from casekit.service import init as bootstrap
from casekit.service.env import Env

COMPLETED = "completed"
UNREACHABLE = "unreachable"


def callback_guard(request: MoveRequest, cfg: config.Config) -> list[str]:
    settings = settings_of(cfg)
    if request.kind.name != settings.kind:
        return []
    if request.target == UNREACHABLE:
        reason = unreachable_refusal(request.case, settings)
        return [reason] if reason else []
    if request.target == COMPLETED:
        callback_type = fields_of(request.case).get("callback_type")
        questionnaire = settings.questionnaire_for(str(callback_type) if callback_type else None)
        if questionnaire is None:
            return []
        missing = [q for q in questionnaire.required if not workflow.field_is_set(request.case, q)]
        if missing:
            named = ", ".join(
                f"{q} ({request.kind.fields[q].label.zh})" if q in request.kind.fields else q for q in missing
            )
            hint = " ".join(f"--set {q}=..." for q in missing)
            return [f"the {questionnaire.name} questionnaire still needs answers to {named}; pass {hint}"]
    return []


def check_preferred_hours(doc: validation.CaseDoc, cfg: config.Config) -> list[Finding]:
    value = fields_of(doc.data).get("preferred_hours")
    if not value:
        return []
    try:
        parse_windows(value)
    except ValueError as exc:
        return [(["fields", "preferred_hours"], str(exc))]
    return []


def _label(cfg: config.Config, kind: str) -> str:
    spec = cfg.kinds.get(kind)
    return spec.label.en.lower() if spec else kind


def _open_linked(
    tx: actions.Transaction,
    kind: str,
    *,
    title: str,
    priority: str | None,
    sets: list[str],
    note: str | None,
) -> actions.Staged:
    """Open a case of `kind` linked both ways with the case acted on, in the same commit."""
    source = tx.primary.case
    customer = customer_of(source)
    cfg = tx.env.config
    channel = "phone" if "phone" in cfg.channels or not cfg.channels else str(source.get("channel"))
    assignee = source.get("assignee")
    return tx.open_linked(
        kind,
        actions.CaseRequest(
            title=title,
            customer=str(customer.get("name") or "客户"),
            phone=customer.get("phone"),
            salutation=customer.get("salutation"),
            channel=channel,
            priority=priority,
            assignee=str(assignee) if assignee and (not cfg.people or cfg.person(str(assignee))) else None,
            sets=sets,
            note=note,
        ),
    )


def _has_open_callback(env: Env, source: Mapping[str, Any], callback_type: str) -> bool:
    from casekit.index.reader import find_case
    from casekit.store.casefiles import parse_case

    settings = settings_of(env.config)
    kind = env.config.kinds[settings.kind]
    for linked in source.get("links") or []:
        try:
            path = find_case(env.root, env.config, str(linked))
        except Exception:
            continue
        other = parse_case(env.root, path, path.read_bytes(), max_bytes=env.config.case_file_bytes)
        if (
            other.get("kind") == settings.kind
            and fields_of(other).get("callback_type") == callback_type
            and not kind.is_terminal(str(other.get("status")))
        ):
            return True
    return False


def open_triggered_callback(tx: actions.Transaction, change: actions.Change) -> list[str]:
    if change.action != "move":
        return []
    env = tx.env
    case = tx.primary.case
    settings = settings_of(env.config)
    messages = []
    for trigger in settings.triggers:
        if case.get("kind") != trigger.kind or change.target != trigger.to:
            continue
        if _has_open_callback(env, case, trigger.callback_type):
            messages.append(f"{case['id']}: a {trigger.callback_type} callback is already open; none added")
            continue
        sets = [f"callback_type={trigger.callback_type}"]
        callback_id = _open_linked(
            tx,
            settings.kind,
            title=f"{trigger.title}：{case.get('title')}",
            priority=str(case.get("priority")) if case.get("priority") in env.config.priorities else None,
            sets=sets,
            note=f"{case['id']} reached {trigger.to}",
        ).case_id
        messages.append(
            f"opened callback {callback_id} ({trigger.callback_type}) for {case['id']}, linked both ways"
        )
    return messages


def open_follow_up_complaint(tx: actions.Transaction, change: actions.Change) -> list[str]:
    env = tx.env
    case = tx.primary.case
    settings = settings_of(env.config)
    if change.action != "move" or change.target != COMPLETED or case.get("kind") != settings.kind:
        return []
    satisfaction = fields_of(case).get("satisfaction")
    rule = settings.follow_up
    if satisfaction not in rule.when:
        return []
    kind = env.config.kinds.get(rule.kind)
    sets = []
    suggestions = fields_of(case).get("suggestions")
    if kind is not None and "content" in kind.fields:
        sets.append(
            f"content=回访{case['id']}客户评价{satisfaction}" + (f"：{suggestions}" if suggestions else "")
        )
    if kind is not None and "follow_up_of" in kind.fields:
        sets.append(f"follow_up_of={case['id']}")  # the deadline rules give it its time
    opened = _open_linked(
        tx,
        rule.kind,
        title=f"{rule.title}：{case.get('title')}",
        priority=rule.priority,
        sets=sets,
        note=f"follow-up of callback {case['id']} ({satisfaction}); handle within {rule.within}",
    )
    due = _follow_up_due(opened.case)
    when = f"due {due}" if due else f"handle within {rule.within}"
    return [
        f"customer {satisfaction}: opened follow-up {_label(env.config, rule.kind)} {opened.case_id} "
        f"({when}), linked both ways with {case['id']}"
    ]


def _follow_up_due(case: Mapping[str, Any]) -> str | None:
    """The due time the deadline rule for follow-ups (`when: {follow_up_of: ...}`) set."""
    entries = case.get("deadlines")
    if not isinstance(entries, Mapping):
        return None
    for entry in entries.values():
        if isinstance(entry, Mapping) and "follow_up_of" in str(entry.get("rule", "")):
            return str(entry.get("due"))
    return None


def _replay_attempt(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    from casekit.features.callbacks.service import attempt_case

    attempt_case(env, str(case["id"]), str(entry["outcome"]), note=entry.get("note"))


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    config.SECTION_CHECKS.add("callbacks", "casekit.features.callbacks.settings:check_section")
    casefile.HISTORY_ACTIONS.add("attempt")
    effects.EFFECTS.add("attempt", effects.no_effect)
    workflow.GUARDS.add(callback_guard)
    validation.CASE_CHECKS.add(check_preferred_hours)
    actions.FOLLOW_UPS.add(open_triggered_callback)
    actions.FOLLOW_UPS.add(open_follow_up_complaint)
    bootstrap.REPLAYERS.add("attempt", _replay_attempt)
