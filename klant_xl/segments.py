"""Segments: RFM scores and segments, customer pyramid, tiers, Pareto and portfolio (SPEC §3).

Every public function takes the canonical frames of ``docs/architecture.md`` (transactions,
the per-customer summary, the status Series) and returns a pandas object with fixed Dutch
column names that can be written to a sheet as is. Per-customer results are indexed like the
summary (``Klant``); aggregate tables have a plain ``RangeIndex`` and their key as the first
column. The cohort triangle and cohort churn live in :mod:`klant_xl.cohorts` and are
re-exported here.

Frames returned
---------------
``rfm_scores(summary)``
    Index ``Klant``; columns ``R``, ``F``, ``M`` (int 1–5) and ``RFM-score`` (int, ``100·R +
    10·F + M``, e.g. ``545``).
``rfm_segments(summary, status=None, rules=None)``
    The columns of ``rfm_scores`` plus ``Segment`` (str).
``RFM_RULES`` / ``rules_from_table(table)``
    Columns ``R``, ``F``, ``Segment``: 25 rows, R 5..1 and F 1..5.
``rules_grid(rules=None)``
    The same rules as the SPEC grid: ``R`` (5..1), ``F=1`` .. ``F=5``; readable back by
    ``rules_from_table``, so a sheet may show either layout for the user to edit.
``customer_pyramid(...)``
    Series ``Piramide`` with values of :data:`PYRAMID_LEVELS`.
``customer_tiers(...)``
    Series ``Niveau`` with values of :data:`TIER_LEVELS`.
``customer_segments(...)``
    Index ``Klant``; ``R``, ``F``, ``M``, ``RFM-score``, ``Segment``, ``Piramide``, ``Niveau``:
    the columns the Klanten sheet adds.
``segment_overview(segments, summary)``
    Columns ``<key>``, ``Klanten``, ``Aandeel``, ``Omzet``, ``Aandeel omzet`` where ``<key>`` is
    ``Segment``, ``Piramide`` or ``Niveau`` (the name of what was counted).
``pareto_curve(summary)``
    Columns ``Aandeel klanten``, ``Aandeel omzet`` (both 0–1, from 0 to 1).
``portfolio(transactions, summary, status)``
    Columns ``Eerste product``, ``Klanten``, ``Herhaalaankoopratio``, ``Aandeel verloren``,
    ``Gem. omzet``.
``cohort_triangle(...)``, ``cohort_churn(...)``
    See :mod:`klant_xl.cohorts`.
``segment_tables(...)``
    All of the above for the Segmenten and Klanten sheets, as a dict of frames.
``segments_summary_json(...)``
    Counts per segment, pyramid level and tier and the Pareto share, JSON-ready.

Scoring rules (RFM)
-------------------
Scores are quintiles as ``pd.qcut(values, 5, labels=[1, 2, 3, 4, 5])`` gives them, extended so
that they are defined for any data: a customer's score is 1 plus the number of quintile
boundaries (the 20%, 40%, 60% and 80% percentiles, linear interpolation as Excel's
``PERCENTIEL.INC``) that the value lies strictly above. Where ``qcut`` works this is exactly
``qcut``; with fewer than five distinct values, equal values share a score, a higher value never
gets a lower score, and some scores stay unused (all customers equal: ``M`` = 1, ``R`` = 5).

- ``R`` uses ``Dagen sinds aankoop`` reversed: fewest days = 5 (``R = 6 - score(days)``).
- ``F`` uses ``Aankopen`` ranked with ``rank(method="first")`` in summary order (by ``Klant``),
  so equal counts are split deterministically — with many one-time buyers they spread over
  F = 1..4 by customer number (SPEC §3).
- ``M`` uses ``Omzet``.
- Customers without a purchase occasion (only returns, ``Aankopen`` = 0) are left out of the
  quintiles and get ``R = F = M = 1``; a missing ``Omzet`` counts as 0.

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
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from klant_xl.cohorts import cohort_churn, cohort_triangle
from klant_xl.engine import TransactionEngine, engine_for
from klant_xl.errors import InvoerFout, KolomOntbreekt, TeWeinigGegevens, WaardeFout
from klant_xl.summary import require_columns, summary_reference_date
from klant_xl.values import is_blank, parse_date, parse_fraction, parse_fractions
from klant_xl.vocabulary import ACTIVE_STATUSES

__all__ = [
    "ACTIVE_STATUSES",
    "PYRAMID_LEVELS",
    "RFM_RULES",
    "SEGMENT_ORDER",
    "TIER_LEVELS",
    "UNKNOWN_PRODUCT",
    "cohort_churn",
    "cohort_triangle",
    "customer_pyramid",
    "customer_segments",
    "customer_tiers",
    "pareto_curve",
    "pareto_share",
    "portfolio",
    "rfm_scores",
    "rfm_segments",
    "rules_from_table",
    "rules_grid",
    "segment_overview",
    "segment_tables",
    "segments_summary_json",
]


#: Values of the ``Piramide`` Series, best first.
PYRAMID_LEVELS = ("Top", "Groot", "Midden", "Klein", "Inactief", "Verloren")

#: Values of the ``Niveau`` Series, best first.
TIER_LEVELS = ("Goud", "Zilver", "Brons", "Inactief", "Verloren")

#: Display order of the standard RFM segments (best first); unknown names come after.
SEGMENT_ORDER = (
    "Kampioenen",
    "Loyale klanten",
    "Potentieel loyaal",
    "Nieuwe klanten",
    "Veelbelovend",
    "Aandacht nodig",
    "Bijna slapend",
    "Niet kwijtraken",
    "Risico",
    "Slapend",
    "Verloren",
)

_SPEC_MAP = {
    5: ("Nieuwe klanten", "Potentieel loyaal", "Potentieel loyaal", "Kampioenen", "Kampioenen"),
    4: ("Veelbelovend", "Potentieel loyaal", "Potentieel loyaal", "Loyale klanten", "Loyale klanten"),
    3: ("Bijna slapend", "Bijna slapend", "Aandacht nodig", "Loyale klanten", "Loyale klanten"),
    2: ("Slapend", "Slapend", "Risico", "Risico", "Niet kwijtraken"),
    1: ("Slapend", "Slapend", "Risico", "Risico", "Niet kwijtraken"),
}

#: The R×F map of SPEC §3 as data: one row per cell (R 5..1, F 1..5). Override by passing an
#: edited copy as ``rules`` (any table :func:`rules_from_table` accepts).
RFM_RULES = pd.DataFrame(
    [(r, f, _SPEC_MAP[r][f - 1]) for r in (5, 4, 3, 2, 1) for f in (1, 2, 3, 4, 5)],
    columns=["R", "F", "Segment"],
)

_LOST = "Verloren"
_INACTIVE = "Inactief"


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------



def _reference_date(summary: pd.DataFrame, transactions: pd.DataFrame | None, reference_date):
    """The peildatum: explicit, else the summary's, else the last date in transactions."""
    stamp = parse_date(reference_date, "Peildatum")
    if stamp is not None:
        return stamp
    if summary is not None and len(summary):
        return summary_reference_date(summary)
    if isinstance(transactions, TransactionEngine):
        return transactions.reference_date
    if isinstance(transactions, pd.DataFrame) and "Datum" in transactions.columns and transactions["Datum"].notna().any():
        return pd.Timestamp(transactions["Datum"].max()).normalize()
    raise TeWeinigGegevens("Geen peildatum: geef een peildatum op of lever transacties met een datum.")


