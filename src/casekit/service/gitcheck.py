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

import dataclasses
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casekit.codec.yamlio import YamlSyntaxError, load_fast
from casekit.core.change_rules import (
    ChangeFinding,
    Clock,
    Identity,
    Signature,
    Violation,
    case_path_of,
    check_case_change,
    check_config_change,
    check_merged_case,
    links_of,
    one_way_links,
    person_for,
    place,
    signature_findings,
    updated_findings,
)
from casekit.core.commits import CommitRecord
from casekit.core.config import CONFIG_FILE, Config, Person, parse_config
from casekit.core.duplicates import merge_findings
from casekit.core.ids import CASES_DIR
from casekit.core.timeutil import parse_datetime
from casekit.core.tree_rules import (
    ALLOWED_SIGNERS_FILE,
    attached_files,
    is_attachment,
    is_protected,
    merge_changes,
    tree_findings,
)
from casekit.core.workflow import APPROVER_ROLE
from casekit.i18n import _
from casekit.service.replay import derived_by_this_version, replay_differences_between, replayer
from casekit.service.syncconfig import pusher_from, sync_settings
from casekit.vcs.git import ZERO_OID, cat_objects, is_ancestor, run_git
from casekit.vcs.history import read_range, read_signatures
from casekit.vcs.treediff import blob_digests, tree_changes

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


Merger = Callable[[str, bytes | None, bytes, bytes, Config], tuple[bytes | None, str]]


@dataclass(frozen=True)
class Trust:
    """What a push is judged by: the config the server had before it (who is who, which
    branch is protected, what must be signed), the login the server authenticated (None:
    the server does not say) and the server's clock. `audit --since` has no pusher and no
    clock, and takes the config at the revision it starts from."""

    policy: Config | None = None
    pusher: str | None = None
    clock: Clock | None = None
    # the revision whose allowed-signers file checks SSH signatures (None: git's own config)
    signers_revision: str | None = None
    # casekit's merge of a case file (`service.merge`, given by the caller so this module
    # stays below it): (path, base, ours, theirs, config) -> (merged bytes or None, conflict)
    merger: Merger | None = None
    # the whole-history audit: commits an older casekit made (`Case-Derived:` trailer) are
    # held to what they record, not to the deadlines this casekit would derive for them
    older_derivations: bool = False


def _rules_config(parent_config: Config | None, policy: Config | None) -> Config | None:
    """The workflow a commit is checked against is its parent's; who may do what (people,
    roles) comes from the trusted config."""
    if parent_config is None or policy is None:
        return parent_config
    return dataclasses.replace(parent_config, people=policy.people)


