"""Workflow rules, pure: may a case move from its state to another, and what is missing.

Guards are plain functions in `GUARDS`; each returns the reasons a move is refused.
Features (supervisor approval, call-attempt minimums, evidence) add theirs with
`GUARDS.add`; reading the registry loads them (`casekit.core.registry`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casekit.core.config import Config, KindSpec, TransitionRule
from casekit.core.registry import KeyedRegistry, Registry
from casekit.errors import Refused
from casekit.i18n import _


@dataclass(frozen=True)
class MoveRequest:
    """A proposed move: the case after the requested field changes, and who asks.

    Approval rules also see field changes that move nothing: `action` is then "set"
    (`casekit update`) or "open" (a new case), and `source == target` is its state.
    """

    case: Mapping[str, Any]
    kind: KindSpec
    source: str
    target: str
    rule: TransitionRule
    actor_login: str
    actor_roles: tuple[str, ...]
    changes: Mapping[str, Any] = field(default_factory=dict)
    action: str = "move"
    # When the move happens (the command's clock); None for callers that have no clock.
    at: datetime | None = None


Guard = Callable[[MoveRequest, Config], list[str]]


def field_is_set(case: Mapping[str, Any], name: str) -> bool:
    value = (case.get("fields") or {}).get(name)
    return value is not None and value != "" and value != []


def requires_fields(request: MoveRequest, config: Config) -> list[str]:
    missing = [name for name in request.rule.requires if not field_is_set(request.case, name)]
    if not missing:
        return []
    hint = " ".join(f"--set {name}=..." for name in missing)
    names = _(", ").join(missing)
    return [
        _("moving to {state} requires {fields}; pass {hint}").format(
            state=request.target, fields=names, hint=hint
        )
    ]


def requires_role(request: MoveRequest, config: Config) -> list[str]:
    role = request.rule.role
    if role is None or role in request.actor_roles:
        return []
    holders = [p.login for p in config.people.values() if p.has_role(role)]
    who = f" ({_(', ').join(holders)})" if holders else ""
    return [
        _("only a {role}{who} may move it from {source} to {target}").format(
            role=role, who=who, source=request.source, target=request.target
        )
    ]


def requires_condition(request: MoveRequest, config: Config) -> list[str]:
    """The transition's `when:` condition (move_case checks it first, with a clearer order)."""
    unmet = unmet_condition(request.kind, request.rule, request.case)
    return [unmet] if unmet else []


# Rules that do not refuse a move outright but make it a supervisor's decision: each returns
# the reasons this move needs approval (e.g. "compensation 80.00 exceeds the postage 12.00").
# A supervisor's move then records `approved_by` in the history and a Case-Approved-By trailer.
ApprovalRule = Callable[[MoveRequest, Config], list[str]]
APPROVAL_RULES: Registry[ApprovalRule] = Registry("workflow.APPROVAL_RULES")
APPROVER_ROLE = "supervisor"


def approval_reasons(request: MoveRequest, config: Config) -> list[str]:
    return [reason for rule in APPROVAL_RULES for reason in rule(request, config)]


def field_change_request(
    case: Mapping[str, Any],
    kind: KindSpec,
    state: str,
    changes: Mapping[str, Any],
    actor_login: str,
    actor_roles: tuple[str, ...],
    action: str,
    at: datetime | None,
) -> MoveRequest:
    """A change that moves nothing (`set`, `open`), as approval rules see it: `case` is the
    case after the change, in `state`."""
    return MoveRequest(
        case=case,
        kind=kind,
        source=state,
        target=state,
        rule=TransitionRule(state, state),
        actor_login=actor_login,
        actor_roles=actor_roles,
        changes=changes,
        action=action,
        at=at,
    )


def requires_approval(request: MoveRequest, config: Config) -> list[str]:
    reasons = approval_reasons(request, config)
    if not reasons or APPROVER_ROLE in request.actor_roles:
        return []
    holders = [p.login for p in config.people.values() if p.has_role(APPROVER_ROLE)]
    who = f" ({_(', ').join(holders)})" if holders else ""
    if request.action == "move":
        message = _("{reasons}: this needs a {role}{who} to make the move")
    else:
        message = _("{reasons}: this needs a {role}{who} to make this change")
    return [message.format(reasons=_("; ").join(reasons), role=APPROVER_ROLE, who=who)]


