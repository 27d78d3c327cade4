"""The output sheets of a refresh, described as :class:`~klant_xl.excel.spec.SheetSpec`.

:func:`output_sheets` turns an :class:`~klant_xl.analysis.Analysis` into the
sheets Klanten, Segmenten, Winback, Projectie and Overzicht. It only arranges
what the core computed (tables, KPI cells, charts, the Projectie formulas); it
reads no workbook and writes none. Tables a feature branch adds to the
analysis (segments, model columns, the win-back list) are picked up where they
exist.
"""

from __future__ import annotations

from pathlib import Path

import math

import pandas as pd

from klant_xl.excel.spec import Cells, ChartBlock, PageSetup, SheetSpec, TableBlock, column_letter
from klant_xl.formatting import format_count, format_number
from klant_xl.settings import SETTING_NAMES
from klant_xl.status import STATUS_COLOURS
from klant_xl.vocabulary import CONTACT_CHANNELS, REASONS, STATUSES, TRACKING_COLUMNS, TRACKING_KINDS
from klant_xl.projection import PLAUSIBLE_RATES
from klant_xl.sheet_guard import EXCEL_MAX_ROWS

__all__ = [
    "KANAAL_CHOICES",
    "OUTPUT_SHEETS",
    "REDEN_CHOICES",
    "TRACKING_COLUMNS",
    "output_sheets",
    "projection_sheet",
]

#: Sheets a refresh rewrites (in workbook order).
OUTPUT_SHEETS = ("Klanten", "Segmenten", "Winback", "Projectie", "Overzicht", "Inlezen")
#: Win-back columns the user fills in; kept per customer across refreshes.
KANAAL_CHOICES = CONTACT_CHANNELS
REDEN_CHOICES = REASONS
STATUS_ORDER = STATUSES
#: Status column -> the fixed colour per status (conditional formatting on every Status column).
STATUS_FILLS = {"Status": {status: None for status in STATUS_ORDER}}
#: Input messages of the Winback columns the user fills in (shown when a cell is selected).
TRACKING_HINTS = {
    "Benaderd op": "Datum waarop je de klant benaderde, bijv. 23-11-2026. Een aankoop daarna telt als teruggewonnen.",
    "Kanaal": "Kies telefoon, e-mail of bezoek (of typ iets anders).",
    "Reden": "Waarom was de klant weg? Kies vergeten, ontevreden, situatie veranderd of anders.",
    "Resultaat": "Vrije tekst, bijv. 'komt langs' of 'geen interesse'.",
    "Notitie": "Vrije tekst; blijft per klant bewaard bij vernieuwen.",
}
#: Widths (characters) of the Winback columns the user fills in: the longest choice fits.
TRACKING_WIDTHS = {"Benaderd op": 13, "Kanaal": 12, "Reden": 21, "Resultaat": 24, "Notitie": 40}


def page(reference_date=None, **options) -> PageSetup:
    """The page setup of an output sheet: footer with the peildatum."""
    footer = f"Peildatum {_date_text(reference_date)}" if reference_date is not None else "Klantanalyse"
    return PageSetup(footer=footer, **options)


def wrapped_height(text, width: float, line_points: float = 15.0) -> float | None:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide; None for one line."""
    if not text:
        return None
    lines = sum(max(1, -(-len(part) // max(int(width * 1.1), 1))) for part in str(text).split("\n"))
    return line_points * lines if lines > 1 else None


def _name(field: str) -> str:
    return SETTING_NAMES[field][0]


def _date_text(value) -> str:
    return pd.Timestamp(value).strftime("%d-%m-%Y")


def _whole_days_text(days) -> str:
    """A threshold as the whole days it allows: 'hooguit 261 dagen' for 261 or 261.5 (day counts are whole)."""
    value = _finite(days)
    return format_number(math.floor(value)) if value is not None else "?"


def years_as_numbers(frame: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str]:
    """``frame`` with a column of years ("2024") as whole numbers, and the kind to show it with.

    A year stored as text gets Excel's green 'number stored as text' mark and sorts and filters
    as text. Quarters ("2024-K1") and anything else stay text.
    """
    values = frame[column].astype(str) if column in frame.columns and len(frame) else None
    if values is None or not values.str.fullmatch(r"[0-9]{4}").all():
        return frame, "text"
    return frame.assign(**{column: values.astype(int).to_numpy()}), "year"


def _finite(value):
    """A plain float, or None for NaN/inf/None (an empty cell)."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------- Klanten


#: Data rows an output table holds: Excel's 1,048,576 rows less the title, note, blank and header rows.
SHEET_ROWS = EXCEL_MAX_ROWS - 4
#: The full Klanten table is written beside the workbook under its name plus this, when the sheet is too small.
FULL_CUSTOMERS_SUFFIX = " - Klanten.parquet"


def full_table_path(workbook_path) -> Path:
    """Where the full Klanten table of a workbook goes: ``<werkmap> - Klanten.parquet`` beside it."""
    workbook_path = Path(workbook_path)
    return workbook_path.with_name(workbook_path.stem + FULL_CUSTOMERS_SUFFIX)