def check_commits(
    root: Path, commits: Sequence[CommitRecord], trust: Trust | None = None, *, cases_only: bool = False
) -> list[Violation]:
    """Every rule, for every commit given (oldest first); `cases_only`: only the rules of
    each case file's change (no links, tree, identity or signatures), for `casekit audit`."""
    trust = trust or Trust()
    singles = [c for c in commits if len(c.parents) <= 1]
    diffs = diff_commits(root, [c.sha for c in singles])
    merges = [c for c in commits if len(c.parents) > 1]
    merge_diffs = {c.sha: _diff_pair(root, c.parents[0], c.sha) for c in merges}
    merge_bases = {c.sha: _merge_base(root, c.parents) for c in merges}

    names: list[str] = []
    for commit in commits:
        base = commit.parents[0] if commit.parents else commit.sha
        names.append(f"{base}:{CONFIG_FILE}")
        if len(commit.parents) <= 1:
            for change in diffs.get(commit.sha, []):
                names += [n for n in (change.old, change.new) if n != ZERO_OID]
        else:
            for change in merge_diffs[commit.sha]:
                names += [f"{p}:{change.path}" for p in commit.parents]
                names.append(f"{commit.sha}:{change.path}")
                if merge_bases[commit.sha]:
                    names.append(f"{merge_bases[commit.sha]}:{change.path}")
    unique = list(dict.fromkeys(names))
    blobs = {
        name: (obj.content if obj is not None and obj.kind == "blob" else None)
        for name, obj in zip(unique, cat_objects(root, unique), strict=True)
    }
    configs = _Configs()
    policy = trust.policy
    pusher_person = policy.person_on_server(trust.pusher) if policy and trust.pusher else None

    violations: list[Violation] = []
    if trust.pusher and policy is not None and policy.people and pusher_person is None:
        violations.append(
            Violation(
                CONFIG_FILE,
                "",
                "identity",
                _(
                    "the server login {login} that pushed is no person's in casekit.yaml; a "
                    "supervisor adds it to that person's people.<login>.logins"
                ).format(login=repr(trust.pusher)),
            )
        )
    judged: list[tuple[CommitRecord, str, bool, Config]] = []
    linking: list[tuple[CommitRecord, list[FileChange], Config]] = []
    for commit in commits:
        base = commit.parents[0] if commit.parents else commit.sha
        parent_config = configs.get(blobs.get(f"{base}:{CONFIG_FILE}")) if commit.parents else None
        config = _rules_config(configs.get(blobs.get(f"{base}:{CONFIG_FILE}")), policy)
        author = Identity(commit.author_name, commit.author_email)
        if len(commit.parents) > 1:
            changes = _own_changes(commit, merge_diffs[commit.sha], blobs)
        else:
            changes = diffs.get(commit.sha, [])
        if not changes:
            if config is not None:
                judged.append((commit, "", False, config))
            continue
        if config is None:
            violations.append(
                Violation(
                    CONFIG_FILE,
                    "",
                    "config",
                    _("there is no usable {config} to check this commit against").format(config=CONFIG_FILE),
                    commit=commit.sha,
                )
            )
            continue
        privileged = False
        first_path = changes[0].path
        derived = not trust.older_derivations or derived_by_this_version(commit)
        for change in changes:
            old = blobs.get(change.old) if change.old != ZERO_OID else None
            new = blobs.get(change.new) if change.new != ZERO_OID else None
            if len(commit.parents) > 1:
                old = blobs.get(f"{commit.parents[0]}:{change.path}")
                new = blobs.get(f"{commit.sha}:{change.path}")
            if change.path == CONFIG_FILE:
                privileged = True
                if parent_config is not None:
                    judge = _rules_config(parent_config, policy)
                    violations += place(
                        CONFIG_FILE, check_config_change(judge, new, author), commit=commit.sha
                    )
            elif is_case_path(change.path) and len(commit.parents) > 1:
                violations += _check_merged(
                    commit, change.path, blobs, merge_bases[commit.sha], config, trust.merger, derived
                )
            elif is_case_path(change.path):
                report = check_case_change(
                    change.path,
                    old,
                    new,
                    config,
                    author,
                    commit,
                    replay=replayer(config, derived=derived),
                    clock=trust.clock,
                )
                privileged = privileged or report.privileged
                violations += place(change.path, report, commit=commit.sha)
        if len(commit.parents) <= 1:
            linking.append((commit, [c for c in changes if is_case_path(c.path)], config))
        judged.append((commit, first_path, privileged, config))

    violations += _duplicate_violations(linking, blobs)
    if cases_only:
        return violations
    violations += _link_violations(root, linking, blobs)
    violations += _updated_violations(linking, blobs)
    tree_violations, touching = _tree_violations(root, commits, diffs, merge_diffs, blobs, configs, policy)
    violations += tree_violations
    judged = [(c, path, privileged or c.sha in touching, config) for c, path, privileged, config in judged]
    violations += _identity_violations(root, judged, trust, pusher_person)
    return violations


