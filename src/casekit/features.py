"""Feature modules that extend the core through its registries.

Each module named here registers, at import, what it adds: guards and approval rules
(`casekit.workflow`), derivers and follow-ups (`casekit.actions`), history actions and
top-level keys (`casekit.casefile`), case checks (`casekit.validation`), replayers
(`casekit.bootstrap`). Keep their imports light: they load on every command.
"""

from __future__ import annotations

from importlib import import_module

FEATURE_MODULES: tuple[str, ...] = (
    "casekit.deadline_feature",
    "casekit.returns.feature",
    "casekit.resolution",
    "casekit.syncconfig",
    "casekit.callbacks",
)

_loaded = False


def load_features() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in FEATURE_MODULES:
        import_module(name)