def fitting_customers(table: pd.DataFrame, winback: pd.Series, rows: int) -> pd.DataFrame:
    """At most ``rows`` customers of the Klanten table: everyone on the win-back list first (most
    recent first), then the highest value (CLV, else revenue); in the table's own order."""
    if len(table) <= rows:
        return table
    value = table["CLV"] if "CLV" in table.columns and table["CLV"].notna().any() else table.get("Omzet")
    on_list = pd.Series(table["Klant"].isin(set(winback[:rows]))).to_numpy()
    rank = pd.DataFrame({"list": ~on_list, "value": -pd.to_numeric(value, errors="coerce").fillna(-float("inf"))
                         if value is not None else 0.0, "klant": table["Klant"].astype(str)})
    keep = rank.sort_values(["list", "value", "klant"], kind="mergesort").index[:rows]
    return table.loc[sorted(keep)].reset_index(drop=True)


#: Table columns that print readably side by side on one landscape A4 page.
COLUMNS_PER_PAGE = 10


def pages_wide(columns: int) -> int:
    """How many landscape pages wide a table of ``columns`` columns prints (each page repeats column A)."""
    return max(1, math.ceil(columns / COLUMNS_PER_PAGE))


def customers_sheet(analysis) -> SheetSpec:
    table = analysis.customer_table()
    note = f"Eén rij per klant, peildatum {_date_text(analysis.reference_date)}. Eigen kolommen aan het eind van de tabel blijven bewaard bij vernieuwen."
    if len(table) > SHEET_ROWS:
        total = len(table)
        table = fitting_customers(table, winback_frame(analysis)["Klant"], SHEET_ROWS)
        note = (f"{format_number(len(table))} van de {format_count(total, 'klant', 'klanten')} (Excel houdt "
                f"{format_number(SHEET_ROWS)} rijen in deze tabel): alle klanten op de Winback-lijst en verder die met "
                f"de hoogste waarde. De volledige tabel staat naast de werkmap in '<naam van de werkmap>"
                f"{FULL_CUSTOMERS_SUFFIX}' (klant-xl vernieuw en klant-xl analyse -o schrijven hem). Peildatum "
                f"{_date_text(analysis.reference_date)}.")
    cells = Cells().add(1, 1, "Klanten", style="title").add(2, 1, note, style="note")
    block = TableBlock("Klanten", table, row=4, col=1, key="Klant", value_colours=dict(STATUS_FILLS))
    return SheetSpec("Klanten", [cells, block], freeze="B5",
                     page=page(analysis.reference_date, orientation="landscape", title_rows="4:4",
                               pages_wide=pages_wide(len(table.columns)), title_columns="A:A"))


# --------------------------------------------------------------------------- Segmenten


#: analysis.segments key -> Dutch title on the Segmenten sheet (in this order; others follow).
SEGMENT_TITLES = {
    "segments": "RFM-segmenten",
    "pyramid": "Klantenpiramide (niveau naar de omzet van de laatste 12 maanden, grenzen als deel van de actieve "
               "klanten; Aandeel = van alle klanten; Omzet = alle jaren)",
    "tiers": "Goud / zilver / brons",
    "portfolio": "Per product van de eerste aankoop",
    "cohorts": "Cohorten: deel van de klanten nog actief, per jaar na de eerste aankoop",
    "cohort_churn": "Verloop per cohort (per jaar: van wie aan het begin actief was, het deel dat aan het eind niet "
                    "meer actief is; wie terugkomt telt niet als behouden, in de driehoek hierboven wel als actief)",
    "rules": "R×F-regels (gebruikt voor de RFM-segmenten)",
    "cohort_projection": "Cohorten: verwacht behoud per jaar (sBG-model)",
    "pareto": "Pareto: aandeel van de omzet van de beste klanten",
}
#: Tables joined into Klanten instead of shown on Segmenten.
PER_CUSTOMER_SEGMENTS = ("customers",)


def _segment_tables(analysis) -> list[tuple[str, str, pd.DataFrame]]:
    """(key, title, frame) of the analysis' segment tables (empty before segments are computed)."""
    found = dict(getattr(analysis, "segments", None) or {})
    projection = getattr(analysis, "cohort_projection", None)
    if isinstance(projection, pd.DataFrame):
        found["cohort_projection"] = projection
    keys = [k for k in SEGMENT_TITLES if k in found] + [k for k in found if k not in SEGMENT_TITLES]
    return [(k, SEGMENT_TITLES.get(k, str(k)), found[k]) for k in keys
            if k not in PER_CUSTOMER_SEGMENTS and isinstance(found[k], pd.DataFrame)]


def _table_name(key: str) -> str:
    clean = "".join(ch if ch.isalnum() else "_" for ch in str(key)).strip("_")
    return "Seg_" + clean[:40]


