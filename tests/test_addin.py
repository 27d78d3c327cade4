"""The ribbon add-in klant_xl.xlam: Dutch tab and button wired to the VBA callback that runs klant_xl.main()."""

from __future__ import annotations

import re
import warnings
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xlwings

from klant_xl.errors import WerkmapFout
from klant_xl.excel.addin import build_addin, install_addin
from tests.excel_helpers import ole_streams

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook" / "klant_xl.xlam"
SOURCE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
NS = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}


@pytest.fixture(scope="module")
def addin(tmp_path_factory):
    return build_addin(tmp_path_factory.mktemp("addin") / "klant_xl.xlam")


@pytest.fixture(scope="module")
def vba_modules(addin):
    with warnings.catch_warnings():  # oletools uses deprecated pyparsing names at import
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser
    parser = VBA_Parser(str(addin))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _ui(path):
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read("customUI/customUI.xml"))


def test_custom_ui_is_well_formed_with_a_dutch_tab_and_button(addin):
    root = _ui(addin)
    tabs = root.findall(".//ui:tab", NS)
    buttons = root.findall(".//ui:button", NS)
    assert [t.get("label") for t in tabs] == ["Klantanalyse"]
    assert len(buttons) == 1
    button = buttons[0]
    assert button.get("label") == "Vernieuw analyse"
    assert button.get("screentip") == "Vernieuw analyse"
    assert "Transacties" in button.get("supertip") and "bewaard" in button.get("supertip")
    assert button.get("imageMso") == "RefreshAll"
    assert button.get("size") == "large"


def test_ribbon_relationship_points_at_the_custom_ui(addin):
    with zipfile.ZipFile(addin) as z:
        rels = z.read("_rels/.rels").decode()
    assert re.search(r'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"\s+'
                     r'Target="customUI/customUI.xml"', rels)


def test_on_action_names_a_callback_that_exists(addin, vba_modules):
    action = _ui(addin).find(".//ui:button", NS).get("onAction")
    module, sub = action.split(".")
    assert module == "RibbonMyAddin"
    code = vba_modules[f"{module}.bas"]
    assert re.search(rf"^Sub {sub}\(control As IRibbonControl\)", code, flags=re.MULTILINE)
    # RunMain imports the module named after the add-in file and calls its main()
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code
    assert "Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name" in code


def test_file_name_makes_run_main_import_klant_xl(addin):
    assert addin.name == "klant_xl.xlam"
    module = addin.name.rsplit(".", 1)[0]
    assert module == "klant_xl"
    import klant_xl.excel.refresh

    assert callable(klant_xl.excel.refresh.main)


def test_other_names_are_refused(tmp_path):
    with pytest.raises(WerkmapFout, match="klant_xl.xlam"):
        build_addin(tmp_path / "klantanalyse.xlam")


def test_vba_project_as_shipped_except_its_own_project_name(addin, vba_modules):
    """The only VBA change: the project name the config is kept under ('myaddin' is shared by every
    add-in made from xlwings' template); Excel compiles the source (no compiled code shipped)."""
    with zipfile.ZipFile(addin) as a, zipfile.ZipFile(SOURCE) as s:
        changed = [n for n in s.namelist() if a.read(n) != s.read(n)]
        built, shipped = ole_streams(a.read("xl/vbaProject.bin")), ole_streams(s.read("xl/vbaProject.bin"))
    assert sorted(changed) == ["customUI/customUI.xml", "xl/vbaProject.bin"]
    assert sorted(built) == sorted(shipped)
    assert [name for name in built if built[name] != shipped[name]] == ["VBA/xlwings"]
    assert built["VBA/_VBA_PROJECT"] == bytes.fromhex("cc61ffff000100")  # version 0xFFFF: compiled from source

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser
    parser = VBA_Parser("xlwings.xlam", data=SOURCE.read_bytes())
    try:
        original = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    code = vba_modules["xlwings.bas"]
    diff = [(a, b) for a, b in zip(original["xlwings.bas"].splitlines(), code.splitlines()) if a != b]
    assert diff == [('Public Const PROJECT_NAME As String = "myaddin"',
                     'Public Const PROJECT_NAME As String = "klant_xl"')]
    assert len(code.splitlines()) == len(original["xlwings.bas"].splitlines())
    assert {n: c for n, c in vba_modules.items() if n != "xlwings.bas"} == \
        {n: c for n, c in original.items() if n != "xlwings.bas"}
    # its config file and sheet: %USERPROFILE%\.klant_xl\klant_xl.conf, sheet 'klant_xl.conf'
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in code
    version = re.search(r'Public Const XLWINGS_VERSION As String = "([^"]+)"', code).group(1)
    assert version == xlwings.__version__
    assert f"xlwings64-{xlwings.__version__}.dll" in code


def test_committed_addin_matches_builder(addin):
    assert COMMITTED.exists(), "workbook/klant_xl.xlam ontbreekt: bouw hem met klant_xl.excel.addin.build_addin()"
    with zipfile.ZipFile(COMMITTED) as a, zipfile.ZipFile(addin) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        assert all(a.read(n) == b.read(n) for n in a.namelist())


def test_install_into_a_startup_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TEMP", str(tmp_path))
    target = install_addin(startup_dir=tmp_path / "XLSTART")
    assert target == tmp_path / "XLSTART" / "klant_xl.xlam"
    with zipfile.ZipFile(target) as z:
        assert b"Vernieuw analyse" in z.read("customUI/customUI.xml")
    config = (tmp_path / "home" / ".klant_xl" / "klant_xl.conf").read_text(encoding="cp1252")
    assert config.startswith('"INTERPRETER_WIN","')
