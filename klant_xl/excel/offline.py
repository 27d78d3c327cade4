"""Offline workbook adapter: a workbook file read and written without Excel.

Writing goes through openpyxl (``keep_vba`` for ``.xlsm``, so the VBA project
stays byte-identical); reading the big input tables goes through
python-calamine, which reads a sheet many times faster than openpyxl. Saving
is atomic (:func:`klant_xl.excel.files.atomic_write`) and refuses files with
features openpyxl would drop (:mod:`klant_xl.excel.features`).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from klant_xl.errors import WerkmapFout
from klant_xl.excel import features, splice, stream
from klant_xl.excel.files import atomic_write, refuse_if_open, save_openpyxl
from klant_xl.excel.grid import cell_value, column_values, frame_from_rows, header_names, unique_headers, value_colours
from klant_xl.excel.spec import FORMATS, Cells, ChartBlock, SheetSpec, TableBlock, column_letter
from klant_xl.sheet_guard import check_sheet_size, error_cells

__all__ = ["OfflineWorkbook", "STYLES", "render_sheet"]

#: Sheets whose cell data bypass openpyxl when the sheet part is at least this big (bytes, uncompressed).
STUB_MIN_BYTES = 2_000_000
#: Sheets always loaded by openpyxl: the refresh reads their named cells / its own store through it.
NEVER_STUBBED = ("Instellingen", "_bewaard")

NAVY = "1F4E78"


def _font(**properties) -> Font:
    """A cell font in the workbook's body font (Calibri 12, the template's default style), so a title or
    a note differs from the data beside it only in what ``properties`` say (a font without a name showed
    in another typeface in LibreOffice, and a size of its own in Excel)."""
    return Font(**{"name": "Calibri", "family": 2, "scheme": "minor", "size": 12, **properties})


STYLES = {
    "title": {"font": _font(bold=True, size=14, color=NAVY)},
    "subtitle": {"font": _font(bold=True, size=12, color=NAVY)},
    "header": {"font": _font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor=NAVY)},
    "label": {"font": _font(bold=False), "alignment": Alignment(vertical="top")},
    "note": {"font": _font(italic=True, color="595959"), "alignment": Alignment(wrap_text=False)},
    "input": {"fill": PatternFill("solid", fgColor="FFF2CC"),
              "border": Border(*(Side(style="thin", color="BF9000"),) * 4)},
    "kpi": {"font": _font(bold=True), "alignment": Alignment(vertical="top")},
    "center": {"alignment": Alignment(horizontal="center")},
    "warning": {"font": _font(bold=True, color="C00000"), "alignment": Alignment(vertical="top")},
    "wrap": {"alignment": Alignment(wrap_text=True, vertical="top")},
    "notewrap": {"font": _font(italic=True, color="595959"), "alignment": Alignment(wrap_text=True, vertical="top")},
    "inputheader": {"font": _font(bold=True, color="000000"), "fill": PatternFill("solid", fgColor="FFD966"),
                    "border": Border(*(Side(style="thin", color="BF9000"),) * 4)},
}
#: Footer parts: the sheet's name on the left, the page on the right (Excel header/footer codes).
FOOTER_LEFT = "&A"
FOOTER_RIGHT = "Pagina &P van &N"
#: Data validations of the tracking columns reach this many rows below the table (room to grow).
VALIDATION_MARGIN = 500


def _status_style(status: str) -> dict:
    """The cell style of a status (its fixed colour, :func:`klant_xl.excel.grid.value_colours`)."""
    style = value_colours(status, None)
    if style is None:
        return {}
    fill, font = style
    return {"fill": PatternFill("solid", fgColor=fill), "font": _font(bold=True, color=font)}


def _apply_style(cell, style: str | None):
    if not style:
        return
    found = _status_style(style.split(":", 1)[1]) if style.startswith("status:") else STYLES[style]
    for attribute, value in found.items():
        setattr(cell, attribute, value)


#: The width of a table column of each kind before it holds values (a date needs 11 characters, an amount about
#: 12); other kinds get 12, room for a customer number or a kind of contact.
_BLANK_WIDTH = {"date": 12, "money": 13}


def _width_of(value, kind: str) -> int:
    if value is None:
        return 0
    if kind == "date":
        return 11
    if kind in ("money", "number"):
        return len(f"{value:,.2f}") + 3 if isinstance(value, (int, float)) else len(str(value))
    if kind == "percent":
        return 7
    if isinstance(value, float):
        return len(f"{value:,.0f}")
    return len(str(value))


def _new_cell(ws, row: int, col: int, value) -> Cell:
    """``Cell(ws, row, col, value)`` for the plain values a table holds (numbers, booleans, text,
    nothing), set up directly: openpyxl's constructor costs several microseconds a cell. Any other
    value (dates, over-long or illegal text) goes through the constructor."""
    kind = type(value)
    if kind is str:
        if len(value) > 32767 or ILLEGAL_CHARACTERS_RE.search(value):
            return Cell(ws, row=row, column=col, value=value)  # truncates, or refuses illegal characters
        data_type = "f" if len(value) > 1 and value[0] == "=" else "e" if value in ERROR_CODES else "s"
    elif kind is float or kind is int or value is None:
        data_type = "n"
    elif kind is bool:
        data_type = "b"
    else:
        return Cell(ws, row=row, column=col, value=value)
    cell = Cell.__new__(Cell)
    cell.parent = ws
    cell._style = None  # as the constructor leaves it: a StyleArray comes with the first style
    cell.row, cell.column = row, col
    cell._value, cell.data_type = value, data_type
    cell._hyperlink = cell._comment = None
    return cell


def _set_style(ws, col: int, rows, key: str, style_id: int) -> None:
    """``cell.fill = ...`` (or alignment) on a column's cells with the style looked up once: what
    openpyxl's style descriptor does per cell, without hashing the same fill for every row."""
    for row in rows:
        cell = ws.cell(row, col)
        if not cell._style:
            cell._style = StyleArray()
        setattr(cell._style, key, style_id)


