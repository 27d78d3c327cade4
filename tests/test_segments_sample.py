"""Segments on the bundled sample shop through the real core (summary, status, analyse):
the frames fit together, and a few cells are checked against pandas written inline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from klant_xl.analysis import analyse, segment_tables
from klant_xl.sample import sample_contacts, sample_transactions
from klant_xl.segments import (
    PYRAMID_LEVELS,
    cohort_churn,
    cohort_triangle,
    customer_segments,
    portfolio,
    segment_overview,
)


@pytest.fixture(scope="module")
def shop():
    tx, contacts = sample_transactions(), sample_contacts()
    return tx, contacts, analyse(tx, contacts)


def test_customer_segments_fit_the_summary(shop):
    tx, contacts, result = shop
    frame = customer_segments(tx, result.summary, result.status, result.reference_date)
    assert frame.index.equals(result.summary.index)
    assert not frame.isna().any().any()
    status = result.status
    for column in ("Piramide", "Niveau"):
        assert ((frame[column] == "Verloren") == (status == "Verloren")).all()
        assert ((frame[column] == "Inactief") == (status == "Inactief")).all()
    assert ((frame["Segment"] == "Verloren") == (status == "Verloren")).all()
    overview = segment_overview(frame["Piramide"], result.summary)
    assert overview["Piramide"].tolist() == list(PYRAMID_LEVELS)
    assert overview["Klanten"].sum() == len(result.summary)
    assert overview["Omzet"].sum() == pytest.approx(result.summary["Omzet"].sum())


def test_cohort_triangle_cells_against_pandas(shop):
    tx, contacts, result = shop
    peil, days = result.reference_date, result.inactive_days
    triangle = cohort_triangle(tx, peil, days, "Y", contacts)
    first = tx[tx["Bedrag"] >= 0].groupby("Klant")["Datum"].min()
    assert triangle["Cohort"].tolist() == [str(y) for y in sorted(first.dt.year.unique())]
    assert triangle["Klanten"].tolist() == first.dt.year.value_counts().sort_index().tolist()
    activity = pd.concat([tx[["Klant", "Datum"]], contacts[["Klant", "Datum"]]])
    for row, column in ((0, 1), (0, 3), (1, 2), (2, 0)):
        cohort = int(triangle.loc[row, "Cohort"])
        end = pd.Timestamp(cohort + column, 12, 31)
        members = first.index[first.dt.year == cohort]
        seen = activity[activity["Klant"].isin(members) & (activity["Datum"] <= end)]
        last = seen.groupby("Klant")["Datum"].max()
        expected = ((end - last).dt.days <= days).sum() / len(members)
        assert triangle.loc[row, column] == pytest.approx(expected), (cohort, column)
    # the peildatum is a year end, so the last value of each row is today's status
    active = result.status.isin(["Nieuw", "Actief"])
    cohort_of = first.dt.year.astype(str)
    for _, row in triangle.iterrows():
        last_value = row.drop(["Cohort", "Klanten"]).dropna().iloc[-1]
        members = cohort_of.index[cohort_of == row["Cohort"]]
        assert last_value == pytest.approx(active[members].mean())
    churn = cohort_churn(tx, peil, days, "Y", contacts)
    assert churn["Cohort"].tolist() == triangle["Cohort"].tolist()
    assert churn["Actief op peildatum"].to_numpy() == pytest.approx(
        [active[cohort_of.index[cohort_of == c]].mean() for c in churn["Cohort"]]
    )
    assert ((churn["Verloop per jaar"].dropna() >= 0) & (churn["Verloop per jaar"].dropna() <= 1)).all()


def test_portfolio_against_pandas(shop):
    tx, contacts, result = shop
    table = portfolio(tx, result.summary, result.status)
    summary = result.summary
    buyers = summary[summary["Aankopen"] > 0]
    assert table["Klanten"].sum() == len(buyers)
    for _, row in table.iterrows():
        group = buyers[buyers["Eerste product"] == row["Eerste product"]]
        assert row["Klanten"] == len(group)
        assert row["Herhaalaankoopratio"] == pytest.approx((group["Aankopen"] >= 2).mean())
        assert row["Aandeel verloren"] == pytest.approx((result.status[group.index] == "Verloren").mean())
        assert row["Gem. omzet"] == pytest.approx(group["Omzet"].mean())
    assert (np.diff(table["Klanten"].to_numpy()) <= 0).all()
    channels = portfolio(tx, summary, result.status, by="Kanaal")
    assert set(channels["Kanaal"]) <= set(tx["Kanaal"].dropna()) | {"(onbekend)"}


def test_segment_tables_for_the_sheet(shop):
    tx, contacts, result = shop
    tables = segment_tables(tx, result.summary, result.status, result.inactive_days, result.reference_date, contacts)
    assert set(tables) == {"customers", "segments", "pyramid", "tiers", "pareto", "cohorts", "cohort_churn", "portfolio", "rules"}
    assert list(tables["segments"].columns) == ["Segment", "Klanten", "Aandeel", "Omzet", "Aandeel omzet"]
    assert tables["segments"]["Klanten"].sum() == len(result.summary)
    assert tables["pyramid"]["Klanten"].tolist() == segment_overview(tables["customers"]["Piramide"], result.summary)["Klanten"].tolist()
    assert tables["cohorts"].equals(cohort_triangle(tx, result.reference_date, result.inactive_days, "Y", contacts))
    assert list(tables["rules"].columns) == ["R", "F=1", "F=2", "F=3", "F=4", "F=5"]
    assert len(tables["pareto"]) == 101
    # without amounts there is no Pareto curve, but the other tables are still there
    no_amounts = tx.assign(Bedrag=float("nan"))
    summary = result.summary.assign(Omzet=0.0)
    empty = segment_tables(no_amounts, summary, result.status, result.inactive_days, result.reference_date)
    assert empty["pareto"].empty and list(empty["pareto"].columns) == ["Aandeel klanten", "Aandeel omzet"]
    assert empty["tiers"]["Klanten"].sum() == len(summary)
