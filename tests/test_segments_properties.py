"""Invariants (hypothesis): segments cover every score, pyramid and tiers partition the
customers, Pareto shares lie in [0, 1] and rise, cohort shares lie in [0, 1]."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.segments import (
    PYRAMID_LEVELS,
    RFM_RULES,
    TIER_LEVELS,
    cohort_triangle,
    customer_pyramid,
    customer_tiers,
    pareto_curve,
    pareto_share,
    rfm_segments,
)

STATUSES = ["Nieuw", "Actief", "Inactief", "Verloren"]
PEIL = pd.Timestamp("2024-12-31")


@st.composite
def customers(draw, min_size=1, max_size=40):
    n = draw(st.integers(min_size, max_size))
    buyer = draw(st.lists(st.integers(0, 9).map(lambda v: v > 0), min_size=n, max_size=n))  # ~10% only returns
    days = draw(st.lists(st.integers(0, 800), min_size=n, max_size=n))
    occasions = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n))
    revenue = draw(st.lists(st.floats(-50, 5000, allow_nan=False).map(lambda x: round(x, 2)), min_size=n, max_size=n))
    status = draw(st.lists(st.sampled_from(STATUSES), min_size=n, max_size=n))
    ids = pd.Index([f"k{i:03d}" for i in range(n)], name="Klant")
    summary = pd.DataFrame(
        {
            "Dagen sinds aankoop": [float(d) if b else np.nan for d, b in zip(days, buyer)],
            "Aankopen": [o if b else 0 for o, b in zip(occasions, buyer)],
            "Omzet": revenue,
        },
        index=ids,
    )
    return summary, pd.Series(status, index=ids, name="Status")


@given(customers())
@settings(max_examples=150, deadline=None)
def test_segments_cover_every_score(case):
    summary, status = case
    result = rfm_segments(summary, status)
    assert result.index.equals(summary.index)
    for column in ("R", "F", "M"):
        assert result[column].between(1, 5).all()
    assert (result["RFM-score"] == 100 * result["R"] + 10 * result["F"] + result["M"]).all()
    lookup = {(r, f): s for r, f, s in RFM_RULES.itertuples(index=False)}
    for (r, f, segment), lost in zip(result[["R", "F", "Segment"]].itertuples(index=False), status == "Verloren"):
        assert segment == ("Verloren" if lost else lookup[(r, f)])
    # monotone among buyers: more revenue never a lower M, fewer days never a lower R,
    # more occasions never a lower F
    buyers = summary["Aankopen"] > 0
    s, r = summary[buyers], result[buyers]
    for value, score, sign in (("Omzet", "M", 1), ("Dagen sinds aankoop", "R", -1), ("Aankopen", "F", 1)):
        x, y = sign * s[value].to_numpy(), r[score].to_numpy()
        for i in range(len(x)):
            assert (y[x > x[i]] >= y[i]).all()
            if score != "F":  # F splits ties first-come (SPEC §3); R and M give ties one score
                assert (y[x == x[i]] == y[i]).all()
    # customers without a purchase score 1, 1, 1
    assert (result.loc[~buyers, "RFM-score"] == 111).all()


@st.composite
def ranked(draw):
    summary, status = draw(customers(max_size=60))
    n = len(summary)
    amounts = draw(st.lists(st.floats(-20, 2000, allow_nan=False), min_size=n, max_size=n))
    ages = draw(st.lists(st.integers(0, 700), min_size=n, max_size=n))
    tx = pd.DataFrame(
        {"Klant": summary.index.to_numpy(), "Datum": [PEIL - pd.Timedelta(days=a) for a in ages], "Bedrag": amounts}
    )
    low = draw(st.floats(0.01, 0.6))
    cuts = (low, draw(st.floats(low + 0.01, 0.8)), 0.95)
    return tx, summary, status, cuts


@given(ranked())
@settings(max_examples=150, deadline=None)
def test_pyramid_and_tiers_partition_the_customers(case):
    tx, summary, status, cuts = case
    for series, levels, cut in (
        (customer_pyramid(tx, summary, status, PEIL, cuts=cuts), PYRAMID_LEVELS, cuts),
        (customer_tiers(tx, summary, status, PEIL, cuts=cuts[:2]), TIER_LEVELS, cuts[:2]),
    ):
        assert series.index.equals(summary.index)
        assert series.isin(levels).all()
        assert ((series == "Verloren") == (status == "Verloren")).all()
        assert ((series == "Inactief") == (status == "Inactief")).all()
        active = status.isin(["Nieuw", "Actief"])
        n = int(active.sum())
        counts = series[active].value_counts()
        cumulative = 0
        for level, share in zip(levels, cut):
            cumulative += counts.get(level, 0)
            assert cumulative == min(n, math.ceil(share * n - 1e-9))
        # higher 12-month revenue never gets a lower level (sums that differ by summation noise only,
        # below 1e-9 relative, are ties: the engine keeps 40 significant bits of each sum)
        window = tx[(tx["Datum"] > PEIL - pd.DateOffset(years=1)) & (tx["Datum"] <= PEIL)]
        revenue = window.groupby("Klant")["Bedrag"].sum().reindex(summary.index).fillna(0.0)[active]
        rank = series[active].map(levels.index)
        for i in revenue.index:
            for j in revenue.index:
                if revenue[i] - revenue[j] > 1e-9 * max(1.0, abs(revenue[i]), abs(revenue[j])):
                    assert rank[i] <= rank[j]


@given(st.lists(st.floats(-100, 1e6, allow_nan=False), min_size=1, max_size=80), st.lists(st.floats(0, 1), min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_pareto_shares_in_unit_interval_and_monotone(revenue, shares):
    summary = pd.DataFrame({"Omzet": revenue})
    if sum(max(r, 0) for r in revenue) <= 0:
        return
    curve = pareto_curve(summary, points=21)
    values = curve["Aandeel omzet"].to_numpy()
    assert ((values >= 0) & (values <= 1)).all()
    assert (np.diff(values) >= -1e-12).all()
    assert values[0] == 0 and values[-1] == 1
    # the top x% never holds less than x% of the revenue
    assert (values >= curve["Aandeel klanten"].to_numpy() - 1e-9).all()
    got = [pareto_share(summary, s) for s in sorted(shares)]
    assert all(0 <= g <= 1 for g in got)
    assert all(b >= a - 1e-12 for a, b in zip(got, got[1:]))


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1500), st.floats(-20, 100, allow_nan=False)), min_size=1, max_size=40),
    st.integers(1, 400),
    st.sampled_from(["Y", "Q"]),
)
@settings(max_examples=100, deadline=None)
def test_cohort_shares_in_unit_interval(rows, inactive_days, period):
    tx = pd.DataFrame(
        {
            "Klant": [f"c{k}" for k, _, _ in rows],
            "Datum": [PEIL - pd.Timedelta(days=d) for _, d, _ in rows],
            "Bedrag": [b for _, _, b in rows],
        }
    )
    triangle = cohort_triangle(tx, PEIL, inactive_days, period)
    buyers = tx.loc[tx["Bedrag"] >= 0, "Klant"].nunique()
    assert triangle["Klanten"].sum() == buyers
    values = triangle.drop(columns=["Cohort", "Klanten"]).to_numpy(dtype=float)
    finite = values[~np.isnan(values)]
    assert ((finite >= 0) & (finite <= 1)).all()
    # triangle shape: row i (oldest first) has values in its first (columns - offset) cells
    if len(triangle):
        assert not np.isnan(values[:, 0]).any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c", "K2", "K10", "é", "Z"]),
                          st.sampled_from([0.0, -0.0, 5.0, 12.5, float("nan")]),
                          st.sampled_from([0.0, 3.0, 12.5, 40.0])),
                min_size=1, max_size=7, unique_by=lambda row: row[0]))
def test_the_pyramid_ranks_by_recent_then_total_revenue_then_id(rows):
    # inline oracle: Python's sort on (recent desc, total desc, id), a missing recent revenue last
    from klant_xl.tiers import _ranked_positions  # noqa: PLC2701 - the ranking itself

    ids = [r[0] for r in rows]
    summary = pd.DataFrame({"Omzet": [r[2] for r in rows]}, index=pd.Index(ids, dtype=object))
    recent = pd.Series([r[1] for r in rows], index=summary.index)

    class Engine:  # what _recent_revenue asks of the transactions
        def recent_revenue(self, index):
            return recent.reindex(index)

    import klant_xl.tiers as tiers

    expected = sorted(range(len(rows)), key=lambda i: (math.isnan(rows[i][1]), -rows[i][1] if not math.isnan(rows[i][1]) else 0,
                                                       -rows[i][2], ids[i]))
    original = tiers.engine_for
    tiers.engine_for = lambda transactions, reference_date: Engine()
    try:
        got = _ranked_positions(None, summary, None, np.ones(len(rows), bool))
    finally:
        tiers.engine_for = original
    assert got.tolist() == expected
