"""BG/NBD model: beta-geometric / negative binomial distribution.

A customer buys as a Poisson process with rate ``lambda`` while alive and, after
each repeat purchase, drops out for good with probability ``p``; across
customers ``lambda ~ Gamma(r, alpha)`` and ``p ~ Beta(a, b)`` [1]_.

Inputs follow the literature: ``frequency`` = number of repeat purchase
occasions (occasions - 1), ``recency`` = time from the first to the last
occasion, ``T`` = time from the first occasion to the reference date, all in
one time unit (the CDNOW values are in weeks). The fitted ``alpha`` carries
that unit.

The machinery here also serves the modified BG/NBD (:mod:`.mbgnbd`), which
differs only in also letting a customer drop out right after the first
purchase; the likelihood, the fit (:func:`fit_variant`), the predictions and the
simulation take ``modified=True`` for it (keyword only; default the BG/NBD itself).

References
----------
.. [1] Fader, P.S., B.G.S. Hardie and K.L. Lee (2005), "'Counting Your
   Customers' the Easy Way: An Alternative to the Pareto/NBD Model",
   Marketing Science, 24 (2), 275-284.
.. [2] Fader, P.S., B.G.S. Hardie and K.L. Lee (2008), "Computing P(alive)
   Using the BG/NBD Model", http://brucehardie.com/notes/021/.
.. [3] Fader, P.S. and B.G.S. Hardie (2013), "Overcoming the BG/NBD Model's
   #NUM! Error Problem", http://brucehardie.com/notes/027/.

Examples
--------
>>> params = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> round(float(probability_alive(params, 0, 0.0, 38.86)[0]), 3)
1.0
>>> round(float(expected_purchases(params, 39, 2, 30.43, 38.86)[0]), 3)
1.226
"""

from __future__ import annotations

import copy
import warnings
from typing import NamedTuple

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln

from klant_xl.models._fit import (
    FitResult,
    log_add_exp,
    take_rows,
    as_float_array,
    check_enough,
    check_history,
    distinct_rows,
    history_arrays,
    hyp2f1_safe,
    maximise,
)

__all__ = [
    "MIN_CUSTOMERS",
    "MIN_REPEAT_BUYERS",
    "BGNBDParams",
    "expected_purchases",
    "expected_purchases_new",
    "fit",
    "log_likelihood",
    "median_time_to_next_purchase",
    "probability_alive",
    "probability_alive_after",
    "probability_purchase_within",
    "simulate",
]

#: Fewer customers than this: :func:`fit` raises TeWeinigGegevens.
MIN_CUSTOMERS = 100
#: Fewer customers with a repeat purchase than this: :func:`fit` raises TeWeinigGegevens.
MIN_REPEAT_BUYERS = 30

LABEL = "BG/NBD-model"


class BGNBDParams(NamedTuple):
    """Parameters of the (modified) BG/NBD model; ``alpha`` in the data's time unit."""

    r: float
    alpha: float
    a: float
    b: float


# ---------------------------------------------------------------------------
# inputs


# ---------------------------------------------------------------------------
# likelihood


class _Rows:
    """Distinct rows with the factorised columns the likelihood needs."""

    def __init__(self, x, t_x, T, w, modified: bool):
        self.w = w
        self.W = float(w.sum())
        self.x = x
        self.xu, self.xi = np.unique(x, return_inverse=True)
        self.tu, self.ti = np.unique(t_x, return_inverse=True)
        self.Tu, self.Ti = np.unique(T, return_inverse=True)
        self.k = 1.0 if modified else 0.0
        # BG/NBD: the "dropped out after the last purchase" term needs x > 0.
        self.has_c = np.ones(len(x), bool) if modified else x > 0
        self.has_cu = np.ones(len(self.xu), bool) if modified else self.xu > 0
        # Row-length arrays the likelihood fills on every optimiser step: allocated once per fit, as a
        # fresh array each step costs a page fault per 4 KB (as much time as the arithmetic).
        self.work = np.empty((8, len(x)))

    def rescaled(self, factor: float) -> _Rows:
        """These rows with every time (recency and age) times ``factor``, sharing the factorisation.

        Each row's time is the same number as ``t_x * factor`` row by row (a distinct value times
        the factor is that row's value times the factor), so the likelihood is too.
        """
        rows = copy.copy(self)
        rows.tu, rows.Tu = self.tu * factor, self.Tu * factor
        return rows


