"""The Lite workbook's main.py through xlwings' own server / Office.js code paths (SPEC §12).

xlwings Lite and xlwings Server run custom functions and scripts through
``xlwings.server`` (``xlwings.pro.udfs_officejs``) and the remote ``Book``
(``xlwings.pro._xlremote``). These tests run exactly that code on Linux, in a
child process (tests/lite_runner.py) started with ``XLWINGS_ON_SERVER=true`` and
``XLWINGS_LICENSE_KEY=noncommercial``: this uses xlwings' PRO modules under their
PolyForm Noncommercial License 1.0.0, which permits this noncommercial use (the
tests of an open-source project). klant_xl itself needs no license: xlwings Lite
is free for commercial use.

The child process also plays Pyodide for klant_xl: ``python_calamine`` and
``rich`` cannot be imported, no thread can start and no file can be written.
main.py is taken from the generated Lite workbook itself, and the actions the
refresh script returns are applied to a copy of the workbook as Office.js would
(tests/officejs.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
import xlwings
from openpyxl import load_workbook

from klant_xl.excel.lite_workbook import read_lite_properties
from klant_xl.excel.share import KNOWN_FUNCTIONS
from tests import xlwings_harness as harness
from tests.lite_helpers import LiteProcess, lite_workbook, payload
from tests.officejs import apply_actions, book_json

SEED_CURRENT = [1000, 1100, 1210, 1331, 1464, 1611, 1772, 1949, 2144, 2358, 2594]
SEED_WINBACK = [1000, 1280, 1638, 2097, 2684, 3436, 4398, 5629, 7206, 9223, 11806]
D = dt.datetime
INPUT_SHEETS = ("Instellingen", "Transacties", "Contactmomenten")


def serial(day: dt.datetime) -> float:
    return float((day - dt.datetime(1899, 12, 30)).days)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return lite_workbook(tmp_path_factory)


@pytest.fixture(scope="module")
def lite(workbook, tmp_path_factory):
    main_py = tmp_path_factory.mktemp("main") / "main.py"
    main_py.write_text(read_lite_properties(workbook)["main.py"], encoding="utf-8")
    process = LiteProcess(main_py, sandbox=True)
    yield process
    process.close()


def call(lite, name, *args):
    answer = lite.ask({"op": "call", "payload": payload(name, *args)})
    assert "error" not in answer, answer
    return answer["result"]


# --------------------------------------------------------------------------- the sandbox is real


def test_sandbox_refuses_calamine_rich_threads_and_writes(lite):
    assert lite.ask({"op": "probe"})["blocked"] == ["python_calamine", "rich", "write", "thread"]


def test_main_py_exposes_udfs_own_functions_without_calamine_or_rich(lite):
    answer = lite.ask({"op": "identity"})
    assert sorted(answer["functions"]) == sorted(KNOWN_FUNCTIONS)
    assert answer["same_objects"] is True  # imported from klant_xl.udfs, not copies
    assert not [m for m in answer["modules"] if m.startswith(("python_calamine", "rich", "klant_xl.cli"))]


# --------------------------------------------------------------------------- registration (function wizard)


def test_custom_functions_meta_lists_every_function_with_dutch_descriptions(lite):
    meta = lite.ask({"op": "meta"})
    functions = {f["name"]: f for f in meta["functions"]["functions"]}
    assert sorted(functions) == sorted(KNOWN_FUNCTIONS)
    for name, function in functions.items():
        assert function["description"] == harness.info(name)["ret"]["doc"], name
        assert function["result"] == {"dimensionality": "matrix", "type": "any"}
        for param in function["parameters"]:
            assert not param["description"].startswith("Positional argument"), (name, param)
            assert len(param["description"]) <= 255
    churn = functions["CHURN_PROJECTIE"]
    assert churn["description"] == "Tabel met het aantal klanten per jaar bij vaste percentages nieuwe klanten en verloop."
    assert [p["name"] for p in churn["parameters"]] == ["start", "nieuw_pct", "verloop_pct", "jaren", "terugwin_pct"]
    assert [p.get("optional", False) for p in churn["parameters"]] == [False, False, False, False, True]
    assert churn["parameters"][1]["description"] == "Nieuwe klanten per jaar als deel van de actieve klanten aan het begin van het jaar, bijv. 40%."
    assert [s["function_name"] for s in meta["scripts"]] == ["vernieuw_analyse"]


# --------------------------------------------------------------------------- calls: same values as the desktop


@pytest.mark.parametrize("winback, expected", [(0.6, SEED_WINBACK), ("60%", SEED_WINBACK), (None, SEED_CURRENT)])
def test_churn_projectie_gives_the_seed_002_table(lite, winback, expected):
    result = call(lite, "CHURN_PROJECTIE", 1000, 0.4, 0.3, 10, winback)
    assert result[0] == ["Jaar", "Aantal klanten"]
    assert [row[0] for row in result[1:]] == list(range(11))
    assert [round(row[1]) for row in result[1:]] == expected
    desktop = harness.call("CHURN_PROJECTIE", 1000, 0.4, 0.3, 10, winback if winback is not None else harness.MISSING)
    assert result == desktop


TRANSACTIONS = [  # customer, day, amount
    ("A", D(2025, 1, 10), 50.0), ("A", D(2025, 3, 1), 20.0), ("A", D(2025, 11, 20), 35.0),
    ("B", D(2025, 2, 5), 80.0),
    ("C", D(2024, 6, 1), 15.0), ("C", D(2024, 9, 1), 25.0),
    ("D", D(2025, 12, 30), 60.0),
]


def _columns(officejs: bool):
    customers = [[c] for c, _, _ in TRANSACTIONS]
    days = [[serial(d) if officejs else d] for _, d, _ in TRANSACTIONS]
    amounts = [[a] for _, _, a in TRANSACTIONS]
    if officejs:
        return customers, days, amounts
    return harness.Cells(customers), harness.Cells(days), harness.Cells(amounts)


def _as_officejs(rows):
    """Desktop results as Office.js gets them: a date as a formatted serial number (nl-NL: d-M-yyyy), blank ""."""

    def cell(value):
        if isinstance(value, dt.datetime):
            return {"type": "FormattedNumber", "basicValue": serial(value), "numberFormat": "d-M-yyyy"}
        return "" if value is None else value

    return [[cell(v) for v in row] for row in rows]


@pytest.mark.parametrize(
    "name, amounts, extra",
    [
        ("KLANTSTATUS_TABEL", True, ()),
        ("RFM_SEGMENT", True, ()),
        ("KLANTPIRAMIDE", True, ()),
        ("WINBACK_LIJST", True, (None, serial(D(2025, 12, 31)), 60, 200)),
        ("KANS_ACTIEF", False, ()),
        ("HERHAALAANKOOPRATIO", False, ()),
        ("TIJD_TUSSEN_AANKOPEN", False, ("mediaan",)),
        ("CHURN_PERCENTAGE", False, (serial(D(2025, 1, 1)), serial(D(2026, 1, 1)), 120)),
    ],
)
def test_range_functions_give_the_desktop_values(lite, name, amounts, extra):
    customers, days, amount_cells = _columns(officejs=True)
    d_customers, d_days, d_amounts = _columns(officejs=False)
    args = [customers, days, *([amount_cells] if amounts else []), *extra]
    desktop_args = [d_customers, d_days, *([d_amounts] if amounts else []),
                    *(harness.MISSING if value is None else value for value in extra)]
    result = call(lite, name, *args)
    desktop = harness.call(name, *desktop_args)
    assert result == _as_officejs(desktop)
    assert not any(isinstance(v, str) and v.startswith(("ERROR", "Traceback", name)) for row in result for v in row)


def test_klantstatus_with_serial_dates_and_blanks(lite):
    last = [[serial(D(2025, 12, 1))], [None], [serial(D(2025, 6, 1))], [serial(D(2024, 1, 1))]]
    result = call(lite, "KLANTSTATUS", last, serial(D(2025, 12, 31)), 90, 365)
    assert result == [["Actief"], [""], ["Inactief"], ["Verloren"]]
    desktop = harness.call("KLANTSTATUS", harness.Cells([[D(2025, 12, 1)], [None], [D(2025, 6, 1)], [D(2024, 1, 1)]]),
                           D(2025, 12, 31), 90, 365)
    assert result == _as_officejs(desktop)


@pytest.mark.parametrize(
    "name, args, expected",
    [
        ("CUMULATIEF_VERLIES", (0.1, 2), 0.19),
        ("CUMULATIEF_VERLIES", (0.1, 3), 0.271),
        ("VERDUBBELINGSTIJD", (0.4, 0.3), 7.27),
    ],
)
def test_numbers_seed_000_and_002(lite, name, args, expected):
    result = call(lite, name, *args)
    assert result[0][0] == pytest.approx(expected, abs=0.005)
    assert result == harness.call(name, *args)


@pytest.mark.parametrize(
    "name, args, expected",
    [
        ("CHURN_PROJECTIE", (1000, "veel", 0.3, 10, None), "Nieuw % is geen percentage: 'veel'"),
        ("KLANTSTATUS", ([["morgen"]],), "Laatste datum in rij 2 is geen datum: 'morgen'"),
        ("KLANTSTATUS", ([[serial(D(2025, 1, 1))]], "gisteren"), "Peildatum is geen datum: 'gisteren'"),
        ("TIJD_TUSSEN_AANKOPEN", ([["A"], ["A"]], [[serial(D(2025, 1, 1))], [serial(D(2025, 2, 1))]], None, "modus"),
         "Statistiek moet gemiddelde, mediaan, p10, p25, p75, p90 of aantal zijn: 'modus'"),
    ],
)
def test_bad_input_gives_a_dutch_message_in_the_cell(lite, name, args, expected):
    assert call(lite, name, *args) == [[expected]]


# --------------------------------------------------------------------------- the script: vernieuw_analyse


def _run_script(lite, wb, name="klantanalyse-lite.xlsx"):
    answer = lite.ask({"op": "script", "name": "vernieuw_analyse", "book": book_json(wb, name, xlwings.__version__)})
    assert "error" not in answer, answer
    assert answer["same_book"] is True
    return answer["actions"]


def _table_rows(ws, table_name):
    table = ws.tables[table_name]
    rows = [[c.value for c in row] for row in ws[table.ref]]
    return rows[0], rows[1:]


def _type_winback_note(wb):
    """The user types a note and a date for the first Winback customer; returns that customer."""
    ws = wb["Winback"]
    header, rows = _table_rows(ws, "Winback")
    top = int(ws.tables["Winback"].ref.split(":")[0][1:])
    ws.cell(top + 1, header.index("Notitie") + 1).value = "Belde terug, wil nieuwe catalogus"
    ws.cell(top + 1, header.index("Benaderd op") + 1).value = D(2026, 1, 5)
    ws.cell(top + 1, header.index("Benaderd op") + 1).number_format = "dd-mm-yyyy"
    return rows[0][header.index("Klant")]


def test_vernieuw_analyse_fills_klanten_and_keeps_the_winback_note(lite, workbook):
    wb = load_workbook(workbook)
    customer = _type_winback_note(wb)
    expected_header, expected_rows = _table_rows(wb["Klanten"], "Klanten")  # as klant-xl vernieuw wrote them
    t_header, t_rows = _table_rows(wb["Transacties"], "Transacties")
    inputs = {name: [[c.value for c in row] for row in wb[name].iter_rows()] for name in INPUT_SHEETS}
    actions = _run_script(lite, wb)
    titles = [ws.title for ws in wb.worksheets]
    written = {titles[a["sheet_position"]] for a in actions if a["sheet_position"] is not None}
    assert written == {"Klanten", "Segmenten", "Winback", "Projectie", "Overzicht", "Formules", "Inlezen", "_bewaard"}
    assert not written & set(INPUT_SHEETS)
    assert [a for a in actions if a["func"] == "alert"] == []

    # Office.js applies the actions to the workbook it sent; Klanten is blanked first so that every value
    # seen afterwards comes from the actions
    for row in wb["Klanten"].iter_rows(min_row=2):
        for cell in row:
            cell.value = None
    apply_actions(wb, actions)
    header, rows = _table_rows(wb["Klanten"], "Klanten")
    assert len(rows) == len({r[t_header.index("Klant")] for r in t_rows}) > 1000
    assert header == expected_header
    # the same refresh as klant-xl vernieuw, value for value (model fits agree to ~1e-12)
    assert rows == [[pytest.approx(v, rel=1e-9) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                     for v in row] for row in expected_rows]
    assert {name: [[c.value for c in row] for row in wb[name].iter_rows()] for name in INPUT_SHEETS} == inputs

    w_header, w_rows = _table_rows(wb["Winback"], "Winback")
    mine = [r for r in w_rows if r[w_header.index("Klant")] == customer]
    assert len(mine) == 1
    assert mine[0][w_header.index("Notitie")] == "Belde terug, wil nieuwe catalogus"
    assert mine[0][w_header.index("Benaderd op")] == D(2026, 1, 5)
    assert wb["_bewaard"].sheet_state == "veryHidden"

    # and again, from the workbook as Office.js left it: the note survives a second refresh
    apply_actions(wb, _run_script(lite, wb))
    w_header, w_rows = _table_rows(wb["Winback"], "Winback")
    mine = [r for r in w_rows if r[w_header.index("Klant")] == customer]
    assert mine[0][w_header.index("Notitie")] == "Belde terug, wil nieuwe catalogus"


def test_vernieuw_analyse_without_transacties_only_alerts_in_dutch(lite, workbook):
    book = book_json(load_workbook(workbook), "klantanalyse-lite.xlsx", xlwings.__version__)
    book["sheets"] = [s for s in book["sheets"] if s["name"] != "Transacties"]
    answer = lite.ask({"op": "script", "name": "vernieuw_analyse", "book": book})
    actions = answer["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert "Het blad 'Transacties' ontbreekt" in actions[0]["args"][0]
