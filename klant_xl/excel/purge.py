"""``klant-xl opschonen``: apply the retention period to a workbook file (SPEC §3 *Bewaartermijn*).

The one command that ever writes the input sheets. It

1. reads Transacties, Contactmomenten and Instellingen as the refresh does and
   finds the customers that are ``Verloren`` with their last activity older than
   the retention period as of the workbook's peildatum -- exactly those the
   Klanten sheet flags ``Verwijderen`` (:func:`klant_xl.retention.purge_plan`);
2. shows what it will do -- how many customers, how many rows on which sheet --
   and asks (``confirm`` callback; on the command line ``--ja`` answers yes);
3. copies the file unchanged to ``<naam> (backup voor opschonen JJJJ-MM-DD).xlsm``
   and checks the copy is complete;
4. removes those customers everywhere (``verwijderen``) or replaces their id by
   a pseudonym and wipes everything else that is not a column klant_xl knows
   (contact data, notes, Winback ``Resultaat``, the user's own columns and
   their copies on ``_bewaard``: ``pseudonimiseren``): in every Excel table and
   every row-1 range with a customer column -- input sheets, Klanten,
   Segmenten, Winback and the hidden store of typed notes. Every sheet goes
   through openpyxl (no big-sheet fast path), so every sheet is rewritten and
   the shared strings are not carried over;
5. appends to the sheet ``Opschoonlog`` one row per customer: date, mode,
   retention period, pseudonym and row counts -- never the id or personal data;
6. saves atomically (temporary file + rename), then re-reads the saved file and
   looks in every XML part of it for the purged ids, e-mail addresses, phone
   numbers, names and other personal values; only when none is left does it
   report success, otherwise it puts the original back and says so;
7. tells the user to delete the backup once checked, because the backup still
   holds the purged data.

Other customers' rows are never changed; removing rows shifts the rows below
them up within the table's own columns, so side-by-side blocks stay in place.
"""

from __future__ import annotations

import filecmp
import html
import re
import zipfile
import secrets
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from klant_xl.analysis import analyse
from klant_xl.errors import InvoerFout, WerkmapFout
from klant_xl.exports import ROLE_ALIASES, read_export
from klant_xl.excel.files import atomic_write, refuse_if_open, refuse_read_only, workbook_lock
from klant_xl.excel.offline import OfflineWorkbook
from klant_xl.excel.inputs import read_contact_sheet, read_inputs
from klant_xl.settings import SCHEMA, SETTINGS_BY_FIELD, Settings, settings_from_values
from klant_xl.sheet_guard import sheet_parts
from klant_xl.values import customer_id, is_blank, number_or_nan
from klant_xl.retention import PERSONAL_COLUMNS, purge_plan, retention_cutoff
from klant_xl.excel.layout import full_table_path, output_sheets

__all__ = [
    "LOG_COLUMNS",
    "LOG_SHEET",
    "MODES",
    "PurgeResult",
    "backup_path",
    "find_purged_values",
    "purge_workbook",
]

MODES = ("verwijderen", "pseudonimiseren")
TRANSACTIONS_SHEET = "Transacties"
CONTACTS_SHEET = "Contactmomenten"
INPUT_SHEETS = (TRANSACTIONS_SHEET, CONTACTS_SHEET)
LOG_SHEET = "Opschoonlog"
#: Sheets that never hold customer rows.
SKIPPED_SHEETS = ("Instellingen", "xlwings.conf", "_xlwings.conf", LOG_SHEET)
LOG_COLUMNS = (
    "Datum", "Modus", "Bewaartermijn (jaren)", "Pseudoniem",
    "Regels Transacties", "Regels Contactmomenten", "Regels overige bladen",
)
BACKUP_NAME = "{stem} (backup voor opschonen {day}){suffix}"
OTHER = "overig"
_SHOWN_IDS = 10


def _norm(header) -> str:
    """Header key: lower case, no accents, letters and digits only (as ``reading`` matches headers)."""
    text = unicodedata.normalize("NFKD", "" if header is None else str(header)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]", "", text.lower())


