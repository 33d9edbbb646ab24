"""Does every case file's history agree with the commits that made it?

`compare_history` is pure: one case's history entries against the commits that touched
its file. `audit_repository` reads git once for all commits and once for all files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from casekit.casefile import HISTORY_ACTIONS, history_of
from casekit.config import Config, read_config
from casekit.errors import Problem
from casekit.history import CommitRecord, read_commits
from casekit.store import CASES_DIR
from casekit.vcs import cat_objects, run_git
from casekit.workflow import APPROVER_ROLE
from casekit.yamlio import YamlSyntaxError, load_fast


def _same_instant(a: Any, b: str) -> bool:
    try:
        return datetime.fromisoformat(str(a)) == datetime.fromisoformat(b)
    except ValueError:
        return False


def _describe(entry: Mapping[str, Any]) -> str:
    action = entry.get("action")
    if action == "move":
        return f"move {entry.get('from')} -> {entry.get('to')} at {entry.get('at')}"
    return f"{action} at {entry.get('at')}"


def compare_entry(entry: Mapping[str, Any], commit: CommitRecord, *, check_time: bool = True) -> list[str]:
    """How one history entry differs from the commit that should have recorded it
    (`check_time=False` before the commit exists, in the commit-msg hook)."""
    differences = []
    expected = {
        "action": commit.trailer("Case-Action"),
        "from": commit.trailer("Case-From"),
        "to": commit.trailer("Case-To"),
    }
    for key, value in expected.items():
        if value is not None and str(entry.get(key)) != value:
            differences.append(f"{key} is {entry.get(key)!r} but the commit says {value!r}")
        if value is None and key != "action" and entry.get(key) is not None:
            differences.append(f"{key} is {entry.get(key)!r} but the commit records none")
    if check_time and not _same_instant(entry.get("at"), commit.when):
        differences.append(f"time is {entry.get('at')} but the commit was made at {commit.when}")
    actor = commit.trailer("Case-Actor") or ""
    if str(entry.get("by")) != actor.split(" <")[0]:
        differences.append(f"by is {entry.get('by')!r} but the commit's actor is {actor!r}")
    if (entry.get("note") or "").strip() != commit.note.strip():
        differences.append("the note differs from the commit message")
    approver = commit.trailer("Case-Approved-By")
    recorded = entry.get("approved_by")
    if approver is None and recorded is not None:
        differences.append(f"approved_by is {recorded!r} but the commit has no Case-Approved-By trailer")
    elif approver is not None and recorded is None:
        differences.append(f"the commit says Case-Approved-By: {approver} but the entry records no approval")
    elif approver is not None and str(recorded) != approver.split(" <")[0]:
        differences.append(f"approved_by is {recorded!r} but the commit's Case-Approved-By is {approver!r}")
    return differences


def check_approvers(case: Mapping[str, Any], config: Config) -> list[tuple[int, str]]:
    """History entries approved by someone the config does not name as a supervisor."""
    findings = []
    for position, entry in enumerate(history_of(case)):
        login = entry.get("approved_by")
        if login is None:
            continue
        person = config.person(str(login))
        if person is None or not person.has_role(APPROVER_ROLE):
            findings.append(
                (
                    position,
                    f"history entry {position + 1} ({_describe(entry)}) is approved by {login!r}, "
                    f"who is not a {APPROVER_ROLE} in casekit.yaml",
                )
            )
    return findings


def compare_history(case: Mapping[str, Any], commits: Sequence[CommitRecord]) -> list[tuple[int | None, str]]:
    """(history index or None, message) for each disagreement between file and commits."""
    findings: list[tuple[int | None, str]] = []
    history = history_of(case)
    for position, (entry, commit) in enumerate(zip(history, commits, strict=False)):
        differences = compare_entry(entry, commit)
        if differences:
            findings.append(
                (
                    position,
                    f"history entry {position + 1} ({_describe(entry)}) disagrees with "
                    f"commit {commit.short}: {'; '.join(differences)}",
                )
            )
    for position in range(len(commits), len(history)):
        findings.append(
            (
                position,
                f"history entry {position + 1} ({_describe(history[position])}) "
                "has no commit: it was written by hand",
            )
        )
    for commit in commits[len(history) :]:
        findings.append(
            (
                None,
                f"commit {commit.short} ({commit.subject}) is missing from the history: "
                "an entry was removed by hand",
            )
        )
    return findings


def check_commit(commit: CommitRecord, case_files: Sequence[str]) -> list[str]:
    """A commit that changes case files must be casekit's: trailers naming that case."""
    if not case_files:
        return []
    case_ids = commit.trailer_values("Case-Id")
    action = commit.trailer("Case-Action")
    problems = []
    if not case_ids or action is None:
        return [
            f"commit {commit.short} ({commit.subject}) changes {', '.join(case_files)} "
            "without casekit trailers; changes to cases must be made with casekit"
        ]
    if action not in HISTORY_ACTIONS:
        problems.append(f"commit {commit.short} has an unknown Case-Action {action!r}")
    for path in case_files:
        stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem not in case_ids:
            problems.append(
                f"commit {commit.short} changes {path} but its trailers name {', '.join(case_ids)}"
            )
    return problems


