"""Tests of klant_xl.exports: real export layouts read as purchases.

The fixtures in tests/data/exports/profielen/ are written from the real column lists of each
export (provenance in tests/data/README.md). Every expected value below is computed by hand
from the fixture rows, written out in the comment next to it.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.errors import InvoerFout, KlantXLError, KolomOntbreekt, WaardeFout
from klant_xl.exports import (
    EXPORT_PROFILES,
    STATUS_VALUES,
    normalise_email,
    normalise_phone,
    parse_column_choices,
    read_export,
)

from .conftest import DATA

PROFILES = DATA / "exports" / "profielen"

CASES = [
    pytest.param(
        "shopify_orders_export.csv", None, "Shopify (orderexport)",
        # 11 rows, 8 orders #1001-#1008; counted #1001 (60), #1002 (45), #1004 (250 - 50 refunded = 200),
        # #1008 (75) = 380; bram in upper case with spaces is one customer with bram@.
        11, 8, 4, ["an@voorbeeld.nl", "bram@voorbeeld.nl", "dave@voorbeeld.nl"], 380.00,
        {"geannuleerd": (1, [5]), "geen klant": (1, [8]), "terugbetaald": (2, [9, 10]), "niet betaald": (1, [11])},
        id="shopify",
    ),
    pytest.param(
        "woocommerce_advanced_order_export.csv", None, "WooCommerce (Advanced Order Export)",
        # the order total is on every item row: 5001 = 120 once (not 240), 5002 = 45,
        # 5004 = 90 - 15 refund = 75 (not 270), 5008 = 60; total 300
        11, 8, 4, ["an@voorbeeld.nl", "bram@voorbeeld.nl", "eva@voorbeeld.nl"], 300.00,
        {"geannuleerd": (1, [5]), "mislukt": (1, [9]), "niet betaald": (1, [10]), "terugbetaald": (1, [11])},
        id="woocommerce-plugin",
    ),
    pytest.param(
        "woocommerce_analytics_orders.csv", None, "WooCommerce (Analytics > Bestellingen)",
        # only a name: no key unless chosen, every row is 'geen klant'
        6, 6, 0, [], 0.0, {"geen klant": (6, [2, 3, 4, 5, 6])},
        id="woocommerce-native-default",
    ),
    pytest.param(
        "woocommerce_analytics_orders.csv", {"Klant": "Customer"}, "WooCommerce (Analytics > Bestellingen)",
        # chosen name key: 6001 (100), 6002 (45), 6004 (50, "An  de Vries" with two spaces), 6006 (30)
        6, 6, 4, ["An de Vries", "Bram Jansen", "Chris Bakker"], 225.00,
        {"terugbetaald": (1, [4]), "geannuleerd": (1, [6])},
        id="woocommerce-native-name",
    ),
    pytest.param(
        "lightspeed_x_series_sales_history.csv", None, "Lightspeed Retail X-Series (verkoopgeschiedenis)",
        # receipts 1001 (sale row 60; lines 50+10 and payment 60 not added), 1004 (30), 1005 (return -10)
        15, 5, 3, ["KL-0001", "KL-0002"], 80.00,
        {"betaalregel": (4, [5, 8, 13, 16]), "geen klant": (2, [6, 7]), "geannuleerd": (2, [9, 10])},
        id="lightspeed-x-series",
    ),
    pytest.param(
        "lightspeed_ecom_orders.csv", None, "Lightspeed eCom (bestellingen)",
        # ORD00101 total 50 on both lines (counted once), ORD00102 45
        5, 4, 2, ["an@voorbeeld.nl", "bram@voorbeeld.nl"], 95.00,
        {"niet betaald": (1, [5]), "geannuleerd": (1, [6])},
        id="lightspeed-ecom",
    ),
    pytest.param(
        "moneybird_verkoopfacturen.csv", None, "Moneybird (verkoopfacturen)",
        # 1.234,56 + 45,00 - 234,56 (credit invoice) = 1.045,00; open and concept invoices are no sale
        6, 5, 3, ["1001", "1002"], 1045.00,
        {"niet betaald": (1, [5]), "concept": (1, [6]), "totaalregel": (1, [7])},
        id="moneybird-semicolon-euro",
    ),
    pytest.param(
        "sumup_verkaufsbericht.csv", None, "SumUp (verkooprapport)",
        # till receipts have no customer; 'Konto' is the shop's own account, never the key
        4, 3, 0, [], 0.0, {"geen klant": (4, [2, 3, 4, 5])},
        id="sumup-pos",
    ),
]


@pytest.mark.parametrize("name, columns, profile, rows, orders, counted, customers, revenue, skipped", CASES)
def test_profiles_read_to_hand_computed_purchases(name, columns, profile, rows, orders, counted, customers,
                                                  revenue, skipped):
    frame, report = read_export(PROFILES / name, columns)
    assert report.profile == profile
    assert report.rows == rows
    assert report.orders == orders
    assert report.counted_orders == counted == len(frame)
    assert sorted(frame["Klant"].unique()) == customers
    assert report.customers == len(customers)
    assert report.revenue == pytest.approx(revenue)
    assert frame["Bedrag"].sum() == pytest.approx(revenue)
    assert {k: (v["regels"], v["voorbeelden"]) for k, v in report.skipped.items()} == skipped
    assert tuple(frame.columns) == ("Klant", "Datum", "Bedrag", "Product", "Kanaal")
    assert frame["Datum"].dtype == "datetime64[ns]"


def test_every_profile_has_a_fixture_test():
    tested = {p.values[2] for p in CASES}
    assert tested == {p.name for p in EXPORT_PROFILES}


def test_shopify_first_row_fields_apply_to_all_rows_of_the_order():
    frame, report = read_export(PROFILES / "shopify_orders_export.csv")
    first = frame.loc[2]
    # the second line of #1001 has no e-mail, status or date; it is part of the same purchase
    assert (first["Klant"], first["Datum"], first["Bedrag"], first["Product"]) == \
        ("an@voorbeeld.nl", pd.Timestamp("2026-03-01"), 60.0, "Wandelschoen Alpina")
    assert 3 not in frame.index
    assert report.skipped_rows() == 5


def test_repeated_order_total_counts_once():
    raw = pd.DataFrame({"Order Number": ["1", "1", "1"], "Order Date": ["2026-01-05"] * 3,
                        "Email (Billing)": ["a@x.nl"] * 3, "Order Total Amount": ["30.00"] * 3,
                        "Item Name": ["a", "b", "c"]})
    frame, report = read_export(raw)
    assert frame["Bedrag"].tolist() == [30.0]  # a naive sum would be 90
    assert report.messages == []


def test_line_amounts_are_summed_without_an_order_amount():
    raw = pd.DataFrame({"Ordernummer": ["A", "A", "B"], "Datum": ["01-02-2026"] * 3, "E-mail": ["a@x.nl"] * 3,
                        "Prijs": ["10,00", "2,50", "4,00"], "Aantal": [2, 4, None]})
    frame, _ = read_export(raw)
    assert frame["Bedrag"].tolist() == [30.0, 4.0]  # 2 × 10 + 4 × 2,50 ; 1 × 4 (blank quantity = 1)


def test_differing_order_amounts_are_warned_about():
    raw = pd.DataFrame({"Ordernummer": ["A", "A"], "Datum": ["01-02-2026"] * 2, "E-mail": ["a@x.nl"] * 2,
                        "Bedrag": ["10", "12"]})
    frame, report = read_export(raw)
    assert frame["Bedrag"].tolist() == [10.0]
    assert "verschilt binnen een bestelling" in report.messages[0] and "Regelbedrag=Bedrag" in report.messages[0]


@pytest.mark.parametrize("status, reason", [
    ("voided", "geannuleerd"), ("Cancelled", "geannuleerd"), ("VOIDED", "geannuleerd"), ("Geannuleerd", "geannuleerd"),
    ("failed", "mislukt"), ("Pending payment", "niet betaald"), ("wc-pending", "niet betaald"), ("pending", "niet betaald"),
    ("refunded", "terugbetaald"), ("Terugbetaald", "terugbetaald"), ("checkout-draft", "concept"),
    ("Terugbetaling", "terugbetaald"), ("Retour", "geretourneerd"), ("returned", "geretourneerd"),
    ("Retour ontvangen", "geretourneerd"),
])
def test_statuses_that_are_no_sale(status, reason):
    raw = pd.DataFrame({"Order ID": ["1", "2"], "Datum": ["2026-01-05", "2026-01-06"], "E-mail": ["a@x.nl", "b@x.nl"],
                        "Bedrag": [10, 20], "Status": ["completed", status]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["a@x.nl"]
    assert report.skipped == {reason: {"regels": 1, "voorbeelden": [3]}}


@pytest.mark.parametrize("status", ["paid", "partially_refunded", "Completed", "Processing", "wc-completed", "Betaald",
                                    "Voltooid", "CLOSED"])
def test_statuses_that_count(status):
    raw = pd.DataFrame({"Datum": ["2026-01-05"], "E-mail": ["a@x.nl"], "Bedrag": [10], "Betaalstatus": [status]})
    frame, report = read_export(raw)
    assert len(frame) == 1 and report.skipped == {}


def test_counted_statuses_are_the_users_choice_and_unknown_ones_are_named():
    raw = pd.DataFrame({"Datum": ["2026-01-05"] * 3, "E-mail": ["a@x.nl", "b@x.nl", "c@x.nl"], "Bedrag": [1, 2, 3],
                        "Financial Status": ["paid", "partially_refunded", "afgehaald"]})
    frame, report = read_export(raw, counted_statuses=["paid"])
    assert frame["Klant"].tolist() == ["a@x.nl"]
    assert report.skipped["andere status"]["regels"] == 2
    assert "'afgehaald' (1 regel)" in report.messages[0] and "--status-telt" in report.messages[0]
    frame, _ = read_export(raw, counted_statuses=["paid", "afgehaald"])
    assert frame["Klant"].tolist() == ["a@x.nl", "c@x.nl"]


def test_the_hint_for_an_unknown_status_keeps_the_statuses_that_count():
    # following 'Tel ze mee met --status-telt' with only the unknown status made every other status stop counting
    raw = pd.DataFrame({"Datum": ["2026-01-05"] * 4, "E-mail": ["a@x.nl", "b@x.nl", "c@x.nl", "d@x.nl"],
                        "Bedrag": [1, 2, 3, 4],
                        "Order Status": ["wc-completed", "wc-processing", "wc-completed-custom", "wc-cancelled"]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["a@x.nl", "b@x.nl"]
    hint = '--status-telt "wc-completed,wc-processing,wc-completed-custom"'
    assert hint in report.messages[0] and "'Statussen die als verkoop tellen'" in report.messages[0]
    frame, report = read_export(raw, counted_statuses="wc-completed,wc-processing,wc-completed-custom".split(","))
    assert frame["Klant"].tolist() == ["a@x.nl", "b@x.nl", "c@x.nl"] and report.messages == []


def test_status_mapping_is_editable_data(monkeypatch):
    monkeypatch.setitem(STATUS_VALUES, "afgehaald", None)
    raw = pd.DataFrame({"Datum": ["2026-01-05"], "E-mail": ["a@x.nl"], "Bedrag": [1], "Status": ["Afgehaald"]})
    assert len(read_export(raw)[0]) == 1


def test_guests_are_skipped_and_counted():
    raw = pd.DataFrame({"Datum": ["2026-01-05", "2026-01-06", "2026-01-07"], "E-mail": ["a@x.nl", None, " "],
                        "Bedrag": [1, 2, 3]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["a@x.nl"]
    assert report.skipped == {"geen klant": {"regels": 2, "voorbeelden": [3, 4]}}
    assert frame.attrs["rows_without_customer"] == 2


def test_email_case_and_spaces_are_one_customer():
    raw = pd.DataFrame({"Datum": ["2026-01-05", "2026-02-05"], "Email": ["An@Voorbeeld.NL ", " an@voorbeeld.nl"],
                        "Bedrag": [1, 2]})
    frame, _ = read_export(raw)
    assert frame["Klant"].tolist() == ["an@voorbeeld.nl", "an@voorbeeld.nl"]


def test_identity_precedence_id_then_email_then_phone():
    raw = pd.DataFrame({"Datum": ["2026-01-05"] * 4, "Customer ID": ["17", "0", None, None],
                        "Email": ["a@x.nl", "B@x.nl", None, None], "Phone": [None, None, "+31 6 1234 5678", None],
                        "Bedrag": [1, 2, 3, 4]})
    frame, report = read_export(raw)
    # a customer id of 0 is a WooCommerce guest: the e-mail is the key then
    assert frame["Klant"].tolist() == ["17", "b@x.nl", "0612345678"]
    assert report.skipped == {"geen klant": {"regels": 1, "voorbeelden": [5]}}


def test_refunds_lower_revenue():
    raw = pd.DataFrame({"Name": ["#1", "#2"], "Email": ["a@x.nl", "b@x.nl"], "Financial Status": ["partially_refunded", "paid"],
                        "Created at": ["2026-01-05", "2026-01-06"], "Total": ["100.00", "50.00"],
                        "Refunded Amount": ["30.00", "0.00"], "Lineitem quantity": [1, 1], "Lineitem price": ["100", "50"]})
    frame, report = read_export(raw)
    assert frame["Bedrag"].tolist() == [70.0, 50.0]
    assert report.revenue == pytest.approx(120.0)


def test_name_only_key_needs_a_choice_and_warns():
    raw = pd.DataFrame({"Datum": ["2026-01-05", "2026-01-06"], "Klantnaam": ["Jan de Boer", "Jan de Boer"],
                        "Bedrag": [1, 2]})
    frame, report = read_export(raw)
    assert frame.empty and "--kolom Klant=Klantnaam" in report.messages[0]
    frame, report = read_export(raw, {"Klant": "Klantnaam"})
    assert frame["Klant"].tolist() == ["Jan de Boer"] * 2
    assert any("Namen voegen verschillende mensen" in m for m in report.messages)


@pytest.mark.parametrize("value", ["inf", "1e309", "-Infinity"])
def test_non_finite_amount_is_an_error_naming_row_and_value(value):
    raw = pd.DataFrame({"Datum": ["2026-01-05", "2026-01-06"], "E-mail": ["a@x.nl", "b@x.nl"], "Bedrag": ["10", value]})
    with pytest.raises(WaardeFout) as err:
        read_export(raw)
    assert err.value.row == 3 and err.value.column == "Bedrag" and value in str(err.value)


def test_error_cell_in_the_key_column_is_reported():
    raw = pd.DataFrame({"Datum": ["2026-01-05", "2026-01-06"], "Klant": ["k1", "#N/A"], "Bedrag": [1, 2]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["k1"]
    assert report.skipped == {"foutwaarde": {"regels": 1, "voorbeelden": [3]}}
    assert "#N/A" in report.messages[0] and "'Klant'" in report.messages[0] and "rij 3" in report.messages[0]


def test_merged_key_cells_are_reported_not_dropped_silently(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Klant", "Datum", "Bedrag"])
    ws.append(["k1", "2026-01-05", 10])
    ws.append([None, "2026-01-06", 20])
    ws.merge_cells("A2:A3")
    path = tmp_path / "samengevoegd.xlsx"
    wb.save(path)
    frame, report = read_export(path)
    assert frame["Klant"].tolist() == ["k1"]
    assert report.skipped == {"geen klant": {"regels": 1, "voorbeelden": [3]}}


def test_far_outlier_date_warns_and_does_not_move_the_default_peildatum():
    dates = ["2026-01-05", "2026-03-01", "2026-06-30", "2099-01-01"]
    raw = pd.DataFrame({"Datum": dates, "E-mail": ["a@x.nl", "b@x.nl", "c@x.nl", "d@x.nl"], "Bedrag": [1, 2, 3, 4]})
    frame, report = read_export(raw)
    assert len(frame) == 4
    assert report.reference_date == pd.Timestamp("2026-06-30")
    assert "rij 5 (01-01-2099)" in report.messages[0] and "30-06-2026" in report.messages[0]


def _every_other_day(extra, start="2024-01-01", end="2025-12-31"):
    days = [*pd.date_range(start, end, freq="2D").strftime("%Y-%m-%d"), *extra]
    return pd.DataFrame({"Datum": days, "E-mail": [f"k{i % 50}@x.nl" for i in range(len(days))], "Bedrag": 1.0})


def test_one_date_months_after_daily_sales_warns_and_keeps_the_peildatum():
    # sales every other day up to 31-12-2025 and one order typed as 20-09-2026 (not after today):
    # 263 days apart where the largest other gap is 2 days. It moved the peildatum, and every
    # customer became inactive, without a word.
    frame, report = read_export(_every_other_day(["2026-09-20"]), today=pd.Timestamp("2026-12-06"))
    assert len(frame) == 367  # the order itself still counts
    assert report.reference_date == pd.Timestamp("2025-12-31")
    assert report.messages == [
        "Onwaarschijnlijke datum ver na de andere datums: rij 368 (20-09-2026). De standaard-peildatum is daarom "
        "31-12-2025, de laatste gewone datum (latere aankopen tellen dan niet mee); geef een peildatum op als die "
        "datum toch klopt."]


@pytest.mark.parametrize("extra", [["2026-02-20"], ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]])
def test_a_short_break_or_a_reopened_shop_is_no_stray_date(extra):
    # 51 days after the last sale is within the 60 days; four days of sales after a break are no stray dates
    _, report = read_export(_every_other_day(extra), today=pd.Timestamp("2026-12-06"))
    assert report.reference_date is None and report.messages == []


def test_a_seasonal_shop_s_yearly_gap_is_no_stray_date():
    days = [f"{year}-12-{day:02d}" for year in range(2015, 2026) for day in range(1, 25)]
    raw = pd.DataFrame({"Datum": days, "E-mail": "a@x.nl", "Bedrag": 1.0})
    _, report = read_export(raw, today=pd.Timestamp("2026-12-06"))
    assert report.reference_date is None and report.messages == []


def test_a_date_far_before_the_others_warns_and_counts():
    frame, report = read_export(_every_other_day(["1925-01-02"]), today=pd.Timestamp("2026-12-06"))
    assert len(frame) == 367 and pd.Timestamp("1925-01-02") in set(frame["Datum"])
    assert report.reference_date is None
    assert report.messages == [
        "Onwaarschijnlijke datum ver voor de andere datums: rij 368 (02-01-1925). Die aankopen tellen mee (ook in "
        "'Klanten per jaar'); de andere datums beginnen op 01-01-2024. Klopt de datum niet, verbeter hem dan in de "
        "export."]


def test_a_totals_word_with_a_date_counts_and_is_named():
    # 'Totaal,2025-03-05,60.00' at the bottom doubled the revenue without a word; a totals row without a date
    # is skipped as before
    raw = pd.DataFrame({"Klant": ["K1", "K2", "Totaal", "TOTAAL"], "Datum": ["2025-03-01", "2025-03-02", "2025-03-05",
                                                                           None], "Bedrag": [10.0, 50.0, 60.0, 60.0]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["K1", "K2", "Totaal"]
    assert report.skipped == {"totaalregel": {"regels": 1, "voorbeelden": [5]}}
    assert report.messages == ["'Totaal' (rij 4) lijkt een totaalregel, maar heeft een datum: telt mee als bestelling "
                               "van een klant met die naam. Is het een totaal, haal de regel dan uit de export."]
    _, report = read_export(raw.assign(Klant=["K1", "K2", "Totalsport", None]).iloc[:3])
    assert report.messages == []  # a customer whose name only starts with a totals word


def test_a_header_row_again_is_skipped_and_counted(tmp_path):
    # two exports pasted one under the other: "Onbekende status 'Financial Status'" or "Bedrag in rij 4 is geen
    # bedrag: 'Bedrag'" instead of a skipped header row
    frame, report = _export(tmp_path / "twee.csv", [
        SHOPIFY_HEADER, "#1001,an@x.nl,paid,2025-03-01 10:00:00 +0100,1,Schoen,50.00,55.00,",
        SHOPIFY_HEADER, "#1002,bert@x.nl,paid,2025-03-05 10:00:00 +0100,1,Laars,80.00,80.00,",
    ])
    assert sorted(frame["Bedrag"].tolist()) == [55.0, 80.0] and report.messages == []
    assert report.skipped == {"kopregel herhaald": {"regels": 1, "voorbeelden": [3]}}
    raw = pd.DataFrame({"Klant": ["K1", "Klant", "K2"], "Datum": ["2025-01-05", "Datum", "2025-01-06"],
                        "Bedrag": ["10", "Bedrag", "5"]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["K1", "K2"] and report.skipped["kopregel herhaald"]["regels"] == 1


def test_date_after_today_warns():
    raw = pd.DataFrame({"Datum": ["2026-01-05", "2026-03-01"], "E-mail": ["a@x.nl", "b@x.nl"], "Bedrag": [1, 2]})
    _, report = read_export(raw, today=pd.Timestamp("2026-02-01"))
    assert report.reference_date == pd.Timestamp("2026-01-05")
    assert "na vandaag" in report.messages[0]
    _, report = read_export(raw, today=pd.Timestamp("2026-12-01"))
    assert report.reference_date is None and report.messages == []


def test_contact_details_latest_non_blank_per_customer():
    frame, report = read_export(PROFILES / "shopify_orders_export.csv")
    details = report.contact_details
    assert details.loc["dave@voorbeeld.nl", "Telefoon"] == "+31 6 1234 5678"  # only on the later order
    assert details.loc["bram@voorbeeld.nl", "Nieuwsbrief"] is False
    assert details.loc["an@voorbeeld.nl", "Naam"] == "An de Vries"
    assert details.loc["an@voorbeeld.nl", "Woonplaats"] == "Utrecht"
    woo = read_export(PROFILES / "woocommerce_advanced_order_export.csv")[1].contact_details
    assert woo.loc["eva@voorbeeld.nl", "Naam"] == "Eva Mulder"  # first + last name joined


def test_column_choices_override_and_unknown_roles():
    assert parse_column_choices("Klant=E-mail; Bedrag=") == {"Klant": "E-mail", "Bedrag": None}
    with pytest.raises(InvoerFout, match="Onbekende rol 'Klnt'"):
        parse_column_choices("Klnt=E-mail")
    with pytest.raises(InvoerFout, match="heeft geen '='"):
        parse_column_choices(["Klant"])
    raw = pd.DataFrame({"Datum": ["2026-01-05"], "E-mail": ["a@x.nl"], "Lid": ["L7"], "Bedrag": [1]})
    assert read_export(raw, {"Klant": "Lid"})[0]["Klant"].tolist() == ["L7"]
    with pytest.raises(KolomOntbreekt, match="'Bestaat niet'"):
        read_export(raw, {"Klant": "Bestaat niet"})


def test_report_json_and_lines_are_dutch():
    _, report = read_export(PROFILES / "shopify_orders_export.csv")
    data = report.to_dict()
    assert data["omzet"] == 380.0 and data["regels"] == 11 and data["bestellingen"] == 8
    assert data["overgeslagen"]["geen klant"] == {"regels": 1, "voorbeelden": [8]}
    lines = report.lines()
    assert lines[0].startswith("Export gelezen als Shopify (orderexport): 11 regels, 8 bestellingen")
    assert lines[1].startswith("Kolommen (profiel Shopify (orderexport)): E-mail ← 'Email', Telefoon ← 'Phone'")
    assert "Overgeslagen (geen klant): 1 regel, bijvoorbeeld rij 8." in lines


def test_template_layout_reads_as_before():
    raw = pd.DataFrame({"Klant": [1001, 1002], "Datum": ["23-11-2026", "24-11-2026"], "Bedrag": ["€ 1.234,56", "-12,50"],
                        "Product": ["a", None], "Kanaal": [None, "winkel"]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["1001", "1002"]
    assert frame["Bedrag"].tolist() == [1234.56, -12.5]
    assert frame.index.tolist() == [2, 3]
    assert report.profile is None and report.columns[0] == ("Klant", "Klant", "bekende kolomnaam")


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", None]), st.sampled_from(["paid", "voided", None]),
                          st.integers(-50, 500)), min_size=1, max_size=25))
def test_every_row_is_counted_or_skipped_and_revenue_is_the_counted_orders(rows):
    """Invariant: rows = rows in counted orders + skipped rows; revenue = sum of the counted orders' first totals."""
    raw = pd.DataFrame({
        "Order ID": [f"o{i // 2}" for i in range(len(rows))],
        "Datum": ["2026-01-05"] * len(rows),
        "E-mail": [None if c is None else f"{c}@x.nl" for c, _, _ in rows],
        "Status": [s for _, s, _ in rows],
        "Order Total": [a for _, _, a in rows],
    })
    frame, report = read_export(raw)
    orders = raw.groupby("Order ID", sort=False).agg(lambda s: s.dropna().iloc[0] if s.notna().any() else None)
    counted = orders[orders["E-mail"].notna() & (orders["Status"] != "voided")]
    assert len(frame) == len(counted)
    assert math.isclose(report.revenue, float(counted["Order Total"].sum()), abs_tol=1e-9)
    in_counted = raw["Order ID"].isin(counted.index).sum()
    assert in_counted + report.skipped_rows() == len(raw)


