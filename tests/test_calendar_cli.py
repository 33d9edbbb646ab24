"""The holiday calendar never silently runs out, through the real CLI: past its last known
day deadlines count weekends and the fixed-date holidays and are provisional; validate, due
and list warn from `calendar.warn_days` before that day; `casekit calendar add` writes the
next year's schedule into casekit.yaml as one supervisor's commit that the repository's own
checks accept; `casekit calendar show` prints a year to check against the notice."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import CLI, edit_file, line_of, read_case

NEW_YEARS_EVE = "2026-12-31T17:00:00+08:00"
BEFORE_SPRING = "2027-02-04T17:00:00+08:00"  # a Thursday; 春节 2027 starts the next day in TABLE
# A schedule for 2027 as a supervisor copies it from the State Council's notice (made up for
# the tests: chinesecalendar 1.11 does not know 2027), in the three layouts a table may have.
TABLE = """\
# 国务院办公厅关于2027年部分节假日安排的通知
日期,安排,节日
2027-01-01..2027-01-03,休,元旦
2027-02-05..2027-02-11,休,春节
2027-02-13,班,春节
2027-02-20,working,春节
2027-10-01..2027-10-07\toff\t国庆节
2027-09-26 上班 国庆节
2027-10-09 上班 国庆节
"""
SUPERVISOR = "zhang.wei"
WARNING = "casekit: warning: the holiday calendar"


def deadlines(cli: CLI, case_id: str) -> dict[str, Any]:
    return read_case(cli.case_path(case_id)).get("deadlines", {})  # type: ignore[no-any-return]


def forum_complaint(cli: CLI, now: str) -> str:
    return cli.new("complaint", "--channel", "forum", now=now)


def write_table(cli: CLI, text: str = TABLE, name: str = "2027.csv") -> Path:
    path = cli.root.parent / name
    path.write_text(text, encoding="utf-8")
    return path


def add_2027(cli: CLI, now: str = "2026-12-10T10:00:00+08:00") -> str:
    return cli.ok("calendar", "add", "2027", str(write_table(cli)), actor=SUPERVISOR, now=now).out


# --- past the known calendar -------------------------------------------------------------------


def test_one_working_day_from_new_years_eve_skips_new_year_and_the_weekend_provisionally(repo: CLI) -> None:
    case_id = forum_complaint(repo, NEW_YEARS_EVE)
    first = deadlines(repo, case_id)["first_response"]
    # 元旦 2027-01-01 is a Friday and a fixed-date holiday; then the weekend
    assert first["due"] == "2027-01-04T17:00:00+08:00"
    assert first["provisional"] is True
    assert "the holiday calendar ends 2026-12-31" in first["warning"]
    assert deadlines(repo, case_id)["resolution"]["due"] == "2027-01-06T17:00:00+08:00"
    repo.ok("validate", now=NEW_YEARS_EVE)  # the key has a valid shape

    shown = repo.ok("show", case_id, now=NEW_YEARS_EVE).err
    assert (
        "first_response (首次响应 First response): open: due 2027-01-04 17:00 (in 4d00h)（暂定 provisional）"
        in shown
    )
    due = repo.ok("due", now=NEW_YEARS_EVE)
    assert "2027-01-04 17:00（暂定 provisional）" in due.out
    rows = json.loads(repo.ok("due", "--format", "json", now=NEW_YEARS_EVE).out)
    assert rows and all(row["provisional"] is True for row in rows)


def test_deadlines_inside_the_known_calendar_are_not_provisional(repo: CLI) -> None:
    case_id = forum_complaint(repo, "2026-12-21T17:00:00+08:00")
    first = deadlines(repo, case_id)["first_response"]
    assert first["due"] == "2026-12-22T17:00:00+08:00"
    assert "provisional" not in first and "warning" not in first
    row = json.loads(repo.ok("due", "--format", "json").out)[0]
    assert row["provisional"] is False
    assert "暂定" not in repo.ok("due").out


def test_the_fixed_holidays_are_a_config_key(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(config, "    new_year: {zh: 元旦, en: New Year's Day, days: ['01-01']}\n", "")
    repo.git("commit", "--no-verify", "-qam", "no fixed New Year")
    case_id = forum_complaint(repo, NEW_YEARS_EVE)
    assert deadlines(repo, case_id)["first_response"]["due"] == "2027-01-01T17:00:00+08:00"


# --- the warning as the last known day nears -----------------------------------------------------


@pytest.mark.parametrize(
    ("today", "warned", "words"),
    [
        ("2026-11-20T10:00:00+08:00", False, ""),
        ("2026-11-30T10:00:00+08:00", False, ""),  # 31 days left
        ("2026-12-01T10:00:00+08:00", True, "ends 2026-12-31 (in 30 days)"),  # calendar.warn_days: 30
        ("2026-12-02T10:00:00+08:00", True, "ends 2026-12-31 (in 29 days)"),
        ("2026-12-31T10:00:00+08:00", True, "ends 2026-12-31 (today)"),
        ("2027-01-05T10:00:00+08:00", True, "ended 2026-12-31, 5 days ago"),
    ],
)
def test_validate_due_and_list_warn_within_warn_days(repo: CLI, today: str, warned: bool, words: str) -> None:
    for command in (("validate",), ("due",), ("list",), ("list", "--format", "json")):
        result = repo.run(*command, now=today)
        assert result.code == 0, (command, result.err)
        warnings = [line for line in result.err.splitlines() if line.startswith(WARNING)]
        assert len(warnings) == (1 if warned else 0), (command, result.err)
        if warned:
            assert words in warnings[0]
            assert "`casekit calendar add 2027 FILE`" in warnings[0]
            assert "calendar.known_until" in warnings[0] and "upgrade chinesecalendar" in warnings[0]
    assert WARNING not in repo.ok("show", forum_complaint(repo, today), now=today).err


def test_the_warning_leaves_exit_codes_alone(repo: CLI) -> None:
    case_id = repo.new(now="2026-12-02T10:00:00+08:00")
    edit_file(repo.case_path(case_id), "status: received", "status: nowhere")
    result = repo.run("validate", now="2026-12-02T10:00:00+08:00")
    assert result.code == 1 and "nowhere" in result.out
    assert sum(line.startswith(WARNING) for line in result.err.splitlines()) == 1


def test_warn_days_is_a_config_key(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(config, "warn_days: 30", "warn_days: 45")
    assert "ends 2026-12-31 (in 41 days)" in repo.ok("list", now="2026-11-20T10:00:00+08:00").err
    edit_file(config, "warn_days: 45", "warn_days: 0")
    assert WARNING not in repo.ok("list", now="2026-12-30T10:00:00+08:00").err
    assert "ends 2026-12-31 (today)" in repo.ok("list", now="2026-12-31T10:00:00+08:00").err


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "warn_days: 30",
            "warn_days: soon",
            "warn_days:",
            "calendar.warn_days: 'soon' is not a number of days",
        ),
        ("warn_days: 30", "warn_days: -1", "warn_days:", "calendar.warn_days: -1 is not a number of days"),
        (
            "known_until: null",
            "known_until: someday",
            "known_until:",
            "calendar.known_until: 'someday' is not",
        ),
        (
            "days: ['05-01']",
            "days: ['13-01']",
            "'13-01'",
            "calendar.fixed_holidays.labour_day.days.0: '13-01' is",
        ),
        ("en: Labour Day,", "en: Labour Day, when: 1,", "when: 1", "calendar.fixed_holidays.labour_day.when"),
        (
            "labour_day: {zh: 劳动节, en: Labour Day, days: ['05-01']}",
            "labour_day: [劳动节]",
            "labour_day:",
            "calendar.fixed_holidays.labour_day: labour_day must be a mapping with zh, en and days",
        ),
        (
            "fixed_holidays:  ",
            "fixed_holidays: 3  ",
            "fixed_holidays: 3",
            "calendar.fixed_holidays: must be a mapping",
        ),
    ],
)
def test_bad_calendar_settings_name_the_line(
    repo: CLI, old: str, new: str, needle: str, message: str
) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(config, old, new)
    if new.startswith("fixed_holidays: 3"):
        text = config.read_text(encoding="utf-8")
        kept = [line for line in text.splitlines(keepends=True) if not line.startswith("    new_year")]
        kept = [line for line in kept if not line.startswith(("    labour_day", "    national_day"))]
        config.write_text("".join(kept), encoding="utf-8")
    result = repo.run("validate")
    assert result.code == 1
    expected = f"casekit.yaml:{line_of(config, needle)}: {message}"
    assert any(line.startswith(expected) for line in result.lines), (expected, result.out)


# --- calendar add --------------------------------------------------------------------------------


def test_calendar_add_makes_deadlines_final_and_moves_them_per_the_table(repo: CLI) -> None:
    eve = forum_complaint(repo, NEW_YEARS_EVE)
    spring = forum_complaint(repo, BEFORE_SPRING)
    # before the schedule is known, Friday 2027-02-05 counts as a working day
    assert deadlines(repo, spring)["first_response"]["due"] == "2027-02-05T17:00:00+08:00"
    assert deadlines(repo, spring)["resolution"]["due"] == "2027-02-09T17:00:00+08:00"
    before = repo.commit_count()

    out = add_2027(repo, now="2027-02-04T17:30:00+08:00")
    assert (
        "added 2027 to the calendar in casekit.yaml: 17 days off, 4 working days, known until 2027-12-31"
        in out
    )
    assert repo.commit_count() == before + 1
    assert repo.git("status", "--porcelain") == ""
    body = repo.git("log", "-1", "--format=%B")
    assert body.startswith("casekit.yaml: calendar 2027\n")
    assert (
        "Config-Action: calendar-add\nConfig-Year: 2027\nConfig-Actor: zhang.wei <zhang.wei@example.com>"
        in body
    )
    assert repo.git("log", "-1", "--format=%an <%ae>").strip() == "张伟 <zhang.wei@example.com>"
    assert repo.git("show", "--format=", "--name-only", "HEAD").split() == ["casekit.yaml"]

    # stored deadlines are counted again at the case's next change
    for case_id in (eve, spring):
        repo.ok("assign", case_id, "wang.fang", now="2027-02-04T18:00:00+08:00")
    first = deadlines(repo, eve)["first_response"]
    assert first["due"] == "2027-01-04T17:00:00+08:00"
    assert "provisional" not in first and "warning" not in first
    # 春节 2027-02-05..11 off, Saturday 2027-02-13 worked (调休)
    assert deadlines(repo, spring)["first_response"]["due"] == "2027-02-12T17:00:00+08:00"
    assert deadlines(repo, spring)["resolution"]["due"] == "2027-02-15T17:00:00+08:00"
    assert "暂定" not in repo.ok("due", now="2027-02-04T18:00:00+08:00").out
    assert WARNING not in repo.ok("list", now="2027-02-04T18:00:00+08:00").err
    repo.ok("validate", now="2027-02-04T18:00:00+08:00")
    assert repo.ok("audit").err.strip() == "history and commits agree"


def test_calendar_add_keeps_the_rest_of_casekit_yaml_as_it_was(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    edit_file(config, "  days_off: []                  # e.g. {2026-12-31: 公司年会}",
              "  days_off: {2026-12-31: 公司年会}   # our own days")  # fmt: skip
    repo.git("commit", "--no-verify", "-qam", "company day off")
    before = config.read_text(encoding="utf-8").splitlines(keepends=True)
    add_2027(repo)
    after = config.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(before) if line.startswith("calendar:"))
    end = next(i for i, line in enumerate(before) if line.startswith("channels:"))
    added = len(after) - len(before)
    assert after[:start] == before[:start]  # every comment and line above, byte for byte
    assert after[end + added :] == before[end:]  # and below
    section = "".join(after[start : end + added])
    assert "  hours: '09:00-18:30'         # or a list: ['09:00-12:00', '13:30-18:30']\n" in section
    assert re.search(
        r"\n  days_off: +# our own days\n    2026-12-31: 公司年会\n    2027-01-01: 元旦\n", section
    )
    assert "  working_days:                 # e.g. [2027-02-07]\n    2027-02-13: 春节\n" in section
    assert "  known_until: 2027-12-31       # the last day your lists cover" in section
    assert "    national_day: {zh: 国庆节, en: National Day, days: ['10-01', '10-02', '10-03']}\n" in section


def test_adding_the_same_table_twice_changes_nothing_and_says_so(repo: CLI) -> None:
    add_2027(repo)
    head, text = repo.head(), (repo.root / "casekit.yaml").read_bytes()
    again = add_2027(repo)
    assert "lists the 21 days of" in again and "nothing changed" in again
    assert repo.head() == head and (repo.root / "casekit.yaml").read_bytes() == text
    # a table in another layout with the same days is the same schedule
    spaced = TABLE.replace(",", " ").replace("日期 安排 节日", "date kind label")
    result = repo.ok("calendar", "add", "2027", str(write_table(repo, spaced, "2027.txt")), actor=SUPERVISOR)
    assert "nothing changed" in result.out and repo.head() == head


def test_a_table_saved_by_excel_in_gbk_reads_as_well(repo: CLI) -> None:
    table = repo.root.parent / "2027-gbk.csv"
    table.write_bytes(TABLE.encode("gbk"))
    repo.ok("calendar", "add", "2027", str(table), actor=SUPERVISOR)
    text = (repo.root / "casekit.yaml").read_text(encoding="utf-8")
    assert "    2027-02-05: 春节\n" in text and "    2027-10-09: 国庆节\n" in text


def _refused_unchanged(repo: CLI, *args: str, actor: str = SUPERVISOR) -> str:
    head, text = repo.head(), (repo.root / "casekit.yaml").read_bytes()
    status = repo.git("status", "--porcelain")
    err = repo.refused("calendar", "add", *args, actor=actor).err
    assert repo.head() == head and (repo.root / "casekit.yaml").read_bytes() == text
    assert repo.git("status", "--porcelain") == status
    return err


def test_calendar_add_is_for_supervisors(repo: CLI) -> None:
    err = _refused_unchanged(repo, "2027", str(write_table(repo)), actor="li.na")
    assert (
        "li.na is not a supervisor; only a supervisor (zhang.wei) may change the calendar in casekit.yaml"
        in err
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2027-02-30,off,春节", "2027.csv:4: '2027-02-30' is not a date such as 2027-02-11"),
        ("2027-02-11,maybe,春节", "2027.csv:4: 'maybe' is not off or working (休/班 and 放假/上班 also do)"),
        ("2027-02-11", "2027.csv:4: give off or working after the date"),
        ("2028-01-01,off,元旦", "2027.csv:4: 2028-01-01 is not in 2027; the table lists 2027's days only"),
        ("2027-12-30..2028-01-01,off,元旦", "2027.csv:4: 2028-01-01 is not in 2027"),
        (
            "2027-02-12..2027-02-11,off,春节",
            "2027.csv:4: the range '2027-02-12..2027-02-11' ends before it starts",
        ),
        ("2027-01-02,working,元旦", "2027.csv:4: 2027-01-02 is listed already, on line 3"),
        ("2027-02-11,off,春节,extra", "2027.csv:4: a line has three columns at most"),
    ],
)
def test_a_malformed_table_is_refused_naming_the_line(repo: CLI, line: str, message: str) -> None:
    table = write_table(repo, f"# 2027\ndate,kind,label\n2027-01-01..2027-01-03,off,元旦\n{line}\n")
    err = _refused_unchanged(repo, "2027", str(table))
    assert message in err, err


def test_calendar_add_refuses_what_would_leave_the_calendar_wrong(repo: CLI) -> None:
    table = write_table(repo)
    assert "lists no days" in _refused_unchanged(
        repo, "2027", str(write_table(repo, "# nothing\n", "empty.csv"))
    )
    assert "no such file" in _refused_unchanged(repo, "2027", str(repo.root.parent / "missing.csv"))
    err = _refused_unchanged(repo, "2026", str(write_table(repo, "2026-10-01,off,国庆节\n", "2026.csv")))
    assert "chinesecalendar already knows 2026's holidays" in err
    err = _refused_unchanged(repo, "2028", str(write_table(repo, "2028-01-01,off,元旦\n", "2028.csv")))
    assert "the holiday calendar is known until 2026-12-31; add 2027 first" in err

    config = repo.root / "casekit.yaml"
    edit_file(config, "working_days: []", "working_days: [2027-02-05]")
    err = _refused_unchanged(repo, "2027", str(table))
    assert "casekit.yaml has uncommitted changes" in err
    repo.git("commit", "--no-verify", "-qam", "a working Friday")
    err = _refused_unchanged(repo, "2027", str(table))
    assert "2027-02-05 is listed under calendar.working_days in casekit.yaml, but" in err
    assert "2027.csv:4 says off; remove one of them first" in err


# --- calendar show -------------------------------------------------------------------------------


def _china_month(year: int, month: int) -> tuple[int, list[date], list[date]]:
    """(working days, days off other than plain weekends, weekend days worked) per chinesecalendar."""
    import chinese_calendar

    day, working, off, worked = date(year, month, 1), 0, [], []
    while day.month == month:
        weekend = day.weekday() >= 5
        if chinese_calendar.is_workday(day):
            working += 1
            if weekend:
                worked.append(day)
        elif not weekend or day in chinese_calendar.holidays:
            off.append(day)
        day += timedelta(days=1)
    return working, off, worked


def test_calendar_show_2026_matches_chinesecalendar(repo: CLI) -> None:
    months = json.loads(repo.ok("calendar", "show", "2026", "--format", "json").out)
    assert [m["month"] for m in months] == list(range(1, 13))
    for month in months:
        working, off, worked = _china_month(2026, month["month"])
        assert month["working_days"] == working, month
        assert [d["date"] for d in month["days_off"]] == [d.isoformat() for d in off], month
        assert [d["date"] for d in month["weekend_days_worked"]] == [d.isoformat() for d in worked], month
        assert month["provisional"] is False
    text = repo.ok("calendar", "show", "2026").out
    total = sum(_china_month(2026, m)[0] for m in range(1, 13))
    assert text.startswith(f"2026年工作日历 Working calendar 2026: {total} 个工作日 working days\n")
    assert "Holidays known until 2026-12-31 (chinesecalendar)" in text
    october = next(line for line in text.splitlines() if line.startswith("10月 Oct"))
    assert (
        " 18 " in october
        and "1–7 国庆节 National Day" in october
        and "10（周六 Sat）国庆节 National Day" in october
    )
    september = next(line for line in text.splitlines() if line.startswith("9月 Sep"))
    assert "25–27 中秋 Mid-autumn Festival" in september and "20（周日 Sun）" in september
    assert "暂定" not in text


def test_calendar_show_marks_the_months_past_the_known_calendar(repo: CLI) -> None:
    text = repo.ok("calendar", "show", "2027").out
    rows = [line for line in text.splitlines() if "月 " in line and not line.startswith("月份")]
    assert len(rows) == 12 and all(row.rstrip().endswith("暂定 provisional") for row in rows)
    january = next(line for line in rows if line.startswith("1月 Jan"))
    assert "1 元旦 New Year's Day" in january
    october = next(line for line in rows if line.startswith("10月 Oct"))
    assert "1–3 国庆节 National Day" in october
    assert "add 2027 with `casekit calendar add 2027 FILE`" in text

    add_2027(repo)
    text = repo.ok("calendar", "show", "2027").out
    assert "暂定" not in text
    assert "Holidays known until 2027-12-31 (casekit.yaml; chinesecalendar to 2026-12-31)" in text
    february = next(line for line in text.splitlines() if line.startswith("2月 Feb"))
    assert "5–11 春节" in february and "13（周六 Sat）春节; 20（周六 Sat）春节" in february
    assert " 17 " in february  # 20 weekdays, 5 of them off, 2 Saturdays worked
    assert "暂定 provisional" in repo.ok("calendar", "show", "2028").out


def test_calendar_help_has_examples(repo: CLI) -> None:
    for args in (("calendar", "--help"), ("calendar", "add", "--help"), ("calendar", "show", "--help")):
        assert "Example" in repo.ok(*args).out, args
    assert repo.run("calendar", "show", "twenty").code == 2


# --- the repository's own checks -----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen to sign commits")
def test_the_server_accepts_the_calendar_commit(repo: CLI, tmp_path: Path, environ: dict[str, str]) -> None:
    from gitserver import clone, make_server, server_head, set_up_signing

    server = make_server(repo, tmp_path / "server.git")
    zhang = clone(server, tmp_path / "zhang.wei", environ, SUPERVISOR)
    set_up_signing(zhang, server)  # sync.signed: supervisor, casekit init's default
    shared = zhang.head()
    add_2027(zhang)
    assert (
        "every commit since origin/main follows the rules" in zhang.ok("audit", "--since", "origin/main").err
    )
    zhang.ok("sync")
    assert server_head(server) == zhang.head() != shared

    # an agent's clone gets the schedule and counts with it
    li = clone(server, tmp_path / "li.na", environ, "li.na")
    case_id = forum_complaint(li, BEFORE_SPRING)
    assert deadlines(li, case_id)["first_response"]["due"] == "2027-02-12T17:00:00+08:00"
    li.ok("sync")
    assert server_head(server) == li.head()
