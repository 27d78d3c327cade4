"""Benchmark: per-customer summary + status against three baselines.

For 10k, 100k and 1M transactions (about 10 per customer, text customer ids,
datetime64 dates) it times, as the median of 5 runs in this process:

- ``klant_xl``: :func:`klant_xl.summary.customer_summary` + :func:`klant_xl.status.customer_status`
- ``groupby.apply``: a naive per-customer Python function (1 run at 1M rows)
- ``groupby.agg``: plain vectorised pandas
- ``duckdb``: one SQL query computing the same columns

and the peak memory (max RSS) of each method in a subprocess of its own. Then the whole
analysis end to end (``analyse``: :func:`klant_xl.analyse` — summary, thresholds, churn per
year and quarter, cohorts, segments, models — on the same frame, 1 run) against the same
DuckDB query.
Run: ``python bench/core.py`` (duckdb is a dependency of klant_xl).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

REFERENCE = pd.Timestamp("2025-12-31")
INACTIVE, LOST = 180, 365
SIZES = (10_000, 100_000, 1_000_000)


def make_transactions(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = max(rows // 10, 1)
    ids = rng.integers(0, customers, rows)
    return pd.DataFrame(
        {
            "Klant": pd.Series([f"K{i:07d}" for i in range(customers)], dtype=object).to_numpy()[ids],
            "Datum": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1826, rows), unit="D"),
            "Bedrag": np.round(rng.gamma(2.0, 40.0, rows), 2),
            "Product": None,
            "Kanaal": None,
        }
    )


def run_klant_xl(tx: pd.DataFrame):
    from klant_xl.status import customer_status
    from klant_xl.summary import customer_summary

    summary = customer_summary(tx, REFERENCE)
    summary["Status"] = customer_status(summary, INACTIVE, LOST)
    return summary


def run_analyse(tx: pd.DataFrame):
    from klant_xl import analyse
    from klant_xl.settings import Settings

    return analyse(tx, settings=Settings(reference_date=REFERENCE))


def run_apply(tx: pd.DataFrame):
    def one(group: pd.DataFrame) -> pd.Series:
        days = np.sort(group.loc[group["Bedrag"] >= 0, "Datum"].unique())
        last = days[-1]
        gaps = np.diff(days).astype("timedelta64[D]").astype(float)
        since = (REFERENCE - last).days
        return pd.Series(
            {
                "first": days[0],
                "last": last,
                "n": len(days),
                "revenue": group["Bedrag"].sum(),
                "mean_gap": gaps.mean() if len(gaps) else np.nan,
                "median_gap": np.median(gaps) if len(gaps) else np.nan,
                "status": "Actief" if since <= INACTIVE else "Inactief" if since <= LOST else "Verloren",
            }
        )

    return tx.groupby("Klant").apply(one)


def run_agg(tx: pd.DataFrame):
    occasions = tx.loc[tx["Bedrag"] >= 0, ["Klant", "Datum"]].drop_duplicates()
    grouped = occasions.groupby("Klant")["Datum"]
    out = grouped.agg(["min", "max", "size"])
    out["revenue"] = tx.groupby("Klant")["Bedrag"].sum()
    out["mean_gap"] = (out["max"] - out["min"]).dt.days / (out["size"] - 1).where(out["size"] > 1)
    occasions = occasions.sort_values(["Klant", "Datum"])
    out["median_gap"] = occasions.groupby("Klant")["Datum"].diff().dt.days.groupby(occasions["Klant"]).median()
    since = (REFERENCE - out["max"]).dt.days
    out["status"] = np.select([since <= INACTIVE, since <= LOST], ["Actief", "Inactief"], "Verloren")
    return out


DUCKDB_SQL = f"""
WITH occ AS (
    SELECT DISTINCT Klant, CAST(Datum AS DATE) AS dag FROM tx WHERE Bedrag >= 0
), gaps AS (
    SELECT Klant, dag, dag - LAG(dag) OVER (PARTITION BY Klant ORDER BY dag) AS gap FROM occ
), per AS (
    SELECT Klant, MIN(dag) AS first, MAX(dag) AS last, COUNT(*) AS n,
           AVG(gap) AS mean_gap, MEDIAN(gap) AS median_gap
    FROM gaps GROUP BY Klant
), rev AS (
    SELECT Klant, SUM(Bedrag) AS revenue FROM tx GROUP BY Klant
)
SELECT per.*, rev.revenue,
       CASE WHEN DATE '{REFERENCE.date()}' - last <= {INACTIVE} THEN 'Actief'
            WHEN DATE '{REFERENCE.date()}' - last <= {LOST} THEN 'Inactief' ELSE 'Verloren' END AS status
