"""A commit as casekit reads it: author, subject, the agent's note and the `Case-*` trailers.

`split_message` parses a message into subject, note and trailers; `CommitRecord` is one
commit as `casekit.vcs.history` reads it from `git log`. Lines end at '\n' only (git's
own rule): U+0085, U+2028 and the other characters `str.splitlines` also breaks at are
text inside a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from casekit.core.timeutil import stored_instant

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$")
# A blank line as git sees one: nothing but ASCII white space between two newlines.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_BLANK = " \t\n\r\f\v"


@dataclass(frozen=True)
class CommitRecord:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    when: str  # ISO 8601 with offset, the author date
    subject: str
    note: str
    trailers: tuple[tuple[str, str], ...]
    files: tuple[str, ...] = ()
    # git's %G? and %GS, read only when asked for (checking a signature costs a process)
    signature: str = ""
    signer: str = ""

    @property
    def instant(self) -> datetime:
        """The author date (git writes it with its offset)."""
        moment = stored_instant(self.when)
        if moment is None:
            raise ValueError(f"commit {self.sha}: author date {self.when!r} is not a time")
        return moment

    def trailer(self, key: str) -> str | None:
        for name, value in self.trailers:
            if name.lower() == key.lower():
                return value
        return None

    def trailer_values(self, key: str) -> list[str]:
        return [v for name, v in self.trailers if name.lower() == key.lower()]

    @property
    def short(self) -> str:
        return self.sha[:10]


def split_message(message: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(subject, note, trailers) of a commit message: the first line, the text after it as
    written (blank lines at its ends dropped), and the last paragraph when every line of it
    is a `Key: value` trailer."""
    body = message.strip(_BLANK)
    if not body:
        return "", "", ()
    subject, _, rest = body.partition("\n")
    breaks = list(_PARAGRAPH_BREAK.finditer(rest))
    last = rest[breaks[-1].end() :] if breaks else rest
    lines = last.strip("\n").split("\n")
    matches = [_TRAILER.match(line) for line in lines]
    trailers: tuple[tuple[str, str], ...] = ()
    if last.strip(_BLANK) and all(matches):
        trailers = tuple((m.group(1), m.group(2).strip()) for m in matches if m)
        rest = rest[: breaks[-1].start()] if breaks else ""
    note = rest.strip("\n")
    return subject, note if note.strip(_BLANK) else "", trailers
