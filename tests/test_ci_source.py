"""`casekit init --casekit-source`: the generated CI installs casekit from where the team
says, and the generated workflow's steps pass when run as its CI would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import CLI, NOW, Result

GITHUB = ".github/workflows/casekit.yml"


def _init(tmp_path: Path, environ: dict[str, str], *args: str) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "casekit", "init", str(tmp_path / "cases"), *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _installs(root: Path) -> list[str]:
    github = yaml.safe_load((root / GITHUB).read_text(encoding="utf-8"))
    gitlab = yaml.safe_load((root / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    lines = [
        s["run"] for job in github["jobs"].values() for s in job["steps"] if "pip install" in s.get("run", "")
    ]
    return lines + [line for line in gitlab["default"]["before_script"] if "pip install" in line]


@pytest.mark.parametrize(
    ("source", "wanted"),
    [
        (None, "casekit==0.1.0"),
        ("casekit>=0.1,<0.2", "casekit>=0.1,<0.2"),
        (
            "git+https://git.example.com/desk/casekit.git@v0.1.0",
            "git+https://git.example.com/desk/casekit.git@v0.1.0",
        ),
    ],
)
def test_the_ci_files_install_casekit_from_the_source_given_at_init(
    tmp_path: Path, environ: dict[str, str], source: str | None, wanted: str
) -> None:
    result = _init(tmp_path, environ, *(["--casekit-source", source] if source else []))
    assert result.code == 0, result.err
    installs = _installs(tmp_path / "cases")
    assert len(installs) == 5
    assert all(f'pip install -q "{wanted}"' in line or f'pip install "{wanted}"' in line for line in installs)


@pytest.mark.parametrize(
    "source", ['casekit"; rm -rf /', "no-such-folder/casekit-9.9-py3-none-any.whl", "$(id)"]
)
def test_a_source_that_is_no_requirement_url_or_wheel_is_refused_and_makes_nothing(
    tmp_path: Path, environ: dict[str, str], source: str
) -> None:
    result = _init(tmp_path, environ, "--casekit-source", source)
    assert result.code == 1, result.out + result.err
    assert "--casekit-source" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "cases" / "casekit.yaml").exists()


def test_the_generated_workflow_passes_when_its_steps_run_with_a_local_wheel(
    tmp_path: Path, environ: dict[str, str], wheel: Path
) -> None:
    result = _init(tmp_path, environ, "--example", "--casekit-source", str(wheel))
    assert result.code == 0, result.err
    origin = CLI(tmp_path / "cases", environ)
    assert f"ci/{wheel.name}" in origin.git("ls-files").split()
    # the server the CI checks out from, and a checkout as the CI makes it (no hooks, no casekit)
    server = tmp_path / "server.git"
    origin.git("clone", "-q", "--bare", str(origin.root), str(server))
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(server), str(checkout)], env=environ, check=True)
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, capture_output=True
    )
    # the CI's machine: its own python first, no checkout of casekit on the path, no actor
    ci_env = {k: v for k, v in environ.items() if k not in ("PYTHONPATH", "CASEKIT_ACTOR", "CASEKIT_NOW")}
    ci_env["PATH"] = os.pathsep.join([str(venv / "bin"), environ["PATH"]])
    ci_env["CASEKIT_NOW"] = NOW
    workflow = yaml.safe_load((checkout / GITHUB).read_text(encoding="utf-8"))
    for job in ("check", "daily-report"):
        for step in workflow["jobs"][job]["steps"]:
            if "run" not in step:
                continue  # checkout, setup-python and artifact upload are the host's own actions
            proc = subprocess.run(
                ["bash", "-e", "-c", step["run"]], cwd=checkout, env=ci_env, capture_output=True, text=True
            )
            assert proc.returncode == 0, f"{job}: {step['run']}\n{proc.stdout}\n{proc.stderr}"
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import casekit; print(casekit.__file__)"],
        env=ci_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where, where
    # the report the daily job committed reached the server
    pushed = subprocess.run(
        ["git", "--git-dir", str(server), "log", "-1", "--format=%s", "--", "reports"],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert pushed.strip() == "Daily report"
