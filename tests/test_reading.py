"""Tests of klant_xl.reading: real export layouts into the canonical frames.

The export fixtures in tests/data/exports/ are small hand-made files in the layout of
Shopify, WooCommerce, Lightspeed Retail and a Dutch bookkeeping package (see
tests/data/README.md); the workbooks are written here with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from klant_xl.errors import InvoerFout, KolomOntbreekt, WaardeFout
from klant_xl.reading import (
    CONTACT_COLUMNS,
    HEADER_ALIASES,
    TRANSACTION_COLUMNS,
    read_contacts,
    read_contacts_lenient,
    read_transactions,
    read_transactions_lenient,
)

from .conftest import DATA

EXPORTS = DATA / "exports"
NAN = float("nan")

D = pd.Timestamp
# The shop's five transactions as every layout below records them (A returns socks).
DATES = [D("2026-03-01"), D("2026-03-02"), D("2026-04-15"), D("2026-05-20"), D("2026-06-30")]
AMOUNTS = [1234.56, 45.0, -12.5, 89.95, 250.0]
PRODUCTS = ["Wandelschoen Alpina", "Sokken (3 paar)", "Sokken (3 paar)", "Regenjas", "Wandelschoen Alpina"]
EMAILS = ["an@voorbeeld.nl", "bram@voorbeeld.nl", "an@voorbeeld.nl", "chris@voorbeeld.nl", "bram@voorbeeld.nl"]


def _same(a, b):
    return all((x is None and y is None) or (isinstance(x, float) and math.isnan(x) and isinstance(y, float) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


def _check_canonical(frame):
    assert tuple(frame.columns) == TRANSACTION_COLUMNS
    assert pd.api.types.is_string_dtype(frame["Klant"].dtype)
    assert frame["Datum"].dtype == "datetime64[ns]"
    assert (frame["Datum"] == frame["Datum"].dt.normalize()).all()
    assert frame["Bedrag"].dtype == "float64"
    assert frame["Product"].dtype == object and frame["Kanaal"].dtype == object
    assert frame.index.dtype == "int64" and frame.index.name == "Rij"


EXPORT_CASES = [
    pytest.param(
        "shopify_orders.csv", {},
        # Created at wins over Paid at; the second line of order #1001 carries no Total.
        [2, 3, 4, 5, 6],
        ["an@voorbeeld.nl", "an@voorbeeld.nl", "bram@voorbeeld.nl", "chris@voorbeeld.nl", "bram@voorbeeld.nl"],
        [D("2026-03-01"), D("2026-03-01"), D("2026-03-02"), D("2026-05-20"), D("2026-06-30")],
        [1234.56, NAN, 45.0, 89.95, 250.0],
        ["Wandelschoen Alpina", "Schoenveters", "Sokken (3 paar)", "Regenjas", "Wandelschoen Alpina"],
        ["web", None, "pos", "web", "web"],
        {"Klant": "Email", "Datum": "Created at", "Bedrag": "Total", "Product": "Lineitem name", "Kanaal": "Source"},
        id="shopify",
    ),
    pytest.param(
        "woocommerce_orders.csv", {}, [2, 3, 4, 5, 6], EMAILS, DATES, AMOUNTS, PRODUCTS, [None] * 5,
        {"Klant": "Billing Email Address", "Datum": "Order Date", "Bedrag": "Order Total",
         "Product": "Item Name", "Kanaal": None},
        id="woocommerce",
    ),
    pytest.param(
        "lightspeed_sales.csv", {"Product": "Details"},
        [2, 3, 5, 6, 7],  # row 4 is an anonymous till sale
        ["KL-0001", "KL-0002", "KL-0001", "KL-0003", "KL-0002"], DATES, AMOUNTS, PRODUCTS,
        ["Winkel Utrecht", "Winkel Utrecht", "Winkel Utrecht", "Winkel Zwolle", "Winkel Zwolle"],
        {"Klant": "Customer Code", "Datum": "Date", "Bedrag": "Total", "Product": "Details", "Kanaal": "Register"},
        id="lightspeed",
    ),
    pytest.param(
        "boekhouding_verkopen.csv", {},
        [4, 5, 6, 7, 8],  # title line, blank line, header in row 3; totals row skipped
        ["1001", "1002", "1001", "1003", "1002"], DATES, AMOUNTS,
        ["Wandelschoen Alpina", "Sokken (3 paar)", "Creditnota: Sokken (3 paar)", "Regenjas", "Wandelschoen Alpina"],
        [None] * 5,
        {"Klant": "Debiteurnummer", "Datum": "Factuurdatum", "Bedrag": "Bedrag incl. BTW",
         "Product": "Omschrijving", "Kanaal": None},
        id="boekhouding-cp1252-semicolon",
    ),
]


@pytest.mark.parametrize("name, columns, rows, customers, dates, amounts, products, channels, mapping", EXPORT_CASES)
def test_real_export_layouts(name, columns, rows, customers, dates, amounts, products, channels, mapping):
    frame = read_transactions(EXPORTS / name, columns)
    _check_canonical(frame)
    assert frame.index.tolist() == rows
    assert frame["Klant"].tolist() == customers
    assert frame["Datum"].tolist() == dates
    assert _same(frame["Bedrag"].tolist(), amounts)
    assert frame["Product"].tolist() == products
    assert frame["Kanaal"].tolist() == channels
    assert frame.attrs["columns"] == mapping


def test_lightspeed_counts_anonymous_sales():
    frame = read_transactions(EXPORTS / "lightspeed_sales.csv")
    assert frame.attrs["rows_without_customer"] == 1
    assert frame["Product"].isna().all()  # 'Details' is not a known header: no product


def _write_xlsx(path, rows, title="Transacties", start="A1"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    col0 = openpyxl.utils.column_index_from_string(start.rstrip("0123456789"))
    row0 = int(start.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.cell(row=row0 + r, column=col0 + c, value=value)
    book.save(path)
    return path


def test_xlsx_with_typed_cells(tmp_path):
    path = _write_xlsx(tmp_path / "kassa.xlsx", [
        ["Klantnummer", "Datum", "Bedrag", "Artikel", "Winkel"],
        [1001, dt.datetime(2026, 3, 1, 14, 3), 1234.56, "Wandelschoen Alpina", "Utrecht"],
        [1002.0, dt.date(2026, 3, 2), 45, "Sokken (3 paar)", "Utrecht"],
        [None, None, None, None, None],
        [1001, "15-04-2026", "€ -12,50", "Sokken (3 paar)", "Utrecht"],
        [" 1003 ", 46162, "89,95", "Regenjas", "Zwolle"],  # 46162 = 2026-05-20 as a serial
        [1002, dt.datetime(2026, 6, 30), 250, "Wandelschoen Alpina", "Zwolle"],
        ["Totaal", None, "=SUM(C2:C7)", None, None],
    ])
    frame = read_transactions(path)
    _check_canonical(frame)
    assert frame.index.tolist() == [2, 3, 5, 6, 7]
    assert frame["Klant"].tolist() == ["1001", "1002", "1001", "1003", "1002"]
    assert frame["Datum"].tolist() == DATES
    assert frame["Bedrag"].tolist() == AMOUNTS
    assert frame["Product"].tolist() == PRODUCTS
    assert frame["Kanaal"].tolist() == ["Utrecht", "Utrecht", "Utrecht", "Zwolle", "Zwolle"]


def test_xlsx_picks_the_transacties_sheet_and_finds_a_lower_header(tmp_path):
    path = tmp_path / "werkmap.xlsm"
    book = openpyxl.Workbook()
    book.active.title = "Uitleg"
    book.active["A1"] = "Lees mij"
    sheet = book.create_sheet("Transacties")
    sheet["B3"], sheet["C3"] = "Klant", "Datum"
    sheet["B4"], sheet["C4"] = "an", dt.date(2026, 1, 5)
    sheet["B5"], sheet["C5"] = "bram", "morgen"
    book.save(path)
    with pytest.raises(WaardeFout, match=r"^Datum in rij 5 is geen datum: 'morgen'$"):
        read_transactions(path)
    with pytest.raises(KolomOntbreekt, match=r"^Kolom 'Klant' ontbreekt \(gevonden kolommen: 'Lees mij'\)\. Herkende namen voor 'Klant': 'Klantnummer'"):
        read_transactions(path, sheet="Uitleg")
    with pytest.raises(InvoerFout, match=r"^Werkblad 'Verkoop' bestaat niet in 'werkmap.xlsm' \(werkbladen: 'Uitleg', 'Transacties'\)\.$"):
        read_transactions(path, sheet="Verkoop")


def test_xlsx_numeric_ids_have_no_decimal_suffix(tmp_path):
    path = _write_xlsx(tmp_path / "ids.xlsx", [["Klant", "Datum"], [8613333333333, 46349], [12.5, 46349], ["007", 46349]])
    assert read_transactions(path)["Klant"].tolist() == ["8613333333333", "12.5", "007"]


# --------------------------------------------------------------------------- DataFrame sources


def test_dataframe_source_canonical_headers():
    raw = pd.DataFrame({
        "Klant": [1001, 1002],
        "Datum": pd.to_datetime(["2026-11-23 10:00", "2026-11-24 00:00"]),
        "Bedrag": [10.0, 20.5],
        "Product": ["a", "b"],
        "Kanaal": ["web", None],
    })
    frame = read_transactions(raw)
    _check_canonical(frame)
    assert frame.index.tolist() == [2, 3]
    assert frame["Klant"].tolist() == ["1001", "1002"]
    assert frame["Datum"].tolist() == [D("2026-11-23"), D("2026-11-24")]
    assert frame["Bedrag"].tolist() == [10.0, 20.5]
    assert frame["Kanaal"].tolist() == ["web", None]


def test_dataframe_first_row_and_no_amount_column():
    raw = pd.DataFrame({"Customer": ["x", "y"], "Date": ["2026-01-01", "2026-01-02"]})
    frame = read_transactions(raw, first_row=10)
    assert frame.index.tolist() == [10, 11]
    assert frame["Bedrag"].isna().all() and frame["Bedrag"].dtype == "float64"
    assert frame["Product"].tolist() == [None, None] and frame["Kanaal"].tolist() == [None, None]


def test_float_ids_from_a_sheet_lose_their_point_zero():
    raw = pd.DataFrame({"Klant": [1001.0, 1002.0, np.nan], "Datum": [46349, 46350, np.nan]})
    assert read_transactions(raw)["Klant"].tolist() == ["1001", "1002"]


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "headers, expected",
    [
        (["customer_id", "order_date"], ("customer_id", "order_date")),
        (["KLANT NR.", "Datum/tijd"], ("KLANT NR.", "Datum/tijd")),
        (["E-mail", "Klantnummer", "Aankoopdatum"], ("Klantnummer", "Aankoopdatum")),  # earlier alias wins
        (["Klantnummer", "klant", "Datum"], ("klant", "Datum")),  # canonical name wins
        (["Customer Email", "Customer", "Created at", "Paid at"], ("Customer Email", "Created at")),
        (["Relatie", "Factuurdatum"], ("Relatie", "Factuurdatum")),
        (["Débiteur", "Date"], ("Débiteur", "Date")),  # accents ignored
    ],
)
def test_header_aliases(headers, expected):
    raw = pd.DataFrame([["2026-01-01"] * len(headers)], columns=headers)
    frame = read_transactions(raw)
    assert (frame.attrs["columns"]["Klant"], frame.attrs["columns"]["Datum"]) == expected


def test_override_wins_and_none_drops_an_optional_column():
    raw = pd.DataFrame({"Klant": ["a"], "Lidnummer": ["L1"], "Datum": ["2026-01-01"], "Kanaal": ["web"]})
    frame = read_transactions(raw, {"Klant": "lidnummer", "Kanaal": None})
    assert frame["Klant"].tolist() == ["L1"]
    assert frame["Kanaal"].tolist() == [None]


def test_override_of_a_missing_header():
    raw = pd.DataFrame({"Klant": ["a"], "Datum": ["2026-01-01"]})
    with pytest.raises(KolomOntbreekt) as info:
        read_transactions(raw, {"Klant": "Mijn kolom"})
    assert str(info.value) == "Kolom 'Mijn kolom' ontbreekt (gevonden kolommen: 'Klant', 'Datum')."


def test_override_with_unknown_canonical_name():
    raw = pd.DataFrame({"Klant": ["a"], "Datum": ["2026-01-01"]})
    with pytest.raises(InvoerFout, match=r"^Onbekende kolom 'Prijs' in de koppeling; kies uit Klant, Datum, Bedrag, Product, Kanaal\.$"):
        read_transactions(raw, {"Prijs": "Klant"})


@pytest.mark.parametrize(
    "columns, message",
    [
        (["Naam", "Datum", "Bedrag"], "Kolom 'Klant' ontbreekt (gevonden kolommen: 'Naam', 'Datum', 'Bedrag')."),
        (["Klant", "Wanneer"], "Kolom 'Datum' ontbreekt (gevonden kolommen: 'Klant', 'Wanneer')."),
    ],
)
def test_missing_required_column(columns, message):
    with pytest.raises(KolomOntbreekt) as info:
        read_transactions(pd.DataFrame([["x"] * len(columns)], columns=columns))
    assert str(info.value).startswith(message)
    # the accepted names are listed, so a user knows what to rename the header to
    assert f"Herkende namen voor '{info.value.column}': " in str(info.value)


def test_aliases_are_module_level_data():
    assert set(HEADER_ALIASES) == {"Klant", "Datum", "Bedrag", "Product", "Kanaal", "Soort"}
    assert "Billing Email Address" in HEADER_ALIASES["Klant"]
    assert HEADER_ALIASES["Datum"].index("Created at") < HEADER_ALIASES["Datum"].index("Paid at")


# --------------------------------------------------------------------------- rows and errors


def test_bad_date_names_the_source_header_row_and_value(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Klantnummer;Orderdatum;Totaal\n1;01-03-2026;5\n\n2;morgen;6\n", encoding="utf-8")
    with pytest.raises(WaardeFout) as info:
        read_transactions(path)
    assert str(info.value) == "Orderdatum in rij 4 is geen datum: 'morgen'"
    assert (info.value.column, info.value.row, info.value.value) == ("Orderdatum", 4, "morgen")


def test_bad_amount_message(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Klant,Datum,Bedrag\na,2026-01-01,5\nb,2026-01-02,5\nc,2026-01-03,5\n"
                    "d,2026-01-04,5\ne,2026-01-05,5\nf,2026-01-06,5\ng,2026-01-07,5\nh,2026-01-08,gratis\n")
    with pytest.raises(WaardeFout, match=r"^Bedrag in rij 9 is geen bedrag: 'gratis'$"):
        read_transactions(path)


def test_customer_without_date_is_an_error():
    raw = pd.DataFrame({"Klant": ["a", "b"], "Datum": ["2026-01-01", " "]})
    with pytest.raises(WaardeFout, match=r"^Datum in rij 3 is leeg\.$"):
        read_transactions(raw)


def test_first_error_in_row_order_across_columns():
    raw = pd.DataFrame({"Klant": ["a", "b", "c"], "Datum": ["2026-01-01", "2026-01-02", "nooit"],
                        "Bedrag": ["1", "veel", "2"]})
    with pytest.raises(WaardeFout, match=r"^Bedrag in rij 3 is geen bedrag: 'veel'$"):
        read_transactions(raw)


@pytest.mark.parametrize("label", ["Totaal", "TOTAL:", "Subtotaal", "Eindtotaal", "Totalen"])
def test_totals_rows_are_skipped(label):
    raw = pd.DataFrame({"Klant": ["a", label, None], "Datum": ["2026-01-01", None, None],
                        "Bedrag": [5, 5, 10]})
    frame = read_transactions(raw)
    assert frame.index.tolist() == [2] and frame["Bedrag"].tolist() == [5.0]


def test_lenient_sets_bad_rows_aside():
    raw = pd.DataFrame({
        "Klant": ["a", "b", "c", "d", None],
        "Datum": ["2026-01-01", "morgen", "2026-01-03", "", "2026-01-05"],
        "Bedrag": ["5", "6", "gratis", "8", "9"],
    })
    frame, rejected = read_transactions_lenient(raw)
    assert frame.index.tolist() == [2]
    assert frame["Klant"].tolist() == ["a"]
    assert frame.attrs["rows_without_customer"] == 1
    assert tuple(rejected.columns) == ("Rij", "Kolom", "Waarde", "Melding")
    assert rejected["Rij"].tolist() == [3, 4, 5]
    assert rejected["Kolom"].tolist() == ["Datum", "Bedrag", "Datum"]
    assert rejected["Waarde"].tolist() == ["morgen", "gratis", ""]
    assert rejected["Melding"].tolist() == [
        "Datum in rij 3 is geen datum: 'morgen'",
        "Bedrag in rij 4 is geen bedrag: 'gratis'",
        "Datum in rij 5 is leeg.",
    ]


def test_lenient_without_problems_has_an_empty_rejected_table():
    frame, rejected = read_transactions_lenient(pd.DataFrame({"Klant": ["a"], "Datum": [46349]}))
    assert len(frame) == 1 and rejected.empty and tuple(rejected.columns) == ("Rij", "Kolom", "Waarde", "Melding")


def test_drop_duplicates():
    raw = pd.DataFrame({"Klant": ["a", "a", "a"], "Datum": ["2026-01-01"] * 3, "Bedrag": [5, 5, 6]})
    assert len(read_transactions(raw)) == 3
    frame = read_transactions(raw, drop_duplicates=True)
    assert frame.index.tolist() == [2, 4] and frame.attrs["duplicates_dropped"] == 1


# --------------------------------------------------------------------------- files


def test_utf16_tab_export_as_excel_saves_unicode_text(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes("Klant\tDatum\tBedrag\nzoë\t23-11-2026\t€ 5,00\n".encode("utf-16"))
    frame = read_transactions(path)
    assert frame["Klant"].tolist() == ["zoë"] and frame["Bedrag"].tolist() == [5.0]


def test_sep_hint_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('sep=,\nKlant,Datum,Bedrag\n"a",2026-11-23,"1.234,56"\n', encoding="utf-8")
    frame = read_transactions(path)
    assert frame.index.tolist() == [2] and frame["Bedrag"].tolist() == [1234.56]


def test_ragged_csv_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Klant;Datum\na;23-11-2026\nb;24-11-2026;extra;velden\n", encoding="utf-8")
    assert read_transactions(path)["Klant"].tolist() == ["a", "b"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p / "bestaat-niet.csv", "Bestand niet gevonden: '{p}/bestaat-niet.csv'."),
        (lambda p: p, "'{p}' is een map, geen bestand."),
        (lambda p: _touch(p / "leeg.csv", b""), "Bestand 'leeg.csv' is leeg."),
        (lambda p: _touch(p / "spaties.csv", b"  \r\n\r\n"), "Bestand 'spaties.csv' is leeg."),
        (lambda p: _touch(p / "rapport.pdf", b"%PDF"), "Onbekend bestandstype '.pdf': gebruik .csv, .txt, .tsv, .xlsx, .xlsm, .xls of .ods."),
    ],
)
def test_file_problems_are_dutch_invoerfout(tmp_path, make, message):
    with pytest.raises(InvoerFout) as info:
        read_transactions(make(tmp_path))
    assert str(info.value) == message.format(p=tmp_path)


@pytest.mark.parametrize(("content", "said"), [
    (b"%PDF-1.4\n1 0 obj\n", "is geen tekstbestand maar een PDF-bestand. Kies de export zelf"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "is geen tekstbestand maar een afbeelding (PNG)"),
    (b"PAR1" + bytes(100), "is geen tekstbestand maar een Parquet-bestand (geef het de extensie .parquet)"),
    (bytes(range(256)) * 4, "is geen tekstbestand maar een ander soort bestand (geen tekst"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "is geen tekstbestand maar een oude Excel-werkmap (.xls)"),
])
def test_a_file_named_csv_that_is_no_text_says_what_it_is(tmp_path, content, said):
    # a PDF read as text said "Kolom 'Datum' ontbreekt (gevonden kolommen: '%PDF-1.4')", random bytes
    # "een los regeleinde-teken (CR)", and an old .xls was to be renamed .xlsx
    path = _touch(tmp_path / "export.csv", content)
    with pytest.raises(InvoerFout) as info:
        read_transactions(path)
    assert str(info.value).startswith(f"Bestand 'export.csv' {said}")


def test_a_text_with_a_stray_control_character_is_still_read(tmp_path):
    path = _touch(tmp_path / "export.csv", b"Klant;Datum;Bedrag;Notitie\nK1;01-02-2026;12,50;a\x0bb\nK2;02-02-2026;5;\n")
    assert read_transactions(path)["Klant"].tolist() == ["K1", "K2"]


@pytest.mark.parametrize(("content", "said"), [
    (b"Klant;Datum;Bedrag\nK1;01-02-2026;12,50\n", "is geen Excel-werkmap maar een tekstbestand (een CSV-export?). "
                                                   "Geef het de extensie .csv"),
    ("Klant;Datum\nRené;01-02-2026\n".encode("cp1252"), "is geen Excel-werkmap maar een tekstbestand"),
    (b"PK\x03\x04" + bytes(200), "is een beschadigde of onvolledige werkmap"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "is een oude of met een wachtwoord beveiligde werkmap"),
    (bytes(range(256)), "is geen Excel-werkmap (een ander soort bestand met de naam .xlsx)"),
])
def test_a_workbook_that_cannot_be_read_says_what_it_is_in_dutch(tmp_path, content, said):
    # calamine's own words were shown: 'invalid Zip archive: Could not find EOCD', 'Cfb error: Invalid OLE'
    path = _touch(tmp_path / "kapot.xlsx", content)
    with pytest.raises(InvoerFout) as info:
        read_transactions(path)
    assert str(info.value).startswith(f"Bestand 'kapot.xlsx' {said}")


def test_not_a_source():
    with pytest.raises(InvoerFout, match=r"^Kan geen gegevens lezen uit int"):
        read_transactions(42)


def _touch(path, data):
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- contacts


def test_read_contacts():
    raw = pd.DataFrame({
        "E-mail": ["an@voorbeeld.nl", "bram@voorbeeld.nl", None],
        "Datum": ["23-11-2026", dt.datetime(2026, 11, 24, 8), None],
        "Type": ["e-mail geopend", "website-bezoek", None],
    })
    frame = read_contacts(raw)
    assert tuple(frame.columns) == CONTACT_COLUMNS
    assert frame.index.tolist() == [2, 3]
    assert frame["Klant"].tolist() == ["an@voorbeeld.nl", "bram@voorbeeld.nl"]
    assert frame["Datum"].tolist() == [D("2026-11-23"), D("2026-11-24")]
    assert frame["Soort"].tolist() == ["e-mail geopend", "website-bezoek"]


def test_read_contacts_without_soort_and_lenient():
    raw = pd.DataFrame({"Klant": ["a", "b"], "Datum": ["2026-11-23", "gisteren"]})
    with pytest.raises(WaardeFout, match=r"^Datum in rij 3 is geen datum: 'gisteren'$"):
        read_contacts(raw)
    frame, rejected = read_contacts_lenient(raw)
    assert frame["Soort"].tolist() == [None]
    assert rejected["Melding"].tolist() == ["Datum in rij 3 is geen datum: 'gisteren'"]


def test_contacts_sheet_is_the_default(tmp_path):
    path = tmp_path / "werkmap.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Transacties"
    book.active.append(["Klant", "Datum", "Bedrag"])
    book.active.append(["a", dt.date(2026, 1, 1), 5])
    contacts = book.create_sheet("Contactmomenten")
    contacts.append(["Klant", "Datum", "Soort"])
    contacts.append(["b", dt.date(2026, 2, 1), "klantenservice"])
    book.save(path)
    assert read_contacts(path)["Klant"].tolist() == ["b"]
    assert read_transactions(path)["Klant"].tolist() == ["a"]


def test_header_only_file_and_empty_frame_give_typed_empty_frames(tmp_path):
    path = tmp_path / "leeg.csv"
    path.write_text("Klant;Datum;Bedrag\n", encoding="utf-8")
    for frame in (read_transactions(path), read_transactions(pd.DataFrame({"Klant": [], "Datum": []}))):
        assert len(frame) == 0
        _check_canonical(frame)


def test_duplicate_headers_take_the_first():
    raw = pd.DataFrame([["a", "2026-01-01", "b"]], columns=["Klant", "Datum", "Klant"])
    assert read_transactions(raw)["Klant"].tolist() == ["a"]
