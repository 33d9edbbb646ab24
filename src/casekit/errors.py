"""The one exception family casekit shows to users, and the exit codes it maps to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from casekit.i18n import _


class ExitCode(IntEnum):
    OK = 0
    REFUSED = 1
    USAGE = 2


class CasekitError(Exception):
    """A failure the user can act on: printed as one sentence, never as a traceback."""

    exit_code: ExitCode = ExitCode.REFUSED


class UsageError(CasekitError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = ExitCode.USAGE


class NotARepository(CasekitError):
    """No case repository where one was expected."""


class CaseNotFound(CasekitError):
    """No case with the given ID."""


class ConfigError(CasekitError):
    """`casekit.yaml` is missing or invalid."""


class Refused(CasekitError):
    """A change the workflow or the data does not allow."""


class GitError(CasekitError):
    """A git command failed."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, with the line it is on when known."""

    path: str
    line: int | None
    message: str
    # "error", or "warning": reported, but `casekit validate` still exits 0 for it
    severity: str = "error"

    @property
    def sort_key(self) -> tuple[str, int, str]:
        """File order, then line order; a problem of the whole file (no line) comes first."""
        return (self.path, self.line or 0, self.message)

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.severity == "warning":
            return _("{where}: warning: {message}").format(where=where, message=self.message)
        return f"{where}: {self.message}"
