"""Cohort triangle and cohort churn on small cases computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from klant_xl.errors import KolomOntbreekt, WaardeFout
from klant_xl.segments import cohort_churn, cohort_triangle

PEIL = "2024-12-31"


def yearly_case():
    """Inactive after 365 days; peildatum 2024-12-31.

    a: 2022-03-01, 2023-02-01  -> cohort 2022; active at 2022-12-31 (305 d), 2023-12-31 (333 d),
                                  not at 2024-12-31 (699 d)
    b: 2022-06-01              -> cohort 2022; active 2022-12-31 only
    c: 2022-01-10, 2024-05-01  -> cohort 2022; active 2022-12-31 (355 d), not 2023-12-31
                                  (720 d), active again 2024-12-31 (244 d)
    d: 2023-05-05              -> cohort 2023; active 2023-12-31, not 2024-12-31 (606 d)
    e: 2023-07-01 + contact 2024-03-01 -> cohort 2023; active at both ends
    f: 2024-02-02              -> cohort 2024; active
    g: only a return (negative) -> no cohort
    h: first purchase after the peildatum -> ignored
    """
    tx = pd.DataFrame(
        {
            "Klant": ["a", "a", "b", "c", "c", "d", "e", "f", "g", "h"],
            "Datum": pd.to_datetime(
                ["2022-03-01", "2023-02-01", "2022-06-01", "2022-01-10", "2024-05-01",
                 "2023-05-05", "2023-07-01", "2024-02-02", "2023-01-01", "2025-01-05"]
            ),
            "Bedrag": [10.0, 20, 15, 5, 5, 40, 12, 8, -30, 99],
        }
    )
    contacts = pd.DataFrame({"Klant": ["e", "b"], "Datum": pd.to_datetime(["2024-03-01", "2025-02-01"]), "Soort": ["e-mail geopend"] * 2})
    return tx, contacts


def test_yearly_triangle_by_hand():
    tx, contacts = yearly_case()
    triangle = cohort_triangle(tx, PEIL, 365, "Y", contacts)
    assert list(triangle.columns) == ["Cohort", "Klanten", 0, 1, 2]
    assert triangle["Cohort"].tolist() == ["2022", "2023", "2024"]
    assert triangle["Klanten"].tolist() == [3, 2, 1]
    values = triangle[[0, 1, 2]].to_numpy()
    expected = np.array([[1.0, 1 / 3, 1 / 3], [1.0, 0.5, np.nan], [1.0, np.nan, np.nan]])
    np.testing.assert_allclose(values, expected)


def test_contacts_count_as_activity():
    tx, contacts = yearly_case()
    without = cohort_triangle(tx, PEIL, 365, "jaar")
    # without e's contact, e is not active at 2024-12-31 (549 days)
    assert without.loc[1, 1] == 0.0


def test_yearly_churn_by_hand():
    tx, contacts = yearly_case()
    churn = cohort_churn(tx, PEIL, 365, "Y", contacts)
    assert list(churn.columns) == ["Cohort", "Klanten", "Jaren", "Verloop per jaar", "Behoud per jaar", "Actief op peildatum"]
    # 2022: year 1: a, b, c active at the start, b and c lost; year 2: a active, a lost.
    #       pooled churn 3 / 4; at the peildatum only c is active.
    # 2023: one year: d and e active at the start, d lost -> 1 / 2.
    # 2024: no whole year yet.
    assert churn["Cohort"].tolist() == ["2022", "2023", "2024"]
    assert churn["Jaren"].tolist() == [2, 1, 0]
    np.testing.assert_allclose(churn["Verloop per jaar"], [0.75, 0.5, np.nan])
    np.testing.assert_allclose(churn["Behoud per jaar"], [0.25, 0.5, np.nan])
    np.testing.assert_allclose(churn["Actief op peildatum"], [1 / 3, 0.5, 1.0])


def test_quarterly_triangle_by_hand():
    # inactive after 60 days, peildatum 2024-05-15 (inside Q2, so Q2 is measured on 15 May)
    # p: 2024-01-10, 2024-04-20 -> 2024-K1; 31 Mar: 81 d (no), 15 May: 25 d (yes)
    # q: 2024-02-20             -> 2024-K1; 31 Mar: 40 d (yes), 15 May: 85 d (no)
    # r: 2023-12-15             -> 2023-K4; 31 Dec: 16 d (yes), then no
    tx = pd.DataFrame(
        {
            "Klant": ["p", "p", "q", "r"],
            "Datum": pd.to_datetime(["2024-01-10", "2024-04-20", "2024-02-20", "2023-12-15"]),
            "Bedrag": [1.0, 1.0, 1.0, 1.0],
        }
    )
    triangle = cohort_triangle(tx, "2024-05-15", 60, "kwartaal")
    assert triangle["Cohort"].tolist() == ["2023-K4", "2024-K1"]
    assert triangle["Klanten"].tolist() == [1, 2]
    np.testing.assert_allclose(triangle[[0, 1, 2]].to_numpy(), [[1.0, 0.0, 0.0], [0.5, 0.5, np.nan]])


def test_no_amount_column_and_threshold_edges():
    # without Bedrag every line is a purchase; exactly inactive_days after the activity still counts
    tx = pd.DataFrame({"Klant": ["x"], "Datum": pd.to_datetime(["2024-10-02"])})
    triangle = cohort_triangle(tx, "2024-12-31", 90, "Y")  # 90 days: active
    assert triangle.loc[0, 0] == 1.0
    assert cohort_triangle(tx, "2024-12-31", 89, "Y").loc[0, 0] == 0.0


def test_empty_and_errors():
    tx = pd.DataFrame({"Klant": ["x"], "Datum": pd.to_datetime(["2025-01-01"]), "Bedrag": [5.0]})
    assert cohort_triangle(tx, PEIL, 90).empty
    with pytest.raises(WaardeFout, match="Periode is geen 'jaar' of 'kwartaal': 'maand'"):
        cohort_triangle(tx, PEIL, 90, "maand")
    with pytest.raises(WaardeFout, match="Drempel inactief is geen aantal dagen: 'auto'"):
        cohort_triangle(tx, PEIL, "auto")
    with pytest.raises(KolomOntbreekt, match="Kolom 'Datum' ontbreekt"):
        cohort_churn(tx.drop(columns="Datum"), PEIL, 90)