def _write_table(ws, block: TableBlock, widths: dict, defer: bool = False) -> None:
    """The table as cells; with ``defer`` a big, plain table's rows below the first stay columns of
    values (:func:`klant_xl.excel.stream.defer_table`), written from there when the workbook is saved."""
    frame = block.frame
    headers = unique_headers([str(c) for c in frame.columns])
    columns = [column_values(frame, column) for column in frame.columns]
    cell_rows = len(frame)
    if defer and len(frame) > 1 and not ws.parent.iso_dates:
        # every cell of a column gets the same style (number format, wrap alignment, input fill): the probe's
        formatted = [FORMATS.get(block.kind_of(column), "General") != "General" for column in frame.columns]
        styled = [f or bool(block.wrap) or str(column) in block.tracking for f, column in zip(formatted, frame.columns)]
        if stream.defer_table(ws, block.ref, block.row + 2, block.col, [values[1:] for values in columns], styled,
                              formatted):
            cell_rows = 1  # the probe row: its cells give the columns' styles
    if block.title:
        title = ws.cell(block.row - 1, block.col, block.title)
        _apply_style(title, "subtitle")
    for j, header in enumerate(headers):
        cell = ws.cell(block.row, block.col + j, header)
        # the columns a user fills in look like the Instellingen inputs
        _apply_style(cell, "inputheader" if str(frame.columns[j]) in block.tracking else "header")
    for j, column in enumerate(frame.columns):
        kind = block.kind_of(column)
        fmt = FORMATS.get(kind, "General")
        values = columns[j]
        col = block.col + j
        first = block.row + 1
        shared_style = None
        cells = ws._cells
        for i, value in enumerate(values[:cell_rows]):
            row = first + i
            cell = _new_cell(ws, row, col, value)
            cells[(row, col)] = cell
            if fmt != "General":
                if shared_style is None:
                    cell.number_format = fmt
                    shared_style = cell._style
                else:
                    cell._style = shared_style  # one style object per column: much faster than setting it per cell
            elif isinstance(value, dt.datetime):
                cell.number_format = FORMATS["date"]
            elif isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text typed by a user, never a formula
        if not values and fmt != "General":
            ws.cell(first, col).number_format = fmt
        if block.wrap:  # rows of a table with wrapped text: every cell starts at the top, next to the text
            alignment = STYLES["wrap"]["alignment"] if str(column) in block.wrap else Alignment(vertical="top")
            _set_style(ws, col, range(first, first + cell_rows), "alignmentId", ws.parent._alignments.add(alignment))
        if str(column) in block.tracking:
            fill = STYLES["input"]["fill"]
            _set_style(ws, col, range(first, first + max(cell_rows, 1)), "fillId", ws.parent._fills.add(fill))
        sample = values[:300]
        value_widths = [_width_of(v, kind) for v in sample]
        # a blank column is as wide as its values will be (a date typed into the empty Contactmomenten showed ###)
        least = _BLANK_WIDTH.get(kind, 12) if not any(value_widths) else 8
        width = max([len(headers[j]) + 3, least] + [w + 1 for w in value_widths])
        letter = column_letter(col)
        widths[letter] = max(widths.get(letter, 0), min(width, 60))
    table = Table(displayName=block.name, ref=block.ref)
    table.tableStyleInfo = TableStyleInfo(name=block.style, showRowStripes=True)
    ws.add_table(table)
    last_row = block.last_row
    for column, options in block.choices.items():
        if column not in frame.columns:
            continue
        j = list(frame.columns).index(column)
        letter = column_letter(block.col + j)
        rows_to = max(last_row, block.row + 1) + 500
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                                    showErrorMessage=False, showInputMessage=True)
        validation.promptTitle = column[:32]
        validation.prompt = block.hints.get(column, "Kies: " + ", ".join(options) + " (of typ iets anders).")[:255]
        validation.add(f"{letter}{block.row + 1}:{letter}{rows_to}")
        ws.add_data_validation(validation)
    for j, column in enumerate(frame.columns):
        if column not in block.tracking or column in block.choices:
            continue
        letter = column_letter(block.col + j)
        rows_to = max(last_row, block.row + 1) + VALIDATION_MARGIN
        if block.kind_of(column) == "date":
            validation = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                                        showErrorMessage=True, showInputMessage=True)
            validation.errorTitle = "Geen datum"
            validation.error = "Typ een datum, bijvoorbeeld 23-11-2026 (na 1-1-2000)."
        else:
            validation = DataValidation(allow_blank=True, showInputMessage=True)
        validation.promptTitle = str(column)[:32]
        validation.prompt = block.hints.get(column, "Vul zelf in; blijft per klant bewaard bij vernieuwen.")[:255]
        validation.add(f"{letter}{block.row + 1}:{letter}{rows_to}")
        ws.add_data_validation(validation)
    for column, colours in block.value_colours.items():
        if column not in frame.columns or not len(frame):
            continue
        letter = column_letter(block.col + list(frame.columns).index(column))
        target = f"{letter}{block.row + 1}:{letter}{last_row}"
        for value in colours:
            style = value_colours(value, colours[value])
            if style is None:
                continue
            fill, font = style
            ws.conditional_formatting.add(target, CellIsRule(
                operator="equal", formula=[f'"{value}"'], fill=PatternFill(bgColor=fill, fill_type="solid"),
                font=None if font is None else Font(bold=True, color=font)))
    if block.colour_scale and len(frame):
        cols = [list(frame.columns).index(c) for c in block.colour_scale if c in frame.columns]
        if cols:
            first_letter, last_letter = column_letter(block.col + min(cols)), column_letter(block.col + max(cols))
            ws.conditional_formatting.add(
                f"{first_letter}{block.row + 1}:{last_letter}{last_row}",
                ColorScaleRule(start_type="min", start_color="F8696B", mid_type="percentile", mid_value=50,
                               mid_color="FFEB84", end_type="max", end_color="63BE7B"),
            )


