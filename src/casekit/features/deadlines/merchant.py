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
            raise UsageError(f"--at: {exc}") from None
    stamp = format_datetime(moment, tz)
    sets = [f"{REPLIED_AT}={stamp}"]
    if reply is not None and reply.strip():
        sets.append(f"{REPLY_TEXT}={reply.strip()}")

    def check(case: Mapping[str, Any], ctx: Context) -> None:
        case_id = str(case["id"])
        if moment > now:
            raise Refused(
                f"{case_id}: --at {stamp} is in the future (it is now {format_datetime(now, tz)}); "
                "give the time the merchant replied"
            )
        if REPLIED_AT not in ctx.kind.fields:
            raise Refused(
                f"{case_id}: a {ctx.kind.name} has no {REPLIED_AT} field; "
                f"add it to kinds.{ctx.kind.name}.fields in casekit.yaml to record merchant replies"
            )
        fields = fields_of(case)
        if not str(fields.get(MERCHANT) or "").strip():
            raise Refused(
                f"{case_id}: no merchant is recorded; name it first: "
                f"casekit update {case_id} --set merchant=..."
            )
        opened = opened_at(case)
        if opened is not None and moment < opened:
            raise Refused(
                f"{case_id}: --at {stamp} is before the case was opened "
                f"({format_datetime(opened, tz)}); give the time the merchant replied"
            )
        recorded = stored_instant(fields.get(REPLIED_AT))
        if recorded is not None:
            raise Refused(
                f"{case_id}: the merchant's reply is already recorded at {format_datetime(recorded, tz)}; "
                f"to correct it: casekit update {case_id} --set {REPLIED_AT}=..."
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
