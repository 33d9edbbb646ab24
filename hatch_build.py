"""Compiles the message catalogues (`src/casekit/locale/*/LC_MESSAGES/casekit.po`) to the
`.mo` files gettext reads, whenever a wheel or an editable install is built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for source in sorted(Path(self.root, "src", "casekit", "locale").glob("*/LC_MESSAGES/*.po")):
            with source.open("rb") as stream:
                catalogue = read_po(stream)
            compiled = source.with_suffix(".mo")
            with compiled.open("wb") as stream:
                write_mo(stream, catalogue)
            relative = compiled.relative_to(Path(self.root, "src")).as_posix()
            build_data.setdefault("force_include", {})[str(compiled)] = relative
