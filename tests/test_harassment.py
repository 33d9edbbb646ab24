"""Harassment calls (骚扰电话, handbook 000): `casekit harassment log`, through the real CLI on
real repositories. A log is one commit; it has no deadlines and opens no callback; reports
keep it out of the complaint statistics and count it in the 骚扰电话统计 section; `casekit
new` warns when the caller's phone has a log, however the number is written."""

from __future__ import annotations

import json
import re
from typing import Any

from conftest import CLI, read_case

LINE = "400-820-8820"
HARASSMENT_ID = re.compile(r"\bH-\d{8}-")


def log(cli: CLI, phone: str, at: str, *extra: str, now: str | None = None, by: str = "agent") -> str:
    args = ["harassment", "log", "--phone", phone, "--line", LINE, "--said", "来电胡言乱语，引导无效"]
    result = cli.ok(*args, "--ended-by", by, "--at", at, *extra, now=now or at)
    return result.out.strip()


def trailers(cli: CLI) -> dict[str, str]:
    text = cli.git("log", "-1", "--format=%(trailers:only,unfold)")
    return dict(line.split(": ", 1) for line in text.splitlines() if line)


def test_a_call_is_logged_in_one_commit_with_what_was_said(repo: CLI) -> None:
    before, head = repo.commit_count(), repo.head()
    result = repo.ok(
        "harassment",
        "log",
        "--phone",
        "138 0013 8000",
        "--line",
        LINE,
        "--said",
        "言语低级下流",
        "--ended-by",
        "caller",
        "--at",
        "2026-11-23T09:58",
        "--severity",
        "obscene",
        "--note",
        "已礼貌结束通话",
    )
    case_id = result.out.strip()
    assert case_id.startswith("H-20261123-")
    assert repo.commit_count() == before + 1
    assert repo.git("status", "--porcelain").strip() == ""
    assert trailers(repo) | {"Case-Id": case_id} == {
        "Case-Id": case_id,
        "Case-Kind": "harassment",
        "Case-Action": "open",
        "Case-To": "logged",
        "Case-Actor": "li.na <li.na@example.com>",
        "Case-Derived": trailers(repo)["Case-Derived"],
    }
    case = read_case(repo.case_path(case_id))
    assert case["status"] == "logged"
    assert case["customer"] == {"name": "未知来电", "phone": "13800138000"}
    assert case["channel"] == "phone"
    assert case["fields"] == {
        "called_at": "2026-11-23T09:58:00+08:00",
        "call_line": LINE,
        "content": "言语低级下流",
        "ended_by": "caller",
        "severity": "obscene",
    }
    assert not case.get("deadlines")
    assert [e["action"] for e in case["history"]] == ["open"]
    assert case["history"][0]["note"] == "已礼貌结束通话"
    repo.ok("validate")
    repo.ok("audit")
    repo.ok("audit", "--since", head)  # the rules the server's pre-receive replays


def test_a_log_has_no_deadlines_and_opens_no_callback(repo: CLI) -> None:
    logged = log(repo, "13800138000", "2026-11-20T12:10:00+08:00")
    complaint = repo.new("complaint", now="2026-11-20T12:20:00+08:00")
    later = "2026-11-27T16:00:00+08:00"  # a week on: the complaint is long overdue
    overdue = json.loads(repo.ok("list", "--overdue", "--format", "json", now=later).out)
    assert [row["id"] for row in overdue] == [complaint]
    assert logged not in repo.ok("due", now=later).out
    assert complaint in repo.ok("due", now=later).out
    everything = json.loads(repo.ok("list", "--all", "--format", "json", now=later).out)
    assert {row["id"]: row["kind"] for row in everything} == {logged: "harassment", complaint: "complaint"}
    assert not (repo.root / "cases" / "callback").exists()
    assert not read_case(repo.case_path(logged)).get("deadlines")


