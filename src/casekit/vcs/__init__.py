"""git: commits made with plumbing under a per-clone lock, the object reader
(`git cat-file --batch`), one entry of git's index read from `.git/index`, and case
histories read from commits.

May import: `casekit.core`, `casekit.errors`.
"""
