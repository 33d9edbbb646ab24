"""A property test for truth: every default script, on every kind, type and state it applies
to, says only what the case holds.

The cases are walked through the real workflow by the real CLI: for every kind of the
default config and every value of its type field (return_type, callback_type), each state
the workflow can reach is reached by a shortest path, the fields each move requires filled
with plausible values. At every state, every template that fits (kind, state and `when:`)
is rendered in Chinese and English, and the manual templates of the kind are rendered at
each of its states once. Each text passes a set of fact checks (see `_problems`): no amount
of money that the case does not record, no 退货/换货/... wording on a case of another type,
no survey question on a greeting or a sign-up, no English word in Chinese, no raw enum key,
no forbidden phrase, no bare surname asked about. Every bundled template must be rendered
at least once.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from casebuild import photo
from casekit.core.casefile import fields_of
from casekit.core.config import Config, KindSpec
from casekit.core.wording import WordingRule, find_forbidden
from casekit.features.callbacks.settings import settings_of as callback_settings
from casekit.features.returns.settings import settings_for
from casekit.features.scripts.context import condition_holds, forbidden_rules, scripts_settings
from casekit.features.scripts.service import catalogue
from casekit.store.casefiles import parse_case
from casekit.store.configfile import load_config
from conftest import CLI, PROJECT, base_environ

START = datetime.fromisoformat("2026-11-16T09:30:00+08:00")  # a Monday
SUPERVISOR = "zhang.wei"
AGENT = "li.na"
LANGS = ("zh", "en")

# Values for the fields a move requires, by field name; other fields by their type.
VALUES: dict[str, str] = {
    "responsible_department": "售后技术部",
    "root_cause": "主板批次故障",
    "solution": "上门检测后更换新机",
    "accepted_solution": "上门更换新机",
    "resolution": "已上门更换新机，客户确认可以正常收发传真",
    "summary": "主板批次故障，已更换新机并向客户致歉",
    "rejection_reason": "经核实，订单已按约定时间送达并由客户本人签收",
    "decline_reason": "商品已超过七天无理由退换期限",
    "return_tracking_no": "SF1234567890",
    "inspection_result": "左耳喇叭故障，确认质量问题",
    "reship_tracking_no": "SF0987654321",
    "cancel_reason": "客户已到店办理",
    "suggestions": "希望处理再快一些",
}
BY_TYPE = {
    "text": "已与客户电话确认",
    "string": "已登记",
    "money": "20.00",
    "boolean": "yes",
    "date": "2026-11-20",
    "datetime": "2026-11-20T10:00:00+08:00",
}
# What a return of each type is opened with (the walk adds what each move requires).
RETURN_OPENING = {
    "order_no": "TB20261115001",
    "sku": "SKU-1001",
    "item_name": "蓝牙耳机",
    "amount_paid": "199.00",
    "received_date": "2026-11-15",
}
RETURN_TYPES: dict[str, dict[str, str]] = {
    "return": {"reason": "quality", "postage_amount": "12.00"},
    "exchange": {
        "reason": "changed-mind",
        "exchange_item": "蓝牙耳机 Pro",
        "exchange_price": "229.00",
        "postage_amount": "12.00",
    },
    "partial-refund": {"reason": "not-as-described"},
    "resend": {"reason": "lost-parcel"},
    "refund-only": {"reason": "changed-mind"},
    "extra-item": {"reason": "extra-item"},
}
REFUNDS = {"return": "199.00", "partial-refund": "30.00", "refund-only": "199.00"}
# The words that belong to one return type; a script for a case of another type never says them.
TYPE_WORDS = {
    "return": ("退货",),
    "exchange": ("换货", "换发"),
    "partial-refund": ("折价",),
    "resend": ("补发",),
    "refund-only": ("仅退款",),
    "extra-item": ("多发",),
}
NO_REFUND_TYPES = ("resend", "extra-item")
NO_SURVEY_TYPES = ("greeting", "new-signup")
# What an agent does before some moves (the workflow's guards ask for it).
BEFORE_MOVE: dict[tuple[str, str], list[list[str]]] = {
    ("callback", "unreachable"): [["attempt", "{id}", "--outcome", "no-answer"]] * 2,
    ("callback", "completed"): [["attempt", "{id}", "--outcome", "answered"]],
}
SURVEY_WORDS = ("满意吗", "满意度", "是否满意", "satisfied with", "how satisfied")


@dataclass
class Walk:
    """One case walked along one path, and what to render at each state it reaches."""

    kind: str
    type_value: str | None
    opening: dict[str, str]
    variant: str | None = None  # names a second walk of the same kind and type
    values: dict[str, str] = field(default_factory=dict)  # what the moves set, over VALUES
    move_sets: dict[str, dict[str, str]] = field(default_factory=dict)  # more, by the state moved to
    salutation: str | None = "女士"
    customer: str = "刘"
    channel: str = "phone"
    extra_steps: list[list[str]] = field(default_factory=list)  # run right after `new`
    wait_minutes: int = 0  # then the clock runs on this long (a promise falls due)

    @property
    def label(self) -> str:
        return "/".join(filter(None, [self.kind, self.type_value, self.variant]))


def _type_field(kind: KindSpec) -> str | None:
    names = [n for n, spec in kind.fields.items() if spec.type == "enum" and n.endswith("_type")]
    return names[0] if names else None


def _admits(rule_when: Mapping[str, tuple[Any, ...]], fields: Mapping[str, str]) -> bool:
    return all(fields.get(name) in values for name, values in rule_when.items())


def _paths(kind: KindSpec, fields: Mapping[str, str]) -> dict[str, list[str]]:
    """Every state reachable for a case with `fields`, with a shortest path of states to it."""
    paths = {kind.initial: [kind.initial]}
    queue = [kind.initial]
    while queue:
        state = queue.pop(0)
        for target, rule in kind.transitions.get(state, {}).items():
            if target not in paths and _admits(rule.when, fields):
                paths[target] = [*paths[state], target]
                queue.append(target)
    return paths


def _leaf_paths(paths: dict[str, list[str]]) -> list[list[str]]:
    """The fewest paths (longest first) that together pass every reachable state."""
    leaves = sorted(paths.values(), key=len, reverse=True)
    chosen: list[list[str]] = []
    seen: set[str] = set()
    for path in leaves:
        if not set(path) <= seen:
            chosen.append(path)
            seen |= set(path)
    return chosen


def _value(kind: KindSpec, walk: Walk, name: str) -> str:
    if name in walk.values:
        return walk.values[name]
    if walk.kind == "return" and name == "refund_amount":
        return REFUNDS.get(walk.type_value or "", "30.00")
    if name in VALUES:
        return VALUES[name]
    spec = kind.fields[name]
    if spec.type == "enum":
        return str(next(iter(spec.values)))
    return BY_TYPE.get(spec.type, "已登记")


def _walks(config: Config) -> Iterator[Walk]:
    complaint = {
        "category": "product-quality",
        "content": "一周前买的传真机有时无法接收传真",
        "demand": "更换一台新机",
        "product": "传真机 FX-200",
    }
    yield Walk("complaint", None, dict(complaint), salutation="先生", customer="王")
    yield Walk(
        "complaint",
        "promised",
        dict(complaint),
        extra_steps=[["promise", "{id}", "--by", "{in an hour}", "--note", "查明故障原因后回电"]],
        wait_minutes=150,
    )
    yield Walk(
        "complaint",
        "escalated",
        dict(complaint),
        salutation=None,
        customer="刘伟",
        extra_steps=[["escalate", "{id}", "--to", SUPERVISOR, "--note", "客户要求主管处理"]],
    )
    yield Walk("complaint", "media", dict(complaint), channel="media")
    yield Walk("complaint", None, dict(complaint), variant="no-salutation", salutation=None, customer="刘伟")
    for return_type, extra in RETURN_TYPES.items():
        if return_type not in config.kinds["return"].fields["return_type"].values:
            continue
        steps = []
        if extra["reason"] in settings_for(config).evidence_required_for:
            steps.append(["attach", "{id}", photo("kettle-base-leak.png"), "--note", "客户上传的故障照片"])
        opening = {**RETURN_OPENING, "return_type": return_type, **extra}
        if return_type != "exchange":
            # a 多发 item sent back: the customer advances the postage, the shop repays it
            sent_back = {"in_transit": {"postage_amount": "8.00"}} if return_type == "extra-item" else {}
            yield Walk("return", return_type, opening, extra_steps=steps, move_sets=sent_back)
            continue
        # dearer: the customer pays 30.00 more and the 12.00 postage out, paid or waived;
        # cheaper: the shop refunds the 40.00 difference
        paid = {"reshipped": {"difference_paid_amount": "42.00"}}
        yield Walk("return", return_type, opening, variant="dearer", move_sets=paid)
        waived = {"reshipped": {"difference_waived": "true"}}
        yield Walk("return", return_type, opening, variant="waived", move_sets=waived)
        cheaper = {**opening, "exchange_price": "159.00"}
        yield Walk("return", return_type, cheaper, variant="cheaper", move_sets=paid)
    callback = config.kinds["callback"]
    for callback_type in callback.fields["callback_type"].values:
        opening = {
            "callback_type": callback_type,
            "service_item": "传真机 FX-200",
            "service_date": "2026-11-10",
        }
        yield Walk("callback", callback_type, opening)
    yield Walk(
        "callback",
        "after-complaint",
        {"callback_type": "after-complaint"},
        variant="no-salutation",
        salutation=None,
        customer="刘伟",
        values={"satisfaction": "dissatisfied"},
    )
    for occasion, extra in (("birthday", {}), ("holiday", {"holiday_name": "元旦"})):
        if "greeting_occasion" in callback.fields:
            opening = {"callback_type": "greeting", "greeting_occasion": occasion, **extra}
            yield Walk("callback", "greeting", opening, variant=occasion, salutation=None)


@dataclass
class Rendering:
    walk: str
    case_id: str
    state: str
    template: str
    lang: str
    text: str
    case: Any  # the case file as it was when the script was rendered


class Walker:
    def __init__(self, cli: CLI, config: Config) -> None:
        self.cli = cli
        self.config = config
        self.clock = START
        self.scripts = catalogue(cli.root)
        self.renderings: list[Rendering] = []
        self.rendered_states: set[tuple[str, str, str]] = set()  # (walk, state, template)
        self.manual_states: set[tuple[str, str]] = set()
        self.count = 0

    def tick(self) -> str:
        self.clock += timedelta(minutes=20)
        return self.clock.isoformat()

    def run(self, *args: str, actor: str = AGENT, seed: str | None = None) -> str:
        env = {"CASEKIT_NO_FOLLOW_UPS": "1"}
        if seed:
            env["CASEKIT_ID_SEED"] = seed
        result = self.cli.run(*args, now=self.tick(), actor=actor, extra_env=env)
        if result.code != 0 and actor != SUPERVISOR and ("主管" in result.err or "supervisor" in result.err):
            result = self.cli.run(*args, now=self.tick(), actor=SUPERVISOR, extra_env=env)
        assert result.code == 0, f"casekit {' '.join(args)} refused:\n{result.err}"
        return result.out

    def walk(self, walk: Walk) -> None:
        kind = self.config.kinds[walk.kind]
        type_field = _type_field(kind)
        fields = dict(walk.opening)
        for number, path in enumerate(_leaf_paths(_paths(kind, fields))):
            self.count += 1
            args = [
                "new",
                walk.kind,
                "--title",
                f"{kind.label.zh}：{walk.label}",
                "--customer",
                walk.customer,
            ]
            args += ["--phone", "13912345678", "--channel", walk.channel]
            if walk.salutation:
                args += ["--salutation", walk.salutation]
            for name, value in fields.items():
                if name in kind.fields:
                    args += ["--set", f"{name}={value}"]
            case_id = self.run(*args, seed=f"truth:{walk.label}:{number}").strip()
            for step in walk.extra_steps:
                in_an_hour = (self.clock + timedelta(hours=1)).isoformat()
                self.run(*[a.replace("{id}", case_id).replace("{in an hour}", in_an_hour) for a in step])
            self.clock += timedelta(minutes=walk.wait_minutes)
            self.render_state(walk, case_id, path[0])
            for source, target in itertools.pairwise(path):
                rule = kind.transitions[source][target]
                needed = [*rule.requires, *self.questions(walk, target)]
                sets = [
                    arg
                    for name in dict.fromkeys(needed)
                    if name not in fields and name != type_field
                    for arg in ("--set", f"{name}={_value(kind, walk, name)}")
                ]
                sets += [a for n, v in walk.move_sets.get(target, {}).items() for a in ("--set", f"{n}={v}")]
                for step in BEFORE_MOVE.get((walk.kind, target), []):
                    self.run(*[a.replace("{id}", case_id) for a in step])
                self.run("move", case_id, target, *sets)
                self.render_state(walk, case_id, target)

    def questions(self, walk: Walk, target: str) -> tuple[str, ...]:
        """The answers a callback's questionnaire needs before it is completed."""
        settings = callback_settings(self.config)
        if walk.kind != settings.kind or target != "completed":
            return ()
        questionnaire = settings.questionnaire_for(walk.type_value)
        return tuple(questionnaire.required) if questionnaire else ()

    def case(self, case_id: str) -> Any:
        path = next((self.cli.root / "cases").glob(f"*/*/*/{case_id}.yaml"))
        return parse_case(self.cli.root, path, path.read_bytes(), max_bytes=self.config.case_file_bytes)

    def render_state(self, walk: Walk, case_id: str, state: str) -> None:
        case = self.case(case_id)
        kind = str(case["kind"])
        names = set()
        for info in self.scripts:
            if info.lang != "zh" or not info.fits(kind, state):
                continue
            if info.manual:
                if (kind, state) not in self.manual_states:
                    names.add(info.name)
            elif all(condition_holds(c, case, self.config, self.clock) for c in info.when):
                names.add(info.name)
        self.manual_states.add((kind, state))
        for name in sorted(names):
            if (walk.label, state, name) in self.rendered_states:
                continue
            self.rendered_states.add((walk.label, state, name))
            for lang in LANGS:
                out = self.cli.run(
                    "script",
                    case_id,
                    "--template",
                    name,
                    "--lang",
                    lang,
                    "--format",
                    "json",
                    now=self.clock.isoformat(),
                )
                assert out.code == 0, f"{walk.label} {state}: script {name} ({lang}) failed:\n{out.err}"
                text = json.loads(out.out)["text"]
                self.renderings.append(Rendering(walk.label, case_id, state, name, lang, text, case))


