"""Identity: only the people of casekit.yaml act; someone else is refused with how to be
listed (or which login to use), and reply scripts name the agent as `people` does, never
as git's user.name."""

from __future__ import annotations

from conftest import CLI, edit_file
from gitserver import hand_commit

LI_NA = "li.na: {name: 李娜, email: li.na@example.com, roles: [agent]}"


def without_actor(cli: CLI) -> CLI:
    return CLI(cli.root, {k: v for k, v in cli.environ.items() if k != "CASEKIT_ACTOR"})


def join_team(cli: CLI, entry: str) -> None:
    """A supervisor adds a person to casekit.yaml's people and commits it."""
    edit_file(cli.root / "casekit.yaml", LI_NA, f"{LI_NA}\n  {entry}")
    hand_commit(cli, "a new agent joins", login="zhang.wei", verify=True).check_returncode()


def test_an_actor_not_in_people_is_refused_with_how_to_be_added(repo: CLI) -> None:
    case_id = repo.new()
    head = repo.head()
    refused = repo.refused("note", case_id, "你好", actor="zhao.lei")
    assert "'zhao.lei' is not one of the people in casekit.yaml" in refused.err
    assert "--actor LOGIN" in refused.err and "li.na, wang.fang, chen.jie, zhang.wei" in refused.err
    assert (
        "people:" in refused.err and "zhao.lei: {name: zhao.lei, email: zhao.lei@example.com" in refused.err
    )
    by_ident = repo.refused(
        "new",
        "complaint",
        "--title",
        "t",
        "--customer",
        "c",
        "--channel",
        "phone",
        actor="Zhao Lei <zl@example.org>",
    )
    assert (
        "'Zhao Lei <zl@example.org>'" in by_ident.err
        and "zl: {name: Zhao Lei, email: zl@example.org" in by_ident.err
    )
    chinese = repo.refused("note", case_id, "你好", actor="zhao.lei", extra_env={"CASEKIT_LANG": "zh_CN"})
    assert "不在 casekit.yaml 的人员（people）中" in chinese.err and "li.na、wang.fang" in chinese.err
    assert repo.head() == head

    # a listed person acts by login, display name or email
    for who in ("wang.fang", "王芳", "wang.fang@example.com", "王芳 <wang.fang@example.com>"):
        repo.ok("note", case_id, "已回电", actor=who)
        assert "Case-Actor: wang.fang <wang.fang@example.com>" in repo.git(
            "log", "-1", "--format=%(trailers)"
        )


def test_a_git_identity_not_in_people_is_refused_until_it_is_added(repo: CLI) -> None:
    case_id = repo.new()
    agent = without_actor(repo)
    agent.git("config", "user.name", "Zhao Lei")
    agent.git("config", "user.email", "zhao.lei@example.com")
    refused = agent.refused("note", case_id, "你好")
    assert "'Zhao Lei <zhao.lei@example.com>' is not one of the people in casekit.yaml" in refused.err
    assert "zhao.lei: {name: Zhao Lei, email: zhao.lei@example.com, roles: [agent]}" in refused.err
    script = agent.refused("script", case_id)
    assert "is not one of the people in casekit.yaml" in script.err

    join_team(repo, "zhao.lei: {name: 赵磊, email: zhao.lei@example.com, roles: [agent]}")
    agent.ok("note", case_id, "已致电客户")
    assert "Case-Actor: zhao.lei <zhao.lei@example.com>" in repo.git("log", "-1", "--format=%(trailers)")
    assert repo.git("log", "-1", "--format=%an").strip() == "赵磊"


def test_scripts_introduce_the_agent_by_the_name_in_people(repo: CLI) -> None:
    case_id = repo.new()
    repo.git("config", "user.name", "Machine User")
    repo.git("config", "user.email", "someone@build.example")
    text = repo.ok("script", case_id).out
    assert "我是" in text and "客服李娜" in text and "Machine User" not in text
    assert "客服王芳" in repo.ok("script", case_id, actor="wang.fang").out

    # no actor at all: the case's assignee reads it, named as people names them
    reader = without_actor(repo)
    reader.git("config", "--unset", "user.name")
    reader.git("config", "--unset", "user.email")
    assert "客服李娜" in reader.ok("script", case_id).out

    # an agent whose display name differs from their git name is introduced by the former
    join_team(repo, "zhao.lei: {name: 赵磊, email: zhao.lei@example.com, roles: [agent]}")
    reader.git("config", "user.name", "Zhao Lei")
    reader.git("config", "user.email", "zhao.lei@example.com")
    text = reader.ok("script", case_id).out
    assert "客服赵磊" in text and "Zhao Lei" not in text
