"""The files casekit ships: default config, example cases and their attachments, templates and hooks.

Installed, they live in the wheel under `casekit/_data/`; run from a checkout, they are
the folders at the top of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from casekit.errors import CasekitError
from casekit.i18n import _


@cache
def data_root() -> Path:
    packaged = Path(__file__).parent / "_data"
    if (packaged / "casekit.yaml").is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    # `templates/` may be absent from a fresh clone while it holds no template yet.
    if (checkout / "casekit.yaml").is_file() and (checkout / "hooks").is_dir():
        return checkout
    raise CasekitError(_("casekit's bundled files are missing; reinstall casekit"))


def bundled(name: str) -> Path:
    """A bundled file or folder: 'casekit.yaml', 'cases', 'attachments', 'templates' or 'hooks'."""
    return data_root() / name