def segments_sheet(analysis) -> SheetSpec:
    cells = Cells().add(1, 1, "Segmenten", style="title")
    cells.add(2, 1, f"Peildatum {_date_text(analysis.reference_date)}. De RFM-segmenten volgen uit recentheid, "
                    "frequentie en omzet en staan los van de status: 'Nieuwe klanten' en 'Slapend' zijn hier namen "
                    "van segmenten, niet de status Nieuw of Inactief. Piramide en goud/zilver/brons gaan op omzet, "
                    "niet op winst.", style="note")
    blocks: list = [cells]
    row = 4
    counts = analysis.status_counts()
    status = pd.DataFrame({"Status": list(counts.index), "Klanten": counts.astype(int).to_numpy()})
    total = max(int(status["Klanten"].sum()), 1)
    status["Aandeel"] = status["Klanten"] / total
    blocks.append(TableBlock("Seg_Status", status, row=row + 1, col=1, title="Klanten per status",
                             value_colours=dict(STATUS_FILLS)))
    row += len(status) + 4
    charts = []
    for key, title, frame in _segment_tables(analysis):
        frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame.copy()
        frame.columns = [f"Jaar {c}" if isinstance(c, (int,)) else str(c) for c in frame.columns]
        scale: tuple = ()
        kinds: dict = {}
        if key in ("cohorts", "cohort_projection"):
            scale = tuple(c for c in frame.columns if c.startswith("Jaar "))
            kinds = {c: "percent" for c in scale}
            kinds.update({"Cohort": "text", "alpha": "decimal", "beta": "decimal"})
        if key == "pareto":
            kinds = {c: "percent" for c in frame.columns}
        if key == "cohort_churn":
            kinds = {"Cohort": "text", "Jaren": "int", "Verloop per jaar": "percent", "Behoud per jaar": "percent",
                     "Actief op peildatum": "percent"}
        if key == "cohort_projection":
            kinds["Waargenomen perioden"] = "int"
        if "Cohort" in frame.columns:
            frame, kinds["Cohort"] = years_as_numbers(frame, "Cohort")
        block = TableBlock(_table_name(key), frame, row=row + 1, col=1, title=title, kinds=kinds, colour_scale=scale)
        blocks.append(block)
        if key == "pyramid" and len(frame) and "Klanten" in frame.columns:
            j = list(frame.columns).index("Klanten")
            charts.append(ChartBlock("bar", "Klantenpiramide", anchor=f"H{row}",
                                     series=[(1 + j, row + 1, row + 1 + len(frame))],
                                     categories=(1, row + 2, row + 1 + len(frame)), x_title=None,
                                     y_title="Klanten", width_cm=14, height_cm=7))
        if key == "pareto" and len(frame) > 1:
            charts.append(ChartBlock("line", "Pareto: aandeel omzet", anchor=f"H{row}",
                                     series=[(2, row + 1, row + 1 + len(frame))],
                                     categories=(1, row + 2, row + 1 + len(frame)),
                                     x_title="Aandeel klanten (beste eerst)", y_title="Aandeel omzet",
                                     width_cm=14, height_cm=8, y_max=1.0, y_format="0%"))
        row += max(len(frame), 1) + 4
    return SheetSpec("Segmenten", blocks + charts, widths={"A": 26},
                     page=page(analysis.reference_date, orientation="landscape"))


# --------------------------------------------------------------------------- Winback


def winback_frame(analysis) -> pd.DataFrame:
    """The win-back list (:meth:`klant_xl.analysis.Analysis.winback`): inactive customers, most recent first."""
    own = getattr(analysis, "winback", None)
    if callable(own):
        own = own()
    if isinstance(own, pd.DataFrame):
        return own.reset_index() if "Klant" not in own.columns else own.copy()
    table = analysis.customer_table()
    inactive = table[table["Status"] == "Inactief"]
    order = inactive.sort_values(["Laatste activiteit", "Klant"], ascending=[False, True])
    columns = [c for c in ("Klant", "Laatste activiteit", "Dagen sinds activiteit", "Omzet", "Aankopen",
                           "Laatste product") if c in order.columns]
    return order[columns].reset_index(drop=True)


def winback_sheet(analysis) -> SheetSpec:
    frame = winback_frame(analysis).head(SHEET_ROWS)  # the most recent first: the ones to call fit
    frame = frame.drop(columns=[c for c in TRACKING_COLUMNS if c in frame.columns])
    for column in TRACKING_COLUMNS:
        frame[column] = None
    cells = Cells().add(1, 1, "Winback: inactieve klanten om te benaderen", style="title")
    cells.add(2, 1, "Meest recente inactieve klanten eerst: begin met de bovenste vijf. Vul 'Benaderd op' t/m "
                    "'Notitie' in; dat blijft per klant bewaard, ook als de klant later uit de lijst valt en "
                    "terugkomt. Of het werkte, meet klant_xl uit de aankopen na de contactdatum.", style="note")
    block = TableBlock("Winback", frame, row=4, col=1, key="Klant", tracking=TRACKING_COLUMNS,
                       kinds=dict(TRACKING_KINDS),
                       choices={"Kanaal": KANAAL_CHOICES, "Reden": REDEN_CHOICES}, hints=dict(TRACKING_HINTS),
                       value_colours=dict(STATUS_FILLS))
    cells.add(3, 1, "De gele kolommen vul je zelf in (zoals de gele cellen op Instellingen); kies een cel voor een "
                    "hint.", style="note")
    # the results of add_winback_report stand right of the table, in about six columns
    return SheetSpec("Winback", [cells, block], freeze="B5", widths=tracking_widths(block),
                     page=page(analysis.reference_date, orientation="landscape", title_rows="4:4",
                               pages_wide=pages_wide(len(frame.columns) + 6), title_columns="A:A"))


