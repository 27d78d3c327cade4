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

import csv
import io
import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, KolomOntbreekt, WaardeFout
from klant_xl.values import _expected_for, _parse_amounts, _parse_dates, _show, is_blank

__all__ = [
    "CONTACT_COLUMNS",
    "HEADER_ALIASES",
    "REJECTED_COLUMNS",
    "TOTAL_WORDS",
    "TRANSACTION_COLUMNS",
    "read_contacts",
    "read_contacts_lenient",
    "read_transactions",
    "read_transactions_lenient",
]

#: Columns of the canonical transactions frame, in order.
TRANSACTION_COLUMNS = ("Klant", "Datum", "Bedrag", "Product", "Kanaal")
#: Columns of the canonical contact-moments frame, in order.
CONTACT_COLUMNS = ("Klant", "Datum", "Soort")
#: Columns of the table of rejected rows (:func:`read_transactions_lenient`).
REJECTED_COLUMNS = ("Rij", "Kolom", "Waarde", "Melding")

#: Canonical column -> known headers, most specific first (matching ignores case,
#: spaces, accents and punctuation). Module-level data: a caller may extend it.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "Klant": (
        "Klant",
        "Klantnummer", "Klantnr", "Klant nr", "Klant-ID", "Klantcode", "Klant code",
        "Debiteurnummer", "Debiteurnr", "Debiteur", "Debiteurcode",
        "Relatienummer", "Relatienr", "Relatiecode", "Relatie",
        "Lidnummer", "Pasnummer", "Klantkaart",
        "Customer ID", "Customer Id", "customer_id", "CustomerID", "Customer Number",
        "Customer No", "Customer Code", "Client ID", "Client", "Contact ID",
        "E-mail", "Email", "E-mailadres", "Emailadres", "Mail",
        "Customer Email", "Customer E-mail", "Billing Email", "Billing Email Address",
        "Email (Billing)", "billing_email", "Buyer Email",
        "Customer", "Klantnaam", "Customer Name", "Naam klant", "Customer User",
    ),
    "Datum": (
        "Datum",
        "Orderdatum", "Besteldatum", "Aankoopdatum", "Factuurdatum", "Verkoopdatum",
        "Transactiedatum", "Boekdatum", "Kassadatum", "Datum order", "Datum bestelling",
        "Datum factuur", "Datum/tijd", "Datum tijd",
        "Date", "Order Date", "Order Date Created", "Purchase Date", "Sale Date",
        "Invoice Date", "Transaction Date", "Created at", "Created", "Created Date",
        "date_created", "order_date", "Paid at", "Paid date", "date_paid",
        "Timestamp", "Tijdstip",
    ),
    "Bedrag": (
        "Bedrag",
        "Bedrag incl. BTW", "Bedrag incl BTW", "Bedrag inclusief BTW", "Totaalbedrag",
        "Totaal incl. BTW", "Totaal", "Factuurbedrag", "Orderbedrag", "Omzet",
        "Verkoopbedrag", "Bedrag excl. BTW", "Totaal excl. BTW", "Prijs",
        "Total", "Order Total", "Order Total Amount", "order_total", "Total Amount",
        "Grand Total", "Amount", "Net Sales", "Net Revenue", "Revenue", "Sales",
        "Gross Sales", "Subtotal", "Price", "Lineitem price",
    ),
    "Product": (
        "Product",
        "Artikel", "Artikelnaam", "Productnaam", "Omschrijving", "Product(s)",
        "Lineitem name", "Item", "Item Name", "Product Name", "Description",
        "Categorie", "Productcategorie", "Category", "Product Category", "Productgroep",
        "Artikelgroep",
    ),
    "Kanaal": (
        "Kanaal",
        "Verkoopkanaal", "Channel", "Sales Channel", "Source", "Bron", "Winkel",
        "Vestiging", "Filiaal", "Store", "Shop", "Outlet", "Register", "Kassa", "Location",
    ),
    "Soort": (
        "Soort",
        "Soort contact", "Contactsoort", "Type contact", "Contacttype", "Activiteit",
        "Actie", "Gebeurtenis", "Type", "Contact type", "Activity", "Event", "Action",
    ),
}

