"""casekit: customer-service cases as YAML files in git.

The public API is small: open and change cases (in an `Env`: the repository, the acting
person and the clock), load a repository. Everything else is private and may change.
"""

from __future__ import annotations

from casekit.version import __version__

__all__ = [
    "Env",
    "__version__",
    "assign_case",
    "load_repository",
    "move_case",
    "note_case",
    "open_case",
]


def __getattr__(name: str) -> object:
    # Imported lazily so `import casekit` stays cheap for the CLI's start-up.
    if name in ("open_case", "move_case", "assign_case", "note_case"):
        from casekit.service import actions

        return getattr(actions, name)
    if name == "Env":
        from casekit.service.env import Env

        return Env
    if name == "load_repository":
        from casekit.index.reader import load_repository

        return load_repository
    raise AttributeError(name)