def tracking_widths(block: TableBlock) -> dict:
    """Column letter -> width of the tracking columns of a table (wherever they end up)."""
    columns = [str(c) for c in block.frame.columns]
    return {column_letter(block.col + columns.index(c)): w for c, w in TRACKING_WIDTHS.items() if c in columns}


#: winback_report key -> (table name, Dutch title)
WINBACK_REPORT_TABLES = {
    "uitkomsten": ("Winback_Uitkomsten", "Resultaat per benaderde klant (uit de aankopen)"),
    "per maand": ("Winback_PerMaand", "Teruggewonnen per maand van benaderen"),
    "per reden": ("Winback_PerReden", "Teruggewonnen per reden"),
    "per kanaal": ("Winback_PerKanaal", "Teruggewonnen per kanaal"),
    "per kwartaal": ("Winback_PerKwartaal", "Verloop per kwartaal (werkt de aanpak?)"),
}


def add_winback_report(spec: SheetSpec, report: dict | None, message: str | None = None) -> None:
    """Put the measured win-back results (:func:`klant_xl.winback.winback_report`) right of the Winback table."""
    table = next(b for b in spec.tables() if b.name == "Winback")
    col = table.last_col + 2
    cells = Cells()
    cells.add(4, col, "Werkt het terugwinnen?", style="subtitle")
    row = 5
    if message:
        cells.add(row, col, message, style="note")
        row += 2
    if report:
        rate = _finite(report.get("terugwinpercentage"))
        cells.add(row, col, "Teruggewonnen van de benaderde klanten", style="label")
        cells.add(row, col + 3, rate if rate is not None else "nog niemand benaderd", kind="percent", style="kpi")
        row += 3
        for key, (name, title) in WINBACK_REPORT_TABLES.items():
            frame = report.get(key)
            if not isinstance(frame, pd.DataFrame):
                continue
            frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
            spec.blocks.append(TableBlock(name, frame, row=row, col=col, title=title,
                                          kinds={"Maand": "text", "Kwartaal": "text"}))
            row += max(len(frame), 1) + 4
    spec.blocks.append(cells)


# --------------------------------------------------------------------------- Projectie

#: Fixed cell positions of the Projectie inputs (column B), used by the formulas.
PROJ_ROWS = {
    "start": 5,
    "new": 6,
    "churn": 7,
    "winback": 8,
    "churn_new": 9,
    "years": 10,
    "doubling": 11,
    "doubling_new": 12,
    "loss2": 13,
    "loss3": 14,
}
PROJ_TABLE_HEADER = 17


def measured_projection_inputs(analysis) -> dict:
    """Start, new-customer rate and churn measured from the data (before the Instellingen override)."""
    counts = analysis.status_counts()
    active = int(counts.get("Actief", 0) + counts.get("Nieuw", 0))
    churn = analysis.churn_last_year
    new_rate = _finite(getattr(churn, "new_share", None)) if churn is not None else None
    churn_rate = _finite(getattr(churn, "churn", None)) if churn is not None else None
    inputs = getattr(analysis, "projection_inputs", {}) or {}
    winback = _finite(inputs.get("terugwin_pct"))
    return {"start": active, "new": new_rate if new_rate is not None else 0.0,
            "churn": churn_rate if churn_rate is not None else 0.0,
            "winback": winback if winback is not None else 0.0}


def projection_results(used: dict, years: int, warnings=()) -> dict:
    """What the Projectie formulas give for the inputs ``used`` (start, new, churn, winback): cell -> value.

    The formulas' results at the refresh, stored with them (:attr:`klant_xl.excel.spec.Cell.cached`);
    the same arithmetic as the formulas, in the same order.
    """
    r = PROJ_ROWS
    start, new, churn, winback = (float(used[k]) for k in ("start", "new", "churn", "winback"))
    churn_new = churn * (1 - winback)
    new_high, churn_high = PLAUSIBLE_RATES["new"][1], PLAUSIBLE_RATES["churn"][1]
    live = (f"Let op: nieuwe klanten boven {new_high * 100:g}% of verloop boven {churn_high * 100:g}% per jaar is "
            "ongebruikelijk: de projectie is een rekenvoorbeeld, geen voorspelling." if new > new_high
            or churn > churn_high else "")
    static = " ".join(f"Let op: {w}" for w in warnings)[:250]

    def doubling(net):
        return math.log(2) / math.log(1 + net) if net > 0 else "groeit niet"

    results = {"A3": live or static, f"B{r['start']}": start, f"B{r['new']}": new, f"B{r['churn']}": churn,
               f"B{r['winback']}": winback, f"B{r['churn_new']}": churn_new, f"B{r['doubling']}": doubling(new - churn),
               f"B{r['doubling_new']}": doubling(new - churn_new), f"B{r['loss2']}": 1 - (1 - churn) ** 2,
               f"B{r['loss3']}": 1 - (1 - churn) ** 3}
    first = PROJ_TABLE_HEADER + 1
    for year in range(max(int(years), 1) + 1):
        row = first + year
        results.update({f"B{row}": start * (1 + new - churn) ** year, f"D{row}": year,
                        f"E{row}": start * (1 + new - churn_new) ** year})
    last = first + max(int(years), 1)
    results.update({f"B{last + 1}": new, f"B{last + 2}": churn, f"E{last + 1}": new, f"E{last + 2}": churn_new})
    return results


