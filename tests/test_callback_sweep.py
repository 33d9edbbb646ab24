"""Callbacks within their deadline, through the real CLI: the queue puts what is due before the
best hours first, missed calls (呼损) are swept into same-working-day callbacks."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

from conftest import CLI, read_case
from test_callbacks import new_callback as open_callback

MONDAY = "2026-11-23"


def at(clock: str, day: str = MONDAY) -> str:
    return f"{day}T{clock}:00+08:00"


def new_callback(cli: CLI, callback_type: str, phone: str, now: str, *extra: str) -> str:
    return open_callback(cli, "--set", f"callback_type={callback_type}", *extra, phone=phone, now=now)


def queue(cli: CLI, now: str, *extra: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(cli.ok("queue", "--format", "json", *extra, now=now).out)  # type: ignore[no-any-return]


def snapshot(cli: CLI) -> tuple[str, dict[str, bytes]]:
    files = {str(p.relative_to(cli.root)): p.read_bytes() for p in (cli.root / "cases").rglob("*.yaml")}
    return cli.head(), files


def missed_callbacks(cli: CLI) -> dict[str, dict]:  # type: ignore[type-arg]
    """The missed-call callbacks by phone, read from their files."""
    listed = json.loads(cli.ok("list", "--kind", "callback", "--format", "json").out)
    found = {}
    for row in listed:
        case = read_case(cli.case_path(row["id"]))
        if (case.get("fields") or {}).get("callback_type") == "missed-call":
            assert case["customer"]["phone"] not in found, "two missed-call callbacks for one phone"
            found[case["customer"]["phone"]] = case
    return found


def export(
    path: Path, rows: list[tuple[str, str, str]], header: tuple[str, ...] = ("phone", "time", "line")
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


# --- the queue: the deadline wins over the best hours ---------------------------------------


def test_a_sign_up_due_before_the_best_hours_is_listed_first_and_dialable_now(repo: CLI) -> None:
    # 11:40: a new sign-up is owed a call within 15 working minutes (003), by 11:55; the best
    # hours (004) closed at 11:30 and open again at 14:30, so waiting for them breaches it
    signup = new_callback(repo, "new-signup", "13900000001", at("11:40"), "--priority", "highest")
    periodic = new_callback(repo, "periodic", "13900000002", at("11:41"), "--priority", "highest")
    rows = queue(repo, at("11:42"))
    assert [r["id"] for r in rows] == [signup]  # the periodic one can wait for 14:30
    (first,) = rows
    assert first["due"] == at("11:55") and first["due_before_best_hours"] is True
    assert first["dialable"] is True and first["in_hours"] is False and first["dialable_from"] is None
    assert first["note"] == "须在最佳时段前拨打 (due before the best hours; call now)"
    table = repo.ok("queue", now=at("11:42")).out
    (line,) = [row for row in table.splitlines() if signup in row]
    assert "须在最佳时段前拨打 (due before the best hours; call now)" in line
    assert "(1 to dial, 1 due before the best hours)" in table

    # --all adds the one that can wait, after it, as not dialable until the window opens
    everyone = queue(repo, at("11:42"), "--all")
    assert [r["id"] for r in everyone] == [signup, periodic]
    assert everyone[1]["due_before_best_hours"] is False and everyone[1]["dialable"] is False
    assert everyone[1]["dialable_from"] == at("14:30")
    assert everyone[1]["note"].startswith("14:30 前不可拨 (not dialable until 14:30")
    sheet = repo.ok("queue", "--all", "--format", "csv", now=at("11:42")).out.lstrip("\ufeff")
    records = list(csv.DictReader(io.StringIO(sheet)))
    assert [(r["id"], r["due_before_best_hours"]) for r in records] == [(signup, "True"), (periodic, "False")]

    # the first dial meets the deadline: the sign-up then waits for the best hours like the rest
    repo.ok("attempt", signup, "--outcome", "no-answer", now=at("11:45"))
    assert queue(repo, at("11:46")) == []
    message = repo.ok("queue", now=at("11:46")).out
    assert "nothing to dial now" in message and f"{MONDAY} 14:30" in message


def test_a_callback_due_after_the_next_window_is_shown_only_with_all(repo: CLI) -> None:
    # 13:45: a returning customer is owed a call within 1 working hour, by 14:45, after 14:30
    returning = new_callback(repo, "returning", "13900000003", at("13:45"), "--priority", "high")
    # 13:40: a sign-up due 13:55, before 14:30, even though its priority is lower
    signup = new_callback(repo, "new-signup", "13900000004", at("13:40"), "--priority", "low")
    assert [r["id"] for r in queue(repo, at("13:50"))] == [signup]
    everyone = queue(repo, at("13:50"), "--all")
    assert [r["id"] for r in everyone] == [signup, returning]
    assert everyone[1]["due"] == at("14:45") and not everyone[1]["dialable"]
    # overdue is due before the best hours too; in the window both are simply dialable, by priority
    assert [r["id"] for r in queue(repo, at("14:00"))] == [signup]
    rows = queue(repo, at("14:31"))
    assert [r["id"] for r in rows] == [returning, signup]
    assert not any(r["due_before_best_hours"] for r in rows)


def test_a_deadline_outside_working_hours_waits_for_the_next_calling_time(repo: CLI) -> None:
    signup = new_callback(repo, "new-signup", "13900000005", at("18:10"), "--priority", "highest")
    # 18:40: overdue since 18:25, but working hours ended at 18:30: shown (nothing due is
    # hidden), not dialable until the evening window at 19:00, when no rest hours are broken
    (row,) = queue(repo, at("18:40"))
    assert row["id"] == signup and row["due"] == at("18:25")
    assert row["due_before_best_hours"] and not row["dialable"] and row["dialable_from"] == at("19:00")
    assert "须在最佳时段前拨打，19:00 起可拨" in row["note"] and "outside working hours" in row["note"]
    table = repo.ok("queue", now=at("18:40")).out
    assert "(0 to dial, 1 due before the best hours, 1 not dialable now)" in table
    (row,) = queue(repo, at("19:05"))
    assert row["dialable"] and not row["due_before_best_hours"]  # in the best hours now


def test_the_customers_own_hours_are_kept_even_when_the_deadline_comes_first(repo: CLI) -> None:
    # the customer asked to be called 19:00-20:00: an agreement, unlike the best hours
    evening = new_callback(
        repo, "new-signup", "13900000006", at("11:40"), "--set", "preferred_hours=19:00-20:00"
    )
    signup = new_callback(repo, "new-signup", "13900000007", at("11:41"))
    rows = queue(repo, at("11:42"))
    assert [r["id"] for r in rows] == [evening, signup]  # both due first, soonest deadline first
    assert rows[0]["due_before_best_hours"] and not rows[0]["dialable"]
    assert rows[0]["dialable_from"] == at("19:00")
    assert "19:00 起可拨" in rows[0]["note"] and "the customer's preferred hours" in rows[0]["note"]
    assert rows[1]["dialable"]


def test_the_queue_judges_each_callback_purely() -> None:
    from casekit.core.timeutil import zone
    from casekit.core.workcal import WorkCalendar
    from casekit.features.callbacks.rules import build_queue
    from casekit.features.callbacks.settings import CallbackSettings, DueFirst, parse_windows

    tz = zone("Asia/Shanghai")
    calendar = WorkCalendar(tz)
    settings = CallbackSettings(best_hours=parse_windows("10:00-11:30, 14:30-16:30"))

    def case(case_id: str, due: str) -> dict:  # type: ignore[type-arg]
        return {
            "id": case_id,
            "kind": "callback",
            "status": "scheduled",
            "priority": "medium",
            "history": [],
            "deadlines": {"callback": {"due": due}},
        }

    cases = [case("B-late", at("16:00")), case("B-soon", at("09:20")), case("B-sooner", at("09:10"))]
    early = datetime(2026, 11, 23, 8, 30, tzinfo=tz)
    items = build_queue(cases, settings, ["medium"], early, open_states=["scheduled"], calendar=calendar)
    assert [(i.case["id"], i.due_first, i.dialable) for i in items] == [
        ("B-sooner", True, False),
        ("B-soon", True, False),
        ("B-late", False, False),
    ]
    assert items[0].opens == datetime(2026, 11, 23, 9, 0, tzinfo=tz)  # working hours begin
    nine = early.replace(hour=9, minute=5)
    items = build_queue(cases, settings, ["medium"], nine, open_states=["scheduled"], calendar=calendar)
    assert [(i.case["id"], i.dialable) for i in items] == [
        ("B-sooner", True),
        ("B-soon", True),
        ("B-late", False),
    ]
    # a team that never calls outside its calling hours still sees them first, waiting
    strict = CallbackSettings(best_hours=settings.best_hours, due_first=DueFirst(dial="best-hours"))
    items = build_queue(cases, strict, ["medium"], nine, open_states=["scheduled"], calendar=calendar)
    assert [(i.case["id"], i.due_first, i.dialable) for i in items][:2] == [
        ("B-sooner", True, False),
        ("B-soon", True, False),
    ]
    assert items[0].opens == datetime(2026, 11, 23, 10, 0, tzinfo=tz)


# --- the sweep ----------------------------------------------------------------------------


def test_missed_calls_are_due_the_same_working_day(repo: CLI, tmp_path: Path) -> None:
    file = export(tmp_path / "missed.csv", [("13811112222", f"{MONDAY} 10:05", "400-1")])
    repo.ok("callbacks", "sweep", str(file), now=at("10:10"))
    case = missed_callbacks(repo)["13811112222"]
    assert case["title"] == "呼损回拨：13811112222" and case["priority"] == "highest"
    assert case["fields"]["missed_calls"] == [at("10:05")]
    assert case["fields"]["call_line"] == "400-1"
    # by the end of that working day: the calendar's hours are 09:00-18:30
    assert case["deadlines"]["callback"]["within"] == "same working day"
    assert case["deadlines"]["callback"]["due"] == at("18:30")

    # a call on Friday at 19:00, after working hours, is due by the end of Monday
    friday = export(tmp_path / "friday.csv", [("13811113333", "2026-11-20 19:00", "400-1")])
    repo.ok("callbacks", "sweep", str(friday), now=at("19:10", "2026-11-20"))
    late = missed_callbacks(repo)["13811113333"]
    assert late["deadlines"]["callback"]["due"] == at("18:30")

    # the clock runs from the call, not from the sweep that found it: a call at 17:30 that
    # Tuesday's 10:00 sweep finds was due by 18:30 on Monday, and is overdue when opened
    evening = export(tmp_path / "evening.csv", [("13811114444", f"{MONDAY} 17:30", "400-1")])
    repo.ok("callbacks", "sweep", str(evening), now=at("10:00", "2026-11-24"))
    owed = missed_callbacks(repo)["13811114444"]["deadlines"]["callback"]
    assert (owed["start"], owed["due"]) == (at("17:30"), at("18:30"))
    repo.ok("audit")
    repo.ok("validate")


def test_sweeping_twice_opens_once_and_a_grown_file_opens_only_the_new_phone(
    repo: CLI, tmp_path: Path
) -> None:
    calls = [
        ("13811112222", f"{MONDAY} 09:40", "400-1"),
        ("13811113333", f"{MONDAY} 09:45", "400-2"),
        ("13811112222", f"{MONDAY} 09:52", "400-2"),  # the same phone again: the same callback
    ]
    file = export(tmp_path / "missed.csv", calls)
    before = repo.commit_count()
    out = repo.ok("callbacks", "sweep", str(file), now=at("10:00")).out
    assert "2 missed-call callback(s) opened, 0 call(s) already handled" in out
    assert repo.commit_count() == before + 1  # the whole sweep is one commit
    message = repo.git("log", "-1", "--format=%B")
    assert "opened, with 1 more (swept missed.csv)" in message and message.count("Case-Opened: ") == 1
    found = missed_callbacks(repo)
    assert set(found) == {"13811112222", "13811113333"}
    twice = found["13811112222"]
    assert twice["fields"]["missed_calls"] == [at("09:40"), at("09:52")]
    assert twice["fields"]["call_line"] == "400-1 / 400-2"
    assert twice["history"][0]["remark"] == {
        "note": "callbacks.swept",
        "file": "missed.csv",
        "rows": "2, 4",
        "calls": 2,
        "at": "09:40, 09:52",
    }
    case_id = twice["id"]
    assert "history entry 1: swept from missed.csv line 2, 4: 2 missed call(s) at 09:40, 09:52" in (
        repo.ok("show", case_id).err
    )
    shown = repo.ok("show", case_id, extra_env={"CASEKIT_LANG": "zh_CN"}).err
    assert "第 1 条记录：从 missed.csv 第 2, 4 行汇总：09:40, 09:52 未接来电 2 个" in shown
    assert f"opened {twice['id']} for 13811112222: 2 missed call(s)" in out

    # the same file again: nothing new, no commit
    again = repo.ok("callbacks", "sweep", str(file), now=at("10:30"))
    assert "0 missed-call callback(s) opened, 3 call(s) already handled" in again.out
    assert repo.commit_count() == before + 1

    # the export grows: a new phone opens one callback; a phone with an open one gets none
    grown = export(
        tmp_path / "missed.csv",
        [*calls, ("13811112222", f"{MONDAY} 12:10", "400-1"), ("13811114444", f"{MONDAY} 12:20", "400-1")],
    )
    out = repo.ok("callbacks", "sweep", str(grown), now=at("13:00")).out
    assert "1 missed-call callback(s) opened, 3 call(s) already handled, 1 covered by open callbacks" in out
    assert (
        f"line 5: 13811112222 called at 11-23 12:10; missed-call callback {twice['id']} is already open"
        in out
    )
    assert repo.commit_count() == before + 2
    assert set(missed_callbacks(repo)) == {"13811112222", "13811113333", "13811114444"}
    repo.ok("audit")


def test_the_sweep_reports_calls_still_not_called_back_and_knows_a_closed_callback(
    repo: CLI, tmp_path: Path
) -> None:
    file = export(
        tmp_path / "missed.csv",
        [("13811112222", f"{MONDAY} 09:40", "400-1"), ("13811113333", f"{MONDAY} 09:45", "400-1")],
    )
    first = repo.ok("callbacks", "sweep", str(file), now=at("10:00"))
    assert "still not called back" not in first.err  # this is the round that found them
    found = missed_callbacks(repo)
    dialled = found["13811113333"]["id"]
    repo.ok("attempt", dialled, "--outcome", "answered", now=at("10:20"))
    repo.ok("move", dialled, "completed", "--set", "satisfaction=satisfied", now=at("10:25"))

    # 13:00: the 09:40 call was swept at 10:00 and nobody has dialled it since
    grown = export(
        tmp_path / "missed.csv",
        [
            ("13811112222", f"{MONDAY} 09:40", "400-1"),
            ("13811113333", f"{MONDAY} 09:45", "400-1"),
            ("13811113333", f"{MONDAY} 10:22", "400-1"),  # during the call back: handled by it
            ("13811113333", f"{MONDAY} 11:50", "400-1"),  # after it was closed: a new callback
        ],
    )
    result = repo.ok("callbacks", "sweep", str(grown), now=at("13:00"))
    waiting = found["13811112222"]["id"]
    assert (
        f"13811112222: the missed call at 11-23 09:40 (line 2) is still not called back after the "
        f"11-23 10:00 sweep ({waiting})"
    ) in result.err
    assert "1 missed-call callback(s) opened, 3 call(s) already handled" in result.out
    (again,) = [
        c
        for c in json.loads(repo.ok("list", "--kind", "callback", "--format", "json").out)
        if c["id"] not in (waiting, dialled)
    ]
    assert read_case(repo.case_path(again["id"]))["fields"]["missed_calls"] == [at("11:50")]
    # once dialled, it is no longer reported
    repo.ok("attempt", waiting, "--outcome", "no-answer", now=at("13:05"))
    assert "still not called back" not in repo.ok("callbacks", "sweep", str(grown), now=at("13:10")).err


def test_chinese_headers_withheld_numbers_and_future_calls(repo: CLI, tmp_path: Path) -> None:
    file = tmp_path / "呼损.csv"
    file.write_text(
        "\ufeff主叫号码,来电时间,中继\n"
        "13811112222,2026/11/23 9:40:05,400热线\n"
        ",2026-11-23 09:41,400热线\n"
        "13811115555,2026-11-23 11:00,400热线\n",
        encoding="utf-8",
    )
    out = repo.ok("callbacks", "sweep", str(file), now=at("10:00")).out
    assert "line 3: skipped: no caller number (withheld); it cannot be called back" in out
    assert "line 4: skipped: the call at 2026-11-23 11:00 is after now; not swept" in out
    found = missed_callbacks(repo)
    assert set(found) == {"13811112222"}
    assert found["13811112222"]["fields"]["missed_calls"] == ["2026-11-23T09:40:05+08:00"]
    assert found["13811112222"]["customer"]["name"] == "来电客户"
    assert found["13811112222"]["fields"]["call_line"] == "400热线"
    # at 11:05 the call of 11:00 has happened
    repo.ok("callbacks", "sweep", str(file), now=at("11:05"))
    assert set(missed_callbacks(repo)) == {"13811112222", "13811115555"}


def test_an_export_without_a_line_column_and_with_names(repo: CLI, tmp_path: Path) -> None:
    # a customer another callback knows keeps the name; the file's own name comes first
    repo.ok(
        "new", "callback", "--title", "回访", "--customer", "王先生", "--phone", "13811116666",
        "--channel", "phone", now=at("09:00"),
    )  # fmt: skip
    file = tmp_path / "calls.csv"
    file.write_text(
        "电话,时间,姓名\n13811116666,2026-11-23 09:40,\n13811117777,2026-11-23 09:41,赵女士\n",
        encoding="utf-8",
    )
    repo.ok("callbacks", "sweep", str(file), now=at("10:00"))
    found = missed_callbacks(repo)
    assert found["13811116666"]["customer"]["name"] == "王先生"
    assert found["13811117777"]["customer"]["name"] == "赵女士"
    assert "call_line" not in found["13811117777"]["fields"]


def test_a_bad_export_changes_nothing_and_names_the_line(repo: CLI, tmp_path: Path) -> None:
    before = snapshot(repo)
    header = export(tmp_path / "header.csv", [("13811112222", "2026-11-23 09:40", "")], ("phone", "when"))
    refused = repo.refused("callbacks", "sweep", str(header))
    assert "header.csv: line 1: the header has no column for time; expected phone, time" in refused.err
    rows = [
        ("13811112222", "2026-11-23 09:40", "400-1"),
        ("13811113333", "yesterday 9:40", "400-1"),
        ("12345", "2026-11-23 09:41", "400-1"),
    ]
    bad = export(tmp_path / "bad.csv", rows)
    refused = repo.refused("callbacks", "sweep", str(bad))
    assert re.search(
        r"bad\.csv: line 3: bad call time: .*nothing was swept \(also bad: line 4\)", refused.err
    )
    impossible = export(tmp_path / "impossible.csv", [("13811112222", "2026-02-30 10:00", "400-1")])
    assert "line 2: bad call time: '2026-02-30 10:00' is not a real date and time" in (
        repo.refused("callbacks", "sweep", str(impossible)).err
    )
    assert repo.run("callbacks", "sweep", str(tmp_path / "none.csv")).code == 2
    assert snapshot(repo) == before


def test_the_sweep_times_print_as_crontab_lines_in_the_calendar_zone(repo: CLI, tmp_path: Path) -> None:
    file = tmp_path / "missed.csv"
    before = snapshot(repo)
    lines = repo.ok("callbacks", "sweep", str(file), "--schedule").out.splitlines()
    assert lines[0] == "CRON_TZ=Asia/Shanghai"
    assert lines[1].startswith("0 10,13,15,17 * * * cd ")
    assert lines[1].endswith(f"casekit callbacks sweep {file} --actor li.na")
    assert snapshot(repo) == before


def test_bad_sweep_and_queue_settings_are_reported_with_their_lines(repo: CLI) -> None:
    config = repo.root / "casekit.yaml"
    text = config.read_text(encoding="utf-8")
    for old, new in (
        ("times: ['10:00', '13:00', '15:00', '17:00']", "times: ['10:00', '25:00']"),
        ("    dial: working-hours ", "    dial: always "),
        ("    customer: 来电客户 ", "    custmer: 来电客户 "),
        ("    min_minutes_apart: 0 ", "    min_minutes_apart: -5 "),
    ):
        assert old in text, old
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    result = repo.run("validate")
    assert result.code == 1
    output = result.out + result.err
    lines = text.splitlines()
    for key, needle in (
        ("callbacks.sweep.times.1", "times:"),
        ("callbacks.due_first.dial", "dial: always"),
        ("callbacks.sweep.custmer", "custmer:"),
        ("callbacks.unreachable.min_minutes_apart", "min_minutes_apart: -5"),
    ):
        match = re.search(rf"casekit\.yaml:(\d+): {re.escape(key)}: ", output)
        assert match, (key, output)
        assert needle in lines[int(match.group(1)) - 1]
