"""The layout holds: layers are folders, dependencies point one way, and nothing loops.

Reads the import statements of every module under src/casekit (at any depth: inside
functions and under TYPE_CHECKING too, since a deferred import is still a dependency) and
checks them against the layers of docs/design.md.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from conftest import CLI

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "casekit"

# What each layer may import, besides the standard library and third-party packages.
# `casekit.X` for a top-level module, `casekit.X.` for a package and everything in it.
# Every layer may import the leaves: the error types, the version and the message catalogue.
LEAVES = ("casekit.errors", "casekit.version", "casekit.i18n")
ALLOWED: dict[str, tuple[str, ...]] = {
    "casekit.errors": (),
    "casekit.version": (),
    "casekit.i18n": (),
    "casekit.progress": (),
    "casekit.resources": (),
    "casekit.codec.": ("casekit.codec.", "casekit.errors"),
    "casekit.core.": ("casekit.core.", "casekit.codec.", "casekit.errors"),
    "casekit.store.": ("casekit.store.", "casekit.core.", "casekit.codec.", "casekit.errors"),
    "casekit.vcs.": ("casekit.vcs.", "casekit.core.", "casekit.errors"),
    "casekit.index.": (
        "casekit.index.",
        "casekit.store.",
        "casekit.vcs.",
        "casekit.core.",
        "casekit.codec.",
        "casekit.errors",
        "casekit.progress",
    ),
    "casekit.render.": (
        "casekit.render.",
        "casekit.core.",
        "casekit.vcs.",
        "casekit.codec.",
        "casekit.resources",
        "casekit.errors",
    ),
}
# Layers that no module below them may import.
UPPER = ("casekit.service.", "casekit.features.", "casekit.cli.")
# Modules that may import anything (they sit at the top or are the public face).
TOP = ("casekit.cli.", "casekit.__main__", "casekit.githooks")
# The standard library's doors to files, processes, the clock, chance and the environment:
# the pure core and the codecs open none of them.
IMPURE = {
    "os",
    "sys",
    "subprocess",
    "shutil",
    "tempfile",
    "time",
    "socket",
    "git",
    "locale",
    "secrets",
    "random",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str) -> Iterator[tuple[int, str]]:
    """(line, module) for every import statement of module `name`, resolved to modules of
    casekit where it names one (`from casekit.core import ids` imports casekit.core.ids)."""
    path = modules()[name]
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            names_module = False
            for alias in node.names:
                if f"{source}.{alias.name}" in modules():
                    yield node.lineno, f"{source}.{alias.name}"
                else:
                    names_module = True
            if names_module:
                yield node.lineno, source


@cache
def graph() -> dict[str, set[str]]:
    """casekit module -> the casekit modules it imports (packages' faces left out: they
    hold only a docstring)."""
    edges: dict[str, set[str]] = {}
    for name in modules():
        edges[name] = {
            target
            for _, target in imported(name)
            if target in modules() and target != name and modules()[target].name != "__init__.py"
        }
    return edges


def in_layer(module: str, layer: str) -> bool:
    return module.startswith(layer) if layer.endswith(".") else module == layer


def test_every_package_face_is_a_docstring_and_nothing_else() -> None:
    for name, path in modules().items():
        if path.name != "__init__.py" or name == "casekit":
            continue
        body = ast.parse(path.read_text(encoding="utf-8")).body
        assert body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), name
        assert isinstance(body[0].value.value, str) and "May import" in body[0].value.value, (
            f"{name}: its docstring says what lives there and what it may import"
        )
        assert len(body) == 1, f"{name}/__init__.py holds more than its docstring (no re-exports)"


def test_nothing_in_casekit_imports_its_public_face() -> None:
    for name in modules():
        for line, target in imported(name):
            assert target != "casekit", f"{name}:{line} imports casekit/__init__.py; import the module itself"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_what_lies_below_it(layer: str) -> None:
    allowed = ALLOWED[layer]
    for name in modules():
        if not in_layer(name, layer):
            continue
        for line, target in imported(name):
            if not target.startswith("casekit"):
                continue
            assert any(in_layer(target, a) for a in (*allowed, *LEAVES)), f"{name}:{line} imports {target}"


def test_nothing_below_the_services_imports_them_or_the_features_or_the_cli() -> None:
    for name in modules():
        if name.startswith(UPPER) or name.startswith(TOP) or name == "casekit":
            continue
        for line, target in imported(name):
            assert not target.startswith(UPPER), f"{name}:{line} imports {target}, a layer above it"


def test_services_import_no_feature_and_no_command() -> None:
    for name in modules():
        if not name.startswith("casekit.service."):
            continue
        for line, target in imported(name):
            upward = target.startswith(("casekit.features.", "casekit.cli."))
            assert not upward, f"{name}:{line} imports {target}"


def test_features_import_no_command_and_no_report_or_script_but_their_own() -> None:
    for name in modules():
        if not name.startswith("casekit.features."):
            continue
        own = ".".join(name.split(".")[:3]) + "."
        for line, target in imported(name):
            assert not target.startswith("casekit.cli."), f"{name}:{line} imports {target}"
            for reader in ("casekit.features.reports.", "casekit.features.scripts."):
                if target.startswith(reader):
                    assert own == reader, f"{name}:{line} imports {target}: only {reader} itself may"


def test_the_pure_core_opens_no_file_process_clock_or_environment() -> None:
    for name in modules():
        if not name.startswith(("casekit.core.", "casekit.codec.")):
            continue
        for line, target in imported(name):
            assert target.split(".")[0] not in IMPURE, f"{name}:{line} imports {target}"
        tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                clock = node.func.attr in ("now", "today", "utcnow")
                assert not clock, f"{name}:{node.lineno} reads the clock"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", f"{name}:{node.lineno} opens a file"


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the loops of the graph, each with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges[target]))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    loops.append(sorted(members))
    return loops


def levels(edges: dict[str, set[str]]) -> dict[str, int]:
    """A module's level: one more than the highest level among the modules it imports."""
    found: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in found:
            found[name] = 0  # a loop (reported by its own test) ends the climb
            found[name] = 1 + max((level(target) for target in edges[name]), default=0)
        return found[name]

    for name in edges:
        level(name)
    return found


