"""Feature modules are imported when a registry is first read, never before: commands that
read none (`show`, `list`, `log`, `--help`) skip them, and every command that reads one
applies every feature's rules, even when nothing else in the process loaded them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from casekit.core.registry import FEATURE_MODULES
from conftest import CLI, PROJECT, Result, read_case

ALL_FEATURES = sorted(FEATURE_MODULES)

# Runs the CLI as `python -m casekit` does, then says which feature modules were imported.
_WATCHED = """
import atexit, sys

def _report():
    from casekit.core.registry import FEATURE_MODULES
    loaded = sorted(m for m in FEATURE_MODULES if m in sys.modules)
    sys.stderr.write(f"\\nFEATURES {loaded!r}\\n")

atexit.register(_report)
sys.argv = ["casekit", *sys.argv[1:]]
from casekit.cli.entry import main
main()
"""


def watched(cli: CLI, *args: str, actor: str | None = None) -> tuple[Result, list[str]]:
    """Run casekit in a process of its own; its result and the feature modules it imported."""
    env = dict(cli.environ)
    if actor:
        env["CASEKIT_ACTOR"] = actor
    proc = subprocess.run(
        [sys.executable, "-c", _WATCHED, *args],
        cwd=cli.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    err, _, report = proc.stderr.rpartition("\nFEATURES ")
    loaded = ast.literal_eval(report.strip())
    assert isinstance(loaded, list)
    return Result(proc.returncode, proc.stdout, err), loaded


def config_cache_stamp(cli: CLI) -> int:
    return (cli.root / ".git" / "casekit" / "config.pickle").stat().st_mtime_ns


def test_reading_commands_import_no_feature_module(repo: CLI) -> None:
    case_id = repo.new()  # the config cache is written; the case gets its deadlines
    repo.ok("list")  # the query index is built
    shown, loaded = watched(repo, "show", case_id)
    assert shown.code == 0 and shown.out.startswith(f"id: {case_id}\n") and "deadlines:" in shown.out
    assert "first_response (首次响应 First response): open: due" in shown.err
    assert loaded == []
    as_json, loaded = watched(repo, "show", case_id, "--format", "json")
    assert '"label": {\n        "zh": "首次响应"' in as_json.out and loaded == []
    for args in (("list",), ("list", "--status", "received", "--overdue"), ("log", case_id)):
        result, loaded = watched(repo, *args)
        assert result.code == 0 and loaded == [], args
    listed, _ = watched(repo, "list", "--status", "received")
    assert case_id in listed.out
    for args in (("--help",), ("--version",), ("show", "--help")):
        result, loaded = watched(repo, *args)
        assert result.code == 0 and loaded == [], args


# Runs the CLI, then says which modules of the feature packages, Jinja and ruamel.yaml it
# imported (the packages' faces included).
_HEAVY = """
import atexit, sys

def _report():
    heavy = ("casekit.features", "jinja2", "ruamel")
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith(heavy))
    sys.stderr.write(f"\\nHEAVY {loaded!r}\\n")

