"""Read export files into raw cell grids: CSV/text sniffing and python-calamine for workbooks.

An adapter: file I/O for the core. :func:`read_grid` returns every cell of a file or
sheet (no header interpretation; :mod:`klant_xl.headers` and :mod:`klant_xl.reading`
do that), one frame row per row of the file so that position + 1 is the row the user sees.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from klant_xl.errors import InvoerFout
from klant_xl.headers import HEADER_SEARCH_ROWS
from klant_xl.sheet_guard import check_sheet_size

__all__ = ["CSV_SUFFIXES", "EXCEL_SUFFIXES", "read_grid", "sniff_delimiter"]

#: File endings read as delimited text, and as workbooks.
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def read_grid(path: Path, sheet=None, default_sheet: str | None = None) -> pd.DataFrame:
    """Every cell of a text export or of one worksheet, as a frame without header.

    Parameters
    ----------
    path : Path
        A ``.csv``/``.txt``/``.tsv`` export or a workbook (``.xlsx`` ...).
    sheet : str or int, optional
        Worksheet of a workbook (name or 0-based position).
    default_sheet : str, optional
        Worksheet to take when ``sheet`` is not given and a sheet of that name exists
        (else the first).

    Raises
    ------
    InvoerFout
        When the file is of an unknown type, unreadable, empty, or the sheet does not exist.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            return _read_text_file(path)
        if suffix in EXCEL_SUFFIXES:
            return _read_workbook(path, sheet, default_sheet)
    except OSError as exc:
        raise InvoerFout(f"Bestand '{path.name}' kan niet gelezen worden ({exc.strerror or exc}).") from None
    raise InvoerFout(f"Onbekend bestandstype '{path.suffix or path.name}': gebruik .csv, .txt, .tsv, .xlsx, .xlsm, "
                     ".xls of .ods.")


def _decode(data: bytes) -> str:
    """Bytes of a text export to str: UTF-16 or UTF-8 (with BOM), else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """';', ',', tab or '|': the one occurring most in the first non-blank line (quotes removed)."""
    for line in text.splitlines()[:HEADER_SEARCH_ROWS]:
        if line.strip():
            bare = re.sub(r'"[^"]*"', "", line)
            counts = {d: bare.count(d) for d in (";", "\t", ",", "|")}
            best = max(counts, key=lambda d: counts[d])
            if counts[best] > 0:
                return best
    return ","


def _csv_problem(exc: Exception) -> str:
    text = str(exc)
    if "NUL" in text:
        return "er staan nul-tekens in, het is waarschijnlijk geen tekstbestand"
    if "new-line" in text or "newline" in text:
        return "een los regeleinde-teken (CR) midden in een veld zonder aanhalingstekens"
    return "onverwachte tekens"


#: First bytes of files people pick by mistake, with what they are.
_SIGNATURES = ((b"%PDF", "een PDF-bestand"), (b"\x89PNG", "een afbeelding (PNG)"), (b"\xff\xd8\xff", "een foto (JPEG)"),
               (b"GIF8", "een afbeelding (GIF)"), (b"\x1f\x8b", "een gecomprimeerd bestand (gzip)"),
               (b"Rar!", "een gecomprimeerd bestand (RAR)"), (b"7z\xbc\xaf", "een gecomprimeerd bestand (7-Zip)"),
               (b"SQLite format 3", "een database (SQLite)"), (b"PAR1", "een Parquet-bestand (geef het de extensie "
                                                                       ".parquet)"))


def _binary_kind(head: bytes) -> str | None:
    """What a file that is no text is ('een PDF-bestand'), from its first bytes; None for a text.

    A text in any encoding the reader knows has no control characters but tab and line ends
    (UTF-16 has NUL bytes: recognised by its byte order mark first).
    """
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    control = set(range(32)) - {9, 10, 12, 13}  # random bytes hold 12% of them, a text (a stray one aside) none
    if sum(byte in control for byte in head) > max(4, len(head) // 20):
        return "een ander soort bestand (geen tekst: er staan stuurtekens in)"
    return None


def _read_text_file(path: Path) -> pd.DataFrame:
    """Every cell as text (no header), one frame row per record: position + 1 = row in Excel."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        raise InvoerFout(
            f"Bestand '{path.name}' is geen tekstbestand maar een Excel-werkmap met de extensie "
            f"'{path.suffix}'. Geef het de extensie .xlsx (of sla het in Excel op als CSV) en probeer het opnieuw.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InvoerFout(
            f"Bestand '{path.name}' is geen tekstbestand maar een oude Excel-werkmap (.xls) met de extensie "
            f"'{path.suffix}'. Open hem in Excel en sla hem op als .xlsx of als CSV, en probeer het opnieuw.")
    kind = _binary_kind(data[:4096])
    if kind is not None:
        raise InvoerFout(f"Bestand '{path.name}' is geen tekstbestand maar {kind}. Kies de export zelf (CSV of "
                         "Excel-werkmap).")
    text = _decode(data)
    if not text.strip():
        raise InvoerFout(f"Bestand '{path.name}' is leeg.")
    first_line, _, rest = text.partition("\n")
    match = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip("\ufeff"))
    if match:  # Excel's "sep=;" hint line: Excel hides it, so the header is row 1
        delimiter, text = match.group(1), rest
    else:
        delimiter = sniff_delimiter(text)
    try:
        raw = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, dtype=object, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, engine="c", quotechar='"',
        )
    except pd.errors.EmptyDataError:
        raise InvoerFout(f"Bestand '{path.name}' is leeg.") from None
    except (pd.errors.ParserError, ValueError):
        # Ragged rows (more fields further down): the csv module takes them as they come.
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            records = list(reader)
        except csv.Error as exc:
            raise InvoerFout(
                f"Bestand '{path.name}' is geen leesbaar CSV-bestand: regel {reader.line_num} is niet te lezen "
                f"({_csv_problem(exc)}). Sla de export opnieuw op als CSV en probeer het opnieuw.") from None
        width = max((len(r) for r in records), default=0)
        raw = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=object)
    return raw


