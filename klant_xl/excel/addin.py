"""The ribbon add-in ``klant_xl.xlam``: a tab "Klantanalyse" with the button "Vernieuw analyse".

Built from ``quickstart_addin_ribbon.xlam`` of the installed xlwings package:
its ribbon callback ``RibbonMyAddin.RunMain`` runs ``import <add-in file
name>; <name>.main()``, so a copy named ``klant_xl.xlam`` runs
:func:`klant_xl.main`, which refreshes the active workbook. Only the XML parts
are edited (with :mod:`zipfile`; openpyxl refuses ``.xlam``). The VBA project
stays as xlwings ships it, so its version string and DLL names match the
installed xlwings, except for one constant: the project name under which the
VBA keeps its config (``myaddin`` in xlwings' template, shared by every add-in
made from it) becomes ``klant_xl`` (see :mod:`klant_xl.excel.vba_project`).
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from klant_xl.errors import WerkmapFout
from klant_xl.excel.files import atomic_write
from klant_xl.excel.vba_project import replace_in_module

__all__ = [
    "ADDIN_NAME",
    "ADDIN_PATH",
    "BUTTON_LABEL",
    "CALLBACK",
    "TAB_LABEL",
    "addin_config_path",
    "addin_settings",
    "ansi_encoding",
    "build_addin",
    "conda_settings",
    "custom_ui_xml",
    "install_addin",
    "source_addin_path",
    "write_addin_config",
]

#: The file name decides the module RunMain imports: klant_xl.xlam -> ``import klant_xl; klant_xl.main()``.
ADDIN_NAME = "klant_xl.xlam"
ADDIN_PATH = Path("workbook") / ADDIN_NAME
CALLBACK = "RibbonMyAddin.RunMain"
TAB_LABEL = "Klantanalyse"
GROUP_LABEL = "Analyse"
BUTTON_LABEL = "Vernieuw analyse"
SCREENTIP = "Vernieuw analyse"
SUPERTIP = ("Leest Transacties, Contactmomenten en Instellingen van de actieve werkmap opnieuw en herschrijft "
            "Klanten, Segmenten, Winback, Projectie en Overzicht. Wat je zelf in Winback of in eigen kolommen "
            "typt, blijft bewaard.")
ICON = "RefreshAll"
#: The project name the add-in's VBA keeps its config under: ``%USERPROFILE%\\.klant_xl\\klant_xl.conf``
#: (macOS: ``klant_xl.conf`` in Excel's container), or a sheet ``klant_xl.conf`` in the workbook.
VBA_PROJECT_NAME = "klant_xl"
#: The constant in xlwings' ``xlwings`` VBA module that names the project (as xlwings ships it).
TEMPLATE_PROJECT_NAME = "myaddin"
VBA_MODULE = "xlwings"


def _project_constant(name: str) -> str:
    return f'Public Const PROJECT_NAME As String = "{name}"'


def _vba_project(shipped: bytes) -> bytes:
    """xlwings' vbaProject.bin with klant_xl's project name."""
    return replace_in_module(shipped, VBA_MODULE, _project_constant(TEMPLATE_PROJECT_NAME),
                             _project_constant(VBA_PROJECT_NAME))


def source_addin_path() -> Path:
    """``quickstart_addin_ribbon.xlam`` of the installed xlwings package."""
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


def custom_ui_xml() -> str:
    """The ribbon definition: one tab, one group, one large button with a Dutch screentip."""
    return (
        '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">\n'
        "  <ribbon>\n"
        "    <tabs>\n"
        f'      <tab id="klantxlTab" label={quoteattr(TAB_LABEL)}>\n'
        f'        <group id="klantxlGroup" label={quoteattr(GROUP_LABEL)}>\n'
        f'          <button id="vernieuwAnalyse" label={quoteattr(BUTTON_LABEL)} size="large" '
        f'onAction={quoteattr(CALLBACK)} imageMso={quoteattr(ICON)} screentip={quoteattr(SCREENTIP)} '
        f"supertip={quoteattr(SUPERTIP)} />\n"
        "        </group>\n"
        "      </tab>\n"
        "    </tabs>\n"
        "  </ribbon>\n"
        "</customUI>\n"
    )


def _write_addin(target: Path) -> None:
    source = source_addin_path()
    if not source.exists():
        raise WerkmapFout(f"De xlwings-invoegtoepassing '{source.name}' ontbreekt; installeer xlwings opnieuw.")
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "customUI/customUI.xml":
                data = custom_ui_xml().encode("utf-8")
            elif info.filename == "xl/vbaProject.bin":
                data = _vba_project(data)
            info_out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            info_out.compress_type = zipfile.ZIP_DEFLATED
            info_out.external_attr = info.external_attr
            out.writestr(info_out, data)


def build_addin(path=ADDIN_PATH) -> Path:
    """Write ``klant_xl.xlam`` (atomically). The file name must stay ``klant_xl.xlam``."""
    path = Path(path)
    if path.name != ADDIN_NAME:
        raise WerkmapFout(f"De invoegtoepassing moet '{ADDIN_NAME}' heten (de knop start het gelijknamige "
                          f"Python-pakket), niet '{path.name}'.")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, _write_addin)
    return path


def addin_config_path(platform=None, home=None) -> Path:
    """The add-in's config file, where its VBA (``GetConfigFilePath``) looks: on Windows
    ``%USERPROFILE%\\.klant_xl\\klant_xl.conf``, on macOS in Excel's sandbox folder."""
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else Path(home)
    if platform == "darwin":
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{VBA_PROJECT_NAME}.conf"
    return home / f".{VBA_PROJECT_NAME}" / f"{VBA_PROJECT_NAME}.conf"


