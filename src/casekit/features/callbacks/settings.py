"""The `callbacks:` config section: parsed into frozen settings, checked with key paths.

Pure. `settings_of(config)` gives the settings every callback feature reads (defaults when
the section is absent); `check_section` is registered in `config.SECTION_CHECKS` so that
`casekit validate` reports mistakes with the line they are on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from casekit.core.config import Config, Finding, KeyPath, Label, once_per_config
from casekit.core.workcal import parse_clock
from casekit.i18n import _

OUTCOMES = ("answered", "no-answer", "busy", "wrong-number", "refused")
# What an agent may type for an outcome besides its key (`attempt --outcome 无人接听`).
OUTCOME_LABELS = {
    "answered": Label("已接通", "Answered"),
    "no-answer": Label("无人接听", "No answer"),
    "busy": Label("占线", "Busy"),
    "wrong-number": Label("号码错误", "Wrong number"),
    "refused": Label("拒绝回访", "Refused"),
}
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")
_OFFSET = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Window:
    """A daily calling window, start inclusive, end exclusive."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Offset:
    """'1 week', '3 months': a calendar offset from a purchase or service date."""

    count: int
    unit: str  # day, week, month, year
    text: str

    @property
    def key(self) -> str:
        return f"{self.count}{self.unit[0]}"


@dataclass(frozen=True)
class Trigger:
    """When a case of `kind` reaches one of the states `to`, open a callback of `callback_type`."""

    kind: str
    to: tuple[str, ...]
    callback_type: str
    title: str


@dataclass(frozen=True)
class AfterRule:
    """Callbacks owed `offsets` after each purchase (or service) listed in the customer file."""

    source: str  # purchases | services
    callback_type: str
    offsets: tuple[Offset, ...]
    title: str


@dataclass(frozen=True)
class Periodic:
    customers_file: str = "customers.yaml"
    lookback_days: int = 14
    after: tuple[AfterRule, ...] = ()
    vip_monthly: str | None = None  # callback type, None when off
    vip_day: int = 1
    birthday: str | None = None
    holidays_type: str | None = None
    holidays: Mapping[str, str] = field(default_factory=dict)  # name -> 'MM-DD' or 'YYYY-MM-DD'


@dataclass(frozen=True)
class ImportType:
    callback_type: str
    priority: str | None
    title: str


@dataclass(frozen=True)
class Questionnaire:
    name: str
    types: tuple[str, ...]
    questions: tuple[str, ...]
    required: tuple[str, ...]
    # yes/no answers that must be yes for the callback to count as done (a greeting delivered)
    confirmed: tuple[str, ...] = ()
    # answers that complete the customer's card (完善客户档案): callback field -> card field
    customer: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FollowUp:
    when: tuple[str, ...] = ("dissatisfied",)
    kind: str = "complaint"
    priority: str | None = "high"
    within: str = "2 working days"
    title: str = "回访不满意跟进"
    # who takes the follow-up: the agent who handled the case the callback followed (the
    # assignee before any escalation), or the supervisor it was escalated to
    assign: str = "handler"


FOLLOW_UP_ASSIGN = ("handler", "supervisor")
CLOSE_POLICIES = ("refuse", "allow")


DUE_FIRST_DIAL = ("working-hours", "best-hours")
DUE_FIRST_LABEL = Label("须在最佳时段前拨打", "due before the best hours")
SWEEP_LABEL = Label("呼损回拨", "Missed-call sweep")
SWEEP_TIMES = (time(10, 0), time(13, 0), time(15, 0), time(17, 0))


@dataclass(frozen=True)
class DueFirst:
    """Callbacks whose deadline comes before their next calling window opens (or is past):
    listed first, and dialled at once within working hours (`dial: working-hours`) or still
    only in their calling hours (`dial: best-hours`)."""

    label: Label = DUE_FIRST_LABEL
    dial: str = "working-hours"


