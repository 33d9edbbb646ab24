"""Deadlines (时限): clock rules in working time, the holiday calendar with make-up
working days (调休), conditions, promises (承诺回复), escalation and approvals.

May import `casekit.service` and below.
"""
