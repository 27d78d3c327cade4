"""Status, Kaplan–Meier thresholds, repeat rate, gaps and churn."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.errors import InvoerFout, TeWeinigGegevens
from klant_xl.status import (
    STATUSES,
    churn_over_period,
    customer_status,
    derive_thresholds,
    kaplan_meier,
    purchase_gaps,
    repeat_purchase_rate,
    status_from_days,
    time_between_purchases,
)
from klant_xl.summary import customer_summary


def tx(rows):
    out = pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag"])
    out["Datum"] = pd.to_datetime(out["Datum"])
    return out


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "Actief"), (60, "Actief"), (61, "Inactief"), (180, "Inactief"), (181, "Verloren"), (float("nan"), "")],
)
def test_status_from_days(days, expected):
    assert status_from_days([days], 60, 180)[0] == expected


def test_thresholds_must_be_ordered():
    with pytest.raises(InvoerFout, match=r"Drempel verloren \(30 dagen\) moet minstens zo groot zijn als drempel inactief \(60 dagen\)"):
        status_from_days([1], 60, 30)


HAND = tx(
    [
        ("new", "2026-06-20", 10.0),  # first purchase 10 days ago
        ("active", "2025-01-01", 10.0),
        ("active", "2026-06-01", 10.0),
        ("sleeping", "2026-03-01", 10.0),  # 121 days
        ("lost", "2025-06-01", 10.0),
        ("contact", "2025-06-01", 10.0),  # bought long ago, but opened an e-mail recently
    ]
)
CONTACTS = pd.DataFrame({"Klant": ["contact"], "Datum": pd.to_datetime(["2026-06-25"]), "Soort": ["e-mail geopend"]})


@pytest.mark.parametrize(
    ("mark_new", "expected"),
    [
        (False, {"new": "Actief", "active": "Actief", "sleeping": "Inactief", "lost": "Verloren", "contact": "Actief"}),
        (True, {"new": "Nieuw", "active": "Actief", "sleeping": "Inactief", "lost": "Verloren", "contact": "Actief"}),
    ],
)
def test_customer_status_hand_made(mark_new, expected):
    summary = customer_summary(HAND, "2026-06-30", CONTACTS)
    status = customer_status(summary, 90, 365, mark_new=mark_new)
    assert status.name == "Status"
    assert status.to_dict() == expected


def test_thresholds_per_category():
    summary = customer_summary(HAND.assign(Product=["wijn", "wijn", "wijn", "wijn", "schoen", "schoen"]), "2026-06-30")
    status = customer_status(summary, 90, 365, per_category={"wijn": (30, 100)})
    # sleeping bought wine 121 days ago: lost for wine, inactive with the general thresholds
    assert status["sleeping"] == "Verloren"
    assert status["active"] == "Actief"  # 29 days, wine threshold 30


customers = st.lists(st.tuples(st.integers(0, 800), st.integers(0, 800)), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(customers, st.integers(0, 400), st.integers(0, 400), st.booleans())
def test_statuses_partition_customers(ages, inactive, extra, mark_new):
    rows = []
    for i, (first, span) in enumerate(ages):
        rows.append((f"k{i}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=first), 1.0))
        rows.append((f"k{i}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=first + span), 1.0))
    summary = customer_summary(tx(rows), "2026-12-31")
    status = customer_status(summary, inactive, inactive + extra, mark_new=mark_new)
    assert len(status) == len(ages)
    assert set(status) <= set(STATUSES)
    assert status.value_counts().sum() == len(summary)
    days = summary["Dagen sinds activiteit"]
    assert ((status.isin(["Actief", "Nieuw"])) == (days <= inactive)).all()
    assert ((status == "Verloren") == (days > inactive + extra)).all()


def test_repeat_purchase_rate_and_gaps_hand_made():
    data = tx(
        [
            ("a", "2026-01-01", 1.0),
            ("a", "2026-01-11", 1.0),
            ("a", "2026-01-31", 1.0),
            ("b", "2026-01-01", 1.0),
            ("b", "2026-01-01", 2.0),
            ("c", "2026-01-01", 1.0),
            ("c", "2026-03-02", 1.0),
        ]
    )
    assert repeat_purchase_rate(customer_summary(data)) == pytest.approx(2 / 3)
    stats = time_between_purchases(data)
    # gaps: 10, 20 (a) and 60 (c)
    assert stats["aantal"] == 3
    assert stats["gemiddelde"] == pytest.approx(30.0)
    assert stats["mediaan"] == 20.0
    assert stats["p25"] == 15.0


def test_purchase_gaps_marks_censored_gap():
    gaps = purchase_gaps(tx([("a", "2026-01-01", 1.0), ("a", "2026-01-11", 1.0), ("b", "2026-01-06", 1.0)]), "2026-01-21")
    assert gaps.values.tolist() == [["a", 10.0, True], ["a", 10.0, False], ["b", 15.0, False]]


def test_kaplan_meier_hand_computed():
    # durations 2, 3+, 3, 5, 8+, 8: at risk 6, 5, 3, 2 with one event each
    curve = kaplan_meier([2, 3, 3, 5, 8, 8], [True, False, True, True, False, True])
    assert curve["dagen"].tolist() == [2.0, 3.0, 5.0, 8.0]
    assert curve["risico"].tolist() == [6.0, 5.0, 3.0, 2.0]
    np.testing.assert_allclose(curve["overleving"], [5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 5 / 6 * 4 / 5 * 2 / 3 * 1 / 2])


def simulate(customers, mean_gap, never_return, window_days, seed):
    """Customers start uniformly in the window; after each purchase they never return with
    probability `never_return`, else the next purchase follows an exponential gap."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        t = rng.uniform(0, window_days)
        while t <= window_days:
            rows.append((f"c{c}", int(t)))
            if rng.random() < never_return:
                break
            t += rng.exponential(mean_gap)
    frame = pd.DataFrame(rows, columns=["Klant", "dag"])
    start = pd.Timestamp("2020-01-01")
    frame["Datum"] = start + pd.to_timedelta(frame["dag"], unit="D")
    frame["Bedrag"] = 10.0
    return frame[["Klant", "Datum", "Bedrag"]], start + pd.Timedelta(days=window_days)


