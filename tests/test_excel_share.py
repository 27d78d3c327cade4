"""Delen: klant_xl formulas become values (Excel's cached value, else klant_xl's own), nothing else changes."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import datetime

import pytest

from klant_xl.errors import WerkmapFout
from klant_xl.excel.share import share_copy
from klant_xl.excel.template import build_template
from tests.excel_helpers import digest, inputs_snapshot, load

FUNCTIONS = re.compile(r"KLANTSTATUS|HERHAALAANKOOPRATIO|CUMULATIEF_VERLIES|VERDUBBELINGSTIJD|CHURN_", re.I)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("delen") / "klantanalyse.xlsm"
    build_template(path)
    return path


def _with_formulas(template, folder, formulas):
    path = folder / "met_formules.xlsm"
    shutil.copy(template, path)
    wb = load(path)
    ws = wb.create_sheet("Eigen")
    for ref, formula in formulas.items():
        ws[ref] = formula
    ws["D1"] = "=SUM(1,2)"  # not a klant_xl formula: must stay a formula
    wb.save(path)
    return path


def _cache(path, sheet_xml, values):
    """Store cached results in the file as Excel does when it saves (<v> after <f>)."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    out = []
    for info, data in entries:
        if info.filename == sheet_xml:
            text = data.decode()
            for ref, value in values.items():
                kind = "" if re.fullmatch(r"[-0-9.]+", value) else (' t="e"' if value.startswith("#") else ' t="str"')
                text = re.sub(rf'<c r="{ref}"([^>]*)>(<f>[^<]*</f>)(<v\s*/>|<v></v>)?',
                              rf'<c r="{ref}"\1{kind}>\2<v>{value}</v>', text)
            data = text.encode()
        out.append((info, data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in out:
            z.writestr(info, data)


def _sheet_part(path, title):
    wb = load(path)
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


def test_cached_values_replace_klant_xl_formulas(template, tmp_path):
    path = _with_formulas(template, tmp_path, {"A1": "=CUMULATIEF_VERLIES(0.1,3)", "A2": '=KLANTSTATUS(B2,"2025-12-31",90,365)'})
    _cache(path, _sheet_part(path, "Eigen"), {"A1": "0.271", "A2": "Inactief"})
    before = digest(path)
    out = share_copy(path, tmp_path / "kopie.xlsm")
    assert digest(path) == before  # the original is only read
    wb = load(out)
    ws = wb["Eigen"]
    assert ws["A1"].value == pytest.approx(0.271)
    assert ws["A2"].value == "Inactief"
    assert ws["D1"].value == "=SUM(1,2)"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert not FUNCTIONS.search(str(cell.value)), cell.coordinate
    assert inputs_snapshot(out) == inputs_snapshot(path)
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(path) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")


def test_error_cached_and_not_computable_is_refused_naming_the_cell(template, tmp_path):
    path = _with_formulas(template, tmp_path, {"B3": "=KLANTSTATUS(A1+1)"})
    _cache(path, _sheet_part(path, "Eigen"), {"B3": "#NAME?"})
    out = tmp_path / "kopie.xlsx"
    with pytest.raises(WerkmapFout, match=r"Eigen!B3"):
        share_copy(path, out)
    assert not out.exists()


def test_copy_needs_another_name(template, tmp_path):
    with pytest.raises(WerkmapFout, match="andere naam"):
        share_copy(template, template)


def test_computed_by_klant_xl_when_nothing_cached(template, tmp_path):
    udfs = pytest.importorskip("klant_xl.udfs")
    path = _with_formulas(template, tmp_path, {
        "A1": "=CUMULATIEF_VERLIES(0.1,3)",
        "A2": "=VERDUBBELINGSTIJD(10%,0)",
        "A3": "=KLANTSTATUS(DATE(2025,6,1),DATE(2025,12,31),90,365)",
        "A4": "=HERHAALAANKOOPRATIO(Transacties[Klant],Transacties[Datum])",
    })
    out = share_copy(path, tmp_path / "kopie.xlsx")
    ws = load(out)["Eigen"]
    assert ws["A1"].value == pytest.approx(1 - 0.9 ** 3)  # 27.1%
    assert ws["A2"].value == pytest.approx(7.2725, abs=1e-3)  # ln 2 / ln 1.1
    assert ws["A3"].value == "Inactief"  # 213 days: between 90 and 365
    klanten = {}
    for row in load(path)["Transacties"].iter_rows(min_row=2, values_only=True):
        if row[0] is not None:  # without amounts every line is a purchase (SPEC §3)
            klanten.setdefault(row[0], set()).add(row[1].date() if isinstance(row[1], datetime) else row[1])
    repeat = sum(1 for days in klanten.values() if len(days) >= 2) / len(klanten)
    assert ws["A4"].value == pytest.approx(repeat)
    assert udfs is not None
