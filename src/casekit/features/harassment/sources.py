"""Known harassment sources: which logs a phone has, read through the query index, and the
warning `casekit new` gives for one. Kept apart from the logging action so that `new`
imports only this."""

from __future__ import annotations

from casekit.core.casefile import mask_phone
from casekit.features.harassment import rules
from casekit.service.env import Env


def source_logs(env: Env, phone: str | None, *, besides: str | None = None) -> list[str]:
    """The IDs of the harassment logs whose source is `phone` (none for no phone), read from
    the list views the query index keeps: only the logs are looked at, however many cases
    the repository holds. `besides`: a case ID left out (the one just opened)."""
    from casekit.index.reader import CaseFilter, answer_from_listings

    if not phone or rules.KIND not in env.config.kinds:
        return []
    found = answer_from_listings(
        env.root,
        lambda views: rules.harassment_cases_for(views, phone),
        CaseFilter.of(kinds=[rules.KIND]),
    )
    return [case_id for case_id in found if case_id != besides]


def known_source_warning(env: Env, phone: str | None, case_id: str) -> str | None:
    """The line `casekit new` prints when `phone` is the source of a harassment log other
    than the case `case_id` it just opened; None when it is not."""
    logs = source_logs(env, phone, besides=case_id)
    if not logs or not phone:
        return None
    return (
        f"{case_id}: 注意：号码 {mask_phone(phone)} 有骚扰电话记录（{'、'.join(logs)}），"
        f"请先核实来电意图 (warning: {mask_phone(phone)} is a known harassment source: {', '.join(logs)})"
    )
