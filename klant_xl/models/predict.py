"""Per-customer predictions for the Klanten sheet and the Overzicht.

One call turns the per-customer summary (``summary.customer_summary``) into
the model columns: chance still active, expected purchases, expected date of
the next purchase, expected order value and CLV (SPEC §3, "Predictive").

The transaction model is the modified BG/NBD by default (see
:mod:`klant_xl.models.mbgnbd` for why); ``model="bgnbd"`` gives the BG/NBD.
Time is measured in weeks inside the fit (``time_unit_days=7``), like the
published CDNOW values, so the parameters in ``.attrs`` compare with them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, KolomOntbreekt, ModelFout, TeWeinigGegevens
from klant_xl.models import bgnbd, clv, gamma_gamma, mbgnbd
from klant_xl.models import __all__  # this module's API is the package's: klant_xl/models/__init__.py lists it
from klant_xl.models._fit import distinct_rows
from klant_xl.summary import summary_reference_date
from klant_xl.engine import TransactionEngine, engine_for

#: Transaction models by name.
MODELS = {"bgnbd": bgnbd, "mbgnbd": mbgnbd}
#: The model behind "kans actief" in the workbook.
DEFAULT_MODEL = "mbgnbd"
#: Columns of :func:`predict_customers`, in order.
PREDICTION_COLUMNS = (
    "Kans actief",
    "Verwachte aankopen",
    "Verwachte volgende aankoop",
    "Verwachte bestelwaarde",
    "CLV",
)
_MODEL_NAMES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD (gewijzigd BG/NBD)"}
_UNIT_NAMES = {1: "dagen", 7: "weken"}


#: Waiting times longer than this give no "Verwachte volgende aankoop" (blank instead of a date).
MAX_WAIT_DAYS = 36_525.0


def _peildatum(summary: pd.DataFrame, reference_date=None) -> pd.Timestamp:
    return summary_reference_date(summary, reference_date)


def _model(name: str):
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise InvoerFout(f"Onbekend model {name!r}; kies uit: {known}.") from None


def model_inputs(summary: pd.DataFrame, time_unit_days: float = 7, reference_date=None) -> pd.DataFrame:
    """Frequency, recency and age per customer, in units of ``time_unit_days`` days.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-customer summary (``Eerste aankoop``, ``Laatste aankoop``,
        ``Aankopen``).
    time_unit_days : float
        7 for weeks (default), 1 for days.
    reference_date : date, optional
        The peildatum; default the summary's own (:func:`klant_xl.summary.summary_reference_date`).

    Returns
    -------
    pandas.DataFrame
        On the summary's index: ``frequency`` = ``Aankopen`` - 1 (repeat
        occasions), ``recency`` = last - first purchase, ``T`` = peildatum -
        first purchase. NaN for customers without a purchase (only returns).

    Examples
    --------
    >>> s = pd.DataFrame({"Eerste aankoop": pd.to_datetime(["2024-01-01", "2024-03-04"]),
    ...                   "Laatste aankoop": pd.to_datetime(["2024-02-05", "2024-03-04"]),
    ...                   "Aankopen": [3, 1]}, index=pd.Index(["A", "B"], name="Klant"))
    >>> model_inputs(s, reference_date="2024-04-01").round(2).to_dict("index")
    {'A': {'frequency': 2.0, 'recency': 5.0, 'T': 13.0}, 'B': {'frequency': 0.0, 'recency': 0.0, 'T': 4.0}}
    """
    for column in ("Eerste aankoop", "Laatste aankoop", "Aankopen"):
        if column not in summary.columns:
            raise KolomOntbreekt(column, summary.columns)
    if not time_unit_days > 0:
        raise InvoerFout(f"De tijdseenheid moet een positief aantal dagen zijn, niet {time_unit_days!r}.")
    ref = _peildatum(summary, reference_date)
    unit = pd.Timedelta(days=float(time_unit_days))
    first = pd.to_datetime(summary["Eerste aankoop"])
    last = pd.to_datetime(summary["Laatste aankoop"])
    occasions = pd.to_numeric(summary["Aankopen"], errors="coerce").astype(float)
    ok = first.notna() & last.notna() & (occasions >= 1)
    frequency = (occasions - 1).where(ok)
    recency = ((last - first) / unit).where(ok)
    age = ((ref - first) / unit).where(ok)
    out = pd.DataFrame(
        {"frequency": frequency.astype(float), "recency": recency.astype(float), "T": age.astype(float)},
        index=summary.index,
    )
    if (out["T"] < 0).any():
        raise InvoerFout("De peildatum ligt voor de eerste aankoop van een klant.")
    return out


def repeat_spend(transactions: pd.DataFrame, reference_date, customers=None) -> pd.DataFrame:
    """Repeat purchase occasions and their mean amount per customer (Gamma-Gamma input).

    An occasion is a day with at least one line >= 0 (SPEC §3); its amount is
    the sum of that day's lines. The first occasion is left out, as in the
    CDNOW ``zbar`` of [1]_ of :mod:`.gamma_gamma`.

    Returns
    -------
    pandas.DataFrame
        Index ``Klant``; ``frequency`` (repeat occasions) and
        ``monetary_value`` (their mean amount, NaN without repeats).
    """

    if not isinstance(transactions, TransactionEngine) and "Bedrag" not in transactions.columns:
        raise KolomOntbreekt("Bedrag", transactions.columns)
    for column in ("Klant", "Datum"):
        if isinstance(transactions, pd.DataFrame) and column not in transactions.columns:
            raise KolomOntbreekt(column, transactions.columns)
    return engine_for(transactions, reference_date).repeat_spend(customers)


def _given_params(parameters) -> bgnbd.BGNBDParams:
    """Parameters from ``attrs["parameters"]`` (a dict) or a 4-tuple."""
    if isinstance(parameters, dict):
        return bgnbd.BGNBDParams(*(float(parameters[k]) for k in ("r", "alpha", "a", "b")))
    return bgnbd.BGNBDParams(*(float(v) for v in parameters))


def predict_customers(
    summary: pd.DataFrame,
    transactions: pd.DataFrame | None = None,
    horizon_days: float = 365,
    margin: float = 0.3,
    annual_discount_rate: float = 0.10,
    clv_horizon_months: int = 12,
    model: str = DEFAULT_MODEL,
    time_unit_days: float = 7,
    reference_date=None,
) -> pd.DataFrame:
    """Model columns of the Klanten sheet, one row per customer.

    Fits the transaction model (default the modified BG/NBD) on
    :func:`model_inputs` and the Gamma-Gamma spend model, then predicts per
    customer.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-customer summary (:func:`klant_xl.summary.customer_summary`).
    transactions : pandas.DataFrame, optional
        Canonical transactions. When given, the spend model uses the repeat
        occasions' mean amount (first purchase excluded, as in the literature);
        otherwise every occasion (``Gem. bestelwaarde`` over ``Aankopen``).
    horizon_days : float
        Period of "Verwachte aankopen", in days.
    margin, annual_discount_rate : float
        Fractions, for the CLV.
    clv_horizon_months : int
        CLV horizon in months.
    model : {"mbgnbd", "bgnbd"}
    time_unit_days : float
        Time unit of the fit (7 = weeks).

    Returns
    -------
    pandas.DataFrame
        On the summary's index, columns :data:`PREDICTION_COLUMNS`:

        - ``Kans actief``: probability the customer is still active
          (:func:`.mbgnbd.probability_alive`);
        - ``Verwachte aankopen``: expected purchases in the next ``horizon_days``;
        - ``Verwachte volgende aankoop``: peildatum + median waiting time given
          still active (:func:`.bgnbd.median_time_to_next_purchase`), rounded to
          the day; NaT without a purchase;
        - ``Verwachte bestelwaarde``: Gamma-Gamma expected spend per purchase
          (NaN when there are no amounts; when the Gamma-Gamma model cannot be
          fitted — too few repeat buyers, or all amounts equal — the
          customer's own mean, with the reason in ``attrs["spend_message"]``);
        - ``CLV``: discounted margin over ``clv_horizon_months`` (:mod:`.clv`).

        ``.attrs``: ``model``, ``model_name`` (Dutch), ``parameters`` (dict, alpha
        in ``time_unit_days``), ``log_likelihood``, ``n_customers``,
        ``n_repeat_buyers``, ``spend_model`` (``"gamma_gamma"``, ``"eigen
        gemiddelde"`` or None without amounts), ``spend_message`` (Dutch, or
        None), ``spend_parameters`` / ``spend_log_likelihood`` (None unless
        the Gamma-Gamma model was fitted), ``time_unit_days``, ``peildatum``,
        ``horizon_days``, ``clv_horizon_months``, ``margin``,
        ``annual_discount_rate``.

    Raises
    ------
    TeWeinigGegevens
        Too few customers or repeat buyers (Dutch message with the counts needed).
    ModelFout
        The transaction model did not converge (the spend model falls back instead).
    """
    module = _model(model)
    ref = _peildatum(summary, reference_date)
    if not horizon_days >= 0:
        raise InvoerFout(f"De voorspelperiode moet 0 of meer dagen zijn, niet {horizon_days!r}.")
    inputs = model_inputs(summary, time_unit_days, ref)
    valid = inputs.notna().all(axis=1).to_numpy()
    x_all, tx_all, T_all = (inputs[c].to_numpy() for c in ("frequency", "recency", "T"))
    x, t_x, T = x_all[valid], tx_all[valid], T_all[valid]
    # Fit and predict on the distinct histories only; customers share them a lot (the fit would
    # group the rows again: grouped ones with their weights it takes as they are).
    (hx, ht, hT), weights, inverse = distinct_rows(x, t_x, T)
    fitted = module.fit(hx, ht, hT, weights=weights)
    params = fitted.params
    horizon = float(horizon_days) / time_unit_days
    alive = module.probability_alive(params, hx, ht, hT)
    purchases = module.expected_purchases(params, horizon, hx, ht, hT)
    wait_days = bgnbd.median_time_to_next_purchase(params, hx, hT) * time_unit_days

    n = len(summary)
    out = pd.DataFrame(index=summary.index)
    col_alive = np.full(n, np.nan)
    col_purchases = np.full(n, np.nan)
    col_alive[valid] = alive[inverse]
    col_purchases[valid] = purchases[inverse]
    wait = np.full(n, np.nan)
    wait[valid] = wait_days[inverse]
    # A median wait beyond a century says "not expected to buy again", not a date (and overflows datetime64).
    wait[wait > MAX_WAIT_DAYS] = np.nan
    next_date = (ref + pd.to_timedelta(wait, unit="D")).round("D") if n else pd.DatetimeIndex([])
    out["Kans actief"] = col_alive
    out["Verwachte aankopen"] = col_purchases
    out["Verwachte volgende aankoop"] = pd.DatetimeIndex(next_date).astype("datetime64[ns]")

    value = np.full(n, np.nan)
    lifetime = np.full(n, np.nan)
    spend_params = spend_ll = spend_message = None
    spend_model = None
    # after the transaction model, not beside it: the analysis already fits the models on a thread
    # of their own, and a third busy thread on two cores made a 10M-row analysis 13% slower
    spend_x, spend_m, spend_fit = _spend_fit(summary, transactions, ref, valid)
    if spend_fit is not None:  # there are amounts (see _spend_fit)
        if isinstance(spend_fit, (TeWeinigGegevens, ModelFout)):
            # Kans actief stays useful; the order value falls back to the customer's own mean.
            spend_model = "eigen gemiddelde"
            spend_message = f"{spend_fit} Verwachte bestelwaarde = het eigen gemiddelde van de klant."
            value[valid] = _own_mean(summary, spend_m)[valid]
        else:
            spend_model = "gamma_gamma"
            spend_params = spend_fit.params
            spend_ll = spend_fit.log_likelihood
            value[valid] = gamma_gamma.expected_value(spend_params, spend_x[valid], spend_m[valid])

        # E[Y(t)] = P(alive) * E[Y(t) | alive]; the second factor depends on (x, T) only.
        (gx, gT), _, to_group = distinct_rows(hx, hT)
        modified = fitted.model == "mbgnbd"

        def cumulative(days):
            return bgnbd.purchases_if_alive(params, days / time_unit_days, gx, gT, modified)

        per_group = clv.customer_lifetime_value(cumulative, 1.0, clv_horizon_months, margin, annual_discount_rate)
        per_history = per_group[to_group] * alive
        lifetime[valid] = per_history[inverse] * value[valid]
    out["Verwachte bestelwaarde"] = value
    out["CLV"] = lifetime

    out.attrs.update(
        model=fitted.model,
        model_name=_MODEL_NAMES[fitted.model],
        parameters={k: float(v) for k, v in params._asdict().items()},
        log_likelihood=float(fitted.log_likelihood),
        n_customers=fitted.n_customers,
        n_repeat_buyers=fitted.n_repeat_buyers,
        iterations=fitted.iterations,
        spend_parameters=None if spend_params is None else {k: float(v) for k, v in spend_params._asdict().items()},
        spend_log_likelihood=None if spend_ll is None else float(spend_ll),
        spend_model=spend_model,
        spend_message=spend_message,
        time_unit_days=float(time_unit_days),
        peildatum=ref,
        horizon_days=float(horizon_days),
        clv_horizon_months=int(clv_horizon_months),
        margin=float(margin),
        annual_discount_rate=float(annual_discount_rate),
    )
    return out


def _spend_fit(summary, transactions, ref, valid):
    """(x, mean amount, Gamma-Gamma fit or the reason it failed, or None without amounts) for the customers ``valid``."""
    spend_x, spend_m = _spend_inputs(summary, transactions, ref)
    if spend_m is None or not np.isfinite(spend_m).any():
        return spend_x, spend_m, None
    try:
        return spend_x, spend_m, gamma_gamma.fit(spend_x[valid], spend_m[valid])
    except (TeWeinigGegevens, ModelFout) as exc:
        return spend_x, spend_m, exc


def _own_mean(summary, spend_m):
    """Each customer's own mean order value (all occasions), else the overall mean."""
    own = np.asarray(spend_m, dtype=float).copy()
    if "Omzet" in summary.columns:
        occasions = pd.to_numeric(summary["Aankopen"], errors="coerce").to_numpy(float)
        revenue = pd.to_numeric(summary["Omzet"], errors="coerce").to_numpy(float)
        with np.errstate(all="ignore"):
            own = np.where(occasions > 0, revenue / occasions, own)
    own = np.where(np.isfinite(own), np.maximum(own, 0.0), np.nan)
    fill = np.nanmean(own) if np.isfinite(own).any() else np.nan
    return np.where(np.isfinite(own), own, fill)


def _spend_inputs(summary, transactions, ref):
    """(x, mean amount) per summary row for the Gamma-Gamma fit; (None, None) without amounts."""
    if transactions is not None:
        spend = repeat_spend(transactions, ref, customers=summary.index)
        return spend["frequency"].to_numpy(float), spend["monetary_value"].to_numpy(float)
    if "Omzet" not in summary.columns:
        return None, None
    occasions = pd.to_numeric(summary["Aankopen"], errors="coerce").to_numpy(float)
    revenue = pd.to_numeric(summary["Omzet"], errors="coerce").to_numpy(float)
    with np.errstate(all="ignore"):
        mean = np.where(occasions > 0, revenue / occasions, np.nan)
    return np.nan_to_num(occasions), mean


def expected_active_next_year(
    summary: pd.DataFrame,
    *,
    horizon_days: float = 365,
    model: str = DEFAULT_MODEL,
    time_unit_days: float = 7,
    parameters=None,
    reference_date=None,
) -> float:
    """Expected number of today's customers that buy at least once in the next ``horizon_days``.

    Sums :func:`.mbgnbd.probability_purchase_within` (or the BG/NBD one) over
    the customers: ``P(alive) * (1 - ((alpha + T) / (alpha + T + t))^(r + x))``.
    New customers are not included. Suggested label: "Verwacht aantal klanten
    dat komend jaar koopt".

    Parameters
    ----------
    summary : pandas.DataFrame
    horizon_days : float
    model : {"mbgnbd", "bgnbd"}
    time_unit_days : float
    parameters : dict, optional
        ``predict_customers(...).attrs["parameters"]`` to skip refitting (must
        be fitted with the same ``model`` and ``time_unit_days``).

    Returns
    -------
    float
    """
    module = _model(model)
    inputs = model_inputs(summary, time_unit_days, reference_date).dropna()
    x, t_x, T = (inputs[c].to_numpy() for c in ("frequency", "recency", "T"))
    params = module.fit(x, t_x, T).params if parameters is None else _given_params(parameters)
    return float(module.probability_purchase_within(params, horizon_days / time_unit_days, x, t_x, T).sum())


def model_report(predictions: pd.DataFrame) -> pd.DataFrame:
    """The fit of :func:`predict_customers` as a small Dutch table for the Overzicht.

    Returns
    -------
    pandas.DataFrame
        Columns ``Onderdeel``, ``Waarde``: model, peildatum, customers, repeat
        buyers, parameters, log-likelihood, spend-model parameters.
    """
    a = predictions.attrs
    unit = _UNIT_NAMES.get(a["time_unit_days"], f"eenheden van {a['time_unit_days']:g} dagen")
    p = a["parameters"]
    rows = [
        ("Model kans actief", a["model_name"]),
        ("Peildatum", a["peildatum"].date().isoformat()),
        ("Klanten in het model", a["n_customers"]),
        ("Waarvan met herhaalaankoop", a["n_repeat_buyers"]),
        ("r (koopfrequentie, vorm)", round(p["r"], 4)),
        (f"alpha (koopfrequentie, schaal in {unit})", round(p["alpha"], 4)),
        ("a (kans op afhaken, vorm)", round(p["a"], 4)),
        ("b (kans op afhaken, vorm)", round(p["b"], 4)),
        ("Log-likelihood", round(a["log_likelihood"], 2)),
    ]
    if a.get("spend_message"):
        rows.append(("Bestelwaarde", a["spend_message"]))
    if a.get("spend_parameters"):
        s = a["spend_parameters"]
        rows += [
            ("Bestelwaarde p", round(s["p"], 4)),
            ("Bestelwaarde q", round(s["q"], 4)),
            ("Bestelwaarde gamma", round(s["gamma"], 4)),
            ("Bestelwaarde log-likelihood", round(a["spend_log_likelihood"], 2)),
        ]
    return pd.DataFrame(rows, columns=["Onderdeel", "Waarde"])
