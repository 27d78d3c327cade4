"""Per-customer summary: the one step every analysis starts from.

:func:`customer_summary` takes the canonical transactions frame (see
``docs/architecture.md``) and returns one row per customer as of a reference
date (*peildatum*). It is kept to that narrow contract — transactions in, one
row per customer out, the reference date an argument — so another engine
(DuckDB, Spark, a warehouse) can stand behind it; everything downstream works
on its output.

Definitions (SPEC §3): a *purchase occasion* (aankoopmoment) is a distinct
(customer, day) with at least one line whose amount is ≥ 0 (or with no amount
column). A day with only negative lines is a return: it lowers revenue and
counts as activity, not as a purchase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, KolomOntbreekt

__all__ = [
    "SUMMARY_COLUMNS",
    "customer_summary",
    "purchase_occasions",
    "resolve_reference_date",
]

#: Fixed output columns of :func:`customer_summary` (the index is ``Klant``).
SUMMARY_COLUMNS = [
    "Eerste aankoop",
    "Laatste aankoop",
    "Aankopen",
    "Omzet",
    "Gem. bestelwaarde",
    "Dagen sinds aankoop",
    "Gem. dagen tussen aankopen",
    "Mediaan dagen tussen aankopen",
    "Laatste activiteit",
    "Dagen sinds activiteit",
    "Eerste product",
    "Laatste product",
]

_DAY = np.timedelta64(1, "D")


def _require(frame: pd.DataFrame, columns, what: str = "transacties") -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InvoerFout(f"Verwacht een tabel met {what}, kreeg {type(frame).__name__}.")
    for column in columns:
        if column not in frame.columns:
            raise KolomOntbreekt(column, frame.columns)


def _as_day(value) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"Peildatum is geen datum: {value!r}") from exc
    if pd.isna(day):
        raise InvoerFout(f"Peildatum is geen datum: {value!r}")
    return day.normalize()


def resolve_reference_date(transactions: pd.DataFrame, reference_date=None, contacts=None) -> pd.Timestamp:
    """Return the reference date (peildatum) an analysis uses.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions frame.
    reference_date : date-like, optional
        The peildatum the user gave; ``None`` means the last date in the data.
    contacts : pandas.DataFrame, optional
        Contact moments; their dates count as data too.

    Returns
    -------
    pandas.Timestamp
        Midnight of the reference day.

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a", "b"],
    ...                       "Datum": pd.to_datetime(["2026-01-05", "2026-03-01"])})
    >>> resolve_reference_date(frame)
    Timestamp('2026-03-01 00:00:00')
    >>> resolve_reference_date(frame, "2026-12-31")
    Timestamp('2026-12-31 00:00:00')
    """
    if reference_date is not None and not (isinstance(reference_date, str) and not reference_date.strip()):
        return _as_day(reference_date)
    _require(transactions, ["Datum"])
    last = transactions["Datum"].max()
    if contacts is not None and len(contacts):
        last = max(last, contacts["Datum"].max()) if pd.notna(last) else contacts["Datum"].max()
    if pd.isna(last):
        raise InvoerFout("Er zijn geen transacties met een datum; kan geen peildatum bepalen.")
    return _as_day(last)


def _days(values: pd.Series) -> np.ndarray:
    """Datetime column -> int64 day numbers since 1970-01-01."""
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _is_purchase(amounts: pd.Series) -> np.ndarray:
    """Lines that make a purchase occasion: amount >= 0, or no amount at all."""
    values = amounts.to_numpy(dtype=float, na_value=np.nan)
    return ~(values < 0)


def _occasion_keys(codes: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique (customer code, day) pairs as two arrays."""
    if len(codes) == 0:
        return codes.astype(np.int64), days.astype(np.int64)
    low = days.min()
    span = int(days.max() - low) + 1
    keys = np.sort(codes.astype(np.int64) * span + (days - low))
    distinct = np.empty(len(keys), dtype=bool)
    distinct[0] = True
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    keys = keys[distinct]
    return keys // span, keys % span + low