def projection_sheet(measured: dict, years: int, reference_date=None, warnings=(), read_from_text=None,
                     inputs_used: dict | None = None) -> SheetSpec:
    """Projectie: the seed-002 tables as native formulas on the Instellingen inputs.

    ``measured`` holds the values used when an Instellingen cell is empty
    (``start``, ``new``, ``churn``); ``years`` fixes the number of table rows.
    ``warnings`` (:func:`klant_xl.projection.projection_warnings` at the
    refresh) stand in row 3, above the inputs and the tables; a formula there
    also warns when a rate typed on Instellingen later leaves the plausible
    range, without Python. ``read_from_text`` (field -> value) holds what the
    refresh read from Instellingen cells that hold text Excel cannot calculate
    with ("1.234", "30 %"): their formulas fall back to that, not to the measured value.
    ``inputs_used`` (start, new, churn, winback as the analysis used them): the formulas' results are
    stored with them (:func:`projection_results`), so a viewer that does not calculate shows them.
    """
    years = max(int(years), 1)
    r = PROJ_ROWS
    c = Cells()
    c.add(1, 1, "Projectie van je klantenbestand", style="title")
    when = f" Gemeten = uit de gegevens tot de peildatum {_date_text(reference_date)}." if reference_date is not None else ""
    c.add(2, 1, "Rekenvoorbeeld 'Terugwinnen van inactieve klanten': aantal klanten volgend jaar = dit jaar × "
                "(1 + nieuw − verloop). Alles hieronder zijn Excel-formules op de invoer van het blad Instellingen; "
                "ze werken ook zonder Python." + when, style="note")

    new_high, churn_high = PLAUSIBLE_RATES["new"][1], PLAUSIBLE_RATES["churn"][1]
    static = " ".join(f"Let op: {w}" for w in warnings)
    live = (f'IF(OR(B{r["new"]}>{new_high:g},B{r["churn"]}>{churn_high:g}),"Let op: nieuwe klanten boven '
            f'{new_high * 100:g}% of verloop boven {churn_high * 100:g}% per jaar is ongebruikelijk: de projectie is '
            'een rekenvoorbeeld, geen voorspelling.","")')
    c.add(3, 1, f'=IF({live}<>"",{live},"{static[:250]}")' if static else f"={live}", style="warning")
    c.add(4, 1, "Invoer", style="header").add(4, 2, "Gebruikt", style="header")
    c.add(4, 3, "Gemeten", style="header").add(4, 4, "Toelichting", style="header")
    def used(field: str, row: int) -> str:
        name = _name(field)
        read = _finite((read_from_text or {}).get(field))
        if read is None:
            return f"=IF(ISNUMBER({name}),{name},C{row})"
        return f"=IF(ISNUMBER({name}),{name},IF(ISBLANK({name}),C{row},{read!r}))"

    rows = [
        ("start", "Klanten nu", used("projection_start", r["start"]), measured.get("start"), "int",
         "Instelling 'Projectie: klanten nu'; leeg = actieve klanten (Nieuw + Actief) op de peildatum."),
        ("new", "% Nieuwe klanten per jaar", used("projection_new_rate", r["new"]), measured.get("new"), "percent",
         "Leeg = nieuwe klanten in het laatste jaar, als deel van de actieve klanten."),
        ("churn", "% Verloop per jaar", used("projection_churn_rate", r["churn"]), measured.get("churn"), "percent",
         "Leeg = verloop over het laatste jaar."),
        ("winback", "% Terugwinnen", used("projection_winback_rate", r["winback"]), measured.get("winback"),
         "percent", "Deel van de vertrekkers dat je terugwint (voorbeeld: 60%); 'gemeten' = uit het blad Winback."),
        ("churn_new", "% Verloop nieuwe situatie", f"=B{r['churn']}*(1-B{r['winback']})", None, "percent",
         "Verloop × (1 − terugwinnen)."),
        ("years", "Aantal jaren", f"={_name('projection_years')}", None, "int",
         f"De tabellen tonen {years} jaar; meer jaren: pas de instelling aan en klik 'Vernieuw analyse'."),
        ("doubling", "Verdubbelingstijd huidige situatie (jaren)",
         f'=IF(B{r["new"]}-B{r["churn"]}>0,LN(2)/LN(1+B{r["new"]}-B{r["churn"]}),"groeit niet")', None, "number",
         "ln 2 / ln(1 + nieuw − verloop)."),
        ("doubling_new", "Verdubbelingstijd nieuwe situatie (jaren)",
         f'=IF(B{r["new"]}-B{r["churn_new"]}>0,LN(2)/LN(1+B{r["new"]}-B{r["churn_new"]}),"groeit niet")', None,
         "number", "Met terugwinnen."),
        ("loss2", "Cumulatief verlies na 2 jaar", f"=1-(1-B{r['churn']})^2", None, "percent",
         "Deel van de huidige klanten dat na 2 jaar weg is: 1 − (1 − verloop)²."),
        ("loss3", "Cumulatief verlies na 3 jaar", f"=1-(1-B{r['churn']})^3", None, "percent", "1 − (1 − verloop)³."),
    ]
    for key, label, formula, value, kind, help_text in rows:
        row = r[key]
        c.add(row, 1, label, style="label").add(row, 2, formula, kind=kind, style="kpi")
        if value is not None:
            c.add(row, 3, value, kind=kind)
        c.add(row, 4, help_text, style="note")
    head = PROJ_TABLE_HEADER
    first, last = head + 1, head + 1 + years
    c.add(head - 1, 1, "HUIDIGE SITUATIE", style="subtitle").add(head - 1, 4, "NIEUWE SITUATIE", style="subtitle")
    for col in (1, 4):
        c.add(head, col, "Jaar", style="header").add(head, col + 1, "Aantal klanten", style="header")
    for year in range(years + 1):
        row = first + year
        c.add(row, 1, year, kind="int", style="center")
        c.add(row, 2, f"=$B${r['start']}*(1+$B${r['new']}-$B${r['churn']})^A{row}", kind="int")
        c.add(row, 4, f"=A{row}", kind="int", style="center")
        c.add(row, 5, f"=$B${r['start']}*(1+$B${r['new']}-$B${r['churn_new']})^D{row}", kind="int")
    c.add(last + 1, 1, "% Nieuwe klanten", style="label").add(last + 1, 2, f"=B{r['new']}", kind="percent")
    c.add(last + 2, 1, "% Verloop", style="label").add(last + 2, 2, f"=B{r['churn']}", kind="percent")
    c.add(last + 1, 4, "% Nieuwe klanten", style="label").add(last + 1, 5, f"=B{r['new']}", kind="percent")
    c.add(last + 2, 4, "% Verloop", style="label").add(last + 2, 5, f"=B{r['churn_new']}", kind="percent")
    if inputs_used is not None:
        results = projection_results(inputs_used, years, warnings)
        for cell in c.cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.cached = results.get(f"{column_letter(cell.col)}{cell.row}")
    chart = ChartBlock(
        "line", "Aantal klanten: huidige en nieuwe situatie", anchor=f"G{head - 1}",
        series=[(2, head, last), (5, head, last)], categories=(1, first, last),
        x_title="Jaar", y_title="Aantal klanten", width_cm=17, height_cm=9,
    )
    legend = Cells()
    # Name the series after the situation, not after the shared header text.
    legend.add(head, 2, "Huidige situatie", style="header").add(head, 5, "Nieuwe situatie", style="header")
    c.cells = [cell for cell in c.cells if not (cell.row == head and cell.col in (2, 5))]
    return SheetSpec("Projectie", [c, legend, chart], widths={"A": 40, "B": 16, "C": 20, "D": 40, "E": 16, "F": 3},
                     page=page(reference_date, orientation="landscape", one_page=True))


