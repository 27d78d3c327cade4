"""The bundled sample shop is realistic and is what its generator makes."""

import numpy as np
import pandas as pd
import pytest

from klant_xl.sample import generate_sample, sample_contacts, sample_transactions
from klant_xl.status import customer_status, derive_thresholds
from klant_xl.summary import customer_summary


@pytest.fixture(scope="module")
def transactions():
    return sample_transactions()


def test_shipped_file_is_what_the_generator_makes(transactions):
    generated, contacts = generate_sample()
    pd.testing.assert_frame_equal(transactions.reset_index(drop=True), generated, check_dtype=False)
    pd.testing.assert_frame_equal(sample_contacts().reset_index(drop=True), contacts, check_dtype=False)


def test_size_and_columns(transactions):
    assert list(transactions.columns) == ["Klant", "Datum", "Bedrag", "Product", "Kanaal"]
    assert 2000 <= transactions["Klant"].nunique() <= 5000
    assert transactions["Datum"].dt.year.nunique() >= 4
    assert set(transactions["Kanaal"]) == {"Winkel", "Webshop"}


def test_november_december_revenue_is_high(transactions):
    sales = transactions[transactions["Bedrag"] > 0]
    monthly = sales.groupby(sales["Datum"].dt.to_period("M"))["Bedrag"].sum()
    mean_month = monthly.mean()
    for month in (11, 12):
        assert monthly[monthly.index.month == month].mean() >= 1.3 * mean_month


def test_returns_share(transactions):
    share = (transactions["Bedrag"] < 0).mean()
    assert 0.02 <= share <= 0.08


def test_every_status_occurs_and_thresholds_are_finite(transactions):
    derived = derive_thresholds(transactions)
    assert np.isfinite(derived.inactive_days) and np.isfinite(derived.lost_days)
    assert 0 < derived.inactive_days < derived.lost_days
    summary = customer_summary(transactions, contacts=sample_contacts())
    status = customer_status(summary, derived.inactive_days, derived.lost_days, mark_new=True)
    assert set(status) == {"Nieuw", "Actief", "Inactief", "Verloren"}
    assert status.value_counts().min() >= 100
