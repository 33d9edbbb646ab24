"""Files on disk: case files found, read and written atomically, the config file read from
a repository and its parsed cache under `.git/casekit/`.

May import: `casekit.core`, `casekit.codec`, `casekit.errors`.
"""