# --------------------------------------------------------------------------- Overzicht


def customers_per_year(analysis) -> pd.DataFrame:
    """Per calendar year: customers in the base (first purchase in or before the year, last purchase
    in or after it) and new customers (first purchase in the year)."""
    own = getattr(analysis, "customers_per_year", None)
    if isinstance(own, pd.DataFrame):
        return own
    summary = analysis.summary
    first = pd.to_datetime(summary["Eerste aankoop"]).dt.year
    last = pd.to_datetime(summary["Laatste aankoop"]).dt.year
    valid = first.notna() & last.notna()
    first, last = first[valid].astype(int), last[valid].astype(int)
    new = first.value_counts()
    rows = []
    if len(first):
        for year in range(int(first.min()), int(last.max()) + 1):
            rows.append((str(year), int(((first <= year) & (last >= year)).sum()), int(new.get(year, 0))))
    return pd.DataFrame(rows, columns=["Jaar", "Klantenbestand", "Nieuwe klanten"])


#: Overzicht column widths (characters): KPIs in A:C, charts from E, all within about A1:N40.
OVERVIEW_WIDTHS = {"A": 40, "B": 17, "C": 44, "D": 2}
#: Explanation of the per-year table (it is not the status on the peildatum).
PER_YEAR_NOTE = ("Klantenbestand = klanten die in dat jaar klant waren: eerste aankoop in of voor dat jaar en laatste "
                 "aankoop in of na dat jaar. Nieuwe klanten = eerste aankoop in dat jaar.")


