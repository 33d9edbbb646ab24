"""The fast case-file reader gives exactly what the libyaml reader gives, types included,
on files as casekit writes them and on hand-mangled ones (which it hands to libyaml)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casekit.codec import quickload
from casekit.codec.yamlio import YamlSyntaxError, block_map, dump_round_trip, flow_map, load_fast
from conftest import PROJECT
from test_index import _generator


def typed(value: Any) -> Any:
    """A value with every scalar's type spelled out, so 1 != True != Decimal('1')."""
    if isinstance(value, dict):
        return ("map", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [typed(v) for v in value])
    return (type(value).__name__, str(value))


def same(raw: bytes) -> None:
    try:
        expected = load_fast(raw)
    except YamlSyntaxError as exc:
        try:
            quickload.load(raw)
        except YamlSyntaxError as again:
            assert (str(again), again.line) == (str(exc), exc.line)
            return
        raise AssertionError(f"libyaml refuses {raw!r} but the fast reader did not") from None
    assert typed(quickload.load(raw)) == typed(expected), raw.decode("utf-8", "replace")


TRICKY = [
    "true", "False", "null", "~", "NULL", "yes", "no", "on", "1", "-1", "+1", "0o17", "0x1F", "0b101",
    "1_000", "1.5", ".5", "-.inf", ".NaN", "1e3", "1.0e-3", "12:30", "2026-11-23",
    "2026-11-23T10:05:00+08:00", "2026-11-23 10:05:00", "a: b", "a:b", "a,b", "a, b", "[x]", "{y}",
    "#c", "a #c", "a#c", "'q'", '"d"',
    "it's", "- x", "-x", "?", "a?", "!tag", "&a", "*a", "|", ">", "%", "@", "`", "  lead", "trail  ",
    "客户说：'明天上午'再联系", "传真机 FX-2030", "", " ", "\\", "a\\nb", "é", "\u3000全角空格",
    " 2027-01-01T00:00:00+08:00", "20270101T000000+0800", "2027-W01-1T00:00+08:00", "\u30002027-02-01T00:00Z",
    "2026-11-23T10:05:00-23:00", "9999-12-31T23:59:59+08:00",
]  # fmt: skip
text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=st.sampled_from(list("ab 1:-,'\"#?[]{}.客户xT+_~")), max_size=12),
)
scalar = st.one_of(
    text,
    st.integers(-(10**6), 10**6),
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
    st.booleans(),
    st.none(),
)
key = st.one_of(
    st.sampled_from(["at", "by", "action", "to", "note", "title"]),
    st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
)


