"""RFM: recency, frequency and monetary scores, and the editable R×F segment rules (SPEC §3).

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
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, KolomOntbreekt, WaardeFout
from klant_xl.status import status_of_every_customer
from klant_xl.summary import require_columns
from klant_xl.values import is_blank, parse_score_set
from klant_xl.vocabulary import LOST

__all__ = ["MIN_SCORED_CUSTOMERS", "RFM_RULES", "SEGMENT_ORDER", "few_customers_message", "rfm_scores",
           "rfm_segments", "rules_from_table", "rules_grid"]

#: Below this many customers with a purchase a quintile holds fewer than ten of them: the scores and
#: segments are still given, with :func:`few_customers_message` saying how little they mean.
MIN_SCORED_CUSTOMERS = 50

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


def few_customers_message(summary: pd.DataFrame, minimum: int = MIN_SCORED_CUSTOMERS) -> str | None:
    """A Dutch message when too few customers have a purchase for the quintiles to mean much, else None.

    Parameters
    ----------
    summary : DataFrame
        Per-customer summary with ``Aankopen``.
    minimum : int
        Customers with a purchase from which no message is given (default
        :data:`MIN_SCORED_CUSTOMERS`).

    Examples
    --------
    >>> few_customers_message(pd.DataFrame({"Aankopen": [1, 2, 0]}))[:40]
    'Maar 2 klanten met een aankoop: de RFM-s'
    >>> few_customers_message(pd.DataFrame({"Aankopen": [1] * 50})) is None
    True
    """
    require_columns(summary, ("Aankopen",))
    buyers = int((pd.to_numeric(summary["Aankopen"], errors="coerce").fillna(0) > 0).sum())
    if buyers == 0 or buyers >= minimum:
        return None
    who = "klant" if buyers == 1 else "klanten"
    return (f"Maar {buyers} {who} met een aankoop: de RFM-scores delen ze in vijf groepen van elk een vijfde, dus de "
            f"RFM-segmenten en de piramide zeggen pas iets vanaf {minimum} klanten.")


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
        for r in parse_score_set(r_value, "R", row):
            for f in parse_score_set(f_value, "F", row):
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
        lost = (status_of_every_customer(summary.index, status) == LOST).to_numpy()
        scores.loc[lost, "Segment"] = LOST
    return scores
