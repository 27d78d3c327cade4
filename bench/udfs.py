"""Benchmark: the Python side of =KLANTSTATUS_TABEL(...) on a million transaction rows.

The three columns arrive as Excel hands them to a UDF: lists of one-cell rows,
customer ids as text, dates as serial numbers (floats), amounts as floats. The
call goes the way ``xlwings.udfs.call_udf`` goes (arguments through
``conversion.read`` with the declared options, the function, the result
through ``conversion.write`` with the stand-in COM engine of
``tests/xlwings_harness.py``, whose cleaning is xlwings' own). What Excel and COM
spend moving the cells is not measured.

Stages are timed separately (median of ``--runs``), with fixed thresholds and
with "auto" thresholds (Kaplan-Meier), and compared with a baseline run in the
same process: the core alone (customer_summary + customer_status) on the
canonical frame. Run from the repository root::

    python bench/udfs.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from xlwings import conversion

# Run as ``python bench/udfs.py`` from a checkout: the xlwings harness lives in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import xlwings_harness as harness  # noqa: E402

TARGET_SECONDS = 2.0


def excel_columns(rows: int, seed: int = 1) -> tuple[list, list, list]:
    """Klant / Datum / Bedrag as Excel delivers a table column: a list of one-cell rows."""
    rng = np.random.default_rng(seed)
    customers = max(rows // 10, 1)
    ids = np.array([f"K{i:07d}" for i in range(customers)], dtype=object)[rng.integers(0, customers, rows)]
    serials = (44197 + rng.integers(0, 1826, rows)).astype(float)  # 2021-01-01 .. 2025-12-31
    amounts = np.round(rng.gamma(2.0, 40.0, rows), 2)
    return [[v] for v in ids.tolist()], [[v] for v in serials.tolist()], [[v] for v in amounts.tolist()]


def timed(func, runs: int):
    """Median CPU seconds of this process (robust on a shared machine), median wall seconds, result."""
    cpu, wall, result = [], [], None
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = func()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return (statistics.median(cpu), statistics.median(wall)), result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from klant_xl import udfs
    from klant_xl.excel import cells
    from klant_xl.settings import DEFAULTS
    from klant_xl.status import customer_status
    from klant_xl.summary import customer_summary, summary_reference_date

    harness.register_engines()
    module = harness.classic_module()
    klanten, datums, bedragen = excel_columns(args.rows)
    options = {"convert": "raw"}
    ret_options = module.KLANTSTATUS_TABEL.__xlfunc__["ret"]["options"]
    assert module.KLANTSTATUS_TABEL.__xlfunc__["args"][1]["options"] == options

    rows = []

    def stage(name, func):
        seconds, result = timed(func, args.runs)
        rows.append((name, seconds))
        return result

    # --- the stages, one by one (fixed thresholds 90 / 365)
    raw = stage("in: conversion.read (raw) x3", lambda: [conversion.read(None, c, options) for c in (klanten, datums, bedragen)])
    flat = stage("in: cells -> kolommen", lambda: [cells.column(c, "x") for c in raw])
    tx = stage("in: read_transactions (parse)", lambda: cells.transactions(*raw))
    summary = stage("core: customer_summary", lambda: customer_summary(tx))
    status = stage("core: customer_status", lambda: customer_status(summary, 90, 365, mark_new=DEFAULTS.mark_new))
    stage("core: derive_thresholds (auto)", lambda: udfs._thresholds(tx, summary_reference_date(summary), None, None))
    shown = [c for c in summary.columns if c not in ("Eerste product", "Laatste product")]
    table = stage("out: cells.table", lambda: cells.table(summary[shown].assign(Status=status)[["Status", *shown]], index=True))
    stage("out: conversion.write", lambda: conversion.write(table, None, ret_options))
    del flat

    # --- end to end, as call_udf runs it
    def end_to_end(*extra):
        values = [conversion.read(None, c, options) for c in (klanten, datums, bedragen, *extra)]
        result = module.KLANTSTATUS_TABEL(*values)
        return conversion.write(result, None, ret_options)

    (fixed_s, fixed_wall), written = timed(lambda: end_to_end(None, 90.0, 365.0), args.runs)
    (auto_s, auto_wall), _ = timed(lambda: end_to_end(), args.runs)
    assert written[0][:2] == ["Klant", "Status"], written[0]

    # --- baseline: the core alone on the canonical frame
    (base_s, base_wall), _ = timed(lambda: customer_status(customer_summary(tx), 90, 365), args.runs)

    n_customers = len(written) - 1
    print(f"KLANTSTATUS_TABEL, {args.rows:,} rows, {n_customers:,} customers, "
          f"{n_customers * len(written[0]):,} cells out; median of {args.runs} runs\n")
    width = 40
    print(f"{'stage':<{width}}{'cpu s':>8}{'wall s':>8}{'share':>8}")
    total = sum(cpu for name, (cpu, _wall) in rows if "auto" not in name)
    for name, (cpu, wall) in rows:
        share = "" if "auto" in name else f"{cpu / total:.0%}"
        print(f"{name:<{width}}{cpu:>8.3f}{wall:>8.3f}{share:>8}")
    print()
    for name, cpu, wall in [
        ("end to end, thresholds 90/365", fixed_s, fixed_wall),
        ("end to end, thresholds auto", auto_s, auto_wall),
        ("baseline: core alone (summary+status)", base_s, base_wall),
    ]:
        ratio = f"{cpu / base_s:.1f}x baseline"
        print(f"{name:<{width}}{cpu:>8.3f}{wall:>8.3f}  {ratio}")
    verdict = "within" if fixed_s < TARGET_SECONDS else "OVER"
    print(f"\ntarget < {TARGET_SECONDS:.0f} s (cpu, thresholds given): {verdict}; "
          f"with auto thresholds: {'within' if auto_s < TARGET_SECONDS else 'OVER'}")


if __name__ == "__main__":
    main()
