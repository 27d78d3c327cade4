"""The Excel functions (xlwings UDFs) of SPEC §4: thin shells over the analytic core.

Each function converts the cells it gets (:mod:`klant_xl.excel.cells`), calls
the core, and converts the result back: a number, a text, or a table with a
header row that spills. A bad value gives a short Dutch message in the cell,
never a traceback. The workbook names this module in its ``xlwings.conf``
sheet (``UDF Modules: klant_xl.udfs``); *Import Functions* registers them.

One module for both xlwings runtimes:

- classic xlwings (Windows, COM): ``category`` groups the functions in Excel's
  function wizard; dates in cells arrive as datetimes;
- xlwings Lite / Server (Office.js): ``category`` is ignored, dates arrive as
  serial numbers, ``vba=`` arguments would become extra Excel parameters, and
  there is no ``Book.caller()``; so none of those is used here and every date
  argument accepts serial numbers, datetimes and text alike.

Every argument uses xlwings' ``"raw"`` converter: a whole column of a million
cells would otherwise be cleaned cell by cell in Python, and the default
converter turns an error cell into ``None`` (which would silently mean "use the
default"). :mod:`klant_xl.excel.cells` normalises what each runtime delivers. The function docstrings are the one-sentence
Dutch descriptions the function wizard shows; the core functions carry the
documentation.

:data:`EXAMPLES` lists one example per function (formula text and a callable
computing its result from a transactions frame) for the template's
``Formules`` sheet.
"""

from __future__ import annotations

import inspect
import math
from typing import Callable, NamedTuple

import pandas as pd
import xlwings as xw

from klant_xl.errors import DubbelzinnigPercentage, InvoerFout, WaardeFout
from klant_xl.excel import cells
from klant_xl.excel.cells import excel_function
from klant_xl.models import predict_customers
from klant_xl.projection import cumulative_loss, doubling_time, project_customers
from klant_xl.segments import customer_pyramid, rfm_segments
from klant_xl.settings import DEFAULTS
from klant_xl.status import (
    FALLBACK_THRESHOLDS,
    choose_thresholds,
    churn_over_period,
    customer_status,
    derive_thresholds,
    repeat_purchase_rate,
    status_from_days,
    time_between_purchases,
)
from klant_xl.engine import engine_for
from klant_xl.summary import SUMMARY_COLUMNS, customer_summary, resolve_reference_date
from klant_xl.winback import TRACKING_COLUMNS, winback_list
from klant_xl.values import parse_date, parse_dates, parse_days, parse_fraction, parse_number

__all__ = [
    "CATEGORY",
    "CHURN_PERCENTAGE",
    "CHURN_PROJECTIE",
    "CLV",
    "CUMULATIEF_VERLIES",
    "DREMPEL_INACTIEF",
    "DREMPEL_VERLOREN",
    "EXAMPLES",
    "Example",
    "ExampleInputs",
    "HERHAALAANKOOPRATIO",
    "KANS_ACTIEF",
    "KLANTPIRAMIDE",
    "KLANTSTATUS",
    "KLANTSTATUS_TABEL",
    "RFM_SEGMENT",
    "TIJD_TUSSEN_AANKOPEN",
    "VERDUBBELINGSTIJD",
    "WINBACK_LIJST",
    "examples",
]

#: Function-wizard category (classic xlwings; Office.js ignores it).
CATEGORY = "Klantanalyse"