def _status_for(summary: pd.DataFrame, status: pd.Series | None) -> pd.Series:
    """Status aligned to the summary's index; missing customers are an error."""
    if status is None:
        return pd.Series(pd.NA, index=summary.index, name="Status", dtype=object)
    aligned = pd.Series(status).reindex(summary.index)
    missing = aligned.isna()
    if missing.any():
        klant = summary.index[missing.to_numpy()][0]
        raise InvoerFout(f"Status ontbreekt voor klant {klant!r}.")
    return aligned


def _quintile_score(values: np.ndarray) -> np.ndarray:
    """1 + the number of quintile boundaries strictly below each value (``qcut`` extended).

    >>> _quintile_score(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> _quintile_score(np.array([7.0, 7, 7])).tolist()
    [1, 1, 1]
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    # the quantile levels exactly as pandas.qcut(q=5) computes them
    levels = np.linspace(0, 1, 6)
    np.putmask(levels, 5 * levels != np.arange(6), np.nextafter(levels, 1))
    edges = pd.Series(values).quantile(levels).to_numpy()[1:5]
    return 1 + np.searchsorted(edges, values, side="left").astype(np.int64)


def rfm_scores(summary: pd.DataFrame) -> pd.DataFrame:
    """R, F and M scores 1–5 by quintile (SPEC §3).

    Parameters
    ----------
    summary : DataFrame
        Per-customer summary with ``Dagen sinds aankoop``, ``Aankopen`` and ``Omzet``.

    Returns
    -------
    DataFrame
        On the summary's index: ``R``, ``F``, ``M`` (int 1–5) and ``RFM-score``
        (int ``100·R + 10·F + M``). See the module docstring for ties, small data and
        customers without a purchase.

    Examples
    --------
    >>> summary = pd.DataFrame(
    ...     {"Dagen sinds aankoop": [1.0, 50, 200], "Aankopen": [4, 1, 2], "Omzet": [90.0, 10, 40]},
    ...     index=pd.Index(["a", "b", "c"], name="Klant"))
    >>> rfm_scores(summary)["RFM-score"].to_dict()
    {'a': 555, 'b': 311, 'c': 133}
    """
    require_columns(summary, ("Dagen sinds aankoop", "Aankopen", "Omzet"))
    n = len(summary)
    r = np.ones(n, dtype=np.int64)
    f = np.ones(n, dtype=np.int64)
    m = np.ones(n, dtype=np.int64)
    days = pd.to_numeric(summary["Dagen sinds aankoop"], errors="coerce").to_numpy(dtype=float)
    occasions = pd.to_numeric(summary["Aankopen"], errors="coerce").fillna(0).to_numpy(dtype=float)
    revenue = pd.to_numeric(summary["Omzet"], errors="coerce").fillna(0).to_numpy(dtype=float)
    buyers = (occasions > 0) & ~np.isnan(days)
    if buyers.any():
        r[buyers] = 6 - _quintile_score(days[buyers])
        ranks = pd.Series(occasions[buyers]).rank(method="first").to_numpy()
        f[buyers] = _quintile_score(ranks)
        m[buyers] = _quintile_score(revenue[buyers])
    return pd.DataFrame(
        {"R": r, "F": f, "M": m, "RFM-score": 100 * r + 10 * f + m},
        index=summary.index,
    )


_RANGE = re.compile(r"^\s*([1-5])\s*(?:-|–|—|t/m|tot en met)\s*([1-5])\s*$", re.IGNORECASE)


def _parse_score_set(value, column: str, row) -> set[int]:
    """1–5 as a number, text, range ('1-2', '1 t/m 3'), list ('1,2' / '1;2') or '*'."""
    bad = WaardeFout(column, row, value, "geen score 1-5 (of bereik zoals '1-2')")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value != value or float(value) != int(value) or not 1 <= int(value) <= 5:
            raise bad
        return {int(value)}
    text = str(value).strip()
    if text in ("*", "alle", "Alle", "ALLE"):
        return {1, 2, 3, 4, 5}
    match = _RANGE.match(text)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
        if low > high:
            raise bad
        return set(range(low, high + 1))
    parts = [p for p in re.split(r"[,;/\s]+", text) if p]
    if not parts:
        raise bad
    result = set()
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            raise bad from None
        if number != int(number) or not 1 <= number <= 5:
            raise bad
        result.add(int(number))
    return result


def rules_from_table(table) -> pd.DataFrame:
    """Validate a (user-edited) R×F rules table and expand it to the 25 cells.

    Parameters
    ----------
    table : DataFrame
        Columns ``R``, ``F`` and ``Segment`` (headers case-insensitive). ``R`` and ``F`` are a
        score 1–5, a range (``'1-2'``, ``'3 t/m 5'``), a list (``'1,2'``) or ``'*'`` (all).
        The grid of :func:`rules_grid` (``R`` and ``F=1`` .. ``F=5``) is accepted too.
        Empty rows are skipped. Row numbers in messages are the table's index when it is not
        the default 0-based index (give it the sheet's row numbers), else position + 2 (a sheet
        with the header on row 1).

    Returns
    -------
    DataFrame
        25 rows ``R``, ``F``, ``Segment`` in the order of :data:`RFM_RULES`.

    Raises
    ------
    KolomOntbreekt
        A column is missing.
    WaardeFout
        A score or segment name is not usable (names row and value).
    InvoerFout
        A cell (R, F) has no segment, or two rows give it different segments.

    Examples
    --------
    >>> rules = pd.DataFrame({"R": ["4-5", "1-3"], "F": ["*", "1-5"], "Segment": ["Goed", "Minder"]})
    >>> rules_from_table(rules).groupby("Segment").size().to_dict()
    {'Goed': 10, 'Minder': 15}
    """
    if not isinstance(table, pd.DataFrame):
        try:
            table = pd.DataFrame(table)
        except (TypeError, ValueError):
            raise InvoerFout("Segmentregels: geef een tabel met de kolommen R, F en Segment.") from None
    headers = {str(c).strip().lower(): c for c in table.columns}
    if "segment" not in headers and "r" in headers and _grid_columns(table):
        table = _grid_to_long(table, headers["r"])
        headers = {str(c).strip().lower(): c for c in table.columns}
    columns = {}
    for name in ("R", "F", "Segment"):
        if name.lower() not in headers:
            raise KolomOntbreekt(name, table.columns)
        columns[name] = headers[name.lower()]
    default_index = isinstance(table.index, pd.RangeIndex) and table.index.start == 0 and table.index.step == 1
    cells: dict[tuple[int, int], tuple[str, object]] = {}
    for position, (label, values) in enumerate(table.iterrows()):
        row = position + 2 if default_index else label
        r_value, f_value, segment = (values[columns[c]] for c in ("R", "F", "Segment"))
        if all(is_blank(v) for v in (r_value, f_value, segment)):
            continue
        if is_blank(segment):
            raise WaardeFout("Segment", row, "", "leeg")
        segment = str(segment).strip()
        for r in _parse_score_set(r_value, "R", row):
            for f in _parse_score_set(f_value, "F", row):
                earlier = cells.get((r, f))
                if earlier is not None and earlier[0] != segment:
                    raise InvoerFout(
                        f"Segmentregels: R={r}, F={f} staat in rij {earlier[1]} ({earlier[0]!r}) "
                        f"en in rij {row} ({segment!r}); kies één segment per cel."
                    )
                cells[(r, f)] = (segment, row)
    missing = [(r, f) for r in (5, 4, 3, 2, 1) for f in (1, 2, 3, 4, 5) if (r, f) not in cells]
    if missing:
        shown = ", ".join(f"R={r} F={f}" for r, f in missing[:5])
        more = f" (en nog {len(missing) - 5})" if len(missing) > 5 else ""
        raise InvoerFout(f"Segmentregels: geen segment voor {shown}{more}.")
    return pd.DataFrame(
        [(r, f, cells[(r, f)][0]) for r in (5, 4, 3, 2, 1) for f in (1, 2, 3, 4, 5)],
        columns=["R", "F", "Segment"],
    )


_GRID_HEADER = re.compile(r"^\s*(?:f\s*=?\s*)?([1-5])(?:\.0)?\s*$", re.IGNORECASE)


def _grid_columns(table: pd.DataFrame) -> dict:
    """Grid headers ``F=1`` .. ``F=5`` (or ``F1``, ``1``) -> F score; empty if not a grid."""
    found = {}
    for column in table.columns:
        match = _GRID_HEADER.match(str(column))
        if match:
            found[column] = int(match.group(1))
    return found if sorted(found.values()) == [1, 2, 3, 4, 5] else {}


def _grid_to_long(table: pd.DataFrame, r_column) -> pd.DataFrame:
    """A 5×5 grid (rows R, columns F=1..5) as the long R, F, Segment table, keeping row labels."""
    default_index = isinstance(table.index, pd.RangeIndex) and table.index.start == 0 and table.index.step == 1
    rows, labels = [], []
    for position, (label, values) in enumerate(table.iterrows()):
        row = position + 2 if default_index else label
        for column, f in _grid_columns(table).items():
            rows.append((values[r_column], f, values[column]))
            labels.append(row)
    return pd.DataFrame(rows, columns=["R", "F", "Segment"], index=pd.Index(labels))


def rules_grid(rules=None) -> pd.DataFrame:
    """The rules as the SPEC §3 grid: one row per R (5..1), columns ``R``, ``F=1`` .. ``F=5``.

    :func:`rules_from_table` reads this layout back, so a sheet may show (and the user edit)
    the grid instead of the 25-row list.

    >>> rules_grid().iloc[0, 1:].tolist()
    ['Nieuwe klanten', 'Potentieel loyaal', 'Potentieel loyaal', 'Kampioenen', 'Kampioenen']
    """
    table = rules_from_table(RFM_RULES if rules is None else rules)
    grid = table.pivot(index="R", columns="F", values="Segment").sort_index(ascending=False)
    grid.columns = [f"F={f}" for f in grid.columns]
    return grid.reset_index().rename_axis(columns=None)


def rfm_segments(summary: pd.DataFrame, status: pd.Series | None = None, rules=None) -> pd.DataFrame:
    """RFM scores plus the named segment of the R×F map (SPEC §3).

    Parameters
    ----------
    summary : DataFrame
        Per-customer summary (see :func:`rfm_scores`).
    status : Series, optional
        Status per customer; customers whose status is ``Verloren`` get segment ``Verloren``
        whatever their cell.
    rules : DataFrame, optional
        R×F rules (anything :func:`rules_from_table` accepts); default :data:`RFM_RULES`.

    Returns
    -------
    DataFrame
        ``R``, ``F``, ``M``, ``RFM-score``, ``Segment`` on the summary's index.

    Examples
    --------
    >>> summary = pd.DataFrame(
    ...     {"Dagen sinds aankoop": [1.0, 50, 200], "Aankopen": [4, 1, 2], "Omzet": [90.0, 10, 40]},
    ...     index=pd.Index(["a", "b", "c"], name="Klant"))
    >>> rfm_segments(summary, pd.Series({"a": "Actief", "b": "Actief", "c": "Verloren"}))["Segment"].tolist()
    ['Kampioenen', 'Bijna slapend', 'Verloren']
    """
    table = rules_from_table(RFM_RULES if rules is None else rules)
    scores = rfm_scores(summary)
    # scores are 1-5, so the 25 cells are a 6 x 6 grid looked up for all customers at once
    grid = np.empty((6, 6), dtype=object)
    for r, f, name in table.itertuples(index=False):
        grid[int(r), int(f)] = name
    segment = grid[scores["R"].to_numpy(), scores["F"].to_numpy()]
    scores["Segment"] = pd.Series(segment, index=scores.index, dtype=object)
    if status is not None:
        lost = (_status_for(summary, status) == _LOST).to_numpy()
        scores.loc[lost, "Segment"] = _LOST
    return scores


# ---------------------------------------------------------------------------------------
# pyramid and tiers
# ---------------------------------------------------------------------------------------


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
    order = pd.DataFrame(
        {"recent": recent.to_numpy(), "total": total.to_numpy(), "klant": recent.index.astype(str)},
    ).sort_values(["recent", "total", "klant"], ascending=[False, False, True], kind="mergesort")
    return np.flatnonzero(active)[order.index.to_numpy()]


def _ranked_levels(transactions, summary, status, reference_date, cuts, labels, name, shared=None) -> pd.Series:
    """Shared engine of the pyramid and the tiers.

    ``shared``: a dict that keeps the ranking for a second call on the same
    customers (the pyramid and the tiers rank them alike).
    """
    cuts = parse_fractions(cuts, name, len(labels) - 1)
    states = _status_for(summary, status)
    reference_date = _reference_date(summary, transactions, reference_date)
    result = pd.Series(_INACTIVE, index=summary.index, name=name, dtype=object)
    result[(states == _LOST).to_numpy()] = _LOST
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


# ---------------------------------------------------------------------------------------
# overview, Pareto
# ---------------------------------------------------------------------------------------


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
    frame = pd.DataFrame({"key": values.astype(object).to_numpy(), "Omzet": revenue.to_numpy()})
    frame = frame[frame["key"].notna()]
    grouped = frame.groupby("key", sort=False).agg(Klanten=("Omzet", "size"), Omzet=("Omzet", "sum"))
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


# ---------------------------------------------------------------------------------------
# portfolio
# ---------------------------------------------------------------------------------------

#: Label for customers whose first product is unknown.
UNKNOWN_PRODUCT = "(onbekend)"


def _first_product(transactions: pd.DataFrame, index: pd.Index, column: str) -> pd.Series:
    """Value of ``column`` on the first purchase line (amount ≥ 0 or missing) per customer."""
    require_columns(transactions, ("Klant", "Datum", column))
    lines = transactions
    if "Bedrag" in lines.columns:
        amounts = pd.to_numeric(lines["Bedrag"], errors="coerce")
        lines = lines.loc[amounts.isna() | (amounts >= 0)]
    lines = lines.assign(_klant=lines["Klant"].astype(str), _pos=np.arange(len(lines)))
    lines = lines.sort_values(["_klant", "Datum", "_pos"], kind="mergesort")
    first = lines.drop_duplicates("_klant").set_index("_klant")[column]
    return pd.Series(first.reindex(pd.Index(index).astype(str)).to_numpy(), index=index)


def _clean_keys(keys: pd.Series) -> list:
    """``str(key).strip()`` per key, ``(onbekend)`` for an empty one.

    Text keys are cleaned once per distinct value (a customer base has few
    first products); anything else key by key, as equal keys of different
    types (``1`` and ``1.0``) print differently.
    """
    values = keys.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    if len(uniques) and (codes >= 0).all() and all(type(u) is str for u in uniques):
        cleaned = np.array([u.strip() or UNKNOWN_PRODUCT for u in uniques], dtype=object)
        return cleaned[codes].tolist()
    return [str(k).strip() or UNKNOWN_PRODUCT for k in values]


def portfolio(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    status: pd.Series,
    by: str = "Eerste product",
) -> pd.DataFrame:
    """Which first products bring customers back and which lose them (SPEC §3, seed 000).

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions; used when ``summary`` has no column ``by`` (then the value of
        that transaction column on each customer's first purchase line is used, e.g.
        ``by="Kanaal"``).
    summary : DataFrame
        Per-customer summary with ``Aankopen``, ``Omzet`` and normally ``Eerste product``.
    status : Series
        Status per customer.
    by : str
        Summary column (default ``Eerste product``) or transaction column to group by.

    Returns
    -------
    DataFrame
        ``<by>``, ``Klanten``, ``Herhaalaankoopratio`` (share with ≥ 2 purchase occasions),
        ``Aandeel verloren`` (share with status ``Verloren``), ``Gem. omzet`` (mean ``Omzet``);
        most customers first; customers without a known value are grouped as ``(onbekend)``.
        Customers without any purchase (only returns) are left out.
    """
    require_columns(summary, ("Aankopen", "Omzet"))
    states = _status_for(summary, status)
    if by in summary.columns:
        keys = summary[by]
    elif transactions is not None and by in transactions.columns:
        keys = _first_product(transactions, summary.index, by)
    else:
        raise KolomOntbreekt(by, summary.columns)
    occasions = pd.to_numeric(summary["Aankopen"], errors="coerce").fillna(0)
    buyers = (occasions > 0).to_numpy()
    frame = pd.DataFrame(
        {
            "key": keys.astype(object).where(keys.notna(), UNKNOWN_PRODUCT).to_numpy(),
            "repeat": (occasions >= 2).to_numpy(dtype=float),
            "lost": (states == _LOST).to_numpy(dtype=float),
            "revenue": pd.to_numeric(summary["Omzet"], errors="coerce").fillna(0.0).to_numpy(),
        }
    )[buyers]
    frame["key"] = _clean_keys(frame["key"])
    grouped = frame.groupby("key", sort=True).agg(
        Klanten=("repeat", "size"),
        Herhaalaankoopratio=("repeat", "mean"),
        lost=("lost", "mean"),
        revenue=("revenue", "mean"),
    )
    grouped = grouped.sort_values("Klanten", ascending=False, kind="mergesort")
    return pd.DataFrame(
        {
            by: list(grouped.index),
            "Klanten": grouped["Klanten"].to_numpy(dtype=np.int64),
            "Herhaalaankoopratio": grouped["Herhaalaankoopratio"].to_numpy(dtype=float),
            "Aandeel verloren": grouped["lost"].to_numpy(dtype=float),
            "Gem. omzet": grouped["revenue"].to_numpy(dtype=float),
        }
    )


# ---------------------------------------------------------------------------------------
# everything the Segmenten sheet shows
# ---------------------------------------------------------------------------------------


def segment_tables(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    status: pd.Series,
    inactive_days,
    reference_date=None,
    contacts: pd.DataFrame | None = None,
    rules=None,
    pyramid_cuts=(0.01, 0.05, 0.20),
    tier_cuts=(0.20, 0.50),
    period: str = "Y",
) -> dict[str, pd.DataFrame]:
    """All tables of the Segmenten sheet in one call (the refresh writes them as they are).

    Returns
    -------
    dict of DataFrame
        ``"customers"`` (:func:`customer_segments`, for the Klanten sheet), ``"segments"``,
        ``"pyramid"``, ``"tiers"`` (:func:`segment_overview` of each), ``"pareto"``
        (:func:`pareto_curve`; empty with the same columns when there is no revenue),
        ``"cohorts"`` (:func:`cohort_triangle`), ``"cohort_churn"`` (:func:`cohort_churn`),
        ``"portfolio"`` (:func:`portfolio`) and ``"rules"`` (:func:`rules_grid` of the rules
        used).
    """
    reference_date = _reference_date(summary, transactions, reference_date)
    customers = customer_segments(transactions, summary, status, reference_date, rules, pyramid_cuts, tier_cuts)
    try:
        curve = pareto_curve(summary)
    except TeWeinigGegevens:
        curve = pd.DataFrame({"Aandeel klanten": pd.Series(dtype=float), "Aandeel omzet": pd.Series(dtype=float)})
    return {
        "customers": customers,
        "segments": segment_overview(customers["Segment"], summary),
        "pyramid": segment_overview(customers["Piramide"], summary),
        "tiers": segment_overview(customers["Niveau"], summary),
        "pareto": curve,
        "cohorts": cohort_triangle(transactions, reference_date, inactive_days, period, contacts),
        "cohort_churn": cohort_churn(transactions, reference_date, inactive_days, period, contacts),
        "portfolio": portfolio(transactions, summary, status),
        "rules": rules_grid(rules),
    }


# ---------------------------------------------------------------------------------------
# JSON summary for the command line
# ---------------------------------------------------------------------------------------


def _counts(overview: pd.DataFrame) -> dict[str, int]:
    key = overview.columns[0]
    return {str(k): int(v) for k, v in zip(overview[key], overview["Klanten"])}


def segments_summary_json(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    status: pd.Series,
    reference_date=None,
    rules=None,
    pyramid_cuts=(0.01, 0.05, 0.20),
    tier_cuts=(0.20, 0.50),
    top_share: float = 0.2,
    tables: dict | None = None,
) -> dict:
    """Segment counts and the Pareto share as a JSON-ready dict (for ``klant-xl analyse --json``).

    Returns
    -------
    dict
        ``{"peildatum": "YYYY-MM-DD", "rfm_segmenten": {segment: count},
        "piramide": {level: count}, "niveaus": {tier: count},
        "pareto": {"aandeel_klanten": 0.2, "aandeel_omzet": float or None}}``;
        ``aandeel_omzet`` is ``None`` without positive revenue. Pass the
        ``tables`` of :func:`segment_tables` to reuse them instead of
        segmenting again.
    """
    reference_date = _reference_date(summary, transactions, reference_date)
    if tables is None:
        frame = customer_segments(transactions, summary, status, reference_date, rules, pyramid_cuts, tier_cuts)
        tables = {
            "segments": segment_overview(frame["Segment"], summary),
            "pyramid": segment_overview(frame["Piramide"], summary),
            "tiers": segment_overview(frame["Niveau"], summary),
        }
    try:
        share = pareto_share(summary, top_share)
    except TeWeinigGegevens:
        share = None
    return {
        "peildatum": reference_date.date().isoformat(),
        "rfm_segmenten": _counts(tables["segments"]),
        "piramide": _counts(tables["pyramid"]),
        "niveaus": _counts(tables["tiers"]),
        "pareto": {"aandeel_klanten": float(parse_fraction(top_share, "Aandeel klanten")), "aandeel_omzet": share},
    }
