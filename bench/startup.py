"""Start-up of everyday commands, this checkout next to another one, in one run.

    python bench/startup.py REPO --against ../base-checkout [--against-repo CLONE] [--runs 15]

Times `casekit --help`, `casekit show ID` and `casekit list --status S` (and `list`
with no filter) as whole processes on the case repository REPO (e.g. one made by
bench/generate.py), alternating this checkout's code and the other checkout's, in the
language given (`--lang`, default zh_CN, the default config's). The other checkout runs
on its own clone of REPO (`--against-repo`, else REPO itself): two versions of the
query index would otherwise rebuild each other's. Prints the median and the ratio
this/other for each row. Both checkouts' bytecode is compiled first."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _first_case(repo: Path) -> tuple[str, str]:
    for path in sorted((repo / "cases").glob("*/*/*/*.yaml"))[-50:]:
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.startswith("status:"):
                return path.stem, line.split(":", 1)[1].strip()
    raise SystemExit(f"{repo}: no case files")


def _time(source: Path, repo: Path, args: list[str], language: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEKIT_", "PYTHONDONTWRITEBYTECODE"))}
    env.update(PYTHONPATH=str(source / "src"), CASEKIT_LANG=language, CASEKIT_NOW="2026-11-24T09:30:00+08:00")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "casekit", *args], cwd=repo, env=env, capture_output=True, check=False
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--against", type=Path, required=True, help="the other casekit checkout")
    parser.add_argument("--against-repo", type=Path, help="a clone of REPO for the other checkout")
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for source in (PROJECT, args.against):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(source / "src")], check=True)
    case_id, status = _first_case(args.repo)
    rows = [["--help"], ["show", case_id], ["list", "--status", status], ["list"]]
    print(f"{args.repo}: load average {os.getloadavg()[0]:.2f}; median of {args.runs} runs after one warm-up")
    repos = {PROJECT: args.repo, args.against: args.against_repo or args.repo}
    print(f"{'command':<34} {'lang':<6} {'this':>8} {'other':>8} {'ratio':>6}")
    for row in rows:
        times: dict[Path, list[float]] = {PROJECT: [], args.against: []}
        for source in times:
            _time(source, repos[source], row, args.lang)
        for _ in range(args.runs):
            for source in times:
                times[source].append(_time(source, repos[source], row, args.lang))
        this, other = (statistics.median(times[s]) for s in (PROJECT, args.against))
        label = " ".join(row)[:34]
        print(f"{label:<34} {args.lang:<6} {this:>7.3f}s {other:>7.3f}s {this / other:>6.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
