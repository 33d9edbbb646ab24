"""The building blocks of a report: periods (ISO weeks, months), the `reports:` config
section, one `Item` per case with what reports read from it (computed once), labels from
the config, and the small figures (rates, hours, stamps) every section uses.

Pure: cases, the config and the period come in as arguments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Generic, TypeGuard, TypeVar, overload

from casekit.core import timeline
from casekit.core.casefile import fields_of
from casekit.core.config import Config, Finding, KindSpec, once_per_config
from casekit.core.due import clock_label, deadlines_of
from casekit.core.duplicates import is_merged
from casekit.core.selection import CaseFilter, final_states
from casekit.features.callbacks import facts as callback_facts
from casekit.features.callbacks.settings import settings_of as callback_settings
from casekit.features.deadlines.facts import is_major
from casekit.features.harassment import rules as harassment
from casekit.features.returns.settings import settings_for as return_settings
from casekit.i18n import _

RATE_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")
SATISFACTION_LEVELS = ("satisfied", "neutral", "dissatisfied")
UNRECORDED = "(none)"


@dataclass(frozen=True)
class Period:
    """A report period in the repository's time zone: [start, end)."""

    kind: str  # "day", "week" or "month"
    label: str  # 2026-11-23, 2026-W47 or 2026-11
    start: datetime
    end: datetime

    @property
    def last_moment(self) -> datetime:
        return self.end - timedelta(microseconds=1)

    @property
    def dates(self) -> tuple[date, date]:
        """The first day and the day after the last, in the period's time zone."""
        return self.start.date(), self.end.date()

    @property
    def days(self) -> list[date]:
        count = (self.end.date() - self.start.date()).days
        return [self.start.date() + timedelta(days=i) for i in range(count)]

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def day_period(text: str, tz: tzinfo) -> Period:
    """'2026-11-23' -> 2026-11-23 00:00 to 2026-11-24 00:00."""
    match = _DAY.match(text.strip())
    try:
        day = date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(_("{text!r} is not a date; write it as 2026-11-23").format(text=text))
    start = datetime.combine(day, datetime.min.time(), tz)
    return Period("day", day.isoformat(), start, start + timedelta(days=1))


def previous_day(now: datetime, tz: tzinfo) -> Period:
    """Yesterday (the daily report at the 9:00 meeting is about the day before)."""
    return day_period((now.astimezone(tz).date() - timedelta(days=1)).isoformat(), tz)


def week_period(text: str, tz: tzinfo, first_weekday: int = 0) -> Period:
    """'2026-W47' -> Monday 2026-11-16 00:00 to the next Monday 00:00 (ISO weeks). A team
    whose week starts on another day (`reports.week_starts`, 0 = Monday ... 6 = Sunday) has
    the seven days from that weekday on or before the ISO week's Monday: with Saturday,
    2026-W47 is Saturday 14 to Friday 20 November, reported on Saturday 21."""
    match = _WEEK.match(text.strip())
    if not match:
        raise ValueError(_("{text!r} is not a week; write it as 2026-W47").format(text=text))
    year, week = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(
            _("{text!r}: {year} has no week {week}").format(text=text, year=year, week=week)
        ) from None
    first = monday - timedelta(days=(7 - first_weekday) % 7)
    start = datetime.combine(first, datetime.min.time(), tz)
    return Period("week", f"{year}-W{week:02d}", start, start + timedelta(days=7))


