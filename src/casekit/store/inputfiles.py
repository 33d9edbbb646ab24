"""Files a user names on the command line (evidence photos, CSV exports), read without
trusting them: only a regular file, and never more than a limit, whatever its size says."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from casekit.core.fields import control_character
from casekit.errors import Refused
from casekit.i18n import _

# Called with (size, more) for a file over the limit: `size` is its stated size, or with
# `more` the bytes read of a file that says it is small but is not (/proc, a growing file).
TooLarge = Callable[[int, bool], NoReturn]


def read_input_file(
    path: Path, limit: int, *, what: str, too_large: TooLarge, shown: Path | None = None
) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; anything else is
    refused with one sentence naming the path as the user gave it (`shown`). `what` names
    what the user should give (e.g. 'the photo or document to attach')."""
    given = shown or path
    problem = control_character(str(given))
    if problem:
        raise Refused(_("{path!r}: the path {problem}").format(path=str(given), problem=problem))
    try:
        info = path.stat()
    except FileNotFoundError:
        raise Refused(
            _("{path}: no such file; give the path of {what}").format(path=given, what=what)
        ) from None
    except OSError as exc:
        raise Refused(
            _("{path}: cannot be read ({reason}); check the path").format(
                path=given, reason=exc.strerror or exc
            )
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise Refused(
            _("{path}: is not a file but a folder; give the path of {what}").format(path=given, what=what)
        )
    if not stat.S_ISREG(info.st_mode):
        raise Refused(
            _("{path}: is not a regular file (a device, pipe or socket); give the path of {what}").format(
                path=given, what=what
            )
        )
    if info.st_size > limit:
        too_large(info.st_size, False)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise Refused(
            _("{path}: cannot be read ({reason}); check the file's permissions").format(
                path=given, reason=exc.strerror or exc
            )
        ) from None
    if len(data) > limit:
        too_large(len(data), True)
    return data
