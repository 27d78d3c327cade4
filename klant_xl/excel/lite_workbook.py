"""The Lite workbook (SPEC §12): the template with xlwings Lite's parts, so it runs without Python.

xlwings Lite is a free Office add-in (store id ``WA200008175``) that runs Python
through Pyodide inside Excel on Windows, macOS and the web. A workbook carries
its Lite code in ``xl/webextensions/webextension1.xml`` as ``we:property``
entries: ``main.py``, ``requirements.txt``, ``pyodideVersion`` and
``addinVersion``. Each value is stored the way Lite stores it (compared with
workbooks saved by Lite, see ``tests/data/lite/README.md``): the text as a JSON
string with every ``/`` written ``\\/`` and non-ASCII characters kept, then
escaped for an XML attribute. The task pane part (``taskpanes.xml``) makes
Excel start the add-in when the workbook opens.

openpyxl drops these parts (SPEC §10), so they are added with :mod:`zipfile`
to the saved file: :func:`add_lite_parts`. :func:`build_lite_workbook` is
``klant-xl sjabloon --lite``, :func:`lite_share_copy` is ``klant-xl deel --lite``.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import uuid
import zipfile
from pathlib import Path

from klant_xl.errors import WerkmapFout
from klant_xl.excel.files import atomic_write
from klant_xl.excel.template import GLOSSARY, USAGE_STEPS
from klant_xl import __version__
from klant_xl.lite import main_source
from klant_xl.excel.template import build_workbook
from klant_xl.settings import DEFAULTS
from klant_xl.sample import sample_contacts, sample_transactions
from klant_xl.excel.files import refuse_existing
from klant_xl.excel.share import share_copy

__all__ = [
    "ADDIN_VERSION",
    "LITE_EXPLANATION",
    "LITE_PARTS",
    "PYODIDE_VERSION",
    "STORE_ID",
    "add_lite_parts",
    "build_lite_workbook",
    "decode_property",
    "encode_property",
    "lite_properties",
    "lite_share_copy",
    "read_lite_properties",
    "requirements_text",
]

#: xlwings Lite in Microsoft's add-in store (AppSource / OMEX).
STORE_ID = "WA200008175"
#: Store locale of the primary reference (Excel resolves the add-in by its id in any store).
STORE_LOCALE = "en-US"
#: The Pyodide version Lite runs; requirements are checked against its package list (tests/data/lite).
PYODIDE_VERSION = "0.27.5"
#: The add-in version Lite writes beside Pyodide 0.27.5 (as found in workbooks saved by Lite).
ADDIN_VERSION = "1.0.0.0-18"
#: Fixed id of klant_xl's web extension part (a generated workbook is reproducible).
EXTENSION_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/klant-xl/lite")).upper() + "}"

WEBEXTENSION_PART = "xl/webextensions/webextension1.xml"
TASKPANES_PART = "xl/webextensions/taskpanes.xml"
TASKPANES_RELS_PART = "xl/webextensions/_rels/taskpanes.xml.rels"
#: The parts this module adds to a workbook.
LITE_PARTS = (WEBEXTENSION_PART, TASKPANES_PART, TASKPANES_RELS_PART)

_TASKPANES_REL_TYPE = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
_WEBEXTENSION_REL_TYPE = "http://schemas.microsoft.com/office/2011/relationships/webextension"
_CONTENT_TYPES = {
    "/" + TASKPANES_PART: "application/vnd.ms-office.webextensiontaskpanes+xml",
    "/" + WEBEXTENSION_PART: "application/vnd.ms-office.webextension+xml",
}

#: requirements.txt: Lite's own required packages (pure-Python wheels), then what Pyodide ships
#: (not pinned: their version is Pyodide's), then klant-xl itself (a pure-Python wheel).
LITE_REQUIREMENTS = (
    "xlwings==0.37.8  # required",
    "python-dotenv==1.0.1  # required",
    "pyodide-http  # required",
    "black  # required",
    "numpy",
    "pandas",
    "scipy",
)

_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def requirements_text(package: str | None = None) -> str:
    """``requirements.txt`` for Lite; ``package`` is how Lite finds klant-xl (default: PyPI, this version).

    ``package`` may be any requirement micropip understands, e.g. the URL of a
    ``klant_xl-…-py3-none-any.whl`` on a server that allows CORS.
    """

    return "\n".join([*LITE_REQUIREMENTS, package or f"klant-xl=={__version__}"])


def encode_property(text: str) -> str:
    r"""A ``we:property`` value as Lite writes it: a JSON string (``/`` as ``\/``), XML-escaped.

    >>> encode_property('print("a/b")\n')
    '&quot;print(\\&quot;a\\/b\\&quot;)\\n&quot;'
    """
    encoded = json.dumps(text, ensure_ascii=False).replace("/", "\\/")
    return (encoded.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def decode_property(value: str) -> str:
    """The text of a ``we:property`` value as it appears in the XML (inverse of :func:`encode_property`)."""
    return json.loads(html.unescape(value))


def lite_properties(package: str | None = None) -> dict[str, str]:
    """The four ``we:property`` entries of a klant_xl Lite workbook, in Lite's order."""

    return {
        "main.py": main_source(),
        "pyodideVersion": PYODIDE_VERSION,
        "addinVersion": ADDIN_VERSION,
        "requirements.txt": requirements_text(package),
    }


