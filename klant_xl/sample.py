"""The bundled sample: a Dutch shoe and bag shop, generated with a fixed seed.

:func:`generate_sample` simulates customers of "Schoenen Van Dijk" over five
years: customers arrive through the years, buy at their own rate with the
seasons (spring, autumn, and most in November–December), drop out after a
purchase with their own probability, now and then return an item (a negative
amount on a later day), and some read the newsletter or visit the website
(contact moments). The generated files ship in ``klant_xl/data/`` so the demo
needs nothing else; :func:`sample_transactions` and :func:`sample_contacts`
read them. Regenerate with ``python -m klant_xl.sample``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORIES",
    "MONTH_WEIGHTS",
    "SAMPLE_END",
    "SAMPLE_START",
    "generate_sample",
    "sample_contacts",
    "sample_transactions",
]

SAMPLE_START = pd.Timestamp("2021-01-01")
SAMPLE_END = pd.Timestamp("2025-12-31")
SAMPLE_SEED = 20251231
TRANSACTIONS_FILE = "voorbeeld_transacties.csv"
CONTACTS_FILE = "voorbeeld_contactmomenten.csv"

#: Buying intensity per calendar month (January first): spring and autumn
#: seasons, and the December gift season.
MONTH_WEIGHTS = np.array([0.8, 0.7, 1.0, 1.1, 1.0, 0.9, 0.8, 0.9, 1.1, 1.0, 1.6, 2.0])

#: Product categories: (name, lowest price, highest price, popularity).
CATEGORIES = (
    ("Damesschoenen", 59.95, 179.95, 0.28),
    ("Herenschoenen", 69.95, 199.95, 0.20),
    ("Kinderschoenen", 34.95, 79.95, 0.14),
    ("Sneakers", 59.95, 149.95, 0.16),
    ("Tassen", 39.95, 199.95, 0.10),
    ("Riemen", 19.95, 59.95, 0.06),
    ("Onderhoud", 4.95, 19.95, 0.06),
)

CONTACT_KINDS = ("website-bezoek", "e-mail geopend", "klantenservice")


def _season_accept(rng: np.random.Generator, days: int) -> bool:
    month = (SAMPLE_START + pd.Timedelta(days=days)).month
    return rng.random() < MONTH_WEIGHTS[month - 1] / MONTH_WEIGHTS.max()


def generate_sample(customers: int = 2500, seed: int = SAMPLE_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the sample shop.

    Parameters
    ----------
    customers : int
        Number of customers.
    seed : int
        Seed of the random generator; the same seed gives the same data.

    Returns
    -------
    (transactions, contacts) : tuple of pandas.DataFrame
        Canonical transactions (``Klant``, ``Datum``, ``Bedrag``, ``Product``,
        ``Kanaal``) and contact moments (``Klant``, ``Datum``, ``Soort``),
        sorted by date.
    """
    rng = np.random.default_rng(seed)
    horizon = (SAMPLE_END - SAMPLE_START).days
    popularity = np.array([c[3] for c in CATEGORIES])
    popularity = popularity / popularity.sum()
    lines: list[tuple[str, int, float, str, str]] = []
    contacts: list[tuple[str, int, str]] = []
    for number in range(customers):
        customer = f"K{10001 + number}"
        # Arrivals grow a little over the years and follow the seasons.
        while True:
            arrival = int(horizon * rng.random() ** 0.85)
            if _season_accept(rng, arrival):
                break
        rate_per_day = rng.gamma(shape=6.0, scale=0.7) / 365.0
        dropout = rng.beta(2.0, 8.0)
        favourite = rng.choice(len(CATEGORIES), p=popularity)
        web_share = rng.choice([0.05, 0.3, 0.8], p=[0.5, 0.3, 0.2])
        day = arrival
        last_purchase = day
        while day <= horizon:
            last_purchase = day
            channel = "Webshop" if rng.random() < web_share else "Winkel"
            for _ in range(1 + rng.poisson(0.35)):
                category = favourite if rng.random() < 0.6 else rng.choice(len(CATEGORIES), p=popularity)
                name, low, high, _ = CATEGORIES[category]
                price = round(np.floor(rng.uniform(low, high)) + 0.95, 2)
                lines.append((customer, day, price, name, channel))
                if rng.random() < 0.045:
                    returned = day + int(rng.integers(3, 28))
                    if returned <= horizon:
                        lines.append((customer, returned, -price, name, channel))
            if rng.random() < dropout:
                break
            while True:
                day += max(1, int(rng.exponential(1.0 / rate_per_day)))
                if day > horizon or _season_accept(rng, day):
                    break
        # Contact moments: newsletter readers and site visitors, also after they stopped buying.
        if rng.random() < 0.35:
            for _ in range(rng.poisson(3) + 1):
                moment = arrival + int(rng.uniform(0, (last_purchase - arrival) + 240))
                if moment <= horizon:
                    contacts.append((customer, moment, CONTACT_KINDS[rng.choice(3, p=[0.5, 0.42, 0.08])]))

    transactions = pd.DataFrame(lines, columns=["Klant", "Datum", "Bedrag", "Product", "Kanaal"])
    transactions["Datum"] = SAMPLE_START + pd.to_timedelta(transactions["Datum"], unit="D")
    transactions = transactions.sort_values(["Datum", "Klant"], kind="stable").reset_index(drop=True)
    contact_frame = pd.DataFrame(contacts, columns=["Klant", "Datum", "Soort"])
    contact_frame["Datum"] = SAMPLE_START + pd.to_timedelta(contact_frame["Datum"], unit="D")
    contact_frame = contact_frame.sort_values(["Datum", "Klant"], kind="stable").reset_index(drop=True)
    return transactions, contact_frame


def _read(name: str, columns: list[str]) -> pd.DataFrame:
    with resources.files("klant_xl.data").joinpath(name).open("rb") as handle:
        frame = pd.read_csv(handle, dtype={c: object for c in columns if c != "Bedrag"})
    frame["Datum"] = pd.to_datetime(frame["Datum"], format="%Y-%m-%d")
    if "Bedrag" in frame.columns:
        frame["Bedrag"] = frame["Bedrag"].astype(float)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def sample_transactions() -> pd.DataFrame:
    """The bundled sample transactions as a canonical transactions frame.

    Examples
    --------
    >>> tx = sample_transactions()
    >>> list(tx.columns)
    ['Klant', 'Datum', 'Bedrag', 'Product', 'Kanaal']
    >>> str(tx["Datum"].max().date())
    '2025-12-31'
    """
    return _read(TRANSACTIONS_FILE, ["Klant", "Datum", "Bedrag", "Product", "Kanaal"])


def sample_contacts() -> pd.DataFrame:
    """The bundled sample contact moments (``Klant``, ``Datum``, ``Soort``)."""
    return _read(CONTACTS_FILE, ["Klant", "Datum", "Soort"])


def write_sample(folder: Path) -> None:
    """Generate the sample and write both CSV files into *folder*."""
    transactions, contacts = generate_sample()
    folder = Path(folder)
    out = transactions.assign(Datum=transactions["Datum"].dt.strftime("%Y-%m-%d"))
    out.to_csv(folder / TRANSACTIONS_FILE, index=False, float_format="%.2f", lineterminator="\n")
    contacts.assign(Datum=contacts["Datum"].dt.strftime("%Y-%m-%d")).to_csv(
        folder / CONTACTS_FILE, index=False, lineterminator="\n"
    )


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    write_sample(Path(__file__).parent / "data")
