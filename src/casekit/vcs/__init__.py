"""git: commits made with plumbing under a per-clone lock, the object reader
(`git cat-file --batch`), the split index, and case histories read from commits.

May import: `casekit.core`, `casekit.errors`.
"""