def _webextension_xml(properties: dict[str, str]) -> str:
    props = "".join(f'<we:property name="{name}" value="{encode_property(text)}"/>'
                    for name, text in properties.items())
    drawing = "http://schemas.openxmlformats.org/drawingml/2006/main"
    return (
        _XML_DECL
        + '<we:webextension xmlns:we="http://schemas.microsoft.com/office/webextensions/webextension/2010/11" '
        f'id="{EXTENSION_ID}">'
        f'<we:reference id="{STORE_ID.lower()}" version="1.0.0.0" store="{STORE_LOCALE}" storeType="OMEX"/>'
        f'<we:alternateReferences><we:reference id="{STORE_ID}" version="1.0.0.0" store="{STORE_ID}" '
        'storeType="OMEX"/></we:alternateReferences>'
        f"<we:properties>{props}</we:properties><we:bindings/>"
        '<we:snapshot xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
        f'<we:extLst><a:ext xmlns:a="{drawing}" uri="{{D87F86FE-615C-45B5-9D79-34F1136793EB}}">'
        f'<we:containsCustomFunctions/></a:ext><a:ext xmlns:a="{drawing}" '
        'uri="{7C84B067-C214-45C3-A712-C9D94CD141B2}"><we:customFunctionIdList/></a:ext></we:extLst>'
        "</we:webextension>"
    )


def _taskpanes_xml() -> str:
    # visibility="1": the task pane opens with the workbook, so Lite starts and registers the functions.
    return (
        _XML_DECL
        + '<wetp:taskpanes xmlns:wetp="http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11">'
        '<wetp:taskpane dockstate="right" visibility="1" width="438" row="1">'
        '<wetp:webextensionref xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'r:id="rId1"/></wetp:taskpane></wetp:taskpanes>'
    )


def _taskpanes_rels() -> str:
    return (
        _XML_DECL
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_WEBEXTENSION_REL_TYPE}" Target="webextension1.xml"/>'
        "</Relationships>"
    )


def _with_root_relationship(rels: str) -> str:
    rels = re.sub(r'<Relationship\b[^>]*Type="' + re.escape(_TASKPANES_REL_TYPE) + r'"[^>]*/>', "", rels)
    ids = set(re.findall(r'Id="([^"]+)"', rels))
    number = 1
    while f"rId{number}" in ids:
        number += 1
    rel = f'<Relationship Id="rId{number}" Type="{_TASKPANES_REL_TYPE}" Target="{TASKPANES_PART}"/>'
    return rels.replace("</Relationships>", rel + "</Relationships>")


def _with_content_types(types: str) -> str:
    for part, content_type in _CONTENT_TYPES.items():
        types = re.sub(r'<Override\b[^>]*PartName="' + re.escape(part) + r'"[^>]*/>', "", types)
        types = types.replace("</Types>", f'<Override PartName="{part}" ContentType="{content_type}"/></Types>')
    return types


def add_lite_parts(source, target, properties: dict[str, str]) -> Path:
    """Copy the workbook ``source`` to ``target`` with the xlwings Lite parts carrying ``properties``.

    Existing Lite parts are replaced; every other part is copied unchanged.
    """
    target = Path(target)
    with zipfile.ZipFile(source) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()
                   if info.filename not in LITE_PARTS]
    added = {
        WEBEXTENSION_PART: _webextension_xml(properties),
        TASKPANES_PART: _taskpanes_xml(),
        TASKPANES_RELS_PART: _taskpanes_rels(),
    }
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename == "_rels/.rels":
                data = _with_root_relationship(data.decode("utf-8")).encode("utf-8")
            elif info.filename == "[Content_Types].xml":
                data = _with_content_types(data.decode("utf-8")).encode("utf-8")
            out.writestr(info, data)
        for name, text in added.items():
            out.writestr(name, text.encode("utf-8"))
    return target


def read_lite_properties(path) -> dict[str, str]:
    """The decoded ``we:property`` entries of a workbook's xlwings Lite part ({} when it has none)."""
    with zipfile.ZipFile(path) as archive:
        if WEBEXTENSION_PART not in archive.namelist():
            return {}
        xml = archive.read(WEBEXTENSION_PART).decode("utf-8")
    return {name: decode_property(value)
            for name, value in re.findall(r'<we:property name="([^"]+)" value="([^"]*)"', xml)}


def _scratch(path: Path) -> Path:
    """A temporary file name beside ``path`` (same folder, same suffix)."""
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent or ".")
    os.close(handle)
    return Path(name)


def _finish(built: Path, path: Path, package: str | None) -> Path:
    try:
        atomic_write(path, lambda tmp: add_lite_parts(built, tmp, lite_properties(package)))
    finally:
        built.unlink(missing_ok=True)
    return path