def _tree_violations(
    root: Path,
    commits: Sequence[CommitRecord],
    diffs: Mapping[str, list[FileChange]],
    merge_diffs: Mapping[str, list[FileChange]],
    blobs: dict[str, bytes | None],
    configs: _Configs,
    policy: Config | None,
) -> tuple[list[Violation], set[str]]:
    """The rest of the tree (`casekit.core.tree_rules`): no symbolic links or submodules,
    protected paths changed by supervisors only, attachments added only with their attach
    entry and never changed or deleted. Returns the findings and the commits that change a
    protected path (a supervisor's change, for the signing rule)."""
    pairs: list[tuple[str, str | None]] = []
    for commit in commits:
        pairs += [(commit.sha, parent) for parent in commit.parents] or [(commit.sha, None)]
    listed = iter(tree_changes(root, pairs))
    per_commit = []
    for commit in commits:
        lists = [next(listed) for _ in commit.parents] or [next(listed)]
        per_commit.append((commit, merge_changes(lists) if len(lists) > 1 else lists[0]))
    added = [c.new_blob for _, changes in per_commit for c in changes if c.added and is_attachment(c.path)]
    digests = blob_digests(root, added) if added else {}
    violations: list[Violation] = []
    touching: set[str] = set()
    for commit, changes in per_commit:
        if any(is_protected(c.path) for c in changes):
            touching.add(commit.sha)
        base = commit.parents[0] if commit.parents else commit.sha
        config = _rules_config(configs.get(blobs.get(f"{base}:{CONFIG_FILE}")), policy)
        author = person_for(config, Identity(commit.author_name, commit.author_email)) if config else None
        supervisor = author is not None and author.has_role(APPROVER_ROLE)
        attached: dict[str, str] = {}
        case_changes = (
            diffs.get(commit.sha, []) if len(commit.parents) <= 1 else merge_diffs.get(commit.sha, [])
        )
        for change in case_changes:
            if not is_case_path(change.path):
                continue
            if len(commit.parents) > 1:
                old, new = (
                    _load(blobs.get(f"{commit.parents[0]}:{change.path}")),
                    _load(blobs.get(f"{commit.sha}:{change.path}")),
                )
            else:
                old = _load(blobs.get(change.old)) if change.old != ZERO_OID else None
                new = _load(blobs.get(change.new)) if change.new != ZERO_OID else None
            if isinstance(new, Mapping):
                attached |= attached_files(old if isinstance(old, Mapping) else None, new)
        for finding in tree_findings(changes, supervisor=supervisor, attached=attached, blob_sha256=digests):
            violations.append(Violation(finding.path, "", finding.rule, finding.message, commit=commit.sha))
    return violations, touching


def _merge_base(root: Path, parents: Sequence[str]) -> str | None:
    if len(parents) != 2:
        return None
    out = run_git(root, "merge-base", parents[0], parents[1], check=False).decode().strip()
    return out or None


def _own_changes(
    commit: CommitRecord, changes: Sequence[FileChange], blobs: dict[str, bytes | None]
) -> list[FileChange]:
    """What a merge changes relative to its first parent that no other parent brings as it
    is: the merge's own change, judged as one change by the person who merged."""
    own = []
    for change in changes:
        merged = blobs.get(f"{commit.sha}:{change.path}")
        if is_case_path(change.path) or all(
            blobs.get(f"{p}:{change.path}") != merged for p in commit.parents[1:]
        ):
            own.append(change)
    return own


