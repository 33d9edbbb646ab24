"""What casekit's git hooks and merge driver run: `python -m casekit.githooks NAME ARGS`.

- pre-commit: the staged case files are valid, keep their history, and every state change
  since HEAD is an allowed transition with its requirements met (every workflow guard, as
  the commit's author).
- commit-msg: a commit that touches cases/ carries casekit's trailers, and they agree
  with the new history entry.
- pre-receive (server): `casekit.service.gitcheck.pre_receive`.
- merge-driver BASE OURS THEIRS PATH: `casekit.service.merge.merge_case`, wired up as git's
  `merge.casekit.driver`.

Fast by construction: no typer, no GitPython; only the staged files and their HEAD
versions are read (one `git diff-index --cached`, one `git cat-file --batch`), never the
whole repository. casekit's own commits are made with plumbing (`vcs.commit_files`), so
these hooks do not run for them: casekit has already checked the change, with the same
rules, before committing. They run for commits made by hand with `git commit`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from casekit.core.change_rules import (
    Identity,
    Violation,
    check_case_change,
    check_config_change,
    check_merged_case,
    place,
)
from casekit.core.commits import CommitRecord, split_message
from casekit.core.config import CONFIG_FILE, Config, parse_config
from casekit.core.ids import CASES_DIR
from casekit.errors import CasekitError
from casekit.i18n import _, ngettext
from casekit.service.gitcheck import FileChange, is_case_path
from casekit.vcs.git import ZERO_OID, cat_objects, git_dir, head_commit, run_git, side_labels

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_IDENT = re.compile(r"^(?P<name>.*?) <(?P<email>[^<>]*)> (?P<stamp>\d+) (?P<zone>[+-]\d{4})$")


def staged_changes(root: Path) -> list[FileChange]:
    """Case files and casekit.yaml that differ between HEAD and git's index."""
    base = head_commit(root) or EMPTY_TREE
    out = run_git(
        root, "diff-index", "--cached", "-z", "--no-renames", base, "--", f"{CASES_DIR}/", CONFIG_FILE
    ).decode("utf-8", "surrogateescape")
    tokens = out.split("\0")
    changes = []
    pos = 0
    while pos + 1 < len(tokens):
        if tokens[pos].startswith(":"):
            meta = tokens[pos][1:].split(" ")
            changes.append(FileChange(tokens[pos + 1], meta[2], meta[3]))
            pos += 2
        else:
            pos += 1
    return changes


def author_identity(root: Path) -> Identity:
    """Who the commit being made will be by (git's own answer, with GIT_AUTHOR_* honoured)."""
    text = run_git(root, "var", "GIT_AUTHOR_IDENT", check=False).decode("utf-8", "replace").strip()
    match = _IDENT.match(text)
    if match is None:
        return Identity(text, "")
    return Identity(match["name"], match["email"])


def merge_heads(root: Path) -> list[str]:
    path = git_dir(root) / "MERGE_HEAD"
    try:
        return path.read_text(encoding="utf-8").split()
    except OSError:
        return []


class _Staged:
    """The staged change with every blob it needs, read in one cat-file call."""

    def __init__(self, root: Path) -> None:
        self.changes = staged_changes(root)
        self.merging = merge_heads(root)
        names = [f"HEAD:{CONFIG_FILE}", f":{CONFIG_FILE}"]
        for change in self.changes:
            names += [n for n in (change.old, change.new) if n != ZERO_OID]
            names += [f"{head}:{change.path}" for head in self.merging]
        unique = list(dict.fromkeys(names))
        objects = cat_objects(root, unique) if self.changes else []
        self.blobs = {
            name: (obj.content if obj is not None and obj.kind == "blob" else None)
            for name, obj in zip(unique, objects, strict=False)
        }

    def blob(self, name: str) -> bytes | None:
        return None if name == ZERO_OID else self.blobs.get(name)

    def config(self) -> tuple[Config | None, list[Violation]]:
        """The config the change is checked against: HEAD's (the rules in force), else the staged one."""
        for name in (f"HEAD:{CONFIG_FILE}", f":{CONFIG_FILE}"):
            content = self.blobs.get(name)
            if content is not None:
                config, problems = parse_config(content.decode("utf-8", "replace"), Path(CONFIG_FILE))
                if config is not None:
                    return config, []
                return None, [Violation(CONFIG_FILE, "", "config", p.message, p.line) for p in problems]
        return None, []


