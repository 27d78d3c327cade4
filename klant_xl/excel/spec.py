"""What a sheet should contain, independent of how it is written.

The refresh and the template builder describe every sheet they write as a
:class:`SheetSpec`: positioned blocks of cells (:class:`Cells`), Excel tables
from DataFrames (:class:`TableBlock`) and native charts (:class:`ChartBlock`).
Both workbook adapters (:mod:`klant_xl.excel.offline` for a file,
:mod:`klant_xl.excel.live` for a workbook open in Excel) render the same
specs, so the ribbon button and ``klant-xl vernieuw`` write the same thing.

Rows and columns are 1-based, as in Excel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "FORMATS",
    "Cell",
    "Cells",
    "ChartBlock",
    "PageSetup",
    "SheetSpec",
    "TableBlock",
    "column_kind",
    "column_letter",
]

#: Number format per column kind. Excel stores format codes in the en-US
#: notation and shows them in the user's locale (Dutch Excel: 1.234,56 and
#: 23-11-2026).
FORMATS: dict[str, str] = {
    "date": "dd-mm-yyyy",
    "money": '"€" #,##0.00',
    "percent": "0.0%",
    "int": "#,##0",
    "year": "0",
    "days": "#,##0",
    "number": "#,##0.00",
    "decimal": "0.000",
    "text": "General",
}

_DATE_WORDS = ("datum", "aankoop op", "benaderd op", "eerste aankoop", "laatste aankoop", "laatste activiteit", "verwachte")
_MONEY_WORDS = ("omzet", "bedrag", "bestelwaarde", "clv", "klantwaarde", "waarde (€)", "besteding")
_PERCENT_WORDS = ("%", "ratio", "aandeel", "kans", "behoud", "verloop", "percentage", "terugwin")
_DAYS_WORDS = ("dagen",)


def column_kind(name: str, series: pd.Series | None = None) -> str:
    """Guess how a column should be formatted from its header and dtype.

    >>> column_kind("Omzet")
    'money'
    >>> column_kind("Kans actief"), column_kind("Aandeel omzet")
    ('percent', 'percent')
    >>> column_kind("Dagen sinds aankoop")
    'days'
    >>> column_kind("Klant")
    'text'
    """
    lower = str(name).lower()
    if series is not None and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "date"
    if series is not None and (pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_object_dtype(series.dtype)
                               or pd.api.types.is_string_dtype(series.dtype)):
        if not any(w in lower for w in _DATE_WORDS):
            return "text"
    if any(w in lower for w in _DAYS_WORDS):
        return "days"
    if any(w in lower for w in _PERCENT_WORDS):
        return "percent"
    if any(w in lower for w in _MONEY_WORDS):
        return "money"
    if any(lower.startswith(w) or w in lower for w in _DATE_WORDS) and series is None:
        return "date"
    if series is not None and pd.api.types.is_integer_dtype(series.dtype):
        return "int"
    if series is not None and pd.api.types.is_float_dtype(series.dtype):
        return "number"
    return "text"


def column_letter(index: int) -> str:
    """Excel column letters of a 1-based column number.

    >>> column_letter(1), column_letter(27), column_letter(703)
    ('A', 'AA', 'AAA')
    """
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Cell:
    """One cell: a value or a formula (text starting with ``=``).

    ``style`` is one of ``title``, ``subtitle``, ``label``, ``note``, ``wrap``
    (text wrapped in its column), ``header``, ``input``, ``kpi``, ``center``, or
    ``status:<Status>`` (the fixed colour of that status) or None; ``kind`` picks the number format;
    ``name`` makes the cell a workbook defined name; ``choices`` adds a
    drop-down list. ``cached``: for a formula, the value it has when written, stored as its last
    result (what a viewer that does not calculate shows: a preview, pandas, Power Query); Excel
    calculates the formula again.
    """

    row: int
    col: int
    value: object = None
    kind: str | None = None
    style: str | None = None
    name: str | None = None
    choices: tuple[str, ...] = ()
    cached: object = None


@dataclass
class Cells:
    """A group of positioned cells."""

    cells: list[Cell] = field(default_factory=list)

    def add(self, row, col, value=None, kind=None, style=None, name=None, choices=(), cached=None):
        self.cells.append(Cell(row, col, value, kind, style, name, tuple(choices), cached))
        return self


@dataclass
class TableBlock:
    """An Excel table written from a DataFrame, header at ``(row, col)``.

    Attributes
    ----------
    name : str
        The Excel table name (unique in the workbook).
    frame : pandas.DataFrame
        The rows; the column names become the header.
    row, col : int
        Position of the header's first cell.
    title : str, optional
        Written in bold one row above the header.
    kinds : dict
        Column -> kind (see :data:`FORMATS`); missing columns are guessed.
    key : str or None
        Column identifying a row across refreshes (``Klant``); tables with a
        key keep the columns a user adds.
    tracking : tuple of str
        Columns the user fills in (kept across refreshes like user columns).
    choices : dict
        Column -> allowed values (a drop-down list).
    colour_scale : tuple of str
        Columns shaded with a red-yellow-green colour scale.
    value_colours : dict
        Column -> {value: fill colour}: a cell holding that value gets that fill
        (the fixed status colours on every Status column).
    hints : dict
        Column -> input message shown when the user selects a cell of it.
    wrap : tuple of str
        Text columns whose cells wrap within the column width.
    """

    name: str
    frame: pd.DataFrame
    row: int = 1
    col: int = 1
    title: str | None = None
    kinds: dict = field(default_factory=dict)
    key: str | None = None
    tracking: tuple[str, ...] = ()
    choices: dict = field(default_factory=dict)
    colour_scale: tuple[str, ...] = ()
    value_colours: dict = field(default_factory=dict)
    hints: dict = field(default_factory=dict)
    wrap: tuple[str, ...] = ()
    style: str = "TableStyleMedium2"

    def kind_of(self, column) -> str:
        if column in self.kinds:
            return self.kinds[column]
        return column_kind(column, self.frame[column])

    @property
    def last_row(self) -> int:
        return self.row + max(len(self.frame), 1)

    @property
    def last_col(self) -> int:
        return self.col + len(self.frame.columns) - 1

    @property
    def ref(self) -> str:
        return f"{column_letter(self.col)}{self.row}:{column_letter(self.last_col)}{self.last_row}"


@dataclass
class ChartBlock:
    """A native chart over cells of the same sheet.

    ``series`` lists ``(col, header_row, last_row)`` per series (the header
    cell names the series); ``categories`` is ``(col, first_row, last_row)``.
    ``kind`` is ``line``, ``col`` (vertical bars), ``bar`` or ``pie``.
    ``point_colours`` colours the points of the first series one by one (the
    status colours); ``series_colours`` colours whole series; ``y_max`` fixes
    the top of the value axis (1 = 100% for shares).
    """

    kind: str
    title: str
    anchor: str
    series: list
    categories: tuple[int, int, int]
    x_title: str | None = None
    y_title: str | None = None
    width_cm: float = 16.0
    height_cm: float = 8.0
    point_colours: tuple[str, ...] = ()
    series_colours: tuple[str, ...] = ()
    y_max: float | None = None
    y_format: str | None = None


@dataclass
class PageSetup:
    """How a sheet prints (SPEC §5: every sheet prints sensibly).

    Attributes
    ----------
    orientation : str
        ``portrait`` or ``landscape``.
    fit_width : bool
        Shrink so all columns fit ``pages_wide`` pages wide.
    pages_wide : int
        How many pages wide a fitted sheet prints (a wide table on one page is unreadably small);
        above 1 the pages go across first, so a row's pages follow each other.
    one_page : bool
        Shrink the whole sheet onto one page (the Overzicht dashboard).
    title_rows : str or None
        Rows repeated at the top of every page, e.g. ``"4:4"`` (a table header).
    title_columns : str or None
        Columns repeated at the left of every page, e.g. ``"A:A"`` (the customer), when a
        table prints over several pages wide.
    footer : str
        Text in the middle of the footer (the peildatum); the left part names
        the sheet, the right part the page ("Pagina 2 van 7").
    print_area : str or None
        Only this range prints (e.g. ``"A1:N40"``).
    """

    orientation: str = "portrait"
    fit_width: bool = True
    pages_wide: int = 1
    one_page: bool = False
    title_rows: str | None = None
    title_columns: str | None = None
    footer: str = ""
    print_area: str | None = None


@dataclass
class SheetSpec:
    """Everything one sheet shows."""

    name: str
    blocks: list = field(default_factory=list)
    state: str = "visible"  # visible, hidden, veryHidden
    freeze: str | None = None
    widths: dict = field(default_factory=dict)  # column letter -> width (characters)
    tab_color: str | None = None
    heights: dict = field(default_factory=dict)  # row number -> height (points)
    page: PageSetup = field(default_factory=PageSetup)
    active_cell: str | None = None

    def tables(self) -> list[TableBlock]:
        return [b for b in self.blocks if isinstance(b, TableBlock)]
