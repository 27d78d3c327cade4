"""The refresh ("Vernieuw analyse"): inputs in, output sheets out, through a workbook port.

:func:`refresh` is the one function both the ribbon button (through
:class:`~klant_xl.excel.live.LiveWorkbook`) and ``klant-xl vernieuw`` (through
:class:`~klant_xl.excel.offline.OfflineWorkbook`) run: it reads Transacties,
Contactmomenten and the named cells of Instellingen, runs
:func:`klant_xl.analysis.analyse`, and rewrites the output sheets, keeping the
values users typed in output tables (:mod:`klant_xl.excel.preserve`). Input
sheets are only read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from klant_xl import query_cache
from klant_xl.errors import KlantXLError, WaardeFout, WerkmapFout
from klant_xl.excel import preserve
from klant_xl.excel._collect import without_cycle_collection
from klant_xl.excel.layout import (
    full_table_path,
    OUTPUT_SHEETS,
    SHEET_ROWS,
    TRACKING_COLUMNS,
    add_winback_report,
    output_sheets,
)
from klant_xl.excel.spec import Cells, SheetSpec, TableBlock
from klant_xl.excel.inputs import read_inputs
from klant_xl.settings import settings_from_values
from klant_xl.values import is_blank, parse_dates
from klant_xl.excel.layout import page
from klant_xl.analysis import analyse, load_models_beside
from klant_xl.excel.files import refuse_if_open, refuse_read_only, workbook_lock, write_table_file
from klant_xl.excel.offline import OfflineWorkbook
from klant_xl.excel.boundary import message_for, write_error_log
from klant_xl.excel.formulas import formulas_sheet
from klant_xl.excel.live import LiveWorkbook
from klant_xl.excel.port import WorkbookPort

__all__ = [
    "INPUT_SHEETS",
    "STORE_SHEET",
    "RefreshReport",
    "main",
    "refresh",
    "refresh_workbook",
    "settings_from_values",
]

INPUT_SHEETS = ("Instellingen", "Transacties", "Contactmomenten")
STORE_SHEET = "_bewaard"
STORE_TABLE = "bewaard_waarden"
REGISTRY_TABLE = "bewaard_kolommen"
#: Sheets that come after the output sheets; a missing output sheet is inserted before them.
TRAILING_SHEETS = ("Formules", "xlwings.conf", STORE_SHEET)

@dataclass
class RefreshReport:
    """What a refresh did: the analysis, the sheets written and the time per phase (seconds)."""

    analysis: object
    sheets: list[str]
    timings: dict = field(default_factory=dict)
    #: The file the transactions were read from (Instellingen, "Transacties uit bestand"), else None.
    linked_file: Path | None = None


def _blank(value) -> bool:
    return is_blank(value)


def _store_sheet(store: pd.DataFrame, registry: pd.DataFrame) -> SheetSpec:
    store = store.copy()
    for column in ("Tabel", "Klant", "Kolom"):
        store[column] = store[column].astype(object)
    blocks = [
        Cells().add(1, 1, "Door klant_xl bewaarde invoer uit de uitvoertabellen (niet wijzigen).", style="note"),
        TableBlock(REGISTRY_TABLE, registry, row=3, col=1, kinds={c: "text" for c in registry.columns}),
        TableBlock(STORE_TABLE, store, row=3, col=5, kinds={c: "text" for c in store.columns}),
    ]
    return SheetSpec(STORE_SHEET, blocks, state="veryHidden")


def _read_store(port) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The store and the column registry from the very hidden ``_bewaard`` sheet (None when absent)."""
    store = port.read_table(STORE_TABLE)
    registry = port.read_table(REGISTRY_TABLE)
    if store is not None:
        if not set(preserve.STORE_COLUMNS) <= set(store.columns):
            store = None
        else:
            store = store[preserve.STORE_COLUMNS]
            store = store[~store["Tabel"].map(_blank)]
    if registry is not None:
        if not set(preserve.COLUMNS_COLUMNS) <= set(registry.columns):
            registry = None
        else:
            registry = registry[~registry["Tabel"].map(_blank)]
    return store, registry


def tracking_frame(store: pd.DataFrame, table: str = "Winback") -> pd.DataFrame:
    """The Winback tracking values of every customer ever typed (also those now off the list), wide."""
    mine = store[store["Tabel"] == table] if len(store) else store
    columns = ["Klant", *TRACKING_COLUMNS]
    if not len(mine):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    wide = mine.pivot_table(index="Klant", columns="Kolom", values="Waarde", aggfunc="last")
    wide = wide.reindex(columns=list(TRACKING_COLUMNS)).reset_index()
    wide.columns.name = None
    return wide.astype(object).where(wide.notna(), None)


def current_tracking(old_winback: pd.DataFrame | None, store: pd.DataFrame | None) -> pd.DataFrame:
    """What the user typed in the Winback tracking columns: the table as it is now, plus the values
    kept for customers that are not on it at the moment."""
    merged = preserve.update_store(store, "Winback", old_winback, "Klant", list(TRACKING_COLUMNS))
    return tracking_frame(merged)


