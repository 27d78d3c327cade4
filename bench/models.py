"""Benchmark: model fit time against a plain scipy fit of the same likelihood.

The baseline is how the likelihood is usually written: one row per customer,
``gammaln``/``betaln`` on every row, and scipy's numeric (finite-difference)
gradient, with the same optimiser (L-BFGS-B), start point, time scaling and
tolerances as klant_xl. klant_xl groups identical (frequency, recency, T) rows,
evaluates the special functions once per distinct value and uses the analytic
gradient.

Run: ``PYTHONPATH=. python bench/models.py``. Targets: at least 2x faster
than the plain fit on both data sets, CDNOW under 0.1 s.

BLAS threads are set to 1 (unless OPENBLAS_NUM_THREADS is set already) for
both sides: scipy's L-BFGS-B calls BLAS on 4-vectors, and a threaded
OpenBLAS waking its threads on a busy shared machine adds 1-50 ms per fit of
pure noise. On an idle machine the numbers are about the same either way.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from scipy.special import betaln, gammaln  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from klant_xl.models import bgnbd, mbgnbd, predict_customers  # noqa: E402

CDNOW = ROOT / "tests" / "data" / "cdnow" / "cdnow_customers_summary.csv"


def plain_neg_ll(log_params, x, t_x, T, modified):
    """Per-customer negative mean log-likelihood, written the plain way."""
    r, alpha, a, b = np.exp(log_params)
    k = 1 if modified else 0
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = common + betaln(a, b + x + k) - (r + x) * np.log(alpha + T)
    dropped = common + betaln(a + 1, np.maximum(b + x - 1 + k, 1e-300)) - (r + x) * np.log(alpha + t_x)
    if not modified:
        dropped = np.where(x > 0, dropped, -np.inf)
    return -np.mean(np.logaddexp(alive, dropped))


def plain_fit(x, t_x, T, modified):
    scale = 10.0 / T.max()
    res = minimize(
        plain_neg_ll,
        np.zeros(4),
        args=(x, t_x * scale, T * scale, modified),
        method="L-BFGS-B",
        bounds=[(-26, 26)] * 4,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
    )
    r, alpha, a, b = np.exp(res.x)
    return np.array([r, alpha / scale, a, b])


def best_time(fn, repeats):
    best = np.inf
    out = None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def simulated_base(n, seed=2005):
    """100k customers over two years, BG/NBD truth, whole days (as real exports are), in weeks."""
    rng = np.random.default_rng(seed)
    T_days = rng.integers(1, 731, n).astype(float)
    params = bgnbd.BGNBDParams(0.25, 4.0 * 7, 0.8, 2.5)  # alpha in days
    x, t_x = bgnbd.simulate(params, T_days, rng)
    return x, np.floor(t_x) / 7, T_days / 7


def main():
    cdnow = pd.read_csv(CDNOW)
    sets = {
        "CDNOW sample": (cdnow["frequency"].to_numpy(float), cdnow["recency"].to_numpy(), cdnow["T"].to_numpy()),
        "simulated 100k": simulated_base(100_000),
    }
    header = f"{'data':<16}{'model':<9}{'customers':>10}{'rows':>8}{'klant_xl s':>12}{'plain s':>10}{'ratio':>8}{'max rel diff':>14}"
    print(header)
    print("-" * len(header))
    for name, (x, t_x, T) in sets.items():
        repeats = 7 if len(x) < 10_000 else 3
        for label, module, modified in (("BG/NBD", bgnbd, False), ("MBG/NBD", mbgnbd, True)):
            ours_t, fit = best_time(lambda: module.fit(x, t_x, T), repeats)
            plain_t, plain = best_time(lambda: plain_fit(x, t_x, T, modified), repeats)
            diff = np.max(np.abs(np.array(fit.params) / plain - 1))
            print(
                f"{name:<16}{label:<9}{len(x):>10}{fit.n_rows:>8}{ours_t:>12.4f}{plain_t:>10.4f}"
                f"{plain_t / ours_t:>7.1f}x{diff:>14.1e}"
            )
    # The whole per-customer prediction on the simulated base (no baseline: information).
    x, t_x, T = sets["simulated 100k"]
    first = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.round((T.max() - T) * 7), unit="D")
    summary = pd.DataFrame(
        {
            "Eerste aankoop": first,
            "Laatste aankoop": first + pd.to_timedelta(np.round(t_x * 7), unit="D"),
            "Aankopen": x + 1,
            "Omzet": (x + 1) * 40.0 * np.random.default_rng(1).gamma(4.0, 0.25, len(x)),
        },
        index=pd.Index([f"K{i}" for i in range(len(x))], name="Klant"),
    )
    predict_t, _ = best_time(lambda: predict_customers(summary, reference_date=first.max()), 1)
    print(f"\npredict_customers (fit + 5 columns, MBG/NBD, Gamma-Gamma, CLV 12 months) on 100k: {predict_t:.3f} s")


if __name__ == "__main__":
    main()
