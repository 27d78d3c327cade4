"""The engine's compiled SQL kept between command-line runs (klant_xl.query_cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from klant_xl import engine, query_cache
from klant_xl.cli import main

SAMPLE = Path(engine.__file__).parent / "data" / "voorbeeld_transacties.csv"
CHILD = """
import io, contextlib, json, sys
from klant_xl.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["analyse", sys.argv[1], "--json"])
print(json.dumps({"code": code, "ibis": "ibis" in sys.modules, "klanten": json.loads(out.getvalue())["klanten"]}))
"""


def child(cache: Path) -> dict:
    env = {**os.environ, "KLANT_XL_CACHE": str(cache)}
    result = subprocess.run([sys.executable, "-c", CHILD, str(SAMPLE)], capture_output=True, text=True, env=env,
                            check=True, cwd=Path(__file__).parent.parent)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_second_run_uses_the_kept_sql_and_never_imports_ibis(tmp_path):
    first = child(tmp_path)
    assert first == {"code": 0, "ibis": True, "klanten": 2500}  # compiled: Ibis was needed
    files = list(tmp_path.glob("sql-*.json"))
    assert len(files) == 1
    kept = json.loads(files[0].read_text())
    assert {json.loads(key)[0] for key in kept} >= {"stats", "daily", "customers", "histogram", "activity"}
    assert all("SELECT" in sql for sql in kept.values())
    second = child(tmp_path)
    assert second == {"code": 0, "ibis": False, "klanten": 2500}  # the same answer without Ibis


def test_a_damaged_cache_file_is_ignored_and_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    query_cache.cache_file().parent.mkdir(parents=True, exist_ok=True)
    query_cache.cache_file().write_text("{half a fi")
    assert query_cache.load() == 0
    assert main(["analyse", str(SAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["klanten"] == 2500
    assert json.loads(query_cache.cache_file().read_text())  # written again, whole


def test_another_engine_source_or_ibis_gets_another_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    name = query_cache.cache_file().name
    changed = tmp_path / "engine.py"
    changed.write_bytes(Path(engine.__file__).read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(engine, "__file__", str(changed))
    assert query_cache.cache_file().name != name
    monkeypatch.undo()
    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    monkeypatch.setattr(query_cache, "_version", lambda distribution: "99.0")
    assert query_cache.cache_file().name != name


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch, capsys):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KLANT_XL_CACHE", str(blocked / "klant_xl"))
    assert main(["analyse", str(SAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["klanten"] == 2500
    assert query_cache.save() is False


@pytest.mark.parametrize("kept", [[], {"x": 1}, {"x": "SELECT 1"}])
def test_entries_of_another_shape_change_nothing(kept, tmp_path, monkeypatch):
    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    query_cache.cache_file().parent.mkdir(parents=True, exist_ok=True)
    query_cache.cache_file().write_text(json.dumps(kept))
    before = engine.compiled_queries()
    query_cache.load()
    after = engine.compiled_queries()
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) <= ({"x"} if kept == {"x": "SELECT 1"} else set())


EXCEL_CHILD = """
import json, sys
from tests import xlwings_harness as harness
harness.register_engines()
module = harness.classic_module()
from klant_xl.excel.offline import OfflineWorkbook
from klant_xl.excel.refresh import main
klanten = [["Klant"], ["K1"], ["K2"], ["K1"], ["K3"]]
datums = [["Datum"], [45000.0], [45010.0], [45300.0], [45600.0]]
cells = module.KLANTSTATUS_TABEL(klanten, datums, None, 45700.0, 90, 365)
refreshed = main(OfflineWorkbook(sys.argv[1])) if len(sys.argv) > 1 else None
print(json.dumps({"ibis": "ibis" in sys.modules, "status": [row[1] for row in cells[1:]], "refreshed": refreshed}))
"""


def excel_session(cache: Path, *workbook: Path) -> dict:
    """One Excel session as a Python of its own: a formula, and (given a workbook) the ribbon's refresh."""
    env = {**os.environ, "KLANT_XL_CACHE": str(cache)}
    result = subprocess.run([sys.executable, "-c", EXCEL_CHILD, *map(str, workbook)], capture_output=True,
                            text=True, env=env, check=True, cwd=Path(__file__).parent.parent)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_next_excel_session_uses_the_sql_the_first_one_kept(tmp_path):
    # a formula and a click on "Vernieuw analyse" each run in a Python of their own: the first
    # compiles (and imports Ibis), every later one reads the SQL the first kept
    from tests.excel_helpers import build_shop_workbook

    workbook = build_shop_workbook(tmp_path, [("K1", "2024-03-01", 20.0), ("K2", "2024-05-01", 35.0),
                                              ("K1", "2025-01-10", 15.0)])
    cache = tmp_path / "cache"
    first = excel_session(cache)
    # peildatum 45700 (12-02-2025): K1 last bought 400 days before, K2 690, K3 100 (thresholds 90 / 365)
    assert first == {"ibis": True, "status": ["Verloren", "Verloren", "Inactief"], "refreshed": None}
    assert len(list(cache.glob("sql-*.json"))) == 1
    second = excel_session(cache, workbook)  # the refresh has shapes of its own: compiled once, then kept
    assert second["status"] == first["status"] and second["refreshed"] is True
    third = excel_session(cache, workbook)
    assert third == {"ibis": False, "status": first["status"], "refreshed": True}


