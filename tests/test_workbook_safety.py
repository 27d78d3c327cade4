"""Workbook safety (issue 12): the lock between runs, read-only files, existing targets, stale temporary
files, a full disk. Every refusal leaves the workbook byte-identical and says in Dutch what to do."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.excel_helpers import shop_workbook_fixtures
from klant_xl import cli
from klant_xl.errors import WerkmapFout
from klant_xl.excel.files import workbook_lock
from klant_xl.excel.refresh import refresh_workbook

ROOT = Path(__file__).resolve().parents[1]
D = datetime
SHOP = [
    ["A", D(2024, 1, 1), 50.0], ["A", D(2025, 12, 1), 70.0], ["B", D(2024, 3, 1), 100.0],
    ["B", D(2025, 6, 1), 20.0], ["C", D(2015, 1, 1), 10.0], ["C", D(2015, 2, 5), 10.0],
    ["D", D(2025, 11, 15), 89.95], ["E", D(2016, 2, 1), 30.0],
]


book_base, book = shop_workbook_fixtures(SHOP)


def run_cli(*args, **kwargs):
    env = {**os.environ, "COLUMNS": "400"}  # one message a line: rich wraps at the terminal width
    return subprocess.run([sys.executable, "-m", "klant_xl.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env=env, **kwargs)


def others(folder: Path, keep=("winkel.xlsm",)) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --------------------------------------------------------------------------- the lock

def test_a_second_run_is_refused_while_the_first_holds_the_lock(book):
    from klant_xl.excel.purge import purge_workbook
    from klant_xl.excel.share import share_copy

    original = book.read_bytes()
    with workbook_lock(book, "opschonen"):
        with pytest.raises(WerkmapFout, match="wordt al door klant_xl bewerkt.*opschonen"):
            refresh_workbook(book)
        with pytest.raises(WerkmapFout, match="wordt al door klant_xl bewerkt"):
            purge_workbook(book, 2, confirm=lambda m: True)
        with pytest.raises(WerkmapFout, match="wordt al door klant_xl bewerkt"):
            share_copy(book, book.with_name("kopie.xlsm"))
    assert book.read_bytes() == original
    assert others(book.parent) == []  # the lock file is gone after the run
    refresh_workbook(book)  # free again


def test_the_lock_of_a_killed_run_is_free_and_cleaned_up(book):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from klant_xl.excel.files import workbook_lock
        with workbook_lock({str(book)!r}, "vernieuwen"):
            print("vast", flush=True)
            time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "vast"
        refused = run_cli("vernieuw", book)
        assert refused.returncode == 1
        assert "wordt al door klant_xl bewerkt (vernieuwen, proces" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert others(book.parent) == [".~klant_xl-slot-winkel.xlsm"]  # left by the killed run, not locked
    refresh_workbook(book)
    assert others(book.parent) == []


# --------------------------------------------------------------------------- read-only files

def test_a_read_only_workbook_is_refused_never_replaced(book):
    from klant_xl.excel.purge import purge_workbook

    original = book.read_bytes()
    os.chmod(book, 0o444)
    inode = book.stat().st_ino
    try:
        with pytest.raises(WerkmapFout, match="alleen-lezen"):
            refresh_workbook(book)
        with pytest.raises(WerkmapFout, match="alleen-lezen"):
            purge_workbook(book, 2, confirm=lambda m: True)
        result = run_cli("vernieuw", book)
        assert result.returncode == 1 and "alleen-lezen" in result.stderr and "Traceback" not in result.stderr
        assert book.read_bytes() == original and book.stat().st_ino == inode
        assert stat.S_IMODE(book.stat().st_mode) == 0o444
        assert others(book.parent) == []
    finally:
        os.chmod(book, 0o644)


def test_windows_read_only_attribute_is_refused(book, monkeypatch):
    from klant_xl.excel import files

    real = os.stat

    class WithAttributes:
        def __init__(self, info):
            self._info = info
            self.st_file_attributes = 0x1  # FILE_ATTRIBUTE_READONLY

        def __getattr__(self, name):
            return getattr(self._info, name)

    monkeypatch.setattr(files.os, "stat", lambda p, *a, **k: WithAttributes(real(p, *a, **k)))
    with pytest.raises(WerkmapFout, match="alleen-lezen"):
        files.refuse_read_only(book)


# --------------------------------------------------------------------------- existing targets

def test_sjabloon_refuses_an_existing_file_unless_overschrijven(tmp_path, monkeypatch, capsys):
    from klant_xl.excel import template

    target = tmp_path / "klantanalyse.xlsm"
    target.write_bytes(b"mijn werkmap met notities")
    assert cli.main(["sjabloon", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "bestaat al" in err and "--overschrijven" in err
    assert target.read_bytes() == b"mijn werkmap met notities"
    monkeypatch.setattr(template, "build_template", lambda path, progress=None: Path(path).write_bytes(b"nieuw"))
    assert cli.main(["sjabloon", "-o", str(target), "--overschrijven"]) == 0
    assert target.read_bytes() == b"nieuw"


def test_analyse_and_deel_refuse_an_existing_target(book, tmp_path, capsys):
    export = tmp_path / "export.csv"
    export.write_text("Klant;Datum;Bedrag\nA;01-01-2025;10\nB;02-02-2025;20\n", encoding="utf-8")
    target = tmp_path / "bestaand.xlsm"
    target.write_bytes(b"notities")
    assert cli.main(["analyse", str(export), "-o", str(target)]) == 1
    assert "bestaat al" in capsys.readouterr().err
    assert cli.main(["deel", str(book), "-o", str(target)]) == 1
    assert "bestaat al" in capsys.readouterr().err
    assert target.read_bytes() == b"notities"
    assert cli.main(["deel", str(book), "-o", str(target), "--overschrijven"]) == 0
    assert target.read_bytes()[:2] == b"PK"


# --------------------------------------------------------------------------- temporary files

def test_stale_temporary_files_of_a_killed_run_are_removed_by_the_next_run(book):
    stale = book.with_name(".~klant_xl-winkel.xlsm-k1ll3d_x.xlsm")
    stale.write_bytes(b"half geschreven")
    stale_backup = book.with_name(".~klant_xl-winkel (backup voor opschonen 2026-12-01).xlsm-ab12cd34.xlsm")
    stale_backup.write_bytes(b"half")
    other = book.with_name(".~klant_xl-ander.xlsm-ab12cd34.xlsm")  # another workbook's run: not ours
    other.write_bytes(b"van een andere werkmap")
    refresh_workbook(book)
    assert not stale.exists() and not stale_backup.exists()
    assert other.exists()


def test_a_full_disk_gives_one_dutch_message_and_leaves_the_file(book):
    original = book.read_bytes()
    limit = len(original) // 2

    def small_files():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = run_cli("vernieuw", book, preexec_fn=small_files)
    assert result.returncode == 1, result.stderr
    assert "De schijf is vol" in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert "OSError" not in result.stderr
    assert book.read_bytes() == original
    assert others(book.parent) == []


def test_a_refresh_and_a_new_workbook_print_no_stray_errors(book, tmp_path):
    # openpyxl keeps the VBA project in an open in-memory zip; collected after its buffer (the refresh
    # runs without the cycle collector) it printed "Exception ignored ... I/O operation on closed file"
    result = run_cli("vernieuw", book)
    assert result.returncode == 0, result.stderr
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr
    export = tmp_path / "export.csv"
    export.write_text("Klant;Datum;Bedrag\na;05-01-2026;10,00\na;01-03-2026;30,00\nb;10-02-2026;20,00\n",
                      encoding="utf-8")
    result = run_cli("analyse", export, "-o", tmp_path / "nieuw.xlsm")
    assert result.returncode == 0, result.stderr
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr
