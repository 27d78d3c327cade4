"""Cohort retention: the classic triangle and annual churn per cohort (SPEC §3).

A customer's **cohort** is the year (``"2024"``) or quarter (``"2024-K1"``) of the first purchase
occasion (a day with a line ≥ 0 or without amount). **Active at a date** ``e`` means, as in
:mod:`klant_xl.status`, that the last activity on or before ``e`` — a purchase, a return or a
contact moment — is at most ``inactive_days`` days before ``e``. Transactions and contacts
after the peildatum are ignored; customers without any purchase have no cohort.

Frames returned
---------------
``cohort_triangle(...)``
    One row per cohort, oldest first: ``Cohort`` (str), ``Klanten`` (int, cohort size), then one
    column per period since the first purchase, labelled with the integers ``0, 1, …, k``: the
    share (0–1) of the cohort active at the end of that period (period 0 = the period of the
    first purchase itself). The current, unfinished period is measured at the peildatum;
    periods after it are NaN (the empty upper-right of the triangle).
``cohort_churn(...)``
    One row per cohort: ``Cohort``, ``Klanten``, ``Jaren`` (whole years observed after the
    end of the cohort's period), ``Verloop per jaar``, ``Behoud per jaar`` and
    ``Actief op peildatum``. Year ``j`` runs from ``E + (j-1)`` years to ``E + j`` years, ``E``
    the last day of the cohort's period; its churn (SPEC §3) is the share of the cohort's
    customers active at the start who are not active at the end. ``Verloop per jaar`` pools
    the years: customers lost over all years / customers active at the starts of all years
    (NaN without a whole year, or when nobody was active at a start).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from klant_xl.engine import as_dates, day_number, engine_for
from klant_xl.errors import KolomOntbreekt, WaardeFout
from klant_xl.values import parse_date, parse_days

__all__ = ["cohort_churn", "cohort_triangle"]

_PERIODS = {
    "y": "Y", "j": "Y", "jaar": "Y", "year": "Y", "jaren": "Y",
    "q": "Q", "k": "Q", "kwartaal": "Q", "quarter": "Q", "kwartalen": "Q",
}


def _period_code(period) -> str:
    code = _PERIODS.get(str(period).strip().lower())
    if code is None:
        raise WaardeFout("Periode", None, period, "geen 'jaar' of 'kwartaal'")
    return code


def _inactive_days(value) -> float:
    days = parse_days(value, "Drempel inactief")
    if days is None:  # "automatisch" must be resolved (derived) by the caller
        raise WaardeFout("Drempel inactief", None, value, "geen aantal dagen")
    return days


def _timestamp(value) -> pd.Timestamp:
    stamp = parse_date(value, "Peildatum")
    if stamp is None:
        raise WaardeFout("Peildatum", None, value, "geen datum")
    return stamp


def _period_number(dates: pd.Series, code: str) -> np.ndarray:
    years = dates.dt.year.to_numpy(dtype=np.int64)
    if code == "Y":
        return years
    return years * 4 + (dates.dt.month.to_numpy(dtype=np.int64) - 1) // 3


def _period_end(number: int, code: str) -> pd.Timestamp:
    if code == "Y":
        return pd.Timestamp(int(number), 12, 31)
    year, quarter = divmod(int(number), 4)
    return pd.Timestamp(year, 3 * quarter + 3, 1) + pd.offsets.MonthEnd(0)


def _period_label(number: int, code: str) -> str:
    if code == "Y":
        return str(int(number))
    year, quarter = divmod(int(number), 4)
    return f"{year}-K{quarter + 1}"


def triangle_ends(cohorts, reference_date: pd.Timestamp, code: str) -> list[pd.Timestamp]:
    """Evaluation days of the triangle: each period's end from the first cohort on, the current one at the peildatum."""
    if not len(cohorts):
        return []
    last = int(_period_number(pd.Series([reference_date]), code)[0])
    return [min(_period_end(p, code), reference_date) for p in range(int(cohorts[0]), last + 1)]


def churn_ends(cohorts, reference_date: pd.Timestamp, code: str) -> dict[int, list[pd.Timestamp]]:
    """Per cohort the evaluation days of :func:`cohort_churn`: ``E + j`` years for every whole year, then the peildatum."""
    plan = {}
    for number in cohorts:
        start = _period_end(int(number), code)
        years = 0
        while start + pd.DateOffset(years=years + 1) <= reference_date:
            years += 1
        plan[int(number)] = [start + pd.DateOffset(years=j) for j in range(years + 1)] + [reference_date]
    return plan


def cohort_boundaries(transactions, reference_date, period: str = "Y") -> list[pd.Timestamp]:
    """Every day :func:`cohort_triangle` and :func:`cohort_churn` evaluate (to fetch them in one query)."""
    code = _period_code(period)
    _, reference_date, cohorts = _prepare(transactions, reference_date, None, code)
    return [*triangle_ends(cohorts, reference_date, code),
            *(end for ends in churn_ends(cohorts, reference_date, code).values() for end in ends)]


def _prepare(transactions, reference_date, contacts, code):
    """The engine behind the transactions, the peildatum and the first-purchase cohorts present.

    Returns ``(engine, reference_date, numbers)``: ``numbers`` are the sorted cohort numbers
    (year, or year * 4 + quarter index) of the customers with a purchase on or before the
    peildatum.
    """
    if isinstance(transactions, pd.DataFrame):
        for column in ("Klant", "Datum"):
            if column not in transactions.columns:
                raise KolomOntbreekt(column, transactions.columns)
    if contacts is not None and isinstance(contacts, pd.DataFrame) and len(contacts):
        for column in ("Klant", "Datum"):
            if column not in contacts.columns:
                raise KolomOntbreekt(column, contacts.columns)
    reference_date = _timestamp(reference_date)
    engine = engine_for(transactions, reference_date, contacts)
    first = engine.summary()["Eerste aankoop"].dropna()
    numbers = np.unique(_period_number(first, code)) if len(first) else np.array([], dtype=np.int64)
    return engine, reference_date, numbers


