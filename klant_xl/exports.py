"""Real shop exports read as purchases: orders, statuses, guests, identity, contact details.

A shop export is rarely one row per purchase. Shopify writes one row per line item and
fills the order's own fields (status, total, refund, billing) on its first row only;
order-export plugins for WooCommerce repeat the order total on every item row; Lightspeed
X-Series mixes sale, line and payment rows. :func:`read_export` turns such a table into
the canonical transactions frame (``docs/architecture.md``) with these rules (SPEC §2):

Orders
    With an order-id column (:data:`ROLE_ALIASES` ``"Bestelling"``) the rows of one order
    are one purchase. Order-level fields (date, status, customer, e-mail, amount, refund,
    contact details) are the first non-blank value of the order, applied to all its rows.
    An order-level amount (``Bedrag``: Total, Order Total Amount, Totaal ...) counts once;
    line amounts (``Regelbedrag``, or ``Prijs`` × ``Aantal``) are summed when the order has
    no order-level amount. A refunded amount (``Terugbetaald``) lowers the revenue.
    Without an order id every row is its own purchase.
Status
    A status column (``Status``: Financial Status, Order Status, Betaalstatus ...) decides
    whether an order is a sale. :data:`STATUS_VALUES` maps each known value (Dutch and
    English) to ``None`` (counts) or the Dutch reason it is skipped; a caller passes its
    own list of counted values (``counted_statuses``). Unknown values are skipped as
    ``andere status`` and named in the report.
Identity
    One key per row by precedence: customer id/code (``Klantnummer``), else the e-mail
    (trimmed, lower case), else the phone (digits, ``+31``/``0031`` as ``0``). A name is a
    key only when the caller maps ``Klant`` to it, with a warning that names merge people.
    Rows without a key (guest till sales) are skipped and counted as ``geen klant``.
Plausibility
    A non-finite amount (``inf``, ``1e309``) is a :class:`~klant_xl.errors.WaardeFout`
    naming row and value; an error cell (``#N/A``) in the key or date column is skipped
    and reported; a date far after the others or after ``today`` is a warning, and
    :attr:`ReadingReport.reference_date` then holds the last ordinary date, which the
    shells use as default peildatum (saying so).

Everything read is described by a :class:`ReadingReport` (Dutch): which column became
what and why, rows, orders, skipped rows per reason with example row numbers, net revenue.
This module is core: it takes frames (or a file path handed to :mod:`klant_xl.reading`'s
loader) and returns frames; it never reads the clock (``today`` is an argument).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, KolomOntbreekt, WaardeFout
from klant_xl.formatting import format_count, format_date, format_number
from klant_xl.headers import (
    TOTAL_WORDS,
    blank_mask,
    empty_error,
    header_key,
    is_total,
    parse_column_choices,
)
from klant_xl.reading import load_table
from klant_xl.values import (
    NO_TEXT_KINDS,
    amounts_and_bad,
    cell_texts,
    customer_ids,
    holds_only_text,
    dates_and_bad,
    expected_for,
    per_distinct,
    shown,
)
from klant_xl.vocabulary import CONTACT_DETAIL_COLUMNS, TRANSACTION_COLUMNS
from klant_xl.vocabulary import EXPORT_ROLES as ROLES

__all__ = [
    "CONTACT_FIELDS",
    "ERROR_CELL",
    "EXPORT_PROFILES",
    "ExportProfile",
    "ROLE_ALIASES",
    "ROLES",
    "ReadingReport",
    "STATUS_VALUES",
    "check_dates",
    "choose_roles",
    "detect_profile",
    "normalise_email",
    "normalise_phone",
    "parse_column_choices",
    "read_export",
]


#: Role -> known headers, most specific first (matched ignoring case, spaces, accents and
#: punctuation). Module-level data: a caller may extend it. ``Klant`` is the explicit key
#: column (the template's own ``Klant``); the precedence roles follow.
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "Klant": ("Klant",),
    "Klantnummer": (
        "Klantnummer", "Klantnr", "Klant nr", "Klant-ID", "Klantcode", "Klant code",
        "Debiteurnummer", "Debiteurnr", "Debiteur", "Debiteurcode", "Relatienummer", "Relatienr",
        "Relatiecode", "Lidnummer", "Pasnummer", "Klantkaart", "Customer ID", "customer_id",
        "CustomerID", "Customer Number", "Customer No", "Customer Code", "Client ID", "Contact ID",
        "Customer User",
    ),
    "E-mail": (
        "E-mail", "Email", "E-mailadres", "Emailadres", "Mail", "Customer Email", "Customer E-mail",
        "Billing Email", "Billing Email Address", "Email (Billing)", "billing_email", "Buyer Email",
        "Klant e-mail", "E-mail klant",
    ),
    "Telefoon": (
        "Telefoon", "Telefoonnummer", "Tel", "Mobiel", "Mobiele telefoon", "Phone", "Billing Phone",
        "Phone (Billing)", "billing_phone", "Customer Phone", "Mobile", "Shipping Phone",
    ),
    "Naam": (
        "Naam", "Klantnaam", "Naam klant", "Debiteurnaam", "Debiteur", "Relatienaam", "Contact", "Contactpersoon", "Relatie", "Customer Name",
        "Customer", "Billing Name", "Client", "Buyer Name",
    ),
    "Voornaam": ("Voornaam", "First Name", "Billing First Name", "First Name (Billing)", "billing_first_name", "Firstname"),
    "Achternaam": ("Achternaam", "Last Name", "Billing Last Name", "Last Name (Billing)", "billing_last_name", "Lastname"),
    "Datum": (
        "Datum", "Orderdatum", "Besteldatum", "Aankoopdatum", "Factuurdatum", "Verkoopdatum",
        "Transactiedatum", "Boekdatum", "Kassadatum", "Datum order", "Datum bestelling", "Datum factuur",
        "Datum/tijd", "Datum tijd", "Date", "Order Date", "Order Date Created", "Purchase Date",
        "Sale Date", "Invoice Date", "Transaction Date", "Created at", "Created", "Created Date",
        "date_created", "order_date", "Paid at", "Paid date", "date_paid", "Timestamp", "Tijdstip",
    ),
    "Bestelling": (
        "Bestelling", "Ordernummer", "Bestelnummer", "Ordernr", "Order nr", "Factuurnummer", "Factuurnr",
        "Bonnummer", "Kassabon", "Transactienummer", "Order ID", "Order Id", "order_id", "Order Number",
        "order_number", "Order No", "Order #", "Order", "Receipt Number", "Receipt", "Invoice Number",
        "Invoice No", "Transaction ID",
    ),
    "Status": (
        "Status", "Betaalstatus", "Orderstatus", "Bestelstatus", "Factuurstatus", "Financial Status",
        "Order Status", "Payment Status", "Payment status", "status",
    ),
    "Geannuleerd": ("Geannuleerd", "Geannuleerd op", "Annuleringsdatum", "Datum annulering", "Cancelled at",
                    "Canceled at", "Cancelled Date", "Cancellation Date"),
    "Regelsoort": ("Regelsoort", "Line Type", "Soort regel", "Row Type", "linetype"),
    "Bedrag": (
        "Bedrag", "Bedrag incl. BTW", "Bedrag incl BTW", "Bedrag inclusief BTW", "Totaalbedrag",
        "Totaal incl. BTW", "Totaal incl BTW", "Totaal", "Factuurbedrag", "Orderbedrag", "Omzet",
        "Verkoopbedrag", "Bedrag excl. BTW", "Totaal excl. BTW", "Total", "Order Total",
        "Order Total Amount", "order_total", "Total Amount", "Grand Total", "Amount", "Net Sales",
        "Net Revenue", "Revenue", "Sales", "Gross Sales",
    ),
    "Regelbedrag": ("Regelbedrag", "Regeltotaal", "Line Total", "Lineitem total", "Item Total", "line_total"),
    "Prijs": ("Prijs", "Stukprijs", "Lineitem price", "Item Cost", "Item Price", "Unit Price", "Price"),
    "Aantal": ("Aantal", "Lineitem quantity", "Quantity (- Refund)", "Quantity", "Qty", "Items sold"),
    "Terugbetaald": (
        "Terugbetaald", "Terugbetaling", "Refunded Amount", "Order Refund Amount", "Refund Amount",
        "refund_total", "Refunded",
    ),
    "Product": (
        "Product", "Artikel", "Artikelnaam", "Productnaam", "Omschrijving", "Product(s)", "Lineitem name",
        "Item Name", "Item", "Product Name", "Description", "Details", "Categorie", "Productcategorie",
        "Category", "Product Category", "Productgroep", "Artikelgroep",
    ),
    "Kanaal": (
        "Kanaal", "Verkoopkanaal", "Channel", "Sales Channel", "Source", "Bron", "Winkel", "Vestiging",
        "Filiaal", "Store", "Shop", "Outlet", "Register", "Kassa", "Location",
    ),
    "Adres": ("Adres", "Straat", "Address", "Billing Address1", "Billing Street", "Address 1&2 (Billing)", "Streetname"),
    "Postcode": ("Postcode", "Zip", "Billing Zip", "Postcode (Billing)", "Zipcode"),
    "Woonplaats": ("Woonplaats", "Plaats", "Stad", "City", "Billing City", "City (Billing)"),
    "Nieuwsbrief": (
        "Nieuwsbrief", "Marketing", "Accepts Marketing", "Accepts Email Marketing", "Opt-in", "Optin",
        "Newsletter", "Mailing", "E-mailmarketing",
    ),
}

#: Status value (normalised: lower case, ``-``/``_`` as space, ``wc-`` dropped) -> ``None``
#: when the order counts as a sale, else the Dutch reason it is skipped. Editable data.
STATUS_VALUES: dict[str, str | None] = {
    # sales
    "paid": None, "partially paid": None, "partially refunded": None, "completed": None,
    "complete": None, "processing": None, "closed": None, "onaccount": None, "onaccount closed": None,
    "layby closed": None, "shipped": None, "fulfilled": None, "success": None, "successful": None,
    "betaald": None, "gedeeltelijk betaald": None, "gedeeltelijk terugbetaald": None, "voltooid": None,
    "afgerond": None, "in behandeling": None, "verwerkt": None, "verzonden": None, "geleverd": None,
    "gesloten": None, "geslaagd": None, "erfolgreich": None,
    # not a sale
    "cancelled": "geannuleerd", "canceled": "geannuleerd", "voided": "geannuleerd", "void": "geannuleerd",
    "geannuleerd": "geannuleerd", "vervallen": "geannuleerd", "storno": "geannuleerd",
    "failed": "mislukt", "mislukt": "mislukt", "declined": "mislukt", "afgewezen": "mislukt",
    "pending": "niet betaald", "pending payment": "niet betaald", "authorized": "niet betaald",
    "unpaid": "niet betaald", "not paid": "niet betaald", "on hold": "niet betaald", "open": "niet betaald", "saved": "niet betaald",
    "layby": "niet betaald", "expired": "niet betaald", "in afwachting van betaling": "niet betaald",
    "wacht op betaling": "niet betaald", "in de wacht": "niet betaald", "onbetaald": "niet betaald",
    "te laat": "niet betaald", "herinnering verstuurd": "niet betaald", "aanmaning verstuurd": "niet betaald",
    "oninbaar": "niet betaald", "checkout draft": "concept", "draft": "concept", "concept": "concept",
    "refunded": "terugbetaald", "terugbetaald": "terugbetaald", "gecrediteerd": "terugbetaald",
    "chargeback": "terugbetaald", "charged back": "terugbetaald", "terugbetaling": "terugbetaald",
    "terugboeking": "terugbetaald", "gestorneerd": "terugbetaald", "creditnota": "terugbetaald",
    "returned": "geretourneerd", "retour": "geretourneerd", "retour ontvangen": "geretourneerd",
    "geretourneerd": "geretourneerd", "teruggestuurd": "geretourneerd",
}

#: Line-type values (normalised) -> ``"order"`` (the order's own row: its amount counts),
#: ``"regel"`` (a line: product, line amount) or the Dutch reason the row is skipped.
LINE_TYPES: dict[str, str] = {
    "sale": "order", "order": "order", "return": "order", "refund": "order", "retour": "order", "verkoop": "order", "bon": "order", "factuur": "order",
    "sale line": "regel", "line": "regel", "lineitems": "regel", "line item": "regel", "regel": "regel",
    "item": "regel", "artikel": "regel", "payment": "betaalregel", "betaling": "betaalregel",
    "tender": "betaalregel", "shipping": "regel", "fee": "regel",
}

#: Contact columns carried per customer (latest non-blank value) to Klanten, Winback and mailings.
CONTACT_FIELDS = CONTACT_DETAIL_COLUMNS + ("Nieuwsbrief",)

_YES = {"yes", "y", "ja", "j", "true", "waar", "1", "x", "subscribed", "opted in", "opt in", "aangemeld"}
_NO = {"no", "n", "nee", "false", "onwaar", "0", "unsubscribed", "not subscribed", "opted out",
       "opt out", "afgemeld", "geen"}
ERROR_CELL = re.compile(r"^#(N/A|N/B|NA|VALUE!|WAARDE!|REF!|VERW!|DIV/0!|DEEL/0!|NAME\?|NAAM\?|NUM!|GETAL!|NULL!|LEEG!|SPILL!|CALC!)$",
                         re.IGNORECASE)
_DAYS_APART = 365
#: A date also stands apart when the gap to it is at least this many days and this many times the
#: largest gap between the other dates, with at least this many other distinct dates to judge by:
#: one order typed as 2026 among daily sales up to 2025 (a seasonal shop's yearly gap is no outlier).
_GAP_DAYS, _GAP_FACTOR, _GAP_BASIS = 60, 4, 20
#: At most this many distinct dates at either end are taken for stray dates by that rule.
_STRAY_DATES = 3
_EXAMPLES = 5


@dataclass(frozen=True)
class ExportProfile:
    """A known export layout: how to recognise it and which header plays which role.

    ``signature`` headers must all be present (normalised) for the profile to apply;
    ``columns`` maps roles to headers (a role absent here is matched by :data:`ROLE_ALIASES`
    unless listed in ``ignore``).
    """

    key: str
    name: str
    signature: tuple[str, ...]
    columns: dict
    ignore: tuple[str, ...] = ()
    note: str = ""


#: Built-in profiles (headers from the real exports, see tests/data/README.md). Data: extend it.
EXPORT_PROFILES: tuple[ExportProfile, ...] = (
    ExportProfile(
        "shopify", "Shopify (orderexport)",
        ("Name", "Lineitem quantity", "Lineitem price"),  # Financial Status may have been deleted: see below
        {"Bestelling": "Name", "E-mail": "Email", "Status": "Financial Status", "Datum": "Created at",
         "Bedrag": "Total", "Terugbetaald": "Refunded Amount", "Prijs": "Lineitem price",
         "Aantal": "Lineitem quantity", "Product": "Lineitem name", "Naam": "Billing Name",
         "Telefoon": "Phone", "Adres": "Billing Address1", "Postcode": "Billing Zip",
         "Woonplaats": "Billing City", "Nieuwsbrief": "Accepts Marketing", "Kanaal": "Source",
         "Geannuleerd": "Cancelled at"},
        ignore=("Klantnummer",),
        note="één rij per orderregel; orderkolommen alleen op de eerste rij van een order",
    ),
    ExportProfile(
        "woocommerce_plugin", "WooCommerce (Advanced Order Export)",
        ("Order Number", "Order Status", "Email (Billing)", "Order Total Amount"),
        {"Bestelling": "Order Number", "Status": "Order Status", "Datum": "Order Date",
         "E-mail": "Email (Billing)", "Telefoon": "Phone (Billing)", "Voornaam": "First Name (Billing)",
         "Achternaam": "Last Name (Billing)", "Bedrag": "Order Total Amount",
         "Terugbetaald": "Order Refund Amount", "Product": "Item Name", "Aantal": "Quantity (- Refund)",
         "Prijs": "Item Cost", "Adres": "Address 1&2 (Billing)", "Postcode": "Postcode (Billing)",
         "Woonplaats": "City (Billing)"},
        ignore=("Klantnummer",),
        note="één rij per artikel; het ordertotaal staat op elke rij en telt één keer",
    ),
    ExportProfile(
        "woocommerce", "WooCommerce (Analytics > Bestellingen)",
        ("Order #", "Customer type", "Net Sales"),
        {"Bestelling": "Order #", "Status": "Status", "Datum": "Date", "Naam": "Customer",
         "Bedrag": "Net Sales", "Product": "Product(s)"},
        ignore=("Klantnummer", "Aantal"),
        note="alleen de klantnaam als sleutel: kies die zelf met --kolom Klant=Customer",
    ),
    ExportProfile(
        "lightspeed_x", "Lightspeed Retail X-Series (verkoopgeschiedenis)",
        ("Receipt Number", "Line Type", "Customer Code"),
        {"Bestelling": "Receipt Number", "Regelsoort": "Line Type", "Klantnummer": "Customer Code",
         "Naam": "Customer Name", "Datum": "Date", "Bedrag": "Total", "Status": "Status",
         "Product": "Details", "Kanaal": "Register", "Aantal": "Quantity"},
        note="verkoop-, artikel- en betaalregels door elkaar; het bedrag van de verkoopregel telt",
    ),
    ExportProfile(
        "lightspeed_ecom", "Lightspeed eCom (bestellingen)",
        ("Order number", "Payment status", "Shipment status"),
        {"Bestelling": "Order number", "Status": "Payment status", "Datum": "Date",
         "E-mail": "E-mail", "Voornaam": "Firstname", "Achternaam": "Lastname", "Telefoon": "Phone",
         "Bedrag": "Total incl. tax", "Product": "Product title", "Aantal": "Quantity",
         "Adres": "Streetname", "Postcode": "Zipcode", "Woonplaats": "City", "Nieuwsbrief": "Newsletter"},
        note="één rij per orderregel; het ordertotaal staat op elke rij en telt één keer",
    ),
    ExportProfile(
        "moneybird", "Moneybird (verkoopfacturen)",
        ("Factuurnummer", "Factuurdatum", "Contact", "Totaal incl. btw"),
        {"Bestelling": "Factuurnummer", "Datum": "Factuurdatum", "Klantnummer": "Klantnummer",
         "Naam": "Contact", "E-mail": "E-mailadres", "Bedrag": "Totaal incl. btw", "Status": "Status",
         "Woonplaats": "Plaats"},
        note="één rij per factuur; creditfacturen verlagen de omzet",
    ),
    ExportProfile(
        "sumup", "SumUp (verkooprapport)",
        ("Transaktionsnummer", "Zahlungsmethode", "Preis (brutto)"),
        {"Bestelling": "Transaktionsnummer", "Datum": "Datum", "Regelbedrag": "Preis (brutto)",
         "Aantal": "Menge", "Product": "Beschreibung"},
        ignore=("Klantnummer", "E-mail", "Naam", "Bedrag", "Prijs", "Kanaal", "Status"),
        note="kassabonnen zonder klant: koppel een klantkolom met --kolom Klant=...",
    ),
)


# --------------------------------------------------------------------------- normalising


def normalise_email(values) -> np.ndarray:
    """E-mail keys: trimmed, lower case, ``mailto:`` dropped; None for blanks.

    >>> normalise_email([" An@Voorbeeld.NL ", None, "mailto:b@x.nl"]).tolist()
    ['an@voorbeeld.nl', None, 'b@x.nl']
    """
    return per_distinct(values, _email_key)


def _email_key(value):
    text = str(value).strip()
    if "@" in text:  # only e-mail addresses; another id in the column (K-7) keeps its case
        text = text.lower()
        if text.startswith("mailto:"):
            text = text[7:]
    return text.strip() or None


def normalise_phone(values) -> np.ndarray:
    """Phone keys: digits only, Dutch international prefixes as ``0``; None when under 6 digits.

    >>> normalise_phone(["+31 6 1234 5678", "06-12345678", "0031612345678", "31612345678", "12"]).tolist()
    ['0612345678', '0612345678', '0612345678', '0612345678', None]
    """
    return per_distinct(values, _phone_key)


def _phone_key(value):
    text = str(value).strip()
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif text.startswith("+31") or (digits.startswith("31") and len(digits) == 11):
        digits = "0" + digits[2:]
    elif text.startswith("+"):
        digits = "+" + digits
    return digits if len(digits.lstrip("+")) >= 6 else None


def _norm_value(text) -> str:
    key = re.sub(r"[-_\s]+", " ", str(text).strip().lower())
    return key[3:] if key.startswith("wc ") else key


# --------------------------------------------------------------------------- report


@dataclass
class ReadingReport:
    """What :func:`read_export` read, in Dutch: columns, rows, orders, skipped rows, revenue.

    Attributes
    ----------
    profile : str or None
        Name of the recognised export layout (None: generic header matching).
    columns : list of (role, header, why)
        Which source column became which role, and why (profile, known header, your choice).
    rows : int
        Data rows read (blank rows included).
    orders : int
        Orders (purchases) found, counted or not.
    counted_orders : int
        Orders that became purchases.
    skipped : dict
        Dutch reason -> ``{"regels": n, "voorbeelden": [row numbers]}``.
    revenue : float
        Net revenue of the counted orders (refunds subtracted).
    messages : list of str
        Warnings (name used as key, error cells, outlier dates, unknown statuses ...).
    reference_date : pandas.Timestamp or None
        Set when the last date is implausible: the last ordinary date, to use as default
        peildatum (the shells say so).
    contact_details : pandas.DataFrame or None
        Per customer (index ``Klant``): :data:`CONTACT_FIELDS` present in the export.
    source : str or None
        The file the transactions come from when a workbook reads them from a file
        (Instellingen, "Transacties uit bestand"); None for the Transacties sheet or the command line.
    row_keys : pandas.Series or None
        Per row number of the source: the customer the row belongs to (also a line of an order
        whose customer stands on another row), None where none; what the purge removes by.
    """

    profile: str | None = None
    columns: list = field(default_factory=list)
    rows: int = 0
    orders: int = 0
    counted_orders: int = 0
    skipped: dict = field(default_factory=dict)
    revenue: float = 0.0
    messages: list = field(default_factory=list)
    reference_date: pd.Timestamp | None = None
    contact_details: pd.DataFrame | None = None
    customers: int = 0
    source: str | None = None
    row_keys: pd.Series | None = field(default=None, compare=False, repr=False)

    def skip(self, reason: str, rows) -> None:
        rows = [int(r) for r in rows]
        if not rows:
            return
        entry = self.skipped.setdefault(reason, {"regels": 0, "voorbeelden": []})
        entry["regels"] += len(rows)
        entry["voorbeelden"] = sorted(set(entry["voorbeelden"]) | set(rows))[:_EXAMPLES]

    def skipped_rows(self) -> int:
        return int(sum(v["regels"] for v in self.skipped.values()))

    def to_dict(self) -> dict:
        """``inlezen`` in ``klant-xl analyse --json``."""
        return {
            "profiel": self.profile,
            "kolommen": [{"rol": r, "kolom": h, "waarom": w} for r, h, w in self.columns],
            "regels": self.rows,
            "bestellingen": self.orders,
            "bestellingen_geteld": self.counted_orders,
            "klanten": self.customers,
            "overgeslagen": {k: dict(v) for k, v in self.skipped.items()},
            "overgeslagen_regels": self.skipped_rows(),
            "omzet": round(float(self.revenue), 2),
            "peildatum_voorstel": None if self.reference_date is None else self.reference_date.date().isoformat(),
            "meldingen": list(self.messages),
        }

    def lines(self) -> list[str]:
        """The report in a few Dutch lines (the CLI prints them before the analysis)."""

        out = [f"Export gelezen{' als ' + self.profile if self.profile else ''}"
               f"{' uit ' + repr(self.source) if self.source else ''}: "
               f"{format_count(self.rows, 'regel', 'regels')}, "
               f"{format_count(self.orders, 'bestelling', 'bestellingen')}, "
               f"{format_number(self.counted_orders)} meegeteld (aankopen en retouren) van "
               f"{format_count(self.customers, 'klant', 'klanten')}; netto omzet € {format_number(self.revenue, 2)}."]
        by_reason: dict[str, list[str]] = {}
        for role, header, why in self.columns:
            by_reason.setdefault(why, []).append(f"{role} ← '{header}'")
        for why, parts in by_reason.items():
            out.append(f"Kolommen ({why}): " + ", ".join(parts) + ".")
        for reason, entry in self.skipped.items():
            examples = ", ".join(str(r) for r in entry["voorbeelden"])
            out.append(f"Overgeslagen ({reason}): {format_count(entry['regels'], 'regel', 'regels')}, "
                       f"bijvoorbeeld rij {examples}.")
        out.extend(self.messages)
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Frames for the ``Inlezen`` sheet: ``kolommen``, ``overgeslagen``, ``samenvatting``."""
        source = [("Transacties uit bestand", self.source)] if self.source else []
        summary = [*source, ("Export", self.profile or "algemeen (kolomnamen herkend)"), ("Regels gelezen", self.rows),
                   ("Bestellingen", self.orders), ("Meegeteld (aankopen en retouren)", self.counted_orders),
                   ("Klanten", self.customers), ("Regels overgeslagen", self.skipped_rows()),
                   ("Netto omzet", round(float(self.revenue), 2))]
        return {
            "samenvatting": pd.DataFrame(summary, columns=["Onderdeel", "Waarde"]),
            "kolommen": pd.DataFrame(self.columns, columns=["Rol", "Kolom in de export", "Waarom"]),
            "overgeslagen": pd.DataFrame(
                [(k, v["regels"], ", ".join(str(r) for r in v["voorbeelden"])) for k, v in self.skipped.items()],
                columns=["Reden", "Regels", "Bijvoorbeeld rij"]),
            "meldingen": pd.DataFrame({"Melding": list(self.messages)}, dtype=object),
        }


