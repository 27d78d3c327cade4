"""One parser for what a user types: the same text or serial means the same thing everywhere.

Regression tests of issue 10: ``customer_summary(tx, "01-02-2025")`` used to read 2 January
(``pd.Timestamp``) and the Excel serial 45697 1970; an Instellingen value "1.234" was 1.234
there and 1234 in ``values.parse_amounts``; three customer-id functions disagreed on
``True``, dates and ``1e20``. Expected values are computed by hand in the comments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.cohorts import cohort_triangle
from klant_xl.reading import read_transactions
from klant_xl.analysis import segments_summary_json
from klant_xl.status import customer_status
from klant_xl.summary import customer_summary, resolve_reference_date
from klant_xl.values import customer_id, customer_ids, parse_amounts, parse_number
from klant_xl.retention import retention_cutoff
from klant_xl.winback import winback_report

FEB1 = pd.Timestamp("2025-02-01")
# 2025-01-01 is serial 45658 (45658 days after 1899-12-30: 125 years of 365 days + 31 leap days
# 1900..2024 without 1900 + the 2 days Excel's origin is before 1900-01-01); + 39 days is 9 February
SERIAL = 45697
SERIAL_DAY = pd.Timestamp("2025-02-09")

TX = pd.DataFrame(
    {
        "Klant": ["a", "a", "b", "c"],
        "Datum": pd.to_datetime(["2024-03-01", "2025-01-15", "2025-01-31", "2025-02-05"]),
        "Bedrag": [10.0, 20.0, 30.0, 40.0],
    }
)


def test_serial_45658_is_new_year_2025():
    assert pd.Timestamp("1899-12-30") + pd.Timedelta(days=45658) == pd.Timestamp("2025-01-01")


@pytest.mark.parametrize("typed, day", [("01-02-2025", FEB1), ("1-2-2025", FEB1), (SERIAL, SERIAL_DAY),
                                        (str(SERIAL), SERIAL_DAY), (dt.date(2025, 2, 1), FEB1),
                                        (45689, FEB1)])
def test_a_peildatum_means_the_same_day_in_every_public_function(typed, day):
    assert resolve_reference_date(TX, typed) == day
    summary = customer_summary(TX, typed)
    # rows after the peildatum are ignored: c bought on 5 February
    assert ("c" in summary.index) == (day >= pd.Timestamp("2025-02-05"))
    assert summary.loc["a", "Dagen sinds aankoop"] == (day - pd.Timestamp("2025-01-15")).days
    status = customer_status(summary, 30, 365, reference_date=typed)
    json = segments_summary_json(TX, summary, status, typed)
    assert json["peildatum"] == day.date().isoformat()
    assert retention_cutoff(typed, 1) == day - pd.DateOffset(years=1)
    triangle = cohort_triangle(TX, typed, 30)
    # a (2024) is the 2024 cohort; b (31 January) the 2025 one, joined by c (5 February) from that day on
    assert triangle["Klanten"].tolist() == [1, 1 + int(day >= pd.Timestamp("2025-02-05"))]
    report = winback_report(pd.DataFrame({"Klant": ["b"], "Benaderd op": ["20-01-2025"]}), TX, typed, 30)
    outcome = report["uitkomsten"].iloc[0]
    assert outcome["Benaderd op"] == pd.Timestamp("2025-01-20") and bool(outcome["Teruggewonnen"])


def test_first_february_is_not_second_january():
    assert customer_summary(TX, "01-02-2025").loc["a", "Dagen sinds aankoop"] == 17  # 15 Jan -> 1 Feb


@pytest.mark.parametrize("text, number", [("1.234", 1234.0), ("1.234,5", 1234.5), ("1,5", 1.5), ("7", 7.0),
                                          ("€ 1.234,56", 1234.56), ("12.50", 12.5), ("1,234.5", 1234.5)])
def test_one_number_is_read_as_one_amount_cell(text, number):
    assert parse_number(text, "Projectie: klanten nu") == number
    assert parse_amounts(pd.Series([text])).iloc[0] == number


@pytest.mark.parametrize(
    "cell, key",
    [
        (True, "WAAR"),
        (False, "ONWAAR"),
        (pd.Timestamp("2024-01-05"), "2024-01-05"),
        (dt.datetime(2024, 1, 5), "2024-01-05"),
        (dt.date(2024, 1, 5), "2024-01-05"),
        (1e20, "1e+20"),
        (1001.0, "1001"),
        (1001, "1001"),
        (" K1 ", "K1"),
        (" Jan@Voorbeeld.NL ", "jan@voorbeeld.nl"),
        ("mailto:An@X.nl", "an@x.nl"),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_one_customer_id(cell, key):
    assert customer_id(cell) == key
    assert customer_ids(pd.Series([cell], dtype=object)).tolist() == [key]


def test_reading_winback_and_the_store_use_the_one_customer_id():
    from klant_xl.excel.preserve import update_store

    cells = [True, pd.Timestamp("2024-01-05"), dt.datetime(2024, 1, 5), 1e20, 1001.0, " K1 "]
    frame = read_transactions(pd.DataFrame({"Klant": cells, "Datum": ["01-02-2025"] * len(cells)}))
    assert frame["Klant"].tolist() == ["WAAR", "2024-01-05", "2024-01-05", "1e+20", "1001", "K1"]
    assert (frame["Datum"] == FEB1).all()
    # the store keys what a user typed in Winback by the same id: 1001.0 read back from a cell is '1001'
    old = pd.DataFrame({"Klant": [1001.0, dt.datetime(2024, 1, 5)], "Notitie": ["bellen", "mailen"]})
    store = update_store(None, "Winback", old, "Klant", ["Notitie"])
    assert sorted(store["Klant"]) == ["1001", "2024-01-05"]


@given(st.one_of(st.integers(-10**18, 10**18), st.floats(allow_nan=False, allow_infinity=False),
                 st.text(max_size=8), st.booleans(), st.dates(min_value=dt.date(1900, 1, 1))))
@settings(max_examples=200, deadline=None)
def test_column_and_cell_agree(value):
    assert customer_ids(pd.Series([value], dtype=object)).tolist() == [customer_id(value)]


@given(st.lists(st.text(alphabet="aAbB@. K1", max_size=6), max_size=6))
@settings(max_examples=100, deadline=None)
def test_text_columns_agree_with_the_cell_function(values):
    assert customer_ids(pd.Series(values, dtype=object)).tolist() == [customer_id(v) for v in values]


# --------------------------------------------------------------------------- the settings schema


def test_instellingen_number_is_read_like_an_amount():
    from klant_xl.settings import settings_from_values

    settings = settings_from_values({"projectie_start": "1.234", "bewaartermijn": "7,5", "projectie_jaren": "12"})
    assert settings.projection_start == 1234.0 == parse_amounts(pd.Series(["1.234"])).iloc[0]
    assert settings.retention_years == 7.5
    assert settings.projection_years == 12


def test_schema_generates_settings_template_refresh_and_cli():
    from klant_xl.cli import build_parser
    from klant_xl.excel.template import settings_sheet
    from klant_xl.settings import DEFAULTS, SCHEMA, SETTING_NAMES, Settings, settings_from_values

    fields = [s.field for s in SCHEMA]
    assert fields == list(SETTING_NAMES) == [f.name for f in dataclasses.fields(Settings)]
    assert {s.field: getattr(DEFAULTS, s.field) for s in SCHEMA} == {s.field: s.default for s in SCHEMA}
    # the template shows every setting under its defined name, rendered so the refresh reads it back
    cells = {c.name: c.value for block in settings_sheet().blocks for c in block.cells if c.name}
    assert list(cells) == [s.name for s in SCHEMA]
    assert settings_from_values(cells) == DEFAULTS
    # the CLI options are the schema entries with an option, parsed as the cells are
    args = build_parser().parse_args(["demo", "--peildatum", "01-02-2025", "--dagen-inactief", "automatisch",
                                      "--dagen-verloren", "400 dagen"])
    assert args.peildatum == FEB1 and args.dagen_inactief is None and args.dagen_verloren == 400.0


def test_a_changed_setting_round_trips_through_its_cell():
    from klant_xl.excel.template import settings_sheet
    from klant_xl.settings import DEFAULTS, settings_from_values

    changed = DEFAULTS.with_(reference_date=FEB1, inactive_days=90.0, mark_new=False, pyramid_cuts=(0.02, 0.1, 0.3),
                             column_choices=(("Klant", "E-mail"), ("Bedrag", None)), counted_statuses=("paid",),
                             projection_winback_rate=None)
    cells = {c.name: c.value for block in settings_sheet(changed).blocks for c in block.cells if c.name}
    assert cells["nieuw_tonen"] == "NEE" and cells["projectie_terugwin"] == "gemeten"
    assert cells["kolomkeuze"] == "Klant=E-mail; Bedrag="
    assert settings_from_values(cells) == changed


def test_a_setting_is_one_entry():
    from klant_xl.settings import Setting

    entry = Setting("allow_above_100", "boven_100", "Boven 100% toestaan", "Hulptekst.", "yes_no", default=False)
    assert entry.choices == ("JA", "NEE") and entry.render(False) == "NEE"
    assert entry.parse("ja") is True and entry.parse("", current=False) is False
    with pytest.raises(ValueError):
        Setting("x", "x", "X", "", "kleur")


def test_a_number_typed_as_text_on_instellingen_reaches_the_projectie_formulas(tmp_path):
    # Excel cannot calculate with the text "1.234"; klant_xl reads it as 1234 (as an amount cell), and
    # the Projectie formula falls back to that reading instead of silently using the measured start
    from klant_xl.excel import template
    from klant_xl.excel.refresh import refresh_workbook
    from tests.excel_helpers import load

    rows = [(f"k{i}", pd.Timestamp("2025-01-01") + pd.Timedelta(days=i), 10.0) for i in range(30)]
    path = tmp_path / "winkel.xlsx"
    template.build_workbook(path, pd.DataFrame(rows, columns=["Klant", "Datum", "Bedrag"]))
    wb = load(path)
    sheet, cell = next(iter(wb.defined_names["projectie_start"].destinations))
    wb[sheet][cell.replace("$", "")] = "1.234"
    wb.save(path)
    report = refresh_workbook(path, today=pd.Timestamp("2026-12-01"))
    assert report.analysis.projection_inputs.start == 1234.0
    formulas = [c.value for row in load(path)["Projectie"].iter_rows() for c in row
                if isinstance(c.value, str) and "projectie_start" in c.value]
    assert formulas and all("IF(ISBLANK(projectie_start)," in f and f.endswith(",1234.0))") for f in formulas)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", " a", "A", "", "  ", "1", "#N/A"]), st.text(max_size=4),
                          st.integers(-2, 2), st.booleans(), st.just(float("nan"))), max_size=40))
def test_per_distinct_is_the_function_of_each_value(values):
    """Once per distinct text, or value by value when the column is not all text (1 == True)."""
    from klant_xl.values import per_distinct

    def describe(v):
        return f"{type(v).__name__}:{v!r}"

    expected = [None if v is None or (isinstance(v, float) and v != v) else describe(v) for v in values]
    assert per_distinct(values, describe).tolist() == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "\u00a0", "x", " y "]), st.floats(allow_infinity=False),
                          st.integers(-3, 3), st.just(pd.NaT), st.just(dt.date(2024, 1, 5))), max_size=30))
def test_blank_mask_agrees_with_is_blank_on_mixed_cells(values):
    from klant_xl.headers import blank_mask
    from klant_xl.values import is_blank

    assert blank_mask(pd.Series(values, dtype=object)).tolist() == [is_blank(v) for v in values]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=" \t\r\n\x0b\x0c\x85\u00a0\u2009\u202f\u3000x", max_size=3)),
                min_size=1, max_size=30))
def test_a_cell_is_blank_or_not_whatever_else_its_column_holds(texts):
    # blank: no value, or text of only the spaces klant_xl strips from every cell (space, tab, CR, LF,
    # NBSP, thin and narrow NBSP); a form feed or an ideographic space is text, in a column of text
    # as in a column that also holds a number
    from klant_xl.headers import blank_mask

    spaces = " \t\r\n\u00a0\u2009\u202f"
    expected = [t is None or t.strip(spaces) == "" for t in texts]
    assert blank_mask(pd.Series(texts, dtype=object)).tolist() == expected
    assert blank_mask(pd.Series([*texts, 7.0], dtype=object)).tolist() == [*expected, False]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "\u00a0", "\x0c", "x", " y "]), st.text(max_size=3),
                          st.floats(), st.integers(-3, 3), st.booleans(), st.just(pd.NaT),
                          st.just(dt.date(2024, 1, 5))), max_size=30))
def test_a_cell_has_no_text_exactly_when_it_is_blank(values):
    # the export reader takes a column's blanks from its texts (one factorisation for both)
    from klant_xl.values import cell_texts

    spaces = " \t\r\n\u00a0\u2009\u202f"
    for column in (values, [v for v in values if isinstance(v, str) or v is None]):
        blank = [v is None or v is pd.NaT or (isinstance(v, float) and v != v)
                 or (isinstance(v, str) and v.strip(spaces) == "") for v in column]
        assert [t is None for t in cell_texts(pd.Series(column, dtype=object))] == blank


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.just(""), st.text(max_size=3), st.floats(allow_nan=False),
                                   st.dates()), max_size=4), max_size=12))
def test_frame_from_rows_builds_the_frame_pandas_builds_from_the_rows(rows):
    """Column by column (cells shared) gives the frame the row-wise constructor gives."""
    from klant_xl.excel.grid import frame_from_rows

    got = frame_from_rows(rows, "Blad", header_row=3)
    end = len(rows)
    while end and all(v is None or v == "" for v in rows[end - 1]):
        end -= 1
    if not end:
        assert got is None
        return
    header = [("" if h is None else str(h)).strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    body = [list(r[:len(header)]) + [None] * (len(header) - len(r[:len(header)])) for r in rows[1:end]]
    expected = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header)
    expected.index = pd.RangeIndex(4, 4 + len(expected))
    assert got.columns.tolist() == expected.columns.tolist()
    assert got.index.equals(expected.index)
    assert got.shape == expected.shape
    assert [[repr(v) for v in r] for r in got.itertuples(index=False)] == \
        [[repr(v) for v in r] for r in expected.itertuples(index=False)]
    assert all(dtype == object for dtype in got.dtypes) or not len(got.columns)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([".", ","]),
       st.lists(st.one_of(st.none(), st.sampled_from(["", "  ", "\u00a0"]),
                          st.tuples(st.integers(-99999, 99999), st.integers(0, 99),
                                    st.sampled_from(["", " ", "\u00a0"]))),
                max_size=40))
def test_a_column_of_amount_texts_is_read_cell_by_cell_whatever_repeats(separator, cells):
    # each distinct text is parsed once and spread: the amounts are those of the cells one by one
    from klant_xl.values import amounts_and_bad

    def shown(cell):
        if cell is None or isinstance(cell, str):
            return cell
        units, cents, pad = cell
        return f"{pad}{'-' if units < 0 else ''}{abs(units)}{separator}{cents:02d}{pad}"

    def expected(cell):
        if cell is None or isinstance(cell, str):
            return None
        units, cents, _ = cell
        return (-1 if units < 0 else 1) * (abs(units) + cents / 100)

    texts = [shown(c) for c in cells] * 2  # every text at least twice
    amounts, bad = amounts_and_bad(pd.Series(texts, dtype=object))
    want = [expected(c) for c in cells] * 2
    assert not bad.any()
    got = [None if math.isnan(a) else round(a, 2) for a in amounts]
    assert got == [None if w is None else round(w, 2) for w in want]
