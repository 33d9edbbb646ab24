"""The wheel carries the default config, example cases, templates and hooks, and an
installed casekit finds them without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import CLI, PROJECT


def test_wheel_contains_the_bundled_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "casekit/_data/casekit.yaml" in names
    for folder in ("cases", "attachments", "templates", "hooks"):
        shipped = {p for p in names if p.startswith(f"casekit/_data/{folder}/")}
        in_checkout = {
            f"casekit/_data/{p.relative_to(PROJECT).as_posix()}"
            for p in (PROJECT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        assert in_checkout and in_checkout <= shipped, folder
    assert any(n.endswith("/entry_points.txt") for n in names)
    # the message catalogues, compiled when the wheel was built
    for language in ("zh_CN", "en"):
        assert f"casekit/locale/{language}/LC_MESSAGES/casekit.mo" in names, language


def test_installed_casekit_works_without_a_checkout(
    wheel: Path, tmp_path: Path, environ: dict[str, str]
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = dict(environ, PYTHONPATH=str(site))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    cli = CLI(outside, env)
    probe = subprocess.run(
        [sys.executable, "-c", "import casekit.resources as r; print(r.data_root())"],
        env=env,
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == str(site / "casekit" / "_data")
    cli.ok("init", "team")
    team = outside / "team"
    assert (team / "casekit.yaml").read_bytes() == (PROJECT / "casekit.yaml").read_bytes()
    assert (team / "cases").is_dir() and (team / "hooks").is_dir()
    assert CLI(team, env).ok("validate").code == 0
