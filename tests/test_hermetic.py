"""The suite reads no machine git config: a machine without a git identity passes it too."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import CLI


def _git_config_list(env: dict[str, str] | None = None) -> str:
    """Every setting git reads from outside a repository: the global and the system files."""
    found = ""
    for scope in ("--global", "--system"):
        proc = subprocess.run(
            ["git", "config", scope, "--list"], capture_output=True, text=True, env=env, check=False
        )
        found += proc.stdout
    return found


def test_the_test_process_reads_no_machine_git_config() -> None:
    assert _git_config_list() == ""
    assert Path(os.environ["HOME"]).resolve() != Path("~root").expanduser().resolve()
    assert Path(os.environ["GIT_CONFIG_GLOBAL"]).read_bytes() == b""


def test_casekit_runs_with_no_machine_git_config(repo: CLI) -> None:
    assert _git_config_list(repo.environ) == ""
    assert Path(repo.environ["HOME"]) != Path(os.environ["HOME"])
