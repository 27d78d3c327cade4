"""The product's fixed words: statuses, column names, the Winback tracking columns and their choices.

One place for every word that more than one module (or the workbook and the code)
must spell the same. Data, not code: module-level tuples a caller can read; the
modules that use them import them from here.
"""

from __future__ import annotations

__all__ = [
    "ACTIVE",
    "ACTIVE_STATUSES",
    "CONTACT_CHANNELS",
    "CONTACT_COLUMNS",
    "CONTACT_DETAIL_COLUMNS",
    "EXPORT_ROLES",
    "INACTIVE",
    "LOST",
    "NEW",
    "PERSONAL_COLUMNS",
    "REASONS",
    "REJECTED_COLUMNS",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "TRACKING_COLUMNS",
    "TRACKING_KINDS",
    "TRANSACTION_COLUMNS",
]

# --------------------------------------------------------------------------- statuses (SPEC §2)

NEW = "Nieuw"
ACTIVE = "Actief"
INACTIVE = "Inactief"
LOST = "Verloren"
#: The statuses, in the order reports show them. They partition the customers.
STATUSES = (NEW, ACTIVE, INACTIVE, LOST)
#: Statuses that count as active (the active customer base, the pyramid and the tiers).
ACTIVE_STATUSES = (NEW, ACTIVE)

# --------------------------------------------------------------------------- canonical frames

#: Columns of the canonical transactions frame, in order.
TRANSACTION_COLUMNS = ("Klant", "Datum", "Bedrag", "Product", "Kanaal")
#: Columns of the canonical contact-moments frame, in order.
CONTACT_COLUMNS = ("Klant", "Datum", "Soort")
#: Fixed output columns of :func:`klant_xl.summary.customer_summary` (the index is ``Klant``).
SUMMARY_COLUMNS = [
    "Eerste aankoop",
    "Laatste aankoop",
    "Aankopen",
    "Omzet",
    "Gem. bestelwaarde",
    "Dagen sinds aankoop",
    "Gem. dagen tussen aankopen",
    "Mediaan dagen tussen aankopen",
    "Laatste activiteit",
    "Dagen sinds activiteit",
    "Eerste product",
    "Laatste product",
]
#: Columns of the table of rejected rows.
REJECTED_COLUMNS = ("Rij", "Kolom", "Waarde", "Melding")

#: Every column role a reader can fill, in the order the report lists them.
EXPORT_ROLES = (
    "Klant", "Klantnummer", "E-mail", "Telefoon", "Naam", "Voornaam", "Achternaam",
    "Datum", "Bestelling", "Status", "Geannuleerd", "Regelsoort", "Bedrag", "Regelbedrag", "Prijs", "Aantal",
    "Terugbetaald", "Product", "Kanaal", "Adres", "Postcode", "Woonplaats", "Nieuwsbrief",
)

#: Contact columns copied into the win-back list and the exports when the input has them.
CONTACT_DETAIL_COLUMNS = ("Naam", "E-mail", "Telefoon", "Adres", "Postcode", "Woonplaats")
#: Columns that hold personal data: blanked when a customer is pseudonymised.
PERSONAL_COLUMNS = CONTACT_DETAIL_COLUMNS + ("Notitie",)

# --------------------------------------------------------------------------- win-back tracking (seed 002)

#: Columns of the Winback sheet the user fills in (kept per customer by the refresh).
TRACKING_COLUMNS = ("Benaderd op", "Kanaal", "Reden", "Resultaat", "Notitie")
#: What each tracking column holds: the date is checked, the rest is text.
TRACKING_KINDS = {"Benaderd op": "date", "Kanaal": "text", "Reden": "text", "Resultaat": "text", "Notitie": "text"}
#: Choices for "Kanaal" (seed 002: visit, phone, e-mail).
CONTACT_CHANNELS = ("telefoon", "e-mail", "bezoek")
#: Choices for "Reden" (seed 002's three reasons for leaving, plus "anders").
REASONS = ("vergeten", "ontevreden", "situatie veranderd", "anders")
