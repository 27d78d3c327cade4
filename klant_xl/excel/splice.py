"""Fast path for big workbooks: big sheets bypass openpyxl and are copied back byte for byte.

Loading and saving a sheet of a million rows through openpyxl takes minutes,
but the refresh never needs openpyxl for those cells: the input sheets are
only read (python-calamine does that quickly from the file) and the output
sheets are rewritten. So before openpyxl loads the package, the cell data
(``<sheetData>``) of every big sheet is replaced by a *probe row* — one empty
cell per cell style the sheet uses — and after openpyxl has saved, the
original cell data is put back into each sheet the refresh did not rewrite,
with its style numbers mapped through the probe row onto openpyxl's new style
table. Shared strings the original cells point to are carried over from the
original shared-string part (openpyxl itself writes inline strings only) --
only those strings: the part is rebuilt without the strings no kept cell
refers to any more (text of rewritten output sheets, or of customers the purge
removed), and the kept cells are renumbered.
Everything outside ``<sheetData>`` (tables, column widths, validation,
conditional formats, panes) goes through openpyxl as usual.
"""

from __future__ import annotations

import io
import math
import numbers
import posixpath
import re
import time
import zipfile
from xml.sax.saxutils import escape as xml_escape
from defusedxml import ElementTree as ET  # no entity expansion, no external entities
from dataclasses import dataclass

from klant_xl.sheet_guard import column_letters, refuse_huge_part, sheet_parts

__all__ = [
    "StubbedSheet",
    "compact_shared_strings",
    "make_stubs",
    "shared_string_cells",
    "shared_string_items",
    "shared_strings_part",
    "sheet_parts",
    "splice_back",
]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

#: The style attribute of a cell or row tag (not text that looks like one inside a cell's inline string).
_STYLE_RE = re.compile(rb'(<(?:c|row)\b[^>]*? s=")(\d+)"')
_ANY_STYLE_RE = re.compile(rb' s="(\d+)"')
_CELL_STYLE_RE = re.compile(rb'<c r="[A-Z]{1,3}[0-9]+" s="')
_ROW_STYLE_RE = re.compile(rb'<row r="[0-9]+"[^>]*? s="')
#: A cell with its attributes and its value (shared-string cells hold no formula).
_CELL_VALUE_RE = re.compile(rb"<c\b([^>]*)>\s*<v>(\d+)</v>")
_SHARED_TYPE_RE = re.compile(rb'\bt="s"')
_SST_ITEM_RE = re.compile(rb"<si\b[^>]*/>|<si\b.*?</si>", re.S)
_DIMENSION_RE = re.compile(rb"<dimension\b[^>]*/>")


def shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.findall(f"{{{PKG_REL_NS}}}Relationship"):
        if rel.get("Type") == SST_TYPE:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def _sheet_data_span(xml: bytes) -> tuple[int, int] | None:
    start = xml.find(b"<sheetData")
    if start < 0:
        return None
    close = xml.find(b">", start)
    if xml[close - 1:close] == b"/":
        return start, close + 1
    end = xml.find(b"</sheetData>", close)
    if end < 0:
        return None
    return start, end + len(b"</sheetData>")


@dataclass
class StubbedSheet:
    """A sheet whose cell data was kept aside while openpyxl handled the rest of the package."""

    name: str
    sheet_data: bytes
    dimension: bytes | None
    styles: list[int]


