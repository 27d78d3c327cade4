"""Win-back in the real workbook: tracking columns survive refreshes, outcomes from the sheet, opschonen.

Thresholds fixed at 90 (inactief) / 365 (verloren) days; the peildatum is the last date in the data,
moved forward by a filler customer E. By hand:

refresh  peildatum    A (last)        B (last 15-03-2026)  C (last 20-06-2026)
0        30-06-2026   01-02: 149 Ina  107 Inactief         10 Actief
1        30-09-2026   10-07: 82 Act   199 Inactief         102 Inactief
2        31-12-2026   10-07: 174 Ina  291 Inactief         194 Inactief
3        15-04-2027   10-07: 279 Ina  396 Verloren         299 Inactief
"""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from klant_xl.excel.purge import purge_workbook
from klant_xl.excel.refresh import refresh_workbook
from klant_xl.excel.template import build_workbook
from klant_xl.settings import DEFAULTS
from klant_xl.winback import measured_winback_rate, winback_outcomes

SETTINGS = DEFAULTS.with_(inactive_days=90, lost_days=365)
#: The data run into 2027; "today" lies after it, so no purchase date is a date in the future.
TODAY = dt.date(2027, 6, 1)


def _frame(rows, columns):
    frame = pd.DataFrame(rows, columns=columns)
    frame["Datum"] = pd.to_datetime(frame["Datum"])
    return frame


START = _frame([
    ("A", "2025-11-01", 40.0, "laarzen"), ("A", "2026-02-01", 60.0, "sokken"),
    ("B", "2025-12-01", 80.0, "pumps"), ("B", "2026-03-15", 20.0, "veters"),
    ("C", "2026-06-20", 55.0, "sneakers"),
    ("D", "2025-01-01", 30.0, "sandalen"),
    ("E", "2026-06-30", 10.0, "sokken"),
], ["Klant", "Datum", "Bedrag", "Product"])
ADDED = [
    [("A", dt.datetime(2026, 7, 10), 75.0, "laarzen"), ("E", dt.datetime(2026, 9, 30), 10.0, "sokken")],
    [("E", dt.datetime(2026, 12, 31), 10.0, "sokken")],
    [("E", dt.datetime(2027, 4, 15), 10.0, "sokken")],
]
TYPED = {
    "A": {"Benaderd op": dt.datetime(2026, 7, 1), "Kanaal": "telefoon", "Reden": "vergeten",
          "Notitie": "Belt terug na de vakantie"},
    "B": {"Reden": "ontevreden", "Resultaat": "geen interesse", "Notitie": "Klacht over levering"},
}


def table_frame(path, sheet, table):
    ws = load_workbook(path)[sheet]
    ref = ws.tables[table].ref
    rows = [list(r) for r in ws[ref.split(":")[0]:ref.split(":")[1]]]
    values = [[c.value for c in r] for r in rows]
    return pd.DataFrame(values[1:], columns=values[0], dtype=object)


def type_tracking(path, typed):
    wb = load_workbook(path, keep_vba=True)
    ws = wb["Winback"]
    table = ws.tables["Winback"]
    first, last = table.ref.split(":")
    top = ws[first].row
    headers = {ws.cell(top, c).value: c for c in range(ws[first].column, ws[last].column + 1)}
    for row in range(top + 1, ws[last].row + 1):
        key = ws.cell(row, headers["Klant"]).value
        for column, value in typed.get(key, {}).items():
            ws.cell(row, headers[column], value)
    wb.save(path)


def append_transactions(path, rows):
    wb = load_workbook(path, keep_vba=True)
    ws = wb["Transacties"]
    table = ws.tables["Transacties"]
    first, last = table.ref.split(":")
    end = ws[last].row
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            ws.cell(end + i, j, value)
    table.ref = f"{first}:{ws[last].column_letter}{end + len(rows)}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    wb.save(path)


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "klantanalyse.xlsm"
    build_workbook(path, START, None, settings=SETTINGS)
    lists = [table_frame(path, "Winback", "Winback")]
    type_tracking(path, TYPED)
    for rows in ADDED:
        append_transactions(path, rows)
        refresh_workbook(path, today=TODAY)
        lists.append(table_frame(path, "Winback", "Winback"))
    return path, lists


