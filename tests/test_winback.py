"""Win-back core (SPEC §3 Win-back, Bewaartermijn): hand-made cases, computed by hand."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.errors import InvoerFout, KolomOntbreekt, WaardeFout
from klant_xl.mailing import exclusion_list, mailing_csv_text, write_mailing_csv
from klant_xl.retention import is_pseudonym, pseudonym, purge_plan, retention_cutoff, retention_flags
from klant_xl.winback import (
    CONTACT_CHANNELS,
    REASONS,
    TRACKING_COLUMNS,
    measured_winback_rate,
    quarterly_churn,
    reactivation_rates,
    winback_list,
    winback_outcomes,
)

D = pd.Timestamp


def test_module_data_as_specified():
    assert TRACKING_COLUMNS == ("Benaderd op", "Kanaal", "Reden", "Resultaat", "Notitie")
    assert CONTACT_CHANNELS == ("telefoon", "e-mail", "bezoek")
    assert REASONS == ("vergeten", "ontevreden", "situatie veranderd", "anders")


# --------------------------------------------------------------------------- win-back list

@pytest.fixture
def summary():
    # peildatum 2026-11-24; k5 and k6 tie on last activity, k3 and k7 tie on activity and revenue
    index = pd.Index(["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"], name="Klant")
    frame = pd.DataFrame({
        "Laatste activiteit": pd.to_datetime([
            "2026-11-01", "2026-05-01", "2026-06-15", "2025-01-01",
            "2026-07-01", "2026-07-01", "2026-06-15", "2026-08-20",
        ]),
        "Omzet": [500.0, 120.0, 75.0, 900.0, 40.0, 310.0, 75.0, 60.0],
        "Aankopen": [9, 3, 2, 12, 1, 4, 2, 1],
        "Laatste product": ["rode wijn", "witte wijn", "port", "champagne", "rosé", "cava", "sherry", "bier"],
        "E-mail": [f"{k}@voorbeeld.nl" for k in index],
    }, index=index)
    frame["Dagen sinds activiteit"] = (D("2026-11-24") - frame["Laatste activiteit"]).dt.days.astype(float)
    return frame


@pytest.fixture
def status(summary):
    return pd.Series(["Actief", "Inactief", "Inactief", "Verloren", "Inactief", "Inactief", "Inactief", "Nieuw"],
                     index=summary.index, name="Status")


def test_winback_list_only_inactive_most_recent_first(summary, status):
    frame = winback_list(summary, status)
    # 07-01 (k6 310 > k5 40), then 06-15 (k3 = k7 on revenue: by Klant), then 05-01
    assert frame["Klant"].tolist() == ["k6", "k5", "k3", "k7", "k2"]
    assert frame.columns.tolist() == [
        "Klant", "Laatste activiteit", "Dagen sinds activiteit", "Omzet", "Aankopen", "Laatste product",
        "E-mail", "Benaderd op", "Kanaal", "Reden", "Resultaat", "Notitie",
    ]
    first = frame.iloc[0]
    assert first["Laatste activiteit"] == D("2026-07-01")
    assert first["Dagen sinds activiteit"] == 146.0
    assert first["Omzet"] == 310.0 and first["Aankopen"] == 4
    assert first["Laatste product"] == "cava" and first["E-mail"] == "k6@voorbeeld.nl"
    assert frame[list(TRACKING_COLUMNS)].isna().all().all()


@pytest.mark.parametrize("limit, expected", [
    (None, ["k6", "k5", "k3", "k7", "k2"]),
    (5, ["k6", "k5", "k3", "k7", "k2"]),
    (2, ["k6", "k5"]),
    ("3", ["k6", "k5", "k3"]),
    (0, []),
    (50, ["k6", "k5", "k3", "k7", "k2"]),
])
def test_winback_list_limit(summary, status, limit, expected):
    assert winback_list(summary, status, limit=limit)["Klant"].tolist() == expected


@pytest.mark.parametrize("limit", [-1, 2.5, "vijf"])
def test_winback_list_bad_limit(summary, status, limit):
    with pytest.raises(WaardeFout, match="Aantal"):
        winback_list(summary, status, limit=limit)


def test_winback_list_segments_and_contact_details(summary, status):
    segments = pd.Series({"k2": "Slapend", "k3": "Risico", "k5": "Slapend", "k6": "Niet kwijtraken"})
    details = pd.DataFrame({"Klant": ["k6", "k2", "k9"], "Telefoon": ["06-1", "06-2", "06-9"],
                            "Naam": ["Els", "Piet", "Nel"]})
    frame = winback_list(summary.drop(columns="E-mail"), status, segments=segments, contact_details=details)
    assert frame.columns.tolist()[6:9] == ["Segment", "Telefoon", "Naam"]
    assert frame["Segment"].tolist()[:3] == ["Niet kwijtraken", "Slapend", "Risico"]
    assert pd.isna(frame.loc[frame["Klant"] == "k7", "Segment"]).all()
    assert frame.set_index("Klant").loc["k2", "Telefoon"] == "06-2"
    assert pd.isna(frame.set_index("Klant").loc["k5", "Naam"])


def test_winback_list_status_frame_and_missing_column(summary, status):
    assert winback_list(summary, status.to_frame(), limit=1)["Klant"].tolist() == ["k6"]
    with pytest.raises(KolomOntbreekt, match="Omzet"):
        winback_list(summary.drop(columns="Omzet"), status)


# --------------------------------------------------------------------------- outcomes

@pytest.fixture
def transactions():
    rows = [
        ("a", "2026-01-10", 30.0),  # before the contact
        ("a", "2026-03-20", 45.0),  # after the contact: won back
        ("a", "2026-04-02", -10.0),  # a return after: lowers revenue since
        ("b", "2026-02-01", 50.0),  # before contact only
        ("c", "2026-03-05", 80.0),  # on the contact day itself: not after
        ("d", "2026-01-01", 20.0),
        ("d", "2026-05-01", -20.0),  # only a return after the contact: not a purchase
        ("1001", "2026-04-15", 12.5),
        ("1001", "2026-06-01", 7.5),
        ("z", "2026-06-01", 99.0),  # not contacted
    ]
    frame = pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag"])
    frame["Datum"] = pd.to_datetime(frame["Datum"])
    return frame


@pytest.fixture
def tracking():
    return pd.DataFrame({
        "Klant": ["a", "b", "c", "d", 1001.0, "e"],
        "Benaderd op": [D("2026-03-01"), "15-03-2026", "2026-03-05", D("2026-04-20"), 46121, None],
        "Kanaal": ["telefoon", "E-mail ", "bezoek", None, "telefoon", "telefoon"],
        "Reden": ["vergeten", "ontevreden", "vergeten", "Situatie veranderd", None, "vergeten"],
        "Notitie": ["belt terug", None, None, None, None, "nog bellen"],
    })


def test_winback_outcomes_hand_made(tracking, transactions):
    out = winback_outcomes(tracking, transactions)
    assert out.columns.tolist() == [
        "Klant", "Benaderd op", "Kanaal", "Reden", "Teruggewonnen", "Datum terugkeer", "Omzet sinds contact",
    ]
    # e has no contact date: not contacted
    assert out["Klant"].tolist() == ["a", "b", "c", "d", "1001"]
    # 46121 is the Excel serial of 2026-04-09
    assert out["Benaderd op"].tolist() == [D("2026-03-01"), D("2026-03-15"), D("2026-03-05"), D("2026-04-20"),
                                           D("2026-04-09")]
    assert out["Teruggewonnen"].tolist() == [True, False, False, False, True]
    assert out["Datum terugkeer"].tolist()[0] == D("2026-03-20")
    assert out["Datum terugkeer"].tolist()[4] == D("2026-04-15")
    assert out["Datum terugkeer"].isna().tolist() == [False, True, True, True, False]
    assert out["Omzet sinds contact"].tolist() == [35.0, 0.0, 0.0, -20.0, 20.0]
    assert out["Kanaal"].tolist() == ["telefoon", "e-mail", "bezoek", None, "telefoon"]
    assert out["Reden"].tolist() == ["vergeten", "ontevreden", "vergeten", "situatie veranderd", None]
    assert out["Teruggewonnen"].dtype == bool


def test_winback_outcomes_without_amounts(transactions):
    tracking = pd.DataFrame({"Klant": ["a"], "Benaderd op": [D("2026-03-01")]})
    out = winback_outcomes(tracking, transactions.assign(Bedrag=np.nan))
    assert out["Teruggewonnen"].tolist() == [True]
    assert np.isnan(out["Omzet sinds contact"].iloc[0])
    assert out["Kanaal"].isna().all() and out["Reden"].isna().all()


def test_winback_outcomes_bad_contact_date(transactions):
    tracking = pd.DataFrame({"Klant": ["a", "b"], "Benaderd op": ["2026-03-01", "gisteren"]})
    with pytest.raises(WaardeFout, match="Benaderd op in rij 3"):
        winback_outcomes(tracking, transactions)
    with pytest.raises(KolomOntbreekt, match="Benaderd op"):
        winback_outcomes(tracking.drop(columns="Benaderd op"), transactions)


def test_reactivation_rates_by_month_reason_channel(tracking, transactions):
    out = winback_outcomes(tracking, transactions)
    by_month = reactivation_rates(out, by="maand")
    assert by_month.index.name == "Maand"
    assert by_month.index.tolist() == ["2026-03", "2026-04"]
    assert by_month["Benaderd"].tolist() == [3, 2]
    assert by_month["Teruggewonnen"].tolist() == [1, 1]
    assert by_month["Percentage"].tolist() == pytest.approx([1 / 3, 0.5])

    by_reason = reactivation_rates(out, by="reden")
    assert by_reason.index.tolist() == ["vergeten", "ontevreden", "situatie veranderd", "(geen reden)"]
    assert by_reason["Benaderd"].tolist() == [2, 1, 1, 1]
    assert by_reason["Teruggewonnen"].tolist() == [1, 0, 0, 1]
    assert by_reason["Percentage"].tolist() == [0.5, 0.0, 0.0, 1.0]

    by_channel = reactivation_rates(out, by="Kanaal")
    assert by_channel.index.tolist() == ["telefoon", "e-mail", "bezoek", "(geen kanaal)"]
    assert by_channel["Percentage"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert by_channel.columns.tolist() == ["Benaderd", "Teruggewonnen", "Percentage"]

    with pytest.raises(InvoerFout, match="kies maand, reden of kanaal"):
        reactivation_rates(out, by="week")


def test_measured_winback_rate(tracking, transactions):
    assert measured_winback_rate(winback_outcomes(tracking, transactions)) == 0.4
    assert measured_winback_rate(winback_outcomes(tracking.iloc[:0], transactions)) is None
    # seed 002: 60% won back cuts 30% churn to 12%
    assert 0.30 * (1 - measured_winback_rate(pd.DataFrame({"Teruggewonnen": [True] * 3 + [False] * 2}))) \
        == pytest.approx(0.12)


# --------------------------------------------------------------------------- quarterly churn

@pytest.fixture
def churn_data():
    lines = [
        ("A", "2025-12-01"), ("A", "2026-05-01"),
        ("B", "2025-11-15"),
        ("C", "2026-02-10"), ("C", "2026-06-20"),
        ("D", "2026-03-30"),
        ("E", "2025-10-20"),
        ("F", "2026-01-05"), ("F", "2026-04-10"),
    ]
    transactions = pd.DataFrame(lines, columns=["Klant", "Datum"])
    transactions["Datum"] = pd.to_datetime(transactions["Datum"])
    transactions["Bedrag"] = 10.0
    contacts = pd.DataFrame({"Klant": ["E"], "Datum": [D("2026-03-01")], "Soort": ["e-mail geopend"]})
    return transactions, contacts


def test_quarterly_churn_by_hand(churn_data):
    transactions, contacts = churn_data
    # 90 days: Q1 2026 starts with A, B, E active; only E (contact on 1 March) is active at its end.
    # Q2 starts with C, D, E, F; C and F are active at its end. Q4 2025 has nobody: left out.
    table = quarterly_churn(transactions, "2026-07-15", 90, contacts=contacts, quarters=3)
    assert table.columns.tolist() == ["Kwartaal", "Actief begin", "Niet meer actief", "Verloop", "Behoud"]
    assert table["Kwartaal"].tolist() == ["2026 K1", "2026 K2"]
    assert table["Actief begin"].tolist() == [3, 4]
    assert table["Niet meer actief"].tolist() == [2, 2]
    assert table["Verloop"].tolist() == pytest.approx([2 / 3, 0.5])
    assert table["Behoud"].tolist() == pytest.approx([1 / 3, 0.5])


def test_quarterly_churn_contacts_count_as_activity(churn_data):
    transactions, _ = churn_data
    table = quarterly_churn(transactions, "2026-07-15", 90, quarters=3)
    # without the contact moment E is lost in Q1 and not active at the start of Q2
    assert table["Actief begin"].tolist() == [3, 3]
    assert table["Niet meer actief"].tolist() == [3, 1]


@pytest.mark.parametrize("reference, last", [
    ("2026-06-30", "2026 K2"),  # the last day completes the quarter
    ("2026-06-29", "2026 K1"),
    (None, "2026 K2"),  # last date in the data: 2026-06-20 -> K1 ... see below
])
def test_quarterly_churn_only_complete_quarters(churn_data, reference, last):
    transactions, contacts = churn_data
    if reference is None:
        transactions = pd.concat([transactions, pd.DataFrame(
            {"Klant": ["C"], "Datum": [D("2026-06-30")], "Bedrag": [1.0]})], ignore_index=True)
    table = quarterly_churn(transactions, reference, 90, contacts=contacts)
    assert table["Kwartaal"].iloc[-1] == last


def test_a_quarter_runs_from_the_last_day_before_it_to_its_own_last_day():
    # 90 days. P bought on 15 March and on 1 April: 90 days before 30 June, so still active on the
    # quarter's last day (the peildatum): not lost. Measured up to 1 July, the first day of the next
    # quarter, P was lost in K2 while active on the peildatum. Q bought on 2 October 2025: 90 days
    # before 31 December, so active when K1 2026 starts (the day the year of Overzicht starts), lost by
    # 31 March; from 1 January Q was not active at the start at all.
    transactions = pd.DataFrame({"Klant": ["P", "P", "Q", "R"],
                                 "Datum": pd.to_datetime(["2026-03-15", "2026-04-01", "2025-10-02", "2026-06-30"]),
                                 "Bedrag": 10.0})
    table = quarterly_churn(transactions, "2026-06-30", 90, quarters=2)
    assert table["Kwartaal"].tolist() == ["2026 K1", "2026 K2"]
    assert table["Actief begin"].tolist() == [1, 1]  # K1: Q on 31-12-2025; K2: P on 31-03-2026
    assert table["Niet meer actief"].tolist() == [1, 0]


def test_the_quarters_of_a_year_chain_to_the_year_of_overzicht():
    # with the peildatum on 31-12 the first quarter starts with the year's active customers, and each
    # quarter starts with the customers active at the end of the one before
    from klant_xl.status import churn_over_period

    days = pd.date_range("2024-01-01", "2025-12-31", freq="17D")
    transactions = pd.DataFrame({"Klant": [f"K{i % 23}" for i in range(len(days))], "Datum": days, "Bedrag": 1.0})
    table = quarterly_churn(transactions, "2025-12-31", 60, quarters=4)
    assert table["Kwartaal"].tolist() == ["2025 K1", "2025 K2", "2025 K3", "2025 K4"]
    year = churn_over_period(transactions, "2024-12-31", "2025-12-31", 60)
    assert table["Actief begin"].iloc[0] == year.active_at_start
    ends = [churn_over_period(transactions, start, end, 60) for start, end in
            [("2024-12-31", "2025-03-31"), ("2025-03-31", "2025-06-30"), ("2025-06-30", "2025-09-30"),
             ("2025-09-30", "2025-12-31")]]
    assert table["Actief begin"].tolist() == [result.active_at_start for result in ends]
    assert table["Niet meer actief"].tolist() == [result.active_at_start - result.retained for result in ends]


def test_quarterly_churn_needs_threshold(churn_data):
    with pytest.raises(InvoerFout, match="Drempel inactief"):
        quarterly_churn(churn_data[0], "2026-07-15", None)


# --------------------------------------------------------------------------- exports

def test_exclusion_list(summary, status):
    frame = exclusion_list(summary, status)
    # same day: by Klant (no revenue in an exclusion list)
    assert frame["Klant"].tolist() == ["k5", "k6", "k3", "k7", "k2", "k4"]
    assert frame["Status"].tolist() == ["Inactief"] * 5 + ["Verloren"]
    assert frame.columns.tolist() == ["Klant", "Status", "Laatste activiteit", "Dagen sinds activiteit", "E-mail"]
    only_lost = exclusion_list(summary, status, statuses=("Verloren",))
    assert only_lost["Klant"].tolist() == ["k4"] and only_lost["E-mail"].tolist() == ["k4@voorbeeld.nl"]


def test_write_mailing_csv_format(tmp_path):
    frame = pd.DataFrame({
        "Klant": ["=1+1", "+31612345678", "-kort", "@SUM(A1)", "\tx", "\rx", "jan;piet", "gewoon", None],
        "Omzet": [1234.5, -3.25, 0.0, 2.0, np.nan, 10.0, 1e-4, 7.0, 1.0],
        "Laatste activiteit": pd.to_datetime(["2026-11-24"] * 8 + [None]),
    })
    path = write_mailing_csv(frame, tmp_path / "uitsluiten.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Klant", "Omzet", "Laatste activiteit"]
    assert rows[1] == ["'=1+1", "1234,5", "2026-11-24"]
    assert rows[2] == ["'+31612345678", "'-3,25", "2026-11-24"]
    assert rows[3][0] == "'-kort" and rows[3][1] == "0"
    assert rows[4][0] == "'@SUM(A1)"
    assert rows[5] == ["'\tx", "", "2026-11-24"]
    assert rows[6][0] == "'\rx"
    assert rows[7] == ["jan;piet", "0,0001", "2026-11-24"]
    assert rows[9] == ["", "1", ""]
    assert b"\r\n" in raw


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
cells = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["=", "+", "-", "@", "\t", "\r", "=cmd|' /C calc'!A0", "-2+3", "@x", " =1"]),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.integers(-10**6, 10**6),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=0, max_size=8),
       st.sampled_from(["Klant", "=Kop", "-kop"]))
def test_mailing_csv_no_cell_starts_with_a_formula_character(rows, header):
    frame = pd.DataFrame(rows, columns=[header, "Notitie"], dtype=object)
    text = mailing_csv_text(frame)
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(parsed) == len(rows) + 1
    for row in parsed:
        assert len(row) == 2
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    # text cells come back as written, with "'" in front exactly when they start like a formula
    for original, row in zip(rows, parsed[1:]):
        for value, cell in zip(original, row):
            if isinstance(value, str):
                assert cell == ("'" + value if value.startswith(FORMULA_START + ("\n",)) else value)


# --------------------------------------------------------------------------- retention period

@pytest.mark.parametrize("years, cutoff", [
    (7, "2019-11-24"), (7.0, "2019-11-24"), ("2", "2024-11-24"), (1.5, "2025-05-25"),
])
def test_retention_cutoff(years, cutoff):
    assert retention_cutoff(D("2026-11-24"), years) == D(cutoff)


def test_retention_cutoff_leap_day():
    assert retention_cutoff("2028-02-29", 1) == D("2027-02-28")


@pytest.mark.parametrize("years", [0, -1, "zeven", None, float("nan")])
def test_retention_bad_years(years):
    with pytest.raises(WaardeFout, match="Bewaartermijn"):
        retention_cutoff("2026-11-24", years)


@pytest.fixture
def old_customers():
    index = pd.Index(["oud", "grens", "recent", "inactief-oud", "KLANT-0A1B2C3D", "ook-oud"], name="Klant")
    frame = pd.DataFrame({"Laatste activiteit": pd.to_datetime(
        ["2019-11-23", "2019-11-24", "2024-01-01", "2018-01-01", "2010-01-01", "2015-06-30"])}, index=index)
    frame["Dagen sinds activiteit"] = (D("2026-11-24") - frame["Laatste activiteit"]).dt.days.astype(float)
    status = pd.Series(["Verloren", "Verloren", "Verloren", "Inactief", "Verloren", "Verloren"], index=index)
    return frame, status


def test_retention_flags(old_customers):
    frame, status = old_customers
    flags = retention_flags(frame, status, None, 7)
    assert flags.name == "Verwijderen" and flags.dtype == bool
    # exactly 7 years is not older; an inactive customer is never flagged; a pseudonym is done
    assert flags.to_dict() == {"oud": True, "grens": False, "recent": False, "inactief-oud": False,
                               "KLANT-0A1B2C3D": False, "ook-oud": True}
    assert retention_flags(frame, None, "2026-11-24", 7)["inactief-oud"]


def test_pseudonym_stable_and_keyed():
    first = pseudonym("jan@voorbeeld.nl", "geheim")
    assert re.fullmatch(r"KLANT-[0-9A-F]{8}", first)
    assert pseudonym(" jan@voorbeeld.nl", "geheim") == first
    assert pseudonym("jan@voorbeeld.nl", "anders") != first
    assert pseudonym(1001, "geheim") == pseudonym("1001", "geheim") == pseudonym(1001.0, "geheim")
    assert "jan" not in first.lower()
    # HMAC-SHA256 oracle, written out here
    import hashlib
    import hmac
    expected = hmac.new(b"geheim", b"jan@voorbeeld.nl", hashlib.sha256).hexdigest()[:8].upper()
    assert first == "KLANT-" + expected
    assert is_pseudonym(first) and not is_pseudonym("jan@voorbeeld.nl")


def test_purge_plan(old_customers):
    frame, status = old_customers
    plan = purge_plan(frame, status, "2026-11-24", 7, salt="s")
    assert plan.index.tolist() == ["ook-oud", "oud"]
    assert plan.columns.tolist() == ["Pseudoniem", "Laatste activiteit"]
    assert plan.loc["oud", "Pseudoniem"] == pseudonym("oud", "s")
    assert plan.loc["ook-oud", "Laatste activiteit"] == D("2015-06-30")
    assert purge_plan(frame, status, "2026-11-24", 20, salt="s").empty


def test_winback_outcomes_numeric_ids_in_raw_transactions():
    # a frame straight from a sheet: ids as numbers; tracking typed as text
    transactions = pd.DataFrame({"Klant": [1001.0, 1002], "Datum": pd.to_datetime(["2026-05-01", "2026-05-01"]),
                                 "Bedrag": [10.0, 20.0]}, dtype=object)
    transactions["Datum"] = pd.to_datetime(transactions["Datum"])
    tracking = pd.DataFrame({"Klant": ["1001", " 1002 "], "Benaderd op": ["2026-04-01", "2026-05-02"]})
    out = winback_outcomes(tracking, transactions)
    assert out["Teruggewonnen"].tolist() == [True, False]
    assert out["Omzet sinds contact"].tolist() == [10.0, 0.0]


def test_winback_report(tracking, transactions):
    from klant_xl.winback import winback_report

    report = winback_report(tracking, transactions, "2026-07-15", 90)
    assert set(report) == {"uitkomsten", "per maand", "per reden", "per kanaal", "per kwartaal",
                           "terugwinpercentage"}
    assert report["terugwinpercentage"] == 0.4
    assert report["per reden"].columns.tolist() == ["Reden", "Benaderd", "Teruggewonnen", "Percentage"]
    assert report["per maand"]["Maand"].tolist() == ["2026-03", "2026-04"]
    assert report["per kwartaal"]["Kwartaal"].tolist()[-1] == "2026 K2"
    empty = winback_report(None, transactions, "2026-07-15", 90)
    assert empty["terugwinpercentage"] is None and empty["uitkomsten"].empty
    assert empty["per reden"].empty and list(empty["per reden"].columns) == ["Reden", "Benaderd", "Teruggewonnen",
                                                                              "Percentage"]


def test_a_customer_active_after_the_peildatum_is_never_flagged_for_removal():
    from klant_xl import analyse
    from klant_xl.settings import DEFAULTS

    summary = pd.DataFrame({"Laatste activiteit": pd.to_datetime(["2010-01-01", "2010-01-01"])},
                           index=pd.Index(["K1", "K2"], name="Klant"))
    status = pd.Series(["Verloren", "Verloren"], index=summary.index)
    assert retention_flags(summary, status, "2018-12-31", 7).tolist() == [True, True]
    assert retention_flags(summary, status, "2018-12-31", 7, active_after=["K1"]).tolist() == [False, True]
    # the analysis finds them: K1 bought again in 2025, after the peildatum 31-12-2018
    transactions = pd.DataFrame({"Klant": ["K1", "K1", "K2"], "Bedrag": 10.0,
                                 "Datum": pd.to_datetime(["2010-01-01", "2025-11-01", "2010-01-01"])})
    settings = DEFAULTS.with_(reference_date=pd.Timestamp("2018-12-31"), inactive_days=180, lost_days=365)
    result = analyse(transactions, settings=settings)
    assert result.active_after.tolist() == ["K1"]
    assert result.customer_table().set_index("Klant")["Verwijderen"].to_dict() == {"K1": False, "K2": True}
