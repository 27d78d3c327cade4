"""Helpers for the workbook tests: read and edit workbook files with openpyxl, as a user would in Excel.

They import nothing from klant_xl, so the tests' expectations stay independent of the code under test.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.table import TableColumn

INPUT_SHEETS = ("Instellingen", "Transacties", "Contactmomenten")


def load(path, **kwargs):
    return openpyxl.load_workbook(path, keep_vba=str(path).endswith(".xlsm"), **kwargs)


def find_table(wb, name):
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name]
    raise KeyError(name)


def table_rows(path_or_wb, name):
    """Header + rows of an Excel table."""
    wb = path_or_wb if isinstance(path_or_wb, openpyxl.Workbook) else load(path_or_wb)
    ws, table = find_table(wb, name)
    c1, r1, c2, r2 = range_boundaries(table.ref)
    return [[c.value for c in row] for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2)]


def table_dicts(path_or_wb, name):
    rows = table_rows(path_or_wb, name)
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def set_table_rows(ws, table, rows):
    """Replace the data rows of a table (header kept), as pasting new data in Excel would."""
    c1, r1, c2, r2 = range_boundaries(table.ref)
    for r in range(r1 + 1, max(r2, r1 + len(rows)) + 1):
        for c in range(c1, c2 + 1):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.cell(r1 + 1 + i, c1 + j).value = value
    table.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r1 + max(len(rows), 1)}"


def add_table_column(ws, table, header, values_by_key, key_col=1):
    """Add a column at the right of a table and fill it per key (a user typing a column)."""
    c1, r1, c2, r2 = range_boundaries(table.ref)
    col = c2 + 1
    ws.cell(r1, col).value = header
    for r in range(r1 + 1, r2 + 1):
        key = ws.cell(r, c1 + key_col - 1).value
        if key in values_by_key:
            ws.cell(r, col).value = values_by_key[key]
    table.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(col)}{r2}"
    table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=header))
    table.autoFilter = None


def set_cell_in_table(ws, table, key, header, value):
    c1, r1, c2, r2 = range_boundaries(table.ref)
    headers = [ws.cell(r1, c).value for c in range(c1, c2 + 1)]
    col = c1 + headers.index(header)
    for r in range(r1 + 1, r2 + 1):
        if ws.cell(r, c1).value == key:
            ws.cell(r, col).value = value
            return
    raise KeyError(key)


def named_cell(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")]


def sheet_snapshot(wb, sheet):
    """Everything a user could see of a sheet: values/formulas, formats, tables, validations."""
    ws = wb[sheet]
    cells = {(c.coordinate): (c.value, c.number_format) for row in ws.iter_rows() for c in row
             if c.value is not None}
    tables = {name: ws.tables[name].ref for name in ws.tables}
    validations = sorted((str(v.sqref), v.formula1) for v in ws.data_validations.dataValidation)
    return cells, tables, validations


def inputs_snapshot(path):
    wb = load(path)
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    return {s: sheet_snapshot(wb, s) for s in INPUT_SHEETS}, names


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_shop_workbook(folder: Path, rows, name: str = "winkel.xlsm") -> Path:
    """A klant_xl workbook (template layout) for a small shop: ``rows`` of (Klant, Datum, Bedrag)."""
    import pandas as pd

    from klant_xl.excel.template import build_workbook
    from klant_xl.reading import read_transactions

    path = Path(folder) / name
    build_workbook(path, read_transactions(pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag"])))
    return path


def copy_to(source: Path, folder: Path) -> Path:
    """A fresh copy of ``source`` in ``folder`` (same file name), for a test that changes it."""
    path = Path(folder) / Path(source).name
    path.write_bytes(Path(source).read_bytes())
    return path


def shop_workbook_fixtures(rows):
    """The two fixtures of a module that tests one small shop's workbook: ``book_base`` (built once per
    module from ``rows``) and ``book`` (a fresh copy per test). Use ``book_base, book = shop_workbook_fixtures(SHOP)``."""
    import pytest

    @pytest.fixture(scope="module", name="book_base")
    def book_base(tmp_path_factory):
        return build_shop_workbook(tmp_path_factory.mktemp("book"), rows)

    @pytest.fixture(name="book")
    def book(book_base, tmp_path) -> Path:
        return copy_to(book_base, tmp_path)

    return book_base, book


def ole_streams(data: bytes) -> dict:
    """Every stream of a compound file (a ``vbaProject.bin``) by path, read with olefile (an
    independent reader)."""
    import olefile

    ole = olefile.OleFileIO(data)
    try:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    finally:
        ole.close()
