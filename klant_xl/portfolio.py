"""Portfolio: customers by the product (or channel) of their first purchase, and how they fared (SPEC §3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from klant_xl.errors import KolomOntbreekt
from klant_xl.status import status_of_every_customer
from klant_xl.summary import require_columns
from klant_xl.vocabulary import LOST

__all__ = ["UNKNOWN_PRODUCT", "portfolio"]

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


def _clean_keys(keys) -> np.ndarray:
    """``str(key).strip()`` per key, ``(onbekend)`` for an empty one (an object array).

    Text keys are cleaned once per distinct value (a customer base has few
    first products); anything else key by key, as equal keys of different
    types (``1`` and ``1.0``) print differently.
    """
    values = np.asarray(keys, dtype=object)
    codes, uniques = pd.factorize(values)
    if len(uniques) and (codes >= 0).all() and all(type(u) is str for u in uniques):
        cleaned = np.array([u.strip() or UNKNOWN_PRODUCT for u in uniques], dtype=object)
        return cleaned[codes]
    return np.array([str(k).strip() or UNKNOWN_PRODUCT for k in values], dtype=object)


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
    states = status_of_every_customer(summary.index, status)
    if by in summary.columns:
        keys = summary[by]
    elif transactions is not None and by in transactions.columns:
        keys = _first_product(transactions, summary.index, by)
    else:
        raise KolomOntbreekt(by, summary.columns)
    occasions = pd.to_numeric(summary["Aankopen"], errors="coerce").fillna(0)
    buyers = (occasions > 0).to_numpy()
    values = keys.to_numpy(dtype=object)[buyers]  # a copy
    values[pd.isna(values)] = UNKNOWN_PRODUCT
    # one code per cleaned key, in sorted key order (as a sorted groupby)
    codes, labels = pd.factorize(_clean_keys(values), sort=True)
    customers = np.bincount(codes, minlength=len(labels))
    # counts of 0/1 flags: exact sums, so the same shares as pandas' grouped means (every label has a customer)
    repeat = np.bincount(codes, weights=(occasions >= 2).to_numpy(dtype=float)[buyers], minlength=len(labels))
    lost = np.bincount(codes, weights=(states == LOST).to_numpy(dtype=float)[buyers], minlength=len(labels))
    revenue = pd.to_numeric(summary["Omzet"], errors="coerce").fillna(0.0).to_numpy()[buyers]
    # the mean revenue by pandas' grouped mean (compensated sums), as before
    mean_revenue = pd.Series(revenue).groupby(codes).mean().reindex(range(len(labels))).to_numpy(dtype=float)
    order = np.argsort(-customers, kind="stable")  # most customers first, ties in key order
    return pd.DataFrame(
        {
            by: [labels[i] for i in order],
            "Klanten": customers[order].astype(np.int64),
            "Herhaalaankoopratio": (repeat / customers)[order].astype(float),
            "Aandeel verloren": (lost / customers)[order].astype(float),
            "Gem. omzet": mean_revenue[order],
        }
    )
