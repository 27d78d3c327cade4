"""Keep what the user typed in output tables across refreshes.

An output table with a key column (``Klant``) may hold columns klant_xl did
not write — the Winback tracking columns and any column a user adds to the
table. Before a refresh rewrites the table, :func:`update_store` reads those
values per customer into the *store*, a long frame ``Tabel, Klant, Kolom,
Waarde`` that lives on the very hidden sheet ``_bewaard``; after the rewrite
:func:`add_user_columns` puts them back beside the customers that are in the
new table. Because the store keeps every value, a customer that drops out of
the table and comes back later gets its notes back.

Pure pandas: no workbook access here.
"""

from __future__ import annotations


import pandas as pd

from klant_xl.values import customer_id, is_blank

__all__ = [
    "COLUMNS_COLUMNS",
    "STORE_COLUMNS",
    "add_user_columns",
    "is_blank",
    "update_store",
    "user_columns",
]

STORE_COLUMNS = ["Tabel", "Klant", "Kolom", "Waarde"]
#: Registry of the columns of each table and who writes them.
COLUMNS_COLUMNS = ["Tabel", "Kolom", "Bron"]
SOURCE_KLANT_XL = "klant_xl"
SOURCE_USER = "gebruiker"


def _empty_store() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in STORE_COLUMNS})


def user_columns(table: str, old: pd.DataFrame | None, written: list[str], registry: pd.DataFrame | None,
                 tracking=()) -> list[str]:
    """Columns of ``table`` whose values belong to the user, in table order.

    A column is the user's when it is a tracking column, or when it is in the
    old table but neither among the columns klant_xl writes now nor among the
    columns klant_xl wrote last time (``registry``). User columns recorded in
    the registry but no longer in the old table were deleted by the user and
    are not brought back; when the table itself is missing, all recorded user
    columns are kept.
    """
    recorded_klant_xl: set[str] = set()
    recorded_user: list[str] = []
    if registry is not None and len(registry):
        mine = registry[registry["Tabel"] == table]
        recorded_klant_xl = set(mine.loc[mine["Bron"] == SOURCE_KLANT_XL, "Kolom"].astype(str))
        recorded_user = [str(c) for c in mine.loc[mine["Bron"] == SOURCE_USER, "Kolom"]]
    columns: list[str] = []
    for column in tracking:
        if column not in columns:
            columns.append(column)
    if old is not None:
        for column in old.columns:
            name = str(column)
            if name in columns or name in written or name in recorded_klant_xl:
                continue
            if name.startswith("Kolom") and old[column].map(is_blank).all():
                continue  # an empty column Excel added and named "Kolom1"
            columns.append(name)
    else:
        columns += [c for c in recorded_user if c not in columns and c not in written]
    return columns


def update_store(store: pd.DataFrame | None, table: str, old: pd.DataFrame | None, key: str,
                 columns: list[str]) -> pd.DataFrame:
    """Fold the user values of the old table into the store.

    For every customer shown in the old table, its stored values of
    ``columns`` are replaced by what the table shows now (an emptied cell
    deletes the stored value). Values of customers not in the old table stay.
    Values of the table's columns that are no longer user columns are dropped.
    """
    store = _empty_store() if store is None or not len(store) else store[STORE_COLUMNS].copy()
    store["Klant"] = store["Klant"].map(customer_id)
    store["Kolom"] = store["Kolom"].astype(str)
    this = store["Tabel"] == table
    store = store[~this | store["Kolom"].isin(columns)]
    present = [] if old is None else [c for c in columns if c in old.columns]
    if not present or key not in old.columns or not len(old):  # nothing shown to fold in: the stored values stay
        return store.reset_index(drop=True)
    keys = old[key].map(customer_id)
    shown = set(keys.dropna())
    this = store["Tabel"] == table
    drop = this & store["Klant"].isin(shown) & store["Kolom"].isin(present)
    store = store[~drop]
    rows = []
    for column in present:
        values = old[column]
        for customer, value in zip(keys, values):
            if customer is None or is_blank(value):
                continue
            rows.append((table, customer, column, value))
    if rows:
        added = pd.DataFrame(rows, columns=STORE_COLUMNS)
        # A customer listed twice keeps the value of its last row.
        added = added.drop_duplicates(["Tabel", "Klant", "Kolom"], keep="last")
        store = pd.concat([store, added], ignore_index=True) if len(store) else added
    return store.reset_index(drop=True)


def add_user_columns(frame: pd.DataFrame, table: str, key: str, columns: list[str],
                     store: pd.DataFrame) -> pd.DataFrame:
    """Append the user columns to ``frame`` with the stored values per customer."""
    out = frame.copy()
    keys = out[key].map(customer_id)
    mine = store[store["Tabel"] == table] if len(store) else store
    for column in columns:
        values = mine[mine["Kolom"] == column]
        lookup = dict(zip(values["Klant"], values["Waarde"]))
        series = keys.map(lambda k: lookup.get(k))
        out[column] = series.astype(object).where(series.notna(), None)
    return out


def registry_rows(table: str, written: list[str], users: list[str]) -> pd.DataFrame:
    """Registry entries for one table."""
    rows = [(table, c, SOURCE_KLANT_XL) for c in written] + [(table, c, SOURCE_USER) for c in users]
    return pd.DataFrame(rows, columns=COLUMNS_COLUMNS)