def _old_table(port, name: str, written: list[str]) -> pd.DataFrame | None:
    """The output table ``name`` as it is now, before it is rewritten.

    Its cells are read only when its header has a column klant_xl does not write (a column
    the user added, or a tracking column): otherwise nothing in it is the user's, and the
    header alone says so (the Klanten table of a million customers is not read back).
    """
    header = port.table_header(name)
    if header is None or len(set(header)) != len(header) or "" in header \
            or any(column not in written for column in header):
        return port.read_table(name)
    return pd.DataFrame(columns=header)


def _keep_user_columns(port, specs: list[SheetSpec], store, registry) -> tuple[SheetSpec, pd.DataFrame]:
    """Add the user columns to every keyed output table; return the updated ``_bewaard`` sheet and store."""
    registries = []
    for spec in specs:
        for block in spec.tables():
            if block.key is None:
                continue
            written = [str(c) for c in block.frame.columns if c not in block.tracking]
            old = _old_table(port, block.name, written)
            users = preserve.user_columns(block.name, old, written, registry, block.tracking)
            store = preserve.update_store(store, block.name, old, block.key, users)
            frame = block.frame.drop(columns=[c for c in users if c in block.frame.columns])
            block.frame = preserve.add_user_columns(frame, block.name, block.key, users, store)
            for column in users:
                block.kinds.setdefault(column, "text")
            registries.append(preserve.registry_rows(block.name, written, [u for u in users if u not in block.tracking]))
    if store is None:
        store = pd.DataFrame({c: pd.Series(dtype=object) for c in preserve.STORE_COLUMNS})
    registry_new = pd.concat(registries, ignore_index=True) if registries else pd.DataFrame(columns=preserve.COLUMNS_COLUMNS)
    return _store_sheet(store, registry_new), store


def _formules_sheet(transactions, contacts, analysis, linked_file=None) -> SheetSpec | None:
    spec = formulas_sheet(transactions, contacts, analysis.settings, analysis.reference_date, linked_file)
    spec.page = page(analysis.reference_date, orientation="landscape", title_rows="4:4")
    return spec


def _check_typed_dates(winback_table) -> None:
    """The dates the user typed in Winback ("Benaderd op"), checked where they were typed: the message
    names the sheet, the column and the row in Excel (the tracking store behind it has no rows)."""
    if winback_table is None or "Benaderd op" not in winback_table.columns:
        return
    try:
        parse_dates(winback_table["Benaderd op"], "Benaderd op", rows=list(winback_table.index))
    except WaardeFout as exc:
        raise WaardeFout("Blad 'Winback', kolom 'Benaderd op'", exc.row, exc.value, exc.expected) from None


@without_cycle_collection()  # millions of rows and cells: see klant_xl.excel._collect
def refresh(port: WorkbookPort, progress=None, reading=None, today=None, preloaded=None) -> RefreshReport:
    """Re-read the inputs of the workbook behind ``port`` and rewrite its output sheets.

    Parameters
    ----------
    port : workbook port
        :class:`~klant_xl.excel.offline.OfflineWorkbook` or
        :class:`~klant_xl.excel.live.LiveWorkbook`.
    progress : callable, optional
        Called with a short Dutch description before each step.
    reading : klant_xl.exports.ReadingReport, optional
        How the original export was read (``klant-xl analyse -o``): shown on ``Inlezen``
        instead of the report of reading the Transacties sheet.
    today : date-like, optional
        Today's date (the shell's clock): later dates in Transacties are reported.
    preloaded : tuple, optional
        ``(transactions, report)`` already read from the file "Transacties uit bestand" names
        (``klant-xl analyse -o`` reads it once), see :func:`~klant_xl.excel.inputs.read_inputs`.

    Returns
    -------
    RefreshReport
    """

    def step(message: str) -> None:
        port.status(message)
        if progress is not None:
            progress(message)

    timings = {}
    started = time.perf_counter()
    step("Klantanalyse: gegevens lezen…")
    load_models_beside()  # scipy loads while the sheets are read
    transactions, contacts, settings, sheet_reading, typed_as_text, linked_file = read_inputs(port, today, preloaded)
    refuse_overwriting_the_source(getattr(port, "path", None), linked_file)
    if reading is not None:
        reading.contact_details = sheet_reading.contact_details
    else:
        reading = sheet_reading
    store, registry = _read_store(port)
    winback_table = port.read_table("Winback")
    _check_typed_dates(winback_table)
    tracking = current_tracking(winback_table, store)
    timings["lezen"] = time.perf_counter() - started

    started = time.perf_counter()
    step("Klantanalyse: rekenen…")
    analysis = analyse(transactions, contacts, settings, winback_tracking=tracking, reading=reading)
    specs = output_sheets(analysis, typed_as_text)
    formules = _formules_sheet(transactions, contacts, analysis, linked_file)
    if formules is not None:
        specs.append(formules)
    timings["rekenen"] = time.perf_counter() - started

    started = time.perf_counter()
    step("Klantanalyse: bladen schrijven…")
    store_spec, store = _keep_user_columns(port, specs, store, registry)
    winback = next((s for s in specs if s.name == "Winback"), None)
    if winback is not None:
        add_winback_report(winback, getattr(analysis, "winback_report", None) or None)
    for spec in [*specs, store_spec]:
        port.write_sheet(spec, index=_position(port, spec.name))
    path = getattr(port, "path", None)
    if path is not None:
        write_full_table(analysis, linked_file, path)
    timings["schrijven"] = time.perf_counter() - started
    return RefreshReport(analysis, [s.name for s in specs], timings, linked_file)


