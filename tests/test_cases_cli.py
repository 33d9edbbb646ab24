"""Opening and moving cases through the real CLI, one audited commit per change."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import CLI, read_case

WALK = [
    ("assessing", []),
    ("investigating", ["--set", "responsible_department=售后技术部"]),
    ("proposed", ["--set", "solution=上门更换新机，或退货全额退款"]),
    ("implementing", ["--set", "accepted_solution=上门更换新机"]),
    ("resolved", ["--set", "resolution=已更换新机，客户测试收发正常"]),
    ("closed", ["--set", "summary=产品批次问题，已反馈生产部门"]),
]


def trailers(cli: CLI, rev: str = "HEAD") -> dict[str, str]:
    text = cli.git("log", "-1", "--format=%(trailers:only,unfold)", rev)
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def test_full_complaint_walk_makes_one_commit_per_step_with_trailers(repo: CLI) -> None:
    case_id = repo.new("complaint", "--priority", "high")
    assert trailers(repo) == {
        "Case-Id": case_id,
        "Case-Kind": "complaint",
        "Case-Action": "open",
        "Case-To": "received",
        "Case-Actor": "li.na <li.na@example.com>",
        "Case-Derived": "2",
    }
    state = "received"
    callback_id = ""
    for step, (target, extra) in enumerate(WALK):
        hour = 11 + step
        if target == "closed":  # a complaint closes once its callback has ended
            repo.ok(
                "move",
                callback_id,
                "completed",
                "--set",
                "satisfaction=satisfied",
                now=f"2026-11-23T{hour}:00:00+08:00",
            )
        before = repo.commit_count()
        repo.ok(
            "move", case_id, target, "--note", f"第{step + 1}步", *extra, now=f"2026-11-23T{hour}:00:00+08:00"
        )
        rev = "HEAD"
        assert repo.commit_count() == before + 1
        opened = {}
        if target == "resolved":  # the after-complaint callback it opens is in the same commit
            (callback,) = json.loads(repo.ok("list", "--kind", "callback", "--format", "json").out)
            callback_id = callback["id"]
            opened = {"Case-Opened": callback_id}
        assert trailers(repo, rev) == {
            "Case-Id": case_id,
            "Case-Kind": "complaint",
            "Case-Action": "move",
            "Case-From": state,
            "Case-To": target,
            "Case-Actor": "li.na <li.na@example.com>",
            **opened,
            "Case-Derived": "2",
        }
        assert repo.git("log", "-1", "--format=%s", rev).strip() == f"{case_id}: {state} -> {target}"
        assert f"第{step + 1}步" in repo.git("log", "-1", "--format=%b", rev)
        assert repo.git("log", "-1", "--format=%aI", rev).strip() == f"2026-11-23T{hour}:00:00+08:00"
        assert repo.git("show", "--name-only", "--format=", rev).split() == sorted(
            str(repo.case_path(c).relative_to(repo.root)) for c in [case_id, *opened.values()]
        )
        state = target
    case = read_case(repo.case_path(case_id))
    assert case["status"] == "closed"
    # the callback's result is recorded on the complaint before it closes
    assert [e["action"] for e in case["history"]] == ["open"] + ["move"] * 5 + ["survey", "move"]
    assert [e.get("opened") for e in case["history"]].count(None) == 7  # one move opened the callback
    assert case["fields"]["satisfaction"] == "satisfied"
    assert case["fields"]["summary"] == "产品批次问题，已反馈生产部门"
    assert repo.git("status", "--porcelain") == ""
    repo.ok("validate")
    repo.ok("audit")
    log = json.loads(repo.ok("log", case_id, "--format", "json").out)
    # the callback's commit is in the complaint's log too: its survey reached the complaint
    assert [(row["action"], row["to"]) for row in log] == (
        [("open", "received")] + [("move", t) for t, _ in WALK[:-1]] + [("survey", None), ("move", "closed")]
    )


def test_case_file_layout_and_readable_utf8(repo: CLI) -> None:
    case_id = repo.new("return", "--set", "amount_paid=129.5", "--set", "received_date=2026-11-20")
    path = repo.case_path(case_id)
    assert path.relative_to(repo.root).as_posix() == f"cases/return/2026/11/{case_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "传真机有时无法接收传真" in text and "\\u" not in text
    assert "amount_paid: 129.50" in text
    assert "phone: '13800138000'" in text
    assert "opened_at: 2026-11-23T10:05:00+08:00" in text
    keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "-"))]
    assert keys == [
        "id",
        "kind",
        "status",
        "priority",
        "title",
        "customer",
        "channel",
        "opened_at",
        "assignee",
        "fields",
        "links",
        "deadlines",
        "history",
    ]


def test_comments_and_blank_lines_survive_a_move(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    text = text.replace("title:", "# 客户情绪激动，注意安抚\ntitle:").replace(
        "links: []", "\nlinks: []  # 暂无关联"
    )
    path.write_text(text, encoding="utf-8")
    repo.git("commit", "--no-verify", "-qam", "annotate by hand")
    repo.ok("move", case_id, "assessing")
    after = path.read_text(encoding="utf-8")
    assert "# 客户情绪激动，注意安抚\ntitle:" in after
    assert "\nlinks: []  # 暂无关联" in after
    assert "status: assessing" in after


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["move", "{id}", "closed"],
            "cannot move from received (已受理) to closed (已结案); allowed from received: assessing",
        ),
        (["move", "{id}", "shelved"], "'shelved' is not a complaint state"),
        (["move", "{id}", "received"], "it is already received"),
        (["move", "{id}", "assessing", "--set", "compensation=12.345"], "more than two decimal places"),
        (["move", "{id}", "assessing", "--set", "colour=red"], "'colour' is not a field of a complaint"),
        (["move", "{id}", "assessing", "--set", "category=weather"], "'weather' is not one of"),
        (["move", "{id}", "assessing", "--set", "nonsense"], "must look like key=value"),
        (["move", "C-20261123-AAAA-BBBB", "assessing"], "no case C-20261123-AAAA-BBBB"),
        (["move", "X-20261123-AAAA-BBBB", "assessing"], "no case kind has the prefix 'X'"),
        (["move", "banana", "assessing"], "is not a case ID"),
        (["assign", "{id}", "nobody"], "'nobody' is not one of the people"),
        (["assign", "{id}", "li.na"], "already assigned to li.na"),
        (["note", "{id}", "  "], "the note is empty"),
        (["update", "{id}"], "nothing to change"),
        (
            ["new", "complaint", "--title", "t", "--customer", "c", "--channel", "fax"],
            "--channel: 'fax' is not a channel",
        ),
        (
            ["new", "complaint", "--title", "t", "--customer", "c", "--channel", "phone", "--phone", "12345"],
            "--phone: '12345' is not a phone number",
        ),
        (
            [
                "new",
                "complaint",
                "--title",
                "t",
                "--customer",
                "c",
                "--channel",
                "phone",
                "--priority",
                "urgent",
            ],
            "'urgent' is not a priority",
        ),
        (
            ["new", "ticket", "--title", "t", "--customer", "c", "--channel", "phone"],
            "unknown case kind 'ticket'",
        ),
        (
            ["new", "complaint", "--title", " ", "--customer", "c", "--channel", "phone"],
            "--title: cannot be empty",
        ),
    ],
)
def test_refusals_change_nothing(repo: CLI, args: list[str], message: str) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    before_bytes, before_head = path.read_bytes(), repo.head()
    files_before = sorted(p.name for p in (repo.root / "cases").rglob("*.yaml"))
    result = repo.refused(*[a.replace("{id}", case_id) for a in args])
    assert message in result.err
    assert path.read_bytes() == before_bytes
    assert repo.head() == before_head
    assert sorted(p.name for p in (repo.root / "cases").rglob("*.yaml")) == files_before
    assert repo.git("status", "--porcelain") == ""


def test_missing_required_field_is_named_with_the_fix(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("move", case_id, "assessing")
    result = repo.refused("move", case_id, "investigating")
    assert result.err.strip() == (
        f"casekit: {case_id}: moving to investigating requires responsible_department; "
        "pass --set responsible_department=..."
    )


def test_uncommitted_hand_edit_is_refused_not_committed(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    edited = path.read_text(encoding="utf-8").replace("王先生", "王建国先生")
    path.write_text(edited, encoding="utf-8")
    head = repo.head()
    result = repo.refused("move", case_id, "assessing")
    assert "has uncommitted changes" in result.err and "git checkout HEAD --" in result.err
    assert path.read_text(encoding="utf-8") == edited
    assert repo.head() == head


def test_invalid_yaml_in_case_file_is_one_clear_error(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    path.write_text("id: [unclosed\n", encoding="utf-8")
    repo.git("commit", "--no-verify", "-qam", "break it")
    result = repo.refused("show", case_id, "--format", "json")
    assert "invalid YAML" in result.err
    result = repo.refused("validate")
    assert f"cases/complaint/2026/11/{case_id}.yaml:2: invalid YAML" in result.out


def test_outside_a_case_repository(repo: CLI, tmp_path) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = repo.refused("list", cwd=elsewhere)
    assert "not inside a case repository" in result.err
    result = repo.refused("list", "--repo", str(elsewhere))
    assert "is not a case repository" in result.err


def test_usage_errors_exit_2(repo: CLI) -> None:
    result = repo.run("move")
    assert result.code == 2
    result = repo.run("list", "--format", "xml")
    assert result.code == 2
    result = repo.run("list", "--status", "nonsense")
    assert result.code == 2 and "unknown status 'nonsense'" in result.err


def test_repo_from_flag_env_and_working_tree(repo: CLI, tmp_path) -> None:  # type: ignore[no-untyped-def]
    case_id = repo.new()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert case_id in repo.ok("--repo", str(repo.root), "list", cwd=elsewhere).out
    assert case_id in repo.ok("list", "--repo", str(repo.root), cwd=elsewhere).out
    assert case_id in repo.ok("list", cwd=elsewhere, extra_env={"CASEKIT_REPO": str(repo.root)}).out
    sub = repo.root / "cases" / "complaint"
    assert case_id in repo.ok("list", cwd=sub).out


def test_actor_from_flag_env_and_git_config(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("note", case_id, "一", "--actor", "wang.fang")
    assert "wang.fang <wang.fang@example.com>" in repo.git("log", "-1", "--format=%(trailers)")
    assert repo.git("log", "-1", "--format=%an <%ae>").strip() == "王芳 <wang.fang@example.com>"
    repo.ok("note", case_id, "二", actor="zhang.wei")
    assert "Case-Actor: zhang.wei <zhang.wei@example.com>" in repo.git("log", "-1", "--format=%(trailers)")
    repo.git("config", "user.name", "陈杰")
    repo.git("config", "user.email", "chen.jie@example.com")
    env = {k: v for k, v in repo.environ.items() if k != "CASEKIT_ACTOR"}
    result = CLI(repo.root, env).ok("note", case_id, "三")
    assert result.code == 0
    assert "Case-Actor: chen.jie <chen.jie@example.com>" in repo.git("log", "-1", "--format=%(trailers)")
    case = read_case(repo.case_path(case_id))
    assert [e["by"] for e in case["history"]] == ["li.na", "wang.fang", "zhang.wei", "chen.jie"]


def test_no_actor_anywhere_is_a_clear_error(repo: CLI) -> None:
    env = {k: v for k, v in repo.environ.items() if k != "CASEKIT_ACTOR"}
    result = CLI(repo.root, env).refused(
        "new", "complaint", "--title", "t", "--customer", "c", "--channel", "phone"
    )
    assert "no actor" in result.err


def test_casekit_now_sets_every_timestamp(repo: CLI) -> None:
    case_id = repo.new(now="2026-11-20T09:30:00+08:00")
    assert case_id.startswith("C-20261120-")
    repo.ok("note", case_id, "回访", now="2026-11-21T14:00:00+08:00")
    case = read_case(repo.case_path(case_id))
    assert [e["at"] for e in case["history"]] == ["2026-11-20T09:30:00+08:00", "2026-11-21T14:00:00+08:00"]
    assert repo.git("log", "-1", "--format=%aI %cI").split() == ["2026-11-21T14:00:00+08:00"] * 2
    result = repo.run("note", case_id, "x", now="yesterday")
    assert result.code == 2 and "CASEKIT_NOW" in result.err


def test_assign_note_update_and_link_each_one_commit(repo: CLI) -> None:
    complaint = repo.new()
    callback = repo.new("callback")
    count = repo.commit_count()
    repo.ok("assign", complaint, "wang.fang", "--note", "转交王芳跟进")
    repo.ok("note", complaint, "已致电客户，约定明天上午回复")
    repo.ok("update", complaint, "--set", "category=product-quality", "--set", "customer.salutation=先生")
    assert repo.commit_count() == count + 3
    linked = repo.ok("link", complaint, callback)
    assert linked.lines == [complaint, callback]
    assert repo.commit_count() == count + 4  # both sides of the link in one commit
    assert trailers(repo)["Case-Id"] == complaint and trailers(repo)["Case-Linked"] == callback
    case = read_case(repo.case_path(complaint))
    assert case["assignee"] == "wang.fang"
    assert case["customer"]["salutation"] == "先生"
    assert case["fields"]["category"] == "product-quality"
    assert case["links"] == [callback]
    other = read_case(repo.case_path(callback))
    assert other["links"] == [complaint]
    assert repo.refused("link", callback, complaint).err.strip().endswith("are already linked")
    repo.ok("validate")
    repo.ok("audit")


def test_show_yaml_is_the_file_and_json_is_typed(repo: CLI) -> None:
    case_id = repo.new("return", "--set", "amount_paid=88")
    shown = repo.ok("show", case_id).out
    assert shown == repo.case_path(case_id).read_text(encoding="utf-8")
    data = json.loads(repo.ok("show", case_id, "--format", "json").out)
    assert data["fields"]["amount_paid"] == "88.00"
    assert data["customer"] == {"name": "王先生", "phone": "13800138000"}
    suffix = case_id.split("-", 2)[2]
    assert repo.ok("show", suffix.lower().replace("0", "o")).out == shown


def test_list_filters_and_formats(repo: CLI) -> None:
    first = repo.new("complaint", now="2026-11-20T09:00:00+08:00")
    second = repo.new("callback", "--assignee", "wang.fang", now="2026-11-21T09:00:00+08:00")
    repo.ok("move", first, "assessing")
    assert [r["id"] for r in json.loads(repo.ok("list", "--format", "json").out)] == [first, second]
    assert [r["id"] for r in json.loads(repo.ok("list", "--kind", "callback", "--format", "json").out)] == [
        second
    ]
    assert [
        r["id"]
        for r in json.loads(repo.ok("list", "--status", "assessing,scheduled", "--format", "json").out)
    ] == [first, second]
    assert [
        r["id"] for r in json.loads(repo.ok("list", "--assignee", "wang.fang", "--format", "json").out)
    ] == [second]
    csv_lines = repo.ok("list", "--format", "csv", "--no-bom").lines
    assert csv_lines[0].startswith("id,kind,status,status_label")
    assert csv_lines[1].startswith(f"{first},complaint,assessing,判断中")
    assert "no cases match" in repo.ok("list", "--status", "closed").out


def test_list_table_lines_up_chinese_text(repo: CLI) -> None:
    from wcwidth import wcswidth

    repo.new("complaint", "--title", "A")
    repo.ok(
        "new", "callback", "--title", "维修后回访客户满意度", "--customer", "欧阳娜娜", "--channel", "phone"
    )
    lines = repo.ok("list").lines[:-1]
    header, rule, *rows = lines
    assert len(rows) == 2 and "维修后回访客户满意度" in "".join(rows)
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    for row in [header, *rows]:
        # every column starts at the same display column as in the rule line
        for start in starts[1:]:
            prefix = row[: _index_at_width(row, start)]
            assert wcswidth(prefix) == start, (row, start)


def _index_at_width(text: str, width: int) -> int:
    from wcwidth import wcwidth

    used = 0
    for index, char in enumerate(text):
        if used >= width:
            return index
        used += max(wcwidth(char), 0)
    return len(text)


def test_log_reads_commits_and_trailers(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("move", case_id, "assessing", "--note", "核实中", now="2026-11-23T11:00:00+08:00")
    table = repo.ok("log", case_id).out
    assert "opened → Received" in table and "state Received → Assessing" in table and "核实中" in table
    rows = json.loads(repo.ok("log", case_id, "--format", "json").out)
    assert [r["action"] for r in rows] == ["open", "move"]
    assert rows[1]["trailers"]["Case-From"] == "received"
    assert rows[1]["at"] == "2026-11-23T11:00:00+08:00"


def test_failed_commit_restores_the_file(repo: CLI, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """If git fails mid-commit, the case file is put back and no commit is made."""
    import os
    import shutil
    import stat

    case_id = repo.new()
    path = repo.case_path(case_id)
    before, head = path.read_bytes(), repo.head()
    shim = tmp_path / "shim"
    shim.mkdir()
    real_git = shutil.which("git")
    script = shim / "git"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "update-ref" ]; then echo "fatal: disk full" >&2; exit 128; fi\n'
        f'exec {real_git} "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    result = repo.run("move", case_id, "assessing", extra_env=env)
    assert result.code == 1 and "git update-ref failed: fatal: disk full" in result.err
    assert path.read_bytes() == before
    assert repo.head() == head
    assert repo.git("status", "--porcelain") == ""


def test_other_staged_work_is_not_swept_into_a_casekit_commit(repo: CLI) -> None:
    case_id = repo.new()
    (repo.root / "NOTES.md").write_text("draft\n", encoding="utf-8")
    repo.git("add", "NOTES.md")
    repo.ok("move", case_id, "assessing")
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == [
        str(repo.case_path(case_id).relative_to(repo.root))
    ]
    assert repo.git("status", "--porcelain").strip() == "A  NOTES.md"


def test_git_index_stays_in_line_with_head(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("move", case_id, "assessing")
    assert repo.git("status", "--porcelain") == ""
    assert repo.git("diff", "--cached", "--stat") == ""
    subprocess.run(
        ["git", "fsck", "--strict", "--no-progress"], cwd=repo.root, check=True, capture_output=True
    )
