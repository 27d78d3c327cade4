"""A size guard before a sheet of an xlsx/xlsm package is handed to python-calamine.

python-calamine builds a dense grid from A1 to the last cell it finds: one stray
cell at ``XFD1048576`` makes it try to allocate half a terabyte and the process
aborts (no Python exception, a Rust backtrace and exit code 134); ``XFD2000``
already takes 1.3 GB. :func:`check_sheet_size` looks at the sheet part first --
its declared dimension and the cells it actually holds (Excel's own limits:
1,048,576 rows, 16,384 columns) -- and refuses with a Dutch message naming the
sheet and the far cell when the grid would exceed :data:`MAX_CELLS`. Nothing
is allocated by the declared dimension: only the cells present count (and
calamine, measured with version 0.9, does not reserve by it either).

The XML of the workbook part is parsed with ``defusedxml`` (no entity
expansion, no external entities); the sheet part is only scanned as bytes.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from klant_xl.errors import WerkmapFout

__all__ = ["EXCEL_MAX_COLUMNS", "EXCEL_MAX_ROWS", "MAX_CELLS", "MAX_PART_BYTES", "check_sheet_size", "column_letters", "column_number",
           "error_cells", "sheet_parts"]

#: Excel's own sheet limits.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
#: The largest grid (rows x columns from A1) handed to the sheet reader: about 0.7 GB in python-calamine.
MAX_CELLS = 20_000_000
#: The largest uncompressed sheet part read (a "zip bomb" declares far more).
MAX_PART_BYTES = 4_000_000_000

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_LAST_ROW_RE = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def column_number(letters: str) -> int:
    """``"A"`` -> 1, ``"XFD"`` -> 16384.

    >>> column_number("A"), column_number("AA"), column_number("XFD")
    (1, 27, 16384)
    """
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    """Excel's column letters of a 1-based column number (1 -> A, 28 -> AB)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part path inside the package (read with defusedxml: no entity expansion)."""
    from defusedxml import ElementTree

    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.findall(f"{{{_PKG_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
    parts = {}
    for element in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        rid = element.get(f"{{{_REL_NS}}}id")
        if rid in targets:
            parts[element.get("name")] = targets[rid]
    return parts


def _extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells present in a sheet part, from their references."""
    rows = [int(r) for r in _LAST_ROW_RE.findall(xml[-4096:])] or [int(r) for r in _LAST_ROW_RE.findall(xml)]
    last_row = max(rows, default=0)
    cell_rows = re.findall(rb' r="[A-Z]{1,3}(\d+)"', xml[-4096:])
    last_row = max([last_row, *map(int, cell_rows)])
    wide = set(re.findall(rb' r="([A-Z]{2,3})[0-9]', xml))
    if wide:
        last_col = max(column_number(x.decode()) for x in wide)
    elif last_row * 26 > MAX_CELLS:  # one-letter columns only: their maximum matters for very long sheets
        last_col = max((column_number(x.decode()) for x in set(re.findall(rb' r="([A-Z])[0-9]', xml))), default=0)
    else:
        last_col = 26 if last_row else 0  # an upper bound is enough: 26 x rows is within the limit
    return last_row, last_col


def check_sheet_size(path, sheet: str) -> bytes | None:
    """Raise :class:`WerkmapFout` when the sheet ``sheet`` of ``path`` is too big to read safely;
    else return the sheet part's bytes it read (None when the part cannot be read here).

    Parameters
    ----------
    path : path-like
        The xlsx / xlsm file.
    sheet : str
        The sheet name.

    Raises
    ------
    WerkmapFout
        Naming the sheet, the last cell and the size, with what to do.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_parts(archive).get(sheet)
            if part is None or part not in archive.namelist():
                return None
            info = archive.getinfo(part)
            if info.file_size > MAX_PART_BYTES:
                raise WerkmapFout(
                    f"Blad '{sheet}' in '{path.name}' is uitgepakt {info.file_size / 1e9:.1f} GB groot; dat is meer "
                    "dan klant_xl veilig kan lezen.")
            xml = archive.read(part)
    except WerkmapFout:
        raise
    except Exception:  # noqa: BLE001 - a damaged package is reported by the reader that opens it
        return None
    last_row, last_col = _extent(xml)
    cells = last_row * last_col
    if last_row > EXCEL_MAX_ROWS or last_col > EXCEL_MAX_COLUMNS or cells > MAX_CELLS:
        far = f"{column_letters(last_col)}{last_row}"

        def dutch(n: int) -> str:
            return f"{n:,}".replace(",", ".")

        raise WerkmapFout(
            f"Blad '{sheet}' in '{path.name}' loopt tot cel {far}: {dutch(last_row)} rijen × {dutch(last_col)} "
            f"kolommen = {dutch(cells)} cellen, meer dan klant_xl veilig kan lezen ({dutch(MAX_CELLS)}). "
            "Waarschijnlijk staat er ver buiten je gegevens een losse waarde: wis in Excel de rijen en kolommen na "
            "je gegevens en sla op."
        )
    return xml


#: A cell holding an Excel error value (``t="e"``; not self-closing), with its body up to ``</c>``.
_ERROR_CELL_RE = re.compile(rb'<c\b([^>]*?\bt="e"[^>]*?)(?<!/)>(.*?)</c>', re.DOTALL)


def error_cells(xml: bytes | None) -> dict[tuple[int, int], str]:
    """Excel error values (``#N/A``, ``#REF!`` …) in a sheet part's bytes, by (row, column), both from 1.

    python-calamine reads an error cell as empty; the readers use this to say "foutwaarde" instead
    of "leeg". ``xml`` is what :func:`check_sheet_size` returned (no second read of the part); only
    bytes are scanned (no XML parser, nothing allocated by size).
    """
    if not xml or b't="e"' not in xml:
        return {}
    found = {}
    for attributes, body in _ERROR_CELL_RE.findall(xml):
        ref = re.search(rb'\br="([A-Z]{1,3})(\d+)"', attributes)
        value = re.search(rb"<v>([^<]*)</v>", body)
        if ref and value:
            found[(int(ref.group(2)), column_number(ref.group(1).decode()))] = value.group(1).decode("utf-8", "replace")
    return found
