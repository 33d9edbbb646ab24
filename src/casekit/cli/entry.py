"""The `casekit` command's entry point: starts the git work a query will need, then runs
the application (whose imports take about as long)."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    from casekit.index import prefetch

    prefetch.start(sys.argv[1:])
    from casekit.cli.app import main as run

    try:
        run()
    finally:
        # The process is about to end: the collector's passes over every object left
        # while Python shuts down would only delay that (some 50 ms after a report).
        gc.freeze()