#: The Uitleg sheet of the Lite workbook: how to install the free add-in and what happens on first open.
LITE_EXPLANATION = [
    ("Klantanalyse met klant_xl — Lite-editie (zonder Python)", "title"),
    ("Hoe groot is je klantenbestand echt? Wie is actief, wie haakt af, wie ben je kwijt — en wat betekent dat "
     "over een paar jaar? Deze werkmap werkt in Excel voor Windows, Excel voor Mac en Excel op het web.", "note"),
    (None, None),
    ("Eenmalig: de gratis invoegtoepassing xlwings Lite installeren", "subtitle"),
    ("1. Open in Excel het lint Start (of Invoegen) en klik op Invoegtoepassingen (Add-ins).", None),
    ("2. Zoek 'xlwings Lite' en klik op Toevoegen. De invoegtoepassing is gratis, ook voor zakelijk gebruik "
     f"(winkel-id {STORE_ID}). Je hoeft geen Python te installeren.", None),
    (None, None),
    ("Wat er gebeurt als je deze werkmap opent", "subtitle"),
    ("Rechts opent het taakvenster van xlwings Lite. Vraagt Excel of je de invoegtoepassing wilt vertrouwen of "
     "starten, kies dan Toestaan.", None),
    (f"De eerste keer laadt xlwings Lite Python (Pyodide {PYODIDE_VERSION}) en installeert het de pakketten uit "
     "requirements.txt (numpy, pandas, scipy en klant-xl). Dat duurt ongeveer een minuut; daarna gaat het sneller. "
     "Tot die tijd tonen cellen met klant_xl-functies #BUSY! of #NAAM?.", None),
    ("Je gegevens blijven op je eigen computer: Python draait in Excel zelf. Alleen de pakketten worden van "
     "internet gehaald.", None),
    (None, None),
    *USAGE_STEPS,
    ("4. Klik in het taakvenster van xlwings Lite op de knop 'vernieuw_analyse'. Dat doet hetzelfde als "
     "'Vernieuw analyse' in de versie met Python.", None),
    ("5. Lees Overzicht, Klanten, Segmenten, Winback en Projectie.", None),
    ("De Excel-functies typ je zoals altijd, bijv. =CHURN_PROJECTIE(1000; 40%; 30%; 10; 60%) of "
     "=KLANTSTATUS_TABEL(Transacties[Klant]; Transacties[Datum]; Transacties[Bedrag]); een tabel loopt vanzelf "
     "over de cellen eronder. Het blad Formules toont elke functie met een voorbeeld.", None),
    ("Zonder de invoegtoepassing werkt alles behalve vernieuwen en de klant_xl-functies: het blad Projectie rekent "
     "met gewone Excel-formules.", None),
    (None, None),
    ("Wat blijft bewaard", "subtitle"),
    ("Vernieuwen verandert nooit Transacties, Contactmomenten of Instellingen. Wat je typt in de Winback-kolommen "
     "'Benaderd op' t/m 'Notitie' en eigen kolommen die je aan de tabel Klanten of Winback toevoegt, blijven "
     "per klant bewaard — ook als een klant tijdelijk uit de lijst valt. Sla de werkmap daarna op zoals altijd.",
     None),
    (None, None),
    *GLOSSARY,
]


def _require_xlsx(path: Path) -> None:
    if path.suffix.lower() != ".xlsx":
        raise WerkmapFout(f"Een Lite-werkmap is een .xlsx-bestand (zonder macro's), niet '{path.name}'.")


def build_lite_workbook(path, transactions=None, contacts=None, package: str | None = None, progress=None,
                        settings=None):
    """``klant-xl sjabloon --lite``: the template as an xlwings Lite workbook (``.xlsx``, no macros).

    Without ``transactions`` it holds the bundled sample shop; ``settings``
    fills Instellingen (default :data:`klant_xl.settings.DEFAULTS`). Returns the
    :class:`~klant_xl.excel.refresh.RefreshReport` of the first refresh.
    """

    path = Path(path)
    _require_xlsx(path)
    if transactions is None:

        transactions, contacts = sample_transactions(), sample_contacts()
    built = _scratch(path.with_suffix(".xlsx"))
    try:
        report = build_workbook(built, transactions, contacts, settings=settings or DEFAULTS, progress=progress,
                                explanation=LITE_EXPLANATION)
    except BaseException:
        built.unlink(missing_ok=True)
        raise
    _finish(built, path, package)
    return report


def lite_share_copy(path, out=None, package: str | None = None, overwrite: bool = True) -> Path:
    """``klant-xl deel --lite``: :func:`~klant_xl.excel.share.share_copy` plus the xlwings Lite parts.

    The copy opens everywhere with the values of the klant_xl formulas; with
    xlwings Lite installed its recipient can refresh it and type the functions.
    """

    path = Path(path)
    out = Path(out) if out is not None else path.with_name(f"{path.stem} (Lite).xlsx")
    _require_xlsx(out)
    refuse_existing(out, overwrite)
    built = _scratch(out)
    built.unlink()
    try:
        share_copy(path, built)
    except BaseException:
        built.unlink(missing_ok=True)
        raise
    return _finish(built, out, package)
