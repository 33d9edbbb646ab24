"""The pure parts of the calendar's coverage: the warning as the last known day nears, the
schedule table, what it adds to the `calendar:` section, the section's rewrite that keeps
the rest of the file, and the month view."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from casekit.codec.configedit import add_dated, edit_section, set_scalar, top_level_span
from casekit.codec.yamlio import load_fast
from casekit.core.config import parse_config
from casekit.core.holidays import coverage_end, coverage_notice, warn_days
from casekit.errors import Refused
from casekit.features.deadlines.calendar import read_calendar
from casekit.features.deadlines.schedule import (
    ScheduleDay,
    parse_schedule,
    plan_year,
    spans,
    weekend_days,
    year_view,
)

PROJECT = Path(__file__).resolve().parents[1]


def _settings(**calendar: object):  # type: ignore[no-untyped-def]
    config, problems = parse_config(
        (PROJECT / "casekit.yaml").read_text(encoding="utf-8"), Path("casekit.yaml")
    )
    assert config is not None and not problems
    section = {**(config.section("calendar") or {}), **calendar}
    settings, findings = read_calendar(section, config)
    assert not findings, findings
    return settings


# --- the warning ----------------------------------------------------------------------------


def test_the_last_known_day_is_the_packages_or_the_configs() -> None:
    assert coverage_end({}) == date(2026, 12, 31)
    assert coverage_end({"known_until": None}) == date(2026, 12, 31)
    assert coverage_end({"known_until": "2027-12-31"}) == date(2027, 12, 31)
    assert coverage_end({"known_until": "soon"}) == date(2026, 12, 31)  # the config check reports it
    assert coverage_end({"public_holidays": "none"}) is None
    assert coverage_end({"public_holidays": "none", "known_until": "2027-06-30"}) == date(2027, 6, 30)
    assert warn_days({}) == 30 and warn_days({"warn_days": 7}) == 7
    assert warn_days({"warn_days": True}) == 30 and warn_days({"warn_days": -3}) == 30


def test_the_warning_starts_warn_days_before_the_last_known_day() -> None:
    assert coverage_notice({}, date(2026, 11, 30)) is None
    notice = coverage_notice({}, date(2026, 12, 1))
    assert notice is not None and "ends 2026-12-31 (in 30 days)" in notice
    assert "in 1 day)" in (coverage_notice({}, date(2026, 12, 30)) or "")
    assert "ended 2026-12-31, 1 day ago" in (coverage_notice({}, date(2027, 1, 1)) or "")
    later = coverage_notice({"known_until": "2027-12-31", "warn_days": 10}, date(2027, 12, 21))
    assert later is not None and "`casekit calendar add 2028 FILE`" in later
    assert coverage_notice({"known_until": "2027-12-31", "warn_days": 10}, date(2027, 12, 20)) is None
    assert coverage_notice({"public_holidays": "none"}, date(2030, 1, 1)) is None
    assert "\n" not in notice


# --- the table --------------------------------------------------------------------------------


def test_a_table_reads_in_every_layout() -> None:
    text = (
        "\ufeff日期,安排,节日\n"
        "# a comment\n"
        "\n"
        '2027-02-05..2027-02-07,休,"春节, 除夕"\n'
        "2027/2/13\t班\t春节\n"
        "2027-02-20 working 春节 调休\n"
        "2027-10-01 ~ 2027-10-02，放假，国庆节\n"
        "2027-10-09 上班\n"
    )
    days = parse_schedule(text, 2027, "t.csv")
    assert [(d.day.isoformat(), d.off, d.label, d.line) for d in days] == [
        ("2027-02-05", True, "春节, 除夕", 4),
        ("2027-02-06", True, "春节, 除夕", 4),
        ("2027-02-07", True, "春节, 除夕", 4),
        ("2027-02-13", False, "春节", 5),
        ("2027-02-20", False, "春节 调休", 6),
        ("2027-10-01", True, "国庆节", 7),
        ("2027-10-02", True, "国庆节", 7),
        ("2027-10-09", False, "", 8),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("tomorrow,off", "t.csv:1: 'tomorrow' is not a date"),
        ("2027-13-01,off", "t.csv:1: '2027-13-01' is not a date"),
        ("2027-01-01,holiday", "t.csv:1: 'holiday' is not off or working"),
        ("2026-12-31,off", "t.csv:1: 2026-12-31 is not in 2027"),
        ("2027-01-01,off,元\x1b旦", "t.csv:1: the label contains a control character"),
    ],
)
def test_a_bad_line_is_named(line: str, message: str) -> None:
    with pytest.raises(Refused, match=re.escape(message)):
        parse_schedule(line + "\n", 2027, "t.csv")


def test_a_heading_is_only_skipped_on_the_first_line() -> None:
    with pytest.raises(Refused, match=re.escape("t.csv:2: 'date' is not a date")):
        parse_schedule("2027-01-01,off\ndate,kind\n", 2027, "t.csv")


# --- what a table adds ------------------------------------------------------------------------


def _day(text: str, off: bool, label: str = "", line: int = 1) -> ScheduleDay:
    return ScheduleDay(date.fromisoformat(text), off, label, line)


def test_the_plan_adds_what_is_missing_and_counts_what_is_there() -> None:
    settings = _settings(days_off={"2027-01-01": "元旦"}, working_days=[])
    plan = plan_year(
        settings, 2027, [_day("2027-01-01", True), _day("2027-01-02", True), _day("2027-02-13", False)], "t"
    )
    assert plan.days_off == {"2027-01-02": "放假"} and plan.working_days == {"2027-02-13": "上班"}
    assert plan.known_until == date(2027, 12, 31) and plan.already == 1 and plan.changes
    done = _settings(days_off={"2027-01-01": "元旦"}, known_until="2027-12-31")
    again = plan_year(done, 2027, [_day("2027-01-01", True, "元旦")], "t")
    assert not again.changes and again.already == 1
    # a year the config lists already is extended, not refused
    assert plan_year(done, 2027, [_day("2027-05-01", True, "劳动节")], "t").days_off == {
        "2027-05-01": "劳动节"
    }


def test_the_plan_refuses_conflicts_known_years_and_gaps() -> None:
    with pytest.raises(
        Refused, match=r"2027-02-13 is listed under calendar.days_off in casekit.yaml, but t:4"
    ):
        plan_year(_settings(days_off=["2027-02-13"]), 2027, [_day("2027-02-13", False, line=4)], "t")
    with pytest.raises(Refused, match="chinesecalendar already knows 2025's holidays"):
        plan_year(_settings(), 2025, [_day("2025-01-01", True)], "t")
    with pytest.raises(Refused, match="known until 2026-12-31; add 2027 first"):
        plan_year(_settings(), 2028, [_day("2028-01-01", True)], "t")
    # without the package, any year may be listed
    none = plan_year(_settings(public_holidays="none"), 2025, [_day("2025-01-01", True)], "t")
    assert none.days_off == {"2025-01-01": "放假"} and none.known_until == date(2025, 12, 31)


# --- rewriting one section --------------------------------------------------------------------

FILE = """\
# top comment
version: 1
calendar:
  days_off: {2026-12-31: 年会}   # ours
  working_days:
    - 2027-01-09
    # after the last day
  # end of the section