def refuse_overwriting_the_source(workbook_path, linked_file) -> None:
    """Refuse when the file the transactions come from is where the full Klanten table would go."""
    if workbook_path is None or linked_file is None:
        return
    beside = full_table_path(workbook_path)
    if Path(linked_file).resolve() == beside.resolve():
        raise WerkmapFout(
            f"Het transactiebestand '{Path(linked_file).name}' heeft de naam die klant_xl gebruikt voor de volledige "
            f"klantentabel naast deze werkmap, dus die zou het overschrijven. Geef het bestand een andere naam "
            "(en pas 'Transacties uit bestand' op Instellingen aan).")


def write_full_table(analysis, linked_file, workbook_path) -> None:
    """The full Klanten table beside the workbook (``WERKMAP - Klanten.parquet``) when it is wanted:
    when the sheet holds only part of the customers, and when the transactions come from a file
    (data too big for a sheet, so the customers are wanted as data too). Otherwise one left from
    earlier data is removed: stale, and it may hold customers purged since."""
    beside = full_table_path(workbook_path)
    if len(analysis.summary) > SHEET_ROWS or linked_file is not None:
        write_table_file(analysis.customer_table(), beside)
    elif beside.is_file():
        beside.unlink()


def _position(port, name: str) -> int | None:
    """Where a missing sheet goes: before the trailing sheets (or at the end)."""
    names = port.sheet_names()
    if name in names:
        return names.index(name)
    if name == STORE_SHEET:
        return len(names)
    order = [*OUTPUT_SHEETS, "Formules"]
    later = [s for s in order[order.index(name) + 1:] if s in names] if name in order else []
    later += [s for s in TRAILING_SHEETS if s in names and s != name and s not in later]
    if later:
        return min(names.index(s) for s in later)
    return len(names)


@without_cycle_collection()
def refresh_workbook(path, progress=None, today=None) -> RefreshReport:
    """``klant-xl vernieuw``: refresh a workbook file in place (atomically).

    The file is refused when Excel has it open, when another klant_xl run holds
    its lock, when it is read-only or when it holds a feature the offline writer
    cannot keep; when anything fails the file stays byte-identical.

    ``today`` (default: the clock) is the day after which a purchase date is
    implausible (the export reader warns and keeps the peildatum before it).
    """

    path = Path(path)
    refuse_if_open(path)
    if not path.exists():
        raise WerkmapFout(f"Werkmap '{path}' bestaat niet.")
    refuse_read_only(path)
    with workbook_lock(path, "vernieuwen"):  # taken before reading, released after the rename
        started = time.perf_counter()
        if progress:
            progress(f"{path.name} openen…")
        with OfflineWorkbook(path) as port:
            opened = time.perf_counter() - started
            report = refresh(port, progress, today=pd.Timestamp.today().normalize() if today is None
                             else pd.Timestamp(today).normalize())
            started = time.perf_counter()
            if progress:
                progress(f"{path.name} opslaan…")
            port.commit()
    report.timings["openen"] = opened
    report.timings["opslaan"] = time.perf_counter() - started
    return report


def main(port=None) -> bool:
    """Refresh the active workbook (the ribbon button and the xlwings *Run main* button).

    In Excel the port is the calling workbook through xlwings; a test passes
    an :class:`~klant_xl.excel.offline.OfflineWorkbook` instead. Errors are
    shown to the user as a Dutch message, never as a traceback; the return
    value says whether the refresh succeeded.
    """
    import warnings

    try:
        if port is None:
            import xlwings as xw

            port = LiveWorkbook(xw.Book.caller())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            query_cache.load()  # every click starts a Python of its own: SQL kept by an earlier one
            refresh(port, today=pd.Timestamp.today().normalize())
            port.commit()
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - a button in Excel must never show a traceback
        message = message_for(exc)
        if not isinstance(exc, KlantXLError):
            message = "Vernieuwen is mislukt. " + message
        try:
            if port is not None:
                port.alert(message)
        except Exception as alert_error:  # noqa: BLE001 - no dialog possible: the log keeps it
            write_error_log(alert_error)
        return False
    finally:
        query_cache.save_new()
        if port is not None:
            try:
                port.status(None)
            except Exception:  # noqa: BLE001
                pass
    return True