# Argument help shared by several functions (each under 255 characters).
_KLANTEN = "Kolom met klantnummers (of e-mailadressen), bijv. Transacties[Klant]; een kopregel bovenaan wordt overgeslagen."
_DATUMS = "Kolom met de datum van elke aankoop, even lang als klanten: datums, serienummers of tekst zoals 23-11-2026."
_BEDRAGEN = "Kolom met het bedrag van elke aankoop (negatief = retour), even lang als klanten. Mag leeg blijven."
_BEDRAGEN_NODIG = "Kolom met het bedrag van elke aankoop (negatief = retour), even lang als klanten."
_BEDRAGEN_RETOUR = _BEDRAGEN + " Zonder bedragen telt een retour als aankoop."
_PEILDATUM = "Datum waarop de analyse geldt. Leeg = de laatste datum in datums."
_INACTIEF = "Dagen zonder aankoop waarna een klant inactief is. Leeg of \"auto\" = afgeleid uit de gegevens."
_VERLOREN = "Dagen zonder aankoop waarna een klant verloren is. Leeg of \"auto\" = afgeleid uit de gegevens."
_CONTACT_KLANTEN = "Optioneel: kolom met de klanten van contactmomenten, bijv. Contactmomenten[Klant]; een contact telt als activiteit."
_CONTACT_DATUMS = "Optioneel: kolom met de datums van de contactmomenten, bijv. Contactmomenten[Datum]."


# --------------------------------------------------------------------------- helpers (conversion only)


#: Function-wizard help of the arguments most Excel functions share (a function overrides one by keyword).
ARG_DOCS = {
    "klanten": _KLANTEN,
    "datums": _DATUMS,
    "bedragen": _BEDRAGEN,
    "peildatum": _PEILDATUM,
    "dagen_inactief": _INACTIEF,
    "dagen_verloren": _VERLOREN,
    "contact_klanten": _CONTACT_KLANTEN,
    "contact_datums": _CONTACT_DATUMS,
    "aantal": "Hoeveel klanten (de meest recente eerst), bijv. 5. Leeg = alle inactieve klanten.",
    "dagen": "Periode in dagen voor het verwachte aantal aankopen. Leeg = 365.",
    "marge": "Brutomarge als deel van de omzet, bijv. 30%. Leeg = 30%.",
    "maanden": "Over hoeveel maanden de klantwaarde gaat. Leeg = 12.",
    "disconteringsvoet": "Disconteringsvoet per jaar, bijv. 10%. Leeg = 10%.",
    "statistiek": "\"gemiddelde\" (standaard), \"mediaan\", \"p10\", \"p25\", \"p75\", \"p90\" (percentielen) of \"aantal\" (aantal tussenpozen).",
    "aandeel": "Aandeel van de terugkerende klanten dat binnen de drempel terugkomt. Leeg = 80%.",
    "kans": "Kans op terugkomst waaronder een klant verloren heet. Leeg = 5%.",
    "begin": "Begin van de periode, bijv. DATUM(2024;12;31) (het Overzicht: een jaar voor de peildatum).",
    "eind": "Eind van de periode, bijv. DATUM(2025;12;31) (het Overzicht: de peildatum).",
    "start": "Aantal klanten nu.",
    "nieuw_pct": "Nieuwe klanten per jaar als deel van de actieve klanten aan het begin van het jaar, bijv. 40%.",
    "terugwin_pct": "Deel van de vertrekkers dat je terugwint, bijv. 60%. Leeg = 0%.",
}


def excel_udf(**docs: str):
    """An Excel function: ``@xw.func`` with every argument ``"raw"`` and its wizard help (:data:`ARG_DOCS`,
    or ``docs`` by name), around :func:`klant_xl.excel.cells.excel_function` (Dutch message, never a traceback)."""

    def decorate(func):
        wrapped = excel_function(func)
        for name in reversed(inspect.signature(func).parameters):
            wrapped = xw.arg(name, "raw", doc=docs.get(name) or ARG_DOCS[name])(wrapped)
        return xw.func(category=CATEGORY)(wrapped)

    return decorate


def _date(value, name: str):
    """A single date argument (cell, serial number, text or blank) -> Timestamp or None."""
    return parse_date(cells.first_value(value, name), name)


def _days(value, name: str):
    return parse_days(cells.first_value(value, name), name)


