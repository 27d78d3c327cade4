"""CLV: discounted margin on expected purchases, checked against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from klant_xl.errors import InvoerFout
from klant_xl.models import clv

MONTH = 365.25 / 12


def test_one_purchase_a_month_discounted_hand_computed():
    monthly = 1.10 ** (1 / 12) - 1
    expected = 0.3 * 100 * sum(1 / (1 + monthly) ** i for i in range(1, 13))
    got = clv.customer_lifetime_value(lambda days: np.array([days / MONTH]), 100.0, 12, 0.3, 0.10)
    assert got[0] == pytest.approx(expected)
    assert got[0] == pytest.approx(342.01, abs=0.01)


def test_purchases_per_customer_and_values_per_customer():
    def cumulative(days):
        return np.array([1.0, 2.0, 0.0]) * days / MONTH

    got = clv.customer_lifetime_value(cumulative, np.array([10.0, 10.0, 50.0]), 3, 0.5, 0.0)
    assert got.tolist() == pytest.approx([15.0, 30.0, 0.0])


def test_zero_months_is_worth_nothing():
    assert clv.customer_lifetime_value(lambda d: np.array([d]), 10.0, 0, 0.3, 0.1)[0] == 0.0


@pytest.mark.parametrize("annual, monthly", [(0.10, 0.0079741404), (0.0, 0.0), (0.2682418, 0.02)])
def test_monthly_discount_rate(annual, monthly):
    assert clv.monthly_discount_rate(annual) == pytest.approx(monthly, abs=1e-7)


@pytest.mark.parametrize(
    "kwargs, words",
    [({"margin": 1.5}, "marge"), ({"annual_discount_rate": -2.0}, "disconteringsvoet"), ({"months": 2.5}, "maanden")],
)
def test_bad_settings_are_refused_in_dutch(kwargs, words):
    args = {"months": 12, "margin": 0.3, "annual_discount_rate": 0.1} | kwargs
    with pytest.raises(InvoerFout, match=words):
        clv.customer_lifetime_value(lambda d: np.array([d]), 10.0, **args)
