"""Value tiers: the customer pyramid, gold / silver / bronze, segment overviews and Pareto (SPEC §3).

Pyramid and tiers
-----------------
Active customers (status ``Actief`` or ``Nieuw``) are ranked by revenue over the 12 months up to
and including the peildatum (``Datum`` in ``(peildatum - 1 year, peildatum]``; returns lower
it), ties by total ``Omzet`` and then by ``Klant``. The cuts are cumulative shares of the
active customers; the first ``ceil(cut · n)`` customers (the smallest number that reaches the
share) fall in the groups up to that cut. So with 20 active customers the top 1% is 1
customer, and the top 5% too (``Groot`` stays empty). Inactive and lost customers get
``Inactief`` / ``Verloren``. Cuts may be numbers or text (``"1%; 5%; 20%"``, ``"0,01; 0,05;
0,2"``); when a cut is a plain number above 1, all cuts are read as percentages (``1; 5; 20``).

Pareto
------
Customers sorted by ``Omzet`` (negative revenue counts as 0); the curve is the cumulative
revenue share against the share of customers, interpolated linearly within a customer, so
:func:`pareto_share` is exact when ``top_share · n`` is a whole number. Without any positive
revenue they raise :class:`~klant_xl.errors.TeWeinigGegevens`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from klant_xl.engine import engine_for
from klant_xl.errors import KolomOntbreekt, TeWeinigGegevens, WaardeFout
from klant_xl.rfm import SEGMENT_ORDER, rfm_segments
from klant_xl.status import status_of_every_customer
from klant_xl.summary import reference_date_of, require_columns
from klant_xl.values import parse_fraction, parse_fractions
from klant_xl.vocabulary import ACTIVE_STATUSES, INACTIVE, LOST

__all__ = ["PYRAMID_LEVELS", "TIER_LEVELS", "customer_pyramid", "customer_segments", "customer_tiers", "pareto_curve",
           "pareto_share", "segment_overview"]

#: Values of the ``Piramide`` Series, best first.
PYRAMID_LEVELS = ("Top", "Groot", "Midden", "Klein", "Inactief", "Verloren")


#: Values of the ``Niveau`` Series, best first.
TIER_LEVELS = ("Goud", "Zilver", "Brons", "Inactief", "Verloren")


def _recent_revenue(transactions: pd.DataFrame, index: pd.Index, reference_date: pd.Timestamp) -> pd.Series:
    """Revenue per customer over ``(peildatum - 1 year, peildatum]``."""
    if isinstance(transactions, pd.DataFrame):
        require_columns(transactions, ("Klant", "Datum", "Bedrag"))
    return engine_for(transactions, reference_date).recent_revenue(index)


def _ranked_positions(transactions, summary, reference_date, active) -> np.ndarray:
    """Positions in ``summary`` of the active customers, best first.

    By 12-month revenue, then total revenue (both descending), then customer id.
    """
    recent = _recent_revenue(transactions, summary.index, reference_date)[active]
    total = (
        pd.to_numeric(summary["Omzet"], errors="coerce").fillna(0.0)[active]
        if "Omzet" in summary.columns
        else pd.Series(0.0, index=recent.index)
    )
    ids = pd.Index(recent.index.astype(str))
    # the engine's summary comes sorted by id: then the id's rank is its position
    id_rank = np.arange(len(ids)) if ids.is_monotonic_increasing else \
        np.argsort(np.argsort(np.asarray(ids, dtype=object), kind="stable"), kind="stable")
    # descending revenues as ascending negatives (a missing one, NaN, still sorts last)
    order = np.lexsort((id_rank, -total.to_numpy(dtype=float), -recent.to_numpy(dtype=float)))
    return np.flatnonzero(active)[order]


def _ranked_levels(transactions, summary, status, reference_date, cuts, labels, name, shared=None) -> pd.Series:
    """Shared engine of the pyramid and the tiers.

    ``shared``: a dict that keeps the ranking for a second call on the same
    customers (the pyramid and the tiers rank them alike).
    """
    cuts = parse_fractions(cuts, name, len(labels) - 1)
    states = status_of_every_customer(summary.index, status)
    reference_date = reference_date_of(summary, transactions, reference_date)
    result = pd.Series(INACTIVE, index=summary.index, name=name, dtype=object)
    result[(states == LOST).to_numpy()] = LOST
    active = states.isin(ACTIVE_STATUSES).to_numpy()
    n = int(active.sum())
    if n:
        positions = None if shared is None else shared.get("positions")
        if positions is None:
            positions = _ranked_positions(transactions, summary, reference_date, active)
            if shared is not None:
                shared["positions"] = positions
        # smallest count reaching each cumulative share (guard against 0.05 * 100 = 5.000...1)
        bounds = [min(n, math.ceil(c * n - 1e-9)) for c in cuts] + [n]
        position = np.arange(n)
        level = np.searchsorted(np.array(bounds), position, side="right")
        ranked = np.array(labels, dtype=object)[level]
        if result.index.is_unique:
            result.iloc[positions] = ranked
        else:
            result.loc[summary.index[positions]] = ranked
    return result


def customer_pyramid(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    status: pd.Series,
    reference_date=None,
    cuts=(0.01, 0.05, 0.20),
) -> pd.Series:
    """Klantenpiramide: Top / Groot / Midden / Klein by 12-month revenue, plus Inactief / Verloren.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (``Klant``, ``Datum``, ``Bedrag``).
    summary : DataFrame
        Per-customer summary (its index are the customers; ``Omzet`` breaks ties).
    status : Series
        Status per customer (``Nieuw``/``Actief`` are ranked, ``Inactief``/``Verloren`` kept).
    reference_date : date-like, optional
        Peildatum; default the summary's own (:func:`klant_xl.summary.summary_reference_date`), else the last transaction date.
    cuts : three shares
        Cumulative shares of the active customers for Top, Top+Groot, Top+Groot+Midden
        (default 1%, 5%, 20%; also text such as ``"1%; 5%; 20%"``). Rounding: see module docstring.

    Returns
    -------
    Series
        ``Piramide`` on the summary's index, values of :data:`PYRAMID_LEVELS`.
    """
    return _ranked_levels(transactions, summary, status, reference_date, cuts,
                          PYRAMID_LEVELS[:4], "Piramide")


def customer_tiers(transactions: pd.DataFrame, summary: pd.DataFrame, status: pd.Series, reference_date=None,
                   cuts=(0.20, 0.50)) -> pd.Series:
    """Goud / Zilver / Brons for active customers by 12-month revenue, plus Inactief / Verloren.

    Same ranking and rounding as :func:`customer_pyramid`; ``cuts`` are the cumulative shares
    of Goud and Goud+Zilver (default 20%, 50%).

    Returns
    -------
    Series
        ``Niveau`` on the summary's index, values of :data:`TIER_LEVELS`.
    """
    return _ranked_levels(transactions, summary, status, reference_date, cuts,
                          TIER_LEVELS[:3], "Niveau")


def customer_segments(transactions: pd.DataFrame, summary: pd.DataFrame, status: pd.Series, reference_date=None,
                      rules=None, pyramid_cuts=(0.01, 0.05, 0.20), tier_cuts=(0.20, 0.50)) -> pd.DataFrame:
    """The segment columns of the Klanten sheet in one frame.

    Returns
    -------
    DataFrame
        On the summary's index: ``R``, ``F``, ``M``, ``RFM-score``, ``Segment``, ``Piramide``,
        ``Niveau``.
    """
    frame = rfm_segments(summary, status, rules)
    shared: dict = {}  # the pyramid and the tiers rank the active customers alike: rank them once
    frame["Piramide"] = _ranked_levels(transactions, summary, status, reference_date, pyramid_cuts,
                                       PYRAMID_LEVELS[:4], "Piramide", shared)
    frame["Niveau"] = _ranked_levels(transactions, summary, status, reference_date, tier_cuts,
                                     TIER_LEVELS[:3], "Niveau", shared)
    return frame


def segment_overview(segments, summary: pd.DataFrame, levels: Sequence[str] | None = None) -> pd.DataFrame:
    """Number of customers and revenue per segment, pyramid level or tier.

    Parameters
    ----------
    segments : Series or DataFrame
        A Series (``Piramide``, ``Niveau``, ``Segment``) or a frame with one of those columns
        (the first found of ``Segment``, ``Piramide``, ``Niveau``).
    summary : DataFrame
        Per-customer summary with ``Omzet`` (aligned on the index).
    levels : sequence of str, optional
        Rows to show, in this order, also when empty. Default: :data:`PYRAMID_LEVELS`,
        :data:`TIER_LEVELS` or :data:`SEGMENT_ORDER` by the key; other values found come
        after them, largest first. Empty standard RFM segments are left out.

    Returns
    -------
    DataFrame
        ``<key>``, ``Klanten``, ``Aandeel``, ``Omzet``, ``Aandeel omzet`` — ``<key>`` is the
        Series' name (``Segment`` when it has none).

    Examples
    --------
    >>> summary = pd.DataFrame({"Omzet": [100.0, 50, 50]}, index=["a", "b", "c"])
    >>> tiers = pd.Series(["Goud", "Zilver", "Zilver"], index=["a", "b", "c"], name="Niveau")
    >>> segment_overview(tiers, summary).round(2).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['Goud', 1, 0.33, 100.0, 0.5], ['Zilver', 2, 0.67, 100.0, 0.5], ['Brons', 0, 0.0, 0.0, 0.0],
     ['Inactief', 0, 0.0, 0.0, 0.0], ['Verloren', 0, 0.0, 0.0, 0.0]]
    """
    if isinstance(segments, pd.DataFrame):
        key = next((c for c in ("Segment", "Piramide", "Niveau") if c in segments.columns), None)
        if key is None:
            raise KolomOntbreekt("Segment", segments.columns)
        values = segments[key]
    else:
        values = pd.Series(segments)
        key = values.name if isinstance(values.name, str) and values.name else "Segment"
    require_columns(summary, ("Omzet",))
    revenue = pd.to_numeric(summary["Omzet"], errors="coerce").fillna(0.0).reindex(values.index).fillna(0.0)
    keys = values.astype(object).to_numpy()
    present = pd.notna(keys)
    # one code per value in the order values first occur (as an unsorted groupby)
    codes, found = pd.factorize(keys[present])
    sums = pd.Series(revenue.to_numpy()[present]).groupby(codes).sum()  # pandas' compensated sums, as before
    grouped = pd.DataFrame({"Klanten": np.bincount(codes, minlength=len(found)),
                            "Omzet": sums.reindex(range(len(found))).to_numpy(dtype=float)},
                           index=pd.Index(found, dtype=object, name="key"))
    keep_empty = True
    if levels is None:
        levels = {"Piramide": PYRAMID_LEVELS, "Niveau": TIER_LEVELS}.get(key, SEGMENT_ORDER)
        keep_empty = key in ("Piramide", "Niveau")
    known = [lv for lv in levels if keep_empty or lv in grouped.index]
    others = grouped.drop(index=[lv for lv in known if lv in grouped.index]).sort_values("Klanten", ascending=False, kind="mergesort")
    order = known + list(others.index)
    grouped = grouped.reindex(order).fillna(0.0)
    customers = grouped["Klanten"].astype(np.int64)
    total_customers = customers.sum()
    total_revenue = grouped["Omzet"].sum()
    return pd.DataFrame(
        {
            key: list(order),
            "Klanten": customers.to_numpy(),
            "Aandeel": (customers / total_customers).to_numpy(dtype=float) if total_customers else np.nan,
            "Omzet": grouped["Omzet"].to_numpy(dtype=float),
            "Aandeel omzet": (grouped["Omzet"] / total_revenue).to_numpy(dtype=float) if total_revenue else np.nan,
        }
    )


def _sorted_revenue(summary: pd.DataFrame) -> np.ndarray:
    require_columns(summary, ("Omzet",))
    revenue = pd.to_numeric(summary["Omzet"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    revenue = np.sort(np.clip(revenue, 0.0, None))[::-1]
    if revenue.size == 0 or revenue.sum() <= 0:
        raise TeWeinigGegevens("Pareto: er is geen (positieve) omzet om te verdelen.")
    return revenue


def _curve_at(revenue: np.ndarray, shares: np.ndarray) -> np.ndarray:
    cumulative = np.concatenate([[0.0], np.cumsum(revenue)]) / revenue.sum()
    cumulative[-1] = 1.0  # exactly, whatever the rounding of the sum
    positions = np.arange(revenue.size + 1) / revenue.size
    return np.clip(np.interp(shares, positions, cumulative), 0.0, 1.0)


def pareto_share(summary: pd.DataFrame, top_share: float = 0.2) -> float:
    """Share of revenue that comes from the top ``top_share`` of customers (80/20 check).

    Parameters
    ----------
    summary : DataFrame
        Per-customer summary with ``Omzet``.
    top_share : float or str
        Share of customers, 0–1 (``0.2`` or ``"20%"``).

    Returns
    -------
    float
        Revenue share 0–1; linear within a customer when ``top_share · n`` is fractional.

    Examples
    --------
    >>> pareto_share(pd.DataFrame({"Omzet": [80.0, 5, 5, 5, 5]}), 0.2)
    0.8
    """
    share = parse_fraction(top_share, "Aandeel klanten")
    return float(_curve_at(_sorted_revenue(summary), np.array([share]))[0])


def pareto_curve(summary: pd.DataFrame, points=101) -> pd.DataFrame:
    """The Pareto (Lorenz-type) curve: cumulative revenue share against share of customers.

    Parameters
    ----------
    summary : DataFrame
        Per-customer summary with ``Omzet``.
    points : int or sequence of float
        Number of equally spaced customer shares from 0 to 1 (default 101: every 1%), or the
        shares themselves.

    Returns
    -------
    DataFrame
        ``Aandeel klanten``, ``Aandeel omzet``; non-decreasing, within [0, 1].
    """
    if isinstance(points, (int, np.integer)):
        if points < 2:
            raise WaardeFout("Punten", None, points, "minder dan 2")
        shares = np.linspace(0.0, 1.0, int(points))
    else:
        shares = np.array([parse_fraction(p, "Aandeel klanten") for p in points], dtype=float)
    return pd.DataFrame({"Aandeel klanten": shares, "Aandeel omzet": _curve_at(_sorted_revenue(summary), shares)})