# --------------------------------------------------------------------------- columns


def detect_profile(headers, profiles=EXPORT_PROFILES) -> ExportProfile | None:
    """The first profile whose signature headers all occur in ``headers`` (None: generic)."""
    keys = {header_key(h) for h in headers if h}
    for profile in profiles:
        if all(header_key(s) in keys for s in profile.signature):
            return profile
    return None


def choose_roles(headers, profile, choices) -> tuple[dict[str, int], list]:
    keys = [header_key(h) for h in headers]

    def find(header):
        key = header_key(header)
        return next((i for i, k in enumerate(keys) if k == key and key), None)

    chosen: dict[str, int] = {}
    why: dict[str, str] = {}
    used: set[int] = set()
    for role, header in choices.items():
        if header is None:
            chosen[role] = None
            continue
        pos = find(header)
        if pos is None:
            raise KolomOntbreekt(str(header), [h for h in headers if h])
        chosen[role], why[role] = pos, "jouw keuze"
        used.add(pos)
    if profile is not None:
        for role, header in profile.columns.items():
            if role in chosen:
                continue
            pos = find(header)
            if pos is not None and pos not in used:
                chosen[role], why[role] = pos, f"profiel {profile.name}"
                used.add(pos)
    ignored = set(profile.ignore) if profile is not None else set()
    for role in ROLES:
        if role in chosen or role in ignored:
            continue
        for alias in ROLE_ALIASES.get(role, ()):
            pos = find(alias)
            if pos is not None and pos not in used:
                chosen[role], why[role] = pos, "bekende kolomnaam"
                used.add(pos)
                break
    chosen = {r: p for r, p in chosen.items() if p is not None}
    listing = [(r, headers[chosen[r]], why[r]) for r in ROLES if r in chosen]
    return chosen, listing


