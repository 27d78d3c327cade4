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

import pandas as pd

from klant_xl.engine import TransactionEngine, engine_for
from klant_xl.errors import InvoerFout, KolomOntbreekt, TeWeinigGegevens
from klant_xl.values import customer_ids, parse_date, parse_reference_date
from klant_xl.vocabulary import SUMMARY_COLUMNS

__all__ = [
    "SUMMARY_COLUMNS",
    "by_customer",
    "customer_summary",
    "reference_date_of",
    "purchase_occasions",
    "resolve_reference_date",
    "summary_reference_date",
]


def require_columns(frame: pd.DataFrame, columns, what: str = "transacties") -> None:
    """Raise :class:`~klant_xl.errors.KolomOntbreekt` for the first of ``columns`` the frame lacks
    (:class:`~klant_xl.errors.InvoerFout` when it is no frame at all)."""
    if not isinstance(frame, pd.DataFrame):
        raise InvoerFout(f"Verwacht een tabel met {what}, kreeg {type(frame).__name__}.")
    for column in columns:
        if column not in frame.columns:
            raise KolomOntbreekt(column, frame.columns)


def by_customer(frame: pd.DataFrame) -> pd.DataFrame:
    """A per-customer frame indexed by its ``Klant`` (column or index) as :func:`klant_xl.values.customer_id` keys."""
    if "Klant" in frame.columns:
        frame = frame.set_index("Klant")
    frame = frame.copy()
    frame.index = pd.Index(customer_ids(frame.index.to_series()), name="Klant", dtype=object)
    return frame


def summary_reference_date(summary: pd.DataFrame, reference_date=None) -> pd.Timestamp:
    """The peildatum of a customer summary: ``reference_date`` when given, else read from the summary's own columns.

    A summary holds, per customer, the last activity and the days since it
    (``Laatste activiteit`` + ``Dagen sinds activiteit``, else ``Laatste aankoop`` +
    ``Dagen sinds aankoop``), so its peildatum travels with it as data, not as metadata.

    Raises
    ------
    InvoerFout
        When no peildatum is given and the summary has no customer to read it from.

    Examples
    --------
    >>> s = pd.DataFrame({"Laatste activiteit": pd.to_datetime(["2026-01-10"]), "Dagen sinds activiteit": [10]})
    >>> summary_reference_date(s), summary_reference_date(s, "01-02-2026")
    (Timestamp('2026-01-20 00:00:00'), Timestamp('2026-02-01 00:00:00'))
    """
    if reference_date is not None:
        return parse_reference_date(reference_date)
    for last, days in (("Laatste activiteit", "Dagen sinds activiteit"), ("Laatste aankoop", "Dagen sinds aankoop")):
        if isinstance(summary, pd.DataFrame) and last in summary.columns and days in summary.columns:
            stamps = pd.to_datetime(summary[last]) + pd.to_timedelta(pd.to_numeric(summary[days]), unit="D")
            stamps = stamps.dropna()
            if len(stamps):
                return pd.Timestamp(stamps.iloc[0]).normalize()
    raise InvoerFout("Geef een peildatum op: de klantentabel heeft geen klant met een laatste activiteit.")


def reference_date_of(summary: pd.DataFrame | None, transactions=None, reference_date=None) -> pd.Timestamp:
    """The peildatum of a step on a summary: ``reference_date`` when given, else the summary's own
    (:func:`summary_reference_date`), else the last date of ``transactions`` (a frame or an engine)."""
    stamp = parse_date(reference_date, "Peildatum")
    if stamp is not None:
        return stamp
    if summary is not None and len(summary):
        try:
            return summary_reference_date(summary)
        except InvoerFout:
            pass
    if isinstance(transactions, TransactionEngine):
        return transactions.reference_date
    if isinstance(transactions, pd.DataFrame) and "Datum" in transactions.columns and transactions["Datum"].notna().any():
        return pd.Timestamp(transactions["Datum"].max()).normalize()
    raise TeWeinigGegevens("Geen peildatum: geef een peildatum op of lever transacties met een datum.")


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
        return parse_reference_date(reference_date)
    if not isinstance(transactions, pd.DataFrame):

        return engine_for(transactions, None, contacts).reference_date
    require_columns(transactions, ["Datum"])
    last = transactions["Datum"].max()
    if contacts is not None and len(contacts):
        last = max(last, contacts["Datum"].max()) if pd.notna(last) else contacts["Datum"].max()
    if pd.isna(last):
        raise InvoerFout("Er zijn geen transacties met een datum; kan geen peildatum bepalen.")
    return parse_reference_date(last)


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

    if isinstance(transactions, pd.DataFrame):
        require_columns(transactions, ["Klant", "Datum"])
    return engine_for(transactions, reference_date).occasions()


def customer_summary(transactions: pd.DataFrame, reference_date=None, contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summarise the transactions to one row per customer as of a reference date.

    Parameters
    ----------
    transactions : pandas.DataFrame, ibis.Table or TransactionEngine
        Canonical transactions (columns ``Klant``, ``Datum``, optional
        ``Bedrag``, ``Product``); computed by :mod:`klant_xl.engine`.
    reference_date : date-like, optional
        Peildatum; rows after it are ignored. Default: the last date in the
        transactions and contacts. The date used can be read back from the
        result with :func:`summary_reference_date` (it is data: last activity
        + days since it).
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

    if isinstance(transactions, pd.DataFrame):
        require_columns(transactions, ["Klant", "Datum"])
    elif transactions is None or isinstance(transactions, (str, bytes, list, dict)):
        raise InvoerFout(f"Verwacht een tabel met transacties, kreeg {type(transactions).__name__}.")
    return engine_for(transactions, reference_date, contacts).summary()
