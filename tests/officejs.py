"""What Office.js does on the Excel side of xlwings Lite / xlwings Server, for a workbook file.

xlwings' remote ``Book`` (``xlwings.pro._xlremote``) gets the workbook as JSON
and returns *actions* that the xlwings JavaScript client applies in Excel. This
module plays that client for a file:

- :func:`book_json` builds the JSON the client sends, from the workbook's own
  values (openpyxl): per sheet the values from A1 to the last used cell (a cell
  with a date number format as an ISO string ``…T00:00:00.000Z``, blanks as
  ``""``, formulas without a stored result as ``""``), the Excel tables with
  their addresses, the defined names (book scope, absolute addresses) and the
  sheet visibility; the keys are those of xlwings' Office Scripts client
  (``xlwings/js/xlwings.ts``, ``getBookData``) plus the ones the remote
  ``Sheets.add`` gives an Office.js sheet;
- :func:`apply_actions` applies the returned actions to an openpyxl workbook the
  way the JavaScript callbacks do (``setValues`` types values like a user:
  ``"2025-03-01"`` becomes a date, ``"=…"`` a formula; ``sheetClear`` keeps the
  Excel tables on the sheet; ``resizeTable`` gives a table a new range). An
  action it does not know raises, so a test notices when the adapter starts
  emitting something new. Purely visual actions (fonts, fills, widths, charts,
  freeze panes) are recorded, not drawn.
"""

from __future__ import annotations

import datetime as dt
import re

from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

VISUAL_ACTIONS = {
    "setFontProperty", "setRangeColor", "setColumnWidth", "setRowHeight", "freezePaneAtRange", "setHorizontalAlignment",
    "setChartSourceData", "setChartType", "setChartName", "setChartPosition", "addChart",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")


def _cell_json(cell):
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("="):
        return ""  # a formula: Office.js would send its result, which the file does not store
    if isinstance(value, (dt.datetime, dt.date)):
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _sheet_json(ws) -> dict:
    rows, cols = ws.max_row, ws.max_column
    values = [[_cell_json(ws.cell(r, c)) for c in range(1, cols + 1)] for r in range(1, rows + 1)]
    tables = []
    for table in ws.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        first, last = get_column_letter(min_col), get_column_letter(max_col)
        tables.append({
            "name": table.displayName,
            "range_address": f"{first}{min_row}:{last}{max_row}",
            "header_row_range_address": f"{first}{min_row}:{last}{min_row}",
            "data_body_range_address": f"{first}{min_row + 1}:{last}{max_row}",
            "total_row_range_address": None,
            "show_headers": True,
            "show_totals": False,
            "table_style": table.tableStyleInfo.name if table.tableStyleInfo else "",
            "show_autofilter": True,
        })
    visibility = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}[ws.sheet_state]
    return {
        "name": ws.title,
        "visibility": visibility,
        "values": values,
        "pictures": [],
        "shapes": [],
        "charts": [{"name": f"Chart {i + 1}"} for i, _ in enumerate(ws._charts)],
        "notes": [],
        "tables": tables,
        "print_area": None,
        "show_gridlines": True,
        "pivot_tables": [],
    }


def book_json(wb, name: str, version: str) -> dict:
    """The JSON Office.js sends for ``wb`` (an openpyxl workbook)."""
    titles = [ws.title for ws in wb.worksheets]
    names = []
    for defined in wb.defined_names.values():
        destinations = list(defined.destinations)
        if len(destinations) != 1:
            continue
        sheet, address = destinations[0]
        names.append({
            "name": defined.name,
            "sheet_index": titles.index(sheet),
            "address": address,
            "scope_sheet_name": None,
            "scope_sheet_index": None,
            "book_scope": True,
        })
    return {
        "client": "Office.js",
        "version": version,
        "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
        "names": names,
        "sheets": [_sheet_json(ws) for ws in wb.worksheets],
    }


def _typed(value):
    """A value as Excel stores what ``range.values = …`` sets (like typing it)."""
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return dt.datetime.fromisoformat(value)
        return value
    return value


def _cells(ws, action):
    for r in range(action["row_count"]):
        for c in range(action["column_count"]):
            yield ws.cell(action["start_row"] + 1 + r, action["start_column"] + 1 + c)


def _clear_sheet(ws) -> None:
    for row in ws.iter_rows():
        for cell in row:
            cell.value = None
            cell.number_format = "General"


def _table_columns(ws, table) -> None:
    min_col, min_row, max_col, _ = range_boundaries(table.ref)
    table.tableColumns = []
    table.autoFilter = None
    table._initialise_columns()
    for column, col in zip(table.tableColumns, range(min_col, max_col + 1)):
        column.name = str(ws.cell(min_row, col).value)


def apply_actions(wb, actions: list[dict]) -> list[dict]:
    """Apply xlwings actions to ``wb``; returns the visual and ``alert`` actions (not drawn)."""
    recorded = []
    for action in actions:
        func, args = action["func"], action["args"]
        position = action.get("sheet_position")
        ws = wb.worksheets[position] if position is not None else None
        if func == "setValues":
            for (r, row) in enumerate(action["values"]):
                for (c, value) in enumerate(row):
                    cell = ws.cell(action["start_row"] + 1 + r, action["start_column"] + 1 + c)
                    cell.value = _typed(value)
        elif func == "setFormula":
            for cell in _cells(ws, action):
                cell.value = args[0]
        elif func == "setNumberFormat":
            for cell in _cells(ws, action):
                cell.number_format = args[0]
        elif func == "sheetClear":
            _clear_sheet(ws)
        elif func == "rangeClear":
            for cell in _cells(ws, action):
                cell.value = None
        elif func == "addSheet":
            wb.create_sheet(args[1], int(args[0]))
        elif func == "setSheetVisibility":
            ws.sheet_state = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}[args[0]]
        elif func == "addTable":
            address, _has_headers, style, name = args
            table = Table(displayName=name, ref=address)
            if style:
                table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
            ws.add_table(table)
            _table_columns(ws, table)
        elif func == "resizeTable":
            index, address = args
            table = list(ws.tables.values())[int(index)]
            table.ref = address
            _table_columns(ws, table)
        elif func == "namesAdd":
            name, refers_to = args
            if name in wb.defined_names:
                raise ValueError(f"namesAdd: {name} already exists (Excel refuses a duplicate name)")
            wb.defined_names[name] = DefinedName(name, attr_text=refers_to.lstrip("="))
        elif func == "nameDelete":
            del wb.defined_names[args[2]]
        elif func in VISUAL_ACTIONS or func == "alert":
            recorded.append(action)
        else:
            raise NotImplementedError(f"action {func!r} is not mirrored: {action}")
    return recorded
