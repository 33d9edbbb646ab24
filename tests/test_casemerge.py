"""The merge driver's history merge, as a property: whatever two clones recorded on top of
a common history, the merge keeps every entry exactly once, in time order, and each
side's own order."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from casekit.core.change_rules import entry_key, split_history
from casekit.service.merge import merge_histories, merge_values


def _entries(prefix: str, minutes: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "at": f"2026-11-23T{10 + m // 60:02d}:{m % 60:02d}:00+08:00",
            "by": prefix,
            "action": "note",
            "note": f"{prefix}{i}",
        }
        for i, m in enumerate(sorted(minutes))
    ]


minutes = st.lists(st.integers(min_value=0, max_value=400), max_size=6)


@given(minutes, minutes, minutes)
def test_merged_history_keeps_every_entry_once_in_time_order(
    base_m: list[int], ours_m: list[int], theirs_m: list[int]
) -> None:
    base = _entries("b", base_m)
    last = max(base_m, default=0)
    ours = base + _entries("o", [last + m for m in ours_m])
    theirs = base + _entries("t", [last + m for m in theirs_m])
    order = merge_histories({"history": base}, {"history": ours}, {"history": theirs})
    merged = [(ours if side == "ours" else theirs)[position] for side, position in order]
    assert sorted(entry_key(e) for e in merged) == sorted(
        entry_key(e) for e in base + ours[len(base) :] + theirs[len(base) :]
    )
    times = [e["at"] for e in merged]
    assert times == sorted(times)
    for side in (ours, theirs):
        added, lost = split_history(side, merged)
        assert lost is None  # each side's entries are all there, in their own order
        assert len(added) == len(merged) - len(side)


def test_an_entry_one_side_removed_stays_removed() -> None:
    base = _entries("b", [0, 10])
    ours = base[:1] + _entries("o", [20])
    theirs = base + _entries("t", [30])
    order = merge_histories({"history": base}, {"history": ours}, {"history": theirs})
    merged = [(ours if side == "ours" else theirs)[position]["note"] for side, position in order]
    assert merged == ["b0", "o0", "t0"]


def test_values_merge_three_ways() -> None:
    base = {"priority": "medium", "fields": {"a": 1, "b": 2}, "links": ["X"]}
    ours = {"priority": "high", "fields": {"a": 1, "b": 3}, "links": ["X", "Y"]}
    theirs = {"priority": "medium", "fields": {"a": 5, "b": 4, "c": 6}, "links": ["Z"]}
    merged = merge_values(base, ours, theirs, prefer_theirs=True)
    assert merged == {"priority": "high", "fields": {"a": 5, "b": 4, "c": 6}, "links": ["Y", "Z"]}
    assert merge_values(base, ours, theirs, prefer_theirs=False)["fields"]["b"] == 3
