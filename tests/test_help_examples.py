"""Every example in casekit's `--help` runs as pasted in the repository `casekit init DIR
--example` makes, and exits 0.

The examples are read from the source (`help=_("...Example: {example}").format(example=
"casekit ...")`: every keyword argument of a call whose value is a string starting with
`casekit `), and each must appear in the `--help` output a user reads. An example that
needs something the example repository does not have (a file to import, a remote) gets it
from SETUP below, in plain shell run before it, so what it takes stays visible."""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

from conftest import NOW, PROJECT

SOURCES = PROJECT / "src" / "casekit" / "cli"
EVIDENCE = PROJECT / "examples" / "evidence"

# Example -> shell run before it, in the same fresh copy of the example repository: the
# files and remotes the example names, made as a user would have them.
_REMOTE = (
    "git clone -q --bare . ~/origin.git && git remote add origin ~/origin.git"
    " && git fetch -q origin && git branch -q -u origin/main"
)
_HOLIDAYS = "printf '2027-02-11..2027-02-17, off, 春节\\n2027-02-07, working, 春节\\n' > 2027.csv"
_CUSTOMERS = (
    'printf \'customers:\\n  - name: 王建国\\n    phone: "13800138000"\\n'
    "    purchases: [{date: 2026-11-16, item: 传真机 FX-200}]\\n' > customers.yaml"
)
SETUP: dict[str, str] = {
    "casekit calendar add 2027 2027.csv && casekit calendar show 2027": _HOLIDAYS,
    "casekit calendar add 2027 2027.csv --note '国务院办公厅关于2027年部分节假日安排的通知'": _HOLIDAYS,
    "casekit callbacks plan --until 2026-12-31": _CUSTOMERS,
    "casekit callbacks import signups.csv": (
        "printf 'name,phone,signed_up_at,customer_type,source\\n"
        "钱多多,13700001111,2026-11-22 15:30,new,家装节\\n' > signups.csv"
    ),
    "casekit callbacks sweep missed-calls.csv": (
        "printf 'phone,time,line\\n13700002222,2026-11-23 09:40,400-820-8820\\n' > missed-calls.csv"
    ),
    # the merge help says so: the example cases merged this complaint already
    "casekit merge C-20261120-91TS-5PDY C-20261120-E90B-AY82 --note '微博与电话反映的是同一问题'": (
        "casekit unmerge C-20261120-91TS-5PDY"
    ),
    "casekit keys setup --key ~/.ssh/id_ed25519.pub": (
        "mkdir -p ~/.ssh && ssh-keygen -q -t ed25519 -N '' -f ~/.ssh/id_ed25519"
    ),
    "casekit audit --since origin/main": _REMOTE,
    "casekit sync": _REMOTE,
    # another clone moves the complaint one way and pushes, this clone another: the sync stops
    "casekit resolve-conflict C-20261120-HRRT-NFNM --keep theirs": "\n".join(
        [
            _REMOTE,
            "git clone -q ~/origin.git ~/other",
            "(cd ~/other && casekit move C-20261120-HRRT-NFNM investigating"
            " --set responsible_department=售后技术部 && git push -q origin main)",
            "casekit move C-20261120-HRRT-NFNM rejected --set rejection_reason=客户已撤回投诉",
            "if casekit sync; then exit 9; fi",
        ]
    ),
    "casekit hooks install --server ~/cases.git": "git init -q --bare ~/cases.git",
    "casekit attach R-20261116-5SRV-GFDB IMG_2041.png IMG_2042.png --note 客户提供的破损照片": (
        'cp "$EVIDENCE/cooker-coating-1.png" IMG_2041.png && cp "$EVIDENCE/cooker-coating-2.png" IMG_2042.png'
    ),
}
# Who runs the example, when not li.na (an agent).
ACTOR: dict[str, str] = {
    "casekit calendar add 2027 2027.csv && casekit calendar show 2027": "zhang.wei",
    "casekit calendar add 2027 2027.csv --note '国务院办公厅关于2027年部分节假日安排的通知'": "zhang.wei",
    # undo takes back the actor's own last change: the example case's last note is hers
    "casekit undo C-20261123-WYWA-2JS4": "wang.fang",
}


