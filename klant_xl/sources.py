"""Transactions that do not fit in pandas: Parquet files scanned by DuckDB, tables behind a URL (shell).

The command line (``klant-xl analyse BESTAND.parquet``, ``--bron URL --tabel NAAM``) opens its
source here. The export reader's header mapping (:data:`klant_xl.reading.HEADER_ALIASES`, so
``klantnummer`` / ``besteldatum`` / ``totaal`` are recognised as in a CSV) picks the columns; the
data itself never passes through pandas: DuckDB scans the Parquet file, a database computes on
its own table (SPEC §11).
"""

from __future__ import annotations

from pathlib import Path

from klant_xl.engine import TransactionEngine
from klant_xl.errors import InvoerFout, WaardeFout
from klant_xl.exports import ReadingReport, read_export
from klant_xl.files import sniff_delimiter
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

_TEXT_TYPES = ("VARCHAR", "STRING", "TEXT")


def is_parquet(path) -> bool:
    """Whether the path names a Parquet file (by its ending)."""
    return Path(str(path)).suffix.lower() in PARQUET_SUFFIXES


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _mapped(headers: list[str], columns=None) -> dict[str, str | None]:
    chosen = choose_columns(headers, TRANSACTION_COLUMNS, columns)
    return {canonical: (headers[pos] if pos is not None else None) for canonical, pos in chosen.items()}


def _day_sql(column: str, kind: str) -> str:
    if any(t in kind for t in _TEXT_TYPES):
        text = f"trim({column})"
        parsed = (f"coalesce(try_strptime({text}, '%Y-%m-%d'), try_strptime({text}, '%d-%m-%Y'), "
                  f"try_strptime({text}, '%d/%m/%Y'), try_strptime({text}, '%Y-%m-%d %H:%M:%S'))")
        return f"CAST({parsed} AS DATE)"
    return f"CAST({column} AS DATE)"


def _customer_sql(column: str, kind: str) -> str:
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        return (f"CASE WHEN {column} = floor({column}) THEN CAST(CAST({column} AS HUGEINT) AS VARCHAR) "
                f"ELSE CAST({column} AS VARCHAR) END")
    return f"nullif(trim(CAST({column} AS VARCHAR)), '')"


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
        The file cannot be read; :class:`~klant_xl.errors.KolomOntbreekt` without a customer or
        date column; :class:`~klant_xl.errors.WaardeFout` naming the first row (1 = first data
        row) whose customer or date is empty or not a date.
    """
    return parquet_source(path, columns, reference_date, contacts)[0]


def parquet_source(path, columns=None, reference_date=None, contacts=None) -> tuple[TransactionEngine, ReadingReport]:
    """:func:`parquet_transactions` with the report of reading the file (for ``Inlezen`` and the CLI).

    The report names the mapped columns, counts the rows, and lists the rows without a date
    (skipped, as the export reader skips them) with examples.
    """
    import duckdb

    text = str(path)
    if "*" not in text and not Path(text).exists():
        raise InvoerFout(f"Bestand niet gevonden: '{text}'.")
    scan = f"read_parquet('{text.replace(chr(39), chr(39) * 2)}', file_row_number = true, union_by_name = true)"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        schema = con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as exc:
        raise InvoerFout(f"Bestand '{Path(text).name}' is geen leesbaar Parquet-bestand ({exc}).") from None
    types = {name: kind.upper() for name, kind, *_ in schema if name != "file_row_number"}
    mapping = _mapped(list(types), columns)
    klant, datum = _quote(mapping["Klant"]), _quote(mapping["Datum"])
    bedrag = f"CAST({_quote(mapping['Bedrag'])} AS DOUBLE)" if mapping["Bedrag"] else "CAST(NULL AS DOUBLE)"
    product = (f"CAST({_quote(mapping['Product'])} AS VARCHAR)" if mapping["Product"] else "CAST(NULL AS VARCHAR)")
    customer = _customer_sql(klant, types[mapping["Klant"]])
    day = _day_sql(datum, types[mapping["Datum"]])
    bad = con.sql(
        f"SELECT file_row_number, {klant}, {datum}, {customer} IS NULL AS geen_klant FROM {scan} "
        f"WHERE {customer} IS NULL OR ({datum} IS NOT NULL AND {day} IS NULL) ORDER BY file_row_number LIMIT 1"
    ).fetchall()
    if bad:
        con.close()
        row, customer_value, date_value, no_customer = bad[0]
        if no_customer:
            raise WaardeFout(mapping["Klant"], int(row) + 1, customer_value, "leeg")
        raise WaardeFout(mapping["Datum"], int(row) + 1, date_value, "geen datum")
    rows, undated, purchases, examples, revenue = con.sql(
        f"SELECT count(*), count(*) FILTER (WHERE {datum} IS NULL), "
        f"count(*) FILTER (WHERE {datum} IS NOT NULL AND ({bedrag} >= 0 OR {bedrag} IS NULL)), "
        f"list(file_row_number + 1 ORDER BY file_row_number) FILTER (WHERE {datum} IS NULL)[1:{_EXAMPLES}], "
        f"sum(CAST({bedrag} AS DECIMAL(38, 12))) FILTER (WHERE {datum} IS NOT NULL) "
        f"FROM {scan}").fetchall()[0]
    con.close()
    select = (
        f"SELECT {customer} AS \"Klant\", "
        f"CAST(date_diff('day', DATE '1970-01-01', {day}) AS BIGINT) AS dag, "
        f"{bedrag} AS \"Bedrag\", {product} AS \"Product\", CAST(file_row_number AS BIGINT) AS _rij "
        f"FROM {scan} WHERE {day} IS NOT NULL"
    )
    engine = TransactionEngine.from_sql(select, text, reference_date, contacts)
    chosen = dict(columns or {})
    report = ReadingReport(
        profile="Parquet",
        columns=[(role, header, "jouw keuze" if role in chosen else "kolomnaam herkend")
                 for role, header in mapping.items() if header],
        rows=int(rows), orders=engine.row_count, counted_orders=int(purchases))
    report.skip("geen datum", examples or [])
    if undated:  # more rows than the examples
        report.skipped["geen datum"]["regels"] = int(undated)
    report.customers = len(engine.summary())
    report.revenue = float(revenue or 0)
    return engine, report


#: Examples of skipped rows a report lists (as the export reader does).
_EXAMPLES = 5


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
        return parquet_source(path, columns, reference_date, contacts)
    transactions, report = read_export(path, dict(columns or {}), counted_statuses=counted_statuses, today=today)
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