def _neg_ll(log_params, rows: _Rows, want_grad: bool = True):
    """Negative mean log-likelihood and its gradient in the log-parameters.

    The individual likelihood ``L(r, alpha, a, b | x, t_x, T)`` derived in [1]_ (for the modified model the
    expression of Batislam et al. 2007, see :mod:`.mbgnbd`), written as
    ``log(A + C)`` with ``A`` = alive at T and ``C`` = dropped out after the last
    purchase, evaluated in logs as ``max(lnA, lnC) + log1p(exp(-|lnA - lnC|))`` so it never overflows [3]_.
    """
    r, al, a, b = np.exp(log_params)
    k = rows.k
    xu = rows.xu
    xc = np.maximum(xu - 1 + k, 0.0)  # b + x - 1 (+1 in the modified model)
    K = gammaln(r + xu) - gammaln(r) + r * np.log(al) - betaln(a, b)
    lnBA = betaln(a, b + xu + k)
    lnBC = np.where(rows.has_cu, betaln(a + 1, b + xc), -np.inf)
    # per distinct age and recency first, then spread over the rows once: the same numbers as
    # row by row, each step of each expression below written into the fit's own arrays
    alT, alt = al + rows.Tu, al + rows.tu
    xi, ti, Ti = rows.xi, rows.ti, rows.Ti
    lnT, lnt, rx, lnA, lnC, ll, tmp, tmp2 = rows.work
    take_rows(np.log(alT), Ti, lnT)
    take_rows(np.log(alt), ti, lnt)
    np.add(r, rows.x, out=rx)
    for ln, ln_age, lnB in ((lnA, lnT, lnBA), (lnC, lnt, lnBC)):  # ln = K[x] - rx * ln_age + lnB[x]
        np.subtract(take_rows(K, xi, tmp), np.multiply(rx, ln_age, out=ln), out=ln)
        np.add(ln, take_rows(lnB, xi, tmp), out=ln)
    log_add_exp(lnA, lnC, ll, tmp)
    w = rows.w
    value = -np.multiply(w, ll, out=tmp).sum() / rows.W
    if not want_grad:
        return value
    wA = np.exp(np.subtract(lnA, ll, out=lnA), out=lnA)  # lnA and ll are not needed after this
    wC = np.subtract(1.0, wA, out=ll)
    dig_ab = digamma(a + b)
    dig_abx = digamma(a + b + xu + k)
    dK_r = digamma(r + xu) - digamma(r) + np.log(al)
    dA_a = dig_ab - dig_abx  # d/da [lnB(a, b+x+k) - lnB(a, b)]
    dA_b = digamma(b + xu + k) - dig_abx - digamma(b) + dig_ab
    dC_a = np.where(rows.has_cu, 1.0 / a + dig_ab - dig_abx, 0.0)
    dC_b = np.where(rows.has_cu, digamma(b + xc) - dig_abx - digamma(b) + dig_ab, 0.0)
    grad = np.empty(4)

    def weighted_sum(g):  # plain sums, not np.dot: a threaded BLAS dot stalls on a busy machine
        return np.multiply(w, g, out=g).sum()

    # g_r = dK_r[x] - wA * lnT - wC * lnt
    g = np.subtract(take_rows(dK_r, xi, tmp), np.multiply(wA, lnT, out=lnT), out=tmp)
    grad[0] = weighted_sum(np.subtract(g, np.multiply(wC, lnt, out=lnt), out=g))
    # g_al = r / al - rx * (wA / (al + T) + wC / (al + t_x))
    share = np.add(np.divide(wA, take_rows(alT, Ti, lnT), out=lnT),
                   np.divide(wC, take_rows(alt, ti, lnt), out=lnt), out=lnT)
    grad[1] = weighted_sum(np.subtract(r / al, np.multiply(rx, share, out=share), out=share))
    # g_a = wA * dA_a[x] + wC * dC_a[x], g_b likewise
    for i, (dA, dC) in ((2, (dA_a, dC_a)), (3, (dA_b, dC_b))):
        g = np.add(np.multiply(wA, take_rows(dA, xi, tmp), out=tmp),
                   np.multiply(wC, take_rows(dC, xi, tmp2), out=tmp2), out=tmp)
        grad[i] = weighted_sum(g)
    grad /= rows.W
    return value, -grad * np.array([r, al, a, b])


