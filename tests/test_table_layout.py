"""Tables are laid out exactly as tabulate's "simple" format with wide characters, whether
casekit lays them out itself (the quick path) or hands them to tabulate."""

from __future__ import annotations

import tabulate
from hypothesis import given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth, wcwidth

from casekit.render.output import _simple_table, display_width, safe_text, table, truncate

ALPHABET = [
    *"aZ09 -_.:/@#()（）【】，。：；！？、“”…·—",
    *"传真机无法接收王先生女士退换货回访投诉调查中ｆｕｌｌ",
    "\u3000",  # ideographic space
    "é",
    "ñ",
    "Ω",
    "€",
    "°",
    "\u0301",  # combining acute accent
    "\t",
    "\n",
    "\x1b",
    "😀",
    "\u200b",  # zero width space
    "ﾊ",  # halfwidth katakana
    "가",
]
cell = st.text(alphabet=st.sampled_from(ALPHABET), max_size=12)


def reference(rows: list[list[str]], headers: list[str]) -> str:
    tabulate.WIDE_CHARS_MODE = True
    tabulate.PRESERVE_WHITESPACE = False
    return tabulate.tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


@settings(max_examples=600, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(cell.filter(lambda h: h == h.strip() and "\n" not in h), min_size=n, max_size=n),
            st.lists(st.lists(cell, min_size=n, max_size=n), max_size=6),
        )
    )
)
def test_tables_match_tabulate(data: tuple[list[str], list[list[str]]]) -> None:
    """Laid out as tabulate lays out the cells as shown: control characters (tabs and
    newlines too) written as escapes by `safe_text`."""
    headers, rows = data
    shown = [[safe_text(c) for c in row] for row in rows]
    assert table(rows, headers) == reference(shown, [safe_text(h) for h in headers])


def test_the_quick_path_is_taken_for_ordinary_rows() -> None:
    rows = [["C-20261123-7KQ3-XHD2", "投诉", "调查中", "传真机有时无法接收传真", "王先生", "2026-11-23"]]
    headers = ["ID", "Kind", "Status", "Title", "Customer", "Opened"]
    quick = _simple_table(rows, headers)
    assert quick is not None and quick == reference(rows, headers)
    assert _simple_table([["a\tb"]], ["x"]) is None  # tabs: tabulate decides


@settings(max_examples=400, deadline=None)
@given(cell.filter(lambda t: wcswidth(t) >= 0), st.integers(2, 12))
def test_widths_and_truncation_match_wcwidth(text: str, width: int) -> None:
    assert display_width(text) == wcswidth(text)
    cut = truncate(text, width)
    if wcswidth(text) <= width:
        assert cut == text
    else:
        expected, used = [], 0
        for char in text:
            w = max(wcwidth(char), 0)
            if used + w > width - 1:
                break
            expected.append(char)
            used += w
        assert cut == "".join(expected) + "…"
