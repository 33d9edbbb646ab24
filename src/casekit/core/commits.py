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
from casekit.i18n import _

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$")
# A blank line as git sees one: nothing but ASCII white space between two newlines.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_BLANK = " \t\n\r\f\v"

# The history action of a case a commit updates besides the one acted on (`Case-Updated`):
# the result of a callback written onto the case it followed, in the callback's commit.
UPDATED_ACTION = "survey"

# A merge of duplicates (`casekit.core.duplicates`): the case that stays, and the callbacks
# the merge (or its undoing) moves, each with the entry it records.
SURVIVOR_TRAILER = "Case-Survivor"
MOVED_TRAILER = "Case-Moved"
_SURVIVOR_ACTIONS = {"merge": "merged-from", "unmerge": "unmerged"}
MOVED_ACTION = "refollow"


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
            raise ValueError(
                _("commit {sha}: author date {date!r} is not a time").format(sha=self.sha, date=self.when)
            )
        return moment

    def trailer(self, key: str) -> str | None:
        for name, value in self.trailers:
            if name.lower() == key.lower():
                return value
        return None

    def trailer_values(self, key: str) -> list[str]:
        return [v for name, v in self.trailers if name.lower() == key.lower()]

    def cases_named(self) -> list[str]:
        """The cases the commit may change: the one acted on (`Case-Id`), those its action
        opened (`Case-Opened`, e.g. the callback a resolved complaint opens), the other
        side of a link (`Case-Linked`), the existing cases its action updated
        (`Case-Updated`, e.g. the complaint a completed callback followed) and, in a merge
        of duplicates, the case that stays (`Case-Survivor`) and the callbacks it moves
        (`Case-Moved`)."""
        return [
            *self.trailer_values("Case-Id"),
            *self.trailer_values("Case-Opened"),
            *self.trailer_values("Case-Linked"),
            *self.trailer_values("Case-Updated"),
            *self.trailer_values(SURVIVOR_TRAILER),
            *self.trailer_values(MOVED_TRAILER),
        ]

    def role_of(self, case_id: str | None) -> str:
        """How the commit changed case `case_id`: 'opened' by its action, 'linked' to the
        case acted on, 'updated' with what the action recorded, or acted on itself ('acted')."""
        if case_id is not None and case_id not in self.trailer_values("Case-Id"):
            if case_id in self.trailer_values("Case-Opened"):
                return "opened"
            if case_id in self.trailer_values("Case-Linked"):
                return "linked"
            if case_id in self.trailer_values("Case-Updated"):
                return "updated"
            if case_id in self.trailer_values(SURVIVOR_TRAILER):
                return "survivor"
            if case_id in self.trailer_values(MOVED_TRAILER):
                return "moved"
        return "acted"

    def action_of(self, case_id: str | None) -> tuple[str | None, str | None, str | None]:
        """(action, from, to) of the commit as case `case_id` records it."""
        role = self.role_of(case_id)
        if role == "opened":
            return "open", None, None
        if role == "linked":
            return "link", None, None
        if role == "updated":
            return UPDATED_ACTION, None, None
        if role == "survivor":
            return _SURVIVOR_ACTIONS.get(str(self.trailer("Case-Action")), "merged-from"), None, None
        if role == "moved":
            return MOVED_ACTION, None, None
        return self.trailer("Case-Action"), self.trailer("Case-From"), self.trailer("Case-To")

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
    subject, _sep, rest = body.partition("\n")
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