_PERSONAL = {_norm(c) for c in PERSONAL_COLUMNS}
#: Tracking columns with fixed choices (a date, a channel, a reason): kept when pseudonymising.
_CHOICE_COLUMNS = {_norm(c) for c in ("Benaderd op", "Kanaal", "Reden")}
#: Columns of the long store on ``_bewaard`` (``Kolom`` names the column, ``Waarde`` holds what was typed).
_STORE_NAME, _STORE_VALUE = "kolom", "waarde"
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"\+?\d[\d \-]{7,}\d")
#: Needles shorter than this are not searched in the XML (too many innocent matches).
_MIN_NEEDLE = 4


@dataclass
class PurgeResult:
    """What :func:`purge_workbook` did.

    Attributes
    ----------
    written : bool
        True when the workbook was changed.
    mode : str
        ``verwijderen`` or ``pseudonimiseren``.
    customers : int
        Customers purged (or that would be, when not confirmed).
    rows : dict
        Sheet name -> rows removed or pseudonymised.
    backup : Path or None
        The backup copy written.
    pseudonyms : tuple of str
        The pseudonyms logged on ``Opschoonlog``.
    plan_message : str
        What was shown before asking.
    message : str
        The Dutch closing message for the user.
    """

    written: bool
    mode: str
    customers: int
    rows: dict = field(default_factory=dict)
    backup: Path | None = None
    pseudonyms: tuple = ()
    plan_message: str = ""
    message: str = ""


@dataclass
class _Block:
    """A customer table on a sheet: header row, column span, last row and the key column."""

    ws: object
    header_row: int
    min_col: int
    max_col: int
    last_row: int
    key_col: int
    headers: dict
    table: object = None
    rows: list = field(default_factory=list)  # (row, customer key) of the data rows

    @property
    def personal_cols(self) -> list[int]:
        return [c for c, h in self.headers.items() if h in _PERSONAL and c != self.key_col]

    def col_named(self, key: str) -> int | None:
        return next((c for c, h in self.headers.items() if h == key), None)


# --------------------------------------------------------------------------- reading

def _input_keys(reading, contacts) -> tuple[dict[str, tuple[dict, str | None]], set[str]]:
    """Per input sheet (row keys, identity header) as the refresh read them, and the header keys by
    which other sheets name a customer besides ``Klant`` (the identity headers of the inputs; a phone
    number is keyed normalised, so a raw phone column elsewhere is never taken for a key)."""
    inputs: dict[str, tuple[dict, str | None]] = {}
    identity = _identity_header(getattr(reading, "columns", None))
    row_keys = getattr(reading, "row_keys", None)
    inputs[TRANSACTIONS_SHEET] = ({} if row_keys is None else
                                  {int(r): k for r, k in row_keys.items() if k is not None}, identity)
    contact_identity = None
    if contacts is not None and len(contacts):
        contact_identity = (contacts.attrs.get("columns") or {}).get("Klant") or "Klant"
        inputs[CONTACTS_SHEET] = ({int(r): customer_id(k) for r, k in contacts["Klant"].items()}, contact_identity)
    phone = {_norm(a) for a in ROLE_ALIASES["Telefoon"]}
    other = {_norm(h) for h in (identity, contact_identity) if h} - phone - {""}
    return inputs, other


# --------------------------------------------------------------------------- finding customer rows

def _value(ws, row: int, col: int):
    """A cell's value without creating the cell."""
    cell = ws._cells.get((row, col))
    return None if cell is None else cell.value


def _run_around(ws, row: int, col: int) -> tuple[int, int]:
    """The contiguous non-blank header cells around ``col`` in ``row``."""
    low = col
    while low > 1 and _value(ws, row, low - 1) not in (None, ""):
        low -= 1
    high = col
    while _value(ws, row, high + 1) not in (None, ""):
        high += 1
    return low, high


