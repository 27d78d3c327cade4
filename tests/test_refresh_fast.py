"""The fast path for big workbooks (cell data of big sheets bypass openpyxl) gives the same workbook."""

from __future__ import annotations

import shutil
import zipfile

import pytest

import klant_xl.excel.offline as offline
from klant_xl.excel.refresh import refresh_workbook
from klant_xl.excel.template import build_template
from tests.excel_helpers import (
    add_table_column,
    find_table,
    inputs_snapshot,
    load,
    set_cell_in_table,
    table_dicts,
    table_rows,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("snel") / "klantanalyse.xlsm"
    build_template(path)
    return path


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(offline, "STUB_MIN_BYTES", 0)


def _outputs(path):
    wb = load(path)
    return {name: table_rows(wb, name) for name in ("Klanten", "Winback", "Seg_Status", "Overzicht_Status")}


def test_fast_refresh_equals_normal_refresh(template, tmp_path, monkeypatch):
    normal, quick = tmp_path / "normaal.xlsm", tmp_path / "snel.xlsm"
    shutil.copy(template, normal)
    shutil.copy(template, quick)
    refresh_workbook(normal)
    monkeypatch.setattr(offline, "STUB_MIN_BYTES", 0)
    before = inputs_snapshot(quick)
    report = refresh_workbook(quick)
    assert report.timings["openen"] < 2.0
    assert inputs_snapshot(quick) == before
    assert _outputs(quick) == _outputs(normal)
    with zipfile.ZipFile(quick) as a, zipfile.ZipFile(template) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")


def test_fast_refresh_keeps_user_values(template, tmp_path, fast):
    path = tmp_path / "w.xlsm"
    shutil.copy(template, path)
    wb = load(path)
    ws, table = find_table(wb, "Winback")
    first = table_dicts(wb, "Winback")[0]["Klant"]
    set_cell_in_table(ws, table, first, "Notitie", "teruggebeld")
    ws, table = find_table(wb, "Klanten")
    add_table_column(ws, table, "Eigen", {"K10001": "vaste klant"})
    wb.save(path)
    refresh_workbook(path)
    refresh_workbook(path)
    assert {r["Klant"]: r["Notitie"] for r in table_dicts(path, "Winback")}[first] == "teruggebeld"
    assert {r["Klant"]: r["Eigen"] for r in table_dicts(path, "Klanten")}["K10001"] == "vaste klant"
