"""klant-xl opschonen removes a customer by the key the reader gives every row (found by an attack review).

Each workbook is built here with openpyxl: Transacties as a plain range under row 1, thresholds fixed
at 180 / 365 days, bewaartermijn 7 jaar. By hand, per case, which rows must go and which must stay.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook, load_workbook

from klant_xl.excel.purge import purge_workbook
from klant_xl.settings import DEFAULTS

D = dt.datetime
SETTINGS = DEFAULTS.with_(inactive_days=180, lost_days=365)
YES = lambda message: True  # noqa: E731 - the confirmation the command line's --ja gives


def _workbook(path: Path, headers, rows, extra=None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Transacties"
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    wb.create_sheet("Contactmomenten").append(["Klant", "Datum", "Soort"])
    if extra is not None:
        extra(wb)
    wb.save(path)
    return path


def _rows(path: Path, sheet="Transacties") -> list[tuple]:
    return [r for r in load_workbook(path)[sheet].iter_rows(min_row=2, values_only=True) if any(r)]


def _background(row, count=40) -> list[list]:
    """Customers buying every two months from 2012 to 2025 (dates as dense as a shop's): ``row(i, day)``."""
    return [row(i, D(2012, 1, 1) + dt.timedelta(days=61 * i)) for i in range(count)] + \
        [row(i, D(2025, 6, 1) + dt.timedelta(days=i)) for i in range(count)]


def test_a_customer_keyed_by_a_fallback_column_is_removed_from_the_transactions(tmp_path):
    # no Klant column: the reader keys 5001 by Klantnummer, the others by it as well; the purge looked for a
    # column named "Klantnummer / E-mail", removed nothing there and said "Klaar"
    rows = [[5001, None, D(2012, 3, 1), 50.0, "Levering naar Dorpsstraat 1"],
            [5001, None, D(2013, 3, 1), 60.0, "Levering naar Dorpsstraat 1"]]
    rows += _background(lambda i, day: [6000 + i, f"nieuw{i}@x.nl", day, 10.0, ""])
    path = _workbook(tmp_path / "w.xlsx", ["Klantnummer", "E-mail", "Datum", "Bedrag", "Opmerking"], rows)
    result = purge_workbook(path, 7, confirm=YES, today=dt.date(2025, 12, 31), settings=SETTINGS)
    assert result.written and result.customers == 1 and result.rows == {"Transacties": 2}
    left = _rows(path)
    assert 5001 not in {r[0] for r in left} and len(left) == 80
    assert not any("Dorpsstraat" in str(v) for r in left for v in r)


def test_a_customer_keyed_by_phone_is_removed_though_the_sheet_spells_the_number_otherwise(tmp_path):
    rows = [["+31 6 1234 5678", D(2012, 3, 1), 50.0], ["06-12345678", D(2013, 1, 1), 20.0]]
    rows += _background(lambda i, day: [f"06-99990{i:03d}", day, 10.0])
    path = _workbook(tmp_path / "w.xlsx", ["Telefoon", "Datum", "Bedrag"], rows)
    result = purge_workbook(path, 7, confirm=YES, today=dt.date(2025, 12, 31), settings=SETTINGS)
    assert result.written and result.customers == 1 and result.rows == {"Transacties": 2}
    assert {r[0] for r in _rows(path)} == {f"06-99990{i:03d}" for i in range(40)}


def test_the_lines_of_an_order_whose_customer_stands_on_its_first_row_go_with_it(tmp_path):
    rows = [["#1001", "oud@x.nl", D(2012, 3, 1), 50.0, "Schoen"], ["#1001", None, D(2012, 3, 1), None, "Veters"],
            ["#1001", None, D(2012, 3, 1), None, "Poetsmiddel"]]
    rows += _background(lambda i, day: [f"#{2000 + i}-{day:%y}", f"nieuw{i}@x.nl", day, 10.0, "Tas"])
    path = _workbook(tmp_path / "w.xlsx", ["Ordernummer", "E-mail", "Datum", "Bedrag", "Product"], rows)
    result = purge_workbook(path, 7, confirm=YES, today=dt.date(2025, 12, 31), settings=SETTINGS)
    assert result.rows == {"Transacties": 3}
    assert not any(r[0] == "#1001" for r in _rows(path))  # no orphaned "Veters" line of #1001


def test_a_customer_who_bought_after_the_peildatum_is_never_purged(tmp_path):
    # peildatum 31-12-2018 on the command line: K1 was lost then, but bought again in 2025
    rows = [["K1", D(2010, 3, 1), 50.0], ["K1", D(2025, 11, 1), 70.0], ["K2", D(2010, 3, 1), 20.0]]
    rows += [[f"N{i}", D(2018, 6, 1), 10.0] for i in range(5)]
    path = _workbook(tmp_path / "w.xlsx", ["Klant", "Datum", "Bedrag"], rows)
    result = purge_workbook(path, 7, confirm=YES, today=dt.date(2025, 12, 31), reference_date="2018-12-31",
                            settings=SETTINGS)
    assert result.customers == 1 and result.rows == {"Transacties": 1}  # K2 only
    assert [r[0] for r in _rows(path)].count("K1") == 2


def test_the_purge_uses_the_peildatum_the_refresh_uses_with_a_typo_in_the_future(tmp_path):
    # one order typed as 2033: the refresh warns and keeps the last ordinary date (31-12-2025) as the
    # peildatum; the purge took 2033 and removed customers active in 2025
    rows = [[f"K{i}", D(2025, 12, 31 - i % 20), 10.0] for i in range(30)] + [["K0", D(2033, 5, 4), 10.0]]
    rows += [["OUD", D(2016, 1, 1), 5.0]]
    path = _workbook(tmp_path / "w.xlsx", ["Klant", "Datum", "Bedrag"], rows)
    result = purge_workbook(path, 7, confirm=YES, today=dt.date(2026, 1, 5), settings=SETTINGS)
    assert result.customers == 1 and result.rows == {"Transacties": 1}  # only OUD: last activity 2016
    assert {r[0] for r in _rows(path)} == {f"K{i}" for i in range(30)}


def test_notes_beside_the_transactions_go_and_move_with_their_rows(tmp_path):
    # a note two columns right of the records stayed where it was while the rows moved up: it ended up
    # beside another customer
    rows = [["OUD", D(2012, 3, 1), 50.0, None, "rugklachten, wil geen post"]]
    rows += _background(lambda i, day: [f"K{i}", day, 10.0, None, f"notitie {i} {day:%Y}"])
    path = _workbook(tmp_path / "w.xlsx", ["Klant", "Datum", "Bedrag"], rows)
    purge_workbook(path, 7, confirm=YES, today=dt.date(2025, 12, 31), settings=SETTINGS)
    left = _rows(path)
    assert len(left) == 80 and all(r[4] == f"notitie {r[0][1:]} {r[1]:%Y}" for r in left)


def test_an_own_sheet_keyed_by_the_same_customer_number_is_purged_too(tmp_path):
    def complaints(wb):
        ws = wb.create_sheet("Klachten")
        ws.append(["Klantnummer", "Datum", "Klacht"])
        ws.append([5001, D(2012, 4, 1), "klant boos; woont naast de winkel"])
        ws.append([6001, D(2025, 6, 5), "te laat geleverd"])

    rows = [[5001, D(2012, 3, 1), 50.0]] + _background(lambda i, day: [6000 + i, day, 10.0])
    path = _workbook(tmp_path / "w.xlsx", ["Klantnummer", "Datum", "Bedrag"], rows, complaints)
    result = purge_workbook(path, 7, confirm=YES, today=dt.date(2025, 12, 31), settings=SETTINGS)
    assert result.rows == {"Transacties": 1, "Klachten": 1}
    assert _rows(path, "Klachten") == [(6001, D(2025, 6, 5), "te laat geleverd")]
