"""Every command explains itself: a summary and a worked example in its --help."""

from __future__ import annotations

import re

from conftest import CLI


def _commands(cli: CLI) -> list[str]:
    text = cli.ok("--help").out
    section = text.split("Commands:", 1)[1]
    return re.findall(r"^  ([a-z][a-z-]*)\s", section, flags=re.MULTILINE)


def test_every_command_has_help_with_an_example(repo: CLI) -> None:
    commands = _commands(repo)
    assert {"init", "new", "move", "show", "list", "assign", "note", "log", "validate", "audit"} <= set(
        commands
    )
    for command in commands:
        result = repo.run(command, "--help")
        assert result.code == 0, command
        assert "Example" in result.out, f"casekit {command} --help has no example"
        assert "Traceback" not in result.out + result.err


def test_usage_mistakes_exit_2_without_a_traceback(repo: CLI) -> None:
    for args in (["no-such-command"], ["move"], ["list", "--format", "xml"], ["new", "complaint", "--bogus"]):
        result = repo.run(*args)
        assert result.code == 2, args
        assert "Traceback" not in result.err and result.err.strip(), args
