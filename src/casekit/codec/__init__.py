"""Bytes to data and back: ruamel.yaml round-trip reading and writing (comments kept), and
the fast loaders that read casekit's own case-file layout without a YAML parser.

May import: `casekit.errors`. Nothing here knows about cases, configs or git.
"""