def _write_chart(ws, block: ChartBlock) -> None:
    if block.kind == "line":
        chart = LineChart()
    elif block.kind == "pie":
        chart = PieChart()
    else:
        chart = BarChart()
        chart.type = "bar" if block.kind == "bar" else "col"
        chart.gapWidth = 80
        if block.kind == "bar":  # first category on top, as in the table
            chart.x_axis.scaling.orientation = "maxMin"
    chart.title = block.title
    chart.width, chart.height = block.width_cm, block.height_cm
    for col, header_row, last_row in block.series:
        chart.add_data(Reference(ws, min_col=col, min_row=header_row, max_row=last_row), titles_from_data=True)
    col, first_row, last_row = block.categories
    chart.set_categories(Reference(ws, min_col=col, min_row=first_row, max_row=last_row))
    if block.kind != "pie":
        if block.x_title:
            chart.x_axis.title = block.x_title
        if block.y_title:
            chart.y_axis.title = block.y_title
        # openpyxl >= 3.1 hides axes unless delete is set explicitly
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend.position = "b"
    if len(block.series) == 1 and block.kind != "pie":
        chart.legend = None
    for series, colour in zip(chart.series, block.series_colours):
        series.graphicalProperties = GraphicalProperties(solidFill=colour)
        if block.kind == "line":
            series.graphicalProperties.line.solidFill = colour
    if block.point_colours and chart.series:
        for i, colour in enumerate(block.point_colours):
            point = DataPoint(idx=i)
            point.graphicalProperties = GraphicalProperties(solidFill=colour)
            chart.series[0].dPt.append(point)
    if block.y_max is not None:
        chart.y_axis.scaling.max = block.y_max
        chart.y_axis.scaling.min = 0
    if block.y_format:
        chart.y_axis.number_format = block.y_format
    ws.add_chart(chart, block.anchor)