#: Customer texts that mark a totals row when the row has no date (compared
#: lower-case without punctuation; a text starting with one of them also counts).
TOTAL_WORDS = ("totaal", "totalen", "total", "totals", "subtotaal", "subtotal",
               "eindtotaal", "grandtotal", "som", "sum")

_REQUIRED = ("Klant", "Datum")
_HEADER_SEARCH_ROWS = 30
_CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_SHEET_NAMES = {"transactions": "Transacties", "contacts": "Contactmomenten"}


def _norm(header) -> str:
    """Header key: lower case, no accents, only letters and digits."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]", "", text.lower())


# --------------------------------------------------------------------------- sources


def _decode(data: bytes) -> str:
    """Bytes of a text export to str: UTF-16 or UTF-8 (with BOM), else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    """';', ',', tab or '|': the one occurring most in the first non-blank line (quotes removed)."""
    for line in text.splitlines()[:_HEADER_SEARCH_ROWS]:
        if line.strip():
            bare = re.sub(r'"[^"]*"', "", line)
            counts = {d: bare.count(d) for d in (";", "\t", ",", "|")}
            best = max(counts, key=lambda d: counts[d])
            if counts[best] > 0:
                return best
    return ","


def _csv_problem(exc: Exception) -> str:
    text = str(exc)
    if "NUL" in text:
        return "er staan nul-tekens in, het is waarschijnlijk geen tekstbestand"
    if "new-line" in text or "newline" in text:
        return "een los regeleinde-teken (CR) midden in een veld zonder aanhalingstekens"
    return "onverwachte tekens"


