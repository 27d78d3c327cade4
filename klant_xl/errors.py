"""Exception hierarchy of klant_xl.

Every error a user can cause derives from :class:`KlantXLError` and carries a
Dutch message that names the column, the row and the value where it can, so
that an Excel cell or the command line can show it as is.

::

    KlantXLError
    ├── InvoerFout            bad input data (a value, a column, a file)
    │   ├── KolomOntbreekt    a required column is missing (lists the accepted names)
    │   ├── DrempelVolgorde   drempel verloren not above drempel inactief (names both)
    │   └── WaardeFout        a value cannot be parsed (names column, row, value)
    │       └── DubbelzinnigPercentage  a number above 1 where a percentage is expected
    ├── TeWeinigGegevens      too little data for an estimate (thresholds, model fit)
    ├── ModelFout             a model fit did not converge
    └── WerkmapFout           a workbook cannot be read or written safely
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers

__all__ = [
    "DrempelVolgorde",
    "DubbelzinnigPercentage",
    "InvoerFout",
    "KlantXLError",
    "KolomOntbreekt",
    "ModelFout",
    "TeWeinigGegevens",
    "WaardeFout",
    "WerkmapFout",
]


class KlantXLError(Exception):
    """Base class of every error klant_xl raises on purpose; the message is Dutch."""


class InvoerFout(KlantXLError, ValueError):
    """The input data are not usable."""


class KolomOntbreekt(InvoerFout):
    """A required column is missing.

    Parameters
    ----------
    column : str
        The canonical name of the missing column (e.g. ``"Datum"``).
    available : sequence of str
        The headers that were found.
    accepted : sequence of str
        The header names that would have been recognised (the first twelve are listed).
    """

    def __init__(self, column: str, available=(), accepted=()):
        self.column = column
        self.available = list(available)
        self.accepted = list(accepted)
        found = ", ".join(repr(str(a)) for a in self.available) or "geen"
        message = f"Kolom '{column}' ontbreekt (gevonden kolommen: {found})."
        if self.accepted:
            names = ", ".join(f"'{a}'" for a in self.accepted[:12])
            more = f" en {len(self.accepted) - 12} andere" if len(self.accepted) > 12 else ""
            message += f" Herkende namen voor '{column}': {names}{more}."
        super().__init__(message)


class WaardeFout(InvoerFout):
    """A value cannot be read.

    Parameters
    ----------
    column : str
        Column name as the user sees it.
    row : int or None
        Row number as the user sees it (1 = header row in a sheet or file).
    value : object
        The offending value.
    expected : str
        What the value should have been, in Dutch ("geen datum", "geen bedrag").
    """

    def __init__(self, column: str, row, value, expected: str):
        self.column = column
        self.row = row
        self.value = value
        self.expected = expected
        where = f" in rij {row}" if row is not None else ""
        super().__init__(f"{column}{where} is {expected}: {as_typed(value)}")


def as_typed(value) -> str:
    """A value in a message as a Dutch user knows it: text in quotes, 2,5, WAAR, 31-12-2025, (leeg).

    >>> as_typed("morgen"), as_typed(2.5), as_typed(-3.0), as_typed(True), as_typed(None), as_typed(1e20)
    ("'morgen'", '2,5', '-3', 'WAAR', '(leeg)', '1e+20')
    """
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "(leeg)"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "WAAR" if value else "ONWAAR"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "(geen getal)"
        if math.isinf(number):
            return "oneindig" if number > 0 else "min oneindig"
        return f"{number:.15g}".replace(".", ",")
    if isinstance(value, _dt.date):
        return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"
    return repr(value)


def placed(error: WaardeFout, where: str) -> WaardeFout:
    """``error`` with the place it is about before its column: "Werkblad 'Transacties', Datum in rij 7 ...".

    A subclass with a message of its own is returned as it is.
    """
    if type(error) is not WaardeFout:
        return error
    return WaardeFout(f"{where}, {error.column}", error.row, error.value, error.expected)


class DubbelzinnigPercentage(WaardeFout):
    """A number above 1 from a cell where a percentage is expected: 1.2 is 120% in a cell formatted
    as a percentage, but may have been typed meaning 1.2%. The message names both readings and the
    setting that allows percentages above 100%."""

    def __init__(self, column: str, number: float):
        shown = f"{number:g}".replace(".", ",")
        as_percent = f"{number * 100:g}".replace(".", ",")
        self.column, self.row, self.value, self.expected = column, None, number, "dubbelzinnig"
        InvoerFout.__init__(
            self,
            f"{column} is {shown}: in een cel met procentnotatie is dat {as_percent}%, getypt als getal misschien "
            f"{shown}%. Typ het percentage met %-teken (bijv. '{shown}%'), of zet op Instellingen "
            f"'Percentages boven 100% toestaan' op JA om het als {as_percent}% te lezen.",
        )


class DrempelVolgorde(InvoerFout):
    """The lost threshold is below the inactive threshold; the message names both."""

    def __init__(self, inactive_days: float, lost_days: float):
        self.inactive_days, self.lost_days = inactive_days, lost_days
        super().__init__(
            f"Drempel verloren ({lost_days:g} dagen) moet minstens zo groot zijn als drempel inactief "
            f"({inactive_days:g} dagen): een klant is eerst inactief en pas later verloren. Pas een van beide aan."
        )


class TeWeinigGegevens(KlantXLError):
    """Too little data for an estimate; the message says how much is needed."""


class ModelFout(KlantXLError):
    """A model fit failed (no convergence); the message says what to try."""


class WerkmapFout(KlantXLError):
    """A workbook cannot be read or written safely (open in Excel, unsupported feature, ...)."""
