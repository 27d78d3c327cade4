"""Live workbook adapter: the workbook open in Excel, through xlwings.

Used by :func:`klant_xl.excel.refresh.main` (the ribbon button). It renders
the same :class:`~klant_xl.excel.spec.SheetSpec` objects as the offline
adapter, but writes into the open workbook: output sheets are cleared in place
(not deleted, so formulas elsewhere that point at them keep working), values
are written a block at a time, and Excel shows the progress in its status bar.
The user saves the workbook as usual.

This module only runs inside Excel (Windows/macOS); on Linux it is imported
but never exercised (tests use the offline adapter as the stand-in).
"""

from __future__ import annotations

from pathlib import Path

import datetime as dt

import pandas as pd

from klant_xl.excel.grid import (
    cell_value,
    column_values,
    frame_from_rows,
    header_names,
    try_quietly,
    unique_headers,
    value_colours,
)
from klant_xl.excel.spec import FORMATS, Cells, ChartBlock, SheetSpec, TableBlock, column_letter
from klant_xl.excel.offline import FOOTER_LEFT, FOOTER_RIGHT

__all__ = ["LiveWorkbook"]

_RGB = {
    "navy": (0x1F, 0x4E, 0x78),
    "input": (0xFF, 0xF2, 0xCC),
    "grey": (0x59, 0x59, 0x59),
    "white": (0xFF, 0xFF, 0xFF),
}
_CHART_TYPES = {"line": "line_markers", "col": "column_clustered", "bar": "bar_clustered", "pie": "pie"}
_XL_SHEET_VERY_HIDDEN = 2
_XL_VALIDATE_LIST = 3
_XL_CELL_VALUE = 1  # XlFormatConditionType.xlCellValue
_XL_EQUAL = 3  # XlFormatConditionOperator.xlEqual


def _colour_number(hex_rgb: str) -> int:
    """Excel's colour number (BGR) of an RRGGBB hex colour."""
    red, green, blue = (int(hex_rgb[i:i + 2], 16) for i in (0, 2, 4))
    return red + 256 * green + 65536 * blue


def _add_value_colour(target, value: str, fill: str, font: str | None) -> None:
    """A "cell equals value" conditional format on ``target`` (Windows COM), as the offline file gets it."""
    condition = target.api.FormatConditions.Add(_XL_CELL_VALUE, _XL_EQUAL, f'="{value}"')
    condition.Interior.Color = _colour_number(fill)
    if font is not None:
        condition.Font.Color = _colour_number(font)
        condition.Font.Bold = True


