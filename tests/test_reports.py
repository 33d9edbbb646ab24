"""Weekly and monthly reports through the real CLI, checked against independent counts,
golden files, and a real headless Chromium for the HTML.

Golden files: set CASEKIT_UPDATE_GOLDEN=1 to rewrite them after an intended change.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from casedata import at, case, check_golden, november, write_cases
from conftest import CLI, base_environ
from pngread import colour_counts, has_colour, read_png
from returns_gen import SHOP_PAYS

GOLDEN = Path(__file__).parent / "golden" / "reports"
NOW = "2026-11-30T09:00:00+08:00"
TERMINAL = {
    "complaint": {"rejected", "closed"},
    "callback": {"completed", "unreachable", "cancelled"},
    "return": {"declined", "closed"},
}
WEEK = (
    datetime.fromisoformat("2026-11-16T00:00:00+08:00"),
    datetime.fromisoformat("2026-11-23T00:00:00+08:00"),
)
MONTH = (
    datetime.fromisoformat("2026-11-01T00:00:00+08:00"),
    datetime.fromisoformat("2026-12-01T00:00:00+08:00"),
)


@pytest.fixture(scope="module")
def month_repo(tmp_path_factory: pytest.TempPathFactory) -> CLI:
    base = tmp_path_factory.mktemp("reports")
    home = base / "home"
    home.mkdir()
    environ = base_environ(home) | {"CASEKIT_NOW": NOW}
    root = base / "repo"
    CLI(base, environ).ok("init", str(root))
    write_cases(root, november(), environ)
    return CLI(root, environ)


# --- an independent count, straight from the case data --------------------------------------


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _inside(moment: datetime, period: tuple[datetime, datetime]) -> bool:
    return period[0] <= moment < period[1]


def _state_at(doc: dict[str, Any], moment: datetime) -> tuple[str | None, datetime | None]:
    state, since = None, None
    for entry in doc["history"]:
        if _t(entry["at"]) < moment and entry["action"] in ("open", "move"):
            state, since = entry["to"], _t(entry["at"])
    return state, since


def _first_entry(doc: dict[str, Any], states: set[str]) -> dict[str, Any] | None:
    return next((e for e in doc["history"] if e["action"] in ("open", "move") and e["to"] in states), None)


def independent(docs: list[dict[str, Any]], period: tuple[datetime, datetime]) -> dict[str, Any]:
    docs = [d for d in docs if not d.get("harassment")]
    expected: dict[str, Any] = {"new": Counter(), "closed": Counter(), "open": Counter()}
    for doc in docs:
        kind = doc["kind"]
        state, since = _state_at(doc, period[1])
        if state is None:
            continue
        if _inside(_t(doc["opened_at"]), period):
            expected["new"][kind] += 1
        if state in TERMINAL[kind]:
            if since is not None and _inside(since, period):
                expected["closed"][kind] += 1
        else:
            expected["open"][kind] += 1
    new_complaints = [d for d in docs if d["kind"] == "complaint" and _inside(_t(d["opened_at"]), period)]
    expected["channels"] = Counter(d["channel"] for d in new_complaints)
    refund = Decimal(0)
    postage = Decimal(0)
    for doc in (d for d in docs if d["kind"] == "return"):
        entry = _first_entry(doc, {"refunded"})
        if entry and _inside(_t(entry["at"]), period):
            refund += entry["set"]["refund_amount"]
        if (
            doc["fields"]["reason"] in SHOP_PAYS
        ):  # the shop pays each leg: back when shipped, out when re-shipped
            legs = {
                "return": ["in_transit"],
                "exchange": ["in_transit", "reshipped"],
                "resend": ["reshipped"],
            }
            for state in legs.get(doc["fields"]["return_type"], []):
                leg = _first_entry(doc, {state})
                if leg and _inside(_t(leg["at"]), period):
                    postage += doc["fields"]["postage_amount"]
    expected["refund"], expected["postage"] = refund, postage
    satisfaction: Counter[str] = Counter()
    for doc in (d for d in docs if d["kind"] == "callback"):
        entry = _first_entry(doc, {"completed"})
        if entry and _inside(_t(entry["at"]), period):
            satisfaction[entry["set"]["satisfaction"]] += 1
    expected["satisfaction"] = satisfaction
    return expected


def _json_report(cli: CLI, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cli.ok("report", *args, "--format", "json").out)
    return data


@pytest.mark.parametrize(
    ("which", "flag", "label", "period"),
    [
        ("weekly", "--week", "2026-W47", WEEK),
        ("monthly", "--month", "2026-11", MONTH),
    ],
)
def test_report_numbers_match_an_independent_count(
    month_repo: CLI, which: str, flag: str, label: str, period: tuple[datetime, datetime]
) -> None:
    report = _json_report(month_repo, which, flag, label)
    expected = independent(november(), period)
    rows = {r["kind"]: r for r in report["overview"]["rows"]}
    for key in ("new", "closed", "open"):
        assert {k: rows[k][key] for k in rows if rows[k][key]} == dict(expected[key]), key
    assert {r["key"]: r["count"] for r in report["sources"]["by_channel"]} == dict(expected["channels"])
    assert Decimal(report["returns"]["refund_total"]) == expected["refund"]
    assert Decimal(report["returns"]["shop_postage_total"]) == expected["postage"]
    split = report["callbacks"]["satisfaction"]
    assert {k: split[k] for k in ("satisfied", "neutral", "dissatisfied") if split[k]} == dict(
        expected["satisfaction"]
    )
    assert sum(r["count"] for r in report["sources"]["by_category"]) == report["sources"]["total"]


def test_weekly_figures_worked_out_by_hand(month_repo: CLI) -> None:
    report = _json_report(month_repo, "weekly", "--week", "2026-W47")
    assert report["period"] | {} == {
        "label": "2026-W47",
        "start": "2026-11-16T00:00:00+08:00",
        "end": "2026-11-23T00:00:00+08:00",
        "first_day": "2026-11-16",
        "last_day": "2026-11-22",
        "timezone": "Asia/Shanghai",
    }
    # C-…0002 answered late (11:20 for 11:05) and unresolved by its 19 Nov deadline; its promise
    # (reply by 19 Nov 18:00) was kept at 17:30. C-…0001 met both. Callbacks: two on time, one
    # (due 21 Nov) still scheduled. Returns: R-…0001 answered in 3 minutes, R-…0002 in 10 (due 5).
    # C-…0001's update clock, as the deadlines feature records it, missed one interval and met one.
    by_kind = {(r["kind"], r["deadline"]): (r["met"], r["breached"]) for r in report["compliance"]["by_kind"]}
    assert by_kind == {
        ("complaint", "first_response"): (1, 1),
        ("complaint", "updates"): (1, 1),
        ("complaint", "resolution"): (1, 1),
        ("complaint", "promise"): (1, 0),
        ("callback", "callback"): (2, 1),
        ("return", "first_response"): (1, 1),
    }
    assert report["compliance"]["total"] == {"met": 7, "breached": 5, "rate": "0.5833"}
    warnings = {r["id"]: r for r in report["warnings"]["rows"]}
    # The media complaint is major and listed first; the one from 10 Nov is stale; the category
    # changed on 25 Nov is reported as it was on Sunday night.
    assert report["warnings"]["rows"][0]["id"] == "C-20261118-0003-0003"
    assert warnings["C-20261118-0003-0003"]["warnings"] == ["重大投诉", "媒体投诉"]
    assert warnings["C-20261110-0005-0005"]["category"] == "售后维修"
    assert warnings["C-20261110-0005-0005"]["warnings"] == ["超过7天未解决"]
    assert warnings["C-20261110-0005-0005"]["phone"] == "010-****5678"
    assert warnings["C-20261117-0002-0002"]["promised_at"] == "2026-11-19T18:00:00+08:00"
    assert warnings["C-20261117-0002-0002"]["status"] == "调查中"  # moved to proposed on 24 Nov
    assert "C-20261119-0004-0004" not in warnings  # rejected, not major
    callbacks = report["callbacks"]
    assert (callbacks["due"], callbacks["due_done"], callbacks["completed"], callbacks["unreachable"]) == (
        5,
        4,
        3,
        1,
    )
    assert callbacks["contact_rate"] == "0.7500"
    assert (callbacks["attempts"], callbacks["attempts_answered"]) == (4, 1)
    assert report["returns"]["compensation_total"] == "50.00"
    alerts = {(r["by"], r["value"]): r["customers"] for r in report["alerts"]["rows"]}
    assert alerts == {("sku", "SKU-1001"): 3, ("product", "传真机X1"): 3}
    merchants = {r["merchant"]: r for r in report["merchants"]["rows"]}
    assert merchants["优品数码旗舰店"]["complaints"] == 4
    assert merchants["优品数码旗舰店"]["median_response_hours"] == "0.3"
    assert "13800138000" not in json.dumps(report, ensure_ascii=False)


def test_monthly_sections(month_repo: CLI) -> None:
    report = _json_report(month_repo, "monthly", "--month", "2026-11")
    assert report["totals"]["total"] == 8
    assert {r["key"]: r["count"] for r in report["totals"]["by_brand"]} == {"惠普": 4, "顺达": 1, "(none)": 3}
    ranking = [(r["rank"], r["merchant"], r["complaints"], r["returns"]) for r in report["ranking"]["rows"]]
    assert ranking == [(1, "优品数码旗舰店", 5, 3), (2, "家家乐超市", 3, 3)]
    black = {r["merchant"]: r["reasons"] for r in report["nominations"]["black"]}
    assert black["优品数码旗舰店"][0] == "投诉5起"
    assert "重大投诉1起" in black["家家乐超市"]
    assert report["nominations"]["due"] == "2026-12-10"
    analysis = report["analysis"]
    assert analysis["total"]["count"] == 8 and analysis["total"]["rejected"] == 1
    assert analysis["total"]["compensation"] == "50.00"
    # C-…0005 was re-categorised on 25 November, so at the month's end it counts as product quality.
    quality = next(r for r in analysis["rows"] if r["key"] == "product-quality")
    assert (quality["count"], quality["resolved"], quality["avg_hours"], quality["satisfied"]) == (
        4,
        1,
        "48.5",
        1,
    )
    numbers = [r["number"] for r in report["register"]["rows"]]
    assert numbers[:2] == ["20261110-01", "20261116-01"] and len(numbers) == 8
    assert report["returns"]["refund_total"] == "333.50"
    # Postage the shop paid: R-…0001 back (12.00), R-…0002 back and out (10.00 each), R-…0006 back (6.00).
    assert (report["returns"]["shop_postage_legs"], report["returns"]["shop_postage_total"]) == (4, "38.00")


def test_reports_match_their_golden_files(month_repo: CLI) -> None:
    check_golden(
        GOLDEN / "weekly-2026-W47.zh.md", month_repo.ok("report", "weekly", "--week", "2026-W47").out
    )
    check_golden(
        GOLDEN / "weekly-2026-W47.en.md",
        month_repo.ok("report", "weekly", "--week", "2026-W47", "--lang", "en").out,
    )
    check_golden(
        GOLDEN / "monthly-2026-11.zh.md", month_repo.ok("report", "monthly", "--month", "2026-11").out
    )


def test_last_weeks_report_is_the_same_after_later_changes(month_repo: CLI, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(month_repo.root, root)
    cli = CLI(root, month_repo.environ)
    before = cli.ok("report", "weekly", "--week", "2026-W47").out
    before_data = _json_report(cli, "weekly", "--week", "2026-W47")
    # Later events recorded in the files: the whole report stays the same.
    docs = {d["id"]: d for d in november()}
    later = at(24, "09:00")
    c6, c7, r5 = docs["C-20261120-0006-0006"], docs["C-20261121-0007-0007"], docs["R-20261120-0005-0005"]
    c6["history"].append(
        {"at": later, "by": "li.na", "action": "move", "from": "received", "to": "assessing"}
    )
    c6["status"] = "assessing"
    c7["history"].append({"at": later, "by": "li.na", "action": "set", "set": {"category": "other"}})
    c7["fields"]["category"] = "other"
    r5["history"].append(
        {
            "at": later,
            "by": "li.na",
            "action": "move",
            "from": "approved",
            "to": "in_transit",
            "set": {"return_tracking_no": "SF1"},
        }
    )
    r5["status"], r5["fields"]["return_tracking_no"] = "in_transit", "SF1"
    write_cases(root, [c6, c7, r5], cli.environ, "later events")
    assert cli.ok("report", "weekly", "--week", "2026-W47").out == before
    # Later changes made through casekit (which may also bring derived data such as deadlines
    # up to date): what the week's cases were and said is unchanged.
    cli.ok(
        "move",
        "C-20261121-0007-0007",
        "investigating",
        "--set",
        "responsible_department=售后技术部",
        now=at(25, "09:00"),
    )
    cli.ok("update", "C-20261110-0005-0005", "--set", "brand=佳能", now=at(25, "09:10"))
    cli.ok("note", "R-20261119-0004-0004", "客户补充了照片", now=at(25, "10:00"))
    after = _json_report(cli, "weekly", "--week", "2026-W47")
    for section in ("sources", "returns", "callbacks"):
        assert after[section] == before_data[section], section

    def warning_rows(data: dict[str, Any]) -> dict[str, Any]:
        return {r["id"]: (r["status"], r["category"], r["progress"]) for r in data["warnings"]["rows"]}

    assert warning_rows(after) == warning_rows(before_data)
    assert {r["kind"]: (r["new"], r["closed"], r["open"]) for r in after["overview"]["rows"]} == {
        r["kind"]: (r["new"], r["closed"], r["open"]) for r in before_data["overview"]["rows"]
    }
    week48 = _json_report(cli, "weekly", "--week", "2026-W48")
    assert {r["kind"]: r["new"] for r in week48["overview"]["rows"]} == {
        "complaint": 1,
        "callback": 0,
        "return": 1,
    }


def test_html_report_is_one_safe_self_contained_file(month_repo: CLI, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(month_repo.root, root)
    cli = CLI(root, month_repo.environ)
    hostile = case(
        "complaint",
        50,
        at(20, "11:00"),
        title="<script>alert(1)</script>",
        customer="{{ 7*7 }}",
        phone="13712345678",
        channel="phone",
        fields={"merchant": "<b>坏商家</b> | x"},
    )
    write_cases(root, [hostile], cli.environ)
    html = cli.ok("report", "weekly", "--week", "2026-W47", "--format", "html").out
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "&lt;b&gt;坏商家&lt;/b&gt;" in html
    assert not re.search(r"""(?:src|href)\s*=|url\(|https?://(?!www\.w3\.org/2000/svg)""", html)
    assert html.count("<svg") == 3
    assert "13712345678" not in html and "137****5678" in html
    markdown = cli.ok("report", "weekly", "--week", "2026-W47").out
    assert r"\<script\>alert(1)\</script\>" in markdown and "\\<b\\>坏商家\\</b\\> \\| x" in markdown


def test_out_writes_a_file_named_after_the_period(month_repo: CLI, tmp_path: Path) -> None:
    result = month_repo.ok(
        "report", "weekly", "--week", "2026-W47", "--format", "html", "--out", str(tmp_path) + "/reports/"
    )
    target = tmp_path / "reports" / "weekly-2026-W47.html"
    assert result.out == "" and str(target) in result.err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    named = tmp_path / "m.md"
    month_repo.ok("report", "monthly", "--month", "2026-11", "--out", str(named))
    assert named.read_text(encoding="utf-8").startswith("# 客服月报 2026-11")


def test_default_periods_are_the_last_complete_week_and_month(month_repo: CLI) -> None:
    monday = _json_report(month_repo, "weekly")
    assert monday["period"]["label"] == "2026-W48"  # NOW is Monday 30 November
    assert _json_report(month_repo, "monthly")["period"]["label"] == "2026-10"
    sunday = json.loads(
        month_repo.ok("report", "weekly", "--format", "json", now="2026-11-22T23:00:00+08:00").out
    )
    assert sunday["period"]["label"] == "2026-W46"
    for args in (
        ["weekly", "--week", "2026-W60"],
        ["weekly", "--week", "47"],
        ["monthly", "--month", "2026-13"],
    ):
        result = month_repo.run("report", *args)
        assert result.code == 2 and "Traceback" not in result.err, args


def test_a_repository_without_that_data_says_so(repo: CLI) -> None:
    out = repo.ok("report", "weekly", "--week", "2026-W47").out
    assert out.count("_暂无数据_") >= 4
    assert "| **合计** | **0** | **0** | **0** | **0** |" in out
    en = repo.ok("report", "monthly", "--month", "2026-11", "--lang", "en").out
    assert "_No data yet_" in en and "Complaint analysis table" in en


def test_repository_report_template_overrides_the_bundled_one(repo: CLI) -> None:
    folder = repo.root / "templates" / "reports"
    folder.mkdir(parents=True)
    (folder / "weekly.md.j2").write_text(
        '{% import "reports/_sections.md.j2" as s with context %}# 本店周报 {{ report.period.label }}\n'
        "{{ s.overview(report) }}\n",
        encoding="utf-8",
    )
    out = repo.ok("report", "weekly", "--week", "2026-W47").out
    assert out.startswith("# 本店周报 2026-W47") and "## 工单概况" in out and "回访" in out
    (folder / "monthly.md.j2").write_text("{{ report.nosuch }}\n", encoding="utf-8")
    failure = repo.refused("report", "monthly", "--month", "2026-11")
    assert "templates/reports/monthly.md.j2:1 needs report.nosuch" in failure.err
    (folder / "weekly.html.j2").write_text("{% for %}\n", encoding="utf-8")
    assert "templates/reports/weekly.html.j2:1: template syntax" in repo.run("validate").out


def test_report_usage_and_help(repo: CLI) -> None:
    assert "Example" in repo.ok("report", "--help").out
    assert repo.run("report").code in (0, 2)
    assert repo.run("report", "weekly", "--format", "pdf").code == 2


# --- the HTML in a real browser -----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_messages(page: Path, tmp_path: Path) -> tuple[list[str], str]:
    """What the page logged to the console (errors, CSP violations) and the DOM it built."""
    result = _chromium(page, tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line], result.stdout


def screenshot(page: Path, tmp_path: Path) -> Path:
    shot = tmp_path / f"{page.stem}.png"
    result = _chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=900,1400")
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    return shot


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


@needs_chromium
def test_the_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '<img src="https://example.com/x.png"><script>console.error("boom")</script>',
        encoding="utf-8",
    )
    messages, _ = console_messages(page, tmp_path)
    assert messages, "a page with a blocked image and script must log to the console"


