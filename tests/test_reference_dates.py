"""One peildatum, whatever form the user gives it: Dutch day-first text, ISO text or an Excel serial
mean the same day in every public function (issue 10: ``customer_summary(tx, "01-02-2025")`` read
2 January, the serial 45689 became 1970 and an empty summary)."""

from __future__ import annotations

import pandas as pd
import pytest

from klant_xl.segments import customer_pyramid
from klant_xl.status import customer_status
from klant_xl.summary import customer_summary, resolve_reference_date
from klant_xl.retention import retention_cutoff

TX = pd.DataFrame({
    "Klant": ["A", "A", "B"],
    "Datum": pd.to_datetime(["2025-01-01", "2025-01-20", "2025-01-25"]),
    "Bedrag": [10.0, 20.0, 30.0],
})
#: 1 February 2025 in the forms a user types or Excel passes (serial 45689: days since 30-12-1899).
FORMS = ["01-02-2025", "1-2-2025", "2025-02-01", 45689, 45689.0, pd.Timestamp("2025-02-01 13:30")]


def test_the_serial_oracle():
    assert pd.Timestamp("1899-12-30") + pd.Timedelta(days=45689) == pd.Timestamp("2025-02-01")


@pytest.mark.parametrize("form", FORMS)
def test_every_form_is_the_first_of_february(form):
    assert resolve_reference_date(TX, form) == pd.Timestamp("2025-02-01")
    summary = customer_summary(TX, form)
    # by hand: A last bought 20 January (12 days before 1 February), B on 25 January (7 days)
    assert summary["Dagen sinds aankoop"].to_dict() == {"A": 12.0, "B": 7.0}
    assert retention_cutoff(form, 2) == pd.Timestamp("2023-02-01")


@pytest.mark.parametrize("form", FORMS)
def test_status_and_pyramid_follow_the_same_day(form):
    summary = customer_summary(TX, form)
    status = customer_status(summary, 10, 20, mark_new=True)
    # A: 12 days since the last purchase, past 10 and within 20 -> Inactief;
    # B: 7 days, and its first purchase 7 days before the peildatum -> Nieuw
    assert status.to_dict() == {"A": "Inactief", "B": "Nieuw"}
    pyramid = customer_pyramid(TX, summary, status, reference_date=form)
    assert pyramid.to_dict() == {"A": "Inactief", "B": "Top"}