@pytest.mark.parametrize("seed", [1, 2])
def test_derived_thresholds_recover_known_truth_and_beat_naive(seed):
    mean_gap, never_return = 120.0, 0.3
    # truth: among those who return, gaps are Exp(120): 80% within 120*ln(5) days;
    # P(return after t | none by t) = 0.7 e^(-t/120) / (0.3 + 0.7 e^(-t/120)) < 5%  <=>  t > 120 ln(0.95*0.7/(0.05*0.3))
    true_inactive = mean_gap * np.log(5)
    true_lost = mean_gap * np.log(0.95 * (1 - never_return) / (0.05 * never_return))
    data, reference = simulate(5000, mean_gap, never_return, 1460, seed)
    derived = derive_thresholds(data, reference)
    assert derived.inactive_days == pytest.approx(true_inactive, rel=0.10)
    assert derived.lost_days == pytest.approx(true_lost, rel=0.10)
    assert derived.return_share == pytest.approx(1 - never_return, abs=0.03)
    # the naive estimate ignores the censored ongoing gaps: 80th percentile of completed gaps only
    occasions = data.drop_duplicates(["Klant", "Datum"]).sort_values(["Klant", "Datum"])
    completed = occasions.groupby("Klant")["Datum"].diff().dt.days.dropna()
    naive_inactive = np.percentile(completed, 80)
    assert naive_inactive < 0.9 * true_inactive
    assert derived.inactive_sentence == (
        f"80% van de klanten die terugkomen, doet dat binnen {derived.inactive_days:.0f} dagen."
    )
    assert derived.lost_sentence == (
        f"Na {derived.lost_days:.0f} dagen zonder aankoop komt nog minder dan 5% van de klanten terug."
    )


def test_too_few_gaps_gives_dutch_message():
    data = tx([("a", "2026-01-01", 1.0), ("a", "2026-02-01", 1.0), ("b", "2026-01-05", 1.0)])
    with pytest.raises(TeWeinigGegevens) as info:
        derive_thresholds(data)
    assert str(info.value) == (
        "Te weinig herhaalaankopen om drempels af te leiden: 1 tussenpoos tussen aankopen, minstens 30 nodig. "
        "Vul de drempels zelf in (aantal dagen)."
    )


