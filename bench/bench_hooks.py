"""How long the pre-commit and commit-msg hooks take on a commit touching a few case files
in a large repository.

    python bench/bench_hooks.py --cases 100000 --touch 3 --runs 7

builds (once, under bench/out/hooks-N) a case repository of N small complaints in one
`git fast-import` commit, installs casekit's hooks, hand-edits `--touch` cases (a valid
move each, with the trailers), then times: each hook run alone (what it adds to a commit),
and `git commit` with and without the hooks. Prints medians in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

CASE = """\
id: {id}
kind: complaint
status: assessing
priority: medium
title: 传真机有时无法接收传真（第{n}号）
customer:
  name: 王先生
  phone: '13800138000'
  salutation: 先生
channel: phone
opened_at: 2026-11-23T10:05:00+08:00
assignee: li.na
fields:
  category: product-quality
  content: 客户反映传真机有时无法接收传真，已重启仍然如此。
  demand: 上门检修或更换
  order_no: TB{n:08d}
links: []
history:
  - {{at: 2026-11-23T10:05:00+08:00, by: li.na, action: open, to: received, set: {{category: product-quality}}}}
  - {{at: 2026-11-23T10:20:00+08:00, by: li.na, action: note, note: 已致电客户，了解故障现象}}
  - {{at: 2026-11-23T10:30:00+08:00, by: li.na, action: move, from: received, to: assessing}}
"""


def case_id(n: int) -> str:
    digits = []
    for _ in range(8):
        digits.append(ALPHABET[n % 32])
        n //= 32
    suffix = "".join(reversed(digits))
    return f"C-20261123-{suffix[:4]}-{suffix[4:]}"


def env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT / "src"),
        "GIT_AUTHOR_NAME": "李娜",
        "GIT_AUTHOR_EMAIL": "li.na@example.com",
        "GIT_COMMITTER_NAME": "李娜",
        "GIT_COMMITTER_EMAIL": "li.na@example.com",
        "CASEKIT_ACTOR": "li.na",
    }


def build(root: Path, count: int) -> None:
    if (root / ".git").is_dir():
        return
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = [b"commit refs/heads/main\n", b"committer casekit <c@example.com> 1795400000 +0800\n"]
    message = b"bench: many cases\n"
    stream.append(b"data %d\n%s" % (len(message), message))
    files = {"casekit.yaml": (PROJECT / "casekit.yaml").read_bytes()}
    for name in ("pre-commit", "commit-msg"):
        files[f"hooks/{name}"] = (PROJECT / "hooks" / name).read_bytes()
    files[".gitattributes"] = b"cases/**/*.yaml text eol=lf merge=casekit\n"
    for path, content in files.items():
        mode = b"100755" if path.startswith("hooks/") else b"100644"
        stream.append(b"M %s inline %s\ndata %d\n%s\n" % (mode, path.encode(), len(content), content))
    for n in range(count):
        ident = case_id(n)
        content = CASE.format(id=ident, n=n).encode()
        stream.append(
            b"M 100644 inline cases/complaint/2026/11/%s.yaml\ndata %d\n%s\n"
            % (ident.encode(), len(content), content)
        )
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    subprocess.run([sys.executable, "-m", "casekit", "hooks", "install"], cwd=root, env=env(), check=True)


def touch(root: Path, count: int) -> Path:
    """Move `count` cases to investigating by hand, stage them, write the commit message."""
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    ids = [case_id(n * 997) for n in range(count)]
    for ident in ids:
        path = root / "cases/complaint/2026/11" / f"{ident}.yaml"
        text = path.read_text(encoding="utf-8")
        text = text.replace("status: assessing", "status: investigating")
        text = text.replace("  order_no:", "  responsible_department: 售后技术部\n  order_no:")
        text += "  - {at: 2026-11-23T11:00:00+08:00, by: li.na, action: move, from: assessing, to: investigating}\n"
        path.write_text(text, encoding="utf-8")
    subprocess.run(["git", "add", "cases"], cwd=root, check=True)
    lines = [f"{ids[0]}: assessing -> investigating", ""]
    lines += [f"Case-Id: {i}" for i in ids]
    lines += ["Case-Kind: complaint", "Case-Action: move", "Case-From: assessing", "Case-To: investigating"]
    lines += ["Case-Actor: li.na <li.na@example.com>"]
    message = root / ".git" / "BENCH_MSG"
    message.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return message


def timed(args: list[str], root: Path, runs: int, extra: dict[str, str] | None = None) -> tuple[float, int]:
    samples = []
    code = 0
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(args, cwd=root, env={**env(), **(extra or {})}, capture_output=True).returncode
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--touch", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    root = PROJECT / "bench" / "out" / f"hooks-{options.cases}" / "repo"
    started = time.perf_counter()
    build(root, options.cases)
    print(f"repository of {options.cases} cases ready in {time.perf_counter() - started:.1f} s")
    # An installed casekit has its bytecode compiled; so should this checkout.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PROJECT / "src" / "casekit")], check=True)
    message = touch(root, options.touch)
    hook = [sys.executable, "-m", "casekit.service.hooks"]
    date = {"GIT_AUTHOR_DATE": "2026-11-23T11:00:00+08:00"}
    for label, args in (
        ("pre-commit hook", [*hook, "pre-commit"]),
        ("commit-msg hook", [*hook, "commit-msg", str(message)]),
    ):
        ms, code = timed(args, root, options.runs, date)
        print(f"{label:<32} {ms:7.0f} ms  (exit {code})")
    for label, verify in (("git commit, hooks skipped", False), ("git commit, with both hooks", True)):
        samples = []
        for _ in range(options.runs):
            touch(root, options.touch)
            flags = [] if verify else ["--no-verify"]
            ms, code = timed(["git", "commit", "-q", *flags, "-F", str(message)], root, 1, date)
            assert code == 0, f"{label}: exit {code}"
            samples.append(ms)
            subprocess.run(["git", "reset", "-q", "--soft", "HEAD~1"], cwd=root, check=True)
        print(f"{label:<32} {statistics.median(samples):7.0f} ms")


if __name__ == "__main__":
    main()