GUARDS: Registry[Guard] = Registry(
    "workflow.GUARDS", [requires_condition, requires_fields, requires_role, requires_approval]
)

# Rules that refuse a change that moves nothing (opening a case, `update --set`), whoever
# makes it: each gets the `field_change_request` and returns its refusals (e.g. a
# cancellation booked too close to its event). Moves are judged by `GUARDS`.
CHANGE_REFUSALS: Registry[Guard] = Registry("workflow.CHANGE_REFUSALS")


def change_refusals(request: MoveRequest, config: Config) -> list[str]:
    return [reason for rule in CHANGE_REFUSALS for reason in rule(request, config)]


# Values a move records by itself, in the move's own `set` (so in the same commit): each
# returns field name -> value as `--set` text (e.g. the date an agreed return extends the
# order to). A value the person passes with --set wins. `move_case` applies them.
MoveValues = Callable[[MoveRequest, Config], dict[str, str]]
MOVE_VALUES: Registry[MoveValues] = Registry("workflow.MOVE_VALUES")


def move_values(request: MoveRequest, config: Config) -> dict[str, str]:
    values: dict[str, str] = {}
    for rule in MOVE_VALUES:
        for name, text in rule(request, config).items():
            if name not in request.changes:
                values.setdefault(name, text)
    return values


def transition_rule(kind: KindSpec, source: str, target: str) -> TransitionRule | None:
    return kind.transitions.get(source, {}).get(target)


def describe_state(kind: KindSpec, state: str) -> str:
    return f"{state} ({kind.state_label(state)})"


def condition_holds(rule: TransitionRule, case: Mapping[str, Any]) -> bool:
    """Whether the case's fields meet the transition's `when:` condition (if it has one)."""
    values = case.get("fields") or {}
    return all(values.get(name) in allowed for name, allowed in rule.when.items())


def allowed_targets(kind: KindSpec, source: str, case: Mapping[str, Any] | None = None) -> list[str]:
    """States a case may move to from `source`; with a case, only moves whose condition holds."""
    rules = kind.transitions.get(source, {})
    return [t for t, rule in rules.items() if case is None or condition_holds(rule, case)]


def _value_text(kind: KindSpec, name: str, value: Any) -> str:
    spec = kind.fields.get(name)
    if spec is not None and isinstance(value, str) and value in spec.values:
        return f"{value} ({spec.values[value].zh})"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def unmet_condition(kind: KindSpec, rule: TransitionRule, case: Mapping[str, Any]) -> str | None:
    """Why the case does not meet the transition's `when:` condition, or None when it does."""
    values = case.get("fields") or {}
    for name, allowed in rule.when.items():
        value = values.get(name)
        if value in allowed:
            continue
        choices = _(" or ").join(_value_text(kind, name, v) for v in allowed)
        if value is None or value == "":
            return _(
                "moving from {source} to {target} is only for a {kind} whose {field} is {choices}, "
                "and {field} is not set; pass --set {field}=..."
            ).format(source=rule.source, target=rule.target, kind=kind.name, field=name, choices=choices)
        others = allowed_targets(kind, rule.source, case)
        instead = (
            _("; from {source} it may go to {states}").format(
                source=rule.source, states=_(", ").join(describe_state(kind, s) for s in others)
            )
            if others
            else ""
        )
        actual = _value_text(kind, name, value)
        return _(
            "moving from {source} to {target} is only for a {kind} whose {field} is {choices}, "
            "not {actual}{instead}"
        ).format(
            source=rule.source,
            target=rule.target,
            kind=kind.name,
            field=name,
            choices=choices,
            actual=actual,
            instead=instead,
        )
    return None


def refusal_for_unknown_move(
    kind: KindSpec, source: str, target: str, case: Mapping[str, Any] | None = None
) -> str:
    """Why `source -> target` is not a transition, naming what is allowed instead (for this
    case, when given: moves whose `when:` condition it does not meet are left out)."""
    if target not in kind.states:
        return _("{state!r} is not a {kind} state; states are {states}").format(
            state=target, kind=kind.name, states=_(", ").join(kind.states)
        )
    if source == target:
        return _("it is already {state}").format(state=describe_state(kind, source))
    if not kind.allowed_from(source):
        return _("it is {state}, a final state: no move is allowed from it").format(
            state=describe_state(kind, source)
        )
    allowed = allowed_targets(kind, source, case)
    if not allowed:
        return _("cannot move from {source} to {target}; no move from {key} fits this case's fields").format(
            source=describe_state(kind, source), target=describe_state(kind, target), key=source
        )
    choices = _(", ").join(describe_state(kind, s) for s in allowed)
    return _("cannot move from {source} to {target}; allowed from {key}: {choices}").format(
        source=describe_state(kind, source), target=describe_state(kind, target), key=source, choices=choices
    )


