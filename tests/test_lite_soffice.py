"""LibreOffice opens the Lite workbook without errors, and its native Projectie formulas work without Python:
with the seed-002 inputs (1000 customers, 40% new, 30% churn, 60% won back) LibreOffice's recalculation gives
the seed tables. Excel with xlwings Lite itself is the manual checklist in the README.
"""

from __future__ import annotations

import csv
import subprocess

import pytest

from klant_xl.excel.lite_workbook import build_lite_workbook, read_lite_properties
from klant_xl.settings import DEFAULTS

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
        _CACHE["dir"] = _convert(soffice, tmp_path_factory)
    return _CACHE["dir"]


def _convert(soffice, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lite-soffice")
    path = folder / "lite.xlsx"
    seed = DEFAULTS.with_(projection_start=1000, projection_new_rate=0.4, projection_churn_rate=0.3,
                          projection_winback_rate=0.6, projection_years=10)
    build_lite_workbook(path, settings=seed)
    assert read_lite_properties(path)["pyodideVersion"] == "0.27.5"
    out = folder / "csv"
    out.mkdir()
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", CSV_FILTER, "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return out


def _sheet(folder, sheet):
    with open(folder / f"lite-{sheet}.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _num(text: str) -> float:
    text = text.replace(",", "").strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def test_every_sheet_opens_without_errors(converted):
    for sheet in VISIBLE:
        rows = _sheet(converted, sheet)
        assert rows, sheet
        assert [(sheet, i + 1, v) for i, row in enumerate(rows) for v in row if v.startswith(ERRORS)] == []


def test_projectie_formulas_give_the_seed_tables_without_python(converted):
    rows = _sheet(converted, "Projectie")
    assert [int(_num(rows[r][0])) for r in range(17, 28)] == list(range(11))
    assert [round(_num(rows[r][1])) for r in range(17, 28)] == SEED_CURRENT
    assert [round(_num(rows[r][4])) for r in range(17, 28)] == SEED_NEW


def test_uitleg_is_the_lite_explanation(converted):
    text = "\n".join(",".join(row) for row in _sheet(converted, "Uitleg"))
    assert "xlwings Lite" in text and "WA200008175" in text
