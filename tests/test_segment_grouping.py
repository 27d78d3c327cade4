"""The portfolio and the segment overviews group customers as a pandas groupby would (hypothesis, inline oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.portfolio import portfolio
from klant_xl.tiers import segment_overview

keys = st.one_of(st.none(), st.sampled_from(["schoen", " schoen", "riem ", "", "  ", "Top", "Groot"]),
                 st.integers(0, 2), st.just(1.0), st.just(float("nan")))
amounts = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan")), st.just(0.1), st.just(0.2))
customers = st.lists(st.tuples(keys, st.integers(0, 4), amounts, st.sampled_from(["Actief", "Nieuw", "Inactief",
                                                                                  "Verloren"])),
                     min_size=0, max_size=30)


def frames(rows):
    index = pd.Index([f"k{i}" for i in range(len(rows))], name="Klant")
    summary = pd.DataFrame({"Eerste product": pd.array([r[0] for r in rows], dtype=object),
                            "Aankopen": [r[1] for r in rows], "Omzet": [r[2] for r in rows]}, index=index)
    status = pd.Series([r[3] for r in rows], index=index, dtype=object)
    return summary, status


def portfolio_by_groupby(summary, status):
    """The portfolio as one sorted pandas groupby of the buyers by their cleaned first product."""
    buyers = summary["Aankopen"] > 0
    key = summary["Eerste product"].astype(object).where(summary["Eerste product"].notna(), "(onbekend)")
    frame = pd.DataFrame({"key": [str(k).strip() or "(onbekend)" for k in key],
                          "repeat": (summary["Aankopen"] >= 2).astype(float).to_numpy(),
                          "lost": (status == "Verloren").astype(float).to_numpy(),
                          "revenue": summary["Omzet"].fillna(0.0).to_numpy()})[buyers.to_numpy()]
    grouped = frame.groupby("key", sort=True).agg(n=("repeat", "size"), repeat=("repeat", "mean"),
                                                  lost=("lost", "mean"), revenue=("revenue", "mean"))
    grouped = grouped.sort_values("n", ascending=False, kind="mergesort")
    return (list(grouped.index), grouped["n"].tolist(), grouped["repeat"].tolist(), grouped["lost"].tolist(),
            grouped["revenue"].tolist())


@settings(max_examples=300, deadline=None)
@given(customers)
def test_portfolio_groups_as_a_sorted_groupby(rows):
    summary, status = frames(rows)
    result = portfolio(None, summary, status)
    expected = portfolio_by_groupby(summary, status)
    assert list(result["Eerste product"]) == expected[0]
    assert result["Klanten"].tolist() == expected[1]
    assert result["Herhaalaankoopratio"].tolist() == expected[2]
    assert result["Aandeel verloren"].tolist() == expected[3]
    assert result["Gem. omzet"].tolist() == expected[4]  # the same compensated sums: equal to the last bit


@settings(max_examples=300, deadline=None)
@given(customers)
def test_segment_overview_counts_and_sums_as_a_groupby(rows):
    summary, _ = frames(rows)
    labels = pd.Series([r[0] if isinstance(r[0], str) or r[0] is None else str(r[0]) for r in rows],
                       index=summary.index, dtype=object, name="Segment")
    result = segment_overview(labels, summary, levels=["Top", "Groot"])
    frame = pd.DataFrame({"key": labels.to_numpy(), "Omzet": summary["Omzet"].fillna(0.0).to_numpy()})
    grouped = frame[frame["key"].notna()].groupby("key", sort=False).agg(n=("Omzet", "size"), omzet=("Omzet", "sum"))
    known = ["Top", "Groot"]  # levels asked for are shown also when empty
    others = grouped.drop(index=[k for k in known if k in grouped.index])
    order = known + list(others.sort_values("n", ascending=False, kind="mergesort").index)
    grouped = grouped.reindex(order).fillna(0.0)
    assert list(result["Segment"]) == order
    assert result["Klanten"].tolist() == [int(grouped.loc[k, "n"]) for k in order]
    assert result["Omzet"].tolist() == [float(grouped.loc[k, "omzet"]) for k in order]


def test_an_empty_customer_base_has_an_empty_portfolio():
    summary, status = frames([])
    result = portfolio(None, summary, status)
    assert result.empty
    assert list(result.columns) == ["Eerste product", "Klanten", "Herhaalaankoopratio", "Aandeel verloren",
                                    "Gem. omzet"]


def test_first_products_are_cleaned_once_per_value_and_grouped_by_hand():
    summary, status = frames([(" schoen", 2, 10.0, "Actief"), ("schoen", 1, 20.0, "Verloren"),
                              (None, 3, 5.0, "Actief"), ("riem", 0, 99.0, "Actief")])
    result = portfolio(None, summary, status)
    assert result.values.tolist() == [["schoen", 2, 0.5, 0.5, 15.0], ["(onbekend)", 1, 1.0, 0.0, 5.0]]
    assert np.issubdtype(result["Klanten"].dtype, np.integer)