def make_stubs(data: bytes, candidates, min_bytes: int,
               file_name: str = "de werkmap") -> tuple[bytes, dict[str, StubbedSheet], bytes | None]:
    """Replace the cell data of the big candidate sheets by probe rows.

    Returns the package to load with openpyxl, the stubbed sheets by name, and
    the original shared-string part (None when the package has none). A part that
    unpacks to more than :data:`klant_xl.sheet_guard.MAX_PART_BYTES` is refused
    before it is read (``file_name`` names the file in the message).
    """
    stubs: dict[str, StubbedSheet] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = sheet_parts(archive)
        sst_part = shared_strings_part(archive)
        sst = archive.read(sst_part) if sst_part and sst_part in archive.namelist() else None
        replaced = {}
        for name in candidates:
            part = parts.get(name)
            if part is None or part not in archive.namelist() or archive.getinfo(part).file_size < min_bytes:
                continue
            refuse_huge_part(archive.getinfo(part), name, file_name)
            xml = archive.read(part)
            span = _sheet_data_span(xml)
            if span is None:
                continue
            sheet_data = xml[span[0]:span[1]]
            # style 0 is the default and stays 0; openpyxl would not write an unstyled empty probe cell
            styles = sorted(_style_numbers(sheet_data) - {0})
            probe = b"".join(b'<c r="%s1" s="%d"/>' % (column_letters(i + 1).encode(), s) for i, s in enumerate(styles))
            stub_data = b'<sheetData><row r="1">' + probe + b"</row></sheetData>" if styles else b"<sheetData/>"
            dimension = _DIMENSION_RE.search(xml)
            stubs[name] = StubbedSheet(name, sheet_data, dimension.group(0) if dimension else None, styles)
            replaced[part] = xml[:span[0]] + stub_data + xml[span[1]:]
        if not stubs:
            return data, {}, sst
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as light:
            for info in archive.infolist():
                light.writestr(info.filename, replaced.get(info.filename) or archive.read(info.filename))
    return out.getvalue(), stubs, sst


def _probe_mapping(new_sheet_data: bytes, styles: list[int]) -> dict[int, int]:
    mapping = {0: 0}
    for column, style in re.findall(rb'<c r="([A-Z]+)1"(?:\s+s="(\d+)")?', new_sheet_data):
        index = 0
        for ch in column.decode():
            index = index * 26 + ord(ch) - 64
        if 1 <= index <= len(styles):
            mapping[styles[index - 1]] = int(style) if style else 0
    return mapping


def shared_string_items(sst: bytes) -> list[bytes]:
    """The ``<si>`` items of a shared-string part, in order (index = the number cells refer to)."""
    return _SST_ITEM_RE.findall(sst)


def shared_string_cells(xml: bytes):
    """Matches of the cells of a sheet part that refer to a shared string (group 2: the index)."""
    for match in _CELL_VALUE_RE.finditer(xml):
        if _SHARED_TYPE_RE.search(match.group(1)):
            yield match


def compact_shared_strings(contents: dict, sheet_parts_kept: list[str], sst: bytes) -> bytes:
    """The shared-string part holding only the strings the kept sheets refer to.

    ``contents`` maps part names to bytes; the kept sheet parts in it are
    renumbered in place when strings are dropped. Unreferenced strings -- also
    the text of customers a purge removed -- never reach the saved file.
    """
    items = shared_string_items(sst)
    used: set[int] = set()
    for part in sheet_parts_kept:
        used.update(int(m.group(2)) for m in shared_string_cells(contents[part]))
    if any(i >= len(items) for i in used):
        raise RuntimeError("a cell refers to a shared string the package does not have")
    order = sorted(used)
    if len(order) != len(items):
        new_index = {old: new for new, old in enumerate(order)}

        def renumber(match):
            if not _SHARED_TYPE_RE.search(match.group(1)):
                return match.group(0)
            return b"<c%s><v>%d</v>" % (match.group(1), new_index[int(match.group(2))])

        for part in sheet_parts_kept:
            contents[part] = _CELL_VALUE_RE.sub(renumber, contents[part])
    head_end = sst.find(b">", sst.find(b"<sst")) + 1
    head = sst[:head_end]
    head = re.sub(rb'\s(?:count|uniqueCount)="\d+"', b"", head)
    head = head[:-1].rstrip(b"/") + b' count="%d" uniqueCount="%d">' % (len(order), len(order))
    return head + b"".join(items[i] for i in order) + b"</sst>"


