"""LibreOffice opens the template and a refreshed workbook without errors, and its recalculation of the
Projectie formulas gives the seed-002 tables (1000 customers, 40% new, 30% churn, 60% won back).

One soffice run converts both files (every sheet to CSV, formulas recalculated by LibreOffice).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from klant_xl.excel.refresh import refresh_workbook
from klant_xl.excel.template import build_template
import klant_xl.excel.offline as offline
from tests.excel_helpers import inputs_snapshot, load, named_cell

pytestmark = pytest.mark.soffice

CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1"
SEED_CURRENT = [1000, 1100, 1210, 1331, 1464, 1611, 1772, 1949, 2144, 2358, 2594]
SEED_NEW = [1000, 1280, 1638, 2097, 2684, 3436, 4398, 5629, 7206, 9223, 11806]
VISIBLE = ["Uitleg", "Instellingen", "Transacties", "Contactmomenten", "Klanten", "Segmenten", "Winback",
           "Projectie", "Overzicht", "Formules", "xlwings.conf"]
ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "Err:", "#NUM!", "#NULL!")

_CACHE: dict = {}


@pytest.fixture
def converted(soffice, tmp_path_factory):
    if "dir" not in _CACHE:
        folder = tmp_path_factory.mktemp("soffice")
        template = folder / "sjabloon.xlsm"
        build_template(template)
        seed = folder / "seed.xlsm"
        shutil.copy(template, seed)
        wb = load(seed)
        for name, value in {"projectie_start": 1000, "projectie_nieuw": 0.4, "projectie_verloop": 0.3,
                            "projectie_terugwin": 0.6, "projectie_jaren": 10}.items():
            named_cell(wb, name).value = value
        wb.save(seed)
        refresh_workbook(seed)
        # A file saved by another program (LibreOffice: shared strings, its own styles) refreshed through
        # the fast path for big sheets
        profile = f"-env:UserInstallation=file://{folder}/profile"
        lo = folder / "lo"
        result = subprocess.run([soffice, "--headless", "--norestore", profile, "--convert-to", "xlsx",
                                 "--outdir", str(lo), str(template)], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        spliced = folder / "gesplitst.xlsx"
        shutil.copy(lo / "sjabloon.xlsx", spliced)
        _CACHE["lo_inputs"] = inputs_snapshot(spliced)
        original = offline.STUB_MIN_BYTES
        offline.STUB_MIN_BYTES = 0
        try:
            refresh_workbook(spliced)
        finally:
            offline.STUB_MIN_BYTES = original
        _CACHE["spliced"] = spliced
        out = folder / "csv"
        out.mkdir()
        result = subprocess.run(
            [soffice, "--headless", "--norestore", profile,
             "--convert-to", CSV_FILTER, "--outdir", str(out), str(template), str(seed), str(spliced)],
            capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stderr
        _CACHE["dir"] = out
    return _CACHE["dir"]


def _num(text: str) -> float:
    text = text.replace(",", "").strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def _sheet(folder: Path, stem: str, sheet: str) -> list[list[str]]:
    with open(folder / f"{stem}-{sheet}.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("stem", ["sjabloon", "seed", "gesplitst"])
def test_every_sheet_opens_without_errors(converted, stem):
    for sheet in VISIBLE:
        rows = _sheet(converted, stem, sheet)
        assert rows, sheet
        bad = [(sheet, i + 1, v) for i, row in enumerate(rows) for v in row if v.startswith(ERRORS)]
        assert bad == []


def test_projectie_recalculated_by_libreoffice_gives_seed_tables(converted):
    rows = _sheet(converted, "seed", "Projectie")
    years = [int(_num(rows[r][0])) for r in range(17, 28)]
    current = [round(_num(rows[r][1])) for r in range(17, 28)]
    new = [round(_num(rows[r][4])) for r in range(17, 28)]
    assert years == list(range(11))
    assert current == SEED_CURRENT
    assert new == SEED_NEW
    used = {rows[r][0]: _num(rows[r][1]) for r in range(4, 14)}
    assert (used["% Verloop nieuwe situatie"]) == pytest.approx(0.12)
    assert (used["Verdubbelingstijd huidige situatie (jaren)"]) == pytest.approx(7.27, abs=0.005)
    assert (used["Cumulatief verlies na 2 jaar"]) == pytest.approx(0.51)
    assert (used["Cumulatief verlies na 3 jaar"]) == pytest.approx(0.657)


def test_template_projectie_uses_measured_values_when_instellingen_empty(converted):
    rows = _sheet(converted, "sjabloon", "Projectie")
    assert rows[4][1] == rows[4][2]  # Klanten nu: used = measured
    start = _num(rows[4][1])
    assert start > 0
    assert round(_num(rows[17][1])) == round(start)


def test_libreoffice_file_refreshed_through_the_fast_path(converted):
    spliced = _CACHE["spliced"]
    assert inputs_snapshot(spliced) == _CACHE["lo_inputs"]
    template_rows = _sheet(converted, "sjabloon", "Transacties")
    assert _sheet(converted, "gesplitst", "Transacties") == template_rows
    assert len(template_rows) > 10_000