def test_normalisers():
    assert normalise_email(["  X@Y.NL"]).tolist() == ["x@y.nl"]
    assert normalise_phone(["+32 470 12 34 56"]).tolist() == ["+32470123456"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.booleans(),
                          st.one_of(st.none(), st.just(float("nan")), st.just(pd.NaT), st.text(max_size=2),
                                    st.integers(0, 2), st.booleans(), st.floats(allow_nan=False))),
                max_size=25))
def test_an_order_level_field_is_the_first_value_of_a_kept_line_of_its_order(lines):
    """Row order decides, never the value: 1, 1.0 and True are three different first values."""
    from klant_xl.exports import _first_per_order

    orders = np.array([order for order, _, _ in lines], dtype=np.int64)
    keep = np.array([kept for _, kept, _ in lines], dtype=bool)
    values = np.empty(len(lines), dtype=object)
    values[:] = [value for _, _, value in lines]

    def missing(value):
        return value is None or value is pd.NaT or (isinstance(value, float) and value != value)

    first = {}
    for order, kept, value in lines:
        if kept and not missing(value) and order not in first:
            first[order] = value
    expected = [first.get(order) for order, _, _ in lines]
    got = _first_per_order(values, keep, orders, 5).tolist()
    assert [(type(v), v) for v in got] == [(type(v), v) for v in expected]