def _check_merged(
    commit: CommitRecord,
    path: str,
    blobs: dict[str, bytes | None],
    base: str | None,
    config: Config,
    merger: Merger | None,
    derived: bool = True,
) -> list[Violation]:
    """A case file in a merge holds what casekit's merge of the two sides makes (its
    derived data too, unless `derived` is False)."""
    parents = [blobs.get(f"{p}:{path}") for p in commit.parents]
    merged = blobs.get(f"{commit.sha}:{path}")
    report = check_merged_case(path, parents, merged, config)
    violations = place(path, report, commit=commit.sha)
    if violations or merged is None:
        return violations
    if any(content == merged for content in parents):
        return []  # one side's version, as it is
    if len(commit.parents) != 2 or parents[0] is None or parents[1] is None:
        return [
            Violation(
                path,
                report.case_id,
                "merge",
                _(
                    "the merge writes a version of the case that neither side has; casekit merges two "
                    "sides at a time: merge with `casekit sync`"
                ),
                commit=commit.sha,
            )
        ]
    content, conflict = (None, _("casekit's merge is not at hand")) if merger is None else (None, "")
    if merger is not None:
        content, conflict = merger(
            path, blobs.get(f"{base}:{path}") if base else None, parents[0], parents[1], config
        )
    if content is not None and _load(content) == _load(merged):
        return []
    differences = (
        replay_differences_between(_load(content), _load(merged), derived=derived)
        if content is not None
        else []
    )
    why = "; ".join(differences[:3]) if differences else (conflict or _("it differs"))
    return [
        Violation(
            path,
            report.case_id,
            "merge",
            _(
                "the merge's version of the case is not what casekit's merge of the two sides makes ({why}); "
                "merge with `casekit sync`, which settles case files itself"
            ).format(why=why),
            commit=commit.sha,
        )
    ]


def _identity_violations(
    root: Path,
    judged: Sequence[tuple[CommitRecord, str, bool, Config]],
    trust: Trust,
    pusher_person: Person | None,
) -> list[Violation]:
    """Each commit is its author's: pushed by them (the server says who pushed), or signed
    by them. With no pusher known, `sync.signed` says which commits must be signed."""
    mode = sync_settings(trust.policy).signed if trust.policy is not None else None
    wanting = []
    for commit, path, privileged, config in judged:
        signed = mode or sync_settings(config).signed
        author = person_for(config, Identity(commit.author_name, commit.author_email))
        if trust.pusher is not None:
            if pusher_person is None:
                continue  # the whole push is refused already
            if author is not None and author == pusher_person and signed != "all":
                continue
        elif signed == "none" or (signed == "supervisor" and not privileged):
            continue
        wanting.append((commit, path, privileged, config, signed, author))
    if not wanting:
        return []
    signatures = _signatures(root, [c.sha for c, *_ in wanting], trust)
    violations = []
    for commit, path, privileged, config, signed, author in wanting:
        identity = Identity(commit.author_name, commit.author_email)
        signature = signatures.get(commit.sha)
        if trust.pusher is not None and (author is None or author != pusher_person):
            findings = signature_findings("all", True, signature, identity, config)
            if findings:
                who = author.login if author is not None else str(identity)
                findings = [
                    ChangeFinding(
                        "identity",
                        _(
                            "the commit is {author}'s but {pusher} pushed it, and it carries no good "
                            "signature of {author}'s ({finding}); each person pushes their own "
                            "changes, or signs them (`casekit keys setup`)"
                        ).format(author=who, pusher=trust.pusher, finding=findings[0].message),
                    )
                ]
        else:
            findings = signature_findings(signed, privileged, signature, identity, config)
        violations += place(path or CONFIG_FILE, findings, commit=commit.sha)
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
        for _path, links in changed.values():
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


def _updated_violations(
    linking: Sequence[tuple[CommitRecord, list[FileChange], Config]], blobs: dict[str, bytes | None]
) -> list[Violation]:
    """A case a commit updated (`Case-Updated`) records what the action did to the case
    acted on (`change_rules.updated_findings`), both read from the commit's own changes."""
    violations = []
    for commit, changes, _config in linking:
        names = set(commit.trailer_values("Case-Updated"))
        if not names:
            continue
        acted_id = commit.trailer("Case-Id")
        acted: Any = None
        updated: dict[str, tuple[Any, Any]] = {}
        paths: dict[str, str] = {}
        for change in changes:
            stem = change.path.rsplit("/", 1)[-1].removesuffix(".yaml")
            new = _load(blobs.get(change.new)) if change.new != ZERO_OID else None
            if stem == acted_id:
                acted = new if isinstance(new, Mapping) else None
            elif stem in names:
                old = _load(blobs.get(change.old)) if change.old != ZERO_OID else None
                updated[stem] = (
                    old if isinstance(old, Mapping) else None,
                    new if isinstance(new, Mapping) else None,
                )
                paths[stem] = change.path
        for case_id, message in updated_findings(commit, acted, updated):
            violations.append(Violation(paths[case_id], case_id, "updated", message, commit=commit.sha))
    return violations


