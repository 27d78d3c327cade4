"""The workbook port: what the refresh needs from a workbook, whichever runtime holds it.

:func:`klant_xl.excel.refresh.refresh` and :func:`klant_xl.excel.inputs.read_inputs` talk to a
workbook only through these methods. Three adapters implement them:
:class:`~klant_xl.excel.offline.OfflineWorkbook` (a file: ``klant-xl vernieuw``, tests),
:class:`~klant_xl.excel.live.LiveWorkbook` (the calling xlwings Book: the ribbon button) and
:class:`~klant_xl.excel.lite.LiteWorkbook` (xlwings Lite's remote Book).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd

from klant_xl.excel.spec import SheetSpec

__all__ = ["WorkbookPort"]


@runtime_checkable
class WorkbookPort(Protocol):
    """A workbook as the refresh sees it."""

    def sheet_names(self) -> list[str]:
        """The sheets in workbook order."""

    def read_input(self, sheet: str) -> pd.DataFrame | None:
        """An input sheet as a frame (its table, or the used range); index = the Excel row; None when absent."""

    def read_table(self, name: str) -> pd.DataFrame | None:
        """An Excel table (any sheet) as a frame, index = the Excel row; None when absent."""

    def table_header(self, name: str) -> list[str] | None:
        """The column names of an Excel table as its definition holds them, without reading its
        cells; None when absent or not known."""

    def read_names(self, names) -> dict:
        """Values of the cells that defined names point to (names that point nowhere are left out)."""

    def write_sheet(self, spec: SheetSpec, index: int | None = None) -> None:
        """Write (or rewrite) an output sheet from its spec, at ``index`` when it is new."""

    def status(self, message: str | None) -> None:
        """Show progress (Excel's status bar, Lite's output pane); None clears it."""

    def alert(self, message: str) -> None:
        """Tell the user something that needs an answer-free acknowledgement (a Dutch message)."""

    def commit(self) -> None:
        """Make the writes permanent (offline: save atomically; live: nothing to do)."""
