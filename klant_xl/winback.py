"""Win-back (SPEC §3 *Win-back*): whom to call, and whether it worked.

Seed 002 is a method: list the inactive customers, contact the most recent
first, note why they left, measure how many come back, recompute churn each
quarter. Seed 003 adds: leave sleepers out of regular campaigns, and do not
keep data of lost customers longer than the retention period.

This module is the functional core of all of that:

- :func:`winback_list` -- the inactive customers, most recent first, with the
  empty tracking columns (:data:`TRACKING_COLUMNS`) the user fills in;
- :func:`winback_outcomes`, :func:`reactivation_rates`,
  :func:`measured_winback_rate` -- whether it worked, measured from the data: a
  contacted customer who buys *strictly after* the contact date is
  *teruggewonnen*;
- :func:`quarterly_churn` -- churn recomputed per calendar quarter;
  :func:`winback_report` bundles outcomes, rates and quarterly churn for the sheet;

The mailing lists of seed 003 are in :mod:`klant_xl.mailing`, the retention period in
:mod:`klant_xl.retention`.

Nothing here reads the clock: the peildatum is always an argument.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from klant_xl.engine import as_dates, engine_for
from klant_xl.errors import InvoerFout, WaardeFout
from klant_xl.mailing import add_contact_details
from klant_xl.records import Record, key
from klant_xl.status import aligned_status, churn_over_period
from klant_xl.summary import by_customer, require_columns, resolve_reference_date
from klant_xl.values import customer_id, customer_ids, number_or_nan, parse_dates
from klant_xl.vocabulary import (
    CONTACT_CHANNELS,
    CONTACT_DETAIL_COLUMNS,
    INACTIVE,
    REASONS,
    TRACKING_COLUMNS,
)

__all__ = [
    "CONTACT_CHANNELS",
    "CONTACT_DETAIL_COLUMNS",
    "OUTCOME_COLUMNS",
    "QUARTER_COLUMNS",
    "RATE_COLUMNS",
    "REASONS",
    "TRACKING_COLUMNS",
    "WINBACK_COLUMNS",
    "measured_winback_rate",
    "quarterly_churn",
    "reactivation_rates",
    "winback_list",
    "winback_outcomes",
    "WinbackReport",
    "winback_report",
]

# --------------------------------------------------------------------------- data


#: Fixed leading columns of :func:`winback_list` (then Segment, contact columns, tracking columns).
WINBACK_COLUMNS = (
    "Klant", "Laatste activiteit", "Dagen sinds activiteit", "Omzet", "Aankopen", "Laatste product",
)
OUTCOME_COLUMNS = (
    "Klant", "Benaderd op", "Kanaal", "Reden", "Teruggewonnen", "Datum terugkeer", "Omzet sinds contact",
)
RATE_COLUMNS = ("Benaderd", "Teruggewonnen", "Percentage")
#: ``Niet meer actief``, not ``Verloren``: the status Verloren is another thing (no activity past the lost threshold).
QUARTER_COLUMNS = ("Kwartaal", "Actief begin", "Niet meer actief", "Verloop", "Behoud")

NO_REASON = "(geen reden)"
NO_CHANNEL = "(geen kanaal)"
RATE_GROUPS = {"maand": "Maand", "reden": "Reden", "kanaal": "Kanaal"}


# --------------------------------------------------------------------------- helpers

def _parse_date_column(series: pd.Series, column: str) -> pd.Series:
    """Dates typed by a user (datetime, Excel serial, ISO or Dutch text); NaT for blank."""
    return parse_dates(series.reset_index(drop=True), column, first_row=2).set_axis(series.index)


def _limit(limit) -> int | None:
    if limit is None or (isinstance(limit, str) and not limit.strip()):
        return None
    number = number_or_nan(limit)
    if not (number >= 0 and float(number).is_integer()):
        raise WaardeFout("Aantal", None, limit, "geen geheel getal van 0 of meer")
    return int(number)


# --------------------------------------------------------------------------- win-back list


def winback_list(summary: pd.DataFrame, status, limit=None, segments=None, contact_details=None) -> pd.DataFrame:
    """The inactive customers to contact, most recent first (seed 002).

    Parameters
    ----------
    summary : pd.DataFrame
        Per-customer summary (``summary.customer_summary``), index ``Klant``.
        Contact columns in it (:data:`CONTACT_DETAIL_COLUMNS`) are copied.
    status : pd.Series or pd.DataFrame
        ``Status`` per customer (``status.customer_status``); only ``Inactief`` is listed.
    limit : int, optional
        At most this many rows (seed 002: "your 5 most recent inactive customers").
    segments : pd.Series or pd.DataFrame, optional
        Segment per customer (a Series, or a frame with a ``Segment`` column), index
        or column ``Klant``; adds a ``Segment`` column.
    contact_details : pd.DataFrame, optional
        Contact data per customer (index or column ``Klant``); all its columns are copied.

    Returns
    -------
    pd.DataFrame
        Columns ``Klant``, ``Laatste activiteit``, ``Dagen sinds activiteit``, ``Omzet``,
        ``Aankopen``, ``Laatste product``, [``Segment``], [contact columns], then the empty
        :data:`TRACKING_COLUMNS`. Sorted by last activity, most recent first; ties by
        revenue (highest first), then ``Klant``.

    Examples
    --------
    >>> summary = pd.DataFrame({
    ...     "Laatste activiteit": pd.to_datetime(["2026-01-10", "2026-03-01", "2026-02-01"]),
    ...     "Dagen sinds activiteit": [300.0, 250.0, 278.0], "Omzet": [50.0, 80.0, 20.0],
    ...     "Aankopen": [2, 3, 1], "Laatste product": ["wijn", "kaas", "brood"]},
    ...     index=pd.Index(["a", "b", "c"], name="Klant"))
    >>> status = pd.Series(["Inactief", "Inactief", "Actief"], index=summary.index, name="Status")
    >>> winback_list(summary, status)["Klant"].tolist()
    ['b', 'a']
    """
    summary = by_customer(summary)
    require_columns(summary, ("Laatste activiteit", "Dagen sinds activiteit", "Omzet", "Aankopen"))
    status = aligned_status(status, summary.index)
    chosen = summary.loc[(status == INACTIVE).to_numpy()]
    frame = pd.DataFrame(dict(zip(WINBACK_COLUMNS, (
        chosen.index.astype(object),
        pd.to_datetime(chosen["Laatste activiteit"]).to_numpy(),
        chosen["Dagen sinds activiteit"].astype("float64").to_numpy(),
        chosen["Omzet"].astype("float64").to_numpy(),
        chosen["Aankopen"].to_numpy(),
        (chosen["Laatste product"] if "Laatste product" in chosen
         else pd.Series(pd.NA, index=chosen.index, dtype=object)).to_numpy(),
    ))))
    if segments is not None:
        if isinstance(segments, pd.DataFrame):
            segments = by_customer(segments)
            require_columns(segments, ("Segment",))
            segments = segments["Segment"]
        else:
            segments = pd.Series(segments).copy()
            segments.index = pd.Index(customer_ids(segments.index.to_series()), dtype=object)
        frame["Segment"] = segments.reindex(frame["Klant"]).to_numpy()
    add_contact_details(frame, chosen, contact_details)
    frame = frame.sort_values(
        ["Laatste activiteit", "Omzet", "Klant"], ascending=[False, False, True],
        na_position="last", kind="mergesort",
    )
    count = _limit(limit)
    if count is not None:
        frame = frame.head(count)
    for column in TRACKING_COLUMNS:
        frame[column] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- outcomes

def _choice(value):
    key = customer_id(value)
    if key is None:
        return None
    return key.lower()


def winback_outcomes(tracking: pd.DataFrame, transactions: pd.DataFrame) -> pd.DataFrame:
    """Whether each contacted customer came back, measured from the transactions.

    A customer contacted on day *d* is *teruggewonnen* when they have a purchase
    (a line with amount ≥ 0, or any line without amounts) strictly after *d*.
    A purchase on the contact day itself does not count: it may have been the reason
    for the contact or made before it.

    Parameters
    ----------
    tracking : pd.DataFrame
        The Winback sheet's rows: ``Klant`` and ``Benaderd op`` (required), optionally
        ``Kanaal`` and ``Reden``. Rows without a contact date are not contacted and
        are left out. Row ``i`` is reported as sheet row ``i + 2``.
    transactions : pd.DataFrame
        Canonical transactions (``Klant``, ``Datum``, ``Bedrag``).

    Returns
    -------
    pd.DataFrame
        One row per contact (per customer and contact date): ``Klant``,
        ``Benaderd op``, ``Kanaal``, ``Reden`` (lower case; None when blank),
        ``Teruggewonnen`` (bool), ``Datum terugkeer`` (first purchase after the
        contact, NaT if none), ``Omzet sinds contact`` (sum of all amounts after the
        contact, returns included; 0.0 if none, NaN without amounts).

    Examples
    --------
    >>> tracking = pd.DataFrame({"Klant": ["a", "b", "c"],
    ...                          "Benaderd op": ["01-03-2026", "2026-03-01", None]})
    >>> transactions = pd.DataFrame({"Klant": ["a", "a", "b"],
    ...     "Datum": pd.to_datetime(["2026-02-01", "2026-03-15", "2026-03-01"]),
    ...     "Bedrag": [10.0, 25.0, 40.0]})
    >>> winback_outcomes(tracking, transactions)[["Klant", "Teruggewonnen", "Omzet sinds contact"]]
      Klant  Teruggewonnen  Omzet sinds contact
    0     a           True                 25.0
    1     b          False                  0.0
    """
    require_columns(tracking, ("Klant", "Benaderd op"))
    if isinstance(transactions, pd.DataFrame):
        require_columns(transactions, ("Klant", "Datum"))
    contact_dates = _parse_date_column(tracking["Benaderd op"].reset_index(drop=True), "Benaderd op")
    contacts = pd.DataFrame({
        "Klant": pd.Series(customer_ids(tracking["Klant"]), dtype=object),  # positional, like the dates
        "Benaderd op": contact_dates,
        "Kanaal": pd.Series([_choice(v) for v in tracking["Kanaal"]] if "Kanaal" in tracking
                            else [None] * len(tracking), dtype=object),
        "Reden": pd.Series([_choice(v) for v in tracking["Reden"]] if "Reden" in tracking
                           else [None] * len(tracking), dtype=object),
    })
    contacts = contacts[contacts["Klant"].notna() & contacts["Benaderd op"].notna()]
    contacts = contacts.drop_duplicates(["Klant", "Benaderd op"], keep="last").reset_index(drop=True)
    contacts["_contact"] = np.arange(len(contacts))

    if isinstance(transactions, pd.DataFrame) and not pd.api.types.is_string_dtype(transactions["Klant"]):
        transactions = transactions.assign(Klant=customer_ids(transactions["Klant"]))  # canonical: text
    engine = engine_for(transactions)
    measured = engine.winback_lines(contacts).reindex(contacts["_contact"])
    has_amounts = engine.has_amounts

    out = contacts.drop(columns="_contact").copy()
    out["Datum terugkeer"] = as_dates(measured["terugkeer"].to_numpy(dtype=float))
    out["Teruggewonnen"] = out["Datum terugkeer"].notna()
    revenue = measured["omzet"].to_numpy(dtype="float64")
    out["Omzet sinds contact"] = np.where(np.isnan(revenue), 0.0 if has_amounts else np.nan, revenue)
    return out[list(OUTCOME_COLUMNS)]


def _group_order(values: pd.Series, known, blank: str) -> list:
    present = set(values)
    order = [v for v in known if v in present]
    order += sorted(v for v in present if v not in known and v != blank)
    if blank in present:
        order.append(blank)
    return order


def reactivation_rates(outcomes: pd.DataFrame, by: str = "maand") -> pd.DataFrame:
    """Share of contacted customers won back, per contact month, reason or channel.

    Parameters
    ----------
    outcomes : pd.DataFrame
        Output of :func:`winback_outcomes`.
    by : {"maand", "reden", "kanaal"}
        Group by the month of ``Benaderd op`` (``"2026-03"``), by ``Reden`` (in the
        order of :data:`REASONS`, others after, blank last as ``"(geen reden)"``) or
        by ``Kanaal``.

    Returns
    -------
    pd.DataFrame
        Index ``Maand`` / ``Reden`` / ``Kanaal``; columns ``Benaderd`` (int),
        ``Teruggewonnen`` (int), ``Percentage`` (fraction 0–1).

    Examples
    --------
    >>> outcomes = pd.DataFrame({"Benaderd op": pd.to_datetime(["2026-03-02", "2026-03-20", "2026-04-01"]),
    ...                          "Reden": ["vergeten", None, "vergeten"],
    ...                          "Teruggewonnen": [True, False, False]})
    >>> reactivation_rates(outcomes, by="reden").reset_index()
              Reden  Benaderd  Teruggewonnen  Percentage
    0      vergeten         2              1         0.5
    1  (geen reden)         1              0         0.0
    """
    key = str(by).strip().lower()
    if key not in RATE_GROUPS:
        raise InvoerFout(f"Onbekende indeling '{by}': kies maand, reden of kanaal.")
    name = RATE_GROUPS[key]
    require_columns(outcomes, ("Teruggewonnen",) + (("Benaderd op",) if key == "maand" else (name,)))
    if key == "maand":
        groups = pd.to_datetime(outcomes["Benaderd op"]).dt.strftime("%Y-%m")
        order = sorted(groups.dropna().unique())
    else:
        blank = NO_REASON if key == "reden" else NO_CHANNEL
        groups = outcomes[name].astype(object).where(outcomes[name].notna(), blank)
        groups = groups.map(lambda v: blank if customer_id(v) is None else str(v).strip().lower())
        order = _group_order(groups, REASONS if key == "reden" else CONTACT_CHANNELS, blank)
    won = outcomes["Teruggewonnen"].astype(bool)
    table = pd.DataFrame({"Benaderd": won.groupby(groups.to_numpy()).size(),
                          "Teruggewonnen": won.groupby(groups.to_numpy()).sum()})
    table = table.reindex(order).fillna(0).astype("int64")
    table["Percentage"] = table["Teruggewonnen"] / table["Benaderd"]
    table.index.name = name
    return table[list(RATE_COLUMNS)]


def measured_winback_rate(outcomes: pd.DataFrame) -> float | None:
    """Share of all contacted customers won back, or None when nobody was contacted.

    This is the measured *terugwin %* for the projection (seed 002: churn 30% → 12%
    when 60% come back, ``project_customers(..., winback_rate=...)``).

    >>> measured_winback_rate(pd.DataFrame({"Teruggewonnen": [True, True, False, True, False]}))
    0.6
    >>> measured_winback_rate(pd.DataFrame({"Teruggewonnen": []})) is None
    True
    """
    require_columns(outcomes, ("Teruggewonnen",))
    if len(outcomes) == 0:
        return None
    return float(outcomes["Teruggewonnen"].astype(bool).mean())


# --------------------------------------------------------------------------- quarterly churn

def quarterly_churn(transactions: pd.DataFrame, reference_date, inactive_days, contacts=None,
                    quarters: int = 8) -> pd.DataFrame:
    """Churn per calendar quarter, so the user sees whether win-back works (seed 002).

    Parameters
    ----------
    transactions : pd.DataFrame
        Canonical transactions (``Klant``, ``Datum``).
    reference_date : date-like or None
        Peildatum; None = the last date in the data. Only complete quarters up to it
        are shown (a quarter is complete when the peildatum is its last day or later).
    inactive_days : float
        The inactief-drempel: a customer is active with activity within this many days.
    contacts : pd.DataFrame, optional
        Contact moments (``Klant``, ``Datum``); they count as activity (seed 003).
    quarters : int
        How many quarters back (default 8); leading quarters without active customers
        are left out.

    Returns
    -------
    pd.DataFrame
        ``Kwartaal`` ("2026 K1"), ``Actief begin`` (active at the start), ``Niet meer actief``
        (of those, not active at the end), ``Verloop`` = Niet meer actief / Actief begin,
        ``Behoud`` = 1 − Verloop; oldest quarter first.

    Notes
    -----
    Each quarter is one :func:`klant_xl.status.churn_over_period` from the last day of the
    quarter before to its own last day, so the numbers match ``CHURN_PERCENTAGE`` and the year
    of Overzicht: with the peildatum on 31-12, the first quarter of that year starts on the day
    the year's churn starts (active on 31-12 of the year before), and the last quarter ends on
    the peildatum (a customer still active on the peildatum is never counted as lost).
    """
    if isinstance(transactions, pd.DataFrame):
        require_columns(transactions, ("Klant", "Datum"))
    inactive_days = number_or_nan(inactive_days)
    if not inactive_days >= 0:
        raise InvoerFout("Drempel inactief ontbreekt: geef een aantal dagen op (bepaal 'automatisch' eerst).")
    reference_date = resolve_reference_date(transactions, reference_date, contacts)
    periods = quarters_shown(reference_date, quarters)
    engine = engine_for(transactions, None, contacts)
    if periods:  # every quarter boundary in one query
        engine.prefetch_activity(quarter_boundaries(periods), inactive_days)
    rows = []
    for period in periods:
        start, end = _quarter_start(period), _quarter_end(period)
        result = churn_over_period(engine, start, end, inactive_days, contacts=contacts)
        active, retained = int(result.active_at_start), int(result.retained)
        lost = active - retained
        churn = lost / active if active else float("nan")
        rows.append((f"{period.year} K{period.quarter}", active, lost, churn, 1.0 - churn))
    table = pd.DataFrame(rows, columns=list(QUARTER_COLUMNS))
    table = table.astype({"Actief begin": "int64", "Niet meer actief": "int64", "Verloop": "float64", "Behoud": "float64"})
    started = (table["Actief begin"] > 0).cummax()
    return table[started.to_numpy()].reset_index(drop=True)


def _quarter_start(period) -> pd.Timestamp:
    """The day a quarter's churn starts from: the last day of the quarter before it."""
    return period.start_time.normalize() - pd.Timedelta(days=1)


