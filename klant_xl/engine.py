"""The transaction engine: everything computed from transactions, written once as Ibis expressions.

SPEC §11. The per-customer summary (with medians), the gap histogram behind the
Kaplan–Meier thresholds, the activity at period boundaries (churn per period,
per quarter, cohorts), the twelve-month revenue, the repeat spend (Gamma-Gamma
input) and the win-back outcomes are Ibis expressions over one canonical
table (the ``_expr_*`` functions below). They run on whatever holds the
transactions:

- **embedded DuckDB** (the default): a pandas frame goes in zero-copy through
  Arrow, a Parquet or CSV file is scanned by DuckDB directly. The expressions
  are compiled to SQL once per shape and cached, so a small table (an Excel
  function over 20 cells) does not pay Ibis' compile time on every call;
- **any Ibis backend** the caller connected (Spark, Postgres, BigQuery,
  Snowflake …): the same expressions, bound to the caller's table.

Only small results come back: one row per customer, a histogram of a few
thousand rows, activity counts per boundary pattern. Per-customer work
(models, segments) stays pandas on the summary.

A :class:`TransactionEngine` is made once per analysis and caches what it has
computed; every core function that takes ``transactions`` also accepts an
engine (:func:`engine_for`), so an analysis runs each expression once.

Canonical table inside the engine (:data:`ENGINE_SCHEMA`): ``Klant`` (string),
``dag`` (int64 day number since 1970-01-01), ``Bedrag`` (float64, null without
amounts), ``Product`` (string, nullable), ``_rij`` (int64, the line's
position: decides the first / last product of a day).
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, KolomOntbreekt, WaardeFout
from klant_xl.values import MAX_AMOUNT, expected_for, id_codes_of, parse_reference_date, shown
from klant_xl.vocabulary import SUMMARY_COLUMNS

__all__ = [
    "ENGINE_SCHEMA",
    "ActivityProfile",
    "TransactionEngine",
    "compiled_queries",
    "engine_for",
    "remember_queries",
]

#: Columns and types of the canonical engine table.
ENGINE_SCHEMA = {"Klant": "string", "dag": "int64", "Bedrag": "float64", "Product": "string", "_rij": "int64"}
_CONTACT_SCHEMA = {"Klant": "string", "dag": "int64"}
_DAILY_SCHEMA = {"Klant": "string", "dag": "int64", "koop": "boolean", "bedrag": "decimal(38, 12)",
                 "eerste_rij": "int64", "laatste_rij": "int64", "vorige": "int64", "volgende": "int64",
                 "volgnr": "int64"}
_TRACKED_SCHEMA = {"_contact": "int64", "Klant": "string", "contactdag": "float64"}

_EPOCH = np.datetime64("1970-01-01", "D")
_TEXT_DTYPE = pd.Series([], dtype=str).dtype
_LOCK = threading.RLock()
_DUCKDB = None
_SQL: dict = {}
#: The shapes whose SQL came from :func:`remember_queries` (kept by an earlier run), not compiled here.
_REMEMBERED: set = set()


def _ibis():
    import ibis

    return ibis


def _duckdb():
    """The embedded DuckDB database behind the default engine (opened on first use)."""
    global _DUCKDB
    with _LOCK:
        if _DUCKDB is None:
            import duckdb

            # threads: DuckDB's default (the cores). Its threads combine partial results in whatever order
            # they finish; the expressions keep every result independent of that order (money is summed
            # as exact decimals, ties are broken by value). No progress bar: DuckDB would draw it on the
            # user's terminal (or Excel's console) in the middle of klant_xl's own progress. Rows in any
            # order: every result is sorted in Python or keyed, and DuckDB aggregates a sixth faster so.
            _DUCKDB = duckdb.connect()
            _DUCKDB.execute("SET enable_progress_bar = false")
            _DUCKDB.execute("SET preserve_insertion_order = false")
        return _DUCKDB


def compiled_queries() -> dict[str, str]:
    """The SQL the DuckDB runner compiled from the expressions so far, by shape (a text key).

    A shell may keep them between runs (:mod:`klant_xl.query_cache`) and give them back with
    :func:`remember_queries`: a run that finds every shape compiled never imports Ibis. SQL given
    back that way is not among them (this run did not compile it and may not have run it: saved
    again it could undo another run's repair of a damaged entry), unless it was compiled again.
    """
    with _LOCK:
        return {key: sql for key, sql in _SQL.items() if key not in _REMEMBERED}


def remember_queries(queries: dict[str, str]) -> None:
    """SQL compiled earlier from these same expressions (see :func:`compiled_queries`)."""
    with _LOCK:
        for key, sql in queries.items():
            if isinstance(key, str) and isinstance(sql, str) and key not in _SQL:
                _SQL[key] = sql
                _REMEMBERED.add(key)


def _forget_remembered(cache_key: str) -> bool:
    """Drop SQL an earlier run kept for this shape (DuckDB refused it); False when it was compiled here."""
    with _LOCK:
        if cache_key not in _REMEMBERED:
            return False
        _REMEMBERED.discard(cache_key)
        _SQL.pop(cache_key, None)
        return True


def _is_ibis_table(value) -> bool:
    if "ibis" not in sys.modules:  # nothing made an Ibis table yet (and importing Ibis takes a second)
        return False
    import ibis.expr.types as ir

    return isinstance(value, ir.Table)


def day_number(value) -> int:
    """Date-like -> int day number since 1970-01-01 (the day, time of day dropped)."""
    return int((np.datetime64(pd.Timestamp(value).date(), "D") - _EPOCH).astype(np.int64))


def as_dates(day_numbers) -> np.ndarray:
    """Day numbers (NaN = none) -> datetime64[ns] (NaT)."""
    values = np.asarray(day_numbers, dtype=float)
    out = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    valid = ~np.isnan(values)
    out[valid] = values[valid].astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    return out


def _days_of(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _money(values: pd.Series) -> np.ndarray:
    """A sum of amounts from the backend (exact decimals there, see :data:`_MONEY`) as float64."""
    return values.to_numpy(dtype=float, na_value=np.nan)


def _text_column(series: pd.Series) -> np.ndarray:
    """Object column -> str values, None where missing."""
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.all():  # no products (a UDF's transactions): nothing to convert
        return np.full(len(values), None, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        out = values.copy()
    else:
        out = values.astype(str).astype(object)
    out[missing] = None
    return out


# --------------------------------------------------------------------------- inputs


class CustomerKeys:
    """Customer ids as small integers for the embedded backend, and back.

    DuckDB groups, joins and sorts integers several times faster than text. The codes
    follow the ids' sorted order (Python's comparison of ``str``, as a sort of the ids
    would), so results sorted by code are sorted by id. Ids that only contact moments or
    win-back contacts have get codes after those of the transactions.
    """

    def __init__(self, ids):
        codes, uniques = pd.factorize(ids)
        self._rank(codes, uniques)

    def _rank(self, codes: np.ndarray, uniques) -> None:
        """Codes into the distinct ids ``uniques`` (-1: no customer) -> codes in the ids' sorted order."""
        order = _text_order(uniques)
        rank = np.empty(len(order) + 1, dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        rank[-1] = -1  # code -1 stays -1
        self.ids = np.asarray(uniques, dtype=object)[order]
        self.codes = _nullable_codes(rank[codes])
        self._index = None

    @classmethod
    def of_codes(cls, codes: np.ndarray, ids: np.ndarray) -> CustomerKeys:
        """The keys of rows already coded: ``ids[codes]`` the id per row, -1 none (see
        :func:`klant_xl.values.id_codes_of`). Ids no row uses are left out, as a factorisation
        of the rows' ids would."""
        codes = np.asarray(codes, dtype=np.int64)
        ids = np.asarray(ids, dtype=object)
        used = np.bincount(codes[codes >= 0], minlength=len(ids)) > 0
        if not used.all():
            position = np.append(np.cumsum(used) - 1, -1)  # code -1 stays -1
            codes, ids = position[codes], ids[used]
        keys = cls.__new__(cls)
        keys._rank(codes, pd.array(ids, dtype=_TEXT_DTYPE))
        return keys

    @classmethod
    def of_sorted(cls, ids) -> CustomerKeys:
        """The keys of distinct ids already in sorted order (code = position)."""
        keys = cls(np.array([], dtype=object))
        keys.ids = np.asarray(ids, dtype=object)
        return keys

    @property
    def index(self) -> pd.Index:
        """The ids as an Index (position = code)."""
        if self._index is None:
            self._index = pd.Index(self.ids, dtype=object)
        return self._index

    def code(self, ids) -> pd.api.extensions.ExtensionArray:
        """Codes for other ids (contacts): known ids get theirs, new ones new codes."""
        ids = np.asarray(ids, dtype=object)
        codes = self.index.get_indexer(ids)
        new = (codes < 0) & ~pd.isna(ids)
        if new.any():
            extra, extra_ids = pd.factorize(ids[new])
            codes[new] = extra + len(self.ids)
            self.ids = np.concatenate([self.ids, np.asarray(extra_ids, dtype=object)])
            self._index = None
        return _nullable_codes(codes)

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``Klant`` codes in a result -> a categorical of the ids (sorts by code, i.e. by id)."""
        if "Klant" in frame.columns:
            codes = frame["Klant"].to_numpy(dtype=float, na_value=np.nan)
            codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)
            frame["Klant"] = pd.Categorical.from_codes(codes, categories=self.index)
        return frame


def _text_order(texts) -> np.ndarray:
    """Positions that sort distinct texts as Python compares ``str`` (by code point).

    Arrow-backed text is sorted by Arrow: UTF-8 bytes compare in code point order, so the
    order is the same as Python's, several times faster than sorting the objects.
    """
    dtype = getattr(texts, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        return np.asarray(pc.sort_indices(pa.array(texts)), dtype=np.intp)
    return np.argsort(np.asarray(texts, dtype=object), kind="stable")


def _nullable_codes(codes: np.ndarray):
    """Codes (-1: no customer) as a nullable Int32 array."""
    codes = np.asarray(codes)
    missing = codes < 0
    return pd.arrays.IntegerArray(np.where(missing, 0, codes).astype(np.int32), missing)


def _refuse_blank_ids(codes, index: pd.Index, column: str) -> None:
    """A row without a customer id cannot be counted for anyone: the first such row, by name."""
    missing = np.asarray(pd.isna(codes))
    if missing.any():
        position = int(np.argmax(missing))
        row = index[position]
        row = int(row) if isinstance(row, (int, np.integer)) else position + 1
        err = WaardeFout(column, row, "", "leeg")
        err.args = (f"{column} in rij {row} is leeg: elke regel hoort bij een klant.",)
        raise err


def _canonical_frame(transactions: pd.DataFrame) -> tuple[pd.DataFrame, CustomerKeys]:
    """A canonical transactions frame as the engine table's columns (rows without a date dropped),
    customers as :class:`CustomerKeys` codes."""
    for column in ("Klant", "Datum"):
        if column not in transactions.columns:
            raise KolomOntbreekt(column, transactions.columns)
    dates = transactions["Datum"]
    keep = dates.notna().to_numpy()
    n = int(keep.sum())
    customers = transactions["Klant"]
    coded = id_codes_of(customers) if keep.all() else None  # the reader's codes: no second factorisation
    if coded is not None:
        keys = CustomerKeys.of_codes(*coded)
    else:
        if not keep.all():
            customers = customers[keep]
        keys = CustomerKeys(customers.astype(str))
    _refuse_blank_ids(keys.codes, transactions.index[keep] if not keep.all() else transactions.index, "Klant")
    frame = pd.DataFrame(
        {
            "Klant": keys.codes,
            "dag": _days_of(dates.to_numpy()[keep]),
            "Bedrag": (transactions["Bedrag"].to_numpy(dtype=float, na_value=np.nan)[keep]
                       if "Bedrag" in transactions.columns else np.full(n, np.nan)),
            "Product": pd.array(_text_column(transactions["Product"])[keep]
                                if "Product" in transactions.columns else np.full(n, None, dtype=object),
                                dtype=object),
            "_rij": np.flatnonzero(keep).astype(np.int64),
        }
    )
    return frame, keys


def _contacts_frame(contacts: pd.DataFrame, keys: CustomerKeys | None) -> pd.DataFrame:
    for column in ("Klant", "Datum"):
        if column not in contacts.columns:
            raise KolomOntbreekt(column, contacts.columns)
    dates = pd.to_datetime(contacts["Datum"])
    keep = dates.notna().to_numpy()
    ids = contacts["Klant"].astype(str).to_numpy(dtype=object, na_value=None)[keep]
    _refuse_blank_ids(ids, contacts.index[keep], "Klant (contactmomenten)")
    return pd.DataFrame({"Klant": _coded(keys, ids), "dag": _days_of(dates.to_numpy()[keep])})


def _coded(keys: CustomerKeys | None, ids: np.ndarray):
    """Customer ids as the engine's transactions hold them: codes, or the ids themselves (no keys)."""
    return ids if keys is None else keys.code(ids)


def canonical_table(table):
    """An Ibis table of transactions (``Klant``, ``Datum`` or ``dag``, ...) as the engine table."""
    ibis = _ibis()
    columns = set(table.columns)
    if "Klant" not in columns:
        raise KolomOntbreekt("Klant", table.columns)
    if "dag" not in columns and "Datum" not in columns:
        raise KolomOntbreekt("Datum", table.columns)
    if "dag" in columns:
        day = table["dag"].cast("int64")
    else:
        day = table["Datum"].cast("date").delta(ibis.date(1970, 1, 1), unit="day").cast("int64")
    row = table["_rij"].cast("int64") if "_rij" in columns else ibis.row_number().cast("int64")
    return table.select(
        Klant=table["Klant"].cast("string"),
        dag=day,
        Bedrag=table["Bedrag"].cast("float64") if "Bedrag" in columns else ibis.null("float64"),
        Product=table["Product"].cast("string") if "Product" in columns else ibis.null("string"),
        _rij=row,
    ).filter(lambda t: t.dag.notnull())


def _canonical_contacts(table):
    ibis = _ibis()
    if "dag" in table.columns:
        day = table["dag"].cast("int64")
    else:
        day = table["Datum"].cast("date").delta(ibis.date(1970, 1, 1), unit="day").cast("int64")
    return table.select(Klant=table["Klant"].cast("string"), dag=day).filter(lambda t: t.dag.notnull())


# --------------------------------------------------------------------------- the expressions (written once)
#
# Each takes its input tables and the scalar inputs ``v`` (Ibis literals) and returns an
# Ibis expression. The DuckDB runner binds them to named tables and caches the SQL; the
# Ibis runner binds them to the caller's tables.


#: Amounts are added up as decimals with 12 places: exact, so every backend and every number of threads
#: gives the same sums (a float sum depends on the order of its terms: 49,95 - 49,95 came out as 0 in one
#: run and -1.4e-14 in the next). Amounts of MAX_AMOUNT (10^15) or more are refused.
_MONEY = "decimal(38, 12)"


def _exact(amounts):
    return amounts.cast(_MONEY)


def _expr_daily(tables, v, *, products: bool):
    """One row per (customer, day) up to the peildatum: purchase?, amount, first/last purchase line.

    ``products``: whether the lines name products. Without them nobody asks for a first or last
    product, and the first/last purchase line is NULL rather than aggregated (two aggregates less
    over every line).

    A purchase day (an occasion) also has its neighbours among the customer's occasions
    (``vorige``, ``volgende``) and its position (``volgnr``, from 0); a day with only returns has
    none. The one sort by customer and day is done here, once per analysis, for every query
    that needs the occasions in order (summary, gaps, histogram).
    """
    ibis = _ibis()
    t = tables["transacties"]
    lines = t.filter(t.dag <= v["peildag"])
    purchase = lines.Bedrag.isnull() | (lines.Bedrag >= 0)
    if products:
        rows = {"eerste_rij": lines._rij.min(where=purchase), "laatste_rij": lines._rij.max(where=purchase)}
    else:
        rows = {}
    days = lines.group_by(["Klant", "dag"]).aggregate(koop=purchase.any(), bedrag=_exact(lines.Bedrag).sum(), **rows)
    if not products:
        days = days.mutate(eerste_rij=ibis.null("int64"), laatste_rij=ibis.null("int64"))
    # per customer, the purchase days apart from the days with only returns: neighbours are occasions
    window = ibis.window(group_by=["Klant", "koop"], order_by="dag")
    none = ibis.null("int64")
    return days.mutate(
        vorige=ibis.ifelse(days.koop, days.dag.lag().over(window).cast("int64"), none),
        volgende=ibis.ifelse(days.koop, days.dag.lead().over(window).cast("int64"), none),
        volgnr=ibis.ifelse(days.koop, ibis.row_number().over(window).cast("int64"), none),
    )


def _occasions(daily):
    """Purchase occasions with their neighbours and position per customer (see :func:`_expr_daily`)."""
    return daily.filter(daily.koop)


def _median_gaps(occasions, *, median_aggregate: bool = False):
    """Exact median of each customer's gaps (mean of the middle one or two).

    ``median_aggregate``: the backend's median aggregate is exact (DuckDB's ``quantile_cont``), which
    needs no second sort of the gaps; otherwise portable SQL ranks the gaps (some backends' median
    is approximate).
    """
    ibis = _ibis()
    gaps = occasions.filter(occasions.vorige.notnull())
    gaps = gaps.select("Klant", gap=(gaps.dag - gaps.vorige).cast("float64"))
    if median_aggregate:
        return gaps.group_by("Klant").aggregate(mediaan=gaps.gap.median())
    ranked = gaps.mutate(
        plek=ibis.row_number().over(ibis.window(group_by="Klant", order_by="gap")),
        aantal=gaps.gap.count().over(ibis.window(group_by="Klant")),
    )
    middle = ranked.filter((ranked.plek == (ranked.aantal - 1) // 2) | (ranked.plek == ranked.aantal // 2))
    return middle.group_by("Klant").aggregate(mediaan=middle.gap.mean())


def _expr_customers(tables, v, *, products: bool, contacts: bool, median_aggregate: bool = False):
    """The raw per-customer facts in day numbers: one row per customer with a line."""
    ibis = _ibis()
    daily = tables["dagen"]
    per_customer = daily.group_by("Klant").aggregate(
        omzet=daily.bedrag.sum().cast("float64"),
        omzet_12m=daily.bedrag.sum(where=daily.dag > v["jaar_terug"]).cast("float64"),
        laatste_regel=daily.dag.max(),
    )
    occasions = _occasions(daily)
    rows = {}
    if products:  # the lines of the first and the last occasion, for their products below
        rows = {"eerste_rij": occasions.eerste_rij.min(where=occasions.volgnr == 0),
                "laatste_rij": occasions.laatste_rij.max(where=occasions.volgende.isnull())}
    per_occasion = occasions.group_by("Klant").aggregate(
        eerste=occasions.dag.min(),
        laatste=occasions.dag.max(),
        aankopen=occasions.count(),
        herhaal_bedrag=occasions.bedrag.mean(where=occasions.volgnr > 0).cast("float64"),
        **rows,
    )
    joined = per_customer.left_join(per_occasion, "Klant").drop("Klant_right")
    joined = joined.left_join(_median_gaps(occasions, median_aggregate=median_aggregate), "Klant").drop("Klant_right")
    if contacts:
        c = tables["contacten"]
        seen = c.filter(c.dag <= v["peildag"]).group_by("Klant").aggregate(laatste_contact=c.dag.max())
        joined = joined.left_join(seen, "Klant").drop("Klant_right")
    else:
        joined = joined.mutate(laatste_contact=ibis.null("int64"))
    if products:
        lines = tables["transacties"].select("_rij", "Product")
        joined = joined.left_join(lines.rename(eerste_rij="_rij", eerste_product="Product"), "eerste_rij")
        joined = joined.drop("eerste_rij_right")
        joined = joined.left_join(lines.rename(laatste_rij="_rij", laatste_product="Product"), "laatste_rij")
        joined = joined.drop("laatste_rij_right")
    return joined


def _expr_histogram(tables, v):
    """Kaplan–Meier input: gaps to the next occasion (observed) or to the peildatum, counted per day."""
    occasions = _occasions(tables["dagen"])
    gaps = occasions.mutate(
        dagen=(occasions.volgende.fill_null(v["peildag"]) - occasions.dag).cast("int64"),
        waargenomen=occasions.volgende.notnull(),
    )
    return gaps.group_by(["dagen", "waargenomen"]).aggregate(aantal=gaps.count())


def _expr_gaps(tables, v):
    occasions = _occasions(tables["dagen"])
    return occasions.select(
        "Klant", "dag",
        dagen=(occasions.volgende.fill_null(v["peildag"]) - occasions.dag).cast("float64"),
        waargenomen=occasions.volgende.notnull(),
    )


def _expr_occasions(tables, v):
    return _occasions(tables["dagen"]).select("Klant", "dag")


def _expr_activity(tables, v, *, boundaries: int, contacts: bool):
    """Customers with a purchase, counted per (first purchase day, active-at-each-boundary pattern)."""
    daily = tables["dagen"]
    activity = daily.select("Klant", "dag")
    if contacts:
        c = tables["contacten"]
        activity = activity.union(c.filter(c.dag <= v["peildag"]).select("Klant", "dag"), distinct=False)
    marks = {}
    for j in range(boundaries):  # whole days: 0 <= grens - dag <= inactief is van <= dag <= grens (van = grens - floor)
        marks[f"a{j}"] = activity.dag.between(v[f"van{j}"], v[f"grens{j}"]).any()
    per_customer = activity.group_by("Klant").aggregate(**marks)
    occasions = _occasions(daily)
    first = occasions.group_by("Klant").aggregate(eerste=occasions.dag.min())
    joined = per_customer.inner_join(first, "Klant")
    return joined.group_by(["eerste", *marks]).aggregate(n=joined.count())


def _expr_winback(tables, v):
    """Per contact: first purchase day after it and the sum of all amounts after it."""
    tracked, t = tables["benaderd"], tables["transacties"]
    joined = tracked.inner_join(t, "Klant")
    after = joined.filter(joined.dag > joined.contactdag)
    purchase = after.Bedrag.isnull() | (after.Bedrag >= 0)
    return after.group_by("_contact").aggregate(terugkeer=after.dag.min(where=purchase), omzet=_exact(after.Bedrag).sum().cast("float64"))


def _expr_later(tables, v, *, contacts: bool):
    """Customers with a line (or a contact moment) after the peildatum: active again since, never purged."""
    t = tables["transacties"]
    later = t.filter(t.dag > v["peildag"]).select("Klant")
    if contacts:
        c = tables["contacten"]
        later = later.union(c.filter(c.dag > v["peildag"]).select("Klant"), distinct=False)
    return later.distinct()


def _expr_stats(tables, v):
    t = tables["transacties"]
    return t.aggregate(eerste=t.dag.min(), laatste=t.dag.max(), bedragen=t.Bedrag.count(),
                       te_groot=t._rij.min(where=t.Bedrag.abs() >= MAX_AMOUNT),
                       producten=t.Product.count(), regels=t.count())


def _expr_contact_stats(tables, v):
    c = tables["contacten"]
    return c.aggregate(laatste=c.dag.max())


_SCHEMAS = {"transacties": ENGINE_SCHEMA, "contacten": _CONTACT_SCHEMA, "dagen": _DAILY_SCHEMA,
            "benaderd": _TRACKED_SCHEMA}


# --------------------------------------------------------------------------- runners


class _DuckDBRunner:
    """Runs the expressions on a private cursor of the embedded DuckDB, SQL compiled once per shape."""

    name = "duckdb"

    def __init__(self):
        self.cursor = _duckdb().cursor()
        self.lock = threading.Lock()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        # nthreads=1: no thread pool (xlwings Lite runs in Pyodide, where threads cannot start)
        self.register_arrow(name, pa.Table.from_pandas(frame, preserve_index=False, nthreads=1))

    def register_arrow(self, name: str, table) -> None:
        """An Arrow table the queries read as table ``name`` (not copied)."""
        self._arrow = getattr(self, "_arrow", {})
        self._arrow[name] = table
        with self.lock:
            self.cursor.register(name, table)

    @staticmethod
    def _cache_key(key, values: dict, shape: dict) -> str:
        # the kind of each value is part of the shape: an int and a float compile to other placeholders
        # (keyed by name only, a float threshold after an int one left the placeholder in the SQL)
        kinds = sorted((name, isinstance(value, float)) for name, value in values.items())
        return json.dumps([key, sorted(shape.items()), kinds])

    def _sql(self, cache_key: str, build, values: dict, shape: dict) -> str:
        sql = _SQL.get(cache_key)
        if sql is None:
            with _LOCK:  # one compile at a time (the models are fitted on a thread of their own)
                ibis = _ibis()
                tables = {name: ibis.table(schema, name=name) for name, schema in _SCHEMAS.items()}
                placeholders = {name: ibis.literal(_sentinel(i, value), _literal_type(value))
                                for i, (name, value) in enumerate(sorted(values.items()))}
                sql = ibis.to_sql(build(tables, placeholders, **shape), dialect="duckdb")
                _SQL[cache_key] = sql
        for i, (name, value) in enumerate(sorted(values.items())):
            sql = sql.replace(repr(_sentinel(i, value)), repr(_literal(value)))
        return sql

    def _run(self, statement, key, build, values: dict, shape: dict):
        """``statement(sql)`` on the compiled SQL of this shape. SQL an earlier run kept that DuckDB
        refuses as SQL (a damaged cache entry: a parser, binder or catalog error, DuckDB's
        ProgrammingError) is compiled again once, and the new SQL replaces it. Any other error (the
        data, memory, an interrupt) is raised at once: compiling again would not change it."""
        import duckdb

        cache_key = self._cache_key(key, values, shape)
        try:
            return statement(self._sql(cache_key, build, values, shape))
        except duckdb.ProgrammingError:
            if not _forget_remembered(cache_key):
                raise
        return statement(self._sql(cache_key, build, values, shape))

    def execute(self, key, build, values: dict, **shape) -> pd.DataFrame:
        def run(sql):
            with self.lock:
                return self.cursor.sql(sql).to_arrow_table().to_pandas()

        return self._run(run, key, build, values, shape)

    def materialise(self, name, key, build, values: dict, **shape) -> None:
        def run(sql):
            with self.lock:
                self.cursor.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')

        self._run(run, key, build, values, shape)

    def close(self) -> None:
        try:
            self.cursor.close()
        except Exception:  # noqa: BLE001 - already closed
            pass


class _IbisRunner:
    """Runs the expressions on the caller's Ibis backend."""

    def __init__(self, tables: dict):
        self.tables = dict(tables)
        backend = tables["transacties"]._find_backend()
        self.name = getattr(backend, "name", "ibis")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.tables[name] = _ibis().memtable(frame)

    def _expr(self, build, values, **shape):
        ibis = _ibis()
        literals = {name: ibis.literal(_literal(value), _literal_type(value)) for name, value in values.items()}
        return build(self.tables, literals, **shape)

    def execute(self, key, build, values: dict, **shape) -> pd.DataFrame:
        return self._expr(build, values, **shape).to_pyarrow().to_pandas()

    def materialise(self, name, key, build, values: dict, **shape) -> None:
        expr = self._expr(build, values, **shape)
        backend = self.tables["transacties"]._find_backend()
        if self.name == "duckdb":  # ibis' cache() finaliser fails on DuckDB (ibis 12): a temp table
            temp = f"klant_xl_{uuid.uuid4().hex}"
            self.tables[name] = backend.create_table(temp, expr, temp=True)
            weakref.finalize(self, _drop_table, backend, temp).atexit = False
            return
        try:
            self.tables[name] = expr.cache()
        except Exception:  # noqa: BLE001 - a backend without caching recomputes
            self.tables[name] = expr

    def close(self) -> None:
        pass


def _drop_table(backend, name) -> None:
    try:
        backend.drop_table(name, force=True)
    except Exception:  # noqa: BLE001 - the connection may be gone
        pass


def _literal(value):
    return float(value) if isinstance(value, float) else int(value)


def _literal_type(value) -> str:
    return "float64" if isinstance(value, float) else "int64"


def _sentinel(i: int, value):
    """A number that appears nowhere else in compiled SQL, replaced by the real value."""
    return -918273645.5 - i if isinstance(value, float) else -9182736450 - i


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ActivityProfile:
    """Who is active at which boundary day, as counts per pattern.

    ``counts`` has one row per (first purchase day, pattern): ``eerste`` (int
    day number of the first purchase occasion), ``a0 … a{k-1}`` (bool: some
    activity — a line or a contact moment — on a day ``a`` with
    ``0 <= boundary_j - a <= inactive_days``) and ``n`` (customers). Only
    customers with a purchase are counted.
    """

    days: tuple[int, ...]
    inactive_days: float
    counts: pd.DataFrame

    def column(self, day) -> str:
        return f"a{self.days.index(int(day))}"

    def active_at(self, day: int) -> np.ndarray:
        """Boolean per ``counts`` row: active at ``day`` (bought on or before it, recent activity)."""
        return self.counts[self.column(day)].to_numpy(dtype=bool) & (self.counts["eerste"].to_numpy() <= day)

    def churn_counts(self, start: int, end: int) -> tuple[int, int]:
        """(customers active at ``start``, of those still active at ``end``)."""
        n = self.counts["n"].to_numpy(dtype=np.int64)
        at_start = self.active_at(start)
        return int(n[at_start].sum()), int(n[at_start & self.active_at(end)].sum())

    def new_customers(self, start: int, end: int) -> int:
        """Customers whose first purchase lies after ``start``, up to and including ``end``.

        A customer who first bought on the start day is active at the start (counted there), and
        one who first bought on the end day is active at the end: so active at the end = retained
        + new + came back, and a year's new customers are its cohort.
        """
        first = self.counts["eerste"].to_numpy()
        return int(self.counts["n"].to_numpy(dtype=np.int64)[(first > start) & (first <= end)].sum())


def _whole_days(inactive_days: float) -> int:
    """The most whole days since a day that are within ``inactive_days`` (-1: none, also for NaN)."""
    if inactive_days != inactive_days or inactive_days < 0:
        return -1
    return int(min(inactive_days, 2**40) // 1)


class TransactionEngine:
    """Every fact the analysis needs from the transactions, computed by the backend.

    Parameters
    ----------
    transactions : pandas.DataFrame or ibis.Table
        Canonical transactions (``Klant``, ``Datum``, optional ``Bedrag`` and
        ``Product``); an Ibis table on any backend (columns as the canonical
        frame, or already ``dag`` / ``_rij``).
    reference_date : date-like, optional
        Peildatum; rows after it are ignored. Default: the last date in the
        transactions and contacts.
    contacts : pandas.DataFrame or ibis.Table, optional
        Contact moments (``Klant``, ``Datum``): activity for customers with
        transactions.

    Examples
    --------
    >>> frame = pd.DataFrame({"Klant": ["a", "a", "b"], "Bedrag": [10.0, 20.0, 5.0],
    ...     "Datum": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-06"])})
    >>> engine = TransactionEngine(frame)
    >>> engine.reference_date
    Timestamp('2026-01-11 00:00:00')
    >>> engine.gap_histogram().values.tolist()
    [[0, False, 1], [5, False, 1], [10, True, 1]]
    """

    def __init__(self, transactions, reference_date=None, contacts=None, *, _coded: tuple | None = None):
        self.source = transactions
        self.contacts_source = contacts
        self.pandas_input = isinstance(transactions, pd.DataFrame)
        self._cache: dict = {}
        self._coded = _coded
        self._keys: CustomerKeys | None = None  # customers as codes (pandas input on the embedded DuckDB)
        if _coded is not None:  # a file DuckDB read and coded itself (see from_coded)
            table, ids = _coded
            self.runner = _DuckDBRunner()
            self.runner.register_arrow("transacties", table)
            self._keys = CustomerKeys.of_sorted(ids)
        elif self.pandas_input:
            self.runner = _DuckDBRunner()
            frame, self._keys = _canonical_frame(transactions)
            self.runner.register("transacties", frame)
        elif _is_ibis_table(transactions):
            self.runner = _IbisRunner({"transacties": canonical_table(transactions)})
        else:
            raise InvoerFout(f"Verwacht een tabel met transacties, kreeg {type(transactions).__name__}.")
        self.has_contacts = False
        if contacts is not None:
            if _is_ibis_table(contacts):
                if isinstance(self.runner, _IbisRunner):
                    self.runner.tables["contacten"] = _canonical_contacts(contacts)
                else:
                    self.runner.register("contacten", _contacts_frame(contacts.to_pandas(), self._keys))
                self.has_contacts = True
            elif len(contacts):
                self.runner.register("contacten", _contacts_frame(contacts, self._keys))
                self.has_contacts = True
        self._resolve(reference_date)

    @classmethod
    def from_coded(cls, table, ids, label: str, reference_date=None, contacts=None) -> TransactionEngine:
        """Transactions a file reader already brought into the engine table, customers as codes.

        ``table`` (Arrow) has the columns of :data:`ENGINE_SCHEMA` with ``Klant`` an int32 code:
        the position of the customer's id in ``ids``, the distinct ids in sorted order (as
        :class:`CustomerKeys` codes them), e.g. a CSV or Parquet file DuckDB read and checked
        (:mod:`klant_xl.sources`). Every query then reads integers from memory instead of
        scanning and grouping the file's text again. ``label`` names the source (a file path).
        """
        return cls(label, reference_date, contacts, _coded=(table, ids))

    def __del__(self):
        runner = getattr(self, "runner", None)
        if runner is not None:
            runner.close()

    @property
    def embedded(self) -> bool:
        """Whether the engine computes on klant_xl's own DuckDB (safe to query from two threads)."""
        return isinstance(self.runner, _DuckDBRunner)

    @property
    def backend_name(self) -> str:
        """``duckdb`` for the embedded default, else the Ibis backend's name (``pyspark``, ...)."""
        return self.runner.name

    def _resolve(self, reference_date) -> None:

        stats = self.runner.execute("stats", _expr_stats, {})
        if pd.notna(stats["te_groot"].iloc[0]):
            self._refuse_amount(int(stats["te_groot"].iloc[0]))
        self.first_line_day = stats["eerste"].iloc[0]
        last = stats["laatste"].iloc[0]
        if self.has_contacts:
            contact_last = self.runner.execute("contact_stats", _expr_contact_stats, {})["laatste"].iloc[0]
            if pd.notna(contact_last) and (pd.isna(last) or contact_last > last):
                last = contact_last
        self.last_day = last  # the latest line or contact moment, also after the peildatum
        self.has_amounts = bool(stats["bedragen"].iloc[0])
        self.row_count = int(stats["regels"].iloc[0])
        self.has_products = bool(stats["producten"].iloc[0])
        if reference_date is not None and not (isinstance(reference_date, str) and not reference_date.strip()):
            self.reference_date = parse_reference_date(reference_date)
        elif pd.isna(last):
            raise InvoerFout("Er zijn geen transacties met een datum; kan geen peildatum bepalen.")
        else:
            self.reference_date = pd.Timestamp(as_dates([float(last)])[0])
        self.reference_day = day_number(self.reference_date)

    def _refuse_amount(self, position: int) -> None:
        """An amount the exact sums cannot hold (:data:`klant_xl.values.MAX_AMOUNT`): the row that has it."""
        if self.pandas_input:
            row, value = self.source.index[position], self.source["Bedrag"].iloc[position]
            row = int(row) if isinstance(row, (int, np.integer)) else None
            raise WaardeFout("Bedrag", row, shown(value), expected_for(value, "geen bedrag"))
        raise InvoerFout(f"Een bedrag in {self.source if isinstance(self.source, str) else 'de tabel'} is te groot "
                         f"(klant_xl rekent met bedragen onder 10^15).")

    def has_rows_after(self, day: int) -> bool:
        """Whether a line or contact moment lies after day number ``day``.

        Without any, an engine for a later peildatum sees exactly the rows this one sees.
        """
        return bool(pd.notna(self.last_day) and float(self.last_day) > day)

    def with_reference(self, reference_date, contacts=None) -> TransactionEngine:
        """This engine, or one over the same data for another peildatum (or with contact moments added)."""

        add_contacts = contacts is not None and self.contacts_source is None and len(contacts) > 0
        if not add_contacts and (reference_date is None or parse_reference_date(reference_date) == self.reference_date):
            return self
        reference = self.reference_date if reference_date is None else reference_date
        contacts = contacts if add_contacts else self.contacts_source
        if self._coded is not None:
            return TransactionEngine(self.source, reference, contacts, _coded=self._coded)
        return TransactionEngine(self.source, reference, contacts)

    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _values(self, **extra) -> dict:
        return {"peildag": self.reference_day, **extra}

    def _daily(self) -> None:
        """Materialise the (customer, day) table once on the backend."""
        self._cached("dagen", lambda: self.runner.materialise("dagen", "daily", _expr_daily, self._values(),
                                                              products=self.has_products))

    def _run(self, key, build, values=None, **shape) -> pd.DataFrame:
        self._daily()
        frame = self.runner.execute(key, build, self._values() if values is None else values, **shape)
        return frame if self._keys is None else self._keys.decode(frame)


    # ------------------------------------------------------------------ facts

    def customer_frame(self) -> pd.DataFrame:
        """The raw per-customer facts (day numbers), one row per customer with a line, sorted by ``Klant``."""

        def build():
            year_before = day_number(self.reference_date - pd.DateOffset(years=1))
            frame = self._run("customers", _expr_customers, self._values(jaar_terug=year_before),
                              products=self.has_products, contacts=self.has_contacts,
                              median_aggregate=self.runner.name == "duckdb")
            return frame.sort_values("Klant", kind="mergesort").reset_index(drop=True)

        return self._cached("customers", build)

    def summary(self) -> pd.DataFrame:
        """The per-customer summary (:func:`klant_xl.summary.customer_summary`)."""
        summary = self._cached("summary", self._summary)
        result = summary.copy()
        return result

    def _summary(self) -> pd.DataFrame:
        frame = self.customer_frame()
        n = len(frame)
        occasions = frame["aankopen"].fillna(0).to_numpy(dtype=np.int64)
        bought = occasions > 0
        first = frame["eerste"].to_numpy(dtype=float, na_value=np.nan)
        last = frame["laatste"].to_numpy(dtype=float, na_value=np.nan)
        if self.has_amounts:
            revenue = np.nan_to_num(_money(frame["omzet"]), nan=0.0)
        else:
            revenue = np.full(n, np.nan)
        repeat = occasions >= 2
        mean_gap = np.full(n, np.nan)
        mean_gap[repeat] = (last[repeat] - first[repeat]) / (occasions[repeat] - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_order = np.where(bought, revenue / np.maximum(occasions, 1), np.nan)
        last_activity = np.fmax(frame["laatste_regel"].to_numpy(dtype=float, na_value=np.nan),
                                frame["laatste_contact"].to_numpy(dtype=float, na_value=np.nan))
        products = {}
        for column, key in (("Eerste product", "eerste_product"), ("Laatste product", "laatste_product")):
            values = frame[key].to_numpy(dtype=object).copy() if key in frame.columns else np.full(n, None, dtype=object)
            values[pd.isna(values)] = None
            products[column] = pd.array(values, dtype=object)
        summary = pd.DataFrame(
            {
                "Eerste aankoop": as_dates(first),
                "Laatste aankoop": as_dates(last),
                "Aankopen": occasions,
                "Omzet": revenue,
                "Gem. bestelwaarde": mean_order,
                "Dagen sinds aankoop": np.where(bought, self.reference_day - last, np.nan).astype(float),
                "Gem. dagen tussen aankopen": mean_gap,
                "Mediaan dagen tussen aankopen": frame["mediaan"].to_numpy(dtype=float, na_value=np.nan),
                "Laatste activiteit": as_dates(last_activity),
                "Dagen sinds activiteit": (self.reference_day - last_activity).astype(float),
                **products,
            },
            index=pd.Index(frame["Klant"].to_numpy(dtype=object), name="Klant"),
        )[SUMMARY_COLUMNS]
        return summary

    def occasions(self) -> pd.DataFrame:
        """Purchase occasions (``Klant``, ``Datum``), sorted by customer then day."""
        frame = self._run("occasions", _expr_occasions).sort_values(["Klant", "dag"], kind="mergesort")
        return pd.DataFrame({"Klant": frame["Klant"].to_numpy(dtype=object),
                             "Datum": as_dates(frame["dag"].to_numpy(dtype=float))})

    def purchase_gaps(self) -> pd.DataFrame:
        """Per occasion: days to the next occasion (observed) or to the peildatum (censored)."""
        frame = self._run("gaps", _expr_gaps).sort_values(["Klant", "dag"], kind="mergesort")
        return pd.DataFrame({"Klant": frame["Klant"].to_numpy(dtype=object),
                             "dagen": frame["dagen"].to_numpy(dtype=float),
                             "waargenomen": frame["waargenomen"].to_numpy(dtype=bool)})

    def gap_histogram(self) -> pd.DataFrame:
        """Kaplan–Meier input as a histogram: ``dagen`` (int), ``waargenomen`` (bool), ``aantal``.

        Every gap from a purchase occasion to the next (observed) and each
        customer's ongoing gap to the peildatum (censored), counted per whole
        number of days: a few thousand rows whatever the size of the data.
        """

        def build():
            frame = self._run("histogram", _expr_histogram)
            frame = frame.sort_values(["dagen", "waargenomen"]).reset_index(drop=True)
            return frame.astype({"dagen": np.int64, "waargenomen": bool, "aantal": np.int64})

        return self._cached("histogram", build).copy()

    def first_day(self) -> pd.Timestamp | None:
        """The earliest transaction date (any line, also after the peildatum), or None."""
        value = self.first_line_day
        return None if pd.isna(value) else pd.Timestamp(as_dates([float(value)])[0])

    def customers_after_reference(self) -> pd.Index:
        """Ids of the customers with a line or a contact moment after the peildatum (sorted).

        Their data is in use again (a peildatum in the past sees them as they were then): the
        retention period never flags them. Nothing is computed when no row lies after the peildatum.
        """
        if not self.has_rows_after(self.reference_day):
            return pd.Index([], dtype=object, name="Klant")
        frame = self._run("later", _expr_later, contacts=self.has_contacts)
        return pd.Index(sorted(str(k) for k in frame["Klant"]), dtype=object, name="Klant")

    def revenue_last_year(self) -> float:
        """Net revenue of all lines in (peildatum − 1 year, peildatum]."""
        return float(np.nansum(_money(self.customer_frame()["omzet_12m"])))  # NULL: no line in that year

    def _positions_in_frame(self, index) -> np.ndarray:
        """For each id in ``index``, its row in :meth:`customer_frame` (-1: no line).

        The summary's index is the frame's ids in the frame's order: then the positions are
        0, 1, 2, ... without looking up 100,000 texts.
        """
        ids = self._cached("customer_ids", lambda: pd.Index(self.customer_frame()["Klant"].to_numpy(dtype=object)))
        keys = pd.Index(index)
        if len(keys) == len(ids) and keys.equals(ids):
            return np.arange(len(ids))
        return ids.get_indexer(keys.astype(str))

    def recent_revenue(self, index: pd.Index) -> pd.Series:
        """Revenue per customer over (peildatum − 1 year, peildatum], 0 without lines there."""
        revenue = _money(self.customer_frame()["omzet_12m"])  # NaN (NULL): no line in that year
        positions = self._positions_in_frame(index)
        found = positions >= 0
        values = np.zeros(len(positions))
        values[found] = revenue[positions[found]]
        return pd.Series(np.where(np.isnan(values), 0.0, values), index=index)

    def repeat_spend(self, customers=None) -> pd.DataFrame:
        """Repeat occasions and their mean day amount per customer (Gamma-Gamma input)."""
        frame = self.customer_frame()
        occasions = frame["aankopen"].fillna(0).to_numpy(dtype=np.int64)
        mean_amount = frame["herhaal_bedrag"].to_numpy(dtype=float, na_value=np.nan)
        if customers is None:
            repeat = occasions > 1
            return pd.DataFrame(
                {"frequency": occasions[repeat].astype(float) - 1.0, "monetary_value": mean_amount[repeat]},
                index=pd.Index(frame["Klant"].to_numpy(dtype=object)[repeat], name="Klant"),
            )
        positions = self._positions_in_frame(customers)
        chosen = np.flatnonzero(positions >= 0)
        chosen = chosen[occasions[positions[chosen]] > 1]  # customers with a repeat occasion
        frequency = np.zeros(len(positions))
        frequency[chosen] = occasions[positions[chosen]] - 1.0
        monetary = np.full(len(positions), np.nan)
        monetary[chosen] = mean_amount[positions[chosen]]
        return pd.DataFrame({"frequency": frequency, "monetary_value": monetary},
                            index=pd.Index(customers, name="Klant"))

    def activity(self, days, inactive_days: float) -> ActivityProfile:
        """Activity at the boundary days (:class:`ActivityProfile`), one query for all of them.

        A profile computed earlier (:meth:`prefetch_activity`) that covers
        ``days`` with the same threshold is reused.
        """
        wanted = tuple(sorted({int(d) if isinstance(d, (int, np.integer)) else day_number(d) for d in days}))
        inactive = float(inactive_days)
        if not wanted:
            wanted = (self.reference_day,)
        profiles = self._cache.setdefault("activity", {})
        for (known, known_inactive), profile in profiles.items():
            if known_inactive == inactive and set(wanted) <= set(known):
                return profile
        reach = _whole_days(inactive)
        values = self._values(**{f"grens{j}": day for j, day in enumerate(wanted)},
                              **{f"van{j}": day - reach for j, day in enumerate(wanted)})
        frame = self._run("activity", _expr_activity, values, boundaries=len(wanted), contacts=self.has_contacts)
        marks = [c for c in frame.columns if c.startswith("a")]
        frame = frame.astype({"eerste": np.int64, "n": np.int64, **{k: bool for k in marks}})
        # one stable numpy sort on (eerste, a0, a1, ...): the backend's rows come in any order
        order = np.lexsort([frame[c].to_numpy() for c in reversed(["eerste", *marks])])
        frame = frame.take(order).reset_index(drop=True)
        profile = ActivityProfile(days=wanted, inactive_days=inactive, counts=frame)
        profiles[(wanted, inactive)] = profile
        return profile

    def prefetch_activity(self, days, inactive_days: float) -> None:
        """Compute the activity at all these days now, so later questions reuse it."""
        self.activity(days, inactive_days)

    def winback_lines(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Per contact (``_contact``, ``Klant``, ``Benaderd op``): first purchase day after it and revenue since.

        All transactions count (also after the peildatum). Returns a frame
        indexed by ``_contact`` with ``terugkeer`` (day number, NaN if none)
        and ``omzet`` (sum of all amounts after the contact, NaN without).
        """
        empty = pd.DataFrame({"terugkeer": pd.Series(dtype=float), "omzet": pd.Series(dtype=float)})
        if not len(contacts):
            return empty
        stamps = pd.to_datetime(contacts["Benaderd op"])
        fraction = ((stamps - stamps.dt.normalize()) / pd.Timedelta(days=1)).to_numpy(dtype=float)
        self.runner.register("benaderd", pd.DataFrame({
            "_contact": contacts["_contact"].to_numpy(dtype=np.int64),
            "Klant": _coded(self._keys, contacts["Klant"].astype(str).to_numpy(dtype=object)),
            "contactdag": _days_of(stamps.dt.normalize().to_numpy()) + fraction,
        }))
        out = self.runner.execute("winback", _expr_winback, {})
        return out.set_index("_contact").astype({"terugkeer": float, "omzet": float})


def engine_for(transactions, reference_date=None, contacts=None) -> TransactionEngine:
    """The engine behind a core function's ``transactions`` argument.

    An engine passed in is reused (for another peildatum: the same data
    re-anchored); a pandas frame or Ibis table gets a new engine.
    """
    if isinstance(transactions, TransactionEngine):
        return transactions.with_reference(reference_date, contacts)
    return TransactionEngine(transactions, reference_date, contacts)
