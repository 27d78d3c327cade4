"""SIGKILL in the middle of a refresh and of a purge (issue 12): the workbook is byte-identical or a complete,
valid result; a temporary file or lock a killed run leaves is removed by the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
D = datetime
SHOP = [["A", D(2024, 1, 1), 50.0], ["A", D(2025, 12, 1), 70.0], ["B", D(2024, 3, 1), 100.0],
        ["C", D(2015, 1, 1), 10.0], ["C", D(2015, 3, 1), 12.0], ["D", D(2025, 11, 15), 89.95],
        ["E", D(2016, 5, 1), 30.0]]
FRACTIONS = (0.15, 0.35, 0.55, 0.75, 0.9, 0.97)


@pytest.fixture(scope="module")
def book_base(tmp_path_factory):
    from klant_xl.excel.template import build_workbook
    from klant_xl.reading import read_transactions

    path = tmp_path_factory.mktemp("book") / "winkel.xlsm"
    build_workbook(path, read_transactions(pd.DataFrame(SHOP, columns=["Klant", "Datum", "Bedrag"])))
    return path


def command(kind, path):
    if kind == "vernieuw":
        return [sys.executable, "-m", "klant_xl.cli", "vernieuw", str(path)]
    return [sys.executable, "-m", "klant_xl.cli", "opschonen", str(path), "--bewaartermijn", "5", "--ja",
            "--peildatum", "2025-12-31"]


def valid(path) -> bool:
    with zipfile.ZipFile(path) as archive:
        if archive.testzip() is not None:
            return False
    wb = load_workbook(path, keep_vba=True)
    return "Klanten" in wb.sheetnames and "Transacties" in wb.sheetnames


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~klant_xl"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["vernieuw", "opschonen"])
def test_sigkill_at_several_moments(book_base, tmp_path, kind):
    reference = tmp_path / "ref" / "winkel.xlsm"
    reference.parent.mkdir()
    reference.write_bytes(book_base.read_bytes())
    started = time.monotonic()
    subprocess.run(command(kind, reference), check=True, capture_output=True, cwd=ROOT, timeout=600)
    duration = time.monotonic() - started
    original = book_base.read_bytes()
    outcomes = []
    for i, fraction in enumerate(FRACTIONS):
        folder = tmp_path / f"kill{i}"
        folder.mkdir()
        path = folder / "winkel.xlsm"
        path.write_bytes(original)
        run = subprocess.Popen(command(kind, path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(duration * fraction)
        run.send_signal(signal.SIGKILL)
        run.wait()
        data = path.read_bytes()
        if data == original:
            outcomes.append("origineel")
        else:
            assert valid(path), f"killed at {fraction:.0%}: the workbook is neither the original nor complete"
            outcomes.append("resultaat")
        for name in os.listdir(folder):  # a backup left by a killed purge is a complete copy of the original
            if "backup voor opschonen" in name and not name.startswith("."):
                assert (folder / name).read_bytes() == original
        # the next run cleans up what the killed one left, and succeeds
        subprocess.run(command("vernieuw", path), check=True, capture_output=True, cwd=ROOT, timeout=600)
        assert leftovers(folder) == []
        assert valid(path)
    assert "origineel" in outcomes  # the early kills left the file untouched