atexit.register(_report)
sys.argv = ["casekit", *sys.argv[1:]]
from casekit.cli.entry import main
main()
"""


def test_show_and_list_import_no_feature_package_no_jinja_and_no_ruamel(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("list")
    for args in (("show", case_id), ("show", case_id, "--format", "json"), ("list",), ("list", "--overdue")):
        proc = subprocess.run(
            [sys.executable, "-c", _HEAVY, *args],
            cwd=repo.root,
            env=repo.environ,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        loaded = ast.literal_eval(proc.stderr.rpartition("\nHEAVY ")[2].strip())
        assert loaded == [], (args, loaded)
    changed = subprocess.run(
        [sys.executable, "-c", _HEAVY, "note", case_id, "已电话联系客户"],
        cwd=repo.root,
        env=repo.environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert changed.returncode == 0, changed.stderr
    assert "casekit.features.deadlines.feature" in changed.stderr  # the check can see a feature


def test_a_change_loads_every_feature_when_the_config_comes_from_its_cache(repo: CLI) -> None:
    repo.new()
    stamp = config_cache_stamp(repo)
    # deriver (deadlines), the unknown-key check (which must know `deadlines`) and key order
    args = ["new", "complaint", "--title", "传真机无法接收传真", "--customer", "王先生", "--channel", "phone"]
    opened, loaded = watched(repo, *args)
    assert opened.code == 0, opened.err
    assert loaded == ALL_FEATURES
    case = read_case(repo.case_path(opened.out.strip()))
    assert set(case["deadlines"]) == {"first_response", "resolution", "updates"}
    keys = list(case)
    assert keys.index("links") < keys.index("deadlines") < keys.index("history") == len(keys) - 1
    assert config_cache_stamp(repo) == stamp  # the config was not parsed again


def test_a_guard_refuses_when_the_config_comes_from_its_cache(repo: CLI) -> None:
    args = ["new", "return", "--title", "羽绒服拉链坏了", "--customer", "王女士", "--channel", "online"]
    for pair in ("order_no=TB20261120001", "amount_paid=299.00", "sku=YR-BLK-L", "item_name=羽绒服"):
        args += ["--set", pair]
    args += ["--set", "return_type=exchange", "--set", "reason=quality", "--set", "received_date=2026-11-22"]
    case_id = repo.ok(*args).out.strip()
    stamp, head = config_cache_stamp(repo), repo.head()
    refused, loaded = watched(repo, "move", case_id, "approved")
    assert refused.code == 1 and "a quality claim needs evidence before it is approved" in refused.err
    assert loaded == ALL_FEATURES
    assert repo.head() == head and config_cache_stamp(repo) == stamp


def test_validate_knows_every_feature_key_and_action(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("history:\n", "bogus: 1\nhistory:\n"), encoding="utf-8")
    result, loaded = watched(repo, "validate")
    assert result.code == 1 and loaded == ALL_FEATURES
    problems = [line for line in result.out.splitlines() if case_id in line]
    assert len(problems) == 1, result.out
    assert "unknown key 'bogus'; case keys are" in problems[0]
    keys = "escalation, deadlines, postage, price_difference, attachments, merged_into, history"
    assert keys in problems[0]


def _registries_after(*first: str) -> str:
    """Every registry's entries, in a process that imported the modules `first` before."""
    code = "\n".join(
        [
            *(f"import {name}" for name in first),
            "from casekit.core import casefile, config, effects, validation, workflow",
            "from casekit.service import actions",
            "from casekit.service import init as bootstrap",
            "def name(x): return x if isinstance(x, str) else f'{x.__module__}.{x.__qualname__}'",
            "for r in (effects.DERIVERS, actions.CHECKS, actions.FOLLOW_UPS, actions.NOTICES,",
            "          workflow.GUARDS, workflow.APPROVAL_RULES,",
            "          validation.CASE_CHECKS, validation.REPOSITORY_CHECKS, validation.TREE_CHECKS,",
            "          casefile.TOP_LEVEL_KEYS, casefile.HISTORY_ACTIONS):",
            "    print(r, [name(x) for x in r])",
            "for r in (workflow.STATE_REPLAYERS, bootstrap.REPLAYERS, config.SECTION_CHECKS):",
            "    print(r, [(k, name(v)) for k, v in r.items()])",
        ]
    )
    env = {"PYTHONPATH": str(PROJECT / "src"), "PYTHONDONTWRITEBYTECODE": "1", "CASEKIT_LANG": "en"}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


def test_importing_feature_modules_first_changes_no_registry() -> None:
    plain = _registries_after()
    assert (
        "casekit.features.returns.feature.returns_guard" in plain
        and "'sync', 'casekit.service.syncconfig" in plain
    )
    assert _registries_after(*reversed(FEATURE_MODULES), "casekit.service.gitcheck") == plain


def test_registries_take_entries_only_while_the_features_register() -> None:
    from casekit.core import workflow

    with pytest.raises(RuntimeError, match="register"):
        workflow.GUARDS.add(workflow.requires_role)


def test_a_registry_read_while_the_features_register_is_refused() -> None:
    code = "\n".join(
        [
            "import sys, types",
            "from casekit.core import registry as features, workflow",
            "module = types.ModuleType('reads_while_registering')",
            "module.register = lambda: list(workflow.GUARDS)",
            "sys.modules[module.__name__] = module",
            "features.FEATURE_MODULES = (*features.FEATURE_MODULES, module.__name__)",
            "try:",
            "    list(workflow.GUARDS)",
            "except RuntimeError as exc:",
            "    print('REFUSED', exc)",
        ]
    )
    env = {"PYTHONPATH": str(PROJECT / "src"), "PYTHONDONTWRITEBYTECODE": "1", "CASEKIT_LANG": "en"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("REFUSED a registry was read while the features registered")


def test_clock_labels_read_without_parsing_clocks_match_the_parsed_ones(tmp_path: Path) -> None:
    from casekit.core.config import parse_config
    from casekit.core.due import PROMISE_CLOCK, clock_label
    from casekit.features.deadlines.settings import clocks_for, promise_spec

    text = (PROJECT / "casekit.yaml").read_text(encoding="utf-8")
    renamed = text.replace("kept_by: [move, note, promise]", "kept_by: [move, note, promise]\n  zh: 约定回电")
    for variant in (text, renamed):
        config, problems = parse_config(variant, tmp_path / "casekit.yaml")
        assert config is not None and not problems
        labels = 0
        for kind in config.kinds:
            for spec in clocks_for(config, kind):
                assert clock_label(config, kind, spec.name) == spec.label
                labels += 1
            assert clock_label(config, kind, "no_such_clock").zh == "no_such_clock"
            assert clock_label(config, kind, PROMISE_CLOCK) == promise_spec(config).label
        assert labels >= 5
    assert clock_label(config, "complaint", PROMISE_CLOCK).zh == "约定回电"
