"""klant_xl: how big is your customer base really?

Customer-base analysis for small businesses (active, inactive, lost customers,
churn, projections, segments, win-back), as a Python library, a command line
tool ``klant-xl`` and an Excel add-in built on xlwings.
"""

from klant_xl.errors import (
    InvoerFout,
    KlantXLError,
    KolomOntbreekt,
    ModelFout,
    TeWeinigGegevens,
    WaardeFout,
    WerkmapFout,
)

__version__ = "0.1.0"

__all__ = [
    "InvoerFout",
    "KlantXLError",
    "KolomOntbreekt",
    "ModelFout",
    "TeWeinigGegevens",
    "WaardeFout",
    "WerkmapFout",
    "__version__",
]
