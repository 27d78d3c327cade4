"""Cell values in, cell values out: the conversions every Excel function shares (a shell).

Range arguments of the Excel functions are declared with xlwings' ``"raw"``
converter, so a whole column of a million cells reaches Python without a
per-cell pass through xlwings, and are normalised here, vectorised where it
matters. They arrive as each xlwings runtime delivers them:

- classic xlwings (COM, Windows): a scalar for one cell, a tuple of row
  tuples for several; date cells as tz-aware ``datetime``; currency cells as
  ``decimal.Decimal``; blanks as ``None``; error cells as COM's integer codes;
- xlwings Lite / Server (Office.js): a scalar for one cell, a flat list for a
  single row, a list of rows otherwise; dates as Excel serial numbers; blanks
  as ``None`` or ``""``; error cells as ``{"type": "Error", ...}``.

Results: numbers and texts go back through xlwings' default converter; a
table (:func:`table`) is an :class:`ExcelTable`, a list of rows with a header
row and blanks for missing values (NaN would be ``#NUM!`` in Office.js), whose
converter lets the runtime's engine convert just the date cells.

Row numbers in messages count like a table that starts in row 1: the first
data row is row 2. A header cell at the top of a range (``Datum`` when the
user selects ``B1:B500`` or the whole column ``B:B``) is recognised and
skipped, so the numbers then match the sheet's rows.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import logging
import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlwings.conversion import Converter, Pipeline

from klant_xl import query_cache
from klant_xl.errors import InvoerFout, KlantXLError, WaardeFout
from klant_xl.excel._collect import without_cycle_collection
from klant_xl.reading import HEADER_ALIASES
from klant_xl.reading import read_transactions
from klant_xl.reading import read_contacts
from klant_xl.values import number_or_nan

__all__ = [
    "FIRST_ROW",
    "Column",
    "DateBlock",
    "ExcelFout",
    "ExcelTable",
    "ExcelTableConverter",
    "column",
    "contacts",
    "date_block",
    "excel_function",
    "first_value",
    "number",
    "rows",
    "table",
    "transactions",
    "whole_number",
]

logger = logging.getLogger(__name__)

#: COM's integer codes of error cells, with the name Dutch Excel shows.
COM_ERRORS = {
    -2146826281: "#DEEL/0!",
    -2146826246: "#N/B",
    -2146826259: "#NAAM?",
    -2146826288: "#LEEG!",
    -2146826252: "#GETAL!",
    -2146826265: "#VERW!",
    -2146826273: "#WAARDE!",
}
#: Office.js error names (English, also used by Office.js data types) -> Dutch.
ERROR_NAMES = {
    "#DIV/0!": "#DEEL/0!",
    "#N/A": "#N/B",
    "#NAME?": "#NAAM?",
    "#NULL!": "#LEEG!",
    "#NUM!": "#GETAL!",
    "#REF!": "#VERW!",
    "#VALUE!": "#WAARDE!",
    "Div0": "#DEEL/0!",
    "NotAvailable": "#N/B",
    "Name": "#NAAM?",
    "Null": "#LEEG!",
    "Num": "#GETAL!",
    "Ref": "#VERW!",
    "Value": "#WAARDE!",
}

#: The first data row's number (the header is row 1).
FIRST_ROW = 2

#: Most rows a range may have (Excel's sheet height).
MAX_ROWS = 1_048_576


class ExcelFout:
    """An error cell (``#N/B``, ``#DEEL/0!``...): shows as its Dutch name in messages."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other) -> bool:
        return isinstance(other, ExcelFout) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


_PLAIN_KINDS = {float, str, type(None), bool}


def _clean_cell(value):
    """One cell normalised: blanks -> None, naive datetimes, errors -> ExcelFout, Decimal -> float."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value == "" else value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value in COM_ERRORS:
            return ExcelFout(COM_ERRORS[value])
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dict):
        if value.get("type") == "Error":
            name = value.get("basicValue") or value.get("errorType") or "#WAARDE!"
            return ExcelFout(ERROR_NAMES.get(name, name))
        return _clean_cell(value.get("basicValue"))
    if type(value).__name__ == "JsNull":  # Pyodide >= 0.28: an empty cell
        return None
    return value


class Column(list):
    """Normalised cells of one column; ``kinds`` are the cell types, ``has_errors`` tells if any is an error cell."""

    kinds: set = frozenset()
    has_errors: bool = False


def _clean(values: list) -> Column:
    """Normalise a flat list of cells; a fast path when all cells are plain numbers, text or blanks."""
    kinds = set(map(type, values))
    if kinds <= _PLAIN_KINDS:
        if str in kinds and "" in values:
            values = [None if v == "" else v for v in values]
        out = Column(values)
    else:
        out = Column(_clean_cell(v) for v in values)
        kinds = set(map(type, out))
        out.has_errors = ExcelFout in kinds
    out.kinds = kinds
    return out


def rows(value) -> list:
    """A range argument as a list of rows (a scalar is one cell, a flat list one row)."""
    if isinstance(value, (list, tuple)):
        if not value:
            return []
        if isinstance(value[0], (list, tuple)):
            return value
        return [value]
    return [[value]]


def column(value, name: str) -> list:
    """The cells of a one-column (or one-row) range as a flat, normalised list.

    Raises
    ------
    InvoerFout
        When the range has several rows and several columns.
    """
    grid = rows(value)
    n_rows = len(grid)
    n_cols = len(grid[0]) if n_rows else 0
    if n_rows > MAX_ROWS:
        raise InvoerFout(f"{name} heeft meer dan {MAX_ROWS:,} rijen.".replace(",", "."))
    if n_rows > 1 and n_cols > 1:
        raise InvoerFout(f"{name} moet één kolom zijn, niet {n_cols} kolommen: kies één kolom van de tabel.")
    if n_cols == 1:
        flat = [r[0] for r in grid]
    else:
        flat = list(grid[0]) if n_rows else []
    return _clean(flat)


def first_value(value, name: str):
    """A single-value argument (peildatum, a percentage): one cell, or an error naming the argument."""
    if isinstance(value, (list, tuple)):
        grid = rows(value)
        cells = [c for r in grid for c in r]
        if len(cells) != 1:
            raise InvoerFout(f"{name} moet één waarde zijn, geen bereik van {len(cells)} cellen.")
        value = cells[0]
    value = _clean_cell(value)
    if isinstance(value, ExcelFout):
        raise WaardeFout(name, None, value, "een foutwaarde")
    return value


#: Headers of a date column above the dates a user may include in a range (compared lower case).
DATE_HEADERS = {"laatste aankoop", "laatste activiteit", "eerste aankoop", "datum laatste aankoop"}


class DateBlock(NamedTuple):
    """The cells of a range of dates, flattened row by row, with what is needed to give them back.

    ``values``: the normalised cells (header and trailing blank rows left out);
    ``rows``: the row number of each value for messages (first data row 2);
    ``width``: cells per row; ``header``: whether the first row was a header.
    """

    values: list
    rows: list
    width: int
    header: bool

    def shaped(self, results: list, header: str):
        """Results in the block's shape: one value for one cell, else rows (with a header row if it had one)."""
        if len(results) == 1 and not self.header:
            return results[0]
        out = [results[i : i + self.width] for i in range(0, len(results), self.width)]
        if self.header:
            out.insert(0, [header] + [None] * (self.width - 1))
        return out


def date_block(value, name: str) -> DateBlock:
    """A date argument that may be one cell, a column (e.g. ``B:B`` with its header) or a block."""
    grid = rows(value)
    width = max(len(grid[0]), 1) if grid else 1
    flat = column([[c] for row in grid for c in row], name)
    header = (
        width == 1 and len(flat) > 1 and _is_header(flat[0], DATE_HEADERS | _header_names("Datum"))
    )
    start = 1 if header else 0
    end = len(flat)
    if width == 1:
        end = max(_last_filled([flat]), start + 1)
    values = flat[start:end]
    return DateBlock(values, [FIRST_ROW + i // width for i in range(len(values))], width, header)


def _is_header(value, names) -> bool:
    return isinstance(value, str) and value.strip().lower() in names


def _header_names(canonical: str) -> set:
    return {n.strip().lower() for n in (canonical, *HEADER_ALIASES.get(canonical, ()))}


def _last_filled(columns: list[list]) -> int:
    """Rows up to the last one with any value (a whole-column reference ends in blanks)."""
    last = 0
    for values in columns:
        i = len(values)
        while i > last and values[i - 1] is None:
            i -= 1
        last = max(last, i)
    return last


def _raise_on_error_cells(values: list, name: str, first_row: int) -> None:
    pos = next((i for i, v in enumerate(values) if isinstance(v, ExcelFout)), None)
    if pos is not None:
        raise WaardeFout(name, first_row + pos, values[pos], "een foutwaarde")


def _typed(values: list, kinds: set) -> pd.Series:
    """A column as a Series, float64 when every cell is a number or blank (fast parsing downstream)."""
    if kinds <= {float, int, type(None)} and kinds - {type(None)}:
        return pd.Series(values, dtype="float64")
    return pd.Series(values, dtype=object)


def _typed_columns(parts: dict, empty_message: str) -> pd.DataFrame:
    """Columns of one table, as cells, to a frame of typed columns (trailing blank rows and a header
    row at the top dropped; rows numbered from 2)."""
    lengths = {len(v) for v in parts.values()}
    if len(lengths) > 1:
        sizes = ", ".join(f"{k.lower()} {len(v)}" for k, v in parts.items())
        raise InvoerFout(f"De bereiken zijn niet even lang ({sizes} rijen): kies kolommen van dezelfde tabel.")
    end = _last_filled(list(parts.values()))
    start = 0
    if end and (
        _is_header(parts["Datum"][0], _header_names("Datum")) or _is_header(parts["Klant"][0], _header_names("Klant"))
    ):
        start = 1
    if end <= start:
        raise InvoerFout(empty_message)
    columns = {}
    for name, values in parts.items():
        kinds = values.kinds
        if values.has_errors:
            _raise_on_error_cells(values[start:end], name, FIRST_ROW)
        values = values[start:end]
        if start:
            kinds = set(map(type, values))
        columns[name] = _typed(values, kinds)
    return pd.DataFrame(columns)


def transactions(klanten, datums, bedragen=None) -> pd.DataFrame:
    """Columns of a transactions table, as cells, to the canonical transactions frame.

    Parameters
    ----------
    klanten, datums : range values
        One column each: customer ids and dates (date cells, serial numbers or text).
    bedragen : range value, optional
        Amounts; ``None`` when the user left the argument out.

    Returns
    -------
    pandas.DataFrame
        :func:`klant_xl.reading.read_transactions` of the cells, after dropping
        trailing blank rows and a header row at the top; rows are numbered from 2.
    """

    parts = {"Klant": column(klanten, "Klanten"), "Datum": column(datums, "Datums")}
    if bedragen is not None:
        parts["Bedrag"] = column(bedragen, "Bedragen")
    frame = _typed_columns(parts, "Er zijn geen transacties: de bereiken met klanten en datums zijn leeg.")
    return read_transactions(frame, first_row=FIRST_ROW)


def contacts(contact_klanten=None, contact_datums=None) -> pd.DataFrame | None:
    """Columns of a contact-moments table (Contactmomenten[Klant], Contactmomenten[Datum]) to the
    canonical contacts frame; ``None`` when both arguments are left out or the ranges are empty.

    Giving only one of the two is refused with a Dutch message.
    """

    if contact_klanten is None and contact_datums is None:
        return None
    if contact_klanten is None or contact_datums is None:
        raise InvoerFout("Geef voor contactmomenten twee kolommen op: klanten en datums "
                         "(bijv. Contactmomenten[Klant] en Contactmomenten[Datum]).")
    parts = {"Klant": column(contact_klanten, "Contact_klanten"), "Datum": column(contact_datums, "Contact_datums")}
    try:
        frame = _typed_columns(parts, "")
    except InvoerFout as exc:
        if str(exc):
            raise
        return None  # an empty Contactmomenten table: no contact moments
    found = read_contacts(frame, first_row=FIRST_ROW)
    return found if len(found) else None


def _cells_of(series: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """One column as an object array of cell values (None for missing, datetimes, Python numbers),
    and where it is missing (None: nowhere)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        # a column of customers holds a few thousand distinct days: each becomes a datetime once
        codes, days = pd.factorize(series)  # NaT: -1
        out = np.append(np.array(pd.Series(days).dt.to_pydatetime(), dtype=object), None)[codes]
        return out, codes < 0
    if pd.api.types.is_bool_dtype(series) or (pd.api.types.is_integer_dtype(series) and not series.hasnans):
        return np.array(series.tolist(), dtype=object), None
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        out = np.array(values.tolist(), dtype=object)
        missing = ~np.isfinite(values)
        out[missing] = None
        return out, missing
    if isinstance(series.dtype, pd.StringDtype):  # text only: Python str already
        missing = series.isna().to_numpy()
        return series.to_numpy(dtype=object, na_value=None), missing
    out = np.array([None if _missing(v) else _plain(v) for v in series.tolist()], dtype=object)
    return out, np.fromiter((v is None for v in out), dtype=bool, count=len(out))


class ExcelTable(list):
    """A table for Excel: a list of rows, header first, ``None`` for blanks, datetimes in ``date_columns``.

    Returned by a function, it goes to Excel through :class:`ExcelTableConverter`:
    the runtime's engine converts only the date cells (to COM dates, or to
    Office.js serial numbers); every other cell already is what Excel takes.
    xlwings' default writer would inspect each of a million cells in Python.
    """

    date_columns: tuple = ()
    #: The body as :func:`table` built it (an object grid) and where its blanks are: the writer
    #: starts from these instead of inspecting every cell of the rows again.
    _grid: np.ndarray | None = None
    _blanks: np.ndarray | None = None


class _WriteExcelTable:
    """Writer stage: blanks as ``""`` and date cells through the engine's own ``prepare_xl_data_element``.

    Each distinct date is converted once (a table of customers has many cells
    on the same day); the converted values are what the engine would give.
    """

    def __init__(self, options):
        self.options = options

    def __call__(self, ctx):
        # xlwings runs the writer after the function: the cells in and out are millions of objects
        with without_cycle_collection():
            self._write(ctx)

    def _write(self, ctx):
        table = ctx.value
        if not table:
            ctx.value = []
            return
        grid, blanks = table._grid, table._blanks
        if grid is None or len(grid) != len(table) - 1:  # rows made another way than by table()
            grid, blanks = _grid_of(table[1:], len(table[0]))
        body = grid.copy()
        body[blanks] = ""
        if table.date_columns and len(body):
            prepare = ctx.engine.impl.prepare_xl_data_element
            for j in table.date_columns:
                filled = np.flatnonzero(~blanks[:, j])
                converted = {}
                column = body[:, j]
                column[filled] = [converted[v] if v in converted else converted.setdefault(v, prepare(v, self.options))
                                  for v in column[filled].tolist()]
        ctx.value = [list(table[0]), *body.tolist()]


def _grid_of(rows: list, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of cells as the object grid and blank mask :func:`table` keeps (xlwings refuses
    rows of unequal length before its writer runs, so the rows are rectangular here)."""
    grid = np.empty((len(rows), width), dtype=object)
    blanks = np.zeros((len(rows), width), dtype=bool)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            grid[i, j] = value
            blanks[i, j] = value is None
    return grid, blanks


class ExcelTableConverter(Converter):
    """xlwings converter for :class:`ExcelTable` results (both runtimes route results by type)."""

    @classmethod
    def writer(cls, options):
        return Pipeline().append_stage(_WriteExcelTable(options))


ExcelTableConverter.register(ExcelTable)


def table(frame: pd.DataFrame, index: bool = False) -> ExcelTable:
    """A frame as rows for Excel: header row first, blanks (None) for missing values, dates as datetimes."""
    if index:
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]
    out = ExcelTable([header])
    out.date_columns = tuple(
        j for j, name in enumerate(frame.columns) if pd.api.types.is_datetime64_any_dtype(frame[name])
    )
    if len(frame):
        grid = np.empty((len(frame), len(frame.columns)), dtype=object)
        blanks = np.zeros(grid.shape, dtype=bool)
        for j, name in enumerate(frame.columns):
            grid[:, j], missing = _cells_of(frame.iloc[:, j])
            if missing is not None:
                blanks[:, j] = missing
        out.extend(grid.tolist())
        out._grid, out._blanks = grid, blanks
    return out


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def whole_number(value, name: str, default: int, minimum: int, maximum: int) -> int:
    """A count typed in a cell (12, "12", 12.0); blank gives the default."""
    if value is None:
        return default
    number = number_or_nan(value)
    if isinstance(value, bool) or not number.is_integer() or not minimum <= number <= maximum:
        raise WaardeFout(name, None, value, f"geen geheel getal van {minimum} tot {maximum}")
    return int(number)


def number(value):
    """A float result for a cell: NaN and infinity become blank (Office.js would show #NUM!)."""
    value = float(value)
    return value if math.isfinite(value) else None


def excel_function(func):
    """Make a Python function safe to call from a cell.

    A :class:`KlantXLError` becomes its Dutch message as the cell's value;
    any other exception a short Dutch message naming the function (the
    traceback goes to the log, never into the cell).
    """

    @functools.wraps(func)
    def wrapper(*args):
        try:
            query_cache.load_once()  # SQL an earlier Excel session compiled: no Ibis import
            with without_cycle_collection():  # a million cells are a million objects (~15% faster)
                return func(*args)
        except KlantXLError as exc:
            return str(exc)
        except RecursionError:
            logger.exception("%s failed", func.__name__)
            return f"{func.__name__}: de invoer is te groot of te diep genest."
        except MemoryError:
            return f"{func.__name__}: te weinig geheugen voor deze invoer; kies een kleiner bereik."
        except Exception as exc:  # noqa: BLE001 - a cell must never show a traceback
            logger.exception("%s failed", func.__name__)
            return f"{func.__name__}: onverwachte fout ({type(exc).__name__}); controleer de invoer."
        finally:
            query_cache.save_new()  # for the next session; nothing to do after most calls

    return wrapper