def check_move(request: MoveRequest, config: Config) -> list[str]:
    problems: list[str] = []
    for guard in GUARDS:
        problems.extend(guard(request, config))
    return problems


def replay_states(kind: KindSpec, history: list[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Why a history does not walk the workflow (initial state, then allowed moves only),
    as (entry index, reason) pairs."""
    problems: list[tuple[int, str]] = []
    state: str | None = None
    for position, entry in enumerate(history):
        action = entry.get("action")
        if position == 0:
            if action != "open":
                problems.append((position, _("history must start with an 'open' entry")))
            elif entry.get("to") != kind.initial:
                problems.append(
                    (
                        position,
                        _("a {kind} opens in {initial!r}, not {state!r}").format(
                            kind=kind.name, initial=kind.initial, state=entry.get("to")
                        ),
                    )
                )
            state = entry.get("to")
            continue
        if action == "open":
            problems.append(
                (
                    position,
                    _("history entry {number} opens the case a second time").format(number=position + 1),
                )
            )
        elif action in STATE_REPLAYERS:
            seen = [str(e.get("to")) for e in history[:position] if "to" in e]
            state, reasons = STATE_REPLAYERS[str(action)](kind, entry, state, seen)
            problems += [
                (position, _("history entry {number} {reason}").format(number=position + 1, reason=reason))
                for reason in reasons
            ]
        elif "to" in entry and action in STATE_CHANGING_ACTIONS:
            source, target = entry.get("from"), entry.get("to")
            if source != state:
                problems.append(
                    (
                        position,
                        _(
                            "history entry {number} moves from {source!r} but the case was {state!r} then"
                        ).format(number=position + 1, source=source, state=state),
                    )
                )
            elif transition_rule(kind, str(source), str(target)) is None:
                problems.append(
                    (
                        position,
                        _(
                            "history entry {number} moves {source} -> {target}, "
                            "which the workflow does not allow"
                        ).format(number=position + 1, source=source, target=target),
                    )
                )
            state = target
    return problems


# Actions whose history entries carry a state change in `from`/`to`.
STATE_CHANGING_ACTIONS = {"move"}

# Other actions that may change the state, each with its own replay rule: given the kind,
# the entry, the state before it and the states the case has been in, return the state
# after it and the reasons the entry is invalid (e.g. `resolve`, which settles a conflict
# between two clones' moves).
StateReplayer = Callable[
    [KindSpec, Mapping[str, Any], str | None, Sequence[str]], tuple[str | None, list[str]]
]
STATE_REPLAYERS: KeyedRegistry[StateReplayer] = KeyedRegistry("workflow.STATE_REPLAYERS")


def state_after(kind: KindSpec, history: Sequence[Mapping[str, Any]]) -> str | None:
    """The state a history leaves the case in (whether or not each step was allowed)."""
    state: str | None = None
    for position, entry in enumerate(history):
        action = entry.get("action")
        if action in STATE_REPLAYERS:
            seen = [str(e.get("to")) for e in history[:position] if "to" in e]
            state, _replayed = STATE_REPLAYERS[str(action)](kind, entry, state, seen)
        elif (action == "open" or action in STATE_CHANGING_ACTIONS) and "to" in entry:
            state = entry.get("to")
    return state


def refuse_if_final(case: Mapping[str, Any], kind: KindSpec, what: str) -> None:
    """Refuse a change a case in a final state cannot take (`what`: "reassigned", ...,
    marked with `N_()` by the caller and translated here); a note is the one thing still
    allowed."""
    status = str(case.get("status"))
    if kind.is_terminal(status):
        raise Refused(
            _(
                "{case}: it is {state} ({label}), a final state, so it cannot be {what}; add a note instead"
            ).format(case=case["id"], state=status, label=kind.state_label(status), what=_(what))
        )
