"""klant-xl sjabloon / vernieuw / analyse -o / deel: exit codes and Dutch messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from klant_xl.cli import main
from tests.excel_helpers import digest, table_dicts

SAMPLE = Path(__file__).resolve().parents[1] / "klant_xl" / "data" / "voorbeeld_transacties.csv"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    assert main(["sjabloon", "-o", str(folder / "k.xlsm")]) == 0
    return folder / "k.xlsm"


def test_sjabloon_and_vernieuw(made, tmp_path, capsys):
    path = tmp_path / "k.xlsm"
    shutil.copy(made, path)
    assert main(["vernieuw", str(path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Vernieuwd" in out and "peildatum 31-12-2025" in out


def test_vernieuw_refuses_a_workbook_open_in_excel(made, tmp_path, capsys):
    path = tmp_path / "k.xlsm"
    shutil.copy(made, path)
    (tmp_path / "~$k.xlsm").write_bytes(b"")
    before = digest(path)
    assert main(["vernieuw", str(path)]) == 1
    assert "geopend in Excel" in " ".join(capsys.readouterr().err.split())
    assert digest(path) == before


def test_vernieuw_missing_file(tmp_path, capsys):
    assert main(["vernieuw", str(tmp_path / "weg.xlsm")]) == 1
    assert "bestaat niet" in " ".join(capsys.readouterr().err.split())


def test_analyse_export_to_new_workbook(tmp_path, capsys):
    out = tmp_path / "nieuw.xlsm"
    assert main(["analyse", str(SAMPLE), "-o", str(out), "--dagen-inactief", "120", "--dagen-verloren", "400"]) == 0
    assert "Werkmap geschreven" in " ".join(capsys.readouterr().out.split())
    customers = {line.split(",")[0] for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]}
    assert len(table_dicts(out, "Klanten")) == len(customers)


@pytest.mark.parametrize("name", ["winkel.xlsx", "winkel.xlsm"])
def test_uitleg_of_a_workbook_from_an_export_names_that_export_and_only_the_modules_there_are(tmp_path, capsys, name):
    import openpyxl

    export = tmp_path / "mijn_export.csv"
    export.write_text("Klant,Datum,Bedrag\nK1,2025-01-05,10\nK1,2025-03-05,12\nK2,2025-02-01,8\n", encoding="utf-8")
    out = tmp_path / name
    assert main(["analyse", str(export), "-o", str(out)]) == 0
    lines = [cell.value for cell in openpyxl.load_workbook(out)["Uitleg"]["A"] if cell.value]
    text = " ".join(lines)
    assert "Schoenen Van Dijk" not in text and "'mijn_export.csv'" in text
    assert f"klant-xl vernieuw {name}" in text
    # 'Run main' starts the module beside the workbook: only an .xlsm gets one
    assert ("Run main" in text) == (name.endswith(".xlsm")) == (tmp_path / "winkel.py").exists()


def test_deel(made, tmp_path, capsys):
    out = tmp_path / "voor-adviseur.xlsx"
    assert main(["deel", str(made), "-o", str(out)]) == 0
    assert out.exists() and "Kopie om te delen" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("argv", [["analyse", str(SAMPLE), "-o", "uit.csv"], ["sjabloon", "-o", "sjabloon.txt"],
                                  ["sjabloon", "--lite", "-o", "lite.xlsm"]])
def test_a_workbook_is_written_only_under_a_workbook_name(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    assert "Een werkmap krijgt een naam die op" in " ".join(capsys.readouterr().err.split())
    assert list(tmp_path.iterdir()) == []
