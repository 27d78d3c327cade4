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

from klant_xl.errors import KlantXLError, WaardeFout, WerkmapFout
from klant_xl.excel import preserve
from klant_xl.excel.layout import OUTPUT_SHEETS, TRACKING_COLUMNS, add_winback_report, output_sheets
from klant_xl.excel.spec import Cells, SheetSpec, TableBlock
from klant_xl.settings import DEFAULTS, SETTING_NAMES, Settings
from klant_xl.values import parse_dates

__all__ = [
    "INPUT_SHEETS",
    "STORE_SHEET",
    "RefreshReport",
    "analyse_to_workbook",
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

_YES = {"ja", "j", "yes", "y", "waar", "true", "1", "x"}
_NO = {"nee", "n", "no", "onwaar", "false", "0"}


@dataclass
class RefreshReport:
    """What a refresh did: the analysis, the sheets written and the time per phase (seconds)."""

    analysis: object
    sheets: list[str]
    timings: dict = field(default_factory=dict)


def _blank(value) -> bool:
    return preserve.is_blank(value)


def settings_from_values(values: dict, base: Settings = DEFAULTS) -> Settings:
    """Settings from the values of the Instellingen named cells (defined name -> value).

    Empty cells keep the default; thresholds accept ``automatisch``; percentages
    accept 0.3 and "30%". A bad value raises :class:`~klant_xl.errors.WaardeFout`
    naming the setting.
    """
    from klant_xl.values import parse_date, parse_days, parse_fraction

    changes = {}
    allow_name, allow_label, _ = SETTING_NAMES["allow_percent_above_100"]
    allow = base.allow_percent_above_100
    if allow_name in values and not _blank(values[allow_name]):
        allow = _yes_no(values[allow_name], allow_label)
    for field_name, (name, label, _help) in SETTING_NAMES.items():
        if name not in values:
            continue
        value = values[name]
        if field_name == "reference_date":
            changes[field_name] = None if _blank(value) else parse_date(value, label)
        elif field_name == "column_choices":
            from klant_xl.exports import parse_column_choices

            changes[field_name] = () if _blank(value) else tuple(parse_column_choices(str(value)).items())
        elif field_name == "counted_statuses":
            parts = [] if _blank(value) else [p.strip() for p in str(value).replace(";", ",").split(",") if p.strip()]
            changes[field_name] = tuple(parts) or None
        elif field_name in ("inactive_days", "lost_days"):
            changes[field_name] = parse_days(value, label)
        elif field_name == "projection_winback_rate" and isinstance(value, str) and \
                value.strip().lower() in ("gemeten", "automatisch", "auto"):
            changes[field_name] = None
        elif _blank(value):
            if field_name in ("projection_start", "projection_new_rate", "projection_churn_rate"):
                changes[field_name] = None
            continue
        elif field_name in ("mark_new", "allow_percent_above_100"):
            changes[field_name] = _yes_no(value, label)
        elif field_name in ("pyramid_cuts", "tier_cuts"):
            parts = [p for p in str(value).replace("|", ";").split(";") if p.strip()] if isinstance(value, str) else [value]
            changes[field_name] = tuple(parse_fraction(p.strip() if isinstance(p, str) else p, label) for p in parts)
        elif field_name in ("return_share", "return_level", "projection_new_rate", "projection_churn_rate",
                            "projection_winback_rate", "margin", "annual_discount_rate"):
            changes[field_name] = parse_fraction(value, label, cell=True, allow_above_100=allow,
                                                 maximum=None if field_name == "projection_new_rate" else 1.0)
        else:
            number = _number(value, label)
            if field_name in ("projection_years", "clv_horizon_months"):
                if number != int(number) or number < 1:
                    raise WaardeFout(label, None, value, "geen geheel getal groter dan 0")
                number = int(number)
            elif number < 0:
                raise WaardeFout(label, None, value, "negatief")
            changes[field_name] = number
    return base.with_(**changes)


def _yes_no(value, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in _YES:
        return True
    if str(value).strip().lower() in _NO:
        return False
    raise WaardeFout(label, None, value, "geen JA of NEE")


def _number(value, label: str) -> float:
    if isinstance(value, bool):
        raise WaardeFout(label, None, value, "geen getal")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(".", "").replace(",", ".") if "," in str(value) else str(value).strip()
    try:
        return float(text)
    except ValueError:
        raise WaardeFout(label, None, value, "geen getal") from None


def _read_inputs(port):
    """Transactions, contact moments and settings of the workbook behind ``port`` (as the refresh reads them)."""
    return _read_inputs_and_reading(port)[:3]


def _read_inputs_and_reading(port, today=None):
    from klant_xl.exports import read_export
    from klant_xl.reading import read_contacts

    names = [name for name, _label, _help in SETTING_NAMES.values()]
    settings = settings_from_values(port.read_names(names))
    raw = port.read_input("Transacties")
    if raw is None:
        raise WerkmapFout("Het blad 'Transacties' ontbreekt of is leeg: zet daar de transacties (Klant, Datum, Bedrag).")
    first_row = int(raw.index[0]) if len(raw) else 2
    transactions, reading = read_export(raw, dict(settings.column_choices), counted_statuses=settings.counted_statuses,
                                        first_row=first_row, today=today)
    if transactions.empty:
        detail = " ".join(reading.lines()[2:]) if len(raw) else ""
        raise WerkmapFout(f"Het blad 'Transacties' bevat geen transacties. {detail}".strip())
    contacts = None
    raw_contacts = port.read_input("Contactmomenten")
    if raw_contacts is not None and len(raw_contacts) and not raw_contacts.map(_blank).all().all():
        contacts = read_contacts(raw_contacts, first_row=int(raw_contacts.index[0]))
        if contacts.empty:
            contacts = None
    return transactions, contacts, settings, reading


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


def _keep_user_columns(port, specs: list[SheetSpec], store, registry) -> tuple[SheetSpec, pd.DataFrame]:
    """Add the user columns to every keyed output table; return the updated ``_bewaard`` sheet and store."""
    registries = []
    for spec in specs:
        for block in spec.tables():
            if block.key is None:
                continue
            old = port.read_table(block.name)
            written = [str(c) for c in block.frame.columns if c not in block.tracking]
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


def _formules_sheet(transactions, contacts, analysis) -> SheetSpec | None:
    try:
        from klant_xl.excel.formulas import formulas_sheet
    except ImportError:  # pragma: no cover
        return None
    from klant_xl.excel.layout import page

    spec = formulas_sheet(transactions, contacts, analysis.settings, analysis.reference_date)
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


def refresh(port, progress=None, reading=None, today=None) -> RefreshReport:
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

    Returns
    -------
    RefreshReport
    """

    def step(message: str) -> None:
        port.status(message)
        if progress is not None:
            progress(message)

    from klant_xl.analysis import analyse

    timings = {}
    started = time.perf_counter()
    step("Klantanalyse: gegevens lezen…")
    transactions, contacts, settings, sheet_reading = _read_inputs_and_reading(port, today)
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
    specs = output_sheets(analysis)
    formules = _formules_sheet(transactions, contacts, analysis)
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
    timings["schrijven"] = time.perf_counter() - started
    return RefreshReport(analysis, [s.name for s in specs], timings)


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


def refresh_workbook(path, progress=None, today=None) -> RefreshReport:
    """``klant-xl vernieuw``: refresh a workbook file in place (atomically).

    The file is refused when Excel has it open, when another klant_xl run holds
    its lock, when it is read-only or when it holds a feature the offline writer
    cannot keep; when anything fails the file stays byte-identical.

    ``today`` (default: the clock) is the day after which a purchase date is
    implausible (the export reader warns and keeps the peildatum before it).
    """
    from klant_xl.excel.files import refuse_if_open, refuse_read_only, workbook_lock
    from klant_xl.excel.offline import OfflineWorkbook

    path = Path(path)
    refuse_if_open(path)
    if not path.exists():
        raise WerkmapFout(f"Werkmap '{path}' bestaat niet.")
    refuse_read_only(path)
    with workbook_lock(path, "vernieuwen"):  # taken before reading, released after the rename
        started = time.perf_counter()
        if progress:
            progress(f"{path.name} openen…")
        port = OfflineWorkbook(path)
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


def analyse_to_workbook(export, path, contacts=None, settings: Settings = DEFAULTS, progress=None,
                        reading=None) -> RefreshReport:
    """``klant-xl analyse EXPORT -o WERKMAP``: a new, filled workbook from an export.

    ``export`` is a file (read with :func:`klant_xl.exports.read_export`) or the
    transactions frame already read from it (then ``reading`` is its report). The
    purchases, with each customer's contact details, and the optional contact
    moments fill the Transacties and Contactmomenten sheets of a fresh template; then
    the output sheets are computed and ``Inlezen`` shows how the export was read.
    """
    from klant_xl.excel.template import build_workbook
    from klant_xl.exports import read_export
    from klant_xl.reading import read_contacts

    if isinstance(export, pd.DataFrame):
        transactions = export
    else:
        if progress:
            progress(f"{Path(export).name} lezen…")
        transactions, reading = read_export(export, today=pd.Timestamp.today().normalize())
    details = getattr(reading, "contact_details", None)
    if details is not None:
        transactions = transactions.join(details.drop(columns=[c for c in details.columns if c in transactions.columns]),
                                         on="Klant")
    contact_frame = read_contacts(contacts) if contacts is not None else None
    return build_workbook(path, transactions, contact_frame, settings=settings, progress=progress, reading=reading)


def main(port=None) -> bool:
    """Refresh the active workbook (the ribbon button and the xlwings *Run main* button).

    In Excel the port is the calling workbook through xlwings; a test passes
    an :class:`~klant_xl.excel.offline.OfflineWorkbook` instead. Errors are
    shown to the user as a Dutch message, never as a traceback; the return
    value says whether the refresh succeeded.
    """
    import warnings

    from klant_xl.excel.boundary import message_for, write_error_log

    try:
        if port is None:
            import xlwings as xw

            from klant_xl.excel.live import LiveWorkbook

            port = LiveWorkbook(xw.Book.caller())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
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
        if port is not None:
            try:
                port.status(None)
            except Exception:  # noqa: BLE001
                pass
    return True