def _quarter_end(period) -> pd.Timestamp:
    """The day a quarter's churn ends on: its own last day."""
    return period.end_time.normalize()


def quarter_boundaries(periods) -> list[pd.Timestamp]:
    """Where :func:`quarterly_churn` looks: the last day before each quarter and the last day of the last one."""
    return [_quarter_start(p) for p in periods] + [_quarter_end(periods[-1])]


def quarters_shown(reference_date, quarters: int = 8) -> list:
    """The complete quarters up to the peildatum that :func:`quarterly_churn` reports (as ``pd.Period``)."""
    count = _limit(quarters) or 0
    last = pd.Period(reference_date, freq="Q")
    if reference_date < last.end_time.normalize():
        last = last - 1
    return list(pd.period_range(end=last, periods=count, freq="Q")) if count else []


@dataclass(frozen=True, eq=False)
class WinbackReport(Record):
    """What the Winback sheet shows about whether win-back works (:func:`winback_report`); read by Dutch key too."""

    outcomes: pd.DataFrame = key("uitkomsten")
    per_month: pd.DataFrame = key("per maand")
    per_reason: pd.DataFrame = key("per reden")
    per_channel: pd.DataFrame = key("per kanaal")
    per_quarter: pd.DataFrame = key("per kwartaal")
    winback_rate: float | None = key("terugwinpercentage")

    def __eq__(self, other):  # frames do not compare to one truth value
        return self is other