def _page_setup(ws, spec: SheetSpec) -> None:
    """Orientation, A4, fit to width (or one page), repeated title rows and a footer with page and peildatum."""
    page = spec.page
    ws.page_setup.orientation = page.orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if page.fit_width or page.one_page:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1 if page.one_page else max(int(page.pages_wide), 1)
        ws.page_setup.fitToHeight = 1 if page.one_page else 0
    if page.title_rows:
        ws.print_title_rows = page.title_rows
    if page.title_columns:
        ws.print_title_cols = page.title_columns
    if page.pages_wide > 1 and not page.one_page:
        ws.page_setup.pageOrder = "overThenDown"  # a row's pages one after the other, not all rows first
    if page.print_area:
        ws.print_area = page.print_area
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.7
    for footer in (ws.oddFooter, ws.evenFooter):
        footer.left.text = FOOTER_LEFT
        footer.center.text = page.footer or None
        footer.right.text = FOOTER_RIGHT
        for part in (footer.left, footer.center, footer.right):
            part.size = 8


def formula_results(workbook) -> dict:
    """Sheet title -> {cell: value}: the results of the formulas :func:`render_sheet` wrote with a cached
    value (:attr:`klant_xl.excel.spec.Cell.cached`), stored with them when the workbook is saved."""
    return workbook.__dict__.setdefault("_klant_xl_formula_results", {})


