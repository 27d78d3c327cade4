"""Modified BG/NBD: the published CDNOW values (the model behind "kans actief")."""

from __future__ import annotations

import pandas as pd
import pytest

from klant_xl.models import mbgnbd
from tests.conftest import CDNOW

# MBG/NBD on the 2,357-customer CDNOW sample, weeks (issue 6 / lifetimes' published fit).
PUBLISHED = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


@pytest.fixture(scope="module")
def cdnow_fit():
    d = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    return mbgnbd.fit(d["frequency"], d["recency"], d["T"])


@pytest.mark.parametrize("name", ["r", "alpha", "a", "b"])
def test_cdnow_parameters_match_published_within_one_percent(cdnow_fit, name):
    assert getattr(cdnow_fit.params, name) == pytest.approx(PUBLISHED[name], rel=0.01)


def test_cdnow_fit_is_as_good_as_the_bgnbd(cdnow_fit):
    # BG/NBD: -9582.4 with the same number of parameters
    assert cdnow_fit.model == "mbgnbd"
    assert cdnow_fit.log_likelihood == pytest.approx(-9582.1, abs=0.1)


def test_one_time_buyer_hand_computed():
    r, alpha, a, b = PUBLISHED.values()
    params = mbgnbd.MBGNBDParams(r, alpha, a, b)
    # x = 0, t_x = 0, T = 38.86: 1 / (1 + a / b * ((alpha + T) / alpha) ** r)
    expected = 1 / (1 + a / b * ((alpha + 38.86) / alpha) ** r)
    got = mbgnbd.probability_alive(params, 0, 0.0, 38.86)[0]
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(0.390, abs=0.001)


def test_repeat_buyer_hand_computed():
    r, alpha, a, b = PUBLISHED.values()
    params = mbgnbd.MBGNBDParams(r, alpha, a, b)
    expected = 1 / (1 + a / (b + 2) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))
    assert mbgnbd.probability_alive(params, 2, 30.43, 38.86)[0] == pytest.approx(expected, rel=1e-12)


def test_log_likelihood_at_published_parameters_is_near_the_optimum(cdnow_fit):
    d = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    ll = mbgnbd.log_likelihood(list(PUBLISHED.values()), d["frequency"], d["recency"], d["T"])
    assert cdnow_fit.log_likelihood - 0.01 < ll <= cdnow_fit.log_likelihood + 1e-9
