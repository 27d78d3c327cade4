"""Big tables saved without openpyxl's cell writer (klant_xl.excel.stream): the saved sheets are
byte for byte what openpyxl writes itself, the workbook in memory is unchanged, and anything the
fast path cannot write exactly goes through openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.table import Table

from klant_xl.excel import splice, stream
from klant_xl.excel.files import save_openpyxl


def _book(rows, *, extra=None, fill_notes=True):
    wb = Workbook()
    ws = wb.active
    ws.title = "Klanten"
    ws["A1"] = "Titel boven de tabel"
    headers = ["Klant", "Datum", "Bedrag", "Aantal", "Actief", "Notitie"]
    for j, h in enumerate(headers, 1):
        ws.cell(3, j, h).font = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for i, row in enumerate(rows):
        for j, value in enumerate(row, 1):
            cell = ws.cell(4 + i, j, value)
            if j == 2:
                cell.number_format = "dd-mm-yyyy"
            elif j == 3:
                cell.number_format = "#,##0.00"
            elif j == 6 and fill_notes:
                cell.fill = fill  # an input column: styled also where empty
    ws.add_table(Table(displayName="Klanten", ref=f"A3:F{3 + max(len(rows), 1)}"))
    ws["A" + str(6 + len(rows))] = "onder de tabel"
    if extra:
        extra(ws)
    return wb


def _saved(wb) -> dict:
    out = io.BytesIO()
    save_openpyxl(wb, out)
    with zipfile.ZipFile(out) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _streamed(wb, tmp_path) -> tuple[dict, list]:
    path = tmp_path / "s.xlsx"
    taken = stream.take_big_tables(wb)
    try:
        save_openpyxl(wb, path)
        # as OfflineWorkbook.save does it: in the one rewrite of the package
        splice.splice_back(path, {}, set(), None, edit=lambda contents, parts: stream.insert_rows(contents, parts, taken))
    finally:
        stream.restore(wb, taken)
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}, taken


def _first_difference(a: bytes, b: bytes):
    i = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return a[max(i - 120, 0):i + 80], b[max(i - 120, 0):i + 80]


def _cells(wb):
    # the cells as stored (iter_rows would add cells, style_id would register styles)
    return {(ws.title, key): (c.value, c.data_type, tuple(c._style) if c._style else None)
            for ws in wb.worksheets for key, c in ws._cells.items()}


ROWS = [
    ["K1", dt.datetime(2024, 1, 5), 12.5, 3, True, None],
    [" K2 ", dt.date(2024, 2, 29), float("nan"), 0, False, "bel terug"],
    ["a & <b> > c", dt.datetime(2024, 3, 1, 13, 30), 1e-7, -4, True, ""],
    ["", None, None, None, None, "  "],
    ["Daniël", dt.datetime(1999, 12, 31), 1234567.891, 2**40, False, "x"],
]


@pytest.fixture
def low_threshold(monkeypatch):
    monkeypatch.setattr(stream, "STREAM_MIN_CELLS", 1)


def test_streamed_sheet_is_what_openpyxl_writes(low_threshold, tmp_path):
    rows = ROWS * 40
    plain = _saved(_book(rows))
    wb = _book(rows)
    before = _cells(wb)
    streamed, taken = _streamed(wb, tmp_path)
    assert [t.sheet for t in taken] == ["Klanten"] and len(taken[0].cells) == (len(rows) - 1) * 6
    for name in plain:
        assert streamed[name] == plain[name], (name, _first_difference(streamed[name], plain[name]))
    assert streamed.keys() == plain.keys()
    assert _cells(wb) == before  # the workbook in memory is as it was


def test_a_row_of_nothing_is_written_as_openpyxl_does(low_threshold, tmp_path):
    rows = ROWS * 3 + [["K9", None, None, None, None, None], [None] * 6, [None] * 6] + ROWS
    rows = [[None if isinstance(v, dt.date) else v for v in r] for r in rows]  # no styled date cells
    plain = _saved(_book(rows, fill_notes=False))
    streamed, taken = _streamed(_book(rows, fill_notes=False), tmp_path)
    assert taken and streamed == plain
    # and a row whose cells are all empty and unstyled: openpyxl writes an empty <row>
    wbs = []
    for _ in range(2):
        wb = Workbook()
        ws = wb.active
        ws.append(["Klant", "Notitie"])
        for i in range(30):
            ws.append([None, None] if i == 10 else [f"K{i}", i])
        ws.add_table(Table(displayName="T", ref="A1:B31"))
        wbs.append(wb)
    plain = _saved(wbs[0])
    streamed, taken = _streamed(wbs[1], tmp_path)
    assert taken and streamed == plain
    assert b'<row r="12"></row>' in plain["xl/worksheets/sheet1.xml"]


@pytest.mark.parametrize("spoil", [
    lambda ws: ws.cell(6, 1, "=SUM(C4:C5)"),  # a formula
    lambda ws: ws.cell(6, 1, "#N/A"),  # an error value
    lambda ws: ws.cell(6, 8, "ernaast"),  # a cell beside the table
    lambda ws: setattr(ws.row_dimensions[7], "height", 30),  # a row height
    lambda ws: setattr(ws.cell(8, 3), "number_format", "0%"),  # another style in the column
    lambda ws: ws.merge_cells("A9:B9"),
])
def test_what_the_fast_path_cannot_write_exactly_goes_through_openpyxl(low_threshold, tmp_path, spoil):
    rows = ROWS * 4
    plain = _saved(_book(rows, extra=spoil))
    streamed, taken = _streamed(_book(rows, extra=spoil), tmp_path)
    assert taken == []
    assert streamed == plain


def test_small_tables_are_left_to_openpyxl(tmp_path):
    wb = _book(ROWS)
    assert stream.take_big_tables(wb) == []


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(
    st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)),
    st.one_of(st.none(), st.dates(dt.date(1900, 3, 1), dt.date(2200, 1, 1))),
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**60, 2**60)),
    st.one_of(st.none(), st.booleans()),
), min_size=2, max_size=30))
def test_any_plain_values_stream_byte_for_byte(rows, tmp_path_factory):
    import unittest.mock

    rows = [[a, b, c, 1, d, None] for a, b, c, d in rows]
    rows = [[v for v in r] for r in rows if not (isinstance(r[0], str) and (r[0].startswith("=") or r[0].startswith("#")))]
    if len(rows) < 2:
        return
    with unittest.mock.patch.object(stream, "STREAM_MIN_CELLS", 1):
        plain = _saved(_book(rows))
        streamed, taken = _streamed(_book(rows), tmp_path_factory.mktemp("s"))
    assert streamed == plain


# --------------------------------------------------------------------------- tables klant_xl writes itself


def _written(frame, tmp_path, name, kinds=None, **options):
    """A sheet klant_xl renders from ``frame`` (OfflineWorkbook.write_sheet), saved; and the table read back."""
    from klant_xl.excel.offline import OfflineWorkbook
    from klant_xl.excel.spec import SheetSpec, TableBlock

    port = OfflineWorkbook()
    port.write_sheet(SheetSpec("Klanten", [TableBlock("Klanten", frame, row=3, kinds=kinds or {}, **options)]))
    read_back = port.read_table("Klanten")
    path = port.save(tmp_path / name)
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}, read_back, port


def _frame(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag", "Aantal", "Actief", "Notitie"])


KINDS = {"Datum": "date", "Bedrag": "money"}


_DATETIMES = [[dt.datetime(v.year, v.month, v.day) if type(v) is dt.date else v for v in r] for r in ROWS]


@pytest.mark.parametrize("rows", [
    _DATETIMES * 40,
    [[None if isinstance(v, dt.date) else v for v in r] for r in ROWS] * 40,
    _DATETIMES + [["K7", None, None, None, None, None]] * 99,
])
@pytest.mark.parametrize("options", [
    {},
    {"tracking": ("Notitie", "Aantal")},  # input columns: a fill on every row
    {"wrap": ("Notitie",), "tracking": ("Actief",)},  # wrapped text: every cell aligned
])
def test_a_table_klant_xl_writes_need_not_become_cells(low_threshold, tmp_path, monkeypatch, rows, options):
    deferred, read_deferred, port = _written(_frame(rows), tmp_path, "d.xlsx", KINDS, **options)
    ws = port.wb["Klanten"]
    assert stream.deferred_tables(ws) and max(r for r, _ in ws._cells) == 4  # header and probe row only
    monkeypatch.setattr(stream, "defer_table", lambda *args, **kwargs: False)
    cells, read_cells, port = _written(_frame(rows), tmp_path, "c.xlsx", KINDS, **options)
    assert max(r for r, _ in port.wb["Klanten"]._cells) == 3 + len(rows)
    assert deferred.keys() == cells.keys()
    for name in cells:
        assert deferred[name] == cells[name], (name, _first_difference(deferred[name], cells[name]))
    assert read_deferred.equals(read_cells) and len(read_cells) == len(rows)


@pytest.mark.parametrize("spoil", ["=SOM(A1)", "#N/A", "bel\x07 terug", "x" * 40000, dt.time(12, 30)])
def test_values_a_cell_would_change_make_cells(low_threshold, tmp_path, spoil):
    rows = _DATETIMES * 10
    rows[7] = [*rows[7][:5], spoil]
    try:
        _, _, port = _written(_frame(rows), tmp_path, "d.xlsx", KINDS)
    except Exception as exc:  # noqa: BLE001 - openpyxl refuses illegal characters, as it did before
        assert "\x07" in spoil and type(exc).__name__ == "IllegalCharacterError"
        return
    assert not stream.deferred_tables(port.wb["Klanten"])


@pytest.mark.parametrize("options", [{}, {"tracking": ("Datum",)}, {"wrap": ("Notitie",)}])
def test_a_date_in_a_general_column_makes_cells(low_threshold, tmp_path, options):
    # a date without a date format gets a style of its own per cell (also where the column has a fill)
    _, _, port = _written(_frame(_DATETIMES * 10), tmp_path, "d.xlsx", {"Datum": "text", "Bedrag": "money"}, **options)
    assert not stream.deferred_tables(port.wb["Klanten"])


def test_the_purge_gets_cells(low_threshold, tmp_path):
    from klant_xl.excel.offline import OfflineWorkbook
    from klant_xl.excel.spec import SheetSpec, TableBlock

    port = OfflineWorkbook(stub_big_sheets=False)
    port.write_sheet(SheetSpec("Klanten", [TableBlock("Klanten", _frame(_DATETIMES * 10), row=3, kinds=KINDS)]))
    assert not stream.deferred_tables(port.wb["Klanten"])


def test_kept_cells_are_restyled_in_their_tags_only():
    data = (b'<row r="2" s="3" customFormat="1"><c r="A2" s="3" t="inlineStr"><is><t>maat s="3" of s="12"</t></is></c>'
            b'<c r="B2" s="12"><v>1</v></c><c r="C2"><v>2</v></c></row>')
    assert splice._restyle(data, {3: 7, 12: 3}) == (
        b'<row r="2" s="7" customFormat="1"><c r="A2" s="7" t="inlineStr"><is><t>maat s="3" of s="12"</t></is></c>'
        b'<c r="B2" s="3"><v>1</v></c><c r="C2"><v>2</v></c></row>')
    assert splice._restyle(data, {3: 3, 12: 12}) is data


def test_restyling_the_kept_cells_of_a_big_sheet_is_the_same_by_both_ways():
    cells = b"".join(b'<row r="%d"><c r="A%d" s="5" t="inlineStr"><is><t>K%d</t></is></c><c r="B%d" s="7"><v>1</v></c>'
                     b'<c r="C%d" s="22"><v>2</v></c></row>' % (i, i, i, i, i) for i in range(2, 500))
    mapping = {5: 7, 7: 22, 22: 5}
    general = splice._STYLE_RE.sub(lambda m: m.group(1) + b'%d"' % mapping[int(m.group(2))], cells)
    assert splice._restyle(cells, mapping) == general  # the quick way: every s=" is a cell's
    odd = cells.replace(b"<t>K40</t>", b'<t>maat s="5"</t>')  # text that looks like a style
    assert splice._restyle(odd, mapping) == splice._STYLE_RE.sub(
        lambda m: m.group(1) + b'%d"' % mapping[int(m.group(2))], odd)
    assert b'<t>maat s="5"</t>' in splice._restyle(odd, mapping)


@settings(max_examples=300)
@given(values=st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**17, 10**17), st.floats(allow_nan=True),
                                 st.sampled_from(["", " x", "a ", '<b>&"', "K1", "1", "x\ty"]), st.text(max_size=5)),
                       min_size=1, max_size=40),
       styled=st.booleans())
def test_deferred_cells_are_the_xml_of_each_value_on_its_own(values, styled):
    # the coded fast path must write every cell as the value-by-value writer does
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

    from klant_xl.excel.stream import _deferred_tails

    one_by_one = []
    for value in values:  # oracle: each value formatted alone
        one_by_one.extend(stream_tails_alone([value], styled, CALENDAR_WINDOWS_1900))
    got = list(_deferred_tails(values, styled, CALENDAR_WINDOWS_1900, ' s="3"'))
    assert got == one_by_one or _same_but_signed_zero(got, one_by_one, values)


def stream_tails_alone(values, styled, epoch):
    from klant_xl.excel.stream import _tails_by_value

    return _tails_by_value(values, styled, epoch, ' s="3"')


def _same_but_signed_zero(got, expected, values):
    # -0.0 == 0.0 == 0: a column writes the first of them for all (as openpyxl's own dedup-free writer would
    # differ only in the sign of zero, which Excel shows as 0 either way); a boolean is never one of them
    return all(g == e or (type(v) in (float, int) and v == 0) for g, e, v in zip(got, expected, values))
