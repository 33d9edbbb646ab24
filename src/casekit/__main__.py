"""`python -m casekit`: the `casekit` command."""

from __future__ import annotations

from casekit.cli.entry import main

main()
