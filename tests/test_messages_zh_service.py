"""The Chinese desk: refusals of the services, of `casekit sync` and of the server's
pre-receive hook, and the tables of `list`, in Chinese from the message catalogue."""

from __future__ import annotations

from pathlib import Path

from conftest import CLI
from gitserver import clone, git, make_server, server_head

CHINESE = {"CASEKIT_LANG": "zh_CN"}
# No variable that chooses a language: the repository's `locale` (zh-CN) decides.
NO_LANGUAGE = {"CASEKIT_LANG": "", "LANGUAGE": "", "LC_ALL": "", "LANG": "C.UTF-8"}


def test_linking_a_case_to_itself_is_refused_in_chinese(repo: CLI) -> None:
    case_id = repo.new()
    head = repo.head()
    result = repo.refused("link", case_id, case_id, extra_env=CHINESE)
    assert result.err.strip().endswith(f"{case_id}：工单不能关联到自身")
    assert repo.head() == head


def test_a_note_without_text_is_refused_in_chinese(repo: CLI) -> None:
    case_id = repo.new()
    result = repo.refused("note", case_id, " ", extra_env=CHINESE)
    assert "备注为空；请写明发生了什么，例如 casekit note ID '已致电客户'" in result.err


def test_list_shows_chinese_headers_and_count(repo: CLI) -> None:
    case_id = repo.new()
    lines = repo.ok("list", extra_env=CHINESE).lines
    headers = ["编号", "类型", "状态", "优先级", "标题", "客户", "处理人", "受理时间", "期限"]
    assert lines[0].split() == headers

    assert any(line.startswith(case_id) for line in lines)
    assert lines[-1] == "（1 个工单）"
    assert repo.ok("list", "--assignee", "wang.fang", extra_env=CHINESE).out.strip() == "没有符合条件的工单"


def test_sync_refuses_uncommitted_changes_in_chinese(repo: CLI, tmp_path: Path) -> None:
    case_id = repo.new()
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    path = agent.case_path(case_id)
    path.write_text(path.read_text(encoding="utf-8").replace("王先生", "王建国"), encoding="utf-8")
    rel = path.relative_to(agent.root).as_posix()
    result = agent.refused("sync", extra_env=CHINESE)
    assert f"有未提交的改动（{rel}）；请先提交或用 `git stash` 暂存，再同步" in result.err


def test_the_server_refuses_a_force_push_in_the_language_of_its_config(repo: CLI, tmp_path: Path) -> None:
    case_id = repo.new()
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    agent.ok("note", case_id, "第一次致电")
    agent.ok("sync")
    agent.git("reset", "-q", "--hard", "HEAD~1")
    agent.ok("note", case_id, "改写的记录")
    before = server_head(server)

    # The hook runs in the server's bare repository: its language is the `locale` of the
    # casekit.yaml on the server's HEAD, when nothing in the environment chooses one.
    result = git(agent, "push", "--force", "origin", "main", env=NO_LANGUAGE)
    assert result.returncode != 0
    assert "这次推送改写了 main 的历史" in result.stderr, result.stderr
    assert "切勿强制推送：请运行 `casekit sync`" in result.stderr
    assert "casekit pre-receive：1 个问题；推送被拒绝。服务器上没有任何改动" in result.stderr
    assert server_head(server) == before

    # A language the environment asks for wins over the config's.
    english = git(agent, "push", "--force", "origin", "main", env={**NO_LANGUAGE, "CASEKIT_LANG": "en"})
    assert english.returncode != 0
    assert "rewrites the history of main" in english.stderr
    assert "casekit pre-receive: 1 problem; the push was refused" in english.stderr