def _blocks(ws, key_headers: set[str]) -> list[_Block]:
    blocks: list[_Block] = []
    covered: set[tuple[int, int]] = set()
    for table in ws.tables.values():
        rng = CellRange(table.ref)
        headers = {c: _norm(_value(ws, rng.min_row, c)) for c in range(rng.min_col, rng.max_col + 1)}
        covered.update((rng.min_row, c) for c in headers)
        key = next((c for c, h in headers.items() if h in key_headers), None)
        if key is not None:
            blocks.append(_Block(ws, rng.min_row, rng.min_col, rng.max_col, rng.max_row, key, headers, table))
    for column in sorted(c for r, c in list(ws._cells) if r == 1):
        if (1, column) in covered or _norm(_value(ws, 1, column)) not in key_headers:
            continue
        low, high = _run_around(ws, 1, column)
        covered.update((1, c) for c in range(low, high + 1))
        headers = {c: _norm(_value(ws, 1, c)) for c in range(low, high + 1)}
        last = 1
        for offset, values in enumerate(ws.iter_rows(min_row=2, min_col=low, max_col=high, values_only=True)):
            if any(v not in (None, "") for v in values):
                last = offset + 2
        blocks.append(_Block(ws, 1, low, high, last, column, headers))
    for block in blocks:
        if block.last_row > block.header_row:
            column = block.ws.iter_rows(min_row=block.header_row + 1, max_row=block.last_row,
                                        min_col=block.key_col, max_col=block.key_col, values_only=True)
            block.rows = [(block.header_row + 1 + i, customer_id(v[0])) for i, v in enumerate(column)]
    return blocks


#: Roles a reading takes the customer from, first found first (:func:`klant_xl.exports.read_export`).
_IDENTITY_ROLES = ("Klant", "Klantnummer", "E-mail", "Telefoon")


def _identity_header(columns) -> str | None:
    """The header of the column a reading took the customer from first: where a pseudonym goes."""
    chosen = {role: header for role, header, _why in columns or []}
    return next((chosen[role] for role in _IDENTITY_ROLES if role in chosen), None)


def _input_block(ws, row_keys: dict, identity: str | None) -> _Block | None:
    """An input sheet's rows as the reader read them, each keyed by the customer the reader gave it.

    The rows are those of :meth:`~klant_xl.excel.offline.OfflineWorkbook.read_input` (the table, else
    the used range under its first row), over the sheet's whole width: what stands beside a
    record (a note) belongs to it, and goes or moves with it. ``row_keys``: row number -> customer
    (also an order line whose customer stands on another row, and an id read from a fallback
    column such as E-mail or Telefoon, normalised as the reader normalises it).
    """
    table = None
    if ws.tables:
        table = ws.tables.get(ws.title) or next(iter(ws.tables.values()))
        header_row = CellRange(table.ref).min_row
    else:
        header_row = next((i for i, values in enumerate(ws.iter_rows(values_only=True), start=1)
                           if any(v not in (None, "") for v in values)), None)
        if header_row is None:
            return None
    max_col, last_row = max(ws.max_column, 1), max(ws.max_row, header_row)
    if table is not None:
        rng = CellRange(table.ref)
        max_col, last_row = max(max_col, rng.max_col), max(last_row, rng.max_row)
    headers = {c: _norm(_value(ws, header_row, c)) for c in range(1, max_col + 1)}
    wanted = _norm(identity) if identity else None
    key_col = next((c for c, h in headers.items() if wanted and h == wanted), 1)
    block = _Block(ws, header_row, 1, max_col, last_row, key_col, headers, table)
    block.rows = [(row, row_keys.get(row)) for row in range(header_row + 1, last_row + 1)]
    return block


def _all_blocks(wb, inputs: dict[str, tuple[dict, str | None]], other_keys: set[str] = frozenset()) -> list[_Block]:
    """The customer rows of every sheet: the input sheets as read (``inputs``: sheet -> (row keys, identity
    header)), every other sheet by its customer column (``Klant``, or the inputs' identity headers)."""
    blocks = []
    keys = {"klant", *other_keys}
    for ws in wb.worksheets:
        if ws.title in SKIPPED_SHEETS or not hasattr(ws, "tables"):  # chart sheets hold no rows
            continue
        if ws.title in inputs:
            block = _input_block(ws, *inputs[ws.title])
            blocks.extend([block] if block is not None else [])
            continue
        blocks.extend(_blocks(ws, keys))
    return blocks


# --------------------------------------------------------------------------- changing rows

