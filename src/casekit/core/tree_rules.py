"""The rules for the files around the cases: what a commit may do to the rest of the tree.

Pure: functions take the paths a commit changes, with git's modes and blob ids
(`TreeChange`, as `git diff-tree --raw` reports them), and return findings, each naming
its rule. The caller reads git (`casekit.vcs.treediff`) and the case files.

Rules (the names printed with each finding):
- protected-path: hooks, templates, CI files, `.gitattributes` (in any folder) and the
  allowed-signers file are changed only by a supervisor. A hook or a template runs on
  colleagues' machines; CI files run on the team's servers; `.gitattributes` decides which
  filters and merge drivers run; the allowed-signers file decides whose signatures count.
  (`casekit.yaml` is the config-change rule's, in `casekit.core.change_rules`.)
- symlink: no symbolic link anywhere in the tree. A link committed as a template, a hook or
  an attachment folder makes casekit read or write a file outside the repository.
- submodule: no submodule (gitlink) anywhere in the tree.
- attachments: under `attachments/`, a commit only adds files, each listed by an `attach`
  entry the same commit adds, with the SHA-256 that entry's case records; an attachment is
  never changed or deleted.

Paths are compared as a case-insensitive file system would see them (`Hooks/pre-commit`
lands in `hooks/` on macOS and Windows).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casekit.i18n import N_, _

ZERO_OID = "0" * 40  # git's id for "no object" (casekit.vcs.git.ZERO_OID)
ABSENT_MODE = "000000"
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"

ATTACHMENTS_DIR = "attachments"
ALLOWED_SIGNERS_FILE = ".casekit/allowed_signers"
CONFIG_FILE = "casekit.yaml"  # protected too, by the config-change rule (not checked here)

# Folders at the top of the repository whose every file needs a supervisor.
PROTECTED_DIRS = (
    "hooks",
    "templates",
    ".ci",
    ".circleci",
    ".github",
    ".gitea",
    ".forgejo",
    ".woodpecker",
)
# Files at the top of the repository that need a supervisor.
PROTECTED_FILES = (
    ".gitlab-ci.yml",
    ".woodpecker.yml",
    ".woodpecker.yaml",
    "Jenkinsfile",
    ".drone.yml",
    ".travis.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    ALLOWED_SIGNERS_FILE,
)
# File names that need a supervisor in any folder.
PROTECTED_NAMES = (".gitattributes",)

PROTECTED_SUMMARY = N_("hooks, templates, CI files, .gitattributes and the allowed-signers file")
LFS_POINTER_MAX = 1024  # git-lfs: a pointer file is smaller than this
_LFS_VERSIONS = (b"https://git-lfs.github.com/spec/v1", b"https://hawser.github.com/spec/v1")
_LFS_OID = re.compile(rb"sha256:([0-9a-f]{64})")

_DIRS = tuple(d.casefold() for d in PROTECTED_DIRS)
_FILES = tuple(f.casefold() for f in PROTECTED_FILES)
_NAMES = tuple(n.casefold() for n in PROTECTED_NAMES)


@dataclass(frozen=True)
class TreeChange:
    """One path a commit changes, as `git diff-tree -r --raw` reports it: the modes
    ("100644", "100755", "120000" a symbolic link, "160000" a submodule, "000000" absent)
    and blob ids (`ZERO_OID` absent) before and after."""

    path: str
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str

    @property
    def added(self) -> bool:
        return self.old_blob == ZERO_OID or self.old_mode == ABSENT_MODE

    @property
    def deleted(self) -> bool:
        return self.new_blob == ZERO_OID or self.new_mode == ABSENT_MODE

    @property
    def verb(self) -> str:
        """How the change is said: added, deleted or changed (translated where shown)."""
        return N_("added") if self.added else N_("deleted") if self.deleted else N_("changed")


@dataclass(frozen=True)
class TreeFinding:
    """What is wrong with a commit's change to one path: the rule it breaks and one
    sentence saying what is wrong and what to do, naming the path."""

    rule: str
    path: str
    message: str


def _key(path: str) -> str:
    return path.strip("/").casefold()


def is_protected(path: str) -> bool:
    """Whether a change to `path` (repository-relative, "/"-separated) needs a supervisor."""
    key = _key(path)
    if key in _FILES:
        return True
    if any(key == d or key.startswith(d + "/") for d in _DIRS):
        return True
    return key.rsplit("/", 1)[-1] in _NAMES


def is_attachment(path: str) -> bool:
    """Whether `path` lies under the attachments folder."""
    return _key(path).startswith(ATTACHMENTS_DIR + "/")


def lfs_pointer_oid(data: bytes) -> str | None:
    """The SHA-256 a Git LFS pointer file names (`oid sha256:...`), None when `data` is
    not a pointer."""
    if len(data) >= LFS_POINTER_MAX or not data.startswith(b"version ") or not data.isascii():
        return None
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    fields: dict[bytes, bytes] = {}
    for line in lines:
        key, space, value = line.partition(b" ")
        if not space or not key or key in fields:
            return None
        fields[key] = value
    if fields.get(b"version") not in _LFS_VERSIONS or not fields.get(b"size", b"").isdigit():
        return None
    match = _LFS_OID.fullmatch(fields.get(b"oid", b""))
    return match.group(1).decode() if match else None


def attachment_digest(data: bytes) -> str:
    """The SHA-256 a case records for an attachment with these bytes: of the bytes
    themselves, or, for a Git LFS pointer (what the repository stores of a file Git LFS
    tracks), the SHA-256 it names, which is the real file's."""
    return lfs_pointer_oid(data) or hashlib.sha256(data).hexdigest()


