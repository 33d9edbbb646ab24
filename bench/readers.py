"""Files per second of casekit's two case-file readers on a generated repository.

    python bench/readers.py bench/out/10000/repo

reads every case file into memory once, then parses all of them with
`quickload.load` (the fast reader, which hands files it cannot read to libyaml) and with
`yamlio.load_fast` (libyaml through PyYAML), each the best of `--runs` passes, and says
how many files the fast reader read itself. Parsing only: no disk, no index.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "src"))

from casekit.codec import quickload  # noqa: E402
from casekit.codec.yamlio import load_fast  # noqa: E402


def best_rate(read: Callable[[bytes], Any], files: list[bytes], runs: int) -> float:
    """Files per second of the fastest of `runs` passes over every file."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for raw in files:
            read(raw)
        best = min(best, time.perf_counter() - start)
    return len(files) / best


def fast_path_count(files: list[bytes]) -> int:
    count = 0
    for raw in files:
        try:
            quickload.parse_simple(raw.decode("utf-8"))
        except (quickload._Unsupported, UnicodeDecodeError):
            continue
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo", type=Path, help="a case repository (e.g. bench/out/10000/repo)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = [path.read_bytes() for path in sorted(args.repo.glob("cases/*/*/*/*.yaml"))]
    if not files:
        raise SystemExit(f"no case files under {args.repo}/cases")
    with_block = sum(b"\ndeadlines:\n" in raw for raw in files)
    print(f"{len(files)} case files, {with_block} with a deadlines: block")
    print(f"fast path (parse_simple) reads {fast_path_count(files)} of them itself")
    for name, read in (("quickload.load", quickload.load), ("yamlio.load_fast", load_fast)):
        print(f"{name:18} {best_rate(read, files, args.runs):8.0f} files/s")


if __name__ == "__main__":
    main()
