"""`validate` finds hand-corrupted files with their lines; `audit` finds rewritten history."""

from __future__ import annotations

import json

import pytest

from conftest import CLI, edit_file, line_of


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "status: assessing",
            "status: pondering",
            "status: pondering",
            "unknown complaint state 'pondering'",
        ),
        (
            "status: assessing",
            "status: investigating",
            "status: investigating",
            "status is 'investigating' but the history ends in 'assessing'",
        ),
        ("priority: medium", "priority: urgent", "priority: urgent", "unknown priority 'urgent'"),
        ("phone: '13800138000'", "phone: 13800138000", "phone: 13800138000", "phone must be quoted text"),
        (
            "  category: product-quality",
            "  category: weather",
            "category: weather",
            "'weather' is not one of",
        ),
        (
            "  category: product-quality",
            "  category: product-quality\n  compensation: '12.5'",
            "compensation:",
            "compensation: must be an amount",
        ),
        (
            "  category: product-quality",
            "  category: product-quality\n  colour: red",
            "colour: red",
            "'colour' is not a field of a complaint",
        ),
        (
            "opened_at: 2026-11-23T10:05:00+08:00",
            "opened_at: 2026-11-23T10:05:00",
            "opened_at:",
            "has no UTC offset",
        ),
        (
            "action: move, from: received",
            "action: move, from: investigating",
            "from: investigating",
            "moves from 'investigating' but the case was 'received' then",
        ),
        (
            "action: move, from: received, to: assessing",
            "action: teleport, from: received, to: assessing",
            "teleport",
            "unknown action 'teleport'",
        ),
        ("kind: complaint", "kind: return", "kind: return", "a return ID starts with R-"),
        ("title: 传真机有时无法接收传真", "title: ''", "title:", "title must be non-empty text"),
        (
            "assignee: li.na",
            "assignee: ghost",
            "assignee: ghost",
            "assignee 'ghost' is not one of the people",
        ),
    ],
)
def test_validate_reports_path_line_and_message(
    repo: CLI, old: str, new: str, needle: str, message: str
) -> None:
    case_id = repo.new("complaint", "--set", "category=product-quality")
    repo.ok("move", case_id, "assessing")
    path = repo.case_path(case_id)
    edit_file(path, old, new)
    result = repo.run("validate")
    assert result.code == 1
    rel = path.relative_to(repo.root).as_posix()
    expected = f"{rel}:{line_of(path, needle)}: {case_id}: "
    matching = [line for line in result.lines if message in line]
    assert matching, result.out
    assert matching[0].startswith(expected), (matching[0], expected)
    problems = json.loads(repo.run("validate", "--format", "json").out)
    assert any(message in p["message"] and p["path"] == rel for p in problems)


def test_validate_paths_and_misplaced_files(repo: CLI) -> None:
    good = repo.new()
    bad = repo.new()
    bad_path = repo.case_path(bad)
    moved = bad_path.parent.parent / "10" / bad_path.name
    moved.parent.mkdir()
    bad_path.rename(moved)
    result = repo.run("validate")
    assert result.code == 1
    assert f"case {bad} belongs at cases/complaint/2026/11/{bad}.yaml" in result.out
    assert repo.ok("validate", str(repo.case_path(good))).code == 0
    assert repo.run("validate", str(moved)).code == 1
    assert repo.run("validate", "no/such/file.yaml").code == 2


def test_validate_finds_duplicate_ids(repo: CLI) -> None:
    case_id = repo.new()
    path = repo.case_path(case_id)
    copy = path.parent / "C-20261123-0000-0000.yaml"
    copy.write_bytes(path.read_bytes())
    result = repo.run("validate")
    assert result.code == 1
    assert f"ID {case_id} is also used by" in result.out


