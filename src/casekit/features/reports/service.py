"""Reports: the service behind `casekit report daily|weekly|monthly` (read, compute, render, write)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casekit.core.casefile import mask_contacts_in
from casekit.errors import Refused, UsageError
from casekit.features.reports.model import (
    Period,
    day_period,
    month_period,
    previous_day,
    previous_month,
    previous_week,
    report_scope,
    settings_of,
    week_period,
)
from casekit.features.reports.sections import build_report
from casekit.i18n import _
from casekit.service.env import Env

if TYPE_CHECKING:
    from casekit.core.config import Config

FORMATS = ("md", "html", "json", "pdf", "xlsx")
EXTENSIONS = {"md": "md", "html": "html", "json": "json", "pdf": "pdf", "xlsx": "xlsx"}
# Formats written as bytes, only to a file (--out).
BINARY = ("pdf", "xlsx")


@dataclass(frozen=True)
class Report:
    period: Period
    text: str
    path: Path | None
    notes: tuple[str, ...] = ()  # one line each, for stderr


# Each report, the option naming its period.
PERIOD_OPTIONS = {"daily": "date", "weekly": "week", "monthly": "month"}


def period_for(env: Env, which: str, given: str | None, config: Config | None = None) -> Period:
    config = config or env.config
    tz = config.tz
    first_weekday = settings_of(config).week_starts
    try:
        if which == "daily":
            return day_period(given, tz) if given else previous_day(env.now(tz), tz)
        if which == "weekly":
            return (
                week_period(given, tz, first_weekday)
                if given
                else previous_week(env.now(tz), tz, first_weekday)
            )
        return month_period(given, tz) if given else previous_month(env.now(tz), tz)
    except ValueError as exc:
        raise UsageError(f"--{PERIOD_OPTIONS[which]}: {exc}") from None


def make_report(
    env: Env,
    which: str,
    *,
    period_text: str | None,
    output: str,
    lang: str | None,
    out: str | None,
    at: str | None = None,
) -> Report:
    """Compute a daily, weekly or monthly report from the cases as of the period's end and render it."""
    from casekit.index.cache import no_gc
    from casekit.index.reader import CaseFilter, read_cases

    if output not in FORMATS:
        raise UsageError(
            _("--format {output!r}: use one of {formats}").format(output=output, formats=", ".join(FORMATS))
        )
    if output in BINARY and not out:
        what = "Excel" if output == "xlsx" else output.upper()
        raise UsageError(
            _(
                "{what} 报表需要 --out 文件或文件夹 ({output} is binary: give --out FILE.{extensions} or "
                "a folder)"
            ).format(what=what, output=output, extensions=EXTENSIONS[output])
        )
    config = env.config
    note: str | None = None
    if at is None:
        period = period_for(env, which, period_text)
        scope = CaseFilter.of(live_since=report_scope(config, period))
        found, problems = read_cases(env.root, where=scope)
        cases = [d.data for d in found]
        unreadable = sorted({p.path for p in problems})
    else:
        sha, cases, unreadable = cases_at(env, at)
        config, note = config_at(env, sha, at)
        period = period_for(env, which, period_text, config)
    # Thousands of cases stay in memory while the report is made and little of it is
    # cyclic: the collector would only walk them over and over.
    with no_gc():
        # Phone and ID-card numbers typed into titles, notes and content are masked
        # wherever the report shows text, as customer.phone is.
        model = mask_contacts_in(build_report(cases, config, period, lang=lang))
        model["unreadable"] = unreadable
        content: str | bytes
        if output == "xlsx":
            content = workbook_of(model, cases, config, period)
        elif output == "json":
            from casekit.render.output import to_json

            content = to_json(model) + "\n"
        elif output == "pdf":
            from casekit.render.pdf import html_to_pdf

            content = html_to_pdf(render_report(env.root, which, "html", model))
        else:
            content = render_report(env.root, which, output, model)
    path = _target(env, out, which, period, output)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise Refused(
                _("cannot write {path}: {strerror}").format(path=path, strerror=exc.strerror)
            ) from None
    return Report(period, content if isinstance(content, str) else "", path, (note,) if note else ())


def config_at(env: Env, sha: str, revision: str) -> tuple[Config, str | None]:
    """The casekit.yaml committed at `sha` (`--at`): the report made then used its rules and
    labels. When that file is missing or does not read with this casekit, the current one,
    and a note saying so."""
    from casekit.core.config import CONFIG_FILE, parse_config
    from casekit.vcs.git import cat_objects

    committed = cat_objects(env.root, [f"{sha}:{CONFIG_FILE}"])[0]
    try:
        text = committed.content.decode("utf-8") if committed is not None else None
    except UnicodeDecodeError:
        text = None
    config, problems = parse_config(text, Path(CONFIG_FILE)) if text is not None else (None, [])
    if config is not None and not problems:
        return config, None
    return env.config, _(
        "注意：{revision} 的 {config_file} 无法读取，报表按当前的 {config_file} 计算 "
        "(note: the {config_file} of {revision} does not read with this casekit; "
        "the report uses the current one)"
    ).format(revision=revision, config_file=CONFIG_FILE)


