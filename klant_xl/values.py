"""Parse the values a user types or an export contains: dates, amounts, percentages, days.

One value (``parse_date``, ``parse_fraction``, ``parse_days``: settings, UDF arguments)
or a whole column (``parse_dates``, ``parse_amounts``: up to millions of rows, vectorised
with a per-value fallback only for the odd ones out). Every bad value raises
:class:`~klant_xl.errors.WaardeFout` with a Dutch message naming the column, the row
(as the user sees it) and the value::

    Datum in rij 7 is geen datum: 'morgen'

Accepted dates
--------------
- Excel serial numbers in the 1900 date system (origin 1899-12-30, so 46349 is
  2026-11-23); a time of day (the fraction) is dropped.
- ``datetime``, ``date``, ``pd.Timestamp``, ``np.datetime64``; a time zone is dropped
  keeping the local wall-clock day (``'2026-03-01 00:30 +0100'`` is 1 March).
- ISO text ``2026-11-23`` (also ``2026/11/23``), with or without a time.
- Dutch text ``23-11-2026``, ``23/11/2026``, ``23.11.2026``, two-digit years
  ``23-11-26`` (00–68 → 20xx, 69–99 → 19xx, as ``strptime``'s ``%y``), month names
  ``23 nov 2026`` / ``23 november 2026`` (Dutch or English), with or without a time.
- A column whose slash dates only make sense month-first (``11/23/2026``) is read
  month-first as a whole; a single value is always read day-first.
- Integers ``20261123`` (yyyymmdd, as some bookkeeping packages export).
- Dates outside 1900-01-01 .. 2261-12-31 are refused (typo or a number mapped as a date).

Accepted amounts
----------------
Numbers, and text such as ``'€ 1.234,56'``, ``'1,234.56'``, ``'-12,50'``, ``'€-12,50'``,
``'(12,50)'`` and ``'12,50-'`` (negative), ``'12.50'``, ``' 1 234,56'``, ``'EUR 5'``.
Per value: when both ``.`` and ``,`` occur, the last one is the decimal separator and
the other must group thousands by three. With one kind only, it is a thousands
separator when it groups exactly by three (``1.234``, ``1,234,567``), otherwise the
decimal separator (``12,5``, ``0,125``, ``12.50``). When the column itself shows which
separator is decimal (some value like ``12,50`` or ``1.234,56`` and none the other way),
an ambiguous ``1,234`` / ``1.234`` follows the column.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
import threading
import weakref

import numpy as np
import pandas as pd

from klant_xl.errors import DubbelzinnigPercentage, InvoerFout, WaardeFout

__all__ = [
    "AUTO_WORDS",
    "EXCEL_ERRORS",
    "EXCEL_ORIGIN",
    "MAX_AMOUNT",
    "MAX_DATE",
    "MIN_DATE",
    "NO_TEXT_KINDS",
    "NO_WORDS",
    "TEXT_KINDS",
    "YES_WORDS",
    "amounts_and_bad",
    "cell_text",
    "cell_texts",
    "customer_id",
    "customer_id_codes",
    "customer_ids",
    "dates_and_bad",
    "expected_for",
    "holds_only_text",
    "id_codes_of",
    "id_text_column",
    "ids_of_codes",
    "is_blank",
    "parse_amounts",
    "parse_date",
    "parse_dates",
    "parse_days",
    "parse_fraction",
    "parse_fractions",
    "number_or_nan",
    "parse_number",
    "parse_reference_date",
    "parse_score_set",
    "parse_yes_no",
    "per_distinct",
    "shown",
]

#: Day 0 of Excel's 1900 date system as used by every modern Excel (serial 61 = 1900-03-01).
EXCEL_ORIGIN = pd.Timestamp("1899-12-30")
#: Earliest and latest date accepted as a transaction or reference date.
MIN_DATE = pd.Timestamp("1900-01-01")
MAX_DATE = pd.Timestamp("2261-12-31")

#: Texts that mean "derive this threshold from the data" (compared lower-case).
AUTO_WORDS = ("auto", "automatisch", "automatic")

#: The largest amount klant_xl adds up (exclusive): the engine sums amounts exactly, as decimals with
#: 12 places, and no shop sells anything for 10^15 euro.
MAX_AMOUNT = 1e15

_NOT_A_DATE = "geen datum"
_NOT_AN_AMOUNT = "geen bedrag"
_NOT_A_PERCENTAGE = "geen percentage"
_NOT_DAYS = "geen aantal dagen"

_MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "febr": 2, "februari": 2, "february": 2,
    "mrt": 3, "mar": 3, "maart": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "augustus": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}

_TIME = r"(?:(?:[T ]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?"
_ISO_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME)
_DMY_RE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)
_NAMED_RE = re.compile(r"(\d{1,2})[ -]([^\W\d_]+)\.?[ -](\d{4})" + _TIME)
_TIME_ONLY_RE = _TIME  # the part after the date (may be empty), for the vectorised path
_DIGITS_RE = re.compile(r"\d{8}")
_SERIAL_TEXT_RE = re.compile(r"\d{1,7}(?:[.,]\d+)?")

_SPACES = "\u00a0\u202f\u2009 \t"
_TEXT_SPACES = _SPACES + "\r\n"  # what a text cell loses at both ends


# --------------------------------------------------------------------------- helpers


def is_blank(value) -> bool:
    """True for an empty cell: None, NaN, NaT, pd.NA and text that is only whitespace.

    The one test for "blank" that reading, the segment rules and the workbook use.

    >>> [is_blank(v) for v in (None, float("nan"), pd.NaT, "", " \u00a0", 0, "x")]
    [True, True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip(_TEXT_SPACES) == ""
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    if isinstance(value, (int, bool, np.integer, np.bool_, _dt.date)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False



def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _in_range(ts: pd.Timestamp | None) -> pd.Timestamp | None:
    if ts is None or pd.isna(ts) or ts < MIN_DATE or ts > MAX_DATE:
        return None
    return ts


def _ymd(year: int, month: int, day: int) -> pd.Timestamp | None:
    try:
        return _in_range(pd.Timestamp(_dt.date(year, month, day)))
    except ValueError:
        return None


def _serial_to_date(number: float) -> pd.Timestamp | None:
    """Excel serial (1900 system) or yyyymmdd integer to a day; None when it is neither."""
    if not math.isfinite(number):
        return None
    if 19000101 <= number <= 22611231 and float(number).is_integer():
        n = int(number)
        return _ymd(n // 10000, n // 100 % 100, n % 100)
    if number < 1 or number > 2_958_465:
        return None
    return _in_range(EXCEL_ORIGIN + pd.Timedelta(days=math.floor(number)))


def _text_to_date(text: str) -> pd.Timestamp | None:
    """One stripped text to a day; None when it is not a date."""
    m = _ISO_RE.fullmatch(text)
    if m:
        return _ymd(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    m = _DMY_RE.fullmatch(text)
    if m:
        year = int(m.group(4))
        if len(m.group(4)) == 2:
            year += 2000 if year <= 68 else 1900
        return _ymd(year, int(m.group(3)), int(m.group(1)))
    m = _NAMED_RE.fullmatch(text)
    if m:
        month = _MONTHS.get(m.group(2).lower())
        return _ymd(int(m.group(3)), month, int(m.group(1))) if month else None
    if _DIGITS_RE.fullmatch(text) or _SERIAL_TEXT_RE.fullmatch(text):
        return _serial_to_date(float(text.replace(",", ".")))
    return None


def _to_date(value) -> pd.Timestamp | None:
    """Any non-blank value to a normalised day; None when it is not a date."""
    if isinstance(value, str):
        return _text_to_date(value.strip(_TEXT_SPACES))
    if _is_number(value):
        return _serial_to_date(float(value))
    if isinstance(value, (_dt.date, np.datetime64)):  # datetime and Timestamp are dates
        try:
            ts = pd.Timestamp(value)
        except (ValueError, OverflowError):
            return None
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        return _in_range(ts.normalize())
    return None


def shown(value):
    """The value as a message shows it: text stripped, numbers as numbers, dates as dd-mm-jjjj text
    (``'31-12-9999'``, not ``datetime.date(9999, 12, 31)``)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, _dt.date):
        return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"
    if isinstance(value, np.generic):
        return value.item()
    return value


#: Excel's error values as a cell shows them (a formula that failed, e.g. a lookup without a match).
EXCEL_ERRORS = ("#N/A", "#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#NUM!", "#NULL!", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#BUSY!", "#CONNECT!", "#UNKNOWN!", "#N/B", "#NAAM?", "#VERW!",
                "#WAARDE!", "#DEEL/0!", "#GETAL!", "#LEEG!")


def expected_for(value, expected: str) -> str:
    """What the message says a bad value is: an Excel error value and a date out of range get their own words."""
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        return "een foutwaarde in Excel (herstel de formule of de cel)"
    if expected == _NOT_A_DATE and (isinstance(value, (_dt.date, np.datetime64))):
        return "geen bruikbare datum (klant_xl rekent met datums van 1900 tot 2262)"
    if expected == _NOT_AN_AMOUNT and _too_big(value):
        return "te groot voor een bedrag (klant_xl rekent met bedragen onder 10^15)"
    return expected


def _too_big(value) -> bool:
    if isinstance(value, str):
        amounts, bad = _texts_to_amounts(pd.Series([value.strip(_TEXT_SPACES)], dtype=object))
        value = float(amounts[0]) if not bad[0] else math.nan
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and bool(_beyond(np.array([float(value)]))[0])


# --------------------------------------------------------------------------- one value


def parse_date(value, name: str = "Datum", row: int | None = None) -> pd.Timestamp | None:
    """Parse one date (a setting, a UDF argument, one cell).

    Parameters
    ----------
    value : object
        Excel serial number, ``datetime``/``date``/``pd.Timestamp``/``np.datetime64``,
        or text (ISO, Dutch ``dd-mm-jjjj``, month names); see the module docstring.
    name : str
        What the value is, in Dutch, for the message (``"Peildatum"``).
    row : int, optional
        Row number as the user sees it, for the message.

    Returns
    -------
    pd.Timestamp or None
        The day (midnight, no time zone); None for a blank value.

    Raises
    ------
    WaardeFout
        When the value is not a date.

    Examples
    --------
    >>> parse_date(46349, "Peildatum")
    Timestamp('2026-11-23 00:00:00')
    >>> parse_date("23-11-2026", "Peildatum")
    Timestamp('2026-11-23 00:00:00')
    >>> parse_date("2026-03-01 00:30:00 +0100", "Peildatum")
    Timestamp('2026-03-01 00:00:00')
    >>> parse_date("", "Peildatum") is None
    True
    >>> parse_date("morgen", "Datum", row=7)
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Datum in rij 7 is geen datum: 'morgen'
    """
    if is_blank(value):
        return None
    result = _to_date(value)
    if result is None:
        raise WaardeFout(name, row, shown(value), expected_for(value, _NOT_A_DATE))
    return result


def parse_reference_date(value) -> pd.Timestamp:
    """The peildatum: :func:`parse_date`, and a blank value is an error (there is no day to use).

    >>> parse_reference_date("01-02-2025"), parse_reference_date(45689)
    (Timestamp('2025-02-01 00:00:00'), Timestamp('2025-02-01 00:00:00'))
    """
    day = parse_date(value, "Peildatum")
    if day is None:
        raise InvoerFout(f"Peildatum is geen datum: {shown(value)!r}")
    return day


def _number_text(text: str) -> float | None:
    """'30', '0,3', '12.5' (no thousands separators) to a float; None otherwise."""
    text = text.strip(_SPACES)
    if not re.fullmatch(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?", text):
        return None
    return float(text.replace(",", "."))


def parse_fraction(value, name: str, *, cell: bool = False, allow_above_100: bool = False,
                   maximum: float | None = 1.0) -> float:
    """Parse a percentage typed as a fraction (0.3) or as a percentage ("30%").

    Parameters
    ----------
    value : float or str
        ``0.3``, ``"30%"``, ``"30 %"``, ``"0,3"``, ``"12,5%"``. A number above 1 and at
        most 100 without a ``%`` sign is read as a percentage (``30`` means 30%): a user
        who types 30 next to "Verloop per jaar" means 30%, never 3000%. A text ``"1"``
        (100% as a fraction, 1% as a percentage) is refused as ambiguous.
    name : str
        What the value is, in Dutch, for the message.
    cell : bool
        The value comes from an Excel cell. A cell formatted as a percentage that
        shows 120% holds the number 1.2, so a *number* above 1 from a cell is
        ambiguous (120% or 1.2%?) and refused with a message that names both
        readings, unless ``allow_above_100`` (the Instellingen setting
        "Percentages boven 100% toestaan") says it is a fraction (1.2 = 120%).
    allow_above_100 : bool
        See ``cell``.
    maximum : float or None
        Largest fraction accepted (1 = 100%); None for no upper bound (the
        share of new customers per year can exceed 100%).

    Returns
    -------
    float
        The fraction.

    Raises
    ------
    WaardeFout
        When the value is blank, not a number, negative, above ``maximum`` or
        an ambiguous number from a cell.

    Examples
    --------
    >>> parse_fraction(0.3, "Verloop")
    0.3
    >>> parse_fraction("30%", "Verloop")
    0.3
    >>> parse_fraction("0,3", "Verloop")
    0.3
    >>> parse_fraction(30, "Verloop")
    0.3
    >>> parse_fraction("130%", "Nieuw", maximum=None)
    1.3
    >>> parse_fraction(1.2, "Nieuw", cell=True, allow_above_100=True, maximum=None)
    1.2
    >>> parse_fraction(1.2, "Nieuw", cell=True)
    Traceback (most recent call last):
    ...
    klant_xl.errors.DubbelzinnigPercentage: Nieuw is 1,2: in een cel met procentnotatie is dat 120%, getypt als getal misschien 1,2%. Typ het percentage met %-teken (bijv. '1,2%'), of zet op Instellingen 'Percentages boven 100% toestaan' op JA om het als 120% te lezen.
    >>> parse_fraction("1", "Verloop")
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Verloop is dubbelzinnig (100% of 1%? typ het met %-teken: '100%' of '1%'): '1'
    >>> parse_fraction("veel", "Verloop")
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Verloop is geen percentage: 'veel'
    """
    number = None
    percent = False
    is_number = _is_number(value) and not is_blank(value)
    if is_number:
        number = float(value)
    elif isinstance(value, str):
        text = value.strip(_SPACES)
        if text.endswith("%"):
            percent = True
            text = text[:-1]
        number = _number_text(text)
    if number is None or not math.isfinite(number):
        raise WaardeFout(name, None, shown(value), _NOT_A_PERCENTAGE)
    if not is_number and not percent and number == 1:
        # typed text: 0,3 is 30% and 1,5 is 1,5%, so a bare 1 could be 100% as well as 1%
        raise WaardeFout(name, None, shown(value), "dubbelzinnig (100% of 1%? typ het met %-teken: '100%' of '1%')")
    if is_number and cell and number > 1:
        if not allow_above_100:
            raise DubbelzinnigPercentage(name, number)
    elif percent or 1 < number <= 100:
        number = number / 100
    if number < 0 or (maximum is not None and number > maximum):
        top = "100%" if maximum is None or maximum == 1 else f"{maximum * 100:g}%"
        expected = "negatief" if number < 0 and maximum is None else f"geen percentage tussen 0% en {top}"
        raise WaardeFout(name, None, shown(value), expected)
    return number


def parse_days(value, name: str) -> float | None:
    """Parse a threshold in days, or "automatisch".

    Parameters
    ----------
    value : float, str or None
        A positive number of days (``120``, ``"120"``, ``"120 dagen"``, ``"90,5"``), or
        ``None`` / ``""`` / ``"auto"`` / ``"automatisch"`` (any case) for "derive it
        from the data".
    name : str
        What the value is, in Dutch, for the message.

    Returns
    -------
    float or None
        The number of days; None for automatic.

    Raises
    ------
    WaardeFout
        When the value is not a number, or not above zero.

    Examples
    --------
    >>> parse_days("120", "Drempel inactief")
    120.0
    >>> parse_days("Automatisch", "Drempel inactief") is None
    True
    >>> parse_days(-5, "Drempel inactief")
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Drempel inactief is geen positief aantal dagen: -5
    """
    if is_blank(value):
        return None
    number = None
    if _is_number(value):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip(_SPACES).lower()
        if text in AUTO_WORDS:
            return None
        text = re.sub(r"\s*(dagen|dag|d)$", "", text)
        number = _number_text(text)
    if number is None or not math.isfinite(number):
        raise WaardeFout(name, None, shown(value), _NOT_DAYS)
    if number <= 0:
        raise WaardeFout(name, None, shown(value), "geen positief aantal dagen")
    return number


def parse_number(value, name: str, *, minimum: float | None = None, whole: bool = False) -> float:
    """Parse one number typed in a cell or an option, read as an amount cell reads it.

    ``"1.234"`` is 1234 and ``"1,5"`` is 1.5, exactly as :func:`parse_amounts` reads a
    column of one such value, so a number means the same on Instellingen as in Transacties.

    Parameters
    ----------
    value : float or str
        A number, or text such as ``"1.234"``, ``"7,5"``, ``"€ 1.234,56"``.
    name : str
        What the value is, in Dutch, for the message.
    minimum : float, optional
        Smallest value accepted.
    whole : bool
        Only whole numbers are accepted.

    Raises
    ------
    WaardeFout
        When the value is blank, not a number, below ``minimum`` or not whole.

    Examples
    --------
    >>> parse_number("1.234", "Projectie: klanten nu"), parse_number("7,5", "Bewaartermijn")
    (1234.0, 7.5)
    >>> parse_number("12,5", "Projectie: aantal jaren", minimum=1, whole=True)
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Projectie: aantal jaren is geen geheel getal van minstens 1: '12,5'
    """
    number = None
    if _is_number(value):
        number = float(value)
    elif isinstance(value, str) and not is_blank(value):
        parsed, bad = amounts_and_bad(pd.Series([value], dtype=object))
        number = None if bad[0] else float(parsed.iloc[0])
    if number is None or not math.isfinite(number):
        raise WaardeFout(name, None, shown(value), "geen getal")
    if (whole and not number.is_integer()) or (minimum is not None and number < minimum):
        if whole:
            expected = f"geen geheel getal van minstens {minimum:g}" if minimum is not None else "geen geheel getal"
        else:
            expected = "negatief" if minimum == 0 else f"kleiner dan {minimum:g}"
        raise WaardeFout(name, None, shown(value), expected)
    return number


def number_or_nan(value) -> float:
    """The number :func:`parse_number` reads in ``value``, or NaN when it holds none (for callers that
    word their own message, e.g. "geen geheel getal van 0 of meer").

    >>> number_or_nan("1.234"), number_or_nan(" 7,5 "), number_or_nan("veel")
    (1234.0, 7.5, nan)
    """
    try:
        return parse_number(value, "waarde")
    except WaardeFout:
        return math.nan


#: Texts read as yes and no (compared lower-case; Excel's WAAR/ONWAAR too).
YES_WORDS = ("ja", "j", "yes", "y", "waar", "true", "1", "x")
NO_WORDS = ("nee", "n", "no", "onwaar", "false", "0")


def parse_yes_no(value, name: str) -> bool:
    """Parse JA/NEE (also WAAR/ONWAAR, yes/no, 1/0, a checkbox's True/False).

    >>> parse_yes_no("Ja", "Status 'Nieuw' tonen"), parse_yes_no(False, "Status 'Nieuw' tonen")
    (True, False)
    >>> parse_yes_no("misschien", "Status 'Nieuw' tonen")
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Status 'Nieuw' tonen is geen JA of NEE: 'misschien'
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if _is_number(value) and float(value) in (0.0, 1.0):
        return float(value) == 1.0
    text = str(value).strip(_TEXT_SPACES).lower() if isinstance(value, str) else None
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise WaardeFout(name, None, shown(value), "geen JA of NEE")


def parse_fractions(value, name: str, count: int | None = None) -> tuple[float, ...]:
    """Parse cumulative shares such as ``"1%; 5%; 20%"``: strictly increasing, each in (0, 1].

    Parameters
    ----------
    value : str or sequence
        Text with ``;`` (or ``|``) between the shares, or a sequence of shares. Each share
        is read as :func:`parse_fraction` reads it; numbers without a % sign of which some
        is above 1 are percentages throughout (``"1; 5; 20"`` is 1%, 5%, 20%).
    name : str
        What the value is, in Dutch, for the message.
    count : int, optional
        How many shares there must be.

    Examples
    --------
    >>> parse_fractions("1%; 5%; 20%", "Klantenpiramide: grenzen")
    (0.01, 0.05, 0.2)
    >>> parse_fractions("1; 5; 20", "Klantenpiramide: grenzen", 3)
    (0.01, 0.05, 0.2)
    >>> parse_fractions([0.2, 0.5], "Goud / zilver: grenzen")
    (0.2, 0.5)
    """
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"[;|]", value.strip()) if p.strip()]
    elif _is_number(value):
        parts = [value]
    else:
        try:
            parts = list(value)
        except TypeError:
            parts = None
    if not parts or (count is not None and len(parts) != count):
        expected = f"geen lijst van {count} aandelen" if count is not None else "geen lijst van aandelen"
        raise WaardeFout(name, None, shown(value) if not isinstance(value, (list, tuple)) else value, expected)
    plain = [_plain_number(p) for p in parts]
    if all(n is not None for n in plain) and max(plain) > 1:
        parts = [f"{n}%" for n in plain]
    shares = [parse_fraction(p, name) for p in parts]
    if any(not (0 < s <= 1) for s in shares) or any(b <= a for a, b in zip(shares, shares[1:])):
        raise WaardeFout(name, None, value, "geen oplopende reeks aandelen tussen 0% en 100%")
    return tuple(shares)


def _plain_number(value) -> float | None:
    """The number in a share without a % sign, else None."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        return _number_text(value)
    return None


# --------------------------------------------------------------------------- RFM rule cells


_SCORE_RANGE_RE = re.compile(r"^\s*([1-5])\s*(?:-|–|—|t/m|tot en met)\s*([1-5])\s*$", re.IGNORECASE)


def parse_score_set(value, column: str, row) -> set[int]:
    """A set of RFM scores typed in a rule cell: 1–5 as a number, text, range ('1-2', '1 t/m 3'),
    list ('1,2' / '1;2') or '*' (all).

    >>> sorted(parse_score_set("1 t/m 3", "R", 4)), sorted(parse_score_set("2;5", "F", 4)), len(parse_score_set("*", "F", 4))
    ([1, 2, 3], [2, 5], 5)
    """
    bad = WaardeFout(column, row, value, "geen score 1-5 (of bereik zoals '1-2')")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, (int, float, np.integer, np.floating)):
        if value != value or float(value) != int(value) or not 1 <= int(value) <= 5:
            raise bad
        return {int(value)}
    text = str(value).strip()
    if text in ("*", "alle", "Alle", "ALLE"):
        return {1, 2, 3, 4, 5}
    match = _SCORE_RANGE_RE.match(text)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
        if low > high:
            raise bad
        return set(range(low, high + 1))
    parts = [p for p in re.split(r"[,;/\s]+", text) if p]
    if not parts:
        raise bad
    result = set()
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            raise bad from None
        if number != int(number) or not 1 <= number <= 5:
            raise bad
        result.add(int(number))
    return result


# --------------------------------------------------------------------------- customer ids


def cell_text(value) -> str | None:
    """One cell as text, the way every text column of klant_xl holds it (None for a blank cell).

    Text is stripped; whole numbers lose ``.0`` (``1001.0`` is ``'1001'``); other numbers
    are their shortest text (``1e20`` is ``'1e+20'``); a date at midnight is ``jjjj-mm-dd``;
    Excel's booleans are ``WAAR`` / ``ONWAAR``.

    >>> cell_text(1001.0), cell_text(" K1 "), cell_text(True), cell_text(_dt.datetime(2024, 1, 5)), cell_text(None)
    ('1001', 'K1', 'WAAR', '2024-01-05', None)
    """
    if type(value) is str:  # most cells: no blank test and no type tests first
        return value.strip(_TEXT_SPACES) or None
    if is_blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "WAAR" if value else "ONWAAR"
    if isinstance(value, (numbers.Integral, np.integer)):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if number.is_integer() and abs(number) < 2**63:
            return str(int(number))
        return repr(number)
    if isinstance(value, (_dt.date, np.datetime64)):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, OverflowError):
            return str(value).strip() or None
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else str(stamp)
    return str(value).strip(_TEXT_SPACES) or None


#: What :func:`pandas.api.types.infer_dtype` (``skipna=True``) calls a column of cells without any text.
NO_TEXT_KINDS = ("floating", "integer", "mixed-integer-float", "datetime", "datetime64", "date", "boolean",
                 "decimal", "timedelta")


#: What :func:`pandas.api.types.infer_dtype` (``skipna=True``) calls a column of text and blanks only.
TEXT_KINDS = ("string", "empty")


def holds_only_text(values) -> bool:
    """Whether every cell of a column (Series or array) is text or missing: one C pass, no loop.

    A column of numbers or dates (a sheet's date and amount columns) is not, nor a mixed one.

    >>> holds_only_text(pd.Series(["K1", None, " "])), holds_only_text(pd.Series(["K1", 7.0]))
    (True, False)
    """
    if isinstance(values, pd.Series):
        if not pd.api.types.is_object_dtype(values.dtype) and not pd.api.types.is_string_dtype(values.dtype):
            return False
        values = values.to_numpy(dtype=object)
    elif not isinstance(values, np.ndarray) or values.dtype != object:
        return False
    return pd.api.types.infer_dtype(values, skipna=True) in TEXT_KINDS


def per_distinct(values, function, missing=None) -> np.ndarray:
    """``function`` of every value, computed once per distinct text (object array out).

    For columns of text (and None/NaN, which become ``missing``): exports repeat customers, dates,
    statuses and products, so a per-value function over a million rows runs on a few thousand. Any
    other column (numbers, dates, mixed cells, where ``1 == True`` would merge) goes value by value.

    >>> per_distinct(["b", None, "b", "a"], str.upper).tolist()
    ['B', None, 'B', 'A']
    """
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values.astype(object, copy=False)
    if not holds_only_text(arr):
        return np.fromiter((missing if v is None or (isinstance(v, float) and v != v) else function(v) for v in arr),
                           dtype=object, count=len(arr))
    codes, uniques = pd.factorize(arr)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [function(v) for v in uniques]
    mapped[-1] = missing  # code -1: None/NaN
    return mapped[codes]


def _stripped_texts(texts: np.ndarray) -> np.ndarray:
    """Text cells with the spaces of :data:`_TEXT_SPACES` stripped, "" for a blank (None/NaN)."""
    return per_distinct(texts, lambda text: text.strip(_TEXT_SPACES), missing="")


def _texts_where(arr: np.ndarray, text_mask: np.ndarray) -> pd.Series:
    """The stripped text of the cells where ``text_mask`` holds, "" elsewhere (a Series of the column's length)."""
    texts = np.full(len(arr), "", dtype=object)
    texts[text_mask] = _stripped_texts(arr[text_mask])
    return pd.Series(texts, dtype=object)


def cell_texts(values) -> np.ndarray:
    """:func:`cell_text` of every cell of a column (object array; vectorised for text and integers)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("int64").astype(str).to_numpy(dtype=object)
    arr = series.to_numpy(dtype=object)
    inferred = pd.api.types.infer_dtype(arr, skipna=True)
    if inferred in TEXT_KINDS:
        return per_distinct(arr, cell_text)
    if inferred == "floating":
        # number cells as a sheet reader delivers them (customer numbers, floats): whole ones in one go
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)  # pd.NA too (a nullable column's blank)
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 2**63)
        out = np.empty(len(arr), dtype=object)
        out[whole] = numbers[whole].astype(np.int64).astype(str)
        rest = np.flatnonzero(~whole)
        out[rest] = [cell_text(arr[i]) for i in rest]
        return out
    return np.array([cell_text(v) for v in arr], dtype=object)


def customer_id(value) -> str | None:
    """The customer id of one cell, as every frame, sheet and store of klant_xl keys it.

    :func:`cell_text`, and an e-mail address (text with ``@``) is lower-cased and loses
    a ``mailto:``, so one customer is one id whatever the case it was typed in.

    >>> customer_id(1001.0), customer_id(" Jan@Voorbeeld.NL "), customer_id("K-7"), customer_id(None)
    ('1001', 'jan@voorbeeld.nl', 'K-7', None)
    >>> customer_id(True), customer_id(_dt.datetime(2024, 1, 5)), customer_id(1e20)
    ('WAAR', '2024-01-05', '1e+20')
    """
    text = cell_text(value)
    if text is not None and "@" in text:
        text = text.lower()
        if text.startswith("mailto:"):
            text = text[7:].strip() or None
    return text


def customer_ids(values) -> np.ndarray:
    """:func:`customer_id` of every cell of a column (object array; vectorised).

    A text column is keyed once per distinct text; any other column goes through
    :func:`cell_texts` first.

    >>> customer_ids(pd.Series([" K1 ", 7.0, None, "A@B.nl"])).tolist()
    ['K1', '7', None, 'a@b.nl']
    """
    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    if holds_only_text(arr):
        return per_distinct(arr, customer_id)
    texts = cell_texts(values)
    mail = np.fromiter((t is not None and "@" in t for t in texts), dtype=bool, count=len(texts))
    if mail.any():
        texts = texts.copy()
        texts[mail] = [customer_id(t) for t in texts[mail]]
    return texts


def customer_id_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """:func:`customer_ids` of a column as codes: ``(codes, ids)`` with ``ids[codes]`` the ids.

    ``ids`` are the distinct ids (object array, in order of first appearance), ``codes`` an
    int64 array, -1 where a cell has no id. A text column is keyed once per distinct text, and
    the million-row arrays stay integers (no second pass over the texts to find blanks or to
    build a text column).

    >>> codes, ids = customer_id_codes(pd.Series([" K1 ", "K1", None, "A@B.nl", " "]))
    >>> codes.tolist(), ids.tolist()
    ([0, 0, -1, 1, -1], ['K1', 'a@b.nl'])
    """
    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    if holds_only_text(arr):
        text_codes, texts = pd.factorize(arr)  # None/NaN: -1
        id_codes, ids = pd.factorize(np.array([customer_id(t) for t in texts] + [None], dtype=object))
        return id_codes[text_codes], np.asarray(ids, dtype=object)  # code -1 takes the appended None
    codes, ids = pd.factorize(customer_ids(values))
    return codes.astype(np.int64, copy=False), np.asarray(ids, dtype=object)


def ids_of_codes(codes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The ids of :func:`customer_id_codes` per row (object array, None for -1)."""
    return np.append(ids, None)[codes]


#: The codes behind the text columns :func:`id_text_column` built, by the id of the column's Arrow
#: data: ``id -> (weak reference to that data, codes, ids)``. Arrow data never changes in place (a
#: pandas edit of the column makes new data), so while the reference lives the codes are the column's.
_ID_CODES: dict = {}
_ID_CODES_LIMIT = 8
_ID_CODES_LOCK = threading.Lock()


def _arrow_data(column):
    """The Arrow data behind an Arrow-backed pandas text column, else None."""
    return getattr(getattr(column, "array", None), "_pa_array", None)


def _remember_codes(column: pd.Series, codes: np.ndarray, ids: np.ndarray) -> None:
    data = _arrow_data(column)
    if data is None:
        return
    try:
        entry = (weakref.ref(data), codes, ids)
    except TypeError:  # data that cannot be referenced weakly: nothing kept
        return
    with _ID_CODES_LOCK:  # two readers at once (threads) must not change the table under each other
        for key in [key for key, (ref, _, _) in _ID_CODES.items() if ref() is None]:
            del _ID_CODES[key]
        while len(_ID_CODES) >= _ID_CODES_LIMIT:  # the oldest first
            del _ID_CODES[next(iter(_ID_CODES))]
        _ID_CODES[id(data)] = entry


def id_codes_of(column) -> tuple[np.ndarray, np.ndarray] | None:
    """The ``(codes, ids)`` a column of :func:`id_text_column` was built from, or None.

    The engine keys customers as integers; a column the reader built from codes need not be
    factorised again (a second pass over a million texts). None for any other column, and for
    one changed since (its Arrow data is new), which the caller then factorises itself.
    """
    data = _arrow_data(column)
    if data is None:
        return None
    with _ID_CODES_LOCK:
        entry = _ID_CODES.get(id(data))
    if entry is None or entry[0]() is not data:
        return None
    return entry[1], entry[2]


def id_text_column(codes: np.ndarray, ids: np.ndarray) -> pd.Series:
    """The ids per row as a text Series (pandas' ``str`` dtype), built from the codes.

    With Arrow-backed text (pandas with pyarrow) the column is decoded by Arrow from the
    distinct ids, and its codes are kept for :func:`id_codes_of`; without it (Pyodide) it is
    built from the object array: the same Series either way.
    """
    dtype = pd.Series([], dtype=str).dtype
    if getattr(dtype, "storage", None) == "pyarrow":
        import pyarrow as pa

        encoded = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=codes < 0),
                                                 pa.array(ids, type=pa.large_string()))
        column = pd.Series(pd.array(encoded.cast(pa.large_string()), dtype=dtype))
        _remember_codes(column, codes, ids)
        return column
    return pd.Series(ids_of_codes(codes, ids), dtype=str)


# --------------------------------------------------------------------------- columns


def _classify(values: np.ndarray) -> np.ndarray:
    """Kind of every object value: 'b' blank, 's' text, 'n' number, 'd' date, 'x' other."""

    def kind(v):
        if isinstance(v, str):
            return "b" if v.strip(_TEXT_SPACES) == "" else "s"
        if is_blank(v):
            return "b"
        if _is_number(v):
            return "n"
        if isinstance(v, (_dt.date, np.datetime64)):
            return "d"
        return "x"

    return np.array([kind(v) for v in values], dtype="U1")


def _to_ns(values) -> np.ndarray:
    """datetime64 values of any unit/time zone to naive, normalised datetime64[ns]; out of range -> NaT."""
    s = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, errors="coerce")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    s = s.dt.floor("D")
    out_of_range = (s < MIN_DATE) | (s > MAX_DATE)
    s = s.mask(out_of_range)
    return s.astype("datetime64[ns]").to_numpy()


def _serials_to_dates(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float array (NaN = blank) to (datetime64[ns], bad)."""
    numbers = np.asarray(numbers, dtype="float64")
    blank = np.isnan(numbers)
    out = np.full(len(numbers), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~blank & np.isfinite(numbers) & (numbers >= 1) & (numbers <= 2_958_465)
    days = np.floor(numbers[ok]).astype("int64")
    out[ok] = np.datetime64("1899-12-30", "ns") + days.astype("timedelta64[D]")
    # yyyymmdd integers
    ymd = ~blank & (numbers >= 19000101) & (numbers <= 22611231) & (numbers == np.floor(numbers))
    if ymd.any():
        parsed = pd.to_datetime(
            pd.Series(numbers[ymd].astype("int64").astype(str)), format="%Y%m%d", errors="coerce"
        )
        out[ymd] = parsed.astype("datetime64[ns]").to_numpy()
    out_of_range = (out < np.datetime64(MIN_DATE, "ns")) | (out > np.datetime64(MAX_DATE, "ns"))
    out[out_of_range] = np.datetime64("NaT")
    bad = ~blank & np.isnat(out)
    return out, bad


_VECTOR_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%y", "%d/%m/%y", "%d.%m.%y")
_DATE_PART_RE = r"^\s*([0-9./-]+)(" + _TIME + r")\s*$"


def _distinct(parse):
    """Decorator: parse each distinct text once (exports repeat dates and prices a lot)."""

    def wrapper(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        codes, uniques = pd.factorize(texts.to_numpy(dtype=object))
        if len(uniques) > 0.8 * len(texts):
            return parse(texts)
        values, bad = parse(pd.Series(uniques, dtype=object))
        return values[codes], bad[codes]

    wrapper.__doc__ = parse.__doc__
    return wrapper


@_distinct
def _texts_to_dates(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Stripped, non-blank texts to (datetime64[ns], bad): formats first, then per value."""
    n = len(texts)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    texts = texts.astype(object)
    # The common case: same length, date first, optional time. Slice the first 10
    # characters (ISO / dd-mm-yyyy) or 8 (dd-mm-yy); verify the rest is a time.
    date_part = texts.str.slice(0, 10)
    rest = texts.str.slice(10)
    rest_ok = (rest == "").to_numpy() | rest.str.fullmatch(_TIME).fillna(False).to_numpy(dtype=bool)
    todo = rest_ok.copy()
    month_first = False
    formats = list(_VECTOR_FORMATS)
    if n:  # try the format of the first text first (most columns hold one format)
        sample = texts.iloc[0][:10]
        for fmt in _VECTOR_FORMATS:
            try:
                _dt.datetime.strptime(sample if not fmt.endswith("%y") else sample[:8], fmt)
            except ValueError:
                continue
            formats.remove(fmt)
            formats.insert(0, fmt)
            break
    for fmt in formats:
        if not todo.any():
            break
        if fmt.endswith("%y"):
            part = texts[todo].str.slice(0, 8)
            part_ok = texts[todo].str.slice(8).str.fullmatch(_TIME).fillna(False).to_numpy(dtype=bool)
        else:
            part = date_part[todo]
            part_ok = np.ones(len(part), dtype=bool)
        parsed = pd.to_datetime(part, format=fmt, errors="coerce").to_numpy()
        hit = ~np.isnat(parsed) & part_ok
        if fmt == "%d/%m/%Y":
            # A column of US dates (11/23/2026): month-first parses everything day-first
            # parses, and more.
            slash = part.str.contains("/", regex=False).to_numpy(dtype=bool)
            us = pd.to_datetime(part[slash], format="%m/%d/%Y", errors="coerce").to_numpy()
            if (~np.isnat(us)).sum() > hit[slash].sum() and not (hit[slash] & np.isnat(us)).any():
                month_first = True
                parsed = parsed.copy()
                parsed[slash] = us
                hit = ~np.isnat(parsed) & part_ok
        idx = np.flatnonzero(todo)[hit]
        out[idx] = parsed[hit].astype("datetime64[ns]")
        todo[idx] = False
    # Everything not yet parsed: one at a time (non-padded, month names, serials as text...).
    left = np.isnat(out)
    if left.any():
        idx = np.flatnonzero(left)
        for i, text in zip(idx, texts.iloc[idx]):
            if month_first:
                m = _DMY_RE.fullmatch(text)
                if m and m.group(2) == "/":
                    text = f"{m.group(3)}/{m.group(1)}/{m.group(4)}"
            ts = _text_to_date(text)
            if ts is not None:
                out[i] = np.datetime64(ts, "ns")
    out_of_range = (out < np.datetime64(MIN_DATE, "ns")) | (out > np.datetime64(MAX_DATE, "ns"))
    out[out_of_range] = np.datetime64("NaT")
    return out, np.isnat(out)


def dates_and_bad(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Column to (datetime64[ns] Series on the same index, bad mask); blanks are NaT, not bad."""
    values = series
    n = len(values)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = _to_ns(values)
        bad = np.isnat(out) & values.notna().to_numpy()
    elif pd.api.types.is_bool_dtype(values.dtype):
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        bad = values.notna().to_numpy(dtype=bool)
    elif pd.api.types.is_numeric_dtype(values.dtype):
        out, bad = _serials_to_dates(values.to_numpy(dtype="float64", na_value=np.nan))
    else:
        arr = values.to_numpy(dtype=object)
        inferred = pd.api.types.infer_dtype(arr, skipna=True)
        if inferred in ("datetime", "date"):
            # date cells as a sheet reader delivers them (python datetime / date objects): one vectorised call
            try:
                out = _to_ns(pd.to_datetime(pd.Series(arr, dtype=object), errors="coerce"))
            except (ValueError, TypeError, OverflowError):  # zoned and plain stamps together: pandas refuses
                out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            bad = np.isnat(out) & ~pd.isna(arr)
            if bad.any():  # pandas gives up on a column of several UTC offsets (summer and winter): cell by cell
                out, again = out.copy(), np.flatnonzero(bad)
                out[again] = [np.datetime64(_to_date(v) or "NaT", "ns") for v in arr[again]]
                bad[again] = np.isnat(out[again])
            return pd.Series(out, index=series.index, name=series.name, dtype="datetime64[ns]"), bad
        if inferred in TEXT_KINDS:
            kinds = None
        else:
            kinds = _classify(arr)
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        bad = np.zeros(n, dtype=bool)
        if kinds is None:
            texts = pd.Series(_stripped_texts(arr), dtype=object)
            text_mask = (texts != "").to_numpy()
        else:
            text_mask = kinds == "s"
            num = kinds == "n"
            if num.any():
                out[num], bad[num] = _serials_to_dates(arr[num].astype("float64"))
            dat = kinds == "d"
            if dat.any():
                out[dat] = [np.datetime64(_to_date(v) or "NaT", "ns") for v in arr[dat]]
                bad[dat] = np.isnat(out[dat])
            bad |= kinds == "x"
            texts = _texts_where(arr, text_mask)
        if text_mask.any():
            out[text_mask], bad[text_mask] = _texts_to_dates(texts[text_mask].reset_index(drop=True))
    return pd.Series(out, index=series.index, name=series.name, dtype="datetime64[ns]"), bad


def parse_dates(series, column: str = "Datum", first_row: int = 2, *, rows=None) -> pd.Series:
    """Parse a column of dates (vectorised; millions of rows).

    Parameters
    ----------
    series : pd.Series or sequence
        The column: datetime64 (normalised), numbers (Excel serials), text or a mix
        (as read from a sheet). See the module docstring for the accepted forms.
    column : str
        Column header as the user sees it, for the message.
    first_row : int
        Row number of the first value as the user sees it (header = row 1).
    rows : sequence of int, optional
        Row number of every value, when the rows are not consecutive.

    Returns
    -------
    pd.Series
        datetime64[ns] at midnight, same index; NaT for blank values.

    Raises
    ------
    WaardeFout
        At the first value that is not a date.

    Examples
    --------
    >>> parse_dates(pd.Series(["23-11-2026", 46349, None, "2026-11-23 14:03"])).tolist()
    [Timestamp('2026-11-23 00:00:00'), Timestamp('2026-11-23 00:00:00'), NaT, Timestamp('2026-11-23 00:00:00')]
    >>> parse_dates(pd.Series(["1-1-2026", "morgen"]), "Orderdatum", first_row=6)
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Orderdatum in rij 7 is geen datum: 'morgen'
    """
    return _parse_column(dates_and_bad, series, column, first_row, rows, _NOT_A_DATE)


def _parse_column(parse, series, column: str, first_row: int, rows, expected: str) -> pd.Series:
    """Run a column parser and raise at its first bad value (shared by the column parsers)."""
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    out, bad = parse(series)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        value = series.iloc[pos]
        row = int(np.asarray(rows)[pos]) if rows is not None else first_row + pos
        raise WaardeFout(column, row, shown(value), expected_for(value, expected))
    return out


# --------------------------------------------------------------------------- amounts

_CURRENCY_RE = r"(?i)€|euro?|[\s\u00a0\u202f\u2009']"
_NUM = {
    "int": r"\d+",
    "dot": r"\d*\.\d+",  # one dot
    "comma": r"\d*,\d+",  # one comma
    "dot3": r"[1-9]\d{0,2}(?:\.\d{3})+",  # dots group thousands
    "comma3": r"[1-9]\d{0,2}(?:,\d{3})+",
    "nl": r"[1-9]\d{0,2}(?:\.\d{3})+,\d+",  # 1.234,56
    "en": r"[1-9]\d{0,2}(?:,\d{3})+\.\d+",  # 1,234.56
}


@_distinct
def _texts_to_amounts(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Stripped, non-blank texts to (float, bad)."""
    texts = texts.astype(object)
    n = len(texts)
    out = np.full(n, np.nan)
    # Fast path: plain numbers ('12.50', '-3', '1e3') that are not ambiguous thousands.
    plain = pd.to_numeric(texts, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    ambiguous_dot = texts.str.fullmatch(r"[+-]?" + _NUM["dot3"]).fillna(False).to_numpy(dtype=bool)
    fast = ~np.isnan(plain) & ~ambiguous_dot
    out[fast] = plain[fast]
    todo = ~fast
    if not todo.any():
        return out, np.zeros(n, dtype=bool)
    idx = np.flatnonzero(todo)
    t = texts.iloc[idx].str.replace(_CURRENCY_RE, "", regex=True).str.replace("\u2212", "-", regex=False)
    neg_paren = t.str.startswith("(") & t.str.endswith(")")
    t = t.mask(neg_paren, t.str.slice(1, -1))
    neg_trail = t.str.endswith("-") & ~t.str.startswith("-")
    t = t.mask(neg_trail, t.str.slice(0, -1))
    t = t.str.replace(_CURRENCY_RE, "", regex=True)
    neg_lead = t.str.startswith("-")
    t = t.mask(neg_lead | t.str.startswith("+"), t.str.slice(1))
    t = t.str.replace(_CURRENCY_RE, "", regex=True)  # '-€12,50' -> '€12,50' -> '12,50'
    negative = (neg_paren.astype(bool) ^ neg_trail.astype(bool) ^ neg_lead.astype(bool)).to_numpy(dtype=bool)
    # sign twice (e.g. '(-5)') is not a number we understand
    double_sign = (neg_paren.astype(int) + neg_trail.astype(int) + neg_lead.astype(int)).to_numpy() > 1

    def match(kind):
        return t.str.fullmatch(_NUM[kind]).fillna(False).to_numpy(dtype=bool)

    m = {k: match(k) for k in _NUM}
    ambiguous_dot = m["dot"] & m["dot3"]  # '1.234'
    ambiguous_comma = m["comma"] & m["comma3"]  # '1,234'
    # Evidence from the whole column (including the fast-path values).
    comma_decimal = bool((m["nl"] | (m["comma"] & ~ambiguous_comma)).any())
    point_decimal = bool((m["en"] | (m["dot"] & ~ambiguous_dot)).any()) or bool(
        (fast & texts.str.contains(".", regex=False).to_numpy(dtype=bool) & ~np.isnan(plain)).any()
    )
    dot_is_decimal = point_decimal and not comma_decimal  # column evidence for '1.234'
    comma_is_decimal = comma_decimal and not point_decimal  # column evidence for '1,234'
    dots_are_thousands = m["dot3"] & ~(ambiguous_dot & dot_is_decimal)
    commas_are_thousands = m["comma3"] & ~(ambiguous_comma & comma_is_decimal)
    # Normalise to '1234.56' per pattern.
    normal = pd.Series(np.full(len(t), None, dtype=object), index=t.index)
    normal[m["int"]] = t[m["int"]]
    sel = m["dot3"] & dots_are_thousands
    normal[sel] = t[sel].str.replace(".", "", regex=False)
    sel = m["dot"] & ~(m["dot3"] & dots_are_thousands)
    normal[sel] = t[sel]
    sel = m["comma3"] & commas_are_thousands
    normal[sel] = t[sel].str.replace(",", "", regex=False)
    sel = m["comma"] & ~(m["comma3"] & commas_are_thousands)
    normal[sel] = t[sel].str.replace(",", ".", regex=False)
    sel = m["nl"]
    normal[sel] = t[sel].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    sel = m["en"]
    normal[sel] = t[sel].str.replace(",", "", regex=False)
    parsed = pd.to_numeric(normal, errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy()
    parsed[double_sign] = np.nan
    parsed = np.where(negative, -parsed, parsed)
    out[idx] = parsed
    bad = np.zeros(n, dtype=bool)
    bad[idx] = np.isnan(parsed)
    return out, bad


def amounts_and_bad(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Column to (float64 Series on the same index, bad mask); blanks are NaN, not bad."""
    n = len(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        out = np.full(n, np.nan)
        bad = series.notna().to_numpy(dtype=bool)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        out = series.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(out)
    else:
        arr = series.to_numpy(dtype=object)
        out = np.full(n, np.nan)
        bad = np.zeros(n, dtype=bool)
        inferred = pd.api.types.infer_dtype(arr, skipna=True)
        if inferred in ("floating", "integer", "mixed-integer-float"):
            # number cells as a sheet reader delivers them: one vectorised conversion
            out = pd.to_numeric(pd.Series(arr, dtype=object), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            bad = ~np.isfinite(out) & ~pd.isna(arr)
            return pd.Series(out, index=series.index, name=series.name, dtype="float64"), bad | _beyond(out)
        if inferred in TEXT_KINDS:  # each distinct text parsed once, spread by its code
            codes, uniques = pd.factorize(arr)  # None/NaN: -1, a blank
            stripped = np.array([text.strip(_TEXT_SPACES) for text in uniques], dtype=object)
            filled = np.flatnonzero(stripped != "")
            values, wrong = np.full(len(uniques) + 1, np.nan), np.zeros(len(uniques) + 1, dtype=bool)
            if len(filled):
                values[filled], wrong[filled] = _texts_to_amounts(pd.Series(stripped[filled], dtype=object))
            out, bad = values[codes], wrong[codes]
            return pd.Series(out, index=series.index, name=series.name, dtype="float64"), bad | _beyond(out)
        kinds = _classify(arr)  # mixed cells: numbers, dates, texts
        num = kinds == "n"
        out[num] = arr[num].astype("float64")
        bad |= (kinds == "x") | (kinds == "d") | (num & ~np.isfinite(out))
        text_mask = kinds == "s"
        texts = _texts_where(arr, text_mask)
        if text_mask.any():
            out[text_mask], bad[text_mask] = _texts_to_amounts(texts[text_mask].reset_index(drop=True))
    return pd.Series(out, index=series.index, name=series.name, dtype="float64"), bad | _beyond(out)


def _beyond(amounts: np.ndarray) -> np.ndarray:
    """Amounts of :data:`MAX_AMOUNT` or more (infinite ones are already bad)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(amounts) & (np.abs(amounts) >= MAX_AMOUNT)


def parse_amounts(series, column: str = "Bedrag", first_row: int = 2, *, rows=None) -> pd.Series:
    """Parse a column of amounts in euro (vectorised).

    Parameters
    ----------
    series : pd.Series or sequence
        Numbers or text (``'€ 1.234,56'``, ``'1,234.56'``, ``'(12,50)'``...); see the
        module docstring for how the decimal separator is decided.
    column, first_row, rows
        As for :func:`parse_dates`: the header and row numbers the message names.

    Returns
    -------
    pd.Series
        float64, same index; NaN for blank values.

    Raises
    ------
    WaardeFout
        At the first value that is not an amount.

    Examples
    --------
    >>> parse_amounts(pd.Series(["€ 1.234,56", "1,234.56", "-12,50", "(12,50)", 7])).tolist()
    [1234.56, 1234.56, -12.5, -12.5, 7.0]
    >>> parse_amounts(pd.Series(["12,50", "gratis"]), first_row=8)
    Traceback (most recent call last):
    ...
    klant_xl.errors.WaardeFout: Bedrag in rij 9 is geen bedrag: 'gratis'
    """
    return _parse_column(amounts_and_bad, series, column, first_row, rows, _NOT_AN_AMOUNT)
