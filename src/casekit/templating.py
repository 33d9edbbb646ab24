"""Reply scripts and reports: registers their config sections and the template check.

Loaded at start-up (see `casekit.features`), so it only names functions; Jinja and the
modules that use it are imported by the `script`, `report` and `validate` commands.
"""

from __future__ import annotations

from casekit import config, validation

config.SECTION_CHECKS["scripts"] = "casekit.scriptdata:check_section"
config.SECTION_CHECKS["reports"] = "casekit.reportdata:check_section"
validation.TREE_CHECKS.append("casekit.template_checks:check_templates")
