"""Shared machinery of the model fits: grouping rows, the optimiser, fit checks.

Every model is fitted by maximum likelihood on log-parameters, with an
analytic gradient (the Pareto/NBD alone uses a numerical one). Customers with identical inputs contribute identical terms, so the
data are first reduced to their distinct rows with a weight (the number of
customers in the row), as Fader and Hardie do in their spreadsheets; the fit
then scales with the number of distinct rows, not with the number of customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
from scipy.optimize import minimize
from scipy.special import hyp2f1

from klant_xl.errors import InvoerFout, ModelFout, TeWeinigGegevens

__all__ = ["FitResult", "check_enough", "distinct_rows", "log_add_exp", "maximise", "as_float_array", "take_rows"]

#: A fitted log-parameter beyond +-LOG_PARAM_LIMIT means a parameter ran off to
#: 0 or infinity: the data do not pin the model down.
LOG_PARAM_LIMIT = 13.0
#: An iterate this far out (e^16, twenty times past the limit) is running off: the fit stops
#: there with the same refusal, instead of following the parameter out to the bound.
RUN_OFF_STOP = LOG_PARAM_LIMIT + 3.0


@dataclass(frozen=True)
class FitResult:
    """Outcome of a maximum-likelihood fit.

    Attributes
    ----------
    model : str
        Short model name (``"bgnbd"``, ``"mbgnbd"``, ``"pareto_nbd"``,
        ``"gamma_gamma"``, ``"sbg"``).
    params : NamedTuple
        The fitted parameters (e.g. ``r, alpha, a, b``), in the time unit of the data.
    log_likelihood : float
        Log-likelihood at the optimum, in the units of the data (comparable with
        published values).
    n_customers : int
        Number of customers (sum of the weights).
    n_repeat_buyers : int
        Customers with at least one repeat purchase (sBG: the survivors at the end).
    n_rows : int
        Distinct input rows the likelihood was evaluated on.
    iterations : int
        Optimiser iterations.
    """

    model: str
    params: NamedTuple
    log_likelihood: float
    n_customers: int
    n_repeat_buyers: int
    n_rows: int
    iterations: int

    def as_dict(self) -> dict:
        """Plain dict of the model name, the parameters and the fit statistics."""
        out = {"model": self.model}
        out.update({k: float(v) for k, v in self.params._asdict().items()})
        out.update(
            log_likelihood=float(self.log_likelihood),
            n_customers=int(self.n_customers),
            n_repeat_buyers=int(self.n_repeat_buyers),
            n_rows=int(self.n_rows),
            iterations=int(self.iterations),
        )
        return out


def as_float_array(values, name: str) -> np.ndarray:
    """Values as a 1-d float array; a Dutch error for anything non-numeric or negative."""
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InvoerFout(f"'{name}' moet uit getallen bestaan.") from None
    if not np.all(np.isfinite(arr)):
        raise InvoerFout(f"'{name}' bevat lege of ongeldige waarden.")
    if np.any(arr < 0):
        raise InvoerFout(f"'{name}' mag niet negatief zijn.")
    return arr


def distinct_rows(*columns: np.ndarray, weights=None):
    """Reduce equal-length columns to their distinct rows.

    Returns
    -------
    tuple
        ``(unique_columns, weights, inverse)``: a tuple of arrays, one per
        column, holding the distinct rows (sorted), the summed weight of each
        distinct row, and for every input row the position of its distinct row.

    Examples
    --------
    >>> (x, t), w, inv = distinct_rows(np.array([1., 0., 1.]), np.array([2., 0., 2.]))
    >>> x.tolist(), t.tolist(), w.tolist(), inv.tolist()
    ([0.0, 1.0], [0.0, 2.0], [1.0, 2.0], [1, 0, 1])
    """
    cols = [np.asarray(c, dtype=float).reshape(-1) for c in columns]
    n = len(cols[0])
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if n == 0:
        return tuple(cols), w[:0], np.zeros(0, dtype=np.intp)
    if _strictly_increasing(cols):  # already the distinct rows in order (a caller grouped them): no sort
        return tuple(c.copy() for c in cols), w.copy(), np.arange(n, dtype=np.intp)
    order = np.lexsort(cols[::-1])
    sorted_cols = [c[order] for c in cols]
    new = np.zeros(n, bool)
    new[0] = True
    for c in sorted_cols:
        new[1:] |= c[1:] != c[:-1]
    group = np.cumsum(new) - 1
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = group
    counts = np.bincount(group, weights=w[order])
    return tuple(c[new] for c in sorted_cols), counts, inverse


def take_rows(table: np.ndarray, positions: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``table[positions]`` written into ``out``: the likelihoods spread per-distinct-value terms over the rows.

    ``mode="clip"``: the positions come from ``np.unique`` and are in range, and only numpy's
    default mode ("raise") copies the result through a buffer first, which made it twice as slow.
    """
    return np.take(table, positions, out=out, mode="clip")


