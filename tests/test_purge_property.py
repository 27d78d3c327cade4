"""opschonen on random workbooks: exactly the customers past the retention period go, nobody else changes.

Oracle (inline): with thresholds 90 / 365 days, peildatum 24-11-2026 and 2 years retention a customer
is purged exactly when their last activity (purchase or contact) is before 24-11-2024 -- two years
without activity is always more than the 365-day verloren-drempel.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.table import Table

from klant_xl.excel.purge import purge_workbook
from klant_xl.settings import DEFAULTS

PEILDATUM = dt.date(2026, 11, 24)
CUTOFF = dt.datetime(2024, 11, 24)
IDS = ["jan@mail.nl", "piet@mail.nl", "kees@mail.nl", 1001, 1002, "K-7", "anna", "ZZ"]

days = st.integers(0, (PEILDATUM - dt.date(2015, 1, 1)).days)
lines = st.lists(st.tuples(st.sampled_from(IDS), days, st.integers(1, 500)), min_size=1, max_size=14)
contacts = st.lists(st.tuples(st.sampled_from(IDS), days), max_size=5)
modes = st.sampled_from(["verwijderen", "pseudonimiseren"])


def day(offset):
    return dt.datetime(2015, 1, 1) + dt.timedelta(days=offset)


def build(path: Path, tx, cm):
    wb = Workbook()
    ws = wb.active
    ws.title = "Transacties"
    ws.append(["Klant", "Datum", "Bedrag", "Product"])
    for klant, offset, amount in tx:
        ws.append([klant, day(offset), float(amount), "artikel"])
    ws.add_table(Table(displayName="Transacties", ref=f"A1:D{len(tx) + 1}"))
    sheet = wb.create_sheet("Contactmomenten")
    sheet.append(["Klant", "Datum", "Soort"])
    for klant, offset in cm:
        sheet.append([klant, day(offset), "e-mail geopend"])
    customers = wb.create_sheet("Klanten")
    customers["A1"] = "Klanten"
    ids = sorted({str(k) for k, _, _ in tx})
    for i, header in enumerate(["Klant", "Notitie"], start=1):
        customers.cell(3, i, header)
    for r, klant in enumerate(ids, start=4):
        customers.cell(r, 1, klant)
        customers.cell(r, 2, f"notitie over {klant}")
    customers.add_table(Table(displayName="Klanten", ref=f"A3:B{3 + len(ids)}"))
    wb.save(path)


def rows(ws, first):
    return [list(r) for r in ws.iter_rows(min_row=first, values_only=True) if any(v is not None for v in r)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, contacts, modes)
def test_purge_removes_exactly_the_customers_past_the_retention_period(tx, cm, mode):
    last = {}
    for klant, offset, _ in tx:
        last[str(klant)] = max(last.get(str(klant), day(0)), day(offset))
    for klant, offset in cm:
        if str(klant) in last:  # contacts of customers without a purchase are not customers
            last[str(klant)] = max(last[str(klant)], day(offset))
    doomed = {k for k, d in last.items() if d < CUTOFF}

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "werkmap.xlsx"
        build(path, tx, cm)
        before = load_workbook(path)
        result = purge_workbook(path, 2, mode, confirm=lambda m: True, today=PEILDATUM, reference_date=PEILDATUM,
                                settings=DEFAULTS.with_(inactive_days=90, lost_days=365), salt="s")
        assert result.customers == len(doomed)
        assert result.written == bool(doomed)
        after = load_workbook(path)
        for sheet, first in (("Transacties", 2), ("Contactmomenten", 2), ("Klanten", 4)):
            old, new = rows(before[sheet], first), rows(after[sheet], first)
            if mode == "verwijderen":
                assert new == [r for r in old if str(r[0]) not in doomed], sheet
            else:
                assert len(new) == len(old)
                for o, n in zip(old, new):
                    if str(o[0]) in doomed:
                        assert n[0].startswith("KLANT-") and n[1:] == (o[1:] if sheet != "Klanten" else [None])
                    else:
                        assert n == o
        if doomed:
            log = rows(after["Opschoonlog"], 2)
            assert len(log) == len(doomed)
            texts = {str(v) for ws in after.worksheets for r in ws.iter_rows(values_only=True) for v in r}
            assert not doomed & texts