def _fraction(value, name: str, default=None, maximum: float | None = 1.0):
    """A percentage from a cell: 0.3 or "30%"; a number above 1 is refused as ambiguous (1.2: 120% or 1.2%?).

    The refusal names what a formula can do: a function does not read Instellingen, so the setting
    'Percentages boven 100% toestaan' the refresh's message names does not apply here.
    """
    value = cells.first_value(value, name)
    if value is None and default is not None:
        return default
    try:
        return parse_fraction(value, name, cell=True, maximum=maximum)
    except DubbelzinnigPercentage as exc:
        shown, as_percent = (f"{number:g}".replace(".", ",") for number in (exc.value, exc.value * 100))
        raise WaardeFout(name, None, exc.value, f"dubbelzinnig: een getal boven 1 is in een cel met procentnotatie "
                         f"{as_percent}%, getypt misschien {shown}%. Geef het als tekst met %-teken: "
                         f"\"{as_percent}%\" of \"{shown}%\"") from None


def _count(value, name: str) -> float:
    """A number of customers from a cell, read as Instellingen and the command line read it ("1.000" = 1000)."""
    value = cells.first_value(value, name)
    if isinstance(value, bool):
        raise WaardeFout(name, None, value, "geen aantal")
    return parse_number(value, name, minimum=0)


def _years(value, name: str) -> int:
    """A number of years from a cell: a whole number from 0 to 200."""
    value = cells.first_value(value, name)
    if isinstance(value, bool):
        raise WaardeFout(name, None, value, "geen geheel getal")
    years = parse_number(value, name, minimum=0, whole=True)
    if years > 200:
        raise WaardeFout(name, None, value, "geen geheel getal van 0 tot 200")
    return int(years)


def _inputs(klanten, datums, bedragen=None, peildatum=None, contact_klanten=None, contact_datums=None):
    """Cells -> (transactions, contacts, peildatum): the peildatum the user gave, else the last date in
    the transactions and contact moments (as the refresh and Overzicht use it)."""
    transactions = cells.transactions(klanten, datums, bedragen)
    contacts = cells.contacts(contact_klanten, contact_datums)
    return transactions, contacts, resolve_reference_date(transactions, _date(peildatum, "Peildatum"), contacts)


def _thresholds(transactions: pd.DataFrame, reference, dagen_inactief, dagen_verloren) -> tuple[float, float]:
    """The thresholds the user gave, else "automatisch" (:func:`klant_xl.status.choose_thresholds`)."""
    choice = choose_thresholds(
        transactions,
        reference,
        _days(dagen_inactief, "Dagen inactief"),
        _days(dagen_verloren, "Dagen verloren"),
        DEFAULTS.return_share,
        DEFAULTS.return_level,
    )
    return choice.inactive_days, choice.lost_days


def _result(value):
    """A number for a cell; infinity/NaN cannot be shown (Office.js would show #NUM!)."""
    number = cells.number(value)
    if number is None:
        raise InvoerFout("Geen uitkomst: er zijn te weinig gegevens voor dit getal.")
    return number


# --------------------------------------------------------------------------- status


@excel_udf(
    laatste_datum="Datum van de laatste aankoop: één cel of een kolom (datum, serienummer of tekst zoals 23-11-2026).",
    peildatum="Datum waarop de status geldt, bijv. VANDAAG(). Leeg = de laatste datum in laatste_datum (bij één cel dus altijd Actief).",
    dagen_inactief=f"Dagen zonder aankoop waarna een klant inactief is. Leeg = {FALLBACK_THRESHOLDS[0]:.0f}; afleiden uit de gegevens: DREMPEL_INACTIEF.",
    dagen_verloren=f"Dagen zonder aankoop waarna een klant verloren is. Leeg = {FALLBACK_THRESHOLDS[1]:.0f}; afleiden uit de gegevens: DREMPEL_VERLOREN.",
)
def KLANTSTATUS(laatste_datum, peildatum=None, dagen_inactief=None, dagen_verloren=None):
    """Status (Actief, Inactief of Verloren) uit de datum van de laatste aankoop."""
    block = cells.date_block(laatste_datum, "Laatste datum")
    dates = parse_dates(pd.Series(block.values, dtype=object), "Laatste datum", rows=block.rows)
    reference = _date(peildatum, "Peildatum") or dates.max()
    if pd.isna(reference):
        raise InvoerFout("Geen datum gevonden in laatste_datum en geen peildatum opgegeven.")
    for value, name, derive in ((dagen_inactief, "Dagen inactief", "DREMPEL_INACTIEF"),
                                (dagen_verloren, "Dagen verloren", "DREMPEL_VERLOREN")):
        typed = cells.first_value(value, name)
        if isinstance(typed, str) and typed.strip().lower() in ("auto", "automatisch"):
            # Overzicht and every other function derive "automatisch" from the purchases; KLANTSTATUS has
            # only the last dates: it would have used the fallback and disagreed with them without a word
            raise InvoerFout(f"{name} '{typed.strip()}': KLANTSTATUS kent alleen de laatste datums en kan de drempel "
                             f"niet afleiden. Geef {derive}(klanten; datums) als argument, of een aantal dagen.")
    inactive = _days(dagen_inactief, "Dagen inactief") or FALLBACK_THRESHOLDS[0]
    lost = _days(dagen_verloren, "Dagen verloren") or max(FALLBACK_THRESHOLDS[1], inactive)
    return block.shaped(status_from_days((reference - dates).dt.days, inactive, lost).tolist(), header="Status")