def _walk_kind(base: Path, kind: str) -> Walker:
    """Every walk of one kind, in a case repository of its own (made by `casekit init`)."""
    environ = base_environ(base / "home")
    CLI(base, environ).ok("init", str(base / "repo"))
    cli = CLI(base / "repo", environ)
    config = load_config(cli.root)
    walker = Walker(cli, config)
    for walk in _walks(config):
        if walk.kind == kind:
            walker.walk(walk)
    return walker


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Walker], Config]:
    """The kinds walked two at a time (each step is a process of its own)."""
    base = tmp_path_factory.mktemp("truth")
    config = load_config(PROJECT)
    with ThreadPoolExecutor(max_workers=2) as pool:
        walkers = list(pool.map(lambda kind: _walk_kind(base / kind, kind), config.kinds))
    return walkers, config


def _case_values(case: Mapping[str, Any]) -> list[str]:
    """Every text the case itself holds (printed as the case's data, not the script's words)."""
    values: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif value is not None:
            values.append(str(value))

    collect({k: v for k, v in case.items() if k != "history"})
    return sorted(values, key=len, reverse=True)


def _without(text: str, values: list[str]) -> str:
    """`text` with the case's own data taken out (a one-letter Latin value would take out
    letters of words; a one-character Chinese name is the customer's)."""
    for value in values:
        if len(value) >= 2 or CJK.search(value):
            text = text.replace(value, " ")
    return text


