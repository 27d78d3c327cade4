"""Which column of an export is which: header matching, the header row, totals rows.

Core: works on header texts and raw cells only (the file readers of
:mod:`klant_xl.files` deliver them). Headers are matched to the canonical names through
:data:`HEADER_ALIASES` ignoring case, spaces, accents and punctuation.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from klant_xl.errors import InvoerFout, KolomOntbreekt, WaardeFout
from klant_xl.values import NO_TEXT_KINDS, TEXT_KINDS, is_blank, per_distinct
from klant_xl.vocabulary import EXPORT_ROLES

__all__ = [
    "HEADER_ALIASES",
    "HEADER_SEARCH_ROWS",
    "REQUIRED_COLUMNS",
    "TOTAL_WORDS",
    "blank_mask",
    "choose_columns",
    "empty_error",
    "header_key",
    "is_header_row",
    "is_total",
    "parse_column_choices",
    "split_header",
]

#: Canonical column -> known headers, most specific first (matching ignores case,
#: spaces, accents and punctuation). Module-level data: a caller may extend it.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "Klant": (
        "Klant",
        "Klantnummer", "Klantnr", "Klant nr", "Klant-ID", "Klantcode", "Klant code",
        "Debiteurnummer", "Debiteurnr", "Debiteur", "Debiteurcode",
        "Relatienummer", "Relatienr", "Relatiecode", "Relatie",
        "Lidnummer", "Pasnummer", "Klantkaart",
        "Customer ID", "Customer Id", "customer_id", "CustomerID", "Customer Number",
        "Customer No", "Customer Code", "Client ID", "Client", "Contact ID",
        "E-mail", "Email", "E-mailadres", "Emailadres", "Mail",
        "Customer Email", "Customer E-mail", "Billing Email", "Billing Email Address",
        "Email (Billing)", "billing_email", "Buyer Email",
        "Customer", "Klantnaam", "Customer Name", "Naam klant", "Customer User",
    ),
    "Datum": (
        "Datum",
        "Orderdatum", "Besteldatum", "Aankoopdatum", "Factuurdatum", "Verkoopdatum",
        "Transactiedatum", "Boekdatum", "Kassadatum", "Datum order", "Datum bestelling",
        "Datum factuur", "Datum/tijd", "Datum tijd",
        "Date", "Order Date", "Order Date Created", "Purchase Date", "Sale Date",
        "Invoice Date", "Transaction Date", "Created at", "Created", "Created Date",
        "date_created", "order_date", "Paid at", "Paid date", "date_paid",
        "Timestamp", "Tijdstip",
    ),
    "Bedrag": (
        "Bedrag",
        "Bedrag incl. BTW", "Bedrag incl BTW", "Bedrag inclusief BTW", "Totaalbedrag",
        "Totaal incl. BTW", "Totaal", "Factuurbedrag", "Orderbedrag", "Omzet",
        "Verkoopbedrag", "Bedrag excl. BTW", "Totaal excl. BTW", "Prijs",
        "Total", "Order Total", "Order Total Amount", "order_total", "Total Amount",
        "Grand Total", "Amount", "Net Sales", "Net Revenue", "Revenue", "Sales",
        "Gross Sales", "Subtotal", "Price", "Lineitem price",
    ),
    "Product": (
        "Product",
        "Artikel", "Artikelnaam", "Productnaam", "Omschrijving", "Product(s)",
        "Lineitem name", "Item", "Item Name", "Product Name", "Description",
        "Categorie", "Productcategorie", "Category", "Product Category", "Productgroep",
        "Artikelgroep",
    ),
    "Kanaal": (
        "Kanaal",
        "Verkoopkanaal", "Channel", "Sales Channel", "Source", "Bron", "Winkel",
        "Vestiging", "Filiaal", "Store", "Shop", "Outlet", "Register", "Kassa", "Location",
    ),
    "Soort": (
        "Soort",
        "Soort contact", "Contactsoort", "Type contact", "Contacttype", "Activiteit",
        "Actie", "Gebeurtenis", "Type", "Contact type", "Activity", "Event", "Action",
    ),
}

#: Customer texts that mark a totals row when the row has no date (compared
#: lower-case without punctuation; a text starting with one of them also counts).
TOTAL_WORDS = ("totaal", "totalen", "total", "totals", "subtotaal", "subtotal",
               "eindtotaal", "grandtotal", "som", "sum")

#: Columns without which no row can be read.
REQUIRED_COLUMNS = ("Klant", "Datum")
#: How many rows from the top a header row is looked for in.
HEADER_SEARCH_ROWS = 30


def header_key(header) -> str:
    """Header key: lower case, no accents, only letters and digits."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]", "", text.lower())


def is_header_row(values) -> bool:
    """Whether a row of cells names every required column (by a known header): the header row."""
    keys = {header_key(v) for v in values if not is_blank(v)}
    return all(keys & {header_key(a) for a in (c,) + HEADER_ALIASES.get(c, ())} for c in REQUIRED_COLUMNS)


