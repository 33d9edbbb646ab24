"""Keeps the message catalogues in step with the source.

    python tools/messages.py            extract every message, update both catalogues
                                        (new messages get an empty Chinese translation;
                                        the English catalogue repeats the source), compile
    python tools/messages.py --check    exit 1 listing what is missing or stale
    python tools/messages.py --absorb OTHER.po ...
                                        also take Chinese translations from other copies
                                        of the catalogue (after a merge conflict)
    python tools/messages.py --missing  print the messages still without Chinese

Messages are the first arguments of `_()`, `N_()` and `ngettext()` in src/casekit."""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "casekit"
LOCALE = SOURCE / "locale"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LANGUAGES = ("zh_CN", "en")
# fixed, so that regenerating a catalogue changes only its messages
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def catalogue_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "casekit.po"


def extract() -> Catalog:
    template = Catalog(project="casekit", fuzzy=False, creation_date=STAMP, revision_date=STAMP)
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(SOURCE),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        template.add(message, locations=[(f"src/casekit/{filename}", lineno)], auto_comments=comments)
    return template


def read(path: Path) -> Catalog:
    if not path.exists():
        return Catalog(project="casekit")
    with path.open("rb") as stream:
        return read_po(stream)


def translations(*catalogues: Catalog) -> dict[object, object]:
    known: dict[object, object] = {}
    for catalogue in catalogues:
        for message in catalogue:
            if message.id and message.string and not message.fuzzy:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if all(strings):
                    known.setdefault(message.id, message.string)
    return known


def build(template: Catalog, language: str, known: dict[object, object]) -> Catalog:
    catalogue = Catalog(
        locale=language, project="casekit", version="1", fuzzy=False, creation_date=STAMP, revision_date=STAMP
    )
    for message in template:
        if not message.id:
            continue
        if language == "en":
            string: object = message.id
        else:
            string = known.get(message.id, ("", "") if isinstance(message.id, tuple) else "")
        catalogue.add(
            message.id,
            string,
            locations=message.locations,
            auto_comments=message.auto_comments,
            flags=[flag for flag in message.flags if flag != "fuzzy"],
        )
    return catalogue


def render(catalogue: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalogue, omit_header=False, width=100, sort_output=False, include_lineno=False)
    return buffer.getvalue()


def compile_catalogue(path: Path) -> None:
    with path.open("rb") as stream:
        catalogue = read_po(stream)
    with path.with_suffix(".mo").open("wb") as stream:
        write_mo(stream, catalogue)


def untranslated(catalogue: Catalog) -> list[str]:
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id[0] if isinstance(message.id, tuple) else message.id)
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--missing", action="store_true")
    parser.add_argument("--absorb", nargs="*", default=[], type=Path)
    args = parser.parse_args()
    template = extract()
    chinese = read(catalogue_path("zh_CN"))
    known = translations(chinese, *(read(path) for path in args.absorb))
    if args.missing:
        for message in untranslated(build(template, "zh_CN", known)):
            print(message)
        return 0
    stale = []
    for language in LANGUAGES:
        path = catalogue_path(language)
        wanted = render(build(template, language, known))
        current = path.read_bytes() if path.exists() else b""
        if current != wanted:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(wanted)
        if not args.check:
            compile_catalogue(path)
    missing = untranslated(build(template, "zh_CN", known))
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is not up to date; run python tools/messages.py")
        for message in missing[:50]:
            print(f"no Chinese for: {message!r}")
        return 1 if stale or missing else 0
    print(f"{len(template)} messages; {len(missing)} without Chinese")
    return 0


if __name__ == "__main__":
    sys.exit(main())
