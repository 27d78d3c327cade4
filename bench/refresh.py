"""Offline refresh (``klant-xl vernieuw``): time and peak memory for 10k, 100k and 1M transactions.

Each size runs in its own process (so peak memory is that size's own): a workbook is built with
``build_workbook`` in a process of its own (not timed), then, in a fresh process, python-calamine
reads its Transacties sheet (the baseline) and ``refresh_workbook`` is timed with its phases:
openen (load the file for writing), lezen (read the input tables), rekenen (analysis), schrijven
(output sheets in memory), opslaan (write the file). The peak is that process's (it includes the
baseline's read, printed apart as ``piek_calamine_mb`` in the JSON). Goal (issue 13): 1M
transactions <= 4x the calamine read, peak <= 1.5 GB.

    PYTHONPATH=. python bench/refresh.py            # 10k, 100k, 1M
    PYTHONPATH=. python bench/refresh.py 10000 100000
    PYTHONPATH=. python bench/refresh.py --zonder-modellen   # without the BG/NBD + CLV fit in 'rekenen'

The model fit (klant_xl.models.predict_customers) dominates 'rekenen' from 100k transactions on;
``--zonder-modellen`` switches it off to show the cost of the workbook machinery itself.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SIZES = (10_000, 100_000, 1_000_000)
PHASES = ("openen", "lezen", "rekenen", "schrijven", "opslaan")


def synthetic_transactions(n: int, seed: int = 7) -> pd.DataFrame:
    """n purchase lines of n/10 customers over five years (canonical frame)."""
    rng = np.random.default_rng(seed)
    customers = max(n // 10, 10)
    ids = rng.zipf(1.3, n) % customers
    start = np.datetime64("2021-01-01")
    days = rng.integers(0, 5 * 365, n)
    frame = pd.DataFrame({
        "Klant": pd.Series(ids).map(lambda i: f"K{i:07d}"),
        "Datum": pd.to_datetime(start + days.astype("timedelta64[D]")),
        "Bedrag": np.round(rng.gamma(2.0, 40.0, n), 2),
        "Product": rng.choice(["Damesschoenen", "Herenschoenen", "Sneakers", "Tassen", "Riemen"], n),
        "Kanaal": rng.choice(["Winkel", "Webshop"], n),
    })
    return frame.sort_values("Datum", kind="stable").reset_index(drop=True)


def _without_models() -> None:
    import klant_xl.models
    from klant_xl.errors import ModelFout

    def skipped(*args, **kwargs):
        raise ModelFout("uitgeschakeld in de benchmark")

    klant_xl.models.predict_customers = skipped  # the analysis looks it up there when it fits


def build(n: int, path: Path) -> None:
    """Write the workbook with n transactions (its own process: the refresh's peak is its own).

    A small workbook of the same shape is refreshed here too, so the engine's compiled SQL is
    in the cache folder (``KLANT_XL_CACHE``, beside the workbook) as after any earlier
    ``klant-xl vernieuw``; the timed refresh then loads it as the command does.
    """
    from klant_xl import query_cache
    from klant_xl.excel.refresh import refresh_workbook
    from klant_xl.excel.template import build_workbook

    build_workbook(path, synthetic_transactions(n))
    small = path.with_name("vooraf.xlsm")
    build_workbook(small, synthetic_transactions(2_000))
    query_cache.load()
    refresh_workbook(small, today="2026-12-01")
    query_cache.save()
    small.unlink()


def calamine_read(path: Path) -> float:
    """The baseline: python-calamine reading the Transacties sheet into Python rows."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Transacties").to_python(skip_empty_area=False)
    return time.perf_counter() - started


def run_one(n: int, path: Path, models: bool = True) -> dict:
    from klant_xl import query_cache
    from klant_xl.excel.refresh import refresh_workbook

    if not models:
        _without_models()
    query_cache.load()  # as klant-xl vernieuw does: the SQL an earlier run compiled (see build)
    baseline = calamine_read(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = refresh_workbook(path, today="2026-12-01")
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"n": n, "klanten": int(len(report.analysis.summary)), "calamine": baseline, "totaal": total,
            **{p: report.timings.get(p, 0.0) for p in PHASES}, "piek_mb": peak / 1024,
            "piek_calamine_mb": before / 1024, "bestand_mb": path.stat().st_size / 2**20}


def main(argv: list[str]) -> None:
    models = "--zonder-modellen" not in argv
    argv = [a for a in argv if a != "--zonder-modellen"]
    if argv[:1] == ["--build"]:
        build(int(argv[1]), Path(argv[2]))
        return
    if argv[:1] == ["--one"]:
        print(json.dumps(run_one(int(argv[1]), Path(argv[2]), models)))
        return
    sizes = [int(a) for a in argv] or list(SIZES)
    rows = []
    print("met modellen (BG/NBD, CLV)" if models else "zonder modellen (BG/NBD, CLV uitgeschakeld)")
    for n in sizes:
        folder = Path(tempfile.mkdtemp(prefix="klantxl-bench-"))
        path = folder / "bench.xlsm"
        # the compiled modules (__pycache__) are kept as after any install (see bench/engine.py)
        env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
               "KLANT_XL_CACHE": str(folder / "cache")}
        subprocess.run([sys.executable, __file__, "--build", str(n), str(path)], check=True, env=env)
        out = subprocess.run([sys.executable, __file__, "--one", str(n), str(path)]
                             + ([] if models else ["--zonder-modellen"]), capture_output=True, text=True, env=env)
        shutil.rmtree(folder, ignore_errors=True)
        if out.returncode:
            last = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "?"
            print(f"{n:>12,} mislukt: {last}")
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    header = f"{'transacties':>12} {'klanten':>8} " + " ".join(f"{p:>9}" for p in PHASES) + \
             f" {'totaal s':>9} {'calamine s':>10} {'vs calamine':>11} {'piek MB':>8} {'bestand MB':>10}"
    print(header)
    for r in rows:
        print(f"{r['n']:>12,} {r['klanten']:>8,} " + " ".join(f"{r[p]:>9.2f}" for p in PHASES) +
              f" {r['totaal']:>9.2f} {r['calamine']:>10.2f} {r['totaal'] / r['calamine']:>10.2f}x"
              f" {r['piek_mb']:>8.0f} {r['bestand_mb']:>10.1f}")
    if len(rows) > 1:
        base = rows[0]
        print("verhouding t.o.v. de kleinste: " + ", ".join(
            f"{r['n']:,}: tijd ×{r['totaal'] / base['totaal']:.1f}" for r in rows[1:]))
    big = [r for r in rows if r["n"] >= 1_000_000]
    for r in big:
        ratio = r["totaal"] / r["calamine"]
        print(f"doel 1M <= 4x python-calamine (Transacties lezen): {ratio:.2f}x "
              f"({'gehaald' if ratio <= 4 else 'NIET gehaald'}); piek <= 1.5 GB: {r['piek_mb']:.0f} MB "
              f"({'gehaald' if r['piek_mb'] <= 1536 else 'NIET gehaald'})")


if __name__ == "__main__":
    main(sys.argv[1:])
