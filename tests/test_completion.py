"""Tab completion, driven through bash itself: the script `casekit --show-completion bash`
prints is sourced, its completion function called with COMP_WORDS/COMP_CWORD/COMP_LINE/
COMP_POINT set as bash sets them, and COMPREPLY compared with what the repository holds."""

from __future__ import annotations

import ast
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casekit.resources import bundled
from casekit.store.configfile import read_config
from conftest import CLI, read_case

BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def _environ(cli: CLI) -> dict[str, str]:
    """The CLI's environment with `casekit` on PATH, as a user's shell has it."""
    home = Path(cli.environ["HOME"])
    folder = home / "bin"
    launcher = folder / "casekit"
    if not launcher.exists():
        folder.mkdir(parents=True, exist_ok=True)
        launcher.write_text(
            f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m casekit "$@"\n', encoding="utf-8"
        )
        launcher.chmod(0o755)
    return {**cli.environ, "PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"}


def complete(cli: CLI, line: str, *, script: str | None = None, cwd: Path | None = None) -> list[str]:
    """What bash offers for Tab at the end of `line`, with casekit's completion script."""
    words = line.split()
    if line.endswith(" "):
        words.append("")
    current = len(words) - 1
    previous = words[current - 1] if current else ""
    source = script or "source <(casekit --show-completion bash) || exit 9"
    program = f"""
{source}
function=$(complete -p casekit | sed -E 's/.* -F ([^ ]+) .*/\\1/')
COMP_WORDS=({" ".join(shlex.quote(w) for w in words)})
COMP_CWORD={current}
COMP_LINE={shlex.quote(line)}
COMP_POINT=${{#COMP_LINE}}
"$function" casekit {shlex.quote(words[current])} {shlex.quote(previous)}
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    assert BASH is not None
    proc = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", program],
        cwd=cwd or cli.root,
        env=_environ(cli),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return [w for w in proc.stdout.splitlines() if w]


def _open_ids(cli: CLI) -> list[str]:
    config, _ = read_config(cli.root)
    assert config is not None
    found = []
    for path in (cli.root / "cases").glob("*/*/*/*.yaml"):
        case = read_case(path)
        if not config.kinds[case["kind"]].is_terminal(case["status"]):
            found.append(path.stem)
    return sorted(found)


@needs_bash
def test_case_ids_complete_from_the_start_or_the_suffix(example_repo: CLI) -> None:
    every = sorted(p.stem for p in (example_repo.root / "cases").glob("*/*/*/*.yaml"))
    opened = example_repo.new()  # after the index was last brought up to date
    every = sorted([*every, opened])
    # nothing typed: the open cases, the new one too
    offered = complete(example_repo, "casekit show ")
    assert opened in offered
    assert offered == _open_ids(example_repo) and len(offered) < len(every)
    # a start: every case that starts so, closed ones too
    start = opened[:6]
    assert complete(example_repo, f"casekit show {start}") == [i for i in every if i.startswith(start)]
    # the suffix as said over the phone, lower case: its last group, or its last characters
    target = every[0]
    assert complete(example_repo, f"casekit log {target[-4:].lower()}") == [target]
    assert complete(example_repo, f"casekit show {target[-9:-5]}") == [target]
    assert target in complete(example_repo, f"casekit show {target[-2:]}")
    # other commands' case parameters, and global options before the command
    assert complete(example_repo, f"casekit --repo {example_repo.root} note {target[:12]}") == [
        i for i in every if i.startswith(target[:12])
    ]
    assert complete(example_repo, f"casekit link {target} {opened[:-1]}") == [opened]
    # the same without the query index
    off = {**example_repo.environ, "CASEKIT_INDEX": "off"}
    assert complete(CLI(example_repo.root, off), f"casekit show {start}") == [
        i for i in every if i.startswith(start)
    ]


@needs_bash
def test_move_offers_the_states_the_case_can_move_to(repo: CLI) -> None:
    config, _ = read_config(repo.root)
    assert config is not None
    complaint = config.kinds["complaint"]
    case_id = repo.new()
    assert complete(repo, f"casekit move {case_id} ") == complaint.allowed_from(complaint.initial)
    assert complete(repo, f"casekit move {case_id[-9:]} ") == complaint.allowed_from(complaint.initial)
    target = complaint.allowed_from(complaint.initial)[0]
    repo.ok("move", case_id, target)
    after = complete(repo, f"casekit move {case_id} ")
    assert after == complaint.allowed_from(target) and after
    assert complete(repo, f"casekit move {case_id} {after[0][:2]}") == [
        s for s in after if s.startswith(after[0][:2])
    ]


@needs_bash
def test_kinds_people_states_and_templates(repo: CLI) -> None:
    config, _ = read_config(repo.root)
    assert config is not None
    case_id = repo.new()
    assert complete(repo, "casekit new ") == list(config.kinds)
    assert complete(repo, "casekit list --kind c") == [k for k in config.kinds if k.startswith("c")]
    assert complete(repo, f"casekit assign {case_id} ") == list(config.people)
    assert complete(repo, f"casekit assign {case_id} wa") == ["wang.fang"]
    assert complete(repo, f"casekit assign {case_id} 李") == ["李娜"]
    assert complete(repo, "casekit list --assignee z") == ["zhang.wei"]
    states = {s for k in config.kinds.values() for s in k.states}
    assert complete(repo, "casekit list --status in") == sorted(s for s in states if s.startswith("in"))
    assert complete(repo, "casekit list --kind return --status re") == sorted(
        s for s in config.kinds["return"].states if s.startswith("re")
    )
    templates = sorted({p.stem for p in (bundled("templates") / "scripts").glob("*/*.j2")})
    assert complete(repo, f"casekit script {case_id} --template ") == templates
    assert complete(repo, "casekit script --template callback-c") == [
        t for t in templates if t.startswith("callback-c")
    ]
    # a team's own template is offered too
    own = repo.root / "templates" / "scripts" / "zh" / "our-own-apology.j2"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text("{#\nkind: complaint\n#}\n您好\n", encoding="utf-8")
    assert complete(repo, "casekit script --template our") == ["our-own-apology"]
    # commands and options complete as Typer completes them
    assert "show" in complete(repo, "casekit sh")
    assert "--status" in complete(repo, "casekit list --st")


@needs_bash
def test_completion_outside_a_repository_offers_nothing_and_fails_nothing(repo: CLI, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert complete(repo, "casekit show ", cwd=elsewhere) == []
    assert complete(repo, "casekit new ", cwd=elsewhere) == []
    assert complete(repo, f"casekit --repo {repo.root} new ", cwd=elsewhere) != []


def test_click_and_typer_instructions_both_answer(repo: CLI) -> None:
    case_id = repo.new()
    env = _environ(repo)
    for instruction in ("bash_complete", "complete_bash"):
        proc = subprocess.run(
            [sys.executable, "-m", "casekit"],
            cwd=repo.root,
            env={**env, "_CASEKIT_COMPLETE": instruction, "COMP_WORDS": "casekit show ", "COMP_CWORD": "2"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0 and proc.stdout.split() == [case_id], (instruction, proc.stderr)
    index = repo.root / ".git" / "casekit" / "index.sqlite"
    before = index.stat().st_mtime_ns
    repo.ok(extra_env={"_CASEKIT_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "casekit show "})
    assert index.stat().st_mtime_ns == before  # a completion writes nothing


def test_zsh_and_fish_scripts_and_candidates(repo: CLI) -> None:
    zsh = repo.ok("--show-completion", "zsh").out
    assert "#compdef casekit" in zsh and "_CASEKIT_COMPLETE=complete_zsh" in zsh and "compdef " in zsh
    fish = repo.ok("--show-completion", "fish").out
    assert fish.startswith("complete --command casekit") and "_CASEKIT_COMPLETE=complete_fish" in fish
    case_id = repo.new()
    asked = {"_CASEKIT_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": f"casekit move {case_id} "}
    answer = repo.ok(extra_env=asked).out
    assert answer.startswith("_arguments") and '"assessing"' in answer
    asked = {
        "_CASEKIT_COMPLETE": "complete_fish",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "_TYPER_COMPLETE_ARGS": f"casekit assign {case_id} wa",
    }
    assert repo.ok(extra_env=asked).out.split("\t")[0] == "wang.fang"
    for shell in ("zsh", "fish"):
        if shutil.which(shell):
            check = ["-n"] if shell == "zsh" else ["--no-execute"]
            proc = subprocess.run([shell, *check], input=repo.ok("--show-completion", shell).out, text=True)
            assert proc.returncode == 0, shell


def test_an_unknown_shell_is_refused(repo: CLI) -> None:
    refused = repo.run("--show-completion", "tcsh")
    assert refused.code == 2 and "tcsh" in refused.err and "bash, zsh or fish" in refused.err
    assert "Traceback" not in refused.err


@needs_bash
def test_install_completion_writes_the_script_bash_reads(repo: CLI) -> None:
    home = Path(repo.environ["HOME"])
    result = repo.ok("--install-completion", "bash")
    installed = home / ".bash_completions" / "casekit.sh"
    assert str(installed) in result.out
    assert f"source '{installed}'" in (home / ".bashrc").read_text(encoding="utf-8")
    case_id = repo.new()
    assert complete(repo, "casekit show ", script=f"source {shlex.quote(str(installed))}") == [case_id]
    repo.ok("--install-completion", "zsh")
    assert (home / ".zfunc" / "_casekit").read_text(encoding="utf-8").startswith("#compdef casekit")
    repo.ok("--install-completion", "fish")
    assert (home / ".config" / "fish" / "completions" / "casekit.fish").is_file()


def _imported_by_completion(cli: CLI, line: str) -> list[str]:
    """Heavy modules a bash completion of `line` imports, in a process of its own."""
    code = (
        "import sys; sys.argv = ['casekit']\n"
        "from casekit.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "names = ('yaml', 'ruamel.yaml', 'tabulate', 'git', 'jinja2', 'pydantic', 'rich',\n"
        "         'casekit.index.cache', 'casekit.codec.yamlio', 'casekit.features.scripts')\n"
        "print('\\nHEAVY', [m for m in names if m in sys.modules])\n"
    )
    words = line.split()
    current = len(words) if line.endswith(" ") else len(words) - 1
    asked = {"_CASEKIT_COMPLETE": "bash_complete", "COMP_WORDS": line, "COMP_CWORD": str(current)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cli.root,
        env={**cli.environ, **asked},
        capture_output=True,
        text=True,
        check=True,
    )
    found = next(x for x in proc.stdout.splitlines() if x.startswith("HEAVY"))
    return list(ast.literal_eval(found.split(" ", 1)[1]))


def test_completion_reads_the_index_without_its_machinery(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("list")  # the index holds the new case
    assert _imported_by_completion(repo, "casekit show ") == []
    assert _imported_by_completion(repo, f"casekit show {case_id[-4:]}") == []
    assert _imported_by_completion(repo, f"casekit move {case_id} ") == []
    assert _imported_by_completion(repo, "casekit script --template ") == []