@dataclass(frozen=True)
class Sweep:
    """`casekit callbacks sweep`: missed calls (呼损) become callbacks at the sweep times."""

    label: Label = SWEEP_LABEL
    times: tuple[time, ...] = SWEEP_TIMES
    callback_type: str = "missed-call"
    title: str = "呼损回拨"
    priority: str | None = "highest"
    channel: str = "phone"
    customer: str = "来电客户"


@dataclass(frozen=True)
class CallbackSettings:
    kind: str = "callback"
    best_hours: tuple[Window, ...] = ()
    min_attempts: int = 2
    min_minutes_apart: int = 0
    failed_outcomes: tuple[str, ...] = ("no-answer", "busy")
    triggers: tuple[Trigger, ...] = ()
    periodic: Periodic = field(default_factory=Periodic)
    import_channel: str = "phone"
    import_types: Mapping[str, ImportType] = field(default_factory=dict)
    questionnaires: tuple[Questionnaire, ...] = ()
    follow_up: FollowUp = field(default_factory=FollowUp)
    due_first: DueFirst = field(default_factory=DueFirst)
    sweep: Sweep = field(default_factory=Sweep)
    # May a case move to a final state while a callback it opened is still scheduled? Per
    # kind ('refuse' or 'allow'); `close_default` for kinds not named. Under 'refuse' only a
    # supervisor may, and the move records the approval.
    close_with_open_callback: Mapping[str, str] = field(default_factory=dict)
    close_default: str = "refuse"

    def close_policy(self, kind: str) -> str:
        return self.close_with_open_callback.get(kind, self.close_default)

    def questionnaire_for(self, callback_type: str | None) -> Questionnaire | None:
        for questionnaire in self.questionnaires:
            if callback_type in questionnaire.types:
                return questionnaire
        for questionnaire in self.questionnaires:
            if "*" in questionnaire.types:
                return questionnaire
        return None


def parse_window(text: str) -> Window:
    match = _HOURS.match(str(text))
    if not match:
        raise ValueError(_("{text!r} is not a time range; write it like 10:00-11:30").format(text=text))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 > 0):
        raise ValueError(_("{text!r} has an impossible time").format(text=text))
    start = time(h1, m1)
    end = time(23, 59, 59) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(_("{text!r} ends before it starts").format(text=text))
    return Window(start, end)


def parse_windows(value: Any) -> tuple[Window, ...]:
    """'10:00-11:30, 14:30-16:30' or a list of such ranges."""
    parts = value if isinstance(value, list) else str(value).replace("，", ",").split(",")
    windows = tuple(parse_window(str(p)) for p in parts if str(p).strip())
    if not windows:
        raise ValueError(_("give at least one time range such as 10:00-11:30"))
    return tuple(sorted(windows, key=lambda w: w.start))


def parse_offset(text: str) -> Offset:
    match = _OFFSET.match(str(text))
    if not match:
        raise ValueError(
            _("{text!r} is not an offset; write it like '1 week', '3 months' or '1 year'").format(text=text)
        )
    return Offset(int(match.group(1)), match.group(2), str(text).strip())


def holiday_date(spec: str, year: int) -> date | None:
    """The date of a holiday in `year`: 'MM-DD' every year, 'YYYY-MM-DD' once."""
    match = _MONTH_DAY.match(spec)
    if match:
        try:
            return date(year, int(match.group(1)), int(match.group(2)))
        except ValueError:
            return None
    parsed = date.fromisoformat(spec)
    return parsed if parsed.year == year else None


def check_month_day(spec: str) -> str | None:
    try:
        if _MONTH_DAY.match(spec):
            date(2024, int(spec[:2]), int(spec[3:]))  # a leap year accepts 02-29
        else:
            date.fromisoformat(spec)
    except ValueError:
        return f"{spec!r} is not a date; write 'MM-DD' for every year or 'YYYY-MM-DD' for one year"
    return None


