"""Transactions that do not fit in pandas: Parquet files scanned by DuckDB, tables behind a URL (shell).

The command line (``klant-xl analyse BESTAND.parquet``, ``--bron URL --tabel NAAM``) opens its
source here. The export reader's header mapping (:data:`klant_xl.reading.HEADER_ALIASES`, so
``klantnummer`` / ``besteldatum`` / ``totaal`` are recognised as in a CSV) picks the columns; the
data itself never passes through pandas: DuckDB scans the Parquet file, a database computes on
its own table (SPEC §11).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from klant_xl.engine import TransactionEngine
from klant_xl.errors import InvoerFout
from klant_xl.exports import (
    ERROR_CELL,
    ROLE_ALIASES,
    ReadingReport,
    check_dates,
    choose_roles,
    detect_profile,
    read_export,
)
from klant_xl.files import CSV_SUFFIXES, EXCEL_SUFFIXES, sniff_delimiter
from klant_xl.headers import TOTAL_WORDS, choose_columns, header_key, is_header_row, parse_column_choices
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


def _plain_roles(headers: list[str], columns):
    """The columns a plain file is read from, or None when the export reader must read it.

    Plain: no known export layout, only customer (or customer number) / date / amount /
    product / channel columns, and the customer column is no name, e-mail or phone column (the
    reader would normalise those). Returns ``(key role, {role: header}, listing)``.
    """
    if detect_profile(headers) is not None:
        return None
    try:
        chosen, listing = choose_roles(headers, None, dict(columns or {}))
    except InvoerFout:
        return None
    keys = [role for role in ("Klant", "Klantnummer") if role in chosen]
    if not set(chosen) <= _PLAIN_ROLES or len(keys) != 1 or "Datum" not in chosen:
        return None
    key_header = headers[chosen[keys[0]]]
    if header_key(key_header) in _NORMALISED_KEYS:
        return None
    return keys[0], {role: headers[pos] for role, pos in chosen.items()}, listing


#: Header keys of customer columns the export reader normalises (names, e-mail, phone).
_NORMALISED_KEYS = {header_key(alias) for role in ("Naam", "Voornaam", "Achternaam", "E-mail", "Telefoon")
                    for alias in ROLE_ALIASES[role]}
#: White space at the ends of a text: what the export reader strips from a cell, and what Python's
#: ``str.strip()`` strips before it tests for an error value (every Unicode space). A plain text has none.
_EDGE_SPACES = "[\\pZ\\x{0009}-\\x{000D}\\x{001C}-\\x{001F}\\x{0085}]"


def _plain_read(con, relation: str, key_role: str, today, listing):
    """A plain relation as the engine table with customers as codes, or None when the export reader must read it.

    ``relation`` (SQL) has the columns ``Klant`` (text), ``datum`` (DATE), ``Bedrag`` (DOUBLE),
    ``Product`` (text), ``_rij`` and ``_ongeldig``: a row the reader would skip, refuse or read
    otherwise (a blank customer or date, a value not in a plain form, an amount that is not
    finite or too large, a date out of range). The customer ids and products are tested once
    per distinct value (an e-mail address or a guest '0' as customer, spaces around a text, an
    error text), the dates with :func:`klant_xl.exports.check_dates` (a date after ``today`` or
    far after the others makes the reader warn and pick another peildatum).

    Returns
    -------
    (table, ids, ReadingReport) or None
        ``table`` (Arrow) in the columns of :data:`klant_xl.engine.ENGINE_SCHEMA` with
        ``Klant`` the position of the id in ``ids`` (the distinct ids, sorted), as
        :meth:`klant_xl.engine.TransactionEngine.from_coded` takes them; the reading report
        (``listing``: the columns as :func:`_plain_roles` chose them, and the counts).
    """
    import duckdb

    errors = ERROR_CELL.pattern.replace("'", "''")  # a SQL literal keeps backslashes as they are
    guest = " OR id IN ('0', '-')" if key_role == "Klantnummer" else ""
    edges = f"'^{_EDGE_SPACES}|{_EDGE_SPACES}$'"
    # an id that is a totals word ('Totaal', 'TOTAL:'): the reader names such rows (header_key in TOTAL_WORDS;
    # ids with other than ASCII characters are keyed in Python below, as header_key does)
    totals = ", ".join(f"'{word}'" for word in TOTAL_WORDS)
    id_declined = (f"id = '' OR contains(id, '@'){guest} OR regexp_matches(id, {edges}) "
                   f"OR regexp_replace(lower(id), '[^a-z0-9]', '', 'g') IN ({totals}) "
                   f"OR regexp_matches(id, '(?i){errors}')")
    try:
        bad, rows, revenue, days = con.sql(
            f"SELECT count(*) FILTER (WHERE _ongeldig), count(*), "
            f"sum(CAST(\"Bedrag\" AS DECIMAL(38, 12))) FILTER (WHERE NOT _ongeldig), "
            f"list(DISTINCT datum) FROM {relation}").fetchall()[0]
        if bad or not rows:
            return None
        # codes in the ids' sorted order: DuckDB sorts text by its UTF-8 bytes, which is Python's order of str
        con.execute(f"CREATE OR REPLACE TEMP TABLE _klanten AS SELECT id AS \"Klant\", "
                    f"CAST(row_number() OVER (ORDER BY id) - 1 AS INTEGER) AS code "
                    f"FROM (SELECT DISTINCT \"Klant\" AS id FROM {relation})")
        odd_ids, customers = con.sql(
            f"SELECT count(*) FILTER (WHERE {id_declined}), count(*) FROM (SELECT \"Klant\" AS id FROM _klanten)"
        ).fetchall()[0]
        odd_products = con.sql(
            f"SELECT count(*) FROM (SELECT DISTINCT \"Product\" AS p FROM {relation}) "
            f"WHERE regexp_matches(p, {edges})").fetchall()[0][0]
        if odd_ids or odd_products:
            return None
        unusual = con.sql("SELECT \"Klant\" FROM _klanten WHERE NOT regexp_full_match(\"Klant\", '[\\x00-\\x7F]*')")
        if any(header_key(row[0]) in TOTAL_WORDS for row in unusual.fetchall()):
            return None
    except duckdb.Error:
        return None
    check = ReadingReport()
    check_dates(pd.DataFrame({"Datum": pd.to_datetime(pd.Series(days or [], dtype=object))}), today, check)
    if check.messages:
        return None
    table = con.sql(
        f"SELECT k.code AS \"Klant\", CAST(date_diff('day', DATE '1970-01-01', b.datum) AS BIGINT) AS dag, "
        f"b.\"Bedrag\", nullif(b.\"Product\", '') AS \"Product\", CAST(b._rij AS BIGINT) AS _rij "
        f"FROM {relation} b JOIN _klanten k ON b.\"Klant\" = k.\"Klant\"").to_arrow_table()
    ids = con.sql('SELECT "Klant" FROM _klanten ORDER BY code').to_arrow_table().column(0)
    report = ReadingReport(columns=listing, rows=int(rows), orders=int(rows), counted_orders=int(rows),
                           customers=int(customers), revenue=float(revenue or 0))
    return table, ids.to_numpy(zero_copy_only=False), report


#: A day the reader reads (1900-01-01 .. 2261-12-31), and an amount it sums (finite, below 10^15).
_PLAIN_DAY = "datum NOT BETWEEN DATE '1900-01-01' AND DATE '2261-12-31'"
_PLAIN_AMOUNT = '("Bedrag" IS NOT NULL AND (isnan("Bedrag") OR isinf("Bedrag") OR abs("Bedrag") >= 1e15))'


def _plain_parquet(scan: str, types: dict[str, str], columns, today):
    """The plan for reading a Parquet file with DuckDB alone, or None when the export reader must read it.

    DuckDB reads the file itself only when the export reader would read every row as it is
    (:func:`_plain_roles`, :func:`_plain_read`), with the dates stored as dates (no time zone:
    which day it is would be the reader's) and the amounts as numbers. Then both give the same
    transactions and the same report.

    Returns ``(table, ids, report)`` (see :func:`_plain_read`) or None.
    """
    import duckdb

    headers = list(types)
    plain = _plain_roles(headers, columns)
    if plain is None:
        return None
    key_role, header_of, listing = plain
    if not types[header_of[key_role]].startswith(_ID_TYPES):
        return None
    date_type = types[header_of["Datum"]]
    if not date_type.startswith(_DATE_TYPES) or "TIME ZONE" in date_type:
        return None
    bedrag = "CAST(NULL AS DOUBLE)"
    if "Bedrag" in header_of:
        if not types[header_of["Bedrag"]].startswith(_NUMBER_TYPES):
            return None
        bedrag = f"CAST({_quote(header_of['Bedrag'])} AS DOUBLE)"
    product = f"CAST({_quote(header_of['Product'])} AS VARCHAR)" if "Product" in header_of else "CAST(NULL AS VARCHAR)"
    klant, datum = _quote(header_of[key_role]), _quote(header_of["Datum"])
    typed = (f"SELECT CAST({klant} AS VARCHAR) AS \"Klant\", CAST({datum} AS DATE) AS datum, {bedrag} AS \"Bedrag\", "
             f"{product} AS \"Product\", file_row_number AS _rij, {klant} IS NULL OR {datum} IS NULL AS _leeg FROM {scan}")
    relation = (f"(SELECT *, _leeg OR {_PLAIN_DAY} OR {_PLAIN_AMOUNT} AS _ongeldig FROM ({typed}))")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        return _plain_read(con, relation, key_role, today, listing)
    finally:
        con.close()


#: The text forms the plain CSV path reads itself: ISO (2026-11-23) or Dutch (23-11-2026) dates with an
#: optional time, and amounts like -12.50 or 12,5 (never thousands separators). Any other value sends
#: the whole file to the export reader.
_PLAIN_DATE_TEXT = "^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}-[0-9]{1,2}-[0-9]{4})([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?$"
_PLAIN_AMOUNT_TEXT = "^-?[0-9]+([.,][0-9]{1,2})?$"
#: Bytes a CSV file is checked in (for :data:`_NOT_PLAIN_BYTES`).
_CHUNK = 1 << 24


def _plain_csv_head(path: Path):
    """(delimiter, header cells) of a CSV file DuckDB can read as the export reader does, or None.

    The first line is the header row (the reader's :func:`klant_xl.headers.is_header_row`),
    the text is UTF-8 (one BOM is allowed), there is no ``sep=`` line, no quoted line break in
    the header, no blank line (the reader reports those), no NUL character and no space or tab
    beside a quote anywhere (DuckDB drops one such space and reads the field as quoted; the
    reader keeps it as text).
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
            if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _has_unplain_bytes(head):
                return None
            # the rest in one reused buffer (no new 16 MB object per chunk); a pattern (at most 3
            # bytes) across two chunks lies in the last 2 bytes of one and the first 2 of the next
            tail, chunk = head[-2:], bytearray(_CHUNK)
            while size := handle.readinto(chunk):
                if size < len(chunk):
                    del chunk[size:]
                if _has_unplain_bytes(tail + chunk[:2]) or _has_unplain_bytes(chunk):
                    return None
                tail = bytes(chunk[-2:])
        cut = head.rfind(b"\n")
        text = (head if cut < 0 else head[:cut + 1]).decode("utf-8-sig")  # whole lines (no character cut in two)
    except (OSError, UnicodeDecodeError):
        return None
    first_line = text.split("\n", 1)[0].removesuffix("\r")
    if "\r" in text.replace("\r\n", "") or first_line.count('"') % 2 or first_line.lower().lstrip('"').startswith("sep="):
        return None
    delimiter = sniff_delimiter(text)
    cells = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    if not cells or not is_header_row(cells) or any("\ufeff" in cell for cell in cells):
        return None
    return delimiter, cells


#: Bytes that send a CSV file to the export reader: a blank line, a NUL, a space or tab beside a quote.
_NOT_PLAIN_BYTES = (b"\n\n", b"\n\r\n", b"\x00", b' "', b'" ', b'\t"', b'"\t')


def _has_unplain_bytes(window: bytes) -> bool:
    """Whether ``window`` holds one of :data:`_NOT_PLAIN_BYTES`.

    A pattern with a quote or a carriage return is looked for only where that byte occurs at
    all (one fast scan for the byte saves a slow one for the pair in most exports).
    """
    for part in _NOT_PLAIN_BYTES:
        if b'"' in part and b'"' not in window:
            continue
        if b"\r" in part and b"\r" not in window:
            continue
        if part in window:
            return True
    return False


#: Characters DuckDB's file readers expand (``*.csv``, ``x[1].csv``, ``~``): a file named with them is
#: read by pandas, as it is named.
_PATTERN_CHARACTERS = set("*?[]{}~")


def plain_csv(path, columns=None, today=None):
    """A plain CSV export parsed once by DuckDB, with its reading report; None when the export reader must read it.

    Plain: the header on the first line (:func:`_plain_csv_head`), only customer / date /
    amount / product / channel columns (:func:`_plain_roles`), and every value in a form the
    reader reads the same way (:data:`_PLAIN_DATE_TEXT`, :data:`_PLAIN_AMOUNT_TEXT`, no row it
    would skip or warn about: :func:`_plain_read`). Then the transactions and the report are the
    reader's, in a fraction of the time. Any other file returns None, and the caller reads it
    with :func:`klant_xl.exports.read_export` (the same answer, every message with its row).

    Returns
    -------
    (table, ids, ReadingReport) or None
        The engine table with customers as codes, and the ids (see :func:`_plain_read`).
    """
    import duckdb

    path = Path(os.path.abspath(str(path)))
    if _PATTERN_CHARACTERS & set(str(path)):
        return None
    head = _plain_csv_head(path)
    if head is None:
        return None
    delimiter, cells = head
    headers = [cell.strip() for cell in cells]
    if len(set(headers)) != len(headers):
        return None
    plain = _plain_roles(headers, columns)
    if plain is None:
        return None
    key_role, header_of, listing = plain
    names = {header: f"c{pos}" for pos, header in enumerate(headers)}  # positional: any header text is safe
    schema = ", ".join(f"'c{pos}': 'VARCHAR'" for pos in range(len(headers)))
    quoted_path = str(path).replace("'", "''")
    scan = (f"read_csv('{quoted_path}', delim = '{delimiter}', header = false, skip = 1, quote = '\"', "
            f"escape = '\"', columns = {{{schema}}}, auto_detect = false, encoding = 'utf-8')")

    def cell(role):
        return names[header_of[role]] if role in header_of else "CAST(NULL AS VARCHAR)"

    klant, datum, bedrag, product = (cell(role) for role in (key_role, "Datum", "Bedrag", "Product"))
    # the form is checked in full below; an ISO date is its first 10 characters, a Dutch one its first part
    day = (f"CASE WHEN {datum}[5] = '-' THEN TRY_CAST(left({datum}, 10) AS DATE) "
           f"ELSE CAST(try_strptime(regexp_extract({datum}, '^[0-9-]+'), '%d-%m-%Y') AS DATE) END")
    typed = (
        f"SELECT {klant} AS \"Klant\", {day} AS datum, "
        f"TRY_CAST(replace({bedrag}, ',', '.') AS DOUBLE) AS \"Bedrag\", {product} AS \"Product\", "
        f"({klant} IS NULL OR {datum} IS NULL OR NOT regexp_full_match({datum}, '{_PLAIN_DATE_TEXT}') "
        f"OR ({bedrag} IS NOT NULL AND NOT regexp_full_match({bedrag}, '{_PLAIN_AMOUNT_TEXT}'))) AS _leeg "
        f"FROM {scan}"
    )
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")  # rowid is then the record's position in the file
        try:
            con.execute(f"CREATE TEMP TABLE _tekst AS SELECT *, _leeg OR datum IS NULL OR {_PLAIN_DAY} "
                        f"OR {_PLAIN_AMOUNT} AS _ongeldig FROM ({typed})")
        except duckdb.Error:  # ragged rows, bad UTF-8 further down, a line too long: the reader reads it
            return None
        con.execute("SET preserve_insertion_order = false")  # the rows keep their rowid; the rest is keyed
        relation = '(SELECT *, rowid + 2 AS _rij FROM "_tekst")'  # the header is row 1
        return _plain_read(con, relation, key_role, today, listing)
    finally:
        con.close()


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
    if Path(str(path)).is_file() and _PATTERN_CHARACTERS & set(os.path.abspath(str(path))):
        # one file named with characters DuckDB would expand (x[1].parquet): read as it is named
        return _purchases(pd.read_parquet(path), path, columns, counted_statuses, today, first_row=2)
    scan, types = _parquet_scan(path)
    plan = _plain_parquet(scan, types, columns, today)
    if plan is None:
        return _purchases(_parquet_frame(path, scan), path, columns, counted_statuses, today, first_row=2)
    table, ids, report = plan
    return TransactionEngine.from_coded(table, ids, str(path), reference_date, contacts), report


def open_transaction_file(path, *, columns=None, counted_statuses=None, reference_date=None, contacts=None,
                          today=None, as_frame: bool = False):
    """The transactions of a file, the way ``klant-xl analyse BESTAND`` reads it, with the reading report.

    A Parquet file becomes an engine DuckDB scans (:func:`parquet_source`); a plain CSV file an
    engine over what DuckDB parsed (:func:`plain_csv`), unless ``as_frame`` asks for the
    transactions as a frame; any other export (CSV, XLSX) goes through
    :func:`klant_xl.exports.read_export` (orders, statuses, guests, identity), with ``columns``
    (``{role: header}``), ``counted_statuses`` and ``today`` as it takes them.

    Returns
    -------
    (pandas.DataFrame or TransactionEngine, ReadingReport)

    Raises
    ------
    InvoerFout
        The file cannot be read, or holds no purchase at all.
    """
    if isinstance(columns, (str, list, tuple)):
        columns = parse_column_choices(columns)
    if is_parquet(path):
        return parquet_source(path, columns, reference_date, contacts, counted_statuses=counted_statuses, today=today)
    suffix = Path(str(path)).suffix.lower()
    if suffix not in (*CSV_SUFFIXES, *EXCEL_SUFFIXES):
        raise InvoerFout(f"Onbekend bestandstype '{suffix or Path(str(path)).name}': gebruik .csv, .txt, .tsv, "
                         ".xlsx, .xlsm, .xls, .ods of .parquet.")
    if suffix in CSV_SUFFIXES and not as_frame:
        plain = plain_csv(path, columns, today)
        if plain is not None:
            table, ids, report = plain
            return TransactionEngine.from_coded(table, ids, str(path), reference_date, contacts), report
    return _purchases(path, path, columns, counted_statuses, today)


def _purchases(source, path, columns, counted_statuses, today, first_row=None):
    """:func:`klant_xl.exports.read_export` of ``source`` (read from ``path``); refused without any purchase."""
    transactions, report = read_export(source, dict(columns or {}), counted_statuses=counted_statuses, today=today,
                                       first_row=first_row)
    if transactions.empty:
        raise InvoerFout("Geen enkele aankoop gelezen uit " + f"'{path}'.\n" + "\n".join(report.lines()))
    return transactions, report


def csv_transactions(path, reference_date=None, contacts=None, columns=None, today=None) -> TransactionEngine | None:
    """A plain CSV export (:func:`plain_csv`) as an engine over what DuckDB parsed, or None.

    None: the file is no plain CSV; read it with :func:`open_transaction_file` (the export reader).
    """
    plain = plain_csv(path, columns, today)
    if plain is None:
        return None
    table, ids, _report = plain
    return TransactionEngine.from_coded(table, ids, str(path), reference_date, contacts)


def _table_names(con) -> list[str] | None:
    """The tables of an Ibis connection, for a message (None when the backend will not say)."""
    try:
        return sorted(con.list_tables())
    except Exception:  # noqa: BLE001 - Ibis 12's DuckDB listing calls a method DuckDB 2 renamed
        pass
    try:
        rows = con.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    except Exception:  # noqa: BLE001 - the list only helps the message
        return None
    return sorted(str(row[0]) for row in rows)


def database_table(url: str, table: str, columns=None):
    """The transactions table behind a connection URL (``ibis.connect``), columns renamed to the canonical names.

    ``url`` is anything :func:`ibis.connect` takes (``duckdb://winkel.duckdb``,
    ``postgres://user@host/db``, ``bigquery://project/dataset``, …); the backend computes the
    analysis on its own table.
    """
    import ibis

    if url.startswith("duckdb://"):  # connecting would create an empty database where none is
        database = url[len("duckdb://"):].split("?", 1)[0]
        if database and database != ":memory:" and not Path(database).exists():
            hint = (" (duckdb:///pad begint bij de hoofdmap; een bestand in deze map is duckdb://bestand.duckdb)"
                    if database.startswith("/") else "")
            raise InvoerFout(f"Databasebestand '{database}' bestaat niet{hint}.")
    try:
        con = ibis.connect(url)
    except Exception as exc:  # noqa: BLE001 - every backend has its own errors
        raise InvoerFout(f"Kan geen verbinding maken met '{url}': {exc}") from None
    try:
        source = con.table(table)
    except Exception as exc:  # noqa: BLE001
        names = _table_names(con)
        if names is not None and table not in names:
            found = ", ".join(f"'{name}'" for name in names[:20]) if names else "geen enkele tabel"
            raise InvoerFout(f"Tabel '{table}' bestaat niet in '{url}'; die database heeft {found}.") from None
        raise InvoerFout(f"Kan tabel '{table}' niet openen via '{url}': {exc}") from None
    mapping = _mapped(list(source.columns), columns)
    return source.select(**{canonical: source[header] for canonical, header in mapping.items() if header})
