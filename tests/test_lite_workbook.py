"""The Lite workbook: the template's sheets plus xlwings Lite's parts, stored as Lite stores them (SPEC §12).

What a workbook saved by Lite looks like is described in tests/data/lite/README.md.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from klant_xl.cli import main as cli
from klant_xl.errors import WerkmapFout
from klant_xl.excel import lite_workbook
from klant_xl.excel.lite_workbook import (
    decode_property,
    encode_property,
    read_lite_properties,
    requirements_text,
)
from klant_xl.excel.share import KNOWN_FUNCTIONS
from klant_xl.excel.template import SHEET_ORDER
from tests.lite_helpers import lite_workbook as built_lite_workbook

ROOT = Path(__file__).resolve().parent.parent
MAIN_PY = ROOT / "klant_xl" / "lite" / "main.py"
WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return built_lite_workbook(tmp_path_factory)


@pytest.fixture(scope="module")
def parts(workbook):
    with zipfile.ZipFile(workbook) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_lite_parts_are_in_the_package(parts):
    for name in ("xl/webextensions/webextension1.xml", "xl/webextensions/taskpanes.xml",
                 "xl/webextensions/_rels/taskpanes.xml.rels"):
        ET.fromstring(parts[name])  # well-formed
    rels = parts["_rels/.rels"].decode()
    assert re.search(r'Type="http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes" '
                     r'Target="xl/webextensions/taskpanes.xml"', rels)
    assert len(set(re.findall(r'Id="([^"]+)"', rels))) == len(re.findall(r"<Relationship\b", rels))
    types = parts["[Content_Types].xml"].decode()
    assert '<Override PartName="/xl/webextensions/webextension1.xml" ContentType="application/vnd.ms-office.webextension+xml"/>' in types
    assert ('<Override PartName="/xl/webextensions/taskpanes.xml" '
            'ContentType="application/vnd.ms-office.webextensiontaskpanes+xml"/>') in types
    taskpane_rels = parts["xl/webextensions/_rels/taskpanes.xml.rels"].decode()
    assert 'Type="http://schemas.microsoft.com/office/2011/relationships/webextension" Target="webextension1.xml"' in taskpane_rels
    taskpanes = ET.fromstring(parts["xl/webextensions/taskpanes.xml"])
    pane = taskpanes[0]
    assert pane.get("visibility") == "1" and pane.get("dockstate") == "right"
    assert "xl/vbaProject.bin" not in parts  # an .xlsx: no macros


def test_webextension_references_the_xlwings_lite_add_in(parts):
    root = ET.fromstring(parts["xl/webextensions/webextension1.xml"])
    reference = root.find(f"{WE}reference")
    assert reference.get("id").upper() == "WA200008175" and reference.get("storeType") == "OMEX"
    alternate = root.find(f"{WE}alternateReferences/{WE}reference")
    assert (alternate.get("id"), alternate.get("store"), alternate.get("storeType")) == ("WA200008175", "WA200008175", "OMEX")
    names = [p.get("name") for p in root.find(f"{WE}properties")]
    assert names == ["main.py", "pyodideVersion", "addinVersion", "requirements.txt"]
    assert root.find(f".//{WE}containsCustomFunctions") is not None


def test_properties_carry_main_py_requirements_and_versions(workbook, parts):
    properties = read_lite_properties(workbook)
    assert properties["main.py"] == MAIN_PY.read_text(encoding="utf-8")
    assert properties["requirements.txt"] == requirements_text()
    assert properties["pyodideVersion"] == "0.27.5"
    assert properties["addinVersion"] == "1.0.0.0-18"
    raw = parts["xl/webextensions/webextension1.xml"].decode()
    # as Lite writes them: JSON strings, XML-escaped, every "/" as "\/"
    assert '<we:property name="pyodideVersion" value="&quot;0.27.5&quot;"/>' in raw
    assert '<we:property name="addinVersion" value="&quot;1.0.0.0-18&quot;"/>' in raw
    value = re.search(r'name="requirements.txt" value="([^"]*)"', raw).group(1)
    assert value.startswith("&quot;xlwings==0.37.8  # required\\npython-dotenv==1.0.1  # required\\n")
    main_value = re.search(r'name="main.py" value="([^"]*)"', raw).group(1)
    assert "/" not in main_value.replace("\\/", "")


def test_main_py_imports_the_udfs_and_copies_none():
    tree = ast.parse(MAIN_PY.read_text(encoding="utf-8"))
    imported = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "klant_xl.udfs"
                for alias in node.names}
    assert imported == set(KNOWN_FUNCTIONS)
    defined = [node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    assert defined == ["vernieuw_analyse"]
    lite_decorators = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "xlwings"
                       for alias in node.names}
    assert lite_decorators == {"func", "arg", "ret", "script"}


@given(st.text())
def test_property_encoding_round_trips(text):
    encoded = encode_property(text)
    assert decode_property(encoded) == text
    assert '"' not in encoded and "<" not in encoded and ">" not in encoded
    assert "/" not in encoded.replace("\\/", "")


def test_property_encoding_keeps_non_ascii_like_lite():
    assert encode_property("één → <b> & 'x'") == "&quot;één → &lt;b&gt; &amp; 'x'&quot;"


def test_sheets_are_the_template_sheets_and_uitleg_explains_lite(workbook):
    wb = load_workbook(workbook)
    assert wb.sheetnames == list(SHEET_ORDER)
    text = "\n".join(str(c.value) for row in wb["Uitleg"].iter_rows() for c in row if c.value)
    for phrase in ("xlwings Lite", "WA200008175", "Invoegtoepassingen", "gratis", "De eerste keer",
                   "Pyodide 0.27.5", "vernieuw_analyse", "Mac", "web", "zonder Python"):
        assert phrase in text, phrase
    assert "Run main" not in text  # the desktop route does not apply here
    assert wb["Klanten"].tables["Klanten"].ref.startswith("A4:")
    projectie = wb["Projectie"]
    assert any(isinstance(c.value, str) and c.value.startswith("=") for row in projectie.iter_rows() for c in row)


def test_add_lite_parts_twice_keeps_one_set(workbook, tmp_path):
    again = lite_workbook.add_lite_parts(workbook, tmp_path / "nogmaals.xlsx", lite_workbook.lite_properties("klant-xl"))
    with zipfile.ZipFile(again) as archive:
        names = archive.namelist()
        rels = archive.read("_rels/.rels").decode()
        types = archive.read("[Content_Types].xml").decode()
    assert len(names) == len(set(names))
    assert rels.count("webextensiontaskpanes") == 1
    assert types.count("/xl/webextensions/webextension1.xml") == 1
    assert read_lite_properties(again)["requirements.txt"].splitlines()[-1] == "klant-xl"


def test_lite_workbook_must_be_xlsx(tmp_path):
    with pytest.raises(WerkmapFout, match=r"\.xlsx"):
        lite_workbook.build_lite_workbook(tmp_path / "x.xlsm")
    assert list(tmp_path.iterdir()) == []


def test_deel_lite_makes_a_lite_copy_of_the_template(tmp_path):
    out = tmp_path / "voor-adviseur.xlsx"
    assert cli(["deel", str(ROOT / "workbook" / "klantanalyse.xlsm"), "-o", str(out), "--lite",
                "--pakket", "https://example.org/klant_xl-0.1.0-py3-none-any.whl"]) == 0
    properties = read_lite_properties(out)
    assert properties["main.py"] == MAIN_PY.read_text(encoding="utf-8")
    assert properties["requirements.txt"].splitlines()[-1] == "https://example.org/klant_xl-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(out) as archive:
        assert "xl/vbaProject.bin" not in archive.namelist()
    assert [p.name for p in tmp_path.iterdir()] == ["voor-adviseur.xlsx"]  # no scratch files left
