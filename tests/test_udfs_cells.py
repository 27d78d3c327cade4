"""klant_xl.excel.cells: what each xlwings runtime delivers, normalised; tables out."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest

from klant_xl.errors import InvoerFout, WaardeFout
from klant_xl.excel import cells


class JsNull:  # Pyodide >= 0.28's sentinel for an empty cell (matched by type name)
    pass


@pytest.mark.parametrize(
    "raw, expected",
    [
        (5.0, [[5.0]]),  # one cell, both runtimes
        ([1.0, 2.0], [[1.0, 2.0]]),  # Office.js: one row arrives flat
        (((1.0,), (2.0,)), ((1.0,), (2.0,))),  # COM: tuple of row tuples
        ([], []),
    ],
)
def test_rows(raw, expected):
    assert cells.rows(raw) == expected


@pytest.mark.parametrize(
    "cell, expected",
    [
        (None, None),
        ("", None),
        (JsNull(), None),
        (" x ", " x "),  # text is left for the core to strip
        (dt.datetime(2026, 1, 31, tzinfo=dt.timezone.utc), dt.datetime(2026, 1, 31)),  # COM date cell
        (decimal.Decimal("9.95"), 9.95),  # COM currency cell
        (-2146826246, cells.ExcelFout("#N/B")),  # COM error cell
        ({"type": "Error", "basicValue": "#DIV/0!"}, cells.ExcelFout("#DEEL/0!")),  # Office.js error
        ({"type": "Error", "errorType": "Value"}, cells.ExcelFout("#WAARDE!")),
        ({"type": "FormattedNumber", "basicValue": 46053.0}, 46053.0),  # Office.js entity
        (True, True),
        (7, 7),
    ],
)
def test_one_cell_from_either_runtime(cell, expected):
    assert cells.column([[cell]], "x") == [expected]


def test_column_flags_error_cells_and_keeps_plain_columns_as_they_are():
    plain = [[1.0], [None], [2.5]]
    out = cells.column(plain, "Bedragen")
    assert out == [1.0, None, 2.5] and not out.has_errors and out.kinds == {float, type(None)}
    out = cells.column([["a"], [-2146826281]], "Klanten")
    assert out.has_errors and out[1] == cells.ExcelFout("#DEEL/0!")


def test_column_refuses_a_block():
    with pytest.raises(InvoerFout, match="Klanten moet één kolom zijn, niet 2 kolommen"):
        cells.column([[1.0, 2.0], [3.0, 4.0]], "Klanten")


def test_first_value():
    assert cells.first_value([[5.0]], "Start") == 5.0
    assert cells.first_value(None, "Start") is None
    with pytest.raises(InvoerFout, match="Start moet één waarde zijn, geen bereik van 2 cellen."):
        cells.first_value([[1.0], [2.0]], "Start")
    with pytest.raises(WaardeFout, match="Peildatum is een foutwaarde: #N/B"):
        cells.first_value(-2146826246, "Peildatum")


def test_transactions_skip_header_and_trailing_blanks_and_number_rows_from_2():
    klanten = [["Klantnummer"], ["a"], ["b"], [None], [None]]
    datums = [["Orderdatum"], [46053.0], ["31-01-2026"], [None], [None]]
    frame = cells.transactions(klanten, datums)
    assert frame["Klant"].tolist() == ["a", "b"]
    assert frame["Datum"].tolist() == [pd.Timestamp("2026-01-31")] * 2
    assert frame.index.tolist() == [2, 3]
    with pytest.raises(WaardeFout, match="Datum in rij 3 is geen datum: 'morgen'"):
        cells.transactions([["a"], ["b"]], [[46053.0], ["morgen"]])


def test_table_header_blanks_dates_and_plain_numbers():
    frame = pd.DataFrame(
        {
            "Datum": pd.to_datetime(["2026-01-31", None]),
            "Aantal": np.array([3, 4], dtype=np.int64),
            "Omzet": [1.5, np.nan],
            "Groei": [np.inf, 2.0],
            "Naam": ["a", pd.NA],
        },
        index=pd.Index(["x", "y"], name="Klant"),
    )
    out = cells.table(frame, index=True)
    assert out == [
        ["Klant", "Datum", "Aantal", "Omzet", "Groei", "Naam"],
        ["x", dt.datetime(2026, 1, 31), 3, 1.5, None, "a"],
        ["y", None, 4, None, 2.0, None],
    ]
    assert out.date_columns == (1,)
    assert all(type(v) in (str, float, int, dt.datetime, type(None)) for row in out for v in row)
    assert cells.table(frame.iloc[:0]) == [["Datum", "Aantal", "Omzet", "Groei", "Naam"]]


def test_excel_function_turns_errors_into_dutch_text_and_restores_gc():
    import gc

    @cells.excel_function
    def FOUT(x):
        """Doc."""
        if x == 1:
            raise WaardeFout("Datum", 7, "morgen", "geen datum")
        return 1 / x

    assert FOUT(1) == "Datum in rij 7 is geen datum: 'morgen'"
    assert FOUT(0) == "FOUT: onverwachte fout (ZeroDivisionError); controleer de invoer."
    assert FOUT(2) == 0.5
    assert gc.isenabled()
    assert FOUT.__doc__ == "Doc." and FOUT.__name__ == "FOUT"
