"""Text for people: the sandboxed Jinja environment with the repository's template
overrides, tables that line up Chinese text, JSON and CSV, and deadline cells.

May import: `casekit.core`, `casekit.vcs`, `casekit.codec`, `casekit.resources`,
`casekit.errors`.
"""