@excel_udf()
def KLANTSTATUS_TABEL(klanten, datums, bedragen=None, peildatum=None, dagen_inactief=None, dagen_verloren=None,
                      contact_klanten=None, contact_datums=None):
    """Tabel met per klant de aankopen, omzet, dagen sinds de laatste aankoop en de status."""
    _, summary, status = _customers(klanten, datums, bedragen, peildatum, dagen_inactief, dagen_verloren,
                                    contact_klanten, contact_datums)
    shown = [c for c in SUMMARY_COLUMNS if c not in ("Eerste product", "Laatste product")]
    if bedragen is None:
        shown = [c for c in shown if c not in ("Omzet", "Gem. bestelwaarde")]
    return cells.table(summary[shown].assign(Status=status)[["Status", *shown]], index=True)


def _customers(klanten, datums, bedragen, peildatum, dagen_inactief, dagen_verloren, contact_klanten=None,
               contact_datums=None):
    """Cells -> (transactions, summary, status): the steps every per-customer function starts with."""
    transactions, contacts, reference = _inputs(klanten, datums, bedragen, peildatum, contact_klanten, contact_datums)
    # one engine for the summary and the derived thresholds (klant_xl.engine)
    transactions = engine_for(transactions, reference, contacts)
    summary = customer_summary(transactions)
    if summary.empty:
        raise InvoerFout(f"Geen aankopen op of voor de peildatum {transactions.reference_date:%d-%m-%Y}.")
    inactive, lost = _thresholds(transactions, transactions.reference_date, dagen_inactief, dagen_verloren)
    return transactions, summary, customer_status(summary, inactive, lost, mark_new=DEFAULTS.mark_new,
                                                  reference_date=transactions.reference_date)


# --------------------------------------------------------------------------- segments


@excel_udf(
    bedragen=_BEDRAGEN_NODIG,
    dagen_verloren=_VERLOREN + " Verloren klanten krijgen segment Verloren.",
)
def RFM_SEGMENT(klanten, datums, bedragen, peildatum=None, dagen_inactief=None, dagen_verloren=None,
                contact_klanten=None, contact_datums=None):
    """Tabel met per klant de RFM-scores (1-5) en het segment, zoals Kampioenen of Slapend."""
    _, summary, status = _customers(klanten, datums, bedragen, peildatum, dagen_inactief, dagen_verloren,
                                    contact_klanten, contact_datums)
    return cells.table(rfm_segments(summary, status), index=True)


@excel_udf(bedragen=_BEDRAGEN_NODIG)
def KLANTPIRAMIDE(klanten, datums, bedragen, peildatum=None, dagen_inactief=None, dagen_verloren=None,
                  contact_klanten=None, contact_datums=None):
    """Tabel met per klant de laag in de klantenpiramide: Top, Groot, Midden, Klein, Inactief of Verloren."""
    transactions, summary, status = _customers(klanten, datums, bedragen, peildatum, dagen_inactief, dagen_verloren,
                                               contact_klanten, contact_datums)
    pyramid = customer_pyramid(transactions, summary, status, transactions.reference_date, DEFAULTS.pyramid_cuts)
    return cells.table(pyramid.to_frame(), index=True)


