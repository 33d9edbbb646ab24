"""Reports as Excel workbooks: the plain report data (`build_report`) written as typed sheets.

An I/O edge like the Jinja templates: it computes nothing, it lays out what the report model
holds. Times are written as Excel dates in the repository's time zone (Excel has no time
zones), money as numbers in yuan with a ¥ format, shares and rates as fractions with a
percent format, counts as integers. Each sheet has a bold, frozen header row and columns
wide enough for Chinese text.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from casekit.render.output import safe_text

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = '"¥"#,##0.00'
RATE_FORMAT = "0%"
DECIMAL_FORMAT = "0.0"
MAX_WIDTH = 60
MIN_WIDTH = 6
SHEET_NAME_LIMIT = 31
_NOT_IN_SHEET_NAMES = str.maketrans({c: "-" for c in "[]:*?/\\"})
_BOLD = Font(bold=True)

# How each kind of cell is written: its number format, and how wide it shows.
_FORMATS = {
    "datetime": DATETIME_FORMAT,
    "date": DATE_FORMAT,
    "money": MONEY_FORMAT,
    "rate": RATE_FORMAT,
    "decimal": DECIMAL_FORMAT,
}
_SHOWN_WIDTH = {"datetime": 16, "date": 10, "rate": 5}


@dataclass(frozen=True)
class Column:
    """A sheet column: its header, the row key it shows, and the kind of its cells
    (text, int, money, rate, decimal, date or datetime)."""

    header: str
    key: str
    kind: str = "text"


def report_workbook(report: Mapping[str, Any], registers: Sequence[Mapping[str, Any]] = ()) -> bytes:
    """The report as an .xlsx file's bytes, headers in the report's language.

    `registers` are the returns registers to add, one sheet each, as
    `{"title": {"zh", "en"}, "columns": [{"key", "zh", "en", "kind"}], "rows": [...]}`.
    """
    lang = str(report.get("lang") or "zh")

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    tz = ZoneInfo(str(report["period"]["timezone"]))
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    if report.get("kind") == "month":
        _analysis(book, report, t, tz)
        _register(book, report, t, tz)
        for register in registers:
            columns = [
                Column(t(c["zh"], c["en"]), c["key"], c.get("kind", "text")) for c in register["columns"]
            ]
            title = register["title"]
            _sheet(book, t(title["zh"], title["en"]), columns, register["rows"], tz)
    if report.get("kind") == "day":
        _due_today(book, report, t, tz)
    _overview(book, report, t, tz)
    _warnings(book, report, t, tz)
    _callbacks(book, report, t, tz)
    _harassment(book, report, t, tz)
    if report.get("unreadable"):
        column = Column(
            t("无法读取、未计入的工单文件", "Case files that could not be read and are left out"), "path"
        )
        _sheet(
            book,
            t("未计入的文件", "Files left out"),
            [column],
            [{"path": p} for p in report["unreadable"]],
            tz,
        )
    book.properties.creator = "casekit"
    book.properties.title = t("报表", "Report") + f" {report['period']['label']}"
    buffer = io.BytesIO()
    book.save(buffer)
    return _dated(buffer.getvalue(), datetime.fromisoformat(str(report["period"]["end"])))


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def _dated(workbook: bytes, moment: datetime) -> bytes:
    """The workbook with every time stamp set to `moment` (the period's end) instead of
    the time it was written (the document's created/modified dates, each zip entry's), so
    one report is one file, byte for byte, whenever it is made."""
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    local = moment.timetuple()[:6]
    written = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(written, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=local)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return written.getvalue()


# (zh, en) -> the text in the report's language
Tr = Callable[[str, str], str]


def _analysis(book: Workbook, report: Mapping[str, Any], t: Tr, tz: ZoneInfo) -> None:
    analysis = report["analysis"]
    levels = {level["key"]: level["label"] for level in report.get("callbacks", {}).get("levels", [])}
    columns = [
        Column(t("类别", "Category"), "label"),
        Column(t("数量", "Count"), "count", "int"),
        Column(t("占比", "Share"), "share", "rate"),
        Column(t("待判断", "Not assessed"), "pending", "int"),
        Column(t("成立", "Justified"), "justified", "int"),
        Column(t("不成立", "Rejected"), "rejected", "int"),
        Column(t("已解决", "Resolved"), "resolved", "int"),
        Column(t("未结", "Open"), "open", "int"),
        Column(t("平均处理时长(小时)", "Avg. time to resolve (h)"), "avg_hours", "decimal"),
        Column(t("重大", "Major"), "major", "int"),
        Column(levels.get("satisfied", t("满意", "Satisfied")), "satisfied", "int"),
        Column(levels.get("neutral", t("一般", "Neutral")), "neutral", "int"),
        Column(levels.get("dissatisfied", t("不满意", "Dissatisfied")), "dissatisfied", "int"),
        Column(t("补偿金额", "Compensation"), "compensation", "money"),
    ]
    rows = [*analysis["rows"], {**analysis["total"], "label": t("合计", "Total")}]
    reopened = analysis.get("reopened")
    if reopened and reopened.get("count"):
        rows.append(reopened)
    sheet = _sheet(book, t("投诉汇总分析表", "Complaint analysis table"), columns, rows, tz)
    for cell in sheet[len(analysis["rows"]) + 2]:
        cell.font = _BOLD


def _register(book: Workbook, report: Mapping[str, Any], t: Tr, tz: ZoneInfo) -> None:
    columns = [
        Column(t("编号", "No."), "number"),
        Column(t("工单", "Case"), "id"),
        Column(t("投诉人", "Complainant"), "customer"),
        Column(t("联系方式", "Contact"), "phone"),
        Column(t("投诉时间", "Time"), "opened_at", "datetime"),
        Column(t("投诉内容", "Content"), "content"),
        Column(t("进展", "Progress"), "progress"),
        Column(t("结果", "Result"), "result"),
        Column(t("满意度", "Satisfaction"), "satisfaction"),
    ]
    label = report["period"]["label"]
    _sheet(book, f"{t('投诉记录', 'Complaint register')} {label}", columns, report["register"]["rows"], tz)


def _overview(book: Workbook, report: Mapping[str, Any], t: Tr, tz: ZoneInfo) -> None:
    overview = report["overview"]
    columns = [
        Column(t("类型", "Kind"), "label"),
        Column(t("新增", "New"), "new", "int"),
        Column(t("结案", "Closed"), "closed", "int"),
        Column(t("未结", "Open"), "open", "int"),
        Column(t("其中超时", "Open past a deadline"), "overdue", "int"),
    ]
    rows = [*overview["rows"], {**overview["total"], "label": t("合计", "Total")}]
    sheet = _sheet(book, t("概览", "Overview"), columns, rows, tz)
    for cell in sheet[len(rows) + 1]:
        cell.font = _BOLD


def _warnings(book: Workbook, report: Mapping[str, Any], t: Tr, tz: ZoneInfo) -> None:
    columns = [
        Column(t("工单", "Case"), "id"),
        Column(t("标题", "Title"), "title"),
        Column(t("客户", "Customer"), "customer"),
        Column(t("电话", "Phone"), "phone"),
        Column(t("类别", "Category"), "category"),
        Column(t("状态", "Status"), "status"),
        Column(t("已持续(天)", "Age (days)"), "age_days", "decimal"),
        Column(t("承诺回复", "Promised reply"), "promised_at", "datetime"),
        Column(t("最新进展时间", "Latest progress at"), "progress_at", "datetime"),
        Column(t("最新进展", "Latest progress"), "progress"),
        Column(t("预警", "Warnings"), "warnings"),
    ]
    rows = [
        {
            **row,
            "progress_at": (row.get("progress") or {}).get("at"),
            "progress": (row.get("progress") or {}).get("text") or "",
            "warnings": t("；", "; ").join(row.get("warnings") or []),
        }
        for row in report["warnings"]["rows"]
    ]
    _sheet(book, t("重大及未解决投诉预警", "Major and unresolved complaints"), columns, rows, tz)


def _due_today(book: Workbook, report: Mapping[str, Any], t: Tr, tz: ZoneInfo) -> None:
    """A daily report's first sheet: what falls due the next day, overdue ones included."""
    columns = [
        Column(t("工单", "Case"), "id"),
        Column(t("标题", "Title"), "title"),
        Column(t("类型", "Kind"), "kind"),
        Column(t("状态", "Status"), "status"),
        Column(t("时限", "Deadline"), "clock"),
        Column(t("到期", "Due"), "due", "datetime"),
        Column(t("已超时", "Overdue"), "overdue_text"),
        Column(t("负责人", "Assignee"), "assignee"),
    ]
    due = report["due_today"]
    rows = [{**row, "overdue_text": t("是", "yes") if row["overdue"] else ""} for row in due["rows"]]
    _sheet(book, f"{t('今日到期', 'Due today')} {due['day']}", columns, rows, tz)


def _callbacks(book: Workbook, report: Mapping[str, Any], t: Tr, tz: ZoneInfo) -> None:
    c = report.get("callbacks") or {}
    if not c.get("available"):
        return
    measures: list[tuple[str, Any, str]] = [
        (t("本期应回访", "Due this period"), c["due"], "int"),
        (t("其中已完成", "of which completed"), c["due_completed"], "int"),
        (t("回访完成率", "Completion rate"), c["completion_rate"], "rate"),
        (t("本期回访成功", "Completed this period"), c["completed"], "int"),
        (t("本期未接通", "Unreachable this period"), c["unreachable"], "int"),
        (t("拨打次数", "Call attempts"), c["attempts"], "int"),
        (t("接通次数", "Answered"), c["attempts_answered"], "int"),
        (
            t("接通率（接通次数/拨打次数）", "Contact rate (answered / all call attempts)"),
            c["contact_rate"],
            "rate",
        ),
    ]
    if c.get("completed_without_dial"):
        measures.append(
            (
                t("回访成功但无接通记录", "Completed with no answered call recorded"),
                c["completed_without_dial"],
                "int",
            )
        )
    sheet = _sheet(book, t("回访", "Callbacks"), [Column(t("指标", "Measure"), "label")], [], tz)
    _put(sheet, 1, 2, t("数值", "Value"), "text", tz)
    sheet.cell(row=1, column=2).font = _BOLD
    for number, (label, value, kind) in enumerate(measures, start=2):
        _put(sheet, number, 1, label, "text", tz)
        _put(sheet, number, 2, value, kind, tz)
    sheet.column_dimensions["A"].width = _width(max([_text_width(m[0]) for m in measures] + [6]))
    sheet.column_dimensions["B"].width = 10


def _harassment(book: Workbook, report: Mapping[str, Any], t: Tr, tz: ZoneInfo) -> None:
    """骚扰电话统计, when the period has harassment calls: one row per source number (masked)."""
    calls = report.get("harassment")
    if not isinstance(calls, Mapping) or not calls.get("total"):
        return
    columns = [
        Column(t("来电号码", "Source number"), "source"),
        Column(t("次数", "Calls"), "count", "int"),
        Column(t("占比", "Share"), "share", "rate"),
        Column(t("首次", "First"), "first", "datetime"),
        Column(t("最近", "Last"), "last", "datetime"),
        Column(t("记录", "Logs"), "logs"),
    ]
    rows = [{**row, "logs": ", ".join(row["cases"])} for row in calls["by_source"]]
    _sheet(book, t("骚扰电话统计", "Harassment calls"), columns, rows, tz)


def _sheet(
    book: Workbook, title: str, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], tz: ZoneInfo
) -> Worksheet:
    sheet: Worksheet = book.create_sheet(_sheet_name(title))
    widths = [_text_width(c.header) for c in columns]
    for index, column in enumerate(columns, start=1):
        _put(sheet, 1, index, column.header, "text", tz)
        sheet.cell(row=1, column=index).font = _BOLD
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = _put(sheet, number, index, row.get(column.key), column.kind, tz)
            widths[index - 1] = max(widths[index - 1], _shown_width(value, column.kind))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(width)
    sheet.freeze_panes = "A2"
    return sheet


