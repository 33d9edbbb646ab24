"""Test helpers: run the real `casekit` CLI as a process against real git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
# In-process imports (`from casekit.x import y` in a test) get this checkout's code too.
if str(PROJECT / "src") not in sys.path:
    sys.path.insert(0, str(PROJECT / "src"))
NOW = "2026-11-23T10:05:00+08:00"

# casekit chooses its language once per process, at the first message it looks up; test
# modules import the CLI (whose help texts are messages) while they are collected, before
# any fixture runs, so the tests' language is set here: English, as the tests read it
os.environ["CASEKIT_LANG"] = "en"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def empty_git_config(folder: Path) -> Path:
    """An empty file for GIT_CONFIG_GLOBAL and GIT_CONFIG_SYSTEM: git reads no machine config."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "empty.gitconfig"
    path.touch()
    return path


def base_environ(home: Path) -> dict[str, str]:
    """A clean environment: no user git config, fixed actor and clock unless a test overrides."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEKIT_", "GIT_")) and k not in ("XDG_CONFIG_HOME", "EMAIL")
    }
    no_config = str(empty_git_config(home))
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=no_config,
        GIT_CONFIG_SYSTEM=no_config,
        GIT_AUTHOR_NAME="Test Runner",
        GIT_AUTHOR_EMAIL="runner@example.com",
        GIT_COMMITTER_NAME="Test Runner",
        GIT_COMMITTER_EMAIL="runner@example.com",
        CASEKIT_ACTOR="li.na",
        CASEKIT_NOW=NOW,
        # the tests read casekit's English; tests of the Chinese desk ask for zh_CN
        CASEKIT_LANG="en",
        PYTHONDONTWRITEBYTECODE="1",
        # this checkout's code, even when another checkout is installed in editable mode
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT / "src"), os.environ.get("PYTHONPATH")])),
    )
    return env


class CLI:
    """`casekit` bound to a repository folder; every call is a new process."""

    def __init__(self, root: Path, environ: dict[str, str]) -> None:
        self.root = root
        self.environ = environ

    def run(
        self,
        *args: str,
        now: str | None = None,
        actor: str | None = None,
        cwd: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> Result:
        env = dict(self.environ)
        if now:
            env["CASEKIT_NOW"] = now
        if actor:
            env["CASEKIT_ACTOR"] = actor
        env.update(extra_env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "casekit", *args],
            cwd=cwd or self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, **kwargs: object) -> Result:
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        assert result.code == 0, f"casekit {' '.join(args)} failed ({result.code}):\n{result.err}"
        return result

    def refused(self, *args: str, **kwargs: object) -> Result:
        """Run a command that must be refused: exit 1, one line on stderr, no traceback."""
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        assert result.code == 1, f"expected refusal, got {result.code}:\n{result.out}\n{result.err}"
        assert "Traceback" not in result.err
        assert len(result.err.strip().splitlines()) == 1, result.err
        return result

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.root, env=self.environ, capture_output=True, text=True, check=True
        ).stdout

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def commit_count(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").strip())

    def new(self, kind: str = "complaint", *extra: str, **kwargs: object) -> str:
        args = [
            "new",
            kind,
            "--title",
            "传真机有时无法接收传真",
            "--customer",
            "王先生",
            "--phone",
            "13800138000",
            "--channel",
            "phone",
            *extra,
        ]
        return self.ok(*args, **kwargs).out.strip()

    def case_path(self, case_id: str) -> Path:
        matches = list((self.root / "cases").glob(f"*/*/*/{case_id}.yaml"))
        assert len(matches) == 1, f"{case_id}: {matches}"
        return matches[0]


@pytest.fixture(scope="session", autouse=True)
def _hermetic_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The test process itself (in-process git calls) sees no machine git config or identity:
    HOME is an empty temporary folder and git's global and system config are empty files."""
    home = tmp_path_factory.mktemp("process-home")
    no_config = str(empty_git_config(home))
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith("GIT_")] + ["XDG_CONFIG_HOME", "EMAIL"]:
            patch.delenv(name, raising=False)
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.setenv("GIT_CONFIG_GLOBAL", no_config)
        patch.setenv("GIT_CONFIG_SYSTEM", no_config)
        patch.setenv("CASEKIT_LANG", "en")
        yield


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return base_environ(home)


@pytest.fixture
def repo(tmp_path: Path, environ: dict[str, str]) -> CLI:
    """A fresh, empty case repository made by `casekit init`."""
    root = tmp_path / "repo"
    cli = CLI(tmp_path, environ)
    cli.ok("init", str(root))
    return CLI(root, environ)


@pytest.fixture(scope="session")
def _example_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("example")
    home = base / "home"
    home.mkdir()
    root = base / "repo"
    CLI(base, base_environ(home)).ok("init", str(root), "--example")
    return root


@pytest.fixture
def example_repo(_example_template: Path, tmp_path: Path, environ: dict[str, str]) -> Iterator[CLI]:
    """A copy of a repository made by `casekit init --example` (built once per session)."""
    root = tmp_path / "example"
    shutil.copytree(_example_template, root, symlinks=True)
    yield CLI(root, environ)


def read_case(path: Path) -> dict:  # type: ignore[type-arg]
    """A case file's data as casekit reads it (timestamps stay ISO strings)."""
    from casekit.codec.yamlio import load_fast

    data = load_fast(path.read_bytes())
    assert isinstance(data, dict)
    return data


def edit_file(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file by hand, as a person editing it would."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of a file that contains `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """casekit's wheel, built once from this checkout (with its compiled catalogues)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-qw", str(out), "."],
        cwd=PROJECT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("casekit-*.whl")
    return built