@excel_udf()
def WINBACK_LIJST(klanten, datums, bedragen=None, aantal=None, peildatum=None, dagen_inactief=None, dagen_verloren=None,
                  contact_klanten=None, contact_datums=None):
    """Tabel met de inactieve klanten om terug te winnen, de meest recente eerst."""
    _, summary, status = _customers(klanten, datums, bedragen, peildatum, dagen_inactief, dagen_verloren,
                                    contact_klanten, contact_datums)
    table = winback_list(summary, status, limit=cells.first_value(aantal, "Aantal"))
    # no product argument, so no Laatste product; tracking columns are typed on the Winback sheet, not in a spill
    dropped = [*TRACKING_COLUMNS, "Laatste product", *(["Omzet"] if bedragen is None else [])]
    return cells.table(table.drop(columns=[c for c in dropped if c in table.columns]))


# --------------------------------------------------------------------------- predictions (models)


@excel_udf(bedragen=_BEDRAGEN_RETOUR)
def KANS_ACTIEF(klanten, datums, bedragen=None, peildatum=None, dagen=None):
    """Tabel met per klant de kans dat hij nog klant is, de verwachte aankopen en de verwachte volgende aankoop."""
    transactions = cells.transactions(klanten, datums, bedragen)
    summary = customer_summary(transactions, _date(peildatum, "Peildatum"))
    horizon = _days(dagen, "Dagen") or 365.0
    predictions = predict_customers(summary, transactions, horizon_days=horizon)
    return cells.table(predictions[["Kans actief", "Verwachte aankopen", "Verwachte volgende aankoop"]], index=True)


@excel_udf(bedragen=_BEDRAGEN_NODIG)
def CLV(klanten, datums, bedragen, peildatum=None, marge=None, maanden=None, disconteringsvoet=None):
    """Tabel met per klant de verwachte klantwaarde (CLV): verdisconteerde brutomarge op de verwachte aankopen."""
    transactions = cells.transactions(klanten, datums, bedragen)
    summary = customer_summary(transactions, _date(peildatum, "Peildatum"))
    months = cells.whole_number(cells.first_value(maanden, "Maanden"), "Maanden", DEFAULTS.clv_horizon_months, 1, 1200)
    predictions = predict_customers(
        summary,
        transactions,
        horizon_days=365,
        margin=_fraction(marge, "Marge", DEFAULTS.margin),
        annual_discount_rate=_fraction(disconteringsvoet, "Disconteringsvoet", DEFAULTS.annual_discount_rate),
        clv_horizon_months=months,
    )
    return cells.table(predictions[["Verwachte aankopen", "Verwachte bestelwaarde", "CLV"]], index=True)


# --------------------------------------------------------------------------- purchase behaviour


@excel_udf(bedragen=_BEDRAGEN_RETOUR)
def HERHAALAANKOOPRATIO(klanten, datums, bedragen=None, peildatum=None):
    """Aandeel klanten dat twee keer of vaker kocht (herhaalaankoopratio)."""
    transactions, _, reference = _inputs(klanten, datums, bedragen, peildatum)
    return _result(repeat_purchase_rate(customer_summary(transactions, reference)))


#: Accepted values of TIJD_TUSSEN_AANKOPEN's statistiek, lower case -> key of time_between_purchases.
STATISTICS = {
    "gemiddelde": "gemiddelde", "gem": "gemiddelde", "mediaan": "mediaan",
    "p10": "p10", "p25": "p25", "p50": "mediaan", "p75": "p75", "p90": "p90",
    "10": "p10", "25": "p25", "50": "mediaan", "75": "p75", "90": "p90", "aantal": "aantal",
}


