"""Time casekit's commands as whole processes on a generated repository, next to Taskwarrior.

    python bench/run.py --cases 10000             # generates bench/out/10000 if missing
    python bench/run.py --cases 100000 --write bench/RESULTS.md

Every figure is the median of `--runs` runs (5 by default) of a fresh process, after one
warm-up run, with this checkout's code (`python -m casekit`, bytecode compiled first).
Commands that do not exist yet in this checkout (`report weekly`, `list --overdue`, the
pre-commit hook) are reported as "n/a". Taskwarrior gets the same cases (imported once
from tasks.json) and the same workload; the ratio casekit/Taskwarrior is from this run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate import BENCH_NOW  # noqa: E402

TARGETS = {  # issue 7, at 100,000 cases on the 2-core machine
    "--help": 0.15,
    "show ID": 0.15,
    "list --status investigating (warm)": 0.3,
    "list --overdue (warm)": 0.3,
    "customer PHONE (warm)": 0.2,  # issue 21
    "list --phone PHONE (warm)": 0.2,
    "move ID STATE": 0.25,
    "move ID STATE, git split index": 0.25,
    "report weekly (warm)": 1.0,
    "pre-commit hook, 3 files": 1.0,
    "first query, cold index": 20.0,
    "validate (whole repository)": 30.0,
}


@dataclass
class Timing:
    name: str
    samples: list[float] = field(default_factory=list)
    note: str = ""
    cpu: list[float] = field(default_factory=list)  # user + system time of the process tree

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    def cell(self, value: float | None) -> str:
        return "n/a" if value is None else (f"{value:.3f}" if value < 10 else f"{value:.1f}")


class Bench:
    def __init__(self, out: Path, runs: int) -> None:
        self.out = out
        self.repo = out / "repo"
        self.runs = runs
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEKIT_", "GIT_"))}
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env.update(
            PYTHONPATH=str(PROJECT / "src"),
            CASEKIT_ACTOR="li.na",
            CASEKIT_NOW=BENCH_NOW,
            CASEKIT_PROGRESS="never",
            GIT_AUTHOR_NAME="李娜",
            GIT_AUTHOR_EMAIL="li.na@example.com",
            GIT_COMMITTER_NAME="李娜",
            GIT_COMMITTER_EMAIL="li.na@example.com",
        )
        self.results: list[Timing] = []
        self.last_cpu = 0.0
        self.peer: list[tuple[str, Timing, Timing]] = []
        self.phones: list[str] = []  # phones of repeat callers, for the customer lookups

    # running --------------------------------------------------------------------------

    def casekit(
        self, *args: str, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "casekit", *args],
            cwd=cwd or self.repo,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"casekit {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc

    def timed(self, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            command,
            cwd=cwd,
            env=env or self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.last_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(command)}: exit {proc.returncode}: {proc.stderr.decode()[-500:]}")
        return elapsed, proc.returncode

    def measure(
        self,
        name: str,
        make_args: object,
        *,
        warm: bool = True,
        cwd: Path | None = None,
        before: Callable[[int], object] | None = None,
    ) -> Timing:
        """Run `make_args(i)` (a casekit argument list) once to warm up, then `runs` times;
        `before(i)`, when given, runs untimed before each."""
        timing = Timing(name)
        assert callable(make_args)
        for i in range(-1 if warm else 0, self.runs):
            if before is not None:
                before(i)
            args = make_args(i)
            elapsed, code = self.timed([sys.executable, "-m", "casekit", *args], cwd or self.repo)
            if code != 0:
                timing.note = f"exit {code}"
            if i >= 0:
                timing.samples.append(elapsed)
                timing.cpu.append(self.last_cpu)
        self.results.append(timing)
        print(f"  {name:40s} {timing.cell(timing.median):>8s} s", file=sys.stderr)
        return timing

    def has(self, *args: str) -> bool:
        return self.casekit(*args, check=False).returncode == 0

    # the workload -----------------------------------------------------------------------

    def run(self) -> None:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(PROJECT / "src")], check=True)
        ids = [r["id"] for r in json.loads(self.casekit("list", "--format", "json").stdout)]
        received = [
            row.split(",")[0]
            for row in self.casekit(
                "list", "--kind", "complaint", "--status", "received", "--format", "csv"
            ).stdout.splitlines()[1:]
        ]
        if len(received) < 2 * (self.runs + 1):
            raise SystemExit(
                "not enough complaints left in 'received' to time moves; regenerate the repository"
            )
        picks = [ids[(i * 7919) % len(ids)] for i in range(self.runs + 1)]
        investigating = [
            row.split(",")[0]
            for row in self.casekit(
                "list", "--status", "investigating", "--format", "csv"
            ).stdout.splitlines()[1:]
        ]

        self.measure("--help", lambda i: ["--help"])
        self.measure("show ID", lambda i: ["show", picks[i]])
        self.measure("list --status investigating (warm)", lambda i: ["list", "--status", "investigating"])
        if "--overdue" in self.casekit("list", "--help").stdout:
            overdue = self.measure("list --overdue (warm)", lambda i: ["list", "--overdue"])
            listed = len(self.casekit("list", "--overdue", "--format", "csv").stdout.splitlines()) - 1
            overdue.note = f"({listed:,} cases listed)"
            # Right after a change the answer worked out while git looks is thrown away and
            # worked out again (docs/performance.md): the same query, each time after a note.
            self.measure(
                "list --overdue, just after a note",
                lambda i: ["list", "--overdue"],
                before=lambda i: self.casekit("note", investigating[i], "已回电，客户表示满意"),
            )
        else:
            self.results.append(Timing("list --overdue (warm)", note="not in this checkout"))
        if self.has("customer", "--help"):
            phones = [row["phone"] for row in json.loads(self.casekit("list", "--format", "json").stdout)]
            repeated = sorted({p for p in phones if p}, key=lambda p: (-phones.count(p), p))[: self.runs + 1]
            found = self.measure("customer PHONE (warm)", lambda i: ["customer", _spaced(repeated[i])])
            cases = len(
                json.loads(self.casekit("customer", "--format", "json", repeated[0]).stdout)["customers"][0][
                    "cases"
                ]
            )
            found.note = f"(a phone with {cases} cases, typed 186 1234 5678)"
            self.measure("list --phone PHONE (warm)", lambda i: ["list", "--phone", repeated[i]])
            self.phones = repeated
        else:
            self.results.append(Timing("customer PHONE (warm)", note="not in this checkout"))
        self.measure(
            "new complaint",
            lambda i: ["new", "complaint", "--title", "传真机有时无法接收传真", "--customer", "王先生",
                       "--phone", "13800138000", "--channel", "phone"],
        )  # fmt: skip
        self.measure("move ID STATE", lambda i: ["move", received[i], "assessing", "--note", "已核实情况"])
        self.split_index_moves(received[self.runs + 1 : -1])  # [-1]: the warm-up move above
        if self.has("report", "--help"):
            self.measure("report weekly (warm)", lambda i: ["report", "weekly"])
        else:
            self.results.append(Timing("report weekly (warm)", note="not in this checkout"))
        self.hook()
        self.cold(ids)
        self.measure("validate (whole repository)", lambda i: ["validate"])

    def split_index_moves(self, received: list[str]) -> None:
        """`move` with git's split index on (docs/performance.md: an option for very large
        repositories), then back to the default."""
        name = "move ID STATE, git split index"
        if len(received) < self.runs + 1:
            self.results.append(Timing(name, note="not enough received complaints left"))
            return
        git = ["git", "-C", str(self.repo)]
        subprocess.run([*git, "config", "core.splitIndex", "true"], check=True)
        subprocess.run([*git, "update-index", "--split-index"], check=True)
        try:
            self.measure(name, lambda i: ["move", received[i], "assessing", "--note", "已核实情况"])
        finally:
            subprocess.run([*git, "config", "--unset", "core.splitIndex"], check=True)
            subprocess.run([*git, "update-index", "--no-split-index"], check=True)

    def hook(self) -> None:
        """The pre-commit hook on a commit touching 3 case files, run as git runs it."""
        name = "pre-commit hook, 3 files"
        if self.has("hooks", "--help"):
            self.casekit("hooks", "install", check=False)
        hooks_path = subprocess.run(
            ["git", "config", "core.hooksPath"], cwd=self.repo, capture_output=True, text=True, check=False
        ).stdout.strip()
        hook = (self.repo / hooks_path if hooks_path else self.repo / ".git" / "hooks") / "pre-commit"
        if not hook.is_file() or not os.access(hook, os.X_OK):
            self.results.append(Timing(name, note="no hook installed in this checkout"))
            return
        files = sorted(self.repo.glob("cases/complaint/*/*/*.yaml"))[-3:]
        rels = [str(f.relative_to(self.repo)) for f in files]
        timing = Timing(name)
        for i in range(-1, self.runs):
            for path in files:
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(f"# 复核 {i}\n")
            subprocess.run(["git", "add", "--", *rels], cwd=self.repo, check=True)
            elapsed, code = self.timed(["git", "hook", "run", "pre-commit"], self.repo)
            if code != 0:
                timing.note = f"exit {code}"
            if i >= 0:
                timing.samples.append(elapsed)
                timing.cpu.append(self.last_cpu)
            subprocess.run(["git", "reset", "-q", "--", *rels], cwd=self.repo, check=True)
            subprocess.run(["git", "checkout", "-q", "--", *rels], cwd=self.repo, check=True)
        self.results.append(timing)
        print(f"  {name:40s} {timing.cell(timing.median):>8s} s", file=sys.stderr)

    def cold(self, ids: list[str]) -> None:
        """First query in a fresh clone: no index, no cached config."""
        clone = self.out / "clone"
        if not clone.exists():
            subprocess.run(["git", "clone", "-q", str(self.repo), str(clone)], check=True)
        state = clone / ".git" / "casekit"

        def fresh(i: int) -> list[str]:
            shutil.rmtree(state, ignore_errors=True)
            return ["list", "--status", "investigating"]

        self.measure("first query, cold index", fresh, warm=False, cwd=clone)

    # Taskwarrior ------------------------------------------------------------------------

    def taskwarrior(self, times: dict[str, Timing]) -> None:
        task = shutil.which("task")
        if task is None:
            print("  taskwarrior not installed: apt-get install -y taskwarrior", file=sys.stderr)
            return
        home = self.out / "task"
        rc = home / "taskrc"
        env = dict(self.env, TASKRC=str(rc))
        if not (home / "data" / "pending.data").exists():
            shutil.rmtree(home, ignore_errors=True)
            (home / "data").mkdir(parents=True)
            rc.write_text(
                f"data.location={home / 'data'}\nconfirmation=off\nverbose=nothing\ncolor=off\n"
                "hooks=off\nnews.version=2.6.2\nuda.phone.type=string\nuda.phone.label=Phone\n",
                encoding="utf-8",
            )
            start = time.perf_counter()
            subprocess.run([task, "import", str(self.out / "tasks.json")], env=env, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            print(f"  taskwarrior import: {time.perf_counter() - start:.1f} s", file=sys.stderr)
        tasks = [
            json.loads(line) for line in (self.out / "tasks.json").read_text(encoding="utf-8").splitlines()
        ]
        uuids = [t["uuid"] for t in tasks]
        pending = [t["uuid"] for t in tasks if t["status"] == "pending"]

        def peer(name: str, ours: str, make: object) -> None:
            assert callable(make)
            timing = Timing(name)
            for i in range(-1, self.runs):
                elapsed, _ = self.timed([task, *make(i)], home, env)
                if i >= 0:
                    timing.samples.append(elapsed)
                    timing.cpu.append(self.last_cpu)
            if ours in times:
                self.peer.append((ours, times[ours], timing))
            print(f"  {name:40s} {timing.cell(timing.median):>8s} s", file=sys.stderr)

        peer("task UUID info", "show ID", lambda i: [uuids[(i * 7919) % len(uuids)], "info"])
        peer(
            "task +investigating list",
            "list --status investigating (warm)",
            lambda i: ["+investigating", "list"],
        )
        if self.phones:
            peer(
                "task phone:PHONE list",
                "list --phone PHONE (warm)",
                lambda i: [f"phone:{self.phones[i]}", "list"],
            )
        peer(
            "task add",
            "new complaint",
            lambda i: ["add", "传真机有时无法接收传真", "project:complaint", "+received"],
        )
        peer(
            "task UUID modify", "move ID STATE",
            lambda i: [pending[i + 1], "modify", "-received", "+assessing"],
        )  # fmt: skip

    # report -----------------------------------------------------------------------------

    def table(self, count: int) -> str:
        lines = [
            f"| command ({count:,} cases) | median s | min s | max s | CPU s | target s | |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for t in self.results:
            target = TARGETS.get(t.name)
            verdict = ""
            if t.median is not None and target is not None:
                verdict = "ok" if t.median <= target else "**over**"
            verdict = f"{verdict} {t.note}".strip()
            low = min(t.samples) if t.samples else None
            high = max(t.samples) if t.samples else None
            lines.append(
                f"| `{t.name}` | {t.cell(t.median)} | {t.cell(low)} | {t.cell(high)} | "
                f"{t.cell(t.median_cpu)} | {'' if target is None else target} | {verdict} |"
            )
        if self.peer:
            lines += [
                "",
                "| casekit | median s | Taskwarrior | median s | casekit/Taskwarrior |",
                "|---|---:|---|---:|---:|",
            ]
            for ours, mine, theirs in self.peer:
                ratio = (mine.median or 0) / (theirs.median or 1)
                lines.append(
                    f"| `{ours}` | {mine.cell(mine.median)} | `{theirs.name}` | "
                    f"{theirs.cell(theirs.median)} | {ratio:.1f}× |"
                )
        return "\n".join(lines)


def _spaced(phone: str) -> str:
    """13800138000 -> '138 0013 8000', as an agent reads it out."""
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}" if len(phone) == 11 else phone


def machine() -> str:
    def first(command: list[str]) -> str:
        try:
            return (
                subprocess.run(command, capture_output=True, text=True, check=False)
                .stdout.strip()
                .splitlines()[0]
            )
        except (OSError, IndexError):
            return "?"

    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM; {platform.platform()}; "
        f"Python {platform.python_version()}; {first(['git', '--version'])}; "
        f"Taskwarrior {first(['task', '--version'])}"
    )


def write_results(path: Path, count: int, body: str) -> None:
    """Replace this repository size's section of RESULTS.md (other sizes stay, and so do
    sections not named after a size, such as notes, after them)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    preamble, *sections = text.split("\n## ") if text else [_PREAMBLE]
    by_size: dict[int, str] = {}
    notes: list[str] = []
    for section in sections:
        size = section.split(" ", 1)[0].replace(",", "")
        if size.isdigit():
            by_size[int(size)] = section.rstrip("\n")
        else:
            notes.append(section.rstrip("\n"))
    by_size[count] = f"{count:,} cases\n\n{body}"
    parts = (
        [preamble.rstrip("\n")] + [f"## {by_size[n]}" for n in sorted(by_size)] + [f"## {n}" for n in notes]
    )
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