def overview_sheet(analysis) -> SheetSpec:
    """Overzicht, the first sheet: customers per status (fixed colours), the key figures each with a
    one-line explanation, and two charts, all within the first screen (about A1:N40)."""
    c = Cells()
    c.add(1, 1, "Overzicht klantenbestand", style="title")
    c.add(2, 1, f"Peildatum: {_date_text(analysis.reference_date)}", style="note")
    inputs = getattr(analysis, "inputs", None)
    if inputs:
        c.add(3, 1, analysis.inputs_sentence(), style="note")
    counts = analysis.status_counts()
    total = int(counts.sum())
    churn = analysis.churn_last_year
    gaps = analysis.gaps or {}
    thresholds = analysis.thresholds
    active = int(counts.get("Actief", 0) + counts.get("Nieuw", 0))

    status = pd.DataFrame({"Status": list(counts.index), "Klanten": counts.astype(int).to_numpy()})
    status_row = 5
    inactive_text, lost_text = _whole_days_text(analysis.inactive_days), _whole_days_text(analysis.lost_days)
    together = f" Nieuw + Actief = de {format_count(active, 'actieve klant', 'actieve klanten')}."
    status_notes = {
        "Nieuw": f"Actief, met de eerste aankoop hooguit {inactive_text} dagen geleden.",
        "Actief": f"Laatste activiteit hooguit {inactive_text} dagen geleden, klant van daarvoor.{together}",
        "Inactief": f"Slapend: meer dan {inactive_text} en hooguit {lost_text} dagen geen activiteit; nog terug te "
                    "winnen (zie Winback).",
        "Verloren": f"Meer dan {lost_text} dagen geen activiteit: oud-klant.",
    }
    status["Toelichting"] = [
        f"{format_number(100 * n / max(total, 1))}% van de klanten. {status_notes.get(name, '')}"
        for name, n in zip(status["Status"], status["Klanten"])]
    status_block = TableBlock("Overzicht_Status", status, row=status_row, col=1, title=None,
                              value_colours=dict(STATUS_FILLS), kinds={"Toelichting": "text"},
                              wrap=("Toelichting",))
    heights = {}
    for i, note in enumerate(status["Toelichting"]):
        height = wrapped_height(note, OVERVIEW_WIDTHS["C"])
        if height:
            heights[status_row + 1 + i] = height

    revenue = _finite(getattr(analysis, "revenue_last_year", None))
    kpis = [
        ("Klanten totaal", total, "int", "Iedereen die op of voor de peildatum iets kocht of retourneerde."),
    ]
    if revenue is not None:
        kpis.append(("Omzet laatste 12 maanden", revenue, "money",
                     "Som van de bedragen in het jaar tot en met de peildatum; retouren tellen negatief."))
        if active:
            kpis.append(("Omzet (12 mnd) per actieve klant", revenue / active, "money",
                         "Alle omzet van de laatste 12 maanden, ook van wie nu inactief is, gedeeld door de "
                         f"{format_count(active, 'actieve klant', 'actieve klanten')} (Nieuw + Actief)."))
    kpis += [
        ("Herhaalaankoopratio", _finite(analysis.repeat_rate), "percent",
         "Deel van de klanten dat twee keer of vaker kocht."),
        ("Tijd tussen aankopen, gemiddeld (dagen)", _finite(gaps.get("gemiddelde")), "days",
         "Gemiddeld aantal dagen tussen twee opeenvolgende aankopen van dezelfde klant."),
        ("Tijd tussen aankopen, mediaan (dagen)", _finite(gaps.get("mediaan")), "days",
         "De helft van de herhaalaankopen komt binnen zoveel dagen."),
    ]
    if churn is not None:
        kpis += [
            ("Verloop laatste jaar", _finite(churn.churn), "percent",
             f"Van de {format_count(churn.active_at_start, 'klant', 'klanten')} die op {_date_text(churn.start)} "
             "actief waren, het deel dat nu niet meer actief is."),
            ("Behoud laatste jaar", _finite(churn.retention), "percent", "1 − verloop: het deel dat actief bleef."),
            ("Nieuwe klanten laatste jaar", int(churn.new_customers), "int",
             f"Eerste aankoop na {_date_text(churn.start)} tot en met {_date_text(churn.end)}."),
        ]
    derived = analysis.thresholds_derived
    kpis += [
        ("Drempel inactief (dagen)", _finite(analysis.inactive_days), "days",
         thresholds.inactive_sentence if derived.inactive else "Ingesteld op het blad Instellingen."),
        ("Drempel verloren (dagen)", _finite(analysis.lost_days), "days",
         thresholds.lost_sentence if derived.lost else "Ingesteld op het blad Instellingen."),
    ]
    buyers = _finite(getattr(analysis, "expected_buyers_next_year", None))
    if buyers is not None:
        kpis.append(("Verwacht aantal kopers komend jaar", round(buyers), "int",
                     "Volgens het klantmodel (gewijzigd BG/NBD): klanten die komend jaar minstens één keer kopen."))
    projection = getattr(analysis, "projection_inputs", {}) or {}
    if "verdubbelingstijd_jaren" in projection:
        doubling = _finite(projection["verdubbelingstijd_jaren"])
        kpis.append(("Verdubbelingstijd (jaren)", doubling if doubling is not None else "groeit niet", "number",
                     "Bij het huidige aantal nieuwe klanten en verloop, bij de laatste vernieuwing. Projectie "
                     "rekent meteen met wat je op Instellingen verandert, dit blad na 'Vernieuw analyse'."))
    header = status_row + len(status) + 2
    c.add(header, 1, "Kengetal", style="header").add(header, 2, "Waarde", style="header")
    c.add(header, 3, "Toelichting", style="header")
    note_width = OVERVIEW_WIDTHS["C"]
    row = header
    for label, value, kind, note in kpis:
        row += 1
        c.add(row, 1, label, style="label").add(row, 2, value, kind=kind, style="kpi")
        if note:
            c.add(row, 3, note, style="notewrap")
            height = wrapped_height(note, note_width)
            if height:
                heights[row] = height
    row += 2
    warnings = [*getattr(analysis, "projection_warnings", []), *(getattr(analysis, "messages", []) or [])]
    for message in dict.fromkeys(warnings):
        c.add(row, 1, "Let op", style="warning").add(row, 3, message, style="notewrap")
        height = wrapped_height(message, note_width)
        if height:
            heights[row] = height
        row += 1

    per_year = customers_per_year(analysis)
    year_row = row + 2
    c.add(year_row - 1, 1, "Klanten per jaar", style="subtitle")
    c.add(year_row - 1, 3, PER_YEAR_NOTE, style="notewrap")
    heights[year_row - 1] = wrapped_height(PER_YEAR_NOTE, note_width) or 15
    per_year, year_kind = years_as_numbers(per_year, "Jaar")
    year_block = TableBlock("Overzicht_PerJaar", per_year, row=year_row, col=1, kinds={"Jaar": year_kind})
    years = max(len(per_year), 1)
    charts = [
        ChartBlock("col", "Klanten per status", anchor="E5",
                   series=[(2, status_row, status_row + len(status))],
                   categories=(1, status_row + 1, status_row + len(status)),
                   y_title="Klanten", width_cm=15, height_cm=7,
                   point_colours=tuple(STATUS_COLOURS.get(name, "1F4E78") for name in status["Status"])),
        ChartBlock("col", "Klanten per jaar: klantenbestand en nieuwe klanten", anchor="E20",
                   series=[(2, year_row, year_row + years), (3, year_row, year_row + years)],
                   categories=(1, year_row + 1, year_row + years),
                   x_title="Jaar", y_title="Klanten", width_cm=15, height_cm=7.5,
                   series_colours=("1F4E78", "9DC3E6")),
    ]
    return SheetSpec("Overzicht", [c, status_block, year_block, *charts], widths=dict(OVERVIEW_WIDTHS),
                     heights=heights, active_cell="A1",
                     page=page(analysis.reference_date, orientation="landscape", one_page=True))