def test_refusals_change_nothing(repo: CLI) -> None:
    before, head = repo.commit_count(), repo.head()
    base = ["harassment", "log", "--line", LINE, "--said", "胡说", "--ended-by", "agent"]
    cases = {
        ("--phone", "不是号码"): "--phone",
        ("--phone", "13800138000", "--at", "昨天中午"): "--at",
        ("--phone", "13800138000", "--at", "2026-11-23T10:06:00+08:00"): "later than now",
        ("--phone", "13800138000", "--said", " "): "--said",
    }
    for extra, named in cases.items():
        refused = repo.refused(*base, *extra)
        assert named in refused.err and "harassment log" in refused.err, refused.err
    usage = repo.run(*base, "--phone", "13800138000", "--ended-by", "nobody")
    assert usage.code == 2 and "Traceback" not in usage.err
    assert (repo.commit_count(), repo.head()) == (before, head)
    assert repo.git("status", "--porcelain", "--untracked-files=all").strip() == ""
    assert not (repo.root / "cases" / "harassment").exists()


def test_new_warns_when_the_phone_is_a_known_harassment_source(repo: CLI) -> None:
    logged = log(repo, "+8613800138000", "2026-11-23T09:40:00+08:00", now="2026-11-23T09:45:00+08:00")
    for number, phone in enumerate(["+86 138 0013 8000", "138 0013 8000", "13800138000"]):
        now = f"2026-11-23T10:0{number}:00+08:00"
        before = repo.commit_count()
        args = ["new", "complaint", "--title", "咨询订单", "--customer", "王先生", "--salutation", "先生"]
        result = repo.ok(*args, "--phone", phone, "--channel", "phone", now=now)
        case_id = result.out.strip()
        assert repo.commit_count() == before + 1  # still opened
        warnings = [line for line in result.err.splitlines() if "骚扰" in line]
        assert len(warnings) == 1, result.err
        assert case_id in warnings[0] and logged in warnings[0]
        assert "13800138000" not in warnings[0]  # masked
    clean = repo.ok(
        "new", "complaint", "--title", "咨询订单", "--customer", "李女士", "--salutation", "女士",
        "--phone", "13900139000", "--channel", "phone", now="2026-11-23T10:05:00+08:00",
    )  # fmt: skip
    assert "骚扰" not in clean.err


def test_a_second_call_from_the_number_says_so(repo: CLI) -> None:
    first = log(repo, "13800138000", "2026-11-23T09:00:00+08:00")
    args = ["harassment", "log", "--phone", "+86 13800138000", "--line", LINE, "--said", "又来了"]
    second = repo.ok(*args, "--ended-by", "agent", now="2026-11-23T09:30:00+08:00")
    assert first in second.err and "第 2 次" in second.err
    called = read_case(repo.case_path(second.out.strip()))["fields"]["called_at"]
    assert called == "2026-11-23T09:30:00+08:00"  # no --at: the call is now


def _week_with_calls(repo: CLI) -> dict[str, Any]:
    """One complaint and four harassment calls in week 2026-W47 (16-22 November)."""
    complaint = repo.new("complaint", "--set", "category=logistics", now="2026-11-17T10:00:00+08:00")
    calls = [
        log(repo, "13800138000", "2026-11-17T12:05:00+08:00"),
        log(repo, "+86 138 0013 8000", "2026-11-18T12:40:00+08:00", by="caller"),
        log(repo, "13800138000", "2026-11-19T22:15:00+08:00", now="2026-11-20T09:00:00+08:00"),
        log(repo, "010-62345678", "2026-11-20T12:30:00+08:00"),
    ]
    log(repo, "13800138000", "2026-11-24T12:00:00+08:00")  # the week after: not counted
    return {"complaint": complaint, "calls": calls}