def _log_likelihood(params, frequency, recency, T, weights=None, modified=False) -> float:
    x, t_x, T = history_arrays(frequency, recency, T)
    w = np.ones(len(x)) if weights is None else as_float_array(weights, "weights")
    rows = _Rows(x, t_x, T, w, modified)
    return float(-_neg_ll(np.log(np.asarray(params, float)), rows, want_grad=False) * rows.W)


def log_likelihood(params, frequency, recency, T, weights=None, *, modified: bool = False) -> float:
    """Total BG/NBD log-likelihood ``sum ln L(r, alpha, a, b | x, t_x, T)`` of [1]_.

    Parameters
    ----------
    params : BGNBDParams or sequence of 4 floats
        ``r, alpha, a, b``.
    frequency, recency, T : array_like
        Repeat purchases, time of the last purchase and age, per customer (or
        per distinct row with ``weights``).
    weights : array_like, optional
        Number of customers per row.

    Returns
    -------
    float
    """
    return _log_likelihood(params, frequency, recency, T, weights, modified=modified)


def fit_variant(frequency, recency, T, weights=None, min_customers=None, min_repeat=None, *, modified: bool,
                label: str, name: str) -> FitResult:
    """The fit of the BG/NBD (``modified=False``) or the MBG/NBD (``modified=True``), as :func:`fit` describes it;
    ``label`` names the model in messages, ``name`` is ``FitResult.model``."""
    x, t_x, T = history_arrays(frequency, recency, T)
    check_history(x, t_x, T)
    min_customers = MIN_CUSTOMERS if min_customers is None else min_customers
    min_repeat = MIN_REPEAT_BUYERS if min_repeat is None else min_repeat
    w0 = None if weights is None else as_float_array(weights, "weights")
    n_customers = int(round(len(x) if w0 is None else w0.sum()))
    n_repeat = int(round((x > 0).sum() if w0 is None else w0[x > 0].sum()))
    check_enough(label, n_customers, n_repeat, min_customers, min_repeat)
    (xu, tu, Tu), w, _ = distinct_rows(x, t_x, T, weights=w0)
    # Rescale time so the largest age is 10: the optimum does not depend on the
    # unit (days or weeks) and starts from the same place.
    scale = 10.0 / max(float(T.max()), 1e-12)
    rows = _Rows(xu, tu, Tu, w, modified)
    scaled = rows.rescaled(scale)
    # Every limit of a and b is a model of its own (see the Notes of fit), so only
    # r and alpha (a vanishing or unbounded spread of purchase rates) count as running off.
    log_params, nit = maximise(lambda p: _neg_ll(p, scaled), np.zeros(4), label, may_run_off=(2, 3))
    r, al, a, b = np.exp(log_params)
    params = BGNBDParams(float(r), float(al / scale), float(a), float(b))
    ll = float(-_neg_ll(np.log(np.asarray(params, float)), rows, want_grad=False) * rows.W)  # in the data's unit
    return FitResult(name, params, ll, n_customers, n_repeat, len(w), nit)


