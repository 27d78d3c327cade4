"""Modified BG/NBD model (MBG/NBD): the model behind the workbook's "kans actief".

Like the BG/NBD (:mod:`.bgnbd`, [3]_) a customer buys as a Poisson process with
rate ``lambda ~ Gamma(r, alpha)`` and drops out with probability
``p ~ Beta(a, b)``, but the coin is also tossed right after the *first*
purchase [1]_. So a one-time buyer who has not come back for a long time gets a
falling chance of still being active, where the BG/NBD gives every one-time
buyer ``P(alive) = 1``.

Why the workbook uses this model for "kans actief": in a small shop most
customers buy once. With the BG/NBD all of them would show 100% "kans actief"
however long ago they bought, which a shop owner rightly distrusts. The
MBG/NBD fixes exactly that, keeps the BG/NBD's closed forms (no Gaussian
hypergeometric function in the likelihood, unlike the Pareto/NBD), so it fits
fast and stably on every refresh, and on CDNOW it fits as well as the BG/NBD.

Inputs and units as in :mod:`.bgnbd` (``frequency`` = repeat occasions).

References
----------
.. [1] Batislam, E.P., M. Denizel and A. Filiztekin (2007), "Empirical
   validation and comparison of models for customer base analysis",
   International Journal of Research in Marketing, 24 (3), 201-209.
.. [2] Hoppe, D. and U. Wagner (2007), "Customer base analysis: the case for
   a central variant of the Betageometric/NBD model", Marketing - Journal of
   Research and Management, 3 (2), 75-90; and Wagner, U. and D. Hoppe (2008),
   "Erratum on the MBG/NBD model", IJRM 25 (3), 225-226.
.. [3] Fader, P.S., B.G.S. Hardie and K.L. Lee (2005), "'Counting Your
   Customers' the Easy Way: An Alternative to the Pareto/NBD Model",
   Marketing Science, 24 (2), 275-284.

Examples
--------
>>> params = MBGNBDParams(r=0.525, alpha=6.183, a=0.891, b=1.614)
>>> round(float(probability_alive(params, 0, 0.0, 38.86)[0]), 3)
0.39
"""

from __future__ import annotations

from klant_xl.models import bgnbd
from klant_xl.models._fit import FitResult
from klant_xl.models.bgnbd import BGNBDParams as MBGNBDParams
from klant_xl.models.bgnbd import median_time_to_next_purchase

#: The same API as :mod:`.bgnbd` (less ``expected_purchases_new``), for the modified model.
__all__ = ["MIN_CUSTOMERS", "MIN_REPEAT_BUYERS", "MBGNBDParams", "expected_purchases", "fit", "log_likelihood",
           "median_time_to_next_purchase", "probability_alive", "probability_alive_after",
           "probability_purchase_within", "simulate"]

MIN_CUSTOMERS = bgnbd.MIN_CUSTOMERS
MIN_REPEAT_BUYERS = bgnbd.MIN_REPEAT_BUYERS

LABEL = "MBG/NBD-model"


def log_likelihood(params, frequency, recency, T, weights=None) -> float:
    """Total MBG/NBD log-likelihood.

    The individual likelihood (appendix A of [1]_) is
    ``B(a, b+x+1)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
    + B(a+1, b+x)/B(a, b) G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))``,
    the BG/NBD likelihood of [3]_ with one more dropout chance
    and the second term for every customer, one-time buyers included.
    """
    return bgnbd.log_likelihood(params, frequency, recency, T, weights, modified=True)


def fit(frequency, recency, T, weights=None, min_customers=None, min_repeat_buyers=None) -> FitResult:
    """Maximum-likelihood fit of the MBG/NBD model.

    Same procedure as :func:`klant_xl.models.bgnbd.fit` (log-parameters,
    analytic gradient, grouped rows) on the likelihood of appendix A of [1]_.

    Returns
    -------
    FitResult
        ``.model == "mbgnbd"``, ``.params`` = ``(r, alpha, a, b)``.

    Raises
    ------
    TeWeinigGegevens, ModelFout
    """
    return bgnbd.fit_variant(frequency, recency, T, weights, min_customers, min_repeat_buyers, modified=True,
                             label=LABEL, name="mbgnbd")


def probability_alive(params, frequency, recency, T):
    """Probability that the customer is still alive at ``T``.

    ``1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x))``, equation (5)
    of appendix A of [1]_; below 1 for one-time buyers too.
    """
    return bgnbd.probability_alive(params, frequency, recency, T, modified=True)


def expected_purchases(params, t, frequency, recency, T):
    """Expected purchases in the next ``t`` time units, given the history.

    The MBG/NBD counterpart of equation (10) of [3]_, as corrected in [2]_:
    ``(a + b + x) / (a - 1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))]
    * P(alive)``.
    """
    return bgnbd.expected_purchases(params, t, frequency, recency, T, modified=True)


def probability_alive_after(params, t, frequency, recency, T):
    """Probability of still being alive ``t`` time units after ``T``.

    As :func:`klant_xl.models.bgnbd.probability_alive_after`, with the dropout
    posterior ``Beta(a, b + x + 1)`` of the modified model.
    """
    return bgnbd.probability_alive_after(params, t, frequency, recency, T, modified=True)


def probability_purchase_within(params, t, frequency, recency, T):
    """Probability of at least one purchase in the next ``t`` time units.

    ``P(alive) * (1 - ((alpha + T) / (alpha + T + t))^(r + x))``.
    """
    return bgnbd.probability_purchase_within(params, t, frequency, recency, T, modified=True)


def simulate(params, T, rng):
    """Draw ``(frequency, recency)`` for customers of ages ``T`` from the MBG/NBD model."""
    return bgnbd.simulate(params, T, rng, modified=True)
