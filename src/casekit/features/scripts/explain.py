"""Why each script template fits a case or not (`casekit script ID --list`), the pure part.

Every reason states what the case holds (its state, its promise, a field's value), in
Chinese and English, so the list reads as facts: "状态“调查中”不在“已受理”之内".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.config import Config, KindSpec, Label
from casekit.features.deadlines.facts import active_escalation, active_promise, is_major
from casekit.features.scripts.context import (
    ScriptInfo,
    condition_holds,
    fits_case,
    parse_condition,
    rank,
)
from casekit.render.jinja import when_text


@dataclass(frozen=True)
class Reason:
    """One test of a template against a case: whether it passed and what the case holds."""

    ok: bool
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Fit:
    """A template weighed against a case: `fits` (it would be picked were it first),
    `chosen` (it is the one `casekit script ID` renders) and the reasons."""

    script: ScriptInfo
    fits: bool
    chosen: bool
    reasons: tuple[Reason, ...]


def explain(
    scripts: Sequence[ScriptInfo], case: Mapping[str, Any], config: Config, now: datetime
) -> list[Fit]:
    """Each script of one language that is for the case's kind, with why it fits or not;
    the winner (the same as `choose`) is marked chosen and the others that fit say why
    they lose to it."""
    kind_name = str(case.get("kind"))
    kind = config.kinds.get(kind_name)
    mine = [s for s in scripts if s.applies_to(kind_name)]
    fitting = sorted((s for s in mine if fits_case(s, case, config, now)), key=rank)
    winner = fitting[0] if fitting else None
    fits: list[Fit] = []
    for script in mine:
        reasons = [_state_reason(script, str(case.get("status")), kind)]
        reasons += [_condition_reason(c, case, config, kind, now) for c in script.when]
        fit = winner is not None and script in fitting
        if script.manual:
            reasons.append(
                Reason(
                    False,
                    f"手动选用：casekit script ID --template {script.name}",
                    f"manual: casekit script ID --template {script.name}",
                )
            )
        elif fit and script is winner:
            reasons.append(_winner_reason(script, fitting[1:]))
        elif fit and winner is not None:
            reasons.append(_loser_reason(script, winner))
        fits.append(Fit(script, fit, script is winner, tuple(reasons)))
    return fits


def _names(states: Sequence[str], kind: KindSpec | None, lang: str) -> str:
    if lang == "en":
        return "[" + ", ".join(states) + "]"
    return "、".join(f"“{kind.state_label(s) if kind else s}”" for s in states)


def _state_reason(script: ScriptInfo, state: str, kind: KindSpec | None) -> Reason:
    label = kind.state_label(state) if kind else state
    if not script.states:
        return Reason(True, "适用任何状态", "any state")
    if state in script.states:
        return Reason(True, f"状态“{label}”符合", f"state {state} matches")
    return Reason(
        False,
        f"状态“{label}”不在{_names(script.states, kind, 'zh')}之内",
        f"state {state} not in {_names(script.states, kind, 'en')}",
    )


def _value_label(table: Mapping[str, Label], value: Any) -> Label:
    label = table.get(value) if isinstance(value, str) else None
    return label or Label(str(value), str(value))


def _condition_reason(
    condition: str, case: Mapping[str, Any], config: Config, kind: KindSpec | None, now: datetime
) -> Reason:
    """What the case holds for one condition; ok when the condition (with its `!`) holds."""
    ok = condition_holds(condition, case, config, now)
    match = parse_condition(condition)
    assert match is not None  # ScriptInfo keeps only conditions that parse
    zh, en = _fact(match, case, config, kind, now)
    return Reason(ok, f"{condition}：{zh}", f"{condition}: {en}")


def _fact(
    match: Any, case: Mapping[str, Any], config: Config, kind: KindSpec | None, now: datetime
) -> tuple[str, str]:
    name = match["name"]
    if name in ("promise", "promise-due"):
        promise = active_promise(case)
        if promise is None:
            return "没有待兑现的回复承诺", "no promise to keep"
        zh_at, en_at = (when_text(promise.due, lang, config.tz) for lang in ("zh", "en"))
        if name == "promise":
            return f"承诺{zh_at}前回复", f"a promise to reply by {en_at}"
        if promise.due <= now:
            return f"承诺的回复时间{zh_at}已到", f"the promised time {en_at} has come"
        return f"承诺的回复时间{zh_at}未到", f"the promised time {en_at} has not come"
    if name == "escalated":
        if active_escalation(case) is None:
            return "没有上转", "not escalated"
        return "已上转主管", "escalated to a supervisor"
    if name == "major":
        return ("重大投诉", "a major complaint") if is_major(case, config) else ("不是重大投诉", "not major")
    if match["key"]:
        table = config.channels if match["key"] == "channel" else config.priorities
        what = Label("渠道", "channel") if match["key"] == "channel" else Label("优先级", "priority")
        value = case.get(match["key"])
        if value in (None, ""):
            return f"未填写{what.zh}", f"no {what.en}"
        label = _value_label(table, value)
        return f"{what.zh}为“{label.zh}”", f"{what.en} is {value}"
    field_name = match["set"] or match["field"]
    spec = kind.fields.get(field_name) if kind else None
    title = spec.label if spec else Label(field_name, field_name)
    value = fields_of(case).get(field_name)
    if value in (None, "", []):
        return f"未填写“{title.zh}”", f"{field_name} is not set"
    if match["set"]:
        return f"已填写“{title.zh}”", f"{field_name} is set"
    label = _value_label(spec.values if spec else {}, value)
    return f"“{title.zh}”为“{label.zh}”", f"{field_name} is {value}"


def _winner_reason(script: ScriptInfo, others: Sequence[ScriptInfo]) -> Reason:
    if not others:
        return Reason(True, "采用：唯一适用的模板", "chosen: the only one that fits")
    names = ", ".join(s.name for s in others)
    return Reason(
        True,
        f"采用：优先于 {names}（优先级 {script.priority}）",
        f"chosen: ranks before {names} (priority {script.priority})",
    )


def _loser_reason(script: ScriptInfo, winner: ScriptInfo) -> Reason:
    """Why a fitting script loses to the winner, by the first step of `rank` that differs."""
    if script.priority != winner.priority:
        zh = f"优先级 {script.priority} 低于 {winner.name} 的 {winner.priority}"
        en = f"priority {script.priority} is below {winner.name}'s {winner.priority}"
    elif len(script.when) != len(winner.when):
        zh = f"条件 {len(script.when)} 个，少于 {winner.name} 的 {len(winner.when)} 个"
        en = f"{len(script.when)} conditions, fewer than {winner.name}'s {len(winner.when)}"
    elif bool(script.states) != bool(winner.states):
        zh = f"适用任何状态，{winner.name} 指定了状态"
        en = f"any state, while {winner.name} names its states"
    else:
        zh = f"同等条件下按名称排在 {winner.name} 之后"
        en = f"otherwise equal, {winner.name} comes first by name"
    return Reason(False, f"也适用，但{zh}", f"fits, but {en}")
