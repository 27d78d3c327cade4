"""Gamma-Gamma spend model: published CDNOW values, hand-computed expectations, simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from klant_xl.errors import ModelFout, TeWeinigGegevens
from klant_xl.models import gamma_gamma
from tests.conftest import CDNOW

# Fader, Hardie & Lee (2005), "RFM and CLV", 946 CDNOW repeat buyers.
PUBLISHED = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow_fit():
    d = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return gamma_gamma.fit(d["x"], d["zbar"])


@pytest.mark.parametrize("name", ["p", "q", "gamma"])
def test_cdnow_parameters_match_published_within_one_percent(cdnow_fit, name):
    assert getattr(cdnow_fit.params, name) == pytest.approx(PUBLISHED[name], rel=0.01)


def test_cdnow_fit_uses_the_946_repeat_buyers(cdnow_fit):
    assert cdnow_fit.n_customers == 946
    assert cdnow_fit.log_likelihood < 0


@pytest.mark.parametrize(
    "x, zbar, expected",
    [
        (0, np.nan, 1.0 * 10 / (2 - 1)),  # no history: population mean p gamma / (q - 1)
        (3, 20.0, 1.0 * (10 + 3 * 20) / (1.0 * 3 + 2 - 1)),  # 17.5
        (1, 4.0, (10 + 4) / (1 + 1)),  # 7.0
        (2, -5.0, 1.0 * 10 / (2 + 1)),  # a negative mean counts as 0
    ],
)
def test_expected_value_hand_computed(x, zbar, expected):
    params = gamma_gamma.GammaGammaParams(p=1.0, q=2.0, gamma=10.0)
    assert gamma_gamma.expected_value(params, x, zbar)[0] == pytest.approx(expected)


def test_population_mean_of_the_published_fit():
    assert gamma_gamma.population_mean(gamma_gamma.GammaGammaParams(**PUBLISHED)) == pytest.approx(
        6.25 * 15.44 / 2.74
    )


def simulate(p, q, gamma, x, rng):
    nu = rng.gamma(q, 1 / gamma, len(x))
    totals = rng.gamma(p * x, 1 / nu)  # sum of x Gamma(p, nu) amounts
    return totals / x


def test_parameters_recovered_from_simulated_data():
    rng = np.random.default_rng(42)
    x = 1 + rng.poisson(2.0, 20_000).astype(float)
    zbar = simulate(6.0, 4.0, 15.0, x, rng)
    got = gamma_gamma.fit(x, zbar).params
    assert got.p == pytest.approx(6.0, rel=0.1)
    assert got.q == pytest.approx(4.0, rel=0.1)
    assert got.gamma == pytest.approx(15.0, rel=0.15)


def test_too_few_buyers_gives_the_dutch_message():
    with pytest.raises(TeWeinigGegevens, match=r"10 klanten.*minstens 30"):
        gamma_gamma.fit(np.ones(10), np.arange(1.0, 11.0))


def test_no_finite_mean_spend_is_refused():
    # q < 1: the mean spend of a new customer does not exist
    rng = np.random.default_rng(5)
    x = 1 + rng.poisson(2.0, 5000).astype(float)
    zbar = simulate(3.0, 0.6, 10.0, x, rng)
    with pytest.raises(ModelFout, match="q = 0"):
        gamma_gamma.fit(x, zbar)
