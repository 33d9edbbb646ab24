"""The merchant's own reply to a complaint about it (003: on the forum or Weibo, within 1
working day), recorded as the time it was posted: `casekit merchant-reply ID --at ...`.

It sets `merchant_replied_at` (and `merchant_reply`, what the merchant said) by an
ordinary field change, so `casekit update ID --set merchant_replied_at=...` records the
same fact, the history replays it, and a report of an earlier period does not see a reply
recorded after the period's end. The `merchant_reply` clock (`met_at_field`) is met at
that time; it is the merchant's duty, never counted against our agents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casekit.core.casefile import fields_of
from casekit.core.timeline import opened_at
from casekit.core.timeutil import format_datetime, parse_datetime, stored_instant
from casekit.errors import Refused, UsageError
from casekit.i18n import _
from casekit.service.actions import Context, Outcome, update_case
from casekit.service.env import Env

REPLIED_AT = "merchant_replied_at"
REPLY_TEXT = "merchant_reply"
MERCHANT = "merchant"


def merchant_reply_case(
    env: Env, reference: str, at: str | None = None, *, reply: str | None = None, note: str | None = None
) -> Outcome:
    """Record when the merchant replied (default: now) and, optionally, what it said; one commit."""
    tz = env.config.tz
    now = env.now(tz)
    if at is None:
        moment = now
    else:
        try:
            moment = parse_datetime(at, tz)
        except ValueError as exc:
            raise UsageError(_("--at: {exc}").format(exc=exc)) from None
    stamp = format_datetime(moment, tz)
    sets = [f"{REPLIED_AT}={stamp}"]
    if reply is not None and reply.strip():
        sets.append(f"{REPLY_TEXT}={reply.strip()}")

    def check(case: Mapping[str, Any], ctx: Context) -> None:
        case_id = str(case["id"])
        if moment > now:
            raise Refused(
                _(
                    "{case_id}: --at {stamp} is in the future (it is now {now}); give the time "
                    "the merchant replied"
                ).format(case_id=case_id, stamp=stamp, now=format_datetime(now, tz))
            )
        if REPLIED_AT not in ctx.kind.fields:
            raise Refused(
                _(
                    "{case_id}: a {name} has no {replied_at} field; add it to kinds.{name}.fields "
                    "in casekit.yaml to record merchant replies"
                ).format(case_id=case_id, name=ctx.kind.name, replied_at=REPLIED_AT)
            )
        fields = fields_of(case)
        if not str(fields.get(MERCHANT) or "").strip():
            raise Refused(
                _(
                    "{case_id}: no merchant is recorded; name it first: casekit update {case_id} "
                    "--set merchant=..."
                ).format(case_id=case_id)
            )
        opened = opened_at(case)
        if opened is not None and moment < opened:
            raise Refused(
                _(
                    "{case_id}: --at {stamp} is before the case was opened ({opened}); give the "
                    "time the merchant replied"
                ).format(case_id=case_id, stamp=stamp, opened=format_datetime(opened, tz))
            )
        recorded = stored_instant(fields.get(REPLIED_AT))
        if recorded is not None:
            raise Refused(
                _(
                    "{case_id}: the merchant's reply is already recorded at {recorded}; to correct "
                    "it: casekit update {case_id} --set {replied_at}=..."
                ).format(case_id=case_id, recorded=format_datetime(recorded, tz), replied_at=REPLIED_AT)
            )

    short = stamp[:16].replace("T", " ")
    return update_case(
        env,
        reference,
        sets,
        note=note,
        subject=lambda case_id: f"{case_id}: merchant replied at {short}",
        check=check,
    )
