"""Read transactions and contact moments from a DataFrame, a CSV/text file or a workbook.

The result is the canonical frame of ``docs/architecture.md``: exactly the columns
:data:`TRANSACTION_COLUMNS` (or :data:`CONTACT_COLUMNS`), typed, with the row number
as the user sees it in the source as index (header = row 1, first data row = 2).

Headers
-------
Real exports name their columns in many ways. Headers are matched to the canonical
names through :data:`HEADER_ALIASES` ignoring case, spaces, accents and punctuation
(``"Customer ID"``, ``"customer_id"`` and ``"Customer-Id"`` are the same). When several
headers match one canonical column, the header equal to the canonical name itself wins,
then the one matching the earliest alias in the tuple (so ``Klantnummer`` beats
``E-mail``, and ``Created at`` beats ``Paid at``). A caller overrides the mapping with
``columns={"Klant": "Mijn kolom"}`` (the override always wins; ``None`` ignores an
optional column). In a file the header row need not be the first row: the first of the
first 30 rows that names both a customer and a date column is taken.

Rows
----
- Blank rows and rows with neither a customer nor a date (a totals row) are skipped;
  so is a row whose customer is a totals word (``Totaal``, ``Total``, ``Subtotaal``...)
  without a date.
- A row with a date but no customer (an anonymous till sale) cannot belong to a customer
  and is skipped; ``frame.attrs["rows_without_customer"]`` counts them.
- A row with a customer but a blank or bad date, or a bad amount, is an error
  (:class:`~klant_xl.errors.WaardeFout`, naming the header as in the source, the row and
  the value); :func:`read_transactions_lenient` returns such rows in a table instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, WaardeFout
from klant_xl.files import read_grid
from klant_xl.headers import (
    HEADER_ALIASES,
    TOTAL_WORDS,
    blank_mask,
    choose_columns,
    empty_error,
    is_total,
    split_header,
)
from klant_xl.values import (
    amounts_and_bad,
    cell_texts,
    customer_id_codes,
    dates_and_bad,
    expected_for,
    id_text_column,
    ids_of_codes,
    shown,
)
from klant_xl.vocabulary import CONTACT_COLUMNS, REJECTED_COLUMNS, TRANSACTION_COLUMNS

__all__ = [
    "CONTACT_COLUMNS",
    "HEADER_ALIASES",
    "REJECTED_COLUMNS",
    "TOTAL_WORDS",
    "TRANSACTION_COLUMNS",
    "load_table",
    "read_contacts",
    "read_contacts_lenient",
    "read_transactions",
    "read_transactions_lenient",
]

#: The worksheet read by default, per kind of table.
_SHEET_NAMES = {"transactions": "Transacties", "contacts": "Contactmomenten"}


def load_table(source, sheet=None, kind: str = "transactions", first_row: int | None = None):
    """A table or a file to (headers, data frame with positional columns, row numbers as the user sees them).

    A DataFrame's columns are its headers and its first row is ``first_row`` (default 2);
    a file (:func:`klant_xl.files.read_grid`) has its header row found among the first rows.
    """
    if isinstance(source, pd.DataFrame):
        headers = [str(c) for c in source.columns]
        data = source.copy(deep=False)
        data.columns = range(len(headers))
        start = 2 if first_row is None else int(first_row)
        return headers, data, np.arange(start, start + len(data))
    if not isinstance(source, (str, os.PathLike)):
        raise InvoerFout(
            f"Kan geen gegevens lezen uit {type(source).__name__}; geef een tabel of een bestand (.csv, .xlsx)."
        )
    path = Path(source)
    if not path.exists():
        raise InvoerFout(f"Bestand niet gevonden: '{path}'.")
    if path.is_dir():
        raise InvoerFout(f"'{path}' is een map, geen bestand.")
    grid = read_grid(path, sheet, _SHEET_NAMES[kind])
    headers, data, rows = split_header(grid)
    if "sheet" in grid.attrs:
        data.attrs["sheet"] = grid.attrs["sheet"]
    return headers, data, rows


def _read(source, columns, wanted: tuple[str, ...], kind: str, *, sheet, first_row, drop_duplicates):
    """The shared reader: (canonical frame, list of WaardeFout in row order)."""
    headers, data, rows = load_table(source, sheet, kind, first_row)
    chosen = choose_columns(headers, wanted, columns)
    n = len(data)

    def column(canonical):
        pos = chosen.get(canonical)
        if pos is None or pos >= data.shape[1]:
            return None
        return data.iloc[:, pos].reset_index(drop=True)

    codes, ids = customer_id_codes(column("Klant")) if n else (np.zeros(0, np.int64), np.array([], dtype=object))
    date_raw = column("Datum")
    date_blank = blank_mask(date_raw)
    no_customer = codes < 0
    total = np.zeros(len(codes), dtype=bool)
    total[date_blank] = is_total(ids_of_codes(codes[date_blank], ids))  # only rows without a date can be totals rows
    skip = (no_customer & date_blank) | total
    anonymous = no_customer & ~date_blank
    keep = ~skip & ~anonymous
    idx = np.flatnonzero(keep)
    krows = rows[idx]

    errors: list[tuple[int, int, WaardeFout]] = []
    date_header = headers[chosen["Datum"]]
    dates, bad_dates = dates_and_bad(date_raw.iloc[idx].reset_index(drop=True))
    for i in np.flatnonzero(bad_dates | date_blank[idx]):
        value = date_raw.iloc[idx[i]]
        err = empty_error(date_header, int(krows[i])) if date_blank[idx[i]] else \
            WaardeFout(date_header, int(krows[i]), shown(value), expected_for(value, "geen datum"))
        errors.append((int(krows[i]), wanted.index("Datum"), err))

    out = {"Klant": id_text_column(codes[idx], ids), "Datum": dates.to_numpy()}
    if "Bedrag" in wanted:
        amount_raw = column("Bedrag")
        if amount_raw is None:
            out["Bedrag"] = np.full(len(idx), np.nan)
        else:
            amounts, bad_amounts = amounts_and_bad(amount_raw.iloc[idx].reset_index(drop=True))
            amount_header = headers[chosen["Bedrag"]]
            for i in np.flatnonzero(bad_amounts):
                value = amount_raw.iloc[idx[i]]
                err = WaardeFout(amount_header, int(krows[i]), shown(value), expected_for(value, "geen bedrag"))
                errors.append((int(krows[i]), wanted.index("Bedrag"), err))
            out["Bedrag"] = amounts.to_numpy()
    for canonical in wanted:
        if canonical in out:
            continue
        raw = column(canonical)
        out[canonical] = (
            np.full(len(idx), None, dtype=object) if raw is None else cell_texts(raw.iloc[idx])
        )

    frame = pd.DataFrame(
        {
            c: pd.Series(out[c], dtype={"Klant": str, "Datum": "datetime64[ns]", "Bedrag": "float64"}.get(c, object))
            for c in wanted
        }
    )
    frame.index = pd.Index(krows, name="Rij", dtype="int64")
    errors.sort(key=lambda e: (e[0], e[1]))
    if errors:
        frame = frame.drop(index=sorted({e[0] for e in errors}))
    frame.attrs["rows_without_customer"] = int(anonymous.sum())
    frame.attrs["columns"] = {c: (None if chosen[c] is None else headers[chosen[c]]) for c in wanted}
    if drop_duplicates:
        dup = frame.duplicated(keep="first")
        frame.attrs["duplicates_dropped"] = int(dup.sum())
        frame = frame[~dup]
    return frame, [e[2] for e in errors]


def _rejected_table(errors: list[WaardeFout]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Rij": pd.Series([e.row for e in errors], dtype="int64"),
            "Kolom": pd.Series([e.column for e in errors], dtype=object),
            "Waarde": pd.Series([e.value for e in errors], dtype=object),
            "Melding": pd.Series([str(e) for e in errors], dtype=object),
        }
    )


# --------------------------------------------------------------------------- public


def read_transactions(source, columns=None, *, sheet=None, drop_duplicates=False, first_row=None) -> pd.DataFrame:
    """Read transactions into the canonical frame.

    Parameters
    ----------
    source : pd.DataFrame, str or path
        A table (headers as columns), a ``.csv``/``.txt`` export (delimiter ``;``, ``,``,
        tab or ``|`` and encoding UTF-8/UTF-16/cp1252 detected), or a workbook
        (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``).
    columns : dict, optional
        Canonical name -> header in the source, overriding :data:`HEADER_ALIASES`
        (``{"Klant": "Lidnummer"}``); ``None`` as header ignores an optional column.
    sheet : str or int, optional
        Worksheet of a workbook; default the sheet named ``Transacties``, else the first.
    drop_duplicates : bool
        Drop rows identical in every canonical column (keeps the first).
    first_row : int, optional
        For a DataFrame source: the row number of its first row (default 2, the row
        below a header in row 1). Files number their rows themselves.

    Returns
    -------
    pd.DataFrame
        Columns :data:`TRANSACTION_COLUMNS`: ``Klant`` str, ``Datum`` datetime64[ns]
        (midnight), ``Bedrag`` float64 (all NaN without an amount column), ``Product``
        and ``Kanaal`` object (None when absent); index ``Rij``: the row in the source.
        ``attrs["columns"]`` tells which source header became which column.

    Raises
    ------
    KolomOntbreekt
        When no customer or date column is found (the message lists the headers found).
    WaardeFout
        At the first row with a customer but a blank or bad date, or a bad amount.
    InvoerFout
        When the file is missing, empty or unreadable.

    Examples
    --------
    >>> raw = pd.DataFrame({"Klantnummer": [1001, 1002, None],
    ...                     "Orderdatum": ["23-11-2026", "24-11-2026", None],
    ...                     "Totaal": ["€ 1.234,56", "-12,50", "€ 1.222,06"]})
    >>> read_transactions(raw)  # doctest: +NORMALIZE_WHITESPACE
        Klant      Datum   Bedrag Product Kanaal
    Rij
    2    1001 2026-11-23  1234.56    None   None
    3    1002 2026-11-24   -12.50    None   None
    >>> read_transactions(raw.assign(Orderdatum=["23-11-2026", "morgen", None]))
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Orderdatum in rij 3 is geen datum: 'morgen'
    """
    frame, errors = _read(source, columns, TRANSACTION_COLUMNS, "transactions", sheet=sheet,
                          first_row=first_row, drop_duplicates=drop_duplicates)
    if errors:
        raise errors[0]
    return frame


def read_transactions_lenient(source, columns=None, *, sheet=None, drop_duplicates=False, first_row=None):
    """Read transactions, setting rows with bad values aside instead of raising.

    Parameters are those of :func:`read_transactions`.

    Returns
    -------
    frame : pd.DataFrame
        The canonical transactions frame of the good rows.
    rejected : pd.DataFrame
        One row per bad value, columns :data:`REJECTED_COLUMNS`: ``Rij`` (row in the
        source), ``Kolom`` (header as in the source), ``Waarde`` and ``Melding`` (the
        Dutch message).

    Raises
    ------
    KolomOntbreekt, InvoerFout
        As :func:`read_transactions`: a missing column or an unreadable file is not a row.

    Examples
    --------
    >>> raw = pd.DataFrame({"Klant": ["a", "b"], "Datum": ["1-3-2026", "morgen"]})
    >>> frame, rejected = read_transactions_lenient(raw)
    >>> list(frame["Klant"]), rejected["Melding"].tolist()
    (['a'], ["Datum in rij 3 is geen datum: 'morgen'"])
    """
    frame, errors = _read(source, columns, TRANSACTION_COLUMNS, "transactions", sheet=sheet,
                          first_row=first_row, drop_duplicates=drop_duplicates)
    return frame, _rejected_table(errors)


def read_contacts(source, columns=None, *, sheet=None, drop_duplicates=False, first_row=None) -> pd.DataFrame:
    """Read contact moments (website visit, e-mail opened, ...) into the canonical frame.

    Parameters are those of :func:`read_transactions`; the default sheet is
    ``Contactmomenten``.

    Returns
    -------
    pd.DataFrame
        Columns :data:`CONTACT_COLUMNS`: ``Klant`` str, ``Datum`` datetime64[ns],
        ``Soort`` object (None when absent); index ``Rij``.

    Examples
    --------
    >>> raw = pd.DataFrame({"E-mail": ["an@voorbeeld.nl"], "Datum": [46349],
    ...                     "Type": ["e-mail geopend"]})
    >>> read_contacts(raw)  # doctest: +NORMALIZE_WHITESPACE
                   Klant      Datum           Soort
    Rij
    2    an@voorbeeld.nl 2026-11-23  e-mail geopend
    """
    frame, errors = _read(source, columns, CONTACT_COLUMNS, "contacts", sheet=sheet,
                          first_row=first_row, drop_duplicates=drop_duplicates)
    if errors:
        raise errors[0]
    return frame


def read_contacts_lenient(source, columns=None, *, sheet=None, drop_duplicates=False, first_row=None):
    """Read contact moments, setting rows with bad values aside (see :func:`read_transactions_lenient`)."""
    frame, errors = _read(source, columns, CONTACT_COLUMNS, "contacts", sheet=sheet,
                          first_row=first_row, drop_duplicates=drop_duplicates)
    return frame, _rejected_table(errors)
