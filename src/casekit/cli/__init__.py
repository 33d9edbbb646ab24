"""The `casekit` command line: typer commands that parse options, call one service or
feature function, and format its result. Commands are registered lazily, so a command
imports only what it runs (`casekit --help` imports no command's code).

May import everything.
"""
