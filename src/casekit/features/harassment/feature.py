"""Registers the harassment-log rule with the core: a case check that a call did not come in
after it was logged. `casekit validate`, the hooks and the server's replay apply it, and
`casekit new harassment` too, as they apply every case check.

`register()` runs before any registry is read (`casekit.core.registry.FEATURE_MODULES`).
"""

from __future__ import annotations

from casekit.core import validation
from casekit.core.casefile import fields_of
from casekit.core.config import Config, Finding
from casekit.core.timeutil import stored_instant
from casekit.core.validation import CaseDoc
from casekit.features.harassment import rules
from casekit.i18n import _


def check_call_time(doc: CaseDoc, config: Config) -> list[Finding]:
    """A harassment log's `called_at` is no later than the log's opening."""
    case = doc.data
    if case.get("kind") != rules.KIND:
        return []
    written = fields_of(case).get(rules.CALLED_AT)
    called, opened = stored_instant(written), stored_instant(case.get("opened_at"))
    if called is None or opened is None or not rules.future_call(called, opened):
        return []
    message = _(
        "the call time {called_at} is later than the log was opened ({opened_at}); "
        "give the time the call came in"
    ).format(called_at=written, opened_at=case.get("opened_at"))
    return [(["fields", rules.CALLED_AT], message)]


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    validation.CASE_CHECKS.add(check_call_time)
