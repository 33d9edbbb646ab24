"""The README's commands run as written: the quickstart makes the demo repository outside
the source checkout, and every command of "A day at the desk" works in it (the ones the
README says are refused are refused)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT

README = PROJECT / "README.md"
FENCE = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks_after(heading: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    return FENCE.findall(text, start)


def _commands(block: str) -> list[str]:
    """The block's commands, continuation lines joined, comment-only lines left out."""
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def _shim(folder: Path) -> Path:
    """A `casekit` command on PATH that runs this checkout's code."""
    folder.mkdir()
    shim = folder / "casekit"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m casekit "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return folder


def test_the_quickstart_and_a_day_at_the_desk_run_as_written(tmp_path: Path, environ: dict[str, str]) -> None:
    quickstart = _commands(_blocks_after("## Quickstart")[0])
    assert len(quickstart) == 1 and "python3 -m venv" in quickstart[0]
    # the install part is what this test's own environment did; the rest runs as written
    steps = [step.strip() for step in quickstart[0].split("&&")]
    assert [s.split()[0] for s in steps[:3]] == ["python3", ".", "pip"]
    casekit_steps = steps[3:]
    assert all(step.startswith("casekit ") for step in casekit_steps)
    day = _commands(_blocks_after("## A day at the desk")[0])
    assert day[0] == "cd ~/casekit-demo"

    home = tmp_path / "home"
    env = {k: v for k, v in environ.items() if k != "CASEKIT_ACTOR"}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(_shim(tmp_path / "bin")), env["PATH"]]))
    script = []
    for index, command in enumerate([" && ".join(casekit_steps), *day]):
        script += [command, f'echo "@@ {index} $?"']
    proc = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=PROJECT, env=env, capture_output=True, text=True, check=False
    )
    codes = dict(re.findall(r"^@@ (\d+) (\d+)$", proc.stdout, re.MULTILINE))
    commands = [" && ".join(casekit_steps), *day]
    assert len(codes) == len(commands), proc.stdout + proc.stderr
    for index, command in enumerate(commands):
        wanted = "1" if "# refused" in command else "0"
        assert codes[str(index)] == wanted, f"{command!r} exited {codes[str(index)]}:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    demo = home / "casekit-demo"
    assert (demo / "casekit.yaml").exists() and (demo / "weekly.html").exists()
    # the demo is a repository of its own, and the source checkout gained nothing
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=PROJECT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "casekit-demo" not in status.stdout and "weekly.html" not in status.stdout
    # the refused move named the missing field
    assert "responsible_department" in proc.stderr
