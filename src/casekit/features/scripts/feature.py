"""Reply scripts: registers the `scripts:` config section, the check that every template
(scripts and reports) compiles, and the checks of text typed into a case that scripts read
to the customer (at every change, and in `casekit validate`).

Imported whenever a command reads a registry (see `casekit.core.registry`), so it only names
functions; Jinja and the modules that use it are imported by the `script`, `report` and
`validate` commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from casekit.core import config, validation
from casekit.service import actions

if TYPE_CHECKING:
    from casekit.service.actions import Change, Transaction


def check_typed_text(tx: Transaction, change: Change) -> list[str]:
    """`actions.CHECKS` entry: forbidden wording in text the action adds that scripts
    print (`casekit.features.scripts.customer_text.check_typed_text`)."""
    from casekit.features.scripts.customer_text import check_typed_text as check

    return check(tx, change)


SECTION_CHECKS = {"scripts": "casekit.features.scripts.context:check_section"}
TREE_CHECKS = ("casekit.features.scripts.checks:check_templates",)
FILE_CHECKS = ("casekit.features.scripts.customer_text:check_case_files",)


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    for section, check in SECTION_CHECKS.items():
        config.SECTION_CHECKS.add(section, check)
    for tree_check in TREE_CHECKS:
        validation.TREE_CHECKS.add(tree_check)
    for file_check in FILE_CHECKS:
        validation.CASE_FILE_CHECKS.add(file_check)
    actions.CHECKS.add(check_typed_text)
