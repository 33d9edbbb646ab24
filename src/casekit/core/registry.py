"""Feature modules that extend the core through its registries, loaded on first read.

Each module named in `FEATURE_MODULES` has a `register()` that adds what it brings: guards
and approval rules (`casekit.core.workflow`), derivers and follow-ups (`casekit.service.actions`),
history actions and top-level keys (`casekit.core.casefile`), case and tree checks
(`casekit.core.validation`), config sections (`casekit.core.config`), replayers
(`casekit.service.init`, `casekit.core.workflow`).

The registries are `Registry` and `KeyedRegistry` objects, and every way of reading one
(iterating, `in`, indexing, `len`, `get`, `items`...) first calls `load_features`, which
imports every feature module and calls its `register()`, once per process, in the order
of `FEATURE_MODULES`. So:

- no code can see a registry without every feature's entries, whether or not it thought
  of loading them; commands that read no registry (`show`, `list`, `log`, `--help`)
  never import the feature modules at all;
- entries are added only by `load_features` (`add` refuses otherwise), so their order is
  the same in every process, whatever was imported first;
- a registry read while the features register (which would see part of them) raises.

Importing a feature module registers nothing: other code may import one for its
functions without changing what the registries hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import import_module
from typing import TypeVar, overload

from casekit.i18n import _

FEATURE_MODULES: tuple[str, ...] = (
    "casekit.features.deadlines.feature",
    "casekit.features.returns.feature",
    "casekit.service.resolution",
    "casekit.service.syncconfig",
    "casekit.features.callbacks.feature",
    "casekit.features.customers.feature",
    "casekit.features.duplicates.feature",
    "casekit.features.scripts.feature",
    "casekit.features.reports.feature",
    "casekit.features.harassment.feature",
)

_UNLOADED, _LOADING, _LOADED = "unloaded", "loading", "loaded"
_state = _UNLOADED


def load_features() -> None:
    """Import every feature module and register it (once per process)."""
    global _state
    if _state == _LOADED:
        return
    if _state == _LOADING:
        raise RuntimeError(_("a registry was read while the features registered; register() may only add"))
    _state = _LOADING
    try:
        for name in FEATURE_MODULES:
            import_module(name).register()
    except BaseException:
        _state = _UNLOADED
        raise
    _state = _LOADED


def _check_registering(registry: str) -> None:
    if _state != _LOADING:
        raise RuntimeError(
            _(
                "{registry}: entries are added by a feature module's register(), "
                "which casekit.core.registry.load_features calls"
            ).format(registry=registry)
        )


T = TypeVar("T")


class Registry(Sequence[T]):
    """Entries in the order added, each once; reading loads the features first."""

    __slots__ = ("_entries", "_name")

    def __init__(self, name: str, core: Iterable[T] = ()) -> None:
        self._name = name
        self._entries: list[T] = list(dict.fromkeys(core))

    def add(self, entry: T, *, before: T | None = None) -> None:
        """Add an entry (once); `before` puts it ahead of an entry already there."""
        _check_registering(self._name)
        if entry in self._entries:
            return
        position = len(self._entries) if before is None else self._entries.index(before)
        self._entries.insert(position, entry)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        load_features()
        return tuple(self._entries)[index]

    def __len__(self) -> int:
        load_features()
        return len(self._entries)

    def __iter__(self) -> Iterator[T]:
        load_features()
        return iter(tuple(self._entries))

    def __contains__(self, entry: object) -> bool:
        load_features()
        return entry in self._entries

    def __repr__(self) -> str:
        return f"<registry {self._name}>"


class KeyedRegistry(Mapping[str, T]):
    """Entries by name, in the order added; reading loads the features first."""

    __slots__ = ("_entries", "_name")

    def __init__(self, name: str, core: Mapping[str, T] | None = None) -> None:
        self._name = name
        self._entries: dict[str, T] = dict(core or {})

    def add(self, key: str, value: T) -> None:
        """Register `value` under `key`; a name belongs to one entry only."""
        _check_registering(self._name)
        if key in self._entries and self._entries[key] != value:
            raise ValueError(
                _("{registry}: {key!r} is already registered").format(registry=self._name, key=key)
            )
        self._entries[key] = value

    def __getitem__(self, key: str) -> T:
        load_features()
        return self._entries[key]

    def __len__(self) -> int:
        load_features()
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        load_features()
        return iter(tuple(self._entries))

    def __contains__(self, key: object) -> bool:
        load_features()
        return key in self._entries

    def __repr__(self) -> str:
        return f"<registry {self._name}>"
