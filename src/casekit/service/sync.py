"""`casekit sync` and `casekit resolve-conflict`: many clones sharing one branch.

sync = fetch, rebase this clone's commits on the shared branch, push; when another clone
pushed in between (the push is refused as not a fast-forward), wait a jittered,
growing delay and go round again, so agents pushing at the same moment all get through.
The rebase replays each casekit commit on the shared history; where both sides changed
the same case, git runs casekit's merge driver (`casekit.service.merge.merge_case`). A
conflict stops the rebase; `resolve_conflict` settles it as one audited commit and lets
the rebase continue.

Rebase rather than merge: the shared branch stays a line of casekit commits, one per
change, each with its trailers, which the server's hook and `casekit audit` check one by
one; a merge commit would record no change of its own and hide the conflict it settled.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from casekit.core.ids import CASES_DIR
from casekit.errors import CasekitError, GitError, Refused
from casekit.i18n import _, language, ngettext
from casekit.service.env import Env
from casekit.vcs import git as vcs
from casekit.vcs import journal

BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 2.0


@dataclass
class SyncOutcome:
    pulled: int = 0
    pushed: int = 0
    attempts: int = 0
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.pulled and not self.pushed:
            return _("already in sync")
        tries = _(" (after {count} attempts)").format(count=self.attempts) if self.attempts > 1 else ""
        return (
            _("pulled {pulled}, pushed {pushed}").format(
                pulled=_commits(self.pulled), pushed=_commits(self.pushed)
            )
            + tries
        )


def _commits(count: int) -> str:
    return ngettext("{count} commit", "{count} commits", count).format(count=count)


class SyncConflict(Refused):
    """The rebase stopped: two clones changed a case in ways that cannot both stand."""


def _git(root: Path, *args: str, editor: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # git's own words in English, which casekit reads ("couldn't find remote ref"); a hook
    # git runs (a push to a path) speaks casekit's language, as this command does
    env["LC_ALL"] = "C"
    env.setdefault("CASEKIT_LANG", language())
    if editor:
        env["GIT_EDITOR"] = "true"
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False)


def _rev(root: Path, name: str) -> str | None:
    out = vcs.run_git(root, "rev-parse", "--verify", "-q", name, check=False).decode().strip()
    return out or None


def _count(root: Path, revision_range: str) -> int:
    return int(vcs.run_git(root, "rev-list", "--count", revision_range).decode().strip() or 0)


def backoff(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait before attempt `attempt + 1`: doubling, capped, half of it random."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0**attempt)
    return ceiling / 2 + float(rng()) * ceiling / 2


# Present while `casekit sync` runs its rebase: if it is left, the sync was killed there.
REBASE_MARKER = "sync-rebase"


def _resume_killed_rebase(root: Path, wait: float = 10.0) -> bool:
    """A sync killed in the middle of its rebase (no conflict stopped it) left git's rebase
    half-done: give it up, which puts back this clone's commits as they were before; the
    sync then starts again from the beginning. The killed sync's git may still be running
    for a moment (it holds git's index lock): wait for it to finish or stop first."""
    marker = vcs.state_dir(root) / REBASE_MARKER
    if not marker.exists():
        return False
    deadline = time.monotonic() + wait
    while vcs.rebase_in_progress(root) and not unmerged_paths(root):
        if not (vcs.git_dir(root) / "index.lock").exists():
            aborted = _git(root, "rebase", "--abort")
            if aborted.returncode == 0:
                break
            problem = _last_line(aborted.stderr)
        else:
            problem = _("git's index is locked by another git command")
        if time.monotonic() > deadline:
            raise GitError(
                _(
                    "an interrupted sync left a rebase that cannot be given up ({problem}); "
                    "run `git rebase --abort`, then `casekit sync`"
                ).format(problem=problem)
            )
        time.sleep(0.1)
    marker.unlink(missing_ok=True)
    return True


def _preflight(root: Path, branch: str, remote: str) -> None:
    _resume_killed_rebase(root)
    if vcs.rebase_in_progress(root):
        raise SyncConflict(
            _("an earlier sync is stopped on a conflict: {conflicts}").format(
                conflicts="; ".join(describe_conflicts(root))
            )
        )
    if (vcs.git_dir(root) / "MERGE_HEAD").exists():
        raise Refused(
            _("a git merge is in progress; finish it (git commit) or abort it (git merge --abort) first")
        )
    if _git(root, "remote", "get-url", remote).returncode != 0:
        raise Refused(
            _("this clone has no remote {name}; add it with `git remote add {remote} URL`").format(
                name=repr(remote), remote=remote
            )
        )
    current = _git(root, "symbolic-ref", "-q", "--short", "HEAD").stdout.strip()
    if current != branch:
        where = _("on {branch}").format(branch=current) if current else _("not on a branch")
        raise Refused(
            _("this clone is {where}; casekit sync shares {branch}: run `git switch {branch}` first").format(
                where=where, branch=branch
            )
        )
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no").stdout.splitlines()
    if dirty:
        files = ", ".join(line[3:] for line in dirty[:3]) + (" ..." if len(dirty) > 3 else "")
        raise Refused(
            _("uncommitted changes ({files}); commit them or `git stash` them, then sync").format(files=files)
        )


def sync(
    env: Env,
    *,
    attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> SyncOutcome:
    """Pull (rebase) and push the shared branch, retrying while others push at the same moment."""
    from casekit.service.hookinstall import configure_merge_driver, merge_driver_configured
    from casekit.service.syncconfig import sync_settings

    root = env.root
    settings = sync_settings(env.config)
    remote, branch = settings.remote, settings.branch
    tracking = f"refs/remotes/{remote}/{branch}"
    limit = attempts or settings.attempts
    outcome = SyncOutcome()
    with vcs.repo_lock(root):
        settled = journal.recover(root)  # a change a killed command left half-done
        outcome.messages += [settled] if settled else []
        _preflight(root, branch, remote)
        outcome.messages += _unshared_case_files(root)
        if not merge_driver_configured(root):
            configure_merge_driver(root)
        last_problem = ""
        for attempt in range(limit):
            outcome.attempts = attempt + 1
            fetched = _fetch(root, remote, branch, tracking)
            if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr:
                last_problem = _last_line(fetched.stderr) or _("git fetch failed")
                sleep(backoff(attempt, rng))
                continue
            shared = _rev(root, tracking) if fetched.returncode == 0 else None
            head = _rev(root, "HEAD")
            if shared and head and not vcs.is_ancestor(root, shared, head):
                outcome.pulled += _count(root, f"HEAD..{shared}")
                _rebase(root, shared)
            ahead = _count(root, f"{shared}..HEAD" if shared else "HEAD")
            if ahead == 0:
                return outcome
            pushed = _git(root, "push", "--porcelain", remote, f"HEAD:refs/heads/{branch}")
            if pushed.returncode == 0:
                outcome.pushed += ahead
                return outcome
            declined = "hook declined" in pushed.stdout
            if declined and not _moved_since(root, remote, branch, tracking, shared):
                raise Refused(_server_refusal(pushed.stderr))
            # Refused as not a fast-forward, beaten to the ref by a push that passed the
            # server's checks at the same moment ("failed to update ref"), or declined by a
            # server whose branch moved meanwhile (it says so without checking, and a real
            # refusal comes again on the next round): go round again.
            raced = declined or "[rejected]" in pushed.stdout or "[remote rejected]" in pushed.stdout
            last_problem = (
                _("others pushed at the same moment")
                if raced
                else _last_line(pushed.stderr) or _("git push failed")
            )
            sleep(backoff(attempt, rng))
    raise CasekitError(
        _(
            "could not sync after {count} attempts ({problem}); your commits are safe in this clone: "
            "run `casekit sync` again"
        ).format(count=limit, problem=last_problem)
    )


def _fetch(root: Path, remote: str, branch: str, tracking: str) -> subprocess.CompletedProcess[str]:
    """Bring the server's branch into its remote-tracking ref."""
    return _git(root, "fetch", "-q", remote, f"+refs/heads/{branch}:{tracking}")


def _moved_since(root: Path, remote: str, branch: str, tracking: str, shared: str | None) -> bool:
    """Whether the server's branch is no longer where this round found it."""
    return _fetch(root, remote, branch, tracking).returncode == 0 and _rev(root, tracking) != shared


def _unshared_case_files(root: Path) -> list[str]:
    """Case files git does not track: a sync cannot share them, so it says so."""
    out = vcs.run_git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", CASES_DIR)
    untracked = [
        entry[3:] for entry in out.decode("utf-8", "surrogateescape").split("\0") if entry.startswith("?? ")
    ]
    return [
        _(
            "warning: {path} is not committed, so it is not shared; remove it if it is left over, "
            "or commit it with git"
        ).format(path=path)
        for path in untracked
        if path.endswith(".yaml")
    ]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _server_refusal(stderr: str) -> str:
    lines = [
        line.removeprefix("remote:").strip() for line in stderr.splitlines() if line.startswith("remote:")
    ]
    lines = [line for line in lines if line]
    detail = "\n".join(f"  {line}" for line in lines)
    if detail:
        return _("the server refused the push; nothing was changed there:") + "\n" + detail
    return _("the server refused the push: {reason}").format(reason=_last_line(stderr))


def _rebase(root: Path, onto: str) -> None:
    marker = vcs.state_dir(root) / REBASE_MARKER
    marker.write_text(onto, encoding="utf-8")
    try:
        result = _git(root, "rebase", "--no-autosquash", onto, editor=True)
    finally:
        marker.unlink(missing_ok=True)
    if result.returncode == 0:
        return
    if vcs.rebase_in_progress(root):
        raise SyncConflict("; ".join(describe_conflicts(root)))
    raise GitError(_("git rebase failed: {reason}").format(reason=_last_line(result.stderr)))


def unmerged_paths(root: Path) -> list[str]:
    out = vcs.run_git(root, "ls-files", "-u", "-z").decode("utf-8", "surrogateescape")
    paths = [record.split("\t", 1)[1] for record in out.split("\0") if "\t" in record]
    return list(dict.fromkeys(paths))


def _stages(root: Path, path: str) -> tuple[bytes | None, bytes | None, bytes | None]:
    base, ours, theirs = vcs.cat_objects(root, [f":1:{path}", f":2:{path}", f":3:{path}"])
    return (
        base.content if base else None,
        ours.content if ours else None,
        theirs.content if theirs else None,
    )


def describe_conflicts(root: Path) -> list[str]:
    """One sentence per conflicting file, saying how to settle it."""
    from casekit.service.merge import merge_case
    from casekit.store.configfile import read_config
    from casekit.vcs.git import side_labels

    config, _problems = read_config(root)
    ours_label, theirs_label = side_labels(root)
    sentences = []
    for path in unmerged_paths(root):
        base, ours, theirs = _stages(root, path)
        if config is not None and path.startswith(f"{CASES_DIR}/") and ours and theirs:
            result = merge_case(
                path, base, ours, theirs, config, ours_label=ours_label, theirs_label=theirs_label
            )
            what = result.conflict or _("{case}: both clones changed the case").format(case=result.case_id)
            sentences.append(
                _(
                    "{conflict}; keep one side with `casekit resolve-conflict {case} --keep ours` "
                    "(this clone's change) or `--keep theirs` (the remote's)"
                ).format(conflict=what, case=result.case_id)
            )
        else:
            sentences.append(
                _(
                    "{path}: both clones changed it; edit it, `git add {path}` and `git rebase --continue` "
                    "(or `git rebase --abort` to give up the sync)"
                ).format(path=path)
            )
    if not sentences:
        sentences.append(
            _("the rebase stopped; see `git status`, then `git rebase --continue` or `git rebase --abort`")
        )
    return sentences


def resolve_conflict(env: Env, reference: str, keep: str) -> tuple[str, str, list[str]]:
    """Settle one conflicting case as one commit, then let the sync's rebase continue.
    Returns the case ID, the commit and what to tell the user."""
    from casekit.core.change_rules import Identity, check_case_change
    from casekit.core.timeutil import format_datetime
    from casekit.service.actions import Change, commit_message
    from casekit.service.merge import Unmergeable, resolve_case

    if keep not in ("ours", "theirs"):
        raise CasekitError(_("--keep is ours (this clone's change) or theirs (the remote's)"))
    root = env.root
    with vcs.repo_lock(root):
        if not vcs.rebase_in_progress(root):
            if (vcs.git_dir(root) / "MERGE_HEAD").exists():
                raise Refused(
                    _(
                        "this is a git merge, not a casekit sync: run `git merge --abort`, "
                        "then `casekit sync`, which rebases and can settle conflicts as audited commits"
                    )
                )
            raise Refused(_("there is no conflict to settle: no `casekit sync` is stopped on one"))
        path = _conflicting_case(root, reference)
        base, remote, local = _stages(root, path)
        if remote is None or local is None:
            raise Refused(
                _("{path}: one side deleted the case file; settle it with git (`git status`)").format(
                    path=path
                )
            )
        config = env.config
        actor = env.actor()
        now = env.now(config.tz)
        try:
            resolution = resolve_case(
                path,
                base,
                local,
                remote,
                keep=keep,
                actor_login=actor.login,
                stamp=format_datetime(now, config.tz),
                config=config,
            )
        except Unmergeable as exc:
            raise Refused(str(exc)) from None
        author = Identity(actor.name, actor.email)
        report = check_case_change(path, remote, resolution.content, config, author, None, check_time=False)
        if report.findings:
            first = report.findings[0]
            raise Refused(
                _("{case}: cannot keep {side}: {problem} [rule: {rule}] (nothing was changed)").format(
                    case=resolution.case_id, side=keep, problem=first.message, rule=first.rule
                )
            )
        kind = _kind_of(remote)
        change = Change("resolve", resolution.subject, resolution.source, resolution.target, resolution.note)
        message = commit_message({"id": resolution.case_id, "kind": kind}, change, actor)
        (root / path).write_bytes(resolution.content)
        commit = vcs.commit_files(
            root, {path: resolution.content}, message, author=vcs.Ident(actor.name, actor.email), when=now
        )
        result = _git(root, "rebase", "--continue", editor=True)
        if vcs.rebase_in_progress(root):
            messages = [
                _("the sync stopped on another conflict: {conflicts}").format(
                    conflicts="; ".join(describe_conflicts(root))
                )
            ]
        elif result.returncode != 0:
            raise GitError(
                _("git rebase --continue failed: {reason}").format(reason=_last_line(result.stderr))
            )
        else:
            messages = [_("conflict settled; run `casekit sync` to share it")]
    return resolution.case_id, commit, messages


def _kind_of(content: bytes) -> str:
    from casekit.codec.yamlio import YamlSyntaxError, load_fast

    try:
        data = load_fast(content)
    except YamlSyntaxError:
        return ""  # the resolution itself was checked; the kind only labels the commit
    return str(data.get("kind")) if isinstance(data, dict) else ""


def _conflicting_case(root: Path, reference: str) -> str:
    from casekit.core.ids import normalise

    cases = [p for p in unmerged_paths(root) if p.startswith(f"{CASES_DIR}/") and p.endswith(".yaml")]
    wanted = normalise(reference)
    for path in cases:
        stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem in (reference, wanted) or stem.endswith(f"-{wanted}"):
            return path
    names = ", ".join(p.rsplit("/", 1)[-1].removesuffix(".yaml") for p in cases) or _("none")
    raise Refused(
        _("{reference}: not one of the cases in conflict (in conflict: {cases})").format(
            reference=reference, cases=names
        )
    )