def _move_cell(ws, cell, row: int) -> None:
    """Move ``cell`` (value, style, link, comment) to ``row`` of its column; formulas are translated."""
    from openpyxl.formula.translate import Translator

    origin = cell.coordinate
    cell.row = row
    if cell.data_type == "f" and isinstance(cell.value, str):
        cell.value = Translator(cell.value, origin).translate_formula(cell.coordinate)
    ws._cells[(row, cell.column)] = cell


def _delete_rows(block: _Block, doomed: set[int]) -> None:
    """Remove rows from the block: the rows below move up within the block's columns.

    One pass over the block (moving every run of rows separately is quadratic: minutes on a
    sheet of ten thousand rows with hundreds of customers to remove).
    """
    ws = block.ws
    first, last = block.header_row + 1, block.last_row
    cells = ws._cells
    shift = 0
    for row in range(first, last + 1):
        if row in doomed:
            for col in range(block.min_col, block.max_col + 1):
                cells.pop((row, col), None)
            shift += 1
            continue
        if not shift:
            continue
        for col in range(block.min_col, block.max_col + 1):
            cell = cells.pop((row, col), None)
            if cell is not None:
                _move_cell(ws, cell, row - shift)
    for cells_row in ws.iter_rows(min_row=first, max_row=last - shift, min_col=block.min_col, max_col=block.max_col):
        for cell in cells_row:
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
    if block.table is not None:  # the table keeps its own columns; it loses the rows removed within it
        table = CellRange(block.table.ref)
        removed = sum(1 for row in doomed if table.min_row < row <= table.max_row)
        new_last = max(table.min_row + 1, table.max_row - removed)
        ref = f"{get_column_letter(table.min_col)}{table.min_row}:{get_column_letter(table.max_col)}{new_last}"
        block.table.ref = ref
        if block.table.autoFilter is not None:
            block.table.autoFilter.ref = ref


def _clear(cell) -> None:
    cell.value = None
    cell.hyperlink = None
    cell.comment = None


def _wiped_columns(block: _Block, known: set[str]) -> list[int]:
    """Columns of a block wiped when pseudonymising: all but the key and the columns klant_xl knows."""
    return [c for c, h in block.headers.items()
            if c != block.key_col and (h in _PERSONAL or h not in known)]


def _pseudonymise_rows(block: _Block, rows: list[tuple[int, str]], names: dict[str, str], known: set[str]) -> None:
    """Replace the id by its pseudonym and wipe every other column that may hold free text.

    Kept: the columns klant_xl itself reads or writes (``known``: dates, amounts,
    products, statuses, the choice columns of Winback). Wiped: personal columns,
    ``Resultaat`` and ``Notitie``, every column the user added, and in the long
    store on ``_bewaard`` every typed value except those of the choice columns.
    """
    ws = block.ws
    name_col, value_col = block.col_named(_STORE_NAME), block.col_named(_STORE_VALUE)
    wiped = _wiped_columns(block, known)
    if name_col is not None and value_col is not None:
        wiped = [c for c in wiped if c not in (name_col, value_col)]
    for row, key in rows:
        for col in range(block.min_col, block.max_col + 1):
            ws.cell(row, col).comment = None
        key_cell = ws.cell(row, block.key_col)
        key_cell.hyperlink = None
        key_cell.value = names[key]
        for col in wiped:
            _clear(ws.cell(row, col))
        if name_col is not None and value_col is not None and _norm(_value(ws, row, name_col)) not in _CHOICE_COLUMNS:
            _clear(ws.cell(row, value_col))


# --------------------------------------------------------------------------- checking the saved file

def _text_needles(value) -> set[str]:
    """What of a cell value must not survive a purge: the whole text, and e-mails / phone numbers in it."""
    if value is None or isinstance(value, (int, float, bool)) or hasattr(value, "year"):
        return set()
    text = str(value).strip()
    found = {text} if len(text) >= _MIN_NEEDLE else set()
    found.update(_EMAIL_RE.findall(text))
    found.update(p.strip() for p in _PHONE_RE.findall(text))
    return found


