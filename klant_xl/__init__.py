"""klant_xl: how big is your customer base really?

Customer-base analysis for small businesses (active, inactive, lost customers,
churn, projections, segments, win-back), as a Python library, a command line
tool ``klant-xl`` and an Excel add-in built on xlwings.

Importing ``klant_xl`` loads only the analytic core (pandas, numpy; the models
load scipy when first used); the Excel shells (``klant_xl.udfs``, ``klant_xl.excel``) load xlwings and
openpyxl when they are used.
"""

from klant_xl.analysis import Analysis, analyse
from klant_xl.errors import (
    InvoerFout,
    KlantXLError,
    KolomOntbreekt,
    ModelFout,
    TeWeinigGegevens,
    WaardeFout,
    WerkmapFout,
)
from klant_xl.cohorts import cohort_triangle
from klant_xl.exports import ReadingReport, read_export
from klant_xl.projection import cumulative_loss, doubling_time, project_customers
from klant_xl.reading import read_contacts, read_transactions, read_transactions_lenient
from klant_xl.sample import sample_contacts, sample_transactions
from klant_xl.segments import customer_pyramid, customer_tiers, pareto_share, portfolio, rfm_segments
from klant_xl.settings import DEFAULTS, SCHEMA, Settings
from klant_xl.status import (
    STATUSES,
    churn_over_period,
    customer_status,
    derive_thresholds,
    kaplan_meier,
    repeat_purchase_rate,
    time_between_purchases,
)
from klant_xl.summary import customer_summary, summary_reference_date
from klant_xl.values import customer_id
from klant_xl.winback import winback_list

__version__ = "0.1.0"


def __getattr__(name: str):
    # The models (and scipy) load when first used: ``klant_xl.predict_customers`` imports them then.
    if name == "predict_customers":
        from klant_xl import models

        globals()[name] = models.predict_customers
        return models.predict_customers
    raise AttributeError(f"module 'klant_xl' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})


def main(port=None) -> bool:
    """Refresh the active workbook: what the ribbon button *Vernieuw analyse* runs.

    The add-in ``klant_xl.xlam`` (and the xlwings tab's *Run main*) calls
    ``import klant_xl; klant_xl.main()``; this loads the Excel shell
    (:func:`klant_xl.excel.refresh.main`) only then, so importing the core
    stays free of xlwings and openpyxl. Returns whether the refresh succeeded.
    """
    from klant_xl.excel.refresh import main as refresh_active_workbook

    return refresh_active_workbook(port)


__all__ = [
    "Analysis",
    "DEFAULTS",
    "InvoerFout",
    "KlantXLError",
    "KolomOntbreekt",
    "ModelFout",
    "ReadingReport",
    "SCHEMA",
    "STATUSES",
    "Settings",
    "TeWeinigGegevens",
    "WaardeFout",
    "WerkmapFout",
    "__version__",
    "analyse",
    "churn_over_period",
    "cohort_triangle",
    "cumulative_loss",
    "customer_id",
    "customer_pyramid",
    "customer_status",
    "customer_summary",
    "customer_tiers",
    "derive_thresholds",
    "doubling_time",
    "kaplan_meier",
    "main",
    "pareto_share",
    "portfolio",
    "predict_customers",
    "project_customers",
    "read_contacts",
    "read_export",
    "read_transactions",
    "read_transactions_lenient",
    "repeat_purchase_rate",
    "rfm_segments",
    "sample_contacts",
    "sample_transactions",
    "summary_reference_date",
    "time_between_purchases",
    "winback_list",
]