def check_staged(root: Path, message: str | None = None) -> list[Violation]:
    """The staged change against every rule; with the commit message too when given."""
    staged = _Staged(root)
    if not staged.changes:
        return []
    config, violations = staged.config()
    if config is None:
        return violations
    author = author_identity(root)
    record = None
    if message is not None:
        if staged.merging:
            return []  # a merge commit records no change of its own; pre-commit checked it
        subject, note, trailers = split_message(message)
        record = CommitRecord(ZERO_OID, (), author.name, author.email, "", subject, note, trailers)
    for change in staged.changes:
        old, new = staged.blob(change.old), staged.blob(change.new)
        if change.path == CONFIG_FILE:
            if message is None:
                violations += place(CONFIG_FILE, check_config_change(config, new, author))
        elif is_case_path(change.path):
            if staged.merging:
                parents = [old, *(staged.blobs.get(f"{h}:{change.path}") for h in staged.merging)]
                report = check_merged_case(change.path, parents, new, config)
            else:
                report = check_case_change(change.path, old, new, config, author, record, check_time=False)
            violations += place(change.path, report)
    return violations


def clean_message(text: str, comment_char: str = "#") -> str:
    """The message as git will store it: comment lines and everything below the scissors dropped."""
    lines = []
    for line in text.splitlines():
        if line.startswith(f"{comment_char} ------------------------ >8 ------------------------"):
            break
        if not line.startswith(comment_char):
            lines.append(line)
    return "\n".join(lines)


def merge_driver(root: Path, base_file: str, ours_file: str, theirs_file: str, path: str) -> int:
    from casekit.service.merge import merge_case
    from casekit.store.configfile import read_config

    base = Path(base_file).read_bytes()
    ours = Path(ours_file).read_bytes()
    theirs = Path(theirs_file).read_bytes()
    config, _problems = read_config(root)
    if config is None:
        return _text_merge(root, base_file, ours_file, theirs_file)
    ours_label, theirs_label = side_labels(root)
    result = merge_case(
        path, base or None, ours, theirs, config, ours_label=ours_label, theirs_label=theirs_label
    )
    if result.content is not None:
        Path(ours_file).write_bytes(result.content)
        return 0
    _write_markers(root, base_file, ours_file, theirs_file, ours_label, theirs_label)
    _say(f"casekit: {result.conflict}\n")
    _say(
        _(
            "casekit: settle it with `casekit resolve-conflict {case} --keep ours` (this clone's "
            "change) or `--keep theirs` (the remote's)"
        ).format(case=result.case_id)
        + "\n"
    )
    return 1


def _text_merge(root: Path, base_file: str, ours_file: str, theirs_file: str) -> int:
    proc = subprocess.run(["git", "merge-file", ours_file, base_file, theirs_file], cwd=root, check=False)
    return 0 if proc.returncode == 0 else 1


