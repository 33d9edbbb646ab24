"""Quality alerts (质量反馈): several customers reporting a quality problem with the same SKU
or batch within a short window raise an alert to production (001). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from casekit.core.casefile import customer_key, fields_of
from casekit.core.config import Config, Label
from casekit.features.returns import view
from casekit.features.returns.settings import REASON, settings_for

# What an alert groups by: the item's SKU, or its production batch.
SCOPES = {"sku": Label("商品编码", "SKU"), "batch": Label("批次", "Batch")}


@dataclass(frozen=True)
class QualityAlert:
    scope: str  # "sku" or "batch"
    key: str
    customers: int
    cases: tuple[str, ...]
    items: tuple[str, ...]
    first: date
    last: date

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "key": self.key,
            "customers": self.customers,
            "cases": list(self.cases),
            "items": list(self.items),
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
        }


def quality_alerts(
    cases: Iterable[Mapping[str, Any]],
    config: Config,
    as_of: date,
    *,
    min_customers: int | None = None,
    window_days: int | None = None,
) -> list[QualityAlert]:
    """Alerts for the window of `window_days` days ending on `as_of` (inclusive).

    Counts distinct customers (account, else phone, else name) whose return, opened in the
    window with a quality reason and not declined, names the SKU or the batch. Defaults
    come from `returns.alerts` in the config. Sorted by customers, most first.
    """
    settings = settings_for(config)
    threshold = min_customers if min_customers is not None else settings.alert_min_customers
    days = window_days if window_days is not None else settings.alert_window_days
    start = as_of - timedelta(days=days - 1)
    groups: dict[tuple[str, str], list[tuple[date, Mapping[str, Any]]]] = {}
    for case in cases:
        if case.get("kind") != settings.kind or case.get("status") == "declined":
            continue
        values = fields_of(case)
        if values.get(REASON) not in settings.quality_reasons:
            continue
        opened = view.opened_on(case, config.tz)
        if opened is None or not start <= opened <= as_of:
            continue
        for scope in SCOPES:
            key = values.get(scope)
            if isinstance(key, str) and key.strip():
                groups.setdefault((scope, key.strip()), []).append((opened, case))
    alerts = []
    for (scope, key), members in groups.items():
        customers = {customer_key(case) for _, case in members}
        if len(customers) < threshold:
            continue
        members.sort(key=lambda m: (m[0], str(m[1].get("id"))))
        items = sorted(
            {str(fields_of(c).get("item_name")) for _, c in members if fields_of(c).get("item_name")}
        )
        alerts.append(
            QualityAlert(
                scope=scope,
                key=key,
                customers=len(customers),
                cases=tuple(str(c.get("id")) for _, c in members),
                items=tuple(items),
                first=members[0][0],
                last=members[-1][0],
            )
        )
    alerts.sort(key=lambda a: (-a.customers, a.scope, a.key))
    return alerts
