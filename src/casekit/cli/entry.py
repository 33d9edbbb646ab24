"""The `casekit` command's entry point: starts the git work a query will need, then runs
the application (whose imports take about as long)."""

from __future__ import annotations

import sys


def main() -> None:
    from casekit import prefetch

    prefetch.start(sys.argv[1:])
    from casekit.cli.app import main as run

    run()
