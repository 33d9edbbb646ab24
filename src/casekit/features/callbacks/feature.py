"""Callbacks (回访) feature: registers its config section, history action, guard and follow-ups.

- `callbacks:` config section (`casekit.features.callbacks.settings`), checked by `casekit validate`.
- `attempt` history action (one dial and its outcome), replayed by `init --example`.
- Guard: `unreachable` needs enough failed attempts far enough apart; `completed` needs the
  answers the callback type's questionnaire marks as required.
- Follow-ups: a case reaching a trigger state (complaint `resolved`, return `refunded` or
  `reshipped`) opens a linked callback, assigned to the agent who handled the case; a callback
  that ends writes its result onto the case it followed (`survey` entry, `Case-Updated`, in
  the same commit), and a dissatisfied survey opens a follow-up complaint linked to both.
- Guard and approval rule: no move to a final state while a callback the case opened is still
  scheduled (`close_with_open_callback`), unless a supervisor makes it (recorded as approval).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from casekit.core import casefile, config, effects, validation, workflow
from casekit.core.casefile import customer_of, fields_of
from casekit.core.commits import UPDATED_ACTION
from casekit.core.config import Finding
from casekit.core.notes import Note, define
from casekit.core.workflow import MoveRequest
from casekit.features.callbacks import loop
from casekit.features.callbacks.remarks import AFTER_STATE_NOTE, FOLLOW_UP_NOTE, FOLLOW_UP_OF_NOTE
from casekit.features.callbacks.rules import unreachable_refusal
from casekit.features.callbacks.settings import parse_windows, settings_of
from casekit.i18n import N_, _, is_chinese
from casekit.service import actions
from casekit.service import init as bootstrap
from casekit.service.env import Env

COMPLETED = "completed"
ATTEMPT = "attempt"  # the history action of `casekit attempt`
SECTION_CHECKS = {"callbacks": "casekit.features.callbacks.settings:check_section"}
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
            fields = request.kind.fields
            named = "、".join(f"{q}（{fields[q].label.zh}）" if q in fields else q for q in missing)
            hint = " ".join(f"--set {q}=..." for q in missing)
            chinese = _("回访问卷{questionnaire}还缺少回答：{named}；请加 {hint}").format(
                questionnaire=questionnaire.name, named=named, hint=hint
            )
            if is_chinese():
                return [chinese]
            english = _(
                "the {questionnaire} questionnaire still needs answers to {missing}; pass {hint}"
            ).format(questionnaire=questionnaire.name, missing=", ".join(missing), hint=hint)
            return [f"{chinese} ({english})"]
        for question in questionnaire.confirmed:
            if fields_of(request.case).get(question) is not True:
                label = request.kind.fields[question].label if question in request.kind.fields else None
                zh = label.zh if label else question
                return [
                    _(
                        "{question}（{label}）为“否”，回访不能记为已回访：未送达请改为 unreachable 或 "
                        "cancelled ({question} is no: the callback is not done; move it to unreachable "
                        "or cancelled)"
                    ).format(question=question, label=zh)
                ]
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


def _kind_label(cfg: config.Config, kind: str) -> str:
    spec = cfg.kinds.get(kind)
    return spec.label.zh if spec else kind


def _label(cfg: config.Config, kind: str) -> str:
    spec = cfg.kinds.get(kind)
    return spec.label.en.lower() if spec else kind


def _known(cfg: config.Config, login: Any) -> str | None:
    """`login` if it may be assigned (a person of the config, when it names people)."""
    if not login:
        return None
    if not cfg.people:
        return str(login)
    person = cfg.person(str(login))
    return person.login if person else None


def _supervisors(cfg: config.Config) -> list[str]:
    return [p.login for p in cfg.people.values() if p.has_role(workflow.APPROVER_ROLE)]


def _open_linked(
    tx: actions.Transaction,
    kind: str,
    *,
    title: str,
    priority: str | None,
    sets: list[str],
    note: str | None,
    assignee: str | None,
    also: Sequence[actions.Staged] = (),
) -> actions.Staged:
    """Open a case of `kind` linked both ways with the case acted on (and with `also`), in
    the same commit."""
    source = tx.primary.case
    customer = customer_of(source)
    cfg = tx.env.config
    channel = "phone" if "phone" in cfg.channels or not cfg.channels else str(source.get("channel"))
    return tx.open_linked(
        kind,
        actions.CaseRequest(
            title=title,
            customer=str(customer.get("name") or "客户"),
            phone=customer.get("phone"),
            salutation=customer.get("salutation"),
            channel=channel,
            priority=priority,
            assignee=_known(cfg, assignee),
            sets=sets,
            note=note,
        ),
        also=also,
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
    """A case reaching a trigger state opens a callback, linked both ways, assigned to the
    agent who handled the case (not the supervisor it was escalated to)."""
    if change.action != "move":
        return []
    env = tx.env
    cfg = env.config
    case = tx.primary.case
    settings = settings_of(cfg)
    messages = []
    for trigger in settings.triggers:
        if case.get("kind") != trigger.kind or change.target not in trigger.to:
            continue
        if _has_open_callback(env, case, trigger.callback_type):
            messages.append(
                _(
                    "{case_id}：已有未完成的回访，未再新建 / a {callback_type} callback is already "
                    "open; none added"
                ).format(case_id=case["id"], callback_type=trigger.callback_type)
            )
            continue
        kind = tx.primary.ctx.kind
        callback_id = _open_linked(
            tx,
            settings.kind,
            title=f"{trigger.title}：{case.get('title')}",
            priority=str(case.get("priority")) if case.get("priority") in cfg.priorities else None,
            sets=[f"callback_type={trigger.callback_type}"],
            note=Note(AFTER_STATE_NOTE, cfg, kind=kind.name, case=str(case["id"]), state=str(change.target)),
            assignee=loop.handler_of(case),
        ).case_id
        messages.append(
            _(
                "已为{case_id}新建回访{callback_id} / opened callback {callback_id} ({callback_type}) "
                "for {case_id}, linked both ways"
            ).format(case_id=case["id"], callback_id=callback_id, callback_type=trigger.callback_type)
        )
    return messages


# Fields of the case a callback followed that its follow-up complaint takes over.
COPIED_FIELDS = ("category", "product", "brand", "merchant", "order_no")


def close_survey_loop(tx: actions.Transaction, change: actions.Change) -> list[str]:
    """A callback that ends writes its result onto the case it followed (`survey` entry,
    `Case-Updated`, the same commit); a survey the follow-up rule covers opens a follow-up
    complaint, linked to both the callback and that case."""
    env = tx.env
    cfg = env.config
    case = tx.primary.case
    settings = settings_of(cfg)
    callback_kind = tx.primary.ctx.kind
    if (
        change.action != "move"
        or case.get("kind") != settings.kind
        or not callback_kind.is_terminal(str(change.target))
    ):
        return []
    messages: list[str] = []
    followed: list[actions.Staged] = []
    for other in loop.followed_cases(case, cfg, settings.kind):
        kind = cfg.kinds.get(str(loop.kind_of_id(cfg, other)))
        if kind is None:
            continue
        staged = tx.update_linked(other, loop.survey_record(case, kind))
        followed.append(staged)
        recorded = staged.case["history"][-1].get("set") or {}
        if "satisfaction" in recorded:
            label = loop.value_label(kind, "satisfaction", recorded["satisfaction"])
            messages.append(
                _(
                    "{kind}{case_id}已记录回访满意度：{satisfaction} / recorded the survey's "
                    "satisfaction on {case_id}"
                ).format(kind=_kind_label(cfg, kind.name), case_id=other, satisfaction=label)
            )
    if change.target == COMPLETED:
        messages += _open_follow_up(tx, followed)
    return messages


def _open_follow_up(tx: actions.Transaction, followed: Sequence[actions.Staged]) -> list[str]:
    env = tx.env
    cfg = env.config
    case = tx.primary.case
    callback_kind = tx.primary.ctx.kind
    settings = settings_of(cfg)
    answers = fields_of(case)
    satisfaction = answers.get("satisfaction")
    rule = settings.follow_up
    if satisfaction not in rule.when:
        return []
    kind = cfg.kinds.get(rule.kind)
    label = loop.value_label(callback_kind, "satisfaction", satisfaction)
    original = followed[0] if followed else None
    source = original.case if original is not None else case
    sets = []
    suggestions = answers.get("suggestions")
    if kind is not None and "content" in kind.fields:
        sets.append(f"content=客户回访评价{label}" + (f"：{suggestions}" if suggestions else ""))
    if kind is not None and "follow_up_of" in kind.fields:
        sets.append(f"follow_up_of={case['id']}")  # the deadline rules give it its time
    if kind is not None and original is not None:
        values = fields_of(original.case)
        sets += [
            f"{name}={values[name]}"
            for name in COPIED_FIELDS
            if name in kind.fields and values.get(name) not in (None, "")
        ]
    handler = loop.handler_of(source)
    assignee = handler
    if rule.assign == "supervisor":
        supervisors = _supervisors(cfg)
        current = _known(cfg, source.get("assignee"))
        assignee = (
            loop.escalated_to(source)
            or (current if current in supervisors else None)
            or (supervisors[0] if supervisors else handler)
        )
    remark = (
        Note(
            FOLLOW_UP_OF_NOTE,
            cfg,
            callback=str(case["id"]),
            satisfaction=str(satisfaction),
            kind=str(original.case.get("kind")),
            case=original.case_id,
        )
        if original is not None
        else Note(FOLLOW_UP_NOTE, cfg, callback=str(case["id"]), satisfaction=str(satisfaction))
    )
    opened = _open_linked(
        tx,
        rule.kind,
        title=f"{rule.title}：{source.get('title')}",
        priority=rule.priority,
        sets=sets,
        note=remark,
        assignee=assignee,
        also=[original] if original is not None else [],
    )
    due = _follow_up_due(opened.case)
    when = _("due {due}").format(due=due) if due else _("handle within {within}").format(within=rule.within)
    both = (
        _("{callback_id} and {case_id}").format(callback_id=case["id"], case_id=original.case_id)
        if original is not None
        else case["id"]
    )
    chinese = _("客户{satisfaction}：已新建跟进{kind}{case_id}，交{assignee}处理").format(
        satisfaction=label,
        kind=_kind_label(cfg, rule.kind),
        case_id=opened.case_id,
        assignee=opened.case.get("assignee"),
    )
    if is_chinese():
        return [chinese]
    english = _(
        "customer {satisfaction}: opened follow-up {kind} {case_id} ({when}), linked both ways with {linked}"
    )
    values = {"satisfaction": satisfaction, "kind": _label(cfg, rule.kind), "case_id": opened.case_id}
    return [f"{chinese} / {english.format(**values, when=when, linked=both)}"]


def open_callback_refusal(request: MoveRequest, cfg: config.Config) -> list[str]:
    """A case cannot move to a final state while a callback it opened is still scheduled
    (`callbacks.close_with_open_callback`), unless a supervisor makes the move (then it is
    an approval, `open_callback_approval`)."""
    pending = _pending_callbacks(request, cfg)
    if not pending or workflow.APPROVER_ROLE in request.actor_roles:
        return []
    ids = "、".join(pending)
    first = pending[0]
    holders = "、".join(_supervisors(cfg)) or "主管"
    case_id = request.case.get("id")
    state = request.kind.state_label(request.target)
    chinese = _(
        "{kind}{case_id}的回访{ids}还未结束，不能改为{state}：请先完成回访"
        "（casekit move {first} completed --set satisfaction=...）或取消回访（casekit move {first} "
        "cancelled --set cancel_reason=...），或请主管（{holders}）来操作"
    ).format(kind=request.kind.label.zh, case_id=case_id, ids=ids, state=state, first=first, holders=holders)
    if is_chinese():
        return [chinese]
    english = _(
        "its callback {callbacks} is still scheduled, so it cannot move to {state}: complete or "
        "cancel the callback first, or ask a supervisor ({supervisors}) to make the move"
    ).format(
        callbacks=", ".join(pending),
        state=request.target,
        supervisors=", ".join(_supervisors(cfg)) or _("none yet"),
    )
    return [f"{chinese} / {english}"]


# a supervisor's move while a callback is open, as the history records it (casekit.core.notes)
OPEN_CALLBACK_NOTE = define(
    "callbacks.closed-with-open-callback",
    N_("moved to {state} while callback {callbacks} is still scheduled"),
)


def open_callback_approval(request: MoveRequest, cfg: config.Config) -> list[str]:
    """`workflow.APPROVAL_RULES` entry: a supervisor's move to a final state while a
    callback the case opened is still scheduled is recorded as their approval."""
    pending = _pending_callbacks(request, cfg)
    if not pending or workflow.APPROVER_ROLE not in request.actor_roles:
        return []
    return [Note(OPEN_CALLBACK_NOTE, state=request.target, callbacks=", ".join(pending))]


def _pending_callbacks(request: MoveRequest, cfg: config.Config) -> list[str]:
    if request.action != "move" or not request.kind.is_terminal(request.target):
        return []
    settings = settings_of(cfg)
    if request.kind.name == settings.kind or settings.close_policy(request.kind.name) == "allow":
        return []
    return loop.open_callbacks(request.case, cfg, settings.kind)


def _survey_effect(
    case: MutableMapping[str, Any], entry: Mapping[str, Any], mapping: Callable[..., Any]
) -> None:
    """`effects.EFFECTS` entry for `survey`: the callback's answers it records are set."""
    values = entry.get("set")
    if isinstance(values, Mapping):
        casefile.apply_changes(case, values, lambda: mapping({}))


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
    for section, check in SECTION_CHECKS.items():
        config.SECTION_CHECKS.add(section, check)
    casefile.HISTORY_ACTIONS.add(ATTEMPT)
    effects.EFFECTS.add(ATTEMPT, effects.no_effect)
    workflow.GUARDS.add(callback_guard)
    validation.CASE_CHECKS.add(check_preferred_hours)
    casefile.HISTORY_ACTIONS.add(UPDATED_ACTION)
    effects.EFFECTS.add(UPDATED_ACTION, _survey_effect)
    workflow.GUARDS.add(open_callback_refusal)
    workflow.APPROVAL_RULES.add(open_callback_approval)
    actions.FOLLOW_UPS.add(open_triggered_callback)
    actions.FOLLOW_UPS.add(close_survey_loop)
    bootstrap.REPLAYERS.add(ATTEMPT, _replay_attempt)