def _duplicate_violations(
    linking: Sequence[tuple[CommitRecord, list[FileChange], Config]], blobs: dict[str, bytes | None]
) -> list[Violation]:
    """A merge of duplicates, or its undoing, writes what `casekit merge`/`unmerge` writes
    across its cases (`duplicates.merge_findings`), read from the commit's own changes."""
    violations = []
    for commit, changes, _config in linking:
        if commit.trailer("Case-Action") not in ("merge", "unmerge") and not any(
            marker in (blobs.get(c.new) or b"") for c in changes for marker in (b"merge", b"refollow")
        ):
            continue  # no entry of a merge is written here (parsing every file would cost)
        cases: dict[str, tuple[Any, Any]] = {}
        paths: dict[str, str] = {}
        for change in changes:
            stem = change.path.rsplit("/", 1)[-1].removesuffix(".yaml")
            old = _load(blobs.get(change.old)) if change.old != ZERO_OID else None
            new = _load(blobs.get(change.new)) if change.new != ZERO_OID else None
            cases[stem] = (
                old if isinstance(old, Mapping) else None,
                new if isinstance(new, Mapping) else None,
            )
            paths[stem] = change.path
        for case_id, message in merge_findings(commit, cases):
            path = paths.get(case_id) or next(iter(paths.values()), "")
            violations.append(Violation(path, case_id, "merge-cases", message, commit=commit.sha))
    return violations


def _signatures(root: Path, shas: Sequence[str], trust: Trust) -> dict[str, Signature]:
    """Each commit's signature, SSH keys checked against the allowed-signers file of the
    trusted revision (what the server had before the push), when it has one."""
    found = (
        cat_objects(root, [f"{trust.signers_revision}:{ALLOWED_SIGNERS_FILE}"])
        if trust.signers_revision
        else [None]
    )
    allowed = found[0].content if found[0] is not None and found[0].kind == "blob" else None
    read = read_signatures(root, shas, allowed_signers=allowed)
    return {sha: Signature(status, signer) for sha, (status, signer) in read.items()}


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
                    _(
                        "the push deletes {branch}, the shared branch; its history is the audit trail "
                        "and is never deleted"
                    ).format(branch=branch),
                )
            )
        elif update.old != ZERO_OID and not is_ancestor(root, update.old, update.new):
            violations.append(
                Violation(
                    update.ref,
                    "",
                    "no-rewrite",
                    _(
                        "the push rewrites the history of {branch} ({old} is not in the new "
                        "history {new}); never force-push: run `casekit sync`, which rebases "
                        "your commits on the shared ones, and push again"
                    ).format(branch=branch, old=update.old[:10], new=update.new[:10]),
                    commit=update.new,
                )
            )
    return violations


def moved_refs(root: Path, updates: Sequence[RefUpdate]) -> list[RefUpdate]:
    """The updates whose ref no longer stands where the push found it: another push landed
    first, and git will refuse these whatever the checks say."""
    if not updates:
        return []
    names = [u.ref for u in updates]
    out = run_git(root, "for-each-ref", "--format=%(objectname) %(refname)", *names, check=False).decode()
    now = {ref: oid for oid, _space, ref in (line.partition(" ") for line in out.splitlines())}
    return [u for u in updates if now.get(u.ref, ZERO_OID) != u.old]