def _cohort_counts(profile, code):
    """The activity profile's rows and the cohort number of each row."""
    counts = profile.counts
    first = pd.Series(as_dates(counts["eerste"].to_numpy(dtype=float)))
    return counts, _period_number(first, code)


def cohort_triangle(
    transactions: pd.DataFrame,
    reference_date,
    inactive_days,
    period: str = "Y",
    contacts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of each first-purchase cohort still active after 0, 1, 2, … periods.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (``Klant``, ``Datum``, ``Bedrag``).
    reference_date : date-like
        Peildatum; later rows are ignored and the current period is measured on it.
    inactive_days : float
        The inactief-drempel in days (a resolved number, not ``"auto"``).
    period : {"Y", "Q"}
        Cohorts and steps by year or quarter (also ``"jaar"`` / ``"kwartaal"``).
    contacts : DataFrame, optional
        Contact moments (``Klant``, ``Datum``); they count as activity.

    Returns
    -------
    DataFrame
        ``Cohort``, ``Klanten``, ``0``, ``1``, …, ``k`` (see the module docstring).

    Examples
    --------
    >>> tx = pd.DataFrame({"Klant": ["a", "a", "b"], "Bedrag": [10.0, 10, 10],
    ...     "Datum": pd.to_datetime(["2023-11-01", "2024-06-01", "2024-03-01"])})
    >>> cohort_triangle(tx, "2024-12-31", 365)
      Cohort  Klanten    0    1
    0   2023        1  1.0  1.0
    1   2024        1  1.0  NaN
    """
    code = _period_code(period)
    days = _inactive_days(inactive_days)
    engine, reference_date, cohorts = _prepare(transactions, reference_date, contacts, code)
    if not len(cohorts):
        return pd.DataFrame({"Cohort": pd.Series(dtype=object), "Klanten": pd.Series(dtype=np.int64)})
    ends = triangle_ends(cohorts, reference_date, code)
    profile = engine.activity(ends, days)
    counts, numbers = _cohort_counts(profile, code)
    first = int(cohorts[0])
    width = len(ends)
    rows = []
    for number in cohorts:
        mine = numbers == number
        n = counts["n"].to_numpy(dtype=np.int64)[mine]
        size = int(n.sum())
        shares = np.full(width, np.nan)
        for k, end in enumerate(ends[int(number) - first:]):
            shares[k] = int(n[counts[profile.column(day_number(end))].to_numpy(dtype=bool)[mine]].sum()) / size
        rows.append([_period_label(number, code), size, *shares])
    frame = pd.DataFrame(rows, columns=["Cohort", "Klanten", *range(width)])
    frame["Klanten"] = frame["Klanten"].astype(np.int64)
    return frame


def cohort_churn(transactions: pd.DataFrame, reference_date, inactive_days, period: str = "Y",
                 contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Annual churn and retention per first-purchase cohort.

    Parameters are those of :func:`cohort_triangle`; ``period`` only chooses the cohorts
    (year or quarter), the steps are always whole years.

    Returns
    -------
    DataFrame
        ``Cohort``, ``Klanten``, ``Jaren``, ``Verloop per jaar``, ``Behoud per jaar``,
        ``Actief op peildatum`` (see the module docstring).

    Examples
    --------
    >>> tx = pd.DataFrame({"Klant": ["a", "b", "a", "c"], "Bedrag": [10.0, 10, 10, 10],
    ...     "Datum": pd.to_datetime(["2022-12-01", "2022-12-01", "2023-12-01", "2024-06-01"])})
    >>> cohort_churn(tx, "2024-06-30", 90).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['2022', 2, 1, 0.5, 0.5, 0.0], ['2024', 1, 0, nan, nan, 1.0]]
    """
    code = _period_code(period)
    days = _inactive_days(inactive_days)
    engine, reference_date, cohorts = _prepare(transactions, reference_date, contacts, code)
    plan = churn_ends(cohorts, reference_date, code)
    profile = engine.activity([end for ends in plan.values() for end in ends], days)
    counts, numbers = _cohort_counts(profile, code)
    rows = []
    for number, ends in plan.items():
        years = len(ends) - 2
        mine = numbers == number
        n = counts["n"].to_numpy(dtype=np.int64)[mine]
        active = [counts[profile.column(day_number(end))].to_numpy(dtype=bool)[mine] for end in ends]
        size = int(n.sum())
        at_start = sum(int(n[active[j]].sum()) for j in range(years))
        lost = sum(int(n[active[j] & ~active[j + 1]].sum()) for j in range(years))
        churn = lost / at_start if years and at_start else np.nan
        rows.append([_period_label(number, code), size, years, churn, 1 - churn,
                     int(n[active[-1]].sum()) / size])
    frame = pd.DataFrame(
        rows,
        columns=["Cohort", "Klanten", "Jaren", "Verloop per jaar", "Behoud per jaar", "Actief op peildatum"],
    )
    return frame.astype({"Klanten": np.int64, "Jaren": np.int64, "Verloop per jaar": float, "Behoud per jaar": float})