def month_period(text: str, tz: tzinfo) -> Period:
    """'2026-11' -> 2026-11-01 00:00 to 2026-12-01 00:00."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(_("{text!r} is not a month; write it as 2026-11").format(text=text))
    year, month = int(match[1]), int(match[2])
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return Period("month", f"{year}-{month:02d}", start, end)


def previous_week(now: datetime, tz: tzinfo, first_weekday: int = 0) -> Period:
    """The last complete week before `now` (on the week's first day in the morning: the
    week that just ended)."""
    today = now.astimezone(tz).date()
    # the first day of the week now running, then the week before it
    start = today - timedelta(days=(today.weekday() - first_weekday) % 7) - timedelta(days=7)
    # its label: the ISO week of the Monday on or after its first day
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    year, week, _ = monday.isocalendar()
    return week_period(f"{year}-W{week:02d}", tz, first_weekday)


def previous_month(now: datetime, tz: tzinfo) -> Period:
    local = now.astimezone(tz).date().replace(day=1) - timedelta(days=1)
    return month_period(f"{local.year}-{local.month:02d}", tz)


@dataclass(frozen=True)
class RedBlack:
    """The 红黑榜 criteria (003: nominations by the 10th, for the month before), from
    `reports.red_black`. A merchant reaching any black threshold is nominated for the 黑榜
    (0 turns a threshold off); one reaching none, with at least `red_min_complaints`
    complaints, all resolved when `red_all_resolved`, at least `red_min_on_time` % of its
    replies in time (none due: passes) and `red_min_satisfied` % of its rated customers
    satisfied (none rated: passes), for the 红榜."""

    black_complaints: int = 3
    black_major: int = 1
    black_late_replies: int = 1
    black_dissatisfied: int = 1
    red_min_complaints: int = 1
    red_all_resolved: bool = True
    red_min_on_time: int = 100
    red_min_satisfied: int = 80


RED_BLACK_KEYS: dict[str, dict[str, str]] = {
    "black": {
        "complaints": "black_complaints",
        "major": "black_major",
        "late_replies": "black_late_replies",
        "dissatisfied": "black_dissatisfied",
    },
    "red": {
        "min_complaints": "red_min_complaints",
        "all_resolved": "red_all_resolved",
        "min_on_time_replies": "red_min_on_time",
        "min_satisfied_rate": "red_min_satisfied",
    },
}


@dataclass(frozen=True)
class Settings:
    lang: str = "zh"
    stale_days: int = 7
    red_black: RedBlack = RedBlack()
    complaint_kind: str = "complaint"
    # The complaint states before the assessment's verdict (待判断) and the verdict "not
    # justified" (不成立): every other state means the complaint was judged justified (成立).
    pending_states: tuple[str, ...] = ("received", "assessing")
    rejected_states: tuple[str, ...] = ("rejected",)
    week_starts: int = 0  # Monday (0) to Sunday (6): the weekly report's first day


@once_per_config
def settings_of(config: Config) -> Settings:
    """The `reports:` section (quality alerts and postage use the returns feature's
    `returns:` settings, callbacks the `callbacks:` section)."""
    raw = config.section("reports")
    raw = raw if isinstance(raw, Mapping) else {}
    default = Settings()

    def number(source: Mapping[str, Any], key: str, fallback: int) -> int:
        value = source.get(key)
        return value if isinstance(value, int) and _positive(value) else fallback

    kind = raw.get("complaint_kind")
    assessment: Mapping[str, Any] = raw["assessment"] if isinstance(raw.get("assessment"), Mapping) else {}

    def states(key: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
        value = assessment.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        return fallback

    return Settings(
        lang=str(raw["lang"]) if raw.get("lang") in ("zh", "en") else "zh",
        stale_days=number(raw, "stale_days", default.stale_days),
        red_black=_red_black(raw),
        complaint_kind=kind if isinstance(kind, str) and kind in config.kinds else default.complaint_kind,
        pending_states=states("pending", default.pending_states),
        rejected_states=states("rejected", default.rejected_states),
        week_starts=WEEKDAYS.index(raw["week_starts"]) if raw.get("week_starts") in WEEKDAYS else 0,
    )


def _red_black(raw: Mapping[str, Any]) -> RedBlack:
    """`reports.red_black` over the defaults; the older `black_list: {min_complaints: N}`
    still sets the black list's complaint count when red_black does not."""
    values: dict[str, Any] = {}
    legacy = raw.get("black_list")
    if isinstance(legacy, Mapping) and _positive(legacy.get("min_complaints")):
        values["black_complaints"] = legacy["min_complaints"]
    section = raw.get("red_black")
    for part, keys in RED_BLACK_KEYS.items():
        given = section.get(part) if isinstance(section, Mapping) else None
        for key, attribute in keys.items():
            value = given.get(key) if isinstance(given, Mapping) else None
            if attribute == "red_all_resolved":
                if isinstance(value, bool):
                    values[attribute] = value
            elif _whole(value) and (attribute not in _PERCENTS or value <= 100):
                values[attribute] = value
    return RedBlack(**values)


_PERCENTS = ("red_min_on_time", "red_min_satisfied")


