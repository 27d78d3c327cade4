"""Dutch formatting of numbers, percentages and dates for messages and the command line.

Small and flat, in the style of *humanize*: each function takes a plain value
and returns the text a Dutch reader expects.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["format_count", "format_date", "format_number", "format_percent"]


def format_count(count, singular: str, plural: str) -> str:
    """A count with the right noun: '1 klant', '2.500 klanten'.

    >>> format_count(1, "klant", "klanten"), format_count(2500, "klant", "klanten")
    ('1 klant', '2.500 klanten')
    """
    return f"{format_number(count)} {singular if count == 1 else plural}"


def format_number(value, decimals: int = 0) -> str:
    """Format a number the Dutch way: '.' groups thousands, ',' is the decimal sign.

    Examples
    --------
    >>> format_number(1234567)
    '1.234.567'
    >>> format_number(1234.5, 2)
    '1.234,50'
    >>> format_number(float("nan"))
    '–'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_percent(value, decimals: int = 1) -> str:
    """Format a share (0.1 = 10%) as a Dutch percentage, trailing zeros dropped.

    Examples
    --------
    >>> format_percent(0.4886)
    '48,9%'
    >>> format_percent(0.8)
    '80%'
    >>> format_percent(0.05)
    '5%'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value * 100:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


def format_date(value) -> str:
    """Format a date as dd-mm-jjjj.

    Examples
    --------
    >>> format_date(pd.Timestamp("2026-11-23"))
    '23-11-2026'
    """
    if value is None or pd.isna(value):
        return "–"
    return pd.Timestamp(value).strftime("%d-%m-%Y")
