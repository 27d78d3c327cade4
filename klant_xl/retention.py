"""The retention period (SPEC §3 *Bewaartermijn*, seed 003): who must go, and their pseudonyms.

Do not keep data of lost customers longer than the retention period: :func:`retention_flags`
marks them, :func:`purge_plan` lists what a purge removes or pseudonymises
(:func:`pseudonym`, a keyed hash). The shell that applies a plan to a workbook file is
:mod:`klant_xl.excel.purge`. Nothing here reads the clock: the peildatum is an argument.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, WaardeFout
from klant_xl.status import aligned_status
from klant_xl.summary import require_columns, summary_reference_date
from klant_xl.values import customer_id, number_or_nan, parse_date
from klant_xl.vocabulary import LOST, PERSONAL_COLUMNS

__all__ = [
    "PERSONAL_COLUMNS",
    "PLAN_COLUMNS",
    "PSEUDONYM_PREFIX",
    "is_pseudonym",
    "pseudonym",
    "purge_plan",
    "retention_cutoff",
    "retention_flags",
]

PLAN_COLUMNS = ("Pseudoniem", "Laatste activiteit")


PSEUDONYM_PREFIX = "KLANT-"


_PSEUDONYM_RE = re.compile(r"^KLANT-[0-9A-F]{8,16}$", re.IGNORECASE)  # ids may come back lower-cased (e-mail rule)


def _retention_years(value) -> float:
    years = number_or_nan(value)
    if not (years > 0 and math.isfinite(years)):
        raise WaardeFout("Bewaartermijn", None, value, "geen aantal jaren groter dan 0")
    return years


def retention_cutoff(reference_date, retention_years) -> pd.Timestamp:
    """The day before which last activity is older than the retention period.

    Whole years go back by calendar years (29 February falls back to 28 February);
    a fraction of a year counts 365.25 days a year.

    >>> retention_cutoff("2026-11-24", 7)
    Timestamp('2019-11-24 00:00:00')
    >>> retention_cutoff("2026-11-24", 0.5)
    Timestamp('2026-05-25 00:00:00')
    """
    years = _retention_years(retention_years)
    day = parse_date(reference_date, "Peildatum")  # the one date parser: "24-11-2026" is 24 November
    if day is None:
        raise InvoerFout("Peildatum ontbreekt: geef een datum, bijvoorbeeld 24-11-2026.")
    if years.is_integer():
        return day - pd.DateOffset(years=int(years))
    return day - pd.Timedelta(days=round(years * 365.25))


def is_pseudonym(value) -> bool:
    """Whether a customer id is a pseudonym made by :func:`pseudonym`.

    >>> is_pseudonym("KLANT-3FA9C2D1"), is_pseudonym("1001")
    (True, False)
    """
    key = customer_id(value)
    return bool(key and _PSEUDONYM_RE.match(key))


def retention_flags(summary: pd.DataFrame, status, reference_date, retention_years, active_after=()) -> pd.Series:
    """Customers whose data may no longer be kept (SPEC §3 *Bewaartermijn*, seed 003).

    Parameters
    ----------
    summary : pd.DataFrame
        Per-customer summary with ``Laatste activiteit``, index ``Klant``.
    status : pd.Series, pd.DataFrame or None
        ``Status`` per customer; only ``Verloren`` customers are flagged. None: the
        age criterion alone (use only when the verloren-drempel is shorter than the
        retention period, where it implies ``Verloren``).
    reference_date : date-like or None
        Peildatum (None: the summary's own, :func:`klant_xl.summary.summary_reference_date`).
    retention_years : float
        Retention period in years (``Settings.retention_years``).
    active_after : iterable of str, optional
        Customers with activity after the peildatum
        (:meth:`klant_xl.engine.TransactionEngine.customers_after_reference`): never flagged, whatever
        the peildatum saw (a purge as of an old peildatum would delete a customer who bought since).

    Returns
    -------
    pd.Series
        Bool ``Verwijderen`` on the summary's index: lost, and last activity strictly
        before :func:`retention_cutoff`. Ids that already are pseudonyms, and ``active_after``, are never
        flagged.

    >>> summary = pd.DataFrame({"Laatste activiteit": pd.to_datetime(["2019-11-23", "2019-11-24", "2019-01-01"])},
    ...                        index=pd.Index(["a", "b", "c"], name="Klant"))
    >>> status = pd.Series(["Verloren", "Verloren", "Inactief"], index=summary.index)
    >>> retention_flags(summary, status, "2026-11-24", 7).tolist()
    [True, False, False]
    """
    require_columns(summary, ("Laatste activiteit",))
    day = summary_reference_date(summary, reference_date)
    cutoff = retention_cutoff(day, retention_years)
    old = pd.to_datetime(summary["Laatste activiteit"]) < cutoff
    if status is not None:
        old &= (aligned_status(status, summary.index) == LOST).to_numpy()
    ids = summary["Klant"] if "Klant" in summary.columns else summary.index.to_series()
    old &= ~np.array([is_pseudonym(v) for v in ids], dtype=bool)
    active_after = {str(k) for k in active_after}
    if active_after:
        old &= ~np.array([str(v) in active_after for v in ids], dtype=bool)
    return pd.Series(old.to_numpy(dtype=bool), index=summary.index, name="Verwijderen")


def pseudonym(customer, salt: str, length: int = 8) -> str:
    """A stable, non-reversible stand-in for a customer id: ``KLANT-`` + hex of a keyed hash.

    HMAC-SHA256 of the customer id (:func:`klant_xl.values.customer_id` text) keyed with ``salt``:
    the same id and salt always give the same pseudonym, and without the salt the
    id cannot be found back by trying ids. Keep the salt secret or throw it away.

    >>> pseudonym(1001, "zout") == pseudonym("1001", "zout") != pseudonym("1001", "peper")
    True
    >>> len(pseudonym("1001", "zout")), pseudonym("1001", "zout").startswith("KLANT-")
    (14, True)
    """
    key = customer_id(customer) or ""
    digest = hmac.new(str(salt).encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[: int(length)].upper()


def purge_plan(summary: pd.DataFrame, status, reference_date, retention_years, salt: str,
               active_after=()) -> pd.DataFrame:
    """The customers to remove or pseudonymise, with their pseudonyms.

    Parameters
    ----------
    summary, status, reference_date, retention_years, active_after
        As for :func:`retention_flags` (``status`` may be None).
    salt : str
        Key for :func:`pseudonym`; the shell draws a random one per purge.

    Returns
    -------
    pd.DataFrame
        Index ``Klant`` (the flagged customers, sorted), columns ``Pseudoniem`` and
        ``Laatste activiteit``. Pseudonyms are unique and differ from every customer id
        in ``summary``: on a collision of the 8-hex form all get 12 hex, then 16.
    """
    flags = retention_flags(summary, status, reference_date, retention_years, active_after)
    ids = pd.Index([customer_id(v) for v in (summary["Klant"] if "Klant" in summary.columns else summary.index)],
                   dtype=object)
    chosen = ids[flags.to_numpy()]
    last = pd.to_datetime(summary["Laatste activiteit"]).to_numpy()[flags.to_numpy()]
    taken = set(ids[~flags.to_numpy()])
    for length in (8, 12, 16):
        names = [pseudonym(k, salt, length) for k in chosen]
        if len(set(names)) == len(names) and not taken.intersection(names):
            break
    else:  # pragma: no cover - 64-bit collision
        raise InvoerFout("Kon geen unieke pseudoniemen maken; probeer het opnieuw.")
    plan = pd.DataFrame(dict(zip(PLAN_COLUMNS, (names, last))), index=pd.Index(chosen, name="Klant", dtype=object))
    return plan.sort_index()