def fit(frequency, recency, T, weights=None, min_customers=None, min_repeat_buyers=None) -> FitResult:
    """Maximum-likelihood fit of the BG/NBD model.

    Maximises the log-likelihood ``sum ln L(r, alpha, a, b | x, t_x, T)`` of [1]_ over the logarithms of
    ``r, alpha, a, b`` with L-BFGS-B and the analytic gradient. Identical
    ``(frequency, recency, T)`` rows are grouped first, so the cost grows with
    the number of distinct rows.

    Parameters
    ----------
    frequency, recency, T : array_like
        Repeat purchases, time from first to last purchase, time from first
        purchase to the reference date (one unit, e.g. weeks).
    weights : array_like, optional
        Number of customers per row (for already grouped data).
    min_customers, min_repeat_buyers : int, optional
        Thresholds below which the fit refuses (defaults :data:`MIN_CUSTOMERS`,
        :data:`MIN_REPEAT_BUYERS`).

    Returns
    -------
    FitResult
        ``.params`` is a :class:`BGNBDParams`; ``.log_likelihood`` in the units
        of the data.

    Raises
    ------
    TeWeinigGegevens
        Too few customers or repeat buyers (the Dutch message says how many are needed).
    ModelFout
        The optimiser did not converge, or ``r`` or ``alpha`` ran off to 0 or
        infinity (a vanishing or unbounded spread of purchase rates).

    Notes
    -----
    ``a`` and ``b`` are exempt from the runaway check in every direction, up
    to the optimiser's bounds ``e^-26 .. e^26``: each limit of
    ``p ~ Beta(a, b)`` is a model in its own right, and the fit can land
    there as a genuine optimum (the supremum of the likelihood), not a
    failure. ``a -> 0`` or ``b -> infinity``: nobody drops out. ``a`` and
    ``b`` both ``-> 0`` with ``a / (a + b) = pi``: a two-point mixture in
    which a share ``pi`` of the customers drops out right after their first
    repeat purchase and the rest never does (seen: ``a = 8.3e-12``,
    ``b = 1.9e-10`` on 500 simulated customers; the log-likelihood then
    equals the maximum of that mixture's own likelihood). ``a -> infinity``
    with ``a / b`` fixed: everybody has the same dropout chance. The
    predictions stay finite and correct at such parameters.
    """
    return fit_variant(frequency, recency, T, weights, min_customers, min_repeat_buyers, modified=False, label=LABEL,
                       name="bgnbd")


# ---------------------------------------------------------------------------
# predictions


def _params(params) -> BGNBDParams:
    return BGNBDParams(*(float(v) for v in params))


def _log_odds_dead(params, x, t_x, T, modified):
    """log(P(dead) / P(alive)) given the history; -inf when certainly alive."""
    r, al, a, b = _params(params)
    k = 1.0 if modified else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(a) - np.log(b + x - 1 + k) + (r + x) * (np.log(al + T) - np.log(al + t_x))
    if not modified:
        out = np.where(x > 0, out, -np.inf)
    return out


def _probability_alive(params, frequency, recency, T, modified):
    x, t_x, T = history_arrays(frequency, recency, T)
    return expit(-_log_odds_dead(params, x, t_x, T, modified))


def probability_alive(params, frequency, recency, T, *, modified: bool = False) -> np.ndarray:
    """Probability that a customer is still alive (active) at ``T``.

    ``P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``,
    the expression of [2]_ (the share of the "alive" term in the likelihood of [1]_).
    A customer without repeat purchases always gets 1: in the BG/NBD a customer
    can only drop out right after a repeat purchase — the reason the workbook
    uses the modified BG/NBD for "kans actief" (see :mod:`.mbgnbd`).

    Returns
    -------
    numpy.ndarray
    """
    return _probability_alive(params, frequency, recency, T, modified=modified)


def _hyp_term(r, b, c, z, log_one_minus_z, power):
    """``(1 - z)^power * 2F1(r, b; c; z)`` with Euler's transformation as fallback.

    Where ``2F1`` overflows (``z`` near 1), Euler's transformation
    ``2F1(r, b; c; z) = (1 - z)^(c - r - b) 2F1(c - r, c - b; c; z)`` is used [3]_.
    """
    with np.errstate(all="ignore"):
        direct = np.exp(power * log_one_minus_z) * hyp2f1_safe(r, b, c, z)
        alt = np.exp((power + c - r - b) * log_one_minus_z) * hyp2f1_safe(c - r, c - b, c, z)
    return np.where(np.isfinite(direct), direct, alt)


def _scaled_bracket(rr, bb, c, z, log_one_minus_z):
    """``c * [1 - (1 - z)^rr 2F1(rr, bb; c; z)]``, continuous through ``c = 0``.

    At ``c = 0`` (e.g. ``a + b = 1`` for a one-time buyer) the hypergeometric
    function has a pole that the factor ``c`` cancels; the limit is
    ``-(1 - z)^rr rr bb z 2F1(rr + 1, bb + 1; 2; z)``.
    """
    rr, bb, c, z, log_one_minus_z = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (rr, bb, c, z, log_one_minus_z))
    )
    near_pole = np.abs(c) < 1e-8
    safe_c = np.where(near_pole, 1.0, c)
    regular = safe_c * (1 - _hyp_term(rr, bb, safe_c, z, log_one_minus_z, rr))
    with np.errstate(all="ignore"):
        limit = -np.exp(rr * log_one_minus_z) * rr * bb * z * hyp2f1_safe(rr + 1, bb + 1, 2.0, z)
    return np.where(near_pole, limit, regular)


