"""The parsed config, kept between commands in `.git/casekit/config.pickle`.

Reading casekit.yaml means importing a YAML parser and checking every section: about a
fifth of a quick command's time. A config read without problems is stored here with a
key made of its bytes, casekit's version, the feature modules, and the files of the code
that reads it: the config reader, the feature modules (which register the sections and
their checks) and the modules whose section checks ran, named in the file itself. So
checking the key needs neither the YAML parser nor the feature modules; any change to one
of them, or an unreadable file, and the config is simply read again. Like the query
index, it is a cache: deleting it changes nothing but speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casekit.config import Config

FILE = "config.pickle"


def _folder(root: Path) -> Path | None:
    dot_git = root / ".git"
    return dot_git / "casekit" if dot_git.is_dir() else None


def _key(root: Path, check_modules: Sequence[str]) -> str | None:
    """The cache key: casekit.yaml's bytes, casekit's version, the feature modules, and the
    files of the code that reads the config: `casekit.config`, `casekit.features`, each
    feature module (they register the sections and their checks) and each module whose
    section check ran (`check_modules`)."""
    from casekit import __version__
    from casekit.config import CONFIG_FILE
    from casekit.features import FEATURE_MODULES

    try:
        content = (root / CONFIG_FILE).read_bytes()
    except OSError:
        return None
    digest = hashlib.sha1(content, usedforsecurity=False)
    modules = {"casekit.config", "casekit.features", *FEATURE_MODULES, *check_modules}
    parts: list[Any] = [__version__, list(FEATURE_MODULES), sorted(check_modules)]
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


def _section_check_modules() -> list[str]:
    from casekit.config import SECTION_CHECKS

    return sorted({target.split(":")[0] for target in SECTION_CHECKS.values()})


def load(root: Path) -> Config | None:
    """The stored config when it is still the one casekit.yaml gives, else None."""
    folder = _folder(root)
    if folder is None:
        return None
    try:
        with open(folder / FILE, "rb") as handle:
            check_modules, key, config = pickle.load(handle)
        if key != _key(root, check_modules):
            return None
    except Exception:  # missing, damaged or from other code: read the YAML instead
        return None
    from casekit.config import Config

    return config if isinstance(config, Config) else None


def store(root: Path, config: Config) -> None:
    folder = _folder(root)
    check_modules = _section_check_modules()
    key = _key(root, check_modules)
    if folder is None or key is None:
        return
    tmp = folder / f".{FILE}.{os.getpid()}"
    try:
        folder.mkdir(exist_ok=True)
        with open(tmp, "wb") as handle:
            pickle.dump((check_modules, key, config), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / FILE)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        with contextlib.suppress(OSError):
            tmp.unlink()