@excel_udf(bedragen=_BEDRAGEN_RETOUR)
def TIJD_TUSSEN_AANKOPEN(klanten, datums, bedragen=None, statistiek=None, peildatum=None):
    """Aantal dagen tussen twee opeenvolgende aankopen van dezelfde klant."""
    choice = cells.first_value(statistiek, "Statistiek")
    text = "gemiddelde" if choice is None else str(int(choice) if isinstance(choice, float) and choice.is_integer() else choice)
    key = STATISTICS.get(text.strip().lower().replace("%", ""))
    if key is None:
        raise InvoerFout(f"Statistiek moet gemiddelde, mediaan, p10, p25, p75, p90 of aantal zijn: {choice!r}")
    transactions, _, reference = _inputs(klanten, datums, bedragen, peildatum)
    return _result(time_between_purchases(transactions, reference)[key])


@excel_udf(bedragen=_BEDRAGEN_RETOUR)
def DREMPEL_INACTIEF(klanten, datums, bedragen=None, aandeel=None, peildatum=None):
    """Aantal dagen waarbinnen de meeste terugkerende klanten (standaard 80%) opnieuw kopen; daarna heet een klant inactief."""
    share = _fraction(aandeel, "Aandeel", DEFAULTS.return_share)
    transactions, _, reference = _inputs(klanten, datums, bedragen, peildatum)
    return _result(derive_thresholds(transactions, reference, share=share).inactive_days)


@excel_udf(bedragen=_BEDRAGEN_RETOUR)
def DREMPEL_VERLOREN(klanten, datums, bedragen=None, kans=None, peildatum=None):
    """Aantal dagen zonder aankoop waarna bijna geen klant (standaard minder dan 5%) nog terugkomt; daarna heet een klant verloren."""
    level = _fraction(kans, "Kans", DEFAULTS.return_level)
    transactions, _, reference = _inputs(klanten, datums, bedragen, peildatum)
    return _result(derive_thresholds(transactions, reference, level=level).lost_days)


@excel_udf(bedragen=_BEDRAGEN_RETOUR)
def CHURN_PERCENTAGE(klanten, datums, bedragen, begin, eind, dagen_inactief=None, contact_klanten=None,
                     contact_datums=None):
    """Verloop: aandeel van de klanten die actief waren op de begindatum en niet meer op de einddatum."""
    transactions = cells.transactions(klanten, datums, bedragen)
    contacts = cells.contacts(contact_klanten, contact_datums)
    start, end = _date(begin, "Begin"), _date(eind, "Eind")
    if start is None or end is None:
        raise InvoerFout("Geef een begin- en een einddatum op.")
    inactive = _days(dagen_inactief, "Dagen inactief") or _thresholds(transactions, end, None, None)[0]
    result = churn_over_period(transactions, start, end, inactive, contacts)
    if not result.active_at_start:
        raise InvoerFout(f"Geen actieve klanten op {start:%d-%m-%Y}: het verloop is niet te berekenen.")
    return _result(result.churn)


# --------------------------------------------------------------------------- projection (seed 002)


@excel_udf(
    verloop_pct="Verloop (churn) per jaar, bijv. 30%.",
    jaren="Aantal jaren vooruit (0 tot 200).",
)
def CHURN_PROJECTIE(start, nieuw_pct, verloop_pct, jaren, terugwin_pct=None):
    """Tabel met het aantal klanten per jaar bij vaste percentages nieuwe klanten en verloop."""
    projection = project_customers(
        _count(start, "Aantal klanten bij de start"),
        _fraction(nieuw_pct, "Nieuw %", maximum=None),
        _fraction(verloop_pct, "Verloop %"),
        _years(jaren, "Aantal jaren"),
        _fraction(terugwin_pct, "Terugwin %", 0.0),
    )
    return cells.table(projection)


@excel_udf(
    verloop_pct="Verloop (churn) per jaar, bijv. 10%.",
    jaren="Aantal jaren.",
)
def CUMULATIEF_VERLIES(verloop_pct, jaren):
    """Aandeel van de huidige klanten dat na zoveel jaren vertrokken is: 1 − (1 − verloop)^jaren."""
    return _result(cumulative_loss(_fraction(verloop_pct, "Verloop %"), _years(jaren, "Aantal jaren")))