@dataclass(frozen=True)
class Kinds:
    """The case kinds a report's sections are about, as the config names them."""

    complaint: str
    callback: str
    returns: str

    @classmethod
    def of(cls, config: Config) -> Kinds:
        return cls(
            settings_of(config).complaint_kind, callback_settings(config).kind, return_settings(config).kind
        )


def check_section(value: Any, config: Config) -> list[Finding]:
    """Problems in the `reports:` section of casekit.yaml."""
    if not isinstance(value, Mapping):
        keys = "lang, stale_days, week_starts, red_black, complaint_kind, assessment"
        return [([], _("must be a mapping with {keys}").format(keys=keys))]
    problems: list[Finding] = []
    shape: dict[str, tuple[str, ...]] = {
        "lang": (),
        "stale_days": (),
        "week_starts": (),
        "black_list": ("min_complaints",),
        "red_black": tuple(RED_BLACK_KEYS),
        "complaint_kind": (),
        "assessment": ("pending", "rejected"),
    }
    for key, item in value.items():
        if key not in shape:
            problems.append(([key], _("unknown setting; reports has {shape}").format(shape=", ".join(shape))))
        elif key == "red_black":
            problems += _check_red_black(item)
        elif key == "assessment":
            problems += _check_assessment(item, value, config)
        elif key == "week_starts":
            if item not in WEEKDAYS:
                problems.append(
                    (
                        [key],
                        _("week_starts must be a weekday: {weekdays}").format(weekdays=", ".join(WEEKDAYS)),
                    )
                )
        elif key == "lang":
            if item not in ("zh", "en"):
                problems.append(([key], _("lang must be zh or en")))
        elif key == "complaint_kind":
            if item not in config.kinds:
                problems.append(
                    (
                        [key],
                        _("{item!r} is not a case kind; kinds are {kinds}").format(
                            item=item, kinds=", ".join(config.kinds)
                        ),
                    )
                )
        elif not shape[key]:
            if not _positive(item):
                problems.append(([key], _("must be a whole number above 0")))
        elif not isinstance(item, Mapping):
            problems.append(([key], _("must be a mapping with {shape}").format(shape=", ".join(shape[key]))))
        else:
            for sub, number in item.items():
                if sub not in shape[key]:
                    problems.append(
                        (
                            [key, sub],
                            _("unknown setting; {key} has {shape}").format(
                                key=key, shape=", ".join(shape[key])
                            ),
                        )
                    )
                elif not _positive(number):
                    problems.append(([key, sub], _("must be a whole number above 0")))
    return problems


def _check_assessment(item: Any, section: Mapping[str, Any], config: Config) -> list[Finding]:
    """`assessment: {pending: [states], rejected: [states]}`: states of the complaint kind."""
    if not isinstance(item, Mapping):
        return [(["assessment"], _("must be a mapping with pending and rejected, each a list of states"))]
    kind_name = section.get("complaint_kind") or Settings.complaint_kind
    kind = config.kinds.get(str(kind_name))
    problems: list[Finding] = []
    for sub, states in item.items():
        if sub not in ("pending", "rejected"):
            problems.append((["assessment", sub], _("unknown setting; assessment has pending, rejected")))
        elif not isinstance(states, list) or not all(isinstance(s, str) for s in states):
            problems.append((["assessment", sub], _("must be a list of states, e.g. [received, assessing]")))
        elif kind is not None:
            for state in states:
                if state not in kind.states:
                    known = ", ".join(kind.states)
                    message = f"{state!r} is not a {kind.name} state; states are {known}"
                    problems.append((["assessment", sub], message))
    return problems


def _check_red_black(item: Any) -> list[Finding]:
    """`red_black: {black: {complaints, major, late_replies, dissatisfied}, red: {...}}`."""
    if not isinstance(item, Mapping):
        return [(["red_black"], _("must be a mapping with black and red"))]
    problems: list[Finding] = []
    for part, criteria in item.items():
        keys = RED_BLACK_KEYS.get(str(part))
        if keys is None:
            problems.append((["red_black", part], _("unknown setting; red_black has black, red")))
            continue
        if not isinstance(criteria, Mapping):
            problems.append(
                (["red_black", part], _("must be a mapping with {keys}").format(keys=", ".join(keys)))
            )
            continue
        for key, value in criteria.items():
            attribute = keys.get(str(key))
            where: list[str | int] = ["red_black", part, key]
            if attribute is None:
                problems.append(
                    (where, _("unknown setting; {part} has {keys}").format(part=part, keys=", ".join(keys)))
                )
            elif attribute == "red_all_resolved":
                if not isinstance(value, bool):
                    problems.append((where, _("must be true or false")))
            elif attribute in _PERCENTS:
                if not _whole(value) or value > 100:
                    problems.append((where, _("must be a percentage, a whole number from 0 to 100")))
            elif not _whole(value):
                problems.append((where, _("must be a whole number, 0 or more (0: not a criterion)")))
    return problems


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


