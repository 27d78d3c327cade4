"""The inputs of a workbook as the refresh and the purge read them: Transacties, Contactmomenten, Instellingen.

One reader for both, so the purge decides on the same transactions, contact moments
and settings that the refresh analyses. Works through a workbook port (offline file,
live Book, Lite).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from klant_xl.errors import WerkmapFout
from klant_xl.excel.port import WorkbookPort
from klant_xl.exports import ReadingReport, read_export
from klant_xl.reading import read_contacts
from klant_xl.settings import SCHEMA, Settings, settings_from_values
from klant_xl.values import is_blank

__all__ = ["WorkbookInputs", "read_inputs"]


class WorkbookInputs(NamedTuple):
    """What a workbook holds for an analysis."""

    transactions: pd.DataFrame
    contacts: pd.DataFrame | None
    settings: Settings
    reading: ReadingReport
    #: Settings whose Instellingen cell holds text Excel cannot calculate with (a number read from "1.234").
    typed_as_text: tuple[str, ...] = ()


def read_inputs(port: WorkbookPort, today=None) -> WorkbookInputs:
    """Transactions, contact moments, settings and the reading report of the workbook behind ``port``.

    ``today`` is the day the reader checks dates against (dates after it are implausible).
    Raises :class:`~klant_xl.errors.WerkmapFout` when Transacties is missing or holds no transactions.
    """
    cells = port.read_names([s.name for s in SCHEMA])
    settings = settings_from_values(cells)
    typed_as_text = tuple(s.field for s in SCHEMA if s.kind in ("number", "whole", "fraction")
                          and isinstance(cells.get(s.name), str) and getattr(settings, s.field) is not None)
    raw = port.read_input("Transacties")
    if raw is None:
        raise WerkmapFout("Het blad 'Transacties' ontbreekt of is leeg: zet daar de transacties (Klant, Datum, Bedrag).")
    first_row = int(raw.index[0]) if len(raw) else 2
    transactions, reading = read_export(raw, dict(settings.column_choices), counted_statuses=settings.counted_statuses,
                                        first_row=first_row, today=today)
    if transactions.empty:
        detail = " ".join(reading.lines()[2:]) if len(raw) else ""
        raise WerkmapFout(f"Het blad 'Transacties' bevat geen transacties. {detail}".strip())
    contacts = None
    raw_contacts = port.read_input("Contactmomenten")
    if raw_contacts is not None and len(raw_contacts) and not raw_contacts.map(is_blank).all().all():
        contacts = read_contacts(raw_contacts, first_row=int(raw_contacts.index[0]))
        if contacts.empty:
            contacts = None
    return WorkbookInputs(transactions, contacts, settings, reading, typed_as_text)
