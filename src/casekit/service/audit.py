"""Does every case file's history agree with the commits that made it?

The comparison is pure (`casekit.core.change_rules.compare_history`: one case's history
entries against the commits that touched its file); `audit_repository` reads git once for
all commits and once for all files, then replays every commit as the server does
(rules replay and merge: each case file is what casekit writes for its entries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from casekit.codec.yamlio import YamlSyntaxError, load_fast
from casekit.core.change_rules import check_approvers, check_commit, compare_history, links_of, one_way_links
from casekit.core.commits import CommitRecord
from casekit.core.ids import CASES_DIR
from casekit.errors import Problem
from casekit.i18n import _
from casekit.store.configfile import read_config
from casekit.vcs import journal
from casekit.vcs.git import cat_objects, run_git
from casekit.vcs.history import read_commits


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
    from casekit.index import cache as index

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


# The rules of the server's check that `audit` runs over the whole history (the others are
# checked here in their own way, entry against commit).
_WHOLE_HISTORY_RULES = frozenset({"replay", "merge"})


def _replay_problems(root: Path) -> list[Problem]:
    """The server's replay of every commit since the first: each case file holds what
    casekit writes for its entries (`casekit.service.replay`), merges included."""
    from casekit.service.gitcheck import Trust, check_commits
    from casekit.service.merge import merged_content
    from casekit.vcs.history import read_range

    if run_git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).strip() == b"":
        return []
    commits = read_range(root, ["HEAD"])
    trust = Trust(merger=merged_content, older_derivations=True)
    found = check_commits(root, commits, trust, cases_only=True)
    return [v.as_problem() for v in found if v.rule in _WHOLE_HISTORY_RULES]


def audit_repository(root: Path) -> list[Problem]:
    config, _problems = read_config(root)
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
            problems.append(Problem(path, 1, _("not a case file")))
            continue
        history = by_file.get(path, [])
        ordered = sorted(history, key=lambda c: c.instant)
        for _rule, message in compare_history(case, ordered):
            problems.append(Problem(path, None, f"{case.get('id')}: {message}"))
        if config is not None:
            for _rule, message in check_approvers(case, config):
                problems.append(Problem(path, None, f"{case.get('id')}: {message}"))
    readable = {
        str(case.get("id")): (path, links_of(case)) for path, case in committed if isinstance(case, Mapping)
    }
    links_after: dict[str, Sequence[str] | None] = {
        case_id: links for case_id, (_, links) in readable.items()
    }
    changed: dict[str, tuple[Sequence[str], Sequence[str]]] = {
        case_id: ((), links) for case_id, (_, links) in readable.items()
    }
    for case_id, message in one_way_links(changed, links_after):
        problems.append(Problem(readable[case_id][0], None, f"{case_id}: {message}"))
    for path, history in by_file.items():
        if path not in present:
            last = history[-1]
            problems.append(
                Problem(
                    path, None, _("the case file was deleted by commit {commit}").format(commit=last.short)
                )
            )

    problems += _replay_problems(root)

    interrupted = journal.notice(root)
    if interrupted:
        pending = "/".join((".git", "casekit", journal.PENDING_FILE))
        problems.append(Problem(pending, None, interrupted))

    dirty = run_git(root, "status", "--porcelain", "--", CASES_DIR).decode().splitlines()
    for line in dirty:
        problems.append(
            Problem(line[3:], None, _("has changes that are not committed (audit checks commits)"))
        )

    return sorted(problems, key=lambda p: p.sort_key)
