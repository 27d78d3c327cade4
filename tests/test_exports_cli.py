"""The reading report and contact details as a user meets them: CLI, JSON, workbook, mailing lists."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from klant_xl.cli import main

from .conftest import DATA

SHOPIFY = DATA / "exports" / "profielen" / "shopify_orders_export.csv"


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_analyse_prints_the_mapping_and_the_skipped_rows_before_the_analysis(capsys):
    code, out, _ = _run(capsys, "analyse", SHOPIFY)
    assert code == 0
    flat = " ".join(out.split())
    assert flat.index("Inlezen") < flat.index("Klantanalyse van")
    assert "Export gelezen als Shopify (orderexport): 11 regels, 8 bestellingen, 4 meegeteld (aankopen en retouren) van 3 klanten; " \
           "netto omzet € 380,00." in flat
    assert "Bestelling ← 'Name'" in flat and "Status ← 'Financial Status'" in flat and "E-mail ← 'Email'" in flat
    assert "Overgeslagen (geen klant): 1 regel, bijvoorbeeld rij 8." in flat
    assert "Overgeslagen (terugbetaald): 2 regels, bijvoorbeeld rij 9, 10." in flat


def test_json_has_inlezen(capsys):
    code, out, _ = _run(capsys, "analyse", SHOPIFY, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["inlezen"]["omzet"] == 380.0
    assert data["inlezen"]["regels"] == 11 and data["inlezen"]["bestellingen"] == 8
    assert data["inlezen"]["overgeslagen"]["geannuleerd"] == {"regels": 1, "voorbeelden": [5]}
    assert data["klanten"] == 3


def test_status_telt_and_kolom_on_the_command_line(capsys):
    # counting only 'paid' drops #1004 (partially_refunded, 200): 60 + 45 + 75
    code, out, _ = _run(capsys, "analyse", SHOPIFY, "--json", "--status-telt", "paid")
    assert json.loads(out)["inlezen"]["omzet"] == 180.0
    # #1003 is voided and has a 'Cancelled at': counting voided orders leaves it out while that column is read
    code, out, _ = _run(capsys, "analyse", SHOPIFY, "--json", "--status-telt", "paid,partially_refunded,voided")
    assert json.loads(out)["inlezen"]["omzet"] == 380.0
    code, out, _ = _run(capsys, "analyse", SHOPIFY, "--json", "--status-telt", "paid,partially_refunded,voided",
                        "--kolom", "Geannuleerd=")
    assert json.loads(out)["inlezen"]["omzet"] == 469.95  # + #1003 89,95
    code, out, _ = _run(capsys, "analyse", SHOPIFY, "--json", "--kolom", "Klant=Billing Name", "--kolom", "Terugbetaald=")
    data = json.loads(out)["inlezen"]
    assert data["omzet"] == 430.0  # refunds ignored: #1004 counts 250; the guest has no billing name
    assert any("herkend aan de naam" in m for m in data["meldingen"])


def test_no_customer_at_all_is_a_clear_error(capsys):
    code, _, err = _run(capsys, "analyse", DATA / "exports" / "profielen" / "sumup_verkaufsbericht.csv")
    flat = " ".join(err.split())
    assert code == 1
    assert "Geen enkele aankoop gelezen" in flat and "Overgeslagen (geen klant): 4 regels" in flat
    assert "--kolom Klant=KOLOM" in flat


def test_outlier_date_is_a_warning_and_the_peildatum_stays(capsys, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Klant;Datum;Bedrag\nk1;05-01-2026;10\nk2;01-03-2026;20\nk3;30-06-2026;30\nk1;01-01-2099;40\n",
                    encoding="utf-8")
    code, out, _ = _run(capsys, "analyse", path, "--json")
    data = json.loads(out)
    assert data["peildatum"] == "2026-06-30"
    assert any("rij 5 (01-01-2099)" in m for m in data["meldingen"])
    assert data["status"]["Verloren"] == 0


def _winback_export(tmp_path):
    """a and b last bought in January (inactive on 1 July with 90/365 days), c in June; b opted out."""
    path = tmp_path / "shop.csv"
    rows = [
        ["Name", "Email", "Financial Status", "Created at", "Total", "Lineitem quantity", "Lineitem price",
         "Lineitem name", "Accepts Marketing", "Phone", "Billing Name"],
        ["#1", "a@x.nl", "paid", "2026-01-10", "10.00", "1", "10.00", "Muts", "yes", "06-11111111", "Anna"],
        ["#2", "b@x.nl", "paid", "2026-01-12", "20.00", "1", "20.00", "Sjaal", "no", "06-22222222", "Bart"],
        ["#3", "c@x.nl", "paid", "2026-06-20", "30.00", "1", "30.00", "Jas", "yes", "", "Cor"],
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_winback_mailing_carries_email_and_phone_and_leaves_out_opted_out(capsys, tmp_path):
    out_csv = tmp_path / "winback.csv"
    code, out, _ = _run(capsys, "mailinglijst", _winback_export(tmp_path), "-o", out_csv, "--soort", "winback",
                        "--peildatum", "2026-07-01", "--dagen-inactief", "90", "--dagen-verloren", "365")
    assert code == 0
    assert "1 klant weggelaten: die wil geen marketing" in " ".join(out.split())
    with out_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["Klant"] for r in rows] == ["a@x.nl"]
    assert rows[0]["E-mail"] == "a@x.nl" and rows[0]["Telefoon"] == "06-11111111" and rows[0]["Naam"] == "Anna"


def test_exclusion_mailing_lists_everyone_inactive_with_contact_details(capsys, tmp_path):
    out_csv = tmp_path / "uit.csv"
    code, _, _ = _run(capsys, "mailinglijst", _winback_export(tmp_path), "-o", out_csv,
                      "--peildatum", "2026-07-01", "--dagen-inactief", "90", "--dagen-verloren", "365")
    with out_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert code == 0 and sorted(r["Klant"] for r in rows) == ["a@x.nl", "b@x.nl"]
    assert {r["Klant"]: r["Telefoon"] for r in rows} == {"a@x.nl": "06-11111111", "b@x.nl": "06-22222222"}


@pytest.mark.slow
def test_workbook_has_inlezen_and_contact_details(capsys, tmp_path):
    book = tmp_path / "analyse.xlsx"
    code, out, _ = _run(capsys, "analyse", _winback_export(tmp_path), "-o", book,
                        "--peildatum", "2026-07-01", "--dagen-inactief", "90", "--dagen-verloren", "365")
    assert code == 0 and "Export gelezen als Shopify" in " ".join(out.split())
    wb = openpyxl.load_workbook(book)
    assert "Inlezen" in wb.sheetnames
    text = [str(c.value) for row in wb["Inlezen"].iter_rows() for c in row if c.value is not None]
    assert "Shopify (orderexport)" in text and "Bestelling" in text and "'Name'" not in text and "Name" in text
    klanten = wb["Klanten"]
    header = [c.value for c in next(klanten.iter_rows(min_row=4, max_row=4))]
    assert {"Naam", "E-mail", "Telefoon", "Nieuwsbrief"} <= set(header)
    winback = wb["Winback"]
    header = [c.value for c in next(winback.iter_rows(min_row=4, max_row=4))]
    rows = [dict(zip(header, [c.value for c in r])) for r in winback.iter_rows(min_row=5, max_row=6)]
    assert {r["Klant"]: r["Telefoon"] for r in rows if r["Klant"]} == {"a@x.nl": "06-11111111", "b@x.nl": "06-22222222"}


@pytest.mark.parametrize("export", ["shopify_orders.csv", "woocommerce_orders.csv"])
def test_a_workbook_from_an_export_says_the_same_after_a_refresh(tmp_path, export):
    # analyse -o computes the outputs from the export it read; a later refresh reads the Transacties sheet
    # that -o wrote: the workbook must not contradict itself (every output sheet the same, cell by cell)
    from klant_xl.excel.layout import OUTPUT_SHEETS
    from klant_xl.excel.refresh import refresh_workbook

    from .excel_helpers import load, sheet_snapshot

    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(DATA / "exports" / export), "-o", str(path), "--peildatum", "2026-11-30"]) == 0
    shown = [s for s in OUTPUT_SHEETS if s not in ("Inlezen",)]  # Inlezen names the export, then the sheet
    before = {s: sheet_snapshot(load(path), s)[0] for s in shown}
    refresh_workbook(path)
    after = {s: sheet_snapshot(load(path), s)[0] for s in shown}
    for sheet in shown:
        changed = {k: (before[sheet].get(k), after[sheet].get(k)) for k in set(before[sheet]) | set(after[sheet])
                   if before[sheet].get(k) != after[sheet].get(k)}
        assert not changed, f"{sheet}: {sorted(changed.items())[:5]}"
    assert len(before["Klanten"]) > 20
