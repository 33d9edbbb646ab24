"""Reports: registers the `reports:` config section's check.

Imported whenever a command reads a registry (see `casekit.core.registry`), so it only
names functions; the report modules are imported by `casekit report` and `validate`.
"""

from __future__ import annotations

from casekit.core import config

SECTION_CHECKS = {"reports": "casekit.features.reports.model:check_section"}


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    for section, check in SECTION_CHECKS.items():
        config.SECTION_CHECKS.add(section, check)
