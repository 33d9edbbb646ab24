"""`python -m casekit.githooks NAME ARGS`: what the installed git hooks and the case-file
merge driver run. Kept at this path for hooks installed in existing clones; the hooks
themselves live in `casekit.service.hooks`."""

from __future__ import annotations

import sys

from casekit.service.hooks import main

if __name__ == "__main__":
    sys.exit(main())
