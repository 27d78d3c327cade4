"""Exception hierarchy of klant_xl.

Every error a user can cause derives from :class:`KlantXLError` and carries a
Dutch message that names the column, the row and the value where it can, so
that an Excel cell or the command line can show it as is.

::

    KlantXLError
    ├── InvoerFout            bad input data (a value, a column, a file)
    │   ├── KolomOntbreekt    a required column is missing
    │   └── WaardeFout        a value cannot be parsed (names column, row, value)
    ├── TeWeinigGegevens      too little data for an estimate (thresholds, model fit)
    ├── ModelFout             a model fit did not converge
    └── WerkmapFout           a workbook cannot be read or written safely
"""

from __future__ import annotations

__all__ = [
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
    """

    def __init__(self, column: str, available=()):
        self.column = column
        self.available = list(available)
        found = ", ".join(repr(str(a)) for a in self.available) or "geen"
        super().__init__(f"Kolom '{column}' ontbreekt (gevonden kolommen: {found}).")


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
        super().__init__(f"{column}{where} is {expected}: {value!r}")


class TeWeinigGegevens(KlantXLError):
    """Too little data for an estimate; the message says how much is needed."""


class ModelFout(KlantXLError):
    """A model fit failed (no convergence); the message says what to try."""


class WerkmapFout(KlantXLError):
    """A workbook cannot be read or written safely (open in Excel, unsupported feature, ...)."""