def test_dates_with_summer_and_winter_offsets_are_read_as_the_day_they_show():
    # a frame from a shop's API: aware datetimes, +01:00 in winter and +02:00 in summer. pandas gives up
    # on a column of two offsets (it made the second "geen bruikbare datum"); each is its own wall date
    winter = dt.timezone(dt.timedelta(hours=1))
    summer = dt.timezone(dt.timedelta(hours=2))
    frame = pd.DataFrame({
        "Klant": ["K1", "K2", "K3"],
        "Datum": pd.Series([dt.datetime(2024, 1, 5, 23, 30, tzinfo=winter),
                            pd.Timestamp("2024-06-01T00:15:00+02:00"),
                            dt.datetime(2024, 7, 2, 9, 0, tzinfo=summer)], dtype=object),
        "Bedrag": [10.0, 20.0, 30.0],
    })
    purchases, report = read_export(frame)
    assert purchases["Datum"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-06-01"),
                                           pd.Timestamp("2024-07-02")]
    assert report.messages == []


def test_a_nullable_number_column_is_read_not_a_traceback():
    # an e-mail column of a frame with pandas' NA beside a number: it used to raise TypeError
    frame = pd.DataFrame({"Klant": ["K1", "K2"], "Datum": ["2024-01-01", "2024-01-02"], "Bedrag": [1.0, 2.0],
                          "Email": pd.Series([7.0, pd.NA], dtype=object)})
    purchases, _report = read_export(frame)
    assert purchases["Klant"].tolist() == ["K1", "K2"]


