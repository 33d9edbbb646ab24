"""Hostile or broken YAML never gets past casekit, and never costs more than bounded time.

A hostile clone is simulated by writing the file by hand and committing it with plain git
(`--no-verify`, so no casekit hook looks at it): every command then meets it as it would
in a clone of a repository someone pushed it to.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CLI, line_of

PLAIN_GIT = ("-c", "user.name=x", "-c", "user.email=x@example.com")

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
)


def _alias_bomb(text: str) -> str:
    return text + BOMB


def _tag(text: str) -> str:
    return text.replace("\nstatus: received\n", "\nstatus: !!str received\n", 1)


def _duplicate_key(text: str) -> str:
    # a second `name` inside `customer:`: YAML readers would silently keep one of them
    return text.replace("\ncustomer:\n", "\ncustomer:\n  name: 张三\n", 1)


def _deep(text: str) -> str:
    return text + "deep: " + "[" * 1000 + "]" * 1000 + "\n"


def _oversize(text: str) -> str:
    # valid YAML (comments only), so nothing but the size refuses it
    return text + ("# " + "x" * 98 + "\n") * 2700


def _broken(text: str) -> str:
    return text + "notes: [never closed\n"


HOSTILE: dict[str, tuple[Callable[[str], str], str]] = {
    # name -> (how to make the file hostile, what the refusal says)
    "alias bomb": (_alias_bomb, "YAML anchor (&a) is not allowed"),
    "tag": (_tag, "YAML tag (!!str) is not allowed"),
    "duplicate key": (_duplicate_key, "the key 'name' appears twice"),
    "1000 nested brackets": (_deep, "nest more than 8 levels deep"),
    "oversize": (_oversize, "more than the 262144 a case file may have"),
    "broken syntax": (_broken, "invalid YAML"),
}


def _commit_by_hand(cli: CLI, message: str) -> None:
    cli.git(*PLAIN_GIT, "add", "-A")
    cli.git(*PLAIN_GIT, "commit", "-q", "--no-verify", "-m", message)


def _hostile_repo(repo: CLI, make: Callable[[str], str]) -> tuple[list[str], str, Path]:
    """Two good cases and a third whose file was made hostile by hand and committed."""
    good = [repo.new(), repo.new()]
    bad = repo.new()
    path = repo.case_path(bad)
    path.write_text(make(path.read_text(encoding="utf-8")), encoding="utf-8")
    _commit_by_hand(repo, "hostile case file")
    return good, bad, path


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_case_file_is_refused_reported_and_skipped(repo: CLI, name: str) -> None:
    make, says = HOSTILE[name]
    good, bad, path = _hostile_repo(repo, make)
    rel = path.relative_to(repo.root).as_posix()
    before, head = path.read_bytes(), repo.head()

    started = time.monotonic()
    validate = repo.run("validate")
    assert validate.code == 1, validate.out + validate.err
    about = [line for line in validate.out.splitlines() if rel in line]
    assert len(about) == 1, validate.out
    if name != "oversize":  # the size needs no line: nothing of the file was read
        assert re.match(rf"{re.escape(rel)}:\d+: ", about[0]), about[0]
    assert says in about[0], about[0]

    for command in (
        ["list"],
        ["due"],
        ["list", "--status", "received"],
        ["report", "weekly", "--format", "json"],
    ):
        listed = repo.run(*command)
        assert listed.code == 0, listed.err
        warnings = listed.err.strip().splitlines()
        assert len(warnings) == 1, listed.err
        assert warnings[0].startswith(f"casekit: warning: {rel}"), warnings[0]
        assert warnings[0].endswith("skipped (run `casekit validate`)"), warnings[0]
        if command[0] == "list":
            assert all(case_id in listed.out for case_id in good), listed.out
        assert bad not in listed.out or command[0] == "report"

    moved = repo.refused("move", bad, "assessing")
    assert rel in moved.err and says in moved.err, moved.err
    shown = repo.refused("show", bad, "--format", "json")
    assert says in shown.err, shown.err
    assert time.monotonic() - started < 60  # the bomb alone took 48 s to index before
    assert path.read_bytes() == before and repo.head() == head
    for result in (validate, moved, shown):
        assert "Traceback" not in result.out + result.err
    repo.ok("move", good[0], "assessing")  # the other cases are changed as usual


def test_hostile_file_left_uncommitted_is_refused_the_same(repo: CLI) -> None:
    good = repo.new()
    bad = repo.new()
    path = repo.case_path(bad)
    path.write_text(_alias_bomb(path.read_text(encoding="utf-8")), encoding="utf-8")
    listed = repo.ok("list")
    assert good in listed.out and bad not in listed.out
    assert len(listed.err.strip().splitlines()) == 1 and "skipped" in listed.err
    moved = repo.refused("move", bad, "assessing")
    assert "not committed" in moved.err or "uncommitted" in moved.err, moved.err


def test_configured_case_file_limit_is_kept_and_checked(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    path.write_text(path.read_text(encoding="utf-8") + ("# padding\n" * 150), encoding="utf-8")
    _commit_by_hand(repo, "a longer case file")
    assert repo.ok("list").err == ""

    config = repo.root / "casekit.yaml"
    limited = config.read_text(encoding="utf-8") + "limits:\n  case_file_bytes: 2048\n"
    config.write_text(limited, encoding="utf-8")
    _commit_by_hand(repo, "a lower limit")
    listed = repo.ok("list")
    assert case_id not in listed.out
    assert "more than the 2048 a case file may have" in listed.err
    assert len(listed.err.strip().splitlines()) == 1
    assert repo.run("validate").code == 1
    repo.refused("move", case_id, "assessing")

    config.write_text(
        config.read_text(encoding="utf-8").replace("case_file_bytes: 2048", "case_file_bytes: lots"),
        encoding="utf-8",
    )
    checked = repo.run("validate")
    assert checked.code == 1
    line = line_of(config, "case_file_bytes: lots")
    assert f"casekit.yaml:{line}: limits.case_file_bytes: must be a whole number of bytes" in checked.out


def _person_twice(text: str) -> str:
    return text.replace("\npeople:\n", "\npeople:\n  li.na: {name: 李娜, roles: [agent, supervisor]}\n", 1)


def _email_twice(text: str) -> str:
    return text.replace(
        "\npeople:\n", "\npeople:\n  boss: {name: 老板, email: li.na@example.com, roles: [supervisor]}\n", 1
    )


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_person_twice, "the key 'li.na' appears twice"),
        (_email_twice, "li.na@example.com is also the email of"),
    ],
)
def test_duplicated_person_in_config_is_refused(repo: CLI, make: Callable[[str], str], says: str) -> None:
    case_id = repo.new()
    config = repo.root / "casekit.yaml"
    assert "\n  li.na:" in config.read_text(encoding="utf-8")
    config.write_text(make(config.read_text(encoding="utf-8")), encoding="utf-8")
    _commit_by_hand(repo, "a person twice")
    before, head = repo.case_path(case_id).read_bytes(), repo.head()

    validate = repo.run("validate")
    assert validate.code == 1
    about = [line for line in validate.out.splitlines() if line.startswith("casekit.yaml:")]
    assert len(about) == 1 and says in about[0], validate.out
    assert re.match(r"casekit\.yaml:\d+: ", about[0])
    listed = repo.refused("list")
    assert says in listed.err
    repo.refused("move", case_id, "assessing", actor="li.na")
    assert repo.case_path(case_id).read_bytes() == before and repo.head() == head


# --- in process: whatever the bytes, the reader answers with a case or a problem ---------

_YAMLISH = st.text(alphabet="[]{}:,- &*!|>'\"#\n?%@`~.\tab01xé李", max_size=400)


def _nested(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.binary(max_size=600),
        _YAMLISH.map(str.encode),
        st.integers(0, 3000).map(_nested).map(str.encode),
    )
)
def test_case_reader_answers_every_input_with_a_case_or_a_problem(raw: bytes) -> None:
    from casekit.core.validation import parse_doc
    from casekit.store.casefiles import parse_case

    doc, problems = parse_doc("cases/x.yaml", raw)  # any other exception fails the test
    assert (doc is None) == bool(problems)
    assert all(p.path == "cases/x.yaml" and p.message for p in problems)

    from casekit.errors import Refused

    root = Path("/nonexistent-root")
    for for_rewrite in (False, True):
        try:
            parse_case(root, root / "cases/x.yaml", raw, for_rewrite=for_rewrite)
        except Refused as exc:  # one sentence naming the file
            assert str(exc).startswith("cases/x.yaml") and "\n" not in str(exc)


@pytest.mark.parametrize("name", ["alias bomb", "duplicate key", "oversize"])
def test_server_refuses_a_push_of_a_hostile_case_file(repo: CLI, tmp_path: Path, name: str) -> None:
    from gitserver import clone, git, hand_commit, make_server, server_head

    make, says = HOSTILE[name]
    case_id = repo.new()
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    path = agent.case_path(case_id)
    path.write_text(make(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert hand_commit(agent, f"{case_id}: by hand").returncode == 0
    before = server_head(server)
    pushed = git(agent, "push", "origin", "main")
    assert pushed.returncode != 0
    assert "pre-receive hook declined" in pushed.stderr
    assert says in pushed.stderr, pushed.stderr
    assert "Traceback" not in pushed.stderr
    assert server_head(server) == before
