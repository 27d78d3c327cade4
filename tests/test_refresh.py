"""The refresh: values computed by hand, inputs untouched, user input kept, failures leave the file as it was."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime

import pytest

import klant_xl.excel.refresh as refresh_module
from klant_xl.errors import WaardeFout, WerkmapFout
from klant_xl.excel.offline import OfflineWorkbook
from klant_xl.excel.refresh import main, refresh_workbook, settings_from_values
from klant_xl.excel.template import build_template
from tests.excel_helpers import (
    add_table_column,
    digest,
    find_table,
    inputs_snapshot,
    load,
    named_cell,
    set_cell_in_table,
    set_table_rows,
    table_dicts,
    table_rows,
)

D = datetime
# A small shop, peildatum 31-12-2025, inactive after 90 days, lost after 365 days:
#   A bought 01-01-2024 and 01-12-2025 (30 days ago)            -> Actief
#   B bought 01-03-2024, 01-06-2025 (213 days ago)              -> Inactief
#   C bought 01-01-2023, 05-02-2023, 10-03-2023 (1.027 days)    -> Verloren
#   D bought once on 15-11-2025 (first purchase within 90 days) -> Nieuw
#   E bought 01-02-2024, 20-09-2025 (102 days ago)              -> Inactief, more recent than B
SHOP = [
    ["A", D(2024, 1, 1), 50.0, "Sneakers", "Winkel"],
    ["A", D(2025, 12, 1), 70.0, "Sneakers", "Winkel"],
    ["B", D(2024, 3, 1), 100.0, "Tassen", "Webshop"],
    ["B", D(2025, 6, 1), 20.0, "Riemen", "Webshop"],
    ["C", D(2023, 1, 1), 10.0, "Onderhoud", "Winkel"],
    ["C", D(2023, 2, 5), 10.0, "Onderhoud", "Winkel"],
    ["C", D(2023, 3, 10), 15.5, "Onderhoud", "Winkel"],
    ["D", D(2025, 11, 15), 89.95, "Damesschoenen", "Winkel"],
    ["E", D(2024, 2, 1), 30.0, "Riemen", "Winkel"],
    ["E", D(2025, 9, 20), 45.0, "Tassen", "Winkel"],
]
EXPECTED_STATUS = {"A": "Actief", "B": "Inactief", "C": "Verloren", "D": "Nieuw", "E": "Inactief"}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "klantanalyse.xlsm"
    build_template(path)
    return path


def _edit(path, rows=None, settings=None, edit=None):
    """Change a workbook as a user would in Excel (inputs, or typing in output tables)."""
    wb = load(path)
    if rows is not None:
        ws, table = find_table(wb, "Transacties")
        set_table_rows(ws, table, rows)
    for name, value in (settings or {}).items():
        named_cell(wb, name).value = value
    if edit is not None:
        edit(wb)
    wb.save(path)


def _no_contacts(wb):
    ws, table = find_table(wb, "Contactmomenten")
    set_table_rows(ws, table, [])


@pytest.fixture(scope="module")
def shop_base(template, tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "winkel.xlsm"
    shutil.copy(template, path)
    _edit(path, rows=SHOP, settings={"peildatum": D(2025, 12, 31), "dagen_inactief": 90, "dagen_verloren": 365},
          edit=_no_contacts)
    refresh_workbook(path)
    return path


@pytest.fixture
def shop(shop_base, tmp_path):
    path = tmp_path / "winkel.xlsm"
    shutil.copy(shop_base, path)
    return path


def test_statuses_computed_by_hand(shop):
    klanten = {r["Klant"]: r for r in table_dicts(shop, "Klanten")}
    assert {k: r["Status"] for k, r in klanten.items()} == EXPECTED_STATUS
    assert klanten["C"]["Omzet"] == pytest.approx(35.5)
    assert klanten["C"]["Aankopen"] == 3
    assert klanten["B"]["Dagen sinds aankoop"] == 213
    assert klanten["A"]["Laatste aankoop"] == D(2025, 12, 1)


def test_winback_order_and_overview(shop):
    assert [r["Klant"] for r in table_dicts(shop, "Winback")] == ["E", "B"]
    ws = load(shop)["Overzicht"]
    kpis = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(5, 40) if ws.cell(r, 1).value}
    assert kpis["Klanten totaal"] == 5
    assert {r["Status"]: r["Klanten"] for r in table_dicts(shop, "Overzicht_Status")}["Inactief"] == 2
    assert kpis["Herhaalaankoopratio"] == pytest.approx(4 / 5)
    assert kpis["Drempel inactief (dagen)"] == 90
    assert ws["A2"].value == "Peildatum: 31-12-2025"


def test_projection_inputs_follow_instellingen(shop):
    ws = load(shop)["Projectie"]
    assert ws["C5"].value == 2  # A (Actief) and D (Nieuw)


def test_inputs_unchanged_by_refresh(template, tmp_path):
    path = tmp_path / "w.xlsm"
    shutil.copy(template, path)
    before = inputs_snapshot(path)
    refresh_workbook(path)
    assert inputs_snapshot(path) == before
    refresh_workbook(path)
    assert inputs_snapshot(path) == before


def test_user_values_survive_dropping_out_and_coming_back(shop):
    def type_notes(wb):
        ws, table = find_table(wb, "Winback")
        set_cell_in_table(ws, table, "B", "Notitie", "gebeld, belt terug")
        set_cell_in_table(ws, table, "B", "Kanaal", "telefoon")
        set_cell_in_table(ws, table, "B", "Benaderd op", D(2026, 1, 5))
        ws, table = find_table(wb, "Klanten")
        add_table_column(ws, table, "Mijn label", {"C": "oud-stamklant", "A": "VIP"})

    _edit(shop, edit=type_notes)
    refresh_workbook(shop)
    winback = {r["Klant"]: r for r in table_dicts(shop, "Winback")}
    assert winback["B"]["Notitie"] == "gebeld, belt terug"
    assert winback["B"]["Benaderd op"] == D(2026, 1, 5)

    # B becomes active (threshold 300 days) and leaves Winback; C's transactions are removed from Transacties.
    _edit(shop, rows=[r for r in SHOP if r[0] != "C"], settings={"dagen_inactief": 300})
    refresh_workbook(shop)
    assert "B" not in {r["Klant"] for r in table_dicts(shop, "Winback")}
    klanten = {r["Klant"]: r for r in table_dicts(shop, "Klanten")}
    assert "C" not in klanten and klanten["A"]["Mijn label"] == "VIP"

    # Both come back
    _edit(shop, rows=SHOP, settings={"dagen_inactief": 90})
    refresh_workbook(shop)
    winback = {r["Klant"]: r for r in table_dicts(shop, "Winback")}
    assert winback["B"]["Notitie"] == "gebeld, belt terug"
    assert winback["B"]["Kanaal"] == "telefoon"
    assert winback["B"]["Benaderd op"] == D(2026, 1, 5)
    klanten = {r["Klant"]: r for r in table_dicts(shop, "Klanten")}
    assert klanten["C"]["Mijn label"] == "oud-stamklant"
    assert table_rows(shop, "Klanten")[0][-1] == "Mijn label"


def test_output_tables_are_read_back_only_when_they_hold_user_columns(shop, monkeypatch):
    """Klanten without a column of the user's is not read cell by cell before it is rewritten
    (a million customers took seconds); once the user adds one, it is, and the values stay."""
    read = []
    original = OfflineWorkbook.read_table

    def recording(self, name):
        read.append(name)
        return original(self, name)

    monkeypatch.setattr(OfflineWorkbook, "read_table", recording)
    refresh_workbook(shop)
    assert "Klanten" not in read and "Winback" in read  # Winback has the tracking columns

    read.clear()
    _edit(shop, edit=lambda wb: add_table_column(*find_table(wb, "Klanten"), "Mijn label", {"A": "VIP"}))
    refresh_workbook(shop)
    assert "Klanten" in read
    assert {r["Klant"]: r["Mijn label"] for r in table_dicts(shop, "Klanten")}["A"] == "VIP"


def test_cleared_user_value_stays_cleared(shop):
    _edit(shop, edit=lambda wb: set_cell_in_table(*find_table(wb, "Winback"), "E", "Notitie", "mail gestuurd"))
    refresh_workbook(shop)
    _edit(shop, edit=lambda wb: set_cell_in_table(*find_table(wb, "Winback"), "E", "Notitie", None))
    refresh_workbook(shop)
    assert {r["Klant"]: r["Notitie"] for r in table_dicts(shop, "Winback")}["E"] is None


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["A", "morgen", 10.0, None, None]], "morgen"),
        ([["A", D(2025, 1, 1), "tien euro", None, None]], "tien euro"),
    ],
)
def test_broken_input_leaves_file_byte_identical(shop, rows, message):
    _edit(shop, rows=SHOP + rows)
    before = digest(shop)
    with pytest.raises(WaardeFout, match=message):
        refresh_workbook(shop)
    assert digest(shop) == before
    assert sorted(p.name for p in shop.parent.iterdir()) == [shop.name]


def test_failure_while_writing_leaves_file_byte_identical(shop, monkeypatch):
    before = digest(shop)

    def broken(*args, **kwargs):
        raise OSError("schijf vol")

    monkeypatch.setattr("openpyxl.writer.excel.ExcelWriter.write_data", broken)  # what save_openpyxl calls
    with pytest.raises(WerkmapFout, match="schijf vol"):  # the OSError reaches the user in Dutch
        refresh_workbook(shop)
    assert digest(shop) == before
    assert sorted(p.name for p in shop.parent.iterdir()) == [shop.name]


def test_bad_setting_names_the_setting(shop):
    _edit(shop, settings={"projectie_terugwin": "veel"})
    before = digest(shop)
    with pytest.raises(WaardeFout, match="Projectie: terugwinnen"):
        refresh_workbook(shop)
    assert digest(shop) == before


def test_open_in_excel_is_refused(shop):
    (shop.parent / ("~$" + shop.name)).write_bytes(b"")
    before = digest(shop)
    with pytest.raises(WerkmapFout, match="geopend in Excel"):
        refresh_workbook(shop)
    assert digest(shop) == before


@pytest.mark.parametrize(
    "part, feature",
    [
        ("xl/pivotCache/pivotCacheDefinition1.xml", "draaitabel"),
        ("xl/slicers/slicer1.xml", "slicer"),
        ("xl/webextensions/webextension1.xml", "webextensie"),
    ],
)
def test_unsupported_feature_is_refused(shop, part, feature):
    with zipfile.ZipFile(shop, "a") as z:
        z.writestr(part, "<x/>")
    before = digest(shop)
    with pytest.raises(WerkmapFout, match=feature):
        refresh_workbook(shop)
    assert digest(shop) == before


def test_image_is_refused_when_openpyxl_would_drop_it(shop, monkeypatch):
    """Without Pillow openpyxl drops pictures: the refresh refuses instead of losing them."""
    from klant_xl.excel import features

    monkeypatch.setattr(features, "_can_keep_images", lambda: False)
    with zipfile.ZipFile(shop, "a") as z:
        z.writestr("xl/media/image1.png", b"\x89PNG")
    before = digest(shop)
    with pytest.raises(WerkmapFout, match="afbeeldingen"):
        refresh_workbook(shop)
    assert digest(shop) == before


def test_main_refreshes_the_active_workbook(shop):
    """The add-in's RunMain does `import klant_xl; klant_xl.main()`: that exact call refreshes."""
    import klant_xl

    _edit(shop, rows=[r for r in SHOP if r[0] != "E"])
    assert klant_xl.main(OfflineWorkbook(shop)) is True
    assert [r["Klant"] for r in table_dicts(shop, "Winback")] == ["B"]


