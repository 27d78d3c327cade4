"""Messages that name what is wrong and where (issue 12, item 9): sheet, column, row and the value as
the user typed it -- never a Python repr, never "leeg" for a value that is there."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.excel_helpers import shop_workbook_fixtures
from klant_xl import cli
from klant_xl.errors import WaardeFout
from klant_xl.excel.refresh import refresh_workbook

D = datetime
SHOP = [["A", D(2024, 1, 1), 50.0], ["A", D(2025, 12, 1), 70.0], ["B", D(2024, 3, 1), 100.0],
        ["C", D(2015, 1, 1), 10.0], ["D", D(2025, 11, 15), 89.95], ["E", D(2025, 6, 1), 20.0]]


book_base, book = shop_workbook_fixtures(SHOP)


def _edit(path: Path, edit) -> None:
    wb = load_workbook(path, keep_vba=True)
    edit(wb)
    wb.save(path)


def _winback_cell(wb, column: str):
    """(cell, Excel row) of ``column`` in the first data row of the Winback table."""
    ws = wb["Winback"]
    table = ws.tables["Winback"]
    top_left = table.ref.split(":")[0]
    first_col = ord(top_left[0]) - 64
    header_row = int(top_left[1:])
    headers = [ws.cell(header_row, first_col + j).value for j in range(30)]
    cell = ws.cell(header_row + 1, first_col + headers.index(column))
    return cell, header_row + 1


def test_text_in_winback_benaderd_op_names_the_sheet_the_column_and_the_excel_row(book):
    where = {}

    def type_text(wb):
        cell, row = _winback_cell(wb, "Benaderd op")
        cell.value = "gisteren"
        where["row"] = row

    _edit(book, type_text)
    assert where["row"] > 2  # the table starts below its title: the row is not the table's own row 2
    before = book.read_bytes()
    with pytest.raises(WaardeFout) as caught:
        refresh_workbook(book)
    message = str(caught.value)
    assert message == f"Blad 'Winback', kolom 'Benaderd op' in rij {where['row']} is geen datum: 'gisteren'"
    assert book.read_bytes() == before


def test_a_year_9999_date_is_shown_as_a_date_not_as_python(book, capsys):
    def far_date(wb):
        wb["Transacties"]["B3"].value = D(9999, 12, 31)

    _edit(book, far_date)
    assert cli.main(["vernieuw", str(book)]) == 1
    shown = " ".join(capsys.readouterr().err.split())
    assert "Datum in rij 3 is geen bruikbare datum" in shown
    assert "'31-12-9999'" in shown
    assert "datetime" not in shown


def test_an_excel_error_value_in_datum_is_a_foutwaarde_not_empty(book, capsys):
    def error_value(wb):
        wb["Transacties"]["B4"].value = "#N/A"  # openpyxl writes it as an error cell (t="e"), as Excel does

    _edit(book, error_value)
    assert cli.main(["vernieuw", str(book)]) == 0
    shown = " ".join(capsys.readouterr().err.split())
    assert "leeg" not in shown
    assert "Let op: overgeslagen (foutwaarde): 1 regel, bijvoorbeeld rij 4" in shown
    assert "Foutwaarde #N/A in kolom 'Datum' (rij 4)" in shown
    # the other five rows are read: B (row 4) had one purchase, so one customer fewer
    customers = load_workbook(book)["Klanten"].tables["Klanten"].ref
    first, last = customers.split(":")
    assert int(last[1:]) - int(first[1:]) == len({r[0] for r in SHOP}) - 1


def test_an_empty_klant_column_says_so(book, capsys):
    def no_customers(wb):
        ws = wb["Transacties"]
        for row in range(2, 2 + len(SHOP)):
            ws.cell(row, 1).value = None

    _edit(book, no_customers)
    assert cli.main(["vernieuw", str(book)]) == 1
    shown = " ".join(capsys.readouterr().err.split())
    assert "geen transacties met een datum" not in shown
    assert f"Overgeslagen (geen klant): {len(SHOP)} regels" in shown


@pytest.mark.parametrize(("sheet", "cell", "said"), [
    ("Transacties", "B3", "Werkblad 'Transacties', Datum in rij 3 is geen datum: 'morgen'"),
    ("Contactmomenten", "B2", "Werkblad 'Contactmomenten', Datum in rij 2 is geen datum: 'morgen'"),
])
def test_a_bad_value_on_an_input_sheet_names_the_sheet(book, sheet, cell, said):
    # 'Datum in rij 3 is geen datum' did not say which sheet (Transacties and Contactmomenten both have dates)
    def type_text(wb):
        ws = wb[sheet]
        if sheet == "Contactmomenten":
            ws["A2"], ws["C2"] = "A", "telefoon"
        ws[cell] = "morgen"

    _edit(book, type_text)
    before = book.read_bytes()
    with pytest.raises(WaardeFout) as caught:
        refresh_workbook(book)
    assert str(caught.value) == said
    assert book.read_bytes() == before


def test_a_bad_value_in_the_contacts_file_names_that_file(tmp_path, capsys):
    export, contacts = tmp_path / "export.csv", tmp_path / "contact.csv"
    export.write_text("Klant,Datum,Bedrag\nA,2025-01-05,10\n", encoding="utf-8")
    contacts.write_text("Klant,Datum,Soort\nA,2025-13-01,telefoon\n", encoding="utf-8")
    code = cli.main(["analyse", str(export), "--contactmomenten", str(contacts)])
    assert code != 0
    said = "Contactmomenten 'contact.csv', Datum in rij 2 is geen datum: '2025-13-01'"
    assert said in " ".join(capsys.readouterr().err.split())


def test_contact_moments_that_match_no_customer_are_said_to_count_nowhere():
    # Shopify e-mails as contacts against K-numbers in the transactions: '9 contactmomenten (tellen als
    # activiteit)' while none counted
    import pandas as pd

    from klant_xl import analyse

    transactions = pd.DataFrame({"Klant": ["K1", "K2"], "Datum": pd.to_datetime(["2025-01-05", "2025-02-05"]),
                                 "Bedrag": 10.0})
    contacts = pd.DataFrame({"Klant": ["k1@x.nl", "k2@x.nl", "K2"], "Datum": pd.to_datetime(["2025-03-01"] * 3),
                             "Soort": "telefoon"})
    result = analyse(transactions, contacts)
    assert result.inputs_sentence().endswith("en 3 contactmomenten, waarvan 1 van klanten uit de transacties "
                                             "(tellen als activiteit).")
    assert not any("Geen enkel contactmoment" in m for m in result.messages)
    result = analyse(transactions, contacts.iloc[:2])
    assert "Geen enkel contactmoment (2) hoort bij een klant uit de transacties (contacten 'k1@x.nl', 'k2@x.nl'; " \
           "klanten 'K1', 'K2'): ze tellen nergens mee. Gebruik in beide dezelfde klantcode (klantnummer of " \
           "e-mail)." in result.messages
