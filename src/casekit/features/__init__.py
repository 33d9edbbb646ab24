"""Plug-ins registered into the core's registries (`casekit.core.registry`), each a package
shaped alike: settings (its config section), rules (pure), facts (what a case's history
says for it), service (its actions), view (its output) and feature (`register()`).

- `deadlines`: working-time clocks, the calendar, promises, escalation, approvals;
- `callbacks`: triggered and periodic callbacks, attempts, surveys, the queue;
- `returns`: return types, postage, evidence, registers, alerts, settlement;
- `reports` and `scripts`: weekly and monthly reports, reply scripts (话术).

May import `casekit.service` and below. `reports` and `scripts` may read the pure modules
of the other features; no feature imports `reports` or `scripts`.
"""
