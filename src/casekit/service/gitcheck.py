"""Checking commits against casekit's rules, for the server's pre-receive hook and for
`casekit audit --since REV` (the same checks, runnable in CI).

Reads git in a fixed number of processes whatever the number of commits: one `git log`
for the commits, one `git diff-tree --stdin` for what each changed, one `git cat-file
--batch` for every blob needed (the case files before and after, and the casekit.yaml
each commit is checked against), plus one `git log` for signatures when they matter.
The rules themselves are `casekit.core.change_rules`, pure.

Each commit is checked against the config of its first parent: the rules in force when it
was made. A change to casekit.yaml itself must be a supervisor's (rule config-change), so
nobody can push themselves a new role and use it in the same push.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casekit.codec.yamlio import YamlSyntaxError, load_fast
from casekit.core.change_rules import (
    Identity,
    Signature,
    Violation,
    case_path_of,
    check_case_change,
    check_config_change,
    check_merged_case,
    links_of,
    one_way_links,
    place,
    signature_findings,
)
from casekit.core.commits import CommitRecord
from casekit.core.config import CONFIG_FILE, Config, parse_config
from casekit.core.ids import CASES_DIR
from casekit.service.syncconfig import sync_settings
from casekit.vcs.git import ZERO_OID, cat_objects, is_ancestor, run_git
from casekit.vcs.history import read_range, read_signatures

_WATCHED = (f"{CASES_DIR}/", CONFIG_FILE)


@dataclass(frozen=True)
class FileChange:
    path: str
    old: str  # blob id, ZERO_OID when the file is new
    new: str  # blob id, ZERO_OID when the file is deleted


def is_case_path(path: str) -> bool:
    return path.startswith(f"{CASES_DIR}/") and path.endswith(".yaml")


def _parse_raw(tokens: list[str], start: int) -> tuple[list[FileChange], int]:
    changes = []
    pos = start
    while pos < len(tokens) and tokens[pos].startswith(":"):
        meta = tokens[pos][1:].split(" ")
        changes.append(FileChange(tokens[pos + 1], meta[2], meta[3]))
        pos += 2
    return changes, pos


def diff_commits(root: Path, shas: Sequence[str]) -> dict[str, list[FileChange]]:
    """What each (non-merge) commit changed in cases/ and casekit.yaml, from its parent."""
    if not shas:
        return {}
    out = run_git(
        root,
        "diff-tree",
        "--stdin",
        "-r",
        "-z",
        "--no-renames",
        "--root",
        "--",
        *_WATCHED,
        input="".join(f"{sha}\n" for sha in shas).encode(),
    ).decode("utf-8", "surrogateescape")
    tokens = [t for t in out.split("\0")]
    result: dict[str, list[FileChange]] = {sha: [] for sha in shas}
    pos = 0
    while pos < len(tokens):
        header = tokens[pos].strip()
        pos += 1
        if not header:
            continue
        changes, pos = _parse_raw(tokens, pos)
        result.setdefault(header, []).extend(changes)
    return result


def _diff_pair(root: Path, parent: str, commit: str) -> list[FileChange]:
    out = run_git(root, "diff-tree", "-r", "-z", "--no-renames", parent, commit, "--", *_WATCHED).decode(
        "utf-8", "surrogateescape"
    )
    changes, _ = _parse_raw([t for t in out.split("\0") if t], 0)
    return changes


class _Configs:
    """casekit.yaml as parsed at each blob, parsed once per distinct content."""

    def __init__(self) -> None:
        self._parsed: dict[str, Config | None] = {}

    def get(self, content: bytes | None) -> Config | None:
        if content is None:
            return None
        key = hashlib.sha1(content, usedforsecurity=False).hexdigest()
        if key not in self._parsed:
            try:
                config, _ = parse_config(content.decode("utf-8"), Path(CONFIG_FILE))
            except UnicodeDecodeError:
                config = None
            self._parsed[key] = config
        return self._parsed[key]


def check_commits(root: Path, commits: Sequence[CommitRecord]) -> list[Violation]:
    """Every rule, for every commit given (oldest first)."""
    singles = [c for c in commits if len(c.parents) <= 1]
    diffs = diff_commits(root, [c.sha for c in singles])
    merge_diffs = {
        c.sha: {p: _diff_pair(root, p, c.sha) for p in c.parents} for c in commits if len(c.parents) > 1
    }

    names: list[str] = []
    for commit in commits:
        base = commit.parents[0] if commit.parents else commit.sha
        names.append(f"{base}:{CONFIG_FILE}")
        if len(commit.parents) <= 1:
            for change in diffs.get(commit.sha, []):
                names += [n for n in (change.old, change.new) if n != ZERO_OID]
        else:
            for per_parent in merge_diffs[commit.sha].values():
                for change in per_parent:
                    names += [f"{p}:{change.path}" for p in commit.parents]
                    names.append(f"{commit.sha}:{change.path}")
    unique = list(dict.fromkeys(names))
    blobs = {
        name: (obj.content if obj is not None and obj.kind == "blob" else None)
        for name, obj in zip(unique, cat_objects(root, unique), strict=True)
    }
    configs = _Configs()

    violations: list[Violation] = []
    wanting_signatures: list[tuple[CommitRecord, str, bool, Config]] = []
    linking: list[tuple[CommitRecord, list[FileChange], Config]] = []
    for commit in commits:
        base = commit.parents[0] if commit.parents else commit.sha
        config = configs.get(blobs.get(f"{base}:{CONFIG_FILE}"))
        parent_config = config if commit.parents else None
        author = Identity(commit.author_name, commit.author_email)
        if len(commit.parents) > 1:
            violations += _check_merge(commit, merge_diffs[commit.sha], blobs, config)
            continue
        changes = diffs.get(commit.sha, [])
        if not changes:
            continue
        if config is None:
            violations.append(
                Violation(
                    CONFIG_FILE,
                    "",
                    "config",
                    f"there is no usable {CONFIG_FILE} to check this commit against",
                    commit=commit.sha,
                )
            )
            continue
        privileged = False
        first_path = changes[0].path
        for change in changes:
            old = blobs.get(change.old) if change.old != ZERO_OID else None
            new = blobs.get(change.new) if change.new != ZERO_OID else None
            if change.path == CONFIG_FILE:
                privileged = True
                if parent_config is not None:
                    findings = check_config_change(parent_config, new, author)
                    violations += place(CONFIG_FILE, findings, commit=commit.sha)
            elif is_case_path(change.path):
                report = check_case_change(change.path, old, new, config, author, commit)
                privileged = privileged or report.privileged
                violations += place(change.path, report, commit=commit.sha)
        linking.append((commit, [c for c in changes if is_case_path(c.path)], config))
        mode = sync_settings(config).signed
        if mode != "none":
            wanting_signatures.append((commit, first_path, privileged, config))

    violations += _link_violations(root, linking, blobs)

    if wanting_signatures:
        signatures = _signatures(root, [c.sha for c, *_ in wanting_signatures])
        for commit, path, privileged, config in wanting_signatures:
            findings = signature_findings(
                sync_settings(config).signed,
                privileged,
                signatures.get(commit.sha),
                Identity(commit.author_name, commit.author_email),
                config,
            )
            violations += place(path, findings, commit=commit.sha)
    return violations


def _load(content: bytes | None) -> Any:
    if content is None:
        return None
    try:
        return load_fast(content)
    except YamlSyntaxError:
        return None  # reported by the case checks


def _link_violations(
    root: Path,
    linking: Sequence[tuple[CommitRecord, list[FileChange], Config]],
    blobs: dict[str, bytes | None],
) -> list[Violation]:
    """Links go both ways in the same commit: a commit that adds a link from one case to
    another leaves the other linking back (read in that commit's tree when it did not
    change it). One more `git cat-file --batch` for those other cases, whatever their number."""
    per_commit = []
    wanted: list[str] = []
    for commit, changes, config in linking:
        changed: dict[str, tuple[list[str], list[str]]] = {}
        after: dict[str, list[str] | None] = {}
        paths: dict[str, str] = {}
        for change in changes:
            stem = change.path.rsplit("/", 1)[-1].removesuffix(".yaml")
            old = _load(blobs.get(change.old)) if change.old != ZERO_OID else None
            new = _load(blobs.get(change.new)) if change.new != ZERO_OID else None
            if new is None:
                continue
            changed[stem] = (links_of(old), links_of(new))
            after[stem] = links_of(new)
            paths[stem] = change.path
        others: dict[str, str] = {}
        for _, links in changed.values():
            for link in links:
                path = case_path_of(config, link)
                if link not in after and path is not None:
                    others[link] = f"{commit.sha}:{path}"
        wanted += others.values()
        per_commit.append((commit, changed, after, paths, others))
    if not any(changed for _, changed, *_ in per_commit):
        return []
    unique = list(dict.fromkeys(wanted))
    found = {
        name: (obj.content if obj is not None and obj.kind == "blob" else None)
        for name, obj in zip(unique, cat_objects(root, unique), strict=True)
    }
    violations = []
    for commit, changed, after, paths, others in per_commit:
        links_after: dict[str, Sequence[str] | None] = dict(after)
        for link, name in others.items():
            data = _load(found.get(name))
            links_after[link] = links_of(data) if data is not None else None
        for case_id, message in one_way_links(changed, links_after):
            violations.append(Violation(paths[case_id], case_id, "links", message, commit=commit.sha))
    return violations


def _check_merge(
    commit: CommitRecord,
    per_parent: dict[str, list[FileChange]],
    blobs: dict[str, bytes | None],
    config: Config | None,
) -> list[Violation]:
    paths = sorted({c.path for changes in per_parent.values() for c in changes if is_case_path(c.path)})
    if not paths or config is None:
        return []
    violations: list[Violation] = []
    for path in paths:
        parents = [blobs.get(f"{p}:{path}") for p in commit.parents]
        report = check_merged_case(path, parents, blobs.get(f"{commit.sha}:{path}"), config)
        violations += place(path, report, commit=commit.sha)
    return violations


def _signatures(root: Path, shas: Sequence[str]) -> dict[str, Signature]:
    return {sha: Signature(status, signer) for sha, (status, signer) in read_signatures(root, shas).items()}


@dataclass(frozen=True)
class RefUpdate:
    old: str
    new: str
    ref: str


def parse_updates(lines: Iterable[str]) -> list[RefUpdate]:
    updates = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3:
            updates.append(RefUpdate(*parts))
    return updates


def check_ref_updates(root: Path, updates: Sequence[RefUpdate], protected_ref: str) -> list[Violation]:
    """The shared branch only moves forward: never deleted, never rewritten."""
    branch = protected_ref.removeprefix("refs/heads/")
    violations = []
    for update in updates:
        if update.ref != protected_ref:
            continue
        if update.new == ZERO_OID:
            violations.append(
                Violation(
                    update.ref,
                    "",
                    "no-delete",
                    f"the push deletes {branch}, the shared branch; its history is the audit trail "
                    "and is never deleted",
                )
            )
        elif update.old != ZERO_OID and not is_ancestor(root, update.old, update.new):
            violations.append(
                Violation(
                    update.ref,
                    "",
                    "no-rewrite",
                    f"the push rewrites the history of {branch} ({update.old[:10]} is not in the new "
                    f"history {update.new[:10]}); never force-push: run `casekit sync`, which rebases "
                    "your commits on the shared ones, and push again",
                    commit=update.new,
                )
            )
    return violations


def pre_receive(root: Path, lines: Iterable[str]) -> list[Violation]:
    """Everything wrong with a push: its ref updates and every commit it brings."""
    updates = parse_updates(lines)
    policy = _policy_config(root, updates)
    violations = check_ref_updates(root, updates, sync_settings(policy).protected_ref)
    tips = [u.new for u in updates if u.new != ZERO_OID]
    if tips:
        commits = read_range(root, [*dict.fromkeys(tips), "--not", "--all"])
        violations += check_commits(root, commits)
    return violations


def _policy_config(root: Path, updates: Sequence[RefUpdate]) -> Config | None:
    """The config the server already has (on its HEAD branch); for a first push, the pushed one."""
    names = [f"HEAD:{CONFIG_FILE}", *(f"{u.new}:{CONFIG_FILE}" for u in updates if u.new != ZERO_OID)]
    for obj in cat_objects(root, names):
        if obj is not None and obj.kind == "blob":
            return _Configs().get(obj.content)
    return None


def audit_since(root: Path, revision: str) -> list[Violation]:
    """The pre-receive checks for every commit in REVISION..HEAD."""
    from casekit.errors import UsageError

    if run_git(root, "rev-parse", "--verify", "-q", f"{revision}^{{commit}}", check=False).strip() == b"":
        raise UsageError(
            f"--since {revision}: no such commit; give a commit, tag or branch such as origin/main"
        )
    return check_commits(root, read_range(root, [f"{revision}..HEAD"]))
