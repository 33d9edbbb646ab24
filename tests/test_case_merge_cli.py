"""Merging a duplicate case into the case that stays, and undoing it, through the real CLI,
real git repositories and the server's real pre-receive hook. (tests/test_casemerge.py is
about git merges of case files, a different thing.)"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

from conftest import CLI, read_case
from gitserver import clone, edit, git, make_server, server_head
from test_survey_loop import WALK, resolved_complaint, the_callback


def investigating(cli: CLI, channel: str = "phone", **kwargs: Any) -> str:
    case_id = cli.new("complaint", "--set", "category=product-quality", **kwargs)
    if channel != "phone":
        cli.ok("update", case_id, "--set", f"channel={channel}", **kwargs)
    cli.ok("move", case_id, "assessing", **kwargs)
    cli.ok("move", case_id, "investigating", "--set", "responsible_department=售后技术部", **kwargs)
    return case_id


def trailer_lines(cli: CLI, rev: str = "HEAD") -> list[tuple[str, str]]:
    text = cli.git("log", "-1", "--format=%(trailers:only,unfold)", rev)
    return [tuple(line.split(": ", 1)) for line in text.splitlines() if ": " in line]  # type: ignore[misc]


def without_history(case: dict[str, Any]) -> dict[str, Any]:
    rest = copy.deepcopy(case)
    rest.pop("history")
    return rest


def changed_files(cli: CLI, rev: str = "HEAD") -> set[str]:
    return set(cli.git("show", "--name-only", "--format=", rev).split())


def test_merge_closes_the_duplicate_keeps_its_history_whole_and_makes_one_commit(repo: CLI) -> None:
    survivor = investigating(repo)
    dup = investigating(repo)
    before = read_case(repo.case_path(dup))
    survivor_before = read_case(repo.case_path(survivor))
    count = repo.commit_count()

    result = repo.ok("merge", dup, survivor, "--note", "微博与电话反映的是同一问题", actor="zhang.wei")
    assert result.out.strip() == dup
    assert repo.commit_count() == count + 1
    assert changed_files(repo) == {
        str(repo.case_path(dup).relative_to(repo.root)),
        str(repo.case_path(survivor).relative_to(repo.root)),
    }
    assert repo.git("status", "--porcelain").strip() == ""

    merged = read_case(repo.case_path(dup))
    assert merged["status"] == "merged"
    assert merged["merged_into"] == survivor
    assert merged["history"][:-1] == before["history"]
    entry = merged["history"][-1]
    assert (entry["action"], entry["from"], entry["to"], entry["case"], entry["by"]) == (
        "merge",
        "investigating",
        "merged",
        survivor,
        "zhang.wei",
    )

    kept = read_case(repo.case_path(survivor))
    assert kept["history"][:-1] == survivor_before["history"]
    assert kept["status"] == survivor_before["status"]
    merged_from = kept["history"][-1]
    assert merged_from["action"] == "merged-from" and merged_from["case"] == dup
    assert merged_from["entries"] == before["history"]  # nested, whole and unmodified
    assert merged_from["note"] == "微博与电话反映的是同一问题"

    subject = repo.git("log", "-1", "--format=%s").strip()
    assert subject == f"{dup}: merged into {survivor}"
    trailers = trailer_lines(repo)
    assert ("Case-Action", "merge") in trailers and ("Case-Survivor", survivor) in trailers
    assert ("Case-From", "investigating") in trailers and ("Case-To", "merged") in trailers
    repo.ok("audit")
    repo.ok("validate")


def test_unmerge_puts_the_duplicate_back_as_it_was_with_its_clocks(repo: CLI) -> None:
    survivor = investigating(repo)
    dup = investigating(repo)
    before = read_case(repo.case_path(dup))
    assert before["deadlines"]
    repo.ok("merge", dup, survivor, actor="zhang.wei")
    merged = read_case(repo.case_path(dup))
    # merged is final: every clock stops (met at the merge)
    assert all("met" in d for d in merged["deadlines"].values()), merged["deadlines"]
    assert dup not in repo.ok("list", "--overdue", now="2027-06-01T10:00:00+08:00").out
    count = repo.commit_count()

    repo.ok("unmerge", dup, "--note", "核实后为两个不同的问题", actor="zhang.wei")
    assert repo.commit_count() == count + 1
    after = read_case(repo.case_path(dup))
    assert without_history(after) == without_history(before)  # state, clocks, fields: exactly back
    assert after["history"][: len(before["history"])] == before["history"]
    merge_entry, unmerge_entry = after["history"][len(before["history"]) :]
    assert merge_entry["action"] == "merge"
    assert (unmerge_entry["action"], unmerge_entry["from"], unmerge_entry["to"]) == (
        "unmerge",
        "merged",
        "investigating",
    )
    kept = read_case(repo.case_path(survivor))
    merged_from, unmerged = kept["history"][-2:]
    assert merged_from["action"] == "merged-from"  # still there: history is append-only
    assert (unmerged["action"], unmerged["case"], unmerged["merged_at"]) == (
        "unmerged",
        dup,
        merged_from["at"],
    )
    assert ("Case-Action", "unmerge") in trailer_lines(repo)
    repo.ok("audit")

    # and it may be merged again (the same survivor or another)
    repo.ok("merge", dup, survivor, actor="zhang.wei")
    assert read_case(repo.case_path(dup))["status"] == "merged"
    repo.ok("audit")


def test_a_merge_without_a_note_records_a_keyed_remark_that_each_language_reads_and_audit_checks(
    repo: CLI, tmp_path: Path
) -> None:
    survivor, dup = investigating(repo), investigating(repo)
    twin = CLI(tmp_path / "twin", repo.environ)
    shutil.copytree(repo.root, twin.root)
    now = "2026-11-24T10:00:00+08:00"
    repo.ok("merge", dup, survivor, actor="zhang.wei", now=now, extra_env={"CASEKIT_LANG": "zh_CN"})
    twin.ok("merge", dup, survivor, actor="zhang.wei", now=now)  # an English-speaking clone

    remark = {"note": "duplicates.merged", "case": dup, "into": survivor}
    merge_entry = read_case(repo.case_path(dup))["history"][-1]
    merged_from = read_case(repo.case_path(survivor))["history"][-1]
    assert merge_entry["remark"] == merged_from["remark"] == remark
    assert "note" not in merge_entry and "note" not in merged_from
    # the Chinese and the English clone wrote the same files and the same commit
    for case_id in (dup, survivor):
        assert repo.case_path(case_id).read_bytes() == twin.case_path(case_id).read_bytes()
    assert repo.git("log", "-1", "--format=%B") == twin.git("log", "-1", "--format=%B")
    recorded = dict(trailer_lines(repo))["Case-Remark"]
    assert json.loads(recorded) == remark

    zh = {"CASEKIT_LANG": "zh_CN"}
    said_zh = f"{dup}与{survivor}为同一问题，合并到{survivor}"
    said_en = f"{dup} is the same problem as {survivor}, merged into it"
    assert said_zh in repo.ok("log", dup, extra_env=zh).out
    assert said_en in repo.ok("log", dup).out
    assert said_zh in repo.ok("show", survivor, extra_env=zh).err
    assert said_en in repo.ok("show", survivor).err
    repo.ok("audit")
    repo.ok("validate")

    # a remark changed by hand no longer agrees with its commit
    path = repo.case_path(dup)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"into: {survivor}", f"into: {dup}"), encoding="utf-8")
    repo.git("commit", "-q", "--no-verify", "--amend", "-a", "--no-edit")
    audit = repo.run("audit")
    assert audit.code == 1 and "remark is" in audit.out and "Case-Remark" in audit.out, audit.out


def test_open_callbacks_move_to_the_survivor_and_back(repo: CLI) -> None:
    dup = resolved_complaint(repo, escalate=False)
    callback = the_callback(repo, dup)
    survivor = investigating(repo)
    callback_before = read_case(repo.case_path(callback))

    result = repo.ok("merge", dup, survivor, actor="li.na")
    assert callback in result.err
    assert changed_files(repo) == {
        str(repo.case_path(c).relative_to(repo.root)) for c in (dup, survivor, callback)
    }
    assert ("Case-Moved", callback) in trailer_lines(repo)
    moved = read_case(repo.case_path(callback))
    assert moved["status"] == "scheduled"
    refollow = moved["history"][-1]
    assert (refollow["action"], refollow["case"], refollow["previous"]) == ("refollow", survivor, dup)
    assert survivor in moved["links"]
    kept = read_case(repo.case_path(survivor))
    assert kept["history"][-1]["callbacks"] == [callback]
    assert callback in kept["links"]
    # the survivor now owns the callback: resolving it opens no second one, and it cannot be
    # closed while the callback is scheduled
    for target, extra in WALK[2:]:
        repo.ok("move", survivor, target, *extra)
    kept = read_case(repo.case_path(survivor))
    assert [c for c in kept["links"] if c.startswith("B-")] == [callback]
    refused = repo.refused("move", survivor, "closed", "--set", "summary=已换新机")
    assert callback in refused.err
    repo.ok("audit")

    repo.ok("unmerge", dup, actor="li.na")
    back = read_case(repo.case_path(callback))
    entry = back["history"][-1]
    assert (entry["action"], entry["case"], entry["previous"]) == ("refollow", dup, survivor)
    assert back["status"] == callback_before["status"] == "scheduled"
    assert read_case(repo.case_path(dup))["status"] == "resolved"

    # the callback follows the duplicate again: its survey is written there
    repo.ok("move", callback, "completed", "--set", "satisfaction=satisfied", "--set", "suggestions=很好")
    survey = read_case(repo.case_path(dup))["history"][-1]
    assert (survey["action"], survey["case"]) == ("survey", callback)
    assert read_case(repo.case_path(survivor))["history"][-1]["action"] == "unmerged"
    repo.ok("audit")


def test_a_moved_callback_reports_its_survey_to_the_survivor(repo: CLI) -> None:
    dup = resolved_complaint(repo, escalate=False)
    callback = the_callback(repo, dup)
    survivor = investigating(repo)
    repo.ok("merge", dup, survivor)
    repo.ok("move", callback, "completed", "--set", "satisfaction=satisfied", "--set", "suggestions=很好")
    survey = read_case(repo.case_path(survivor))["history"][-1]
    assert (survey["action"], survey["case"]) == ("survey", callback)
    assert read_case(repo.case_path(dup))["history"][-1]["action"] == "merge"
    repo.ok("audit")


def test_refusals_change_nothing_and_name_the_case(repo: CLI) -> None:
    survivor = investigating(repo)
    dup = investigating(repo)
    callback_case = resolved_complaint(repo, escalate=False)
    callback = the_callback(repo, callback_case)
    closed = repo.new("complaint")
    repo.ok("move", closed, "assessing")
    repo.ok("move", closed, "rejected", "--set", "rejection_reason=非本公司产品")
    third = investigating(repo)
    repo.ok("merge", third, survivor)

    def refused(*args: str, words: str) -> None:
        files = {p: p.read_bytes() for p in (repo.root / "cases").rglob("*.yaml")}
        head = repo.head()
        result = repo.refused(*args)
        assert words in result.err, result.err
        assert repo.head() == head
        assert {p: p.read_bytes() for p in (repo.root / "cases").rglob("*.yaml")} == files

    refused("merge", dup, dup, words=f"{dup}: a case cannot be merged into itself")
    refused("merge", dup, callback, words=f"{dup}: it is a complaint and {callback} is a callback")
    refused("merge", third, dup, words=f"{third}: it is already merged into {survivor}")
    refused("merge", dup, third, words=f"{third}: it is itself merged into {survivor}")
    refused("merge", closed, dup, words=f"{closed}: it is rejected")
    refused("unmerge", dup, words=f"{dup}: it is not merged into another case")
    refused("move", dup, "merged", words="merged")
    refused("merge", dup, "C-20991231-ZZZZ-ZZZZ", words="no case C-20991231-ZZZZ-ZZZZ")
    usage = repo.run("merge", dup)
    assert usage.code == 2 and "Traceback" not in usage.err


def test_the_config_keeps_merged_for_casekit_merge_only(repo: CLI) -> None:
    text = (repo.root / "casekit.yaml").read_text(encoding="utf-8")
    assert text.count("merge: true") == 4  # complaint, callback, return, cancellation
    edit(
        repo.root / "casekit.yaml",
        "      received:\n        assessing: {}\n",
        "      received:\n        assessing: {}\n        merged: {}\n",
    )
    result = repo.run("validate")
    assert result.code == 1 and "reached only by `casekit merge`" in result.out + result.err


def clock_total(report: str) -> int:
    found = re.search(r"合计：达成 (\d+)，超时 (\d+)", report)
    assert found, report
    return int(found.group(1)) + int(found.group(2))


def test_reports_count_a_merged_duplicate_once(repo: CLI) -> None:
    now = "2026-11-25T10:00:00+08:00"
    survivor = investigating(repo, now=now)
    dup = investigating(repo, "weibo", now=now)
    week = ["report", "weekly", "--week", "2026-W48", "--format", "md"]
    report_day = "2026-12-01T09:00:00+08:00"
    before = repo.ok(*week, now=report_day).out
    assert "| 投诉 | 2 |" in before and "本期新增投诉：**2**" in before and "| 微博 | 1 |" in before
    assert f"| {dup}<br>" in before
    repo.ok("merge", dup, survivor, now="2026-11-25T11:00:00+08:00", actor="zhang.wei")
    after = repo.ok(*week, now=report_day).out
    assert "| 投诉 | 1 |" in after and "本期新增投诉：**1**" in after
    assert "| 微博 | 1 |" not in after and f"| {dup}<br>" not in after
    assert f"| {survivor}<br>" in after
    # its clocks count once too: the duplicate's, met at the merge, are not in the figures
    assert clock_total(after) * 2 == clock_total(before) > 0
    # undone, it counts again as it did
    repo.ok("unmerge", dup, now="2026-11-25T12:00:00+08:00", actor="zhang.wei")
    again = repo.ok(*week, now=report_day).out
    assert "| 投诉 | 2 |" in again and "| 微博 | 1 |" in again


def test_the_server_accepts_real_merges_and_refuses_forged_ones(repo: CLI, tmp_path: Path) -> None:
    dup = resolved_complaint(repo, escalate=False)
    callback = the_callback(repo, dup)
    survivor = investigating(repo)
    server = make_server(repo, tmp_path / "server.git")
    agent = clone(server, tmp_path / "zhang.wei", repo.environ, "zhang.wei")
    start = server_head(server)

    # hand-edited YAML pretending to be a merge: state and pointer written, no casekit commit
    path = agent.case_path(dup)
    edit(path, "status: resolved", "status: merged")
    agent.git("commit", "-q", "--no-verify", "-am", "合并重复投诉")
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0 and "[rule: trailers]" in result.stderr, result.stderr
    assert server_head(server) == start
    agent.git("reset", "-q", "--hard", "origin/main")

    # casekit's merge, then the copied history changed: the survivor no longer holds it whole
    agent.ok("merge", dup, survivor)
    kept = agent.case_path(survivor)
    text = kept.read_text(encoding="utf-8")
    assert text.count("已更换新机") >= 1
    kept.write_text(text.replace("已更换新机", "已退款", 1), encoding="utf-8")
    agent.git("commit", "-q", "--no-verify", "--amend", "-a", "--no-edit")
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0 and "[rule: merge-cases]" in result.stderr, result.stderr
    assert "whole and unchanged" in result.stderr
    assert server_head(server) == start
    audit = agent.run("audit", "--since", "origin/main")
    assert audit.code == 1 and "[rule: merge-cases]" in audit.out

    # a merge that leaves the callback behind (does not write what casekit merge writes)
    agent.git("reset", "-q", "--hard", "origin/main")
    agent.ok("merge", dup, survivor)
    agent.git("checkout", "HEAD~1", "--", str(agent.case_path(callback).relative_to(agent.root)))
    agent.git("commit", "-q", "--no-verify", "--amend", "--no-edit")
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0 and "[rule: merge-cases]" in result.stderr, result.stderr
    assert server_head(server) == start

    # the honest merge and its undoing are accepted
    agent.git("reset", "-q", "--hard", "origin/main")
    agent.ok("merge", dup, survivor)
    agent.ok("unmerge", dup)
    result = git(agent, "push", "origin", "main")
    assert result.returncode == 0, result.stderr
    assert server_head(server) == agent.head()
    agent.ok("audit")

    # an unmerge forged by hand: the state put back without the survivor's or callback's side
    agent.ok("merge", dup, survivor)
    result = git(agent, "push", "origin", "main")
    assert result.returncode == 0, result.stderr
    start = server_head(server)
    agent.ok("unmerge", dup)
    for other in (survivor, callback):
        agent.git("checkout", "HEAD~1", "--", str(agent.case_path(other).relative_to(agent.root)))
    agent.git("commit", "-q", "--no-verify", "--amend", "--no-edit")
    result = git(agent, "push", "origin", "main")
    assert result.returncode != 0 and "[rule: merge-cases]" in result.stderr, result.stderr
    assert server_head(server) == start


EXAMPLE_DUP, EXAMPLE_SURVIVOR = "C-20261120-91TS-5PDY", "C-20261120-E90B-AY82"


def test_the_example_duplicate_is_merged_and_the_help_examples_work_on_it(example_repo: CLI) -> None:
    dup = read_case(example_repo.case_path(EXAMPLE_DUP))
    assert dup["status"] == "merged" and dup["merged_into"] == EXAMPLE_SURVIVOR
    assert dup["channel"] == "weibo"
    kept = read_case(example_repo.case_path(EXAMPLE_SURVIVOR))
    assert kept["channel"] == "phone"
    (merged_from,) = [e for e in kept["history"] if e["action"] == "merged-from"]
    assert merged_from["by"] == "zhang.wei" and merged_from["entries"] == dup["history"][:-1]
    log = example_repo.ok("log", EXAMPLE_DUP).out
    assert "merge" in log and ("zhang.wei" in log or "张伟" in log)

    for command in ("merge", "unmerge"):
        text = example_repo.ok(command, "--help").out
        assert EXAMPLE_DUP in text and "合并" in text
    at = "2026-11-23T10:00:00+08:00"
    example_repo.ok("unmerge", EXAMPLE_DUP, "--note", "核实后为两个不同的问题", now=at, actor="zhang.wei")
    assert read_case(example_repo.case_path(EXAMPLE_DUP))["status"] == "received"
    example_repo.ok(
        "merge",
        EXAMPLE_DUP,
        EXAMPLE_SURVIVOR,
        "--note",
        "微博与电话反映的是同一问题",
        now="2026-11-23T10:05:00+08:00",
        actor="zhang.wei",
    )
    assert read_case(example_repo.case_path(EXAMPLE_DUP))["status"] == "merged"
    example_repo.ok("audit")