@needs_chromium
@pytest.mark.parametrize(
    ("which", "flag", "label"), [("weekly", "--week", "2026-W47"), ("monthly", "--month", "2026-11")]
)
def test_html_report_renders_in_chromium_without_errors(
    month_repo: CLI, tmp_path: Path, which: str, flag: str, label: str
) -> None:
    page = tmp_path / f"{which}.html"
    month_repo.ok("report", which, flag, label, "--format", "html", "--out", str(page))
    messages, dom = console_messages(page, tmp_path)
    assert messages == []
    assert dom.count("<svg") == 3 and "<rect" in dom and "重大及未解决投诉预警" in dom
    width, height, pixels = read_png(screenshot(page, tmp_path))
    assert (width, height) == (900, 1400)
    counts = colour_counts(pixels)
    assert len(counts) > 50, "the screenshot is (nearly) blank"
    white = sum(n for colour, n in counts.items() if min(colour) > 245)
    assert white < 0.97 * len(pixels)
    # The volume chart's bars: complaints red, callbacks blue, returns orange, closed green.
    for colour in ("#d9534f", "#3f7fd9", "#f0a030", "#3c9a5f"):
        assert has_colour(counts, colour), colour


# --- pure functions, in process --------------------------------------------------------------


def test_periods_and_masks() -> None:
    from zoneinfo import ZoneInfo

    from casekit.core.casefile import mask_phone
    from casekit.features.reports.model import month_period, previous_month, previous_week, week_period

    tz = ZoneInfo("Asia/Shanghai")
    week = week_period("2026-W53", tz)
    assert (week.start.date().isoformat(), week.end.date().isoformat()) == ("2026-12-28", "2027-01-04")
    with pytest.raises(ValueError):
        week_period("2027-W53", tz)
    december = month_period("2026-12", tz)
    assert december.end == datetime(2027, 1, 1, tzinfo=tz) and len(december.days) == 31
    assert previous_week(datetime(2026, 11, 23, 8, 0, tzinfo=tz), tz).label == "2026-W47"
    assert previous_week(datetime(2026, 11, 22, 23, 59, tzinfo=tz), tz).label == "2026-W46"
    assert previous_month(datetime(2027, 1, 1, 0, 0, tzinfo=tz), tz).label == "2026-12"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86-13800138000") == "+86-138****8000"
    assert mask_phone("010-62345678") == "010-****5678"
    assert mask_phone("12345") == "*****"