def render_sheet(ws, spec: SheetSpec, workbook, defer: bool = False) -> None:
    """Write ``spec`` into the empty worksheet ``ws`` (openpyxl)."""
    widths: dict[str, float] = {}
    results = formula_results(workbook)
    results.pop(ws.title, None)  # a sheet written again: only its new formulas' results
    for block in spec.blocks:
        if isinstance(block, TableBlock):
            _write_table(ws, block, widths, defer)
    for block in spec.blocks:
        if isinstance(block, Cells):
            for item in block.cells:
                value = cell_value(item.value) if not isinstance(item.value, str) else item.value
                cell = ws.cell(item.row, item.col, value)
                if item.cached is not None and isinstance(value, str) and value.startswith("="):
                    results.setdefault(ws.title, {})[cell.coordinate] = item.cached
                if item.kind == "formulatext":
                    cell.data_type = "s"  # show the formula as text, do not store it as a formula
                elif item.kind:
                    cell.number_format = FORMATS.get(item.kind, "General")
                _apply_style(cell, item.style)
                if item.name:
                    ref = f"'{ws.title}'!${column_letter(item.col)}${item.row}"
                    if item.name in workbook.defined_names:
                        del workbook.defined_names[item.name]
                    workbook.defined_names[item.name] = DefinedName(item.name, attr_text=ref)
                if item.choices:
                    validation = DataValidation(type="list", formula1='"' + ",".join(item.choices) + '"',
                                                allow_blank=True, showErrorMessage=False)
                    validation.add(cell.coordinate)
                    ws.add_data_validation(validation)
    for block in spec.blocks:
        if isinstance(block, ChartBlock):
            _write_chart(ws, block)
    for letter, width in {**widths, **spec.widths}.items():
        ws.column_dimensions[letter].width = width
    for row, height in spec.heights.items():
        ws.row_dimensions[row].height = height
    _page_setup(ws, spec)
    if spec.freeze:
        ws.freeze_panes = spec.freeze
    if spec.active_cell:
        for view in ws.views.sheetView:
            for selection in view.selection:
                selection.activeCell = selection.sqref = spec.active_cell
    if spec.tab_color:
        ws.sheet_properties.tabColor = spec.tab_color
    ws.sheet_state = spec.state


def _range_rows(ws, ref: str) -> list[list]:
    """The cell values of a range such as ``A1:E20``, row by row (openpyxl; a deferred table's rows
    from its columns)."""
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    deferred = stream.deferred_tables(ws).get(ref)
    if deferred is not None:
        max_row = deferred.first_row - 1
    rows = [list(r) for r in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col,
                                          values_only=True)]
    return rows if deferred is None else rows + stream.deferred_rows(ws, ref)


