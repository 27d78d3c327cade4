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

__all__ = ["cumulative_loss", "doubling_time", "project_customers"]


def _rate(value, name: str, upper: float = 1.0) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"{name} is geen percentage: {value!r}") from exc
    if not (0.0 <= rate <= upper) or math.isnan(rate):
        raise InvoerFout(f"{name} moet tussen 0% en {upper:.0%} liggen: {value!r}")
    return rate


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
    try:
        start_count = float(start)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"Aantal klanten bij de start is geen getal: {start!r}") from exc
    if start_count < 0 or math.isnan(start_count):
        raise InvoerFout(f"Aantal klanten bij de start mag niet negatief zijn: {start!r}")
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
    try:
        n_years = float(years)
    except (TypeError, ValueError) as exc:
        raise InvoerFout(f"Aantal jaren is geen getal: {years!r}") from exc
    if n_years < 0 or math.isnan(n_years):
        raise InvoerFout(f"Aantal jaren mag niet negatief zijn: {years!r}")
    return 1.0 - (1.0 - churn) ** n_years


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