def purchase_occasions(transactions: pd.DataFrame, reference_date=None) -> pd.DataFrame:
    """Return the purchase occasions: one row per distinct (customer, day) with a purchase.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions frame.
    reference_date : date-like, optional
        Rows after this day are ignored; default the last date in the data.

    Returns
    -------
    pandas.DataFrame
        Columns ``Klant`` and ``Datum``, sorted by customer then day.

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a", "a", "a", "b"],
    ...     "Datum": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-02-01", "2026-02-01"]),
    ...     "Bedrag": [10.0, 5.0, -3.0, 20.0]})
    >>> purchase_occasions(frame)
      Klant      Datum
    0     a 2026-01-05
    1     b 2026-02-01
    """
    _require(transactions, ["Klant", "Datum"])
    reference = resolve_reference_date(transactions, reference_date)
    lines = transactions[transactions["Datum"] <= reference]
    if "Bedrag" in lines.columns:
        lines = lines[_is_purchase(lines["Bedrag"])]
    codes, customers = pd.factorize(lines["Klant"].astype(str), sort=True)
    customer_codes, days = _occasion_keys(codes, _days(lines["Datum"]))
    return pd.DataFrame(
        {
            "Klant": customers.to_numpy(dtype=object)[customer_codes] if len(customer_codes) else [],
            "Datum": days.astype("datetime64[D]").astype("datetime64[ns]"),
        }
    )