# --------------------------------------------------------------------------- Inlezen


def _reading_value(part: str, value):
    """A value of the Inlezen summary as the user reads it: '12.272', '€ 1.153.580,70'."""
    if isinstance(value, str) or value is None:
        return value
    if part == "Netto omzet":
        return f"€ {format_number(float(value), 2)}"
    return format_number(value)


def reading_sheet(report) -> SheetSpec:
    """Inlezen: how the export was read (:class:`klant_xl.exports.ReadingReport`), in Dutch."""
    tables = report.tables()
    cells = Cells().add(1, 1, "Inlezen: hoe de export is gelezen", style="title")
    cells.add(2, 1, "Welke kolom wat werd en waarom, hoeveel regels en bestellingen, en welke regels niet meetellen. "
                    "Kies zelf kolommen of statussen op Instellingen ('Kolomkeuze', 'Statussen die als verkoop tellen') "
                    "of met klant-xl analyse --kolom / --status-telt.", style="note")
    blocks = [cells]
    row = 4
    for name, title, key in (("Inlezen_Samenvatting", "Samenvatting", "samenvatting"),
                             ("Inlezen_Kolommen", "Gebruikte kolommen", "kolommen"),
                             ("Inlezen_Overgeslagen", "Overgeslagen regels", "overgeslagen"),
                             ("Inlezen_Meldingen", "Meldingen", "meldingen")):
        frame = tables[key]
        if key == "samenvatting":  # one column of counts, a name and an amount: shown as Dutch text
            frame = frame.assign(Waarde=[_reading_value(part, value)
                                         for part, value in zip(frame["Onderdeel"], frame["Waarde"])])
        if not len(frame):
            frame = pd.DataFrame({c: ["—"] for c in frame.columns})
        kinds = {c: "text" for c in frame.columns}
        if key == "overgeslagen":
            kinds["Regels"] = "int"
        blocks.append(TableBlock(name, frame.astype(object), row=row + 1, col=1, title=title, kinds=kinds))
        row += len(frame) + 4
    return SheetSpec("Inlezen", blocks, widths={"A": 28, "B": 40, "C": 40})


def _used_inputs(analysis) -> dict | None:
    """The projection inputs the analysis used (what the Projectie formulas compute from Instellingen)."""
    inputs = getattr(analysis, "projection_inputs", None)
    try:
        used = {"start": inputs["start"], "new": inputs["nieuw_pct"], "churn": inputs["verloop_pct"],
                "winback": inputs["terugwin_pct"]}
    except (KeyError, TypeError):
        return None
    return used if all(_finite(v) is not None for v in used.values()) else None


def output_sheets(analysis, typed_as_text=()) -> list[SheetSpec]:
    """All sheets a refresh rewrites, in :data:`OUTPUT_SHEETS` order (``Inlezen`` when the reading is known)."""
    years = int(getattr(analysis.settings, "projection_years", 10) or 10)
    sheets = [
        customers_sheet(analysis),
        segments_sheet(analysis),
        winback_sheet(analysis),
        projection_sheet(measured_projection_inputs(analysis), years, analysis.reference_date,
                         getattr(analysis, "projection_warnings", ()),
                         {f: getattr(analysis.settings, f) for f in typed_as_text},
                         inputs_used=_used_inputs(analysis)),
        overview_sheet(analysis),
    ]
    if getattr(analysis, "reading", None) is not None:
        sheets.append(reading_sheet(analysis.reading))
    return sheets