def _put(sheet: Worksheet, row: int, column: int, value: Any, kind: str, tz: ZoneInfo) -> Any:
    """Write one cell. Text is always a string cell: text from case data starting with `=`
    stays text and never becomes a formula, and control characters (which the file format
    cannot hold) are written as visible escapes, as on the terminal."""
    written = _excel_value(value, kind, tz)
    if isinstance(written, str):
        written = safe_text(written, layout=True)
    cell = sheet.cell(row=row, column=column, value=written)
    if isinstance(written, str):
        cell.data_type = "s"
    elif kind in _FORMATS and written is not None:
        cell.number_format = _FORMATS[kind]
    return written


def _excel_value(value: Any, kind: str, tz: ZoneInfo) -> Any:
    """A model value as the cell it becomes; text the model gives where a number or time is
    expected (a hand-edited value) stays text rather than being guessed at."""
    if value is None or value == "":
        return None
    if kind in ("datetime", "date"):
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            return value
        else:
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                return str(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(tz).replace(tzinfo=None)
        return moment.date() if kind == "date" else moment
    if kind in ("int", "money", "rate", "decimal"):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if not number.is_finite():
            return str(value)
        if kind == "int" and number == number.to_integral_value():
            return int(number)
        return number
    return value if isinstance(value, str) else str(value)


def _sheet_name(title: str) -> str:
    return title.translate(_NOT_IN_SHEET_NAMES)[:SHEET_NAME_LIMIT]


def _text_width(text: str) -> int:
    """Display width: a wide (CJK) character counts as two units."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown_width(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max((_text_width(line) for line in value.splitlines()), default=0)
    if kind in _SHOWN_WIDTH:
        return _SHOWN_WIDTH[kind]
    if kind == "money":
        return len(f"¥{value:,.2f}")
    return len(str(value))


def _width(units: int) -> int:
    return min(MAX_WIDTH, max(MIN_WIDTH, units + 2))