def _first_per_order(values: np.ndarray, keep: np.ndarray, order: np.ndarray, n_orders: int) -> np.ndarray:
    """Per row: the first value, in row order, of a kept row of its order that has one (order-level
    fields apply to all rows); None for an order without. ``order`` holds integer order codes
    ``0 .. n_orders-1``. Rows are compared by position, never the values themselves.

    >>> _first_per_order(np.array([None, 2.0, True, "c"], dtype=object), np.array([True, True, True, False]),
    ...                  np.array([0, 0, 1, 1]), 2).tolist()
    [2.0, 2.0, True, True]
    """
    rows = np.flatnonzero(keep & ~pd.isna(values))
    first_row = np.full(n_orders + 1, -1, dtype=np.int64)  # the last slot: no row
    present, first = np.unique(order[rows], return_index=True)
    first_row[present] = rows[first]
    out = np.append(np.asarray(values, dtype=object), None)
    return out[first_row[order]]


def _first_text_per_group(texts: np.ndarray, keep: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group (integer codes ``0 .. n_groups-1``): the first text, in row order, of a kept row
    that has one; None for a group without. Texts are compared as integer codes, not objects.

    >>> _first_text_per_group(np.array([None, "b", "a", "c"], dtype=object), np.array([True, True, True, False]),
    ...                       np.array([0, 0, 1, 2]), 4).tolist()
    ['b', 'a', None, None]
    """
    codes, uniques = pd.factorize(texts)
    rows = np.flatnonzero(keep & (codes >= 0))
    first_codes = np.full(n_groups, -1, dtype=np.int64)
    present, first = np.unique(groups[rows], return_index=True)
    first_codes[present] = codes[rows[first]]
    out = np.empty(len(uniques) + 1, dtype=object)
    out[:-1] = np.asarray(uniques, dtype=object)
    out[-1] = None  # code -1
    return out[first_codes]


def _order_codes(order_text: np.ndarray | None, n: int) -> tuple[np.ndarray, int]:
    """(order code per row, number of orders): rows sharing an order id share a code; a row
    without one (or every row, without an order column) is its own order."""
    if order_text is None:
        return np.arange(n, dtype=np.int64), n
    codes, uniques = pd.factorize(order_text)
    codes = codes.astype(np.int64)
    alone = codes < 0
    codes[alone] = len(uniques) + np.arange(int(alone.sum()), dtype=np.int64)
    return codes, len(uniques) + int(alone.sum())


def _is_none(values: np.ndarray) -> np.ndarray:
    return pd.isna(values).astype(bool)


def _is_text(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Where ``values`` holds a text (``missing``: where it holds None); one C pass for a column of one kind."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "string":
        return ~missing
    if kind in (*NO_TEXT_KINDS, "empty"):
        return np.zeros(len(values), dtype=bool)
    return np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))


# --------------------------------------------------------------------------- reading


def read_export(source, columns=None, *, counted_statuses=None, today=None, sheet=None, first_row=None,
                profiles=EXPORT_PROFILES) -> tuple[pd.DataFrame, ReadingReport]:
    """Read a shop export into purchases (one row per counted order) and a reading report.

    Parameters
    ----------
    source : pd.DataFrame, str or path
        A table (headers as columns) or an export file (as :func:`klant_xl.reading.read_transactions`).
    columns : dict or str, optional
        Role -> header choices (``{"Klant": "E-mail"}`` or ``"Klant=E-mail; Bedrag=Total"``);
        they win over profiles and known headers; ``None`` as header ignores a column.
    counted_statuses : sequence of str, optional
        Status values that count as a sale (replacing the ``None`` entries of :data:`STATUS_VALUES`).
    today : date-like, optional
        Today's date as the shell knows it; later dates are reported as implausible.
    sheet, first_row
        As :func:`klant_xl.reading.read_transactions`.
    profiles : sequence of ExportProfile
        The layouts to recognise (default :data:`EXPORT_PROFILES`).

    Returns
    -------
    transactions : pd.DataFrame
        The canonical frame (:data:`klant_xl.reading.TRANSACTION_COLUMNS`), one row per counted
        order, index ``Rij`` = the order's first row in the source.
    report : ReadingReport

    Raises
    ------
    KolomOntbreekt
        No date column, or a chosen header that does not exist.
    WaardeFout
        A counted order with a blank or bad date, a bad amount, or a non-finite amount.

    Examples
    --------
    >>> raw = pd.DataFrame({"Name": ["#1", "#1", "#2"], "Email": ["An@X.nl", None, "b@x.nl"],
    ...     "Financial Status": ["paid", None, "voided"], "Created at": ["2026-03-01"] * 3,
    ...     "Total": ["30.00", None, "5.00"], "Lineitem quantity": [1, 2, 1],
    ...     "Lineitem price": ["10.00", "10.00", "5.00"], "Lineitem name": ["a", "b", "c"]})
    >>> frame, report = read_export(raw)
    >>> frame[["Klant", "Bedrag", "Product"]]  # doctest: +NORMALIZE_WHITESPACE
           Klant  Bedrag Product
    Rij
    2    an@x.nl    30.0       a
    >>> report.skipped
    {'geannuleerd': {'regels': 1, 'voorbeelden': [4]}}
    """
    if isinstance(columns, (str, list, tuple)):
        columns = parse_column_choices(columns)
    choices = dict(columns or {})
    unknown = [k for k in choices if k not in ROLES]
    if unknown:
        raise InvoerFout(f"Onbekende rol {unknown[0]!r} in de kolomkeuze; kies uit {', '.join(ROLES)}.")
    headers, data, rows = load_table(source, sheet, "transactions", first_row)
    sheet_name = data.attrs.get("sheet")  # an export workbook: messages name the sheet they are about
    try:
        return _read_export_table(headers, data, rows, choices, counted_statuses, today, profiles)
    except WaardeFout as exc:
        if sheet_name is None or type(exc) is not WaardeFout:
            raise
        raise WaardeFout(f"Werkblad '{sheet_name}', {exc.column}", exc.row, exc.value, exc.expected) from None


def _read_export_table(headers, data, rows, choices, counted_statuses, today, profiles):
    """The body of :func:`read_export` on a loaded table (headers, positional data, row numbers)."""
    profile = detect_profile(headers, profiles)
    chosen, listing = choose_roles(headers, profile, choices)
    report = ReadingReport(profile=profile.name if profile else None, columns=listing)
    if "Datum" not in chosen:
        raise KolomOntbreekt("Datum", [h for h in headers if h])
    if profile is not None and "Status" in profile.columns and "Status" not in chosen and "Status" not in choices:
        report.messages.append(
            f"Geen statuskolom ('{profile.columns['Status']}') in deze export ({profile.name}): elke bestelling telt "
            "als verkoop, ook een geannuleerde of onbetaalde. Exporteer opnieuw met die kolom, of kies er een met "
            "--kolom Status=KOLOM ('--kolom Status=' zonder kolom: bewust zonder status).")
    n = len(data)
    report.rows = n
    data = data.reset_index(drop=True)

    def raw(role):
        pos = chosen.get(role)
        if pos is None or pos >= data.shape[1]:
            return None
        return data.iloc[:, pos].reset_index(drop=True)

    texts: dict[int, np.ndarray] = {}  # each column's texts once, by position (callers do not modify them)

    def column_texts(pos):
        if pos not in texts:
            texts[pos] = cell_texts(data.iloc[:, pos]) if n else np.full(n, None, dtype=object)
        return texts[pos]

    def text(role):
        pos = chosen.get(role)
        if pos is None or pos >= data.shape[1]:
            return np.full(n, None, dtype=object)
        return column_texts(pos)

    rownum = np.asarray(rows, dtype="int64")
    # a cell is blank exactly when it has no text: a text column the roles read is factorised once, for both
    read = set(chosen.values())

    def blank(pos):
        if pos in read and holds_only_text(data.iloc[:, pos]):
            return _is_none(column_texts(pos))
        return blank_mask(data.iloc[:, pos])

    blanks = [blank(pos) for pos in range(data.shape[1])]
    all_blank = np.logical_and.reduce(blanks) if blanks else np.ones(n, dtype=bool)
    skip = np.zeros(n, dtype=object)  # 0 = kept, else the reason
    skip[:] = None
    skip[all_blank] = "lege regel"
    # the header row again (two exports pasted one under the other): every column the roles read holds its
    # header's text (compared as arrays: a per-value test of 300,000 order numbers cost a second)
    again = np.full(n, bool(chosen))
    for pos in sorted(set(chosen.values())):
        if not again.any():
            break
        again &= np.asarray(column_texts(pos) == str(headers[pos]).strip(), dtype=bool)
    skip[again & _is_none(skip)] = "kopregel herhaald"

    # line types: payment rows are no purchases
    kind = np.full(n, "regel", dtype=object)
    if "Regelsoort" in chosen:
        line_type = per_distinct(text("Regelsoort"), lambda value: LINE_TYPES.get(_norm_value(value), "regel"))
        kind = np.where(_is_none(line_type), "regel", line_type).astype(object)
        skip[(kind == "betaalregel") & _is_none(skip)] = "betaalregel"

    # orders: rows sharing an order id; without one every row is its own order
    order_text = text("Bestelling")
    has_orders = "Bestelling" in chosen
    order_key, n_orders = _order_codes(order_text if has_orders else None, n)
    live = _is_none(skip)

    def first(values: np.ndarray, mask=None) -> np.ndarray:
        keep = live if mask is None else live & mask
        if not has_orders:  # every row its own order: the value itself
            out = np.asarray(values, dtype=object).copy()
            out[~keep] = None
        else:
            out = _first_per_order(np.asarray(values, dtype=object), keep, order_key, n_orders)
        out[pd.isna(out)] = None
        return out

    # totals rows: a totals word in the order or customer column, without a date
    date_raw = raw("Datum")
    date_values = date_raw.to_numpy(dtype=object).copy()
    date_values[blanks[chosen["Datum"]]] = None
    date_first = first(date_values)
    no_date = _is_none(date_first)
    label = order_text.copy()
    for role in ("Klant", "Klantnummer", "Naam", "E-mail"):
        missing = _is_none(label)
        if missing.any():
            label[missing] = text(role)[missing]
    totals = np.zeros(n, dtype=bool)
    totals[no_date] = is_total(label[no_date])  # only rows without a date can be totals rows
    totals &= live
    skip[totals] = "totaalregel"
    live &= ~totals
    # a totals word as the whole label of a row with a date counts (it may be a customer code), with a message
    dated = np.flatnonzero(live & ~no_date & ~_is_none(label))
    if len(dated):
        longest = max(map(len, TOTAL_WORDS)) + 6  # room for spaces and punctuation ('Grand Total:')
        worded = per_distinct(label[dated], lambda t: len(t) <= longest and header_key(t) in TOTAL_WORDS).astype(bool)
        if worded.any():
            rows = ", ".join(str(r) for r in rownum[dated[worded]][:_EXAMPLES])
            words = ", ".join(f"'{w}'" for w in sorted({str(v) for v in label[dated[worded]]}))
            report.messages.append(
                f"{words} (rij {rows}) lijkt een totaalregel, maar heeft een datum: telt mee als bestelling van een "
                "klant met die naam. Is het een totaal, haal de regel dan uit de export.")

    # identity by precedence (or the explicit Klant column)
    key, key_column, name_key = _identity(chosen, choices, text, headers, report)
    key_first = first(key)
    report.row_keys = pd.Series(customer_ids(key_first), index=rownum, dtype=object)
    errors = per_distinct(key_first, lambda v: ERROR_CELL.match(str(v).strip()) is not None).astype(bool)
    date_error = np.zeros(n, dtype=bool)
    date_texts = np.flatnonzero(_is_text(date_first, no_date))
    if len(date_texts):
        date_error[date_texts] = per_distinct(date_first[date_texts],
                                              lambda v: ERROR_CELL.match(v.strip()) is not None).astype(bool)
    for mask, column in ((errors, key_column), (date_error & ~errors, headers[chosen["Datum"]])):
        bad = mask & live
        if bad.any():
            examples = ", ".join(str(r) for r in rownum[bad][:_EXAMPLES])
            values = sorted({str(v) for v in (key_first if column == key_column else date_first)[bad]})
            report.messages.append(
                f"Foutwaarde {', '.join(values)} in kolom '{column}' (rij {examples}): die regels zijn overgeslagen; "
                "herstel de formule of de cel in de bron.")
            skip[bad] = "foutwaarde"
            live &= ~bad
    no_key = _is_none(key_first) & live
    skip[no_key] = "geen klant"
    live &= ~no_key
    if not len(chosen.keys() & {"Klant", "Klantnummer", "E-mail", "Telefoon"}) and n:
        hint = f" De export heeft een naamkolom ('{headers[chosen['Naam']]}'): kies die bewust met " \
               f"--kolom Klant={headers[chosen['Naam']]} (namen voegen mensen samen)." if "Naam" in chosen else \
               " Kies de klantkolom met --kolom Klant=KOLOM."
        report.messages.append("Geen klantkolom gevonden (klantnummer, e-mail of telefoon)." + hint)

    # status (order level)
    if "Status" in chosen:
        status_first = first(text("Status"))
        mapping = dict(STATUS_VALUES)
        if counted_statuses is not None:
            wanted = {_norm_value(s) for s in counted_statuses if str(s).strip()}
            mapping = {k: (None if k in wanted else (v or "andere status")) for k, v in mapping.items()}
            mapping.update({k: None for k in wanted})
        rows_with = np.flatnonzero(live & ~_is_none(status_first))
        values = status_first[rows_with]
        normalised = per_distinct(values, _norm_value)
        known = per_distinct(normalised, lambda k: k in mapping).astype(bool)
        reasons = per_distinct(normalised, lambda k: mapping.get(k, "andere status"))
        unknown_values = {str(k): int(v) for k, v in
                          pd.Series(values[~known], dtype=object).map(str).value_counts(sort=False).items()}
        not_counted = ~_is_none(reasons)
        skip[rows_with[not_counted]] = reasons[not_counted]
        live[rows_with[not_counted]] = False
        if unknown_values:
            listed = ", ".join(f"'{k}' ({format_count(v, 'regel', 'regels')})"
                               for k, v in sorted(unknown_values.items()))
            # the choice replaces the statuses that count: the hint lists those of this file that count now too
            counted_now = sorted({str(v) for v in pd.unique(values[_is_none(reasons)])})
            everything = ",".join([*counted_now, *sorted(unknown_values)])
            report.messages.append(
                f"Onbekende status {listed} in kolom '{headers[chosen['Status']]}': niet meegeteld. "
                f"Tel ze mee met --status-telt \"{everything}\" of met de instelling 'Statussen die als verkoop "
                "tellen' (noem dan alle statussen die tellen: de keuze vervangt de standaard).")

    # cancelled (order level): a cancellation date (Shopify's "Cancelled at") or a yes undoes the sale,
    # whatever the payment status still says (an order cancelled without a refund stays "paid"); a no
    # ("nee", "false", "0") in a yes/no column does not
    if "Geannuleerd" in chosen:
        marks = first(text("Geannuleerd"))
        given = np.flatnonzero(live & ~_is_none(marks))
        said_no = per_distinct(marks[given], lambda v: _norm_value(v) in _NO).astype(bool)
        cancelled = np.zeros(n, dtype=bool)
        cancelled[given[~said_no]] = True
        skip[cancelled] = "geannuleerd"
        live &= ~cancelled

    # report the skipped rows
    skipped = ~_is_none(skip)
    for reason in pd.unique(skip[skipped]):
        report.skip(reason, rownum[skipped & (skip == reason)])

    # the counted orders
    if has_orders:
        order_first_pos = pd.Series(np.arange(n)).where(live).groupby(order_key, sort=False).transform("first")
        is_head = live & (order_first_pos.to_numpy() == np.arange(n))
    else:
        is_head = live.copy()
    report.orders = int(pd.Series(order_key[~all_blank & ~totals]).nunique()) if n else 0
    heads = np.flatnonzero(is_head)
    frame, details = _purchases(heads, live, (order_key, n_orders), kind, chosen, raw, text, headers, rownum,
                                date_first, key_first, name_key, report)
    report.counted_orders = len(frame)
    report.customers = int(frame["Klant"].nunique())
    report.revenue = float(np.nansum(frame["Bedrag"].to_numpy())) if len(frame) else 0.0
    report.contact_details = details
    check_dates(frame, today, report)
    frame.attrs["columns"] = {c: (None if c not in chosen else headers[chosen[c]]) for c in TRANSACTION_COLUMNS}
    frame.attrs["columns"]["Klant"] = key_column
    frame.attrs["rows_without_customer"] = int(report.skipped.get("geen klant", {}).get("regels", 0))
    frame.attrs["reading"] = report
    return frame, report


def _identity(chosen, choices, text, headers, report):
    """(key per row, the header(s) it came from, whether a name is the key)."""
    name_roles = {"Naam", "Voornaam", "Achternaam"}
    if "Klant" in chosen:
        pos = chosen["Klant"]
        values = text("Klant")
        header = headers[pos]
        is_name = any(chosen.get(r) == pos for r in name_roles) or \
            header_key(header) in {header_key(a) for r in name_roles for a in ROLE_ALIASES[r]}
        present = values[~_is_none(values)]
        is_mail = header_key(header) in {header_key(a) for a in ROLE_ALIASES["E-mail"]} or (
            len(present) and per_distinct(present, lambda v: "@" in v).astype(bool).mean() > 0.5)
        is_phone = header_key(header) in {header_key(a) for a in ROLE_ALIASES["Telefoon"]}
        if is_mail:
            values = normalise_email(values)
        elif is_phone:
            values = normalise_phone(values)
        elif is_name:
            values = per_distinct(values, lambda v: " ".join(v.split()))
            report.messages.append(
                f"Let op: de klant is herkend aan de naam in kolom '{header}'. Namen voegen verschillende mensen "
                "met dezelfde naam samen en splitsen één klant die zijn naam anders schrijft; gebruik een "
                "klantnummer of e-mail als de export die heeft.")
        return values, header, is_name
    n = len(text("Datum"))
    key = np.full(n, None, dtype=object)
    sources = []
    for role, normalise in (("Klantnummer", None), ("E-mail", normalise_email), ("Telefoon", normalise_phone)):
        if role not in chosen:
            continue
        values = text(role)
        if role == "Klantnummer":
            values = values.copy()
            values[pd.Series(values, dtype=object).isin(["0", "-"]).to_numpy()] = None
        else:
            values = normalise(values)
        empty = _is_none(key)
        key[empty] = values[empty]
        sources.append(headers[chosen[role]])
    return key, " / ".join(sources) if sources else None, False


def _purchases(heads, live, orders, kind, chosen, raw, text, headers, rownum, date_first, key_first,
               name_key, report):
    """One canonical row per counted order, plus the contact details per customer; ``orders`` is
    (order code per row, number of orders)."""
    order_index, n_orders = orders
    n = len(order_index)

    def amounts(role):
        column = raw(role)
        if column is None:
            return None, None
        values, bad = amounts_and_bad(column)
        values = values.to_numpy(dtype="float64").copy()
        for i in np.flatnonzero(bad & live):
            value = column.iloc[i]
            raise WaardeFout(headers[chosen[role]], int(rownum[i]), shown(value), expected_for(value, "geen bedrag"))
        infinite = np.isinf(values) & live
        if infinite.any():
            i = int(np.flatnonzero(infinite)[0])
            raise WaardeFout(headers[chosen[role]], int(rownum[i]), shown(column.iloc[i]), "geen eindig bedrag")
        return values, headers[chosen[role]]

    order_amount, order_header = amounts("Bedrag")
    line_amount, _ = amounts("Regelbedrag")
    price, _ = amounts("Prijs")
    quantity, _ = amounts("Aantal")
    refund, _ = amounts("Terugbetaald")

    def per_order(values, mask, how):
        if values is None:
            return None
        series = pd.Series(values).where(live & mask)
        grouped = series.groupby(order_index)
        result = grouped.first() if how == "first" else grouped.sum(min_count=1)
        return result.reindex(range(n_orders)).to_numpy(dtype="float64")

    head_orders = order_index[heads] if len(heads) else np.array([], dtype=int)
    is_line = kind == "regel"
    is_order_row = kind == "order"
    has_order_rows = "Regelsoort" in chosen and bool((is_order_row & live).any())
    amount = np.full(len(head_orders), np.nan)
    if order_amount is not None:
        mask = is_order_row if has_order_rows else np.ones(n, dtype=bool)
        per = per_order(order_amount, mask, "first")
        amount = per[head_orders]
        differing = _differing_amounts(order_amount, live & mask, order_index) if "Bestelling" in chosen and not has_order_rows else []
        if differing:
            report.messages.append(
                f"Het bedrag in '{order_header}' verschilt binnen een bestelling (rij "
                f"{', '.join(str(rownum[i]) for i in differing[:_EXAMPLES])}); als orderbedrag telt de eerste "
                "niet-lege waarde. Is het een regelbedrag, kies dan --kolom Regelbedrag=" + order_header + ".")
    lines = None
    if line_amount is not None:
        lines = line_amount
    elif price is not None:
        lines = price * np.where(np.isnan(quantity), 1.0, quantity) if quantity is not None else price
    if lines is not None:
        per = per_order(lines, is_line if has_order_rows else np.ones(n, dtype=bool), "sum")
        fill = np.isnan(amount)
        amount[fill] = per[head_orders][fill]
    if refund is not None:
        per = per_order(refund, np.ones(n, dtype=bool), "first")[head_orders]
        amount = amount - np.where(np.isnan(per), 0.0, np.abs(per))

    dates, bad_dates = dates_and_bad(pd.Series(date_first[heads], dtype=object))
    date_header = headers[chosen["Datum"]]
    for j in np.flatnonzero(bad_dates | pd.Series(date_first[heads], dtype=object).isna().to_numpy()):
        value = date_first[heads[j]]
        if value is None:
            raise empty_error(date_header, int(rownum[heads[j]]))
        raise WaardeFout(date_header, int(rownum[heads[j]]), shown(value), expected_for(value, "geen datum"))

    def first_text(role, mask=None):
        if role not in chosen:
            return np.full(len(heads), None, dtype=object)
        ok = live if mask is None else live & mask
        return _first_text_per_group(text(role), ok, order_index, n_orders)[head_orders]

    product = first_text("Product")
    if has_order_rows:  # the product of the first line; an order without lines keeps its own
        on_lines = first_text("Product", is_line)
        product = np.where(_is_none(on_lines), product, on_lines).astype(object)
    frame = pd.DataFrame({
        "Klant": pd.Series(key_first[heads], dtype=str),
        "Datum": pd.Series(dates.to_numpy(), dtype="datetime64[ns]"),
        "Bedrag": pd.Series(amount, dtype="float64"),
        "Product": pd.Series(product, dtype=object),
        "Kanaal": pd.Series(first_text("Kanaal"), dtype=object),
    })
    frame.index = pd.Index(rownum[heads], name="Rij", dtype="int64")
    details = _contact_details(frame, first_text, name_key)
    return frame, details


def _differing_amounts(values, mask, order_index) -> list[int]:
    series = pd.Series(values).where(mask)
    spread = series.groupby(order_index).transform("nunique")
    return [int(i) for i in np.flatnonzero((spread > 1).to_numpy() & mask)]


def _opt_in(values) -> np.ndarray:
    return per_distinct(values, lambda v: True if _norm_value(v) in _YES else False if _norm_value(v) in _NO else None)


def _contact_details(frame, first_text, name_key) -> pd.DataFrame | None:
    fields = {}
    name = first_text("Naam")
    given, family = first_text("Voornaam"), first_text("Achternaam")
    missing = _is_none(name) & ~(_is_none(given) & _is_none(family))
    if missing.any():  # "Voornaam Achternaam" where the export has no full name
        name = name.copy()
        name[missing] = [" ".join(p for p in (g, f) if p) or None for g, f in zip(given[missing], family[missing])]
    fields["Naam"] = name
    fields["E-mail"] = normalise_email(first_text("E-mail"))
    fields["Telefoon"] = first_text("Telefoon")
    for role in ("Adres", "Postcode", "Woonplaats"):
        fields[role] = first_text(role)
    fields["Nieuwsbrief"] = _opt_in(first_text("Nieuwsbrief"))
    present = {k: v for k, v in fields.items() if (~_is_none(v)).any()}
    if not present or not len(frame):
        return None
    table = pd.DataFrame({"Klant": frame["Klant"].to_numpy(), "_datum": frame["Datum"].to_numpy(), **present})
    table = table.sort_values("_datum", kind="mergesort")
    latest = table.drop(columns="_datum").groupby("Klant", sort=True).last()
    return latest.astype(object).where(latest.notna(), None)


def _stray_ends(distinct: np.ndarray) -> tuple[int, int]:
    """How many of the first and of the last distinct dates stand apart from the rest (sorted days).

    A date stands apart when the gap to its neighbour is more than :data:`_DAYS_APART` days, or at
    least :data:`_GAP_DAYS` days and :data:`_GAP_FACTOR` times the largest gap between the other
    dates (at most :data:`_STRAY_DATES` dates at an end, judged on at least :data:`_GAP_BASIS` others).
    """
    days = distinct.astype("datetime64[D]").astype(np.int64)
    gaps = np.diff(days)

    def apart(gap: int, others: np.ndarray) -> bool:
        if gap > _DAYS_APART:
            return True
        return len(others) + 1 >= _GAP_BASIS and gap >= _GAP_DAYS and gap >= _GAP_FACTOR * max(int(others.max()), 1)

    late = 0
    while late < len(gaps) and (apart(int(gaps[-1 - late]), gaps[:len(gaps) - 1 - late]) if late < _STRAY_DATES
                                else gaps[-1 - late] > _DAYS_APART):
        late += 1
    early = 0
    while early < len(gaps) - late and early < _STRAY_DATES and apart(int(gaps[early]), gaps[early + 1:len(gaps) - late]):
        early += 1
    return early, late


def check_dates(frame: pd.DataFrame, today, report: ReadingReport) -> None:
    """Warn about dates after ``today`` or far after all others (suggesting the last ordinary date as
    the peildatum), and about dates far before all others (they count; the warning names them)."""

    if not len(frame):
        return
    dates = frame["Datum"]
    distinct = np.sort(dates.dropna().unique())
    if not len(distinct):
        return
    limit = None
    if today is not None:
        limit = pd.Timestamp(today).normalize()
    outlier = np.zeros(len(distinct), dtype=bool)
    if limit is not None:
        outlier |= distinct > np.datetime64(limit)
    early, late = _stray_ends(distinct)
    if late:
        outlier[len(distinct) - late:] = True
    if early and early < len(distinct) - late:
        first_ordinary = pd.Timestamp(distinct[early])
        stray = dates[dates < first_ordinary]
        rows = ", ".join(f"rij {r} ({format_date(d)})" for r, d in list(stray.items())[:_EXAMPLES])
        report.messages.append(
            f"Onwaarschijnlijke datum ver voor de andere datums: {rows}. Die aankopen tellen mee (ook in 'Klanten "
            f"per jaar'); de andere datums beginnen op {format_date(first_ordinary)}. Klopt de datum niet, verbeter "
            "hem dan in de export.")
    if not outlier.any() or outlier.all():
        return
    ordinary = pd.Timestamp(distinct[~outlier].max())
    late = dates[dates > ordinary]
    rows = ", ".join(f"rij {r} ({format_date(d)})" for r, d in list(late.items())[:_EXAMPLES])
    why = "na vandaag" if limit is not None and late.max() > limit else "ver na de andere datums"
    report.messages.append(
        f"Onwaarschijnlijke datum {why}: {rows}. De standaard-peildatum is daarom {format_date(ordinary)}, de "
        "laatste gewone datum (latere aankopen tellen dan niet mee); geef een peildatum op als die datum toch klopt.")
    report.reference_date = ordinary