#: Terms of the power series in ``kappa`` (:func:`_kappa_series`); with term
#: ratios below 1/2 the remainder is below 2^-52 of the sum.
KAPPA_SERIES_TERMS = 52
#: Within this distance of ``a = 1`` the expected purchases are interpolated in
#: ``a`` (:func:`_expected_if_alive`) instead of taken from the closed form,
#: whose ``1 / (a - 1)`` cancels a vanishing bracket there.
NEAR_A_ONE = 0.05
_CHEBYSHEV_NODES = np.cos((2 * np.arange(10) + 1) * np.pi / 20)
_CHEBYSHEV_WEIGHTS = (-1.0) ** np.arange(10) * np.sin((2 * np.arange(10) + 1) * np.pi / 20)


def _ratio_bound(u, v, n):
    """Largest ``(u + m) / (v + m)`` over ``m = 0..n`` (monotone in ``m``)."""
    return np.maximum(u / v, (u + n) / (v + n))


def _kappa_series(p1, p2, q1, q2, kappa):
    """``sum_m (p1)_m (p2)_m / ((q1)_m (q2)_m) (-kappa)^m`` where it converges fast, with a mask.

    The series of ``2F1(R, a; a + b; -kappa)`` (``q2 = 1``) and of
    ``3F2(R + 1, a, 1; a + b, 2; -kappa)`` (``q2 = 2``): the expectation over
    ``p ~ Beta(a, b)`` of the Taylor series of ``(1 + p kappa)^-R`` (and of
    ``(1 - (1 + p kappa)^-R) / (R kappa p)``). Every Taylor remainder of
    ``(1 + u)^-R``, ``u >= 0``, is at most the next term, so the sum is used
    only where all term ratios over :data:`KAPPA_SERIES_TERMS` terms are
    below 1/2: there it is exact to rounding, with no cancellation (the terms
    alternate and shrink). That covers a short horizon against a long history
    (``kappa`` small, where the closed form's ``1 - (1 - z)^R 2F1`` cancels)
    and a large ``b`` (``p`` near 0, where scipy's ``hyp2f1`` is wrong).

    Returns
    -------
    (values, ok) : values are NaN where ``ok`` is False.
    """
    p1, p2, q1, q2, kappa = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p1, p2, q1, q2, kappa)))
    n = KAPPA_SERIES_TERMS
    with np.errstate(all="ignore"):
        bound = kappa * np.minimum(
            _ratio_bound(p1, q1, n) * _ratio_bound(p2, q2, n), _ratio_bound(p1, q2, n) * _ratio_bound(p2, q1, n)
        )
    ok = bound <= 0.5
    out = np.full(p1.shape, np.nan)
    if ok.any():
        P1, P2, Q1, Q2, K = (v[ok] for v in (p1, p2, q1, q2, kappa))
        term = np.ones(len(K))
        total = term.copy()
        for m in range(n):
            term = term * (-K) * ((P1 + m) / (Q1 + m)) * ((P2 + m) / (Q2 + m))
            total = total + term
        out[ok] = total
    return out, ok


