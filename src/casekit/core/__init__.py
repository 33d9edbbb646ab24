"""The pure core: IDs, times, the config's records, case files as data, fields, what a
history says (timeline), workflows and their guards, validation, selections and list
views, stored deadlines judged at an instant, the working calendar, commits as casekit
reads them, the rules a change must follow, and the registries that features add to.

No files, git, clock or environment: everything comes in as arguments (`now` included) and
goes out as plain data. May import: `casekit.codec`, `casekit.errors`.
"""