def flow_seq(items: list[Any]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


@st.composite
def deadline_blocks(draw: st.DrawFn) -> Any:
    """A `deadlines:` value: clocks, each a block mapping of scalars, some with `missed`
    (a block sequence of flow mappings as casekit writes it, or a one-line flow sequence)."""
    block = block_map({})
    for clock in draw(st.lists(key, min_size=1, max_size=3, unique=True)):
        entry = block_map(draw(st.dictionaries(key, scalar, max_size=4)))
        if draw(st.booleans()):
            missed = [
                flow_map(draw(st.dictionaries(key, scalar, min_size=1, max_size=2)))
                for _ in range(draw(st.integers(1, 3)))
            ]
            if draw(st.booleans()):
                missed.append(draw(scalar))
            entry["missed"] = flow_seq(missed) if draw(st.booleans()) else missed
        block[clock] = entry
    return block


@st.composite
def case_docs(draw: st.DrawFn) -> Any:
    doc = block_map({})
    for name in draw(st.lists(key, min_size=1, max_size=6, unique=True)):
        doc[name] = draw(scalar)
    if draw(st.booleans()):
        doc["customer"] = block_map(draw(st.dictionaries(key, scalar, min_size=1, max_size=3)))
    if draw(st.booleans()):
        doc["links"] = draw(st.lists(text, max_size=3))
    if draw(st.booleans()):
        doc["deadlines"] = draw(deadline_blocks())
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        entry = flow_map(draw(st.dictionaries(key, scalar, min_size=1, max_size=5)))
        if draw(st.booleans()):
            entry["set"] = flow_map(draw(st.dictionaries(key, scalar, max_size=3)))
        entries.append(entry)
    doc["history"] = entries
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_docs())
def test_files_written_by_casekit_read_the_same(doc: Any) -> None:
    same(dump_round_trip(doc).encode("utf-8"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_docs())
def test_the_time_bound_of_an_outlined_file_is_above_every_time_in_it(doc: Any) -> None:
    from casekit.core.selection import latest_time

    raw = dump_round_trip(doc).encode("utf-8")
    if quickload.outline(raw) is None:
        return
    latest = latest_time(load_fast(raw))
    if latest is not None:
        bound = quickload.time_bound(raw)
        assert bound is not None and latest.timestamp() < bound


INSERTS = [
    "# a comment", "", "  # indented comment", "    continued", "---", "...", "\ufeffid: x",
    "    # deeper comment", "   three: spaces", "      deep: 1", "    - item", "      - {due: x}",
]  # fmt: skip
EDITS = [
    lambda line: "  " + line,
    lambda line: " " + line,
    lambda line: line[1:],
    lambda line: line.lstrip(),
    lambda line: line + "  # trailing",
    lambda line: line + " ",
    lambda line: line + "\r",
    lambda line: line.replace(": ", ":  ", 1),
    lambda line: line.replace(", ", ",", 1),
    lambda line: line.replace("{", "{ ", 1),
    lambda line: line.replace(": ", ": '", 1),
    lambda line: line.replace(" ", "\t", 1),
    lambda line: line.replace("- {", "- ", 1),
    lambda line: line.replace("}", "", 1),
    lambda line: line.replace("[]", "[a, 'b', 3]", 1),
    lambda line: line[: len(line) // 2],
]


def mangle(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        where = rng.randrange(len(lines))
        roll = rng.random()
        if roll < 0.3:
            lines.insert(where, rng.choice(INSERTS))
        elif roll < 0.4:
            lines.insert(where, lines[rng.randrange(len(lines))])
        else:
            lines[where] = rng.choice(EDITS)(lines[where])
    return "\n".join(lines)


def generated_files(seed: int, count: int) -> list[str]:
    """Case files as casekit writes them: the benchmark generator's cases, with the keys
    casekit derives (deadlines, postage, price difference) computed by casekit."""
    generate = _generator()
    rules = generate.read_rules(PROJECT)
    rng = random.Random(seed)
    return [
        generate.case_file(generate.make_case(rng, opened)[1], rules).decode("utf-8")
        for opened in generate.opening_times(rng, count, 200)
    ]


def test_hand_mangled_files_read_the_same() -> None:
    rng = random.Random(11)
    for text in generated_files(11, 150):
        same(text.encode("utf-8"))
        for _ in range(8):
            same(mangle(text, rng).encode("utf-8"))
    same(b"\xff\xfe not utf-8")
    same(b"")
    same(b"just text\n")
    same(b"- a list\n")


def test_generated_cases_take_the_fast_path() -> None:
    missed = 0
    for text in generated_files(5, 80):
        parsed = quickload.parse_simple(text)  # no fallback for casekit's own layout
        assert typed(parsed) == typed(load_fast(text.encode("utf-8")))
        assert isinstance(parsed["history"][0]["at"], str)
        if "amount_paid" in parsed.get("fields", {}):
            assert isinstance(parsed["fields"]["amount_paid"], Decimal)
        assert parsed["deadlines"]  # every kind has clocks
        for entry in parsed["deadlines"].values():
            assert isinstance(entry["due"], str)
            missed += "missed" in entry
    assert missed > 5  # the nested `missed:` sequences were met too


# One clock with every kind of line a deadline has; each variant below is read by both
# readers, and the fast reader must agree, or hand it to libyaml (fast=False).
DEADLINES = (
    "id: C-20261101-AAAA-BBBB\nkind: complaint\nstatus: investigating\nlinks: []\n"
    "deadlines:\n"
    "  first_response:\n"
    "    rule: priority=high\n"
    "    within: 30 working minutes\n"
    "    start: 2026-11-11T10:40:00+08:00\n"
    "    due: 2026-11-11T11:10:00+08:00\n"
    "    met: 2026-11-11T11:00:00+08:00\n"
    "  updates:\n"
    "    rule: default\n"
    "    start: 2026-11-12T16:05:00+08:00\n"
    "    due: 2026-11-13T16:05:00+08:00\n"
    "    paused: 2h30m\n"
    "    missed:\n"
    "      - {due: 2026-11-12T11:15:00+08:00, met: 2026-11-12T15:20:00+08:00}\n"
    "      - {due: 2026-11-12T17:15:00+08:00}\n"
    "    warning: 'the holiday calendar ends 2026-12-31; add next year''s days: calendar'\n"
    "history:\n"
    "  - {at: 2026-11-11T10:40:00+08:00, by: chen.jie, action: open, to: received}\n"
)
DEADLINE_VARIANTS = [
    # (old, new, fast): `new` replaces the first `old`
    ("", "", True),
    ("    missed:\n      - {due: 2026-11-12T11:15:00+08:00, met: 2026-11-12T15:20:00+08:00}\n"
     "      - {due: 2026-11-12T17:15:00+08:00}\n",
     "    missed: [{due: 2026-11-12T11:15:00+08:00, met: 2026-11-12T15:20:00+08:00}]\n", True),
    ("    missed:\n", "    missed: []\n    more:\n", True),
    ("    rule: default\n", "    rule: [a, 'b', {c: 1}]\n", True),
    ("    paused: 2h30m\n", "    paused: true\n    count: 3\n    share: 1.50\n    gone: null\n", True),
    ("    paused: 2h30m\n", "\n    # a comment line\n\n    paused: 2h30m\n", True),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n", "  # between\n      - {due: x}\n", True),
    ("  updates:\n", "# at column 0\n  updates:\n", False),
    ("    paused: 2h30m\n", "    paused: 2h30m  # trailing\n", False),
    ("  updates:\n", "  updates:  # trailing\n", False),
    # indentation: odd, deeper, shallower, indentless sequences
    ("    rule: default\n", "   rule: default\n", False),
    ("    rule: default\n", "     rule: default\n", False),
    ("    due: 2026-11-13T16:05:00+08:00\n", "     due: 2026-11-13T16:05:00+08:00\n", False),
    ("  updates:\n", "   updates:\n", False),
    ("  updates:\n", " updates:\n", False),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n", "    - {due: 2026-11-12T17:15:00+08:00}\n", False),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n", "        - {due: 2026-11-12T17:15:00+08:00}\n", False),
    ("      - {due: 2026-11-12T11:15:00+08:00, met: 2026-11-12T15:20:00+08:00}\n",
     "    - {due: 2026-11-12T11:15:00+08:00, met: 2026-11-12T15:20:00+08:00}\n", False),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n", "      -  {due: 2026-11-12T17:15:00+08:00}\n", False),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n",
     "      - {due: 2026-11-12T17:15:00+08:00,\n        met: x}\n", False),
    ("    paused: 2h30m\n", "    paused: 2h30m\n      more\n", False),
    ("    paused: 2h30m\n", "    paused: 2h30m\n      - x\n", False),
    ("    rule: default\n", "    rule:\n    within: 1 day\n", False),
    ("    missed:\n", "    missed:\n    other: 1\n    missed2:\n", False),
    ("  first_response:\n", "  empty:\n  first_response:\n", False),
    ("  first_response:\n", "  empty:\n  - x\n  first_response:\n", False),
    ("deadlines:\n", "deadlines:\n  - x\n", False),
    ("deadlines:\n", "deadlines:\n  plain: x\n", True),
    # duplicate keys at each level
    ("    paused: 2h30m\n", "    paused: 2h30m\n    paused: 1h\n", False),
    ("  updates:\n", "  first_response:\n    rule: again\n  updates:\n", False),
    ("history:\n", "deadlines:\n  x:\n    y: 1\nhistory:\n", False),
    # tabs
    ("    rule: default\n", "\trule: default\n", False),
    ("    rule: default\n", "    rule:\tdefault\n", False),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n", "      -\t{due: 2026-11-12T17:15:00+08:00}\n", False),
    # three levels of mappings: left to libyaml
    ("    rule: default\n", "    rule:\n      name: default\n", False),
    ("    rule: default\n", "    rule:\n      name:\n        deeper: default\n", False),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n", "      - due: 2026-11-12T17:15:00+08:00\n", False),
    ("      - {due: 2026-11-12T17:15:00+08:00}\n", "      - - nested\n", False),
    # keys that are not text, anchors and aliases
    ("    rule: default\n", "    1: default\n", False),
    ("    rule: default\n", "    true: default\n", False),
    ("    rule: default\n", "    rule: &r default\n    alias: *r\n", False),
    ("  updates:\n", "  updates: &u\n", False),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "fast"), DEADLINE_VARIANTS)
