"""The seed's customer-base projection, cumulative loss and doubling time (SPEC §3, seeds 000 and 002).

The constant-rate model of seed 002: each year the base grows by the new
customers and shrinks by churn, N(t+1) = N(t) · (1 + new − churn). Winning
back a share *w* of the leavers lowers churn to churn · (1 − w).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout

__all__ = ["MIN_ACTIVE_AT_START", "PLAUSIBLE_RATES", "cumulative_loss", "doubling_time", "project_customers",
           "projection_warnings"]


def _rate(value, name: str, upper: float = 1.0) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"{name} is geen percentage: {value!r}") from exc
    if not (0.0 <= rate <= upper) or math.isnan(rate):
        raise InvoerFout(f"{name} moet tussen 0% en {upper:.0%} liggen: {value!r}")
    return rate


def _non_negative(value, label: str) -> float:
    """A number of at least 0, or an :class:`~klant_xl.errors.InvoerFout` naming ``label`` and the value."""
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"{label} is geen getal: {value!r}") from exc
    if number < 0 or math.isnan(number):
        raise InvoerFout(f"{label} mag niet negatief zijn: {value!r}")
    return number


def project_customers(start, new_rate, churn_rate, years, winback_rate=0.0) -> pd.DataFrame:
    """Project the number of customers year by year (seed 002).

    N(0) = start and N(t+1) = N(t) · (1 + new − churn · (1 − winback)).

    Parameters
    ----------
    start : float
        Customers now.
    new_rate : float
        New customers per year as a share of the base (0.4 = 40%).
    churn_rate : float
        Share of customers lost per year.
    years : int
        Number of years to project (the table has years 0..years).
    winback_rate : float
        Share of the leavers won back (seed 002: 60% turns 30% churn into 12%).

    Returns
    -------
    pandas.DataFrame
        Columns ``Jaar`` and ``Aantal klanten`` (unrounded).

    Examples
    --------
    >>> project_customers(1000, 0.4, 0.3, 10)["Aantal klanten"].round().astype(int).tolist()
    [1000, 1100, 1210, 1331, 1464, 1611, 1772, 1949, 2144, 2358, 2594]
    >>> project_customers(1000, 0.4, 0.3, 3, winback_rate=0.6)["Aantal klanten"].round().astype(int).tolist()
    [1000, 1280, 1638, 2097]
    """
    start_count = _non_negative(start, "Aantal klanten bij de start")
    new = _rate(new_rate, "Nieuwe klanten %", upper=100.0)
    churn = _rate(churn_rate, "Verloop %")
    winback = _rate(winback_rate, "Terugwin %")
    try:
        n_years = int(years)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"Aantal jaren is geen geheel getal: {years!r}") from exc
    if n_years != float(years) or not 0 <= n_years <= 200:
        raise InvoerFout(f"Aantal jaren moet een geheel getal van 0 tot 200 zijn: {years!r}")
    growth = 1.0 + new - churn * (1.0 - winback)
    year = np.arange(n_years + 1)
    with np.errstate(over="ignore"):  # absurd inputs overflow to inf, which callers show as blank
        counts = start_count * growth**year
    return pd.DataFrame({"Jaar": year, "Aantal klanten": counts})


def cumulative_loss(churn_rate, years) -> float:
    """Share of today's customers lost after *years* years at a constant churn: 1 − (1 − c)^n.

    Seed 000: "10% per year is 19% after 2 years and 27% after 3".

    Examples
    --------
    >>> round(cumulative_loss(0.10, 2), 2), round(cumulative_loss(0.10, 3), 2)
    (0.19, 0.27)
    """
    churn = _rate(churn_rate, "Verloop %")
    return 1.0 - (1.0 - churn) ** _non_negative(years, "Aantal jaren")


def doubling_time(new_rate, churn_rate) -> float:
    """Years until the customer base doubles: ln 2 / ln(1 + new − churn) (seed 002).

    Returns ``inf`` when the base does not grow.

    Examples
    --------
    >>> round(doubling_time(0.4, 0.3), 2)
    7.27
    """
    growth = 1.0 + _rate(new_rate, "Nieuwe klanten %", upper=100.0) - _rate(churn_rate, "Verloop %")
    if growth <= 1.0:
        return math.inf
    return math.log(2.0) / math.log(growth)


#: Plausible yearly rates for a projection (module-level data a caller may override): a base that
#: gains more new customers than it has, or loses most of it every year, is rarely a steady state.
PLAUSIBLE_RATES = {"new": (0.0, 1.0), "churn": (0.0, 0.75)}
#: Fewest customers active at the start of the year for a measured churn rate to be trusted.
MIN_ACTIVE_AT_START = 30


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".", ",")


def projection_warnings(new_rate, churn_rate, *, churn_measured: bool = True, active_at_start=None,
                        bounds: dict | None = None) -> list[str]:
    """Dutch warnings to show *before* a projection whose inputs are implausible or unmeasured.

    Parameters
    ----------
    new_rate, churn_rate : float
        The yearly rates the projection uses.
    churn_measured : bool
        False when the churn could not be measured (less than a year of data,
        nobody active at the start) and the projection falls back to 0%.
    active_at_start : int, optional
        Customers active at the start of the measured year.
    bounds : dict, optional
        ``{"new": (low, high), "churn": (low, high)}``; default :data:`PLAUSIBLE_RATES`.

    Examples
    --------
    >>> projection_warnings(0.4, 0.3)
    []
    >>> for text in projection_warnings(1.297, 0.878):
    ...     print(text)
    Nieuwe klanten 129,7% per jaar ligt buiten het gebruikelijke bereik (0,0% tot 100,0%): de projectie is een rekenvoorbeeld, geen voorspelling.
    Verloop 87,8% per jaar ligt buiten het gebruikelijke bereik (0,0% tot 75,0%): de projectie is een rekenvoorbeeld, geen voorspelling.
    """
    bounds = PLAUSIBLE_RATES if bounds is None else bounds
    warnings = []
    if not churn_measured:
        warnings.append("Het verloop is niet te meten (te weinig gegevens over het laatste jaar): de projectie "
                        f"rekent met {_pct(churn_rate)} verloop en is geen voorspelling. Vul het verloop zelf in "
                        "(Instellingen: 'Projectie: verloop per jaar').")
    elif active_at_start is not None and active_at_start < MIN_ACTIVE_AT_START:
        warnings.append(f"Het verloop is gemeten op maar {active_at_start} klanten die een jaar geleden actief "
                        "waren: de percentages zijn onzeker.")
    for key, label, value in (("new", "Nieuwe klanten", new_rate), ("churn", "Verloop", churn_rate)):
        low, high = bounds[key]
        if value is not None and math.isfinite(value) and not low <= value <= high:
            warnings.append(f"{label} {_pct(value)} per jaar ligt buiten het gebruikelijke bereik ({_pct(low)} tot "
                            f"{_pct(high)}): de projectie is een rekenvoorbeeld, geen voorspelling.")
    return warnings
