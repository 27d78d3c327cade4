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

__all__ = ["EXCEL_MAX_COLUMNS", "EXCEL_MAX_ROWS", "MAX_CELLS", "MAX_PART_BYTES", "check_sheet_size", "column_letters",
           "column_number", "error_cells", "max_reference_column", "refuse_huge_part", "sheet_parts"]

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
    return last_row, max_reference_column(xml)


#: Bytes scanned at a time by :func:`max_reference_column` (its memory does not grow with the sheet).
_SCAN_BYTES = 1 << 24


def max_reference_column(xml: bytes) -> int:
    """The largest column of a cell reference `` r="XYZ123"`` in the bytes (1 = A; 0 when none).

    The same as the largest ``column_number`` over ``re.findall(rb' r="([A-Z]{1,3})[0-9]', xml)``,
    computed with numpy a block at a time: the regex took 1.7 s on a 1M-row sheet part (280 MB).
    """
    import numpy as np

    data = np.frombuffer(xml, dtype=np.uint8)
    best = 0
    for start in range(0, len(data), _SCAN_BYTES):
        block = data[start:start + _SCAN_BYTES + 8]  # overlap: a reference across the boundary is seen whole
        if start + len(block) >= len(data):  # the last block: padded, so a reference at the very end is seen
            block = np.concatenate([np.zeros(1, dtype=np.uint8), block, np.zeros(8, dtype=np.uint8)])
        at = np.flatnonzero(block[1:len(block) - 7] == 0x72) + 1  # each 'r' with 1 byte before and 7 after
        at = at[(block[at + 1] == 0x3D) & (block[at + 2] == 0x22) & (block[at - 1] == 0x20)]  # ' r="'
        if not len(at):
            continue
        letters = [block[at + k].astype(np.int32) for k in (3, 4, 5, 6)]
        upper = [(v >= 65) & (v <= 90) for v in letters]
        digit = [(v >= 48) & (v <= 57) for v in letters]
        first = upper[0]
        one = first & digit[1]
        two = first & upper[1] & digit[2]
        three = first & upper[1] & upper[2] & digit[3]
        a, b, c = (v - 64 for v in letters[:3])
        column = np.where(three, a * 676 + b * 26 + c, np.where(two, a * 26 + b, np.where(one, a, 0)))
        best = max(best, int(column.max()))
    return best


def refuse_huge_part(info: zipfile.ZipInfo, sheet: str, file_name: str) -> None:
    """Raise :class:`WerkmapFout` before a sheet part that unpacks to more than :data:`MAX_PART_BYTES` is read."""
    if info.file_size > MAX_PART_BYTES:
        raise WerkmapFout(
            f"Blad '{sheet}' in '{file_name}' is uitgepakt {info.file_size / 1e9:.1f} GB groot; dat is meer "
            "dan klant_xl veilig kan lezen.")


def check_sheet_size(path, sheet: str, xml: bytes | None = None) -> bytes | None:
    """Raise :class:`WerkmapFout` when the sheet ``sheet`` of ``path`` is too big to read safely;
    else return the sheet part's bytes it read (None when the part cannot be read here).
    ``xml`` is the part (or its ``sheetData``) when the caller has it already: not read again.

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
    if xml is None:
        try:
            with zipfile.ZipFile(path) as archive:
                part = sheet_parts(archive).get(sheet)
                if part is None or part not in archive.namelist():
                    return None
                refuse_huge_part(archive.getinfo(part), sheet, path.name)
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