def test_no_home_folder_means_no_cache_not_a_failed_refresh(tmp_path, monkeypatch):
    # a container user without HOME or passwd entry: Path.home() raises RuntimeError
    from tests.excel_helpers import build_shop_workbook

    from klant_xl.excel.offline import OfflineWorkbook
    from klant_xl.excel.refresh import main as refresh_active_workbook

    workbook = build_shop_workbook(tmp_path, [("K1", "2024-03-01", 20.0), ("K2", "2024-05-01", 35.0)])
    monkeypatch.delenv("KLANT_XL_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    monkeypatch.setattr(sys, "platform", "linux")
    assert query_cache.load() == 0
    assert query_cache.save() is False
    assert refresh_active_workbook(OfflineWorkbook(workbook)) is True


@pytest.mark.parametrize("failure", [TypeError, KeyError, UnicodeDecodeError])
def test_no_failure_of_the_cache_reaches_a_formula_or_the_command_line(failure, tmp_path, monkeypatch, capsys):
    # the cache is only a cache: whatever it raises, load and save answer "nothing kept" and the work goes on
    def broken(*args):
        if failure is UnicodeDecodeError:
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        raise failure("kapot")

    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(query_cache, "cache_file", broken)
    assert query_cache.load() == 0
    assert main(["analyse", str(SAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["klanten"] > 0
    assert query_cache.save() is False
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_is_tried_once_per_session_not_after_every_formula(tmp_path, monkeypatch):
    # an Excel session recalculates thousands of formulas; each used to retry the failing write
    attempts = []

    def unwritable(target, queries):
        attempts.append(len(queries))
        raise PermissionError("alleen-lezen")

    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    monkeypatch.setattr(query_cache, "_KEPT", {})
    monkeypatch.setattr(query_cache, "_write", unwritable)
    monkeypatch.setattr(engine, "compiled_queries", lambda: {"vorm-1": "SELECT 1"})
    assert query_cache.save_new() is False
    assert query_cache.save_new() is True  # nothing new since the attempt: no second write
    assert attempts == [1]
    monkeypatch.setattr(engine, "compiled_queries", lambda: {"vorm-1": "SELECT 1", "vorm-2": "SELECT 2"})
    assert query_cache.save_new() is False  # a new shape is worth one more try
    assert attempts == [1, 2]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "unknown column"])
def test_a_damaged_entry_is_compiled_again_and_repaired_in_the_file(damage, tmp_path, monkeypatch, capsys):
    # one entry of the file is not SQL DuckDB runs (half written by hand, edited, from a broken disk):
    # the analysis compiles that shape again, answers as without a cache, and the file gets the new SQL
    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    monkeypatch.setattr(engine, "_SQL", {})
    monkeypatch.setattr(engine, "_REMEMBERED", set())
    monkeypatch.setattr(query_cache, "_KEPT", {})
    assert main(["analyse", str(SAMPLE), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    kept = json.loads(query_cache.cache_file().read_text())
    shape = next(key for key in kept if json.loads(key)[0] == "customers")
    good = kept[shape]
    kept[shape] = {"truncated": good[: len(good) // 2], "garbage": "SELEC kapot FROM",
                   "unknown column": 'SELECT "geen_kolom" FROM "dagen"'}[damage]
    query_cache.cache_file().write_text(json.dumps(kept))

    monkeypatch.setattr(engine, "_SQL", {})  # a new process: nothing compiled yet
    monkeypatch.setattr(engine, "_REMEMBERED", set())
    monkeypatch.setattr(query_cache, "_KEPT", {})
    assert query_cache.load() == len(kept)
    assert main(["analyse", str(SAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected
    repaired = json.loads(query_cache.cache_file().read_text())
    assert repaired[shape] == good
    assert {key: sql for key, sql in repaired.items() if key != shape} == \
        {key: sql for key, sql in kept.items() if key != shape}


def fresh_runner(monkeypatch):
    """A DuckDB runner over one line, in a process that has compiled and remembered nothing yet."""
    monkeypatch.setattr(engine, "_SQL", {})
    monkeypatch.setattr(engine, "_REMEMBERED", set())
    runner = engine._DuckDBRunner()
    runner.register("transacties", pd.DataFrame({"Klant": [1], "dag": [1], "Bedrag": [1.0], "Product": [None],
                                                 "_rij": [0]}))
    return runner


def test_an_error_of_sql_compiled_in_this_run_is_not_retried(monkeypatch):
    # the retry is for SQL an earlier run kept; a query that fails as compiled now fails once, as it is
    import duckdb

    builds = []

    def build(tables, values):  # reads a table this runner never registered: DuckDB refuses the SQL
        builds.append(1)
        return tables["benaderd"].select("Klant")

    runner = fresh_runner(monkeypatch)
    with pytest.raises(duckdb.Error):
        runner.execute("test_not_retried", build, {})
    assert builds == [1]
    engine.remember_queries({runner._cache_key("test_kept", {}, {}): engine._SQL.popitem()[1]})
    with pytest.raises(duckdb.Error):  # kept SQL that fails: compiled again once, and that fails too
        runner.execute("test_kept", build, {})
    assert builds == [1, 1]


def test_kept_sql_failing_on_the_data_is_not_compiled_again(monkeypatch):
    # a conversion error (like running out of memory or an interrupt) is not the SQL's fault: compiling
    # again would only run the failing query twice
    import duckdb

    builds = []

    def build(tables, values):
        import ibis

        builds.append(1)
        return tables["transacties"].select(kapot=ibis.literal("geen getal").cast("int64"))

    runner = fresh_runner(monkeypatch)
    with pytest.raises(duckdb.ConversionException):
        runner.execute("test_data", build, {})
    engine.remember_queries({runner._cache_key("test_data_kept", {}, {}): engine._SQL.popitem()[1]})
    with pytest.raises(duckdb.ConversionException):
        runner.execute("test_data_kept", build, {})
    assert builds == [1]


def test_runs_saving_at_the_same_time_keep_each_other_s_shapes(tmp_path, monkeypatch):
    # two runs (an Excel session and a refresh) each read the file, add their new shapes and write it
    # back: without a lock the second write dropped the first one's shapes. A slowed mkstemp widens the
    # window between reading and writing as a busy disk would.
    import tempfile
    import threading
    import time

    real_mkstemp = tempfile.mkstemp

    def slow_mkstemp(*args, **kwargs):
        time.sleep(0.2)
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(query_cache.tempfile, "mkstemp", slow_mkstemp)
    target = tmp_path / "sql-test.json"
    runs = [{f"vorm-{run}-{i}": f"SELECT {run}{i}" for i in range(3)} for run in range(4)]
    threads = [threading.Thread(target=query_cache._write, args=(target, queries)) for queries in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = json.loads(target.read_text())
    assert kept == {key: sql for queries in runs for key, sql in queries.items()}


def test_a_lock_another_run_keeps_is_waited_for_then_left(tmp_path, monkeypatch):
    # a save waits for another run's save; one that never ends (a hung process) costs this run
    # the wait, not the formula or refresh: nothing is kept, the file is untouched
    import fcntl
    import threading

    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    monkeypatch.setattr(query_cache, "_LOCK_SECONDS", 0.3)
    monkeypatch.setattr(engine, "compiled_queries", lambda: {"vorm-1": "SELECT 1"})
    target = query_cache.cache_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"vorm-0": "SELECT 0"}))
    other = open(tmp_path / ".sql.lock", "w")  # noqa: SIM115 - held across the calls below
    fcntl.flock(other, fcntl.LOCK_EX)
    assert query_cache.save() is False
    assert json.loads(target.read_text()) == {"vorm-0": "SELECT 0"}
    threading.Timer(0.1, other.close).start()  # the other run ends while this one waits
    assert query_cache.save() is True
    assert json.loads(target.read_text()) == {"vorm-0": "SELECT 0", "vorm-1": "SELECT 1"}


def test_kept_sql_this_run_never_ran_is_not_saved_over_another_run_s_repair(tmp_path, monkeypatch):
    # this run read a damaged entry it never used; meanwhile another run repaired it in the file.
    # Saving this run's new shape must not write the damaged SQL back.
    monkeypatch.setenv("KLANT_XL_CACHE", str(tmp_path))
    monkeypatch.setattr(engine, "_SQL", {})
    monkeypatch.setattr(engine, "_REMEMBERED", set())
    monkeypatch.setattr(query_cache, "_KEPT", {})
    target = query_cache.cache_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"vorm-a": "SELEC kapot"}))
    assert query_cache.load() == 1
    target.write_text(json.dumps({"vorm-a": "SELECT 1"}))  # the other run's repair
    engine._SQL["vorm-b"] = "SELECT 2"  # compiled by this run
    assert query_cache.save() is True
    assert json.loads(target.read_text()) == {"vorm-a": "SELECT 1", "vorm-b": "SELECT 2"}