def _amounts_on_case(case: Mapping[str, Any]) -> set[str]:
    """Every amount the case file holds (its money fields and what casekit derived from them:
    postage, price difference), and each total of two of them (补差价 plus 补邮费), as '42.00'."""
    amounts: set[Decimal] = set()
    for value in _case_values(case):
        try:
            amounts.add(Decimal(value).quantize(Decimal("0.01")))
        except (InvalidOperation, ValueError):
            continue
    totals = {a + b for a, b in itertools.combinations(sorted(amounts), 2)}
    return {f"{amount:.2f}" for amount in amounts | totals}


CJK = re.compile(r"[\u4e00-\u9fff]")
# Names a Chinese script may spell in Latin letters: they are what the customer sees.
LATIN_NAMES = ("EMS", "VIP")
MONEY = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:元|yuan|CNY)|(?:¥|￥|CNY\s?|RMB\s?)(\d+(?:\.\d+)?)")


def _problems(
    rendering: Rendering, case: Mapping[str, Any], config: Config, forbidden: list[str]
) -> list[str]:
    text, lang = rendering.text, rendering.lang
    fields = fields_of(case)
    problems = []
    on_case = _amounts_on_case(case)
    for match in MONEY.finditer(text):
        amount = f"{float(match.group(1) or match.group(2)):.2f}"
        if amount not in on_case or amount == "0.00":
            problems.append(f"an amount the case does not record: {match.group(0)!r}")
    own_words = TYPE_WORDS.get(str(fields.get("return_type")), ())
    if case.get("kind") == "return":
        neutral = text.replace("退换货", "").replace("退换", "")
        for return_type, words in TYPE_WORDS.items():
            for word in words:
                if word not in own_words and word in neutral and return_type != fields.get("return_type"):
                    problems.append(f"{word!r} on a {fields.get('return_type')} case")
        if fields.get("return_type") in NO_REFUND_TYPES and ("退款" in text or "refund" in text.lower()):
            problems.append("a refund sentence where nothing is refunded")
    postage_words = ("运费", "邮费", "postage")
    postage_sentences = [s for s in re.split(r"[。！？.!?\n]", text) if any(w in s for w in postage_words)]
    if MONEY.search(" ".join(postage_sentences)) and "postage_amount" not in fields:
        problems.append("a postage amount the case does not record")
    if case.get("kind") == "callback" and fields.get("callback_type") in NO_SURVEY_TYPES:
        for word in SURVEY_WORDS:
            if word in text:
                problems.append(f"a survey question on a {fields.get('callback_type')} callback: {word!r}")
    people = [p.name for p in config.people.values()] + [
        str(s) for s in scripts_settings(config).values() if isinstance(s, str)
    ]
    rest = _without(text, [*_case_values(case), *people, *LATIN_NAMES])
    if lang == "zh":
        if english := re.findall(r"[A-Za-z]{2,}", rest):
            problems.append(f"English in a Chinese script: {english[:5]}")
    else:
        if chinese := re.findall(r"[\u4e00-\u9fff]+", rest):
            problems.append(f"Chinese in an English script: {chinese[:5]}")
    kind = config.kinds[str(case["kind"])]
    for name, spec in kind.fields.items():
        if spec.type != "enum":
            continue
        for key in spec.values:
            if re.search(rf"(?<![\w-]){re.escape(str(key))}(?![\w-])", rest) and (
                "-" in str(key) or "_" in str(key) or lang == "zh"
            ):
                problems.append(f"a raw {name} key: {key!r}")
    for hit in find_forbidden(text, forbidden):
        problems.append(f"a forbidden phrase: {hit.found!r}")
    for leak in ("None", "{{", "}}", "{%", "undefined", "nan"):
        if re.search(rf"(?<![A-Za-z]){re.escape(leak)}(?![A-Za-z])", rest):
            problems.append(f"template residue {leak!r}")
    customer = case.get("customer") or {}
    if not customer.get("salutation") and lang == "zh":
        name = str(customer.get("name") or "")
        surname = name[:1]
        if surname and re.search(rf"{re.escape(surname)}吗", text):
            problems.append(f"a bare surname asked about: {surname}吗")
    return problems