def split_header(raw: pd.DataFrame):
    """Find the header row among the first rows of a raw sheet/file: the first that
    :func:`is_header_row`, else the first non-blank row."""
    header_pos = 0
    for pos in range(min(HEADER_SEARCH_ROWS, len(raw))):
        if is_header_row(raw.iloc[pos]):
            header_pos = pos
            break
    else:  # no recognisable header: the first non-blank row
        for pos in range(min(HEADER_SEARCH_ROWS, len(raw))):
            if any(not is_blank(v) for v in raw.iloc[pos]):
                header_pos = pos
                break
    headers = ["" if is_blank(v) else str(v).strip() for v in raw.iloc[header_pos]]
    data = raw.iloc[header_pos + 1:]
    rows = np.arange(header_pos + 2, header_pos + 2 + len(data))
    return headers, data, rows


def choose_columns(headers: list[str], wanted: tuple[str, ...], columns) -> dict[str, int | None]:
    """Canonical name -> position of its header (None when absent); overrides win."""
    columns = dict(columns or {})
    unknown = [k for k in columns if k not in wanted]
    if unknown:
        raise InvoerFout(
            f"Onbekende kolom {unknown[0]!r} in de koppeling; kies uit {', '.join(wanted)}."
        )
    keys = [header_key(h) for h in headers]
    chosen: dict[str, int | None] = {}
    used: set[int] = set()
    for canonical, header in columns.items():
        if header is None:
            chosen[canonical] = None
            continue
        key = header_key(header)
        pos = next((i for i, k in enumerate(keys) if k == key and key), None)
        if pos is None:
            raise KolomOntbreekt(str(header), [h for h in headers if h])
        chosen[canonical] = pos
        used.add(pos)
    for canonical in wanted:
        if canonical in chosen:
            continue
        chosen[canonical] = None
        for alias in (canonical,) + HEADER_ALIASES.get(canonical, ()):
            key = header_key(alias)
            pos = next((i for i, k in enumerate(keys) if k == key and i not in used), None)
            if pos is not None:
                chosen[canonical] = pos
                used.add(pos)
                break
    for canonical in REQUIRED_COLUMNS:
        if chosen.get(canonical) is None:
            accepted = [a for a in HEADER_ALIASES.get(canonical, ()) if a != canonical]
            raise KolomOntbreekt(canonical, [h for h in headers if h], accepted)
    return chosen


def is_total(texts: np.ndarray) -> np.ndarray:
    """True where the customer text is a totals label ('Totaal', 'Total:', 'Subtotaal')."""

    def total(t):
        key = header_key(t)
        return key in TOTAL_WORDS or key.startswith(("totaal", "total", "subtota", "eindtotaal"))

    return per_distinct(texts, total).astype(bool)  # None (a blank) -> False


def blank_mask(series: pd.Series) -> np.ndarray:
    """:func:`klant_xl.values.is_blank` of every cell (None, NaN, NaT, text of only spaces), vectorised.

    A cell's answer does not depend on the rest of its column (a text column is tested once per
    distinct text, a mixed one per text cell, a column without text by ``isna``).
    """
    if not pd.api.types.is_object_dtype(series.dtype) and not pd.api.types.is_string_dtype(series.dtype):
        return series.isna().to_numpy(dtype=bool)
    arr = series.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(arr, skipna=True)
    if kind in TEXT_KINDS:  # each distinct text tested once
        return per_distinct(arr, is_blank, missing=True).astype(bool)
    blank = np.asarray(pd.isna(arr), dtype=bool).copy()
    if kind in NO_TEXT_KINDS:  # number or date cells only: blank is missing (one C pass, no loop)
        return blank
    # mixed cells (a sheet reader's numbers, dates and "" for blanks): missing values, and texts once each
    texts = np.fromiter((isinstance(v, str) for v in arr), dtype=bool, count=len(arr))
    if texts.any():
        blank[texts] = per_distinct(arr[texts], is_blank).astype(bool)
    return blank


def empty_error(column: str, row: int) -> WaardeFout:
    err = WaardeFout(column, row, "", "leeg")
    err.args = (f"{column} in rij {row} is leeg.",)
    return err


def parse_column_choices(text) -> dict[str, str | None]:
    """``"Klant=E-mail; Bedrag=Total"`` (or a list of ``ROL=KOLOM``) to ``{role: header}``.

    ``ROL=`` (nothing after the ``=``) ignores a column. Unknown roles are an
    :class:`~klant_xl.errors.InvoerFout` listing the roles.

    >>> parse_column_choices(["Klant=E-mail", "Bedrag = Total"])
    {'Klant': 'E-mail', 'Bedrag': 'Total'}
    """
    if text is None:
        return {}
    parts = text if isinstance(text, (list, tuple)) else re.split(r"[;\n]", str(text))
    choices: dict[str, str | None] = {}
    lookup = {header_key(r): r for r in EXPORT_ROLES}
    for part in parts:
        part = str(part).strip()
        if not part:
            continue
        if "=" not in part:
            raise InvoerFout(f"Kolomkeuze '{part}' heeft geen '=': schrijf ROL=KOLOM, bijvoorbeeld Klant=E-mail.")
        role, _, header = part.partition("=")
        canonical = lookup.get(header_key(role))
        if canonical is None:
            raise InvoerFout(f"Onbekende rol '{role.strip()}' in de kolomkeuze; kies uit {', '.join(EXPORT_ROLES)}.")
        choices[canonical] = header.strip() or None
    return choices