class OfflineWorkbook:
    """A workbook file opened for a refresh (or a new workbook being built).

    Parameters
    ----------
    path : path-like or None
        The workbook file; None starts a new empty workbook.
    workbook : openpyxl.Workbook, optional
        An already loaded workbook (the template builder passes its own).
    stub_big_sheets : bool
        Let big sheets bypass openpyxl (:mod:`klant_xl.excel.splice`); the purge
        passes False because it must edit the cells of every sheet.
    folder : path, optional
        Where files named relative to the workbook are (default: the folder of ``path``); the
        template builder passes the folder the new workbook goes to.
    """

    def __init__(self, path=None, workbook: Workbook | None = None, progress=None, stub_big_sheets: bool = True,
                 folder=None):
        self.path = Path(path) if path is not None else None
        self._folder = Path(folder) if folder is not None else None
        self.stub_big_sheets = stub_big_sheets
        self.progress = progress
        self._removed: Counter = Counter()
        self._added: Counter = Counter()
        self._written_sheets: set[str] = set()
        self._stubs: dict = {}
        self._calamine_cache: dict = {}
        self._shared_strings = None
        if workbook is not None:
            self.wb = workbook
        elif self.path is not None:
            if not self.path.exists():
                raise WerkmapFout(f"Werkmap '{self.path}' bestaat niet.")
            features.refuse_unsupported(self.path)
            try:
                self.wb = self._load(self.path)
            except OSError as exc:
                raise WerkmapFout(f"Werkmap '{self.path.name}' is niet te lezen: {exc.strerror or exc}.") from None
            except features.BROKEN_FILE_ERRORS as exc:
                raise WerkmapFout(features.not_a_workbook_message(self.path, exc)) from None
        else:
            self.wb = Workbook()

    def _load(self, path: Path):
        """Load with openpyxl; big sheets other than Instellingen are stubbed (:mod:`klant_xl.excel.splice`)."""
        keep_vba = path.suffix.lower() == ".xlsm"
        data = path.read_bytes()
        candidates = [name for name in _workbook_sheet_names(data) if name not in NEVER_STUBBED]
        if not self.stub_big_sheets:  # the purge edits every sheet's cells, so every sheet goes through openpyxl
            candidates = []
        light, self._stubs, self._shared_strings = splice.make_stubs(data, candidates, STUB_MIN_BYTES, path.name)
        return load_workbook(io.BytesIO(light), keep_vba=keep_vba, rich_text=False)

    # ----------------------------------------------------------------- reading
    def folder(self) -> Path | None:
        """The folder files named relative to the workbook are in (None: a workbook only in memory)."""
        if self._folder is not None:
            return self._folder
        return self.path.resolve().parent if self.path is not None else None

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def _find_table(self, name: str):
        for ws in self.wb.worksheets:
            for table_name in ws.tables:
                if table_name.lower() == name.lower():
                    return ws, ws.tables[table_name]
        return None, None

    def table_header(self, name: str) -> list[str] | None:
        """The column names the table's definition holds (Excel keeps them equal to the header
        cells), without reading its cells; None when absent."""
        ws, table = self._find_table(name)
        if table is None or not table.tableColumns:
            return None
        return header_names([column.name for column in table.tableColumns])

    def read_table(self, name: str) -> pd.DataFrame | None:
        """The Excel table ``name`` as a DataFrame (header = column names), or None."""
        ws, table = self._find_table(name)
        if table is None:
            return None
        ref = table.ref
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if ws.title in self._stubs and ws.title not in self._written_sheets:
            rows = self._calamine_rows(ws.title)
            rows = [[_calamine_value(v) for v in (list(r[min_col - 1:max_col]) + [None] * max_col)[:max_col - min_col + 1]]
                    for r in rows[min_row - 1:max_row]]
        else:
            rows = _range_rows(ws, ref)
        return frame_from_rows(rows, name, min_row)

    def read_input(self, sheet: str) -> pd.DataFrame | None:
        """An input sheet as a DataFrame: its table (named like the sheet, or its first table) or,
        without a table, the used range with the first row as header. The index is the Excel row
        number."""
        if sheet not in self.wb.sheetnames:
            return None
        ws = self.wb[sheet]
        ref = None
        if ws.tables:
            table = ws.tables.get(sheet) or next(iter(ws.tables.values()))
            ref = table.ref
        fast = self._read_with_calamine(sheet, ref)
        if fast is not None:
            return fast
        if ref is None:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            first_row = 1
            while rows and all(v is None for v in rows[0]):
                rows.pop(0)
                first_row += 1
        else:
            first_row = range_boundaries(ref)[1]
            rows = _range_rows(ws, ref)
        return frame_from_rows(rows, sheet, first_row)

    def _calamine_rows(self, sheet: str) -> list[list]:
        """All rows of a sheet of the file on disk, from A1, as python-calamine reads them (cached).

        Blank cells are ``""`` and dates ``datetime.date``; the readers in
        :mod:`klant_xl.values` accept both, :func:`_calamine_value` converts single values.
        """
        if sheet not in self._calamine_cache:
            from python_calamine import CalamineWorkbook

            stub = self._stubs.get(sheet)  # its cell data is in memory already: not unpacked a second time
            # a stray far cell must not make calamine allocate gigabytes
            xml = check_sheet_size(self.path, sheet, stub.sheet_data if stub is not None else None)
            try:
                book = CalamineWorkbook.from_path(str(self.path))
                rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                for (row, col), text in error_cells(xml).items():  # calamine reads them as ""
                    if row <= len(rows) and col <= len(rows[row - 1]):
                        rows[row - 1][col - 1] = text
                self._calamine_cache[sheet] = rows
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - a Rust panic (pyo3 PanicException) is a BaseException
                raise RuntimeError(f"python-calamine: {exc}") from None
        return self._calamine_cache[sheet]

    def _read_with_calamine(self, sheet: str, ref: str | None) -> pd.DataFrame | None:
        """Read a sheet of the file on disk with python-calamine (fast); None when not possible."""
        if self.path is None or sheet in self._written_sheets:
            return None
        try:
            rows = self._calamine_rows(sheet)
        except WerkmapFout:
            raise
        except Exception as exc:  # noqa: BLE001 - fall back to openpyxl unless the cells are not loaded
            if sheet in self._stubs:
                raise WerkmapFout(f"Blad '{sheet}' is niet te lezen: {exc}") from exc
            return None
        if ref is not None:
            min_col, first_row, max_col, max_row = range_boundaries(ref)
            rows = [r[min_col - 1:max_col] for r in rows[first_row - 1:max_row]]
        else:
            first_row = 1
            while rows and all(v is None or v == "" for v in rows[0]):
                rows = rows[1:]
                first_row += 1
        frame = frame_from_rows(rows, sheet, first_row)
        # an input sheet is read once: its rows (a million lists for a big Transacties) need not stay
        self._calamine_cache.pop(sheet, None)
        return frame

    def read_names(self, names) -> dict:
        """Values of the cells that workbook defined names point to (missing names are left out)."""
        values = {}
        for name in names:
            defined = self.wb.defined_names.get(name)
            if defined is None:
                continue
            destinations = list(defined.destinations)
            if not destinations:
                continue
            sheet, ref = destinations[0]
            if sheet not in self.wb.sheetnames:
                continue
            coordinate = ref.replace("$", "").split(":")[0]
            if sheet in self._stubs and sheet not in self._written_sheets:
                col, row, _, _ = range_boundaries(coordinate)
                rows = self._calamine_rows(sheet)
                values[name] = (_calamine_value(rows[row - 1][col - 1])
                                if row <= len(rows) and col <= len(rows[row - 1]) else None)
                continue
            values[name] = self.wb[sheet][coordinate].value
        return values

    # ----------------------------------------------------------------- writing
    def write_sheet(self, spec: SheetSpec, index: int | None = None) -> None:
        """Replace (or create) the sheet ``spec.name`` with what ``spec`` describes."""
        if spec.name in self.wb.sheetnames:
            old = self.wb[spec.name]
            refuse_user_content(old, spec)
            position = self.wb.sheetnames.index(spec.name)
            self._removed["grafieken"] += len(old._charts)
            self._removed["tabellen"] += len(old.tables)
            self.wb.remove(old)
        else:
            position = len(self.wb.sheetnames) if index is None else index
        ws = self.wb.create_sheet(spec.name, position)
        render_sheet(ws, spec, self.wb, defer=self.stub_big_sheets)  # the purge edits cells: it gets cells
        self._added["grafieken"] += sum(isinstance(b, ChartBlock) for b in spec.blocks)
        self._added["tabellen"] += sum(isinstance(b, TableBlock) for b in spec.blocks)
        self._written_sheets.add(spec.name)

    def status(self, message: str | None) -> None:
        """No status bar offline; :func:`~klant_xl.excel.refresh.refresh` reports progress itself."""

    def alert(self, message: str) -> None:
        """Offline there is no dialog; errors reach the caller as exceptions."""

    def commit(self) -> None:
        """Write the refreshed workbook back to its file (atomically)."""
        self.save()

    def close(self) -> None:
        """Close the in-memory zip of the VBA project that openpyxl keeps open (a later save needs it,
        so it stays open until here). Left to the collector, it may be finalised after its buffer and
        print "Exception ignored … I/O operation on closed file"."""
        archive = getattr(self.wb, "vba_archive", None)
        if archive is not None:
            archive.close()
            self.wb.vba_archive = None

    def __enter__(self) -> OfflineWorkbook:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _fix_views(self) -> None:
        visible = [i for i, ws in enumerate(self.wb.worksheets) if ws.sheet_state == "visible"]
        if not visible:
            return
        active = self.wb.active
        index = self.wb.worksheets.index(active) if active in self.wb.worksheets else visible[0]
        if index not in visible:
            index = visible[0]
        for i, ws in enumerate(self.wb.worksheets):
            for view in ws.views.sheetView:
                view.tabSelected = i == index
        self.wb.active = index

    def save(self, target=None) -> Path:
        """Write the workbook atomically to ``target`` (default: the file it was read from)."""
        target = Path(target) if target is not None else self.path
        if target is None:
            raise WerkmapFout("Geen bestandsnaam om de werkmap op te slaan.")
        refuse_if_open(target)
        self._fix_views()

        def write(tmp: Path):
            if target.suffix.lower() == ".xlsm":
                # openpyxl writes the macro-enabled content type when the workbook was read with keep_vba
                if self.wb.vba_archive is None:
                    raise WerkmapFout("Een .xlsm-werkmap heeft een VBA-project nodig; gebruik het sjabloon.")
            streamed = stream.take_big_tables(self.wb)  # big tables: their rows written as XML
            try:
                save_openpyxl(self.wb, tmp)
            finally:
                stream.restore(self.wb, streamed)
            kept = {name for name in self._stubs if name not in self._written_sheets}
            results = {title: cells for title, cells in formula_results(self.wb).items()
                       if title in self.wb.sheetnames and cells}

            def edit(contents, parts):
                if streamed:
                    stream.insert_rows(contents, parts, streamed, self.wb.epoch)
                if results:
                    splice.insert_formula_results(contents, parts, results)

            # one rewrite of the package: the streamed rows, the formulas' results and the kept sheets' cells
            splice.splice_back(tmp, self._stubs, kept, self._shared_strings,
                               edit=edit if streamed or results else None)
            if self.path is not None and self.path.exists():
                features.restore_custom_ui(self.path, tmp)
                features.check_kept(self.path, tmp, self._removed, self._added)

        atomic_write(target, write)
        return target