T = TypeVar("T")


class computed_once(Generic[T]):
    """`functools.cached_property` without its lock: Python 3.11 takes one on every first
    read, and a report makes some 50,000 of them. The value is stored in the instance's
    dict, which later reads find first."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> computed_once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> T | computed_once[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Item:
    """One case as it stood at the end of the period, with the facts sections ask for,
    each computed once."""

    case: Mapping[str, Any]  # the snapshot (history cut at the period's end)
    kind: KindSpec | None
    config: Config
    scope: CaseFilter | None = None  # the report's (`report_scope`); None: every case

    @computed_once
    def in_scope(self) -> bool:
        """Whether the report counts this case at all. Sections count nothing of a case
        out of scope; the "available" flags, which ask whether any case has data of a
        sort, ask only of cases in scope, so the result is the same whether the cases
        given were narrowed to the scope first or not."""
        return self.scope is None or self.scope.matches(self.case)

    @computed_once
    def kind_name(self) -> str:
        return str(self.case.get("kind"))

    @computed_once
    def fields(self) -> Mapping[str, Any]:
        return fields_of(self.case)

    @computed_once
    def opened(self) -> datetime | None:
        return timeline.opened_at(self.case)

    @computed_once
    def terminal(self) -> bool:
        return timeline.is_terminal(self.case, self.kind)

    @computed_once
    def closed(self) -> datetime | None:
        return timeline.closed_at(self.case, self.kind)

    @computed_once
    def resolved(self) -> datetime | None:
        return timeline.resolved_at(self.case, self.kind)

    @computed_once
    def resolved_now(self) -> bool:
        """Whether the case stands in a resolving state (a reopened one does not)."""
        return self.kind is not None and str(self.case.get("status")) in timeline.resolving_states(self.kind)

    @computed_once
    def last_resolved(self) -> datetime | None:
        return timeline.last_resolved_at(self.case, self.kind)

    @computed_once
    def reopenings(self) -> list[datetime]:
        return timeline.reopenings(self.case, self.kind)

    @computed_once
    def deadlines(self) -> dict[str, Mapping[str, Any]]:
        """The stored deadline entries by clock (`casekit.core.due` judges them)."""
        return deadlines_of(self.case)

    @computed_once
    def major(self) -> bool:
        return is_major(self.case, self.config)

    @computed_once
    def satisfaction(self) -> str | None:
        return callback_facts.satisfaction(self.case)


# The deadlines of a case cut to a moment, as the deadlines feature computes them
# (`casekit.features.deadlines.derived.deadlines_as_of`).
DeadlinesAsOf = Callable[[Mapping[str, Any], Config, KindSpec], dict[str, dict[str, Any]]]


def prepare(
    cases: Iterable[Mapping[str, Any]],
    config: Config,
    moment: datetime,
    scope: CaseFilter | None = None,
    deadlines_as_of: DeadlinesAsOf | None = None,
) -> list[Item]:
    """Every case as of `moment`, its deadlines included (cases opened later are left out),
    harassment logs excluded (`casekit.features.harassment.rules.is_harassment`: they are
    counted only in the harassment section), and duplicates merged into another case by
    then (`casekit merge`) excluded."""
    items = []
    for case in cases:
        snapshot = timeline.as_of(case, moment)
        if snapshot is None or harassment.is_harassment(snapshot):
            continue
        if is_merged(snapshot):
            continue  # a duplicate merged into the case that stays is counted there, once
        kind = config.kinds.get(str(snapshot.get("kind")))
        if deadlines_as_of and kind is not None and snapshot.get("history") is not case.get("history"):
            # Something happened after the moment: the deadlines stored now were computed
            # from it. The report reads them as the history up to the moment gives them.
            snapshot["deadlines"] = deadlines_as_of(snapshot, config, kind)
        items.append(Item(snapshot, kind, config, scope))
    items.sort(key=lambda i: (str(i.case.get("opened_at", "")), str(i.case.get("id", ""))))
    return items


def counted_kinds(config: Config) -> list[str]:
    """The kinds the statistics sections count, in config order: every kind but the
    harassment log (骚扰电话), which has a section of its own."""
    return [name for name in config.kinds if name != harassment.KIND]


class Labels:
    """Config labels in the report's language, and the kinds the sections are about."""

    def __init__(self, config: Config, lang: str) -> None:
        self.config = config
        self.lang = lang
        self.kinds = Kinds.of(config)

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def kind(self, name: str) -> str:
        spec = self.config.kinds.get(name)
        return spec.label.text(self.lang) if spec else name

    def state(self, kind: str, state: Any) -> str:
        spec = self.config.kinds.get(kind)
        return spec.state_label(str(state), self.lang) if spec else str(state)

    def channel(self, name: Any) -> str:
        label = self.config.channels.get(name) if isinstance(name, str) else None
        return label.text(self.lang) if label else (str(name) if name else self.t("未填写", "not recorded"))

    def value(self, kind: str, field: str, value: Any) -> str:
        if value in (None, ""):
            return self.t("未填写", "not recorded")
        spec = self.config.kinds.get(kind)
        field_spec = spec.fields.get(field) if spec else None
        label = field_spec.values.get(value) if field_spec and isinstance(value, str) else None
        return label.text(self.lang) if label else str(value)

    def field(self, kind: str, name: str) -> str:
        spec = self.config.kinds.get(kind)
        field_spec = spec.fields.get(name) if spec else None
        return field_spec.label.text(self.lang) if field_spec else name

    def action(self, name: str) -> str:
        zh, en = _ACTION_LABELS.get(name, (name, name))
        return self.t(zh, en)

    def person(self, login: Any) -> str:
        if not isinstance(login, str) or not login:
            return self.t("未分配", "unassigned")
        person = self.config.person(login)
        return person.name if person else login

    def clock(self, kind: str, name: str) -> str:
        return clock_label(self.config, kind, name).text(self.lang)


