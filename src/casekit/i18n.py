"""The language casekit speaks, and the message catalogue it speaks from.

Every message casekit prints is written in English in the source, wrapped in `_()`
(`N_()` marks a message translated later, where it is shown), and looked up in the
catalogue of the user's language: `locale/<language>/LC_MESSAGES/casekit.po`, compiled to
`.mo` when the wheel is built (`hatch_build.py`; `python tools/messages.py` extracts and
updates the catalogues). Placeholders are named (`{case}`) and filled after the lookup:
`_("{case} is closed").format(case=case_id)`.

The language is chosen once per process, before the commands' help texts are built:
`CASEKIT_LANG`, else the standard `LANGUAGE`, `LC_ALL`, `LANG` (the neutral `C` and
`POSIX` say nothing), else the case repository's `locale` in casekit.yaml, else Chinese,
as the default config is. What casekit writes into case files and commits does not depend
on it.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "casekit"
CHINESE = "zh_CN"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)
DEFAULT_LANGUAGE = CHINESE
LOCALE_DIR = Path(__file__).parent / "locale"
# the variables that choose the language, strongest first
LANGUAGE_VARIABLES = ("CASEKIT_LANG", "LANGUAGE", "LC_ALL", "LANG")

_translation: gettext.NullTranslations | None = None
_language: str | None = None
_catalogues: dict[tuple[str, str], gettext.NullTranslations] = {}


def supported(name: str) -> str | None:
    """The catalogue for a locale name (`zh`, `zh-CN`, `zh_CN.UTF-8`, `en_US`, `English`),
    or None for a language casekit does not speak (and for `C`/`POSIX`)."""
    base = re.split(r"[-_.@]", name.strip(), maxsplit=1)[0].lower()
    if base in ("zh", "chinese", "中文"):
        return CHINESE
    if base in ("en", "english"):
        return ENGLISH
    return None


def choose(environ: Mapping[str, str], config_locale: str | None) -> str:
    """The language for these variables and this config `locale` (module docstring)."""
    for variable in LANGUAGE_VARIABLES:
        value = environ.get(variable, "")
        # LANGUAGE is a list (`fr:en`); the first language casekit speaks wins
        for name in value.split(":") if variable == "LANGUAGE" else [value]:
            language = supported(name) if name else None
            if language:
                return language
    if config_locale:
        language = supported(config_locale)
        if language:
            return language
    return DEFAULT_LANGUAGE


def language() -> str:
    """The language messages are in: set by `use`, else chosen from the environment alone."""
    if _language is None:
        use(choose(os.environ, None))
    assert _language is not None
    return _language


def is_chinese() -> bool:
    return language() == CHINESE


def use(name: str) -> None:
    """Speak `name` (one of LANGUAGES) from now on."""
    global _translation, _language
    _language = name
    _translation = catalogue(name)


def catalogue(name: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The messages of `domain` in language `name`: casekit's own, or `reports` (the labels
    of the bundled report templates, whose language is the report's, not the user's)."""
    key = (name, domain)
    if key not in _catalogues:
        _catalogues[key] = _load(name, domain)
    return _catalogues[key]


def _load(name: str, domain: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / name / "LC_MESSAGES"
    compiled, source = folder / f"{domain}.mo", folder / f"{domain}.po"
    try:
        fresh = compiled.stat().st_mtime >= source.stat().st_mtime if source.exists() else True
    except OSError:
        fresh = False
    if fresh:
        with compiled.open("rb") as stream:
            return gettext.GNUTranslations(stream)
    if source.exists():
        # a checkout whose catalogue changed since it was compiled: compile it in memory
        return _compile(source)
    return gettext.NullTranslations()


def _compile(source: Path) -> gettext.NullTranslations:
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as stream:
        catalogue = read_po(stream)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """`message` in the user's language."""
    if _translation is None:
        language()
    assert _translation is not None
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for `count`, in the user's language."""
    if _translation is None:
        language()
    assert _translation is not None
    return _translation.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """`message` in the user's language, where the same English word means different
    things (`pgettext("deadline", "open")`: 进行中, not 未结)."""
    if _translation is None:
        language()
    assert _translation is not None
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Marks `message` for the catalogue; it is translated with `_()` where it is shown."""
    return message


def label(labels: Mapping[str, str] | None, fallback: str) -> str:
    """A config label in the user's language: `{zh: 调查中, en: investigating}` gives the
    Chinese or the English one, whichever the user reads, else the other, else `fallback`."""
    if not labels:
        return fallback
    first, second = ("zh", "en") if is_chinese() else ("en", "zh")
    return str(labels.get(first) or labels.get(second) or fallback)


def setup(argv: list[str], environ: Mapping[str, str], cwd: Path) -> str:
    """Choose the language for one run of `casekit argv` in `cwd`: the environment, else
    the `locale` of the case repository the command will use (found as `Env.root` finds
    it, without reading the whole config)."""
    config_locale = None
    spoken = (supported(name) for v in LANGUAGE_VARIABLES for name in environ.get(v, "").split(":") if name)
    if not any(spoken):
        config_locale = _repository_locale(_repository_flag(argv) or environ.get("CASEKIT_REPO"), cwd)
    chosen = choose(environ, config_locale)
    use(chosen)
    return chosen


def _repository_flag(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg == "--repo" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--repo="):
            return arg.split("=", 1)[1]
    return None


_LOCALE_LINE = re.compile(rb"^locale:\s*['\"]?([A-Za-z_@.-]+)", re.MULTILINE)


def locale_of_config(config: bytes) -> str | None:
    """The `locale` a casekit.yaml's text names, read without parsing the whole config."""
    match = _LOCALE_LINE.search(config)
    return match.group(1).decode() if match else None


def _repository_locale(given: str | None, cwd: Path) -> str | None:
    candidates = [cwd / given] if given else [cwd, *cwd.parents]
    for candidate in candidates:
        config = candidate / "casekit.yaml"
        if given or (candidate / ".git").exists():
            try:
                return locale_of_config(config.read_bytes())
            except OSError:
                return None
    return None
