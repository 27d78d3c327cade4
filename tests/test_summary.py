"""Per-customer summary on a hand-made case, on CDNOW, and against a naive groupby."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.errors import KolomOntbreekt
from klant_xl.summary import SUMMARY_COLUMNS, customer_summary, purchase_occasions, summary_reference_date

CDNOW_MASTER = Path(__file__).parent / "data" / "cdnow" / "CDNOW_master.txt"


def frame(rows):
    out = pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag", "Product"])
    out["Datum"] = pd.to_datetime(out["Datum"])
    return out


HAND = frame(
    [
        ("a", "2026-01-01", 10.0, "schoen"),
        ("a", "2026-01-01", 5.0, "riem"),  # same day: one occasion
        ("a", "2026-01-11", 20.0, "tas"),
        ("a", "2026-01-15", -20.0, "tas"),  # return only: activity, no purchase
        ("a", "2026-02-10", 30.0, "schoen"),
        ("b", "2026-01-21", 7.5, "riem"),
        ("c", "2026-01-05", -3.0, "tas"),  # only a return
        ("d", "2026-03-01", 99.0, "tas"),  # after the peildatum: ignored
    ]
)


def test_hand_made_case():
    summary = customer_summary(HAND, "2026-02-20")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary.index.tolist() == ["a", "b", "c"]
    assert summary_reference_date(summary) == pd.Timestamp("2026-02-20")
    a, b, c = (summary.loc[k] for k in "abc")
    # a: occasions on 01-01, 01-11, 02-10 -> gaps 10 and 30
    assert a["Aankopen"] == 3
    assert a["Omzet"] == 45.0
    assert a["Gem. bestelwaarde"] == 15.0
    assert a["Eerste aankoop"] == pd.Timestamp("2026-01-01")
    assert a["Laatste aankoop"] == pd.Timestamp("2026-02-10")
    assert a["Dagen sinds aankoop"] == 10
    assert a["Gem. dagen tussen aankopen"] == 20.0
    assert a["Mediaan dagen tussen aankopen"] == 20.0
    assert a["Laatste activiteit"] == pd.Timestamp("2026-02-10")
    assert a["Eerste product"] == "schoen" and a["Laatste product"] == "schoen"
    assert b["Aankopen"] == 1 and np.isnan(b["Gem. dagen tussen aankopen"]) and b["Dagen sinds activiteit"] == 30
    assert c["Aankopen"] == 0 and pd.isna(c["Eerste aankoop"]) and c["Omzet"] == -3.0
    assert c["Laatste activiteit"] == pd.Timestamp("2026-01-05") and c["Dagen sinds activiteit"] == 46


def test_contacts_count_as_activity_only_for_customers():
    contacts = pd.DataFrame(
        {"Klant": ["b", "zz"], "Datum": pd.to_datetime(["2026-02-15", "2026-02-16"]), "Soort": ["e-mail geopend"] * 2}
    )
    summary = customer_summary(HAND, "2026-02-20", contacts)
    assert summary.loc["b", "Laatste activiteit"] == pd.Timestamp("2026-02-15")
    assert summary.loc["b", "Dagen sinds activiteit"] == 5
    assert summary.loc["b", "Dagen sinds aankoop"] == 30
    assert "zz" not in summary.index


def test_default_reference_date_is_last_date_in_data():
    assert summary_reference_date(customer_summary(HAND)) == pd.Timestamp("2026-03-01")


def test_missing_column_is_named():
    with pytest.raises(KolomOntbreekt, match="Kolom 'Datum' ontbreekt"):
        customer_summary(pd.DataFrame({"Klant": ["a"]}))


def test_median_gap_even_and_odd_counts():
    tx = frame([("x", d, 1.0, None) for d in ["2026-01-01", "2026-01-02", "2026-01-05", "2026-01-15", "2026-02-14"]])
    # gaps 1, 3, 10, 30 -> median 6.5
    assert customer_summary(tx).loc["x", "Mediaan dagen tussen aankopen"] == 6.5


@pytest.fixture(scope="module")
def cdnow():
    raw = pd.read_csv(CDNOW_MASTER, sep=r"\s+", dtype={"customer_id": str})
    return pd.DataFrame(
        {
            "Klant": raw["customer_id"],
            "Datum": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "Bedrag": raw["dollar_value"].astype(float),
        }
    )


def test_cdnow_anchors(cdnow):
    summary = customer_summary(cdnow)
    assert len(cdnow) == 69_659
    assert len(summary) == 23_570
    assert summary["Aankopen"].sum() == 67_591
    assert round((summary["Aankopen"] >= 2).mean(), 4) == 0.4886
    assert summary_reference_date(summary) == pd.Timestamp("1998-06-30")


def test_cdnow_matches_plain_pandas(cdnow):
    summary = customer_summary(cdnow, "1998-06-30")
    # oracle: straightforward pandas, nothing from klant_xl
    occ = cdnow[cdnow["Bedrag"] >= 0].drop_duplicates(["Klant", "Datum"]).sort_values(["Klant", "Datum"])
    grouped = occ.groupby("Klant")["Datum"]
    gaps = grouped.diff().dt.days
    expected = pd.DataFrame(
        {
            "n": grouped.size(),
            "first": grouped.min(),
            "last": grouped.max(),
            "revenue": cdnow.groupby("Klant")["Bedrag"].sum(),
            "median_gap": gaps.groupby(occ["Klant"]).median(),
            "mean_gap": gaps.groupby(occ["Klant"]).mean(),
        }
    )
    expected["recency"] = (pd.Timestamp("1998-06-30") - expected["last"]).dt.days
    expected = expected.loc[summary.index]
    assert (summary["Aankopen"].to_numpy() == expected["n"].to_numpy()).all()
    assert (summary["Eerste aankoop"] == expected["first"]).all()
    assert (summary["Dagen sinds aankoop"].to_numpy() == expected["recency"].to_numpy()).all()
    np.testing.assert_allclose(summary["Omzet"], expected["revenue"], rtol=1e-9)
    np.testing.assert_allclose(summary["Mediaan dagen tussen aankopen"], expected["median_gap"], equal_nan=True)
    np.testing.assert_allclose(summary["Gem. dagen tussen aankopen"], expected["mean_gap"], equal_nan=True)


def test_purchase_occasions_counts_days_not_lines():
    occasions = purchase_occasions(HAND, "2026-02-20")
    assert occasions.groupby("Klant").size().to_dict() == {"a": 3, "b": 1}


lines = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "17"]),
        st.integers(0, 60),
        st.one_of(st.floats(-50, 200, allow_nan=False).map(lambda x: round(x, 2)), st.just(0.0)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(lines)
def test_summary_matches_naive_groupby(rows):
    tx = pd.DataFrame(rows, columns=["Klant", "dag", "Bedrag"])
    tx["Datum"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(tx["dag"], unit="D")
    reference = pd.Timestamp("2026-03-15")
    summary = customer_summary(tx[["Klant", "Datum", "Bedrag"]], reference)
    for customer, group in tx.groupby("Klant"):
        bought = group[group["Bedrag"] >= 0]
        days = sorted(set(bought["dag"]))
        row = summary.loc[customer]
        assert row["Aankopen"] == len(days)
        assert row["Omzet"] == pytest.approx(group["Bedrag"].sum())
        assert row["Dagen sinds activiteit"] == (reference - pd.Timestamp("2026-01-01")).days - group["dag"].max()
        if len(days) >= 2:
            assert row["Mediaan dagen tussen aankopen"] == pytest.approx(float(np.median(np.diff(days))))
        else:
            assert np.isnan(row["Mediaan dagen tussen aankopen"])
    assert len(summary) == tx["Klant"].nunique()
