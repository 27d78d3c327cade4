"""Pareto/NBD model: the classic buy-till-you-die model, for comparison.

While alive a customer buys as a Poisson process with rate ``lambda`` and
stays alive for an exponential lifetime with rate ``mu``; across customers
``lambda ~ Gamma(r, alpha)`` and ``mu ~ Gamma(s, beta)`` [1]_. Unlike the
BG/NBD, a customer can drop out at any moment, so one-time buyers also get
``P(alive) < 1``.

The workbook uses the modified BG/NBD for "kans actief" (see
:mod:`.mbgnbd`); the Pareto/NBD is here so an analyst can compare. Its
likelihood needs the Gaussian hypergeometric function ``2F1`` for every
customer, so it is fitted with scipy's numerical gradient on the distinct rows.

Inputs and units as in :mod:`.bgnbd` (``frequency`` = repeat occasions).

References
----------
.. [1] Schmittlein, D.C., D.G. Morrison and R. Colombo (1987), "Counting Your
   Customers: Who Are They and What Will They Do Next?", Management Science,
   33 (1), 1-24.
.. [2] Fader, P.S. and B.G.S. Hardie (2005), "A Note on Deriving the
   Pareto/NBD Model and Related Expressions", http://brucehardie.com/notes/009/.

Examples
--------
>>> params = ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669)
>>> round(float(probability_alive(params, 0, 0.0, 38.86)[0]), 3)
0.295
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, gammaln

from klant_xl.errors import ModelFout
from klant_xl.models._fit import (
    LOG_PARAM_LIMIT,
    FitResult,
    check_enough,
    check_history,
    distinct_rows,
    history_arrays,
    hyp2f1_safe,
)

__all__ = [
    "MIN_CUSTOMERS",
    "MIN_REPEAT_BUYERS",
    "ParetoNBDParams",
    "expected_purchases",
    "fit",
    "log_likelihood",
    "probability_alive",
]

MIN_CUSTOMERS = 100
MIN_REPEAT_BUYERS = 30

LABEL = "Pareto/NBD-model"


class ParetoNBDParams(NamedTuple):
    """Parameters of the Pareto/NBD model; ``alpha`` and ``beta`` in the data's time unit."""

    r: float
    alpha: float
    s: float
    beta: float


def _log_hyp2f1(a, b, c, z):
    """log 2F1(a, b; c; z) for 0 <= z < 1, with Euler's transformation where it overflows."""
    with np.errstate(all="ignore"):
        direct = np.log(hyp2f1_safe(a, b, c, z))
        alt = (c - a - b) * np.log1p(-z) + np.log(hyp2f1_safe(c - a, c - b, c, z))
    return np.where(np.isfinite(direct), direct, alt)


def _log_parts(params, x, t_x, T):
    """``log`` of the two parts of the likelihood, equation (18) of [2]_ (``A_0``: (19), (20)).

    Returns ``(log_common, log_alive, log_dead)`` with
    ``L = exp(log_common) * (exp(log_alive) + exp(log_dead))``: ``alive`` =
    ``1 / ((alpha + T)^(r + x) (beta + T)^s)`` and ``dead`` = ``s / (r + s + x) * A_0``.
    """
    r, al, s, be = (float(v) for v in params)
    log_common = gammaln(r + x) - gammaln(r) + r * np.log(al) + s * np.log(be)
    log_alive = -(r + x) * np.log(al + T) - s * np.log(be + T)
    rsx = r + s + x
    if al >= be:
        m, bb = al, s + 1
    else:
        m, bb = be, r + x
    diff = abs(al - be)
    l1 = _log_hyp2f1(rsx, bb, rsx + 1, diff / (m + t_x)) - rsx * np.log(m + t_x)
    l2 = _log_hyp2f1(rsx, bb, rsx + 1, diff / (m + T)) - rsx * np.log(m + T)
    with np.errstate(all="ignore"):
        log_a0 = l1 + np.log1p(-np.exp(np.minimum(l2 - l1, 0.0)))
    log_dead = np.log(s) - np.log(rsx) + log_a0
    return log_common, log_alive, log_dead