def test_money_sums_are_exact_over_thousands_of_returns() -> None:
    from casekit.features.reports.model import week_period
    from casekit.features.reports.sections import build_report
    from casekit.store.configfile import load_config

    config = load_config(Path(__file__).resolve().parents[1])
    start = datetime.fromisoformat("2026-11-16T09:00:00+08:00")
    docs = []
    for i in range(3000):
        opened = (start + timedelta(minutes=i)).isoformat()
        refunded = (start + timedelta(minutes=i, seconds=30)).isoformat()
        docs.append(
            {
                "id": f"R-20261116-{i:04d}-0000",
                "kind": "return",
                "status": "refunded",
                "opened_at": opened,
                "customer": {"name": "客户", "phone": "13800000000"},
                "fields": {
                    "return_type": "return",
                    "reason": "quality",
                    "postage_amount": Decimal("0.10"),
                    "refund_amount": Decimal("0.10"),
                },
                "history": [
                    {"at": opened, "by": "li.na", "action": "open", "to": "requested"},
                    {"at": opened, "by": "li.na", "action": "move", "from": "requested", "to": "in_transit"},
                    {"at": refunded, "by": "li.na", "action": "move", "from": "in_transit", "to": "refunded"},
                ],
            }
        )
    report = build_report(docs, config, week_period("2026-W47", config.tz))
    assert report["returns"]["refund_total"] == Decimal("300.00")
    assert report["returns"]["shop_postage_total"] == Decimal("300.00")
    assert str(report["returns"]["refund_total"]) == "300.00"
    assert sum(float("0.10") for _ in range(3000)) != 300.0  # the float sum would be off


