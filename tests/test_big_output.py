"""More customers than a sheet holds (SPEC §11): the workbook gets the customers that matter, with a
note, and the full Klanten table is written beside it as Parquet; inputs that do not fit are refused.

Excel's limit (1,048,575 data rows) is lowered for the test, so the cases stay small; the rules are
the same. Expected values are counted by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from klant_xl.errors import InvoerFout
from klant_xl.excel import layout, refresh, template
from klant_xl.excel.layout import fitting_customers
from klant_xl.settings import DEFAULTS
from tests.excel_helpers import load, table_dicts


def shop(customers: int) -> pd.DataFrame:
    """Customer k{i} buys i+1 euro on day i of 2025 and, for even i, again 200 days later (active)."""
    rows = []
    for i in range(customers):
        rows.append((f"k{i:03d}", pd.Timestamp("2025-01-01") + pd.Timedelta(days=i), float(i + 1)))
        if i % 2 == 0:
            rows.append((f"k{i:03d}", pd.Timestamp("2025-01-01") + pd.Timedelta(days=i + 200), 10.0))
    return pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag"])


def test_fitting_customers_keeps_the_winback_list_then_the_highest_value():
    table = pd.DataFrame({"Klant": ["a", "b", "c", "d", "e"], "Omzet": [50.0, 10.0, 40.0, 30.0, 20.0]})
    # the win-back list (b, e) first, then the highest revenue: a (50), c (40); in the table's order
    assert fitting_customers(table, pd.Series(["e", "b"]), 4)["Klant"].tolist() == ["a", "b", "c", "e"]
    assert fitting_customers(table, pd.Series(["e", "b"]), 5) is table  # it fits: untouched
    # CLV wins over revenue when the model gave one
    with_clv = table.assign(CLV=[1.0, 2.0, 3.0, 9.0, 5.0])
    assert fitting_customers(with_clv, pd.Series([], dtype=object), 2)["Klant"].tolist() == ["d", "e"]


def test_a_workbook_with_more_customers_than_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "SHEET_ROWS", 40)
    monkeypatch.setattr(refresh, "SHEET_ROWS", 40)  # the 90 transaction lines still fit (INPUT_ROWS)
    # peildatum = day 258 (k058's second purchase); with 90 / 10000 days the 30 odd customers (last
    # purchase on day <= 59) are Inactief and on the win-back list, the 30 even ones Actief
    settings = DEFAULTS.with_(inactive_days=90.0, lost_days=10000.0)
    path = tmp_path / "groot.xlsx"
    template.build_workbook(path, shop(60), settings=settings)
    klanten = table_dicts(path, "Klanten")
    winback = {r["Klant"] for r in table_dicts(path, "Winback")}
    assert winback == {f"k{i:03d}" for i in range(1, 60, 2)}
    # 40 rows: the 30 on the win-back list, then the 10 even customers with the highest revenue
    # (Omzet = i + 1 + 10: k058 .. k040); too few customers for the model, so no CLV
    assert {r["Klant"] for r in klanten} == winback | {f"k{i:03d}" for i in range(40, 60, 2)}
    note = load(path)["Klanten"]["A2"].value
    assert note.startswith("40 van de 60 klanten (Excel houdt 40 rijen in deze tabel)")
    assert "'<naam van de werkmap> - Klanten.parquet'" in note
    full = pd.read_parquet(tmp_path / "groot - Klanten.parquet")
    assert len(full) == 60 and sorted(full["Klant"]) == [f"k{i:03d}" for i in range(60)]
    by_customer = full.set_index("Klant")
    for row in klanten:
        assert row["Omzet"] == pytest.approx(by_customer.loc[row["Klant"], "Omzet"])
        assert row["Status"] == by_customer.loc[row["Klant"], "Status"]


def test_a_workbook_that_fits_writes_no_parquet(tmp_path):
    path = tmp_path / "klein.xlsx"
    template.build_workbook(path, shop(20))
    assert len(table_dicts(path, "Klanten")) == 20
    assert not (tmp_path / "klein - Klanten.parquet").exists()


def test_transactions_that_do_not_fit_are_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(template, "INPUT_ROWS", 10)
    path = tmp_path / "te-groot.xlsx"
    with pytest.raises(InvoerFout) as refused:
        template.build_workbook(path, shop(8))  # 8 customers, 12 lines (4 buy twice)
    assert str(refused.value).startswith("Transacties: 12 regels passen niet op een werkblad (Excel houdt er 10).")
    assert "--klanten" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_the_shop_has_the_counts_the_tests_assume():
    transactions = shop(8)
    assert len(transactions) == 12 and transactions["Klant"].nunique() == 8
    assert np.isclose(transactions["Bedrag"].sum(), sum(range(1, 9)) + 4 * 10.0)


def test_vernieuw_writes_the_full_table_beside_the_workbook_again(tmp_path, monkeypatch):
    for module in (layout, refresh):
        monkeypatch.setattr(module, "SHEET_ROWS", 40)
    path = tmp_path / "groot.xlsx"
    template.build_workbook(path, shop(60), settings=DEFAULTS.with_(inactive_days=90.0, lost_days=10000.0))
    beside = tmp_path / "groot - Klanten.parquet"
    beside.unlink()
    refresh.refresh_workbook(path, today=pd.Timestamp("2026-12-01"))
    assert len(pd.read_parquet(beside)) == 60
    assert len(table_dicts(path, "Klanten")) == 40
