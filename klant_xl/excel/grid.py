"""Cells between pandas and a workbook, shared by the workbook adapters (offline file, live xlwings Book, Lite).

What both adapters need to turn frames into cell values and cell ranges back into
frames, so that a workbook written by one reads back the same through the other.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import numpy as np
import pandas as pd

from klant_xl.status import STATUS_COLOURS
from klant_xl.vocabulary import LOST

__all__ = ["cell_value", "column_values", "frame_from_rows", "header_names", "try_quietly", "unique_headers",
           "value_colours"]


def cell_value(value):
    """A value openpyxl can store: None for NaN/NaT/NA, plain Python numbers and datetimes."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return None
        value = pd.Timestamp(value).to_pydatetime()
        return value.replace(tzinfo=None)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return None if pd.isna(value) else pd.Timedelta(value).total_seconds() / 86400
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def column_values(frame: pd.DataFrame, column) -> list:
    """The cells of one column, converted once per column (dates, floats and ints vectorised)."""
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.array.to_pydatetime()  # as Timestamp.to_pydatetime() per value, in one go
        values[series.isna().to_numpy()] = None
        return values.tolist()
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=float)
        return [float(v) if math.isfinite(v) else None for v in values]
    if pd.api.types.is_integer_dtype(series.dtype) and not isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return [int(v) for v in series.to_numpy()]
    return [v if type(v) is str else cell_value(v) for v in series.tolist()]  # text as it is: most cells


def unique_headers(headers: list[str]) -> list[str]:
    """Headers made unique as Excel tables need them: blank -> 'Kolom', repeats get ' (2)'."""
    seen: Counter = Counter()
    out = []
    for header in headers:
        header = header or "Kolom"
        seen[header] += 1
        out.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return out


def header_names(cells) -> list[str]:
    """Header cells as the column names :func:`frame_from_rows` gives them (text, stripped,
    trailing blanks dropped)."""
    header = [("" if h is None else str(h)).strip() for h in cells]
    while header and header[-1] == "":
        header.pop()
    return header


def frame_from_rows(rows: list[list], what: str, header_row: int = 1) -> pd.DataFrame | None:
    """Header row + data rows -> DataFrame (object columns), trailing empty rows dropped.

    The index is the Excel row number of each data row (``header_row`` + 1 onwards).
    ``rows`` is not changed (it may be a cached read).
    """
    end = len(rows)
    while end and all(v is None or v == "" for v in rows[end - 1]):
        end -= 1
    if not end:
        return None
    header = header_names(rows[0])
    width = len(header)
    body = rows[1:end]
    if not body:
        frame = pd.DataFrame(columns=header)
    else:
        if not all(len(r) == width for r in body):
            body = [list(r[:width]) + [None] * (width - len(r[:width])) for r in body]
        # column by column: the cells are shared, not copied into a 2-D object array first
        frame = pd.DataFrame({j: np.fromiter(column, dtype=object, count=len(body)) for j, column in enumerate(zip(*body))},
                             index=range(len(body)), dtype=object)
        frame.columns = header
    frame.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(frame))
    return frame


def value_colours(value, colour: str | None) -> tuple[str, str | None] | None:
    """(fill, font) RGB hex of a value a table colours: ``colour`` as fill, or for ``None`` the fixed
    status colour (:data:`klant_xl.status.STATUS_COLOURS`) with a bold black or white font; None when
    the value has no colour. Both adapters draw the same rule from it.

    >>> value_colours("Verloren", None), value_colours("Goud", "FFD966"), value_colours("Onbekend", None)
    (('C00000', 'FFFFFF'), ('FFD966', None), None)
    """
    if colour is not None:
        return colour, None
    fill = STATUS_COLOURS.get(value)
    if fill is None:
        return None
    return fill, "FFFFFF" if value == LOST else "000000"


def try_quietly(action) -> None:
    """Run a cosmetic step that depends on the platform's COM/AppleScript API; its failure must not fail a refresh."""
    try:
        action()
    except Exception:  # noqa: BLE001
        pass