def _purged_values(blocks: list[_Block], flagged: set[str], known: set[str], mode: str) -> set[str]:
    """The texts that must be gone after the purge: ids that are not plain numbers, and the personal
    values (and e-mails / phone numbers in wiped free text) of the purged customers' rows -- less the
    values that other customers' rows share (a common first name stays where the others have it)."""
    doomed: set[str] = set()
    shared: set[str] = set()
    for block in blocks:
        ws = block.ws
        if mode == "verwijderen":
            columns = [c for c in block.headers if c != block.key_col]
        else:
            columns = _wiped_columns(block, known)
        name_col, value_col = block.col_named(_STORE_NAME), block.col_named(_STORE_VALUE)
        personal = set(block.personal_cols)
        for row, key in block.rows:
            hit = key in flagged
            for col in columns:
                value = _value(ws, row, col)
                is_personal = col in personal or (
                    col == value_col and name_col is not None and _norm(_value(ws, row, name_col)) in _PERSONAL)
                if hit:
                    needles = _text_needles(value)
                    if not is_personal:  # other free text: only the e-mails and phone numbers in it
                        needles = {n for n in needles if _EMAIL_RE.fullmatch(n) or _PHONE_RE.fullmatch(n)}
                    doomed.update(needles)
                elif is_personal:
                    shared.update(_text_needles(value))
    ids = {k for k in flagged if len(k) >= _MIN_NEEDLE and not k.replace(".", "").isdigit()}
    return (doomed - shared) | ids


def find_purged_values(path, values) -> list[tuple[str, str]]:
    """(part, value) for every purged value that still occurs in an XML part of the saved package.

    The XML is searched as text with character references resolved, case-insensitively,
    for whole values (not inside a longer word or number).
    """
    needles = sorted({v for v in values if v}, key=len, reverse=True)
    if not needles:
        return []
    pattern = re.compile(r"(?<![\w@.])(?:" + "|".join(re.escape(n) for n in needles) + r")(?![\w@])",
                         re.IGNORECASE)
    found = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            text = html.unescape(archive.read(info.filename).decode("utf-8", "replace"))
            for match in pattern.finditer(text):
                found.append((info.filename, match.group(0)))
                break
    return found


def _part_name(path, part: str) -> str:
    """Where a part of the package is, as the user knows it: "blad 'Winback'", else the part's name."""
    with zipfile.ZipFile(path) as archive:
        sheets = {p: name for name, p in sheet_parts(archive).items()}
    if part in sheets:
        return f"blad '{sheets[part]}'"
    return "de gedeelde teksten" if part.endswith("sharedStrings.xml") else part


def _ids_left(path, flagged: set[str], other_keys: set[str], today) -> list[str]:
    """Sheets of the saved file that still have a row of a purged customer: the input sheets read again
    as the refresh reads them (every row, also those it skips), the others by their customer column."""
    port = OfflineWorkbook(path, stub_big_sheets=False)
    settings = settings_from_values(port.read_names([s.name for s in SCHEMA]))
    left = set()
    raw = port.read_input(TRANSACTIONS_SHEET)
    if raw is not None and len(raw) and not raw.map(is_blank).all().all():  # every row, also the skipped ones
        _, reading = read_export(raw, dict(settings.column_choices), counted_statuses=settings.counted_statuses,
                                 first_row=int(raw.index[0]), today=today)
        if flagged.intersection(reading.row_keys.dropna()):
            left.add(TRANSACTIONS_SHEET)
    contacts = read_contact_sheet(port)
    if contacts is not None and flagged.intersection(customer_id(k) for k in contacts["Klant"]):
        left.add(CONTACTS_SHEET)
    others = [b for b in _all_blocks(port.wb, {}, other_keys) if b.ws.title not in INPUT_SHEETS]
    left.update(block.ws.title for block in others for _, key in block.rows if key in flagged)
    return sorted(left)


# --------------------------------------------------------------------------- messages and log

def backup_path(path, day) -> Path:
    """The backup file name: ``<naam> (backup voor opschonen JJJJ-MM-DD).<ext>``, numbered if taken.

    >>> backup_path("map/klanten.xlsm", date(2026, 11, 24)).name
    'klanten (backup voor opschonen 2026-11-24).xlsm'
    """
    path = Path(path)
    day = pd.Timestamp(day)
    candidate = path.with_name(BACKUP_NAME.format(stem=path.stem, day=f"{day:%Y-%m-%d}", suffix=path.suffix))
    number = 2
    while candidate.exists():
        candidate = path.with_name(
            BACKUP_NAME.format(stem=path.stem, day=f"{day:%Y-%m-%d}", suffix=f" ({number}){path.suffix}"))
        number += 1
    return candidate


