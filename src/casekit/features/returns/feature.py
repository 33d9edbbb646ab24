"""Registers the returns rules with the core: guards, approval rules, derived data, the
`attach` action, case checks, config sections and the replayer for examples.

`register()` runs before any registry is read (`casekit.core.registry.FEATURE_MODULES`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from casekit.core import casefile, config, effects, validation, workflow
from casekit.core.config import Config, Finding, KindSpec
from casekit.core.validation import CaseDoc
from casekit.features.returns import cancellations, extensions, rules
from casekit.features.returns.attachments import ATTACHMENTS_DIR, check_attachments, recorded_attachments
from casekit.features.returns.settings import settings_for
from casekit.i18n import _
from casekit.service import init as bootstrap
from casekit.service import replay
from casekit.service.env import Env

DERIVED_KEYS = ("postage", "price_difference")
ATTACH = "attach"  # the history action of `casekit attach`
HISTORY = "history"  # the top-level keys go before it
SECTION_CHECKS = {
    "returns": "casekit.features.returns.settings:check_section",
    "attachments": "casekit.features.returns.attachments:check_section",
    "cancellations": "casekit.features.returns.cancellations:check_section",
}
FILE_CHECKS = ("casekit.features.returns.attachments:check_attachment_files",)


def _is_return(kind_name: Any, cfg: Config) -> bool:
    return bool(kind_name == settings_for(cfg).kind)


def returns_guard(request: workflow.MoveRequest, cfg: Config) -> list[str]:
    """Refusals: evidence before approving a claim that needs it; return postage amount; a 多发
    case's reason; an exchange re-shipped before what the customer owes is paid or waived."""
    if not _is_return(request.kind.name, cfg):
        return []
    settings = settings_for(cfg)
    case, target = request.case, request.target
    history = casefile.history_of(case)
    return [
        *rules.evidence_missing(case, target, settings),
        *rules.return_postage_missing(case, target, settings),
        *rules.extra_item_mismatch(case, target),
        *rules.difference_unsettled(case, target, settings, request.changes, history),
    ]


def returns_approvals(request: workflow.MoveRequest, cfg: Config) -> list[str]:
    """Supervisor decisions: a late or worn quality claim; a partial refund above the postage;
    waiving what an exchange's customer owes (`difference_waived`)."""
    if not _is_return(request.kind.name, cfg):
        return []
    settings = settings_for(cfg)
    reasons: list[str] = []
    if request.at is not None:
        on = request.at.astimezone(cfg.tz).date()
        reasons += rules.quality_claim_approvals(request.case, request.target, on, settings)
    history = casefile.history_of(request.case)
    reasons += rules.partial_refund_approvals(request.case, request.target, settings, history)
    reasons += rules.waiver_approvals(request.changes)
    return reasons


def derive_return_terms(case: MutableMapping[str, Any], config: Config, kind: KindSpec) -> None:
    """Keep `postage` (who pays each way) and `price_difference` (多退少补) up to date."""
    if not _is_return(case.get("kind"), config):
        return
    settings = settings_for(config)
    terms = rules.postage(case, settings)
    diff = rules.price_difference(case)
    _put(case, "postage", terms.as_record() if terms else None)
    _put(case, "price_difference", diff.as_record() if diff else None)


def supply_attachments(
    expected: MutableMapping[str, Any], entry: Mapping[str, Any], pushed: Mapping[str, Any]
) -> None:
    """`replay.SUPPLIED` entry for `attach`: the records of the files the entry names, as the
    pushed case holds them (the server compares their hashes with the files pushed)."""
    names = entry.get("files")
    if not isinstance(names, list):
        return
    wanted = {str(name) for name in names}
    records = [
        record
        for record in recorded_attachments(pushed)
        if str(record.get("file", "")).rsplit("/", 1)[-1] in wanted
    ]
    current = expected.get("attachments")
    if not isinstance(current, list):
        current = []
        casefile.set_top_level(expected, "attachments", current)
    for record in records:
        if record not in current:
            current.append(copy.deepcopy(dict(record)))