def test_main_reports_errors_as_dutch_message(shop):
    messages = []
    port = OfflineWorkbook(shop)
    port.alert = messages.append
    _edit(shop, rows=[["A", "morgen", 1.0, None, None]])
    port = OfflineWorkbook(shop)
    port.alert = messages.append
    before = digest(shop)
    assert main(port) is False
    assert messages and "morgen" in messages[0] and "Traceback" not in messages[0]
    assert digest(shop) == before


@pytest.mark.parametrize(
    "values, field, expected",
    [
        ({"dagen_inactief": "automatisch"}, "inactive_days", None),
        ({"dagen_inactief": 120}, "inactive_days", 120.0),
        ({"projectie_verloop": "30%"}, "projection_churn_rate", 0.3),
        ({"projectie_verloop": 0.3}, "projection_churn_rate", 0.3),
        ({"projectie_verloop": None}, "projection_churn_rate", None),
        ({"nieuw_tonen": "NEE"}, "mark_new", False),
        ({"projectie_jaren": 15.0}, "projection_years", 15),
        ({"piramide_grenzen": "2%; 10%; 30%"}, "pyramid_cuts", (0.02, 0.10, 0.30)),
        ({"peildatum": "23-11-2026"}, "reference_date", datetime(2026, 11, 23)),
    ],
)
def test_settings_from_values(values, field, expected):
    value = getattr(settings_from_values(values), field)
    if isinstance(expected, tuple):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


def test_refresh_module_exports_main():
    assert callable(refresh_module.main)
