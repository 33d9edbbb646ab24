"""Known harassment sources: which logs a phone has, read through the query index, and the
warning `casekit new` gives for one. Kept apart from the logging action so that `new`
imports only this."""

from __future__ import annotations

from casekit.core.casefile import mask_phone
from casekit.features.harassment import rules
from casekit.i18n import _, is_chinese
from casekit.service.env import Env


def source_logs(env: Env, phone: str | None) -> list[str]:
    """The IDs of the harassment logs whose source is `phone` (none for no phone), read from
    the list views the query index keeps: only the logs are looked at, however many cases
    the repository holds."""
    from casekit.index.reader import CaseFilter, answer_from_listings

    if not phone or rules.KIND not in env.config.kinds:
        return []
    return answer_from_listings(
        env.root,
        lambda views: rules.harassment_cases_for(views, phone),
        CaseFilter.of(kinds=[rules.KIND]),
    )


def known_source_warning(case_id: str, phone: str | None, logs: list[str]) -> str | None:
    """The line `casekit new` prints for the case `case_id` it opened when `phone` is the
    source of the harassment logs `logs` (`source_logs`, looked up before opening, while
    the query index is up to date); None when there are none."""
    if not logs or not phone:
        return None
    masked = mask_phone(phone)
    if is_chinese():
        return _("{case_id}：注意：号码 {phone} 有骚扰电话记录（{logs}），请先核实来电意图").format(
            case_id=case_id, phone=masked, logs="、".join(logs)
        )
    return _(
        "{case_id}: 注意：号码 {phone} 有骚扰电话记录（{logs_zh}），请先核实来电意图 "
        "(warning: {phone} is a known harassment source: {logs})"
    ).format(case_id=case_id, phone=masked, logs_zh="、".join(logs), logs=", ".join(logs))