DEFAULT_HOURS = ("10:00-11:30", "14:30-16:30", "19:00-20:00")


class _Reader:
    """Reads the raw section, collecting (key path, message) findings instead of raising."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.findings: list[Finding] = []

    def add(self, path: KeyPath, message: str) -> None:
        self.findings.append((list(path), message))

    def mapping(self, value: Any, path: KeyPath) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.add(path, _("must be a mapping"))
            return {}
        return value

    def known(self, raw: Mapping[str, Any], path: KeyPath, keys: Sequence[str]) -> None:
        for key in raw:
            if key not in keys:
                self.add([*path, str(key)], _("unknown setting; use {keys}").format(keys=", ".join(keys)))

    def label(self, raw: Mapping[str, Any], path: KeyPath, default: Label) -> Label:
        zh, en = raw.get("zh", default.zh), raw.get("en", default.en)
        if not isinstance(zh, str) or not isinstance(en, str) or not zh.strip() or not en.strip():
            self.add(path, _("labels zh and en must be text"))
            return default
        return Label(zh, en)

    def text(self, value: Any, path: KeyPath, default: str) -> str:
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.add(path, _("must be text"))
            return default
        return value

    def integer(self, value: Any, path: KeyPath, default: int, minimum: int = 0) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.add(path, _("must be a whole number of at least {minimum}").format(minimum=minimum))
            return default
        return value

    def names(self, value: Any, path: KeyPath, default: Sequence[str]) -> tuple[str, ...]:
        if value is None:
            return tuple(default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(path, _("must be a list of names"))
            return tuple(default)
        return tuple(value)

    def callback_type(self, value: Any, path: KeyPath, kind: str) -> str:
        text = str(value or "")
        spec = self.config.kinds.get(kind)
        field_spec = spec.fields.get("callback_type") if spec else None
        if field_spec is not None and field_spec.values and text not in field_spec.values:
            self.add(
                path,
                _("{text!r} is not a callback_type of kind {kind}; use one of {values}").format(
                    text=text, kind=kind, values=", ".join(field_spec.values)
                ),
            )
        return text

    def priority(self, value: Any, path: KeyPath) -> str | None:
        if value is None:
            return None
        if str(value) not in self.config.priorities:
            self.add(
                path,
                _("{value!r} is not a priority; use one of {priorities}").format(
                    value=value, priorities=", ".join(self.config.priorities)
                ),
            )
            return None
        return str(value)


def read_settings(value: Any, config: Config) -> tuple[CallbackSettings, list[Finding]]:
    """Settings from the raw `callbacks:` section (None: all defaults) and what is wrong with it."""
    r = _Reader(config)
    raw = r.mapping(value, [])
    r.known(raw, [], _SECTION_KEYS)
    kind = str(raw.get("kind", "callback"))
    if kind not in config.kinds:
        r.add(
            ["kind"],
            _("{kind!r} is not a case kind; kinds are {kinds}").format(
                kind=kind, kinds=", ".join(config.kinds)
            ),
        )
    try:
        hours = parse_windows(raw.get("best_hours", list(DEFAULT_HOURS)))
    except ValueError as exc:
        r.add(["best_hours"], str(exc))
        hours = parse_windows(list(DEFAULT_HOURS))

    unreachable = r.mapping(raw.get("unreachable"), ["unreachable"])
    r.known(unreachable, ["unreachable"], ("min_attempts", "min_minutes_apart", "failed_outcomes"))
    min_attempts = r.integer(unreachable.get("min_attempts"), ["unreachable", "min_attempts"], 2, 1)
    apart = r.integer(unreachable.get("min_minutes_apart"), ["unreachable", "min_minutes_apart"], 0)
    failed = r.names(
        unreachable.get("failed_outcomes"), ["unreachable", "failed_outcomes"], ("no-answer", "busy")
    )
    for outcome in failed:
        if outcome not in OUTCOMES:
            r.add(
                ["unreachable", "failed_outcomes"],
                _("{outcome!r} is not an outcome; outcomes are {outcomes}").format(
                    outcome=outcome, outcomes=", ".join(OUTCOMES)
                ),
            )

    triggers = _triggers(r, raw.get("triggers"), kind)
    periodic = _periodic(r, raw.get("periodic"), kind)

    imp = r.mapping(raw.get("import"), ["import"])
    channel = str(imp.get("channel", "phone"))
    if config.channels and channel not in config.channels:
        r.add(
            ["import", "channel"],
            _("{channel!r} is not a channel; use one of {channels}").format(
                channel=channel, channels=", ".join(config.channels)
            ),
        )
    import_types: dict[str, ImportType] = {}
    types_raw = imp.get("types", _DEFAULT_IMPORT_TYPES)
    for name, spec in r.mapping(types_raw, ["import", "types"]).items():
        path = ["import", "types", name]
        spec = r.mapping(spec, path)
        import_types[str(name)] = ImportType(
            callback_type=r.callback_type(spec.get("callback_type"), [*path, "callback_type"], kind),
            priority=r.priority(spec.get("priority"), [*path, "priority"]),
            title=str(spec.get("title", "新客户回访")),
        )
        for alias in r.names(spec.get("aliases"), [*path, "aliases"], ()):
            import_types.setdefault(alias, import_types[str(name)])

    questionnaires = _questionnaires(r, raw.get("questionnaires"), kind)

    follow = r.mapping(raw.get("follow_up"), ["follow_up"])
    follow_kind = str(follow.get("kind", "complaint"))
    if follow_kind not in config.kinds:
        r.add(["follow_up", "kind"], _("{follow_kind!r} is not a case kind").format(follow_kind=follow_kind))
    follow_up = FollowUp(
        when=r.names(follow.get("when"), ["follow_up", "when"], ("dissatisfied",)),
        kind=follow_kind,
        priority=r.priority(follow.get("priority", "high"), ["follow_up", "priority"]),
        within=str(follow.get("within", "2 working days")),
        title=str(follow.get("title", "回访不满意跟进")),
        assign=_choice(r, follow.get("assign"), ["follow_up", "assign"], FOLLOW_UP_ASSIGN),
    )
    r.known(follow, ["follow_up"], ("when", "kind", "priority", "within", "title", "assign"))
    close_default, close_kinds = _close_policies(r, raw.get("close_with_open_callback"))
    settings = CallbackSettings(
        kind=kind,
        best_hours=hours,
        min_attempts=min_attempts,
        min_minutes_apart=apart,
        failed_outcomes=failed,
        triggers=triggers,
        periodic=periodic,
        import_channel=channel,
        import_types=import_types,
        questionnaires=questionnaires,
        follow_up=follow_up,
        due_first=_due_first(r, raw.get("due_first")),
        sweep=_sweep(r, raw.get("sweep"), kind),
        close_with_open_callback=close_kinds,
        close_default=close_default,
    )
    return settings, r.findings


def _choice(r: _Reader, value: Any, path: KeyPath, choices: Sequence[str]) -> str:
    if value is None:
        return choices[0]
    if value not in choices:
        r.add(path, _("{value!r} is not one of {choices}").format(value=value, choices=", ".join(choices)))
        return choices[0]
    return str(value)


def _close_policies(r: _Reader, value: Any) -> tuple[str, dict[str, str]]:
    """`close_with_open_callback`: refuse | allow, or a mapping of kinds to refuse | allow
    (`default:` for the kinds it does not name)."""
    path: list[str | int] = ["close_with_open_callback"]
    if not isinstance(value, Mapping):
        return _choice(r, value, path, CLOSE_POLICIES), {}
    per_kind: dict[str, str] = {}
    for name, policy in value.items():
        if name != "default" and name not in r.config.kinds:
            r.add(
                [*path, str(name)],
                _("{name!r} is not a case kind; kinds are {kinds}").format(
                    name=name, kinds=", ".join(r.config.kinds)
                ),
            )
            continue
        per_kind[str(name)] = _choice(r, policy, [*path, str(name)], CLOSE_POLICIES)
    return per_kind.pop("default", CLOSE_POLICIES[0]), per_kind


_SECTION_KEYS = (
    "kind",
    "best_hours",
    "unreachable",
    "triggers",
    "periodic",
    "import",
    "questionnaires",
    "follow_up",
    "due_first",
    "sweep",
    "close_with_open_callback",
)


def _due_first(r: _Reader, value: Any) -> DueFirst:
    raw = r.mapping(value, ["due_first"])
    r.known(raw, ["due_first"], ("zh", "en", "dial"))
    dial = str(raw.get("dial", DueFirst.dial))
    if dial not in DUE_FIRST_DIAL:
        r.add(
            ["due_first", "dial"],
            _("{dial!r} is not one of {due_first_dial}").format(
                dial=dial, due_first_dial=", ".join(DUE_FIRST_DIAL)
            ),
        )
        dial = DueFirst.dial
    return DueFirst(label=r.label(raw, ["due_first"], DueFirst.label), dial=dial)


def _sweep(r: _Reader, value: Any, kind: str) -> Sweep:
    raw = r.mapping(value, ["sweep"])
    path: list[str | int] = ["sweep"]
    r.known(raw, path, ("zh", "en", "times", "callback_type", "title", "priority", "channel", "customer"))
    default = Sweep()
    times = default.times
    items = raw.get("times")
    if items is not None and not isinstance(items, list):
        r.add([*path, "times"], _("must be a list of times of day such as ['10:00', '13:00']"))
    elif items is not None:
        parsed = []
        for index, text in enumerate(items):
            try:
                parsed.append(parse_clock(str(text)))
            except ValueError as exc:
                hint = "; write the time in quotes, such as '10:00'" if isinstance(text, int) else ""
                r.add([*path, "times", index], str(exc) + hint)
        times = tuple(sorted(set(parsed)))
    channel = r.text(raw.get("channel"), [*path, "channel"], default.channel)
    if "channel" in raw and r.config.channels and channel not in r.config.channels:
        r.add(
            [*path, "channel"],
            _("{channel!r} is not a channel; use one of {channels}").format(
                channel=channel, channels=", ".join(r.config.channels)
            ),
        )
    callback_type = default.callback_type  # a default the kind lacks is refused when sweeping
    if "callback_type" in raw:
        callback_type = r.callback_type(raw["callback_type"], [*path, "callback_type"], kind)
    priority = default.priority if default.priority in r.config.priorities else None
    if "priority" in raw:
        priority = r.priority(raw["priority"], [*path, "priority"])
    return Sweep(
        label=r.label(raw, path, default.label),
        times=times,
        callback_type=callback_type,
        title=r.text(raw.get("title"), [*path, "title"], default.title),
        priority=priority,
        channel=channel,
        customer=r.text(raw.get("customer"), [*path, "customer"], default.customer),
    )


_DEFAULT_IMPORT_TYPES = {
    "new": {
        "callback_type": "new-signup",
        "priority": "highest",
        "title": "新客户报名回访",
        "aliases": ["新客户"],
    },
    "returning": {
        "callback_type": "returning",
        "priority": "high",
        "title": "老客户回访",
        "aliases": ["老客户"],
    },
}
_DEFAULT_TRIGGERS = [
    {"kind": "complaint", "to": "resolved", "callback_type": "after-complaint", "title": "投诉处理后回访"},
    {
        "kind": "return",
        "to": ["refunded", "reshipped"],
        "callback_type": "after-return",
        "title": "退换货后回访",
    },
]


def _triggers(r: _Reader, value: Any, kind: str) -> tuple[Trigger, ...]:
    if value is None:
        value = _DEFAULT_TRIGGERS
    if not isinstance(value, list):
        r.add(["triggers"], _("must be a list of {kind, to, callback_type, title}"))
        return ()
    result = []
    for index, item in enumerate(value):
        path: list[str | int] = ["triggers", index]
        item = r.mapping(item, path)
        source = str(item.get("kind", ""))
        spec = r.config.kinds.get(source)
        if spec is None:
            r.add([*path, "kind"], _("{source!r} is not a case kind").format(source=source))
        raw_to = item.get("to", "")
        targets = tuple(str(t) for t in raw_to) if isinstance(raw_to, list) else (str(raw_to),)
        for target in targets:
            if spec is not None and target not in spec.states:
                r.add(
                    [*path, "to"],
                    _("{target!r} is not a state of {source}; states are {states}").format(
                        target=target, source=source, states=", ".join(spec.states)
                    ),
                )
        result.append(
            Trigger(
                kind=source,
                to=targets,
                callback_type=r.callback_type(item.get("callback_type"), [*path, "callback_type"], kind),
                title=str(item.get("title", "回访")),
            )
        )
    return tuple(result)


_DEFAULT_PERIODIC: dict[str, Any] = {
    "after_purchase": {
        "callback_type": "after-purchase",
        "offsets": ["1 week", "1 month", "3 months", "6 months"],
    },
    "after_service": {
        "callback_type": "after-repair",
        "offsets": ["1 week", "1 month", "3 months", "6 months"],
    },
    "vip_monthly": {"callback_type": "vip-monthly", "day": 1},
    "birthday": {"callback_type": "greeting"},
    "holidays": {
        "callback_type": "greeting",
        "dates": {"元旦": "01-01", "劳动节": "05-01", "国庆节": "10-01"},
    },
}


def _periodic(r: _Reader, value: Any, kind: str) -> Periodic:
    raw = r.mapping(value if value is not None else _DEFAULT_PERIODIC, ["periodic"])
    after = []
    for key, source, title in (
        ("after_purchase", "purchases", "购买后回访"),
        ("after_service", "services", "服务后回访"),
    ):
        if raw.get(key) is None:
            continue
        path = ["periodic", key]
        spec = r.mapping(raw.get(key), path)
        offsets = []
        items = spec.get("offsets", [])
        if not isinstance(items, list):
            r.add([*path, "offsets"], _("must be a list such as ['1 week', '1 month']"))
            items = []
        for index, text in enumerate(items):
            try:
                offsets.append(parse_offset(str(text)))
            except ValueError as exc:
                r.add([*path, "offsets", index], str(exc))
        after.append(
            AfterRule(
                source=source,
                callback_type=r.callback_type(spec.get("callback_type"), [*path, "callback_type"], kind),
                offsets=tuple(offsets),
                title=str(spec.get("title", title)),
            )
        )
    vip = r.mapping(raw.get("vip_monthly"), ["periodic", "vip_monthly"])
    birthday = r.mapping(raw.get("birthday"), ["periodic", "birthday"])
    holidays = r.mapping(raw.get("holidays"), ["periodic", "holidays"])
    dates: dict[str, str] = {}
    for name, spec in r.mapping(holidays.get("dates"), ["periodic", "holidays", "dates"]).items():
        problem = check_month_day(str(spec))
        if problem:
            r.add(["periodic", "holidays", "dates", name], problem)
        else:
            dates[str(name)] = str(spec)
    day = r.integer(vip.get("day"), ["periodic", "vip_monthly", "day"], 1, 1)
    if day > 28:
        r.add(["periodic", "vip_monthly", "day"], _("must be 1 to 28 so that every month has it"))
        day = 1

    def kind_of(spec: Mapping[str, Any], path: list[str]) -> str | None:
        if not spec:
            return None
        return r.callback_type(spec.get("callback_type"), [*path, "callback_type"], kind)

    return Periodic(
        customers_file=str(raw.get("customers_file", "customers.yaml")),
        lookback_days=r.integer(raw.get("lookback_days"), ["periodic", "lookback_days"], 14),
        after=tuple(after),
        vip_monthly=kind_of(vip, ["periodic", "vip_monthly"]),
        vip_day=day,
        birthday=kind_of(birthday, ["periodic", "birthday"]),
        holidays_type=kind_of(holidays, ["periodic", "holidays"]) if dates else None,
        holidays=dates,
    )


def _card_fields(
    r: _Reader, value: Any, path: list[str | int], fields: Mapping[str, Any], kind: str
) -> tuple[tuple[str, str], ...]:
    """`customer:` of a questionnaire: the answers copied onto the customer's card, as a
    list (same names) or a mapping of callback field to card field."""
    from casekit.features.customers.settings import customer_settings

    if value is None:
        return ()
    if isinstance(value, list):
        pairs = [(str(v), str(v)) for v in value]
    elif isinstance(value, Mapping):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    else:
        r.add(path, _("list the callback fields copied onto the customer's card, or map them to card fields"))
        return ()
    card_fields = customer_settings(r.config).fields
    for question, card_field in pairs:
        if fields and question not in fields:
            r.add(
                path,
                _("{question!r} is not a field of kind {kind}; define it under kinds.{kind}.fields").format(
                    question=question, kind=kind
                ),
            )
        if card_field not in card_fields:
            r.add(
                path,
                _("{card_field!r} is not a customer card field; add it under customers.fields").format(
                    card_field=card_field
                ),
            )
    return tuple(pairs)


def _questionnaires(r: _Reader, value: Any, kind: str) -> tuple[Questionnaire, ...]:
    spec_kind = r.config.kinds.get(kind)
    fields = spec_kind.fields if spec_kind else {}
    result = []
    raw = r.mapping(
        value if value is not None else {"standard": {"types": ["*"], "required": ["satisfaction"]}},
        ["questionnaires"],
    )
    for name, spec in raw.items():
        path = ["questionnaires", name]
        spec = r.mapping(spec, path)
        types = r.names(spec.get("types"), [*path, "types"], ())
        if not types:
            r.add([*path, "types"], _("list the callback types it is for, or ['*'] for every other type"))
        required = r.names(spec.get("required"), [*path, "required"], ())
        confirmed = r.names(spec.get("confirmed"), [*path, "confirmed"], ())
        questions = r.names(spec.get("questions"), [*path, "questions"], required)
        for key, names in (("questions", questions), ("required", required), ("confirmed", confirmed)):
            for question in names:
                if fields and question not in fields:
                    r.add(
                        [*path, key],
                        _(
                            "{question!r} is not a field of kind {kind}; define it under kinds.{kind}.fields"
                        ).format(question=question, kind=kind),
                    )
                elif key == "confirmed" and fields and fields[question].type != "boolean":
                    r.add(
                        [*path, key],
                        _("{question!r} must be a yes/no (boolean) field to be confirmed").format(
                            question=question
                        ),
                    )
        every = tuple(dict.fromkeys([*questions, *required, *confirmed]))
        card = _card_fields(r, spec.get("customer"), [*path, "customer"], fields, kind)
        result.append(
            Questionnaire(
                str(name), types, every, tuple(dict.fromkeys([*required, *confirmed])), confirmed, card
            )
        )
    return tuple(result)


def check_section(value: Any, config: Config) -> list[Finding]:
    """`config.SECTION_CHECKS` entry for `callbacks:`."""
    return read_settings(value, config)[1]


@once_per_config
def settings_of(config: Config) -> CallbackSettings:
    """The callback settings of a loaded config (defaults when the section is absent)."""
    return read_settings(config.section("callbacks"), config)[0]
