"""Where the query index lives, the format its rows are in, and the switch that turns it
off: what a reader of the index file needs without the index's machinery
(`casekit.index.cache`, a module Tab completion would spend more time importing than
answering)."""

from __future__ import annotations

import os
from collections.abc import Mapping

FORMAT = "casekit-index-13"  # change when what a row holds, or the indexes on the rows, change
FOLDER = "casekit"  # under the git folder (`casekit.vcs.git.state_dir`)
DB_NAME = "index.sqlite"
ENV_SWITCH = "CASEKIT_INDEX"


def stored_format() -> str:
    """The index's format: an index written in another one is rebuilt. (The language its
    rows' problems are worded in is the meta key `PROBLEMS_LANGUAGE`: in another language
    only the files with problems are read again.)"""
    return FORMAT


PROBLEMS_LANGUAGE = "problems_language"


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    """False when `CASEKIT_INDEX` is off, 0, no or false: read the files directly."""
    value = (environ if environ is not None else os.environ).get(ENV_SWITCH, "")
    return value.strip().lower() not in ("0", "off", "no", "false")