def _group_medians(group_codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of ``values`` per group code (NaN for empty groups), fully vectorised."""
    medians = np.full(n_groups, np.nan)
    if len(values) == 0:
        return medians
    order = np.lexsort((values, group_codes))
    codes_sorted = group_codes[order]
    values_sorted = values[order].astype(float)
    counts = np.bincount(codes_sorted, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    present = counts > 0
    low = starts[present] + (counts[present] - 1) // 2
    high = starts[present] + counts[present] // 2
    medians[present] = (values_sorted[low] + values_sorted[high]) / 2
    return medians


def _product_at(codes, days, products, target_days, n_groups, last: bool) -> np.ndarray:
    """Product of the first (or last) line on each customer's first (or last) purchase day."""
    result = np.full(n_groups, None, dtype=object)
    on_day = days == target_days[codes]
    idx = np.flatnonzero(on_day)
    if last:
        idx = idx[::-1]
    chosen_codes, first_positions = np.unique(codes[idx], return_index=True)
    result[chosen_codes] = products[idx[first_positions]]
    return result


def customer_summary(transactions: pd.DataFrame, reference_date=None, contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summarise the transactions to one row per customer as of a reference date.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions frame (columns ``Klant``, ``Datum``, optional
        ``Bedrag``, ``Product``).
    reference_date : date-like, optional
        Peildatum; rows after it are ignored. Default: the last date in the
        transactions and contacts. The date used is stored in
        ``result.attrs["peildatum"]``.
    contacts : pandas.DataFrame, optional
        Contact moments (``Klant``, ``Datum``); they count as activity for
        customers that have transactions (SPEC §3, seed 003).

    Returns
    -------
    pandas.DataFrame
        Index ``Klant`` (sorted), columns :data:`SUMMARY_COLUMNS`. Mean gap is
        ``(last - first) / (occasions - 1)``; both gap columns are NaN for
        one-time buyers. Customers with only returns have 0 occasions and NaT
        purchase dates.

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a", "a", "a", "b"],
    ...     "Datum": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-31", "2026-01-21"]),
    ...     "Bedrag": [10.0, 20.0, 30.0, 5.0]})
    >>> summary = customer_summary(frame, "2026-02-10")
    >>> summary[["Aankopen", "Omzet", "Dagen sinds aankoop", "Gem. dagen tussen aankopen"]]
           Aankopen  Omzet  Dagen sinds aankoop  Gem. dagen tussen aankopen
    Klant                                                                  
    a             3   60.0                 10.0                        15.0
    b             1    5.0                 20.0                         NaN
    """
    _require(transactions, ["Klant", "Datum"])
    reference = resolve_reference_date(transactions, reference_date, contacts)
    lines = transactions[transactions["Datum"] <= reference]
    reference_day = int(np.datetime64(reference.date(), "D").astype(np.int64))

    codes, customers = pd.factorize(lines["Klant"].astype(str), sort=True)
    n = len(customers)
    days = _days(lines["Datum"])
    has_amounts = "Bedrag" in lines.columns and lines["Bedrag"].notna().any()
    amounts = lines["Bedrag"].to_numpy(dtype=float, na_value=np.nan) if "Bedrag" in lines.columns else np.full(len(lines), np.nan)
    purchase = ~(amounts < 0)

    occasion_codes, occasion_days = _occasion_keys(codes[purchase], days[purchase])
    occasions = np.bincount(occasion_codes, minlength=n)
    bought = occasions > 0
    ends = np.cumsum(occasions)
    first_day = np.full(n, np.iinfo(np.int64).min)
    last_day = np.full(n, np.iinfo(np.int64).min)
    first_day[bought] = occasion_days[(ends - occasions)[bought]]
    last_day[bought] = occasion_days[ends[bought] - 1]

    same_customer = occasion_codes[1:] == occasion_codes[:-1]
    gaps = np.diff(occasion_days)[same_customer]
    gap_codes = occasion_codes[1:][same_customer]
    repeat = occasions >= 2
    mean_gap = np.full(n, np.nan)
    mean_gap[repeat] = (last_day[repeat] - first_day[repeat]) / (occasions[repeat] - 1)
    median_gap = _group_medians(gap_codes, gaps, n)

    revenue = np.bincount(codes, weights=np.nan_to_num(amounts), minlength=n) if has_amounts else np.full(n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_order = np.where(bought, revenue / np.maximum(occasions, 1), np.nan)

    last_activity = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_activity, codes, days)
    if contacts is not None and len(contacts):
        _require(contacts, ["Klant", "Datum"], "contactmomenten")
        contact = contacts[contacts["Datum"] <= reference]
        contact_codes = customers.get_indexer(contact["Klant"].astype(str))
        known = contact_codes >= 0
        np.maximum.at(last_activity, contact_codes[known], _days(contact["Datum"])[known])

    def as_dates(day_numbers, valid):
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        out[valid] = day_numbers[valid].astype("datetime64[D]")
        return out

    first_product = last_product = np.full(n, None, dtype=object)
    if "Product" in lines.columns and lines["Product"].notna().any():
        products = lines["Product"].to_numpy(dtype=object)[purchase]
        first_product = _product_at(codes[purchase], days[purchase], products, first_day, n, last=False)
        last_product = _product_at(codes[purchase], days[purchase], products, last_day, n, last=True)

    days_since_purchase = np.where(bought, reference_day - last_day, np.nan).astype(float)
    summary = pd.DataFrame(
        {
            "Eerste aankoop": as_dates(first_day, bought),
            "Laatste aankoop": as_dates(last_day, bought),
            "Aankopen": occasions.astype(np.int64),
            "Omzet": revenue,
            "Gem. bestelwaarde": mean_order,
            "Dagen sinds aankoop": days_since_purchase,
            "Gem. dagen tussen aankopen": mean_gap,
            "Mediaan dagen tussen aankopen": median_gap,
            "Laatste activiteit": as_dates(last_activity, np.ones(n, dtype=bool)),
            "Dagen sinds activiteit": (reference_day - last_activity).astype(float),
            "Eerste product": pd.array(first_product, dtype=object),
            "Laatste product": pd.array(last_product, dtype=object),
        },
        index=pd.Index(customers.to_numpy(dtype=object), name="Klant"),
    )
    summary.attrs["peildatum"] = reference
    return summary