def test_deadline_blocks_read_the_same(old: str, new: str, fast: bool) -> None:
    assert old in DEADLINES
    text = DEADLINES.replace(old, new, 1)
    same(text.encode("utf-8"))
    if fast:
        assert typed(quickload.parse_simple(text)) == typed(load_fast(text.encode("utf-8")))
    else:
        with pytest.raises(quickload._Unsupported):
            quickload.parse_simple(text)


def test_deadline_blocks_keep_their_types() -> None:
    parsed = quickload.parse_simple(DEADLINES)
    updates = parsed["deadlines"]["updates"]
    assert updates["missed"] == [
        {"due": "2026-11-12T11:15:00+08:00", "met": "2026-11-12T15:20:00+08:00"},
        {"due": "2026-11-12T17:15:00+08:00"},
    ]
    assert updates["warning"].endswith("next year's days: calendar")
    assert list(parsed) == ["id", "kind", "status", "links", "deadlines", "history"]


def test_files_with_deadline_blocks_are_outlined() -> None:
    """Generated files with deadline blocks are outlined, and agree with whole reads."""
    for text in generated_files(23, 60):
        raw = text.encode("utf-8")
        shape = quickload.outline(raw)
        assert shape is not None, text
        whole = load_fast(raw)
        assert_outline_agrees(raw, shape, whole)
        assert len(shape["history"]) == len(whole["history"])
        for key in quickload.OUTLINED_KEYS:
            assert typed(shape[key]) == typed(whole[key]), key
    shape = quickload.outline(DEADLINES.encode("utf-8"))
    assert shape is not None
    assert shape["status"] == "investigating"
    assert shape["history"] == [{"at": "2026-11-11T10:40:00+08:00"}]