def _closed_if_alive(R, a, bp, z, log1mz):
    """Equation (10) of [1]_ without P(alive): ``c / (a - 1) [1 - (1 - z)^R 2F1(R, b'; c; z)]``, ``c = a + b' - 1``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _scaled_bracket(R, bp, a + bp - 1, z, log1mz) / (a - 1)


def _expected_if_alive(R, a, bp, kappa, z, log1mz):
    """``E[(1 - (1 + p kappa)^-R) / p]`` for ``p ~ Beta(a, b')``: expected purchases given alive.

    Given alive, a customer with purchase rate ``lambda`` and dropout chance
    ``p`` makes ``(1 - exp(-lambda p t)) / p`` purchases in the next ``t`` on
    average; with ``lambda ~ Gamma(R, alpha + T)`` that is the expression above,
    ``kappa = t / (alpha + T)``, ``z = kappa / (1 + kappa)``. It is analytic in
    ``a`` (``a = 1`` included: ``E(1/p)`` is infinite there, but the bracket is
    bounded by ``R kappa``). Three evaluations, by where each is exact:

    - the power series in ``kappa`` (:func:`_kappa_series`) where it converges
      fast: small ``kappa`` or large ``b'``;
    - otherwise the closed form of [1]_ (scipy's ``hyp2f1``, Euler's
      transformation as fallback), whose ``1 / (a - 1)`` is a removable
      singularity: within :data:`NEAR_A_ONE` of ``a = 1`` the value is the
      Chebyshev interpolant in ``a`` through the closed form at ten nodes of
      ``[1 - NEAR_A_ONE, 1 + NEAR_A_ONE]``, none closer to 1 than 0.0078
      (the function of ``a`` is analytic for ``a > -b'``, so ten nodes give
      full precision; the closed form loses at most ~130 ulp at the nodes).
    """
    R, bp, kappa, z, log1mz = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (R, bp, kappa, z, log1mz)))
    series, ok = _kappa_series(R + 1, a, a + bp, 2.0, kappa)
    out = np.array(R * kappa * series, dtype=float)
    if a >= CONCENTRATED:  # p ~ Beta(a, b') is a spike: the delta method is exact to ~1e-12, hyp2f1 is not
        spike = (bp >= CONCENTRATED) & ~ok
        out[spike] = _delta_if_alive(R[spike], a, bp[spike], kappa[spike])
        ok = ok | spike
    rest = ~ok
    if rest.any():
        R_, bp_, z_, l_ = R[rest], bp[rest], z[rest], log1mz[rest]
        if abs(a - 1) >= NEAR_A_ONE:
            out[rest] = _closed_if_alive(R_, a, bp_, z_, l_)
        else:
            u = (a - 1) / NEAR_A_ONE
            values = [_closed_if_alive(R_, 1 + NEAR_A_ONE * node, bp_, z_, l_) for node in _CHEBYSHEV_NODES]
            at_node = np.flatnonzero(np.abs(u - _CHEBYSHEV_NODES) < 1e-15)
            if at_node.size:
                out[rest] = values[int(at_node[0])]
            else:
                weights = _CHEBYSHEV_WEIGHTS / (u - _CHEBYSHEV_NODES)
                out[rest] = sum(w * v for w, v in zip(weights, values)) / weights.sum()
    # (1 - (1 + p kappa)^-R) / p falls from R kappa (p = 0) to
    # 1 - (1 + kappa)^-R (p = 1), so the expectation lies between; outside is hyp2f1 garbage.
    with np.errstate(all="ignore"):
        low = -np.expm1(-R * np.log1p(kappa))
        high = R * kappa
        lost = np.flatnonzero(~((out >= low * (1 - 1e-9)) & (out <= high * (1 + 1e-9))).reshape(-1))
    if lost.size:
        flat = out.reshape(-1)
        Rf, bpf, kf = (v.reshape(-1) for v in (R, bp, kappa))
        for i in lost:
            flat[i] = _quadrature_if_alive(Rf[i], a, bpf[i], kf[i])
    return out


#: Where ``a`` and ``b'`` both reach this, ``p ~ Beta(a, b')`` has a relative spread below 1e-3 and
#: :func:`_expected_if_alive` uses the second-order delta method (seen at the optimiser's bounds:
#: a = 1.3e9, b = 1.9e11, where scipy's ``hyp2f1`` was off by 1e-3 and not monotone in t).
CONCENTRATED = 1e6


def _delta_if_alive(R, a, bp, kappa):
    """``E[f(p)]`` for a concentrated ``p ~ Beta(a, b')``, ``f(p) = (1 - (1 + p kappa)^-R) / p``:
    ``f(mu) + f''(mu) var / 2`` (the third and fourth central moments add less than 1e-12 relative)."""
    mu = a / (a + bp)
    var = a * bp / ((a + bp) ** 2 * (a + bp + 1))

    def f(p):
        return -np.expm1(-R * np.log1p(p * kappa)) / p

    h = mu * 1e-3
    curvature = (f(mu + h) - 2 * f(mu) + f(mu - h)) / h**2
    return f(mu) + 0.5 * curvature * var


def _quadrature_if_alive(R, a, bp, kappa):
    """:func:`_expected_if_alive` by adaptive quadrature over ``p``, for the rare points both other ways miss.

    Those are a large ``b'`` together with a long horizon (``kappa`` in the
    thousands), where scipy's ``hyp2f1`` has no finite value and the power
    series does not converge. QUADPACK's algebraic weight takes the
    ``p^(a-1)`` of the Beta density; past ``p_hi`` the density is negligible.
    """
    from scipy.integrate import quad

    p_hi = min(1.0, (a + 40.0 + 40.0 * np.sqrt(a)) / (a + bp))
    # p = s p_hi; the weight s^(a-1) is QUADPACK's, the rest of the density is exp(log_scale + ...)
    log_scale = a * np.log(p_hi) - betaln(a, bp)

    singular = a < 1  # p^(a-1) as QUADPACK's algebraic weight only where it is singular

    def bracket(s):
        p = s * p_hi
        per_p = R * kappa if p == 0 else -np.expm1(-R * np.log1p(p * kappa)) / p
        power = 0.0 if singular else (a - 1) * np.log(s) if s > 0 else -np.inf
        return per_p * np.exp((bp - 1) * np.log1p(-p) + log_scale + power)

    if singular:
        lo, hi, options = 0.0, 1.0, dict(weight="alg", wvar=(a - 1.0, 0.0))
    else:  # a >= 1: the density has no singularity but may be a narrow peak; integrate around it
        mean = a / (a + bp) / p_hi
        sd = np.sqrt(a * bp / ((a + bp) ** 2 * (a + bp + 1))) / p_hi
        lo, hi = max(0.0, mean - 40 * sd), min(1.0, mean + 40 * sd)
        options = dict(points=[mean]) if lo < mean < hi else {}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, _ = quad(bracket, lo, hi, limit=200, epsabs=0.0, epsrel=1e-12, **options)
    return value


def purchases_if_alive(params, t, x, T, modified):
    """E[Y(t) | x, T, alive at T]: equation (10) of [1]_ without its P(alive) factor."""
    r, al, a, b = _params(params)
    t = np.asarray(t, dtype=float)
    k = 1.0 if modified else 0.0
    kappa = t / (al + T)
    z = t / (al + T + t)
    log1mz = np.log(al + T) - np.log(al + T + t)
    return _expected_if_alive(r + x, a, b + x + k, kappa, z, log1mz)


def _expected_purchases(params, t, frequency, recency, T, modified):
    x, t_x, T = history_arrays(frequency, recency, T)
    alive = expit(-_log_odds_dead(params, x, t_x, T, modified))
    if np.ndim(t) == 0 and x.ndim == 1 and len(x) > 1:
        # given alive, the purchases depend on (x, T) only: computed once per distinct pair (each
        # value is computed element by element, so it is the same number as row by row)
        (gx, gT), _, to_group = distinct_rows(x, T)
        return purchases_if_alive(params, t, gx, gT, modified)[to_group] * alive
    return purchases_if_alive(params, t, x, T, modified) * alive


def expected_purchases(params, t, frequency, recency, T, *, modified: bool = False) -> np.ndarray:
    """Expected number of purchases in the next ``t`` time units, given the history.

    Uses equation (10) from [1]_:
    ``E[Y(t) | x, t_x, T] = (a + b + x - 1) / (a - 1) * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
    2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))] / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``.

    Parameters
    ----------
    params : BGNBDParams
    t : float or array_like
        Length of the future period, in the unit of the fit.
    frequency, recency, T : array_like

    Returns
    -------
    numpy.ndarray
    """
    return _expected_purchases(params, t, frequency, recency, T, modified=modified)


def expected_purchases_new(params, t) -> np.ndarray:
    """Expected repeat purchases of a new customer in ``(0, t]``, equation (9) of [1]_.

    ``E[X(t)] = (a + b - 1) / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; t / (alpha + t))]``.
    """
    r, al, a, b = _params(params)
    t = np.atleast_1d(np.asarray(t, dtype=float))
    return _expected_if_alive(r, a, b, t / al, t / (al + t), np.log(al) - np.log(al + t))


def _posterior_survival(params, t, x, T, modified):
    """P(still alive after another t | alive at T): E[exp(-lambda p t)] over the posterior.

    Given alive at ``T``, ``lambda ~ Gamma(r + x, alpha + T)`` and
    ``p ~ Beta(a, b + x)`` (``b + x + 1`` modified) independently; the customer
    survives the next ``t`` with probability ``exp(-lambda p t)`` (each of the
    Poisson purchases ends the relationship with probability ``p``). Integrating
    gives ``((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b'; a+b'; t/(alpha+T+t))``
    (Euler's integral plus Pfaff's transformation).
    """
    r, al, a, b = _params(params)
    k = 1.0 if modified else 0.0
    bb = b + x + k
    z = t / (al + T + t)
    log1mz = np.log(al + T) - np.log(al + T + t)
    # = 2F1(r + x, a; a + b'; -kappa): its power series where that converges fast (large b')
    series, ok = _kappa_series(r + x, a, a + bb, 1.0, t / (al + T))
    return np.where(ok, series, _hyp_term(r + x, bb, a + bb, z, log1mz, r + x))


def _probability_alive_after(params, t, frequency, recency, T, modified):
    x, t_x, T = history_arrays(frequency, recency, T)
    t = np.asarray(t, dtype=float)
    alive = expit(-_log_odds_dead(params, x, t_x, T, modified))
    return alive * _posterior_survival(params, t, x, T, modified)


def probability_alive_after(params, t, frequency, recency, T, *, modified: bool = False) -> np.ndarray:
    """Probability that a customer is still alive ``t`` time units after ``T``.

    ``P(alive at T) * E[exp(-lambda p t) | alive at T]`` (see the P(alive)
    expression of [2]_ and the model assumptions of [1]_, section 2).
    """
    return _probability_alive_after(params, t, frequency, recency, T, modified=modified)


def _probability_purchase_within(params, t, frequency, recency, T, modified):
    r, al, a, b = _params(params)
    x, t_x, T = history_arrays(frequency, recency, T)
    t = np.asarray(t, dtype=float)
    alive = expit(-_log_odds_dead(params, x, t_x, T, modified))
    no_purchase = np.exp((r + x) * (np.log(al + T) - np.log(al + T + t)))
    return alive * (1 - no_purchase)


def probability_purchase_within(params, t, frequency, recency, T, *, modified: bool = False) -> np.ndarray:
    """Probability of at least one purchase in the next ``t`` time units.

    A customer alive at ``T`` stays alive until the next purchase, so this is
    ``P(alive) * (1 - ((alpha + T) / (alpha + T + t))^(r + x))``: the posterior
    rate is ``Gamma(r + x, alpha + T)`` ([1]_, section 2; P(alive) from [2]_).
    """
    return _probability_purchase_within(params, t, frequency, recency, T, modified=modified)


def median_time_to_next_purchase(params, frequency, T) -> np.ndarray:
    """Median waiting time to the next purchase, given the customer is alive.

    Given alive at ``T`` the purchase rate is ``Gamma(r + x, alpha + T)``, so
    the waiting time ``W`` has ``P(W > w) = ((alpha + T) / (alpha + T + w))^(r + x)``
    (a Lomax distribution) and its median is ``(alpha + T)(2^(1/(r+x)) - 1)``.
    The same holds in the modified BG/NBD.

    Returns
    -------
    numpy.ndarray
        In the time unit of the fit.
    """
    r, al, _, _ = _params(params)
    x = as_float_array(frequency, "frequency")
    T = as_float_array(T, "T")
    return (al + T) * (2.0 ** (1.0 / (r + x)) - 1.0)


# ---------------------------------------------------------------------------
# simulation


def _simulate(params, T, rng, modified):
    r, al, a, b = _params(params)
    T = as_float_array(T, "T")
    n = len(T)
    lam = rng.gamma(r, 1.0 / al, size=n)
    p = rng.beta(a, b, size=n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    active = np.ones(n, bool)
    if modified:
        active &= rng.random(n) >= p
    now = np.zeros(n)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1.0 / lam[idx])
        buys = now[idx] <= T[idx]
        bought = idx[buys]
        x[bought] += 1
        t_x[bought] = now[bought]
        dies = rng.random(len(bought)) < p[bought]
        active[:] = False
        active[bought[~dies]] = True
    return x, t_x


def simulate(params, T, rng, *, modified: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``(frequency, recency)`` for customers of ages ``T`` from the BG/NBD model.

    Parameters
    ----------
    params : BGNBDParams
    T : array_like
        Age of each customer at the reference date.
    rng : numpy.random.Generator

    Returns
    -------
    (frequency, recency) : tuple of numpy.ndarray
    """
    return _simulate(params, T, rng, modified=modified)