_ACTION_LABELS = {
    "assign": ("转派", "reassigned"),
    "link": ("关联工单", "linked"),
    "promise": ("约定回复时间", "reply promised"),
    "escalate": ("上转主管", "escalated"),
    "attempt": ("回访拨打", "call attempt"),
    "note": ("备注", "note"),
    "survey": ("回访结果", "survey result"),
}


def rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES) if whole else None


def hours(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / Decimal(3600)).quantize(Decimal("0.1"))


def stamp(moment: datetime | None, tz: tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def counted(
    items: Iterable[Item], key: Callable[[Item], str], label: Callable[[str], str], total: int | None = None
) -> list[dict[str, Any]]:
    """Rows {key, label, count, share} of the items by `key`, largest first, then by key."""
    return count_rows(Counter(key(item) for item in items), label, total)


def count_rows(
    counts: Mapping[str, int], label: Callable[[str], str], total: int | None = None
) -> list[dict[str, Any]]:
    """Rows {key, label, count, share} of counts already made, largest first, then by key."""
    whole = sum(counts.values()) if total is None else total
    return [
        {"key": k, "label": label(k), "count": n, "share": rate(n, whole)}
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def field_text(item: Item, name: str) -> str:
    value = item.fields.get(name)
    return str(value) if value not in (None, "") else UNRECORDED


def opened_in(items: Iterable[Item], period: Period, kind: str | None = None) -> list[Item]:
    return [i for i in items if period.contains(i.opened) and (kind is None or i.kind_name == kind)]


def of_kind(items: Iterable[Item], kind: str) -> list[Item]:
    return [i for i in items if i.kind_name == kind]


def report_scope(config: Config, period: Period) -> tuple[datetime, dict[str, frozenset[str]]]:
    """The cases a report of `period` can count, as `CaseFilter.live_since`: every case
    not in a final state, and final ones holding a time on or after the earliest moment
    a section looks at (the period's start, or the start of the quality-alert window).
    A case closed before then, with nothing dated later, is left out of every section
    (each counts what happened in the period, what is still open, or what falls due)."""
    window = period.end - timedelta(days=return_settings(config).alert_window_days)
    return min(period.start, window), final_states(config)