def test_reports_keep_harassment_out_of_the_statistics_and_count_it_apart(repo: CLI) -> None:
    made = _week_with_calls(repo)
    now = "2026-11-25T09:00:00+08:00"
    report = json.loads(repo.ok("report", "weekly", "--week", "2026-W47", "--format", "json", now=now).out)
    assert [row["kind"] for row in report["overview"]["rows"]] == [
        "complaint",
        "callback",
        "return",
        "cancellation",
    ]
    assert report["overview"]["total"]["new"] == 1
    assert report["sources"]["total"] == 1
    assert [s["kind"] for s in report["volume"]["series"]] == [
        "complaint",
        "callback",
        "return",
        "cancellation",
    ]
    calls = report["harassment"]
    assert calls["available"] and calls["total"] == 4
    assert [(h["hour"], h["count"]) for h in calls["by_hour"]] == [(12, 3), (22, 1)]
    assert [(s["source"], s["count"]) for s in calls["by_source"]] == [("138****8000", 3), ("010****5678", 1)]
    assert calls["by_source"][0]["cases"] == made["calls"][:3]
    assert [(s["source"], s["count"]) for s in calls["repeats"]] == [("138****8000", 3)]
    assert {row["key"]: row["count"] for row in calls["ended_by"]} == {"agent": 3, "caller": 1}
    for output in ("md", "html"):
        text = repo.ok("report", "weekly", "--week", "2026-W47", "--format", output, now=now).out
        assert "骚扰电话统计" in text and "138****8000" in text.replace("\\*", "*")
        assert "13800138000" not in text and "62345678" not in text
    english = repo.ok("report", "weekly", "--week", "2026-W47", "--lang", "en", now=now).out
    assert "## Harassment calls" in english and "Repeat sources" in english


def test_monthly_and_daily_reports_leave_harassment_out_of_every_complaint_figure(repo: CLI) -> None:
    made = _week_with_calls(repo)
    now = "2026-12-02T09:00:00+08:00"
    month = json.loads(repo.ok("report", "monthly", "--month", "2026-11", "--format", "json", now=now).out)
    assert month["totals"]["total"] == 1
    assert [row["id"] for row in month["register"]["rows"]] == [made["complaint"]]
    assert month["analysis"]["total"]["count"] == 1
    # no harassment case ID (H-YYYYMMDD-…; a random suffix such as 69JH-9R0W is not one)
    assert not HARASSMENT_ID.search(json.dumps(month["warnings"]) + json.dumps(month["analysis"]))
    assert month["harassment"]["total"] == 5
    assert month["harassment"]["repeats"][0]["count"] == 4
    day = json.loads(repo.ok("report", "daily", "--date", "2026-11-19", "--format", "json", now=now).out)
    assert [(h["hour"], h["count"]) for h in day["harassment"]["by_hour"]] == [(22, 1)]
    assert day["harassment"]["repeats"] == []  # one call that day
    assert not HARASSMENT_ID.search(json.dumps(day["due_today"]))


def test_examples_hold_a_repeat_caller_and_the_help_example_works(example_repo: CLI) -> None:
    report = json.loads(example_repo.ok("report", "weekly", "--week", "2026-W47", "--format", "json").out)
    calls = report["harassment"]
    assert calls["total"] == 2
    assert [(s["source"], s["count"]) for s in calls["repeats"]] == [("135****0346", 2)]
    assert "harassment" not in [row["kind"] for row in report["overview"]["rows"]]
    help_text = example_repo.ok("harassment", "log", "--help").out
    example = help_text.split("Example:", 1)[1].split("Options:", 1)[0].split()
    assert example[:3] == ["casekit", "harassment", "log"]
    before = example_repo.commit_count()
    example_repo.ok(*example[1:])
    assert example_repo.commit_count() == before + 1
    warned = example_repo.ok(
        "new", "complaint", "--title", "咨询", "--customer", "张先生", "--salutation", "先生",
        "--phone", "13512780346", "--channel", "phone",
    )  # fmt: skip
    assert "骚扰" in warned.err


def test_a_call_time_later_than_its_log_is_refused_however_it_is_written(repo: CLI) -> None:
    head = repo.head()
    args = ["new", "harassment", "--title", "骚扰电话", "--customer", "未知来电", "--phone", "13800138000"]
    sets = ["call_line=400-820-8820", "content=胡说", "ended_by=agent", "called_at=2026-11-23T11:00"]
    refused = repo.refused(*args, "--channel", "phone", *[a for s in sets for a in ("--set", s)])
    assert "later than the log was opened" in refused.err
    assert repo.head() == head and not (repo.root / "cases" / "harassment").exists()
    logged = log(repo, "13800138000", "2026-11-23T09:00:00+08:00", now="2026-11-23T09:05:00+08:00")
    path = repo.case_path(logged)
    path.write_text(path.read_text(encoding="utf-8").replace("T09:00:00", "T09:30:00"), encoding="utf-8")
    checked = repo.run("validate")
    assert checked.code == 1 and "later than the log was opened" in checked.out + checked.err
