"""Features of a workbook file that the offline writer (openpyxl) cannot keep.

openpyxl rewrites the whole package. It keeps cells, formulas, tables, defined
names, data validation, conditional formatting, comments, charts and images,
and (with ``keep_vba``) the VBA project, but it drops pivot caches, slicers,
timelines, form and ActiveX controls, shapes, embedded objects, web
extensions, data connections and the data model. SPEC §6: such a file is
refused with a message, never silently damaged. :func:`refuse_unsupported`
checks before any work; :func:`check_kept` compares the written file with the
original as a safety net (the atomic write then leaves the original as it was).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

from klant_xl.errors import WerkmapFout

__all__ = ["UNSUPPORTED_PARTS", "check_kept", "refuse_unsupported", "restore_custom_ui", "scan"]

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
}

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
    except zipfile.BadZipFile as exc:
        raise WerkmapFout(f"'{Path(path).name}' is geen Excel-werkmap (xlsx/xlsm) of het bestand is beschadigd.") from exc
    found = [f for f in list(UNSUPPORTED_PARTS) + ["vormen of tekstvakken"] if counts[f]]
    if counts["afbeeldingen"] and not _can_keep_images():
        found.append("afbeeldingen")
    if found:
        raise WerkmapFout(
            f"De werkmap '{Path(path).name}' bevat {', '.join(found)}. Vernieuwen zonder Excel zou dat "
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