def log_add_exp(a: np.ndarray, b: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """``log(exp(a) + exp(b))`` written into ``out``, as ``max(a, b) + log1p(exp(-|a - b|))``.

    The formula of ``np.logaddexp`` (the same value to a bit or two; it never overflows either),
    six times faster on a fit's 100k rows: numpy computes ``logaddexp`` one element at a time,
    while ``exp`` and ``log1p`` run vectorised. ``scratch`` (as long as ``a``) is overwritten;
    ``out`` may be ``a`` or ``b``. Where ``a - b`` is NaN (both the same infinity, or a NaN) the
    result is ``max(a, b)``: that infinity, or NaN, as ``np.logaddexp`` gives.
    """
    difference = np.subtract(a, b, out=scratch)
    np.maximum(a, b, out=out)
    np.abs(difference, out=difference)
    np.negative(difference, out=difference)
    np.exp(difference, out=difference)
    np.log1p(difference, out=difference)
    np.nan_to_num(difference, copy=False, nan=0.0)  # log1p(exp(-|a - b|)) is in [0, log 2] or NaN
    return np.add(out, difference, out=out)


def _strictly_increasing(cols: list[np.ndarray]) -> bool:
    """Whether each row is lexicographically greater than the one before (so all rows are distinct).

    One pass over the columns instead of a sort. A pair of rows is decided by the first column
    where they differ; a NaN differs from everything and is greater than nothing, so rows with
    one are never taken as ordered here (the sort in :func:`distinct_rows` handles them).
    """
    decided = np.zeros(len(cols[0]) - 1, bool)
    greater = np.zeros(len(cols[0]) - 1, bool)
    for c in cols:
        greater |= (c[1:] > c[:-1]) & ~decided
        decided |= c[1:] != c[:-1]
    return bool(greater.all())


def check_enough(model_label: str, n_customers: int, n_repeat: int, min_customers: int, min_repeat: int):
    """Raise :class:`TeWeinigGegevens` with the counts found and needed."""
    if n_customers >= min_customers and n_repeat >= min_repeat:
        return
    raise TeWeinigGegevens(
        f"Te weinig gegevens voor het {model_label}: {n_customers} klanten, "
        f"waarvan {n_repeat} met een herhaalaankoop. Nodig zijn minstens "
        f"{min_customers} klanten en {min_repeat} klanten met een herhaalaankoop."
    )


def maximise(
    neg_ll_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    model_label: str,
    advice: str = "Probeer meer klanten of een langere periode.",
    may_run_off: tuple[int, ...] = (),
) -> tuple[np.ndarray, int]:
    """Minimise a negative mean log-likelihood over log-parameters.

    Uses L-BFGS-B with the analytic gradient; raises :class:`ModelFout` (Dutch)
    when the optimiser fails or a parameter runs off to 0 or infinity; the
    message ends with ``advice``. Parameters listed in ``may_run_off`` (by
    position) may go to 0 or infinity: that is a meaningful limit of the model
    (e.g. nobody drops out), not a failure. An iterate past :data:`RUN_OFF_STOP` ends
    the fit with that refusal at once (following it out to the bound cost half the
    iterations of such a fit, for the same answer).

    Returns
    -------
    (log_params, iterations)
    """
    checked = np.ones(len(x0), bool)
    checked[list(may_run_off)] = False
    running_off = []

    def watch(intermediate_result):
        if np.any(np.abs(intermediate_result.x[checked]) > RUN_OFF_STOP):
            running_off.append(True)
            raise StopIteration

    with np.errstate(all="ignore"):
        res = minimize(
            neg_ll_and_grad,
            np.asarray(x0, dtype=float),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-2 * LOG_PARAM_LIMIT, 2 * LOG_PARAM_LIMIT)] * len(x0),
            options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
            callback=watch,
        )
    if running_off:
        raise _running_off(model_label, advice)
    ok = np.isfinite(res.fun) and np.all(np.isfinite(res.x))
    # ABNORMAL line-search terminations at an optimum that is already flat are fine.
    if ok and not res.success:
        ok = np.max(np.abs(res.jac)) < 1e-5
    if not ok:
        raise ModelFout(
            f"Het {model_label} convergeert niet op deze gegevens. {advice}"
        )
    if np.any(np.abs(res.x[checked]) > LOG_PARAM_LIMIT):
        raise _running_off(model_label, advice)
    return res.x, int(res.nit)


def _running_off(model_label: str, advice: str) -> ModelFout:
    return ModelFout(
        f"Het {model_label} past niet goed op deze gegevens: een parameter loopt weg "
        f"naar 0 of oneindig. {advice}"
    )

def history_arrays(frequency, recency, T):
    """frequency, recency and T as equal-length float arrays (a Dutch error otherwise)."""
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    T = as_float_array(T, "T")
    if not (len(x) == len(t_x) == len(T)):
        raise InvoerFout("'frequency', 'recency' en 'T' moeten even lang zijn.")
    return np.broadcast_arrays(x, t_x, T)


def check_history(x, t_x, T):
    """Whole repeat counts, recency within T, recency 0 without a repeat purchase."""
    if np.any(x != np.round(x)):
        raise InvoerFout("'frequency' moet een heel aantal herhaalaankopen zijn.")
    if np.any(t_x > T + 1e-9):
        raise InvoerFout("'recency' mag niet groter zijn dan 'T'.")
    if np.any((x == 0) & (t_x > 0)):
        raise InvoerFout("Een klant zonder herhaalaankoop heeft 'recency' 0.")


def hyp2f1_safe(a, b, c, z):
    """scipy's 2F1, stepping around an integer ``c - a - b``, where it can return garbage.

    (scipy 1.17 gives ``2F1(0.05, 2; 2.05; 0.9973) = -1.37`` instead of 1.304,
    and ``inf`` for ``2F1(1.05, 3; 3.05; 0.998)``; the mean of the values at
    ``c -+ 1e-9`` is correct to about 1e-9.)
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    d = c - a - b
    exact = np.abs(d - np.round(d)) < 1e-10
    if not exact.any():
        return hyp2f1(a, b, c, z)
    nudged = 0.5 * (hyp2f1(a, b, c + 1e-9, z) + hyp2f1(a, b, c - 1e-9, z))
    return np.where(exact, nudged, hyp2f1(a, b, c, z))
