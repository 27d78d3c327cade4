"""Delen: a copy of a workbook for someone without Python (an advisor).

Every formula that calls a klant_xl Excel function is replaced by its value:
Excel's cached value where the file was last saved by Excel (or another
program that stores results), otherwise the value klant_xl computes itself by
evaluating the call (literal arguments, cell and range references, table
columns such as ``Transacties[Klant]``, defined names and ``DATE(…)``). Where
it can do neither, the copy is refused with a message naming the cell.
Nothing else in the workbook changes; the original is only read.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from klant_xl.errors import WerkmapFout
from klant_xl.excel import features
from klant_xl.excel.files import atomic_write, refuse_existing, refuse_if_open, save_openpyxl, workbook_lock

__all__ = ["KNOWN_FUNCTIONS", "function_names", "share_copy"]

#: The Excel functions of SPEC §4 (used when klant_xl.udfs cannot be imported).
KNOWN_FUNCTIONS = (
    "KLANTSTATUS", "KLANTSTATUS_TABEL", "HERHAALAANKOOPRATIO", "TIJD_TUSSEN_AANKOPEN", "DREMPEL_INACTIEF",
    "DREMPEL_VERLOREN", "CHURN_PERCENTAGE", "CHURN_PROJECTIE", "CUMULATIEF_VERLIES", "VERDUBBELINGSTIJD",
    "RFM_SEGMENT", "KLANTPIRAMIDE", "KANS_ACTIEF", "CLV", "WINBACK_LIJST",
)
_ERRORS = {"#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _udfs():
    try:
        import klant_xl.udfs as udfs
    except ImportError:
        return None
    return udfs


def function_names() -> tuple[str, ...]:
    """Names of klant_xl's Excel functions (from :mod:`klant_xl.udfs` where available)."""
    udfs = _udfs()
    names = set(KNOWN_FUNCTIONS)
    if udfs is not None:
        names |= {n for n in getattr(udfs, "__all__", dir(udfs)) if n.isupper() and callable(getattr(udfs, n))}
    return tuple(sorted(names, key=len, reverse=True))


class _Unsupported(Exception):
    """The formula cannot be evaluated by klant_xl."""


def _split_args(text: str) -> list[str]:
    args, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if not quoted:
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif ch in ",;" and depth == 0:
                args.append(current.strip())
                current = ""
                continue
        current += ch
    if current.strip() or args:
        args.append(current.strip())
    return args