def winback_report(tracking, transactions: pd.DataFrame, reference_date, inactive_days, contacts=None,
                   quarters: int = 8) -> dict:
    """Everything the Winback sheet shows about whether win-back works, in one call.

    Parameters
    ----------
    tracking : pd.DataFrame or None
        The Winback table as the user filled it in (``Klant``, ``Benaderd op``, ``Kanaal``,
        ``Reden``, ...); None or empty when nothing was typed yet.
    transactions, reference_date, inactive_days, contacts, quarters
        As for :func:`quarterly_churn`.

    Returns
    -------
    dict
        ``"uitkomsten"`` (:func:`winback_outcomes`), ``"per maand"``, ``"per reden"``,
        ``"per kanaal"`` (:func:`reactivation_rates`, index reset to a first column),
        ``"per kwartaal"`` (:func:`quarterly_churn`) and ``"terugwinpercentage"``
        (:func:`measured_winback_rate`, None when nobody was contacted).
    """
    if tracking is None or len(tracking) == 0 or "Benaderd op" not in tracking.columns:
        tracking = pd.DataFrame({"Klant": pd.Series(dtype=object), "Benaderd op": pd.Series(dtype=object)})
    outcomes = winback_outcomes(tracking, transactions)
    rates = {group: reactivation_rates(outcomes, by=group).reset_index() for group in RATE_GROUPS}
    return WinbackReport(outcomes, rates["maand"], rates["reden"], rates["kanaal"],
                         quarterly_churn(transactions, reference_date, inactive_days, contacts, quarters),
                         measured_winback_rate(outcomes))


