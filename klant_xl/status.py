"""Customer status, thresholds, repeat rate, time between purchases and churn (SPEC §3).

Everything is computed as of a reference date (*peildatum*) that the caller
passes in. Status labels are the Dutch words the user sees.

The derived thresholds follow seed 001 ("from historical data you can determine
how many days pass between two purchases before a customer, on average, never
buys again") with a Kaplan–Meier estimator [1]_ on the time from each purchase
occasion to the next, each customer's ongoing gap at the peildatum being a
censored observation.

References
----------
.. [1] Kaplan, E. L. and Meier, P. (1958), "Nonparametric estimation from
   incomplete observations", JASA 53(282), 457–481.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from klant_xl.engine import day_number as engine_day
from klant_xl.engine import engine_for
from klant_xl.errors import (
    DrempelVolgorde,
    InvoerFout,
    KolomOntbreekt,
    TeWeinigGegevens,
)
from klant_xl.formatting import format_count, format_number, format_percent
from klant_xl.records import Record, key
from klant_xl.summary import (
    require_columns,
    resolve_reference_date,
    summary_reference_date,
)
from klant_xl.vocabulary import STATUSES

__all__ = [
    "PurchaseGaps",
    "aligned_status",
    "status_of_every_customer",
    "FALLBACK_THRESHOLDS",
    "MIN_GAPS",
    "STATUSES",
    "STATUS_COLOURS",
    "ChurnResult",
    "DerivedThresholds",
    "ThresholdChoice",
    "choose_thresholds",
    "churn_over_period",
    "customer_status",
    "derive_thresholds",
    "kaplan_meier",
    "purchase_gaps",
    "repeat_purchase_rate",
    "status_from_days",
    "time_between_purchases",
]

#: The statuses, in the order reports show them. They partition the customers.
#: One fixed colour per status (RGB hex), the same on every sheet and chart: green for the living,
#: amber for the slipping, red for the lost. Data, not code: a caller may override it.
STATUS_COLOURS = {"Nieuw": "5B9BD5", "Actief": "70AD47", "Inactief": "FFC000", "Verloren": "C00000"}

#: Fewest observed gaps for which thresholds are derived from the data.
MIN_GAPS = 30

#: Thresholds (inactive days, lost days) used when the data are too thin to derive them.
FALLBACK_THRESHOLDS = (180.0, 365.0)


def _check_thresholds(inactive_days, lost_days) -> tuple[float, float]:
    try:
        inactive, lost = float(inactive_days), float(lost_days)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"Drempels moeten getallen (dagen) zijn: {inactive_days!r}, {lost_days!r}") from exc
    if not (inactive >= 0 and lost >= 0):
        raise InvoerFout(f"Drempels mogen niet negatief zijn: inactief {inactive_days!r}, verloren {lost_days!r}")
    if lost < inactive:
        raise DrempelVolgorde(inactive, lost)
    return inactive, lost


def status_from_days(days_since_activity, inactive_days, lost_days) -> np.ndarray:
    """Status per customer from the days since their last activity.

    ``Actief`` if days ≤ *inactive_days*, ``Inactief`` if ≤ *lost_days*,
    otherwise ``Verloren`` (SPEC §3, seeds 000 and 001). Blank (NaN) days give
    an empty string.

    Examples
    --------
    >>> status_from_days([0, 90, 91, 365, 366], 90, 365).tolist()
    ['Actief', 'Actief', 'Inactief', 'Inactief', 'Verloren']
    """
    inactive, lost = _check_thresholds(inactive_days, lost_days)
    days = np.asarray(days_since_activity, dtype=float)
    return np.select(
        [np.isnan(days), days <= inactive, days <= lost],
        ["", "Actief", "Inactief"],
        default="Verloren",
    ).astype(object)


def customer_status(
    summary: pd.DataFrame,
    inactive_days,
    lost_days,
    mark_new: bool = False,
    per_category: Mapping[str, tuple[float, float]] | None = None,
    reference_date=None,
) -> pd.Series:
    """Status per customer: ``Nieuw``, ``Actief``, ``Inactief`` or ``Verloren``.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`klant_xl.summary.customer_summary`.
    inactive_days, lost_days : float
        Thresholds in days since the last activity.
    mark_new : bool
        Show ``Nieuw`` instead of ``Actief`` for customers whose first
        purchase lies within the last *inactive_days* days.
    per_category : mapping, optional
        ``{product: (inactive_days, lost_days)}``: thresholds for customers
        whose last purchase was that product or category; others use the
        general thresholds (seed 000: a shoe shop and a wine shop differ).
    reference_date : date, optional
        The peildatum (for ``mark_new``); default the summary's own
        (:func:`klant_xl.summary.summary_reference_date`).

    Returns
    -------
    pandas.Series
        Named ``Status`` on the summary's index; every customer gets exactly
        one status.

    Examples
    --------
    >>> summary = pd.DataFrame({"Dagen sinds activiteit": [10.0, 100.0, 400.0],
    ...     "Eerste aankoop": pd.to_datetime(["2026-01-01", "2024-01-01", "2024-01-01"])},
    ...     index=pd.Index(["a", "b", "c"], name="Klant"))
    >>> customer_status(summary, 90, 365, mark_new=True, reference_date="20-01-2026").tolist()
    ['Nieuw', 'Inactief', 'Verloren']
    """
    require_columns(summary, ["Dagen sinds activiteit"], "klanten")
    inactive, lost = _check_thresholds(inactive_days, lost_days)
    inactive_per_customer = np.full(len(summary), inactive)
    lost_per_customer = np.full(len(summary), lost)
    if per_category:
        require_columns(summary, ["Laatste product"], "klanten")
        last_product = summary["Laatste product"].to_numpy(dtype=object)
        for category, (cat_inactive, cat_lost) in per_category.items():
            cat_inactive, cat_lost = _check_thresholds(cat_inactive, cat_lost)
            hit = last_product == category
            inactive_per_customer[hit] = cat_inactive
            lost_per_customer[hit] = cat_lost
    days = summary["Dagen sinds activiteit"].to_numpy(dtype=float)
    status = np.where(
        days <= inactive_per_customer, "Actief", np.where(days <= lost_per_customer, "Inactief", "Verloren")
    ).astype(object)
    if mark_new:
        require_columns(summary, ["Eerste aankoop"], "klanten")
        reference = summary_reference_date(summary, reference_date)
        age = (reference - summary["Eerste aankoop"]).dt.days.to_numpy(dtype=float, na_value=np.nan)
        status[(status == "Actief") & (age <= inactive_per_customer)] = "Nieuw"
    return pd.Series(status, index=summary.index, name="Status")


def aligned_status(status, index: pd.Index) -> pd.Series:
    """A status Series (or a frame with a ``Status`` column) aligned to ``index``; NaN for customers without one."""
    if isinstance(status, pd.DataFrame):
        if "Status" not in status.columns:
            raise KolomOntbreekt("Status", status.columns)
        status = status["Status"]
    return pd.Series(status).reindex(index)


def status_of_every_customer(index: pd.Index, status: pd.Series | None) -> pd.Series:
    """The status aligned to ``index``, where every customer must have one (None: all unknown, NA)."""
    if status is None:
        return pd.Series(pd.NA, index=index, name="Status", dtype=object)
    aligned = pd.Series(status).reindex(index)
    missing = aligned.isna()
    if missing.any():
        klant = index[missing.to_numpy()][0]
        raise InvoerFout(f"Status ontbreekt voor klant {klant!r}.")
    return aligned


def repeat_purchase_rate(summary: pd.DataFrame) -> float:
    """Share of customers with two or more purchase occasions (herhaalaankoopratio).

    Customers with only returns (no purchase) are not counted.

    Examples
    --------
    >>> repeat_purchase_rate(pd.DataFrame({"Aankopen": [1, 2, 5, 1]}))
    0.5
    """
    require_columns(summary, ["Aankopen"], "klanten")
    buyers = summary["Aankopen"][summary["Aankopen"] > 0]
    if buyers.empty:
        raise TeWeinigGegevens("Er zijn geen klanten met een aankoop; herhaalaankoopratio is niet te berekenen.")
    return float((buyers >= 2).mean())


def purchase_gaps(transactions: pd.DataFrame, reference_date=None) -> pd.DataFrame:
    """Every time from a purchase occasion to the next, plus each customer's ongoing gap.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions frame.
    reference_date : date-like, optional
        Peildatum; default the last date in the data.

    Returns
    -------
    pandas.DataFrame
        Columns ``Klant``, ``dagen`` (float) and ``waargenomen`` (bool):
        ``True`` for a gap that ended in a next purchase, ``False`` for the
        censored gap from the last purchase to the peildatum.

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a", "a", "b"],
    ...     "Datum": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-06"]), "Bedrag": 1.0})
    >>> purchase_gaps(frame, "2026-01-21").values.tolist()
    [['a', 10.0, True], ['a', 10.0, False], ['b', 15.0, False]]
    """
    if isinstance(transactions, pd.DataFrame):
        require_columns(transactions, ["Klant", "Datum"])
    return engine_for(transactions, reference_date).purchase_gaps()


def kaplan_meier(durations, observed, counts=None) -> pd.DataFrame:
    """Kaplan–Meier estimate of the survival function S(t) [1]_.

    Here "survival" means *no next purchase yet*: S(t) is the share of
    gaps still open after t days.

    Parameters
    ----------
    durations : array-like of float
        Gap lengths in days.
    observed : array-like of bool
        ``True`` where the gap ended in a purchase, ``False`` where censored.
    counts : array-like of int, optional
        How many gaps each (duration, observed) row stands for: a histogram
        (:meth:`klant_xl.engine.TransactionEngine.gap_histogram`) gives the
        same curve as the gaps one by one.

    Returns
    -------
    pandas.DataFrame
        One row per distinct observed duration: ``dagen``, ``risico`` (at
        risk), ``terugkeer`` (events) and ``overleving`` (S right after t).

    Examples
    --------
    >>> kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False]).round(3).values.tolist()
    [[1.0, 5.0, 1.0, 0.8], [2.0, 4.0, 1.0, 0.6], [3.0, 2.0, 1.0, 0.3]]
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.shape != observed.shape:
        raise InvoerFout("Duren en waarnemingen moeten even lang zijn.")
    weights = np.ones(len(durations), dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    if weights.shape != durations.shape:
        raise InvoerFout("Duren en aantallen moeten even lang zijn.")
    times, inverse = np.unique(durations, return_inverse=True)
    events = np.bincount(inverse, weights=observed * weights, minlength=len(times))
    leaving = np.bincount(inverse, weights=weights, minlength=len(times)).astype(np.int64)
    at_risk = int(weights.sum()) - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    with_event = events > 0
    survival = np.cumprod(1.0 - events[with_event] / at_risk[with_event])
    return pd.DataFrame(
        {
            "dagen": times[with_event],
            "risico": at_risk[with_event].astype(float),
            "terugkeer": events[with_event],
            "overleving": survival,
        }
    )


@dataclass(frozen=True)
class DerivedThresholds:
    """Thresholds derived from the data, with the sentences that explain them.

    Attributes
    ----------
    inactive_days : float
        Smallest t with (1 − S(t)) / p ≥ *share*.
    lost_days : float
        Smallest t with (S(t) − S(t_max)) / S(t) < *level*.
    return_share : float
        p = 1 − S(t_max): about the share of gaps that ever end in a purchase.
    inactive_sentence, lost_sentence : str
        Dutch explanation of each number.
    survival : pandas.DataFrame
        The Kaplan–Meier curve (:func:`kaplan_meier`).
    observed_gaps : int
        Number of observed (uncensored) gaps.
    """

    inactive_days: float
    lost_days: float
    return_share: float
    inactive_sentence: str
    lost_sentence: str
    survival: pd.DataFrame
    observed_gaps: int


def derive_thresholds(
    transactions: pd.DataFrame,
    reference_date=None,
    share: float = 0.8,
    level: float = 0.05,
    min_gaps: int = MIN_GAPS,
) -> DerivedThresholds:
    """Derive the inactive and lost thresholds from the purchase history (SPEC §3).

    Kaplan–Meier on the time from each purchase occasion to the next, each
    customer's ongoing gap at the peildatum censored. With S(t) the share with
    no next purchase within t days and t_max the longest observed gap,
    p = 1 − S(t_max) approximates the share that ever comes back.

    Parameters
    ----------
    transactions, reference_date
        As for :func:`purchase_gaps` (canonical transactions; peildatum, default the last date).
    share : float
        *Inactief-drempel* = the smallest t with (1 − S(t)) / p ≥ share
        (default 80% of those who come back have done so).
    level : float
        *Verloren-drempel* = the smallest t with (S(t) − S(t_max)) / S(t) < level
        (after t days without a purchase, under 5% still come back).
    min_gaps : int
        Fewest observed gaps needed; below it :class:`TeWeinigGegevens`.

    Returns
    -------
    DerivedThresholds
    """
    histogram = engine_for(transactions, reference_date).gap_histogram()
    return thresholds_from_histogram(histogram, share=share, level=level, min_gaps=min_gaps)


def thresholds_from_histogram(
    histogram: pd.DataFrame,
    share: float = 0.8,
    level: float = 0.05,
    min_gaps: int = MIN_GAPS,
) -> DerivedThresholds:
    """:func:`derive_thresholds` from the gap histogram (``dagen``, ``waargenomen``, ``aantal``).

    The histogram is what :meth:`klant_xl.engine.TransactionEngine.gap_histogram`
    returns: a few thousand rows whatever the data size, from any backend.
    """
    if not 0 < share < 1:
        raise InvoerFout(f"Aandeel terugkomers moet tussen 0% en 100% liggen: {share!r}")
    if not 0 < level < 1:
        raise InvoerFout(f"Kans op terugkomst moet tussen 0% en 100% liggen: {level!r}")
    observed = histogram["waargenomen"].to_numpy(dtype=bool)
    counts = histogram["aantal"].to_numpy(dtype=np.int64)
    durations = histogram["dagen"].to_numpy(dtype=float)
    observed_gaps = int(counts[observed].sum())
    if observed_gaps < min_gaps:
        raise TeWeinigGegevens(
            f"Te weinig herhaalaankopen om drempels af te leiden: "
            f"{format_count(observed_gaps, 'tussenpoos', 'tussenpozen')} tussen aankopen, "
            f"minstens {min_gaps} nodig. Vul de drempels zelf in (aantal dagen)."
        )
    curve = kaplan_meier(durations, observed, counts)
    t_max = durations[observed].max()
    survival_at_max = float(curve.loc[curve["dagen"] <= t_max, "overleving"].iloc[-1])
    return_share = 1.0 - survival_at_max
    survival = curve["overleving"].to_numpy()
    days = curve["dagen"].to_numpy()
    returned_fraction = (1.0 - survival) / return_share
    inactive_days = float(days[np.argmax(returned_fraction >= share - 1e-12)])
    with np.errstate(divide="ignore", invalid="ignore"):
        still_returning = np.where(survival > 0, (survival - survival_at_max) / survival, 0.0)
    lost_days = float(days[np.argmax(still_returning < level)])
    lost_days = max(lost_days, inactive_days)
    return DerivedThresholds(
        inactive_days=inactive_days,
        lost_days=lost_days,
        return_share=return_share,
        inactive_sentence=(
            f"{format_percent(share)} van de klanten die terugkomen, doet dat binnen {format_number(inactive_days, 0)} dagen."
        ),
        lost_sentence=(
            f"Na {format_number(lost_days, 0)} dagen zonder aankoop komt nog minder dan {format_percent(level)} van de klanten terug."
        ),
        survival=curve,
        observed_gaps=observed_gaps,
    )


@dataclass(frozen=True)
class ThresholdChoice:
    """The thresholds an analysis uses, and where they came from.

    Attributes
    ----------
    inactive_days, lost_days : float
        The thresholds to use (``lost_days >= inactive_days``).
    derived : DerivedThresholds or None
        The thresholds derived from the data, when they were derived.
    messages : tuple of str
        Dutch notes: why the data could not give thresholds, and which
        fallback (:data:`FALLBACK_THRESHOLDS`) was used.
    """

    inactive_days: float
    lost_days: float
    derived: DerivedThresholds | None
    messages: tuple[str, ...] = ()


def choose_thresholds(
    transactions: pd.DataFrame,
    reference_date=None,
    inactive_days=None,
    lost_days=None,
    share: float = 0.8,
    level: float = 0.05,
    explain: bool = False,
) -> ThresholdChoice:
    """The thresholds the user gave, else derived from the data, else :data:`FALLBACK_THRESHOLDS`.

    The one rule behind "automatisch" everywhere (the refresh, the CLI and the
    Excel functions): a threshold that is ``None`` comes from
    :func:`derive_thresholds`; when the data are too thin for that, from
    :data:`FALLBACK_THRESHOLDS`, with a Dutch message saying so.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions frame.
    reference_date : date-like, optional
        Peildatum.
    inactive_days, lost_days : float or None
        Thresholds the user gave; ``None`` = automatisch.
    share, level : float
        As for :func:`derive_thresholds`.
    explain : bool
        Derive the thresholds (for their explaining sentences) even when both
        were given.

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a"], "Datum": pd.to_datetime(["2026-01-01"])})
    >>> choice = choose_thresholds(frame, inactive_days=60)
    >>> choice.inactive_days, choice.lost_days
    (60.0, 365.0)
    >>> choice.messages[-1]
    'Standaarddrempels gebruikt: verloren na 365 dagen.'
    >>> choose_thresholds(frame, inactive_days=90, lost_days=30)
    Traceback (most recent call last):
    ...
    klant_xl.errors.DrempelVolgorde: Drempel verloren (30 dagen) moet minstens zo groot zijn als drempel inactief (90 dagen): een klant is eerst inactief en pas later verloren. Pas een van beide aan.
    """
    messages: list[str] = []
    derived: DerivedThresholds | None = None
    if inactive_days is None or lost_days is None or explain:
        try:
            derived = derive_thresholds(transactions, reference_date, share=share, level=level)
        except TeWeinigGegevens as exc:
            messages.append(str(exc))
    given_inactive, given_lost = inactive_days, lost_days
    if given_inactive is not None and given_lost is not None and float(given_lost) < float(given_inactive):
        raise DrempelVolgorde(float(given_inactive), float(given_lost))
    fallback_used = []

    def pick(given, derived_days, fallback: float, word: str):
        """The threshold given, else the derived one, else the fallback (and say so)."""
        if given is not None:
            return given
        if derived is not None:
            return derived_days
        fallback_used.append(f"{word} na {fallback:.0f} dagen")
        return fallback

    inactive_days = pick(inactive_days, derived and derived.inactive_days, FALLBACK_THRESHOLDS[0], "inactief")
    lost_days = pick(lost_days, derived and derived.lost_days, FALLBACK_THRESHOLDS[1], "verloren")
    if fallback_used:
        messages.append("Standaarddrempels gebruikt: " + ", ".join(fallback_used) + ".")
    inactive, lost = float(inactive_days), float(lost_days)
    if lost < inactive:
        which = "ingestelde" if given_lost is not None else "afgeleide" if derived is not None else "standaard"
        messages.append(f"De {which} drempel verloren ({lost:g} dagen) is kleiner dan drempel inactief "
                        f"({inactive:g} dagen): verloren na {inactive:g} dagen gebruikt.")
    return ThresholdChoice(inactive, max(lost, inactive), derived, tuple(messages))


def time_between_purchases(transactions: pd.DataFrame, reference_date=None) -> PurchaseGaps:
    """Statistics of the time between consecutive purchase occasions, in days.

    Returns
    -------
    PurchaseGaps
        Read by field or by Dutch key: ``gemiddelde`` (mean), ``mediaan`` (median), ``p10``, ``p25``, ``p75``,
        ``p90`` and ``aantal`` (number of gaps) over all consecutive-occasion
        gaps of all customers.

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a", "a", "a", "b", "b"],
    ...     "Datum": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-31", "2026-01-01", "2026-01-31"])})
    >>> stats = time_between_purchases(frame)
    >>> stats["gemiddelde"], stats["mediaan"], stats["aantal"]
    (20.0, 20.0, 3)
    """
    histogram = engine_for(transactions, reference_date).gap_histogram()
    histogram = histogram[histogram["waargenomen"].to_numpy(dtype=bool)]
    values = histogram["dagen"].to_numpy(dtype=np.int64)
    counts = histogram["aantal"].to_numpy(dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        raise TeWeinigGegevens("Geen enkele klant heeft twee aankopen; er is geen tijd tussen aankopen.")
    p10, p25, p50, p75, p90 = _histogram_percentiles(values, counts, [10, 25, 50, 75, 90])
    return PurchaseGaps(float(int((values * counts).sum()) / total), float(p50), float(p10), float(p25),
                        float(p75), float(p90), total)


def _histogram_percentiles(values: np.ndarray, counts: np.ndarray, percents) -> list[float]:
    """``np.percentile(np.repeat(values, counts), percents)`` without the repeat (same linear rule)."""
    order = np.argsort(values, kind="stable")
    values, ends = values[order].astype(float), np.cumsum(counts[order])
    total = int(ends[-1])
    out = []
    for q in percents:
        position = q / 100 * (total - 1)
        below = int(np.floor(position))
        above = min(below + 1, total - 1)
        a = values[np.searchsorted(ends, below, side="right")]
        b = values[np.searchsorted(ends, above, side="right")]
        t = position - below
        out.append(float(b - (b - a) * (1 - t)) if t >= 0.5 else float(a + (b - a) * t))
    return out


@dataclass(frozen=True, eq=False)
class PurchaseGaps(Record):
    """Days between consecutive purchase occasions (:func:`time_between_purchases`); read by Dutch key too."""

    mean: float = key("gemiddelde")
    median: float = key("mediaan")
    p10: float
    p25: float
    p75: float
    p90: float
    count: int = key("aantal")


@dataclass(frozen=True)
class ChurnResult:
    """Churn (verloop) over a period [start, end).

    Attributes
    ----------
    start, end : pandas.Timestamp
    active_at_start : int
        Customers active at *start*.
    retained : int
        Of those, the customers still active at *end*.
    churn : float
        1 − retained / active_at_start (annualised when asked).
    retention : float
        1 − churn.
    new_customers : int
        Customers whose first purchase falls after start, on or before end.
    new_share : float
        new_customers / active_at_start (annualised when asked).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    active_at_start: int
    retained: int
    churn: float
    retention: float
    new_customers: int
    new_share: float


def churn_over_period(
    transactions: pd.DataFrame,
    start,
    end,
    inactive_days,
    contacts: pd.DataFrame | None = None,
    annualise: bool = False,
) -> ChurnResult:
    """Churn, retention and new-customer share over the period [start, end) (SPEC §3).

    A customer is *active at* a day when they have bought on or before it and
    their last activity (purchase, return or contact) lies at most
    *inactive_days* before it. A *new* customer first bought after ``start`` and
    on or before ``end``: one who first bought on the start day is already among
    the active at the start, so nobody counts twice (and a calendar year's new
    customers are that year's cohort).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions frame.
    start, end : date-like
        The period; ``end`` after ``start``.
    inactive_days : float
        The inactive threshold in days.
    contacts : pandas.DataFrame, optional
        Contact moments, counted as activity.
    annualise : bool
        Convert churn and new share to a yearly rate: churn_year =
        1 − (1 − churn)^(365.25 / days).

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a", "b", "b", "c"],
    ...     "Datum": pd.to_datetime(["2025-06-01", "2025-06-01", "2026-03-01", "2026-02-01"]), "Bedrag": 1.0})
    >>> result = churn_over_period(frame, "2026-01-01", "2027-01-01", 365)
    >>> result.active_at_start, result.retained, result.churn, result.new_customers
    (2, 1, 0.5, 1)
    """
    start_day = resolve_reference_date(transactions, start)
    end_day = resolve_reference_date(transactions, end)
    if end_day <= start_day:
        raise InvoerFout(f"Einddatum ({end_day:%d-%m-%Y}) moet na de begindatum ({start_day:%d-%m-%Y}) liggen.")
    inactive = float(inactive_days)
    engine = engine_for(transactions, None, contacts)
    # Activity only looks at rows up to the peildatum: a later one matters only when rows lie beyond it.
    if end_day > engine.reference_date and engine.has_rows_after(engine.reference_day):
        engine = engine.with_reference(end_day)
    profile = engine.activity([start_day, end_day], inactive)
    start, end = engine_day(start_day), engine_day(end_day)
    active_at_start, retained = profile.churn_counts(start, end)
    churn = 1.0 - retained / active_at_start if active_at_start else math.nan
    new_customers = profile.new_customers(start, end)
    new_share = new_customers / active_at_start if active_at_start else math.nan
    if annualise:
        years = (end_day - start_day).days / 365.25
        churn = 1.0 - (1.0 - churn) ** (1.0 / years)
        new_share = (1.0 + new_share) ** (1.0 / years) - 1.0
    return ChurnResult(
        start=start_day,
        end=end_day,
        active_at_start=active_at_start,
        retained=retained,
        churn=churn,
        retention=1.0 - churn,
        new_customers=new_customers,
        new_share=new_share,
    )
