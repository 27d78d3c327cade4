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
from klant_xl.reading import TRANSACTION_COLUMNS, _choose_columns

__all__ = ["PARQUET_SUFFIXES", "database_table", "is_parquet", "parquet_transactions"]

#: File name endings read as Parquet.
PARQUET_SUFFIXES = (".parquet", ".pq")

_TEXT_TYPES = ("VARCHAR", "STRING", "TEXT")


def is_parquet(path) -> bool:
    """Whether the path names a Parquet file (by its ending)."""
    return Path(str(path)).suffix.lower() in PARQUET_SUFFIXES


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _mapped(headers: list[str], columns=None) -> dict[str, str | None]:
    chosen = _choose_columns(headers, TRANSACTION_COLUMNS, columns)
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
    import duckdb

    text = str(path)
    if "*" not in text and not Path(text).exists():
        raise InvoerFout(f"Bestand niet gevonden: '{text}'.")
    scan = f"read_parquet('{text.replace(chr(39), chr(39) * 2)}', file_row_number = true, union_by_name = true)"
    con = duckdb.connect()
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
    con.close()
    if bad:
        row, customer_value, date_value, no_customer = bad[0]
        if no_customer:
            raise WaardeFout(mapping["Klant"], int(row) + 1, customer_value, "leeg")
        raise WaardeFout(mapping["Datum"], int(row) + 1, date_value, "geen datum")
    select = (
        f"SELECT {customer} AS \"Klant\", "
        f"CAST(date_diff('day', DATE '1970-01-01', {day}) AS BIGINT) AS dag, "
        f"{bedrag} AS \"Bedrag\", {product} AS \"Product\", CAST(file_row_number AS BIGINT) AS _rij "
        f"FROM {scan} WHERE {day} IS NOT NULL"
    )
    return TransactionEngine.from_sql(select, text, reference_date, contacts)


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
