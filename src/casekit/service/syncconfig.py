"""The `sync` section of casekit.yaml: the shared remote, and what its hook enforces.

```yaml
sync:
  remote: origin       # where `casekit sync` pulls from and pushes to
  branch: main         # the shared branch; its history may never be rewritten or deleted
  attempts: 8          # push attempts when other clones push at the same moment
  signed: supervisor   # commits that need a verified signature: none, supervisor or all
  max_offline: 24h     # a change reaches the server within this time of being made
  clock_skew: 5m       # how far ahead of the server's clock an entry time may be
  pusher_variable: X   # the variable naming the pushing login, on a server not known below
```

The server's pre-receive learns who pushed from the server it runs under: GitLab
(GL_USERNAME), Gitea/Forgejo (GITEA_PUSHER_NAME), gitolite (GL_USER), git http-backend behind
a web server with authentication (REMOTE_USER), or `pusher_variable`.

`casekit init` writes `signed: supervisor`; a config without the key reads as `none`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from casekit.core.config import SECTION_CHECKS, Config, Finding
from casekit.i18n import _

SIGNED_CHOICES = ("none", "supervisor", "all")
_KEYS = ("remote", "branch", "attempts", "signed", "max_offline", "clock_skew", "pusher_variable")
# Where servers put the authenticated user for hooks, checked in this order.
PUSHER_VARIABLES = ("GL_USERNAME", "GITEA_PUSHER_NAME", "GL_USER", "REMOTE_USER")
_SPAN = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")
_VARIABLE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_UNIT = {"m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_span(text: Any) -> timedelta | None:
    """'24h', '90m', '2d' as a length of time; None when it is not one."""
    match = _SPAN.match(str(text)) if isinstance(text, (str, int)) and not isinstance(text, bool) else None
    return timedelta(seconds=int(match.group(1)) * _UNIT[match.group(2)]) if match else None


@dataclass(frozen=True)
class SyncSettings:
    remote: str = "origin"
    branch: str = "main"
    attempts: int = 8
    signed: str = "none"
    max_offline: timedelta = timedelta(hours=24)
    clock_skew: timedelta = timedelta(minutes=5)
    pusher_variable: str | None = None

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
        max_offline=parse_span(raw.get("max_offline")) or defaults.max_offline,
        clock_skew=parse_span(raw.get("clock_skew")) or defaults.clock_skew,
        pusher_variable=str(raw["pusher_variable"]) if raw.get("pusher_variable") else None,
    )


def pusher_from(environ: Mapping[str, str], settings: SyncSettings) -> str | None:
    """The login the server authenticated for this push, or None when it does not say."""
    names = ([settings.pusher_variable] if settings.pusher_variable else []) + list(PUSHER_VARIABLES)
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def check_section(value: Any, config: Config | None) -> list[Finding]:
    """Problems in the `sync` section, as (key path, message) pairs."""
    if not isinstance(value, Mapping):
        return [([], _("must be a mapping with {keys}").format(keys=", ".join(_KEYS)))]
    problems: list[Finding] = []
    for key in value:
        if key not in _KEYS:
            problems.append(([str(key)], _("unknown key; use {keys}").format(keys=", ".join(_KEYS))))
    for key in ("remote", "branch"):
        if key in value and (not isinstance(value[key], str) or not value[key].strip()):
            problems.append(([key], _("must be a name, such as origin or main")))
    attempts = value.get("attempts", 8)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 100:
        problems.append((["attempts"], _("must be a whole number from 1 to 100")))
    if value.get("signed", "none") not in SIGNED_CHOICES:
        problems.append((["signed"], _("must be one of {choices}").format(choices=", ".join(SIGNED_CHOICES))))
    for key in ("max_offline", "clock_skew"):
        if key in value and parse_span(value[key]) is None:
            problems.append(([key], _("must be a length of time such as 24h, 90m or 2d")))
    variable = value.get("pusher_variable")
    if variable is not None and (
        not isinstance(variable, str) or not re.match(r"^[A-Z_][A-Z0-9_]*$", variable)
    ):
        problems.append((["pusher_variable"], _("must be an environment variable name such as REMOTE_USER")))
    return problems


SECTION = "sync"


def register() -> None:
    """Called by `casekit.core.registry.load_features`."""
    SECTION_CHECKS.add(SECTION, f"{__name__}:{check_section.__name__}")
