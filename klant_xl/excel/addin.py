"""The ribbon add-in ``klant_xl.xlam``: a tab "Klantanalyse" with the button "Vernieuw analyse".

Built from ``quickstart_addin_ribbon.xlam`` of the installed xlwings package:
its ribbon callback ``RibbonMyAddin.RunMain`` runs ``import <add-in file
name>; <name>.main()``, so a copy named ``klant_xl.xlam`` runs
:func:`klant_xl.main`, which refreshes the active workbook. Only the XML parts
are edited (with :mod:`zipfile`; openpyxl refuses ``.xlam``); the VBA project
stays as xlwings ships it, so its version string and DLL names match the
installed xlwings.
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

__all__ = [
    "ADDIN_NAME",
    "ADDIN_PATH",
    "BUTTON_LABEL",
    "CALLBACK",
    "TAB_LABEL",
    "build_addin",
    "custom_ui_xml",
    "install_addin",
    "source_addin_path",
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
#: The project name the add-in's VBA uses for its config (``%USERPROFILE%\\.myaddin\\myaddin.conf``).
VBA_PROJECT_NAME = "myaddin"


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


def _config_file() -> Path:
    return Path.home() / f".{VBA_PROJECT_NAME}" / f"{VBA_PROJECT_NAME}.conf"


def install_addin(startup_dir=None) -> Path:
    """``klant-xl addin``: install the add-in in Excel's startup folder (as ``xlwings addin install --file``).

    Also writes the add-in's config file with this Python interpreter, so the
    button runs the Python that has klant_xl installed. ``startup_dir``
    overrides Excel's startup folder (otherwise asked from Excel, which needs
    Windows or macOS).
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
    config = _config_file()
    config.parent.mkdir(parents=True, exist_ok=True)
    key = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
    lines = [line for line in (config.read_text(encoding="utf-8").splitlines() if config.exists() else [])
             if not line.upper().startswith(f'"{key}"')]
    lines.append(f'"{key}","{sys.executable}"')
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