#: Titles of the charts klant_xl draws on its output sheets (:mod:`klant_xl.excel.layout`); any other
#: chart on an output sheet is the user's own.
KLANT_XL_CHART_TITLES = frozenset({
    "Klantenpiramide", "Pareto: aandeel omzet", "Aantal klanten: huidige en nieuwe situatie",
    "Klanten per status", "Klanten per jaar",
})
#: Conditional formats klant_xl writes on its output sheets (colour scales; and "cell equals" rules for the
#: values a block colours, see :func:`refuse_user_content`); other kinds are the user's.
KLANT_XL_FORMAT_TYPES = frozenset({"colorScale"})


def _chart_title(chart) -> str | None:
    try:
        return "".join(run.t or "" for paragraph in chart.title.tx.rich.p for run in (paragraph.r or []))
    except AttributeError:
        return None


def refuse_user_content(ws, spec: SheetSpec) -> None:
    """Raise :class:`WerkmapFout` when the output sheet ``ws`` about to be rewritten holds something
    the user made there -- a chart, conditional formatting, a cell comment -- that the rewrite would lose."""
    own_titles = KLANT_XL_CHART_TITLES | {b.title for b in spec.blocks if isinstance(b, ChartBlock)}
    lost = []
    charts = [c for c in getattr(ws, "_charts", []) if _chart_title(c) not in own_titles]
    if charts:
        lost.append("een eigen grafiek" if len(charts) == 1 else f"{len(charts)} eigen grafieken")
    own_values = {f'"{value}"' for b in spec.blocks for colours in getattr(b, "value_colours", {}).values()
                  for value in colours}

    def own_rule(rule) -> bool:
        if rule.type in KLANT_XL_FORMAT_TYPES:
            return True
        # klant_xl's status colours: "cell equals <one of the block's values>"
        return (rule.type == "cellIs" and rule.operator == "equal" and len(rule.formula or []) == 1
                and rule.formula[0] in own_values)

    formats = [str(cf.sqref) for cf in getattr(ws, "conditional_formatting", [])
               if not all(own_rule(rule) for rule in cf.rules)]
    if formats:
        lost.append(f"eigen voorwaardelijke opmaak ({', '.join(formats[:3])})")
    comments = [c.coordinate for c in ws._cells.values() if c.comment is not None] if hasattr(ws, "_cells") else []
    if comments:
        lost.append(f"opmerkingen in cellen ({', '.join(sorted(comments)[:3])})")
    if lost:
        raise WerkmapFout(
            f"Het blad '{ws.title}' wordt bij vernieuwen opnieuw geschreven, en daarbij zouden {' en '.join(lost)} "
            "verloren gaan. De werkmap is niet gewijzigd. Zet je eigen grafieken, opmaak en opmerkingen op een "
            "eigen blad (bladen die klant_xl niet schrijft blijven zoals ze zijn) en vernieuw dan opnieuw."
        )


def _calamine_value(value):
    if value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _workbook_sheet_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return list(splice.sheet_parts(archive))