def _read_text_file(path: Path) -> pd.DataFrame:
    """Every cell as text (no header), one frame row per record: position + 1 = row in Excel."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InvoerFout(
            f"Bestand '{path.name}' is geen tekstbestand maar een Excel-werkmap met de extensie "
            f"'{path.suffix}'. Geef het de extensie .xlsx (of sla het in Excel op als CSV) en probeer het opnieuw.")
    text = _decode(data)
    if not text.strip():
        raise InvoerFout(f"Bestand '{path.name}' is leeg.")
    first_line, _, rest = text.partition("\n")
    match = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip("\ufeff"))
    if match:  # Excel's "sep=;" hint line: Excel hides it, so the header is row 1
        delimiter, text = match.group(1), rest
    else:
        delimiter = _sniff_delimiter(text)
    try:
        raw = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, engine="c", quotechar='"',
        )
    except pd.errors.EmptyDataError:
        raise InvoerFout(f"Bestand '{path.name}' is leeg.") from None
    except (pd.errors.ParserError, ValueError):
        # Ragged rows (more fields further down): the csv module takes them as they come.
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            records = list(reader)
        except csv.Error as exc:
            raise InvoerFout(
                f"Bestand '{path.name}' is geen leesbaar CSV-bestand: regel {reader.line_num} is niet te lezen "
                f"({_csv_problem(exc)}). Sla de export opnieuw op als CSV en probeer het opnieuw.") from None
        width = max((len(r) for r in records), default=0)
        raw = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=object)
    return raw


def _read_workbook(path: Path, sheet, kind: str) -> pd.DataFrame:
    """One sheet as a frame of cell values (no header); position + 1 = row in Excel."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors and OSError variants
        raise InvoerFout(f"Bestand '{path.name}' is geen leesbare werkmap ({exc}).") from None
    names = list(book.sheet_names)
    if not names:
        raise InvoerFout(f"Werkmap '{path.name}' heeft geen werkbladen.")
    if sheet is None:
        wanted = _SHEET_NAMES[kind].lower()
        sheet = next((n for n in names if n.strip().lower() == wanted), names[0])
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InvoerFout(f"Werkmap '{path.name}' heeft geen werkblad nummer {sheet + 1}.")
        sheet = names[sheet]
    elif sheet not in names:
        listed = ", ".join(repr(n) for n in names)
        raise InvoerFout(f"Werkblad '{sheet}' bestaat niet in '{path.name}' (werkbladen: {listed}).")
    from klant_xl.sheet_guard import check_sheet_size

    check_sheet_size(path, sheet)  # a stray far cell must not make calamine allocate gigabytes
    try:
        cells = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a Rust panic (pyo3 PanicException, e.g. a date serial
        # beyond the year 9999) is a BaseException
        raise InvoerFout(f"Werkblad '{sheet}' in '{path.name}' is niet leesbaar ({exc}).") from None
    if not cells:
        raise InvoerFout(f"Werkblad '{sheet}' in '{path.name}' is leeg.")
    return pd.DataFrame(cells, dtype=object)


def _load(source, sheet, kind: str, first_row: int | None):
    """Source to (headers, data frame with positional columns, row numbers)."""
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
    suffix = path.suffix.lower()
    try:
        if suffix in _CSV_SUFFIXES:
            raw = _read_text_file(path)
        elif suffix in _EXCEL_SUFFIXES:
            raw = _read_workbook(path, sheet, kind)
        else:
            raise InvoerFout(
                f"Onbekend bestandstype '{path.suffix or path.name}': gebruik .csv, .txt, .xlsx of .xlsm."
            )
    except OSError as exc:
        raise InvoerFout(f"Bestand '{path.name}' kan niet gelezen worden ({exc.strerror or exc}).") from None
    return _split_header(raw, kind)


def _split_header(raw: pd.DataFrame, kind: str):
    """Find the header row among the first rows of a raw sheet/file."""
    wanted = [{_norm(a) for a in (c,) + HEADER_ALIASES.get(c, ())} for c in _REQUIRED]
    header_pos = 0
    for pos in range(min(_HEADER_SEARCH_ROWS, len(raw))):
        keys = {_norm(v) for v in raw.iloc[pos] if not is_blank(v)}
        if all(keys & w for w in wanted):
            header_pos = pos
            break
    else:  # no recognisable header: the first non-blank row
        for pos in range(min(_HEADER_SEARCH_ROWS, len(raw))):
            if any(not is_blank(v) for v in raw.iloc[pos]):
                header_pos = pos
                break
    headers = ["" if is_blank(v) else str(v).strip() for v in raw.iloc[header_pos]]
    data = raw.iloc[header_pos + 1:]
    rows = np.arange(header_pos + 2, header_pos + 2 + len(data))
    return headers, data, rows


# --------------------------------------------------------------------------- columns


def _choose_columns(headers: list[str], wanted: tuple[str, ...], columns) -> dict[str, int | None]:
    """Canonical name -> position of its header (None when absent); overrides win."""
    columns = dict(columns or {})
    unknown = [k for k in columns if k not in wanted]
    if unknown:
        raise InvoerFout(
            f"Onbekende kolom {unknown[0]!r} in de koppeling; kies uit {', '.join(wanted)}."
        )
    keys = [_norm(h) for h in headers]
    chosen: dict[str, int | None] = {}
    used: set[int] = set()
    for canonical, header in columns.items():
        if header is None:
            chosen[canonical] = None
            continue
        key = _norm(header)
        pos = next((i for i, k in enumerate(keys) if k == key and key), None)
        if pos is None:
            raise KolomOntbreekt(str(header), [h for h in headers if h])
        chosen[canonical] = pos
        used.add(pos)
    for canonical in wanted:
        if canonical in chosen:
            continue
        chosen[canonical] = None
        for alias in (canonical,) + HEADER_ALIASES.get(canonical, ()):
            key = _norm(alias)
            pos = next((i for i, k in enumerate(keys) if k == key and i not in used), None)
            if pos is not None:
                chosen[canonical] = pos
                used.add(pos)
                break
    for canonical in _REQUIRED:
        if chosen.get(canonical) is None:
            accepted = [a for a in HEADER_ALIASES.get(canonical, ()) if a != canonical]
            raise KolomOntbreekt(canonical, [h for h in headers if h], accepted)
    return chosen


def _text_values(series: pd.Series) -> np.ndarray:
    """Cells to stripped text (object array, None for blank); whole numbers without '.0'."""
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return series.astype("int64").astype(str).to_numpy(dtype=object)
    arr = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
        stripped = pd.Series(arr, dtype=object).str.strip()
        out = stripped.to_numpy(dtype=object).copy()
        out[(stripped.isna() | (stripped == "")).to_numpy(dtype=bool)] = None
        return out

    def text(v):
        if v is None or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, str):
            v = v.strip()
            return v or None
        if isinstance(v, (bool, np.bool_)):
            return "WAAR" if v else "ONWAAR"
        if isinstance(v, (float, np.floating)):
            if np.isnan(v):
                return None
            if float(v).is_integer() and abs(v) < 2**63:
                return str(int(v))
            return repr(float(v))
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        if isinstance(v, pd.Timestamp) and v == v.normalize():
            return v.strftime("%Y-%m-%d")
        return str(v).strip() or None

    return np.array([text(v) for v in arr], dtype=object)


