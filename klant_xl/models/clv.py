"""Customer lifetime value (CLV) over a horizon, with margin and discounting.

The CLV of a customer over ``H`` months is the discounted margin on the
purchases expected in each month:

``CLV = margin * E(M) * sum_{i=1..H} (E[Y(i)] - E[Y(i - 1)]) / (1 + d)^i``

with ``E[Y(t)]`` the expected number of purchases in the first ``t`` months
(from a transaction model, equation (10) of [1]_ for the BG/NBD), ``E(M)`` the
expected spend per purchase (Gamma-Gamma, equation (5) of [2]_), and ``d`` the
monthly rate equivalent to the annual discount rate,
``d = (1 + annual)^(1/12) - 1``. Cash flows are discounted at the end of the
month they fall in; this is the discrete approximation of the discounted
expected transactions of [3]_.

References
----------
.. [1] Fader, P.S., B.G.S. Hardie and K.L. Lee (2005), "'Counting Your
   Customers' the Easy Way: An Alternative to the Pareto/NBD Model",
   Marketing Science, 24 (2), 275-284.
.. [2] Fader, P.S. and B.G.S. Hardie (2013), "The Gamma-Gamma Model of
   Monetary Value", http://brucehardie.com/notes/025/.
.. [3] Fader, P.S., B.G.S. Hardie and K.L. Lee (2005), "RFM and CLV: Using
   Iso-Value Curves for Customer Base Analysis", Journal of Marketing
   Research, 42 (4), 415-430.

Examples
--------
One purchase of 100 euro a month, 30% margin, no discounting, a year:

>>> float(customer_lifetime_value(lambda days: days / DAYS_PER_MONTH, 100.0, 12, 0.3, 0.0)[0])
360.0
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from klant_xl.errors import InvoerFout

__all__ = ["DAYS_PER_MONTH", "customer_lifetime_value", "monthly_discount_rate"]

#: Length of a month in days (a year of 365.25 days in twelve).
DAYS_PER_MONTH = 365.25 / 12


def monthly_discount_rate(annual_discount_rate: float) -> float:
    """Monthly rate with the same effect over a year: ``(1 + annual)^(1/12) - 1``."""
    return (1.0 + float(annual_discount_rate)) ** (1.0 / 12.0) - 1.0


def customer_lifetime_value(
    cumulative_purchases: Callable[[float], np.ndarray],
    expected_value,
    months: int = 12,
    margin: float = 0.3,
    annual_discount_rate: float = 0.10,
) -> np.ndarray:
    """Discounted margin over the next ``months`` months, per customer.

    Parameters
    ----------
    cumulative_purchases : callable
        ``f(days) -> array``: expected purchases of each customer in the next
        ``days`` days (e.g. :func:`klant_xl.models.bgnbd.expected_purchases`
        with the days converted to the fit's unit).
    expected_value : float or array_like
        Expected spend per purchase, per customer.
    months : int
        Horizon in months (0 gives 0).
    margin : float
        Gross margin as a fraction (0.3 = 30%).
    annual_discount_rate : float
        Discount rate per year as a fraction (0.10 = 10%).

    Returns
    -------
    numpy.ndarray
    """
    if not 0 <= margin <= 1:
        raise InvoerFout(f"De marge moet tussen 0% en 100% liggen, niet {margin!r}.")
    if not annual_discount_rate > -1:
        raise InvoerFout(f"De disconteringsvoet moet groter zijn dan -100%, niet {annual_discount_rate!r}.")
    if months < 0 or int(months) != months:
        raise InvoerFout(f"De horizon van de klantwaarde moet een heel aantal maanden zijn, niet {months!r}.")
    d = monthly_discount_rate(annual_discount_rate)
    value = np.asarray(expected_value, dtype=float)
    previous = np.asarray(cumulative_purchases(0.0), dtype=float)
    discounted = np.zeros(np.broadcast(previous, value).shape)
    for i in range(1, int(months) + 1):
        current = np.asarray(cumulative_purchases(i * DAYS_PER_MONTH), dtype=float)
        discounted = discounted + (current - previous) / (1.0 + d) ** i
        previous = current
    return np.atleast_1d(margin * value * discounted)
