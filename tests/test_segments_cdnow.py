"""Segments on CDNOW master against pandas computations written inline.

The per-customer summary and the status are built here with plain pandas (the frames of
docs/architecture.md), and the oracle for each check is an independent pandas computation:
``pd.qcut`` quintiles, the SPEC §3 table written out, a sorted cumulative sum.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from klant_xl.analysis import segments_summary_json
from klant_xl.segments import customer_pyramid, pareto_share, rfm_segments

from .conftest import CDNOW

PEIL = pd.Timestamp("1998-06-30")
INACTIVE, LOST = 180, 365

SPEC_TABLE = {
    5: ["Nieuwe klanten", "Potentieel loyaal", "Potentieel loyaal", "Kampioenen", "Kampioenen"],
    4: ["Veelbelovend", "Potentieel loyaal", "Potentieel loyaal", "Loyale klanten", "Loyale klanten"],
    3: ["Bijna slapend", "Bijna slapend", "Aandacht nodig", "Loyale klanten", "Loyale klanten"],
    2: ["Slapend", "Slapend", "Risico", "Risico", "Niet kwijtraken"],
    1: ["Slapend", "Slapend", "Risico", "Risico", "Niet kwijtraken"],
}


@pytest.fixture(scope="module")
def cdnow():
    raw = pd.read_csv(CDNOW / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str})
    tx = pd.DataFrame(
        {
            "Klant": raw["customer_id"],
            "Datum": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "Bedrag": raw["dollar_value"].astype(float),
        }
    )
    occasions = tx.drop_duplicates(["Klant", "Datum"])
    grouped = tx.groupby("Klant")
    summary = pd.DataFrame(
        {
            "Aankopen": occasions.groupby("Klant").size(),
            "Omzet": grouped["Bedrag"].sum(),
            "Laatste aankoop": grouped["Datum"].max(),
        }
    ).sort_index()
    summary.index.name = "Klant"
    summary["Dagen sinds aankoop"] = (PEIL - summary["Laatste aankoop"]).dt.days.astype(float)
    days = summary["Dagen sinds aankoop"]
    status = pd.Series(
        np.where(days <= INACTIVE, "Actief", np.where(days <= LOST, "Inactief", "Verloren")),
        index=summary.index,
        name="Status",
    )
    # the published facts of SPEC §3, so the inline summary is the canonical one
    assert len(tx) == 69_659 and len(summary) == 23_570
    assert summary["Aankopen"].sum() == 67_591
    assert round((summary["Aankopen"] >= 2).mean(), 4) == 0.4886
    return tx, summary, status


def oracle_segments(summary, status):
    r = pd.qcut(summary["Dagen sinds aankoop"], 5, labels=[5, 4, 3, 2, 1]).astype(int)
    f = pd.qcut(summary["Aankopen"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    m = pd.qcut(summary["Omzet"], 5, labels=[1, 2, 3, 4, 5]).astype(int)
    segment = pd.Series([SPEC_TABLE[a][b - 1] for a, b in zip(r, f)], index=summary.index)
    segment[status == "Verloren"] = "Verloren"
    return r, f, m, segment


def oracle_pyramid_counts(tx, summary, status, cuts=(0.01, 0.05, 0.20)):
    window = tx[(tx["Datum"] > PEIL - pd.DateOffset(years=1)) & (tx["Datum"] <= PEIL)]
    active = summary[status == "Actief"].copy()
    active["recent"] = window.groupby("Klant")["Bedrag"].sum().reindex(active.index).fillna(0.0)
    n = len(active)
    bounds = [math.ceil(c * n - 1e-9) for c in cuts] + [n]
    sizes = np.diff([0, *bounds])
    counts = dict(zip(["Top", "Groot", "Midden", "Klein"], sizes.tolist()))
    order = active.reset_index().sort_values(["recent", "Omzet", "Klant"], ascending=[False, False, True])
    top = set(order["Klant"].iloc[: bounds[0]])
    counts["Inactief"] = int((status == "Inactief").sum())
    counts["Verloren"] = int((status == "Verloren").sum())
    return counts, top


def test_rfm_segment_counts_match_pandas(cdnow):
    tx, summary, status = cdnow
    result = rfm_segments(summary, status)
    r, f, m, segment = oracle_segments(summary, status)
    assert (result["R"] == r).all() and (result["F"] == f).all() and (result["M"] == m).all()
    assert result["Segment"].value_counts().to_dict() == segment.value_counts().to_dict()
    assert (result["Segment"] == segment).all()
    # without status: the plain R×F cells, counted as the written-out table says
    plain = rfm_segments(summary)["Segment"].value_counts().to_dict()
    expected = pd.Series([SPEC_TABLE[a][b - 1] for a, b in zip(r, f)]).value_counts().to_dict()
    assert plain == expected


def test_pareto_share_matches_pandas(cdnow):
    tx, summary, status = cdnow
    ordered = summary["Omzet"].clip(lower=0).sort_values(ascending=False)
    top = int(len(ordered) * 0.2)  # 4714: a whole number of customers
    assert top == 0.2 * len(ordered)
    expected = ordered.iloc[:top].sum() / ordered.sum()
    assert pareto_share(summary, 0.2) == pytest.approx(expected, rel=1e-12)
    assert 0.6 < expected < 0.7  # CDNOW: the top fifth brings about two thirds of revenue


def test_pyramid_counts_match_pandas(cdnow):
    tx, summary, status = cdnow
    pyramid = customer_pyramid(tx, summary, status)
    counts, top = oracle_pyramid_counts(tx, summary, status)
    got = pyramid.value_counts().to_dict()
    assert got == {k: v for k, v in counts.items() if v}
    assert set(pyramid.index[pyramid == "Top"]) == top


def test_summary_json_matches_pandas(cdnow):
    tx, summary, status = cdnow
    result = segments_summary_json(tx, summary, status)
    assert json.loads(json.dumps(result)) == result
    _, _, _, segment = oracle_segments(summary, status)
    assert {k: v for k, v in result["rfm_segmenten"].items()} == segment.value_counts().to_dict()
    counts, _ = oracle_pyramid_counts(tx, summary, status)
    assert result["piramide"] == counts
    tier_counts, _ = oracle_pyramid_counts(tx, summary, status, cuts=(0.2, 0.5))
    assert list(result["niveaus"].values()) == list(tier_counts.values())[:3] + [tier_counts["Inactief"], tier_counts["Verloren"]]
    ordered = summary["Omzet"].sort_values(ascending=False)
    assert result["pareto"]["aandeel_omzet"] == pytest.approx(ordered.iloc[:4714].sum() / ordered.sum())
    assert result["peildatum"] == "1998-06-30"


def test_cli_analyse_json_prints_segment_counts_and_pareto(cdnow, tmp_path, capsys):
    """`klant-xl analyse --json` on the CDNOW master export shows the same counts as plain pandas."""
    from klant_xl.cli import main

    tx, summary, status = cdnow
    export = tmp_path / "cdnow.csv"
    tx.assign(Datum=tx["Datum"].dt.strftime("%Y-%m-%d")).to_csv(export, index=False)
    code = main(["analyse", str(export), "--json", "--peildatum", "1998-06-30",
                 "--dagen-inactief", str(INACTIVE), "--dagen-verloren", str(LOST)])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    _, _, _, segment = oracle_segments(summary, status)
    assert result["segmenten"]["rfm_segmenten"] == segment.value_counts().to_dict()
    counts, _ = oracle_pyramid_counts(tx, summary, status)
    assert result["segmenten"]["piramide"] == counts
    ordered = summary["Omzet"].sort_values(ascending=False)
    assert result["segmenten"]["pareto"]["aandeel_omzet"] == pytest.approx(ordered.iloc[:4714].sum() / ordered.sum())
    assert result["klanten"] == 23_570
    assert result["herhaalaankoopratio"] == pytest.approx(0.4886, abs=5e-5)