def test_outlines_agree_with_whole_reads() -> None:
    """What the index learns from an outline equals what it would learn from the case."""
    rng = random.Random(17)
    outlined = 0
    for text in generated_files(17, 150):
        for variant in [text] + [mangle(text, rng) for _ in range(8)]:
            raw = variant.encode("utf-8")
            shape = quickload.outline(raw)
            if shape is None:
                continue
            outlined += 1
            try:
                whole = load_fast(raw)
            except YamlSyntaxError:
                continue  # unreadable: the index reads it whole before answering anyway
            if isinstance(whole, dict):
                assert_outline_agrees(raw, shape, whole)
                for key in quickload.OUTLINED_KEYS:
                    if key in shape:
                        assert typed(shape[key]) == typed(whole[key]), variant
                    else:
                        assert not isinstance(whole.get(key), str), variant
    assert outlined > 300


BASE = (
    "id: C-20261101-AAAA-BBBB\nkind: complaint\npriority: high\nassignee: li.na\n"
    "opened_at: 2026-11-01T09:00:00+08:00\n"
)
ODD = [
    "status: open\ntitle: 'abc\nstatus: closed'\n",
    "status: open\n  continued\n",
    "status: open\n\n  continued\n",
    "note: |\n  status: x\nstatus: open\n",
    "links: [a,\nstatus: b]\n",
    "title: a\u2028status: closed\nstatus: open\n",
    "status: a\nstatus: b\n",
    "status: open # a comment\n",
    "? status\n: x\n",
    "status: &a open\nkind2: *a\n",
    'status: "open"\n',
    "status: 'open'\n",
    "status: [open]\n",
    "status:\n  deep: open\n",
    "status: open\nhistory:\n  - {at: 2026-11-01T09:00:00+08:00, by: x, at: 2026-11-02T09:00:00+08:00}\n",
    "status: open\nhistory:\n  - {at: 2026-11-01T09:00:00+08:00, set: {at: x}}\n",
    "status: open\nhistory:\n  - {at: 2026-11-01T09:00:00+08:00\n  , by: x}\n",
    "status: open\nhistory:\n  - {at: 2026-11-03T09:00:00+08:00}\n  - {at: 2026-11-01T09:00:00+09:00}\n",
    "status: open\nhistory:\n  - {at: 2026-02-30T09:00:00+08:00}\n  - {at: 2026-11-01T09:00:00+08:00}\n",
    "status: open\nhistory: []\n",
    "status: open\nhistory:\n",
    "status: open\nhistory:\n  - just text\n",
    "status: open\nhistory:\n- {at: 2026-11-01T09:00:00+08:00}\n",
    "status: open\r\n",
    "status: open\n---\nstatus: closed\n",
    "status: open\nhistory:\n - {at: 2026-11-01T09:00:00+08:00}\n - {at: 2026-11-02T09:00:00+08:00}\n",
    "status: open\n...\n",
    "status: 'open\n  more'\n",
    "status: open\nhistory:\n  - {at: 2026-11-01T09:00:00+08:00, note: 'a\n  b'}\n",
    "status: open\nfields:\n  note: 'it''s'\n  x: [a, {b: c}]\n"
    "history:\n  - {at: 2026-11-01T09:00:00+08:00}\n",
    "status: open\nfields:\n  x: [a, {b: c}\n  ]\n",
    "status: open\ncustomer:\n  name: a\n\n  phone: '1'\nhistory:\n\n  - {at: 2026-11-01T09:00:00+08:00}\n",
]


