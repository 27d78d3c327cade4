"""RFM scores and rules, pyramid, tiers, Pareto, overview and portfolio on hand-made cases.

Every expected value below is computed by hand (the reasoning is in the comments); nothing is
taken from klant_xl itself.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from klant_xl.analysis import segments_summary_json
from klant_xl.errors import InvoerFout, KolomOntbreekt, TeWeinigGegevens, WaardeFout
from klant_xl.segments import (
    PYRAMID_LEVELS,
    RFM_RULES,
    TIER_LEVELS,
    customer_pyramid,
    customer_segments,
    customer_tiers,
    pareto_curve,
    pareto_share,
    portfolio,
    rfm_scores,
    rfm_segments,
    rules_from_table,
    rules_grid,
    segment_overview,
)

# SPEC §3, written out: rows R = 5..1, columns F = 1..5.
SPEC_TABLE = {
    5: ["Nieuwe klanten", "Potentieel loyaal", "Potentieel loyaal", "Kampioenen", "Kampioenen"],
    4: ["Veelbelovend", "Potentieel loyaal", "Potentieel loyaal", "Loyale klanten", "Loyale klanten"],
    3: ["Bijna slapend", "Bijna slapend", "Aandacht nodig", "Loyale klanten", "Loyale klanten"],
    2: ["Slapend", "Slapend", "Risico", "Risico", "Niet kwijtraken"],
    1: ["Slapend", "Slapend", "Risico", "Risico", "Niet kwijtraken"],
}


def make_summary(days, occasions, revenue, ids=None):
    ids = ids or [f"k{i:02d}" for i in range(1, len(days) + 1)]
    return pd.DataFrame(
        {"Dagen sinds aankoop": days, "Aankopen": occasions, "Omzet": revenue},
        index=pd.Index(ids, name="Klant"),
    ).astype({"Dagen sinds aankoop": float, "Omzet": float})


def grid_summary():
    """25 customers, one in each R×F cell: customer (r, f) with R = r and F = f by construction.

    Days: 25 distinct values, 5 per R group (smaller days for higher R); the quintile
    boundaries of 25 distinct values lie between the 5th/6th, 10th/11th, ... values.
    Aankopen: distinct 1..25, ordered by F group first, so F follows the group.
    """
    rows = []
    for r in (5, 4, 3, 2, 1):
        for f in (1, 2, 3, 4, 5):
            days = 100 * (5 - r) + 10 * f  # R=5: 10..50, R=4: 110..150, ...
            occasions = 5 * (f - 1) + r  # F=1: 1..5, F=2: 6..10, ...
            rows.append((f"r{r}f{f}", days, occasions, 10.0 * occasions))
    ids, days, occasions, revenue = zip(*rows)
    return make_summary(list(days), list(occasions), list(revenue), list(ids))


# --------------------------------------------------------------------------- rules table


def test_rules_table_is_the_spec_table():
    assert list(RFM_RULES.columns) == ["R", "F", "Segment"]
    assert len(RFM_RULES) == 25
    got = {(int(r), int(f)): s for r, f, s in RFM_RULES.itertuples(index=False)}
    want = {(r, f): SPEC_TABLE[r][f - 1] for r in SPEC_TABLE for f in range(1, 6)}
    assert got == want


def test_all_25_cells_map_as_spec():
    summary = grid_summary()
    result = rfm_segments(summary)
    for klant, row in result.iterrows():
        r, f = int(klant[1]), int(klant[3])
        assert (row["R"], row["F"]) == (r, f), klant
        assert row["Segment"] == SPEC_TABLE[r][f - 1], klant
    assert list(result.columns) == ["R", "F", "M", "RFM-score", "Segment"]


def test_lost_status_overrides_cell():
    summary = grid_summary()
    status = pd.Series("Actief", index=summary.index)
    status["r5f5"] = "Verloren"
    status["r1f1"] = "Inactief"
    result = rfm_segments(summary, status)
    assert result.loc["r5f5", "Segment"] == "Verloren"
    assert result.loc["r5f5", "R"] == 5  # scores are kept
    assert result.loc["r1f1", "Segment"] == "Slapend"
    assert result.loc["r4f4", "Segment"] == "Loyale klanten"


def test_edited_rules_change_the_result():
    summary = grid_summary()
    edited = RFM_RULES.copy()
    edited.loc[(edited["R"] == 5) & (edited["F"] >= 4), "Segment"] = "Toppers"
    result = rfm_segments(summary, rules=edited)
    assert result.loc["r5f5", "Segment"] == "Toppers"
    assert result.loc["r5f4", "Segment"] == "Toppers"
    assert result.loc["r4f5", "Segment"] == "Loyale klanten"
    assert (rfm_segments(summary)["Segment"] == "Kampioenen").sum() == 2
    assert (result["Segment"] == "Kampioenen").sum() == 0


def test_rules_with_ranges_and_sheet_rows():
    table = pd.DataFrame(
        {
            "r": ["4-5", "1 t/m 3", None, 3],
            "F ": ["*", "1,2", None, "3;4;5"],
            "Segment": ["Goed", "Zwak", None, " Midden "],
        },
        index=[5, 6, 7, 8],  # the sheet's row numbers
    )
    # R 1-2, F 3-5 are still missing
    with pytest.raises(InvoerFout, match=r"geen segment voor R=2 F=3, R=2 F=4, R=2 F=5, R=1 F=3, R=1 F=4 \(en nog 1\)"):
        rules_from_table(table)
    full = pd.concat([table, pd.DataFrame({"r": ["1-2"], "F ": ["3-5"], "Segment": ["Weg"]}, index=[9])])
    rules = rules_from_table(full)
    assert list(rules.columns) == ["R", "F", "Segment"] and len(rules) == 25
    cells = {(r, f): s for r, f, s in rules.itertuples(index=False)}
    assert cells[(5, 3)] == "Goed" and cells[(4, 1)] == "Goed"
    assert cells[(2, 2)] == "Zwak" and cells[(3, 5)] == "Midden" and cells[(1, 4)] == "Weg"
    assert rules.groupby("Segment").size().to_dict() == {"Goed": 10, "Midden": 3, "Weg": 6, "Zwak": 6}
    # a conflicting row names both sheet rows
    clash = pd.concat([full, pd.DataFrame({"r": [5], "F ": [5], "Segment": ["Top"]}, index=[12])])
    with pytest.raises(InvoerFout, match=r"R=5, F=5 staat in rij 5 \('Goed'\) en in rij 12 \('Top'\)"):
        rules_from_table(clash)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"R": 6}, r"R in rij 2 is geen score 1-5 .*: 6"),
        ({"F": "veel"}, r"F in rij 2 is geen score 1-5 .*'veel'"),
        ({"F": 2.5}, r"F in rij 2 is geen score"),
        ({"F": "3-1"}, r"F in rij 2 is geen score"),
        ({"Segment": "  "}, r"Segment in rij 2 is leeg"),
        ({"Segment": "Anders"}, r"R=5, F=1 staat in rij 2 \('Anders'\) en in rij 27 \('Nieuwe klanten'\)"),
    ],
)
def test_bad_rules_name_row_and_value(change, message):
    table = RFM_RULES.copy().astype(object)
    for column, value in change.items():
        table.loc[0, column] = value
    if "Segment" in change and change["Segment"] == "Anders":
        table = pd.concat([table, RFM_RULES.iloc[[0]]], ignore_index=True)
    with pytest.raises(InvoerFout, match=message):
        rules_from_table(table)


def test_rules_missing_column():
    with pytest.raises(KolomOntbreekt, match="Kolom 'Segment' ontbreekt"):
        rules_from_table(RFM_RULES[["R", "F"]])


# --------------------------------------------------------------------------- scores


def test_quintiles_by_hand_most_bought_once():
    # 10 customers in id order; 7 bought once.
    days = [0, 3, 7, 10, 30, 31, 60, 90, 120, 365]
    occasions = [1, 1, 1, 1, 1, 1, 1, 2, 3, 5]
    revenue = [10, 10, 10, 10, 10, 10, 20, 20, 20, 20]
    scores = rfm_scores(make_summary(days, occasions, revenue))
    # 10 distinct values: quintile boundaries at positions 1.8, 3.6, 5.4, 7.2 of the sorted
    # list, so two customers per score; fewest days = 5.
    assert scores["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # F: rank(method="first") gives the seven one-time buyers ranks 1..7 in id order, then
    # 8, 9, 10; two ranks per score, so one-time buyers spread over F = 1..4.
    assert scores["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # M: only two distinct values (six times 10, four times 20): the boundaries are
    # 10, 10, 14 (interpolated between the 6th and 7th value) and 20, so 10 is above none
    # (M = 1) and 20 is above three (M = 4); pd.qcut refuses these duplicate edges.
    assert scores["M"].tolist() == [1] * 6 + [4] * 4
    assert scores["RFM-score"].tolist() == [511, 511, 421, 421, 331, 331, 244, 244, 154, 154]
    with pytest.raises(ValueError):
        pd.qcut(pd.Series(revenue), 5, labels=False)


def test_scores_equal_qcut_when_it_works():
    rng = np.random.default_rng(5)
    days = rng.integers(0, 400, 37).astype(float)
    occasions = rng.integers(1, 6, 37)
    revenue = rng.gamma(2.0, 40.0, 37).round(2)
    summary = make_summary(list(days), list(occasions), list(revenue))
    scores = rfm_scores(summary)
    assert scores["R"].tolist() == pd.qcut(summary["Dagen sinds aankoop"], 5, labels=[5, 4, 3, 2, 1]).astype(int).tolist()
    ranks = summary["Aankopen"].rank(method="first")
    assert scores["F"].tolist() == pd.qcut(ranks, 5, labels=[1, 2, 3, 4, 5]).astype(int).tolist()
    assert scores["M"].tolist() == pd.qcut(summary["Omzet"], 5, labels=[1, 2, 3, 4, 5]).astype(int).tolist()


@pytest.mark.parametrize(
    "days, occasions, revenue, expected",
    [
        # one customer: all boundaries equal its values: R = 5, F = 1, M = 1
        ([12], [3], [50], [(5, 1, 1)]),
        # three customers: boundaries of (5, 10, 20) are 7, 9, 12, 16 -> 5 above none,
        # 10 above two, 20 above four; ranks (1, 2, 3) -> boundaries 1.4, 1.8, 2.2, 2.6.
        ([5, 10, 20], [2, 1, 4], [30, 20, 10], [(5, 3, 5), (3, 1, 3), (1, 5, 1)]),
        # two customers: ranks 1, 2 -> boundaries 1.2 .. 1.8, so 1 and 5
        ([40, 40], [1, 1], [10, 10], [(5, 1, 1), (5, 5, 1)]),
    ],
)
def test_scores_with_few_customers(days, occasions, revenue, expected):
    scores = rfm_scores(make_summary(days, occasions, revenue))
    assert list(zip(scores["R"], scores["F"], scores["M"])) == expected


def test_customer_without_purchase_scores_one():
    # k03 only returned goods: no purchase, negative revenue.
    summary = make_summary([10, 100, np.nan, 50], [2, 1, 0, 3], [40, 10, -25, 90])
    scores = rfm_scores(summary)
    assert scores.loc["k03"].tolist() == [1, 1, 1, 111]
    # the other three are scored among themselves: days 10, 50, 100 -> boundaries
    # 26, 42, 60, 80 -> R 5, 3, 1 for k01, k04, k02.
    assert scores.loc[["k01", "k04", "k02"], "R"].tolist() == [5, 3, 1]
    assert not scores.isna().any().any()
    segments = rfm_segments(summary)
    assert segments.loc["k03", "Segment"] == "Slapend"


def test_missing_column_is_named():
    with pytest.raises(KolomOntbreekt, match="Kolom 'Omzet' ontbreekt"):
        rfm_scores(pd.DataFrame({"Dagen sinds aankoop": [1.0], "Aankopen": [1]}))


# --------------------------------------------------------------------------- pyramid, tiers

PEIL = pd.Timestamp("2024-12-31")


def ranked_case(n_active: int):
    """n_active active customers a001.. with 12-month revenue n, n-1, ..., 1 (a001 highest),
    plus an inactive and a lost customer with large revenue."""
    ids = [f"a{i:03d}" for i in range(1, n_active + 1)] + ["z-inactief", "z-verloren"]
    tx = pd.DataFrame(
        {
            "Klant": ids,
            "Datum": [PEIL - pd.Timedelta(days=10)] * n_active + [pd.Timestamp("2024-03-01"), pd.Timestamp("2022-01-01")],
            "Bedrag": [float(n_active - i) for i in range(n_active)] + [5000.0, 9000.0],
        }
    )
    summary = pd.DataFrame({"Omzet": tx["Bedrag"].to_numpy()}, index=pd.Index(ids, name="Klant"))
    status = pd.Series(["Actief"] * n_active + ["Inactief", "Verloren"], index=summary.index, name="Status")
    status.iloc[1] = "Nieuw"  # Nieuw counts as active
    return tx, summary, status


@pytest.mark.parametrize(
    "n_active, counts",
    [
        # 100 active: ceil(1) = 1 top, ceil(5) = 5 -> 4 groot, ceil(20) = 20 -> 15 midden, 80 klein
        (100, {"Top": 1, "Groot": 4, "Midden": 15, "Klein": 80}),
        # 20 active: ceil(0.2) = 1 top, ceil(1.0) = 1 -> 0 groot, ceil(4) = 4 -> 3 midden
        (20, {"Top": 1, "Groot": 0, "Midden": 3, "Klein": 16}),
        # 250 active: ceil(2.5) = 3, ceil(12.5) = 13 -> 10, ceil(50) = 50 -> 37, 200 klein
        (250, {"Top": 3, "Groot": 10, "Midden": 37, "Klein": 200}),
    ],
)
def test_pyramid_counts_by_hand(n_active, counts):
    tx, summary, status = ranked_case(n_active)
    pyramid = customer_pyramid(tx, summary, status, PEIL)
    assert pyramid.name == "Piramide"
    got = pyramid.value_counts().to_dict()
    assert got == {**{k: v for k, v in counts.items() if v}, "Inactief": 1, "Verloren": 1}
    assert pyramid["a001"] == "Top"
    assert pyramid["z-verloren"] == "Verloren" and pyramid["z-inactief"] == "Inactief"
    # order: the best customers come first
    levels = [PYRAMID_LEVELS.index(v) for v in pyramid.iloc[:n_active]]
    assert levels == sorted(levels)


def test_tiers_counts_by_hand():
    tx, summary, status = ranked_case(20)
    tiers = customer_tiers(tx, summary, status, PEIL)
    assert tiers.name == "Niveau"
    # ceil(0.2*20) = 4 goud, ceil(0.5*20) = 10 -> 6 zilver, 10 brons
    assert tiers.value_counts().to_dict() == {"Goud": 4, "Zilver": 6, "Brons": 10, "Inactief": 1, "Verloren": 1}
    assert tiers.iloc[:4].eq("Goud").all() and tiers.iloc[4:10].eq("Zilver").all()
    custom = customer_tiers(tx, summary, status, PEIL, cuts="10%; 25%")  # 2 goud, 3 zilver
    assert custom.value_counts()[["Goud", "Zilver", "Brons"]].tolist() == [2, 3, 15]
    # the same cuts typed as plain numbers above 1, or with decimal commas
    assert customer_tiers(tx, summary, status, PEIL, cuts="10; 25").equals(custom)
    assert customer_tiers(tx, summary, status, PEIL, cuts=(10, 25)).equals(custom)
    assert customer_tiers(tx, summary, status, PEIL, cuts="0,1; 0,25").equals(custom)


def test_pyramid_uses_last_12_months_only():
    day = pd.Timedelta(days=1)
    tx = pd.DataFrame(
        {
            "Klant": ["oud", "oud", "nieuw", "retour", "retour", "laat"],
            "Datum": [PEIL - pd.DateOffset(years=1), PEIL - 3 * day, PEIL - pd.DateOffset(years=1) + day,
                      PEIL - 5 * day, PEIL - 4 * day, PEIL + day],
            # 'oud': 1000 exactly one year before (outside) + 10; 'nieuw': 50 one day inside;
            # 'retour': 80 - 60 = 20; 'laat': after the peildatum, so 0 in the window.
            "Bedrag": [1000.0, 10.0, 50.0, 80.0, -60.0, 500.0],
        }
    )
    ids = pd.Index(["laat", "nieuw", "oud", "retour"], name="Klant")
    summary = pd.DataFrame({"Omzet": [0.0, 50.0, 1010.0, 20.0]}, index=ids)
    status = pd.Series("Actief", index=ids)
    # ranking 'nieuw' 50 > 'retour' 20 > 'oud' 10 > 'laat' 0; cuts 25/50/75% -> one each
    pyramid = customer_pyramid(tx, summary, status, reference_date=PEIL, cuts=(0.25, 0.5, 0.75))
    assert pyramid.to_dict() == {"nieuw": "Top", "retour": "Groot", "oud": "Midden", "laat": "Klein"}


def test_pyramid_ties_broken_by_total_revenue_then_id():
    tx = pd.DataFrame({"Klant": ["b", "a", "c"], "Datum": [PEIL] * 3, "Bedrag": [10.0, 10.0, 10.0]})
    summary = pd.DataFrame({"Omzet": [10.0, 10.0, 99.0]}, index=pd.Index(["a", "b", "c"], name="Klant"))
    status = pd.Series("Actief", index=summary.index)
    pyramid = customer_pyramid(tx, summary, status, PEIL, cuts=(1 / 3, 2 / 3, 0.99))
    assert pyramid.to_dict() == {"c": "Top", "a": "Groot", "b": "Midden"}


@pytest.mark.parametrize(
    "cuts, message",
    [((0.05, 0.01, 0.2), "geen oplopende reeks"), ((0.01, 0.05), "geen lijst van 3 aandelen"),
     ((0.01, 0.05, 150), "geen percentage tussen 0% en 100%"), ((0.0, 0.05, 0.2), "geen oplopende reeks"), (("1%", "x", "20%"), "geen percentage: 'x'"), ("1; 5", "geen lijst van 3 aandelen")],
)
def test_bad_cuts(cuts, message):
    tx, summary, status = ranked_case(5)
    with pytest.raises(WaardeFout, match=message):
        customer_pyramid(tx, summary, status, PEIL, cuts=cuts)


def test_status_missing_for_a_customer():
    tx, summary, status = ranked_case(5)
    with pytest.raises(InvoerFout, match="Status ontbreekt voor klant 'a003'"):
        customer_pyramid(tx, summary, status.drop("a003"), PEIL)


def test_customer_segments_columns():
    tx, summary, status = ranked_case(20)
    summary["Dagen sinds aankoop"] = 10.0
    summary["Aankopen"] = 1
    frame = customer_segments(tx, summary, status, PEIL)
    assert list(frame.columns) == ["R", "F", "M", "RFM-score", "Segment", "Piramide", "Niveau"]
    assert frame.index.equals(summary.index)
    assert frame.loc["z-verloren", ["Segment", "Piramide", "Niveau"]].tolist() == ["Verloren"] * 3


# --------------------------------------------------------------------------- overview


def test_segment_overview_by_hand():
    summary = pd.DataFrame({"Omzet": [100.0, 60.0, 30.0, 10.0, 0.0]}, index=list("abcde"))
    segments = pd.DataFrame({"Segment": ["Kampioenen", "Kampioenen", "Risico", "Eigen", "Verloren"]}, index=list("abcde"))
    table = segment_overview(segments, summary)
    assert list(table.columns) == ["Segment", "Klanten", "Aandeel", "Omzet", "Aandeel omzet"]
    # standard names in SEGMENT_ORDER (empty ones left out), 'Eigen' (user-made) after them
    assert table["Segment"].tolist() == ["Kampioenen", "Risico", "Verloren", "Eigen"]
    assert table["Klanten"].tolist() == [2, 1, 1, 1]
    assert table["Aandeel"].tolist() == [0.4, 0.2, 0.2, 0.2]
    assert table["Omzet"].tolist() == [160.0, 30.0, 0.0, 10.0]
    assert table["Aandeel omzet"].tolist() == [0.8, 0.15, 0.0, 0.05]


def test_pyramid_overview_keeps_empty_levels():
    tx, summary, status = ranked_case(20)
    table = segment_overview(customer_pyramid(tx, summary, status, PEIL), summary)
    assert table.columns[0] == "Piramide"
    assert table["Piramide"].tolist() == list(PYRAMID_LEVELS)
    assert table["Klanten"].tolist() == [1, 0, 3, 16, 1, 1]
    # revenue: top = 20; midden = 19 + 18 + 17; klein = 16 + ... + 1 = 136; 5000 and 9000
    assert table["Omzet"].tolist() == [20.0, 0.0, 54.0, 136.0, 5000.0, 9000.0]
    assert table["Aandeel"].sum() == pytest.approx(1.0)
    tiers = segment_overview(customer_tiers(tx, summary, status, PEIL), summary)
    assert tiers["Niveau"].tolist() == list(TIER_LEVELS)


# --------------------------------------------------------------------------- Pareto


def test_pareto_by_hand():
    summary = pd.DataFrame({"Omzet": [5.0, 50, 0, 10, 20, 0, 5, 10, 0, -15]})
    # sorted: 50, 20, 10, 10, 5, 5, 0, 0, 0, 0 (the -15 counts as 0); total 100
    assert pareto_share(summary, 0.2) == pytest.approx(0.70)
    assert pareto_share(summary, "10%") == pytest.approx(0.50)
    assert pareto_share(summary, 0.15) == pytest.approx(0.60)  # half of the second customer
    assert pareto_share(summary, 0) == 0.0
    assert pareto_share(summary, 1) == pytest.approx(1.0)
    curve = pareto_curve(summary, points=11)
    assert list(curve.columns) == ["Aandeel klanten", "Aandeel omzet"]
    assert curve["Aandeel omzet"].round(10).tolist() == [0, 0.5, 0.7, 0.8, 0.9, 0.95, 1, 1, 1, 1, 1]
    assert len(pareto_curve(summary)) == 101
    assert pareto_curve(summary, [0.2, "50%"])["Aandeel omzet"].tolist() == pytest.approx([0.7, 0.95])


def test_pareto_without_revenue():
    with pytest.raises(TeWeinigGegevens, match="geen \\(positieve\\) omzet"):
        pareto_share(pd.DataFrame({"Omzet": [0.0, -3.0]}))
    with pytest.raises(WaardeFout):
        pareto_share(pd.DataFrame({"Omzet": [1.0]}), 150)
    assert pareto_share(pd.DataFrame({"Omzet": [3.0, 1.0]}), 50) == 0.75  # 50 means 50%


# --------------------------------------------------------------------------- portfolio


def test_portfolio_by_hand():
    ids = pd.Index(["c1", "c2", "c3", "c4", "c5", "c6", "c7"], name="Klant")
    summary = pd.DataFrame(
        {
            "Aankopen": [3, 1, 2, 1, 1, 1, 0],
            "Omzet": [300.0, 100.0, 50.0, 30.0, 20.0, 15.0, -10.0],
            "Eerste product": ["Schoenen", "Schoenen", "Tas", "Tas", "Tas", None, None],
        },
        index=ids,
    )
    status = pd.Series(["Actief", "Verloren", "Actief", "Verloren", "Verloren", "Inactief", "Verloren"], index=ids)
    table = portfolio(None, summary, status)
    assert list(table.columns) == ["Eerste product", "Klanten", "Herhaalaankoopratio", "Aandeel verloren", "Gem. omzet"]
    # c7 has no purchase and is left out; c6's product is unknown
    assert table["Eerste product"].tolist() == ["Tas", "Schoenen", "(onbekend)"]
    assert table["Klanten"].tolist() == [3, 2, 1]
    assert table["Herhaalaankoopratio"].tolist() == pytest.approx([1 / 3, 0.5, 0.0])
    assert table["Aandeel verloren"].tolist() == pytest.approx([2 / 3, 0.5, 0.0])
    assert table["Gem. omzet"].tolist() == pytest.approx([100 / 3, 200.0, 15.0])


def test_portfolio_by_transaction_column():
    tx = pd.DataFrame(
        {
            "Klant": ["a", "a", "b", "b", "c"],
            "Datum": pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-05", "2024-01-05", "2024-02-01"]),
            # a's first line is the return on 1 Jan (skipped), so its first purchase is in the shop;
            # b has two lines on its first day: the first in the file counts.
            "Bedrag": [20.0, -5.0, 10.0, 10.0, 30.0],
            "Kanaal": ["winkel", "web", "web", "winkel", "web"],
        }
    )
    ids = pd.Index(["a", "b", "c"], name="Klant")
    summary = pd.DataFrame({"Aankopen": [1, 1, 1], "Omzet": [15.0, 20.0, 30.0]}, index=ids)
    status = pd.Series(["Actief", "Verloren", "Actief"], index=ids)
    table = portfolio(tx, summary, status, by="Kanaal")
    assert table.values.tolist() == [["web", 2, 0.0, 0.5, 25.0], ["winkel", 1, 0.0, 0.0, 15.0]]
    with pytest.raises(KolomOntbreekt, match="Kolom 'Categorie' ontbreekt"):
        portfolio(tx, summary, status, by="Categorie")


# --------------------------------------------------------------------------- JSON


def test_segments_summary_json_small():
    tx, summary, status = ranked_case(20)
    summary["Dagen sinds aankoop"] = np.arange(len(summary), dtype=float)
    summary["Aankopen"] = 1
    result = segments_summary_json(tx, summary, status, PEIL)
    json.dumps(result)
    assert result["peildatum"] == "2024-12-31"
    assert result["piramide"] == {"Top": 1, "Groot": 0, "Midden": 3, "Klein": 16, "Inactief": 1, "Verloren": 1}
    assert result["niveaus"] == {"Goud": 4, "Zilver": 6, "Brons": 10, "Inactief": 1, "Verloren": 1}
    assert sum(result["rfm_segmenten"].values()) == 22
    assert result["rfm_segmenten"]["Verloren"] == 1
    # 22 customers, top 20% = 4.4: 9000 + 5000 + 20 + 19 + 0.4 * 18 of 14210
    assert result["pareto"] == {"aandeel_klanten": 0.2, "aandeel_omzet": pytest.approx(14046.2 / 14210)}


def test_rules_grid_round_trip_and_edit():
    grid = rules_grid()
    assert list(grid.columns) == ["R", "F=1", "F=2", "F=3", "F=4", "F=5"]
    assert grid["R"].tolist() == [5, 4, 3, 2, 1]
    assert grid.set_index("R").to_dict("index") == {
        r: {f"F={f}": SPEC_TABLE[r][f - 1] for f in range(1, 6)} for r in SPEC_TABLE
    }
    assert rules_from_table(grid).equals(RFM_RULES)
    # a user edits one cell of the grid on the sheet (headers as typed there)
    edited = grid.rename(columns={"F=1": "F 1", "F=2": "2"}).set_index(pd.Index([31, 32, 33, 34, 35]))
    edited.loc[35, "F=5"] = "Oude trouwe"
    result = rfm_segments(grid_summary(), rules=edited)
    assert result.loc["r1f5", "Segment"] == "Oude trouwe"
    assert result.loc["r2f5", "Segment"] == "Niet kwijtraken"
    edited.loc[33, "F=3"] = None
    with pytest.raises(WaardeFout, match="Segment in rij 33 is leeg"):
        rules_from_table(edited)


def test_few_customers_with_a_purchase_get_a_message_in_the_analysis():
    from klant_xl import analyse

    # 49 buyers (one customer only returned goods): the quintiles hold ten at most; 50 buyers: no message
    def messages(buyers):
        days = pd.date_range("2025-01-01", periods=buyers, freq="D")
        frame = pd.DataFrame({"Klant": [f"K{i:03d}" for i in range(buyers)] + ["R"],
                              "Datum": [*days, days[0]], "Bedrag": [10.0] * buyers + [-5.0]})
        return [m for m in analyse(frame).messages if "RFM" in m]

    assert messages(49) == ["Maar 49 klanten met een aankoop: de RFM-scores delen ze in vijf groepen van elk een "
                            "vijfde, dus de RFM-segmenten en de piramide zeggen pas iets vanaf 50 klanten."]
    assert messages(50) == []
