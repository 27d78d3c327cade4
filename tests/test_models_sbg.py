"""sBG cohort retention: the two published cohorts of Fader & Hardie (2007)."""

from __future__ import annotations

import numpy as np
import pytest

from klant_xl.errors import InvoerFout, ModelFout, TeWeinigGegevens
from klant_xl.models import sbg

COHORTS = [
    ([1000, 869, 743, 653, 593, 551, 517, 491], 0.668, 3.806),
    ([1000, 631, 468, 382, 326, 289, 262, 241], 0.704, 1.182),
]


@pytest.mark.parametrize("survivors, alpha, beta", COHORTS)
def test_published_cohorts_within_one_percent(survivors, alpha, beta):
    fitted = sbg.fit(survivors)
    assert fitted.params.alpha == pytest.approx(alpha, rel=0.01)
    assert fitted.params.beta == pytest.approx(beta, rel=0.01)
    assert fitted.n_customers == 1000
    assert fitted.n_rows == 7


@pytest.mark.parametrize("survivors, alpha, beta", COHORTS)
def test_shares_give_the_same_parameters_as_counts(survivors, alpha, beta):
    counts = sbg.fit(survivors).params
    shares = sbg.fit(np.array(survivors) / 1000).params
    assert np.allclose(counts, shares, rtol=1e-5)


def test_log_likelihood_hand_computed():
    # alpha = beta = 1: P(T=1) = 1/2, P(T=2) = 1/6, S(2) = 1/3
    expected = 50 * np.log(1 / 2) + 20 * np.log(1 / 6) + 30 * np.log(1 / 3)
    assert sbg.log_likelihood((1.0, 1.0), [100, 50, 30]) == pytest.approx(expected)


def test_projection_hand_computed():
    curve = sbg.project(1.0, 1.0, 3)
    assert list(curve.columns) == ["Periode", "Overleving", "Behoud"]
    assert curve["Periode"].tolist() == [0, 1, 2, 3]
    # S(t) = B(1, 1 + t) / B(1, 1) = 1 / (t + 1); r_t = t / (t + 1)
    assert curve["Overleving"].tolist() == pytest.approx([1, 1 / 2, 1 / 3, 1 / 4])
    assert np.isnan(curve["Behoud"][0])
    assert curve["Behoud"][1:].tolist() == pytest.approx([1 / 2, 2 / 3, 3 / 4])


def test_projection_follows_the_published_cohort_and_retention_rises():
    survivors, alpha, beta = COHORTS[0]
    curve = sbg.project(alpha, beta, 12)
    fitted = curve["Overleving"][: len(survivors)] * 1000
    assert np.abs(fitted.to_numpy() - survivors).max() < 20  # within 2 points of the data
    assert np.all(np.diff(curve["Behoud"][1:]) > 0)  # churn falls over time, unlike the seed model


def test_rising_counts_are_refused_in_dutch():
    with pytest.raises(InvoerFout, match="periode 2 heeft 900"):
        sbg.fit([1000, 800, 900, 700])


def test_two_counts_are_too_few():
    with pytest.raises(TeWeinigGegevens, match="minstens 2 latere perioden"):
        sbg.fit([1000, 800])


def test_parameters_recovered_from_a_simulated_cohort():
    rng = np.random.default_rng(2007)
    theta = rng.beta(0.7, 1.2, 50_000)
    lifetime = rng.geometric(theta)  # period in which each customer leaves
    survivors = [(lifetime > t).sum() for t in range(0, 10)]
    fitted = sbg.fit(survivors)
    assert fitted.params.alpha == pytest.approx(0.7, rel=0.1)
    assert fitted.params.beta == pytest.approx(1.2, rel=0.1)


# ---------------------------------------------------------------------------
# Cohorts without a finite maximum-likelihood estimate (issue 16).


def _inline_log_likelihood(alpha, beta, survivors):
    from scipy.special import betaln

    n = np.asarray(survivors, float)
    t = np.arange(1, len(n))
    lost = n[:-1] - n[1:]
    log_p = betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)
    log_s = betaln(alpha, beta + len(n) - 1) - betaln(alpha, beta)
    return float(np.dot(lost, log_p) + n[-1] * log_s)


def test_nobody_leaving_has_no_maximum_and_raises_the_documented_model_error():
    # The likelihood n0 ln S(3) < 0 rises towards 0 only as beta -> infinity: no finite optimum.
    along_the_ridge = [_inline_log_likelihood(1e-3, beta, [1000] * 4) for beta in (1e2, 1e4, 1e6, 1e8)]
    assert all(v < 0 for v in along_the_ridge)
    assert np.all(np.diff(along_the_ridge) > 0) and along_the_ridge[-1] > -1e-6
    with pytest.raises(ModelFout, match="in 3 perioden is niemand vertrokken"):
        sbg.fit([1000] * 4)
    with pytest.raises(ModelFout, match="niemand vertrokken"):
        sbg.fit([1.0, 1.0, 1.0])


def test_everybody_leaving_in_the_first_period_raises_the_model_error():
    # ln L = n0 ln(alpha / (alpha + beta)) < 0, rising to 0 only as alpha / beta -> infinity.
    assert _inline_log_likelihood(1e6, 1.0, [1000, 0, 0]) > _inline_log_likelihood(1e3, 1.0, [1000, 0, 0])
    with pytest.raises(ModelFout, match="alle 1000 klanten zijn in de eerste periode vertrokken"):
        sbg.fit([1000, 0, 0, 0])


def test_a_cohort_without_leavers_is_left_out_of_the_projection():
    import pandas as pd

    triangle = pd.DataFrame(
        {"Cohort": ["A", "B"], "Klanten": [1000, 500], 0: [1.0, 1.0], 1: [0.869, 1.0], 2: [0.743, 1.0], 3: [0.653, 1.0]}
    )
    out = sbg.project_cohorts(triangle, periods=5)
    assert out["Cohort"].tolist() == ["A"]
