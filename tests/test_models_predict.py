"""predict_customers / expected_active_next_year: the integration the Klanten sheet and Overzicht use.

The CDNOW sample is turned into the canonical transactions and a summary-like frame
inline (plain pandas), with the calibration period of the published fits
(peildatum 1997-09-30)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from klant_xl.errors import InvoerFout, KolomOntbreekt, TeWeinigGegevens
from klant_xl.models import (
    PREDICTION_COLUMNS,
    expected_active_next_year,
    model_inputs,
    model_report,
    predict_customers,
    repeat_spend,
)
from tests.conftest import CDNOW

PEILDATUM = pd.Timestamp("1997-09-30")


@pytest.fixture(scope="module")
def transactions():
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master", "Klant", "Datum", "cds", "Bedrag"],
        dtype={"Klant": str, "Datum": str},
    )
    t = pd.DataFrame(
        {
            "Klant": raw["Klant"].astype(int).astype(str),
            "Datum": pd.to_datetime(raw["Datum"], format="%Y%m%d"),
            "Bedrag": raw["Bedrag"].astype(float),
        }
    )
    t["Product"] = pd.NA
    t["Kanaal"] = pd.NA
    return t


def summary_like(transactions, peildatum):
    t = transactions[transactions["Datum"] <= peildatum]
    days = t.groupby(["Klant", "Datum"])["Bedrag"].sum().reset_index()
    g = days.groupby("Klant")
    s = pd.DataFrame(
        {
            "Eerste aankoop": g["Datum"].min(),
            "Laatste aankoop": g["Datum"].max(),
            "Aankopen": g.size(),
            "Omzet": g["Bedrag"].sum(),
        }
    )
    s["Gem. bestelwaarde"] = s["Omzet"] / s["Aankopen"]
    s["Dagen sinds aankoop"] = (peildatum - s["Laatste aankoop"]).dt.days.astype(float)
    return s


@pytest.fixture(scope="module")
def summary(transactions):
    return summary_like(transactions, PEILDATUM)


@pytest.fixture(scope="module")
def predictions(summary, transactions):
    return predict_customers(summary, transactions, model="bgnbd")


@pytest.fixture(scope="module")
def predictions_mbgnbd(summary, transactions):
    return predict_customers(summary, transactions)


def test_columns_index_and_types(summary, predictions):
    assert list(predictions.columns) == list(PREDICTION_COLUMNS)
    assert predictions.columns.tolist() == [
        "Kans actief",
        "Verwachte aankopen",
        "Verwachte volgende aankoop",
        "Verwachte bestelwaarde",
        "CLV",
    ]
    assert predictions.index.equals(summary.index)
    assert pd.api.types.is_datetime64_any_dtype(predictions["Verwachte volgende aankoop"])
    assert predictions["Kans actief"].between(0, 1).all()
    assert (predictions["Verwachte volgende aankoop"] > PEILDATUM).all()


def test_model_inputs_reproduce_the_published_summary_file(summary):
    inputs = model_inputs(summary, time_unit_days=7)
    published = pd.read_csv(CDNOW / "cdnow_customers_summary.csv", dtype={"ID": str}).set_index("ID")
    inputs = inputs.loc[published.index]
    assert (inputs["frequency"] == published["frequency"]).all()
    assert np.abs(inputs["recency"] - published["recency"]).max() <= 0.005 + 1e-9
    assert np.abs(inputs["T"] - published["T"]).max() <= 0.005 + 1e-9


@pytest.mark.parametrize("name, published", [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)])
def test_bgnbd_parameters_from_the_summary_match_published(predictions, name, published):
    assert predictions.attrs["model"] == "bgnbd"
    assert predictions.attrs["parameters"][name] == pytest.approx(published, rel=0.005)


def test_bgnbd_log_likelihood_and_counts(predictions):
    assert predictions.attrs["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert predictions.attrs["n_customers"] == 2357
    assert predictions.attrs["n_repeat_buyers"] == 946
    assert predictions.attrs["time_unit_days"] == 7
    assert predictions.attrs["peildatum"] == PEILDATUM


@pytest.mark.parametrize("name, published", [("r", 0.525), ("alpha", 6.183), ("a", 0.891), ("b", 1.614)])
def test_default_model_is_the_modified_bgnbd(predictions_mbgnbd, name, published):
    assert predictions_mbgnbd.attrs["model"] == "mbgnbd"
    assert predictions_mbgnbd.attrs["parameters"][name] == pytest.approx(published, rel=0.01)


@pytest.mark.parametrize("name, published", [("p", 6.25), ("q", 3.74), ("gamma", 15.44)])
def test_spend_model_from_transactions_matches_published(predictions, name, published):
    assert predictions.attrs["spend_parameters"][name] == pytest.approx(published, rel=0.01)


def test_repeat_spend_is_the_published_zbar(transactions):
    spend = repeat_spend(transactions, PEILDATUM)
    published = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv", dtype={"ID": str})
    published = published[published["x"] > 0].set_index("ID")
    got = spend.loc[published.index]
    assert (got["frequency"] == published["x"]).all()
    assert np.abs(got["monetary_value"] - published["zbar"]).max() < 0.006


def test_one_time_buyers_differ_between_the_models(summary, predictions, predictions_mbgnbd):
    once = summary["Aankopen"] == 1
    assert (predictions.loc[once, "Kans actief"] == 1.0).all()
    assert (predictions_mbgnbd.loc[once, "Kans actief"] < 1.0).all()


def test_customer_1_hand_computed(summary, predictions):
    p = predictions.attrs["parameters"]
    first = summary.loc["1", "Eerste aankoop"]
    last = summary.loc["1", "Laatste aankoop"]
    x = summary.loc["1", "Aankopen"] - 1
    t_x = (last - first).days / 7
    T = (PEILDATUM - first).days / 7
    alive = 1 / (1 + p["a"] / (p["b"] + x - 1) * ((p["alpha"] + T) / (p["alpha"] + t_x)) ** (p["r"] + x))
    wait_weeks = (p["alpha"] + T) * (2 ** (1 / (p["r"] + x)) - 1)
    row = predictions.loc["1"]
    assert x == 2
    assert row["Kans actief"] == pytest.approx(alive, rel=1e-9)
    assert row["Verwachte volgende aankoop"] == PEILDATUM + pd.Timedelta(days=round(wait_weeks * 7))
    # published: 1.226 purchases in the next 39 weeks
    short = predict_customers(summary, model="bgnbd", horizon_days=39 * 7)
    assert short.loc["1", "Verwachte aankopen"] == pytest.approx(1.226, abs=0.002)


def test_clv_without_discounting_is_margin_times_value_times_purchases(summary, transactions):
    p = predict_customers(
        summary, transactions, horizon_days=365.25, margin=0.25, annual_discount_rate=0.0, clv_horizon_months=12
    )
    expected = 0.25 * p["Verwachte bestelwaarde"] * p["Verwachte aankopen"]
    assert np.allclose(p["CLV"], expected, rtol=1e-9)
    discounted = predict_customers(summary, transactions, horizon_days=365.25, margin=0.25, annual_discount_rate=0.10)
    ratio = discounted["CLV"] / p["CLV"]
    assert ratio.between(1 / 1.10, 1.0).all()  # a year's discount at most


def test_expected_active_next_year_is_the_sum_of_purchase_chances(summary, predictions_mbgnbd):
    p = predictions_mbgnbd.attrs["parameters"]
    inputs = model_inputs(summary)
    x, t_x, T = inputs["frequency"], inputs["recency"], inputs["T"]
    alive = 1 / (1 + p["a"] / (p["b"] + x) * ((p["alpha"] + T) / (p["alpha"] + t_x)) ** (p["r"] + x))
    buys = alive * (1 - ((p["alpha"] + T) / (p["alpha"] + T + 365 / 7)) ** (p["r"] + x))
    got = expected_active_next_year(summary)
    assert got == pytest.approx(buys.sum(), rel=1e-5)
    assert expected_active_next_year(summary, parameters=p) == pytest.approx(buys.sum(), rel=1e-9)
    assert 0 < got < predictions_mbgnbd["Kans actief"].sum()


def test_customer_with_only_returns_gets_blanks(summary, transactions):
    s = summary.copy()
    s.loc["X"] = {"Eerste aankoop": pd.NaT, "Laatste aankoop": pd.NaT, "Aankopen": 0, "Omzet": -20.0,
                  "Gem. bestelwaarde": np.nan}
    p = predict_customers(s, model="bgnbd")
    assert np.isnan(p.loc["X", "Kans actief"])
    assert pd.isna(p.loc["X", "Verwachte volgende aankoop"])
    assert np.isnan(p.loc["X", "CLV"])
    assert p.attrs["n_customers"] == 2357


def test_without_amounts_the_money_columns_are_blank(summary):
    s = summary.copy()
    s["Omzet"] = np.nan
    s["Gem. bestelwaarde"] = np.nan
    p = predict_customers(s)
    assert p["Verwachte bestelwaarde"].isna().all()
    assert p["CLV"].isna().all()
    assert p["Kans actief"].notna().all()
    assert p.attrs["spend_parameters"] is None


def test_thirty_customers_give_the_dutch_message_with_the_counts_needed(summary):
    small = summary.iloc[:30].copy()
    repeaters = int((small["Aankopen"] > 1).sum())
    with pytest.raises(TeWeinigGegevens) as err:
        predict_customers(small)
    assert str(err.value) == (
        f"Te weinig gegevens voor het MBG/NBD-model: 30 klanten, waarvan {repeaters} met een "
        "herhaalaankoop. Nodig zijn minstens 100 klanten en 30 klanten met een herhaalaankoop."
    )


def test_model_inputs_in_days_hand_computed():
    s = pd.DataFrame(
        {
            "Eerste aankoop": pd.to_datetime(["2024-01-01", "2024-03-31", None]),
            "Laatste aankoop": pd.to_datetime(["2024-01-15", "2024-03-31", None]),
            "Aankopen": [4, 1, 0],
        },
        index=pd.Index(["A", "B", "C"], name="Klant"),
    )
    got = model_inputs(s, time_unit_days=1, reference_date=pd.Timestamp("2024-04-01"))
    assert got.loc["A"].tolist() == [3.0, 14.0, 91.0]
    assert got.loc["B"].tolist() == [0.0, 0.0, 1.0]
    assert got.loc["C"].isna().all()


def test_model_inputs_refuse_missing_peildatum_and_columns(summary):
    bare = summary.drop(columns="Dagen sinds aankoop")
    with pytest.raises(InvoerFout, match="peildatum"):
        model_inputs(bare)
    with pytest.raises(KolomOntbreekt, match="Aankopen"):
        model_inputs(summary.drop(columns="Aankopen"))
    with pytest.raises(InvoerFout, match="Onbekend model"):
        predict_customers(summary, model="pareto")


def test_model_report_is_dutch_and_shows_the_fit(predictions):
    report = model_report(predictions)
    assert list(report.columns) == ["Onderdeel", "Waarde"]
    values = dict(zip(report["Onderdeel"], report["Waarde"]))
    assert values["Model kans actief"] == "BG/NBD"
    assert values["Peildatum"] == "1997-09-30"
    assert values["r (koopfrequentie, vorm)"] == pytest.approx(0.243, abs=0.001)
    assert values["Log-likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert values["Bestelwaarde q"] == pytest.approx(3.74, rel=0.01)


def test_works_on_the_real_customer_summary(transactions):
    from klant_xl.summary import customer_summary

    s = customer_summary(transactions, reference_date=PEILDATUM)
    p = predict_customers(s, transactions, model="bgnbd")
    assert p.attrs["parameters"]["r"] == pytest.approx(0.243, rel=0.005)
    assert p.attrs["spend_parameters"]["p"] == pytest.approx(6.25, rel=0.01)


def test_equal_amounts_fall_back_to_the_customers_own_mean(summary):
    # A gym with one fixed fee: every order the same, the Gamma-Gamma model cannot be fitted.
    s = summary.copy()
    s["Omzet"] = 25.0 * s["Aankopen"]
    s["Gem. bestelwaarde"] = 25.0
    p = predict_customers(s, model="bgnbd", annual_discount_rate=0.0, horizon_days=365.25)
    assert p.attrs["spend_model"] == "eigen gemiddelde"
    assert "Gamma-Gamma" in p.attrs["spend_message"]
    assert "eigen gemiddelde" in p.attrs["spend_message"]
    assert p.attrs["spend_parameters"] is None
    assert (p["Verwachte bestelwaarde"] == 25.0).all()
    assert np.allclose(p["CLV"], 0.3 * 25.0 * p["Verwachte aankopen"], rtol=1e-9)
    assert model_report(p)["Onderdeel"].tolist()[-1] == "Bestelwaarde"


def test_fitted_spend_model_is_named(predictions):
    assert predictions.attrs["spend_model"] == "gamma_gamma"
    assert predictions.attrs["spend_message"] is None


def test_transactions_without_amounts_leave_the_money_columns_blank(summary, transactions):
    t = transactions.assign(Bedrag=np.nan)
    s = summary.copy()
    s["Omzet"] = np.nan
    s["Gem. bestelwaarde"] = np.nan
    p = predict_customers(s, t)
    assert p["Verwachte bestelwaarde"].isna().all()
    assert p["CLV"].isna().all()
    assert p.attrs["spend_model"] is None
    assert p["Kans actief"].notna().all()


def test_repeat_spend_hand_computed():
    t = pd.DataFrame(
        {
            "Klant": ["A", "A", "A", "A", "B", "B"],
            "Datum": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-05", "2024-02-01", "2024-01-02", "2024-01-09"]),
            "Bedrag": [10.0, 20.0, 5.0, 40.0, 7.0, -7.0],
        }
    )
    got = repeat_spend(t, "2024-03-01", customers=["A", "B", "C"])
    # A: first day left out, then 25 (two lines on one day) and 40; B: only a return after the first day
    assert got.loc["A"].tolist() == [2.0, 32.5]
    assert got.loc["B", "frequency"] == 0.0 and np.isnan(got.loc["B", "monetary_value"])
    assert got.loc["C", "frequency"] == 0.0



def test_absurd_waiting_time_gives_no_date_instead_of_overflow(monkeypatch):
    """A median wait beyond a century gives a blank date, not an OutOfBoundsTimedelta (seen at 1M rows)."""
    import pandas as pd

    from klant_xl.models import bgnbd, predict_customers

    from klant_xl.sample import sample_transactions
    from klant_xl.summary import customer_summary

    summary = customer_summary(sample_transactions())
    real = bgnbd.median_time_to_next_purchase

    def wait_in_weeks(params, x, T):
        weeks = real(params, x, T)
        weeks[::2] = 1e7  # about 190,000 years
        return weeks

    monkeypatch.setattr(bgnbd, "median_time_to_next_purchase", wait_in_weeks)
    dates = predict_customers(summary)["Verwachte volgende aankoop"]
    assert dates.isna().sum() > 500  # every other distinct history gets the absurd wait
    assert (dates.dropna() < pd.Timestamp("2126-01-01")).all()