# --- CI files for a case repository ------------------------------------------------------------


def test_init_writes_ci_files_that_run_commands_that_exist(repo: CLI) -> None:
    import shlex

    import yaml

    from casekit.version import __version__

    tracked = set(repo.git("ls-files").split())
    assert {".github/workflows/casekit.yml", ".gitlab-ci.yml"} <= tracked
    github = yaml.safe_load((repo.root / ".github" / "workflows" / "casekit.yml").read_text(encoding="utf-8"))
    gitlab = yaml.safe_load((repo.root / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    triggers = github.get("on", github.get(True))  # YAML 1.1 readers turn the key `on` into True
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    assert triggers["schedule"] == [{"cron": "0 0 * * 1"}]  # Monday 00:00 UTC = 08:00 Asia/Shanghai
    lines = [step["run"] for job in github["jobs"].values() for step in job["steps"] if "run" in step]
    lines += [line for job in gitlab.values() if isinstance(job, dict) for line in job.get("script", [])]
    lines += gitlab["default"]["before_script"]
    commands = [
        line.strip() for text in lines for line in text.splitlines() if line.strip().startswith("casekit ")
    ]
    assert {"casekit validate", "casekit audit", "casekit report weekly --out reports/"} <= set(commands)
    for command in sorted(set(commands)):
        repo.ok(*shlex.split(command)[1:], now="2026-11-23T08:00:00+08:00")
    assert (repo.root / "reports" / "weekly-2026-W47.md").exists()
    assert (repo.root / "reports" / "weekly-2026-W47.html").exists()
    installs = [line for line in lines if "pip install" in line]
    assert installs and all(f"casekit=={__version__}" in line for line in installs)
