"""Harassment calls (骚扰电话, handbook 000): the log of calls identified as harassment and
ended, who made them (the source number) and when; the warning `casekit new` gives when a
caller's phone has such a log; what the reports count of them.

May import `casekit.service` and below. `rules` is pure; reports read it.
"""