def test_outlines_of_odd_files_are_exact_or_absent() -> None:
    outlined = 0
    for odd in ODD:
        raw = (BASE + odd).encode("utf-8")
        shape = quickload.outline(raw)
        try:
            whole = load_fast(raw)
        except YamlSyntaxError:
            continue
        if shape is not None and isinstance(whole, dict):
            outlined += 1
            assert_outline_agrees(raw, shape, whole)
    assert outlined >= 8


def assert_outline_agrees(raw: bytes, shape: dict[str, Any], whole: dict[str, Any]) -> None:
    """The index columns from an outline equal those from the whole case, except the
    latest time, which the outline bounds from the text: never below the true one."""
    from casekit.core.selection import latest_time
    from casekit.index.cache import summary

    text = raw.decode("utf-8")
    assert summary(shape) == summary(whole), text
    latest = latest_time(whole)
    if latest is not None:
        bound = quickload.time_bound(raw)
        assert bound is not None and latest.timestamp() < bound, text


DEADLINE_LINES = (
    "status: open\ndeadlines:\n  first_response:\n    rule: default\n    within: 2 working hours\n"
    "    start: 2026-11-01T09:00:00+08:00\n    due: 2026-11-01T11:00:00+08:00\n"
    "    met: 2026-11-01T12:00:00+08:00\n  updates:\n    rule: default\n    due: 2026-11-03T09:00:00+08:00\n"
    "    paused_since: 2026-11-02T09:00:00+08:00\n    missed:\n"
    "      - {due: 2026-11-02T09:00:00+08:00, met: 2026-11-02T10:00:00+08:00}\n"
    "  resolution:\n    due: 2026-11-05T09:00:00+08:00\n"
    "history:\n  - {at: 2026-11-01T09:00:00+08:00, by: li.na, action: open, to: received}\n"
)
DEADLINE_ODD = [
    DEADLINE_LINES,
    DEADLINE_LINES.replace(
        "    due: 2026-11-05T09:00:00+08:00\n", "    due: 2026-11-05T09:00:00+08:00\n      more\n"
    ),
    DEADLINE_LINES.replace(
        "  resolution:\n    due: 2026-11-05T09:00:00+08:00\n",
        "  resolution: {due: 2026-11-05T09:00:00+08:00}\n",
    ),
    DEADLINE_LINES.replace("  resolution:\n", "  first_response:\n"),
    DEADLINE_LINES.replace("    missed:\n", "    due: 2026-12-09T09:00:00+08:00\n    missed:\n"),
    DEADLINE_LINES.replace(
        "    due: 2026-11-05T09:00:00+08:00\n", "    due:\n      2026-11-05T09:00:00+08:00\n"
    ),
    DEADLINE_LINES.replace(
        "    met: 2026-11-01T12:00:00+08:00\n", "    met: 2026-11-01T12:00:00+08:00 # late\n"
    ),
    DEADLINE_LINES.replace("    met: 2026-11-01T12:00:00+08:00\n", "    met: '2026-11-01T12:00:00+08:00'\n"),
    DEADLINE_LINES.replace("      - {due", "    - {due"),
    DEADLINE_LINES.replace("  resolution:\n", "  resolution:\n     due: 2026-11-09T09:00:00+08:00\n"),
    DEADLINE_LINES.replace(
        "    due: 2026-11-05T09:00:00+08:00\n",
        "    due: 2026-11-05T09:00:00+08:00\n    extra:\n      deep: 2027-01-01T00:00:00+08:00\n",
    ),
    DEADLINE_LINES.replace("deadlines:\n", "deadlines: {}\nother:\n"),
    DEADLINE_LINES.replace("status: open\n", "status: open\nnote: ' 2027-03-01T00:00:00+08:00'\n"),
    DEADLINE_LINES.replace("status: open\n", "status: open\nlinks: [x, 20270301T000000+0800]\n"),
    DEADLINE_LINES.replace("status: open\n", "status: open\nwhen: 2027-W09-1T00:00:00+08:00\n"),
]


def test_deadline_blocks_outline_exactly_or_not_at_all() -> None:
    """Outlines take each deadline's due, met and paused_since (what `list --overdue`
    narrows on) exactly, and give up on any block they cannot read line by line."""
    from casekit.core.due import overdue_window

    outlined = 0
    for odd in DEADLINE_ODD:
        raw = (BASE + odd).encode("utf-8")
        shape = quickload.outline(raw)
        try:
            whole = load_fast(raw)
        except YamlSyntaxError:
            continue  # unreadable: the index reads it whole before answering anyway
        if shape is not None:
            outlined += 1
            assert isinstance(whole, dict)
            assert overdue_window(shape) == overdue_window(whole), odd
            assert_outline_agrees(raw, shape, whole)
    assert outlined >= 5
    shape = quickload.outline((BASE + DEADLINE_LINES).encode("utf-8"))
    assert shape is not None and set(shape["deadlines"]) == {"first_response", "updates", "resolution"}
    assert shape["deadlines"]["updates"] == {
        "due": "2026-11-03T09:00:00+08:00",
        "paused_since": "2026-11-02T09:00:00+08:00",
    }