def _write_markers(
    root: Path, base_file: str, ours_file: str, theirs_file: str, ours_label: str, theirs_label: str
) -> None:
    """Leave git's conflict markers in the file, so nobody can mistake it for a case."""
    proc = subprocess.run(
        [
            "git",
            "merge-file",
            "-p",
            "-L",
            ours_label,
            "-L",
            "base",
            "-L",
            theirs_label,
            ours_file,
            base_file,
            theirs_file,
        ],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if proc.returncode > 0:
        Path(ours_file).write_bytes(proc.stdout)
        return
    ours, theirs = Path(ours_file).read_bytes(), Path(theirs_file).read_bytes()
    Path(ours_file).write_bytes(
        b"<<<<<<< "
        + ours_label.encode()
        + b"\n"
        + ours
        + b"=======\n"
        + theirs
        + b">>>>>>> "
        + theirs_label.encode()
        + b"\n"
    )


def _say(text: str) -> None:
    """A line for the person at the terminal; case data in it is shown with its control
    characters escaped (`casekit.render.output.safe_text`), as every casekit output is."""
    from casekit.render.output import safe_text

    sys.stderr.write(safe_text(text, layout=True))


def _report(name: str, violations: Sequence[Violation], advice: str) -> int:
    if not violations:
        return 0
    for violation in violations:
        _say(violation.format() + "\n")
    count = len(violations)
    summary = ngettext(
        "casekit {hook}: {count} problem; {advice}", "casekit {hook}: {count} problems; {advice}", count
    )
    _say(summary.format(hook=name, count=count, advice=advice) + "\n")
    return 1


def run(name: str, args: Sequence[str], root: Path | None = None) -> int:
    """Run one hook; returns its exit code."""
    root = root or Path.cwd()
    if name == "pre-commit":
        return _report(
            name,
            check_staged(root),
            _(
                "the commit was stopped. Change cases with casekit commands (move, note, update...), "
                "which check the workflow; `casekit validate` shows what is wrong in the working tree"
            ),
        )
    if name == "commit-msg":
        if not args:
            raise CasekitError(_("commit-msg needs the message file"))
        comment = run_git(root, "config", "--get", "core.commentChar", check=False).decode().strip() or "#"
        text = Path(args[0]).read_text(encoding="utf-8", errors="replace")
        return _report(
            name,
            check_staged(root, clean_message(text, comment[0] if comment != "auto" else "#")),
            _(
                "the commit was stopped. A commit that changes a case carries casekit's trailers "
                "(Case-Id, Case-Kind, Case-Action, Case-From, Case-To, Case-Actor) "
                "matching its new history entry"
            ),
        )
    if name == "pre-receive":
        from casekit.service.gitcheck import moved_refs, parse_updates, pre_receive
        from casekit.service.merge import merged_content
        from casekit.vcs.git import check_turn

        lines = sys.stdin.read().splitlines()
        with check_turn(root):
            moved = moved_refs(root, parse_updates(lines))
            if moved:
                # git would refuse the push after the checks anyway: say so at once
                _say(
                    _(
                        "casekit: {ref} moved while this push waited its turn (others pushed at the "
                        "same moment); fetch, rebase and push again, as `casekit sync` does by itself"
                    ).format(ref=moved[0].ref)
                    + "\n"
                )
                return 1
            violations, notes = pre_receive(root, lines, merger=merged_content)
        for line in notes:
            _say(line + "\n")
        return _report(
            name,
            violations,
            _("the push was refused. Nothing was changed on the server; fix the commits and push again"),
        )
    if name == "merge-driver":
        if len(args) != 4:
            raise CasekitError(_("merge-driver needs BASE OURS THEIRS PATH (git's %O %A %B %P)"))
        return merge_driver(root, *args)
    raise CasekitError(
        _("unknown hook {name}; hooks are pre-commit, commit-msg, pre-receive, merge-driver").format(
            name=repr(name)
        )
    )


def choose_language(root: Path) -> None:
    """The hooks speak as the `casekit` command does (`casekit.i18n.setup`): the language of
    the environment, else the repository's `locale`. A server's bare repository has no
    work tree: its `locale` is the one in the casekit.yaml on its HEAD, the config the
    pushes are judged by, so the pushers read the refusal in their team's language."""
    from casekit import i18n

    if (root / CONFIG_FILE).is_file():
        i18n.setup([], os.environ, root)
        return
    try:
        config = run_git(root, "cat-file", "blob", f"HEAD:{CONFIG_FILE}", check=False)
    except CasekitError:
        config = b""
    i18n.use(i18n.choose(os.environ, i18n.locale_of_config(config)))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    choose_language(Path.cwd())
    if not args:
        _say(_("usage: python -m casekit.githooks pre-commit|commit-msg|pre-receive|merge-driver ...") + "\n")
        return 2

    try:
        return run(args[0], args[1:])
    except CasekitError as exc:
        _say(f"casekit {args[0]}: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