def _put(case: MutableMapping[str, Any], key: str, record: dict[str, Any] | None) -> None:
    from casekit.codec.yamlio import flow_map

    if record is None:
        case.pop(key, None)
        return
    current = case.get(key)
    if isinstance(current, Mapping) and dict(current) == record:
        return  # unchanged: keep the file as it is
    casefile.set_top_level(case, key, flow_map(record))


def check_return_money(doc: CaseDoc, cfg: Config) -> list[Finding]:
    if not _is_return(doc.data.get("kind"), cfg):
        return []
    problem = rules.refund_exceeds_paid(doc.data)
    return [(["fields", "refund_amount"], problem)] if problem else []


def check_case_attachments(doc: CaseDoc, cfg: Config) -> list[Finding]:
    return list(check_attachments(doc.data))


def check_derived(doc: CaseDoc, cfg: Config) -> list[Finding]:
    findings: list[Finding] = []
    for key in DERIVED_KEYS:
        value = doc.data.get(key)
        if value is None:
            continue
        if not _is_return(doc.data.get("kind"), cfg):
            findings.append(([key], _("{key} is kept on returns only; remove it").format(key=key)))
        elif not isinstance(value, Mapping):
            findings.append(
                (
                    [key],
                    _("{key} is derived by casekit and must be a mapping; remove it to recompute").format(
                        key=key
                    ),
                )
            )
    return findings


def _replay_attach(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    """Attach the bundled copies (`attachments/<ID>/`) under the names the customer sent."""
    import shutil
    import tempfile

    from casekit.errors import CasekitError
    from casekit.features.returns.attachments import attach_files
    from casekit.resources import bundled

    case_id = str(case["id"])
    records = case.get("attachments")
    originals = {
        str(r.get("file", "")).rsplit("/", 1)[-1]: str(r.get("original") or "")
        for r in (records if isinstance(records, list) else [])
        if isinstance(r, Mapping)
    }
    with tempfile.TemporaryDirectory(prefix="casekit-replay-") as tmp:
        paths: list[Path] = []
        for n, name in enumerate(entry.get("files") or []):
            source = bundled(ATTACHMENTS_DIR) / case_id / str(name)
            if not source.is_file():
                raise CasekitError(
                    _("example {case_id}: attachment {source} is missing").format(
                        case_id=case_id, source=source
                    )
                )
            original = Path(originals.get(str(name)) or str(name)).name
            target = Path(tmp) / str(n) / original  # one folder each: originals may share a name
            target.parent.mkdir()
            shutil.copyfile(source, target)
            paths.append(target)
        attach_files(env, case_id, paths, note=entry.get("note"))


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    for key in (*DERIVED_KEYS, "attachments"):
        casefile.TOP_LEVEL_KEYS.add(key, before=HISTORY)
    casefile.HISTORY_ACTIONS.add(ATTACH)
    workflow.GUARDS.add(returns_guard)
    workflow.APPROVAL_RULES.add(returns_approvals)
    effects.DERIVERS.add(derive_return_terms)
    for key in DERIVED_KEYS:
        effects.DERIVED_KEYS.add(key)
    effects.EFFECTS.add(ATTACH, effects.no_effect)  # the records come with the files
    replay.SUPPLIED.add(ATTACH, supply_attachments)
    for check in (check_return_money, check_case_attachments, check_derived):
        validation.CASE_CHECKS.add(check)
    for section, section_check in SECTION_CHECKS.items():
        config.SECTION_CHECKS.add(section, section_check)
    for file_check in FILE_CHECKS:
        validation.CASE_FILE_CHECKS.add(file_check)
    bootstrap.REPLAYERS.add(ATTACH, _replay_attach)
    workflow.MOVE_VALUES.add(extensions.extension_values)
    workflow.CHANGE_REFUSALS.add(cancellations.booking_refusal)
    workflow.GUARDS.add(cancellations.booking_refusal)