# the next section
channels:
  phone: {zh: 电话, en: Phone, note: [a flow list on two lines, which a round trip of the whole file,
      would join into one]}
"""


def test_only_the_section_is_rewritten() -> None:
    def edit(section: object) -> None:
        add_dated(section, "days_off", {"2027-01-01": "元旦"})
        add_dated(section, "working_days", {"2027-02-20": "春节", "2027-01-02": "元旦"})
        set_scalar(section, "known_until", "2027-12-31", after="working_days")

    assert top_level_span(FILE, "calendar") == (2, 8)
    out = edit_section(FILE, "calendar", edit)
    assert out.startswith("# top comment\nversion: 1\ncalendar:\n")
    assert out.endswith(FILE[FILE.index("\n# the next section") :])
    section = out[out.index("calendar:") : out.index("\n\n# the next")]
    assert "  days_off:" in section and "# ours\n    2026-12-31: 年会\n    2027-01-01: 元旦\n" in section
    assert "    - 2027-01-02\n    - 2027-01-09\n    - 2027-02-20\n" in section
    assert section.rstrip().endswith("# end of the section")  # comments after the last entry stay last
    data = load_fast(out)
    assert data["calendar"] == {
        "days_off": {"2026-12-31": "年会", "2027-01-01": "元旦"},
        "working_days": ["2027-01-02", "2027-01-09", "2027-02-20"],
        "known_until": "2027-12-31",
    }


def test_a_missing_or_empty_section_is_written() -> None:
    def edit(section: object) -> None:
        add_dated(section, "days_off", {"2027-01-01": "元旦"})

    assert load_fast(edit_section("version: 1", "calendar", edit))["calendar"] == {
        "days_off": {"2027-01-01": "元旦"}
    }
    empty = edit_section("version: 1\ncalendar:\nb: 2\n", "calendar", edit)
    assert empty == "version: 1\ncalendar:\n  days_off:\n    2027-01-01: 元旦\nb: 2\n"
    with pytest.raises(ValueError, match="calendar is not a mapping"):
        edit_section("calendar: [a]\n", "calendar", edit)


# --- the month view ---------------------------------------------------------------------------


def test_runs_of_days_and_weekend_days_read_as_the_notice_does() -> None:
    october = [(date(2026, 10, d), "国庆节 National Day") for d in range(1, 8)]
    assert spans([*october, (date(2026, 10, 9), "x")]) == "1–7 国庆节 National Day; 9 x"
    assert weekend_days([(date(2026, 10, 10), "国庆节")]) == "10（周六 Sat）国庆节"
    months = year_view(_settings(), 2027, lambda day: "")
    assert [m.provisional for m in months] == [True] * 12
    assert [d.isoformat() for d, _ in months[9].days_off] == ["2027-10-01", "2027-10-02", "2027-10-03"]
    assert months[0].working_days == 20  # 21 weekdays less 元旦
    known = year_view(_settings(), 2026, lambda day: "")
    assert not any(m.provisional for m in known)