def _rows_phrase(count: int) -> str:
    return f"{count} regel" if count == 1 else f"{count} regels"


def _years_text(years: float) -> str:
    text = f"{years:g}".replace(".", ",")
    return f"{text} jaar"


def _plan_message(path: Path, mode: str, years: float, reference: pd.Timestamp, plan: pd.DataFrame,
                  rows: dict[str, int], hidden: set[str], backup: Path) -> str:
    cutoff = retention_cutoff(reference, years)
    n = len(plan)
    who = "1 klant is" if n == 1 else f"{n} klanten zijn"
    lines = [
        f"Opschonen van '{path.name}' (bewaartermijn {_years_text(years)}, peildatum {reference:%d-%m-%Y}).",
        f"{who} verloren met de laatste activiteit vóór {cutoff:%d-%m-%Y}.",
    ]
    if mode == "verwijderen":
        lines.append("Ze worden overal VERWIJDERD:")
    else:
        lines.append("Ze worden overal GEPSEUDONIMISEERD: het klantnummer wordt een pseudoniem (KLANT-…) en "
                     "naam, e-mail, telefoon, adres en notities worden gewist:")
    for sheet, count in rows.items():
        label = f"{sheet} (verborgen blad)" if sheet in hidden else sheet
        lines.append(f"  {label}: {_rows_phrase(count)}")
    ids = [str(k) for k in plan.index[:_SHOWN_IDS]]
    more = f" en {n - _SHOWN_IDS} andere" if n > _SHOWN_IDS else ""
    lines.append(f"Klanten: {', '.join(ids)}{more}.")
    lines.append("Andere klanten blijven ongewijzigd.")
    lines.append(f"Eerst wordt een reservekopie gemaakt: '{backup.name}'.")
    return "\n".join(lines)


