"""Pareto/NBD (comparison model): published CDNOW values and predictions against simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from klant_xl.errors import TeWeinigGegevens
from klant_xl.models import pareto_nbd
from tests.conftest import CDNOW

# Pareto/NBD on the CDNOW sample, weeks (tests/data/cdnow/ORIGINAL_README.md).
PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def cdnow_fit():
    d = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    return pareto_nbd.fit(d["frequency"], d["recency"], d["T"])


@pytest.mark.parametrize("name", ["r", "alpha", "s", "beta"])
def test_cdnow_parameters_match_published_within_one_percent(cdnow_fit, name):
    assert getattr(cdnow_fit.params, name) == pytest.approx(PUBLISHED[name], rel=0.01)


def test_cdnow_log_likelihood_matches_published(cdnow_fit):
    assert cdnow_fit.log_likelihood == pytest.approx(-9595.0, abs=0.1)


def test_one_time_buyer_is_not_certainly_alive():
    params = pareto_nbd.ParetoNBDParams(**PUBLISHED)
    p = pareto_nbd.probability_alive(params, [0, 0], [0.0, 0.0], [1.0, 38.86])
    assert 0 < p[1] < p[0] < 1


def test_x_zero_hand_computed():
    # x = 0: A_0 has t_x = 0, alpha < beta, so 2F1(r+s, r; r+s+1; (beta-alpha)/(beta+u)) / (beta+u)^(r+s)
    from scipy.special import hyp2f1

    r, alpha, s, beta = PUBLISHED.values()
    T = 38.86

    def part(u):
        return hyp2f1(r + s, r, r + s + 1, (beta - alpha) / (beta + u)) / (beta + u) ** (r + s)

    a0 = part(0.0) - part(T)
    expected = 1 / (1 + s / (r + s) * (alpha + T) ** r * (beta + T) ** s * a0)
    got = pareto_nbd.probability_alive(pareto_nbd.ParetoNBDParams(r, alpha, s, beta), 0, 0.0, T)[0]
    assert got == pytest.approx(expected, rel=1e-9)


def simulate(r, alpha, s, beta, T, holdout, rng):
    n = len(T)
    lam = rng.gamma(r, 1 / alpha, n)
    death = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    end = np.minimum(death, T + holdout)
    x = np.zeros(n)
    t_x = np.zeros(n)
    hold = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, bool)
    while active.any():
        i = np.flatnonzero(active)
        now[i] += rng.exponential(1 / lam[i])
        buys = now[i] <= end[i]
        i_buy = i[buys]
        cal = i_buy[now[i_buy] <= T[i_buy]]
        x[cal] += 1
        t_x[cal] = now[cal]
        hold[i_buy[now[i_buy] > T[i_buy]]] += 1
        active[:] = False
        active[i_buy] = True
    return x, t_x, hold, death > T


def test_predictions_match_simulated_customers():
    rng = np.random.default_rng(1987)
    params = pareto_nbd.ParetoNBDParams(0.55, 10.0, 0.6, 12.0)
    T = rng.uniform(5, 78, 40_000)
    x, t_x, hold, alive = simulate(*params, T, 39.0, rng)
    p_alive = pareto_nbd.probability_alive(params, x, t_x, T)
    assert p_alive.mean() == pytest.approx(alive.mean(), abs=0.01)
    expected = pareto_nbd.expected_purchases(params, 39.0, x, t_x, T)
    assert expected.sum() == pytest.approx(hold.sum(), rel=0.04)


def test_parameters_recovered_from_simulated_data():
    rng = np.random.default_rng(33)
    params = pareto_nbd.ParetoNBDParams(0.55, 10.0, 0.6, 12.0)
    T = rng.uniform(5, 78, 50_000)
    x, t_x, _, _ = simulate(*params, T, 0.0, rng)
    fitted = pareto_nbd.fit(x, t_x, T)
    assert fitted.params.r == pytest.approx(0.55, rel=0.1)
    assert fitted.params.alpha == pytest.approx(10.0, rel=0.1)
    assert fitted.params.s == pytest.approx(0.6, rel=0.2)
    assert fitted.params.beta == pytest.approx(12.0, rel=0.3)


def test_thirty_customers_are_too_few():
    with pytest.raises(TeWeinigGegevens, match="Pareto/NBD-model: 30 klanten"):
        pareto_nbd.fit(np.ones(30), np.full(30, 2.0), np.full(30, 5.0))
