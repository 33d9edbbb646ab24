"""Callbacks (回访): callback types and their questionnaires, triggered and periodic
callbacks, sign-up imports, call attempts, the dialling queue.

May import `casekit.service` and below.
"""