def test_the_loop_finder_finds_loops() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert strongly_connected(edges) == [["a", "b", "c"]]
    assert levels({"a": {"b"}, "b": {"c"}, "c": set()}) == {"a": 3, "b": 2, "c": 1}


def test_no_two_modules_import_each_other_in_a_loop() -> None:
    assert strongly_connected(graph()) == []


def test_the_import_graph_is_at_most_ten_levels_deep() -> None:
    # the message catalogue, which every module that speaks imports and which imports
    # nothing of casekit, adds no level
    found = levels({name: targets - {"casekit.i18n"} for name, targets in graph().items()})
    deepest = max(found, key=found.__getitem__)
    assert found[deepest] <= 10, f"{deepest} stands on level {found[deepest]}"


def test_the_public_api_opens_and_moves_a_case_and_loads_the_repository(repo: CLI) -> None:
    """`casekit/__init__.py`'s names, used as a library caller would, in a process of its own."""
    code = f"""
import casekit
from pathlib import Path
assert sorted(casekit.__all__) == sorted(
    ["Env", "__version__", "assign_case", "load_repository", "move_case", "note_case", "open_case"]
)
env = casekit.Env(repo_flag={str(repo.root)!r})
opened = casekit.open_case(env, "complaint", title="传真机无法接收传真", customer="王先生",
                           phone="13800138000", channel="phone")
casekit.note_case(env, opened.case_id, "已电话联系客户")
casekit.move_case(env, opened.case_id, "assessing")
casekit.assign_case(env, opened.case_id, "wang.fang")
loaded = casekit.load_repository(Path({str(repo.root)!r}))
(doc,) = loaded.cases
print(casekit.__version__, doc.data["id"], doc.data["status"], doc.data["assignee"], len(loaded.problems))
"""
    proc = subprocess.run([sys.executable, "-c", code], env=repo.environ, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    version, case_id, status, assignee, problems = proc.stdout.split()
    assert (status, assignee, problems) == ("assessing", "wang.fang", "0")
    assert version == repo.ok("--version").out.split()[-1]
    assert repo.ok("log", case_id).out.count("李娜") >= 3  # every change is in the audit trail, by name