def _examples() -> list[tuple[str, str]]:
    """(where, example) for every example command in the cli's source, in source order."""
    found = []
    for path in sorted(SOURCES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                value = keyword.value
                if (
                    keyword.arg is not None
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and value.value.startswith("casekit ")
                ):
                    found.append((f"{path.name}:{value.lineno}:{keyword.arg}", value.value))
    return sorted(found)


EXAMPLES = _examples()


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _command_paths(example: str) -> set[tuple[str, ...]]:
    """The commands, and their groups, each step of the example runs (`casekit calendar add`)."""
    paths = set()
    for step in re.split(r"&&|>", example):
        words = shlex.split(step)
        if not words or words[0] != "casekit":
            continue
        for count in (1, 2):
            if len(words) > count and not words[count].startswith("-"):
                paths.add(tuple(words[1 : count + 1]))
    return paths


def _environ(home: Path, bin_dir: Path | None = None) -> dict[str, str]:
    from conftest import base_environ

    env = base_environ(home)
    env["CASEKIT_NOW"] = NOW
    if bin_dir is not None:
        env["PATH"] = os.pathsep.join([str(bin_dir), env["PATH"]])
    return env


@cache
def _help_pages(home: Path) -> dict[tuple[str, ...], str]:
    """`casekit ... --help` (in English) for every command, and its group, the examples name."""
    paths = {path for _where, example in EXAMPLES for path in _command_paths(example)}
    env = _environ(home)

    def page(path: tuple[str, ...]) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "casekit", *path, "--help"],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return proc.stdout if proc.returncode == 0 else ""

    ordered = sorted(paths)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(ordered, pool.map(page, ordered), strict=True))


@pytest.fixture(scope="module")
def help_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], str]:
    return _help_pages(tmp_path_factory.mktemp("help-home"))


def test_the_source_has_the_examples() -> None:
    assert len(EXAMPLES) >= 50, EXAMPLES
    examples = {example for _where, example in EXAMPLES}
    # every setup step belongs to an example that still exists
    assert set(SETUP) | set(ACTOR) <= examples, (set(SETUP) | set(ACTOR)) - examples


@pytest.mark.parametrize(("where", "example"), EXAMPLES, ids=[where for where, _example in EXAMPLES])
def test_the_example_is_in_the_help(where: str, example: str, help_pages: dict[tuple[str, ...], str]) -> None:
    wanted = _normalised(example)
    pages = [path for path, text in help_pages.items() if wanted in _normalised(text)]
    assert pages, f"{where}: {example!r} is in no `casekit ... --help` output"


def _shim(folder: Path) -> Path:
    """A `casekit` command on PATH that runs this checkout's code."""
    folder.mkdir()
    shim = folder / "casekit"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m casekit "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return folder


@pytest.mark.parametrize(("where", "example"), EXAMPLES, ids=[where for where, _example in EXAMPLES])
def test_the_example_runs_as_pasted(
    where: str, example: str, _example_template: Path, tmp_path: Path
) -> None:
    root = tmp_path / "cases-repo"
    shutil.copytree(_example_template, root, symlinks=True)
    home = tmp_path / "home"
    home.mkdir()
    env = _environ(home, _shim(tmp_path / "bin"))
    env["CASEKIT_ACTOR"] = ACTOR.get(example, "li.na")
    env["EVIDENCE"] = str(EVIDENCE)
    env["EDITOR"] = env["VISUAL"] = "true"  # `casekit edit`: the editor closes the file unchanged
    script = ["set -e", SETUP[example]] if example in SETUP else []
    script.append(example)
    proc = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, (
        f"{where}: {example!r} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    )