class _Evaluator:
    def __init__(self, wb, cached, sheet_name: str):
        self.wb, self.cached, self.sheet = wb, cached, sheet_name

    def value_of(self, sheet: str, row: int, col: int):
        value = self.cached[sheet].cell(row, col).value
        if value is None:
            cell = self.wb[sheet].cell(row, col)
            value = cell.value
            if _formula_text(cell) is not None:
                raise _Unsupported
        return value

    def range_values(self, sheet: str, ref: str):
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        return [[self.value_of(sheet, r, c) for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]

    def table_column(self, table: str, column: str):
        for ws in self.wb.worksheets:
            for name in ws.tables:
                tbl = ws.tables[name]
                if name.lower() == table.lower():
                    min_col, min_row, max_col, max_row = range_boundaries(tbl.ref)
                    headers = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
                    if column not in headers:
                        raise _Unsupported
                    col = min_col + headers.index(column)
                    last = max_row - (1 if tbl.totalsRowCount else 0)
                    return [[self.value_of(ws.title, r, col)] for r in range(min_row + 1, last + 1)]
        raise _Unsupported

    def argument(self, text: str):
        text = text.strip()
        if text == "":
            return None
        if text.startswith('"') and text.endswith('"'):
            return text[1:-1].replace('""', '"')
        upper = text.upper()
        if upper in ("TRUE", "WAAR"):
            return True
        if upper in ("FALSE", "ONWAAR"):
            return False
        number = re.fullmatch(r"[-+]?\d+(?:[.]\d+)?(%?)", text)
        if number:
            value = float(text.rstrip("%"))
            return value / 100 if number.group(1) else value
        date = re.fullmatch(r"(?:DATE|DATUM)\((.*)\)", text, flags=re.IGNORECASE)
        if date:
            parts = [self.argument(p) for p in _split_args(date.group(1))]
            if len(parts) != 3 or not all(isinstance(p, float) for p in parts):
                raise _Unsupported
            year, month, day = (int(p) for p in parts)
            return float((dt.datetime(year, month, day) - _EXCEL_EPOCH).days)
        table = re.fullmatch(r"([A-Za-z_\\][\w.]*)\[([^\[\]]+)\]", text)
        if table:
            return self.table_column(table.group(1), table.group(2))
        sheet = self.sheet
        ref = text
        qualified = re.fullmatch(r"(?:'((?:[^']|'')+)'|([\w.]+))!(.+)", text)
        if qualified:
            sheet = (qualified.group(1) or qualified.group(2)).replace("''", "'")
            ref = qualified.group(3)
        if re.fullmatch(r"\$?[A-Za-z]{1,3}\$?\d+(:\$?[A-Za-z]{1,3}\$?\d+)?", ref):
            if sheet not in self.wb.sheetnames:
                raise _Unsupported
            if ":" in ref:
                return self.range_values(sheet, ref)
            col_letters, row = coordinate_from_string(ref.replace("$", ""))
            return self.value_of(sheet, row, column_index_from_string(col_letters))
        defined = self.wb.defined_names.get(text)
        if defined is not None:
            destinations = list(defined.destinations)
            if len(destinations) == 1:
                name_sheet, name_ref = destinations[0]
                if ":" in name_ref:
                    return self.range_values(name_sheet, name_ref)
                col_letters, row = coordinate_from_string(name_ref.replace("$", ""))
                return self.value_of(name_sheet, row, column_index_from_string(col_letters))
        raise _Unsupported

    def evaluate(self, formula: str, names: tuple[str, ...]):
        match = re.fullmatch(r"=\s*(?:_xludf\.)?([A-Za-z_][\w.]*)\((.*)\)\s*", formula, flags=re.DOTALL)
        udfs = _udfs()
        if not match or udfs is None:
            raise _Unsupported
        name = match.group(1).upper()
        if name not in names or not callable(getattr(udfs, name, None)):
            raise _Unsupported
        args = [self.argument(a) for a in _split_args(match.group(2))]
        while args and args[-1] is None:
            args.pop()
        return getattr(udfs, name)(*args)


def _formula_text(cell) -> str | None:
    """The formula of a cell (None for values, including text that merely starts with '=')."""
    value = cell.value
    if isinstance(value, ArrayFormula):
        return value.text
    if cell.data_type == "f" and isinstance(value, str):
        return value
    return None


def _plain(value):
    if hasattr(value, "item") and not isinstance(value, (str, bytes, list)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return value


def share_copy(path, out=None, overwrite: bool = True) -> Path:
    """``klant-xl deel WERKMAP -o KOPIE``: write a copy with klant_xl formulas replaced by values.

    Parameters
    ----------
    path : path-like
        The workbook (``.xlsm`` or ``.xlsx``); only read.
    out : path-like, optional
        The copy; default ``<naam> (gedeeld)<ext>`` beside the original. A
        ``.xlsx`` copy of an ``.xlsm`` leaves out the macros.
    overwrite : bool
        Replace an existing copy (``klant-xl deel`` passes False unless ``--overschrijven``).

    Returns
    -------
    pathlib.Path
        The copy.

    Raises
    ------
    WerkmapFout
        When a klant_xl formula has no cached value and klant_xl cannot compute
        it (the message names the cell), or the file holds a feature the
        offline writer would drop.
    """
    path = Path(path)
    if not path.exists():
        raise WerkmapFout(f"Werkmap '{path}' bestaat niet.")
    out = Path(out) if out is not None else path.with_name(f"{path.stem} (gedeeld){path.suffix}")
    if out.resolve() == path.resolve():
        raise WerkmapFout("De kopie moet een andere naam hebben dan de werkmap zelf.")
    refuse_if_open(out)
    refuse_existing(out, overwrite)
    with workbook_lock(path, "delen"), workbook_lock(out, "delen"):
        return _share_copy(path, out)


def _share_copy(path: Path, out: Path) -> Path:
    features.refuse_unsupported(path)
    keep_vba = path.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsm"
    wb = load_workbook(path, keep_vba=keep_vba)
    cached = load_workbook(path, data_only=True)
    names = function_names()
    pattern = re.compile(r"(?<![\w.])(?:_xludf\.)?(" + "|".join(map(re.escape, names)) + r")\s*\(", re.IGNORECASE)
    failures: list[str] = []
    writes: list[tuple] = []
    for ws in wb.worksheets:
        evaluator = _Evaluator(wb, cached, ws.title)
        for row in ws.iter_rows():
            for cell in row:
                formula = _formula_text(cell)
                if formula is None or not pattern.search(formula):
                    continue
                value = cached[ws.title][cell.coordinate].value
                if value is not None and not (isinstance(value, str) and value in _ERRORS):
                    writes.append((ws, cell.row, cell.column, value))
                    continue
                try:
                    result = evaluator.evaluate(formula, names)
                except _Unsupported:
                    failures.append(f"{ws.title}!{cell.coordinate}")
                    continue
                if isinstance(result, list) and result and isinstance(result[0], list):
                    for i, values in enumerate(result):
                        for j, item in enumerate(values):
                            if (i or j) and ws.cell(cell.row + i, cell.column + j).value not in (None, ""):
                                failures.append(f"{ws.title}!{cell.coordinate} (de uitkomst loopt over gevulde cellen)")
                                break
                            writes.append((ws, cell.row + i, cell.column + j, _plain(item)))
                else:
                    if isinstance(result, list):
                        result = result[0] if result else None
                    writes.append((ws, cell.row, cell.column, _plain(result)))
    if failures:
        shown = ", ".join(failures[:5]) + (f" en nog {len(failures) - 5}" if len(failures) > 5 else "")
        raise WerkmapFout(
            f"Kan geen kopie zonder Python maken: de formule in {shown} heeft geen door Excel opgeslagen "
            "uitkomst en klant_xl kan hem niet zelf uitrekenen. Open de werkmap in Excel, laat hem herberekenen "
            "en sla hem op; probeer het daarna opnieuw."
        )
    for ws, row, col, value in writes:
        cell = ws.cell(row, col)
        cell.value = value
        if isinstance(value, (dt.datetime, dt.date)) and cell.number_format == "General":
            cell.number_format = "dd-mm-yyyy"
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"

    def write(tmp: Path):
        save_openpyxl(wb, tmp)
        if keep_vba:
            features.restore_custom_ui(path, tmp)
        features.check_kept(path, tmp, vba=keep_vba)

    atomic_write(out, write)
    return out
