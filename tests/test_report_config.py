"""Reports speak the team's own words: a kind renamed in casekit.yaml, and the labels of a
kind and of a clock, show in the report as the config gives them."""

from __future__ import annotations

import json
from typing import Any

from conftest import CLI

RENAMES = [
    ("  # complaint_kind: complaint", "  complaint_kind: grievance  #"),
    ("\n  complaint:\n", "\n  grievance:\n"),  # the kind, and its clocks under deadlines:
    ("kind: complaint", "kind: grievance"),  # callback triggers, approvals, follow-ups
    ("major_kinds: [complaint]", "major_kinds: [grievance]"),
    ("zh: 投诉\n    en: Complaint", "zh: 客诉\n    en: Grievance"),
    ("      zh: 首次响应\n      en: First response", "      zh: 首次回应\n      en: First reply"),
    ("received: {zh: 已受理, en: Received}", "received: {zh: 已登记, en: Logged}"),
]


def _renamed(repo: CLI) -> None:
    path = repo.root / "casekit.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in RENAMES:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    # The config is sound (some bundled reply scripts still name the old kind: a team that
    # renames a kind writes its own in templates/).
    problems = repo.run("validate").out
    assert "casekit.yaml" not in problems, problems


def test_a_renamed_kind_and_relabelled_clock_show_in_the_report(repo: CLI) -> None:
    _renamed(repo)
    opened = "2026-11-23T10:00:00+08:00"
    case_id = repo.new("grievance", "--set", "category=product-quality", now=opened)
    repo.ok("note", case_id, "已电话联系客户，确认故障", now="2026-11-23T10:30:00+08:00")
    report: dict[str, Any] = json.loads(
        repo.ok(
            "report", "weekly", "--week", "2026-W48", "--format", "json", now="2026-11-30T09:00:00+08:00"
        ).out
    )
    rows = {r["kind"]: r for r in report["overview"]["rows"]}
    assert rows["grievance"]["label"] == "客诉" and rows["grievance"]["new"] == 1
    # The complaint sections count the kind reports.complaint_kind names.
    assert report["sources"]["total"] == 1
    assert [r["id"] for r in report["warnings"]["rows"]] == [case_id]
    assert report["warnings"]["rows"][0]["status"] == "已登记"  # the state's label, as relabelled
    # First response was due an hour after opening (1 working hour) and met by the note.
    clocks = {(r["kind"], r["deadline"]): r for r in report["compliance"]["by_kind"]}
    first = clocks[("grievance", "first_response")]
    assert (first["deadline_label"], first["met"], first["breached"]) == ("首次回应", 1, 0)
    week = ("report", "weekly", "--week", "2026-W48")
    text = repo.ok(*week, now="2026-11-30T09:00:00+08:00").out
    assert "客诉" in text and "首次回应" in text and "已登记" in text
    english = repo.ok(*week, "--lang", "en", now="2026-11-30T09:00:00+08:00").out
    assert "Grievance" in english and "First reply" in english


def _returns_figures(repo: CLI) -> dict[str, Any]:
    report = json.loads(
        repo.ok(
            "report", "weekly", "--week", "2026-W48", "--format", "json", now="2026-11-30T09:00:00+08:00"
        ).out
    )
    figures: dict[str, Any] = report["returns"]
    return {k: figures[k] for k in ("shop_postage_legs", "shop_postage_total", "shop_postage_unrecorded")}


def test_who_pays_postage_follows_the_teams_returns_settings_in_report_and_register(repo: CLI) -> None:
    fields = ["return_type=return", "reason=changed-mind", "order_no=TB1", "amount_paid=89.50"]
    fields += ["sku=SKU-3003", "item_name=外套"]
    case_id = repo.new("return", *(a for f in fields for a in ("--set", f)), now="2026-11-23T10:00:00+08:00")
    repo.ok("move", case_id, "approved", now="2026-11-23T10:10:00+08:00")
    repo.ok("move", case_id, "in_transit", "--set", "return_tracking_no=ZT1", now="2026-11-24T10:00:00+08:00")

    def register_rows() -> list[dict[str, Any]]:
        out = repo.ok("registers", "postage", "--month", "2026-11", "--format", "json").out
        rows: list[dict[str, Any]] = json.loads(out)["rows"]
        return rows

    # As shipped, the customer pays the postage of a changed-mind return.
    assert _returns_figures(repo) == {
        "shop_postage_legs": 0,
        "shop_postage_total": "0.00",
        "shop_postage_unrecorded": 0,
    }
    assert register_rows() == []
    # This team pays it: the report and the postage register both follow its returns: settings.
    path = repo.root / "casekit.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "lost-parcel]\n    customer_pays: [changed-mind]", "lost-parcel, changed-mind]\n    customer_pays: []"
    )
    path.write_text(text, encoding="utf-8")
    # one way (back), at the standard amount, since the case records none
    assert _returns_figures(repo) == {
        "shop_postage_legs": 1,
        "shop_postage_total": "10.00",
        "shop_postage_unrecorded": 1,
    }
    assert [r["case_id"] for r in register_rows()] == [case_id]


def test_the_assessment_states_come_from_the_config_and_are_checked(repo: CLI) -> None:
    case_id = repo.new("complaint", "--set", "category=billing", now="2026-11-23T10:00:00+08:00")
    repo.ok("move", case_id, "assessing", now="2026-11-23T10:20:00+08:00")
    month = ("report", "monthly", "--month", "2026-11", "--format", "json")

    def verdicts() -> tuple[int, int, int]:
        total = json.loads(repo.ok(*month, now="2026-12-01T09:00:00+08:00").out)["analysis"]["total"]
        return total["pending"], total["justified"], total["rejected"]

    assert verdicts() == (1, 0, 0)  # still being assessed: neither 成立 nor 不成立
    path = repo.root / "casekit.yaml"
    text = path.read_text(encoding="utf-8")
    section = "  week_starts: monday"
    assert section in text

    def configure(assessment: str) -> None:
        path.write_text(text.replace(section, f"{section}\n  assessment: {assessment}"), encoding="utf-8")

    configure("{pending: [received]}")
    assert verdicts() == (0, 1, 0)  # this team counts a complaint under assessment as justified
    configure("{pending: [recieved]}")
    result = repo.run("validate")
    said = result.out + result.err
    assert result.code == 1
    assert "reports.assessment.pending" in said and "'recieved' is not a complaint state" in said