_CELL_KINDS = (
    st.none(), st.just(pd.NA), st.just(pd.NaT), st.just(np.nan), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from(["2024-01-05", "05-01-2024", "1.234,56", "K1", "a@b.nl", " ", "#N/A"]),
    st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2300, 1, 1),
                 timezones=st.sampled_from([None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=2))])),
    st.dates(), st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=9)),
)
_ODD_CELLS = st.one_of(*_CELL_KINDS)


_BLANKS = st.sampled_from([None, pd.NA, pd.NaT, np.nan])
#: a column of one kind of cell and blanks (pandas reads such a column in one vectorised go), or of any cells
_COLUMNS = st.one_of(
    st.lists(_ODD_CELLS, min_size=1, max_size=6),
    *(st.lists(st.one_of(_BLANKS, kind), min_size=1, max_size=6) for kind in _CELL_KINDS),
)


@pytest.mark.parametrize("column", ["Klant", "Datum", "Bedrag", "Email"])
@given(cells=_COLUMNS)
@settings(max_examples=250, deadline=None)
def test_any_cells_in_any_column_are_read_or_refused_in_dutch(column, cells):
    # whatever a frame or a sheet reader hands over: purchases, or one of klant_xl's own errors (a Dutch
    # message), never a TypeError or ValueError from deep inside
    n = len(cells)
    frame = pd.DataFrame({"Klant": [f"K{i}" for i in range(n)], "Datum": ["2024-01-05"] * n, "Bedrag": [1.0] * n,
                          "Email": [None] * n})
    frame[column] = pd.Series(cells, dtype=object)
    try:
        purchases, _report = read_export(frame)
    except KlantXLError as exc:
        assert str(exc)
    else:
        assert len(purchases) <= n


