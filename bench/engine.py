"""Benchmark: the transaction engine on 1M / 10M-row files against a hand-written DuckDB query.

Data: ``--rows`` transactions (default 1M; ``--rows 10000000 --customers 400000`` for the big
case), written once by DuckDB as Parquet and CSV into ``--dir``. For each file, in this process:

- ``duckdb query``: one hand-written SQL query computing the per-customer summary (occasions,
  first/last day, revenue, mean and median gap) straight from the file — the baseline;
- ``engine summary``: :class:`klant_xl.engine.TransactionEngine` (Parquet via
  :func:`klant_xl.sources.parquet_transactions`, CSV via :func:`klant_xl.sources.csv_transactions`)
  computing the same summary;
- ``klant-xl analyse``: the whole command ``klant-xl analyse FILE --json`` end to end (reading,
  summary, thresholds, churn, cohorts, segments, models), in a child process that also reports
  its peak memory. It runs on a fresh cache folder (``KLANT_XL_CACHE``): ``analyse, 1e keer``
  imports Ibis and compiles the engine's expressions (once per installation and version); then
  ``--repeats`` runs use the SQL the first one kept, as every later run does, and the row shows
  their median time (as for the query) and largest peak; the goal is on that row;
- ``pyspark``: the engine on Ibis→PySpark ``local[2]`` (only when pyspark is installed and the
  file has at most ``--spark-max-rows`` rows).

Ratios are against ``duckdb query`` on the same file in the same run. Run from the repository
root (needs the ``bench`` extra; ``spark`` for the PySpark row)::

    python bench/engine.py [--rows 1000000] [--formats parquet csv]
    python bench/engine.py --rows 10000000 --customers 400000 --formats parquet
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERY = """
WITH lines AS (
    SELECT CAST(Klant AS VARCHAR) AS Klant, CAST(Datum AS DATE) AS dag, Bedrag FROM {scan}
), occ AS (
    SELECT DISTINCT Klant, dag FROM lines WHERE Bedrag >= 0 OR Bedrag IS NULL
), gaps AS (
    SELECT Klant, dag, dag - LAG(dag) OVER (PARTITION BY Klant ORDER BY dag) AS gap FROM occ
), per AS (
    SELECT Klant, MIN(dag) AS first, MAX(dag) AS last, COUNT(*) AS n, AVG(gap) AS mean_gap,
           MEDIAN(gap) AS median_gap FROM gaps GROUP BY Klant
), rev AS (
    SELECT Klant, SUM(Bedrag) AS revenue, MAX(dag) AS last_activity FROM lines GROUP BY Klant
)
SELECT * FROM rev LEFT JOIN per USING (Klant)
"""


def write_data(directory: Path, rows: int, customers: int) -> dict[str, Path]:
    """Synthetic transactions (text ids, five years of days, a few returns) as Parquet and CSV."""
    import duckdb

    paths = {"parquet": directory / f"tx_{rows}.parquet", "csv": directory / f"tx_{rows}.csv"}
    if all(p.exists() for p in paths.values()):
        return paths
    select = f"""
        SELECT 'K' || lpad(CAST(hash(i) % {customers} AS VARCHAR), 7, '0') AS Klant,
               DATE '2021-01-01' + CAST(hash(i * 7 + 1) % 1826 AS INTEGER) AS Datum,
               CASE WHEN hash(i * 13 + 5) % 50 = 0 THEN -20.0
                    ELSE round(5 + (hash(i * 3 + 2) % 20000) / 100.0, 2) END AS Bedrag
        FROM range({rows}) t(i)"""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"COPY ({select}) TO '{paths['parquet']}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM read_parquet('{paths['parquet']}')) TO '{paths['csv']}' (FORMAT csv, HEADER)")
    return paths


def scan(kind: str, path: Path) -> str:
    return f"read_parquet('{path}')" if kind == "parquet" else f"read_csv('{path}', header = true)"


def time_it(function, repeats: int) -> float:
    durations = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def duckdb_query(kind: str, path: Path):
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con.sql(QUERY.format(scan=scan(kind, path))).to_arrow_table()


def engine_summary(kind: str, path: Path):
    from klant_xl.engine import TransactionEngine
    from klant_xl.reading import read_transactions
    from klant_xl.sources import csv_transactions, parquet_transactions

    if kind == "parquet":
        return parquet_transactions(path).summary()
    engine = csv_transactions(path)  # the CLI's fast path; the export reader when it declines
    return (engine or TransactionEngine(read_transactions(path))).summary()


def spark_summary(path: Path):
    import ibis
    from pyspark.sql import SparkSession

    from klant_xl.engine import TransactionEngine

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    table = ibis.pyspark.connect(spark).read_parquet(str(path))
    return TransactionEngine(table).summary()


def cli_child(path: str) -> None:
    """Run ``klant-xl analyse PATH --json`` in this process and print its time and peak memory."""
    import contextlib
    import io

    from klant_xl.cli import main

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["analyse", path, "--json"])
    seconds = time.perf_counter() - start
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "code": code}))


def cli_run(path: Path, cache: Path) -> dict:
    """The command in a child process, with ``cache`` as its compiled-SQL cache folder (KLANT_XL_CACHE)."""
    start = time.perf_counter()
    # Python keeps the package's compiled modules (__pycache__) as after any install; a sandbox
    # that forbids it (PYTHONDONTWRITEBYTECODE) would time compiling klant_xl on every run.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run([sys.executable, __file__, "--child-cli", str(path)],
                            capture_output=True, text=True, check=True,
                            env={**env, "KLANT_XL_CACHE": str(cache)})
    out = json.loads(result.stdout.strip().splitlines()[-1])
    out["wall"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child-cli", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, help="default: rows / 10")
    parser.add_argument("--formats", nargs="*", default=["parquet", "csv"], choices=["parquet", "csv"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--spark-max-rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="where the data files go (default: a temporary folder)")
    args = parser.parse_args()
    if args.child_cli:
        cli_child(args.child_cli)
        return
    directory = args.dir or Path(tempfile.mkdtemp(prefix="klant_xl_bench_"))
    directory.mkdir(parents=True, exist_ok=True)
    customers = args.customers or max(args.rows // 10, 1)
    paths = write_data(directory, args.rows, customers)
    print(f"{args.rows:,} transacties, {customers:,} klanten ({directory})")
    print(f"{'file':<8} {'method':<18} {'time s':>8} {'vs duckdb':>10} {'peak MB':>8}")
    for kind in args.formats:
        path = paths[kind]
        baseline = time_it(lambda: duckdb_query(kind, path), args.repeats)
        rows = {"duckdb query": (baseline, None)}
        rows["engine summary"] = (time_it(lambda: engine_summary(kind, path), args.repeats), None)
        cache = Path(tempfile.mkdtemp(prefix="klant_xl_sql_"))
        cold = cli_run(path, cache)  # an empty cache: Ibis is imported and compiles every expression
        rows["analyse, 1e keer"] = (cold["seconds"], cold["peak_mb"])
        # the SQL kept by the first run, as for every later run; the median of --repeats runs, as for the query
        warm = [cli_run(path, cache) for _ in range(args.repeats)]
        rows["klant-xl analyse"] = (statistics.median(run["seconds"] for run in warm),
                                    max(run["peak_mb"] for run in warm))
        if kind == "parquet" and args.rows <= args.spark_max_rows:
            try:
                import pyspark  # noqa: F401
            except ImportError:
                pass
            else:
                spark_summary(path)  # JVM start and warm-up outside the timing
                rows["pyspark engine"] = (time_it(lambda: spark_summary(path), 1), None)
        for name, (seconds, peak) in rows.items():
            peak_text = f"{peak:>8.0f}" if peak is not None else f"{'':>8}"
            print(f"{kind:<8} {name:<18} {seconds:>8.2f} {seconds / baseline:>9.2f}x {peak_text}")
        ratio = rows["klant-xl analyse"][0] / baseline
        print(f"{'':<8} doel: klant-xl analyse <= 3x duckdb -> {ratio:.2f}x ({'OK' if ratio <= 3 else 'TE TRAAG'})")


if __name__ == "__main__":
    main()
