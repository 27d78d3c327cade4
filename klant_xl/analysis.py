"""One analysis of a customer base: everything the command line and the refresh show.

:func:`analyse` runs the core steps in order — summary, thresholds (fixed or
derived), status, repeat rate, time between purchases, churn over the last
year, projection — and returns an :class:`Analysis`. The CLI prints it, the
workbook refresh writes it into sheets; neither computes anything itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

from klant_xl import models
from klant_xl.cohorts import cohort_boundaries, cohort_churn, cohort_triangle
from klant_xl.concurrency import Beside, one_blas_thread
from klant_xl.engine import engine_for
from klant_xl.errors import ModelFout, TeWeinigGegevens
from klant_xl.formatting import format_count, format_number
from klant_xl.portfolio import portfolio
from klant_xl.records import Record, key
from klant_xl.projection import (
    cumulative_loss,
    doubling_time,
    project_customers,
    projection_warnings,
)
from klant_xl.retention import retention_flags
from klant_xl.rfm import few_customers_message, rules_grid
from klant_xl.settings import DEFAULTS, Settings
from klant_xl.status import (
    PurchaseGaps,
    STATUSES,
    ChurnResult,
    DerivedThresholds,
    choose_thresholds,
    churn_over_period,
    customer_status,
    repeat_purchase_rate,
    time_between_purchases,
)
from klant_xl.summary import reference_date_of
from klant_xl.tiers import (
    customer_segments,
    pareto_curve,
    pareto_share,
    segment_overview,
)
from klant_xl.values import parse_fraction
from klant_xl.vocabulary import ACTIVE_STATUSES
from klant_xl.winback import WinbackReport, quarter_boundaries, quarters_shown, winback_list
from klant_xl.winback import winback_report as measure_winback

__all__ = ["Analysis", "ProjectionInputs", "SegmentTables", "ThresholdOrigin", "analyse", "load_models_beside",
           "segment_tables", "segments_summary_json"]


class ThresholdOrigin(NamedTuple):
    """Whether each threshold of an analysis was derived from the data."""

    inactive: bool
    lost: bool


@dataclass(frozen=True, eq=False)
class ProjectionInputs(Record):
    """What the projection of an analysis used (read by Dutch key too, as ``--json`` shows it)."""

    start: float = key("start")
    new_rate: float = key("nieuw_pct")
    churn_rate: float = key("verloop_pct")
    winback_rate: float = key("terugwin_pct")
    churn_after_winback: float = key("verloop_na_terugwinnen_pct")
    doubling_years: float = key("verdubbelingstijd_jaren")
    loss_after_3_years: float = key("cumulatief_verlies_3_jaar")


@dataclass(frozen=True, eq=False)
class SegmentTables(Record):
    """Every table of the Segmenten sheet (:func:`segment_tables`); read by key too (``tables["cohorts"]``)."""

    customers: pd.DataFrame
    segments: pd.DataFrame
    pyramid: pd.DataFrame
    tiers: pd.DataFrame
    pareto: pd.DataFrame
    cohorts: pd.DataFrame
    cohort_churn: pd.DataFrame
    portfolio: pd.DataFrame
    rules: pd.DataFrame

    def __eq__(self, other):  # frames do not compare to one truth value
        return self is other


@dataclass
class Analysis:
    """The result of :func:`analyse`.

    Attributes
    ----------
    reference_date : pandas.Timestamp
        The peildatum used (stated in every output).
    summary : pandas.DataFrame
        Per-customer summary (:func:`klant_xl.summary.customer_summary`).
    status : pandas.Series
        Status per customer.
    inactive_days, lost_days : float
        Thresholds used.
    thresholds : DerivedThresholds or None
        The derived thresholds with their sentences (None when the data are
        too thin; see ``messages``).
    repeat_rate : float
    gaps : PurchaseGaps or None
        :func:`klant_xl.status.time_between_purchases`; None without repeat buyers.
    churn_last_year : ChurnResult or None
        Churn over the year before the peildatum.
    projection : pandas.DataFrame
        Columns ``Jaar``, ``Huidige situatie``, ``Nieuwe situatie``.
    projection_inputs : ProjectionInputs
        Start, new rate, churn rate and win-back rate used, and what follows from them.
    segments : SegmentTables
        :func:`segment_tables`: RFM, pyramid, tiers, Pareto curve, cohorts,
        portfolio and the R×F rules used.
    segment_counts : dict
        :func:`segments_summary_json` (JSON-ready counts).
    predictions : pandas.DataFrame or None
        :func:`klant_xl.models.predict_customers` (modified BG/NBD, Gamma-Gamma,
        CLV); None when the data are too thin to fit (see ``messages``).
    expected_buyers_next_year : float or None
        Customers expected to buy at least once in the next 365 days.
    winback_report : WinbackReport or None
        :func:`klant_xl.winback.winback_report` on the tracking the user typed
        in the Winback sheet (empty tables without tracking).
    cohort_projection : pandas.DataFrame or None
        :func:`klant_xl.models.sbg.project_cohorts` on the yearly cohort
        triangle: retention that falls over time (sBG), the alternative to
        the constant-churn projection.
    projection_warnings : list of str
        :func:`klant_xl.projection.projection_warnings`: said *before* the
        projection table (implausible or unmeasured inputs).
    revenue_last_year : float
        Net revenue (returns lower it) in the year up to and including the peildatum.
    inputs : dict
        What was read: ``transacties`` (rows), ``met_bedragen`` (bool: returns
        are no purchases), ``contactmomenten`` (rows, 0 without); every output
        says which inputs it used.
    messages : list of str
        Dutch notes for the user (e.g. why a fallback was used).
    active_after : pandas.Index
        Customers with a line or contact moment after the peildatum: never flagged ``Verwijderen``.
    """

    reference_date: pd.Timestamp
    summary: pd.DataFrame
    status: pd.Series
    inactive_days: float
    lost_days: float
    thresholds: DerivedThresholds | None
    repeat_rate: float
    gaps: PurchaseGaps | None
    churn_last_year: ChurnResult | None
    projection: pd.DataFrame
    projection_inputs: ProjectionInputs
    segments: SegmentTables | None = None
    segment_counts: dict = field(default_factory=dict)
    predictions: pd.DataFrame | None = None
    expected_buyers_next_year: float | None = None
    winback_report: WinbackReport | None = None
    cohort_projection: pd.DataFrame | None = None
    settings: Settings = DEFAULTS
    projection_warnings: list[str] = field(default_factory=list)
    revenue_last_year: float | None = None
    inputs: dict = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    reading: object | None = None
    #: Customers with a line or contact moment after the peildatum: never flagged ``Verwijderen``.
    active_after: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object, name="Klant"))

    @property
    def thresholds_derived(self) -> ThresholdOrigin:
        """Which thresholds were derived from the data (Kaplan–Meier) rather than set on Instellingen."""
        derived = self.thresholds is not None
        return ThresholdOrigin(derived and self.settings.inactive_days is None,
                               derived and self.settings.lost_days is None)

    @property
    def contact_details(self) -> pd.DataFrame | None:
        """Contact details per customer from the export (:class:`klant_xl.exports.ReadingReport`), or None."""
        return getattr(self.reading, "contact_details", None)

    def inputs_sentence(self) -> str:
        """One Dutch sentence naming the inputs used (the CLI, Overzicht and Formules say it)."""
        return inputs_sentence(self.inputs)

    def status_counts(self) -> pd.Series:
        """Customers per status, in the order of :data:`klant_xl.status.STATUSES` (zeros included)."""
        return self.status.value_counts().reindex(list(STATUSES), fill_value=0).rename("Klanten")

    def customer_table(self) -> pd.DataFrame:
        """The Klanten sheet: one row per customer, ``Klant`` first, Dutch headers."""
        table = self.summary.copy()
        table.insert(0, "Status", self.status)
        if self.segments is not None:
            table = table.join(self.segments["customers"])
        if self.predictions is not None:
            table = table.join(self.predictions)
        if self.contact_details is not None:
            table = table.join(self.contact_details)
        table["Verwijderen"] = self.retention_flags()
        return table.reset_index()

    def retention_flags(self) -> pd.Series:
        """``Verwijderen`` per customer: lost longer than the retention period (:func:`klant_xl.retention.retention_flags`)."""

        return retention_flags(self.summary, self.status, self.reference_date, self.settings.retention_years,
                               self.active_after)

    def winback(self, limit=None) -> pd.DataFrame:
        """The Winback sheet: inactive customers, most recent first, empty tracking columns (:func:`klant_xl.winback.winback_list`)."""

        segments = None if self.segments is None else self.segments.customers
        if segments is not None and "Segment" not in segments.columns:
            segments = None
        return winback_list(self.summary, self.status, limit=limit, segments=segments,
                            contact_details=self.contact_details)

    def to_dict(self) -> dict:
        """Machine-readable result (``klant-xl analyse --json``)."""
        churn = self.churn_last_year
        return json_safe({
            "peildatum": self.reference_date.date().isoformat(),
            "klanten": int(len(self.summary)),
            "status": {k: int(v) for k, v in self.status_counts().items()},
            "herhaalaankoopratio": self.repeat_rate,
            "tijd_tussen_aankopen": dict(self.gaps) if self.gaps is not None else {},
            "drempels": {
                "inactief_dagen": self.inactive_days,
                "verloren_dagen": self.lost_days,
                "afgeleid": self.thresholds_derived.inactive and self.thresholds_derived.lost,
                "inactief_afgeleid": self.thresholds_derived.inactive,
                "verloren_afgeleid": self.thresholds_derived.lost,
                "uitleg_inactief": self.thresholds.inactive_sentence if self.thresholds_derived.inactive else None,
                "uitleg_verloren": self.thresholds.lost_sentence if self.thresholds_derived.lost else None,
                "aandeel_terugkomers": self.thresholds.return_share if self.thresholds else None,
            },
            "verloop_laatste_jaar": None
            if churn is None
            else {
                "begin": churn.start.date().isoformat(),
                "eind": churn.end.date().isoformat(),
                "actief_begin": churn.active_at_start,
                "behouden": churn.retained,
                "verloop": churn.churn,
                "behoud": churn.retention,
                "nieuwe_klanten": churn.new_customers,
                "nieuwe_klanten_pct": churn.new_share,
            },
            "projectie": {
                **dict(self.projection_inputs),
                "jaren": self.projection["Jaar"].tolist(),
                "huidige_situatie": self.projection["Huidige situatie"].round().astype(int).tolist(),
                "nieuwe_situatie": self.projection["Nieuwe situatie"].round().astype(int).tolist(),
            },
            "segmenten": self.segment_counts,
            "voorspelling": None
            if self.predictions is None
            else {
                "model": self.predictions.attrs.get("model_name"),
                "parameters": self.predictions.attrs.get("parameters"),
                "log_likelihood": self.predictions.attrs.get("log_likelihood"),
                "verwacht_kopers_komend_jaar": self.expected_buyers_next_year,
                "gemiddelde_kans_actief": float(self.predictions["Kans actief"].mean()),
                "totale_clv": float(self.predictions["CLV"].sum()) if "CLV" in self.predictions else None,
            },
            "terugwinpercentage_gemeten": None if self.winback_report is None else self.winback_report.winback_rate,
            "cohortbehoud_sbg": []
            if self.cohort_projection is None
            else [
                {
                    "cohort": str(row["Cohort"]),
                    "klanten": int(row["Klanten"]),
                    "alpha": float(row["alpha"]),
                    "beta": float(row["beta"]),
                    "actief_per_jaar": [float(row[k]) for k in range(self.settings.projection_years)],
                }
                for _, row in self.cohort_projection.iterrows()
            ],
            "invoer": dict(self.inputs),
            "omzet_laatste_jaar": self.revenue_last_year,
            "waarschuwingen_projectie": list(self.projection_warnings),
            "meldingen": list(self.messages),
            **({} if self.reading is None else {"inlezen": self.reading.to_dict()}),
        })


def inputs_sentence(inputs: dict) -> str:
    """What an analysis read, in one Dutch sentence.

    >>> inputs_sentence({"transacties": 12272, "met_bedragen": True, "contactmomenten": 3010})
    'Invoer: 12.272 transactieregels met bedragen (een retour is geen aankoop) en 3.010 contactmomenten (tellen als activiteit).'
    >>> inputs_sentence({"transacties": 1, "met_bedragen": False, "contactmomenten": 0})
    'Invoer: 1 transactieregel zonder bedragen (elke regel telt als aankoop), zonder contactmomenten.'
    >>> given = {"transacties": 5, "met_bedragen": True, "contactmomenten": 9, "contactmomenten_van_klanten": 2}
    >>> inputs_sentence(given).split(" en ")[1]
    '9 contactmomenten, waarvan 2 van klanten uit de transacties (tellen als activiteit).'
    """

    rows = format_count(inputs.get("transacties", 0), "transactieregel", "transactieregels")
    amounts = ("met bedragen (een retour is geen aankoop)" if inputs.get("met_bedragen")
               else "zonder bedragen (elke regel telt als aankoop)")
    contacts = inputs.get("contactmomenten", 0)
    matched = inputs.get("contactmomenten_van_klanten", contacts)
    of_customers = "" if matched == contacts else f", waarvan {format_number(matched)} van klanten uit de transacties"
    tail = (f" en {format_count(contacts, 'contactmoment', 'contactmomenten')}{of_customers} (tellen als activiteit)."
            if contacts else ", zonder contactmomenten.")
    return f"Invoer: {rows} {amounts}{tail}"


def json_safe(value):
    """Replace NaN and infinity (not valid JSON) by None, recursively (records become dicts)."""
    if isinstance(value, Mapping):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def segment_tables(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    status: pd.Series,
    inactive_days,
    reference_date=None,
    contacts: pd.DataFrame | None = None,
    rules=None,
    pyramid_cuts=(0.01, 0.05, 0.20),
    tier_cuts=(0.20, 0.50),
    period: str = "Y",
) -> dict[str, pd.DataFrame]:
    """All tables of the Segmenten sheet in one call (the refresh writes them as they are).

    Returns
    -------
    dict of DataFrame
        ``"customers"`` (:func:`customer_segments`, for the Klanten sheet), ``"segments"``,
        ``"pyramid"``, ``"tiers"`` (:func:`segment_overview` of each), ``"pareto"``
        (:func:`pareto_curve`; empty with the same columns when there is no revenue),
        ``"cohorts"`` (:func:`cohort_triangle`), ``"cohort_churn"`` (:func:`cohort_churn`),
        ``"portfolio"`` (:func:`portfolio`) and ``"rules"`` (:func:`rules_grid` of the rules
        used).
    """
    reference_date = reference_date_of(summary, transactions, reference_date)
    customers = customer_segments(transactions, summary, status, reference_date, rules, pyramid_cuts, tier_cuts)
    try:
        curve = pareto_curve(summary)
    except TeWeinigGegevens:
        curve = pd.DataFrame({"Aandeel klanten": pd.Series(dtype=float), "Aandeel omzet": pd.Series(dtype=float)})
    return SegmentTables(
        customers=customers,
        segments=segment_overview(customers["Segment"], summary),
        pyramid=segment_overview(customers["Piramide"], summary),
        tiers=segment_overview(customers["Niveau"], summary),
        pareto=curve,
        cohorts=cohort_triangle(transactions, reference_date, inactive_days, period, contacts),
        cohort_churn=cohort_churn(transactions, reference_date, inactive_days, period, contacts),
        portfolio=portfolio(transactions, summary, status),
        rules=rules_grid(rules),
    )


def _counts(overview: pd.DataFrame) -> dict[str, int]:
    key = overview.columns[0]
    return {str(k): int(v) for k, v in zip(overview[key], overview["Klanten"])}


def segments_summary_json(
    transactions: pd.DataFrame,
    summary: pd.DataFrame,
    status: pd.Series,
    reference_date=None,
    rules=None,
    pyramid_cuts=(0.01, 0.05, 0.20),
    tier_cuts=(0.20, 0.50),
    top_share: float = 0.2,
    tables: dict | None = None,
) -> dict:
    """Segment counts and the Pareto share as a JSON-ready dict (for ``klant-xl analyse --json``).

    Returns
    -------
    dict
        ``{"peildatum": "YYYY-MM-DD", "rfm_segmenten": {segment: count},
        "piramide": {level: count}, "niveaus": {tier: count},
        "pareto": {"aandeel_klanten": 0.2, "aandeel_omzet": float or None}}``;
        ``aandeel_omzet`` is ``None`` without positive revenue. Pass the
        ``tables`` of :func:`segment_tables` to reuse them instead of
        segmenting again.
    """
    reference_date = reference_date_of(summary, transactions, reference_date)
    if tables is None:
        frame = customer_segments(transactions, summary, status, reference_date, rules, pyramid_cuts, tier_cuts)
        tables = {
            "segments": segment_overview(frame["Segment"], summary),
            "pyramid": segment_overview(frame["Piramide"], summary),
            "tiers": segment_overview(frame["Niveau"], summary),
        }
    try:
        share = pareto_share(summary, top_share)
    except TeWeinigGegevens:
        share = None
    return {
        "peildatum": reference_date.date().isoformat(),
        "rfm_segmenten": _counts(tables["segments"]),
        "piramide": _counts(tables["pyramid"]),
        "niveaus": _counts(tables["tiers"]),
        "pareto": {"aandeel_klanten": float(parse_fraction(top_share, "Aandeel klanten")), "aandeel_omzet": share},
    }


def _predictions(summary, engine, settings: Settings, reference):
    """(predictions, expected buyers next year, None) of the models, or (None, None, why not)."""
    try:
        predictions = models.predict_customers(
            summary,
            engine,
            margin=settings.margin,
            annual_discount_rate=settings.annual_discount_rate,
            clv_horizon_months=settings.clv_horizon_months,
            reference_date=reference,
        )
        expected_buyers = models.expected_active_next_year(summary, parameters=predictions.attrs["parameters"],
                                                    reference_date=reference)
    except (TeWeinigGegevens, ModelFout) as exc:
        return None, None, exc
    return predictions, expected_buyers, None


def load_models_beside() -> Beside:
    """Import the models (and scipy, about 0.4 s) on a thread of their own, where there are threads.

    A shell calls this before it reads a file: the import then overlaps with the reading
    (DuckDB and the file readers work outside the interpreter lock), and the fit in
    :func:`analyse` finds the models loaded. Without threads (xlwings Lite) it does nothing:
    :func:`analyse` imports them when it fits. The import error, if any, is raised there too.
    OpenBLAS is asked for one thread first (:func:`klant_xl.concurrency.one_blas_thread`).
    """
    one_blas_thread()
    return Beside(lambda: (models.predict, models.sbg))


def analyse(
    transactions: pd.DataFrame,
    contacts: pd.DataFrame | None = None,
    settings: Settings = DEFAULTS,
    rfm_rules: pd.DataFrame | None = None,
    winback_tracking: pd.DataFrame | None = None,
    reading=None,
) -> Analysis:
    """Analyse a customer base as of the settings' peildatum.

    Parameters
    ----------
    transactions : pandas.DataFrame, ibis.Table or TransactionEngine
        Canonical transactions: a frame (run on embedded DuckDB), or an Ibis
        table on any backend (Spark, Postgres, …; columns ``Klant``,
        ``Datum``, optional ``Bedrag``, ``Product``), see :mod:`klant_xl.engine`.
    contacts : pandas.DataFrame, optional
        Contact moments (count as activity).
    settings : Settings
        Peildatum, thresholds ("automatisch" = None = derived), projection inputs.
    rfm_rules : pandas.DataFrame, optional
        R×F segment rules as edited by the user (default
        :data:`klant_xl.segments.RFM_RULES`).
    winback_tracking : pandas.DataFrame, optional
        The Winback table as the user filled it in (``Klant``, ``Benaderd op``,
        ...). Outcomes are measured from the data; when
        ``settings.projection_winback_rate`` is None the measured win-back rate
        feeds the projection.
    reading : klant_xl.exports.ReadingReport, optional
        How the export was read: its warnings open ``messages``, its contact details go
        to Klanten and Winback, and when the last date is implausible its
        ``reference_date`` is the default peildatum (the warning says so).

    Returns
    -------
    Analysis
    """
    messages: list[str] = list(getattr(reading, "messages", []))
    if settings.reference_date is None and getattr(reading, "reference_date", None) is not None:
        settings = settings.with_(reference_date=reading.reference_date)
    # Everything computed from the transactions runs on one engine (klant_xl.engine): DuckDB for a
    # pandas frame or a file, the caller's backend for an Ibis table; each expression once.
    engine = engine_for(transactions, settings.reference_date, contacts)
    transactions = engine
    reference = engine.reference_date
    first_day = engine.first_day()
    if first_day is not None and first_day > reference:
        raise TeWeinigGegevens(f"De peildatum {reference:%d-%m-%Y} ligt vóór de eerste transactie "
                               f"({first_day:%d-%m-%Y}): op die dag was nog niemand klant. Kies een latere peildatum.")
    summary = engine.summary()
    # The models need only the summary: they are fitted beside the rest (numpy and DuckDB both work
    # outside the interpreter lock, so the two cores share the work); the answer is the same.
    fits = Beside(lambda: _predictions(summary, engine, settings, reference), threaded=engine.embedded)

    choice = choose_thresholds(
        transactions,
        reference,
        settings.inactive_days,
        settings.lost_days,
        share=settings.return_share,
        level=settings.return_level,
        explain=True,
    )
    messages.extend(choice.messages)
    thresholds, inactive, lost = choice.derived, choice.inactive_days, choice.lost_days
    status = customer_status(summary, inactive, lost, mark_new=settings.mark_new, reference_date=reference)

    try:
        gaps = time_between_purchases(transactions, reference)
    except TeWeinigGegevens as exc:
        gaps = None
        messages.append(str(exc))

    churn: ChurnResult | None = None
    year_before = reference - pd.DateOffset(years=1)
    engine.prefetch_activity(
        [year_before, reference, *quarter_boundaries(quarters_shown(reference)), *cohort_boundaries(engine, reference)],
        inactive,
    )
    if first_day is not None and first_day <= year_before:
        churn = churn_over_period(transactions, year_before, reference, inactive, contacts)
    else:
        messages.append("Minder dan een jaar aan gegevens: het verloop over het laatste jaar is niet te meten.")

    active_now = int(status.isin(ACTIVE_STATUSES).sum())
    start = settings.projection_start if settings.projection_start is not None else active_now
    new_rate = settings.projection_new_rate
    churn_rate = settings.projection_churn_rate
    if new_rate is None:
        new_rate = churn.new_share if churn is not None and pd.notna(churn.new_share) else 0.0
    if churn_rate is None:
        churn_rate = churn.churn if churn is not None and pd.notna(churn.churn) else 0.0
    new_rate, churn_rate = float(new_rate), float(min(max(churn_rate, 0.0), 1.0))
    churn_measured = settings.projection_churn_rate is not None or (
        churn is not None and bool(churn.active_at_start) and pd.notna(churn.churn))
    warnings = projection_warnings(new_rate, churn_rate, churn_measured=churn_measured,
                                   active_at_start=None if settings.projection_churn_rate is not None or churn is None
                                   else churn.active_at_start)

    report = measure_winback(winback_tracking, transactions, reference, inactive, contacts)
    winback_rate = settings.projection_winback_rate
    if winback_rate is None:
        winback_rate = report.winback_rate
        if winback_rate is None:
            winback_rate = 0.0
            messages.append("Nog niemand benaderd in het Winback-blad: de nieuwe situatie rekent met 0% terugwinnen.")
    years = settings.projection_years
    current = project_customers(start, new_rate, churn_rate, years)
    improved = project_customers(start, new_rate, churn_rate, years, winback_rate)
    projection = pd.DataFrame(
        {
            "Jaar": current["Jaar"],
            "Huidige situatie": current["Aantal klanten"],
            "Nieuwe situatie": improved["Aantal klanten"],
        }
    )
    projection_inputs = ProjectionInputs(float(start), new_rate, churn_rate, float(winback_rate),
                                         churn_rate * (1 - winback_rate), doubling_time(new_rate, churn_rate),
                                         cumulative_loss(churn_rate, 3))
    segments = segment_tables(
        transactions,
        summary,
        status,
        inactive,
        reference,
        contacts,
        rules=rfm_rules,
        pyramid_cuts=settings.pyramid_cuts,
        tier_cuts=settings.tier_cuts,
    )
    segment_counts = segments_summary_json(transactions, summary, status, reference, tables=segments)
    few = few_customers_message(summary)
    if few is not None:
        messages.append(few)
    matched_contacts = 0
    if contacts is not None and len(contacts):
        matched_contacts = int(contacts["Klant"].astype(str).isin(summary.index).sum())
        if matched_contacts == 0:
            examples = ", ".join(f"'{c}'" for c in pd.unique(contacts["Klant"].astype(str))[:3])
            known = ", ".join(f"'{c}'" for c in summary.index[:3])
            messages.append(f"Geen enkel contactmoment ({format_number(len(contacts))}) hoort bij "
                            f"een klant uit de transacties (contacten {examples}; klanten {known}): ze tellen nergens "
                            "mee. Gebruik in beide dezelfde klantcode (klantnummer of e-mail).")
    predictions, expected_buyers, refusal = fits.result()
    if refusal is not None:
        messages.append(f"Geen voorspellingen (kans actief, CLV): {refusal}")
    return Analysis(
        reference_date=reference,
        summary=summary,
        status=status,
        inactive_days=float(inactive),
        lost_days=float(lost),
        thresholds=thresholds,
        repeat_rate=repeat_purchase_rate(summary),
        gaps=gaps,
        churn_last_year=churn,
        projection=projection,
        projection_inputs=projection_inputs,
        segments=segments,
        segment_counts=segment_counts,
        predictions=predictions,
        expected_buyers_next_year=expected_buyers,
        winback_report=report,
        cohort_projection=models.sbg.project_cohorts(segments.cohorts, settings.projection_years),
        settings=settings,
        projection_warnings=warnings,
        revenue_last_year=engine.revenue_last_year(),
        inputs={
            "transacties": engine.row_count,
            "met_bedragen": engine.has_amounts,
            "contactmomenten": 0 if contacts is None else int(len(contacts)),
            "contactmomenten_van_klanten": matched_contacts,
        },
        messages=messages,
        reading=reading,
        active_after=engine.customers_after_reference(),
    )
