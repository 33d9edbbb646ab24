"""Lists the English text in src/casekit that reaches the user without passing through the
message catalogue: string literals and f-strings given to the functions that print, to
the errors casekit shows, to problems, or as a command's help (`help=`), outside `_()`;
also prose (words with a space between) inside a tuple or list given to them, and the
text of a `.join(...)` or `.format(...)` on a literal.

    python tools/untranslated.py [PATH ...]     prints file:line: text, exits 1 if any"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "casekit"
PRINTERS = {"echo", "warn", "secho", "print", "notice", "BadParameter", "Exit", "Abort", "Problem", "add"}
ERROR_SUFFIXES = ("Error", "Refused", "Failure", "Conflict", "NotFound", "NotARepository", "OutOfLine")
HELP_KEYWORDS = {"help", "short_help", "epilog", "rich_help_panel", "metavar_help"}
WORD = re.compile(r"[A-Za-z]{2,}")
TRANSLATORS = {"_", "N_", "ngettext"}


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _english(node: ast.expr) -> str | None:
    """The English prose in a literal, f-string or concatenation of them, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if WORD.search(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
        return text if WORD.search(text) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _english(node.left) or _english(node.right)
    if isinstance(node, ast.IfExp):
        return _english(node.body) or _english(node.orelse)
    if isinstance(node, (ast.Tuple, ast.List)):
        return next((t for t in map(_english, node.elts) if t and " " in t.strip()), None)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("join", "format")
    ):
        return _english(node.func.value) or next((t for t in map(_english, node.args) if t), None)
    return None


def findings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _callee(node) in TRANSLATORS:
            continue
        name = _callee(node)
        shown = name in PRINTERS or name.endswith(ERROR_SUFFIXES)
        arguments: list[ast.expr] = list(node.args) if shown else []
        arguments += [kw.value for kw in node.keywords if kw.arg in HELP_KEYWORDS or (shown and kw.arg)]
        for argument in arguments:
            text = _english(argument)
            if text is not None:
                yield argument.lineno, text


def main(paths: list[str]) -> int:
    given = [Path(p).resolve() for p in paths] or [SOURCE]
    files = sorted({f for p in given for f in ([p] if p.is_file() else p.rglob("*.py"))})
    count = 0
    for file in files:
        for line, text in findings(file):
            count += 1
            shown = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
            print(f"{shown}:{line}: {text[:90]!r}")
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
