"""The purge really purges (issue 12): big sheets, files saved by LibreOffice, free text when pseudonymising,
and a check of the saved file before success is reported.

The expectations are computed here from the workbook's own Klanten sheet (status Verloren and last
activity before peildatum minus the retention period), never from klant_xl.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from klant_xl.errors import WerkmapFout
from klant_xl.excel.purge import purge_workbook
from klant_xl.excel.refresh import refresh_workbook

from tests.test_purge import PERSONAL_BITS, SETTINGS, TODAY, make_workbook

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook" / "klantanalyse.xlsm"


def xml_parts(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                if n.endswith((".xml", ".rels", ".vml"))}


def parts_holding(path, needles) -> dict[str, set[str]]:
    """needle -> XML parts whose text holds it as a whole word."""
    found: dict[str, set[str]] = {}
    needles = sorted(set(needles), key=len, reverse=True)
    if not needles:
        return found
    by_text = {n.lower(): n for n in needles}
    # one pass per part (478 needles one by one over megabytes of XML took minutes)
    pattern = re.compile(r"(?<![\w@.])(?:" + "|".join(re.escape(n) for n in needles) + r")(?![\w@])", re.I)
    for name, text in xml_parts(path).items():
        for match in pattern.finditer(text):
            found.setdefault(by_text[match.group(0).lower()], set()).add(name)
    return found


def expected_purge(path, years: int) -> tuple[set[str], set[str]]:
    """(purged ids, kept ids) from the Klanten sheet: Verloren with last activity before peildatum - years."""
    wb = load_workbook(path, read_only=True)
    ws = wb["Klanten"]
    rows = list(ws.iter_rows(values_only=True))
    note = next(str(r[0]) for r in rows[:4] if r[0] and "peildatum" in str(r[0]))
    day, month, year = map(int, re.search(r"peildatum (\d\d)-(\d\d)-(\d{4})", note).groups())
    cutoff = dt.datetime(year - years, month, day)
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Klant")
    header = list(rows[header_at])
    status, last = header.index("Status"), header.index("Laatste activiteit")
    purged, kept = set(), set()
    for r in rows[header_at + 1:]:
        if r[0] is None:
            continue
        (purged if r[status] == "Verloren" and r[last] < cutoff else kept).add(str(r[0]))
    wb.close()
    return purged, kept


def sheet_ids(path, sheet) -> set[str]:
    wb = load_workbook(path, read_only=True)
    ids = {str(r[0]) for r in wb[sheet].iter_rows(min_row=2, values_only=True) if r and r[0] is not None}
    wb.close()
    return ids


def purge(path, years, mode="verwijderen", **kwargs):
    return purge_workbook(path, years, mode, confirm=lambda message: True, today=TODAY, **kwargs)


def check_purged_everywhere(path, backup_bytes, purged, kept, result):
    assert result.written
    leftover = parts_holding(path, sorted(purged))
    assert not leftover, dict(list(leftover.items())[:3])
    assert not sheet_ids(path, "Transacties") & purged
    assert sheet_ids(path, "Transacties") & kept
    # the backup is the original, byte for byte
    assert result.backup.read_bytes() == backup_bytes
    # the log holds pseudonyms and counts, no id
    log = [r for r in load_workbook(path, read_only=True)["Opschoonlog"].iter_rows(values_only=True)][1:]
    assert len(log) == len(purged)
    assert not {str(v) for row in log for v in row} & purged


@pytest.mark.slow
def test_purge_of_the_shipped_template_removes_the_customers_from_the_big_sheets(tmp_path):
    path = tmp_path / "w.xlsm"
    shutil.copyfile(TEMPLATE, path)
    original = path.read_bytes()
    purged, kept = expected_purge(path, 2)
    assert len(purged) > 400  # the template has big sheets (> 2 MB): the fast path used to write them back
    result = purge(path, 2)
    assert result.customers == len(purged)
    check_purged_everywhere(path, original, purged, kept, result)
    # a refresh keeps them out (the big-sheet fast path carries the purged sheets, not the old ones)
    refresh_workbook(path)
    assert not parts_holding(path, sorted(purged))
    assert not sheet_ids(path, "Klanten") & purged


@pytest.mark.slow
def test_pseudonymising_the_shipped_template_replaces_the_ids_on_the_big_sheets(tmp_path):
    path = tmp_path / "w.xlsm"
    shutil.copyfile(TEMPLATE, path)
    purged, _kept = expected_purge(path, 2)
    before = sum(1 for _ in load_workbook(path, read_only=True)["Transacties"].iter_rows(values_only=True))
    result = purge(path, 2, "pseudonimiseren")
    assert result.written and result.customers == len(purged)
    assert not parts_holding(path, sorted(purged))
    after = load_workbook(path, read_only=True)["Transacties"]
    ids = [r[0] for r in after.iter_rows(min_row=2, values_only=True)]
    assert len(ids) + 1 == before
    assert sum(1 for i in ids if str(i).startswith("KLANT-")) > len(purged)  # every row kept, under a pseudonym


@pytest.mark.slow
@pytest.mark.soffice
def test_purge_of_a_libreoffice_saved_workbook_leaves_no_purged_string_in_any_part(tmp_path, soffice):
    source = tmp_path / "t.xlsm"
    shutil.copyfile(TEMPLATE, source)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path / "lo-out"), str(source)], check=True, capture_output=True, timeout=180)
    path = tmp_path / "lo-out" / "t.xlsx"
    assert "xl/sharedStrings.xml" in zipfile.ZipFile(path).namelist()
    original = path.read_bytes()
    purged, kept = expected_purge(path, 2)
    assert parts_holding(path, sorted(purged)[:5])  # the ids are in the shared strings before
    result = purge(path, 2)
    check_purged_everywhere(path, original, purged, kept, result)
    refresh_workbook(path)
    assert not parts_holding(path, sorted(purged))


def test_refresh_of_a_big_libreoffice_like_sheet_drops_unreferenced_shared_strings(tmp_path):
    from klant_xl.excel import splice

    sst = (b'<?xml version="1.0"?><sst xmlns="x" count="4" uniqueCount="4"><si><t>a</t></si>'
           b'<si><t>weg@oud.nl</t></si><si><t>c</t></si><si><r><t>rijk</t></r></si></sst>')
    sheet = b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2" t="s"><v>3</v></c>' \
            b'<c r="C1"><v>1</v></c></row></sheetData>'
    contents = {"s.xml": sheet}
    out = splice.compact_shared_strings(contents, ["s.xml"], sst)
    assert b"weg@oud.nl" not in out and out.count(b"<si>") == 2 and b'uniqueCount="2"' in out
    assert b'<c r="B1" s="2" t="s"><v>1</v></c>' in contents["s.xml"]
    assert b'<c r="C1"><v>1</v></c>' in contents["s.xml"]  # a number, not a string index


def test_pseudonymising_wipes_free_text_and_user_columns(tmp_path):
    path = make_workbook(tmp_path / "klanten.xlsx")
    wb = load_workbook(path)
    ws = wb["Winback"]
    ws["H4"], ws["H5"], ws["H6"] = "Mijn opmerking", "fien blijft", "Anna belde: anna.prive@mail.nl"
    ws.tables["Winback"].ref = "A4:H6"
    from openpyxl.worksheet.table import TableColumn
    ws.tables["Winback"].tableColumns.append(TableColumn(id=8, name="Mijn opmerking"))
    ws["F6"] = "verhuisd naar Kerkstraat 1, bel 06-12345678"  # Resultaat: free text
    store = wb["_bewaard"]
    store.append(["Winback", "anna@oud.nl", "Mijn opmerking", "Anna belde: anna.prive@mail.nl"])
    store.append(["Winback", "anna@oud.nl", "Resultaat", "verhuisd naar Kerkstraat 1, bel 06-12345678"])
    wb.save(path)
    result = purge_workbook(path, 7, "pseudonimiseren", confirm=lambda m: True, today=TODAY, settings=SETTINGS,
                            reference_date=TODAY)
    assert result.written
    after = load_workbook(path)
    row = [c.value for c in after["Winback"][6]][:8]
    assert row[0].startswith("KLANT-")
    assert row[1:5] == [dt.datetime(2018, 6, 10), dt.datetime(2019, 1, 1), "bezoek", "situatie veranderd"]
    assert row[5:] == [None, None, None]  # Resultaat, Notitie and the user's own column wiped
    assert [c.value for c in after["Winback"][5]][7] == "fien blijft"
    texts = " ".join(str(c.value) for ws in after.worksheets for r in ws.iter_rows() for c in r if c.value)
    for bit in (*PERSONAL_BITS, "anna.prive@mail.nl", "verhuisd"):
        assert bit not in texts, bit
    assert not parts_holding(path, ["anna.prive@mail.nl", "06-12345678", "anna@oud.nl", "Kerkstraat 1"])


def test_a_purged_value_left_in_the_saved_file_restores_the_original(tmp_path, monkeypatch):
    from klant_xl.excel import purge as purge_module

    path = make_workbook(tmp_path / "klanten.xlsx")
    original = path.read_bytes()
    real = purge_module._delete_rows
    monkeypatch.setattr(purge_module, "_delete_rows",
                        lambda block, doomed: None if block.ws.title == "Winback" else real(block, doomed))
    with pytest.raises(WerkmapFout, match="teruggezet"):
        purge_workbook(path, 7, confirm=lambda m: True, today=TODAY, settings=SETTINGS, reference_date=TODAY)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["klanten.xlsx"]
