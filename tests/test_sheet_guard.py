"""The size guard's column scan (klant_xl.sheet_guard.max_reference_column) against its regex definition."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from klant_xl import sheet_guard


def by_regex(xml: bytes) -> int:
    """The definition, written out: the largest column of ' r="XYZ<digit>' (A = 1, AA = 27, XFD = 16384)."""
    best = 0
    for letters in re.findall(rb' r="([A-Z]{1,3})[0-9]', xml):
        number = 0
        for ch in letters.decode():
            number = number * 26 + ord(ch) - 64
        best = max(best, number)
    return best


PIECES = [b' r="', b"A", b"Z", b"X", b"F", b"D", b"AB", b"XFD", b"1", b"9", b"0", b'"', b" ", b"r", b"=", b"<c",
          b"/>", b"<row", b"x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60), st.integers(min_value=1, max_value=24))
def test_the_scan_finds_what_the_regex_finds(pieces, block):
    xml = b"".join(pieces)
    original = sheet_guard._SCAN_BYTES
    sheet_guard._SCAN_BYTES = block  # tiny blocks: references across block boundaries
    try:
        assert sheet_guard.max_reference_column(xml) == by_regex(xml)
    finally:
        sheet_guard._SCAN_BYTES = original


@pytest.mark.parametrize("xml, column", [
    (b"", 0),
    (b'<row r="5"><c r="E5"/></row>', 5),
    (b'<c r="XFD1048576" t="n"/>', 16384),
    (b' r="Z9', 26),  # at the very end of the bytes
    (b' r="ABCD1"', 0),  # four letters is no reference
    (b'<c r="AA2"/><c r="B3"/>', 27),
])
def test_hand_made_parts(xml, column):
    assert sheet_guard.max_reference_column(xml) == column


@pytest.mark.parametrize("stubbed", [False, True])
def test_a_part_that_unpacks_too_big_is_refused_before_it_is_read(tmp_path, monkeypatch, stubbed):
    from klant_xl.errors import WerkmapFout
    from klant_xl.excel import offline
    from klant_xl.excel.refresh import refresh_workbook
    from tests.excel_helpers import build_shop_workbook, digest

    book = build_shop_workbook(tmp_path, [("a", "2026-01-05", 10.0), ("b", "2026-02-10", 20.0)])
    before = digest(book)
    monkeypatch.setattr(sheet_guard, "MAX_PART_BYTES", 1_000)  # the limit, lowered: any sheet part is "too big"
    # stubbed: the part goes aside when the workbook is opened; else calamine reads it
    monkeypatch.setattr(offline, "STUB_MIN_BYTES", 0 if stubbed else 10**12)
    with pytest.raises(WerkmapFout) as refused:
        refresh_workbook(book)
    assert re.search(r"Blad '\w+' in 'winkel.xlsm' is uitgepakt 0.0 GB groot", str(refused.value))
    assert digest(book) == before
