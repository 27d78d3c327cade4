"""klant-xl opschonen (SPEC §3 Bewaartermijn) on small workbooks built here with openpyxl.

Peildatum 24-11-2026, bewaartermijn 7 jaar -> last activity before 24-11-2019 is too old.
Thresholds fixed at 180 / 365 days. By hand:

- anna@oud.nl   last purchase 2018-06-10                      -> purge
- bert@oud.nl   purchase 2019-01-05, contact 2019-06-01       -> purge
- 1001          purchase 2016-05-05 (a number in the sheet)   -> purge
- carla@grens.nl purchase 2019-11-24: exactly 7 years         -> keep
- dirk@recent.nl purchase 2017-01-01, contact 2021-03-03      -> keep (contact is activity)
- eva@actief.nl active, fien@inactief.nl inactive            -> keep
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.table import Table

from klant_xl.errors import WerkmapFout
from klant_xl.excel.purge import LOG_COLUMNS, purge_workbook
from klant_xl.settings import DEFAULTS

TODAY = dt.date(2026, 11, 24)
SETTINGS = DEFAULTS.with_(inactive_days=180, lost_days=365)
PURGED = {"anna@oud.nl", "bert@oud.nl", "1001"}
KEPT = {"carla@grens.nl", "dirk@recent.nl", "eva@actief.nl", "fien@inactief.nl"}
PERSONAL_BITS = ("anna", "bert", "1001", "06-12345678", "Kerkstraat")

TRANSACTIONS = [
    ("eva@actief.nl", dt.datetime(2026, 3, 1), 45.0, "sneakers"),
    ("anna@oud.nl", dt.datetime(2015, 3, 1), 120.0, "laarzen"),
    ("carla@grens.nl", dt.datetime(2019, 11, 24), 60.0, "sandalen"),
    ("anna@oud.nl", dt.datetime(2018, 6, 10), 80.0, "pumps"),
    (1001, dt.datetime(2016, 5, 5), 35.5, "veters"),
    ("dirk@recent.nl", dt.datetime(2017, 1, 1), 99.0, "laarzen"),
    ("bert@oud.nl", dt.datetime(2019, 1, 5), 70.0, "sneakers"),
    ("eva@actief.nl", dt.datetime(2026, 10, 1), 55.0, "sokken"),
    ("fien@inactief.nl", dt.datetime(2026, 4, 1), 25.0, "sokken"),
]
CONTACTS = [
    ("bert@oud.nl", dt.datetime(2019, 6, 1), "e-mail geopend"),
    ("dirk@recent.nl", dt.datetime(2021, 3, 3), "klantenservice"),
    ("eva@actief.nl", dt.datetime(2026, 10, 5), "website-bezoek"),
]


def _table(ws, name, top, headers, rows, left=1):
    for j, header in enumerate(headers):
        ws.cell(top, left + j, header)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            ws.cell(top + i, left + j, value)
    first = ws.cell(top, left).coordinate
    last = ws.cell(top + max(len(rows), 1), left + len(headers) - 1).coordinate
    ws.add_table(Table(displayName=name, ref=f"{first}:{last}"))


def make_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Transacties"
    _table(ws, "Transacties", 1, ["Klant", "Datum", "Bedrag", "Product"], TRANSACTIONS)
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "DD-MM-YYYY"
    contacts = wb.create_sheet("Contactmomenten")  # a plain range, no table
    contacts.append(["Klant", "Datum", "Soort"])
    for row in CONTACTS:
        contacts.append(list(row))

    customers = wb.create_sheet("Klanten")
    customers["A1"] = "Klanten (peildatum 24-11-2026)"
    _table(customers, "Klanten", 4, ["Klant", "Status", "Laatste activiteit", "E-mail", "Verwijderen"], [
        ("1001", "Verloren", dt.datetime(2016, 5, 5), None, "JA"),
        ("anna@oud.nl", "Verloren", dt.datetime(2018, 6, 10), "anna@oud.nl", "JA"),
        ("bert@oud.nl", "Verloren", dt.datetime(2019, 6, 1), "bert@oud.nl", "JA"),
        ("carla@grens.nl", "Verloren", dt.datetime(2019, 11, 24), "carla@grens.nl", "NEE"),
        ("dirk@recent.nl", "Verloren", dt.datetime(2021, 3, 3), "dirk@recent.nl", "NEE"),
        ("eva@actief.nl", "Actief", dt.datetime(2026, 10, 5), "eva@actief.nl", "NEE"),
        ("fien@inactief.nl", "Inactief", dt.datetime(2026, 4, 1), "fien@inactief.nl", "NEE"),
    ])

    segments = wb.create_sheet("Segmenten")
    _table(segments, "Seg_Status", 2, ["Status", "Klanten"], [("Actief", 1), ("Inactief", 1), ("Verloren", 5)])
    _table(segments, "RFM", 8, ["Klant", "R", "F", "M", "Segment"], [
        ("anna@oud.nl", 1, 2, 4, "Verloren"),
        ("eva@actief.nl", 5, 2, 3, "Potentieel loyaal"),
        (1001, 1, 1, 1, "Verloren"),
        ("fien@inactief.nl", 2, 1, 1, "Slapend"),
    ])
    _table(segments, "Portfolio", 15, ["Product", "Klanten"], [("laarzen", 2), ("sneakers", 2)])
    segments["H8"] = "Naast de tabel"  # a block beside RFM must not move

    winback = wb.create_sheet("Winback")
    winback["A1"] = "Winback: inactieve klanten om te benaderen"
    _table(winback, "Winback", 4, ["Klant", "Laatste activiteit", "Benaderd op", "Kanaal", "Reden", "Resultaat",
                                   "Notitie"], [
        ("fien@inactief.nl", dt.datetime(2026, 4, 1), dt.datetime(2026, 11, 1), "telefoon", "vergeten", None,
         "Belt na de vakantie"),
        ("anna@oud.nl", dt.datetime(2018, 6, 10), dt.datetime(2019, 1, 1), "bezoek", "situatie veranderd",
         "verhuisd", "Anna, Kerkstraat 1, 06-12345678"),
    ])

    store = wb.create_sheet("_bewaard")
    store.sheet_state = "veryHidden"
    store.append(["Tabel", "Klant", "Kolom", "Waarde"])
    store.append(["Winback", "anna@oud.nl", "Notitie", "Anna, Kerkstraat 1, 06-12345678"])
    store.append(["Winback", "fien@inactief.nl", "Notitie", "Belt na de vakantie"])
    store.append(["Winback", "1001", "Kanaal", "telefoon"])
    store.append(["Winback", "anna@oud.nl", "Reden", "situatie veranderd"])

    settings = wb.create_sheet("Instellingen")
    settings["A1"], settings["B1"] = "Klant", "niet doorzoeken"  # skipped sheet
    wb.save(path)
    return path


def values(ws, min_row=1, max_row=None, min_col=1, max_col=None):
    return [list(r) for r in ws.iter_rows(min_row=min_row, max_row=max_row or ws.max_row, min_col=min_col,
                                          max_col=max_col or ws.max_column, values_only=True)]


def keep_rows(rows, column=0):
    return [r for r in rows if str(r[column]) not in PURGED]


def all_cell_texts(path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if value is not None:
                    yield ws.title, str(value)


@pytest.fixture
def workbook(tmp_path):
    return make_workbook(tmp_path / "klanten.xlsx")


def run(path, answer=True, mode="verwijderen", **kwargs):
    shown = []

    def confirm(message):
        shown.append(message)
        return answer

    kwargs.setdefault("reference_date", TODAY)
    result = purge_workbook(path, 7, mode, confirm=confirm, today=TODAY, settings=SETTINGS, **kwargs)
    return result, shown


def test_purge_removes_exactly_the_flagged_customers_everywhere(workbook):
    before = load_workbook(workbook)
    original = workbook.read_bytes()
    result, shown = run(workbook)
    assert result.written and result.customers == 3
    assert result.rows == {"Transacties": 4, "Contactmomenten": 1, "Klanten": 3, "Segmenten": 2, "Winback": 1,
                           "_bewaard": 3}
    after = load_workbook(workbook)

    # inputs: the other customers' rows unchanged and in order; the table shrinks
    t_before, t_after = before["Transacties"], after["Transacties"]
    assert values(t_after) == [values(t_before)[0]] + keep_rows(values(t_before)[1:])
    assert len(values(t_after)) == 1 + 5
    assert t_after.tables["Transacties"].ref == "A1:D6"
    assert t_after["B2"].number_format == "DD-MM-YYYY"
    assert values(after["Contactmomenten"]) == [values(before["Contactmomenten"])[0]] + keep_rows(
        values(before["Contactmomenten"])[1:])

    # output sheets: title rows stay, tables shrink, neighbours do not move
    k_after = after["Klanten"]
    assert k_after["A1"].value == "Klanten (peildatum 24-11-2026)"
    assert values(k_after, 5, 8, 1, 5) == keep_rows(values(before["Klanten"], 5, 11, 1, 5))
    assert values(k_after, 9, 11, 1, 5) == [[None] * 5] * 3
    assert k_after.tables["Klanten"].ref == "A4:E8"
    s_after = after["Segmenten"]
    assert values(s_after, 9, 10, 1, 5) == [["eva@actief.nl", 5, 2, 3, "Potentieel loyaal"],
                                            ["fien@inactief.nl", 2, 1, 1, "Slapend"]]
    assert s_after.tables["RFM"].ref == "A8:E10"
    assert values(s_after, 15, 17, 1, 2) == values(before["Segmenten"], 15, 17, 1, 2)
    assert values(s_after, 2, 5, 1, 2) == values(before["Segmenten"], 2, 5, 1, 2)
    assert s_after["H8"].value == "Naast de tabel"
    w_after = after["Winback"]
    assert values(w_after, 5, 6, 1, 7) == [values(before["Winback"], 5, 5, 1, 7)[0], [None] * 7]
    assert w_after.tables["Winback"].ref == "A4:G5"
    store = after["_bewaard"]
    assert store.sheet_state == "veryHidden"
    assert values(store) == [["Tabel", "Klant", "Kolom", "Waarde"],
                             ["Winback", "fien@inactief.nl", "Notitie", "Belt na de vakantie"]]
    assert values(after["Instellingen"]) == [["Klant", "niet doorzoeken"]]

    # the message shown before asking
    assert len(shown) == 1
    message = shown[0]
    assert "3 klanten zijn verloren met de laatste activiteit vóór 24-11-2019" in message
    assert "Transacties: 4 regels" in message and "_bewaard (verborgen blad): 3 regels" in message
    assert "1001, anna@oud.nl, bert@oud.nl" in message
    assert "klanten (backup voor opschonen 2026-11-24).xlsx" in message

    # the backup is the complete original, and the user is told to delete it
    backup = workbook.with_name("klanten (backup voor opschonen 2026-11-24).xlsx")
    assert result.backup == backup
    assert backup.read_bytes() == original
    assert "verwijder daarna de reservekopie" in result.message


def test_purge_log_holds_counts_and_pseudonyms_not_personal_data(workbook):
    result, _ = run(workbook)
    log = load_workbook(workbook)["Opschoonlog"]
    rows = values(log)
    assert tuple(rows[0]) == LOG_COLUMNS
    assert len(rows) == 4
    pseudonyms = [r[3] for r in rows[1:]]
    assert all(re.fullmatch(r"KLANT-[0-9A-F]{8}", p) for p in pseudonyms)
    assert sorted(pseudonyms) == list(result.pseudonyms)
    assert {r[0].date() for r in rows[1:]} == {TODAY}
    assert {r[1] for r in rows[1:]} == {"verwijderen"} and {r[2] for r in rows[1:]} == {7}
    # per customer: (Transacties, Contactmomenten, other sheets); sums match the sheets
    counts = sorted(tuple(r[4:7]) for r in rows[1:])
    # anna: Klanten, Segmenten, Winback, 2x _bewaard; bert: Klanten; 1001: Klanten, Segmenten, _bewaard
    assert counts == sorted([(2, 0, 5), (1, 1, 1), (1, 0, 3)])
    # no purged id or personal detail anywhere in the workbook, nor in its XML
    texts = list(all_cell_texts(workbook))
    for bit in PERSONAL_BITS:
        assert not [t for t in texts if bit in t[1]], bit
    with zipfile.ZipFile(workbook) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist())
    for bit in ("anna@oud.nl", "bert@oud.nl", "06-12345678", "Kerkstraat"):
        assert bit.encode() not in xml
    # the purged customers are gone: a second run has nothing to do
    result2, _ = run(workbook)
    assert not result2.written and "niet gewijzigd" in result2.message


def test_purge_not_confirmed_changes_nothing(workbook):
    original = workbook.read_bytes()
    result, shown = run(workbook, answer=False)
    assert not result.written and result.customers == 3 and len(shown) == 1
    assert "afgebroken" in result.message
    assert workbook.read_bytes() == original
    assert sorted(p.name for p in workbook.parent.iterdir()) == ["klanten.xlsx"]
    result = purge_workbook(workbook, 7, today=TODAY, settings=SETTINGS, reference_date=TODAY)  # no confirm
    assert not result.written and workbook.read_bytes() == original


def test_purge_nothing_to_do(workbook):
    original = workbook.read_bytes()
    result = purge_workbook(workbook, 20, confirm=lambda m: pytest.fail("must not ask"), today=TODAY,
                            settings=SETTINGS, reference_date=TODAY)
    assert not result.written and result.customers == 0
    assert "geen klanten die langer dan 20 jaar verloren zijn" in result.message
    assert workbook.read_bytes() == original


def test_purge_peildatum_of_the_workbook_by_default(workbook):
    # no peildatum given: the last date in the data (eva's contact on 05-10-2026), as the Klanten sheet uses;
    # the default thresholds are derived, too few gaps here -> the analysis falls back to 180 / 365 days
    shown = []
    result = purge_workbook(workbook, 7, confirm=lambda m: shown.append(m) or False, today=TODAY)
    assert "peildatum 05-10-2026" in shown[0] and "vóór 05-10-2019" in shown[0]
    assert result.customers == 3 and not result.written


def test_purge_refuses_workbook_open_in_excel(workbook):
    original = workbook.read_bytes()
    (workbook.parent / "~$klanten.xlsx").write_bytes(b"lock")
    with pytest.raises(WerkmapFout, match="geopend in Excel"):
        run(workbook)
    assert workbook.read_bytes() == original


def test_purge_pseudonymise(workbook):
    before = load_workbook(workbook)
    result, shown = run(workbook, mode="pseudonimiseren", salt="vast")
    assert result.written and "GEPSEUDONIMISEERD" in shown[0]
    after = load_workbook(workbook)
    log = values(after["Opschoonlog"])[1:]
    assert {r[1] for r in log} == {"pseudonimiseren"}
    names = {r[3] for r in log}
    # every row stays; purged ids become pseudonyms, consistently on every sheet
    t_before, t_after = values(before["Transacties"])[1:], values(after["Transacties"])[1:]
    assert len(t_after) == len(t_before)
    mapping = {}
    for old, new in zip(t_before, t_after):
        if str(old[0]) in PURGED:
            assert new[0] in names and new[1:] == old[1:]
            assert mapping.setdefault(str(old[0]), new[0]) == new[0]
        else:
            assert new == old
    assert set(mapping.values()) == names and len(names) == 3
    k_after = values(after["Klanten"], 5, 11, 1, 5)
    for row in k_after:
        if row[0] in names:
            assert row[3] is None  # E-mail wiped
    assert [r[0] for r in k_after] == [mapping.get(str(r[0]), r[0]) for r in values(before["Klanten"], 5, 11, 1, 5)]
    winback = values(after["Winback"], 5, 6, 1, 7)
    assert winback[0][6] == "Belt na de vakantie"
    assert winback[1][0] == mapping["anna@oud.nl"] and winback[1][6] is None and winback[1][4] == "situatie veranderd"
    store = values(after["_bewaard"])[1:]
    assert store == [["Winback", mapping["anna@oud.nl"], "Notitie", None],
                     ["Winback", "fien@inactief.nl", "Notitie", "Belt na de vakantie"],
                     ["Winback", mapping["1001"], "Kanaal", "telefoon"],
                     ["Winback", mapping["anna@oud.nl"], "Reden", "situatie veranderd"]]
    texts = list(all_cell_texts(workbook))
    for bit in PERSONAL_BITS:
        assert not [t for t in texts if bit in t[1]], bit
    # pseudonymised customers are done: a second run has nothing to do
    again = purge_workbook(workbook, 7, "pseudonimiseren", confirm=lambda m: True, today=TODAY, settings=SETTINGS,
                           reference_date=TODAY)
    assert not again.written


def test_purge_backup_name_is_numbered_when_taken(workbook):
    taken = workbook.with_name("klanten (backup voor opschonen 2026-11-24).xlsx")
    taken.write_bytes(b"ouder")
    result, _ = run(workbook)
    assert result.backup.name == "klanten (backup voor opschonen 2026-11-24) (2).xlsx"
    assert taken.read_bytes() == b"ouder"


@pytest.mark.parametrize("mode", ["wissen", ""])
def test_purge_bad_mode(workbook, mode):
    with pytest.raises(Exception, match="kies verwijderen of pseudonimiseren"):
        run(workbook, mode=mode)


def test_cli_opschonen(workbook, monkeypatch, capsys):
    from klant_xl import cli
    from klant_xl.excel import purge

    class FixedDate(dt.date):
        @classmethod
        def today(cls):
            return TODAY

    monkeypatch.setattr(purge, "date", FixedDate)
    original = workbook.read_bytes()
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli.main(["opschonen", str(workbook), "--bewaartermijn", "7", "--peildatum", "24-11-2026"]) == 0
    out = capsys.readouterr().out
    assert "Ze worden overal VERWIJDERD" in out and "afgebroken" in out
    assert workbook.read_bytes() == original
    assert cli.main(["opschonen", str(workbook), "--bewaartermijn", "7", "--ja", "--peildatum", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "Klaar: 3 klanten verwijderd" in out and "verwijder daarna de reservekopie" in out
    assert workbook.with_name("klanten (backup voor opschonen 2026-11-24).xlsx").read_bytes() == original
    with pytest.raises(SystemExit) as stop:
        cli.main(["opschonen", str(workbook), "--bewaartermijn", "zeven", "--ja"])
    assert stop.value.code == 2


def test_klant_xl_cli_has_opschonen(workbook, monkeypatch, capsys):
    from klant_xl import cli
    from klant_xl.excel import purge

    class FixedDate(dt.date):
        @classmethod
        def today(cls):
            return TODAY

    monkeypatch.setattr(purge, "date", FixedDate)
    assert cli.main(["opschonen", str(workbook), "--bewaartermijn", "7", "--pseudonimiseren", "--ja",
                     "--peildatum", "2026-11-24"]) == 0
    assert "Klaar: 3 klanten gepseudonimiseerd" in capsys.readouterr().out
    (workbook.parent / "~$klanten.xlsx").write_bytes(b"lock")
    assert cli.main(["opschonen", str(workbook), "--bewaartermijn", "7", "--ja"]) == 1
    assert "geopend in Excel" in capsys.readouterr().err


def test_purge_failed_save_leaves_the_file_and_no_backup(workbook, monkeypatch):
    from klant_xl.excel.offline import OfflineWorkbook

    def broken_save(self, target=None):
        raise WerkmapFout("schijf vol")

    monkeypatch.setattr(OfflineWorkbook, "save", broken_save)
    original = workbook.read_bytes()
    with pytest.raises(WerkmapFout, match="schijf vol"):
        run(workbook)
    assert workbook.read_bytes() == original
    assert sorted(p.name for p in workbook.parent.iterdir()) == ["klanten.xlsx"]
