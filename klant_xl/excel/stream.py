"""Saving big tables without openpyxl's cell writer: their rows are written straight as XML.

openpyxl writes a cell in ~15 µs (an element tree per cell); a Klanten or Transacties table of a
few hundred thousand rows then takes most of a refresh. Before openpyxl saves, the rows of each big
table except its first data row are taken out of the worksheet (:func:`take_big_tables`); openpyxl
saves the rest (the first data row is the *probe*: its cells get the style numbers openpyxl gives
the column's style); :func:`insert_rows` then writes the taken rows into the saved sheet right after
the probe row, cell for cell as openpyxl writes them (inline strings, ``%.16g`` numbers, dates as
serials, booleans), with the probe's style per column; :func:`restore` puts the cells back so the
workbook in memory is unchanged.

A table written by klant_xl itself need not become cells at all: :func:`defer_table` keeps the
rows below the probe as columns of cell values (:class:`DeferredTable`, on the worksheet), the
workbook's readers take them from there (:func:`deferred_rows`), and the save writes them the same
way, from the columns.

A table is only streamed when that is exact: every taken cell has its column's style, holds a
plain value (text, number, boolean, date; no formula, comment or hyperlink), and no other cell,
merged range or row height lies in its rows. Otherwise openpyxl writes it as before.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from openpyxl import LXML
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel


__all__ = ["STREAM_MIN_CELLS", "DeferredTable", "StreamedRows", "defer_table", "deferred_rows", "insert_rows",
           "restore", "take_big_tables"]

#: Tables with fewer cells than this (below the probe row) go through openpyxl as they are.
STREAM_MIN_CELLS = 20_000


@dataclass
class DeferredTable:
    """Rows of a table klant_xl wrote, kept as cell values per column instead of openpyxl cells.

    ``columns[j][i]`` is the value of the cell in column ``min_col + j``, row ``first_row + i``;
    ``styled[j]``: that column's cells carry the probe cell's style (a number format).
    """

    ref: str
    first_row: int
    min_col: int
    columns: list = field(repr=False)
    styled: list = field(repr=False)

    @property
    def last_row(self) -> int:
        return self.first_row + (len(self.columns[0]) if self.columns else 0) - 1


_DEFERRED = "_klant_xl_deferred"  # worksheet attribute: {table ref: DeferredTable}


#: The data type openpyxl gives a cell of each plain value kind a deferred table holds.
_DATA_TYPES = {str: "s", float: "n", int: "n", bool: "b", _dt.datetime: "d"}


def _plain_column(values, formatted: bool) -> bool:
    """Whether cells of these values are written exactly by :func:`_deferred_tails` (else: make cells)."""
    kinds = set(map(type, values))
    if not kinds <= {*_DATA_TYPES, type(None)}:
        return False
    if _dt.datetime in kinds and not formatted:
        return False  # a date in a General column gets a style of its own
    if str in kinds:
        for text in {v for v in values if type(v) is str}:
            if len(text) > 32767 or (len(text) > 1 and text[0] == "=") or text in ERROR_CODES \
                    or ILLEGAL_CHARACTERS_RE.search(text):
                return False
    return True


def defer_table(ws, ref: str, first_row: int, min_col: int, columns: list[list], styled: list[bool],
                formatted: list[bool] | None = None) -> bool:
    """Keep these rows of the table at ``ref`` as columns on ``ws`` (True), or refuse when a cell would not
    be written exactly from them (False: the caller makes cells).

    ``styled``: the column's cells all carry the probe cell's style; ``formatted``: that style has a
    number format (default: as ``styled``), without which a date cell would get a style of its own.
    """
    if not columns or len(columns[0]) * len(columns) < STREAM_MIN_CELLS:
        return False
    formatted = styled if formatted is None else formatted
    if not all(_plain_column(values, flag) for values, flag in zip(columns, formatted)):
        return False
    tables = ws.__dict__.setdefault(_DEFERRED, {})
    tables[ref] = DeferredTable(ref, first_row, min_col, columns, styled)
    return True


def deferred_tables(ws) -> dict:
    return ws.__dict__.get(_DEFERRED, {})


def deferred_rows(ws, ref: str) -> list[list] | None:
    """The rows a :class:`DeferredTable` at ``ref`` holds (values as its cells would give them), or None."""
    table = deferred_tables(ws).get(ref)
    return None if table is None else [list(row) for row in zip(*table.columns)]


def _deferred_tails(values: list, styled: bool, epoch, style: str = ""):
    """Per value, the cell's XML after ``r="A5`` (the closing quote, ``style`` and what :func:`_tail`
    gives); None for a cell openpyxl leaves out. Each distinct value is formatted once.

    A column of only text, finite numbers and blanks (nearly every column) is coded at
    once (``pandas.factorize``, where ``1 == 1.0`` share a code: both are written ``1``); any other
    (booleans, which would share a code with 1, dates, NaN) goes value by value.
    """
    kinds = set(map(type, values))
    if kinds <= {str, int, float, type(None)} and not (
            float in kinds and not np.isfinite(np.fromiter((v for v in values if type(v) is float), dtype=float)).all()):
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        empty = f'"{style}' + _value_tail("n", None, epoch) if styled else None
        number = f'"{style} t="n"><v>%.16g</v></c>'
        tails = np.empty(len(uniques) + 1, dtype=object)
        tails[:-1] = [f'"{style}' + _value_tail("s", v, epoch) if type(v) is str else number % v for v in uniques]
        tails[-1] = empty  # code -1: blank
        return tails[codes]
    return _tails_by_value(values, styled, epoch, style)


def _tails_by_value(values: list, styled: bool, epoch, style: str = "") -> list:
    """:func:`_deferred_tails` value by value (any plain kind)."""
    known: dict = {}  # text, number or datetime -> its XML (bools apart: True == 1)
    empty = f'"{style}' + _value_tail("n", None, epoch) if styled else None
    out = []
    append = out.append
    for value in values:
        if value is None:
            append(empty)
            continue
        if type(value) is bool:
            append(f'"{style}' + _value_tail("b", value, epoch))
            continue
        tail = known.get(value)
        if tail is None:
            tail = known[value] = f'"{style}' + _value_tail(_DATA_TYPES[type(value)], value, epoch)
        append(tail)
    return out


@dataclass
class StreamedRows:
    """The rows of one table taken out of a worksheet while openpyxl saves."""

    sheet: str
    probe_row: int
    min_col: int
    max_col: int
    last_row: int
    dimension: str
    cells: dict = field(repr=False)  # (row, col) -> Cell
    tails: dict = field(repr=False, default_factory=dict)  # (row, col) -> the cell's XML after r and s
    deferred: DeferredTable | None = field(repr=False, default=None)  # rows from columns, not cells


class _NotPlain(Exception):
    pass


def _text(value: str) -> str:
    # as openpyxl writes a text cell (xml:space="preserve" by the rule of the writer in use)
    if LXML:
        preserve = value != value.strip()
    else:
        stripped = value.strip()
        preserve = bool(stripped) and value != stripped
    space = ' xml:space="preserve"' if preserve else ""
    return f' t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def _number(value) -> str:
    # openpyxl.compat.safe_string: NaN and infinity become an empty value
    if value != value or value in (float("inf"), float("-inf")):
        return "<v /></c>"
    return "<v>%.16g</v></c>" % value


def _tail(cell, epoch) -> str | None:
    """The XML of ``cell`` after ``<c r=".."`` and its style, exactly as openpyxl's writer puts it;
    None for a cell openpyxl leaves out (no value, no style)."""
    if cell._comment is not None or cell._hyperlink is not None:
        raise _NotPlain
    kind, value = cell.data_type, cell._value
    if value is None and not cell.has_style:
        return None
    if kind == "s" and value is not None and value != "" and not isinstance(value, str):  # rich text
        raise _NotPlain
    if kind not in ("s", "d", "n", "b"):
        raise _NotPlain  # formulas, errors
    return _value_tail(kind, value, epoch)


def _value_tail(kind: str, value, epoch) -> str:
    """The XML after ``r`` and ``s`` of a plain cell of data type ``kind`` (s, d, n, b) holding ``value``."""
    if kind == "s":
        return ' t="inlineStr" />' if value is None or value == "" else _text(value)
    if kind == "d":
        value, kind = (None if value is None else to_excel(value, epoch)), "n"
    if value is None or value == "":
        return f' t="{kind}" />'
    return f' t="{kind}">' + _number(value)


def _take(ws, ref: str, epoch) -> StreamedRows | None:
    min_col, header_row, max_col, last_row = range_boundaries(ref)
    probe = header_row + 1
    first = probe + 1
    if (last_row - first + 1) * (max_col - min_col + 1) < STREAM_MIN_CELLS:
        return None
    if any(first <= r <= last_row and dict(dim) for r, dim in ws.row_dimensions.items()):
        return None
    for merged in ws.merged_cells.ranges:
        if merged.max_row >= first and merged.min_row <= last_row:
            return None
    styles = {}
    for col in range(min_col, max_col + 1):
        cell = ws._cells.get((probe, col))
        styles[col] = cell._style if cell is not None and cell.has_style else None
    taken, tails = {}, {}
    for key, cell in ws._cells.items():
        row, col = key
        if first <= row <= last_row:
            if not min_col <= col <= max_col:
                return None  # something else beside the table
            own = cell._style if cell.has_style else None
            if own != styles[col]:
                return None
            try:
                tail = _tail(cell, epoch)
            except _NotPlain:
                return None
            taken[key] = cell
            if tail is not None:
                tails[key] = tail
    if not taken:
        return None
    return StreamedRows(ws.title, probe, min_col, max_col, last_row, "", taken, tails)


def _name_columns(ws, table) -> None:
    """Name the table's columns from its header row, as openpyxl's writer would; its writer does
    that through ``ws[table.ref]``, which makes a cell for every position of the table (slow, and
    it would refill the rows taken out)."""
    if table.tableColumns or not table.headerRowCount:
        return
    min_col, header_row, max_col, _ = range_boundaries(table.ref)
    header = [ws._cells.get((header_row, col)) for col in range(min_col, max_col + 1)]
    if any(cell is None or cell.data_type != "s" for cell in header):
        return  # openpyxl warns about such headings; leave that to it
    table._initialise_columns()
    for cell, column in zip(header, table.tableColumns):
        column.name = str(cell.value)


def take_big_tables(workbook) -> list[StreamedRows]:
    """Take the rows of every big, plainly styled table out of ``workbook`` (see the module)."""
    if workbook.iso_dates:
        return []
    out = []
    for ws in workbook.worksheets:
        if not hasattr(ws, "tables"):
            continue
        dimension = _dimension(ws) if ws.tables else ""  # before any row is taken out
        deferred = deferred_tables(ws)
        for table in ws.tables.values():
            _name_columns(ws, table)
            if table.ref in deferred:
                rows = deferred[table.ref]
                min_col, header_row, max_col, _ = range_boundaries(table.ref)
                out.append(StreamedRows(ws.title, header_row + 1, min_col, max_col, rows.last_row, dimension, {},
                                        deferred=rows))
                continue
            streamed = _take(ws, table.ref, workbook.epoch)
            if streamed is None:
                continue
            streamed.dimension = dimension
            for key in streamed.cells:
                del ws._cells[key]
            out.append(streamed)
    return out


def _dimension(ws) -> str:
    """The sheet's used range as openpyxl computes it, with the rows of its deferred tables."""
    dimension = ws.calculate_dimension()
    tables = deferred_tables(ws).values()
    if not tables:
        return dimension
    min_col, min_row, max_col, max_row = range_boundaries(dimension)
    for table in tables:
        max_row = max(max_row, table.last_row)
        max_col = max(max_col, table.min_col + len(table.columns) - 1)
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def restore(workbook, streamed: list[StreamedRows]) -> None:
    """Put the taken cells back into their worksheets."""
    for rows in streamed:
        workbook[rows.sheet]._cells.update(rows.cells)