def tracking_of(frame, key):
    row = frame[frame["Klant"] == key]
    assert len(row) == 1, key
    values = {c: row.iloc[0][c] for c in ("Benaderd op", "Kanaal", "Reden", "Resultaat", "Notitie")}
    return {c: None if pd.isna(v) else v for c, v in values.items()}


def test_winback_sheet_lists_inactive_most_recent_first(refreshed):
    _, lists = refreshed
    assert lists[0]["Klant"].tolist() == ["B", "A"]
    assert lists[1]["Klant"].tolist() == ["C", "B"]
    assert lists[2]["Klant"].tolist() == ["A", "C", "B"]
    assert lists[3]["Klant"].tolist() == ["A", "C"]


def test_tracking_columns_survive_three_refreshes(refreshed):
    _, lists = refreshed
    typed_b = {"Benaderd op": None, "Kanaal": None, **TYPED["B"]}
    # refresh 1: A bought again (won back, out of the list); B keeps its notes; C is new and blank
    assert tracking_of(lists[1], "B") == typed_b
    assert all(v is None for v in tracking_of(lists[1], "C").values())
    # refresh 2: A is inactive again and gets its notes back
    assert tracking_of(lists[2], "A") == {**TYPED["A"], "Resultaat": None}
    assert tracking_of(lists[2], "B") == typed_b
    # refresh 3: B is lost and out of the list; A still has its notes
    assert tracking_of(lists[3], "A") == {**TYPED["A"], "Resultaat": None}


def test_outcomes_from_the_sheet(refreshed):
    path, lists = refreshed
    from klant_xl.reading import read_transactions

    transactions = read_transactions(table_frame(path, "Transacties", "Transacties"))
    outcomes = winback_outcomes(lists[2], transactions)
    # only A has a contact date; A bought on 10-07-2026, after the contact on 01-07-2026
    assert outcomes["Klant"].tolist() == ["A"]
    assert outcomes["Teruggewonnen"].tolist() == [True]
    assert outcomes["Datum terugkeer"].tolist() == [pd.Timestamp("2026-07-10")]
    assert outcomes["Omzet sinds contact"].tolist() == [75.0]
    assert measured_winback_rate(outcomes) == 1.0


def test_opschonen_on_the_template_keeps_vba_and_removes_notes(refreshed, tmp_path):
    path, _ = refreshed
    copy = tmp_path / "kopie.xlsm"
    copy.write_bytes(path.read_bytes())
    # D (last 01-01-2025) is lost; at peildatum 15-04-2027 with 2 years retention it is past the period
    result = purge_workbook(copy, 2, confirm=lambda m: True, today=dt.date(2027, 4, 16))
    assert result.written and result.customers == 1
    # (the Formules sheet's example tables show customers too; opschonen removes them there as well)
    assert {k: v for k, v in result.rows.items() if k != "Formules"} == {"Transacties": 1, "Klanten": 1}
    # 1 year: B (last 15-03-2026, lost) goes too, with the notes kept for it in the hidden store
    result = purge_workbook(copy, 1, confirm=lambda m: True, today=dt.date(2027, 4, 16))
    assert result.written and result.customers == 1
    assert {k: v for k, v in result.rows.items() if k != "Formules"} == {
        "Transacties": 2, "Klanten": 1, "_bewaard": 3}  # Reden, Resultaat, Notitie
    wb = load_workbook(copy, keep_vba=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert value not in ("B", "D"), (ws.title, row)
                assert "Klacht over levering" != value
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(copy) as after:
        assert before.read("xl/vbaProject.bin") == after.read("xl/vbaProject.bin")
        assert before.read("_rels/.rels") == after.read("_rels/.rels")
    log = table_like(wb["Opschoonlog"])
    assert len(log) == 2 and {r[1] for r in log} == {"verwijderen"}


def table_like(ws):
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
