"""`casekit init`: a new case repository, optionally filled with the example cases.

The examples are replayed, not copied: every history entry of every bundled case becomes
the real casekit action it records, in time order, with its recorded time and actor, so
`git log` and `casekit log` show a true history with trailers and timestamps.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from casekit.codec.yamlio import decimal_text, load_fast
from casekit.core.casefile import customer_of, history_of
from casekit.core.config import CONFIG_FILE
from casekit.core.ids import CASES_DIR
from casekit.core.registry import KeyedRegistry
from casekit.core.timeutil import parse_datetime, stored_instant
from casekit.errors import CasekitError, Refused
from casekit.i18n import _
from casekit.resources import bundled
from casekit.service import actions
from casekit.service.env import Env
from casekit.store.casefiles import iter_case_files
from casekit.store.configfile import load_config
from casekit.vcs import git as vcs

TEMPLATES_README = """\
# templates/

Put a file here with the same name as one of casekit's bundled templates to override it
for this repository (reply scripts and reports). Run `casekit script --list` to see them.
"""

# Case files are text with LF endings merged by casekit's driver; evidence is kept byte for byte
# (its SHA-256 is on the case).
GITATTRIBUTES = "cases/**/*.yaml text eol=lf merge=casekit\nattachments/** -text\n"


def init_repository(
    path: Path, *, example: bool, environ: dict[str, str], casekit_source: str | None = None
) -> tuple[Path, int]:
    """Create a case repository at `path`; returns its root and the number of example cases.
    `casekit_source` is where its CI installs casekit from (`install_source`)."""
    root = path.resolve()
    requirement, vendored = install_source(casekit_source, Path.cwd())
    if (root / CONFIG_FILE).exists():
        raise Refused(
            _("{root} is already a case repository ({config} exists)").format(root=root, config=CONFIG_FILE)
        )
    is_git = (root / ".git").exists()
    if root.exists() and not is_git and any(root.iterdir()):
        raise Refused(
            _("{root} is not empty and not a git repository; choose a new folder").format(root=root)
        )
    root.mkdir(parents=True, exist_ok=True)
    if not is_git:
        vcs.run_git(root, "init", "-q", "-b", "main")

    files: dict[str, bytes] = {
        CONFIG_FILE: bundled(CONFIG_FILE).read_bytes(),
        f"{CASES_DIR}/.gitkeep": b"",
        "templates/README.md": TEMPLATES_README.encode(),
        ".gitattributes": GITATTRIBUTES.encode(),
    }
    files.update(vendored)
    files.update(ci_files(root, requirement))
    for hook in sorted(bundled("hooks").iterdir()):
        if hook.is_file():
            files[f"hooks/{hook.name}"] = hook.read_bytes()
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if rel.startswith("hooks/") and not rel.endswith(".md"):
            target.chmod(0o755)

    env = Env(repo_flag=str(root), environ=dict(environ))
    config = load_config(root)
    try:
        actor = env.actor()
        author = vcs.Ident(actor.name, actor.email)
    except CasekitError:
        author = vcs.Ident("casekit", "")
    hooks = frozenset(rel for rel in files if rel.startswith("hooks/") and not rel.endswith(".md"))
    when = env.now(config.tz)
    cases = example_cases() if example else []
    if cases:
        # the repository must not be younger than the history replayed into it
        when = min(when, *(parse_datetime(str(e["at"]), config.tz) for e in _entries(cases)))
    with vcs.repo_lock(root):
        vcs.commit_files(
            root,
            files,
            "casekit: new case repository\n",
            author,
            when,
            executable=hooks,
        )
    count = replay_examples(root, environ, cases) if example else 0
    from casekit.service.hookinstall import install_hooks

    install_hooks(root, keep_foreign=True)
    return root, count


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _sets(entry: Mapping[str, Any]) -> list[str]:
    changes = entry.get("set") or {}
    return [f"{key}={_text(value)}" for key, value in changes.items()]


Replayer = Callable[[Env, Mapping[str, Any], Mapping[str, Any]], None]


def _replay_open(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    customer = customer_of(case)
    reassigned = any(e.get("action") == "assign" for e in history_of(case))
    actions.open_case(
        env,
        str(case["kind"]),
        title=str(case["title"]),
        customer=str(customer.get("name")),
        phone=customer.get("phone"),
        salutation=customer.get("salutation"),
        channel=str(case.get("channel")),
        priority=case.get("priority"),
        assignee=str(entry["by"]) if reassigned else case.get("assignee"),
        sets=_sets(entry),
        note=entry.get("note"),
        case_id=str(case["id"]),
        links=[str(link) for link in entry.get("links") or []],
        replied=entry.get("replied") is True,
    )


def _replay_link(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    # The other case's entry may already have made both links.
    with contextlib.suppress(Refused):
        actions.link_cases(env, str(case["id"]), str(entry["case"]), note=entry.get("note"))


def _replay_move(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    actions.move_case(env, str(case["id"]), str(entry["to"]), note=entry.get("note"), sets=_sets(entry))


def _replay_assign(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    actions.assign_case(env, str(case["id"]), str(entry["assignee"]), note=entry.get("note"))


def _replay_note(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    actions.note_case(env, str(case["id"]), str(entry["note"]))


def _replay_set(env: Env, case: Mapping[str, Any], entry: Mapping[str, Any]) -> None:
    actions.update_case(env, str(case["id"]), _sets(entry), note=entry.get("note"))


# How each recorded action is replayed. Features that add actions add their replayer.
REPLAYERS: KeyedRegistry[Replayer] = KeyedRegistry(
    "init.REPLAYERS",
    {
        "open": _replay_open,
        "move": _replay_move,
        "assign": _replay_assign,
        "note": _replay_note,
        "set": _replay_set,
        "link": _replay_link,
    },
)


def example_cases() -> list[Mapping[str, Any]]:
    source = bundled(CASES_DIR)
    return [load_fast(path.read_bytes()) for path in iter_case_files(source.parent)]


def _entries(cases: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [entry for case in cases for entry in history_of(case)]


def replay_examples(root: Path, environ: dict[str, str], cases: list[Mapping[str, Any]] | None = None) -> int:
    cases = example_cases() if cases is None else cases
    events = [
        (str(entry["at"]), str(case["id"]), index, case, entry)
        for case in cases
        for index, entry in enumerate(history_of(case))
    ]
    # At one time, an opening first: the link entries it made in the cases it links to
    # (`new --link`) are replayed by it.
    events.sort(key=lambda e: (_instant(e[0]), e[4].get("action") != "open", e[1], e[2]))
    config = load_config(root)
    for at, _case_id, _index, case, entry in events:
        replay = REPLAYERS.get(str(entry.get("action")))
        if replay is None:
            raise CasekitError(
                _("example {case}: cannot replay action {action}").format(
                    case=case["id"], action=repr(entry.get("action"))
                )
            )
        env = Env(
            repo_flag=str(root),
            actor_flag=str(entry["by"]),
            environ={**environ, "CASEKIT_NOW": at},
            follow_ups=False,
            _config=config,
        )
        replay(env, case, entry)
    return len(cases)


def _instant(stamp: str) -> float:
    moment = stored_instant(stamp)
    if moment is None:
        raise CasekitError(
            _("example history time {stamp} is not a time with its offset").format(stamp=repr(stamp))
        )

    return moment.timestamp()


CI_FILES = {
    ".github/workflows/casekit.yml": "ci/github-actions.yml",
    ".gitlab-ci.yml": "ci/gitlab-ci.yml",
}


# where a wheel given to `init --casekit-source` is kept in the new repository
VENDOR_DIR = "ci"
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?((==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!_-]+,?)*$"
)
_URL = re.compile(r"^(git\+)?(https|ssh|http|file)://[^\s\"'`$\\]+$")


def install_source(given: str | None, cwd: Path) -> tuple[str, dict[str, bytes]]:
    """What the CI files `pip install` to get casekit, and the files that takes along.

    Nothing given: this casekit's version from the package index (`casekit==0.1.0`). A
    requirement (`casekit>=0.1,<0.2`) or a URL pip reads (`git+https://git.example.com/
    casekit.git@v0.1.0`, an https link to a wheel) is used as written. A wheel file is
    copied into the repository's `ci/` folder and installed from there, so the CI needs
    neither the index nor a network path to the team's build."""
    from casekit.version import __version__

    if not given or not given.strip():
        return f"casekit=={__version__}", {}
    text = given.strip()
    if text.endswith(".whl") and not _URL.match(text):
        wheel = cwd / Path(text).expanduser()
        if not wheel.is_file():
            raise Refused(
                _(
                    "--casekit-source {source}: there is no wheel file there; build one with "
                    "`python -m pip wheel --no-deps -w dist .` in the casekit checkout"
                ).format(source=text)
            )
        return f"./{VENDOR_DIR}/{wheel.name}", {f"{VENDOR_DIR}/{wheel.name}": wheel.read_bytes()}
    if _URL.match(text) or _REQUIREMENT.match(text):
        return text, {}
    raise Refused(
        _(
            "--casekit-source {source} is not a pip requirement, a URL or a wheel file; "
            "write it like casekit==0.1.0, git+https://host/casekit.git@v0.1.0 "
            "or dist/casekit-0.1.0-py3-none-any.whl"
        ).format(source=text)
    )


def ci_files(root: Path, requirement: str) -> dict[str, bytes]:
    """The CI files to add to the repository at `root`, installing casekit as `requirement`."""
    files = {}
    for target, source in CI_FILES.items():
        if (root / target).exists():
            continue
        text = (bundled("templates") / source).read_text(encoding="utf-8")
        files[target] = text.replace("@CASEKIT_SOURCE@", requirement).encode("utf-8")
    return files
