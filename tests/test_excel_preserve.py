"""User columns kept per customer: the store logic on small frames computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from klant_xl.excel.preserve import add_user_columns, registry_rows, update_store, user_columns


def _store(rows):
    return pd.DataFrame(rows, columns=["Tabel", "Klant", "Kolom", "Waarde"])


OLD = pd.DataFrame({"Klant": ["A", "B", 1001.0], "Omzet": [1.0, 2.0, 3.0], "Notitie": ["x", None, "z"],
                    "Eigen": [None, "b", None]})


@pytest.mark.parametrize(
    "old, written, registry, tracking, expected",
    [
        (OLD, ["Klant", "Omzet"], None, ("Notitie",), ["Notitie", "Eigen"]),
        # a column klant_xl wrote last time and no longer writes is not the user's
        (OLD, ["Klant"], registry_rows("T", ["Klant", "Omzet"], []), ("Notitie",), ["Notitie", "Eigen"]),
        # table missing: recorded user columns are kept
        (None, ["Klant"], registry_rows("T", ["Klant"], ["Eigen"]), (), ["Eigen"]),
        # an empty column Excel added and named Kolom1 is ignored
        (OLD.assign(Kolom1=None), ["Klant", "Omzet"], None, ("Notitie",), ["Notitie", "Eigen"]),
    ],
)
def test_user_columns(old, written, registry, tracking, expected):
    assert user_columns("T", old, written, registry, tracking) == expected


def test_store_replaces_shown_customers_and_keeps_others():
    store = _store([("T", "A", "Notitie", "oud"), ("T", "C", "Notitie", "c blijft"), ("U", "A", "Notitie", "andere tabel"),
                    ("T", "B", "Notitie", "gewist door gebruiker")])
    new = update_store(store, "T", OLD, "Klant", ["Notitie", "Eigen"])
    got = {(r.Tabel, r.Klant, r.Kolom): r.Waarde for r in new.itertuples()}
    assert got == {
        ("T", "A", "Notitie"): "x",           # shown: the table's value wins
        ("T", "C", "Notitie"): "c blijft",    # not shown: kept
        ("U", "A", "Notitie"): "andere tabel",
        ("T", "B", "Eigen"): "b",
        ("T", "1001", "Notitie"): "z",        # 1001.0 read back from Excel is customer '1001'
    }                                         # B's Notitie was emptied in the table: deleted


def test_add_user_columns_puts_values_back_by_customer():
    store = _store([("T", "C", "Notitie", "terug"), ("T", "1001", "Eigen", 5)])
    frame = pd.DataFrame({"Klant": ["1001", "C", "D"], "Omzet": [1.0, 2.0, 3.0]})
    out = add_user_columns(frame, "T", "Klant", ["Notitie", "Eigen"], store)
    assert out["Notitie"].tolist() == [None, "terug", None]
    assert out["Eigen"].tolist() == [5, None, None]
