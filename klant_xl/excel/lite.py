"""Workbook adapter for xlwings Lite: the workbook open in Excel, through xlwings' remote ``Book``.

In xlwings Lite (and xlwings Server) a script gets an ``xlwings.Book`` whose
content Office.js sent as JSON (values, tables, names; date cells as ISO
strings) and which records what the script does as *actions* that Office.js
applies afterwards. :class:`LiteWorkbook` is the workbook port over such a
book, so that :func:`refresh_book` runs the same
:func:`klant_xl.excel.refresh.main` as the ribbon button and ``klant-xl
vernieuw`` (SPEC §6, §12): it reads like :class:`~klant_xl.excel.live.LiveWorkbook`
and writes with the actions Office.js knows:

- an output sheet is cleared in place (``sheetClear``) and its Excel table is
  resized to the new data (``resizeTable``): Office.js cannot delete a table
  through xlwings, and a table that stays keeps formulas pointing at it working;
- values go in as one ``setValues`` per block, number formats, names
  (``namesAdd`` / ``nameDelete``), fonts and fills as their own actions;
- charts already in the workbook are kept (they point at the rewritten cells);
  a sheet without charts gets them added;
- the very hidden ``_bewaard`` sheet stays very hidden; Lite has no status bar,
  so progress goes to Lite's output pane (``print``).

Nothing here imports Pyodide or touches a file: the same code runs on Linux
under ``XLWINGS_ON_SERVER=true`` (tests/test_lite_server.py).
"""

from __future__ import annotations

from klant_xl.excel.live import LiveWorkbook
from klant_xl.excel.spec import ChartBlock, SheetSpec, TableBlock, column_letter
from klant_xl.excel.refresh import main

__all__ = ["LiteWorkbook", "refresh_book"]


def _address(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return f"{column_letter(first_col)}{first_row}:{column_letter(last_col)}{last_row}"


class LiteWorkbook(LiveWorkbook):
    """Workbook port over the ``xlwings.Book`` that xlwings Lite hands a script."""

    def __init__(self, book):
        super().__init__(book)
        self._existing_tables: dict[str, object] = {}
        self._keep_charts = False

    #: xlwings Lite runs in the browser: it reads no file of this computer.
    reads_local_files = False

    #: No file on this computer (the refresh writes nothing beside the workbook).
    path = None

    def folder(self) -> None:
        """No folder: xlwings Lite reads no file of this computer."""
        return None

    # ----------------------------------------------------------------- writing
    def _before_write(self) -> None:
        self._existing_tables = {}
        self._keep_charts = False

    def _empty(self, sheet) -> None:
        """Keep the sheet's tables and charts (Lite cannot delete them): only the cells are cleared."""
        self._existing_tables = {table.name.lower(): table for table in sheet.tables}
        self._keep_charts = _count(sheet.charts) > 0
        sheet.clear()

    def write_sheet(self, spec: SheetSpec, index: int | None = None) -> None:
        state, spec.state = spec.state, "visible"
        try:
            super().write_sheet(spec, index)
        finally:
            spec.state = state
        sheet = self.book.sheets[spec.name]
        if state in ("hidden", "veryHidden"):
            # Office.js knows VeryHidden; xlwings' bool ``visible`` would make it only Hidden.
            visibility = "VeryHidden" if state == "veryHidden" else "Hidden"
            if sheet.impl.api.get("visibility") != visibility:
                sheet.impl.append_json_action(func="setSheetVisibility", args=visibility)
                sheet.impl.api["visibility"] = visibility

    def _write_table(self, sheet, block: TableBlock, widths: dict) -> None:
        existing = self._existing_tables.pop(block.name.lower(), None)
        if existing is None:
            super()._write_table(sheet, block, widths)
            return
        # Same table, new extent: write the cells, then resize the table over them.
        self._write_table_cells(sheet, block, widths)
        tables = sheet.impl.api["tables"]
        position = next(i for i, t in enumerate(tables) if t["name"].lower() == block.name.lower())
        address = _address(block.row, block.col, block.last_row, block.last_col)
        tables[position]["range_address"] = address
        sheet.impl.append_json_action(func="resizeTable", args=[position, address])

    def _write_table_cells(self, sheet, block: TableBlock, widths: dict) -> None:
        """The base class's table writing without ``tables.add`` (the table exists)."""

        class _NoAdd:
            def add(self, **kwargs):
                return None

        class _SheetWithoutTableAdd:
            def __init__(self, inner):
                self._inner = inner
                self.tables = _NoAdd()

            def __getattr__(self, item):
                return getattr(self._inner, item)

        super()._write_table(_SheetWithoutTableAdd(sheet), block, widths)

    def _write_chart(self, sheet, block: ChartBlock) -> None:
        if self._keep_charts:
            return
        anchor = sheet.range(block.anchor)
        points_per_cm = 72 / 2.54
        col, first, last = block.categories
        parts = [f"{column_letter(col)}{first - 1}:{column_letter(col)}{last}"]
        parts += [f"{column_letter(c)}{header}:{column_letter(c)}{end}" for c, header, end in block.series]
        sheet.charts.add(width=block.width_cm * points_per_cm, height=block.height_cm * points_per_cm,
                         chart_type=_chart_type(block.kind), source=sheet.range(",".join(parts)),
                         name=block.title[:31], anchor=anchor)

    def _freeze(self, sheet, cell: str) -> None:
        sheet.impl.freeze_panes.freeze_at(cell)

    # ----------------------------------------------------------------- feedback
    def status(self, message: str | None) -> None:
        """Lite has no status bar: progress goes to its output pane."""
        if message:
            print(message)

    def alert(self, message: str) -> None:
        print(message)
        try:
            self.app.alert(message, title="Klantanalyse")
        except Exception:  # noqa: BLE001 - the output pane already shows it
            pass


def _count(collection) -> int:
    try:
        return len(collection)
    except Exception:  # noqa: BLE001 - a client that sends no charts
        return 0


def _chart_type(kind: str) -> str:
    return {"line": "line_markers", "col": "column_clustered", "bar": "bar_clustered", "pie": "pie"}.get(
        kind, "column_clustered")


def refresh_book(book) -> bool:
    """The xlwings Lite script behind "Vernieuw analyse": :func:`klant_xl.excel.refresh.main` on ``book``.

    Returns whether the refresh succeeded; a failure is shown to the user as a
    Dutch message (an ``alert`` action), never a traceback.
    """

    return main(LiteWorkbook(book))
