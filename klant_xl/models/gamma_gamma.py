"""Gamma-Gamma model of the spend per purchase.

A customer's purchase amounts are Gamma(p, nu) around a personal mean
``p / nu``; across customers ``nu ~ Gamma(q, gamma)`` [1]_, [2]_. The model
assumes spend does not depend on how often a customer buys; it is fitted on
the customers with at least one (repeat) purchase and a positive mean spend.

Inputs: ``frequency`` = the number of purchases the mean is taken over
(literature: repeat purchases, the first purchase excluded) and
``monetary_value`` = their mean amount ``zbar``.

References
----------
.. [1] Fader, P.S., B.G.S. Hardie and K.L. Lee (2005), "RFM and CLV: Using
   Iso-Value Curves for Customer Base Analysis", Journal of Marketing
   Research, 42 (4), 415-430.
.. [2] Fader, P.S. and B.G.S. Hardie (2013), "The Gamma-Gamma Model of
   Monetary Value", http://brucehardie.com/notes/025/.

Examples
--------
>>> params = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
>>> round(float(population_mean(params)), 2)
35.22
>>> round(float(expected_value(params, 2, 22.35)[0]), 2)
24.66
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import digamma, gammaln

from klant_xl.errors import InvoerFout, ModelFout
from klant_xl.models._fit import FitResult, as_float_array, check_enough, distinct_rows, maximise, take_rows

__all__ = [
    "MIN_REPEAT_BUYERS",
    "GammaGammaParams",
    "expected_value",
    "fit",
    "log_likelihood",
    "population_mean",
]

#: Fewer customers with a positive mean spend than this: :func:`fit` refuses.
MIN_REPEAT_BUYERS = 30

LABEL = "Gamma-Gamma-model (bestelwaarde)"


class GammaGammaParams(NamedTuple):
    """Parameters of the Gamma-Gamma model; ``gamma`` in money units."""

    p: float
    q: float
    gamma: float


def _rows(frequency, monetary_value):
    x = as_float_array(frequency, "frequency")
    try:
        m = np.asarray(monetary_value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InvoerFout("'monetary_value' moet uit getallen bestaan.") from None
    if len(x) != len(m):
        raise InvoerFout("'frequency' en 'monetary_value' moeten even lang zijn.")
    return x, m


class _SpendRows:
    """Rows of the likelihood with everything that does not depend on the parameters.

    ``frequency`` takes few distinct values, so the terms that depend on it and
    the parameters only (``gammaln``, ``digamma``) are evaluated once per
    distinct value and spread over the rows by index; ``log(zbar)``,
    ``log(x)`` and ``x zbar`` are computed once per fit instead of once per
    optimiser step. Every row's value is the same number as when computed row
    by row.
    """

    def __init__(self, x, m, w, W):
        self.x = x
        self.w = w
        self.W = W
        self.xu, self.xi = np.unique(x, return_inverse=True)
        self.log_m = np.log(m)
        self.log_xu = np.log(self.xu)
        self.xm = x * m
        # row-length arrays each optimiser step fills (a fresh array per step costs a page fault per 4 KB)
        self.work = np.empty((5, len(x)))


def _neg_ll(log_params, rows: _SpendRows, want_grad=True):
    """Negative mean log-likelihood; the density of zbar of equation (1a) of [2]_.

    ``f(zbar | p, q, gamma, x) = G(px + q) / (G(px) G(q)) gamma^q zbar^(px - 1) x^(px) / (gamma + x zbar)^(px + q)``.
    """
    p, q, g = np.exp(log_params)
    xi = rows.xi
    pxu = p * rows.xu
    lgm, ll, tmp, g_xm, pxq = rows.work  # each expression below computed step by step into the fit's arrays
    np.add(g, rows.xm, out=g_xm)
    np.log(g_xm, out=lgm)
    head = gammaln(pxu + q) - gammaln(pxu) - gammaln(q) + q * np.log(g)
    take_rows(pxu + q, xi, pxq)
    # ll = head[x] + (pxu - 1)[x] * log_m + (pxu * log_xu)[x] - pxq * lgm
    np.add(take_rows(head, xi, ll), np.multiply(take_rows(pxu - 1, xi, tmp), rows.log_m, out=tmp), out=ll)
    np.add(ll, take_rows(pxu * rows.log_xu, xi, tmp), out=ll)
    np.subtract(ll, np.multiply(pxq, lgm, out=tmp), out=ll)
    w = rows.w
    value = -np.multiply(w, ll, out=tmp).sum() / rows.W
    if not want_grad:
        return value
    d_pq = digamma(pxu + q)
    grad = np.empty(3)
    # g_p = x * ((d_pq - digamma(pxu))[x] + log_m + log_xu[x] - lgm)
    g_p = np.add(take_rows(d_pq - digamma(pxu), xi, ll), rows.log_m, out=ll)
    np.add(g_p, take_rows(rows.log_xu, xi, tmp), out=g_p)
    np.multiply(rows.x, np.subtract(g_p, lgm, out=g_p), out=g_p)
    # g_q = (d_pq - digamma(q) + log(g))[x] - lgm
    g_q = np.subtract(take_rows(d_pq - digamma(q) + np.log(g), xi, tmp), lgm, out=tmp)
    grad[0] = np.multiply(w, g_p, out=g_p).sum()
    grad[1] = np.multiply(w, g_q, out=g_q).sum()
    # g_g = q / g - pxq / g_xm
    g_g = np.subtract(q / g, np.divide(pxq, g_xm, out=g_xm), out=g_xm)
    grad[2] = np.multiply(w, g_g, out=g_g).sum()
    grad /= rows.W
    return value, -grad * np.array([p, q, g])


def log_likelihood(params, frequency, monetary_value, weights=None) -> float:
    """Total log-likelihood of the mean spends, equation (1a) of [2]_."""
    x, m = _rows(frequency, monetary_value)
    w = np.ones(len(x)) if weights is None else as_float_array(weights, "weights")
    rows = _SpendRows(x, m, w, w.sum())
    return float(-_neg_ll(np.log(np.asarray(params, float)), rows, want_grad=False) * w.sum())


def fit(frequency, monetary_value, weights=None, min_repeat_buyers=None) -> FitResult:
    """Maximum-likelihood fit of the Gamma-Gamma spend model.

    Only rows with ``frequency > 0`` and ``monetary_value > 0`` take part
    (equation (1a) of [2]_ is a density of positive means); identical rows are
    grouped. Amounts are rescaled to mean 1 for the optimiser and ``gamma`` is
    scaled back.

    Parameters
    ----------
    frequency : array_like
        Number of purchases each mean is taken over.
    monetary_value : array_like
        Mean amount per purchase.
    weights : array_like, optional
        Customers per row.
    min_repeat_buyers : int, optional
        Default :data:`MIN_REPEAT_BUYERS`.

    Returns
    -------
    FitResult
        ``.params`` is a :class:`GammaGammaParams`.

    Raises
    ------
    TeWeinigGegevens
        Too few customers with a positive mean spend.
    ModelFout
        No convergence, or ``q <= 1`` (the mean spend of a new customer,
        ``p gamma / (q - 1)``, would not exist).
    """
    x, m = _rows(frequency, monetary_value)
    w0 = np.ones(len(x)) if weights is None else as_float_array(weights, "weights")
    use = (x > 0) & np.isfinite(m) & (m > 0)
    n = int(round(w0[use].sum()))
    needed = MIN_REPEAT_BUYERS if min_repeat_buyers is None else min_repeat_buyers
    check_enough(LABEL, n, n, needed, needed)
    (xu, mu), w, _ = distinct_rows(x[use], m[use], weights=w0[use])
    scale = float((w * mu).sum() / w.sum())  # a plain sum, not np.dot: see bgnbd.weighted_sum
    rows = _SpendRows(xu, mu / scale, w, w.sum())
    log_params, nit = maximise(
        lambda lp: _neg_ll(lp, rows),
        np.zeros(3),
        LABEL,
        "Controleer de bedragen: zijn ze (bijna) allemaal gelijk, of zijn er extreme uitschieters?",
    )
    p, q, g = np.exp(log_params)
    params = GammaGammaParams(float(p), float(q), float(g * scale))
    if params.q <= 1:
        raise _no_finite_mean(params.q, "voor een nieuwe klant")
    ll = log_likelihood(params, xu, mu, w)
    return FitResult("gamma_gamma", params, ll, n, n, len(w), nit)


def _no_finite_mean(q: float, where: str) -> ModelFout:
    return ModelFout(
        f"Het {LABEL} geeft geen eindige verwachte bestelwaarde {where}: q = {q:g} is niet groter "
        "dan 1 (de bedragen spreiden te sterk). Controleer uitschieters of gebruik meer klanten."
    )


def _spend_params(params) -> tuple[float, float, float]:
    try:
        p, q, g = (float(v) for v in params)
    except (TypeError, ValueError):
        raise InvoerFout("De parameters van het Gamma-Gamma-model zijn drie getallen: p, q en gamma.") from None
    if not all(np.isfinite(v) and v > 0 for v in (p, q, g)):
        raise InvoerFout(f"De parameters van het Gamma-Gamma-model moeten groter dan 0 zijn, niet {p!r}, {q!r}, {g!r}.")
    return p, q, g


def population_mean(params) -> float:
    """Mean spend per purchase of a customer without history: ``p gamma / (q - 1)`` ([2]_, section 3).

    ``E(nu^-1)`` for ``nu ~ Gamma(q, gamma)`` exists only for ``q > 1``; for
    ``q <= 1`` the mean is infinite and :class:`~klant_xl.errors.ModelFout` is raised.

    Raises
    ------
    ModelFout
        ``q <= 1``.
    InvoerFout
        A parameter that is not a positive number.
    """
    p, q, g = _spend_params(params)
    if not q > 1:
        raise _no_finite_mean(q, "voor een klant zonder aankopen")
    return p * g / (q - 1)


def expected_value(params, frequency, monetary_value) -> np.ndarray:
    """Expected spend per future purchase given ``x`` purchases with mean ``zbar``.

    Uses equation (5) of [2]_:
    ``E(M | p, q, gamma, zbar, x) = (q - 1) / (p x + q - 1) * p gamma / (q - 1) + p x / (p x + q - 1) * zbar``,
    a weighted average of the population mean and the customer's own mean.
    Customers with ``x = 0`` or no mean get the population mean; a negative
    mean (more returned than bought) counts as 0.

    The expression is ``p E(1 / nu | x, zbar)`` with the posterior
    ``nu ~ Gamma(p x + q, gamma + x zbar)``, which has a finite mean only for
    ``p x + q > 1``. Parameters outside the fit's range (``q <= 1``) can break
    that for customers with few purchases: then
    :class:`~klant_xl.errors.ModelFout` is raised rather than a negative or
    infinite spend.

    Raises
    ------
    ModelFout
        ``p x + q <= 1`` for some customer.
    InvoerFout
        A parameter that is not a positive number, or unusable inputs.
    """
    p, q, g = _spend_params(params)
    x, m = _rows(frequency, monetary_value)
    known = (x > 0) & np.isfinite(m)
    x = np.where(known, x, 0.0)
    m = np.where(known, np.maximum(m, 0.0), 0.0)
    shape_minus_one = p * x + q - 1
    if np.any(~(shape_minus_one > 0)):
        few = float(x[~(shape_minus_one > 0)].max())
        raise _no_finite_mean(q, "voor een klant zonder aankopen" if few == 0 else f"voor een klant met {few:g} aankopen")
    return (p * (g + x * m)) / shape_minus_one