class LiveWorkbook:
    """Workbook port over an ``xlwings.Book``."""

    def __init__(self, book):
        self.book = book
        self.app = book.app

    # ----------------------------------------------------------------- reading
    @property
    def path(self) -> Path | None:
        """The workbook file on this computer (None: not saved yet, or opened from the web)."""
        try:
            full = Path(str(self.book.fullname))
        except Exception:  # noqa: BLE001 - a Book without a file name
            return None
        return full if full.is_absolute() and full.parent.is_dir() else None

    def folder(self) -> Path | None:
        """The workbook's folder on this computer (None: not saved yet, or opened from the web)."""
        return None if self.path is None else self.path.parent

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def _find_table(self, name: str):
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name.lower() == name.lower():
                    return sheet, table
        return None, None

    def table_header(self, name: str) -> list[str] | None:
        sheet, table = self._find_table(name)
        header = None if table is None else table.header_row_range
        if header is None:  # no table, or a table with its header row switched off
            return None
        return header_names(header.options(ndim=1).value)

    def read_table(self, name: str) -> pd.DataFrame | None:
        sheet, table = self._find_table(name)
        if table is None:
            return None
        rows = table.range.options(ndim=2).value
        return frame_from_rows([list(r) for r in rows], name, table.range.row)

    def read_input(self, sheet_name: str) -> pd.DataFrame | None:
        if sheet_name not in self.sheet_names():
            return None
        sheet = self.book.sheets[sheet_name]
        tables = list(sheet.tables)
        if tables:
            table = next((t for t in tables if t.name == sheet_name), tables[0])
            rng = table.range
        else:
            rng = sheet.used_range
        rows = rng.options(ndim=2).value
        return frame_from_rows([list(r) for r in rows], sheet_name, rng.row)

    def read_names(self, names) -> dict:
        values = {}
        existing = {n.name.split("!")[-1]: n for n in self.book.names}
        for name in names:
            if name in existing:
                try:
                    values[name] = existing[name].refers_to_range.value
                except Exception:  # noqa: BLE001 - a name that points nowhere is left out
                    continue
        return values

    # ----------------------------------------------------------------- writing
    def _sheet(self, spec: SheetSpec, index: int | None):
        """The sheet to write ``spec`` into: the existing one emptied (:meth:`_empty`), or a new one at ``index``."""
        names = self.sheet_names()
        self._before_write()
        if spec.name in names:
            sheet = self.book.sheets[spec.name]
            self._empty(sheet)
            return sheet
        if index is None or index >= len(names):
            return self.book.sheets.add(spec.name, after=self.book.sheets[len(names) - 1])
        return self.book.sheets.add(spec.name, before=self.book.sheets[index])

    def _before_write(self) -> None:
        """Reset per-sheet state before a sheet is written (nothing here; Lite keeps its tables)."""

    def _empty(self, sheet) -> None:
        """Remove the tables, charts, conditional formats, validations and cells of a sheet being rewritten."""
        for table in list(sheet.tables):
            try_quietly(table.delete)
        for chart in list(sheet.charts):
            try_quietly(chart.delete)
        try_quietly(lambda: sheet.api.Cells.FormatConditions.Delete())
        try_quietly(lambda: sheet.api.Cells.Validation.Delete())
        sheet.clear()

    def write_sheet(self, spec: SheetSpec, index: int | None = None) -> None:
        sheet = self._sheet(spec, index)
        widths: dict[str, float] = {}
        for block in spec.blocks:
            if isinstance(block, TableBlock):
                self._write_table(sheet, block, widths)
        for block in spec.blocks:
            if isinstance(block, Cells):
                self._write_cells(sheet, block)
        for block in spec.blocks:
            if isinstance(block, ChartBlock):
                try_quietly(lambda b=block: self._write_chart(sheet, b))
        for letter, width in {**widths, **spec.widths}.items():
            try_quietly(lambda l=letter, w=width: setattr(sheet.range(f"{l}:{l}"), "column_width", w))
        for row, height in spec.heights.items():
            try_quietly(lambda r=row, h=height: setattr(sheet.range(f"{r}:{r}"), "row_height", h))
        try_quietly(lambda: self._page_setup(sheet, spec))
        if spec.freeze:
            try_quietly(lambda: self._freeze(sheet, spec.freeze))
        if spec.state == "veryHidden":
            try_quietly(lambda: setattr(sheet.api, "Visible", _XL_SHEET_VERY_HIDDEN))
            if sheet.visible:
                try_quietly(lambda: setattr(sheet, "visible", False))
        elif spec.state == "hidden":
            sheet.visible = False

    def _write_table(self, sheet, block: TableBlock, widths: dict) -> None:
        frame = block.frame
        headers = unique_headers([str(c) for c in frame.columns])
        if block.title:
            title = sheet.range((block.row - 1, block.col))
            title.value = block.title
            try_quietly(lambda: setattr(title.font, "bold", True))
        columns = [column_values(frame, c) for c in frame.columns]
        rows = [headers] + ([list(r) for r in zip(*columns)] if len(frame) else [[None] * len(headers)])
        sheet.range((block.row, block.col)).options(chunksize=20_000).value = rows
        last = block.last_row
        for j, column in enumerate(frame.columns):
            kind = block.kind_of(column)
            fmt = FORMATS.get(kind, "General")
            if fmt != "General":
                try_quietly(lambda j=j, f=fmt: setattr(sheet.range((block.row + 1, block.col + j), (last, block.col + j)),
                                                "number_format", f))
            sample = [v for v in columns[j][:300] if v is not None]
            width = max([len(headers[j]) + 3] + [len(str(v)) + 1 for v in sample])
            letter = column_letter(block.col + j)
            widths[letter] = max(widths.get(letter, 0), min(max(width, 8), 60))
        rng = sheet.range((block.row, block.col), (last, block.last_col))
        sheet.tables.add(source=rng, name=block.name, table_style_name=block.style, has_headers=True)
        for column, options in block.choices.items():
            if column in frame.columns:
                j = list(frame.columns).index(column)
                target = sheet.range((block.row + 1, block.col + j), (last + 500, block.col + j))
                try_quietly(lambda t=target, o=options: t.api.Validation.Add(_XL_VALIDATE_LIST, 1, 1, ",".join(o)))
        if block.colour_scale and len(frame):
            cols = [list(frame.columns).index(c) for c in block.colour_scale if c in frame.columns]
            if cols:
                target = sheet.range((block.row + 1, block.col + min(cols)), (last, block.col + max(cols)))
                try_quietly(lambda: target.api.FormatConditions.AddColorScale(3))
        for column, colours in block.value_colours.items():
            if column in frame.columns and len(frame):
                j = list(frame.columns).index(column)
                target = sheet.range((block.row + 1, block.col + j), (last, block.col + j))
                for value, colour in colours.items():
                    style = value_colours(value, colour)
                    if style is not None:
                        try_quietly(lambda t=target, v=value, s=style: _add_value_colour(t, v, *s))

    def _write_cells(self, sheet, block: Cells) -> None:
        for item in block.cells:
            cell = sheet.range((item.row, item.col))
            value = item.value
            if isinstance(value, str) and value.startswith("="):
                if item.kind == "formulatext":
                    cell.value = "'" + value
                else:
                    cell.formula = value
            else:
                cell.value = cell_value(value) if not isinstance(value, (dt.datetime, str)) else value
            if item.kind and item.kind != "formulatext":
                try_quietly(lambda c=cell, k=item.kind: setattr(c, "number_format", FORMATS.get(k, "General")))
            if item.style:
                try_quietly(lambda c=cell, s=item.style: self._style(c, s))
            if item.name:
                ref = f"='{sheet.name}'!${column_letter(item.col)}${item.row}"
                existing = [n for n in self.book.names if n.name == item.name]
                for name in existing:
                    try_quietly(name.delete)
                self.book.names.add(item.name, ref)
            if item.choices:
                try_quietly(lambda c=cell, o=item.choices: c.api.Validation.Add(_XL_VALIDATE_LIST, 1, 1, ",".join(o)))

    @staticmethod
    def _style(cell, style: str) -> None:
        if style in ("title", "subtitle", "kpi"):
            cell.font.bold = True
        if style in ("title", "subtitle"):
            cell.font.color = _RGB["navy"]
            cell.font.size = 14 if style == "title" else 12
        elif style == "header":
            cell.font.bold = True
            cell.font.color = _RGB["white"]
            cell.color = _RGB["navy"]
        elif style == "note":
            cell.font.italic = True
            cell.font.color = _RGB["grey"]
        elif style == "input":
            cell.color = _RGB["input"]
        elif style == "center":
            cell.api.HorizontalAlignment = -4108  # xlCenter

    def _write_chart(self, sheet, block: ChartBlock) -> None:
        anchor = sheet.range(block.anchor)
        points_per_cm = 72 / 2.54
        chart = sheet.charts.add(anchor.left, anchor.top, block.width_cm * points_per_cm,
                                 block.height_cm * points_per_cm)
        col, first, last = block.categories
        parts = [f"{column_letter(col)}{first - 1}:{column_letter(col)}{last}"]
        parts += [f"{column_letter(c)}{header}:{column_letter(c)}{end}" for c, header, end in block.series]
        chart.set_source_data(sheet.range(",".join(parts)))
        chart.chart_type = _CHART_TYPES.get(block.kind, "column_clustered")
        try_quietly(lambda: setattr(chart.api[1], "HasTitle", True))
        try_quietly(lambda: setattr(chart.api[1].ChartTitle, "Text", block.title))

    @staticmethod
    def _page_setup(sheet, spec: SheetSpec) -> None:
        """The same page setup as the file adapter (Excel's PageSetup object; Windows only)."""

        page, setup = spec.page, sheet.api.PageSetup
        setup.Orientation = 2 if page.orientation == "landscape" else 1
        if page.fit_width or page.one_page:
            setup.Zoom = False
            setup.FitToPagesWide = 1 if page.one_page else max(int(page.pages_wide), 1)
            setup.FitToPagesTall = 1 if page.one_page else False
        if page.title_rows:
            setup.PrintTitleRows = "$" + page.title_rows.replace(":", ":$")
        if page.title_columns:
            setup.PrintTitleColumns = "$" + page.title_columns.replace(":", ":$")
        if page.pages_wide > 1 and not page.one_page:
            setup.Order = 2  # xlOverThenDown: a row's pages one after the other
        setup.LeftFooter, setup.CenterFooter, setup.RightFooter = FOOTER_LEFT, page.footer, FOOTER_RIGHT

    def _freeze(self, sheet, cell: str) -> None:
        sheet.activate()
        window = self.app.api.ActiveWindow
        window.FreezePanes = False
        target = sheet.range(cell)
        window.SplitRow = target.row - 1
        window.SplitColumn = target.column - 1
        window.FreezePanes = True

    # ----------------------------------------------------------------- feedback
    def status(self, message: str | None) -> None:
        """Excel's status bar (None gives it back to Excel)."""
        try_quietly(lambda: setattr(self.app, "status_bar", message if message else False))

    def alert(self, message: str) -> None:
        try:
            self.app.alert(message, title="Klantanalyse")
        except Exception:  # noqa: BLE001 - fall back to the status bar
            self.status(message)

    def commit(self) -> None:
        """Nothing to do: the workbook stays open in Excel and the user saves it."""
