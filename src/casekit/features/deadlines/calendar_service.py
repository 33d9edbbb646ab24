"""`casekit calendar add` and `casekit calendar show`: next year's holiday schedule into
casekit.yaml as one supervisor's commit, and a year of the working calendar month by month.

`add_year` reads the table (`casekit.features.deadlines.schedule`), works out what it adds
to the `calendar:` section, rewrites only that section of casekit.yaml (comments and
layout kept, `casekit.codec.configedit`) and commits the file alone, as every casekit
change is committed (prepared, recorded in the journal, written, HEAD moved). The commit
is the supervisor's (author), so the server's config-change rule accepts it, and carries
`Config-Action: calendar-add`, `Config-Year` and `Config-Actor` trailers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from casekit.codec.configedit import add_dated, edit_section, set_scalar
from casekit.core.config import CONFIG_FILE, Config, parse_config
from casekit.core.holidays import china_labels, china_schedule, next_unknown_year
from casekit.core.workflow import APPROVER_ROLE
from casekit.errors import Refused
from casekit.features.deadlines.calendar import SECTION, CalendarSettings, calendar_settings, read_calendar
from casekit.features.deadlines.schedule import (
    YearPlan,
    day_label,
    month_name,
    parse_schedule,
    plan_year,
    spans,
    weekend_days,
    year_view,
)
from casekit.i18n import N_, _
from casekit.store.inputfiles import read_input_file

if TYPE_CHECKING:
    from casekit.service.env import Actor, Env

TABLE_LIMIT = 256 * 1024  # a year's schedule is a few dozen lines
# the headers of `calendar show` and its mark for months not known yet, translated where shown
SHOW_HEADERS = [
    N_("月份 Month"),
    N_("工作日 Working days"),
    N_("放假 Days off"),
    N_("调休上班 Weekend days worked"),
    N_("备注 Note"),
]
PROVISIONAL = N_("暂定 provisional")


def _refuse_unless_supervisor(config: Config, actor: Actor) -> None:
    person = config.person(actor.login) or (config.person(actor.email) if actor.email else None)
    if person is not None and person.has_role(APPROVER_ROLE):
        return
    holders = ", ".join(p.login for p in config.people.values() if p.has_role(APPROVER_ROLE)) or "nobody yet"
    raise Refused(
        _(
            "{login} is not a {approver_role}; only a {approver_role} ({holders}) may "
            "change the calendar in {config_file}"
        ).format(login=actor.login, approver_role=APPROVER_ROLE, holders=holders, config_file=CONFIG_FILE)
    )


def read_table(env: Env, path: Path) -> str:
    """The schedule table's text: UTF-8 (a BOM allowed), else GB18030 as Excel saves it."""

    def too_large(size: int, more: bool) -> NoReturn:
        raise Refused(
            _("{path}: is over {limit} KB; a year's schedule is a few dozen lines").format(
                path=path, limit=TABLE_LIMIT // 1024
            )
        )

    data = read_input_file(
        env.cwd / path, TABLE_LIMIT, what="the schedule table", too_large=too_large, shown=path
    )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused(
        _("{path}: is not text; save the table as UTF-8 (CSV UTF-8 in Excel)").format(path=path)
    )  # pragma: no cover


def _apply(plan: YearPlan) -> Any:
    def edit(section: Any) -> None:
        add_dated(section, "days_off", plan.days_off, after="public_holidays")
        add_dated(section, "working_days", plan.working_days, after="days_off")
        if plan.known_until is not None:
            set_scalar(section, "known_until", plan.known_until.isoformat(), after="working_days")

    return edit


def commit_message(plan: YearPlan, name: str, actor: Actor, note: str | None) -> str:
    counts = f"{len(plan.days_off)} days off and {len(plan.working_days)} working days"
    lines = [f"{CONFIG_FILE}: calendar {plan.year}", ""]
    if note and note.strip():
        lines += [note.strip(), ""]
    known = f"; known until {plan.known_until}" if plan.known_until else ""
    lines += [f"{counts} from {name}{known}.", ""]
    lines += ["Config-Action: calendar-add", f"Config-Year: {plan.year}", f"Config-Actor: {actor.ident}"]
    return "\n".join(lines) + "\n"


