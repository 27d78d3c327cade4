"""The Formules sheet: each Excel function of klant_xl with an example and its result.

SPEC §5: a formula written into a file by openpyxl is a legacy formula to
Excel 365 (no spill), so the sheet shows each formula *as text* (the way a
Dutch user types it) beside the result klant_xl computes for the Transacties
table. The examples come from :data:`klant_xl.udfs.EXAMPLES`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from klant_xl.excel.spec import Cells, SheetSpec, TableBlock, column_letter

__all__ = ["MAX_EXAMPLE_ROWS", "examples", "formulas_sheet"]

#: Rows of a spilled table shown on the sheet (header included).
MAX_EXAMPLE_ROWS = 6


def examples() -> list:
    """The UDF examples (empty when the functions module is not available)."""
    try:
        from klant_xl.udfs import EXAMPLES
    except ImportError:
        return []
    return list(EXAMPLES)


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes, list)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def _kind(value) -> str | None:
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return "date"
    if isinstance(value, float):
        return "decimal" if abs(value) < 1 else "number"
    return None


def formulas_sheet(transactions: pd.DataFrame) -> SheetSpec:
    """The Formules sheet for the given transactions (the Transacties table's contents)."""
    c = Cells()
    c.add(1, 1, "Excel-functies van klant_xl", style="title")
    c.add(2, 1, "Typ een formule zoals in kolom B in een lege cel (na 'Import Functions' in het xlwings-lint). "
                "Kolom C toont de uitkomst die klant_xl voor de voorbeeldgegevens berekent; tabellen lopen in "
                "Excel 365 vanzelf over naar de cellen eronder.", style="note")
    c.add(4, 1, "Functie", style="header").add(4, 2, "Formule (zoals je hem typt)", style="header")
    c.add(4, 3, "Uitkomst voor de gegevens op Transacties", style="header")
    row = 5
    tables: list = []
    found = examples()
    if not found:
        c.add(row, 1, "De voorbeelden verschijnen zodra de Excel-functies (klant_xl.udfs) zijn geïnstalleerd.",
              style="note")
    for example in found:
        c.add(row, 1, example.name, style="kpi")
        c.add(row, 2, example.formula_nl, kind="formulatext")
        try:
            result = example.compute(transactions)
        except Exception as exc:  # noqa: BLE001 - the sheet shows the message, as the cell would
            result = f"{type(exc).__name__}: {exc}"
        if isinstance(result, list) and result and isinstance(result[0], list):
            # A spilled table: shown as an Excel table (so opschonen also finds the customers in it)
            header = [str(h) if h not in (None, "") else f"Kolom{j + 1}" for j, h in enumerate(result[0])]
            data = [[_plain(v) for v in values] for values in result[1:MAX_EXAMPLE_ROWS]]
            frame = pd.DataFrame(data, columns=header) if data else pd.DataFrame(columns=header)
            for column in frame.columns:
                if frame[column].map(lambda v: isinstance(v, (dt.datetime, dt.date))).any():
                    frame[column] = pd.to_datetime(frame[column], errors="coerce")
            tables.append(TableBlock(f"Voorbeeld_{example.name}", frame, row=row, col=3, style="TableStyleLight9"))
            shown = len(frame) + 1
            if len(result) - 1 > len(frame):
                c.add(row + shown, 3, f"… ({len(result) - 1} rijen in totaal)", style="note")
                row += 1
            row += shown + 1
        else:
            if isinstance(result, list):
                result = result[0] if result else None
            value = _plain(result)
            c.add(row, 3, value, kind=_kind(value))
            row += 2
    widths = {"A": 24, "B": 90}
    widths.update({column_letter(i): 16 for i in range(3, 25)})
    return SheetSpec("Formules", [c, *tables], widths=widths)
