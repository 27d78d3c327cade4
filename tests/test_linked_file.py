"""A workbook that reads its transactions from a file (Instellingen, "Transacties uit bestand", SPEC §11).

``klant-xl analyse BESTAND.parquet -o WERKMAP`` (and an export with more rows than a sheet holds)
leaves the transactions in their file: Instellingen names it, the Transacties sheet stays empty,
every refresh reads the file again. What the workbook shows must be what the file holds, and the
workbook must never act as if it held the rows itself (the purge, a filled Transacties sheet, a
moved workbook, xlwings Lite).
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from klant_xl.cli import main
from klant_xl.errors import WerkmapFout
from klant_xl.excel import template
from klant_xl.excel.inputs import linked_file
from klant_xl.excel.refresh import refresh_workbook
from klant_xl.sample import sample_transactions
from klant_xl.settings import SETTINGS_BY_FIELD, settings_from_values
from tests.excel_helpers import digest, find_table, load, named_cell, set_table_rows, table_dicts, table_rows

TODAY = pd.Timestamp("2026-12-01")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tiny(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["klantnummer", "besteldatum", "totaal"]).assign(
        besteldatum=lambda f: pd.to_datetime(f["besteldatum"]))


#: Three customers: a buys twice (repeat), b once, c once with a return the next day.
TINY = [("a", "2026-01-05", 10.0), ("a", "2026-03-01", 30.0), ("b", "2026-02-10", 20.0),
        ("c", "2026-03-01", 15.0), ("c", "2026-03-02", -15.0)]


@pytest.fixture(scope="module")
def sample_linked(tmp_path_factory):
    """The sample shop as a Parquet export, analysed into a workbook with -o (read once per module)."""
    folder = tmp_path_factory.mktemp("linked")
    export = sample_transactions().reset_index(drop=True).rename(
        columns={"Klant": "klantnummer", "Datum": "besteldatum", "Bedrag": "totaal"})
    source = folder / "orders.parquet"
    export.to_parquet(source)
    assert main(["analyse", str(source), "-o", str(folder / "winkel.xlsx")]) == 0
    return folder


def test_the_workbook_names_the_file_and_leaves_transacties_empty(sample_linked):
    wb = load(sample_linked / "winkel.xlsx")
    assert named_cell(wb, "transactiebestand").value == "orders.parquet"  # beside the workbook: its name
    assert table_rows(wb, "Transacties")[1:] == [[None, None, None]]
    summary = {r["Onderdeel"]: r["Waarde"] for r in table_dicts(wb, "Inlezen_Samenvatting")}
    assert summary["Transacties uit bestand"].endswith("orders.parquet")
    assert summary["Export"] == "algemeen (kolomnamen herkend)" and summary["Klanten"] == "2.500"


def test_the_workbook_shows_what_the_file_holds(sample_linked, capsys):
    _, out, _ = run(capsys, "analyse", str(sample_linked / "orders.parquet"), "--json")
    direct = json.loads(out)
    assert direct["klanten"] == 2500 and direct["herhaalaankoopratio"] == 0.7052
    klanten = table_dicts(sample_linked / "winkel.xlsx", "Klanten")
    assert len(klanten) == 2500
    counts = pd.Series([r["Status"] for r in klanten]).value_counts().to_dict()
    assert counts == {status: n for status, n in direct["status"].items() if n}


def test_the_full_customer_table_is_written_beside_it(sample_linked):
    # 2,500 customers fit on Klanten, but data read from a file is wanted as data too
    full = pd.read_parquet(sample_linked / "winkel - Klanten.parquet")
    klanten = table_dicts(sample_linked / "winkel.xlsx", "Klanten")
    assert len(full) == 2500
    assert sorted(full["Klant"]) == sorted(r["Klant"] for r in klanten)
    by_customer = full.set_index("Klant")["Status"]
    assert all(by_customer[r["Klant"]] == r["Status"] for r in klanten)


def test_formules_says_the_functions_do_not_see_the_file(sample_linked):
    ws = load(sample_linked / "winkel.xlsx")["Formules"]
    notes = [c.value for row in ws.iter_rows(min_col=3, max_col=3) for c in row if isinstance(c.value, str)]
    assert any(n.startswith("Geen uitkomst: de transacties staan in 'orders.parquet'") for n in notes)


def test_a_refresh_reads_the_file_again(tmp_path):
    source = tmp_path / "orders.parquet"
    tiny(TINY).to_parquet(source)
    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(source), "-o", str(path)]) == 0
    assert sorted(r["Klant"] for r in table_dicts(path, "Klanten")) == ["a", "b", "c"]
    tiny(TINY + [("d", "2026-03-03", 5.0)]).to_parquet(source)
    refresh_workbook(path, today=TODAY)
    klanten = {r["Klant"]: r for r in table_dicts(path, "Klanten")}
    assert sorted(klanten) == ["a", "b", "c", "d"]
    assert sorted(pd.read_parquet(tmp_path / "w - Klanten.parquet")["Klant"]) == ["a", "b", "c", "d"]
    assert klanten["a"]["Omzet"] == 40.0 and klanten["c"]["Omzet"] == 0.0  # 15 bought, 15 returned


def test_a_file_elsewhere_is_named_relative_to_the_workbook(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "analyse").mkdir()
    tiny(TINY).to_parquet(project / "data" / "orders.parquet")
    path = project / "analyse" / "w.xlsx"
    assert main(["analyse", str(project / "data" / "orders.parquet"), "-o", str(path)]) == 0
    assert named_cell(load(path), "transactiebestand").value == "../data/orders.parquet"
    moved = tmp_path / "elders"
    shutil.copytree(project, moved)  # the whole folder moves: the link still holds
    refresh_workbook(moved / "analyse" / "w.xlsx", today=TODAY)
    assert len(table_dicts(moved / "analyse" / "w.xlsx", "Klanten")) == 3


def test_a_moved_workbook_says_which_file_is_missing_and_changes_nothing(tmp_path):
    source = tmp_path / "orders.parquet"
    tiny(TINY).to_parquet(source)
    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(source), "-o", str(path)]) == 0
    source.unlink()
    before = digest(path)
    with pytest.raises(WerkmapFout) as refused:
        refresh_workbook(path, today=TODAY)
    assert f"het bestand '{tmp_path.resolve() / 'orders.parquet'}' bestaat niet" in str(refused.value)
    assert digest(path) == before


def test_rows_on_transacties_and_a_file_is_refused(tmp_path):
    source = tmp_path / "orders.parquet"
    tiny(TINY).to_parquet(source)
    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(source), "-o", str(path)]) == 0
    wb = load(path)
    ws, table = find_table(wb, "Transacties")
    set_table_rows(ws, table, [["x", pd.Timestamp("2026-01-01").to_pydatetime(), 5.0]])
    wb.save(path)
    before = digest(path)
    with pytest.raises(WerkmapFout) as refused:
        refresh_workbook(path, today=TODAY)
    assert "én het blad Transacties heeft regels" in str(refused.value)
    assert digest(path) == before


def test_the_purge_refuses_a_workbook_that_reads_a_file(tmp_path, capsys):
    source = tmp_path / "orders.parquet"
    tiny(TINY).to_parquet(source)
    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(source), "-o", str(path)]) == 0
    before, data = digest(path), digest(source)
    code, _, err = run(capsys, "opschonen", str(path), "--bewaartermijn", "1", "--ja")
    assert code == 1
    assert "leest haar transacties uit 'orders.parquet'" in " ".join(err.split())
    assert digest(path) == before and digest(source) == data


def test_an_export_bigger_than_a_sheet_is_linked_and_read_by_the_export_reader(tmp_path, monkeypatch):
    monkeypatch.setattr(template, "INPUT_ROWS", 3)  # Excel's limit, lowered: the 4 purchases do not fit
    source = tmp_path / "export.csv"
    # Dutch amounts and an order status: only the export reader reads these (the cancelled order is not a sale)
    source.write_text("Klantnummer;Besteldatum;Totaal;Status\n"
                      "a;05-01-2026;10,00;voltooid\na;01-03-2026;30,00;voltooid\nb;10-02-2026;20,00;voltooid\n"
                      "c;01-03-2026;15,00;geannuleerd\nd;02-03-2026;1.250,00;voltooid\n", encoding="utf-8")
    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(source), "-o", str(path)]) == 0
    assert named_cell(load(path), "transactiebestand").value == "export.csv"
    klanten = {r["Klant"]: r["Omzet"] for r in table_dicts(path, "Klanten")}
    assert klanten == {"a": 40.0, "b": 20.0, "d": 1250.0}
    refresh_workbook(path, today=TODAY)  # read again from the file, the same way
    assert {r["Klant"]: r["Omzet"] for r in table_dicts(path, "Klanten")} == klanten


class _LitePort:
    reads_local_files = False

    def folder(self):
        return None


class _UnsavedPort:
    def folder(self):
        return None


def test_lite_and_an_unsaved_workbook_say_why_they_cannot_read_the_file():
    with pytest.raises(WerkmapFout) as lite:
        linked_file(_LitePort(), "orders.parquet")
    assert "xlwings Lite draait in de browser" in str(lite.value)
    with pytest.raises(WerkmapFout) as unsaved:
        linked_file(_UnsavedPort(), "orders.parquet")
    assert "Sla de werkmap eerst op" in str(unsaved.value)


def test_the_setting_is_text_and_blank_means_the_sheet():
    setting = SETTINGS_BY_FIELD["transaction_file"]
    assert settings_from_values({"transactiebestand": "  orders.parquet "}).transaction_file == "orders.parquet"
    assert settings_from_values({"transactiebestand": None}).transaction_file is None
    assert settings_from_values({"transactiebestand": "   "}).transaction_file is None
    assert setting.render("orders.parquet") == "orders.parquet"


SHOPIFY = pd.DataFrame({
    "Name": ["#1", "#2", "#3", "#4", "#5"],
    "Email": ["An@Voorbeeld.NL ", "an@voorbeeld.nl", "bo@voorbeeld.nl", "bo@voorbeeld.nl", "cy@voorbeeld.nl"],
    "Financial Status": ["paid", "paid", "refunded", "paid", "voided"],
    "Created at": ["2026-01-05 10:00:00 +0100", "2026-02-05 11:00:00 +0100", "2026-02-10 09:00:00 +0100",
                   "2026-03-01 12:00:00 +0100", "2026-03-02 12:00:00 +0100"],
    "Total": [10.0, 30.0, 99.0, 20.0, 50.0],
})


def test_a_shop_export_in_parquet_is_read_as_the_same_export_in_csv(tmp_path, capsys):
    # statuses, e-mail identity and text dates: the export reader reads it, whatever the file type
    SHOPIFY.to_parquet(tmp_path / "orders.parquet")
    SHOPIFY.to_csv(tmp_path / "orders.csv", index=False)
    parquet = json.loads(run(capsys, "analyse", str(tmp_path / "orders.parquet"), "--json")[1])
    csv = json.loads(run(capsys, "analyse", str(tmp_path / "orders.csv"), "--json")[1])
    # an (two spellings, one person) and bo (the paid order only); refunded and voided orders do not count
    assert parquet["klanten"] == csv["klanten"] == 2
    assert parquet["inlezen"]["omzet"] == csv["inlezen"]["omzet"] == 60.0
    assert parquet["inlezen"]["overgeslagen"] == csv["inlezen"]["overgeslagen"]
    counted = json.loads(run(capsys, "analyse", str(tmp_path / "orders.parquet"), "--json", "--status-telt",
                             "paid,refunded")[1])
    assert counted["inlezen"]["omzet"] == 159.0  # the refunded order counts when asked


def test_mixed_case_addresses_in_parquet_make_a_workbook(tmp_path):
    frame = pd.DataFrame({"Klant": ["A@x.nl", "a@x.nl", "b@x.nl"],
                          "Datum": pd.to_datetime(["2026-01-05", "2026-02-05", "2026-03-01"]),
                          "Bedrag": [10.0, 20.0, 30.0]})
    frame.to_parquet(tmp_path / "c.parquet")
    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(tmp_path / "c.parquet"), "-o", str(path)]) == 0
    assert {r["Klant"]: r["Omzet"] for r in table_dicts(path, "Klanten")} == {"a@x.nl": 30.0, "b@x.nl": 30.0}


def test_a_plain_parquet_is_scanned_and_an_odd_one_goes_to_the_export_reader(tmp_path):
    from klant_xl.engine import TransactionEngine
    from klant_xl.sources import open_transaction_file

    tiny(TINY).to_parquet(tmp_path / "plain.parquet")
    engine, report = open_transaction_file(tmp_path / "plain.parquet", today=TODAY)
    assert isinstance(engine, TransactionEngine)
    assert (report.rows, report.customers, report.revenue) == (5, 3, 60.0)
    odd = tiny(TINY + [("d", "2099-01-01", 5.0)])  # a date after today: the reader warns, keeps the peildatum
    odd.to_parquet(tmp_path / "odd.parquet")
    frame, report = open_transaction_file(tmp_path / "odd.parquet", today=TODAY)
    assert isinstance(frame, pd.DataFrame)
    assert report.reference_date == pd.Timestamp("2026-03-02")
    assert report.messages[0].startswith("Onwaarschijnlijke datum na vandaag: rij 7 (01-01-2099)")


def test_an_infinite_amount_in_parquet_is_a_dutch_message_with_its_row(tmp_path, capsys):
    bad = tiny(TINY)
    bad.loc[2, "totaal"] = float("inf")
    bad.to_parquet(tmp_path / "inf.parquet")
    code, _, err = run(capsys, "analyse", str(tmp_path / "inf.parquet"))
    assert code == 1
    assert "totaal in rij 4" in " ".join(err.split())
    assert "Exception" not in err and "SELECT" not in err


def test_the_source_may_not_be_the_full_customer_table(tmp_path):
    source = tmp_path / "w - Klanten.parquet"
    tiny(TINY).to_parquet(source)
    before = digest(source)
    with pytest.raises(WerkmapFout) as refused:
        main_raising(["analyse", str(source), "-o", str(tmp_path / "w.xlsx")])
    assert "zou het overschrijven" in str(refused.value)
    assert digest(source) == before and not (tmp_path / "w.xlsx").exists()


def main_raising(argv):
    from klant_xl.excel.template import analyse_to_workbook

    return analyse_to_workbook(argv[1], argv[3])


def test_a_full_table_that_cannot_be_written_leaves_no_workbook(tmp_path, capsys):
    tiny(TINY).to_parquet(tmp_path / "orders.parquet")
    (tmp_path / "w - Klanten.parquet").mkdir()  # a folder where the table goes
    code, _, err = run(capsys, "analyse", str(tmp_path / "orders.parquet"), "-o", str(tmp_path / "w.xlsx"),
                       "--overschrijven")
    assert code == 1
    assert "'w - Klanten.parquet'" in err or "w - Klanten.parquet" in " ".join(err.split())
    assert not (tmp_path / "w.xlsx").exists()


def test_a_stale_full_table_goes_when_the_workbook_reads_its_sheet_again(tmp_path):
    source = tmp_path / "orders.parquet"
    tiny(TINY).to_parquet(source)
    path = tmp_path / "w.xlsx"
    assert main(["analyse", str(source), "-o", str(path)]) == 0
    beside = tmp_path / "w - Klanten.parquet"
    assert beside.exists()
    wb = load(path)
    named_cell(wb, "transactiebestand").value = None  # back to the sheet
    ws, table = find_table(wb, "Transacties")
    set_table_rows(ws, table, [["a", pd.Timestamp("2026-01-05").to_pydatetime(), 10.0]])
    wb.save(path)
    refresh_workbook(path, today=TODAY)
    assert not beside.exists()  # it held the file's customers, not the sheet's


def test_the_purge_removes_the_full_table_beside_the_workbook(tmp_path):
    from klant_xl.excel.purge import purge_workbook
    from tests.excel_helpers import build_shop_workbook

    book = build_shop_workbook(tmp_path, [("oud", "2015-01-05", 10.0), ("nieuw", "2026-02-10", 20.0)])
    beside = tmp_path / "winkel - Klanten.parquet"
    pd.DataFrame({"Klant": ["oud", "nieuw"]}).to_parquet(beside)  # as a refresh of a bigger base left it
    # two dates eleven years apart: a refresh (and so the purge) takes the later for a stray date and keeps
    # 05-01-2015 as the peildatum; this test is about the table beside, so it names the peildatum
    result = purge_workbook(book, 2, "verwijderen", confirm=lambda message: True, today=TODAY,
                            reference_date="2026-02-10")
    assert result.written and result.customers == 1
    assert not beside.exists()
    assert "'winkel - Klanten.parquet' naast de werkmap is verwijderd" in result.message


def test_a_guest_number_and_a_zoned_date_in_parquet_read_as_in_csv(tmp_path, capsys):
    # klantnummer 0 is a guest (no customer) and a date with a time zone is the reader's to place
    frame = tiny(TINY + [("0", "2026-03-03", 7.0)])
    frame.to_parquet(tmp_path / "gast.parquet")
    frame.assign(besteldatum=frame["besteldatum"].dt.strftime("%Y-%m-%d")).to_csv(tmp_path / "gast.csv", index=False)
    parquet = json.loads(run(capsys, "analyse", str(tmp_path / "gast.parquet"), "--json")[1])
    csv = json.loads(run(capsys, "analyse", str(tmp_path / "gast.csv"), "--json")[1])
    assert parquet["klanten"] == csv["klanten"] == 3
    assert parquet["inlezen"]["overgeslagen"] == csv["inlezen"]["overgeslagen"]
    zoned = tiny(TINY).assign(besteldatum=lambda f: f["besteldatum"].dt.tz_localize("Europe/Amsterdam"))
    zoned.to_parquet(tmp_path / "zone.parquet")
    from klant_xl.sources import open_transaction_file

    transactions, _ = open_transaction_file(tmp_path / "zone.parquet", today=TODAY)
    assert isinstance(transactions, pd.DataFrame)  # the export reader, not the scan
    assert transactions["Datum"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-01-05", "2026-03-01", "2026-02-10", "2026-03-01", "2026-03-02"]
