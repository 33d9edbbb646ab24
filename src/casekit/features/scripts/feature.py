"""Reply scripts: registers the `scripts:` config section and the check that every
template (scripts and reports) compiles.

Imported whenever a command reads a registry (see `casekit.core.registry`), so it only names
functions; Jinja and the modules that use it are imported by the `script`, `report` and
`validate` commands.
"""

from __future__ import annotations

from casekit.core import config, validation


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    config.SECTION_CHECKS.add("scripts", "casekit.features.scripts.context:check_section")
    validation.TREE_CHECKS.add("casekit.features.scripts.checks:check_templates")
