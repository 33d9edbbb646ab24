"""One function per user action, and the environment they run in (repository, actor,
clock, streams): open, move, note, assign; queries; audit; git hooks and their
installation; `init`; sync, the case-file merge driver and conflict resolution; the JSON
Schema.

May import everything above it (`index`, `render`, `store`, `vcs`, `core`, `codec`);
never `casekit.features` or `casekit.cli`.
"""
