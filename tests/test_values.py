"""Tests of klant_xl.values: dates, amounts, percentages and day thresholds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.errors import WaardeFout
from klant_xl.values import parse_amounts, parse_date, parse_dates, parse_days, parse_fraction

NOV23 = pd.Timestamp("2026-11-23")


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    "value, expected",
    [
        (46349, NOV23),  # Excel serial: 2026-11-23 is day 46349 after 1899-12-30
        (46349.75, NOV23),  # 18:00 that day
        (np.int64(46349), NOV23),
        (61, pd.Timestamp("1900-03-01")),  # first serial after Excel's phantom 29 Feb 1900
        (45658, pd.Timestamp("2025-01-01")),
        (20261123, NOV23),  # yyyymmdd
        (dt.datetime(2026, 11, 23, 14, 3), NOV23),
        (dt.date(2026, 11, 23), NOV23),
        (pd.Timestamp("2026-11-23 23:30"), NOV23),
        (pd.Timestamp("2026-11-23 23:30", tz="Europe/Amsterdam"), NOV23),  # local day kept
        (np.datetime64("2026-11-23T08:00"), NOV23),
        ("2026-11-23", NOV23),
        ("2026-11-23 14:03", NOV23),
        ("2026-11-23T14:03:00Z", NOV23),
        ("2026-11-23 00:30:00 +0100", NOV23),  # Shopify: the day as written, not UTC
        ("2026/11/23", NOV23),
        ("23-11-2026", NOV23),
        ("23/11/2026", NOV23),
        ("23.11.2026", NOV23),
        ("23-11-26", NOV23),
        ("1-3-2026", pd.Timestamp("2026-03-01")),
        ("01-03-69", pd.Timestamp("1969-03-01")),
        ("23-11-2026 14:03:59", NOV23),
        ("23 nov 2026", NOV23),
        ("23 november 2026", NOV23),
        ("1 mrt 2026", pd.Timestamp("2026-03-01")),
        ("23-Nov-2026", NOV23),
        ("  23-11-2026  ", NOV23),
        ("46349", NOV23),  # a serial that arrived as text
        ("20261123", NOV23),
    ],
)
def test_parse_date_accepts(value, expected):
    assert parse_date(value, "Peildatum") == expected


@pytest.mark.parametrize("value", [None, "", "   ", float("nan"), pd.NaT, pd.NA, np.datetime64("NaT")])
def test_parse_date_blank_is_none(value):
    assert parse_date(value, "Peildatum") is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("morgen", "Peildatum is geen datum: 'morgen'"),
        ("31-02-2026", "Peildatum is geen datum: '31-02-2026'"),
        ("2026-13-01", "Peildatum is geen datum: '2026-13-01'"),
        ("1850-01-01", "Peildatum is geen datum: '1850-01-01'"),
        ("23-11-2026 later", "Peildatum is geen datum: '23-11-2026 later'"),
        ("23 novembre 2026", "Peildatum is geen datum: '23 novembre 2026'"),
        (True, "Peildatum is geen datum: WAAR"),
        (-5, "Peildatum is geen datum: -5"),
        (0, "Peildatum is geen datum: 0"),
        ([2026, 11, 23], "Peildatum is geen datum: [2026, 11, 23]"),
    ],
)
def test_parse_date_refuses_with_dutch_message(value, message):
    with pytest.raises(WaardeFout) as info:
        parse_date(value, "Peildatum")
    assert str(info.value) == message


def test_parse_date_names_the_row():
    with pytest.raises(WaardeFout, match=r"^Datum in rij 7 is geen datum: 'morgen'$") as info:
        parse_date("morgen", "Datum", row=7)
    assert (info.value.column, info.value.row, info.value.value) == ("Datum", 7, "morgen")


# --------------------------------------------------------------------------- parse_dates


def test_parse_dates_text_column_keeps_index_and_blanks():
    s = pd.Series(["23-11-2026", "", None, "2026-11-24 10:00"], index=[10, 11, 12, 13], name="Orderdatum")
    out = parse_dates(s)
    assert out.dtype == "datetime64[ns]"
    assert list(out.index) == [10, 11, 12, 13]
    assert out.name == "Orderdatum"
    assert out.tolist()[0] == NOV23 and out.tolist()[3] == pd.Timestamp("2026-11-24")
    assert out.isna().tolist() == [False, True, True, False]


def test_parse_dates_mixed_cells_as_read_from_a_sheet():
    s = pd.Series([dt.datetime(2026, 11, 23, 9), 46350.0, "25-11-2026", dt.date(2026, 11, 26), None, "27 nov 2026"])
    assert parse_dates(s).tolist() == [
        NOV23, pd.Timestamp("2026-11-24"), pd.Timestamp("2026-11-25"),
        pd.Timestamp("2026-11-26"), pd.NaT, pd.Timestamp("2026-11-27"),
    ]


def test_parse_dates_datetime64_with_time_zone_keeps_local_day():
    s = pd.Series(pd.to_datetime(["2026-03-01 00:30", "2026-11-23 23:59"]).tz_localize("Europe/Amsterdam"))
    assert parse_dates(s).tolist() == [pd.Timestamp("2026-03-01"), NOV23]
    assert parse_dates(s).dtype == "datetime64[ns]"


def test_parse_dates_numeric_column_is_serials():
    assert parse_dates(pd.Series([46349, 46350, np.nan])).tolist() == [NOV23, pd.Timestamp("2026-11-24"), pd.NaT]


def test_parse_dates_us_column_is_read_month_first():
    # 11/23/2026 only makes sense month-first, so the whole column is.
    out = parse_dates(pd.Series(["11/23/2026", "01/02/2026", "2/3/2026"]))
    assert out.tolist() == [NOV23, pd.Timestamp("2026-01-02"), pd.Timestamp("2026-02-03")]


def test_parse_dates_dutch_column_stays_day_first():
    out = parse_dates(pd.Series(["23/11/2026", "01/02/2026"]))
    assert out.tolist() == [NOV23, pd.Timestamp("2026-02-01")]


@pytest.mark.parametrize(
    "values, first_row, message",
    [
        (["1-1-2026", "2-1-2026", "morgen"], 5, "Orderdatum in rij 7 is geen datum: 'morgen'"),
        ([46349, -3], 2, "Orderdatum in rij 3 is geen datum: -3"),
        (["23-11-2026", True], 2, "Orderdatum in rij 3 is geen datum: WAAR"),
        (["31-04-2026"], 2, "Orderdatum in rij 2 is geen datum: '31-04-2026'"),
    ],
)
def test_parse_dates_first_bad_value(values, first_row, message):
    with pytest.raises(WaardeFout) as info:
        parse_dates(pd.Series(values), "Orderdatum", first_row=first_row)
    assert str(info.value) == message


def test_parse_dates_rows_argument():
    with pytest.raises(WaardeFout, match=r"^Datum in rij 40 is geen datum: 'x'$"):
        parse_dates(pd.Series(["1-1-2026", "x"]), rows=[12, 40])


def test_parse_dates_one_million_iso_strings_and_serials():
    # Not a timing test: the vectorised paths must cope with a million rows at all.
    days = pd.date_range("2020-01-01", periods=1000, freq="D")
    iso = pd.Series(np.tile(days.strftime("%Y-%m-%d").to_numpy(dtype=object), 1000))
    out = parse_dates(iso)
    assert len(out) == 1_000_000 and out.iloc[999_999] == days[-1]
    serials = pd.Series(np.tile((days - pd.Timestamp("1899-12-30")).days.to_numpy(), 1000))
    assert parse_dates(serials).iloc[-1] == days[-1]


# --------------------------------------------------------------------------- parse_amounts


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12.50", 12.5),
        ("12,50", 12.5),
        ("-12,50", -12.5),
        ("€ 1.234,56", 1234.56),
        ("€1.234,56", 1234.56),
        ("€-12,50", -12.5),
        ("-€ 12,50", -12.5),
        ("€ -12,50", -12.5),
        ("(12,50)", -12.5),
        ("12,50-", -12.5),  # bookkeeping: trailing minus
        ("1,234.56", 1234.56),
        (" 1 234,56", 1234.56),
        ("1\u00a0234,56", 1234.56),  # non-breaking space as Excel writes it
        ("1.234.567,89", 1234567.89),
        ("1,234,567.89", 1234567.89),
        ("1.234", 1234.0),  # dots grouping by three: thousands
        ("1,234", 1234.0),
        ("1.234.567", 1234567.0),
        ("0,125", 0.125),  # a leading 0 never starts a thousands group
        ("12,5", 12.5),
        ("EUR 5", 5.0),
        ("5 euro", 5.0),
        ("12,50 EUR", 12.5),
        ("+5", 5.0),
        ("−7,25", -7.25),  # Unicode minus sign
        ("0", 0.0),
        ("1e3", 1000.0),
    ],
)
def test_parse_amounts_one_text(text, expected):
    assert parse_amounts(pd.Series([text])).tolist() == [expected]


def test_parse_amounts_ambiguous_follows_the_column():
    # '1.234' is a thousand in a column that writes decimals with a comma ...
    assert parse_amounts(pd.Series(["1.234", "12,50"])).tolist() == [1234.0, 12.5]
    # ... and 1.234 where the column writes decimals with a point.
    assert parse_amounts(pd.Series(["1.234", "12.50"])).tolist() == [1.234, 12.5]
    assert parse_amounts(pd.Series(["1,234", "1.234,56"])).tolist() == [1.234, 1234.56]
    assert parse_amounts(pd.Series(["1,234", "1,234.56"])).tolist() == [1234.0, 1234.56]


def test_parse_amounts_numbers_and_mixed_cells():
    s = pd.Series([1.5, 2, "3,25", None, "", np.nan], index=list("abcdef"))
    out = parse_amounts(s)
    assert out.dtype == "float64" and list(out.index) == list("abcdef")
    assert out.iloc[:3].tolist() == [1.5, 2.0, 3.25] and out.iloc[3:].isna().all()
    assert parse_amounts(pd.Series([1, -2, 3])).tolist() == [1.0, -2.0, 3.0]


@pytest.mark.parametrize(
    "values, message",
    [
        (["12,50", "gratis"], "Bedrag in rij 9 is geen bedrag: 'gratis'"),
        (["12.34,56"], "Bedrag in rij 8 is geen bedrag: '12.34,56'"),
        (["1,23,456"], "Bedrag in rij 8 is geen bedrag: '1,23,456'"),
        (["€"], "Bedrag in rij 8 is geen bedrag: '€'"),
        (["(-5)"], "Bedrag in rij 8 is geen bedrag: '(-5)'"),
        (["1.2.3"], "Bedrag in rij 8 is geen bedrag: '1.2.3'"),
        ([5, True], "Bedrag in rij 9 is geen bedrag: WAAR"),
        ([5, dt.date(2026, 1, 1)], "Bedrag in rij 9 is geen bedrag: '01-01-2026'"),
        ([5.0, float("inf")], "Bedrag in rij 9 is geen bedrag: oneindig"),
    ],
)
def test_parse_amounts_bad_value(values, message):
    with pytest.raises(WaardeFout) as info:
        parse_amounts(pd.Series(values, dtype=object), first_row=8)
    assert str(info.value) == message


def _dutch(text_en: str) -> str:
    return text_en.replace(",", "_").replace(".", ",").replace("_", ".")


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    style=st.sampled_from(["nl", "nl_euro", "nl_paren", "en", "en_plain", "nl_plain"]),
)
def test_parse_amounts_round_trips_formatted_decimals(amount, style):
    english = f"{abs(amount):,.2f}"
    body = {
        "nl": _dutch(english),
        "nl_euro": "€ " + _dutch(english),
        "nl_paren": _dutch(english),
        "en": english,
        "en_plain": f"{abs(amount):.2f}",
        "nl_plain": f"{abs(amount):.2f}".replace(".", ","),
    }[style]
    if amount < 0:
        text = f"({body})" if style == "nl_paren" else "-" + body
    else:
        text = body
    assert parse_amounts(pd.Series([text])).iloc[0] == float(amount)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.decimals(min_value=-10**6, max_value=10**6, places=2), min_size=1, max_size=20))
def test_parse_amounts_dutch_column_round_trips(amounts):
    texts = [("-" if a < 0 else "") + "€ " + _dutch(f"{abs(a):,.2f}") for a in amounts]
    assert parse_amounts(pd.Series(texts)).tolist() == [float(a) for a in amounts]


# --------------------------------------------------------------------------- round trips of dates

dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2261, 12, 31))


@settings(max_examples=300, deadline=None)
@given(day=dates, style=st.sampled_from(["serial", "iso", "iso_time", "nl-", "nl/", "nl.", "nl_short", "nl_time"]))
def test_parse_date_round_trips(day, style):
    serial = (day - dt.date(1899, 12, 30)).days
    value = {
        "serial": serial,
        "iso": day.isoformat(),
        "iso_time": day.isoformat() + "T23:59:59",
        "nl-": f"{day.day:02d}-{day.month:02d}-{day.year}",
        "nl/": f"{day.day}/{day.month}/{day.year}",
        "nl.": f"{day.day:02d}.{day.month:02d}.{day.year}",
        "nl_short": f"{day.day:02d}-{day.month:02d}-{day.year % 100:02d}",
        "nl_time": f"{day.day:02d}-{day.month:02d}-{day.year} 08:15",
    }[style]
    expected = pd.Timestamp(day)
    if style == "nl_short":  # two-digit years: 00-68 -> 20xx, 69-99 -> 19xx
        yy = day.year % 100
        expected = pd.Timestamp(dt.date((2000 if yy <= 68 else 1900) + yy, day.month, day.day))
    assert parse_date(value, "Datum") == expected
    assert parse_dates(pd.Series([value, value])).tolist() == [expected, expected]


@settings(max_examples=50, deadline=None)
@given(st.lists(dates, min_size=1, max_size=30))
def test_parse_dates_vectorised_matches_one_by_one(days):
    texts = [f"{d.day:02d}-{d.month:02d}-{d.year}" for d in days]
    assert parse_dates(pd.Series(texts)).tolist() == [pd.Timestamp(d) for d in days]


# --------------------------------------------------------------------------- parse_fraction


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.3, 0.3), ("30%", 0.3), ("30 %", 0.3), ("0,3", 0.3), ("0.3", 0.3), (30, 0.3),
        ("30", 0.3), ("12,5%", 0.125), (0, 0.0), (1, 1.0), ("100%", 1.0), (100, 1.0), ("0%", 0.0),
    ],
)
def test_parse_fraction(value, expected):
    assert parse_fraction(value, "Verloop") == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("veel", "Verloop is geen percentage: 'veel'"),
        (None, "Verloop is geen percentage: (leeg)"),
        ("", "Verloop is geen percentage: ''"),
        (True, "Verloop is geen percentage: WAAR"),
        (150, "Verloop is geen percentage tussen 0% en 100%: 150"),
        ("150%", "Verloop is geen percentage tussen 0% en 100%: '150%'"),
        (-0.1, "Verloop is geen percentage tussen 0% en 100%: -0,1"),
    ],
)
def test_parse_fraction_bad(value, message):
    with pytest.raises(WaardeFout) as info:
        parse_fraction(value, "Verloop")
    assert str(info.value) == message


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_parse_fraction_of_percent_text(x):
    assert parse_fraction(f"{x}%", "Verloop") == x / 100


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_parse_fraction_of_a_fraction_is_itself(x):
    assert parse_fraction(x, "Verloop") == x


# --------------------------------------------------------------------------- parse_days


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None), ("", None), ("auto", None), ("Automatisch", None), (" AUTO ", None),
        (float("nan"), None), (120, 120.0), ("120", 120.0), ("120 dagen", 120.0), ("90,5", 90.5),
        (np.float64(30.0), 30.0),
    ],
)
def test_parse_days(value, expected):
    assert parse_days(value, "Drempel inactief") == expected


@pytest.mark.parametrize(
    "value, message",
    [
        (-5, "Drempel inactief is geen positief aantal dagen: -5"),
        (0, "Drempel inactief is geen positief aantal dagen: 0"),
        ("-5", "Drempel inactief is geen positief aantal dagen: '-5'"),
        ("veel", "Drempel inactief is geen aantal dagen: 'veel'"),
        (True, "Drempel inactief is geen aantal dagen: WAAR"),
    ],
)
def test_parse_days_bad(value, message):
    with pytest.raises(WaardeFout) as info:
        parse_days(value, "Drempel inactief")
    assert str(info.value) == message


def test_readers_on_threads_at_once_each_keep_their_column_s_codes():
    # id_text_column remembers its codes in a small table; two threads changing that table at once
    # raised 'dictionary changed size during iteration' or KeyError in one of them (found by review)
    import sys
    import threading

    from klant_xl.values import id_codes_of, id_text_column

    failures = []

    def read(worker):
        try:
            for i in range(400):
                ids = np.array([f"w{worker}", f"i{i}"], dtype=object)
                column = id_text_column(np.array([1, 0, 1]), ids)
                found = id_codes_of(column)
                if found is not None and found[1].tolist() != ids.tolist():
                    failures.append(("other codes", worker, i))
        except Exception as exc:  # noqa: BLE001 - what a thread raised is the finding
            failures.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=read, args=(worker,)) for worker in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