def _style_numbers(data: bytes) -> set[int]:
    """The style numbers cells and rows of this sheet data use.

    A quick scan for ``s="N"`` anywhere finds them all (and perhaps text that looks like one);
    each number found is then confirmed in a tag, where it is usually found near the start.

    >>> sorted(_style_numbers(b'<row r="1" s="4"><c r="A1" s="2" t="inlineStr"><is><t>s="9"</t></is></c></row>'))
    [2, 4]
    """
    candidates = {int(number) for number in _ANY_STYLE_RE.findall(data)}
    return {number for number in candidates
            if re.search(rb'<(?:c|row)\b[^>]*? s="%d"' % number, data) is not None}


def _restyle(data: bytes, mapping: dict[int, int]) -> bytes:
    """Cell data with each cell's and row's style number ``old`` replaced by ``mapping[old]``.

    >>> _restyle(b'<row r="2" s="1"><c r="A2" s="1" t="inlineStr"><is><t>x s="1"</t></is></c></row>', {1: 4})
    b'<row r="2" s="4"><c r="A2" s="4" t="inlineStr"><is><t>x s="1"</t></is></c></row>'
    """
    if all(old == new for old, new in mapping.items()):
        return data
    numbers = {b"%d" % old: b'%d"' % new for old, new in mapping.items()}

    def replace(match):
        return match.group(1) + numbers[match.group(2)]

    # When every s=" of the data is a cell's (as openpyxl, Excel and LibreOffice write them: r, then s)
    # or a row's style, each number is replaced as plain bytes, through a marker byte XML cannot hold
    # (\x01), so that 5 -> 7 and 7 -> 2 do not chain.
    in_tags = _CELL_STYLE_RE.subn(b"", data)[1] + _ROW_STYLE_RE.subn(b"", data)[1]  # counted in C
    if in_tags == data.count(b' s="') and b"\x01" not in data:
        for old, new in mapping.items():
            if old != new:
                data = data.replace(b' s="%d"' % old, b' s="\x01%d"' % new)
        return data.replace(b' s="\x01', b' s="')
    return _STYLE_RE.sub(replace, data)


#: Parts at least this big are compressed at zlib level 1: a sheet of a million rows is hundreds of
#: megabytes of XML, and level 6 (the default) takes three times as long for a file a fifth smaller.
FAST_COMPRESSION_BYTES = 8_000_000


