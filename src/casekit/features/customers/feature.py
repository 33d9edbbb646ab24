"""Customers feature: registration into the core.

- config section `customers` (`casekit.features.customers.settings`);
- the customer file checked by `casekit validate` (a tree check);
- a follow-up: a callback completed with answers its questionnaire copies onto the
  customer's card (`callbacks.questionnaires.<name>.customer`) writes the card in the
  callback's own commit (`Customer-*` trailers).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from casekit.core import config, validation
from casekit.core.casefile import customer_of, fields_of
from casekit.core.config import Config
from casekit.errors import Problem
from casekit.i18n import _
from casekit.service import actions


def check_customer_file(root: Any, cfg: Config) -> list[Problem]:
    from casekit.codec.yamlio import locate
    from casekit.features.customers.files import customer_file_problems

    problems = []
    for rel, key_path, message in customer_file_problems(root, cfg):
        path = root / rel
        line = locate(path.read_bytes(), key_path) if key_path and path.is_file() else None
        where = ".".join(str(k) for k in key_path)
        problems.append(Problem(rel, line, f"{where}: {message}" if where else message))
    return problems


def card_from_callback(tx: actions.Transaction, change: actions.Change) -> list[str]:
    """A completed callback's answers onto the customer's card, in the same commit."""
    from casekit.features.callbacks.settings import settings_of
    from casekit.features.customers.service import card_trailers, plan_card_write

    primary = tx.primary
    case = primary.case
    cfg = tx.env.config
    callbacks = settings_of(cfg)
    if case.get("kind") != callbacks.kind or change.action != "move" or change.target != "completed":
        return []
    callback_type = fields_of(case).get("callback_type")
    questionnaire = callbacks.questionnaire_for(str(callback_type) if callback_type else None)
    if questionnaire is None or not questionnaire.customer:
        return []
    answers = fields_of(case)
    changes = {
        card: answers[question]
        for question, card in questionnaire.customer
        if answers.get(question) not in (None, "")
    }
    who = customer_of(case)
    phone = who.get("phone")
    if not changes or not isinstance(phone, str):
        return []
    name = who.get("name")
    write = plan_card_write(tx.env, phone, changes, default_name=str(name) if name else None)
    if write is None:
        return []
    primary.change = dataclasses.replace(
        primary.change,
        files=(*primary.change.files, (write.path, write.content)),
        trailers=(*primary.change.trailers, *card_trailers(write)),
    )
    return [
        _("客户档案已更新 customer card updated: {path} ({keys})").format(
            path=write.path, keys=", ".join(write.keys)
        )
    ]


SECTION_CHECKS = {"customers": "casekit.features.customers.settings:check_customers"}
TREE_CHECKS = ("casekit.features.customers.feature:check_customer_file",)


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    for section, check in SECTION_CHECKS.items():
        config.SECTION_CHECKS.add(section, check)
    for tree_check in TREE_CHECKS:
        validation.TREE_CHECKS.add(tree_check)
    actions.FOLLOW_UPS.add(card_from_callback)
