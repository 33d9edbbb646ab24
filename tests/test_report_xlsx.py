"""`casekit report --format xlsx`: the report as an Excel workbook, read back with openpyxl and
checked against the same report as JSON (and the registers against `casekit registers`)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from conftest import CLI

MONTH = ("report", "monthly", "--month", "2026-11")
WEEK = ("report", "weekly", "--week", "2026-W47")
MONEY = '"¥"#,##0.00'
TZ = ZoneInfo("Asia/Shanghai")

ANALYSIS_ZH = [
    "类别",
    "数量",
    "占比",
    "待判断",
    "成立",
    "不成立",
    "已解决",
    "未结",
    "平均处理时长(小时)",
    "重大",
    "满意",
    "一般",
    "不满意",
    "补偿金额",
]
ANALYSIS_KEYS = [
    "label",
    "count",
    "share",
    "pending",
    "justified",
    "rejected",
    "resolved",
    "open",
    "avg_hours",
    "major",
    "satisfied",
    "neutral",
    "dissatisfied",
    "compensation",
]


def report_json(cli: CLI, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(cli.ok(*args, "--format", "json").out)
    return data


def header(sheet: Worksheet) -> list[Any]:
    return [cell.value for cell in sheet[1]]


def body(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def local(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).astimezone(TZ).replace(tzinfo=None)


def same_number(cell: Any, model: Any) -> bool:
    if model is None:
        return cell is None
    return isinstance(cell, int | float) and Decimal(str(cell)) == Decimal(str(model))


def check_layout(sheet: Worksheet) -> None:
    assert sheet.freeze_panes == "A2", sheet.title
    assert all(cell.font.bold for cell in sheet[1]), sheet.title
    for index in range(1, sheet.max_column + 1):
        width = sheet.column_dimensions[get_column_letter(index)].width
        assert 6 <= width <= 60, (sheet.title, index, width)


def test_monthly_workbook_holds_the_reports_figures(example_repo: CLI, tmp_path: Path) -> None:
    report = report_json(example_repo, *MONTH)
    out = tmp_path / "reports"
    result = example_repo.ok(*MONTH, "--format", "xlsx", "--out", f"{out}/")
    path = out / "monthly-2026-11.xlsx"
    assert result.out == "" and str(path) in result.err
    book = load_workbook(path)
    assert book.sheetnames == [
        "投诉汇总分析表",
        "投诉记录 2026-11",
        "发错货登记",
        "丢件赔偿登记",
        "邮费充值清单",
        "概览",
        "重大及未解决投诉预警",
        "回访",
        "骚扰电话统计",
    ]
    for sheet in book.worksheets:
        check_layout(sheet)

    analysis = book["投诉汇总分析表"]
    assert header(analysis) == ANALYSIS_ZH
    rows = body(analysis)
    model = report["analysis"]
    expected = [*model["rows"], {**model["total"], "label": "合计"}]
    if model["reopened"]["count"]:
        expected.append(model["reopened"])
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert row[0] == want["label"]
        for value, key in zip(row[1:], ANALYSIS_KEYS[1:], strict=True):
            assert same_number(value, want[key]), (want["label"], key, value, want[key])
    total = rows[len(model["rows"])]
    assert total[1] == model["total"]["count"] and isinstance(total[1], int)
    money = analysis.cell(row=len(model["rows"]) + 2, column=len(ANALYSIS_ZH))
    assert isinstance(money.value, int | float) and money.number_format == MONEY
    assert Decimal(str(money.value)) == Decimal(model["total"]["compensation"])
    share = analysis.cell(row=2, column=3)
    assert isinstance(share.value, float) and share.number_format == "0%"
    assert all(cell.font.bold for cell in analysis[len(model["rows"]) + 2])

    register = book["投诉记录 2026-11"]
    assert header(register) == [
        "编号",
        "工单",
        "投诉人",
        "联系方式",
        "投诉时间",
        "投诉内容",
        "进展",
        "结果",
        "满意度",
    ]
    entries = report["register"]["rows"]
    assert entries
    got = body(register)
    assert [(r[0], r[1]) for r in got] == [(e["number"], e["id"]) for e in entries]
    for row, entry in zip(got, entries, strict=True):
        assert row[3] == entry["phone"] and "****" in row[3]
        assert isinstance(row[4], datetime) and row[4] == local(entry["opened_at"])
        assert row[6] == entry["progress"]
    assert register.cell(row=2, column=5).number_format == "yyyy-mm-dd hh:mm"
    content = register.column_dimensions["F"].width
    assert content == 60, "long Chinese content is capped"

    overview = book["概览"]
    assert body(overview)[-1] == [
        "合计",
        *(report["overview"]["total"][k] for k in ("new", "closed", "open", "overdue")),
    ]
    warnings = book["重大及未解决投诉预警"]
    assert [r[0] for r in body(warnings)] == [w["id"] for w in report["warnings"]["rows"]]


def test_monthly_registers_are_those_casekit_registers_prints(example_repo: CLI, tmp_path: Path) -> None:
    path = tmp_path / "november.xlsx"
    example_repo.ok(*MONTH, "--format", "xlsx", "--out", str(path))
    book = load_workbook(path)
    seen = 0
    for name in ("wrong-shipment", "parcel-claims", "postage"):
        register = json.loads(
            example_repo.ok("registers", name, "--month", "2026-11", "--format", "json").out
        )
        sheet = book[register["title"]["zh"]]
        assert header(sheet) == [c["zh"] for c in register["columns"]]
        keys = [c["key"] for c in register["columns"]]
        rows = body(sheet)
        assert len(rows) == register["count"]
        for row, want in zip(rows, register["rows"], strict=True):
            cells = dict(zip(keys, row, strict=True))
            assert cells["case_id"] == want["case_id"]
            assert isinstance(cells["date"], datetime) and cells["date"].date().isoformat() == want["date"]
            for key in ("compensation", "courier_claim", "amount"):
                if key in cells:
                    assert same_number(cells[key], want[key]), (name, key)
        for index, key in enumerate(keys, start=1):
            if key not in ("compensation", "courier_claim", "amount"):
                continue
            for number in range(2, sheet.max_row + 1):
                cell = sheet.cell(row=number, column=index)
                if cell.value is not None:
                    assert cell.number_format == MONEY
                    seen += 1
    assert seen, "the example returns record some money"


def test_weekly_workbook(example_repo: CLI, tmp_path: Path) -> None:
    report = report_json(example_repo, *WEEK)
    example_repo.ok(*WEEK, "--format", "xlsx", "--out", str(tmp_path))
    book = load_workbook(tmp_path / "weekly-2026-W47.xlsx")
    assert book.sheetnames == ["概览", "重大及未解决投诉预警", "回访", "骚扰电话统计"]
    for sheet in book.worksheets:
        check_layout(sheet)
    sources = book["骚扰电话统计"]
    assert header(sources) == ["来电号码", "次数", "占比", "首次", "最近", "记录"]
    assert [(r[0], r[1]) for r in body(sources)] == [("135****0346", 2)]  # the masked repeat caller
    rows = body(book["重大及未解决投诉预警"])
    assert [r[0] for r in rows] == [w["id"] for w in report["warnings"]["rows"]]
    assert rows and all(
        same_number(r[6], w["age_days"]) for r, w in zip(rows, report["warnings"]["rows"], strict=True)
    )
    callbacks = {r[0]: r[1] for r in body(book["回访"])}
    assert callbacks["本期应回访"] == report["callbacks"]["due"]
    assert same_number(callbacks["回访完成率"], report["callbacks"]["completion_rate"])


def test_daily_workbook_opens_with_what_falls_due_today(example_repo: CLI, tmp_path: Path) -> None:
    day = ("report", "daily", "--date", "2026-11-23")
    report = report_json(example_repo, *day)
    example_repo.ok(*day, "--format", "xlsx", "--out", str(tmp_path))
    book = load_workbook(tmp_path / "daily-2026-11-23.xlsx")
    assert book.sheetnames == ["今日到期 2026-11-24", "概览", "重大及未解决投诉预警", "回访"]
    sheet = book["今日到期 2026-11-24"]
    check_layout(sheet)
    assert header(sheet) == ["工单", "标题", "类型", "状态", "时限", "到期", "已超时", "负责人"]
    rows = body(sheet)
    due = report["due_today"]["rows"]
    assert len(rows) == len(due) > 0
    for row, model in zip(rows, due, strict=True):
        assert (row[0], row[4], row[5]) == (model["id"], model["clock"], local(model["due"]))
        assert (row[6] == "是") is model["overdue"]


def test_english_headers_use_the_markdown_labels(example_repo: CLI, tmp_path: Path) -> None:
    path = tmp_path / "en.xlsx"
    example_repo.ok(*MONTH, "--format", "xlsx", "--lang", "en", "--out", str(path))
    book = load_workbook(path)
    assert book.sheetnames[:2] == ["Complaint analysis table", "Complaint register 2026-11"]
    analysis = book["Complaint analysis table"]
    assert header(analysis) == [
        "Category",
        "Count",
        "Share",
        "Not assessed",
        "Justified",
        "Rejected",
        "Resolved",
        "Open",
        "Avg. time to resolve (h)",
        "Major",
        "Satisfied",
        "Neutral",
        "Dissatisfied",
        "Compensation",
    ]
    assert "Total" in [r[0] for r in body(analysis)]
    assert header(book["Complaint register 2026-11"])[:5] == ["No.", "Case", "Complainant", "Contact", "Time"]
    assert "Wrong-shipment register" in book.sheetnames


def test_xlsx_without_out_is_refused_and_writes_nothing(example_repo: CLI) -> None:
    before = sorted(p.relative_to(example_repo.root) for p in example_repo.root.rglob("*"))
    result = example_repo.run(*MONTH, "--format", "xlsx")
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    message = result.err.strip()
    assert len(message.splitlines()) == 1
    assert "Excel 报表需要 --out" in message and "xlsx is binary" in message
    assert message.index("Excel 报表") < message.index("xlsx is binary")
    after = sorted(p.relative_to(example_repo.root) for p in example_repo.root.rglob("*"))
    assert after == before


def test_case_text_that_looks_like_a_formula_stays_text(example_repo: CLI, tmp_path: Path) -> None:
    title = '=HYPERLINK("http://example.com","点这里")'
    case_id = example_repo.ok(
        "new",
        "complaint",
        "--title",
        title,
        "--customer",
        "=cmd|' /C calc'!A0",
        "--phone",
        "13800138000",
        "--channel",
        "phone",
    ).out.strip()
    path = tmp_path / "november.xlsx"
    example_repo.ok(*MONTH, "--format", "xlsx", "--out", str(path))
    sheet = load_workbook(path)["投诉记录 2026-11"]
    rows = [row for row in sheet.iter_rows(min_row=2) if row[1].value == case_id]
    assert len(rows) == 1
    customer, content = rows[0][2], rows[0][5]
    assert content.value == title and content.data_type == "s"
    assert str(customer.value).startswith("=cmd") and customer.data_type == "s"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_a_workbook_is_the_same_file_whenever_it_is_made(example_repo: CLI, tmp_path: Path) -> None:
    """Made a day later, the month's workbook is byte-identical: its dates are the period's
    end, not the time it was written."""
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    example_repo.ok(*MONTH, "--format", "xlsx", "--out", str(first), now="2026-12-01T08:00:00+08:00")
    example_repo.ok(*MONTH, "--format", "xlsx", "--out", str(second), now="2026-12-02T17:30:00+08:00")
    assert first.read_bytes() == second.read_bytes()
    book = load_workbook(first)
    end = datetime(2026, 11, 30, 16, 0)  # 1 December 00:00 in Shanghai, in UTC
    assert (book.properties.created, book.properties.modified) == (end, end)