def cases_at(env: Env, revision: str) -> tuple[str, list[Mapping[str, Any]], list[str]]:
    """The commit `revision` names (`--at`), the case files as committed there, and the
    paths of those that do not read as a case."""
    from casekit.codec.yamlio import load_fast
    from casekit.core.ids import CASES_DIR
    from casekit.errors import GitError
    from casekit.vcs.history import files_at

    try:
        sha, files = files_at(env.root, revision, CASES_DIR)
    except GitError:
        raise UsageError(
            _(
                "--at {revision}：不是本仓库的提交，请给出提交、标签或分支（如 HEAD~3） "
                "(--at {revision} names no commit of this repository: give a commit, a tag or a branch, "
                "e.g. HEAD~3)"
            ).format(revision=revision)
        ) from None
    cases: list[Mapping[str, Any]] = []
    unreadable: list[str] = []
    for path, content in files:
        if not path.endswith(".yaml"):
            continue
        try:
            data = load_fast(content)
        except ValueError:
            data = None
        if isinstance(data, Mapping) and isinstance(data.get("history"), list):
            cases.append(data)
        else:
            unreadable.append(path)
    return sha, cases, unreadable


def workbook_of(
    model: dict[str, Any], cases: list[Mapping[str, Any]], config: Config, period: Period
) -> bytes:
    """The report as an Excel workbook; a month's also holds the returns registers
    (`casekit registers`) of the returns opened in it, as they stood at the month's end."""
    from casekit.core.timeline import as_of
    from casekit.features.returns.registers import REGISTERS, build_register
    from casekit.render.xlsx import report_workbook

    registers: list[dict[str, Any]] = []
    if period.kind == "month":
        snapshots = [s for s in (as_of(c, period.last_moment) for c in cases) if s is not None]
        for name in REGISTERS:
            register = build_register(name, snapshots, config, period.label)
            columns = [
                {
                    "key": c.key,
                    "zh": c.zh,
                    "en": c.en,
                    "kind": "money" if c.money else "date" if c.key == "date" else "text",
                }
                for c in register.columns
            ]
            sheet = {
                "title": {"zh": register.zh, "en": register.en},
                "columns": columns,
                "rows": register.rows,
            }
            registers.append(mask_contacts_in(sheet))
    return report_workbook(model, registers)


REPORT_SECONDS = 60.0
REPORT_MAX_CHARS = 50_000_000


def render_report(root: Path, which: str, output: str, model: dict[str, Any]) -> str:
    from casekit.render.jinja import make_environment, render

    context: dict[str, Any] = {"report": model, "lang": model["lang"], "tz": None}
    if output == "html":
        context["charts"] = charts_for(model)
    # A report of a busy month runs to megabytes: a larger budget than a reply script's.
    name = f"reports/{which}.{output}.j2"
    text = render(make_environment(root), name, context, seconds=REPORT_SECONDS, max_chars=REPORT_MAX_CHARS)
    if output == "md":
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text


def charts_for(model: dict[str, Any]) -> dict[str, Any]:
    """The report's SVG charts, marked safe for the autoescaping HTML template."""
    from markupsafe import Markup

    from casekit.features.reports.charts import compliance_chart, satisfaction_chart, volume_chart
    from casekit.render.jinja import weekday_text

    en = model["lang"] == "en"

    def t(zh: str, english: str) -> str:
        return english if en else zh

    days = model["volume"]["days"]
    if model["kind"] == "week":
        day_labels = [f"{d[5:]} {weekday_text(d, model['lang'])}" for d in days]
    else:
        day_labels = [str(int(d[8:])) for d in days]
    compliance = model["compliance"]
    callbacks = model["callbacks"]
    return {
        "volume": Markup(
            volume_chart(
                model["volume"],
                title=t("每日新增工单（按类型）与结案数", "Cases opened per day by kind, and closed"),
                closed_label=t("结案", "Closed"),
                day_labels=day_labels,
            )
        ),
        "compliance": Markup(
            compliance_chart(
                compliance["per_kind"],
                title=t("时限达成率（按类型）", "Deadlines met, by kind"),
                empty=t("暂无时限数据", "No deadline data yet"),
                met=t("达成", "Met"),
                breached=t("超时", "Breached"),
            )
        ),
        "satisfaction": Markup(
            satisfaction_chart(
                [
                    {"label": t("回访", "Callbacks"), "split": callbacks["satisfaction"]},
                    {"label": t("投诉处理", "Complaints"), "split": callbacks["complaint_satisfaction"]},
                ],
                callbacks["levels"],
                title=t("满意度分布", "Satisfaction"),
                empty=t("暂无满意度数据", "No satisfaction data yet"),
            )
        ),
    }


def _target(env: Env, out: str | None, which: str, period: Period, output: str) -> Path | None:
    """--out FILE, or --out FOLDER/ (an existing folder, or ending in /): a file named after the period."""
    if not out:
        return None
    path = env.cwd / Path(out).expanduser()
    if path.is_dir() or out.endswith(("/", "\\")):
        path = path / f"{which}-{period.label}.{EXTENSIONS[output]}"
    return path
