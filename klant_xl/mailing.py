"""Lists for a mailing tool (seed 003): who to leave out of regular campaigns, as CSV.

:func:`exclusion_list` (the sleepers and the lost), :func:`leave_out_opted_out`,
:func:`mailing_csv_text` / :func:`write_mailing_csv` (UTF-8 with BOM, ``;``, formula-like
cells neutralised against CSV injection), and :func:`add_contact_details`, which copies
contact columns into such a list (the win-back list uses it too).
"""

from __future__ import annotations

import csv
import io
import math
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

from klant_xl.status import aligned_status
from klant_xl.summary import by_customer, require_columns
from klant_xl.vocabulary import CONTACT_DETAIL_COLUMNS, INACTIVE, LOST

__all__ = [
    "CONTACT_DETAIL_COLUMNS",
    "EXCLUSION_COLUMNS",
    "FORMULA_PREFIXES",
    "add_contact_details",
    "exclusion_list",
    "leave_out_opted_out",
    "mailing_csv_text",
    "write_mailing_csv",
]

#: A CSV cell starting with one of these is prefixed with "'" (CSV formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


EXCLUSION_COLUMNS = ("Klant", "Status", "Laatste activiteit", "Dagen sinds activiteit")


def add_contact_details(frame: pd.DataFrame, chosen: pd.DataFrame, contact_details) -> None:
    """Copy contact columns (from the summary rows ``chosen`` and from ``contact_details``) into ``frame``."""
    for column in CONTACT_DETAIL_COLUMNS:
        if column in chosen.columns:
            frame[column] = chosen[column].to_numpy()
    if contact_details is not None:
        details = by_customer(contact_details)
        details = details[~details.index.duplicated(keep="last")]
        for column in details.columns:
            frame[str(column)] = details[column].reindex(frame["Klant"]).to_numpy()


def exclusion_list(summary: pd.DataFrame, status, statuses=(INACTIVE, LOST), contact_details=None) -> pd.DataFrame:
    """Customers to leave out of regular campaigns (seed 003: stop mailing sleepers).

    Parameters
    ----------
    summary : pd.DataFrame
        Per-customer summary, index ``Klant``; contact columns in it are copied.
    status : pd.Series or pd.DataFrame
        ``Status`` per customer.
    statuses : sequence of str
        Which statuses to list (default ``Inactief`` and ``Verloren``).
    contact_details : pd.DataFrame, optional
        Contact data per customer (index or column ``Klant``).

    Returns
    -------
    pd.DataFrame
        ``Klant``, ``Status``, ``Laatste activiteit``, ``Dagen sinds activiteit``, then
        contact columns; ordered by ``statuses``, then most recent activity first.

    >>> summary = pd.DataFrame({"Laatste activiteit": pd.to_datetime(["2026-01-01", "2025-01-01", "2026-06-01"]),
    ...                         "Dagen sinds activiteit": [200.0, 565.0, 60.0]},
    ...                        index=pd.Index(["a", "b", "c"], name="Klant"))
    >>> exclusion_list(summary, pd.Series(["Inactief", "Verloren", "Actief"], index=summary.index))["Klant"].tolist()
    ['a', 'b']
    """
    summary = by_customer(summary)
    require_columns(summary, ("Laatste activiteit", "Dagen sinds activiteit"))
    status = aligned_status(status, summary.index)
    wanted = [str(s) for s in statuses]
    chosen = summary.loc[status.isin(wanted).to_numpy()]
    frame = pd.DataFrame(dict(zip(EXCLUSION_COLUMNS, (
        chosen.index.astype(object),
        status.loc[chosen.index].to_numpy(),
        pd.to_datetime(chosen["Laatste activiteit"]).to_numpy(),
        chosen["Dagen sinds activiteit"].astype("float64").to_numpy(),
    ))))
    add_contact_details(frame, chosen, contact_details)
    frame["_order"] = frame["Status"].map({s: i for i, s in enumerate(wanted)})
    frame = frame.sort_values(["_order", "Laatste activiteit", "Klant"], ascending=[True, False, True],
                              kind="mergesort")
    return frame.drop(columns="_order").reset_index(drop=True)


def leave_out_opted_out(frame: pd.DataFrame, limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """A mailing list without the customers who opted out of marketing (``Nieuwsbrief`` is False).

    Customers whose opt-in is unknown (blank) stay on the list. ``limit``: at most that many
    customers, the first ones of ``frame`` that may be mailed (so ``--aantal 4`` gives four
    when four may be mailed). Returns the list and how many were left out on the way.

    >>> frame = pd.DataFrame({"Klant": ["a", "b", "c", "d"], "Nieuwsbrief": [True, False, None, True]})
    >>> kept, left_out = leave_out_opted_out(frame)
    >>> kept["Klant"].tolist(), left_out
    (['a', 'c', 'd'], 1)
    >>> kept, left_out = leave_out_opted_out(frame, limit=2)
    >>> kept["Klant"].tolist(), left_out
    (['a', 'c'], 1)
    """
    if "Nieuwsbrief" not in frame.columns:
        opted_out = np.zeros(len(frame), dtype=bool)
    else:
        opted_out = frame["Nieuwsbrief"].map(lambda v: v is False or v is np.False_).to_numpy(dtype=bool)
    end = len(frame)
    if limit is not None:
        kept_positions = np.flatnonzero(~opted_out)
        end = int(kept_positions[limit - 1]) + 1 if 0 < limit <= len(kept_positions) else (0 if limit <= 0 else end)
    return frame[:end][~opted_out[:end]].reset_index(drop=True), int(opted_out[:end].sum())


def _cell_text(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nee"
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):  # a time of day
            return str(value)
        if pd.isna(stamp):
            return ""
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (Integral, np.integer)):
        return str(int(value))
    if isinstance(value, (Real, np.floating)):
        number = float(value)
        if math.isnan(number):
            return ""
        if math.isinf(number):
            return "oneindig" if number > 0 else "-oneindig"
        text = f"{number:.10f}".rstrip("0").rstrip(".")
        return ("0" if text in ("", "-0") else text).replace(".", ",")
    return str(value)


def _neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def mailing_csv_text(frame: pd.DataFrame) -> str:
    """The CSV text :func:`write_mailing_csv` writes (without the byte-order mark).

    ``;``-separated (Dutch Excel), dates ``YYYY-MM-DD``, numbers with a decimal comma,
    blanks empty; every cell (headers too) that starts with ``=``, ``+``, ``-``, ``@``,
    tab or a line break is prefixed with ``'`` so a spreadsheet shows it as text and
    never runs it as a formula (CSV formula injection; a negative number therefore
    arrives as text).

    >>> mailing_csv_text(pd.DataFrame({"Klant": ["=HYPERLINK(1)", "jan"], "Omzet": [-12.5, 3.0]})).splitlines()
    ['Klant;Omzet', "'=HYPERLINK(1);'-12,5", 'jan;3']
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_neutralise(_cell_text(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_neutralise(_cell_text(v)) for v in row])
    return buffer.getvalue()


def write_mailing_csv(frame: pd.DataFrame, path) -> Path:
    """Write ``frame`` as a CSV for a mailing tool: UTF-8 with BOM, ``;``-separated.

    See :func:`mailing_csv_text` for the cell format and the formula neutralising.
    Use it for :func:`exclusion_list` (leave out of regular campaigns) and for
    :func:`winback_list` (the win-back campaign). Returns the path written.
    """
    path = Path(path)
    path.write_bytes(mailing_csv_text(frame).encode("utf-8-sig"))
    return path