def test_validate_reports_config_problems_with_lines(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(
        config,
        "investigating: {requires: [responsible_department]}",
        "investigating: {requires: [responsible_dept]}",
    )
    edit_file(config, "timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    result = repo.run("validate")
    assert result.code == 1
    line = line_of(config, "responsible_dept]")
    assert (
        f"casekit.yaml:{line}: kinds.complaint.transitions.assessing.investigating.requires: "
        "requires unknown field 'responsible_dept'"
    ) in result.out
    assert f"casekit.yaml:{line_of(config, 'Mars')}: timezone: unknown time zone" in result.out
    refused = repo.refused("list")
    assert "casekit.yaml:" in refused.err and "(and 1 more problems)" in refused.err


def test_validate_clean_repository(repo: CLI) -> None:
    repo.new()
    result = repo.ok("validate")
    assert result.out == "" and "1 case files checked, no problems" in result.err


def test_audit_catches_a_hand_edit_committed_without_trailers(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("move", case_id, "assessing", "--note", "核实中", now="2026-11-23T11:00:00+08:00")
    repo.ok("audit")
    path = repo.case_path(case_id)
    edit_file(path, "note: 核实中", "note: 客户同意撤诉")
    repo.git("commit", "--no-verify", "-qam", "fix note")
    result = repo.run("audit")
    assert result.code == 1
    rel = path.relative_to(repo.root).as_posix()
    assert any(
        line.startswith(f"{rel}: commit ") and "without casekit trailers" in line for line in result.lines
    )
    assert "history entry 2 (move received -> assessing" in result.out
    assert "the note differs from the commit message" in result.out


def test_audit_catches_history_rewritten_to_agree_with_itself(repo: CLI) -> None:
    """Rewriting an old entry and amending the last commit (keeping its trailers) is caught."""
    case_id = repo.new()
    repo.ok("move", case_id, "assessing", now="2026-11-23T11:00:00+08:00")
    path = repo.case_path(case_id)
    edit_file(
        path,
        "at: 2026-11-23T10:05:00+08:00, by: li.na, action: open",
        "at: 2026-11-23T10:05:00+08:00, by: wang.fang, action: open",
    )
    repo.git("commit", "--no-verify", "-q", "-a", "--amend", "--no-edit")
    assert "Case-Action: move" in repo.git("log", "-1", "--format=%B")
    result = repo.run("audit")
    assert result.code == 1
    assert "history entry 1 (open at 2026-11-23T10:05:00+08:00) disagrees" in result.out
    assert "by is 'wang.fang' but the commit's actor is 'li.na <li.na@example.com>'" in result.out


def test_audit_catches_added_and_removed_entries(repo: CLI) -> None:
    case_id = repo.new()
    repo.ok("note", case_id, "第一次致电", now="2026-11-23T11:00:00+08:00")
    path = repo.case_path(case_id)
    text = path.read_text(encoding="utf-8")
    lines = text.rstrip("\n").splitlines()
    removed = "\n".join(lines[:-1]) + "\n"
    path.write_text(removed, encoding="utf-8")
    repo.git("commit", "--no-verify", "-qam", "drop an entry")
    result = repo.run("audit")
    assert "is missing from the history: an entry was removed by hand" in result.out
    added = text + "  - {at: 2026-11-23T12:00:00+08:00, by: li.na, action: note, note: 补记}\n"
    path.write_text(added, encoding="utf-8")
    repo.git("commit", "--no-verify", "-qam", "add an entry")
    result = repo.run("audit")
    assert "history entry 3 (note at 2026-11-23T12:00:00+08:00) has no commit" in result.out


def test_audit_reports_deleted_case_files_and_uncommitted_edits(repo: CLI) -> None:
    gone = repo.new()
    dirty = repo.new()
    repo.git("rm", "-q", str(repo.case_path(gone)))
    repo.git("commit", "--no-verify", "-qm", "remove")
    edit_file(repo.case_path(dirty), "王先生", "王建国")
    result = repo.run("audit")
    assert result.code == 1
    assert "the case file was deleted by commit" in result.out
    assert "has changes that are not committed" in result.out