@excel_udf(verloop_pct="Verloop (churn) per jaar, bijv. 30%.")
def VERDUBBELINGSTIJD(nieuw_pct, verloop_pct):
    """Aantal jaren tot het klantenbestand verdubbelt bij vaste groei."""
    years = doubling_time(_fraction(nieuw_pct, "Nieuw %", maximum=None), _fraction(verloop_pct, "Verloop %"))
    if math.isinf(years):
        return "Groeit niet: het klantenbestand verdubbelt nooit."
    return years


# --------------------------------------------------------------------------- examples for the template


class ExampleInputs(NamedTuple):
    """What the Formules examples read, so that they give the Overzicht's numbers.

    ``transactions`` and ``contacts`` are the Transacties and Contactmomenten
    tables, ``settings`` the Instellingen cells, ``reference_date`` the
    peildatum of the analysis (the last date in transactions *and* contact
    moments when Instellingen leaves it empty). The churn example runs over the
    Overzicht's period: the year before the peildatum.
    """

    transactions: pd.DataFrame
    contacts: pd.DataFrame | None = None
    settings: object = DEFAULTS
    reference_date: pd.Timestamp | None = None

    @property
    def peildatum(self) -> pd.Timestamp:
        if self.reference_date is not None:
            return pd.Timestamp(self.reference_date)
        return resolve_reference_date(self.transactions, self.settings.reference_date, self.contacts)

    @property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The Overzicht's churn period: [peildatum - 1 year, peildatum]."""
        end = self.peildatum
        return end - pd.DateOffset(years=1), end


class Example(NamedTuple):
    """One example for the template's Formules sheet.

    ``formula`` is in English notation (``,`` separators, ``DATE``), as a
    formula is stored in a file; ``formula_nl`` is what a Dutch user types.
    ``compute(inputs)`` returns what the cell shows (a value, or a list of rows
    with a header row for a spilling table) for :class:`ExampleInputs` (a bare
    transactions frame is accepted too). Names such as ``dagen_inactief`` are
    the named cells of Instellingen.
    """

    name: str
    formula: str
    formula_nl: str
    compute: Callable[[object], object]


def _cols(frame: pd.DataFrame | None, *names: str) -> list:
    """Columns of a frame as the ranges Excel hands over (lists of rows); None for an absent frame."""
    if frame is None:
        return [None for _ in names]
    out = []
    for name in names:
        values = frame[name].tolist()
        if name == "Datum":
            values = [v.to_pydatetime() for v in frame[name]]
        out.append([[v] for v in values])
    return out


def _nl(formula: str) -> str:
    return formula.replace(",", ";").replace("DATE(", "DATUM(").replace("TODAY(", "VANDAAG(")


def _date_formula(day) -> str:
    day = pd.Timestamp(day)
    return f"DATE({day.year},{day.month},{day.day})"


def _serial(day) -> float:
    return float((pd.Timestamp(day) - pd.Timestamp("1899-12-30")).days)


def _as_inputs(value) -> ExampleInputs:
    return value if isinstance(value, ExampleInputs) else ExampleInputs(value)


def _cell(settings, field: str):
    """The value an Instellingen named cell holds for a setting (what Excel hands the function)."""
    value = getattr(settings, field)
    if field in ("inactive_days", "lost_days") and value is None:
        return "automatisch"
    return value


#: The sample shop's peildatum (the last date in its data), for :data:`EXAMPLES` and the README.
SAMPLE_REFERENCE_DATE = pd.Timestamp("2025-12-31")


