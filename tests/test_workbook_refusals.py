"""What the offline writer would drop is refused before writing, naming it (issue 12); hostile and broken
files give a Dutch message, never a traceback or a crashed process; one error boundary in the CLI."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule

from tests.excel_helpers import shop_workbook_fixtures
from klant_xl import cli
from klant_xl.errors import WerkmapFout
from klant_xl.excel.refresh import refresh_workbook

ROOT = Path(__file__).resolve().parents[1]
D = datetime
SHOP = [["A", D(2024, 1, 1), 50.0], ["A", D(2025, 12, 1), 70.0], ["B", D(2024, 3, 1), 100.0],
        ["C", D(2015, 1, 1), 10.0], ["D", D(2025, 11, 15), 89.95]]


book_base, book = shop_workbook_fixtures(SHOP)


def sheet_part(path, name):
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(rf'Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"|Target="/?(?:xl/)?([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + (target.group(1) or target.group(2))


def patch(path, edits: dict):
    """Rewrite parts of the package: name -> new bytes, or a function of the old bytes."""
    with zipfile.ZipFile(path) as archive:
        entries = [(i.filename, archive.read(i.filename)) for i in archive.infolist()]
    names = {n for n, _ in entries}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            edit = edits.get(name)
            archive.writestr(name, edit(data) if callable(edit) else (edit if edit is not None else data))
        for name, data in edits.items():
            if name not in names:
                archive.writestr(name, data)


def run_cli(*args):
    env = {**os.environ, "COLUMNS": "400", "KLANT_XL_FOUTENLOG": str(Path(args[-1]).parent / "fouten.log")}
    return subprocess.run([sys.executable, "-m", "klant_xl.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env=env)


def refused(path, match):
    original = path.read_bytes()
    with pytest.raises(WerkmapFout, match=match):
        refresh_workbook(path)
    assert path.read_bytes() == original


# --------------------------------------------------------------------------- parts and marks openpyxl drops

def test_dynamic_array_formula_is_refused(book):
    part = sheet_part(book, "Transacties")
    patch(book, {part: lambda x: x.replace(b'<c r="A2"', b'<c cm="1" r="A2"', 1),
                 "xl/metadata.xml": b'<?xml version="1.0"?><metadata xmlns="http://schemas.openxmlformats.org/'
                                    b'spreadsheetml/2006/main"/>'})
    refused(book, r"dynamische matrixformules van Excel 365")


@pytest.mark.parametrize("ext, feature", [
    (b'<x14:sparklineGroups xmlns:xm="x"><x14:sparklineGroup/></x14:sparklineGroups>', "sparklines"),
    (b'<x14:dataValidations count="1"><x14:dataValidation/></x14:dataValidations>', r"nieuwere gegevensvalidatie \(x14\)"),
])
def test_x14_extensions_are_refused(book, ext, feature):
    part = sheet_part(book, "Instellingen")
    block = (b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
             b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">' + ext + b"</ext></extLst>")
    patch(book, {part: lambda x: x.replace(b"</worksheet>", block + b"</worksheet>")})
    refused(book, rf"{feature} \(blad 'Instellingen'\)")


def test_custom_xml_is_refused(book):
    patch(book, {"customXml/item1.xml": b"<root>eigen gegevens</root>"})
    refused(book, r"aangepaste XML-gegevens \(customXml\)")


def test_rich_text_in_a_shared_string_is_refused(book):
    part = sheet_part(book, "Transacties")
    sst = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
           b'uniqueCount="1"><si><r><rPr><b/></rPr><t>vet</t></r><r><t> gewoon</t></r></si></sst>')
    patch(book, {part: lambda x: re.sub(rb'<c r="A2"[^>]*?(/>|>.*?</c>)', b'<c r="A2" t="s"><v>0</v></c>', x, 1),
                 "xl/sharedStrings.xml": sst,
                 "xl/_rels/workbook.xml.rels": lambda x: x.replace(
                     b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/'
                     b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
                 "[Content_Types].xml": lambda x: x.replace(
                     b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                     b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')})
    with zipfile.ZipFile(book) as archive:
        assert b'<c r="A2" t="s"><v>0</v></c>' in archive.read(part)
    refused(book, r"opgemaakte tekst in een cel \(rich text\) \(blad 'Transacties'\)")


# --------------------------------------------------------------------------- what the user made on output sheets

def _user_chart(wb):
    ws = wb["Winback"]
    chart = BarChart()
    chart.title = "Mijn eigen grafiek"
    chart.add_data(Reference(ws, min_col=4, min_row=4, max_row=6))
    ws.add_chart(chart, "Z2")


def _user_format(wb):
    wb["Segmenten"].conditional_formatting.add("A1:A5", FormulaRule(formula=["A1>0"]))


def _user_comment(wb):
    wb["Klanten"]["B5"].comment = Comment("Bellen in januari", "Ik")


@pytest.mark.parametrize("edit, sheet, what", [
    (_user_chart, "Winback", "een eigen grafiek"),
    (_user_format, "Segmenten", r"eigen voorwaardelijke opmaak \(A1:A5\)"),
    (_user_comment, "Klanten", r"opmerkingen in cellen \(B5\)"),
])
def test_user_content_on_output_sheets_is_refused_not_dropped(book, edit, sheet, what):
    wb = load_workbook(book, keep_vba=True)
    edit(wb)
    wb.save(book)
    refused(book, rf"blad '{sheet}' wordt bij vernieuwen opnieuw geschreven.*{what}")


def test_klant_xl_s_own_charts_and_colour_scales_are_no_reason_to_refuse(book):
    refresh_workbook(book)
    refresh_workbook(book)


# --------------------------------------------------------------------------- hostile and broken files

@pytest.mark.parametrize("cell", ["XFD1048576", "XFD2000"])
def test_a_far_cell_is_refused_before_the_reader_allocates(book, cell):
    part = sheet_part(book, "Transacties")
    row = re.sub(r"[A-Z]", "", cell).encode()
    far = b'<row r="%s"><c r="%s" t="inlineStr"><is><t>x</t></is></c></row></sheetData>' % (row, cell.encode())
    patch(book, {part: lambda x: x.replace(b"</sheetData>", far)})
    assert book.stat().st_size < 100_000
    original = book.read_bytes()
    result = run_cli("vernieuw", book)  # a separate process: an abort would show as exit 134
    assert result.returncode == 1, result.stderr[-2000:]
    assert f"Blad 'Transacties' in 'winkel.xlsm' loopt tot cel {cell}" in result.stderr
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr
    assert book.read_bytes() == original


def test_a_declared_huge_dimension_alone_reads_fine(book):
    part = sheet_part(book, "Transacties")
    patch(book, {part: lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', x)})
    refresh_workbook(book)


BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [BOMB, XXE], ids=["entiteitenbom", "xxe"])
@pytest.mark.parametrize("where", ["Transacties", "xl/workbook.xml"])
def test_xml_entities_are_refused_with_a_dutch_message(book, prolog, where):
    part = sheet_part(book, where) if not where.startswith("xl/") else where
    patch(book, {part: lambda x: prolog + re.sub(rb"^<\?xml[^>]*\?>", b"", x)})
    original = book.read_bytes()
    result = run_cli("vernieuw", book)
    assert result.returncode == 1
    assert result.stderr.lstrip().startswith("Fout: ") and "Traceback" not in result.stderr
    assert "onverwachts" not in result.stderr
    assert "root:" not in result.stderr + result.stdout
    assert book.read_bytes() == original


def test_an_encrypted_workbook_is_named_as_such(tmp_path):
    path = tmp_path / "geheim.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le")
                     + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2000)
    with pytest.raises(WerkmapFout, match="beveiligd met een wachtwoord"):
        refresh_workbook(path)


# --------------------------------------------------------------------------- the error boundary

def test_an_unexpected_error_is_a_dutch_message_with_a_log_file(book, monkeypatch, capsys, tmp_path):
    from klant_xl.excel import refresh as refresh_module

    log = tmp_path / "fouten.log"
    monkeypatch.setenv("KLANT_XL_FOUTENLOG", str(log))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("kapot")

    monkeypatch.setattr(refresh_module, "refresh_workbook", broken)
    assert cli.main(["vernieuw", str(book)]) == 1
    err = capsys.readouterr().err
    assert "Er ging iets onverwachts mis (ZeroDivisionError: kapot)" in err and str(log) in err.replace("\n", "")
    assert "Traceback" not in err
    assert "Traceback" in log.read_text() and "ZeroDivisionError: kapot" in log.read_text()


def test_the_error_log_variable_may_name_a_folder(monkeypatch, tmp_path):
    # the README says a folder; it was taken as the file name, so no log was written at all
    from klant_xl.excel.boundary import message_for

    monkeypatch.setenv("KLANT_XL_FOUTENLOG", str(tmp_path))
    message = message_for(ZeroDivisionError("kapot"))
    log = tmp_path / "klant_xl-fouten.log"
    assert str(log) in message and "ZeroDivisionError: kapot" in log.read_text(encoding="utf-8")


def test_klant_xl_main_is_an_error_boundary_too(book, monkeypatch, tmp_path):
    import klant_xl
    from klant_xl.excel import refresh as refresh_module
    from klant_xl.excel.offline import OfflineWorkbook

    monkeypatch.setenv("KLANT_XL_FOUTENLOG", str(tmp_path / "fouten.log"))
    monkeypatch.setattr(refresh_module, "refresh", lambda port, *args, **kwargs: 1 / 0)
    port = OfflineWorkbook(book)
    shown = []
    port.alert = shown.append
    assert klant_xl.main(port) is False
    assert shown[0].startswith("Vernieuwen is mislukt. Er ging iets onverwachts mis (ZeroDivisionError")
    assert "fouten.log" in shown[0]


def test_huge_amounts_print_no_overflow_warnings(tmp_path):
    export = tmp_path / "groot.csv"
    export.write_text("Klant;Datum;Bedrag\nA;01-01-2025;1e308\nA;01-02-2025;1e308\nB;01-03-2025;1e308\n",
                      encoding="utf-8")
    result = run_cli("analyse", export)
    assert result.returncode in (0, 1)
    assert "Warning" not in result.stderr and "overflow" not in result.stderr, result.stderr


# --------------------------------------------------------------------------- property: never a traceback

def _check_cli(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code in (0, 1)
    assert "Traceback" not in captured.err + captured.out
    if code == 1:
        assert captured.err.lstrip().startswith("Fout: ")
        assert "onverwachts" not in captured.err, captured.err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=400),
    st.lists(st.lists(st.sampled_from(["A", "B", "01-01-2025", "2025-13-01", "12,50", "-3", "", '"', "\r", ";",
                                       "1e308", "#N/A", "€ 10", "9999-12-31", "x" * 30]), max_size=6),
             max_size=8).map(lambda rows: "\n".join(["Klant;Datum;Bedrag"] + [";".join(r) for r in rows])
                              .encode("utf-8")),
))
def test_random_csv_bytes_never_give_a_traceback(tmp_path, capsys, data):
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    _check_cli(["analyse", str(path)], capsys)


CELL = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                 st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)), st.booleans())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=6))
def test_random_small_workbooks_never_give_a_traceback(book_base, tmp_path_factory, capsys, rows):
    from openpyxl.utils.cell import range_boundaries

    path = tmp_path_factory.mktemp("prop") / "winkel.xlsm"
    wb = load_workbook(book_base, keep_vba=True)
    ws = next(w for w in wb.worksheets if "Transacties" in w.tables)
    table = ws.tables["Transacties"]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    for r in range(r1 + 1, r2 + 1):
        for c in range(c1, c2 + 1):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                value = "'" + value
            ws.cell(r1 + 1 + i, c1 + j).value = value
    table.ref = f"{table.ref.split(':')[0]}:{ws.cell(r1 + max(len(rows), 1), c2).coordinate}"
    wb.save(path)
    _check_cli(["vernieuw", str(path)], capsys)


def test_every_sheet_feature_pattern_has_a_needle_its_matches_contain():
    """The fast pre-search may only skip sheets the pattern cannot match."""
    import re

    from klant_xl.excel.features import SHEET_FEATURE_NEEDLES, UNSUPPORTED_IN_SHEETS

    samples = {
        "dynamische matrixformules van Excel 365": b'<c r="A1" cm="1"><f>SORT(A:A)</f></c>',
        "sparklines": b"<x14:sparklineGroups xmlns:xm='x'>",
        "nieuwere gegevensvalidatie (x14)": b"<x14:dataValidations count='1'>",
        "nieuwere voorwaardelijke opmaak (x14)": b"<x14:conditionalFormattings>",
        "opgemaakte tekst in een cel (rich text)": b"<is> <r><t>a</t></r></is>",
    }
    assert set(SHEET_FEATURE_NEEDLES) == set(UNSUPPORTED_IN_SHEETS) == set(samples)
    for feature, sample in samples.items():
        match = re.search(UNSUPPORTED_IN_SHEETS[feature], sample)
        assert match and SHEET_FEATURE_NEEDLES[feature] in match.group(0), feature
