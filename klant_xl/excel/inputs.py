"""The inputs of a workbook as the refresh and the purge read them: Transacties, Contactmomenten, Instellingen.

One reader for both, so the purge decides on the same transactions, contact moments
and settings that the refresh analyses. Works through a workbook port (offline file,
live Book, Lite).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from klant_xl.errors import InvoerFout, WaardeFout, WerkmapFout, placed
from klant_xl.excel.port import WorkbookPort
from klant_xl.exports import ReadingReport, read_export
from klant_xl.reading import read_contacts
from klant_xl.settings import SCHEMA, Settings, settings_from_values
from klant_xl.sources import open_transaction_file
from klant_xl.values import is_blank

__all__ = ["WorkbookInputs", "linked_file", "read_contact_sheet", "read_inputs"]


class WorkbookInputs(NamedTuple):
    """What a workbook holds for an analysis."""

    #: A frame of the Transacties sheet, or what "Transacties uit bestand" names (an engine for Parquet).
    transactions: object
    contacts: pd.DataFrame | None
    settings: Settings
    reading: ReadingReport
    #: Settings whose Instellingen cell holds text Excel cannot calculate with (a number read from "1.234").
    typed_as_text: tuple[str, ...] = ()
    #: The file the transactions came from ("Transacties uit bestand"), None for the sheet.
    transaction_file: Path | None = None


def linked_file(port: WorkbookPort, name: str) -> Path:
    """The file "Transacties uit bestand" names: as typed when absolute, else beside the workbook.

    Raises :class:`~klant_xl.errors.WerkmapFout` when the workbook has no folder on this computer
    (xlwings Lite, a workbook opened from the web) or the file does not exist.
    """
    if not getattr(port, "reads_local_files", True):
        raise WerkmapFout(
            f"Instellingen, 'Transacties uit bestand': xlwings Lite draait in de browser en kan '{name}' niet lezen. "
            "Zet de transacties op het blad Transacties, of vernieuw met klant-xl vernieuw of de Excel-invoegtoepassing.")
    typed = Path(os.path.expanduser(name.strip().strip('"').strip("'")))  # Windows' "Copy as path" adds quotes
    folder = port.folder() if hasattr(port, "folder") else None
    if not typed.is_absolute():
        if folder is None:
            raise WerkmapFout(
                f"Instellingen, 'Transacties uit bestand': '{name}' hoort naast de werkmap te staan, maar deze "
                "werkmap heeft geen map op deze computer (nog niet opgeslagen, of geopend van internet). Sla de "
                "werkmap eerst op, of geef het volledige pad van het bestand.")
        typed = folder / typed
    if not typed.exists():
        raise WerkmapFout(f"Instellingen, 'Transacties uit bestand': het bestand '{typed}' bestaat niet. Zet het "
                          "bestand daar terug, of maak de cel leeg om het blad Transacties te gebruiken.")
    return typed


def read_inputs(port: WorkbookPort, today=None, preloaded=None) -> WorkbookInputs:
    """Transactions, contact moments, settings and the reading report of the workbook behind ``port``.

    ``today`` is the day the reader checks dates against (dates after it are implausible).
    When Instellingen names a file ("Transacties uit bestand"), the transactions are read from it
    (:func:`klant_xl.sources.open_transaction_file`: Parquet scanned by DuckDB, an export through
    the export reader) and the Transacties sheet must be empty. ``preloaded`` is
    ``(transactions, report)`` already read from that file (``klant-xl analyse -o``: read once).
    Raises :class:`~klant_xl.errors.WerkmapFout` when Transacties is missing or holds no transactions.
    """
    cells = port.read_names([s.name for s in SCHEMA])
    settings = settings_from_values(cells)
    typed_as_text = tuple(s.field for s in SCHEMA if s.kind in ("number", "whole", "fraction")
                          and isinstance(cells.get(s.name), str) and getattr(settings, s.field) is not None)
    contacts = read_contact_sheet(port)
    if settings.transaction_file is not None:
        path = linked_file(port, settings.transaction_file)
        raw = port.read_input("Transacties")
        if raw is not None and len(raw) and not raw.map(is_blank).all().all():
            raise WerkmapFout(
                f"Instellingen noemt een transactiebestand ('{settings.transaction_file}') én het blad Transacties "
                "heeft regels. Maak één van beide leeg: klant_xl kiest niet zelf welke de goede is.")
        if preloaded is not None:
            transactions, reading = preloaded
        else:
            try:
                transactions, reading = open_transaction_file(
                    path, columns=dict(settings.column_choices), counted_statuses=settings.counted_statuses,
                    reference_date=settings.reference_date, contacts=contacts, today=today)
            except InvoerFout as exc:
                raise WerkmapFout(f"Instellingen, 'Transacties uit bestand' ('{path.name}'): {exc}") from None
        reading.source = settings.transaction_file  # as Instellingen names it (no folders of this computer)
        return WorkbookInputs(transactions, contacts, settings, reading, typed_as_text, path)
    raw = port.read_input("Transacties")
    if raw is None:
        raise WerkmapFout("Het blad 'Transacties' ontbreekt of is leeg: zet daar de transacties (Klant, Datum, Bedrag).")
    first_row = int(raw.index[0]) if len(raw) else 2
    try:
        transactions, reading = read_export(raw, dict(settings.column_choices),
                                            counted_statuses=settings.counted_statuses, first_row=first_row,
                                            today=today)
    except WaardeFout as exc:
        raise placed(exc, "Werkblad 'Transacties'") from None
    if transactions.empty:
        detail = " ".join(reading.lines()[2:]) if len(raw) else ""
        raise WerkmapFout(f"Het blad 'Transacties' bevat geen transacties. {detail}".strip())
    return WorkbookInputs(transactions, contacts, settings, reading, typed_as_text)


def read_contact_sheet(port: WorkbookPort) -> pd.DataFrame | None:
    """The Contactmomenten sheet as contact moments (None when it is absent or blank); a bad value names the sheet."""
    raw_contacts = port.read_input("Contactmomenten")
    if raw_contacts is None or not len(raw_contacts) or raw_contacts.map(is_blank).all().all():
        return None
    try:
        contacts = read_contacts(raw_contacts, first_row=int(raw_contacts.index[0]))
    except WaardeFout as exc:
        raise placed(exc, "Werkblad 'Contactmomenten'") from None
    return None if contacts.empty else contacts
