"""The parsed config, kept between commands in `.git/casekit/config.pickle`.

Reading casekit.yaml means importing a YAML parser and checking every section: about a
fifth of a quick command's time. A config read without problems is stored here with a
key made of its bytes, casekit's version, the registered feature modules and section
checks, and the files of the code that reads it; any change to one of them, or an
unreadable file, and the config is simply read again. Like the query index, it is a
cache: deleting it changes nothing but speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casekit.config import Config

FILE = "config.pickle"


def _folder(root: Path) -> Path | None:
    dot_git = root / ".git"
    return dot_git / "casekit" if dot_git.is_dir() else None


def _key(root: Path) -> str | None:
    from casekit import __version__
    from casekit.config import CONFIG_FILE, SECTION_CHECKS
    from casekit.features import FEATURE_MODULES

    try:
        content = (root / CONFIG_FILE).read_bytes()
    except OSError:
        return None
    digest = hashlib.sha1(content, usedforsecurity=False)
    modules = {"casekit.config", *(target.split(":")[0] for target in SECTION_CHECKS.values())}
    parts: list[Any] = [__version__, sorted(SECTION_CHECKS.items()), list(FEATURE_MODULES)]
    for name in sorted(modules):
        try:
            spec = find_spec(name)
            origin = spec.origin if spec else None
            st = os.stat(origin) if origin else None
        except (ImportError, OSError, ValueError):
            return None
        parts.append((name, st.st_mtime_ns, st.st_size) if st else (name, None))
    digest.update(repr(parts).encode())
    return digest.hexdigest()


def load(root: Path) -> Config | None:
    """The stored config when it is still the one casekit.yaml gives, else None."""
    folder = _folder(root)
    if folder is None:
        return None
    try:
        with open(folder / FILE, "rb") as handle:
            key, config = pickle.load(handle)
    except Exception:  # missing, damaged or from other code: read the YAML instead
        return None
    from casekit.config import Config

    if key != _key(root) or not isinstance(config, Config):
        return None
    return config


def store(root: Path, config: Config) -> None:
    folder = _folder(root)
    key = _key(root)
    if folder is None or key is None:
        return
    tmp = folder / f".{FILE}.{os.getpid()}"
    try:
        folder.mkdir(exist_ok=True)
        with open(tmp, "wb") as handle:
            pickle.dump((key, config), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / FILE)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        with contextlib.suppress(OSError):
            tmp.unlink()
