"""The Formules sheet: each Excel function of klant_xl with an example and its result.

SPEC §5: a formula written into a file by openpyxl is a legacy formula to
Excel 365 (no spill), so the sheet shows each formula *as text* (the way a
Dutch user types it) beside the result klant_xl computes for the Transacties
table. The examples come from :data:`klant_xl.udfs.EXAMPLES`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from klant_xl.excel.spec import Cells, SheetSpec, TableBlock
from klant_xl.settings import DEFAULTS
from klant_xl.summary import resolve_reference_date
from klant_xl.udfs import EXAMPLES, ExampleInputs
from klant_xl.udfs import examples as udf_examples

__all__ = ["MAX_EXAMPLE_ROWS", "examples", "formulas_sheet"]

#: Rows of a spilled table shown on the sheet (header included).
MAX_EXAMPLE_ROWS = 6
#: Above this many transactions the examples over the Transacties table are not computed here
#: (each runs the function over every row, as Excel would; the formula still works in Excel).
MAX_EXAMPLE_TRANSACTIONS = 50_000
#: Width of the formula column (characters); longer formulas wrap onto more lines.
FORMULA_CHARS_PER_LINE = 60


#: How a single-value result is shown: as on Overzicht (percentages as percentages, days without decimals).
RESULT_KINDS = {
    "HERHAALAANKOOPRATIO": "percent",
    "CHURN_PERCENTAGE": "percent",
    "CUMULATIEF_VERLIES": "percent",
    "TIJD_TUSSEN_AANKOPEN": "days",
    "DREMPEL_INACTIEF": "days",
    "DREMPEL_VERLOREN": "days",
    "VERDUBBELINGSTIJD": "number",
}
#: Columns of spilled example tables that are counts (shown without decimals).
COUNT_COLUMNS = ("Jaar", "Aantal klanten", "Aankopen", "R", "F", "M", "RFM-score")


def examples(reference_date=None) -> list:
    """The UDF examples for data with this peildatum (empty when the functions module is not available)."""
    return list(EXAMPLES) if reference_date is None else udf_examples(reference_date)


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes, list)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def _kind(value, name: str = "") -> str | None:
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return "date"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name in RESULT_KINDS:
        return RESULT_KINDS[name]
    if isinstance(value, float):
        if value.is_integer():
            return "int"
        return "decimal" if abs(value) < 1 else "number"
    return None


def formulas_sheet(transactions: pd.DataFrame, contacts: pd.DataFrame | None = None, settings=None,
                   reference_date=None, linked_file=None) -> SheetSpec:
    """The Formules sheet for the given inputs (the Transacties and Contactmomenten tables, the settings).

    The examples take the same inputs as the refresh (amounts, contact moments, the thresholds and
    shares of Instellingen) over the same peildatum and churn period, so their results are the
    Overzicht's numbers. With ``linked_file`` (the transactions come from a file named on
    Instellingen) the Transacties table is empty, so an example over it says so instead of
    showing a result the formula would not give.
    """

    settings = DEFAULTS if settings is None else settings
    if reference_date is None:
        reference_date = resolve_reference_date(transactions, settings.reference_date, contacts)
    reference_date = pd.Timestamp(reference_date)
    c = Cells()
    c.add(1, 1, "Excel-functies van klant_xl", style="title")
    c.add(2, 1, "Typ een formule zoals in kolom B in een lege cel (na 'Import Functions' in het xlwings-lint). "
                "Kolom C toont de uitkomst die klant_xl voor de gegevens van deze werkmap berekent; tabellen lopen "
                "in Excel 365 vanzelf over naar de cellen eronder.", style="note")
    c.add(3, 1, f"Dezelfde invoer als het Overzicht: bedragen (een retour is geen aankoop), contactmomenten "
                f"(tellen als activiteit), de drempels van Instellingen en peildatum {reference_date:%d-%m-%Y}; "
                "het verloop over het jaar ervoor. Namen als dagen_inactief zijn cellen op Instellingen.",
          style="note")
    c.add(4, 1, "Functie", style="header").add(4, 2, "Formule (zoals je hem typt)", style="header")
    c.add(4, 3, "Uitkomst voor deze werkmap", style="header")
    row = 5
    tables: list = []
    heights: dict = {}
    found = examples(reference_date)
    inputs = ExampleInputs(transactions, contacts, settings, reference_date)
    if not found:
        c.add(row, 1, "De voorbeelden verschijnen zodra de Excel-functies (klant_xl.udfs) zijn geïnstalleerd.",
              style="note")
    too_many = linked_file is None and len(transactions) > MAX_EXAMPLE_TRANSACTIONS
    for example in found:
        c.add(row, 1, example.name, style="kpi")
        c.add(row, 2, example.formula_nl, kind="formulatext", style="wrap")
        lines = -(-len(example.formula_nl) // FORMULA_CHARS_PER_LINE)
        if lines > 1:
            heights[row] = 15 * lines
        if linked_file is not None and "Transacties[" in example.formula:
            c.add(row, 3, f"Geen uitkomst: de transacties staan in '{Path(linked_file).name}', niet op het blad "
                          "Transacties, dus deze formule ziet ze niet.", style="note")
            row += 2
            continue
        if too_many and "Transacties[" in example.formula:
            c.add(row, 3, f"Niet vooraf berekend: meer dan {MAX_EXAMPLE_TRANSACTIONS:,} transacties. "
                          "Typ de formule in Excel.".replace(",", "."), style="note")
            row += 2
            continue
        try:
            result = example.compute(inputs)
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
            kinds = {column: "int" for column in frame.columns if column in COUNT_COLUMNS}
            tables.append(TableBlock(f"Voorbeeld_{example.name}", frame, row=row, col=3, style="TableStyleLight9",
                                     kinds=kinds))
            shown = len(frame) + 1
            if len(result) - 1 > len(frame):
                c.add(row + shown, 3, f"… ({len(result) - 1} rijen in totaal)", style="note")
                row += 1
            row += shown + 1
        else:
            if isinstance(result, list):
                result = result[0] if result else None
            value = _plain(result)
            c.add(row, 3, value, kind=_kind(value, example.name))
            row += 2
    widths = {"A": 24, "B": FORMULA_CHARS_PER_LINE + 2}
    return SheetSpec("Formules", [c, *tables], widths=widths, heights=heights)