def pre_receive(
    root: Path, lines: Iterable[str], environ: Mapping[str, str] | None = None, merger: Merger | None = None
) -> tuple[list[Violation], list[str]]:
    """Everything wrong with a push, its ref updates and every commit it brings, judged by
    the config the server had before it; and lines to tell the pusher."""
    environ = os.environ if environ is None else environ
    updates = parse_updates(lines)
    policy = _policy_config(root, updates)
    settings = sync_settings(policy)
    violations = check_ref_updates(root, updates, settings.protected_ref)
    pusher = pusher_from(environ, settings)
    notes = []
    if pusher is None and policy is not None and policy.people:
        notes.append(
            _(
                "casekit: the server does not say who pushed (no REMOTE_USER, GL_USER, GL_USERNAME or "
                "GITEA_PUSHER_NAME); commits are trusted by their signatures (sync.signed: {signed})"
            ).format(signed=settings.signed)
        )
    # A push to a repository on the same machine (a path or file:// remote) runs this hook in
    # the pusher's own process: its clock is the pusher's, and only entry order is checked.
    on_server = pusher is not None or bool(environ.get("SSH_CONNECTION"))
    clock = (
        Clock(_server_now(environ, policy), settings.clock_skew, settings.max_offline) if on_server else None
    )
    tips = [u.new for u in updates if u.new != ZERO_OID]
    if tips:
        commits = read_range(root, [*dict.fromkeys(tips), "--not", "--all"])
        trusted = _trusted_revision(root, settings.protected_ref)
        violations += check_commits(root, commits, Trust(policy, pusher, clock, trusted, merger))
    return violations, notes


def _trusted_revision(root: Path, protected_ref: str) -> str | None:
    """The server's shared branch before the push (HEAD when it has none yet)."""
    for name in (protected_ref, "HEAD"):
        out = run_git(root, "rev-parse", "--verify", "-q", f"{name}^{{commit}}", check=False).decode().strip()
        if out:
            return out
    return None


def _server_now(environ: Mapping[str, str], policy: Config | None) -> datetime:
    """The server's clock (CASEKIT_NOW in the server's own environment, for tests)."""
    fixed = environ.get("CASEKIT_NOW")
    if fixed:
        try:
            return parse_datetime(fixed, policy.tz if policy else UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _policy_config(root: Path, updates: Sequence[RefUpdate]) -> Config | None:
    """The config the server already has, on its shared branch (HEAD when that branch does
    not exist yet); for the very first push, the pushed one."""
    names = [f"HEAD:{CONFIG_FILE}", *(f"{u.new}:{CONFIG_FILE}" for u in updates if u.new != ZERO_OID)]
    head = cat_objects(root, [f"HEAD:{CONFIG_FILE}"])[0]
    if head is not None and head.kind == "blob":
        server = _Configs().get(head.content)
        branch = sync_settings(server).protected_ref
        names = [f"{branch}:{CONFIG_FILE}", *names]
    for obj in cat_objects(root, names):
        if obj is not None and obj.kind == "blob":
            return _Configs().get(obj.content)
    return None


def audit_since(root: Path, revision: str, merger: Merger | None = None) -> list[Violation]:
    """The pre-receive checks for every commit in REVISION..HEAD."""
    from casekit.errors import UsageError

    if run_git(root, "rev-parse", "--verify", "-q", f"{revision}^{{commit}}", check=False).strip() == b"":
        raise UsageError(
            _("--since {revision}: no such commit; give a commit, tag or branch such as origin/main").format(
                revision=revision
            )
        )

    start = cat_objects(root, [f"{revision}:{CONFIG_FILE}"])[0]
    policy = _Configs().get(start.content) if start is not None and start.kind == "blob" else None
    base = run_git(root, "rev-parse", f"{revision}^{{commit}}").decode().strip()
    return check_commits(
        root, read_range(root, [f"{revision}..HEAD"]), Trust(policy, signers_revision=base, merger=merger)
    )
