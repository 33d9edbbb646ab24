"""What a callback casekit opens by itself records as its 'open' entry's remark (a keyed
note, `casekit.core.notes`): why it was opened, shown in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casekit.core.config import Config
from casekit.core.notes import define
from casekit.features.callbacks.settings import settings_of
from casekit.i18n import N_


def _labels(values: Mapping[str, Any], cfg: Config | None) -> dict[str, str]:
    """The labels a callback's remark shows, in the reader's language: the kind and state
    of the case it follows, the customer's satisfaction in the callback kind's words."""
    from casekit.render import labels

    if cfg is None:
        return {}
    kind, state = values.get("kind"), values.get("state")
    callback_kind = settings_of(cfg).kind
    return {
        "kind_label": labels.kind_label(cfg, kind),
        "state_label": labels.state_label(cfg, kind, state),
        "satisfaction_label": labels.value_label(
            cfg, callback_kind, "satisfaction", values.get("satisfaction")
        ),
    }


# the remarks a callback casekit opens records in its 'open' entry (casekit.core.notes)
AFTER_STATE_NOTE = define(
    "callbacks.after-state", N_("callback arranged after {kind_label} {case} reached {state_label}"), _labels
)
FOLLOW_UP_NOTE = define(
    "callbacks.follow-up", N_("callback {callback}: satisfaction {satisfaction_label}"), _labels
)
FOLLOW_UP_OF_NOTE = define(
    "callbacks.follow-up-of",
    N_("callback {callback}: satisfaction {satisfaction_label}; following up {kind_label} {case}"),
    _labels,
)
PLANNED_NOTE = define("callbacks.planned", N_("planned: {plan}"))
IMPORTED_NOTE = define("callbacks.imported", N_("imported from {file} line {line}"))
SWEPT_NOTE = define("callbacks.swept", N_("swept from {file} line {rows}: {calls} missed call(s) at {at}"))