_PREAMBLE = (
    "# Benchmark results\n\n"
    "Produced by `python bench/run.py --cases N --write bench/RESULTS.md` (see README.md). "
    "Each figure is the median of 5 whole-process runs after a warm-up run; *CPU s* is the "
    "median user + system time of the command and the processes it started (git, index "
    "workers), which moves less than wall time when the shared machine is busy. The ratio "
    "table compares casekit with Taskwarrior on the same cases, from the same run."
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="where generated repositories live")
    parser.add_argument("--write", type=Path, help="record the results in this markdown file")
    parser.add_argument("--no-peer", action="store_true", help="skip Taskwarrior")
    args = parser.parse_args()

    out = (args.out / str(args.cases)).resolve()
    if not (out / "repo").exists():
        print(f"generating {args.cases:,} cases in {out} ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), str(out), "--cases", str(args.cases)], check=True
        )
    bench = Bench(out, args.runs)
    load_before = os.getloadavg()
    started = datetime.now().astimezone()
    print(f"timing casekit on {args.cases:,} cases ({args.runs} runs each)", file=sys.stderr)
    bench.run()
    if not args.no_peer:
        print("timing Taskwarrior on the same cases", file=sys.stderr)
        bench.taskwarrior({t.name: t for t in bench.results})
    load_after = os.getloadavg()
    body = (
        f"{started:%Y-%m-%d %H:%M %Z}, {machine()}. Load average (1 min) {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after (the machine is shared).\n\n{bench.table(args.cases)}"
    )
    print(body)
    if args.write:
        write_results(args.write, args.cases, body)


if __name__ == "__main__":
    main()