def _write_log(wb, day, mode: str, years: float, plan: pd.DataFrame, counts: dict[str, dict[str, int]]) -> None:
    if LOG_SHEET in wb.sheetnames:
        ws = wb[LOG_SHEET]
    else:
        ws = wb.create_sheet(LOG_SHEET)
        ws.append(list(LOG_COLUMNS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, width in enumerate((12, 16, 22, 18, 20, 24, 22), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
    row = ws.max_row + 1
    for key, name in sorted(zip(plan.index, plan["Pseudoniem"]), key=lambda kv: kv[1]):
        per_sheet = counts.get(key, {})
        values = [day, mode, years, name, per_sheet.get(TRANSACTIONS_SHEET, 0),
                  per_sheet.get(CONTACTS_SHEET, 0), per_sheet.get(OTHER, 0)]
        for col, value in enumerate(values, start=1):
            ws.cell(row, col, value)
        ws.cell(row, 1).number_format = "DD-MM-YYYY"
        row += 1


# --------------------------------------------------------------------------- the command

def _check_mode(mode: str) -> str:
    key = str(mode).strip().lower()
    if key not in MODES:
        raise InvoerFout(f"Onbekende manier van opschonen '{mode}': kies verwijderen of pseudonimiseren.")
    return key


def purge_workbook(path, retention_years, mode: str = "verwijderen", confirm: Callable[[str], bool] | None = None,
                   *, today=None, reference_date=None, settings: Settings | None = None,
                   salt: str | None = None) -> PurgeResult:
    """Remove or pseudonymise the customers past the retention period, everywhere in a workbook file.

    Parameters
    ----------
    path : str or os.PathLike
        The workbook (``.xlsx`` / ``.xlsm``); it must not be open in Excel.
    retention_years : float
        The retention period in years.
    mode : {"verwijderen", "pseudonimiseren"}
        Remove the rows, or keep them under a pseudonym with personal columns wiped.
    confirm : callable
        Called with the Dutch description of what will happen; only a true answer
        lets the purge go on. Without it nothing is written.
    today : date-like, optional
        The date of the backup name and the log (the shell's clock when omitted).
    reference_date : date-like, optional
        Peildatum for the retention period; default the workbook's own (Instellingen, else
        the last date in the data), so exactly the customers the Klanten sheet flags
        ``Verwijderen`` after a refresh are purged.
    settings : Settings, optional
        Thresholds and peildatum; default read from the Instellingen sheet as the refresh does.
    salt : str, optional
        Key of the pseudonyms; default a fresh random one that is not stored, so the
        pseudonyms cannot be traced back to ids.

    Returns
    -------
    PurgeResult
    """
    path = Path(path)
    mode = _check_mode(mode)
    if not path.exists():
        raise WerkmapFout(f"De werkmap '{path}' bestaat niet.")
    refuse_if_open(path)
    refuse_read_only(path)
    with workbook_lock(path, "opschonen"):  # before reading; released after the check of the saved file
        return _purge_locked(path, retention_years, mode, confirm, today=today, reference_date=reference_date,
                             settings=settings, salt=salt)


def _refuse_linked_file(port) -> None:
    """A workbook that reads its transactions from a file (Instellingen, "Transacties uit bestand"):
    the purge edits only the workbook, so the customers would come back from the file at the next refresh."""
    setting = SETTINGS_BY_FIELD["transaction_file"]
    linked = setting.parse(port.read_names([setting.name]).get(setting.name))
    if linked is not None:
        raise WerkmapFout(
            f"Deze werkmap leest haar transacties uit '{linked}' (Instellingen, '{setting.label}'). Opschonen "
            "verwijdert alleen uit de werkmap, dus bij de volgende vernieuwing kwamen de klanten terug uit dat "
            "bestand. Verwijder ze in het bestand zelf (of in het systeem dat het maakt) en vernieuw daarna. "
            "De werkmap is niet gewijzigd.")


def _purge_locked(path: Path, retention_years, mode: str, confirm, *, today, reference_date, settings,
                  salt) -> PurgeResult:
    today = pd.Timestamp(date.today() if today is None else today).normalize()
    retention_cutoff("2000-01-01", retention_years)  # checks the number of years (Dutch message)
    years = number_or_nan(retention_years)

    # every sheet through openpyxl (stub_big_sheets=False): the purge must edit the cells of the big sheets too;
    # refuses files with parts the offline writer would drop
    port = OfflineWorkbook(path, stub_big_sheets=False)
    wb = port.wb
    _refuse_linked_file(port)
    # read and analysed as the refresh does (today's date checks the dates, the reading's peildatum is the
    # default): the purge acts on the peildatum the Klanten sheet was flagged with
    transactions, contacts, from_sheet, reading = read_inputs(port, today)[:4]
    settings = from_sheet if settings is None else settings
    if reference_date is not None:
        settings = settings.with_(reference_date=pd.Timestamp(reference_date).normalize())
    analysis = analyse(transactions, contacts, settings.with_(retention_years=years), reading=reading)
    reference = analysis.reference_date
    plan = purge_plan(analysis.summary, analysis.status, reference, years,
                      salt=secrets.token_hex(16) if salt is None else salt, active_after=analysis.active_after)
    if plan.empty:
        message = (f"Er zijn geen klanten die langer dan {_years_text(years)} verloren zijn "
                   f"(peildatum {reference:%d-%m-%Y}); de werkmap is niet gewijzigd.")
        return PurgeResult(False, mode, 0, message=message)

    inputs, other_keys = _input_keys(reading, contacts)
    blocks = _all_blocks(wb, inputs, other_keys)
    flagged = set(plan.index)
    rows: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    for block in blocks:
        hits = [(r, k) for r, k in block.rows if k in flagged]
        if not hits:
            continue
        sheet = block.ws.title
        rows[sheet] = rows.get(sheet, 0) + len(hits)
        group = sheet if sheet in INPUT_SHEETS else OTHER
        for _, key in hits:
            per = counts.setdefault(key, {})
            per[group] = per.get(group, 0) + 1
    hidden = {ws.title for ws in wb.worksheets if ws.sheet_state != "visible"}
    backup = backup_path(path, today)
    plan_message = _plan_message(path, mode, years, reference, plan, rows, hidden, backup)
    if confirm is None or not confirm(plan_message):
        return PurgeResult(False, mode, len(plan), rows, plan_message=plan_message,
                           message="Opschonen afgebroken; de werkmap is niet gewijzigd.")

    atomic_write(backup, lambda tmp: shutil.copyfile(path, tmp))
    if not filecmp.cmp(path, backup, shallow=False):
        raise WerkmapFout(f"De reservekopie '{backup.name}' is niet gelijk aan de werkmap; er is niets opgeschoond.")

    names = dict(zip(plan.index, plan["Pseudoniem"]))
    known = _known_columns(analysis, transactions, contacts)
    needles = _purged_values(blocks, flagged, known, mode)
    for block in blocks:
        hits = [(r, k) for r, k in block.rows if k in flagged]
        if not hits:
            continue
        if mode == "verwijderen":
            _delete_rows(block, {r for r, _ in hits})
        else:
            _pseudonymise_rows(block, hits, names, known)
    _write_log(wb, today.to_pydatetime().date(), mode, years, plan, counts)
    try:
        port.save()  # atomic; keeps the VBA project and the ribbon, refuses to lose a feature
    except BaseException:
        backup.unlink(missing_ok=True)  # the workbook is unchanged, so the copy is not needed
        raise
    _verify_or_restore(path, backup, needles, flagged, other_keys, today)
    beside = full_table_path(path)  # the full Klanten table of the last refresh still holds the purged customers
    beside_removed = beside.is_file()
    if beside_removed:
        beside.unlink()

    done = "verwijderd" if mode == "verwijderen" else "gepseudonimiseerd"
    who = "1 klant" if len(plan) == 1 else f"{len(plan)} klanten"
    detail = ", ".join(f"{sheet}: {_rows_phrase(n)}" for sheet, n in rows.items())
    message = "\n".join([
        f"Klaar: {who} {done} ({detail}). Het logboek staat op het blad '{LOG_SHEET}'.",
        f"Reservekopie: '{backup.name}'. Controleer de werkmap en verwijder daarna de reservekopie: "
        "die bevat nog alle gegevens die je net hebt opgeschoond.",
        *([f"De volledige klantentabel '{beside.name}' naast de werkmap is verwijderd: die bevatte de opgeschoonde "
           "klanten nog. Vernieuwen maakt hem opnieuw."] if beside_removed else []),
        "Vernieuw de analyse om Klanten, Segmenten en Winback bij te werken.",
    ])
    return PurgeResult(True, mode, len(plan), rows, backup, tuple(sorted(plan["Pseudoniem"])), plan_message,
                       message)


def _known_columns(analysis, transactions, contacts) -> set[str]:
    """Header keys of the columns klant_xl reads or writes: kept when pseudonymising (all others are wiped)."""

    known = set(_CHOICE_COLUMNS)
    for frame in (transactions, contacts):
        if frame is not None:
            known.update(_norm(h) for c, h in (frame.attrs.get("columns") or {}).items()
                         if h is not None and c not in PERSONAL_COLUMNS)
    for spec in output_sheets(analysis):
        for block in spec.tables():
            known.update(_norm(c) for c in block.frame.columns if c not in block.tracking)
    known.update(("tabel", _STORE_NAME, "bron"))
    return known - _PERSONAL - {_STORE_VALUE}


def _verify_or_restore(path: Path, backup: Path, needles: set[str], flagged: set[str], other_keys: set[str],
                       today) -> None:
    """Re-read the saved workbook; when a purged customer or value is still in it, put the original back
    and say so. Every purge reads the input sheets again (a row keyed by a fallback column or a line of
    an order is found only so), and searches every XML part for the purged values."""
    left = [f"blad '{sheet}'" for sheet in _ids_left(path, flagged, other_keys, today)]
    left += [_part_name(path, part) for part, _value in find_purged_values(path, needles)]
    if not left:
        return
    atomic_write(path, lambda tmp: shutil.copyfile(backup, tmp))
    if filecmp.cmp(path, backup, shallow=False):
        backup.unlink(missing_ok=True)
    raise WerkmapFout(
        f"Na het opschonen stonden er nog gegevens van de opgeschoonde klanten in '{path.name}' "
        f"({', '.join(sorted(set(left))[:5])}). De oorspronkelijke werkmap is teruggezet; er is niets "
        "opgeschoond. Meld dit met de werkmap bij de beheerder van klant_xl."
    )