def splice_back(path, stubs: dict[str, StubbedSheet], keep: set[str], sst: bytes | None, edit=None) -> None:
    """Put the original cell data of the stubbed sheets in ``keep`` back into the saved package ``path``.

    ``edit(contents, parts)``, when given, changes the other parts in the same pass (the package is
    rewritten once): ``contents`` maps part names to bytes, ``parts`` sheet names to part names.
    """
    if not any(name in keep for name in stubs) and edit is None:
        return
    with zipfile.ZipFile(path) as archive:
        parts = sheet_parts(archive)
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    contents = {info.filename: data for info, data in entries}
    if edit is not None:
        edit(contents, parts)
    needs_sst = False
    pieces: dict[str, tuple] = {}  # part -> (head, kept cell data, style mapping, tail)
    for name, stub in stubs.items():
        if name not in keep or name not in parts:
            continue
        part = parts[name]
        xml = contents[part]
        span = _sheet_data_span(xml)
        mapping = _probe_mapping(xml[span[0]:span[1]], stub.styles)
        if stub.styles and len(mapping) == 1:
            raise RuntimeError(f"probe row of sheet {name!r} not found after saving")
        # openpyxl omits an empty probe cell whose style equals the default one (LibreOffice writes such
        # duplicates of style 0): that style is the default in the saved file too
        mapping.update({style: 0 for style in stub.styles if style not in mapping})
        head, tail = xml[:span[0]], xml[span[1]:]
        if stub.dimension is not None:
            head = _DIMENSION_RE.sub(lambda m: stub.dimension, head, count=1)
        if b't="s"' in stub.sheet_data:
            # shared strings (a file Excel or LibreOffice saved): compact_shared_strings renumbers them in
            # the whole part, below
            contents[part] = head + _restyle(stub.sheet_data, mapping) + tail
            needs_sst = True
        else:  # written piece by piece, restyled per piece: no copy of the whole sheet in memory
            pieces[part] = (head, stub.sheet_data, mapping, tail)
    if needs_sst:
        if sst is None:
            raise RuntimeError("shared strings are referenced but the original package has none")
        if "xl/sharedStrings.xml" in contents:
            raise RuntimeError("the saved package has its own shared strings")
        kept_parts = [parts[name] for name in stubs if name in keep and name in parts]
        sst = compact_shared_strings(contents, kept_parts, sst)
        contents["xl/sharedStrings.xml"] = sst
        entries.append((zipfile.ZipInfo("xl/sharedStrings.xml"), sst))
        rels = contents["xl/_rels/workbook.xml.rels"].decode("utf-8")
        rels = rels.replace("</Relationships>", f'<Relationship Id="rIdKlantXlSst" Type="{SST_TYPE}" '
                                                 'Target="sharedStrings.xml"/></Relationships>')
        contents["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
        types = contents["[Content_Types].xml"].decode("utf-8")
        if "/xl/sharedStrings.xml" not in types:
            types = types.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" '
                                              f'ContentType="{SST_CONTENT_TYPE}"/></Types>')
        contents["[Content_Types].xml"] = types.encode("utf-8")
    names = [info.filename for info, _ in entries]
    entries.clear()  # the parts stay in contents only
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            if name in pieces:
                head, data, mapping, tail = pieces.pop(name)
                size = len(head) + len(data) + len(tail)
                parts_of = _pieces(head, data, mapping, tail)
            else:
                parts_of, size = [contents[name]], len(contents[name])
            info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # as ZipFile.writestr sets it
            if size >= FAST_COMPRESSION_BYTES:
                info._compresslevel = 1  # noqa: SLF001 - ZipInfo's level (public as compress_level from 3.13)
            with archive.open(info, "w", force_zip64=size > zipfile.ZIP64_LIMIT // 2) as target:
                for piece in parts_of:
                    target.write(piece)
            contents.pop(name, None)


def _pieces(head: bytes, data: bytes, mapping: dict, tail: bytes):
    """A kept sheet's part: what openpyxl saved around its cells, the cells restyled piece by piece."""
    yield head
    for chunk in _chunks(data):
        yield _restyle(chunk, mapping)
    yield tail


def _chunks(data: bytes, size: int = 1 << 24):
    """``data`` in pieces of about ``size`` bytes, each ending after a ``</row>`` (no tag is cut)."""
    start = 0
    while start < len(data):
        end = data.find(b"</row>", start + size)
        end = len(data) if end < 0 else end + len(b"</row>")
        yield data[start:end]
        start = end


def _result_xml(value) -> tuple[str, str] | None:
    """(type attribute, ``<v>`` text) of a formula's cached result; None for a value not to store (NaN)."""
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, numbers.Real):
        number = float(value)
        return ("", repr(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)) \
            if math.isfinite(number) else None
    if isinstance(value, str):
        return ' t="str"', xml_escape(value)
    return None


def insert_formula_results(contents: dict, parts: dict, results: dict) -> None:
    """Store each formula's result in the saved package (openpyxl writes formulas with an empty ``<v />``).

    ``results``: sheet title -> {cell: value}. Excel calculates the formulas again on opening; a viewer
    that does not calculate (a preview, pandas, Power Query) shows these values instead of blanks.
    """
    for title, cells in results.items():
        part = parts.get(title)
        if part is None or part not in contents:
            continue
        xml = contents[part].decode("utf-8")

        def filled(match):
            stored = _result_xml(cells[match.group(1)])
            if stored is None:
                return match.group(0)
            kind, text = stored
            return f'<c r="{match.group(1)}"{match.group(2)}{kind}><f>{match.group(3)}</f><v>{text}</v></c>'

        wanted = "|".join(re.escape(cell) for cell in cells)
        pattern = re.compile(rf'<c r="({wanted})"((?: s="[0-9]+")?)><f>((?:(?!</f>).)*)</f><v ?/></c>', re.S)
        contents[part] = pattern.sub(filled, xml).encode("utf-8")