def _row_span(xml: str, row: int) -> tuple[int, int]:
    start = xml.find(f'<row r="{row}"')
    if start < 0:
        raise RuntimeError(f"probe row {row} not found after saving")
    close = xml.find(">", start)
    if xml[close - 1] == "/":
        return start, close + 1
    return start, xml.index("</row>", close) + len("</row>")


def _probe_styles(row_xml: str, rows: StreamedRows) -> dict[int, str]:
    styles = {}
    for col in range(rows.min_col, rows.max_col + 1):
        start = row_xml.find(f'<c r="{get_column_letter(col)}{rows.probe_row}"')
        if start < 0:
            styles[col] = ""
            continue
        head = row_xml[start:row_xml.find(">", start)]
        marker = head.find(' s="')
        styles[col] = "" if marker < 0 else head[marker:head.index('"', marker + 4) + 1]
    return styles


def _deferred_xml(rows: StreamedRows, styles: dict[int, str], epoch) -> str:
    table = rows.deferred
    if not table.columns:
        return ""
    numbers = [str(row) for row in range(table.first_row, table.last_row + 1)]
    # column by column: each cell's XML ("" for a cell left out), then the rows joined
    parts = [[f'<row r="{number}">' for number in numbers]]
    for j, values in enumerate(table.columns):
        head = f'<c r="{get_column_letter(table.min_col + j)}'
        tails = _deferred_tails(values, table.styled[j], epoch, styles[table.min_col + j])
        parts.append(["" if tail is None else head + number + tail for number, tail in zip(numbers, tails)])
    parts.append(["</row>"] * len(numbers))
    return "".join(map("".join, zip(*parts)))


