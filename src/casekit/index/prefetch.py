"""Ask git early what the query index will need, while Python is still starting.

Bringing the index up to date starts with `git diff-files` (and `git ls-files` when git's
index changed): at 100,000 cases that is mostly the kernel checking 100,000 files, about
as long as Python takes to import the command-line machinery. For the commands that read
many cases, `start` launches those git commands before anything else is imported, so the
two run side by side on separate cores; `casekit.index` collects the output with `take`.
Nothing here changes what a command answers: the index treats the output as an
observation made a few milliseconds earlier. Only the standard library is imported.
"""

from __future__ import annotations

import atexit
import os
import subprocess
from pathlib import Path

# Commands that read many cases through the index. A feature whose command does too adds
# its name here.
INDEX_COMMANDS: set[str] = {
    "list",
    "validate",
    "report",
    "due",
    "queue",
    "callbacks",
    "registers",
    "alerts",
    "settlement-check",
    "customer",
    "new",  # the repeat-caller and harassment-source lookups
    "harassment",
}
# Commands that work out their answer while git is still checking the working tree (see
# `casekit.index.cache.with_index` and `early`): git then checks with one thread, leaving the
# other cores to them. Otherwise the command waits for git, which checks on every core.
EARLY_COMMANDS: set[str] = {"list", "due", "customer"}
ONE_THREAD = ("-c", "core.preloadIndex=false")
_VALUE_OPTIONS = ("--repo", "--actor")
CASES = "cases"
STAMP_FILE = "index.gitstamp"

DIFF_FILES = ("diff-files", "--relative", "--name-only", "-z", "--", f"{CASES}/")
LS_FILES = ("ls-files", "-s", "-v", "-z", "--", f"{CASES}/")

_started: dict[tuple[str, str], tuple[subprocess.Popen[bytes], str]] = {}
_early: set[str] = set()  # roots whose command may answer early (see `early`)


def _command(argv: list[str]) -> tuple[str | None, str | None]:
    """(command name, --repo value) from the raw arguments."""
    repo = None
    skip = None
    for arg in argv:
        if skip:
            if skip == "--repo":
                repo = arg
            skip = None
        elif arg in _VALUE_OPTIONS:
            skip = arg
        elif arg.startswith("--repo="):
            repo = arg.split("=", 1)[1]
        elif not arg.startswith("-"):
            return arg, repo
    return None, repo


def _root(repo: str | None) -> Path | None:
    given = repo or os.environ.get("CASEKIT_REPO")
    if given:
        root = Path(given).resolve()
        return root if (root / ".git").is_dir() and (root / "casekit.yaml").is_file() else None
    cwd = Path.cwd()
    for candidate in (cwd, *cwd.parents):
        if (candidate / ".git").exists():
            ok = (candidate / ".git").is_dir() and (candidate / "casekit.yaml").is_file()
            return candidate.resolve() if ok else None
    return None


def index_stamp(git_folder: Path) -> str:
    """Size, times and inode of git's index file ('' when absent)."""
    try:
        st = os.stat(git_folder / "index")
    except OSError:
        return ""
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}:{st.st_ctime_ns}"


def start(argv: list[str]) -> None:
    """Launch the git commands the index will want, if this command reads the index."""
    try:
        name, repo = _command(argv)
        if name not in INDEX_COMMANDS:
            return
        if os.environ.get("CASEKIT_INDEX", "").strip().lower() in ("0", "off", "no", "false"):
            return
        root = _root(repo)
        if root is None:
            return
        git_folder = root / ".git"
        stamp = index_stamp(git_folder)
        try:
            known = (git_folder / "casekit" / STAMP_FILE).read_text(encoding="ascii")
        except OSError:
            known = None
        committed = known is None or known != stamp  # git's index changed since the last query
        if committed:
            _launch(root, "ls-files", LS_FILES, stamp)
        early = name in EARLY_COMMANDS and not committed
        _launch(root, "diff-files", (*ONE_THREAD, *DIFF_FILES) if early else DIFF_FILES, stamp)
        if early:
            _early.add(str(root))
    except OSError:
        return


def _launch(root: Path, what: str, args: tuple[str, ...], stamp: str) -> None:
    proc = subprocess.Popen(
        ["git", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    if not _started:
        atexit.register(_discard)
    _started[(str(root), what)] = (proc, stamp)


def early(root: Path) -> bool:
    """Whether the command may work out its answer before the index is known to be current:
    git's index is as the query index last saw it (after a commit, a checkout or `git add`
    a case has likely changed, and the early answer would be thrown away) and
    `git diff-files` is still at work (waiting for it is the time to fill)."""
    entry = _started.get((str(root), "diff-files"))
    return str(root) in _early and entry is not None and entry[0].poll() is None


def take(root: Path, what: str) -> tuple[bytes, str] | None:
    """The output of a git command started for `root` (and the stamp of git's index taken
    before it ran), or None when none was started or it failed."""
    entry = _started.pop((str(root), what), None)
    if what == "diff-files":
        _early.discard(str(root))
    if entry is None:
        return None
    proc, stamp = entry
    out, _ = proc.communicate()
    return (out, stamp) if proc.returncode == 0 else None


def _discard() -> None:
    for proc, _ in _started.values():
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    _started.clear()
    _early.clear()
