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
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casekit.core.config import Config

from casekit.core.config import CONFIG_FILE, parse_config
from casekit.errors import ConfigError, Problem
from casekit.i18n import _

FILE = "config.pickle"


def _folder(root: Path) -> Path | None:
    dot_git = root / ".git"
    return dot_git / "casekit" if dot_git.is_dir() else None


def _key(root: Path, check_modules: Sequence[str]) -> str | None:
    """The cache key: casekit.yaml's bytes, casekit's version, the feature modules, and the
    files of the code that reads the config: `casekit.codec.yamlio`, `casekit.core.config`,
    `casekit.core.registry`,
    this module, each feature module (they register the sections and their checks) and
    each module whose section check ran (`check_modules`)."""
    from casekit.core.config import CONFIG_FILE
    from casekit.core.registry import FEATURE_MODULES
    from casekit.version import __version__

    try:
        content = (root / CONFIG_FILE).read_bytes()
    except OSError:
        return None
    digest = hashlib.sha1(content, usedforsecurity=False)
    modules = {
        "casekit.codec.yamlio",  # what YAML it refuses
        "casekit.core.config",
        "casekit.core.registry",
        "casekit.store.configfile",
        *FEATURE_MODULES,
        *check_modules,
    }
    parts: list[Any] = [__version__, list(FEATURE_MODULES), sorted(check_modules)]
    for name in sorted(modules):
        origin = _source_file(name)
        try:
            st = os.stat(origin) if origin else None
        except OSError:
            return None
        parts.append((name, st.st_mtime_ns, st.st_size) if st else (name, None))
    digest.update(repr(parts).encode())
    return digest.hexdigest()


def _source_file(module: str) -> Path | None:
    """The source file of one of casekit's modules, found without importing it (finding a
    module's spec imports its parent packages, and `show` and `list` import no feature)."""
    parts = module.split(".")
    if parts[0] != "casekit":
        return None
    base = _PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_PACKAGE = Path(__file__).resolve().parents[1]


def _section_check_modules() -> list[str]:
    from casekit.core.config import SECTION_CHECKS

    return sorted({target.split(":")[0] for target in SECTION_CHECKS.values()})


def load_cached(root: Path) -> Config | None:
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
    from casekit.core.config import Config

    return config if isinstance(config, Config) else None


def store_cached(root: Path, config: Config) -> None:
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


def read_config(root: Path) -> tuple[Config | None, list[Problem]]:
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(CONFIG_FILE, None, _("missing; run `casekit init` to create one"))]
    except UnicodeDecodeError:
        return None, [Problem(CONFIG_FILE, None, _("is not UTF-8 text"))]
    return parse_config(text, Path(CONFIG_FILE))


def load_config(root: Path) -> Config:
    """The repository's config, or a ConfigError naming the first problem.

    A config that was read without problems is kept, parsed, in `.git/casekit/`, and
    used again while casekit.yaml and the code that reads it stay the same.
    """
    cached = load_cached(root)
    if cached is not None:
        return cached
    config, problems = read_config(root)
    if problems or config is None:
        first = problems[0].format()
        more = _(" (and {count} more problems)").format(count=len(problems) - 1) if len(problems) > 1 else ""
        raise ConfigError(
            _("{problem}{more}; fix casekit.yaml, then run `casekit validate`").format(
                problem=first, more=more
            )
        )
    store_cached(root, config)
    return config