def _rows_xml(rows: StreamedRows, styles: dict[int, str]) -> str:
    columns = [(col, f'<c r="{get_column_letter(col)}', styles[col]) for col in range(rows.min_col, rows.max_col + 1)]
    tails = rows.tails
    present = {row for row, _ in rows.cells}  # openpyxl writes <row> for these, even with no cell in it
    parts = []
    for row in range(rows.probe_row + 1, rows.last_row + 1):
        if row not in present:
            continue
        number = str(row)
        line = [f'{start}{number}"{style}{tails[(row, col)]}' for col, start, style in columns if (row, col) in tails]
        parts.append(f'<row r="{number}">' + "".join(line) + "</row>")
    return "".join(parts)


def insert_rows(contents: dict, parts: dict, streamed: list[StreamedRows], epoch=None) -> None:
    """Write the taken rows into the saved package's parts (``contents``: part name -> bytes;
    ``parts``: sheet name -> part name), each table's after its probe row."""
    by_part: dict[str, list[StreamedRows]] = {}
    for rows in streamed:
        by_part.setdefault(parts[rows.sheet], []).append(rows)
    for part, tables in by_part.items():
        xml = contents[part].decode("utf-8")
        for rows in sorted(tables, key=lambda r: -r.probe_row):  # bottom table first: spans stay valid
            start, end = _row_span(xml, rows.probe_row)
            styles = _probe_styles(xml[start:end], rows)
            body = _rows_xml(rows, styles) if rows.deferred is None else _deferred_xml(rows, styles, epoch)
            xml = xml[:end] + body + xml[end:]
        dim_start = xml.find("<dimension ")
        if dim_start >= 0:
            xml = xml[:dim_start] + f'<dimension ref="{tables[0].dimension}" />' + xml[xml.index("/>", dim_start) + 2:]
        contents[part] = xml.encode("utf-8")