def _unreadable_workbook(path: Path) -> str:
    """Why a file named as a workbook cannot be read, in Dutch, from its first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        return f"Bestand '{path.name}' is niet te lezen ({exc.strerror or exc})."
    if head.startswith(b"PK"):
        return (f"Bestand '{path.name}' is een beschadigde of onvolledige werkmap. Sla hem in Excel opnieuw op "
                "(of exporteer opnieuw) en probeer het nog eens.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (f"Bestand '{path.name}' is een oude of met een wachtwoord beveiligde werkmap die niet te lezen is. "
                "Open hem in Excel en sla hem op als .xlsx (zonder wachtwoord).")
    control = set(range(32)) - {9, 10, 13}  # a text (CSV in any 8-bit encoding) has none but tab and line ends
    if head.strip() and not control.intersection(head):
        return (f"Bestand '{path.name}' is geen Excel-werkmap maar een tekstbestand (een CSV-export?). Geef het "
                "de extensie .csv en probeer het opnieuw.")
    return f"Bestand '{path.name}' is geen Excel-werkmap (een ander soort bestand met de naam {path.suffix})."


def _read_workbook(path: Path, sheet, default_sheet: str | None) -> pd.DataFrame:
    """One sheet as a frame of cell values (no header); position + 1 = row in Excel."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine raises its own errors (in English) and OSError variants
        raise InvoerFout(_unreadable_workbook(path)) from None
    names = list(book.sheet_names)
    if not names:
        raise InvoerFout(f"Werkmap '{path.name}' heeft geen werkbladen.")
    if sheet is None:
        wanted = (default_sheet or "").lower()
        sheet = next((n for n in names if n.strip().lower() == wanted), names[0])
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InvoerFout(f"Werkmap '{path.name}' heeft geen werkblad nummer {sheet + 1}.")
        sheet = names[sheet]
    elif sheet not in names:
        listed = ", ".join(repr(n) for n in names)
        raise InvoerFout(f"Werkblad '{sheet}' bestaat niet in '{path.name}' (werkbladen: {listed}).")

    check_sheet_size(path, sheet)  # a stray far cell must not make calamine allocate gigabytes
    try:
        cells = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a Rust panic (pyo3 PanicException, e.g. a date serial
        # beyond the year 9999) is a BaseException
        raise InvoerFout(f"Werkblad '{sheet}' in '{path.name}' is niet leesbaar ({exc}).") from None
    if not cells:
        raise InvoerFout(f"Werkblad '{sheet}' in '{path.name}' is leeg.")
    grid = pd.DataFrame(cells, dtype=object)
    grid.attrs["sheet"] = sheet  # the sheet read, for messages about its cells
    return grid
