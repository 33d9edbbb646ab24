"""The `undo` history action: a person takes back their own last change to a case.

History is append-only, so an undo is a new entry, in its own commit, naming the entry it
undoes and recording what it puts back:

```yaml
- {at: 2026-11-23T10:20:00+08:00, by: li.na, action: undo,
   undoes: {action: set, at: 2026-11-23T10:15:00+08:00}, set: {category: logistics}}
```

A note, an update (`set`) or an assignment can be undone; the entry records the values
the undone entry replaced (`set`, `assignee`), which its effect writes back
(`casekit.core.effects`). A move is not undone (the state changes only through the
workflow: `casekit move` back, where it allows), nor an opening, a link (it is on two
cases) or an entry a feature writes. `validation.check_undo` is the case check: an undo
names an earlier entry of an undoable action, by the same person, undone once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casekit.core.timeutil import stored_instant

UNDO = "undo"
# The actions an undo may take back.
UNDOABLE = ("note", "set", "assign")


def undone_position(history: Sequence[Mapping[str, Any]], position: int) -> int | None:
    """The position of the entry the undo at `position` names (`undoes: {action, at}`):
    the latest earlier entry with that action and time, by the same person; None if none."""
    undoes = history[position].get("undoes")
    if not isinstance(undoes, Mapping):
        return None
    moment = stored_instant(undoes.get("at"))
    by = history[position].get("by")
    for earlier in range(position - 1, -1, -1):
        entry = history[earlier]
        if (
            entry.get("action") == undoes.get("action")
            and entry.get("by") == by
            and moment is not None
            and stored_instant(entry.get("at")) == moment
        ):
            return earlier
    return None


def taken_back(history: Sequence[Mapping[str, Any]]) -> set[int]:
    """Positions of the entries an `undo` took back, and of the undo entries: what the
    clocks leave out (a note undone keeps no promise and answers no one)."""
    positions: set[int] = set()
    for position, entry in enumerate(history):
        if entry.get("action") == UNDO:
            found = undone_position(history, position)
            positions.add(position)
            if found is not None:
                positions.add(found)
    return positions
