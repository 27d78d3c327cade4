"""Transactions that do not fit in pandas: Parquet files scanned by DuckDB, tables behind a URL (shell).

The command line (``klant-xl analyse BESTAND.parquet``, ``--bron URL --tabel NAAM``) opens its
source here. The export reader's header mapping (:data:`klant_xl.reading.HEADER_ALIASES`, so
``klantnummer`` / ``besteldatum`` / ``totaal`` are recognised as in a CSV) picks the columns; the
data itself never passes through pandas: DuckDB scans the Parquet file, a database computes on
its own table (SPEC §11).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from klant_xl.engine import TransactionEngine
from klant_xl.errors import InvoerFout
from klant_xl.exports import ERROR_CELL, ReadingReport, check_dates, choose_roles, detect_profile, read_export
from klant_xl.files import CSV_SUFFIXES, EXCEL_SUFFIXES, sniff_delimiter
from klant_xl.headers import TOTAL_WORDS, choose_columns
from klant_xl.vocabulary import TRANSACTION_COLUMNS

__all__ = [
    "PARQUET_SUFFIXES",
    "csv_transactions",
    "database_table",
    "is_parquet",
    "open_transaction_file",
    "parquet_source",
    "parquet_transactions",
]

#: File name endings read as Parquet.
PARQUET_SUFFIXES = (".parquet", ".pq")



def is_parquet(path) -> bool:
    """Whether the path names a Parquet file (by its ending)."""
    return Path(str(path)).suffix.lower() in PARQUET_SUFFIXES


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _mapped(headers: list[str], columns=None) -> dict[str, str | None]:
    chosen = choose_columns(headers, TRANSACTION_COLUMNS, columns)
    return {canonical: (headers[pos] if pos is not None else None) for canonical, pos in chosen.items()}


def parquet_transactions(path, columns=None, reference_date=None, contacts=None) -> TransactionEngine:
    """A Parquet export as an engine that DuckDB scans directly (nothing loaded into pandas).

    Parameters
    ----------
    path : str or Path
        The Parquet file (or a glob such as ``orders/*.parquet``).
    columns : mapping, optional
        ``{canonical name: header}`` overrides, as for :func:`klant_xl.reading.read_transactions`.
    reference_date, contacts
        As for :class:`klant_xl.engine.TransactionEngine`.

    Raises
    ------
    InvoerFout
        The file cannot be read; :class:`~klant_xl.errors.KolomOntbreekt` without a date column;
        :class:`~klant_xl.errors.WaardeFout` naming the row of a bad value (as the export reader
        names it: the header is row 1), see :func:`parquet_source`.
    """
    transactions = parquet_source(path, columns, reference_date, contacts)[0]
    if isinstance(transactions, pd.DataFrame):  # read by the export reader: the engine over its frame
        return TransactionEngine(transactions, reference_date, contacts)
    return transactions


def _parquet_scan(path) -> tuple[str, dict[str, str]]:
    """The DuckDB scan of a Parquet file (or glob) and its column types; a Dutch refusal when unreadable."""
    import duckdb

    text = str(path)
    if "*" not in text and not Path(text).exists():
        raise InvoerFout(f"Bestand niet gevonden: '{text}'.")
    if "*" not in text and Path(text).is_dir():
        raise InvoerFout(f"'{text}' is een map, geen Parquet-bestand.")
    scan = f"read_parquet('{text.replace(chr(39), chr(39) * 2)}', file_row_number = true, union_by_name = true)"
    con = duckdb.connect()
    try:
        schema = con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error:
        raise InvoerFout(f"Bestand '{Path(text).name}' is geen leesbaar Parquet-bestand (beschadigd, of een ander "
                         "soort bestand met de extensie .parquet).") from None
    finally:
        con.close()
    return scan, {name: kind.upper() for name, kind, *_ in schema if name != "file_row_number"}


#: Column types of a Parquet file the plain path reads (anything else goes to the export reader).
_DATE_TYPES = ("DATE", "TIMESTAMP")
_NUMBER_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT",
                 "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")
_ID_TYPES = ("VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT",
             "UTINYINT")
#: Roles the plain path reads; any other role the export reader finds (order, status, e-mail, ...) needs it.
_PLAIN_ROLES = {"Klant", "Klantnummer", "Datum", "Bedrag", "Product", "Kanaal"}


def _plain_parquet(scan: str, types: dict[str, str], columns, today):
    """The plan for reading a Parquet file with DuckDB alone, or None when the export reader must read it.

    DuckDB reads the file itself only when the export reader would read every row as it is: no
    known export layout, only customer / date / amount / product / channel columns, dates stored
    as dates, amounts as numbers, and no row the reader would skip, refuse, change or warn about
    (a blank customer or date, an e-mail address or a guest '0' as customer, spaces around an
    id, an error text, a non-finite or too large amount, a date out of range, after ``today`` or
    far after the others). Then both give the same transactions and the same report.

    Returns ``(select, listing, rows, customers, revenue)`` or None.
    """
    import duckdb

    headers = list(types)
    choices = dict(columns or {})
    if detect_profile(headers) is not None:
        return None
    try:
        chosen, listing = choose_roles(headers, None, choices)
    except InvoerFout:
        return None
    keys = [role for role in ("Klant", "Klantnummer") if role in chosen]
    if not set(chosen) <= _PLAIN_ROLES or not keys or "Datum" not in chosen:
        return None
    if "Klant" in keys and "Klantnummer" in keys:
        return None
    key_role = keys[0]
    klant, datum = (_quote(headers[chosen[r]]) for r in (key_role, "Datum"))
    if not types[headers[chosen[key_role]]].startswith(_ID_TYPES):
        return None
    date_type = types[headers[chosen["Datum"]]]
    if not date_type.startswith(_DATE_TYPES) or "TIME ZONE" in date_type:  # a time zone: which day is the reader's
        return None
    bedrag = "CAST(NULL AS DOUBLE)"
    if "Bedrag" in chosen:
        if not types[headers[chosen["Bedrag"]]].startswith(_NUMBER_TYPES):
            return None
        bedrag = f"CAST({_quote(headers[chosen['Bedrag']])} AS DOUBLE)"
    product = "CAST(NULL AS VARCHAR)"
    if "Product" in chosen:
        product = f"nullif(trim(CAST({_quote(headers[chosen['Product']])} AS VARCHAR)), '')"
    customer = f"CAST({klant} AS VARCHAR)"
    spaces = "[\\s\\x{00A0}\\x{202F}\\x{2009}]"
    errors = ERROR_CELL.pattern.replace("'", "''")  # a SQL literal keeps backslashes as they are
    guest = " OR id IN ('0', '-')" if key_role == "Klantnummer" else ""
    row_declined = (  # per row: cheap tests
        f"{klant} IS NULL OR {datum} IS NULL "
        f"OR CAST({datum} AS DATE) NOT BETWEEN DATE '1900-01-01' AND DATE '2261-12-31' "
        f"OR ({bedrag} IS NOT NULL AND (isnan({bedrag}) OR isinf({bedrag}) OR abs({bedrag}) >= 1e15))"
    )
    id_declined = (  # per distinct customer id: the text tests
        f"id = '' OR contains(id, '@'){guest} OR regexp_matches(id, '^{spaces}|{spaces}$') "
        f"OR regexp_matches(id, '(?i){errors}')"
    )
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        bad, rows, revenue, days = con.sql(
            f"SELECT count(*) FILTER (WHERE {row_declined}), count(*), "
            f"sum(CAST({bedrag} AS DECIMAL(38, 12))) FILTER (WHERE NOT ({row_declined})), "
            f"list(DISTINCT CAST({datum} AS DATE)) FROM {scan}").fetchall()[0]
        if bad:
            return None
        odd_ids, customers = con.sql(
            f"SELECT count(*) FILTER (WHERE {id_declined}), count(*) FROM (SELECT DISTINCT {customer} AS id "
            f"FROM {scan})").fetchall()[0]
        if odd_ids:
            return None
    except duckdb.Error:
        return None
    finally:
        con.close()
    check = ReadingReport()
    check_dates(pd.DataFrame({"Datum": pd.to_datetime(pd.Series(days or [], dtype=object))}), today, check)
    if check.messages:  # a date after today or far after the others: the reader warns and picks another peildatum
        return None
    select = (
        f"SELECT {customer} AS \"Klant\", "
        f"CAST(date_diff('day', DATE '1970-01-01', CAST({datum} AS DATE)) AS BIGINT) AS dag, "
        f"{bedrag} AS \"Bedrag\", {product} AS \"Product\", CAST(file_row_number AS BIGINT) AS _rij FROM {scan}"
    )
    return select, listing, int(rows), int(customers), float(revenue or 0)


def _parquet_frame(path, scan: str) -> pd.DataFrame:
    """All columns of a Parquet file as pandas reads them: a timestamp keeps the time zone the file
    names (DuckDB would give it in this computer's zone, so a date could move a day); a glob of
    files is read by DuckDB."""
    import duckdb

    if "*" not in str(path):
        return pd.read_parquet(path)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        return con.sql(f"SELECT * EXCLUDE (file_row_number) FROM {scan}").df()
    finally:
        con.close()


def parquet_source(path, columns=None, reference_date=None, contacts=None, *, counted_statuses=None,
                   today=None) -> tuple:
    """A Parquet export read the way ``klant-xl analyse`` reads an export, with its reading report.

    A plain file (customer, date, amount, product columns with clean values, see
    :func:`_plain_parquet`) is scanned by DuckDB: an engine, nothing loaded into pandas. Any
    other file (a shop's order export with statuses, e-mail addresses as customers, text
    dates, blank or odd values) is read by :func:`klant_xl.exports.read_export`, as the same
    data in a CSV file would be (slower, but the same answer and the same messages).

    Returns
    -------
    (TransactionEngine or pandas.DataFrame, ReadingReport)
    """
    scan, types = _parquet_scan(path)
    plan = _plain_parquet(scan, types, columns, today)
    if plan is None:
        return _purchases(_parquet_frame(path, scan), path, columns, counted_statuses, today, first_row=2)
    select, listing, rows, customers, revenue = plan
    engine = TransactionEngine.from_sql(select, str(path), reference_date, contacts)
    report = ReadingReport(columns=listing, rows=rows, orders=rows, counted_orders=rows, customers=customers,
                           revenue=revenue)
    return engine, report


def open_transaction_file(path, *, columns=None, counted_statuses=None, reference_date=None, contacts=None,
                          today=None):
    """The transactions of a file, the way ``klant-xl analyse BESTAND`` reads it, with the reading report.

    A Parquet file becomes an engine DuckDB scans (:func:`parquet_source`); an export (CSV, XLSX)
    goes through :func:`klant_xl.exports.read_export` (orders, statuses, guests, identity), with
    ``columns`` (``{role: header}``), ``counted_statuses`` and ``today`` as it takes them.

    Returns
    -------
    (pandas.DataFrame or TransactionEngine, ReadingReport)

    Raises
    ------
    InvoerFout
        The file cannot be read, or holds no purchase at all.
    """
    if is_parquet(path):
        return parquet_source(path, columns, reference_date, contacts, counted_statuses=counted_statuses, today=today)
    suffix = Path(str(path)).suffix.lower()
    if suffix not in (*CSV_SUFFIXES, *EXCEL_SUFFIXES):
        raise InvoerFout(f"Onbekend bestandstype '{suffix or Path(str(path)).name}': gebruik .csv, .txt, .xlsx, "
                         ".xlsm of .parquet.")
    return _purchases(path, path, columns, counted_statuses, today)


def _purchases(source, path, columns, counted_statuses, today, first_row=None):
    """:func:`klant_xl.exports.read_export` of ``source`` (read from ``path``); refused without any purchase."""
    transactions, report = read_export(source, dict(columns or {}), counted_statuses=counted_statuses, today=today,
                                       first_row=first_row)
    if transactions.empty:
        raise InvoerFout("Geen enkele aankoop gelezen uit " + f"'{path}'.\n" + "\n".join(report.lines()))
    return transactions, report


#: What the CSV fast path reads itself; any other value sends the whole file to the export reader.
_SIMPLE_DATE = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}-[0-9]{1,2}-[0-9]{4})([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?\s*$"
_SIMPLE_AMOUNT = r"^\s*-?[0-9]+(\.[0-9]{1,2})?\s*$"


def csv_transactions(path, reference_date=None, contacts=None) -> TransactionEngine | None:
    """A plain CSV export parsed by DuckDB (the fast path of ``klant-xl analyse FILE.csv``), or None.

    The header row is mapped as the export reader maps it. DuckDB then parses the file once into
    the engine table, *only* when every value is in the plain forms it checks here: UTF-8, the
    header on the first line, ISO (``2026-11-23``) or Dutch (``23-11-2026``) dates, amounts like
    ``-12.50``, no blank customers, no total rows. Anything else (Dutch amounts ``1.234,56``,
    slash dates whose order the column decides, a bad value the reader must report with its row)
    returns None, and the caller reads the file with :func:`klant_xl.reading.read_transactions`,
    so the answer and every message are the reader's.
    """
    import csv
    import io

    import duckdb

    path = Path(str(path))
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
        text = head.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    first_line = text.split("\n", 1)[0].strip("\r")
    if not first_line.strip() or first_line.lower().lstrip('"').startswith("sep="):
        return None
    delimiter = sniff_delimiter(text)
    headers = next(csv.reader(io.StringIO(first_line), delimiter=delimiter))
    if len(set(headers)) != len(headers) or any(not h.strip() for h in headers):
        return None
    try:
        mapping = _mapped([h.strip() for h in headers])
    except InvoerFout:
        return None
    by_name = {h.strip(): h for h in headers}
    text_path = str(path).replace("'", "''")
    columns = ", ".join("'" + h.replace("'", "''") + "': 'VARCHAR'" for h in headers)
    scan = (f"read_csv('{text_path}', delim = '{delimiter}', header = false, skip = 1, "
            f"quote = '\"', escape = '\"', columns = {{{columns}}})")

    def column(canonical):
        header = mapping.get(canonical)
        return f"nullif(trim({_quote(by_name[header])}), '')" if header else "NULL"

    klant, datum, bedrag, product = (column(c) for c in ("Klant", "Datum", "Bedrag", "Product"))
    date_text = f"regexp_extract({datum}, '^\\s*([0-9-]+)')"
    day = (f"coalesce(try_strptime({date_text}, '%Y-%m-%d'), try_strptime({date_text}, '%d-%m-%Y'))")
    totals = ", ".join("'" + w.replace("'", "''") + "'" for w in TOTAL_WORDS)
    blank = " AND ".join(f"{column(c)} IS NULL" for c in ("Klant", "Datum", "Bedrag", "Product"))
    invalid = (
        f"({klant} IS NULL OR {datum} IS NULL OR NOT regexp_matches({datum}, '{_SIMPLE_DATE}') "
        f"OR {day} IS NULL OR year({day}) NOT BETWEEN 1900 AND 2261 "
        f"OR lower({klant}) IN ({totals}) "
        f"OR ({bedrag} IS NOT NULL AND NOT regexp_matches({bedrag}, '{_SIMPLE_AMOUNT}')))"
    )
    select = (
        f"SELECT {klant} AS \"Klant\", CAST(date_diff('day', DATE '1970-01-01', CAST({day} AS DATE)) AS BIGINT) AS dag, "
        f"CAST({bedrag} AS DOUBLE) AS \"Bedrag\", {product} AS \"Product\", "
        f"CAST(row_number() OVER () - 1 AS BIGINT) AS _rij, {invalid} AS _ongeldig "
        f"FROM {scan} WHERE NOT ({blank})"
    )
    try:
        return TransactionEngine.from_sql(select, str(path), reference_date, contacts,
                                          materialise=True, check="_ongeldig")
    except (duckdb.Error, InvoerFout):
        return None


def database_table(url: str, table: str, columns=None):
    """The transactions table behind a connection URL (``ibis.connect``), columns renamed to the canonical names.

    ``url`` is anything :func:`ibis.connect` takes (``duckdb:///winkel.duckdb``,
    ``postgres://user@host/db``, ``bigquery://project/dataset``, …); the backend computes the
    analysis on its own table.
    """
    import ibis

    try:
        con = ibis.connect(url)
        source = con.table(table)
    except Exception as exc:  # noqa: BLE001 - every backend has its own errors
        raise InvoerFout(f"Kan tabel '{table}' niet openen via '{url}': {exc}") from None
    mapping = _mapped(list(source.columns), columns)
    return source.select(**{canonical: source[header] for canonical, header in mapping.items() if header})