def add_year(env: Env, year: int, path: Path, *, note: str | None = None) -> list[str]:
    """`casekit calendar add YEAR FILE`: the table's days into casekit.yaml's `calendar:`
    section as one commit by a supervisor, or nothing (and says so) when it lists them all
    already. Returns the lines to print."""
    from casekit.core.fields import control_character
    from casekit.service.actions import begin, write_and_commit
    from casekit.vcs import git as vcs

    config = env.config
    actor = env.actor()
    _refuse_unless_supervisor(config, actor)
    if note and (problem := control_character(note)):
        raise Refused(_("calendar add: --note {problem}").format(problem=problem))
    name = str(path)
    days = parse_schedule(read_table(env, path), year, name)
    root = env.root
    with vcs.repo_lock(root):
        settled = begin(env)
        raw = (root / CONFIG_FILE).read_bytes()
        state = vcs.ask_file_state(root, CONFIG_FILE)()
        if state.head != vcs.blob_id(raw) or state.index != state.head:
            raise Refused(
                _(
                    "{config_file} has uncommitted changes; commit them (a supervisor's commit) or "
                    "discard them with `git checkout HEAD -- {config_file}` before adding the "
                    "calendar"
                ).format(config_file=CONFIG_FILE)
            )
        text = raw.decode("utf-8")
        current, _problems = parse_config(text, Path(CONFIG_FILE))
        assert current is not None  # env.config read the same file without a problem
        settings, _findings = read_calendar(current.section(SECTION), current)
        plan = plan_year(settings, year, days, name)
        if not plan.changes:
            return [
                *settled,
                f"{CONFIG_FILE} lists the {len(days)} days of {name} for {year} already; nothing changed",
            ]
        try:
            new_text = edit_section(text, SECTION, _apply(plan))
        except ValueError as exc:
            raise Refused(
                _("{config_file}: {exc}; fix the calendar section by hand").format(
                    config_file=CONFIG_FILE, exc=exc
                )
            ) from None
        _refuse_if_broken(new_text, plan, days)
        content = new_text.encode("utf-8")
        commit = write_and_commit(
            root,
            {CONFIG_FILE: content},
            commit_message(plan, name, actor, note),
            author=vcs.Ident(actor.name, actor.email),
            when=env.now(config.tz),
        )
    return [*settled, *_added_lines(plan, commit)]


def _refuse_if_broken(text: str, plan: YearPlan, days: list[Any]) -> None:
    """The rewritten casekit.yaml must be valid and count the table's days as it says."""
    config, problems = parse_config(text, Path(CONFIG_FILE))
    if config is None or problems:
        first = problems[0].format() if problems else "unreadable"
        raise Refused(
            _(
                "the calendar could not be added: the rewritten {config_file} would be invalid ({first})"
            ).format(config_file=CONFIG_FILE, first=first)
        )
    calendar = read_calendar(config.section(SECTION), config)[0].calendar
    wrong = next((d for d in days if calendar.is_working_day(d.day) == d.off), None)
    if wrong is not None:  # pragma: no cover - a guard on the edit itself
        raise Refused(
            _("the calendar could not be added: {day} would not be {expected}").format(
                day=wrong.day, expected="off" if wrong.off else "working"
            )
        )


def _added_lines(plan: YearPlan, commit: str) -> list[str]:
    known = f", known until {plan.known_until}" if plan.known_until else ""
    return [
        f"added {plan.year} to the calendar in {CONFIG_FILE}: {len(plan.days_off)} days off, "
        f"{len(plan.working_days)} working days{known} (commit {commit[:10]})",
        f"check it against the notice with `casekit calendar show {plan.year}`; "
        "open cases' deadlines are counted again at their next change",
    ]


def show_year(env: Env, year: int, output: str = "table") -> str:
    """`casekit calendar show YEAR`: the year's working days month by month."""
    from casekit.render.output import table, to_json

    config = env.config
    settings = calendar_settings(config)
    months = year_view(settings, year, day_label(settings, china_labels()))
    if output == "json":
        return to_json(
            [
                {
                    "month": m.month,
                    "working_days": m.working_days,
                    "days_off": [{"date": d.isoformat(), "label": label} for d, label in m.days_off],
                    "weekend_days_worked": [
                        {"date": d.isoformat(), "label": label} for d, label in m.weekend_worked
                    ],
                    "provisional": m.provisional,
                }
                for m in months
            ]
        )
    rows = [
        [
            month_name(m.month),
            str(m.working_days),
            spans(m.days_off),
            weekend_days(m.weekend_worked),
            _(PROVISIONAL) if m.provisional else "",
        ]
        for m in months
    ]
    total = sum(m.working_days for m in months)
    lines = [
        _("{year}年工作日历 Working calendar {year}: {total} 个工作日 working days").format(
            year=year, total=total
        ),
        _known_line(settings),
    ]
    lines += ["", table(rows, [_(header) for header in SHOW_HEADERS])]
    if any(m.provisional for m in months):
        lines += ["", _provisional_line(settings)]
    return "\n".join(lines)


def _known_line(settings: CalendarSettings) -> str:
    end = settings.calendar.known_until
    if end is None:
        return _(
            "节假日：仅 casekit.yaml 所列 Holidays: only those casekit.yaml lists (public_holidays: none)"
        )
    source = "casekit.yaml"
    if settings.source == "china":
        last = china_schedule()[3]
        source = "chinesecalendar" if end == last else f"casekit.yaml; chinesecalendar to {last}"
    return _("节假日已知至 {end} Holidays known until {end} ({source})").format(end=end, source=source)


def _provisional_line(settings: CalendarSettings) -> str:
    names = "、".join(dict.fromkeys(label.zh for label in settings.fixed.values())) or _("无 none")
    end = settings.calendar.known_until
    line = _(
        "{provisional}：已知日期之外只算周末和固定节日（{names}）Past the known days only weekends and "
        "the fixed holidays are days off"
    ).format(provisional=_(PROVISIONAL), names=names)
    if end:
        line += _("; add {year} with `casekit calendar add {year} FILE`").format(year=next_unknown_year(end))
    return line
