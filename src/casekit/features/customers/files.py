"""The customer file (客户档案) read and checked: `customers.yaml` with a `customers:`
list, or a folder with one file per customer (`customers.file`). Reads only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casekit.codec.yamlio import YamlSyntaxError, load_fast
from casekit.core.config import Config
from casekit.features.customers.cards import check_cards
from casekit.features.customers.settings import CustomerSettings, customer_settings
from casekit.i18n import _

CARDS_KEY = "customers"


@dataclass
class CustomerFile:
    """The cards of the customer file (or folder), each with the file it is in."""

    settings: CustomerSettings
    cards: list[Mapping[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # repository-relative, one per card
    problems: list[str] = field(default_factory=list)


def read_customer_file(root: Path, config: Config) -> CustomerFile:
    """Every card, whatever the layout; a missing file or folder has none."""
    settings = customer_settings(config)
    found = CustomerFile(settings)
    if settings.is_folder:
        folder = root / settings.file
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            rel = path.relative_to(root).as_posix()
            data = _load(path, rel, found)
            if data is not None:
                found.cards.append(data)
                found.files.append(rel)
        return found
    path = root / settings.file
    if not path.is_file():
        return found
    data = _load(path, settings.file, found)
    items = data.get(CARDS_KEY) if isinstance(data, Mapping) else None
    if data is not None and not isinstance(items, list):
        found.problems.append(
            _("{file}: the customer file must have a 'customers:' list").format(file=settings.file)
        )
    for item in items if isinstance(items, list) else []:
        found.cards.append(item if isinstance(item, Mapping) else {})
        found.files.append(settings.file)
    return found


def _load(path: Path, rel: str, found: CustomerFile) -> Any:
    try:
        return load_fast(path.read_bytes())
    except YamlSyntaxError as exc:
        found.problems.append(f"{rel}: {exc}")
    except OSError as exc:
        found.problems.append(
            _("{rel}: cannot read the file: {strerror}").format(rel=rel, strerror=exc.strerror)
        )
    return None


def customer_file_problems(root: Path, config: Config) -> list[tuple[str, list[str | int], str]]:
    """`casekit validate`'s findings in the customer file: (file, key path, message)."""
    found = read_customer_file(root, config)
    problems: list[tuple[str, list[str | int], str]] = [
        (p.split(": ", 1)[0], [], p.split(": ", 1)[1]) for p in found.problems
    ]
    for position, (key_path, message) in check_cards(found.cards, found.settings):
        rel = found.files[position]
        where: list[str | int] = (
            [*key_path] if found.settings.is_folder else [CARDS_KEY, within_file(found, position), *key_path]
        )
        problems.append((rel, where, message))
    return problems


def within_file(found: CustomerFile, position: int) -> int:
    """A card's position in its own file."""
    return sum(1 for f in found.files[:position] if f == found.files[position])
