"""The `sync` section of casekit.yaml: the shared remote, and what its hook enforces.

```yaml
sync:
  remote: origin       # where `casekit sync` pulls from and pushes to
  branch: main         # the shared branch; its history may never be rewritten or deleted
  attempts: 8          # push attempts when other clones push at the same moment
  signed: supervisor   # commits that need a verified signature: none, supervisor or all
```

`casekit init` writes `signed: supervisor`; a config without the key reads as `none`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casekit.core.config import SECTION_CHECKS, Config, Finding

SIGNED_CHOICES = ("none", "supervisor", "all")
_KEYS = ("remote", "branch", "attempts", "signed")


@dataclass(frozen=True)
class SyncSettings:
    remote: str = "origin"
    branch: str = "main"
    attempts: int = 8
    signed: str = "none"

    @property
    def protected_ref(self) -> str:
        return f"refs/heads/{self.branch}"


def sync_settings(config: Config | None) -> SyncSettings:
    """The section's values, defaults filled in (bad values fall back to the defaults)."""
    raw = config.section("sync") if config is not None else None
    if not isinstance(raw, Mapping):
        return SyncSettings()
    defaults = SyncSettings()
    signed = raw.get("signed", defaults.signed)
    attempts = raw.get("attempts")
    return SyncSettings(
        remote=str(raw.get("remote") or defaults.remote),
        branch=str(raw.get("branch") or defaults.branch),
        attempts=attempts if isinstance(attempts, int) and 1 <= attempts <= 100 else defaults.attempts,
        # an unreadable signing rule is read as the strictest one, never as "none"
        signed=signed if signed in SIGNED_CHOICES else "all",
    )


def check_section(value: Any, config: Config | None) -> list[Finding]:
    """Problems in the `sync` section, as (key path, message) pairs."""
    if not isinstance(value, Mapping):
        return [([], "must be a mapping with remote, branch, attempts and signed")]
    problems: list[Finding] = []
    for key in value:
        if key not in _KEYS:
            problems.append(([str(key)], f"unknown key; use {', '.join(_KEYS)}"))
    for key in ("remote", "branch"):
        if key in value and (not isinstance(value[key], str) or not value[key].strip()):
            problems.append(([key], "must be a name, such as origin or main"))
    attempts = value.get("attempts", 8)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 100:
        problems.append((["attempts"], "must be a whole number from 1 to 100"))
    if value.get("signed", "none") not in SIGNED_CHOICES:
        problems.append((["signed"], f"must be one of {', '.join(SIGNED_CHOICES)}"))
    return problems


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    SECTION_CHECKS.add("sync", "casekit.service.syncconfig:check_section")
