"""Features of a workbook file that the offline writer (openpyxl) cannot keep.

openpyxl rewrites the whole package. It keeps cells, formulas, tables, defined
names, data validation, conditional formatting, comments, charts and images,
and (with ``keep_vba``) the VBA project, but it drops pivot caches, slicers,
timelines, form and ActiveX controls, shapes, embedded objects, web
extensions, data connections, the data model and custom XML parts, and inside
the sheets Excel 365's dynamic-array marks (``cm=``, ``xl/metadata.xml``), the
x14 extensions (sparklines, newer data validation and conditional formats)
and rich text (formatted runs inside one cell). SPEC §6: such a file is
refused with a message naming what would be lost, never silently damaged. :func:`refuse_unsupported`
checks before any work; :func:`check_kept` compares the written file with the
original as a safety net (the atomic write then leaves the original as it was).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from pathlib import Path

from klant_xl.errors import WerkmapFout
from klant_xl.excel import splice

__all__ = [
    "SHEET_FEATURE_NEEDLES",
    "UNSUPPORTED_IN_SHEETS",
    "UNSUPPORTED_PARTS",
    "check_kept",
    "BROKEN_FILE_ERRORS",
    "not_a_workbook_message",
    "refuse_unsupported",
    "restore_custom_ui",
    "scan",
    "scan_sheets",
]

#: The first bytes of an OLE2 compound file: an encrypted (password-protected) xlsx, or an old .xls.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


#: What reading a damaged or hostile package raises (zip, XML, decompression errors).
BROKEN_FILE_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, EOFError, SyntaxError, zlib.error,
                      NotImplementedError, IndexError)


def not_a_workbook_message(path, exc: BaseException | None = None) -> str:
    """The Dutch message for a file that is no readable xlsx/xlsm package, saying why where it can."""
    from defusedxml import DefusedXmlException

    path = Path(path)
    chain, seen = exc, 0
    while chain is not None and not isinstance(chain, DefusedXmlException) and seen < 10:
        chain, seen = chain.__cause__ or chain.__context__, seen + 1
    if isinstance(chain, DefusedXmlException):
        return (f"De werkmap '{path.name}' bevat XML met entiteiten of verwijzingen naar externe bestanden "
                "(mogelijk een aanval: 'XML-bom'). klant_xl leest zo'n bestand niet; de werkmap is niet gewijzigd.")
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            rest = handle.read(1 << 20) if head == _OLE2_MAGIC else b""
    except OSError:
        head, rest = b"", b""
    if head == _OLE2_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in rest or b"EncryptedPackage" in rest or \
                "EncryptedPackage".encode("utf-16-le") in rest:
            return (f"De werkmap '{path.name}' is beveiligd met een wachtwoord (versleuteld). klant_xl kan een "
                    "versleutelde werkmap niet lezen: open hem in Excel, haal het wachtwoord weg (Bestand > Info > "
                    "Werkmap beveiligen) en sla hem op, of gebruik in Excel de knop 'Vernieuw analyse'.")
        return (f"'{path.name}' is een oud Excel-bestand (.xls), geen .xlsx/.xlsm. Sla het in Excel op als "
                "Excel-werkmap (.xlsx) of als werkmap met macro's (.xlsm) en probeer het opnieuw.")
    return f"'{path.name}' is geen Excel-werkmap (xlsx/xlsm) of het bestand is beschadigd."

#: Dutch feature name -> regular expression on the part names inside the package.
UNSUPPORTED_PARTS: dict[str, str] = {
    "een draaitabel": r"^xl/pivotTables/",
    "een draaitabelcache": r"^xl/pivotCache/",
    "een slicer": r"^xl/(slicers|slicerCaches)/",
    "een tijdlijn": r"^xl/(timelines|timelineCaches)/",
    "een Office-invoegtoepassing (webextensie)": r"^xl/webextensions/",
    "een ActiveX-besturingselement": r"^xl/activeX/",
    "een formulierbesturingselement (knop, keuzelijst)": r"^xl/ctrlProps/",
    "een ingesloten object": r"^xl/embeddings/",
    "een gegevensmodel (Power Pivot)": r"^xl/model/",
    "een externe gegevensverbinding (Power Query)": r"^(xl/connections\.xml|xl/queryTables/)",
    "een opmerking met antwoorden (gespreksopmerking)": r"^xl/threadedComments/",
    "aangepaste XML-gegevens (customXml)": r"^customXml/",
    "dynamische matrixformules van Excel 365 (xl/metadata.xml)": r"^xl/metadata\.xml$",
}

#: Dutch feature name -> pattern inside a sheet part that openpyxl drops when it rewrites the sheet.
UNSUPPORTED_IN_SHEETS: dict[str, bytes] = {
    "dynamische matrixformules van Excel 365": rb"<c\b[^>]*\scm=\"",
    "sparklines": rb"<(?:\w+:)?sparklineGroups\b",
    "nieuwere gegevensvalidatie (x14)": rb"<\w+:dataValidations\b",
    "nieuwere voorwaardelijke opmaak (x14)": rb"<\w+:conditionalFormattings\b",
    "opgemaakte tekst in een cel (rich text)": rb"<is>\s*<r>",
}
#: A piece of text every match of the pattern above contains: a sheet of a million cells is searched
#: for it in C before the (much slower) pattern runs.
SHEET_FEATURE_NEEDLES: dict[str, bytes] = {
    "dynamische matrixformules van Excel 365": b'cm="',
    "sparklines": b"sparklineGroups",
    "nieuwere gegevensvalidatie (x14)": b":dataValidations",
    "nieuwere voorwaardelijke opmaak (x14)": b":conditionalFormattings",
    "opgemaakte tekst in een cel (rich text)": b"<r>",
}
_RICH_SHARED_STRING = re.compile(rb"<si>\s*<r>")

#: Feature -> part-name pattern whose count must not drop when the file is rewritten.
KEPT_PARTS: dict[str, str] = {
    "grafieken": r"^xl/charts/chart\d+\.xml$",
    "afbeeldingen": r"^xl/media/",
    "tabellen": r"^xl/tables/table\d+\.xml$",
}

_CUSTOM_UI_TYPES = (
    "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
)


def scan(path) -> Counter:
    """Count the parts of each feature (unsupported and kept ones) and the shapes in drawings."""
    counts: Counter = Counter()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for feature, pattern in {**UNSUPPORTED_PARTS, **KEPT_PARTS}.items():
            counts[feature] = sum(1 for n in names if re.search(pattern, n))
        for name in names:
            if re.match(r"^xl/drawings/drawing\d+\.xml$", name):
                counts["vormen of tekstvakken"] += len(re.findall(rb"<(?:xdr:)?sp[ >]", archive.read(name)))
    return counts


def scan_sheets(path) -> list[tuple[str, str]]:
    """(feature, sheet) for every sheet holding a feature of :data:`UNSUPPORTED_IN_SHEETS`
    or a cell with rich text from the shared strings."""

    found = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        parts = splice.sheet_parts(archive)
        rich: set[int] = set()
        sst_part = splice.shared_strings_part(archive)
        if sst_part in names:
            items = splice.shared_string_items(archive.read(sst_part))
            rich = {i for i, item in enumerate(items) if _RICH_SHARED_STRING.match(item)}
        for sheet, part in parts.items():
            if part not in names:
                continue
            xml = archive.read(part)
            for feature, pattern in UNSUPPORTED_IN_SHEETS.items():
                if SHEET_FEATURE_NEEDLES.get(feature, b"") in xml and re.search(pattern, xml):
                    found.append((feature, sheet))
            if rich and any(int(m.group(2)) in rich for m in splice.shared_string_cells(xml)):
                found.append(("opgemaakte tekst in een cel (rich text)", sheet))
    return list(dict.fromkeys(found))


def _can_keep_images() -> bool:
    """openpyxl reads and writes images back only when Pillow is installed; otherwise it drops them."""
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


def refuse_unsupported(path) -> None:
    """Raise :class:`WerkmapFout` when the file holds a feature the offline writer would drop."""
    try:
        counts = scan(path)
        in_sheets = scan_sheets(path)
    except BROKEN_FILE_ERRORS as exc:
        raise WerkmapFout(not_a_workbook_message(path, exc)) from None
    found = [f for f in list(UNSUPPORTED_PARTS) + ["vormen of tekstvakken"] if counts[f]]
    if counts["afbeeldingen"] and not _can_keep_images():
        found.append("afbeeldingen")
    found += [f"{feature} (blad '{sheet}')" for feature, sheet in in_sheets]
    if found:
        raise WerkmapFout(
            f"De werkmap '{Path(path).name}' bevat {', '.join(found)}. Bewerken zonder Excel zou dat "
            "onderdeel verwijderen, dus de werkmap is niet gewijzigd. Open de werkmap in Excel en gebruik "
            "daar de knop 'Vernieuw analyse'."
        )


def check_kept(original, written, removed: Counter | None = None, added: Counter | None = None,
               vba: bool = True) -> None:
    """Raise :class:`WerkmapFout` when ``written`` lost a feature part that ``original`` had.

    ``removed`` and ``added`` count the charts and tables the refresh itself
    removed (with the output sheets it rewrites) and wrote again.
    """
    before, after = scan(original), scan(written)
    removed, added = removed or Counter(), added or Counter()
    lost = [f for f in before if after[f] < before[f] - removed[f] + added[f]]
    if lost:
        raise WerkmapFout(
            f"Bij het schrijven van '{Path(original).name}' zouden {', '.join(lost)} verloren gaan; "
            "de werkmap is niet gewijzigd. Gebruik in Excel de knop 'Vernieuw analyse'."
        )
    if not vba:
        return
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(written) as b:
        if "xl/vbaProject.bin" in a.namelist():
            if "xl/vbaProject.bin" not in b.namelist() or a.read("xl/vbaProject.bin") != b.read("xl/vbaProject.bin"):
                raise WerkmapFout(
                    f"Bij het schrijven van '{Path(original).name}' zou het VBA-project (macro's) veranderen; "
                    "de werkmap is niet gewijzigd."
                )


def restore_custom_ui(original, written) -> bool:
    """Put back the ribbon (customUI) relationship openpyxl drops from ``_rels/.rels``.

    Returns True when ``written`` was changed.
    """
    with zipfile.ZipFile(original) as source:
        rels = source.read("_rels/.rels").decode("utf-8") if "_rels/.rels" in source.namelist() else ""
        wanted = [m.group(0) for m in re.finditer(r"<Relationship\b[^>]*/>", rels)
                  if any(t in m.group(0) for t in _CUSTOM_UI_TYPES)]
        parts = {}
        for rel in wanted:
            target = re.search(r'Target="/?([^"]+)"', rel).group(1)
            if target in source.namelist():
                parts[target] = source.read(target)
    if not wanted:
        return False
    with zipfile.ZipFile(written) as out:
        entries = [(info, out.read(info.filename)) for info in out.infolist()]
    names = {info.filename for info, _ in entries}
    new_entries = []
    changed = False
    for info, data in entries:
        if info.filename == "_rels/.rels":
            text = data.decode("utf-8")
            for rel in wanted:
                target = re.search(r'Target="/?([^"]+)"', rel).group(1)
                if target not in text:
                    rel_id = "rIdUI" + str(len(new_entries))
                    rel = re.sub(r'Id="[^"]*"', f'Id="{rel_id}"', rel)
                    text = text.replace("</Relationships>", rel + "</Relationships>")
                    changed = True
            data = text.encode("utf-8")
        new_entries.append((info, data))
    for target, data in parts.items():
        if target not in names:
            new_entries.append((zipfile.ZipInfo(target), data))
            changed = True
    if changed:
        with zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED) as out:
            for info, data in new_entries:
                out.writestr(info.filename, data)
    return changed