def _forbidden(config: Config, lang: str) -> list[WordingRule]:
    return [rule for rule in forbidden_rules(config) if rule.lang == lang]


def test_every_default_script_says_only_what_the_case_holds(walked: tuple[list[Walker], Config]) -> None:
    walkers, config = walked
    renderings = [r for walker in walkers for r in walker.renderings]
    assert len({r.walk for r in renderings}) >= len(list(_walks(config))), "a walk rendered nothing"
    failures = []
    for rendering in renderings:
        for problem in _problems(rendering, rendering.case, config, _forbidden(config, rendering.lang)):
            failures.append(
                f"{rendering.template}.{rendering.lang} on {rendering.walk} at {rendering.state}: {problem}"
            )
    assert not failures, "\n".join(failures)


def test_every_bundled_template_is_rendered_by_the_walk(walked: tuple[list[Walker], Config]) -> None:
    walkers, _ = walked
    bundled = {info.name for info in catalogue(None)}
    rendered = {r.template for walker in walkers for r in walker.renderings}
    assert bundled <= rendered, f"never rendered on a walked case: {sorted(bundled - rendered)}"


def test_every_state_a_script_fits_was_rendered(walked: tuple[list[Walker], Config]) -> None:
    walkers, config = walked
    scripts = [info for info in catalogue(None) if not info.manual and info.lang == "zh"]
    rendered = {(r.walk, r.state) for walker in walkers for r in walker.renderings}
    for walk in _walks(config):
        # states some script fits whatever the case holds (conditional ones may not apply)
        with_script = {
            s
            for s in _paths(config.kinds[walk.kind], walk.opening)
            if any(i.fits(walk.kind, s) and not i.when for i in scripts)
        }
        missing = {s for s in with_script if (walk.label, s) not in rendered}
        assert not missing, f"{walk.label}: states with a script that were never rendered: {sorted(missing)}"