def ansi_encoding() -> str:
    """The encoding the add-in's VBA reads its config file in: ``Input #`` reads bytes in the ANSI
    code page of Windows (cp1252 on a Dutch or English Windows); elsewhere cp1252."""
    if sys.platform.startswith("win"):
        import ctypes

        return f"cp{ctypes.windll.kernel32.GetACP()}"
    return "cp1252"


def conda_settings(prefix=None, environ=None) -> dict:
    """``CONDA PATH`` and ``CONDA ENV`` for the add-in when this Python runs from a Conda environment
    (the VBA activates it before starting Python; without them a Conda Python fails to load its DLLs).
    Empty for any other Python."""
    prefix = Path(sys.prefix if prefix is None else prefix)
    environ = os.environ if environ is None else environ
    if not (prefix / "conda-meta").is_dir():
        return {}
    if prefix.parent.name == "envs":
        base, name = prefix.parent.parent, prefix.name
    elif (prefix / "condabin").is_dir() or not environ.get("CONDA_EXE"):
        base, name = prefix, "base"
    else:
        base, name = Path(environ["CONDA_EXE"]).parents[1], environ.get("CONDA_DEFAULT_ENV") or prefix.name
    return {"CONDA PATH": str(base), "CONDA ENV": name}


def addin_settings(executable=None, platform=None, prefix=None, environ=None) -> dict:
    """What ``klant-xl addin`` writes in the add-in's config: this Python (and its Conda settings)."""
    platform = sys.platform if platform is None else platform
    key = "INTERPRETER_MAC" if platform == "darwin" else "INTERPRETER_WIN"
    return {key: str(sys.executable if executable is None else executable), **conda_settings(prefix, environ)}


def write_addin_config(values: dict, path=None, encoding: str | None = None) -> Path:
    """Set ``"KEY","VALUE"`` lines in the add-in's config file, keeping the other lines.

    The file is written in the encoding the VBA reads (:func:`ansi_encoding`), so a path such as
    ``C:\\Users\\Daniël`` arrives intact; a path that code page cannot hold is refused with a Dutch
    message instead of being written garbled.
    """
    path = addin_config_path() if path is None else Path(path)
    encoding = ansi_encoding() if encoding is None else encoding
    keys = {key.upper() for key in values}
    lines = []
    if path.exists():
        lines = [line for line in path.read_bytes().decode(encoding, errors="replace").splitlines()
                 if line.split(",", 1)[0].strip().strip('"').upper() not in keys]
    lines += [f'"{key}","{value}"' for key, value in values.items()]
    text = "\r\n".join(lines) + "\r\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = text[exc.start:exc.end]
        raise WerkmapFout(
            f"Het pad bevat een teken ({bad!r}) dat Excel's VBA niet kan lezen (codepagina {encoding}). Installeer "
            "Python in een map zonder zulke tekens, bijvoorbeeld C:\\Python, en voer 'klant-xl addin' opnieuw uit."
        ) from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
    return path


def install_addin(startup_dir=None) -> Path:
    """``klant-xl addin``: install the add-in in Excel's startup folder (as ``xlwings addin install --file``).

    Also writes the add-in's config file with this Python interpreter (and, for a Conda Python, its
    Conda path and environment), in the ANSI code page the VBA reads, so the button runs the Python
    that has klant_xl installed. ``startup_dir`` overrides Excel's startup folder (otherwise asked
    from Excel, which needs Windows or macOS).
    """
    if startup_dir is None:
        if not (sys.platform.startswith("win") or sys.platform == "darwin"):
            raise WerkmapFout("De invoegtoepassing installeren kan alleen op Windows of macOS met Excel. "
                              "Zonder Excel: gebruik 'klant-xl vernieuw WERKMAP'.")
        from xlwings.cli import get_addin_dir

        startup_dir = get_addin_dir()
    startup_dir = Path(startup_dir)
    startup_dir.mkdir(parents=True, exist_ok=True)
    target = startup_dir / ADDIN_NAME
    built = build_addin(Path(os.environ.get("TEMP", "/tmp")) / f"klant_xl_build_{os.getpid()}" / ADDIN_NAME)
    try:
        shutil.copyfile(built, target)
    except PermissionError as exc:
        raise WerkmapFout(f"Kan '{target}' niet schrijven: sluit Excel en probeer het opnieuw.") from exc
    finally:
        shutil.rmtree(built.parent, ignore_errors=True)
    write_addin_config(addin_settings())
    return target
