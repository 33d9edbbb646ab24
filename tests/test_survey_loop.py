"""The survey loop through the real CLI and the server's real hook: a resolved complaint's
callback goes to the agent who handled it, its result is recorded on the complaint in the
callback's own commit (`Case-Updated`), a dissatisfied survey opens a Chinese follow-up
complaint linked to both, and the complaint cannot be closed while its callback is open."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import CLI, read_case
from gitserver import clone, edit, git, hand_commit, make_server, server_head

WALK = [
    ("assessing", []),
    ("investigating", ["--set", "responsible_department=售后技术部"]),
    ("proposed", ["--set", "solution=上门更换新机"]),
    ("implementing", ["--set", "accepted_solution=上门更换新机"]),
    ("resolved", ["--set", "resolution=已更换新机"]),
]
WORDS = "新机又收不到传真"


def trailer_lines(cli: CLI, rev: str = "HEAD") -> list[tuple[str, str]]:
    text = cli.git("log", "-1", "--format=%(trailers:only,unfold)", rev)
    return [tuple(line.split(": ", 1)) for line in text.splitlines() if ": " in line]  # type: ignore[misc]


def show(cli: CLI, case_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cli.ok("show", case_id, "--format", "json").out)
    return data


def the_callback(cli: CLI, complaint: str) -> str:
    (callback,) = [c for c in read_case(cli.case_path(complaint))["links"] if c.startswith("B-")]
    return str(callback)


def resolved_complaint(cli: CLI, *, escalate: bool = True, now: str | None = None) -> str:
    """A complaint li.na handled, escalated to zhang.wei on the way (who resolves it)."""
    complaint = cli.new(
        "complaint",
        "--set",
        "category=product-quality",
        "--set",
        "product=传真机 FX-200",
        "--set",
        "merchant=优品数码旗舰店",
        "--set",
        "content=传真机有时无法接收传真",
        now=now,
    )
    for step, (target, extra) in enumerate(WALK):
        actor = "zhang.wei" if escalate and step >= 2 else "li.na"
        cli.ok("move", complaint, target, *extra, now=now, actor=actor)
        if escalate and step == 1:
            cli.ok("escalate", complaint, "--to", "zhang.wei", "--note", "客户要求主管处理", now=now)
    return complaint


def complete(cli: CLI, callback: str, level: str = "dissatisfied", **kwargs: Any) -> Any:
    return cli.ok(
        "move",
        callback,
        "completed",
        "--set",
        f"satisfaction={level}",
        "--set",
        f"suggestions={WORDS}",
        **kwargs,
    )


def test_a_dissatisfied_survey_closes_the_loop_in_one_commit_in_chinese(repo: CLI) -> None:
    complaint = resolved_complaint(repo)
    assert read_case(repo.case_path(complaint))["assignee"] == "zhang.wei"  # escalated
    callback = the_callback(repo, complaint)
    cb = read_case(repo.case_path(callback))
    assert cb["assignee"] == "li.na"  # the agent who handled it, not the supervisor
    assert cb["history"][0]["remark"] == {
        "note": "callbacks.after-state",
        "kind": "complaint",
        "case": complaint,
        "state": "resolved",
    }
    shown = repo.ok("show", callback, extra_env={"CASEKIT_LANG": "zh_CN"}).err
    assert f"第 1 条记录：投诉{complaint}已解决，安排回访" in shown

    # closing the complaint while its callback is scheduled is refused, naming both and the way on
    before = (repo.head(), repo.case_path(complaint).read_bytes())
    refused = repo.refused("move", complaint, "closed", "--set", "summary=批次问题")
    assert refused.err.startswith(f"casekit: {complaint}: 投诉{complaint}的回访{callback}还未结束")
    assert f"casekit move {callback} completed" in refused.err and "cancelled" in refused.err
    assert "zhang.wei" in refused.err
    assert (repo.head(), repo.case_path(complaint).read_bytes()) == before

    commits = repo.commit_count()
    result = complete(repo, callback)
    assert repo.commit_count() == commits + 1
    links = read_case(repo.case_path(callback))["links"]
    assert links[0] == complaint
    (follow_up,) = links[1:]
    assert f"opened follow-up complaint {follow_up}" in result.err
    assert sorted(trailer_lines(repo)) == sorted(
        [
            ("Case-Id", callback),
            ("Case-Kind", "callback"),
            ("Case-Action", "move"),
            ("Case-From", "scheduled"),
            ("Case-To", "completed"),
            ("Case-Actor", "li.na <li.na@example.com>"),
            ("Case-Opened", follow_up),
            ("Case-Updated", complaint),
            ("Case-Derived", "2"),
        ]
    )
    changed = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == sorted(
        str(repo.case_path(c).relative_to(repo.root)) for c in (callback, complaint, follow_up)
    )

    # the survey is on the complaint it followed, as `show` reads it
    original = show(repo, complaint)
    assert original["fields"]["satisfaction"] == "dissatisfied"
    survey = read_case(repo.case_path(complaint))["history"][-1]
    assert survey["action"] == "survey"
    assert survey["case"] == callback and survey["result"] == "completed"
    assert survey["set"] == {"satisfaction": "dissatisfied"}  # a complaint has no suggestions field
    assert survey["opened"] == [follow_up] and follow_up in original["links"]

    # the follow-up complaint: Chinese, the customer's words, the original's facts, both links
    data = read_case(repo.case_path(follow_up))
    fields = data["fields"]
    assert fields["content"] == f"客户回访评价不满意：{WORDS}"
    assert fields["category"] == "product-quality"
    assert fields["product"] == "传真机 FX-200"
    assert fields["merchant"] == "优品数码旗舰店"
    assert fields["follow_up_of"] == callback
    assert data["links"] == [callback, complaint]
    assert data["assignee"] == "li.na"
    remark = data["history"][0]["remark"]
    assert remark == {
        "note": "callbacks.follow-up-of",
        "callback": callback,
        "satisfaction": "dissatisfied",
        "kind": "complaint",
        "case": complaint,
    }
    shown = repo.ok("show", follow_up, extra_env={"CASEKIT_LANG": "zh_CN"}).err
    (line,) = [line for line in shown.splitlines() if line.startswith("第 1 条记录：")]
    assert line == f"第 1 条记录：回访{callback}客户评价不满意，跟进投诉{complaint}"
    assert not re.search(r"[a-z]{3,}", line)  # no English word, no enum key
    english = repo.ok("show", follow_up).err
    assert (
        f"history entry 1: callback {callback}: satisfaction Dissatisfied; following up Complaint {complaint}"
        in (english)
    )
    opened = repo.ok("log", follow_up, extra_env={"CASEKIT_LANG": "zh_CN"}).out
    assert f"回访{callback}客户评价不满意，跟进投诉{complaint}" in opened
    assert "dissatisfied" not in json.dumps(fields, ensure_ascii=False)
    assert data["title"] == "回访不满意跟进：传真机有时无法接收传真"

    repo.ok("audit")
    repo.ok("validate")
    # the callback has ended: the complaint closes now
    repo.ok("move", complaint, "closed", "--set", "summary=批次问题，已反馈生产部门", actor="li.na")


def test_the_follow_up_may_go_to_the_supervisor_and_a_satisfied_survey_opens_none(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit(config, "    assign: handler ", "    assign: supervisor ")
    assert (
        hand_commit(repo, "follow-ups go to the supervisor", login="zhang.wei", verify=True).returncode == 0
    )
    complaint = resolved_complaint(repo)
    callback = the_callback(repo, complaint)
    complete(repo, callback)
    (follow_up,) = read_case(repo.case_path(callback))["links"][1:]
    assert read_case(repo.case_path(follow_up))["assignee"] == "zhang.wei"

    second = resolved_complaint(repo, escalate=False)
    other = the_callback(repo, second)
    complete(repo, other, "satisfied")
    assert [c for c in read_case(repo.case_path(other))["links"]] == [second]
    assert show(repo, second)["fields"]["satisfaction"] == "satisfied"
    repo.ok("audit")


def test_a_supervisor_may_close_with_the_callback_open_and_the_config_may_allow_it(repo: CLI) -> None:
    complaint = resolved_complaint(repo, escalate=False)
    callback = the_callback(repo, complaint)
    repo.ok("move", complaint, "closed", "--set", "summary=客户已满意", actor="zhang.wei")
    entry = read_case(repo.case_path(complaint))["history"][-1]
    assert entry["approved_by"] == "zhang.wei"
    assert entry["approval"] == [
        {"note": "callbacks.closed-with-open-callback", "state": "closed", "callbacks": callback}
    ]
    assert dict(trailer_lines(repo))["Case-Approved-By"] == "zhang.wei <zhang.wei@example.com>"
    # the callback still ends later, and its result still reaches the closed complaint
    complete(repo, callback, "neutral")
    assert show(repo, complaint)["fields"]["satisfaction"] == "neutral"

    config = repo.root / "casekit.yaml"
    edit(config, "  close_with_open_callback: refuse\n", "  close_with_open_callback: {complaint: allow}\n")
    assert (
        hand_commit(repo, "complaints close before callbacks", login="zhang.wei", verify=True).returncode == 0
    )
    second = resolved_complaint(repo, escalate=False)
    repo.ok("move", second, "closed", "--set", "summary=已处理", actor="li.na")
    assert "approved_by" not in read_case(repo.case_path(second))["history"][-1]
    # a cancelled callback ends too: the case it followed records it
    third = resolved_complaint(repo, escalate=False)
    cancelled = the_callback(repo, third)
    repo.ok("move", cancelled, "cancelled", "--set", "cancel_reason=客户不愿接受回访")
    survey = read_case(repo.case_path(third))["history"][-1]
    assert (survey["action"], survey["case"], survey["result"]) == ("survey", cancelled, "cancelled")
    assert "set" not in survey
    repo.ok("audit")


def test_the_monthly_report_counts_the_survey_on_the_complaint(repo: CLI) -> None:
    complaint = resolved_complaint(repo, escalate=False)
    complete(repo, resolved_callback := the_callback(repo, complaint))
    second = resolved_complaint(repo, escalate=False)
    complete(repo, the_callback(repo, second), "satisfied")
    assert resolved_callback
    report = json.loads(repo.ok("report", "monthly", "--month", "2026-11", "--format", "json").out)
    total = report["analysis"]["total"]
    # two complaints rated by their callbacks; the follow-up complaint is not rated yet
    assert (total["satisfied"], total["neutral"], total["dissatisfied"]) == (1, 0, 1)
    register = {row["id"]: row["satisfaction"] for row in report["register"]["rows"]}
    assert register[complaint] == "不满意" and register[second] == "满意"


# --- the server -----------------------------------------------------------------------

LATER = "2026-11-23T10:20:00+08:00"


def test_the_server_accepts_an_honest_survey_and_refuses_a_forged_one(repo: CLI, tmp_path: Path) -> None:
    complaint = resolved_complaint(repo, escalate=False)
    callback = the_callback(repo, complaint)
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "li.na", repo.environ, "li.na")
    start = server_head(server)

    # a satisfaction written onto the complaint by hand, with no entry and no trailers
    path = agent.case_path(complaint)
    edit(path, "  category: product-quality", "  category: product-quality\n  satisfaction: satisfied")
    agent.git("commit", "-q", "--no-verify", "-am", "满意度补录")
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0 and "[rule: trailers]" in result.stderr, result.stderr
    assert server_head(server) == start
    agent.git("reset", "-q", "--hard", "origin/main")

    # casekit's own commit, then the complaint's record changed to what the customer did not say
    complete(agent, callback, now=LATER)
    path = agent.case_path(complaint)
    text = path.read_text(encoding="utf-8")
    assert text.count("dissatisfied") == 2  # the field and the survey entry
    path.write_text(text.replace("dissatisfied", "satisfied"), encoding="utf-8")
    agent.git("commit", "-q", "--no-verify", "--amend", "-a", "--no-edit")
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0, result.stderr
    assert "[rule: updated]" in result.stderr and f"{callback} holds 'dissatisfied'" in result.stderr
    assert server_head(server) == start
    audit = agent.run("audit", "--since", "origin/main")
    assert audit.code == 1 and "[rule: updated]" in audit.out

    # the honest completion is accepted
    agent.git("reset", "-q", "--hard", "origin/main")
    complete(agent, callback, now=LATER)
    result = git(agent, "push", "origin", "main")
    assert result.returncode == 0, result.stderr
    assert server_head(server) == agent.head()
    agent.ok("audit")