SHOPIFY_HEADER = ("Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem price,Total,"
                  "Cancelled at")


def _export(path, lines: list[str]):
    """An export file of these lines, read as ``klant-xl analyse`` reads it: (frame, report)."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_export(path)


def test_a_shopify_order_with_a_cancellation_date_is_no_purchase_whatever_its_payment_status(tmp_path):
    # a Shopify order cancelled without a refund keeps Financial Status "paid"; "Cancelled at" says it is undone
    frame, report = _export(tmp_path / "orders_export.csv", [
        SHOPIFY_HEADER,
        "#1001,an@x.nl,paid,2025-03-01 10:00:00 +0100,1,Schoen,50.00,55.00,",
        "#1001,,,2025-03-01 10:00:00 +0100,1,Veters,5.00,,",
        "#1002,bert@x.nl,paid,2025-03-05 10:00:00 +0100,1,Laars,80.00,80.00,",
        "#1003,an@x.nl,paid,2025-04-01 10:00:00 +0100,1,Tas,120.00,120.00,2025-04-02 10:00:00 +0100",
        "#1003,,,2025-04-01 10:00:00 +0100,1,Riem,10.00,,",
    ])
    assert report.profile == "Shopify (orderexport)"
    assert sorted(frame["Bedrag"].tolist()) == [55.0, 80.0]  # #1003 (EUR 120) is gone, #1001 and #1002 count
    assert report.revenue == 135.0 and report.counted_orders == 2 and report.orders == 3
    assert report.skipped["geannuleerd"]["regels"] == 2


def test_a_shopify_export_without_its_status_column_is_still_read_as_orders_and_says_so(tmp_path):
    # with 'Financial Status' deleted the profile was not recognised: the empty 'Receipt Number' became the order
    # number, every line item its own order and the rows without an e-mail 'geen klant'
    path = tmp_path / "orders_export.csv"
    frame, report = _export(path, [
        "Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem price,Total,Receipt Number",
        "#1001,an@x.nl,2025-03-01 10:00:00 +0100,1,Schoen,50.00,55.00,",
        "#1001,,2025-03-01 10:00:00 +0100,1,Veters,5.00,,",
        "#1002,bert@x.nl,2025-03-05 10:00:00 +0100,1,Laars,80.00,80.00,",
    ])
    assert report.profile == "Shopify (orderexport)"
    assert report.orders == 2 and report.counted_orders == 2 and report.revenue == 135.0
    assert report.skipped == {}
    assert report.messages == [
        "Geen statuskolom ('Financial Status') in deze export (Shopify (orderexport)): elke bestelling telt als "
        "verkoop, ook een geannuleerde of onbetaalde. Exporteer opnieuw met die kolom, of kies er een met "
        "--kolom Status=KOLOM ('--kolom Status=' zonder kolom: bewust zonder status)."]
    _, report = read_export(path, columns={"Status": None})  # chosen: no message
    assert report.messages == []


def test_a_no_in_a_cancelled_column_keeps_the_sale():
    raw = pd.DataFrame({"Klant": ["K1", "K2", "K3", "K4"], "Datum": ["2025-01-05"] * 4, "Bedrag": ["10"] * 4,
                        "Geannuleerd": ["nee", "ja", "", "false"]})
    frame, report = read_export(raw)
    assert frame["Klant"].tolist() == ["K1", "K3", "K4"]
    assert report.skipped["geannuleerd"]["regels"] == 1


def test_a_bad_value_in_an_export_workbook_names_its_sheet(tmp_path):
    path = tmp_path / "export.xlsx"
    pd.DataFrame({"Klant": ["K1", "K2", "K3"], "Datum": ["2025-01-01", "morgen", "2025-02-01"],
                  "Bedrag": [1, 2, 3]}).to_excel(path, sheet_name="Orders", index=False)
    with pytest.raises(WaardeFout) as raised:
        read_export(path)
    assert str(raised.value) == "Werkblad 'Orders', Datum in rij 3 is geen datum: 'morgen'"
    assert raised.value.row == 3 and raised.value.value == "morgen"


def test_zoned_and_plain_date_cells_in_one_column_are_read_not_crashed_on():
    # found by hypothesis: pandas refuses a column of a UTC stamp and a plain date ("Mixed timezones")
    raw = pd.DataFrame({"Klant": ["a", "b"], "Bedrag": [1, 2],
                        "Datum": [dt.datetime(2000, 1, 1, 23, 0, tzinfo=dt.timezone.utc), dt.date(2000, 1, 2)]})
    frame, _ = read_export(raw)
    assert frame["Datum"].tolist() == [pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-02")]
