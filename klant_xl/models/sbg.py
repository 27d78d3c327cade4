"""Shifted-beta-geometric (sBG) model of cohort retention.

Each customer of a cohort leaves at the end of a period with a constant
probability ``theta``; across customers ``theta ~ Beta(alpha, beta)`` [1]_.
Because the customers most likely to leave leave first, the cohort's retention
rate rises over time — unlike the constant-churn projection of the seed
(:mod:`klant_xl.projection`), where a fixed share leaves every year.

Period ``t`` survival and retention (appendix B of [1]_):

- ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` (churn in period t),
- ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` (still a customer after t periods),
- ``r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` (retention rate).

References
----------
.. [1] Fader, P.S. and B.G.S. Hardie (2007), "How to Project Customer
   Retention", Journal of Interactive Marketing, 21 (1), 76-90.

Examples
--------
>>> curve = project(0.668, 3.806, 3)
>>> [round(v, 3) for v in curve["Overleving"]]
[1.0, 0.851, 0.747, 0.67]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma

from klant_xl.errors import InvoerFout, ModelFout, TeWeinigGegevens
from klant_xl.models._fit import FitResult, maximise
from klant_xl.errors import KlantXLError

__all__ = [
    "MIN_PERIODS",
    "PROJECTION_COLUMNS",
    "SBGParams",
    "fit",
    "log_likelihood",
    "project",
    "project_cohorts",
    "survival",
]

#: At least this many survivor counts (the start plus two later periods): two
#: parameters need two observed transitions.
MIN_PERIODS = 3

#: Columns of :func:`project`.
PROJECTION_COLUMNS = ("Periode", "Overleving", "Behoud")

LABEL = "sBG-model (klantbehoud)"


class SBGParams(NamedTuple):
    """Parameters of the sBG model."""

    alpha: float
    beta: float


def _survivors(survivors) -> np.ndarray:
    try:
        n = np.asarray(survivors, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InvoerFout("De overlevers per periode moeten getallen zijn.") from None
    if not np.all(np.isfinite(n)) or np.any(n < 0):
        raise InvoerFout("De overlevers per periode moeten getallen van 0 of meer zijn.")
    if len(n) and n[0] <= 0:
        raise InvoerFout("De eerste periode (het begin van het cohort) moet klanten hebben.")
    bad = np.flatnonzero(np.diff(n) > 1e-9 * n[0])
    if bad.size:
        i = int(bad[0]) + 1
        raise InvoerFout(
            f"Het aantal overlevers mag niet stijgen: periode {i} heeft {n[i]:g}, "
            f"meer dan periode {i - 1} ({n[i - 1]:g})."
        )
    return n


def _log_terms(alpha, beta, periods):
    """log P(T = t) for t = 1..periods and log S(periods)."""
    t = np.arange(1, periods + 1, dtype=float)
    base = betaln(alpha, beta)
    log_p = betaln(alpha + 1, beta + t - 1) - base
    log_s = betaln(alpha, beta + periods) - base
    return log_p, log_s


def _neg_ll(log_params, n):
    """Negative log-likelihood (B3) of [1]_ per starting customer, and its gradient."""
    alpha, beta = np.exp(log_params)
    k = len(n) - 1
    lost = n[:-1] - n[1:]
    log_p, log_s = _log_terms(alpha, beta, k)
    value = -(np.dot(lost, log_p) + n[-1] * log_s) / n[0]
    t = np.arange(1, k + 1, dtype=float)
    d_ab = digamma(alpha + beta)
    # d/dalpha, d/dbeta of log B(alpha + 1, beta + t - 1) - log B(alpha, beta)
    dp_a = digamma(alpha + 1) - digamma(alpha + beta + t) - digamma(alpha) + d_ab
    dp_b = digamma(beta + t - 1) - digamma(alpha + beta + t) - digamma(beta) + d_ab
    ds_a = digamma(alpha) - digamma(alpha + beta + k) - digamma(alpha) + d_ab
    ds_b = digamma(beta + k) - digamma(alpha + beta + k) - digamma(beta) + d_ab
    g_a = np.dot(lost, dp_a) + n[-1] * ds_a
    g_b = np.dot(lost, dp_b) + n[-1] * ds_b
    return value, -np.array([g_a * alpha, g_b * beta]) / n[0]


def log_likelihood(params, survivors) -> float:
    """Log-likelihood (B3) of [1]_: ``sum_t (n_{t-1} - n_t) ln P(T = t) + n_k ln S(k)``.

    Parameters
    ----------
    params : SBGParams or (alpha, beta)
    survivors : array_like
        Customers still there at the start and after each period
        (``survivors[0]`` = cohort size).
    """
    n = _survivors(survivors)
    alpha, beta = (float(v) for v in params)
    lost = n[:-1] - n[1:]
    log_p, log_s = _log_terms(alpha, beta, len(n) - 1)
    return float(np.dot(lost, log_p) + n[-1] * log_s)


def fit(survivors) -> FitResult:
    """Maximum-likelihood fit of the sBG model to one cohort's survivor counts.

    Maximises (B3) of [1]_ over ``log alpha, log beta`` with the analytic gradient.

    Parameters
    ----------
    survivors : array_like
        Customers still active at the start and at the end of each period,
        e.g. ``[1000, 869, 743, 653, 593, 551, 517, 491]``. Shares
        (``[1, 0.869, ...]``) give the same parameters; the log-likelihood then
        is per starting customer.

    Returns
    -------
    FitResult
        ``.params`` is a :class:`SBGParams`; ``n_customers`` the cohort size,
        ``n_rows`` the number of periods observed.

    Raises
    ------
    TeWeinigGegevens
        Fewer than :data:`MIN_PERIODS` counts.
    InvoerFout
        Counts that are negative or rise.
    ModelFout
        No convergence, a parameter running off, or a cohort without a finite
        maximum-likelihood estimate: nobody leaves (the likelihood rises to 0
        only as ``beta -> infinity``, every ``theta = 0``) or everybody leaves
        in the first period (``alpha -> infinity``, every ``theta = 1``).
        Without those checks the optimiser stops somewhere on the ridge towards
        the limit and returns arbitrary parameters.
    """
    n = _survivors(survivors)
    if len(n) < MIN_PERIODS:
        raise TeWeinigGegevens(
            f"Te weinig gegevens voor het {LABEL}: {len(n)} periode(n). Nodig zijn het "
            f"beginaantal en minstens {MIN_PERIODS - 1} latere perioden."
        )
    periods = len(n) - 1
    if n[-1] >= n[0]:
        raise ModelFout(
            f"Het {LABEL} kan het klantverloop niet schatten: in {periods} perioden is niemand "
            f"vertrokken ({n[0]:g} klanten aan het begin en aan het eind). Probeer een langere periode."
        )
    if n[1] <= 0:
        raise ModelFout(
            f"Het {LABEL} kan het klantverloop niet schatten: alle {n[0]:g} klanten zijn in de "
            "eerste periode vertrokken. Probeer kortere perioden."
        )
    log_params, nit = maximise(lambda lp: _neg_ll(lp, n), np.zeros(2), LABEL)
    params = SBGParams(*(float(v) for v in np.exp(log_params)))
    ll = log_likelihood(params, n)
    return FitResult("sbg", params, ll, int(round(n[0])), int(round(n[-1])), len(n) - 1, nit)


def survival(alpha, beta, periods) -> np.ndarray:
    """``S(t) = B(alpha, beta + t) / B(alpha, beta)`` for t = 0..periods (appendix B of [1]_)."""
    t = np.arange(0, int(periods) + 1, dtype=float)
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def project(alpha, beta, periods) -> pd.DataFrame:
    """Survival and retention curve of a cohort for ``periods`` periods.

    Parameters
    ----------
    alpha, beta : float
        sBG parameters (from :func:`fit`).
    periods : int
        Number of periods after the start.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROJECTION_COLUMNS`: ``Periode`` 0..periods,
        ``Overleving`` = S(t) (share of the cohort still a customer) and
        ``Behoud`` = r_t = (beta + t - 1) / (alpha + beta + t - 1), the share of
        last period's customers that stays (empty for period 0).
    """
    if alpha <= 0 or beta <= 0:
        raise InvoerFout("alpha en beta van het sBG-model moeten groter dan 0 zijn.")
    t = np.arange(0, int(periods) + 1, dtype=float)
    retention = np.where(t > 0, (beta + t - 1) / (alpha + beta + t - 1), np.nan)
    return pd.DataFrame(
        {"Periode": t.astype(int), "Overleving": survival(alpha, beta, periods), "Behoud": retention},
        columns=list(PROJECTION_COLUMNS),
    )


def project_cohorts(triangle: pd.DataFrame, periods: int = 10) -> pd.DataFrame:
    """Fit the sBG model to each cohort of a cohort triangle and project its survival.

    Parameters
    ----------
    triangle : pandas.DataFrame
        :func:`klant_xl.cohorts.cohort_triangle`: columns ``Cohort``,
        ``Klanten`` and the shares still active after period 0, 1, 2, ...
        Period 0 is the (partial) period of the first purchase, in which
        almost nobody can have left yet, so the model is fitted from the end
        of period 0 on: the survivor counts are ``Klanten`` × share at the end
        of each observed period.
    periods : int
        How many periods to project from the cohort's start.

    Returns
    -------
    pandas.DataFrame
        One row per cohort with at least :data:`MIN_PERIODS` observed
        periods: ``Cohort``, ``Klanten``, ``alpha``, ``beta``, ``Waargenomen
        perioden`` and the projected share still active at the end of period
        0..``periods-1`` (columns 0, 1, ...): share(0) · S(k) of the model.
        Cohorts whose fit fails are left out.

    Examples
    --------
    The published cohort of [1]_ (1000, 869, 743, 653, 593, 551, 517, 491)
    as a triangle row gives the published alpha = 0.668, beta = 3.806 and
    projects years 8 and 9:

    >>> shares = [1.0, 0.869, 0.743, 0.653, 0.593, 0.551, 0.517, 0.491]
    >>> triangle = pd.DataFrame({"Cohort": ["A"], "Klanten": [1000], **{k: [v] for k, v in enumerate(shares)}})
    >>> out = project_cohorts(triangle, periods=10)
    >>> round(float(out.loc[0, "alpha"]), 3), round(float(out.loc[0, "beta"]), 3)
    (0.668, 3.806)
    >>> [round(float(v), 3) for v in out.loc[0, [8, 9]]]
    [0.46, 0.436]
    """

    period_columns = [c for c in triangle.columns if isinstance(c, (int, np.integer))]
    rows = []
    for _, row in triangle.iterrows():
        shares = row[period_columns].to_numpy(dtype=float)
        shares = shares[~np.isnan(shares)]
        counts = np.minimum.accumulate(shares) * float(row["Klanten"])
        if len(counts) < MIN_PERIODS or counts[0] <= 0:
            continue
        try:
            result = fit(counts)
        except KlantXLError:
            continue
        alpha, beta = result.params
        projected = shares[0] * survival(alpha, beta, periods - 1)
        rows.append(
            {
                "Cohort": row["Cohort"],
                "Klanten": int(row["Klanten"]),
                "alpha": alpha,
                "beta": beta,
                "Waargenomen perioden": len(counts) - 1,
                **{k: float(v) for k, v in enumerate(projected)},
            }
        )
    columns = ["Cohort", "Klanten", "alpha", "beta", "Waargenomen perioden", *range(periods)]
    return pd.DataFrame(rows, columns=columns)
