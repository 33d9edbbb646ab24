"""Reports: registers the `reports:` config section's check.

Imported whenever a command reads a registry (see `casekit.core.registry`), so it only
names functions; the report modules are imported by `casekit report` and `validate`.
"""

from __future__ import annotations

from casekit.core import config


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    config.SECTION_CHECKS.add("reports", "casekit.features.reports.model:check_section")
