"""The `approvals:` config section: which moves and field values need a supervisor.

    approvals:
      compensation-over-limit:
        kind: complaint
        zh: 补偿金额超过坐席权限
        en: compensation above the agent's limit
        when: {compensation: {above: 50.00}}
      reject-major-complaint:
        kind: complaint
        moves_to: [rejected]
        en: rejecting a major complaint
        when: {major: true}

A rule with `moves_to` applies to moves into those states; one without applies to any
change (opening, `update --set`, `move --set`) that sets a field its `when` reads. When
its `when` holds, only a supervisor may make the change, and the approval is recorded
(`approved_by` in the history entry, a `Case-Approved-By:` trailer on the commit).
`config_approvals` is the `workflow.APPROVAL_RULES` entry that applies them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casekit.core.config import Config, Finding, Label, once_per_config
from casekit.core.notes import Note, define
from casekit.core.workflow import MoveRequest
from casekit.features.deadlines.calendar import calendar_for
from casekit.features.deadlines.conditions import Condition, Facts, explain, matches, parse_condition
from casekit.features.deadlines.facts import is_escalated, is_major
from casekit.i18n import N_, _, label

SECTION = "approvals"
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_KEYS = ("kind", "zh", "en", "moves_to", "when")


@dataclass(frozen=True)
class ApprovalSpec:
    name: str
    kind: str
    label: Label
    moves_to: tuple[str, ...]
    condition: Condition

    def applies(self, request: MoveRequest) -> bool:
        """Whether this change is one the rule looks at (its `when` decides the rest)."""
        if self.moves_to:
            return request.action == "move" and request.target in self.moves_to
        return bool(set(request.changes) & self.condition.fields)


def parse_approvals(section: Any, config: Config) -> tuple[list[ApprovalSpec], list[Finding]]:
    findings: list[Finding] = []
    specs: list[ApprovalSpec] = []
    if section is None:
        return specs, findings
    if not isinstance(section, Mapping):
        return specs, [([], _("must be a mapping of rule names to rules"))]
    for name, value in section.items():
        name = str(name)
        if not _NAME.match(name):
            findings.append(([name], _("a rule name must be lower-case letters, digits, '-' or '_'")))
        if not isinstance(value, Mapping):
            findings.append(([name], _("a rule is a mapping with kind, when and optionally moves_to")))
            continue
        for key in value:
            if key not in _KEYS:
                findings.append(([name, key], _("unknown setting; use {keys}").format(keys=", ".join(_KEYS))))
        kind = config.kinds.get(str(value.get("kind")))
        if kind is None:
            findings.append(
                ([name, "kind"], _("kind must be one of {kinds}").format(kinds=", ".join(config.kinds)))
            )
            continue
        moves_to: list[str] = []
        raw_moves = value.get("moves_to")
        if raw_moves is not None:
            items = raw_moves if isinstance(raw_moves, list) else [raw_moves]
            for index, state in enumerate(items):
                where: list[str | int] = (
                    [name, "moves_to", index] if isinstance(raw_moves, list) else [name, "moves_to"]
                )
                if state not in kind.states:
                    findings.append(
                        (
                            where,
                            _("{state!r} is not a {name} state; use {states}").format(
                                state=state, name=kind.name, states=", ".join(kind.states)
                            ),
                        )
                    )
                else:
                    moves_to.append(str(state))
        condition, problems = parse_condition(value.get("when"), kind, config)
        findings.extend(([name, "when", *path], message) for path, message in problems)
        if raw_moves is None and not condition.fields and not problems:
            findings.append(
                (
                    [name],
                    _(
                        "give moves_to, or a when that reads a field, so the rule knows which changes "
                        "it covers"
                    ),
                )
            )
        label = Label(
            str(value.get("zh", value.get("en", name))), str(value.get("en", name.replace("-", " ")))
        )
        specs.append(ApprovalSpec(name, kind.name, label, tuple(moves_to), condition))
    return specs, findings


def check_approvals(section: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `approvals:`."""
    return parse_approvals(section, config)[1]


@once_per_config
def _approvals(config: Config) -> list[ApprovalSpec]:
    return parse_approvals(config.section(SECTION), config)[0]


def approvals_for(config: Config, kind: str) -> list[ApprovalSpec]:
    return [spec for spec in _approvals(config) if spec.kind == kind]


def config_approvals(request: MoveRequest, config: Config) -> list[str]:
    """Why this change needs a supervisor under the config's `approvals:` rules."""
    specs = approvals_for(config, request.kind.name)
    if not specs:
        return []
    facts = Facts(
        major=is_major(request.case, config),
        escalated=is_escalated(request.case),
        now=request.at,
        tz=config.tz,
        calendar=calendar_for(config),
    )
    reasons: list[str] = []
    for spec in specs:
        if spec.applies(request) and matches(spec.condition, request.case, facts):
            detail = explain(spec.condition, request.case)
            values = {"rule": spec.name, "detail": detail} if detail else {"rule": spec.name}
            reasons.append(Note(RULE_NOTE if detail else RULE_MET_NOTE, config, **values))
    return reasons


def _rule_label(values: Mapping[str, Any], config: Config | None) -> dict[str, str]:
    """The label of the approval rule a note names, in the reader's language."""
    name = str(values.get("rule", ""))
    for spec in _approvals(config) if config is not None else []:
        if spec.name == name:
            return {"label": label({"zh": spec.label.zh, "en": spec.label.en}, name)}
    return {"label": name.replace("-", " ")}


# why a change needed a supervisor under an `approvals:` rule, as the history records it
RULE_NOTE = define("approvals.rule", N_("{label} ({detail})"), _rule_label)
RULE_MET_NOTE = define("approvals.rule-met", "{label}", _rule_label)