def _is_total(texts: np.ndarray) -> np.ndarray:
    """True where the customer text is a totals label ('Totaal', 'Total:', 'Subtotaal')."""

    def total(t):
        if t is None:
            return False
        key = _norm(t)
        return key in TOTAL_WORDS or key.startswith(("totaal", "total", "subtota", "eindtotaal"))

    return np.array([total(t) for t in texts], dtype=bool)


def _blank_mask(series: pd.Series) -> np.ndarray:
    """True for blank cells (None, NaN, NaT, empty or whitespace text), vectorised."""
    if not pd.api.types.is_object_dtype(series.dtype) and not pd.api.types.is_string_dtype(series.dtype):
        return series.isna().to_numpy(dtype=bool)
    arr = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
        stripped = pd.Series(arr, dtype=object).str.strip()
        return (stripped.isna() | (stripped == "")).to_numpy(dtype=bool)
    return np.array([is_blank(v) for v in arr], dtype=bool)


def _empty_error(column: str, row: int) -> WaardeFout:
    err = WaardeFout(column, row, "", "leeg")
    err.args = (f"{column} in rij {row} is leeg.",)
    return err


def _read(source, columns, wanted: tuple[str, ...], kind: str, *, sheet, first_row, drop_duplicates):
    """The shared reader: (canonical frame, list of WaardeFout in row order)."""
    headers, data, rows = _load(source, sheet, kind, first_row)
    chosen = _choose_columns(headers, wanted, columns)
    n = len(data)

    def column(canonical):
        pos = chosen.get(canonical)
        if pos is None or pos >= data.shape[1]:
            return None
        return data.iloc[:, pos].reset_index(drop=True)

    customers = _text_values(column("Klant")) if n else np.array([], dtype=object)
    date_raw = column("Datum")
    date_blank = _blank_mask(date_raw)
    no_customer = np.array([c is None for c in customers], dtype=bool)
    total = np.zeros(len(customers), dtype=bool)
    total[date_blank] = _is_total(customers[date_blank])  # only rows without a date can be totals rows
    skip = (no_customer & date_blank) | total
    anonymous = no_customer & ~date_blank
    keep = ~skip & ~anonymous
    idx = np.flatnonzero(keep)
    krows = rows[idx]

    errors: list[tuple[int, int, WaardeFout]] = []
    date_header = headers[chosen["Datum"]]
    dates, bad_dates = _parse_dates(date_raw.iloc[idx].reset_index(drop=True))
    for i in np.flatnonzero(bad_dates | date_blank[idx]):
        value = date_raw.iloc[idx[i]]
        err = _empty_error(date_header, int(krows[i])) if date_blank[idx[i]] else \
            WaardeFout(date_header, int(krows[i]), _show(value), _expected_for(value, "geen datum"))
        errors.append((int(krows[i]), wanted.index("Datum"), err))

    out = {"Klant": customers[idx], "Datum": dates.to_numpy()}
    if "Bedrag" in wanted:
        amount_raw = column("Bedrag")
        if amount_raw is None:
            out["Bedrag"] = np.full(len(idx), np.nan)
        else:
            amounts, bad_amounts = _parse_amounts(amount_raw.iloc[idx].reset_index(drop=True))
            amount_header = headers[chosen["Bedrag"]]
            for i in np.flatnonzero(bad_amounts):
                err = WaardeFout(amount_header, int(krows[i]), _show(amount_raw.iloc[idx[i]]), "geen bedrag")
                errors.append((int(krows[i]), wanted.index("Bedrag"), err))
            out["Bedrag"] = amounts.to_numpy()
    for canonical in wanted:
        if canonical in out:
            continue
        raw = column(canonical)
        out[canonical] = (
            np.full(len(idx), None, dtype=object) if raw is None else _text_values(raw.iloc[idx])
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
