"""The `casekit` command line: thin typer commands over the action and query functions."""