def _layout_only(root: Path, commit: CommitRecord, case_files: Sequence[str]) -> bool:
    """The commit changed only comments or layout of these case files, not their data."""
    if len(commit.parents) != 1:
        return False
    names = [f"{rev}:{path}" for path in case_files for rev in (commit.parents[0], commit.sha)]
    blobs = cat_objects(root, names)
    for before, after in zip(blobs[::2], blobs[1::2], strict=True):
        if before is None or after is None:
            return False
        try:
            if load_fast(before.content) != load_fast(after.content):
                return False
        except YamlSyntaxError:
            return False
    return True


def _committed_cases(root: Path) -> list[tuple[str, Any]]:
    """Every case file in HEAD with its parsed content (or the YAML error), in path order.

    Files whose committed blob is the one the query index holds come from the index;
    only the others are read from git and parsed here."""
    listing = run_git(root, "ls-tree", "-r", "-z", "HEAD", "--", CASES_DIR, check=False)
    blobs: dict[str, str] = {}
    for item in listing.decode("utf-8", "surrogateescape").split("\0"):
        head, _, path = item.partition("\t")
        fields = head.split(" ")
        if path.endswith(".yaml") and len(fields) == 3 and fields[1] == "blob":
            blobs[path] = fields[2]
    known: dict[str, Any] = {}
    from casekit import index

    if blobs and index.enabled() and index.usable(root):
        known = index.with_index(root, lambda i: i.data_for_blobs(blobs), outline=False)
    missing = [p for p in blobs if p not in known]
    for path, blob in zip(missing, cat_objects(root, [f"HEAD:{p}" for p in missing]), strict=True):
        if blob is None:
            continue
        try:
            known[path] = load_fast(blob.content)
        except YamlSyntaxError as exc:
            known[path] = exc
    return [(path, known[path]) for path in sorted(blobs) if path in known]


def audit_repository(root: Path) -> list[Problem]:
    config, _ = read_config(root)
    commits = read_commits(root, (CASES_DIR,))
    by_file: dict[str, list[CommitRecord]] = {}
    problems: list[Problem] = []
    for commit in commits:
        case_files = [f for f in commit.files if f.startswith(f"{CASES_DIR}/") and f.endswith(".yaml")]
        commit_problems = check_commit(commit, case_files)
        untrailered = commit.trailer("Case-Action") is None
        if commit_problems and untrailered and _layout_only(root, commit, case_files):
            continue  # comments or layout edited by hand: the same data, nothing to record
        for message in commit_problems:
            problems.append(Problem(case_files[0] if case_files else CASES_DIR, None, message))
        if commit.trailer("Case-Action") is None:
            continue  # already reported; it cannot vouch for any history entry
        for path in case_files:
            by_file.setdefault(path, []).append(commit)

    committed = _committed_cases(root)
    present = set()
    for path, case in committed:
        present.add(path)
        if isinstance(case, YamlSyntaxError):
            problems.append(Problem(path, case.line, str(case)))
            continue
        if not isinstance(case, Mapping):
            problems.append(Problem(path, 1, "not a case file"))
            continue
        history = by_file.get(path, [])
        ordered = sorted(history, key=lambda c: datetime.fromisoformat(c.when))
        for _, message in compare_history(case, ordered):
            problems.append(Problem(path, None, f"{case.get('id')}: {message}"))
        if config is not None:
            for _, message in check_approvers(case, config):
                problems.append(Problem(path, None, f"{case.get('id')}: {message}"))
    for path, history in by_file.items():
        if path not in present:
            last = history[-1]
            problems.append(Problem(path, None, f"the case file was deleted by commit {last.short}"))

    dirty = run_git(root, "status", "--porcelain", "--", CASES_DIR).decode().splitlines()
    for line in dirty:
        problems.append(Problem(line[3:], None, "has changes that are not committed (audit checks commits)"))
    return sorted(problems)