def attached_files(old_case: Mapping[str, Any] | None, new_case: Mapping[str, Any]) -> dict[str, str]:
    """The attachments an `attach` history entry added by this change lists: repository
    path -> the SHA-256 the case records for it. `old_case` is the case before the change
    (None for a new case); the entries after its history are the change's."""
    old_history = old_case.get("history") if old_case is not None else None
    kept = len(old_history) if isinstance(old_history, list) else 0
    history = new_case.get("history")
    records = new_case.get("attachments")
    if not isinstance(history, list) or not isinstance(records, list):
        return {}
    named: set[str] = set()
    for entry in history[kept:]:
        if isinstance(entry, Mapping) and entry.get("action") == "attach":
            files = entry.get("files")
            if isinstance(files, list):
                named.update(f for f in files if isinstance(f, str))
    folder = f"{ATTACHMENTS_DIR}/{new_case.get('id')}/"
    found: dict[str, str] = {}
    for record in records:
        if not isinstance(record, Mapping):
            continue
        file, digest = record.get("file"), record.get("sha256")
        if (
            isinstance(file, str)
            and isinstance(digest, str)
            and file.startswith(folder)
            and file[len(folder) :] in named
        ):
            found[file] = digest
    return found


def tree_findings(
    changes: Iterable[TreeChange],
    *,
    supervisor: bool,
    attached: Mapping[str, str],
    blob_sha256: Mapping[str, str],
) -> list[TreeFinding]:
    """What is wrong with one commit's changes to the tree (see the module's rules).

    `supervisor`: the commit's author is a supervisor. `attached`: the attachments the
    `attach` entries this commit adds list, repository path -> recorded SHA-256
    (`attached_files` over each case file the commit changes). `blob_sha256`: for each
    blob added under attachments/, the `attachment_digest` of its bytes."""
    findings: list[TreeFinding] = []
    added_attachments: set[str] = set()
    for change in changes:
        path = change.path
        if not change.deleted and change.new_mode == SYMLINK_MODE:
            findings.append(
                TreeFinding(
                    "symlink",
                    path,
                    _(
                        "{path} is added as a symbolic link; a case "
                        "repository holds no symbolic links (one could make hooks, templates or "
                        "attachments read or write files outside the repository): commit the file "
                        "itself instead"
                    ).format(path=path)
                    if change.added
                    else _(
                        "{path} is changed as a symbolic link; a case "
                        "repository holds no symbolic links (one could make hooks, templates or "
                        "attachments read or write files outside the repository): commit the file "
                        "itself instead"
                    ).format(path=path),
                )
            )
        elif not change.deleted and change.new_mode == GITLINK_MODE:
            findings.append(
                TreeFinding(
                    "submodule",
                    path,
                    _(
                        "{path} is added as a submodule; a case "
                        "repository holds no submodules: remove it and commit the files themselves"
                    ).format(path=path)
                    if change.added
                    else _(
                        "{path} is changed as a submodule; a case "
                        "repository holds no submodules: remove it and commit the files themselves"
                    ).format(path=path),
                )
            )
        if not supervisor and is_protected(path):
            findings.append(
                TreeFinding(
                    "protected-path",
                    path,
                    _(
                        "{path} is {verb} by a commit that is not a supervisor's; "
                        "{protected} are changed only by a supervisor"
                    ).format(path=path, verb=_(change.verb), protected=_(PROTECTED_SUMMARY)),
                )
            )
        if is_attachment(path):
            finding = _attachment_finding(change, attached, blob_sha256)
            if finding is not None:
                findings.append(finding)
            if change.added:
                added_attachments.add(path)
    for path in sorted(set(attached) - added_attachments):
        findings.append(
            TreeFinding(
                "attachments",
                path,
                _(
                    "{path} is listed by an attach entry of this commit, but the commit does not add "
                    "the file; attach evidence with `casekit attach`, which commits the files with "
                    "the case"
                ).format(path=path),
            )
        )
    return findings


def _attachment_finding(
    change: TreeChange, attached: Mapping[str, str], blob_sha256: Mapping[str, str]
) -> TreeFinding | None:
    path = change.path
    if change.deleted:
        return TreeFinding(
            "attachments",
            path,
            _("{path} is deleted; attachments are evidence and are never deleted: restore the file").format(
                path=path
            ),
        )
    if not change.added:
        return TreeFinding(
            "attachments",
            path,
            _(
                "{path} is changed; attachments are evidence and are never changed: restore the "
                "file, and attach a new one with `casekit attach`"
            ).format(path=path),
        )
    recorded = attached.get(path)
    if recorded is None:
        return TreeFinding(
            "attachments",
            path,
            _(
                "{path} is added under {folder}/ but no attach entry of this commit lists it; "
                "attach evidence with `casekit attach`, which records the file on its case"
            ).format(path=path, folder=ATTACHMENTS_DIR),
        )
    actual = blob_sha256.get(change.new_blob)
    if actual != recorded:
        shown = f"{actual[:12]}…" if actual else _("unknown")
        return TreeFinding(
            "attachments",
            path,
            _(
                "{path} does not match the SHA-256 its case records (recorded {recorded}…, "
                "the file's {actual}); attach the file again with `casekit attach`"
            ).format(path=path, recorded=recorded[:12], actual=shown),
        )
    return None


def merge_changes(per_parent: Sequence[Sequence[TreeChange]]) -> list[TreeChange]:
    """What a merge commit changes of its own: the paths it changes against every one of
    its parents (`per_parent`: its changes against each parent, the first parent's
    first), as changed against the first parent. A path that one side of the merge
    brings unchanged is that side's commits' change, checked with them."""
    if not per_parent:
        return []
    others = [{c.path for c in changes} for changes in per_parent[1:]]
    return [c for c in per_parent[0] if all(c.path in paths for paths in others)]
