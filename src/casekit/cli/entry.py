"""The `casekit` command's entry point: starts the git work a query will need, then runs
the application (whose imports take about as long)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path


def main() -> None:
    from casekit.index import prefetch

    prefetch.start(sys.argv[1:])
    from casekit import i18n

    # before the application is imported: its help texts are looked up as it is built
    i18n.setup(sys.argv[1:], os.environ, Path.cwd())
    from casekit.cli.app import main as run

    try:
        run()
    finally:
        # The process is about to end: the collector's passes over every object left
        # while Python shuts down would only delay that (some 50 ms after a report).
        gc.freeze()
