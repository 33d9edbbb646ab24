"""A progress bar on stderr for the few long operations (building the index, validating).

On a terminal it appears once an operation has run for half a second and redraws in
place. Elsewhere (CI logs, pipes) it stays silent unless the operation takes long: after
five seconds it prints a plain line every five seconds, and one when done. Standard output
is never touched, so what a command prints for scripts stays the same.
`CASEKIT_PROGRESS=never` silences it; `CASEKIT_PROGRESS=always` draws every step (tests).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from casekit.i18n import _

TTY_DELAY = 0.5
LOG_DELAY = 5.0
LOG_EVERY = 5.0
BAR_WIDTH = 24


class Progress:
    """Counts `done` out of `total` for one labelled operation (`label` marked with `N_()`
    by the caller, and translated here)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = _(label)
        self.total = max(total, 0)
        self.stream = stream or sys.stderr
        self.mode = os.environ.get("CASEKIT_PROGRESS", "auto").lower()
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False
        self.done = 0

    def advance(self, count: int = 1) -> None:
        self.update(self.done + count)

    def update(self, done: int) -> None:
        self.done = done
        if self.mode in ("never", "0", "off"):
            return
        now = time.monotonic()
        elapsed = now - self.started
        if self.mode in ("always", "1", "on"):
            self._line(elapsed)
        elif self.tty:
            if elapsed >= TTY_DELAY and now - self.last_draw >= 0.1:
                self._bar(elapsed)
                self.last_draw = now
        elif elapsed >= LOG_DELAY and now - self.last_draw >= LOG_EVERY:
            self._line(elapsed)
            self.last_draw = now

    def finish(self) -> None:
        """Close the bar: erase it on a terminal, or print a last line if any was printed."""
        if not self.drawn:
            return
        elapsed = time.monotonic() - self.started
        if self.tty and self.mode not in ("always", "1", "on"):
            self.stream.write("\r\x1b[K")
        else:
            self.stream.write(
                _("{label}: done, {count:,} in {seconds:.1f} s").format(
                    label=self.label, count=self.total, seconds=elapsed
                )
                + "\n"
            )
        self.stream.flush()

    def _bar(self, elapsed: float) -> None:
        share = self.done / self.total if self.total else 1.0
        filled = int(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        counted = _("{done:,}/{total:,} {seconds:.0f} s").format(
            done=self.done, total=self.total, seconds=elapsed
        )
        text = f"\r{self.label} [{bar}] {counted}"
        self.stream.write(text + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def _line(self, elapsed: float) -> None:
        counted = _("{done:,}/{total:,} ({seconds:.0f} s)").format(
            done=self.done, total=self.total, seconds=elapsed
        )
        self.stream.write(f"{self.label}: {counted}\n")
        self.stream.flush()
        self.drawn = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()
