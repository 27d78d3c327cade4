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


def _prepare(transactions, reference_date, contacts, code):
    """The cohorts, each with its customers' activity days.

    Returns the peildatum and a list of ``(cohort number, customers, codes, days)`` sorted by
    cohort, where ``codes`` (0 .. customers - 1) and ``days`` (datetime64) are the cohort's
    activity rows: every transaction line (purchase or return) and every contact moment up
    to the peildatum.
    """
    for column in ("Klant", "Datum"):
        if column not in transactions.columns:
            raise KolomOntbreekt(column, transactions.columns)
    reference_date = _timestamp(reference_date)
    lines = transactions.loc[transactions["Datum"].notna() & (transactions["Datum"] <= reference_date)]
    klant = lines["Klant"].astype(str)
    if "Bedrag" in lines.columns:
        amounts = pd.to_numeric(lines["Bedrag"], errors="coerce")
        purchase = (amounts.isna() | (amounts >= 0)).to_numpy()
    else:
        purchase = np.ones(len(lines), dtype=bool)
    first = lines.loc[purchase, "Datum"].groupby(klant[purchase]).min()
    numbers = _period_number(first, code)
    order = np.argsort(numbers, kind="stable")  # customers grouped by cohort, by id within
    customers = pd.Index(first.index[order])
    numbers = numbers[order]
    act_klant = [klant.to_numpy()]
    act_days = [lines["Datum"].to_numpy(dtype="datetime64[ns]")]
    if contacts is not None and len(contacts):
        for column in ("Klant", "Datum"):
            if column not in contacts.columns:
                raise KolomOntbreekt(column, contacts.columns)
        seen = contacts.loc[contacts["Datum"].notna() & (contacts["Datum"] <= reference_date)]
        act_klant.append(seen["Klant"].astype(str).to_numpy())
        act_days.append(pd.to_datetime(seen["Datum"]).to_numpy(dtype="datetime64[ns]"))
    codes = customers.get_indexer(np.concatenate(act_klant))
    days = np.concatenate(act_days).astype("datetime64[D]").astype("datetime64[ns]")
    keep = codes >= 0  # activity of customers without a purchase has no cohort
    codes, days = codes[keep], days[keep]
    by_code = np.argsort(codes, kind="stable")
    codes, days = codes[by_code], days[by_code]
    groups = []
    cohorts, starts = np.unique(numbers, return_index=True)
    bounds = [*starts.tolist(), len(customers)]
    for number, low, high in zip(cohorts, bounds[:-1], bounds[1:]):
        a, b = np.searchsorted(codes, [low, high], side="left")
        groups.append((int(number), high - low, codes[a:b] - low, days[a:b]))
    return reference_date, groups


def _active_matrix(codes: np.ndarray, dates: np.ndarray, n: int, ends: np.ndarray, days: float) -> np.ndarray:
    """Boolean ``n × len(ends)``: customer ``i`` active at ``ends[j]`` (``ends`` sorted).

    An activity on day ``a`` makes its customer active at every evaluation date in
    ``[a, a + days]``; those dates form a contiguous run of the sorted ``ends``, so one +1/-1
    pair per activity and a cumulative sum give the coverage.
    """
    ends = np.asarray(ends, dtype="datetime64[ns]")
    dates = np.asarray(dates, dtype="datetime64[ns]")
    reach = dates + np.timedelta64(int(round(days * 86400)), "s").astype("timedelta64[ns]")
    width = len(ends) + 1
    low = codes * width + np.searchsorted(ends, dates, side="left")
    high = codes * width + np.searchsorted(ends, reach, side="right")
    diff = np.bincount(low, minlength=n * width) - np.bincount(high, minlength=n * width)
    return np.cumsum(diff.reshape(n, width), axis=1)[:, : len(ends)] > 0


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
    reference_date, groups = _prepare(transactions, reference_date, contacts, code)
    if not groups:
        return pd.DataFrame({"Cohort": pd.Series(dtype=object), "Klanten": pd.Series(dtype=np.int64)})
    first, last = groups[0][0], int(_period_number(pd.Series([reference_date]), code)[0])
    numbers = np.arange(first, last + 1)
    ends = np.array([min(_period_end(p, code), reference_date) for p in numbers], dtype="datetime64[ns]")
    width = len(numbers)
    rows = []
    for number, size, codes, dates in groups:
        offset = number - first
        matrix = _active_matrix(codes, dates, size, ends[offset:], days)
        shares = np.full(width, np.nan)
        shares[: width - offset] = matrix.mean(axis=0)
        rows.append([_period_label(number, code), size, *shares])
    frame = pd.DataFrame(rows, columns=["Cohort", "Klanten", *range(width)])
    frame["Klanten"] = frame["Klanten"].astype(np.int64)
    return frame


def cohort_churn(
    transactions: pd.DataFrame,
    reference_date,
    inactive_days,
    period: str = "Y",
    contacts: pd.DataFrame | None = None,
) -> pd.DataFrame:
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
    reference_date, groups = _prepare(transactions, reference_date, contacts, code)
    rows = []
    for number, size, codes, dates in groups:
        start = _period_end(number, code)
        years = 0
        while start + pd.DateOffset(years=years + 1) <= reference_date:
            years += 1
        ends = np.array(
            [start + pd.DateOffset(years=j) for j in range(years + 1)] + [reference_date], dtype="datetime64[ns]"
        )
        order = np.argsort(ends, kind="stable")
        matrix = _active_matrix(codes, dates, size, ends[order], days)[:, np.argsort(order, kind="stable")]
        at_start = matrix[:, :years].sum()
        lost = (matrix[:, :years] & ~matrix[:, 1 : years + 1]).sum()
        churn = lost / at_start if years and at_start else np.nan
        rows.append([_period_label(number, code), size, years, churn, 1 - churn, matrix[:, -1].mean()])
    frame = pd.DataFrame(
        rows,
        columns=["Cohort", "Klanten", "Jaren", "Verloop per jaar", "Behoud per jaar", "Actief op peildatum"],
    )
    return frame.astype({"Klanten": np.int64, "Jaren": np.int64, "Verloop per jaar": float, "Behoud per jaar": float})