def test_churn_over_period_hand_made():
    data = tx(
        [
            ("stays", "2025-12-01", 1.0),
            ("stays", "2026-11-01", 1.0),
            ("leaves", "2025-11-01", 1.0),
            ("old", "2024-01-01", 1.0),  # not active at start
            ("new", "2026-05-01", 1.0),
            ("new2", "2026-12-31", 1.0),
        ]
    )
    result = churn_over_period(data, "2026-01-01", "2027-01-01", 180)
    assert (result.active_at_start, result.retained) == (2, 1)
    assert result.churn == 0.5 and result.retention == 0.5
    assert result.new_customers == 2 and result.new_share == 1.0
    half_year = churn_over_period(data, "2026-01-01", "2026-07-01", 180, annualise=True)
    # stays: last activity 2025-12-01 is 212 days before 2026-07-01 -> not active; churn 100% in half a year
    assert half_year.churn == pytest.approx(1.0)


def test_churn_past_the_peildatum_uses_rows_after_it_only_when_there_are_any():
    from klant_xl.engine import TransactionEngine

    rows = [("a", "2026-09-01", 1.0), ("a", "2026-12-20", 1.0), ("b", "2026-08-01", 1.0), ("b", "2026-10-15", 1.0)]
    # nothing after the peildatum: its engine answers as an engine for the end day does
    data = tx(rows)
    reused = churn_over_period(TransactionEngine(data, "2026-12-31"), "2026-10-01", "2027-01-20", 90)
    fresh = churn_over_period(TransactionEngine(data, "2027-01-20"), "2026-10-01", "2027-01-20", 90)
    assert reused == fresh
    assert (reused.active_at_start, reused.retained) == (2, 1)
    # a purchase after the peildatum but before the end day counts
    later = tx(rows + [("b", "2027-01-10", 1.0)])
    result = churn_over_period(TransactionEngine(later, "2026-12-31"), "2026-10-01", "2027-01-20", 90)
    assert (result.active_at_start, result.retained) == (2, 2)


def test_churn_period_must_be_ordered():
    with pytest.raises(InvoerFout, match="Einddatum"):
        churn_over_period(HAND, "2026-06-01", "2026-01-01", 90)


def test_no_purchase_before_peildatum_gives_dutch_message_not_a_crash():
    data = tx([("a", "2026-01-01", 1.0), ("a", "2026-02-01", 1.0)])
    with pytest.raises(TeWeinigGegevens, match="0 tussenpozen"):
        derive_thresholds(data, "2025-06-01")


@pytest.mark.parametrize(
    ("inactive", "lost", "expected", "message"),
    [
        (None, None, (180.0, 365.0), "Standaarddrempels gebruikt: inactief na 180 dagen, verloren na 365 dagen."),
        (400, None, (400.0, 400.0), "Standaarddrempels gebruikt: verloren na 365 dagen."),
        (30, 90, (30.0, 90.0), None),
    ],
)
def test_choose_thresholds_rule(inactive, lost, expected, message):
    from klant_xl.status import choose_thresholds

    choice = choose_thresholds(HAND, "2026-06-30", inactive, lost)
    assert (choice.inactive_days, choice.lost_days) == expected
    assert (message in choice.messages) if message else not choice.messages


def test_a_fallback_lost_threshold_below_the_given_inactive_one_is_said():
    from klant_xl.status import choose_thresholds

    choice = choose_thresholds(HAND, "2026-06-30", 400, None)
    assert choice.messages[-1] == ("De standaard drempel verloren (365 dagen) is kleiner dan drempel inactief "
                                   "(400 dagen): verloren na 400 dagen gebruikt.")


def test_thresholds_in_the_wrong_order_are_an_error_naming_both():
    from klant_xl.errors import DrempelVolgorde
    from klant_xl.status import choose_thresholds

    with pytest.raises(DrempelVolgorde) as info:
        choose_thresholds(HAND, "2026-06-30", 90, 30)
    assert "Drempel verloren (30 dagen)" in str(info.value) and "drempel inactief (90 dagen)" in str(info.value)
    assert choose_thresholds(HAND, "2026-06-30", 90, 90).lost_days == 90  # equal: no Inactief, allowed


def test_a_first_purchase_on_the_start_day_is_active_at_the_start_not_new():
    # worked by hand: active at 2026-01-01 (threshold 180) = "start-day" and "december"; new after it up
    # to and including 2027-01-01 = "end-day" and "may"; nobody is in both counts
    data = tx([("start-day", "2026-01-01", 1.0), ("december", "2025-12-15", 1.0),
               ("may", "2026-05-01", 1.0), ("end-day", "2027-01-01", 1.0)])
    result = churn_over_period(data, "2026-01-01", "2027-01-01", 180)
    assert result.active_at_start == 2
    assert result.new_customers == 2 and result.new_share == 1.0
