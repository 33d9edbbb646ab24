"""Duplicates (重复案件): merging a duplicate case into the case that stays, and undoing it.

May import `casekit.service` and below, and the callbacks feature's pure modules.
"""
