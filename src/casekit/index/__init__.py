"""The query cache (one row per case file, keyed by blob id) and the one loader of a case
repository, which answers list views from the cache and starts git early.

May import: `casekit.store`, `casekit.vcs`, `casekit.core`, `casekit.codec`, `casekit.errors`,
`casekit.progress`.
"""
