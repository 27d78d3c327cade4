"""Issue 15, what the user sees: one truth per workbook (the Formules examples give the Overzicht's
numbers), page setup on every sheet, Overzicht first, Winback inputs, projection warnings, thresholds
in order, ambiguous percentages refused."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from klant_xl.analysis import analyse
from klant_xl.excel.formulas import formulas_sheet
from klant_xl.excel.spec import Cells
from klant_xl.sample import sample_contacts, sample_transactions
from klant_xl.settings import DEFAULTS
from tests.excel_helpers import load

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook" / "klantanalyse.xlsm"


# --------------------------------------------------------------------------- one truth


def _formules_results(spec) -> dict:
    cells = [c for block in spec.blocks if isinstance(block, Cells) for c in block.cells]
    names = {c.row: c.value for c in cells if c.col == 1}
    return {names[c.row]: c.value for c in cells if c.col == 3 and c.row in names}


@pytest.mark.parametrize("settings", [DEFAULTS, DEFAULTS.with_(inactive_days=120.0, lost_days=400.0,
                                                               reference_date=pd.Timestamp("2025-09-30"))])
def test_formules_examples_give_the_overzicht_numbers(settings):
    tx, co = sample_transactions(), sample_contacts()
    a = analyse(tx, co, settings)
    results = _formules_results(formulas_sheet(tx, co, settings, a.reference_date))
    assert results["HERHAALAANKOOPRATIO"] == pytest.approx(a.repeat_rate)
    assert results["TIJD_TUSSEN_AANKOPEN"] == pytest.approx(a.gaps["mediaan"])
    assert results["CHURN_PERCENTAGE"] == pytest.approx(a.churn_last_year.churn)
    if settings.inactive_days is None:
        assert results["DREMPEL_INACTIEF"] == a.inactive_days == 261
        assert results["DREMPEL_VERLOREN"] == a.lost_days == 875
    # the numbers the issue measured as contradicting each other
    if settings is DEFAULTS:
        assert (round(results["HERHAALAANKOOPRATIO"], 3), results["TIJD_TUSSEN_AANKOPEN"]) == (0.705, 87)
        assert round(results["CHURN_PERCENTAGE"], 3) == 0.454


def test_formules_status_table_counts_as_overzicht():
    from klant_xl.udfs import ExampleInputs, examples

    tx, co = sample_transactions(), sample_contacts()
    a = analyse(tx, co)
    table = next(e for e in examples(a.reference_date) if e.name == "KLANTSTATUS_TABEL").compute(
        ExampleInputs(tx, co, DEFAULTS, a.reference_date))
    status = pd.Series([row[1] for row in table[1:]]).value_counts()
    assert status.to_dict() == {k: v for k, v in a.status_counts().items() if v}
    assert status["Actief"] == 794  # with contact moments (697 without: issue 15's "794 vs 697")


def test_udfs_count_a_return_day_as_no_purchase_only_with_amounts():
    from klant_xl.udfs import HERHAALAANKOOPRATIO

    klanten = [["a"], ["a"], ["b"]]
    datums = [[dt.datetime(2025, 1, 1)], [dt.datetime(2025, 2, 1)], [dt.datetime(2025, 1, 5)]]
    bedragen = [[50.0], [-50.0], [20.0]]
    assert HERHAALAANKOOPRATIO(klanten, datums) == 0.5  # the return counted as a second purchase
    assert HERHAALAANKOOPRATIO(klanten, datums, bedragen) == 0.0


def test_udfs_count_contact_moments_as_activity():
    from klant_xl.udfs import KLANTSTATUS_TABEL

    klanten = [["a"], ["b"]]
    datums = [[dt.datetime(2025, 1, 1)], [dt.datetime(2025, 12, 1)]]
    args = (klanten, datums, None, dt.datetime(2025, 12, 31), 90, 365)
    without = {row[0]: row[1] for row in KLANTSTATUS_TABEL(*args)[1:]}
    with_contact = {row[0]: row[1] for row in KLANTSTATUS_TABEL(*args, [["a"]], [[dt.datetime(2025, 12, 20)]])[1:]}
    assert without["a"] == "Inactief" and with_contact["a"] == "Actief"
    assert "contactmomenten" in str(KLANTSTATUS_TABEL(*args, [["a"]], None))


def test_demo_and_analyse_say_which_inputs_they_used(tmp_path, capsys):
    from klant_xl.cli import main

    assert main(["demo"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Invoer: 12.272 transactieregels met bedragen (een retour is geen aankoop) en 3.010 contactmomenten" in out
    export = tmp_path / "export.csv"
    sample_transactions().to_csv(export, index=False)
    assert main(["analyse", str(export)]) == 0
    assert "zonder contactmomenten" in " ".join(capsys.readouterr().out.split())


# --------------------------------------------------------------------------- the committed template


@pytest.fixture(scope="module")
def template():
    return load(COMMITTED)


def test_overzicht_is_first_and_active(template):
    assert template.sheetnames[0] == "Overzicht"
    assert template.active.title == "Overzicht"


def test_every_sheet_has_a_page_setup_with_page_and_peildatum(template):
    for ws in template.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        wide = {"Klanten": 3, "Winback": 2}.get(ws.title, 1)  # 27 and 11 (+ the results) columns
        assert ws.page_setup.fitToWidth == wide, ws.title
        assert ws.page_setup.orientation in ("portrait", "landscape"), ws.title
        assert "&P" in ws.oddFooter.right.text and "&A" in ws.oddFooter.left.text, ws.title
    outputs = ("Overzicht", "Klanten", "Segmenten", "Winback", "Projectie", "Formules")
    for name in outputs:
        assert template[name].oddFooter.center.text == "Peildatum 31-12-2025", name
    assert template["Overzicht"].page_setup.fitToHeight == 1  # one page
    for name, rows in (("Klanten", "$4:$4"), ("Winback", "$4:$4"), ("Transacties", "$1:$1")):
        assert template[name].print_title_rows == rows, name
        # a table printed over several pages wide repeats the customer on each
        assert template[name].print_title_cols == (None if name == "Transacties" else "$A:$A"), name
        assert template[name].page_setup.orientation == ("portrait" if name == "Transacties" else "landscape")


def test_overzicht_kpis_explained_with_revenue_and_charts_on_the_first_screen(template):
    ws = template["Overzicht"]
    labels = {ws.cell(r, 1).value: r for r in range(1, 41) if ws.cell(r, 1).value}
    assert "Omzet laatste 12 maanden" in labels
    tx = sample_transactions()
    last_year = tx[(tx["Datum"] > "2024-12-31") & (tx["Datum"] <= "2025-12-31")]["Bedrag"].sum()
    assert ws.cell(labels["Omzet laatste 12 maanden"], 2).value == pytest.approx(last_year)
    header = labels["Kengetal"]
    for row in range(header + 1, header + 15):
        if ws.cell(row, 1).value and ws.cell(row, 1).value != "Let op":
            assert ws.cell(row, 3).value, f"kengetal zonder toelichting: {ws.cell(row, 1).value}"
    for chart in ws._charts:
        marker = chart.anchor._from
        assert marker.col <= 13 and marker.row <= 39  # starts within A1:N40
    status_chart = ws._charts[0]
    colours = [getattr(p.graphicalProperties.solidFill.srgbClr, "val", p.graphicalProperties.solidFill.srgbClr)
               for p in status_chart.series[0].dPt]
    assert colours == ["5B9BD5", "70AD47", "FFC000", "C00000"]  # Nieuw, Actief, Inactief, Verloren


def test_status_columns_coloured_the_same_everywhere(template):
    for sheet in ("Klanten", "Overzicht", "Segmenten"):
        rules = [r for cf in template[sheet].conditional_formatting for r in cf.rules if r.type == "cellIs"]
        fills = {r.formula[0].strip('"'): r.dxf.fill.bgColor.rgb[-6:] for r in rules}
        assert fills == {"Nieuw": "5B9BD5", "Actief": "70AD47", "Inactief": "FFC000", "Verloren": "C00000"}, sheet


def test_segmenten_shares_as_percentages_and_pareto_axis_to_100(template):
    ws = template["Segmenten"]
    found = [c for row in ws.iter_rows() for c in row if c.value == "Actief op peildatum"]
    assert found
    header = found[0]
    assert ws.cell(header.row + 1, header.column).number_format == "0.0%"
    pareto = [ch for ch in ws._charts if "Pareto" in str(ch.title.tx.rich.p[0].r[0].t)][0]
    assert pareto.y_axis.scaling.max == 1.0


def test_formules_counts_without_decimals_and_headers_fit(template):
    ws = template["Formules"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "Aantal klanten":
                assert ws.cell(cell.row + 1, cell.column).number_format == "#,##0"
            if cell.value == "Mediaan dagen tussen aankopen":
                width = ws.column_dimensions[cell.column_letter].width
                assert width >= len(cell.value)


def test_winback_inputs_styled_with_hints_widths_and_date_validation(template):
    ws = template["Winback"]
    header = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    validations = {str(v.sqref).split(":")[0][:-1]: v for v in ws.data_validations.dataValidation}
    for column in ("Benaderd op", "Kanaal", "Reden", "Resultaat", "Notitie"):
        letter = ws.cell(4, header[column]).column_letter
        assert ws.cell(5, header[column]).fill.fgColor.rgb[-6:] == "FFF2CC", column  # like Instellingen
        assert validations[letter].showInputMessage and validations[letter].prompt, column
    date = validations[ws.cell(4, header["Benaderd op"]).column_letter]
    assert date.type == "date" and date.showErrorMessage
    assert ws.column_dimensions[ws.cell(4, header["Reden"]).column_letter].width >= len("situatie veranderd") + 2


def test_run_main_module_committed_beside_the_template():
    assert (ROOT / "workbook" / "klantanalyse.py").read_text(encoding="utf-8").count("def main") == 1


def test_sjabloon_writes_the_run_main_module_beside_the_workbook(tmp_path, monkeypatch):
    import klant_xl.excel.template as template

    written = template.write_run_main_module(tmp_path / "mijnwinkel.xlsm")
    assert written == tmp_path / "mijnwinkel.py"
    assert "def main" in written.read_text(encoding="utf-8")
    assert "klant-xl vernieuw mijnwinkel.xlsm" in written.read_text(encoding="utf-8")
    assert "klantanalyse" not in written.read_text(encoding="utf-8")
    mine = tmp_path / "eigen.py"
    mine.write_text("# mijn eigen code\n", encoding="utf-8")
    assert template.write_run_main_module(tmp_path / "eigen.xlsm") is None  # never overwritten
    assert mine.read_text(encoding="utf-8") == "# mijn eigen code\n"


# --------------------------------------------------------------------------- projection, thresholds, percentages


def test_projection_warnings_before_the_table_in_cli(capsys):
    from klant_xl.cli import main

    assert main(["projectie", "--start", "1000", "--nieuw", "129,7%", "--verloop", "87,8%"]) == 0
    out = capsys.readouterr().out
    assert out.index("Let op:") < out.index("Jaar")
    assert "Nieuwe klanten 129,7% per jaar ligt buiten" in out and "Verloop 87,8% per jaar ligt buiten" in out


def test_unmeasurable_churn_warns_in_analysis_and_workbook():
    from klant_xl.excel.layout import output_sheets

    tx = sample_transactions()
    recent = tx[tx["Datum"] >= "2025-06-01"]
    a = analyse(recent)
    assert a.projection_warnings and "niet te meten" in a.projection_warnings[0]
    projectie = next(s for s in output_sheets(a) if s.name == "Projectie")
    a3 = next(c for b in projectie.blocks if isinstance(b, Cells) for c in b.cells if (c.row, c.col) == (3, 1))
    assert "niet te meten" in a3.value and a3.value.startswith("=IF(")


def test_thresholds_in_the_wrong_order_are_an_error_naming_both(capsys):
    from klant_xl.cli import main

    assert main(["demo", "--dagen-inactief", "90", "--dagen-verloren", "30"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "Drempel verloren (30 dagen)" in err and "drempel inactief (90 dagen)" in err


def test_a_number_above_1_in_a_percentage_cell_is_refused_unless_allowed():
    from klant_xl.errors import DubbelzinnigPercentage
    from klant_xl.excel.refresh import settings_from_values

    with pytest.raises(DubbelzinnigPercentage, match="is 1,2: in een cel met procentnotatie is dat 120%"):
        settings_from_values({"projectie_nieuw": 1.2})
    allowed = settings_from_values({"projectie_nieuw": 1.2, "procent_boven_100": "JA"})
    assert allowed.projection_new_rate == 1.2
    with pytest.raises(Exception, match="tussen 0% en 100%"):
        settings_from_values({"projectie_verloop": 1.2, "procent_boven_100": "JA"})  # churn never above 100%
    assert settings_from_values({"projectie_nieuw": 0.4}).projection_new_rate == 0.4
    assert settings_from_values({"projectie_nieuw": "130%"}).projection_new_rate == 1.3


def test_udf_refuses_an_ambiguous_percentage_cell():
    from klant_xl.udfs import CUMULATIEF_VERLIES

    assert "120%" in str(CUMULATIEF_VERLIES(1.2, 3.0))


def test_missing_customer_column_lists_the_accepted_names():
    from klant_xl.errors import KolomOntbreekt
    from klant_xl.reading import read_transactions

    with pytest.raises(KolomOntbreekt) as info:
        read_transactions(pd.DataFrame({"Wie": ["a"], "Datum": ["2025-01-01"], "Bedrag": [1.0]}))
    assert "Herkende namen voor 'Klant': 'Klantnummer'" in str(info.value)


# --------------------------------------------------------------------------- LibreOffice: how it prints


@pytest.mark.soffice
def test_libreoffice_prints_overzicht_on_one_page_and_klanten_at_full_width(soffice, tmp_path):
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    result = subprocess.run([soffice, "--headless", "--norestore", profile, "--convert-to", "pdf", "--outdir",
                             str(tmp_path), str(COMMITTED)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "klantanalyse.pdf"

    def page_text(number: int) -> str:
        return subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
                              capture_output=True, text=True).stdout

    pages = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                 text=True).stdout.splitlines()
                     if line.startswith("Pages:")))
    assert pages < 853 * 0.6  # was 853 portrait pages without a page setup (Transacties at full width: 315)
    first, second = page_text(1), page_text(2)
    assert first.lstrip().startswith("Overzicht klantenbestand") and "Klanten per jaar" in first
    assert "Pagina 1 van" in first and "Peildatum 31-12-2025" in first
    assert second.lstrip().startswith("Klantanalyse met klant_xl")  # Overzicht fits one page: Uitleg follows
    klanten = next(n for n in range(3, pages + 1) if page_text(n).lstrip().startswith("Klanten\n"))
    # 27 columns over three pages wide, across first: the rows' three pages follow each other, each
    # repeating the customer (on one page wide the text was about 4 points)
    across = [page_text(klanten + i) for i in range(4)]
    for text, headers in zip(across, [("Klant", "Status", "Omzet"), ("Klant", "Mediaan dagen", "Laatste product"),
                                      ("Klant", "Kans actief", "CLV", "Verwijderen"), ("Klant", "Status")]):
        assert all(header in text for header in headers), (headers, text[:300])
    assert "K10001" in across[0] and "K10001" in across[2] and "K10001" not in across[3]


def test_projectie_formulas_are_saved_with_their_results(tmp_path):
    # openpyxl stores a formula without its result: a preview, pandas or Power Query showed blanks. The results
    # are the formulas' own arithmetic on the inputs (oracle written out here), and the formulas stay.
    import math

    formulas, values = load(COMMITTED)["Projectie"], load(COMMITTED, data_only=True)["Projectie"]
    start, new, churn, winback = (values[f"C{row}"].value for row in (5, 6, 7, 8))  # Instellingen blank: measured
    assert [values[f"B{row}"].value for row in (5, 6, 7, 8)] == [start, new, churn, winback]
    churn_new = churn * (1 - winback)
    assert values["B9"].value == pytest.approx(churn_new)
    assert values["B11"].value == pytest.approx(math.log(2) / math.log(1 + new - churn))
    assert values["B13"].value == pytest.approx(1 - (1 - churn) ** 2)
    for year in range(11):
        assert values[f"B{18 + year}"].value == pytest.approx(start * (1 + new - churn) ** year)
        assert values[f"E{18 + year}"].value == pytest.approx(start * (1 + new - churn_new) ** year)
    assert formulas["B18"].value == "=$B$5*(1+$B$6-$B$7)^A18" and formulas["B5"].value.startswith("=IF(ISNUMBER(")
