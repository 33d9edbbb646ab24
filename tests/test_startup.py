"""What makes commands start quickly must not change what they do: the cached config,
building only the command being run, direct parameter coercion, early git work."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from casebuild import check_golden
from casekit.cli.app import _command_name
from casekit.index import prefetch
from conftest import CLI

GOLDEN = Path(__file__).resolve().parent / "golden" / "startup-imports.txt"
# The libraries casekit itself imports, each costing milliseconds to load; what Typer loads
# for itself depends on Typer's version, and Babel only on a stale catalogue, so neither
# is pinned (the catalogue's freshness is test_messages' business).
LIBRARIES = ("ruamel", "yaml", "git", "jinja2", "tabulate", "openpyxl", "jsonschema", "chinese_calendar")


def test_the_command_name_is_found_past_global_options() -> None:
    assert _command_name(["list", "--status", "x"]) == "list"
    assert _command_name(["--repo", "list", "show", "ID"]) == "show"
    assert _command_name(["--repo=somewhere", "--actor", "li.na", "move", "ID", "x"]) == "move"
    assert _command_name(["--help"]) is None
    assert _command_name(["--version", "list"]) is None
    assert _command_name([]) is None
    assert prefetch._command(["--repo", "r", "list"]) == ("list", "r")
    assert prefetch._command(["--repo=r", "validate"]) == ("validate", "r")


def test_help_and_errors_still_list_every_command(repo: CLI) -> None:
    top = repo.ok("--help").out
    for name in ("new", "move", "show", "list", "validate", "audit", "init"):
        assert f" {name} " in top or f" {name}\n" in top, name
    typo = repo.run("shwo", "X")
    assert typo.code == 2 and "No such command 'shwo'" in typo.err
    assert "Usage:" in repo.ok("show", "--help").out
    assert repo.ok("--version").out.startswith("casekit ")


def test_parameters_are_checked_as_before(repo: CLI) -> None:
    bad = repo.run("list", "--format", "xml")
    assert bad.code == 2 and "'xml' is not one of 'table', 'json', 'csv'" in bad.err
    assert repo.ok("list", "--format", "json").out.strip() == "[]"
    case_id = repo.new()
    both = repo.ok("list", "--kind", "complaint", "--kind", "callback", "--format", "csv").out
    assert case_id in both
    assert repo.ok("--repo", str(repo.root), "show", case_id, cwd=repo.root.parent).out.startswith("id: ")
    assert repo.run("validate", "no/such/file.yaml").code == 2


def test_the_config_cache_follows_casekit_yaml(repo: CLI) -> None:
    cache = repo.root / ".git" / "casekit" / "config.pickle"
    case_id = repo.new()
    assert cache.is_file()
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    # a new channel is accepted at once
    config.write_text(text.replace("  email: {zh: 邮件, en: Email}", "  fax: {zh: 传真, en: Fax}"), "utf-8")
    repo.ok("new", "complaint", "--title", "t", "--customer", "王先生", "--channel", "fax")
    refused = repo.run("new", "complaint", "--title", "t", "--customer", "王先生", "--channel", "email")
    assert refused.code == 1 and "email" in refused.err
    # a broken config is reported, cached or not
    config.write_text(text.replace("initial: received", "initial: nowhere"), encoding="utf-8")
    broken = repo.run("show", case_id)
    assert broken.code == 1 and "casekit.yaml" in broken.err and "Traceback" not in broken.err
    config.write_text(text, encoding="utf-8")
    assert repo.ok("show", case_id).out.startswith(f"id: {case_id}")
    # a damaged cache is ignored
    cache.write_bytes(b"not a pickle")
    assert repo.ok("show", case_id).out.startswith(f"id: {case_id}")


def heavy_modules(cli: CLI, *args: str) -> list[str]:
    """Heavy modules a command imports, run in a process of its own."""
    names = ("yaml", "ruamel.yaml", "casekit.core.config", "tabulate", "git", "jinja2", "pydantic")
    loaded = newly_imported(cli, *args)
    return [m for m in names if m in loaded]


def test_help_imports_neither_yaml_nor_the_config(repo: CLI) -> None:
    assert heavy_modules(repo, "--help") == []


def test_listing_imports_no_yaml_reader_nor_tabulate(repo: CLI) -> None:
    repo.new()
    repo.ok("list")  # the index and the config cache are built
    assert heavy_modules(repo, "list") == ["casekit.core.config"]


def test_prefetch_is_harmless_outside_a_repository(tmp_path: Path, repo: CLI) -> None:
    elsewhere = repo.run("list", cwd=tmp_path)
    assert elsewhere.code == 1 and "not inside a case repository" in elsewhere.err


def newly_imported(cli: CLI, *args: str) -> list[str]:
    """The modules `casekit args` imports, in a process of its own (what the interpreter
    had loaded before casekit does not count)."""
    code = (
        "import sys; before = set(sys.modules)\n"
        f"sys.argv = ['casekit', *{list(args)!r}]\n"
        "from casekit.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED', sorted(set(sys.modules) - before))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cli.root,
        env=cli.environ,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("IMPORTED"))
    return list(ast.literal_eval(line.split(" ", 1)[1]))


def imported_modules(cli: CLI, *args: str) -> list[str]:
    """casekit's modules and the libraries of LIBRARIES that `casekit args` imports."""
    return [n for n in newly_imported(cli, *args) if n.split(".")[0] == "casekit" or n in LIBRARIES]


def test_the_modules_each_everyday_command_imports_are_pinned(repo: CLI) -> None:
    """A change that makes `--help`, `show`, `list` or `move` import another module (each
    costs start-up time) shows here; when it is meant, CASEKIT_UPDATE_GOLDEN=1 records it."""
    case_id = repo.new()
    repo.ok("list")  # the index and the config cache are built, as on any desk
    runs = {
        "--help": ("--help",),
        "show": ("show", case_id),
        "list": ("list",),
        "move": ("move", case_id, "assessing"),
    }
    text = "".join(
        f"# casekit {' '.join(args).replace(case_id, 'ID')}\n"
        + "".join(f"{m}\n" for m in imported_modules(repo, *args))
        for args in runs.values()
    )
    assert "casekit.cli.entry" in text  # the runs did run casekit
    check_golden(GOLDEN, text)
