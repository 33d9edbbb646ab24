"""Reply scripts (话术): which template fits a case, the values it is filled with, and the
checks that every template renders.

May import `casekit.service` and below, and the pure modules of the other features.
"""
