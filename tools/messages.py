"""Keeps the message catalogues in step with the source.

    python tools/messages.py            extract every message, update both catalogues
                                        (new messages get an empty Chinese translation;
                                        the English catalogue repeats the source), compile
    python tools/messages.py --check    exit 1 listing what is missing or stale
    python tools/messages.py --absorb OTHER.po ...
                                        also take Chinese translations from other copies
                                        of the catalogue (after a merge conflict)
    python tools/messages.py --missing  print the messages still without Chinese

Two catalogues (gettext domains) per language: `casekit`, the messages of the code (the
first arguments of `_()`, `N_()`, `ngettext()` and `pgettext()` in src/casekit), and `reports`, the
labels of the bundled report templates (`_()` and `pgettext()` in templates/reports),
which are in the report's language rather than the user's."""

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
LANGUAGES = ("zh_CN", "en")
DOMAINS: dict[str, tuple[Path, list[tuple[str, str]], dict[str, object]]] = {
    "casekit": (
        SOURCE,
        [("**.py", "python")],
        {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)},
    ),
    "reports": (
        ROOT / "templates" / "reports",
        [("**.j2", "jinja2.ext:babel_extract")],
        {"_": None, "pgettext": ((1, "c"), 2)},
    ),
}
# fixed, so that regenerating a catalogue changes only its messages
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def catalogue_path(language: str, domain: str = "casekit") -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def extract(domain: str = "casekit") -> Catalog:
    folder, method_map, keywords = DOMAINS[domain]
    template = Catalog(project="casekit", fuzzy=False, creation_date=STAMP, revision_date=STAMP)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(folder),
        method_map=method_map,
        options_map={"**.j2": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        keywords=keywords,  # type: ignore[arg-type]
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        where = f"{folder.relative_to(ROOT).as_posix()}/{filename}"
        template.add(message, locations=[(where, lineno)], auto_comments=comments, context=context)
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
                    known.setdefault((message.id, message.context), message.string)
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
            empty = ("", "") if isinstance(message.id, tuple) else ""
            string = known.get((message.id, message.context), empty)
        catalogue.add(
            message.id,
            string,
            locations=message.locations,
            auto_comments=message.auto_comments,
            flags=[flag for flag in message.flags if flag != "fuzzy"],
            context=message.context,
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
    parser.add_argument("--absorb", nargs="*", default=[], type=Path, help="other copies of a zh_CN .po")
    args = parser.parse_args()
    problems = []
    for domain in DOMAINS:
        template = extract(domain)
        others = [read(path) for path in args.absorb if path.name.startswith(domain)]
        known = translations(read(catalogue_path("zh_CN", domain)), *others)
        missing = untranslated(build(template, "zh_CN", known))
        if args.missing:
            print("\n".join(missing)) if missing else None
            continue
        for language in LANGUAGES:
            path = catalogue_path(language, domain)
            wanted = render(build(template, language, known))
            current = path.read_bytes() if path.exists() else b""
            if current != wanted:
                problems.append(f"{path.relative_to(ROOT)} is not up to date; run python tools/messages.py")
                if not args.check:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(wanted)
            if not args.check:
                compile_catalogue(path)
        problems += [f"{domain}: no Chinese for {message!r}" for message in missing]
        if not args.check:
            print(f"{domain}: {len(template)} messages; {len(missing)} without Chinese")
    if args.check:
        print("\n".join(problems[:80])) if problems else None
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