def examples(reference_date=SAMPLE_REFERENCE_DATE) -> list[Example]:
    """The Formules examples for data with this peildatum (it and the churn period appear in the formulas)."""
    end = pd.Timestamp(reference_date)
    begin = end - pd.DateOffset(years=1)
    peil = _date_formula(end)
    tx = "Transacties[Klant], Transacties[Datum], Transacties[Bedrag]"
    co = "Contactmomenten[Klant], Contactmomenten[Datum]"
    status_args = f"{peil}, dagen_inactief, dagen_verloren, {co}"

    def run(function, *args, contacts=True):
        def compute(value):
            inputs = _as_inputs(value)
            st = inputs.settings
            values = []
            for arg in args:
                if arg == "tx":
                    values += _cols(inputs.transactions, "Klant", "Datum", "Bedrag")
                elif arg == "co":
                    values += _cols(inputs.contacts, "Klant", "Datum")
                elif arg == "peil":
                    values.append(_serial(end))
                elif arg == "begin":
                    values.append(_serial(begin))
                elif isinstance(arg, str) and arg.startswith("setting:"):
                    values.append(_cell(st, arg.split(":", 1)[1]))
                else:
                    values.append(arg)
            return function(*values)

        return compute

    status = ("tx", "peil", "setting:inactive_days", "setting:lost_days", "co")
    items = [
        ("KLANTSTATUS", "=KLANTSTATUS(DATE(2025,6,1), DATE(2025,12,31), 90, 365)",
         lambda value: KLANTSTATUS(46174.0, 46387.0, 90, 365)),
        ("KLANTSTATUS_TABEL", f"=KLANTSTATUS_TABEL({tx}, {status_args})", run(KLANTSTATUS_TABEL, *status)),
        ("RFM_SEGMENT", f"=RFM_SEGMENT({tx}, {status_args})", run(RFM_SEGMENT, *status)),
        ("KLANTPIRAMIDE", f"=KLANTPIRAMIDE({tx}, {status_args})", run(KLANTPIRAMIDE, *status)),
        ("WINBACK_LIJST", f"=WINBACK_LIJST({tx}, 5, {status_args})",
         run(WINBACK_LIJST, "tx", 5.0, *status[1:])),
        ("KANS_ACTIEF", f"=KANS_ACTIEF({tx}, {peil})", run(KANS_ACTIEF, "tx", "peil")),
        ("CLV", f"=CLV({tx}, {peil}, marge, clv_maanden, disconteringsvoet)",
         run(CLV, "tx", "peil", "setting:margin", "setting:clv_horizon_months", "setting:annual_discount_rate")),
        ("HERHAALAANKOOPRATIO", f"=HERHAALAANKOOPRATIO({tx}, {peil})", run(HERHAALAANKOOPRATIO, "tx", "peil")),
        ("TIJD_TUSSEN_AANKOPEN", f'=TIJD_TUSSEN_AANKOPEN({tx}, "mediaan", {peil})',
         run(TIJD_TUSSEN_AANKOPEN, "tx", "mediaan", "peil")),
        ("DREMPEL_INACTIEF", f"=DREMPEL_INACTIEF({tx}, aandeel_terugkomers, {peil})",
         run(DREMPEL_INACTIEF, "tx", "setting:return_share", "peil")),
        ("DREMPEL_VERLOREN", f"=DREMPEL_VERLOREN({tx}, kans_terugkomst, {peil})",
         run(DREMPEL_VERLOREN, "tx", "setting:return_level", "peil")),
        ("CHURN_PERCENTAGE", f"=CHURN_PERCENTAGE({tx}, {_date_formula(begin)}, {peil}, dagen_inactief, {co})",
         run(CHURN_PERCENTAGE, "tx", "begin", "peil", "setting:inactive_days", "co")),
        ("CHURN_PROJECTIE", "=CHURN_PROJECTIE(1000, 40%, 30%, 10, 60%)",
         lambda value: CHURN_PROJECTIE(1000.0, 0.4, 0.3, 10.0, 0.6)),
        ("CUMULATIEF_VERLIES", "=CUMULATIEF_VERLIES(10%, 3)", lambda value: CUMULATIEF_VERLIES(0.1, 3.0)),
        ("VERDUBBELINGSTIJD", "=VERDUBBELINGSTIJD(40%, 30%)", lambda value: VERDUBBELINGSTIJD(0.4, 0.3)),
    ]
    return [Example(name, formula, _nl(formula), compute) for name, formula, compute in items]


#: The examples on the sample shop (peildatum 31-12-2025), as the README lists them.
EXAMPLES: list[Example] = examples()
