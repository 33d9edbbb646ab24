"""The pure core on its own: IDs, typed field values, the two YAML loaders, the JSON Schema."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit.codec.yamlio import dump_round_trip, load_fast, load_round_trip
from casekit.core.fields import parse_money, parse_value
from casekit.core.ids import ALPHABET, new_id, parse_id
from casekit.service.schema import case_schema
from casekit.store.configfile import load_config

PROJECT = Path(__file__).resolve().parents[1]


# --- IDs --------------------------------------------------------------------------------


def test_ids_are_readable_and_parse_back() -> None:
    ids = {str(new_id("C", date(2026, 11, 23), secrets.randbits(40))) for _ in range(2000)}
    assert len(ids) == 2000
    for text in list(ids)[:50]:
        parsed = parse_id(text)
        assert parsed is not None and str(parsed) == text
        suffix = text.split("-", 2)[2].replace("-", "")
        assert set(suffix) <= set(ALPHABET) and not set(suffix) & set("ILOU")


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("c-20261123-7kq3-xhd2", "C-20261123-7KQ3-XHD2"),
        ("C-20261123-7KQ3-XHDO", "C-20261123-7KQ3-XHD0"),
        ("C-20261123-L1Q3-XHD2", "C-20261123-11Q3-XHD2"),
    ],
)
def test_misheard_letters_read_as_digits(heard: str, meant: str) -> None:
    assert str(parse_id(heard)) == meant


@pytest.mark.parametrize("text", ["C-20261332-7KQ3-XHD2", "C-2026112-7KQ3-XHD2", "C-20261123-7KQ3", "hello"])
def test_malformed_ids_are_rejected(text: str) -> None:
    assert parse_id(text) is None


# --- typed values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("128.5", Decimal("128.50")), ("¥1,024", Decimal("1024.00")), ("0", Decimal("0.00"))],
)
def test_money_is_exact(text: str, value: Decimal) -> None:
    parsed = parse_money(text)
    assert parsed == value and str(parsed) == str(value)


@pytest.mark.parametrize("text", ["12.345", "-5", "abc", "NaN", "inf"])
def test_money_refuses_what_is_not_money(text: str) -> None:
    with pytest.raises(ValueError, match=r"money|amount|fen"):
        parse_money(text)


def test_field_values_follow_their_config_types() -> None:
    config = load_config(PROJECT)
    complaint = config.kind("complaint")
    fields = complaint.fields
    typed = {spec.type: spec for spec in fields.values()}
    assert {"enum", "money"} <= set(typed)
    enum = typed["enum"]
    first_value, first_label = next(iter(enum.values.items()))
    assert parse_value(enum, first_label.zh, config.tz) == first_value
    with pytest.raises(ValueError, match="is not one of"):
        parse_value(enum, "no-such-value", config.tz)
    assert parse_value(typed["money"], "80", config.tz) == Decimal("80.00")


# --- YAML: the fast reader sees exactly what the round-trip writer wrote --------------------

_text = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\ufeff\x85"
    ),
    max_size=30,
)
_tricky = st.sampled_from(
    [
        "2026-11-23T10:05:00+08:00",
        "2026-11-23",
        "13800138000",
        "0123",
        "1_000",
        "0o17",
        "0x1F",
        "12.50",
        ".5",
        "1e3",
        "yes",
        "no",
        "on",
        "off",
        "null",
        "~",
        "true",
        "False",
        "- a",
        "a: b",
        "#x",
        "王先生",
        "",
        " padded ",
        "多行\n文本",
    ]
)
_scalars = st.one_of(
    _text,
    _tricky,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
_keys = st.one_of(st.text(alphabet="abcdefghij_", min_size=1, max_size=8), st.sampled_from(["客户", "状态"]))
_documents = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, min_size=1, max_size=4)
    ),
    max_leaves=12,
).map(lambda value: {"root": value})


def _plain(value: Any) -> Any:
    """Compare Decimals by value and keep everything else as is."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@settings(max_examples=300, deadline=None)
@given(_documents)
def test_fast_loader_reads_what_round_trip_wrote(document: dict[str, Any]) -> None:
    text = dump_round_trip(document)
    fast = load_fast(text)
    assert _plain(fast) == _plain(document), text
    assert _plain(load_round_trip(text)) == _plain(fast), text
    for value in _leaves(fast):
        assert not isinstance(value, float), text


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_chinese_stays_readable() -> None:
    text = dump_round_trip({"title": "传真机有时无法接收传真", "customer": {"name": "王先生"}})
    assert "传真机有时无法接收传真" in text and "\\u" not in text


# --- JSON Schema ------------------------------------------------------------------------------


def test_case_schema_accepts_a_real_case_and_rejects_a_broken_one(repo: Any) -> None:
    case_id = repo.new("complaint", "--set", "category=product-quality")
    repo.ok("move", case_id, "assessing")
    config = load_config(repo.root)
    schema = case_schema(config)
    jsonschema.Draft202012Validator.check_schema(schema)
    case = load_fast(repo.case_path(case_id).read_bytes())
    as_json = json.loads(json.dumps(case, default=str))
    jsonschema.validate(as_json, schema)
    broken = dict(as_json, status="pondering")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    printed = json.loads(repo.ok("schema").out)
    assert printed == schema


def test_stored_instants_are_read_alike_however_the_file_quotes_them() -> None:
    from casekit.core.timeutil import stored_instant

    text = (
        "plain: 2026-11-23T10:05:00+08:00\nquoted: '2026-11-23T10:05:00+08:00'\nnaive: 2026-11-23T10:05:00\n"
    )
    expected = datetime(2026, 11, 23, 2, 5, tzinfo=UTC)
    for data in (load_fast(text.encode()), load_round_trip(text)):
        assert stored_instant(data["plain"]) == expected
        assert stored_instant(data["quoted"]) == expected  # ruamel reads a quoted scalar as a str subclass
        assert stored_instant(data["naive"]) is None  # a stored time carries its offset
    assert stored_instant(expected) == expected and stored_instant(12) is None
