"""Reports (报表): the weekly progress report and the monthly analysis, their figures
(pure, from cases and the config), charts and rendering.

May import `casekit.service` and below, and the pure modules of the other features.
"""
