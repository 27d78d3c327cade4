"""The Excel functions as Excel shows them: every call goes through xlwings' conversion layer.

``call`` runs a function as classic xlwings does (Windows, COM), ``call_officejs``
as xlwings Lite / Server do (see tests/xlwings_harness.py). Oracles are written
inline; nothing here imports klant_xl except the module under test via the harness
(and the core in the CDNOW agreement test, which compares the two).
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.xlwings_harness import (
    MISSING,
    CellError,
    Cells,
    Currency,
    call,
    call_officejs,
    classic_module,
    excel_serial,
    info,
    scalar,
    udf_names,
)

ROOT = Path(__file__).resolve().parent.parent
CDNOW = ROOT / "tests" / "data" / "cdnow" / "CDNOW_master.txt"

#: SPEC §4 functions whose core exists on main (the feature functions come with their modules).
CORE_FUNCTIONS = [
    "CHURN_PERCENTAGE",
    "CHURN_PROJECTIE",
    "CLV",
    "CUMULATIEF_VERLIES",
    "DREMPEL_INACTIEF",
    "DREMPEL_VERLOREN",
    "HERHAALAANKOOPRATIO",
    "KANS_ACTIEF",
    "KLANTPIRAMIDE",
    "KLANTSTATUS",
    "KLANTSTATUS_TABEL",
    "RFM_SEGMENT",
    "TIJD_TUSSEN_AANKOPEN",
    "VERDUBBELINGSTIJD",
    "WINBACK_LIJST",
]

D = dt.date


def col(*values):
    return Cells.column(list(values))


# A small shop, computed by hand. Peildatum 2026-01-31 (the last date).
#   a: 2025-01-01, 2025-03-01, 2025-05-01  -> 3 occasions, gaps 59, 61; last 275 days ago
#   b: 2026-01-01 (twice the same day: one occasion), 2026-01-31 -> gaps 30; last 0 days ago
#   c: 2025-10-01 -> one-time buyer, 122 days ago
SHOP = {
    "klanten": ["a", "a", "a", "b", "b", "b", "c"],
    "datums": [D(2025, 1, 1), D(2025, 3, 1), D(2025, 5, 1), D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 31), D(2025, 10, 1)],
    "bedragen": [10.0, 20.0, 30.0, 5.0, 5.0, 40.0, 100.0],
}


def shop(*names, header=False, trailing_blanks=0):
    out = []
    for name in names:
        values = list(SHOP[name])
        if header:
            values = [{"klanten": "Klant", "datums": "Datum", "bedragen": "Bedrag"}[name], *values]
        out.append(Cells.column(values + [None] * trailing_blanks))
    return out


# --------------------------------------------------------------------------- declarations


def test_every_core_function_is_declared():
    assert udf_names() == CORE_FUNCTIONS


@pytest.mark.parametrize("name", CORE_FUNCTIONS)
def test_wizard_texts_are_short_dutch_and_grouped(name):
    xlf = info(name)
    assert xlf["category"] == "Klantanalyse"
    description = xlf["ret"]["doc"]
    assert "\n" not in description and len(description) < 255
    assert description.endswith(".") and description.count(". ") == 0  # one sentence
    for arg in xlf["args"]:
        assert arg["vba"] is None
        assert arg["name"] != "caller"
        assert not arg["doc"].startswith("Positional argument"), arg["name"]
        assert len(arg["doc"]) < 255
    # every optional argument defaults to None: a blank cell (None) then means the same
    # as leaving it out, in both runtimes
    for arg in xlf["args"]:
        if "optional" in arg:
            assert arg["optional"] is None


def test_no_runtime_specific_features_in_the_module():
    """No vba= (an extra Excel parameter under Office.js), no Book.caller(), no classic-only async/expand."""
    tree = ast.parse((ROOT / "klant_xl" / "udfs.py").read_text(encoding="utf-8"))
    keywords = {k.arg for node in ast.walk(tree) if isinstance(node, ast.Call) for k in node.keywords}
    assert not keywords & {"vba", "async_mode", "expand", "call_in_wizard"}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert "caller" not in attributes and "Book" not in attributes


@pytest.mark.parametrize("name", CORE_FUNCTIONS)
def test_positional_arguments_named_as_in_the_spec(name):
    # Every function that counts purchases takes the amounts; those that measure activity also the contact
    # moments (issue 15: one truth per workbook).
    spec = {
        "KLANTSTATUS": ["laatste_datum", "peildatum", "dagen_inactief", "dagen_verloren"],
        "KLANTSTATUS_TABEL": ["klanten", "datums", "bedragen", "peildatum", "dagen_inactief", "dagen_verloren", "contact_klanten", "contact_datums"],
        "HERHAALAANKOOPRATIO": ["klanten", "datums", "bedragen", "peildatum"],
        "TIJD_TUSSEN_AANKOPEN": ["klanten", "datums", "bedragen", "statistiek", "peildatum"],
        "DREMPEL_INACTIEF": ["klanten", "datums", "bedragen", "aandeel", "peildatum"],
        "DREMPEL_VERLOREN": ["klanten", "datums", "bedragen", "kans", "peildatum"],
        "CHURN_PERCENTAGE": ["klanten", "datums", "bedragen", "begin", "eind", "dagen_inactief", "contact_klanten", "contact_datums"],
        "CHURN_PROJECTIE": ["start", "nieuw_pct", "verloop_pct", "jaren", "terugwin_pct"],
        "CUMULATIEF_VERLIES": ["verloop_pct", "jaren"],
        "RFM_SEGMENT": ["klanten", "datums", "bedragen", "peildatum", "dagen_inactief", "dagen_verloren", "contact_klanten", "contact_datums"],
        "KLANTPIRAMIDE": ["klanten", "datums", "bedragen", "peildatum", "dagen_inactief", "dagen_verloren", "contact_klanten", "contact_datums"],
        "KANS_ACTIEF": ["klanten", "datums", "bedragen", "peildatum", "dagen"],
        "CLV": ["klanten", "datums", "bedragen", "peildatum", "marge", "maanden", "disconteringsvoet"],
        "WINBACK_LIJST": ["klanten", "datums", "bedragen", "aantal", "peildatum", "dagen_inactief", "dagen_verloren",
                          "contact_klanten", "contact_datums"],
        "VERDUBBELINGSTIJD": ["nieuw_pct", "verloop_pct"],
    }[name]
    assert [a["name"] for a in info(name)["args"]] == spec


# --------------------------------------------------------------------------- projection (seed 002)

SEED_002 = [1000, 1100, 1210, 1331, 1464, 1611, 1772, 1949, 2144, 2358, 2594]
SEED_002_WINBACK = [1000, 1280, 1638, 2097, 2684, 3436, 4398, 5629, 7206, 9223, 11806]


@pytest.mark.parametrize("runner", [call, call_officejs])
@pytest.mark.parametrize(
    "args, expected",
    [
        ((1000, 0.4, 0.3, 10), SEED_002),
        ((1000, "40%", "30%", 10), SEED_002),
        ((1000, "40%", "30%", 10, "60%"), SEED_002_WINBACK),
        ((1000, 0.4, 0.3, 10, 0.6), SEED_002_WINBACK),
        ((Cells([[1000]]), Cells([[0.4]]), Cells([[0.3]]), Cells([[10]]), Cells([[None]])), SEED_002),
    ],
)
def test_churn_projectie_spills_the_seed_tables(runner, args, expected):
    shown = runner("CHURN_PROJECTIE", *args)
    assert shown[0] == ["Jaar", "Aantal klanten"]
    assert [row[0] for row in shown[1:]] == list(range(11))
    assert [round(row[1]) for row in shown[1:]] == expected


@pytest.mark.parametrize(
    "args, message",
    [
        ((1000, "veel", 0.3, 10), "Nieuw % is geen percentage: 'veel'"),
        ((1000, 0.4, 0.3, 1e9), "Aantal jaren is geen geheel getal van 0 tot 200: 1000000000"),
        ((-5, 0.4, 0.3, 10), "Aantal klanten bij de start is negatief: -5"),
        ((1000, 0.4, Cells([[0.3], [0.2]]), 10), "Verloop % moet één waarde zijn, geen bereik van 2 cellen."),
        ((1000, 0.4, CellError("#DIV/0!"), 10), "Verloop % is een foutwaarde: #DEEL/0!"),
    ],
)
def test_churn_projectie_bad_input(args, message):
    assert scalar(call("CHURN_PROJECTIE", *args)) == message


def test_churn_projectie_overflow_is_blank_not_an_error_value():
    shown = call_officejs("CHURN_PROJECTIE", 1e308, 0.4, 0.3, 10)
    values = [row[1] for row in shown[1:]]
    assert values[:2] == [1e308, 1.1e308] and values[-1] is None  # 1e308 * 1.1^10 overflows
    assert all(v is None or np.isfinite(v) for v in values)


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_cumulatief_verlies_seed_000(runner):
    assert round(scalar(runner("CUMULATIEF_VERLIES", 0.1, 2)), 2) == 0.19
    assert round(scalar(runner("CUMULATIEF_VERLIES", "10%", 3)), 2) == 0.27


def test_cumulatief_verlies_bad_input():
    assert scalar(call("CUMULATIEF_VERLIES", "10%", "drie")) == "Aantal jaren is geen getal: 'drie'"
    assert scalar(call("CUMULATIEF_VERLIES", "150%", 3)) == "Verloop % is geen percentage tussen 0% en 100%: '150%'"


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_verdubbelingstijd(runner):
    # ln 2 / ln 1.1 = 7.2725 years: "a bit over 7 years" (seed 002)
    assert scalar(runner("VERDUBBELINGSTIJD", 0.4, 0.3)) == pytest.approx(np.log(2) / np.log(1.1))


def test_verdubbelingstijd_without_growth_says_so():
    assert scalar(call("VERDUBBELINGSTIJD", 0.3, 0.3)) == "Groeit niet: het klantenbestand verdubbelt nooit."
    assert scalar(call("VERDUBBELINGSTIJD", MISSING, 0.3)) == "Nieuw % is geen percentage: (leeg)"


# --------------------------------------------------------------------------- KLANTSTATUS


@pytest.mark.parametrize("runner", [call, call_officejs])
@pytest.mark.parametrize(
    "last, reference, inactive, lost, expected",
    [
        # 2025-12-31 minus 2025-06-01 = 213 days
        (D(2025, 6, 1), D(2025, 12, 31), 90, 365, "Inactief"),
        (D(2025, 6, 1), D(2025, 12, 31), 213, 365, "Actief"),
        (D(2025, 6, 1), D(2025, 12, 31), 90, 212, "Verloren"),
        (D(2025, 6, 1), D(2025, 12, 31), "90 dagen", "365", "Inactief"),
        ("1-6-2025", "31-12-2025", 90, 365, "Inactief"),  # text dates
        (45809.0, 46022.0, 90, 365, "Inactief"),  # serial numbers (DATE() in a formula)
        # defaults: 180 and 365 days without data to derive them from
        (D(2025, 6, 1), D(2025, 12, 31), MISSING, MISSING, "Inactief"),
        (D(2025, 8, 1), D(2025, 12, 31), MISSING, MISSING, "Actief"),  # 152 days
        (D(2024, 12, 30), D(2025, 12, 31), MISSING, MISSING, "Verloren"),  # 366 days
        (D(2025, 6, 1), MISSING, MISSING, MISSING, "Actief"),  # peildatum = the date itself
    ],
)
def test_klantstatus_one_cell(runner, last, reference, inactive, lost, expected):
    assert scalar(runner("KLANTSTATUS", Cells([[last]]), reference, inactive, lost)) == expected


@pytest.mark.parametrize("typed", ["auto", "automatisch", " Automatisch "])
def test_klantstatus_refuses_automatisch_it_cannot_derive(typed):
    # pointed at the Instellingen cell ("automatisch") it used 180 / 365 days while Overzicht and every other
    # function derive the thresholds from the purchases (sample: 261 / 875): 1177 Verloren instead of 517
    shown = scalar(call("KLANTSTATUS", Cells([[D(2025, 6, 1)]]), D(2025, 12, 31), typed, None))
    assert shown == (f"Dagen inactief '{typed.strip()}': KLANTSTATUS kent alleen de laatste datums en kan de drempel "
                     "niet afleiden. Geef DREMPEL_INACTIEF(klanten; datums) als argument, of een aantal dagen.")


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_klantstatus_on_a_column_spills_a_column(runner):
    dates = col(D(2025, 12, 1), None, D(2025, 6, 1), D(2024, 1, 1), "15-11-2025")
    shown = runner("KLANTSTATUS", dates, D(2025, 12, 31), 90, 365)
    assert shown == [["Actief"], [None], ["Inactief"], ["Verloren"], ["Actief"]]


def test_klantstatus_on_a_whole_column_with_its_header_and_blanks_below():
    column = col("Laatste aankoop", D(2025, 12, 1), D(2025, 6, 1), *([None] * 1000))
    assert call("KLANTSTATUS", column, D(2025, 12, 31), 90, 365) == [["Status"], ["Actief"], ["Inactief"]]
    bad = col("Laatste aankoop", D(2025, 12, 1), "morgen", None)
    assert scalar(call("KLANTSTATUS", bad, D(2025, 12, 31))) == "Laatste datum in rij 3 is geen datum: 'morgen'"


def test_klantstatus_default_peildatum_is_the_last_date_in_the_range():
    shown = call("KLANTSTATUS", col(D(2025, 12, 31), D(2025, 6, 1), D(2024, 1, 1)), MISSING, 90, 365)
    assert shown == [["Actief"], ["Inactief"], ["Verloren"]]


def test_klantstatus_on_a_block_keeps_its_shape():
    block = Cells([[D(2025, 12, 1), D(2025, 6, 1)], [D(2024, 1, 1), None]])
    assert call("KLANTSTATUS", block, D(2025, 12, 31), 90, 365) == [["Actief", "Inactief"], ["Verloren", None]]


@pytest.mark.parametrize(
    "args, message",
    [
        ((col(D(2025, 1, 1), "morgen"), D(2025, 12, 31)), "Laatste datum in rij 3 is geen datum: 'morgen'"),
        ((Cells([["morgen"]]),), "Laatste datum in rij 2 is geen datum: 'morgen'"),
        ((col(D(2025, 1, 1), CellError("#N/A")), D(2025, 12, 31)), "Laatste datum in rij 3 is geen datum: #N/B"),
        ((Cells([[D(2025, 1, 1)]]), "gisteren"), "Peildatum is geen datum: 'gisteren'"),
        ((Cells([[D(2025, 1, 1)]]), D(2025, 12, 31), -5), "Dagen inactief is geen positief aantal dagen: -5"),
        ((Cells([[D(2025, 1, 1)]]), D(2025, 12, 31), 400, 100),
         "Drempel verloren (100 dagen) moet minstens zo groot zijn als drempel inactief (400 dagen): een klant is "
         "eerst inactief en pas later verloren. Pas een van beide aan."),
        ((Cells([[None]]),), "Geen datum gevonden in laatste_datum en geen peildatum opgegeven."),
    ],
)
def test_klantstatus_bad_input(args, message):
    assert scalar(call("KLANTSTATUS", *args)) == message


# --------------------------------------------------------------------------- KLANTSTATUS_TABEL

TABLE_HEADER = [
    "Klant", "Status", "Eerste aankoop", "Laatste aankoop", "Aankopen", "Omzet", "Gem. bestelwaarde",
    "Dagen sinds aankoop", "Gem. dagen tussen aankopen", "Mediaan dagen tussen aankopen",
    "Laatste activiteit", "Dagen sinds activiteit",
]


def test_klantstatus_tabel_by_hand():
    shown = call("KLANTSTATUS_TABEL", *shop("klanten", "datums", "bedragen"), MISSING, 90, 365)
    assert shown[0] == TABLE_HEADER
    rows = {row[0]: dict(zip(TABLE_HEADER, row)) for row in shown[1:]}
    assert list(rows) == ["a", "b", "c"]
    a, b, c = rows["a"], rows["b"], rows["c"]
    assert (a["Status"], b["Status"], c["Status"]) == ("Inactief", "Nieuw", "Inactief")
    assert a["Eerste aankoop"] == dt.datetime(2025, 1, 1) and a["Laatste aankoop"] == dt.datetime(2025, 5, 1)
    assert (a["Aankopen"], b["Aankopen"], c["Aankopen"]) == (3, 2, 1)
    assert (a["Omzet"], b["Omzet"], c["Omzet"]) == (60.0, 50.0, 100.0)
    assert b["Gem. bestelwaarde"] == 25.0
    assert (a["Dagen sinds aankoop"], b["Dagen sinds aankoop"], c["Dagen sinds aankoop"]) == (275.0, 0.0, 122.0)
    assert a["Gem. dagen tussen aankopen"] == 60.0 and a["Mediaan dagen tussen aankopen"] == 60.0
    assert c["Gem. dagen tussen aankopen"] is None  # blank for a one-time buyer, not NaN
    assert b["Laatste activiteit"] == dt.datetime(2026, 1, 31)


def test_klantstatus_tabel_dates_come_back_as_dates_in_both_runtimes():
    classic = call("KLANTSTATUS_TABEL", *shop("klanten", "datums"), MISSING, MISSING, 90, 365)
    officejs = call_officejs("KLANTSTATUS_TABEL", *shop("klanten", "datums"), MISSING, MISSING, 90, 365)
    assert classic[1][2] == dt.datetime(2025, 1, 1)  # a COM date: Excel shows a date
    assert officejs[1][2] == excel_serial(D(2025, 1, 1))  # Office.js: a serial with the date format
    # without amounts there are no revenue columns
    assert "Omzet" not in classic[0] and len(classic[0]) == len(TABLE_HEADER) - 2
    assert [r[1] for r in classic[1:]] == [r[1] for r in officejs[1:]]


def test_klantstatus_tabel_whole_columns_with_header_and_trailing_blanks():
    plain = call("KLANTSTATUS_TABEL", *shop("klanten", "datums", "bedragen"), MISSING, 90, 365)
    whole = call("KLANTSTATUS_TABEL", *shop("klanten", "datums", "bedragen", header=True, trailing_blanks=500),
                 MISSING, 90, 365)
    assert whole == plain


def test_klantstatus_tabel_peildatum_and_currency_cells():
    amounts = Cells.column([Currency(str(v)) for v in SHOP["bedragen"]])
    shown = call("KLANTSTATUS_TABEL", *shop("klanten", "datums"), amounts, D(2026, 6, 30), 90, 365)
    rows = {row[0]: dict(zip(shown[0], row)) for row in shown[1:]}
    assert rows["b"]["Dagen sinds aankoop"] == 150.0  # 2026-01-31 -> 2026-06-30
    assert rows["b"]["Status"] == "Inactief"
    assert rows["c"]["Omzet"] == 100.0


def test_klantstatus_tabel_auto_thresholds_fall_back_on_thin_data():
    # 3 gaps are far too few to derive thresholds: the fallback 180 / 365 days applies;
    # a (275 days) is inactive, b and c bought first within 180 days: new
    shown = call("KLANTSTATUS_TABEL", *shop("klanten", "datums"))
    assert [r[1] for r in shown[1:]] == ["Inactief", "Nieuw", "Nieuw"]


@pytest.mark.parametrize(
    "args, message",
    [
        ((col("a", "b"), col(D(2025, 1, 1), "morgen")), "Datum in rij 3 is geen datum: 'morgen'"),
        ((col("a", "b"), col(D(2025, 1, 1), None)), "Datum in rij 3 is leeg."),
        ((col("a", CellError("#N/A")), col(D(2025, 1, 1), D(2025, 2, 1))), "Klant in rij 3 is een foutwaarde: #N/B"),
        ((col("a", "b"), col(D(2025, 1, 1), D(2025, 2, 1)), col(10, "gratis")), "Bedrag in rij 3 is geen bedrag: 'gratis'"),
        ((col("a", "b", "c"), col(D(2025, 1, 1), D(2025, 2, 1))),
         "De bereiken zijn niet even lang (klant 3, datum 2 rijen): kies kolommen van dezelfde tabel."),
        ((Cells([["a", D(2025, 1, 1)], ["b", D(2025, 2, 1)]]), col(D(2025, 1, 1), D(2025, 2, 1))),
         "Klanten moet één kolom zijn, niet 2 kolommen: kies één kolom van de tabel."),
        ((col(None, None), col(None, None)), "Er zijn geen transacties: de bereiken met klanten en datums zijn leeg."),
        ((col("a"), col(D(2025, 1, 1)), MISSING, MISSING, "veel"), "Dagen inactief is geen aantal dagen: 'veel'"),
        ((col("a"), col(D(2025, 1, 1)), MISSING, D(2024, 1, 1)), "Geen aankopen op of voor de peildatum 01-01-2024."),
        ((col("a"), col(D(2025, 1, 1)), MISSING, Cells([[CellError("#N/A")]])), "Peildatum is een foutwaarde: #N/B"),
    ],
)
def test_klantstatus_tabel_bad_input(args, message):
    assert scalar(call("KLANTSTATUS_TABEL", *args)) == message


def test_klantstatus_tabel_agrees_with_the_klanten_sheet_on_the_sample():
    """Auto thresholds as the refresh derives them: the same status for every customer."""
    from klant_xl.analysis import analyse
    from klant_xl.sample import sample_transactions

    transactions = sample_transactions()
    klanten = analyse(transactions).customer_table()
    shown = call(
        "KLANTSTATUS_TABEL",
        Cells.column(transactions["Klant"].tolist()),
        Cells.column([d.to_pydatetime() for d in transactions["Datum"]]),
        Cells.column(transactions["Bedrag"].tolist()),
    )
    assert [r[0] for r in shown[1:]] == klanten["Klant"].tolist()
    assert [r[1] for r in shown[1:]] == klanten["Status"].tolist()
    assert [r[4] for r in shown[1:]] == klanten["Aankopen"].tolist()


def test_an_unexpected_error_is_a_short_dutch_message(monkeypatch):
    module = classic_module()

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(module, "customer_summary", broken)
    shown = scalar(call("KLANTSTATUS_TABEL", *shop("klanten", "datums")))
    assert shown == "KLANTSTATUS_TABEL: onverwachte fout (ZeroDivisionError); controleer de invoer."
    assert "Traceback" not in shown


# --------------------------------------------------------------------------- segments


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_rfm_segment_by_hand(runner):
    # peildatum 2026-01-31, thresholds 90 / 200 days: a (275 days) Verloren, b Nieuw, c (122) Inactief.
    # R: fewest days = 5 (b 0, c 122, a 275); F by occasions, ties first-come (c 1, b 2, a 3);
    # M by revenue (b 50, a 60, c 100). Cells: b R5 F3 = Potentieel loyaal, c R3 F1 = Bijna slapend;
    # a is Verloren by status whatever its cell.
    shown = runner("RFM_SEGMENT", *shop("klanten", "datums", "bedragen"), MISSING, 90, 200)
    assert shown == [
        ["Klant", "R", "F", "M", "RFM-score", "Segment"],
        ["a", 1, 5, 3, 153, "Verloren"],
        ["b", 5, 3, 1, 531, "Potentieel loyaal"],
        ["c", 3, 1, 5, 315, "Bijna slapend"],
    ]


def test_rfm_segment_bad_input():
    assert scalar(call("RFM_SEGMENT", *shop("klanten", "datums"), col(*["x"] * 7))) == "Bedrag in rij 2 is geen bedrag: 'x'"


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_klantpiramide_by_hand(runner):
    # only b is active (Nieuw): the one active customer is the top 1%
    shown = runner("KLANTPIRAMIDE", *shop("klanten", "datums", "bedragen"), MISSING, 90, 200)
    assert shown == [["Klant", "Piramide"], ["a", "Verloren"], ["b", "Top"], ["c", "Inactief"]]


def test_klantpiramide_bad_input():
    assert scalar(call("KLANTPIRAMIDE", *shop("klanten", "datums", "bedragen"), "volgend jaar")) == (
        "Peildatum is geen datum: 'volgend jaar'"
    )


WINBACK_HEADER = ["Klant", "Laatste activiteit", "Dagen sinds activiteit", "Omzet", "Aankopen"]


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_winback_lijst_by_hand(runner):
    # thresholds 90 / 365: a (275 days) and c (122 days, first purchase too long ago to be new)
    # are inactive; most recent first
    shown = runner("WINBACK_LIJST", *shop("klanten", "datums", "bedragen"), MISSING, MISSING, 90, 365)
    assert shown[0] == WINBACK_HEADER
    assert [r[0] for r in shown[1:]] == ["c", "a"]
    assert [r[2:] for r in shown[1:]] == [[122.0, 100.0, 1], [275.0, 60.0, 3]]
    # "call your 5 most recent inactive customers": aantal limits the list
    assert runner("WINBACK_LIJST", *shop("klanten", "datums", "bedragen"), 1, MISSING, 90, 365)[1:] == shown[1:2]


def test_winback_lijst_without_amounts_and_bad_input():
    shown = call("WINBACK_LIJST", *shop("klanten", "datums"), MISSING, MISSING, MISSING, 90, 365)
    assert shown[0] == ["Klant", "Laatste activiteit", "Dagen sinds activiteit", "Aankopen"]
    assert scalar(call("WINBACK_LIJST", *shop("klanten", "datums", "bedragen"), "vijf")) == (
        "Aantal is geen geheel getal van 0 of meer: 'vijf'"
    )


# --------------------------------------------------------------------------- purchase behaviour


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_herhaalaankoopratio_by_hand(runner):
    # a and b bought on two or more days, c once
    assert scalar(runner("HERHAALAANKOOPRATIO", *shop("klanten", "datums"))) == pytest.approx(2 / 3)


def test_herhaalaankoopratio_bad_input():
    assert scalar(call("HERHAALAANKOOPRATIO", col("a"), col("gisteren"))) == "Datum in rij 2 is geen datum: 'gisteren'"


@pytest.mark.parametrize(
    "statistic, expected",
    [
        # gaps: a 59, 61; b 30  -> mean 50, median 59, count 3
        (MISSING, 50.0),
        ("gemiddelde", 50.0),
        ("mediaan", 59.0),
        ("Mediaan", 59.0),
        (50, 59.0),
        ("aantal", 3),
        ("p90", pytest.approx(np.percentile([30, 59, 61], 90))),
    ],
)
def test_tijd_tussen_aankopen_by_hand(statistic, expected):
    assert scalar(call("TIJD_TUSSEN_AANKOPEN", *shop("klanten", "datums"), MISSING, statistic)) == expected


def test_tijd_tussen_aankopen_bad_input():
    assert scalar(call("TIJD_TUSSEN_AANKOPEN", *shop("klanten", "datums"), MISSING, "modus")) == (
        "Statistiek moet gemiddelde, mediaan, p10, p25, p75, p90 of aantal zijn: 'modus'"
    )
    assert scalar(call("TIJD_TUSSEN_AANKOPEN", col("a", "b"), col(D(2025, 1, 1), D(2025, 2, 1)))) == (
        "Geen enkele klant heeft twee aankopen; er is geen tijd tussen aankopen."
    )


# Thresholds on generated data: each customer buys every 10 days for a while, then stops.
def _regular_buyers():
    klanten, datums = [], []
    for i in range(40):
        for k in range(5):
            klanten.append(f"k{i}")
            datums.append(D(2025, 1, 1) + dt.timedelta(days=10 * k + i))
    return col(*klanten), col(*datums)


def test_drempels_on_regular_buyers():
    # every observed gap is exactly 10 days: all who come back do so at 10 days
    klanten, datums = _regular_buyers()
    assert scalar(call("DREMPEL_INACTIEF", klanten, datums)) == 10.0
    assert scalar(call("DREMPEL_INACTIEF", klanten, datums, MISSING, "50%")) == 10.0
    assert scalar(call("DREMPEL_VERLOREN", klanten, datums)) == 10.0


def test_drempels_bad_input():
    thin = shop("klanten", "datums")
    assert scalar(call("DREMPEL_INACTIEF", *thin)) == (
        "Te weinig herhaalaankopen om drempels af te leiden: 3 tussenpozen tussen aankopen, "
        "minstens 30 nodig. Vul de drempels zelf in (aantal dagen)."
    )
    klanten, datums = _regular_buyers()
    assert scalar(call("DREMPEL_VERLOREN", klanten, datums, MISSING, "heel klein")) == "Kans is geen percentage: 'heel klein'"
    assert scalar(call("DREMPEL_INACTIEF", klanten, datums, MISSING, 0)) == (
        "Aandeel terugkomers moet tussen 0% en 100% liggen: 0.0"
    )


@pytest.mark.parametrize("runner", [call, call_officejs])
def test_churn_percentage_by_hand(runner):
    # inactive after 100 days. Active on 2025-06-01: a (last 2025-05-01). On 2026-01-31: b, c.
    # a is lost: churn 1/1 = 100%.
    assert scalar(runner("CHURN_PERCENTAGE", *shop("klanten", "datums"), MISSING, D(2025, 6, 1), D(2026, 1, 31), 100)) == 1.0
    # 200 days: active on 2025-10-15 are a (167 days) and c (14 days); on 2026-01-31
    # a is not (275 days), c is (122 days): churn 1/2
    assert scalar(runner("CHURN_PERCENTAGE", *shop("klanten", "datums"), MISSING, D(2025, 10, 15), D(2026, 1, 31), 200)) == 0.5


def test_churn_percentage_bad_input():
    args = [*shop("klanten", "datums"), MISSING]
    assert scalar(call("CHURN_PERCENTAGE", *args, D(2026, 1, 1), D(2025, 1, 1), 100)) == (
        "Einddatum (01-01-2025) moet na de begindatum (01-01-2026) liggen."
    )
    assert scalar(call("CHURN_PERCENTAGE", *args, None, D(2025, 1, 1))) == "Geef een begin- en een einddatum op."
    assert scalar(call("CHURN_PERCENTAGE", *args, D(2020, 1, 1), D(2021, 1, 1), 100)) == (
        "Geen actieve klanten op 01-01-2020: het verloop is niet te berekenen."
    )


# --------------------------------------------------------------------------- CDNOW


@pytest.fixture(scope="module")
def cdnow():
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype={"customer_id": str, "date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


def test_cdnow_klantstatus_agrees_with_an_inline_oracle_and_with_the_core(cdnow):
    from klant_xl.status import customer_status
    from klant_xl.summary import customer_summary

    last = cdnow.groupby("customer_id")["date"].max().sort_index()
    reference = dt.datetime(1998, 6, 30)
    days = (reference - last).dt.days
    oracle = np.where(days <= 90, "Actief", np.where(days <= 365, "Inactief", "Verloren"))
    shown = call("KLANTSTATUS", Cells.column([d.to_pydatetime() for d in last]), reference, 90, 365)
    assert [r[0] for r in shown] == oracle.tolist()
    assert {s: int((oracle == s).sum()) for s in ("Actief", "Inactief", "Verloren")} == {
        s: sum(r[0] == s for r in shown) for s in ("Actief", "Inactief", "Verloren")
    }
    # and the core, from the transactions, says the same
    transactions = pd.DataFrame({"Klant": cdnow["customer_id"], "Datum": cdnow["date"], "Bedrag": cdnow["dollar_value"]})
    core = customer_status(customer_summary(transactions, "1998-06-30"), 90, 365)
    assert core.loc[last.index].tolist() == oracle.tolist()


def test_cdnow_table_and_repeat_rate(cdnow):
    klanten = Cells.column(cdnow["customer_id"].tolist())
    datums = Cells.column([d.to_pydatetime() for d in cdnow["date"]])
    bedragen = Cells.column(cdnow["dollar_value"].tolist())
    # published anchors (SPEC §3): 23,570 customers, 67,591 occasions, repeat rate 0.4886
    assert round(scalar(call("HERHAALAANKOOPRATIO", klanten, datums)), 4) == 0.4886
    shown = call("KLANTSTATUS_TABEL", klanten, datums, bedragen, MISSING, 90, 365)
    assert len(shown) - 1 == 23570
    assert sum(r[shown[0].index("Aankopen")] for r in shown[1:]) == 67591
    assert round(sum(r[shown[0].index("Omzet")] for r in shown[1:]), 2) == round(cdnow["dollar_value"].sum(), 2)
    officejs = call_officejs("HERHAALAANKOOPRATIO", klanten, Cells.column(cdnow["date"].dt.strftime("%Y%m%d").astype(int).tolist()))
    assert round(scalar(officejs), 4) == 0.4886  # yyyymmdd numbers are dates too


def test_cdnow_kans_actief_and_clv_agree_with_the_core_in_both_runtimes(cdnow):
    from klant_xl.models import predict_customers
    from klant_xl.summary import customer_summary

    klanten = Cells.column(cdnow["customer_id"].tolist())
    datums = Cells.column([d.to_pydatetime() for d in cdnow["date"]])
    bedragen = Cells.column(cdnow["dollar_value"].tolist())
    transactions = pd.DataFrame({"Klant": cdnow["customer_id"], "Datum": cdnow["date"], "Bedrag": cdnow["dollar_value"]})
    core = predict_customers(customer_summary(transactions), transactions)
    alive = call("KANS_ACTIEF", klanten, datums)
    assert alive[0] == ["Klant", "Kans actief", "Verwachte aankopen", "Verwachte volgende aankoop"]
    assert [r[0] for r in alive[1:]] == core.index.tolist()
    probabilities = np.array([r[1] for r in alive[1:]])
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    # the UDF gets no amounts: every line is a purchase, as in CDNOW (no returns), so the same numbers
    assert probabilities == pytest.approx(core["Kans actief"].to_numpy())
    assert all(isinstance(r[3], dt.datetime) for r in alive[1:])
    value = call("CLV", klanten, datums, bedragen)
    assert value[0] == ["Klant", "Verwachte aankopen", "Verwachte bestelwaarde", "CLV"]
    assert np.array([r[3] for r in value[1:]]) == pytest.approx(core["CLV"].to_numpy())
    officejs = call_officejs("CLV", klanten, datums, bedragen, MISSING, "30%", 12, 0.1)
    assert [r[3] for r in officejs[1:]] == pytest.approx([r[3] for r in value[1:]])


def test_kans_actief_and_clv_bad_input():
    assert scalar(call("KANS_ACTIEF", *shop("klanten", "datums"))) == (
        "Te weinig gegevens voor het MBG/NBD-model: 3 klanten, waarvan 2 met een herhaalaankoop. "
        "Nodig zijn minstens 100 klanten en 30 klanten met een herhaalaankoop."
    )
    assert scalar(call("KANS_ACTIEF", *shop("klanten", "datums"), MISSING, MISSING, -3)) == "Dagen is geen positief aantal dagen: -3"
    args = shop("klanten", "datums", "bedragen")
    assert scalar(call("CLV", *args, MISSING, "veel")) == "Marge is geen percentage: 'veel'"
    assert scalar(call("CLV", *args, MISSING, MISSING, "twaalf")) == "Maanden is geen geheel getal van 1 tot 1200: 'twaalf'"


# --------------------------------------------------------------------------- robustness


TYPED = [None, "", " ", "morgen", "23-11-2026", "2026-11-23", 0, -1, 1e308, float("inf"), 46349.0, 46349.5,
         True, "30%", "auto", "1.234,56", CellError("#N/A"), D(2026, 11, 23), dt.datetime(1900, 1, 1), "\x00"]


@pytest.mark.parametrize("name", CORE_FUNCTIONS)
@pytest.mark.parametrize("value", TYPED, ids=repr)
def test_nothing_typed_in_any_argument_raises(name, value):
    """Whatever a user types in any one argument, the cell shows a value or a Dutch message."""
    n_args = len(info(name)["args"])
    base = {
        "klanten": shop("klanten")[0], "datums": shop("datums")[0], "bedragen": shop("bedragen")[0],
        "laatste_datum": Cells([[D(2025, 6, 1)]]), "begin": D(2025, 6, 1), "eind": D(2026, 1, 31),
        "start": 1000, "nieuw_pct": 0.4, "verloop_pct": 0.3, "jaren": 10,
    }
    names = [a["name"] for a in info(name)["args"]]
    for i in range(n_args):
        args = [base.get(n, MISSING) for n in names]
        args[i] = Cells([[value]]) if isinstance(args[i], Cells) else value
        for runner in (call, call_officejs):
            shown = runner(name, *args)  # raises UdfCrash if the function raised
            assert isinstance(shown, list)


# --------------------------------------------------------------------------- examples for the template


def test_examples_cover_every_function_and_compute_on_the_sample():
    from klant_xl.sample import sample_transactions
    from klant_xl.udfs import EXAMPLES

    assert sorted(e.name for e in EXAMPLES) == CORE_FUNCTIONS
    transactions = sample_transactions()
    results = {e.name: e.compute(transactions) for e in EXAMPLES}
    for example in EXAMPLES:
        assert example.formula.startswith(f"={example.name}(")
        assert ";" in example.formula_nl or "," not in example.formula
        assert "," not in example.formula_nl.replace(", ", "")
    assert results["KLANTSTATUS"] == "Inactief"  # 213 days, thresholds 90 / 365
    assert round(results["CUMULATIEF_VERLIES"], 3) == 0.271
    assert [round(r[1]) for r in results["CHURN_PROJECTIE"][1:]] == SEED_002_WINBACK
    assert results["KLANTSTATUS_TABEL"][0] == TABLE_HEADER
    assert results["RFM_SEGMENT"][0] == ["Klant", "R", "F", "M", "RFM-score", "Segment"]
    assert results["KLANTPIRAMIDE"][0] == ["Klant", "Piramide"]
    assert results["WINBACK_LIJST"][0] == WINBACK_HEADER and len(results["WINBACK_LIJST"]) == 6
    assert results["KANS_ACTIEF"][0][:2] == ["Klant", "Kans actief"]
    assert results["CLV"][0][-1] == "CLV" and len(results["CLV"]) == len(results["KLANTSTATUS_TABEL"])
    assert len(results["RFM_SEGMENT"]) == len(results["KLANTPIRAMIDE"]) == len(results["KLANTSTATUS_TABEL"])
    for name in ("HERHAALAANKOOPRATIO", "TIJD_TUSSEN_AANKOPEN", "DREMPEL_INACTIEF", "DREMPEL_VERLOREN",
                 "CHURN_PERCENTAGE", "VERDUBBELINGSTIJD"):
        assert isinstance(results[name], float), (name, results[name])


# --------------------------------------------------------------------------- property: nothing typed crashes

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELL = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-10, 60000),
    st.dates(min_value=D(1899, 1, 1), max_value=D(2300, 1, 1)),
    st.booleans(),
    st.sampled_from([CellError("#N/A"), CellError("#DIV/0!"), CellError("#VALUE!")]),
    st.sampled_from(["23-11-2026", "2026-11-23", "€ 1.234,56", "30%", "auto", "Klant", "Datum", "Totaal"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=15),
    extra=st.lists(CELL, min_size=0, max_size=3),
    officejs=st.booleans(),
)
def test_random_tables_never_crash_a_cell(rows, extra, officejs):
    runner = call_officejs if officejs else call
    klanten, datums, bedragen = (Cells.column([r[i] for r in rows]) for i in range(3))
    for name in ("KLANTSTATUS_TABEL", "WINBACK_LIJST", "RFM_SEGMENT", "HERHAALAANKOOPRATIO"):
        n_args = len(info(name)["args"])
        args = [klanten, datums, bedragen, *extra][:n_args] if name != "HERHAALAANKOOPRATIO" else [klanten, datums]
        shown = runner(name, *args)
        assert shown and all(len(row) == len(shown[0]) for row in shown)
    shown = runner("KLANTSTATUS", datums, *extra)
    assert 1 <= len(shown) <= len(rows)  # blank rows at the bottom are not spilled


def test_readme_lists_every_example_with_its_result_on_the_sample():
    """README "In Excel" shows each function's example and the sample's result: keep them true."""
    from klant_xl.sample import sample_transactions
    from klant_xl.udfs import EXAMPLES

    from klant_xl.sample import sample_contacts
    from klant_xl.udfs import ExampleInputs

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## In Excel"):]
    inputs = ExampleInputs(sample_transactions(), sample_contacts())
    for example in EXAMPLES:
        assert f"`{example.formula_nl}`" in section, example.name
    results = {e.name: e.compute(inputs) for e in EXAMPLES}

    def nl(value, decimals):
        return f"{value:.{decimals}f}".replace(".", ",")

    assert f"| {nl(results['HERHAALAANKOOPRATIO'], 3)} (" in section
    assert f"| {results['TIJD_TUSSEN_AANKOPEN']:.0f} dagen" in section
    assert f"| {results['DREMPEL_INACTIEF']:.0f} dagen |" in section
    assert f"| {results['DREMPEL_VERLOREN']:.0f} dagen |" in section
    assert f"| {nl(results['CHURN_PERCENTAGE'], 3)} (" in section
    assert f"| {nl(results['VERDUBBELINGSTIJD'], 2)} jaar |" in section
    first = dict(zip(results["KLANTSTATUS_TABEL"][0], results["KLANTSTATUS_TABEL"][1]))
    assert f"({first['Klant']}: {first['Status']}, {first['Aankopen']} aankopen, € {nl(first['Omzet'], 2)})" in section
    rfm = dict(zip(results["RFM_SEGMENT"][0], results["RFM_SEGMENT"][1]))
    assert f"({rfm['Klant']}: {rfm['RFM-score']}, {rfm['Segment']})" in section
    alive = results["KANS_ACTIEF"][1]
    assert f"({alive[0]}: {nl(alive[1], 2)}; {nl(alive[2], 2)}; {alive[3]:%d-%m-%Y})" in section
    clv = results["CLV"][1]
    assert f"({clv[0]}: € {nl(clv[3], 2)} bij" in section
    winback = results["WINBACK_LIJST"][1]
    assert f"({winback[0]}: {winback[1]:%d-%m-%Y}, {winback[2]:.0f} dagen)" in section
    assert f"({results['KLANTPIRAMIDE'][1][0]}: {results['KLANTPIRAMIDE'][1][1]})" in section


@pytest.mark.parametrize(("start", "expected"), [("1.000", 1000.0), ("12.500", 12500.0), (1000.0, 1000.0)])
def test_churn_projectie_reads_a_start_as_instellingen_and_the_command_line_do(start, expected):
    # the text '1.000' was 1 customer and '12.500' twelve and a half; --start 1.000 is a thousand
    table = call("CHURN_PROJECTIE", start, 0.4, 0.3, 1)
    assert table[1] == [0, expected] and table[2][1] == pytest.approx(expected * 1.1)


@pytest.mark.parametrize(("args", "message"), [
    ((True, 0.4, 0.3, 1), "Aantal klanten bij de start is geen aantal: WAAR"),
    ((1000, 0.4, 0.3, 2.5), "Aantal jaren is geen geheel getal van minstens 0: 2,5"),
])
def test_churn_projectie_refuses_what_is_no_count(args, message):
    assert scalar(call("CHURN_PROJECTIE", *args)) == message


def test_a_rate_above_100_percent_in_a_formula_says_what_a_formula_can_do():
    # the advice was a setting on Instellingen that the functions never read
    message = scalar(call("CHURN_PROJECTIE", 1000, 1.3, 0.3, 10))
    assert message == ('Nieuw % is dubbelzinnig: een getal boven 1 is in een cel met procentnotatie 130%, getypt '
                       'misschien 1,3%. Geef het als tekst met %-teken: "130%" of "1,3%": 1,3')
    assert "Instellingen" not in message
    assert call("CHURN_PROJECTIE", 1000, "130%", 0.3, 1)[2][1] == pytest.approx(2000.0)