FROM per JOIN rev USING (Klant)
"""


def run_duckdb(tx: pd.DataFrame):
    import duckdb

    connection = duckdb.connect()
    connection.register("tx", tx[["Klant", "Datum", "Bedrag"]])
    return connection.execute(DUCKDB_SQL).df()


METHODS = {
    "klant_xl": run_klant_xl,
    "groupby.apply": run_apply,
    "groupby.agg": run_agg,
    "duckdb": run_duckdb,
    "analyse": run_analyse,
}


def time_method(name: str, tx: pd.DataFrame, repeats: int) -> float:
    durations = []
    for _ in range(repeats):
        start = time.perf_counter()
        METHODS[name](tx)
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def peak_memory_mb(name: str, rows: int) -> float:
    """Max RSS of a fresh process that builds the data and runs one method once."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", name, str(rows)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)["peak_mb"]


def _high_water_mark_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(name: str, rows: int) -> None:
    tx = make_transactions(rows)
    # Reset the peak-RSS counter (Linux) so the peak is that of the method, data included.
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass
    METHODS[name](tx)
    print(json.dumps({"peak_mb": _high_water_mark_kb() / 1024}))


def check_same_answer(tx: pd.DataFrame) -> None:
    ours = run_klant_xl(tx)
    theirs = run_duckdb(tx).set_index("Klant").loc[ours.index]
    assert (ours["Aankopen"].to_numpy() == theirs["n"].to_numpy()).all()
    assert np.allclose(ours["Omzet"], theirs["revenue"])
    assert np.allclose(ours["Gem. dagen tussen aankopen"], theirs["mean_gap"], equal_nan=True)
    assert (ours["Status"].to_numpy() == theirs["status"].to_numpy()).all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "ROWS"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--no-apply-at-1m", action="store_true", help="skip the slow naive baseline at 1M rows")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return

    print(f"{'rows':>9} {'method':<14} {'time s':>9} {'vs duckdb':>10} {'peak MB':>9}")
    for rows in args.sizes:
        tx = make_transactions(rows)
        check_same_answer(tx)
        times = {}
        for name in METHODS:
            if name == "groupby.apply" and rows >= 1_000_000 and args.no_apply_at_1m:
                continue
            repeats = 1 if name == "analyse" or (name == "groupby.apply" and rows >= 1_000_000) else 5
            times[name] = time_method(name, tx, repeats)
        for name, seconds in times.items():
            peak = peak_memory_mb(name, rows)
            print(f"{rows:>9,} {name:<14} {seconds:>9.3f} {seconds / times['duckdb']:>9.2f}x {peak:>9.0f}")
        print(f"{'':>9} analyse (end to end) / duckdb summary query: {times['analyse'] / times['duckdb']:.2f}x")
        print(
            f"{'':>9} target: klant_xl <= 1.5x duckdb -> {times['klant_xl'] / times['duckdb']:.2f}x "
            f"({'OK' if times['klant_xl'] <= 1.5 * times['duckdb'] else 'TE TRAAG'})"
        )


if __name__ == "__main__":
    main()