def log_likelihood(params, frequency, recency, T, weights=None) -> float:
    """Total Pareto/NBD log-likelihood, equation (18) of [2]_."""
    x, t_x, T = history_arrays(frequency, recency, T)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    common, alive, dead = _log_parts(params, x, t_x, T)
    return float((w * (common + np.logaddexp(alive, dead))).sum())


def fit(frequency, recency, T, weights=None, min_customers=None, min_repeat_buyers=None) -> FitResult:
    """Maximum-likelihood fit of the Pareto/NBD model.

    Maximises the log of equation (18) of [2]_ over the logarithms of ``r, alpha, s, beta``
    (L-BFGS-B, numerical gradient) on the distinct ``(frequency, recency, T)``
    rows, with time rescaled so the largest age is 10.

    Returns
    -------
    FitResult
        ``.params`` is a :class:`ParetoNBDParams`.

    Raises
    ------
    TeWeinigGegevens, ModelFout
    """
    x, t_x, T = history_arrays(frequency, recency, T)
    check_history(x, t_x, T)
    w0 = None if weights is None else np.asarray(weights, dtype=float)
    n_customers = int(round(len(x) if w0 is None else w0.sum()))
    n_repeat = int(round((x > 0).sum() if w0 is None else w0[x > 0].sum()))
    check_enough(
        LABEL,
        n_customers,
        n_repeat,
        MIN_CUSTOMERS if min_customers is None else min_customers,
        MIN_REPEAT_BUYERS if min_repeat_buyers is None else min_repeat_buyers,
    )
    (xu, tu, Tu), w, _ = distinct_rows(x, t_x, T, weights=w0)
    scale = 10.0 / max(float(T.max()), 1e-12)
    ts, Ts, W = tu * scale, Tu * scale, w.sum()

    def neg_ll(log_params):
        common, alive, dead = _log_parts(np.exp(log_params), xu, ts, Ts)
        value = -(w * (common + np.logaddexp(alive, dead))).sum() / W
        return value if np.isfinite(value) else 1e10

    with np.errstate(all="ignore"):
        res = minimize(
            neg_ll,
            np.zeros(4),
            method="L-BFGS-B",
            bounds=[(-2 * LOG_PARAM_LIMIT, 2 * LOG_PARAM_LIMIT)] * 4,
            options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-8},
        )
    if not np.isfinite(res.fun) or res.fun >= 1e10 or np.any(np.abs(res.x[:2]) > LOG_PARAM_LIMIT):
        raise ModelFout(
            f"Het {LABEL} convergeert niet op deze gegevens. Probeer meer klanten of een langere periode."
        )
    r, al, s, be = np.exp(res.x)
    params = ParetoNBDParams(float(r), float(al / scale), float(s), float(be / scale))
    ll = log_likelihood(params, xu, tu, Tu, w)
    return FitResult("pareto_nbd", params, ll, n_customers, n_repeat, len(w), int(res.nit))


def probability_alive(params, frequency, recency, T) -> np.ndarray:
    """Probability that the customer is still alive at ``T``.

    ``1 / (1 + s / (r + s + x) (alpha + T)^(r + x) (beta + T)^s A_0)``,
    equations (36) and (37) of [2]_ (the "alive" share of the likelihood).
    """
    x, t_x, T = history_arrays(frequency, recency, T)
    _, alive, dead = _log_parts(params, x, t_x, T)
    return expit(alive - dead)


def expected_purchases(params, t, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``t`` time units, given the history.

    Equation (41) of [2]_:
    ``P(alive) (r + x)(beta + T) / ((alpha + T)(s - 1)) [1 - ((beta + T) / (beta + T + t))^(s - 1)]``
    (for ``s = 1`` the limit ``P(alive) (r + x)(beta + T) / (alpha + T) ln((beta + T + t) / (beta + T))``).
    """
    r, al, s, be = (float(v) for v in params)
    x, t_x, T = history_arrays(frequency, recency, T)
    t = np.asarray(t, dtype=float)
    alive = probability_alive(params, x, t_x, T)
    log_ratio = np.log(be + T + t) - np.log(be + T)
    if abs(s - 1) < 1e-9:
        growth = log_ratio
    else:
        growth = -np.expm1(-(s - 1) * log_ratio) / (s - 1)
    return alive * (r + x) * (be + T) / (al + T) * growth
