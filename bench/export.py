"""Benchmark: a real-layout shop export, read and analysed into a workbook (``klant-xl analyse -o``).

Data: a Shopify order export (``Name, Email, Financial Status, Created at, Total, Lineitem ...``)
of ``--rows`` lines (default 300,000: orders of 1-3 lines, a quarter not counted by status,
guests without an e-mail, partial refunds), written once as CSV into ``--dir``. Timed, each in
its own process so the peak memory is its own, ``--repeats`` times (default 3) in turn; the table
shows the median time and the largest peak:

- ``duckdb csv scan``: DuckDB reading the same CSV (``SELECT count(*), count(DISTINCT Email)``),
  the baseline for the ratios;
- ``read_export``: klant_xl's export reader (profile, orders, statuses, identity, refunds);
- ``klant-xl analyse -o``: the whole command, export to a finished ``.xlsx``.

Goal (issue 13): ``klant-xl analyse -o`` on 300k rows <= 10 s on this 2-core machine. Run from
the repository root::

    python bench/export.py [--rows 300000] [--repeats 3] [--dir /tmp/klantxl-bench]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_SECONDS = 10.0
TODAY = "2026-12-01"


def write_shopify_export(path: Path, rows: int, seed: int = 7) -> None:
    """A Shopify-layout CSV of about ``rows`` lines: order fields on the first line of each order."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    orders = max(rows // 2, 1)
    customers = max(orders // 5, 1)
    lines = rng.integers(1, 4, orders)
    order = np.repeat(np.arange(orders), lines)
    head = np.r_[True, order[1:] != order[:-1]]
    customer = rng.integers(0, customers, orders)
    day = np.datetime64("2021-01-01") + rng.integers(0, 5 * 365, orders).astype("timedelta64[D]")
    status = rng.choice(["paid"] * 5 + ["refunded", "voided", "pending", "partially_refunded"], orders)
    email = np.where(customer % 17 == 0, "", pd.Series(customer).map(lambda c: f"Klant{c}@Voorbeeld.NL"))
    frame = pd.DataFrame({
        "Name": pd.Series(order).map(lambda o: f"#{1000 + o}"),
        "Email": email[order],
        "Financial Status": np.where(head, status[order], ""),
        "Created at": pd.Series(day[order]).dt.strftime("%Y-%m-%d 10:00:00 +0100"),
        "Total": np.where(head, pd.Series(rng.integers(100, 99999, len(order)) / 100).map("{:.2f}".format), ""),
        "Lineitem quantity": rng.integers(1, 3, len(order)),
        "Lineitem name": pd.Series(rng.integers(0, 300, len(order))).map(lambda p: f"Product {p}"),
        "Lineitem price": pd.Series(rng.integers(100, 9999, len(order)) / 100).map("{:.2f}".format),
        "Billing Name": np.where(head, pd.Series(customer[order]).map(lambda c: f"Voor{c} Achter"), ""),
        "Accepts Marketing": np.where(head, np.where(customer[order] % 3 == 0, "no", "yes"), ""),
        "Refunded Amount": np.where(head & (status[order] == "partially_refunded"), "1.00", ""),
    })
    frame.head(rows).to_csv(path, index=False)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, path: str, out: str | None) -> dict:
    started = time.perf_counter()
    if kind == "duckdb":
        import duckdb

        duckdb.sql(f"SELECT count(*), count(DISTINCT Email) FROM read_csv_auto('{path}', all_varchar=true)").fetchall()
    elif kind == "read_export":
        import pandas as pd

        from klant_xl.exports import read_export

        read_export(path, today=pd.Timestamp(TODAY))
    else:
        from klant_xl.cli import main

        code = main(["analyse", path, "-o", out, "--overschrijven"])
        if code:
            raise SystemExit(code)
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--dir", type=Path, help="where the export goes (default: a temporary folder)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the table shows the median time")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, path, out = args.child
        print(json.dumps(child(kind, path, out)))
        return
    folder = args.dir or Path(tempfile.mkdtemp(prefix="klantxl-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"shopify_{args.rows}.csv"
    if not path.exists():
        write_shopify_export(path, args.rows)
    out = folder / "analyse.xlsx"
    results = {}
    for _ in range(args.repeats):  # in turn, so a slow spell of the machine touches all three alike
        for kind in ("duckdb", "read_export", "analyse"):
            done = subprocess.run([sys.executable, __file__, "--child", kind, str(path), str(out)],
                                  capture_output=True, text=True)
            if done.returncode:
                print(f"{kind}: mislukt: {done.stderr.strip().splitlines()[-1:]}")
                return
            results.setdefault(kind, []).append(json.loads(done.stdout.strip().splitlines()[-1]))
    results = {kind: {"seconds": statistics.median(run["seconds"] for run in runs),
                      "peak_mb": max(run["peak_mb"] for run in runs)} for kind, runs in results.items()}
    base = results["duckdb"]["seconds"]
    print(f"Shopify-export, {args.rows:,} regels ({path})")
    print(f"{'methode':<22} {'tijd s':>7} {'vs duckdb':>10} {'piek MB':>8}")
    for kind, label in (("duckdb", "duckdb csv scan"), ("read_export", "read_export"),
                        ("analyse", "klant-xl analyse -o")):
        r = results[kind]
        print(f"{label:<22} {r['seconds']:>7.2f} {r['seconds'] / base:>9.2f}x {r['peak_mb']:>8.0f}")
    total = results["analyse"]["seconds"]
    verdict = "gehaald" if total <= GOAL_SECONDS else "TE TRAAG"
    print(f"doel: klant-xl analyse -o <= {GOAL_SECONDS:.0f} s -> {total:.1f} s ({verdict})")


if __name__ == "__main__":
    main(sys.argv[1:])
