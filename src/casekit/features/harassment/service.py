"""The action behind `casekit harassment log`: one call, one case, one commit."""

from __future__ import annotations

from dataclasses import dataclass, field

from casekit.core import words
from casekit.core.config import KindSpec
from casekit.core.fields import normalise_phone
from casekit.core.timeutil import format_datetime, parse_datetime
from casekit.errors import Refused, UsageError
from casekit.features.harassment import rules
from casekit.features.harassment.sources import source_logs
from casekit.i18n import N_, _
from casekit.service.actions import Outcome, open_case
from casekit.service.env import Env

LABEL = N_("harassment log")  # what its refusals are about, translated where shown


@dataclass
class Logged:
    """A call logged: the new case, and the earlier logs of the same source number."""

    outcome: Outcome
    earlier: list[str] = field(default_factory=list)


def log_call(
    env: Env,
    *,
    phone: str,
    line: str,
    said: str,
    ended_by: str,
    at: str | None = None,
    severity: str | None = None,
    note: str | None = None,
    customer: str | None = None,
) -> Logged:
    """Log one harassment call as a case of the harassment kind, in one commit (the same
    action as `casekit new`). Refuses, changing nothing, a phone that is no phone number, a
    call time that is no time or lies after now, and a repository without the kind."""
    config = env.config
    if rules.KIND not in config.kinds:
        raise Refused(
            _(
                "{label}: casekit.yaml has no {kind} kind; add it from the bundled "
                "casekit.yaml (kinds.harassment) to log harassment calls"
            ).format(label=_(LABEL), kind=rules.KIND)
        )
    try:
        normalise_phone(phone)
    except ValueError as exc:
        raise Refused(_("{label}: --phone: {exc}").format(label=_(LABEL), exc=exc)) from None
    now = env.now(config.tz)
    if at is None:
        called = now
    else:
        try:
            called = parse_datetime(at, config.tz)
        except ValueError as exc:
            raise Refused(_("{label}: --at: {exc}").format(label=_(LABEL), exc=exc)) from None
        if rules.future_call(called, now):
            raise Refused(
                _("{label}: --at {at} is later than now ({now}); give the time the call came in").format(
                    label=_(LABEL), at=at, now=format_datetime(now, config.tz)
                )
            )
    if not said.strip():
        raise Refused(_("{label}: --said is empty; write down what the caller said").format(label=_(LABEL)))
    if not line.strip():
        raise Refused(
            _("{label}: --line is empty; give the line that was called, e.g. 400-820-8820").format(
                label=_(LABEL)
            )
        )
    kind = config.kinds[rules.KIND]
    ended_by = _field_word(kind, rules.ENDED_BY, "--ended-by", ended_by)
    if severity:
        severity = _field_word(kind, rules.SEVERITY, "--severity", severity)
    earlier = source_logs(env, phone)
    values = {
        rules.CALLED_AT: format_datetime(called, config.tz),
        rules.LINE: line.strip(),
        rules.SAID: said.strip(),
        rules.ENDED_BY: ended_by,
    }
    if severity:
        values[rules.SEVERITY] = severity
    outcome = open_case(
        env,
        rules.KIND,
        title=f"骚扰电话（{line.strip()}）",
        customer=customer or rules.UNKNOWN_CALLER,
        phone=phone,
        channel="phone",
        sets=[f"{key}={value}" for key, value in values.items()],
        note=note,
    )
    return Logged(outcome, earlier)


def _field_word(kind: KindSpec, name: str, flag: str, word: str) -> str:
    """The value of an enum field of the harassment kind a word names (its key, or its
    Chinese or English label: 座席挂断, The agent); an unknown word is a usage error."""
    spec = kind.fields.get(name)
    if spec is None or not spec.values:
        return word
    try:
        return words.resolve(words.enum_values(spec.values), word)
    except words.UnknownWord as exc:
        raise UsageError(f"{LABEL}: {flag} {exc}") from None
