"""`casekit log` for people: a case's audit trail as a timeline, one line an event (when,
who, what) in the user's language, its note under it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from casekit.core.config import Config
from casekit.core.notes import text as note_text
from casekit.i18n import N_, _, pgettext
from casekit.render.labels import field_label, person_name, state_label
from casekit.render.output import display_width, safe_text, short_time, terminal, truncate

# What each history action is called; an action casekit does not know is shown as its key.
ACTION_NAMES = {
    "open": N_("opened"),
    "move": N_("state"),
    "assign": N_("assigned"),
    "note": N_("note"),
    "set": N_("updated"),
    "link": N_("linked"),
    "attach": N_("attached"),
    "attempt": N_("dialled"),
    "merge": N_("merged"),
    "unmerge": N_("unmerged"),
    "merged-from": N_("merged into this case"),
    "unmerged": N_("merge undone"),
    "survey": N_("callback result"),
    "refollow": N_("follow-up moved"),
    "resolve": N_("resolved"),
    # shown as their keys in English, as before
    "undo": N_("undo"),
    "escalate": N_("escalate"),
    "promise": N_("promise"),
}


# The case keys every kind has, as a Chinese reader calls them (English shows the key).
def _core_key_names() -> dict[str, str]:
    """The keys every case has, in the user's language (English readers see the key)."""
    return {
        "title": pgettext("case key", "title"),
        "priority": pgettext("case key", "priority"),
        "channel": pgettext("case key", "channel"),
        "customer.name": pgettext("case key", "customer.name"),
        "customer.phone": pgettext("case key", "customer.phone"),
        "customer.salutation": pgettext("case key", "customer.salutation"),
    }


_ASSIGNED = re.compile(r": assigned to (\S+)")
_SET = re.compile(r": set (.+)$")


def action_name(action: Any) -> str:
    if action is None:  # a commit without casekit's trailers
        return _("(no trailers)")
    name = ACTION_NAMES.get(str(action))
    return _(name) if name else str(action)


def event_text(row: Mapping[str, Any], config: Config, kind: str) -> str:
    """What happened: `状态 已受理 → 判断中`, `新建 → 已受理`, `指派 → 陈杰`."""
    what = action_name(row.get("action"))
    source, target = row.get("from"), row.get("to")
    subject = str(row.get("subject") or "")
    if source and target:
        return f"{what} {state_label(config, kind, source)} → {state_label(config, kind, target)}"
    if target:
        return f"{what} → {state_label(config, kind, target)}"
    if row.get("action") == "assign":
        found = _ASSIGNED.search(subject)
        if found:
            return f"{what} → {person_name(config, found.group(1))}"
    if row.get("action") == "set":
        found = _SET.search(subject)
        if found:
            fields = [_changed_key(config, kind, f.strip()) for f in found.group(1).split(",")]
            comma = _(", ")
            return f"{what} {comma.join(fields)}"
    return what


def _changed_key(config: Config, kind: str, key: str) -> str:
    """A key a `set` changed, by its label: a field's from casekit.yaml, a core key's in Chinese."""
    core = _core_key_names()
    return core[key] if key in core else field_label(config, kind, key)


def timeline(rows: Sequence[Mapping[str, Any]], config: Config, kind: str) -> str:
    """The events, oldest first: `2026-11-20 09:12  李娜  状态 已受理 → 判断中`, each note's
    lines under its event (on a terminal, each cut to the terminal's width)."""
    if not rows:
        return _("no history")
    names = [safe_text(person_name(config, r.get("actor"))) for r in rows]
    name_width = max(display_width(n) for n in names)
    screen = terminal()
    lines = []
    for row, name in zip(rows, names, strict=True):
        when = short_time(row.get("at"))
        lead = f"{when}  {name}{' ' * (name_width - display_width(name))}  "
        lines.append((lead + safe_text(event_text(row, config, kind))).rstrip())
        indent = " " * display_width(lead)
        said = row.get("note") or (note_text(row["remark"], config) if row.get("remark") else "")
        for note_line in str(said).strip("\n").split("\n"):
            if not note_line.strip():
                continue
            text = safe_text(note_line.rstrip())
            if screen is not None:
                text = truncate(text, max(screen.width - len(indent), 10))
            lines.append(indent + text)
    return "\n".join(lines)
