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


# ---------------------------------------------------------------------------
# q <= 1 called directly (issue 16): the posterior mean of 1/nu does not exist.


@pytest.mark.parametrize("q", [0.5, 1.0])
def test_no_finite_population_mean_is_a_dutch_model_error(q):
    # nu ~ Gamma(q, gamma): E(1/nu) = gamma / (q - 1) only for q > 1; below, the integral
    # int_0^inf nu^(q-2) exp(-gamma nu) dnu diverges at 0 (oracle: its partial integrals from eps,
    # with nu = e^s, grow without bound as eps -> 0).
    from scipy.integrate import quad

    partial = [quad(lambda s: np.exp((q - 1) * s - 15 * np.exp(s)), np.log(eps), 0)[0] for eps in (1e-2, 1e-4, 1e-8)]
    assert partial[1] > 1.5 * partial[0] and partial[2] > 1.5 * partial[1]
    with pytest.raises(ModelFout, match=f"q = {q:g} is niet groter dan 1"):
        gamma_gamma.population_mean((6, q, 15))
    with pytest.raises(ModelFout, match="klant zonder aankopen"):
        gamma_gamma.expected_value((6, q, 15), [0], [0.0])


def test_expected_value_exists_once_the_posterior_shape_exceeds_one():
    # q = 0.5 but p x + q = 6.5 > 1: posterior nu ~ Gamma(6.5, 15 + 3), E(p / nu) = 6 * 18 / 5.5
    from scipy.integrate import quad
    from scipy.stats import gamma as gamma_dist

    oracle = quad(lambda nu: 6 / nu * gamma_dist(6.5, scale=1 / 18).pdf(nu), 0, np.inf)[0]
    got = gamma_gamma.expected_value((6, 0.5, 15), [1], [3.0])[0]
    assert got == pytest.approx(oracle, rel=1e-9)
    assert got == pytest.approx(6 * 18 / 5.5, rel=1e-12)
    with pytest.raises(ModelFout, match="q = 0.5"):
        gamma_gamma.expected_value((6, 0.5, 15), [1, 0], [3.0, 0.0])  # the one without purchases


def test_parameters_that_are_not_positive_numbers_are_refused():
    from klant_xl.errors import InvoerFout

    with pytest.raises(InvoerFout, match="groter dan 0"):
        gamma_gamma.expected_value((6, -2, 15), [1], [3.0])


def test_a_spend_parameter_running_off_is_refused_without_following_it_to_the_bound(monkeypatch):
    # every customer's mean spend over ten purchases of U(5, 205): no spread between customers,
    # so q and gamma run off together to infinity (the fit cannot pin the model down)
    rng = np.random.default_rng(3)
    means = rng.uniform(5, 205, size=(5000, 10)).mean(axis=1)
    evaluations = []
    likelihood = gamma_gamma._neg_ll
    monkeypatch.setattr(gamma_gamma, "_neg_ll", lambda *a, **k: evaluations.append(1) or likelihood(*a, **k))
    with pytest.raises(ModelFout, match="loopt weg naar 0 of oneindig"):
        gamma_gamma.fit(np.full(5000, 10.0), means)
    assert len(evaluations) < 60  # it took 79 evaluations out to the bound of the optimiser
