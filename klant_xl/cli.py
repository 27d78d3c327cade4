"""The ``klant-xl`` command line (Dutch subcommands, SPEC §7).

A thin shell: it reads arguments and files, calls the core, and prints. Exit
codes: 0 success, 1 bad input or a workbook that cannot be processed (with a
Dutch message on stderr), 2 wrong use of the command (argparse).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from klant_xl import __version__, query_cache
from klant_xl.analysis import Analysis, analyse, load_models_beside
from klant_xl.errors import KlantXLError
from klant_xl.formatting import format_count, format_date, format_number, format_percent
from klant_xl.projection import cumulative_loss, doubling_time, project_customers, projection_warnings
from klant_xl.settings import DEFAULTS, SCHEMA, Setting, Settings

__all__ = ["main"]

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2


class _DutchParser(argparse.ArgumentParser):
    """argparse with its few fixed English phrases in Dutch, and Dutch negative numbers taken as values.

    argparse takes a word after an option for its value only when it looks like a negative
    number in its own sense (``-10``, ``-0.5``); ``--nieuw -10%`` or ``-0,5`` then read as an
    unknown option and the message said a value was missing. Any word that starts with a minus
    and a digit (or a decimal separator and a digit) is a value here, so the option's own check
    says what is wrong with it. No option of klant-xl starts with a digit.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-[.,]?\d")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "gebruik:")

    def format_help(self) -> str:
        return (
            super()
            .format_help()
            .replace("usage:", "gebruik:")
            .replace("positional arguments:", "argumenten:")
            .replace("options:", "opties:")
            .replace("show this help message and exit", "toon deze hulp en stop")
        )

    def error(self, message: str):
        message = (
            message.replace("the following arguments are required", "deze argumenten ontbreken")
            .replace("unrecognized arguments", "onbekende argumenten")
            .replace("invalid choice", "ongeldige keuze")
            .replace("expected one argument", "verwacht een waarde")
            .replace("expected at least one argument", "verwacht minstens één waarde")
            .replace("invalid int value", "geen geheel getal")
            .replace("(choose from ", "(kies uit ")
            .replace("ambiguous option", "dubbelzinnige optie")
            .replace("could match", "kan zijn")
            .replace("not allowed with argument", "gaat niet samen met argument")
        )
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {message}\n")


@contextmanager
def _progress(console: Console, total: int):
    """A progress bar over the steps of long work (hidden when stderr is no terminal)."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("Bezig…", total=total)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        yield step


def _value_argument(parse_value: Callable[[str], float]) -> Callable[[str], float]:
    """argparse type: ``parse_value(text)``, its Dutch message as argparse's error."""
    def parse(text: str) -> float:
        try:
            return parse_value(text)
        except KlantXLError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    return parse


def _percent_argument(name: str, maximum: float | None = 1.0) -> Callable[[str], float]:
    """argparse type for a percentage: "30%", "30" and "0,3" are the same."""
    def parse_value(text: str) -> float:
        from klant_xl.values import parse_fraction

        return parse_fraction(text, name, maximum=maximum)

    return _value_argument(parse_value)


def _number_argument(name: str, minimum: float | None = None) -> Callable[[str], float]:
    """argparse type for a number typed as in a cell: "1.000" is a thousand, "7,5" seven and a half."""
    def parse_value(text: str) -> float:
        from klant_xl.values import parse_number

        return parse_number(text, name, minimum=minimum)

    return _value_argument(parse_value)


def _years_ahead(text: str) -> int:
    """Years of a projection: a whole number from 0 to 200, refused as the option's value like any other."""
    from klant_xl.errors import WaardeFout

    try:
        years = int(text.strip())
    except ValueError:
        raise WaardeFout("Aantal jaren", None, text, "geen geheel getal") from None
    if not 0 <= years <= 200:
        raise WaardeFout("Aantal jaren", None, text, "geen geheel getal van 0 tot 200")
    return years


_years_ahead_argument = _value_argument(_years_ahead)


def date_argument(text: str) -> pd.Timestamp:
    """argparse type for a peildatum argument (Dutch message on bad input)."""
    from klant_xl.values import parse_date

    try:
        value = parse_date(text, "peildatum")
    except KlantXLError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if value is None:
        raise argparse.ArgumentTypeError("peildatum is leeg")
    return value


def _print_analysis(console: Console, result: Analysis, title: str) -> None:
    console.print(f"[bold]{title}[/bold]")
    console.print(f"Peildatum: {format_date(result.reference_date)}   Klanten: {format_number(len(result.summary))}")
    if result.inputs:
        console.print(result.inputs_sentence())
    console.print()

    table = Table(title="Klanten per status", title_justify="left")
    table.add_column("Status")
    table.add_column("Klanten", justify="right")
    table.add_column("Aandeel", justify="right")
    counts = result.status_counts()
    for status, count in counts.items():
        table.add_row(status, format_number(count), format_percent(count / max(counts.sum(), 1)))
    console.print(table)

    console.print(f"Herhaalaankoopratio: {format_percent(result.repeat_rate)} van de klanten kocht twee keer of vaker.")
    if result.gaps:
        gaps = result.gaps
        console.print(
            f"Tijd tussen aankopen: gemiddeld {format_number(gaps['gemiddelde'])} dagen, "
            f"mediaan {format_number(gaps['mediaan'])} dagen "
            f"(25% binnen {format_number(gaps['p25'])}, 75% binnen {format_number(gaps['p75'])}, "
            f"90% binnen {format_number(gaps['p90'])} dagen; {format_count(gaps['aantal'], 'tussenpoos', 'tussenpozen')})."
        )
    derived = result.thresholds_derived

    def origin(flag: bool, given) -> str:
        if flag:
            return "afgeleid uit de gegevens"
        return "ingesteld" if given is not None else "standaard: te weinig gegevens om af te leiden"

    console.print(
        f"Drempels: inactief na {format_number(result.inactive_days)} dagen "
        f"({origin(derived.inactive, result.settings.inactive_days)}), "
        f"verloren na {format_number(result.lost_days)} dagen ({origin(derived.lost, result.settings.lost_days)})."
    )
    if result.thresholds is not None:
        if derived.inactive:
            console.print(f"  • {result.thresholds.inactive_sentence}")
        if derived.lost:
            console.print(f"  • {result.thresholds.lost_sentence}")
        console.print(
            f"  • Ongeveer {format_percent(result.thresholds.return_share, 0)} van de aankopen krijgt ooit een vervolg."
        )
    churn = result.churn_last_year
    if churn is not None:
        console.print(
            f"Verloop laatste jaar ({format_date(churn.start)} – {format_date(churn.end)}): "
            f"{format_percent(churn.churn)} van de {format_count(churn.active_at_start, 'actieve klant', 'actieve klanten')} is niet meer actief "
            f"(behoud {format_percent(churn.retention)}); nieuwe klanten: {format_number(churn.new_customers)} "
            f"({format_percent(churn.new_share)})."
        )
    counts = result.segment_counts
    if counts:
        pareto = counts["pareto"]["aandeel_omzet"]
        if pareto is not None:
            console.print(
                f"Pareto: de beste {format_percent(counts['pareto']['aandeel_klanten'], 0)} van de klanten brengt "
                f"{format_percent(pareto, 0)} van de omzet."
            )
        segment_text = ", ".join(f"{name} {format_number(n)}" for name, n in counts["rfm_segmenten"].items() if n)
        console.print(f"RFM-segmenten: {segment_text}.")
    if result.predictions is not None:
        attrs = result.predictions.attrs
        console.print(
            f"Voorspelling met het {attrs.get('model_name')}: naar verwachting kopen "
            f"{format_number(result.expected_buyers_next_year)} klanten komend jaar; gemiddelde kans actief "
            f"{format_percent(float(result.predictions['Kans actief'].mean()), 0)}; klantwaarde (CLV, "
            f"{result.settings.clv_horizon_months} maanden, marge {format_percent(result.settings.margin, 0)}) samen "
            f"€ {format_number(float(result.predictions['CLV'].sum()))}."
        )
    if result.cohort_projection is not None and len(result.cohort_projection):
        last = result.settings.projection_years - 1
        parts = [
            f"{row['Cohort']}: {format_percent(row[last], 0)}" for _, row in result.cohort_projection.iterrows()
        ]
        console.print(
            f"Cohortbehoud (sBG-model, verloop daalt met de tijd): na {last + 1} jaar nog actief — " + ", ".join(parts) + "."
        )
    console.print()
    _print_projection(console, result.projection, result.projection_inputs, result.projection_warnings)
    for message in result.messages:
        console.print(f"[yellow]Let op:[/yellow] {message}")


def _print_projection(console: Console, projection: pd.DataFrame, inputs: dict, warnings=()) -> None:
    for warning in warnings:
        console.print(f"[bold yellow]Let op:[/bold yellow] {warning}")
    winback = inputs.get("terugwin_pct", 0.0)
    table = Table(
        title=(
            f"Projectie: start {format_count(inputs['start'], 'klant', 'klanten')}, nieuw {format_percent(inputs['nieuw_pct'])}, "
            f"verloop {format_percent(inputs['verloop_pct'])}"
        ),
        title_justify="left",
    )
    table.add_column("Jaar", justify="right")
    columns = [c for c in projection.columns if c != "Jaar"]
    for column in columns:
        label = column
        if column == "Nieuwe situatie":
            label = f"Nieuwe situatie ({format_percent(winback)} teruggewonnen)"
        table.add_column(label, justify="right")
    for _, row in projection.iterrows():
        table.add_row(str(int(row["Jaar"])), *(format_number(row[c]) for c in columns))
    console.print(table)
    doubling = inputs.get("verdubbelingstijd_jaren")
    if doubling is not None:
        text = "groeit niet" if doubling == float("inf") else f"{format_number(doubling, 2)} jaar"
        console.print(f"Verdubbelingstijd: {text}.")
    if "cumulatief_verlies_3_jaar" in inputs:
        console.print(
            f"Cumulatief verlies: na 3 jaar ben je {format_percent(inputs['cumulatief_verlies_3_jaar'], 0)} "
            "van je huidige klanten kwijt."
        )


def _setting_argument(setting: Setting) -> Callable[[str], object]:
    """argparse type of a setting's option: parsed as the Instellingen cell is (Dutch message on bad input)."""
    def parse(text: str):
        try:
            return setting.parse(text)
        except KlantXLError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    return parse


def _settings_from(args) -> Settings:
    """The settings of the options given (the schema's entries with an option); the rest stay default."""
    changes = {}
    for setting in SCHEMA:
        if setting.option:
            value = getattr(args, setting.option.lstrip("-").replace("-", "_"), None)
            if value is not None:
                changes[setting.field] = value
    return DEFAULTS.with_(**changes)


def _cmd_demo(args, console: Console, err: Console) -> int:
    from klant_xl.sample import sample_contacts, sample_transactions

    with _progress(err, 3) as step:
        step("Voorbeeldgegevens lezen…")
        transactions, contacts = sample_transactions(), sample_contacts()
        step("Analyseren…")
        result = analyse(transactions, contacts, _settings_from(args))
        step("Klaar")
    if args.json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        _print_analysis(console, result, "Klantanalyse van de voorbeeldwinkel 'Schoenen Van Dijk'")
    return EXIT_OK


def read_export_file(path, args, reference_date=None, contacts=None, *, as_frame: bool = False):
    """Read a file as the command line asks (``--kolom``, ``--status-telt``); today's date is the shell's.

    An export (CSV, XLSX) gives a frame, a Parquet file or a plain CSV file (unless ``as_frame``)
    an engine DuckDB scans; both with the reading report.
    """
    from klant_xl.exports import parse_column_choices
    from klant_xl.sources import open_transaction_file

    statuses = getattr(args, "status_telt", None)
    return open_transaction_file(
        path, columns=parse_column_choices(getattr(args, "kolom", None) or []),
        counted_statuses=None if statuses is None else [s for s in statuses.split(",") if s.strip()],
        reference_date=reference_date, contacts=contacts, today=pd.Timestamp.today().normalize(), as_frame=as_frame,
    )


def _source_name(args) -> str:
    return f"{args.tabel} ({args.bron})" if getattr(args, "bron", None) else args.bestand


def _open_transactions(args, contacts=None):
    """The transactions the command line names, with the reading report (None where no export is read).

    An export file (CSV, XLSX) goes through the export reader, so orders, statuses, guests and
    identity are read as ``Je export inlezen`` describes and the report says what was read; a
    Parquet file is scanned by DuckDB; a table behind ``--bron URL --tabel NAAM`` is computed by
    its database.
    """
    from klant_xl.sources import database_table

    if getattr(args, "bron", None):
        return database_table(args.bron, args.tabel), None
    return read_export_file(args.bestand, args, getattr(args, "peildatum", None), contacts)


def _read_contacts_file(path):
    """The contact moments of ``--contactmomenten``; a bad value names that file, not the export's row."""
    from klant_xl.errors import WaardeFout, placed
    from klant_xl.reading import read_contacts

    try:
        return read_contacts(path)
    except WaardeFout as exc:
        raise placed(exc, f"Contactmomenten '{Path(path).name}'") from None


def _analyse_file(args, err: Console) -> Analysis:
    """Read the export named on the command line (and its contacts) and analyse it, with progress."""
    load_models_beside()  # scipy loads while the file is read
    with _progress(err, 3) as step:
        step(f"{_source_name(args)} lezen…")
        contacts = _read_contacts_file(args.contactmomenten) if args.contactmomenten else None
        transactions, report = _open_transactions(args, contacts)
        step("Analyseren…")
        result = analyse(transactions, contacts, _settings_from(args), reading=report)
        step("Klaar")
    return result


def _print_reading(console: Console, report) -> None:
    console.print("[bold]Inlezen[/bold]")
    for line in report.lines():
        console.print(f"  {line}")
    console.print()


def _write_customers(result: Analysis, path: str) -> None:
    """The full Klanten table (also beyond Excel's 1,048,575 rows) as Parquet or CSV, written atomically."""
    from klant_xl.excel.files import write_table_file

    write_table_file(result.customer_table(), path)


def _refuse_customers_output(args) -> None:
    """``--klanten PAD`` is checked before any work: a .parquet or .csv name, never one of the command's
    own inputs (it replaced the export it read), an existing file only with --overschrijven."""
    from klant_xl.errors import InvoerFout
    from klant_xl.excel.files import refuse_existing

    output = Path(args.klanten)
    if getattr(args, "werkmap", None):
        raise InvoerFout("--klanten hoort bij analyse zonder -o: met -o staat de klantentabel op het blad Klanten "
                         "(en bij te veel klanten voor Excel in zijn geheel naast de werkmap).")
    if output.suffix.lower() not in (".parquet", ".csv"):
        raise InvoerFout(f"Klantentabel '{output.name}': kies een bestandsnaam op .parquet of .csv.")
    for given in (args.bestand, args.contactmomenten):
        if given and output.exists() and Path(given).exists() and output.samefile(given):
            raise InvoerFout(f"'{output}' is ook het bestand dat je inleest; de klantentabel komt daar niet "
                             "overheen. Kies een andere naam bij --klanten.")
    refuse_existing(output, getattr(args, "overschrijven", False))


def _cmd_analyse(args, console: Console, err: Console) -> int:
    if bool(args.bron) == bool(args.bestand) or bool(args.bron) != bool(args.tabel):
        err.print("Geef een bestand, of --bron URL met --tabel NAAM (niet allebei).")
        return EXIT_USAGE
    if args.klanten:
        _refuse_customers_output(args)
    if getattr(args, "werkmap", None):
        if args.bron:
            err.print("Een database kan niet in de werkmap; gebruik 'klant-xl analyse --bron … --tabel …' zonder -o.")
            return EXIT_USAGE
        return _cmd_analyse_to_workbook(args, console, err)
    result = _analyse_file(args, err)
    if args.klanten:
        _write_customers(result, args.klanten)
        err.print(f"Klantentabel geschreven: {args.klanten} ({format_count(len(result.summary), 'klant', 'klanten')})")
    if args.json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        if result.reading is not None:
            _print_reading(console, result.reading)
        _print_analysis(console, result, f"Klantanalyse van {_source_name(args)}")
    return EXIT_OK


def _cmd_projectie(args, console: Console, err: Console) -> int:
    current = project_customers(args.start, args.nieuw, args.verloop, args.jaren)
    projection = pd.DataFrame({"Jaar": current["Jaar"], "Huidige situatie": current["Aantal klanten"]})
    inputs = {
        "start": args.start,
        "nieuw_pct": args.nieuw,
        "verloop_pct": args.verloop,
        "verdubbelingstijd_jaren": doubling_time(args.nieuw, args.verloop),
        "cumulatief_verlies_3_jaar": cumulative_loss(args.verloop, 3),
    }
    if args.terugwin is not None:
        projection["Nieuwe situatie"] = project_customers(
            args.start, args.nieuw, args.verloop, args.jaren, args.terugwin
        )["Aantal klanten"]
        inputs["terugwin_pct"] = args.terugwin
        inputs["verloop_na_terugwinnen_pct"] = args.verloop * (1 - args.terugwin)
        inputs["verdubbelingstijd_nieuwe_situatie_jaren"] = doubling_time(
            args.nieuw, args.verloop * (1 - args.terugwin)
        )
    warnings = projection_warnings(args.nieuw, args.verloop)
    if args.json:
        from klant_xl.analysis import json_safe

        payload = {
            **inputs,
            "jaren": projection["Jaar"].tolist(),
            **{
                column.lower().replace(" ", "_"): projection[column].round().astype(int).tolist()
                for column in projection.columns
                if column != "Jaar"
            },
        }
        payload["waarschuwingen"] = warnings
        console.print_json(json.dumps(json_safe(payload)))
    else:
        _print_projection(console, projection, inputs, warnings)
    return EXIT_OK


def _refuse_mailing_output(args) -> None:
    """The mailing list never replaces one of its own inputs, nor an existing file unless asked; it is a CSV."""
    from klant_xl.errors import InvoerFout
    from klant_xl.excel.files import refuse_existing

    output = Path(args.uitvoer)
    if output.suffix.lower() != ".csv":
        raise InvoerFout(f"De mailinglijst is een CSV-bestand: geef bij -o een naam die op .csv eindigt, "
                         f"niet '{output.name}'.")
    for given in (args.bestand, args.contactmomenten):
        if given and output.exists() and Path(given).exists() and output.samefile(given):
            raise InvoerFout(f"'{output}' is ook het bestand dat je inleest; de mailinglijst komt daar niet "
                             "overheen. Kies een andere naam bij -o.")
    if args.aantal is not None and args.aantal < 1:
        raise InvoerFout(f"--aantal is het aantal klanten op de lijst: minstens 1, niet {args.aantal}.")
    if args.aantal is not None and args.soort != "winback":
        raise InvoerFout("--aantal hoort bij --soort winback (de uitsluitlijst bevat altijd alle inactieve "
                         "en verloren klanten).")
    refuse_existing(output, args.overschrijven)


def _cmd_mailinglijst(args, console: Console, err: Console) -> int:
    from klant_xl.excel.files import atomic_write
    from klant_xl.mailing import exclusion_list, leave_out_opted_out, write_mailing_csv

    _refuse_mailing_output(args)
    result = _analyse_file(args, err)
    left_out = 0
    if args.soort == "winback":
        frame, left_out = leave_out_opted_out(result.winback(), limit=args.aantal)
        description = "win-backdoelgroep (inactieve klanten, meest recente eerst)"
    else:
        frame = exclusion_list(result.summary, result.status, contact_details=result.contact_details)
        description = "uitsluitlijst (inactieve en verloren klanten niet meer in reguliere campagnes)"
    if result.reading is not None:  # what was read, skipped or doubted: a list is only as good as its export
        _print_reading(console, result.reading)
    path = Path(args.uitvoer)
    atomic_write(path, lambda temporary: write_mailing_csv(frame, temporary))
    console.print(
        f"{format_count(len(frame), 'klant', 'klanten')} in de {description} geschreven naar {path} "
        f"(peildatum {format_date(result.reference_date)})."
    )
    if left_out:
        console.print(f"{format_count(left_out, 'klant', 'klanten')} weggelaten: "
                      f"{'die wil' if left_out == 1 else 'zij willen'} geen marketing (nieuwsbrief uit).")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``klant-xl`` (Dutch help)."""
    parser = _DutchParser(
        prog="klant-xl",
        description="Klantanalyse: hoe groot is je klantenbestand echt? Actieve, slapende en verloren klanten, "
        "verloop en projectie.",
    )
    parser.add_argument("--versie", action="version", version=f"klant-xl {__version__}", help="toon de versie")
    commands = parser.add_subparsers(dest="opdracht", metavar="OPDRACHT", parser_class=_DutchParser)
    commands.required = True

    def analysis_options(sub):
        for setting in SCHEMA:  # the settings that have an option (one schema: klant_xl.settings)
            if setting.option:
                sub.add_argument(setting.option, type=_setting_argument(setting), metavar=setting.metavar,
                                 help=setting.option_help)
        sub.add_argument("--json", action="store_true", help="resultaat als JSON")

    def reading_options(sub):
        sub.add_argument("--kolom", action="append", metavar="ROL=KOLOM",
                         help="kies zelf welke kolom wat is, bv. --kolom Klant=E-mail (herhaalbaar; ROL= negeert)")
        sub.add_argument("--status-telt", metavar="STATUSSEN",
                         help="statussen die als verkoop tellen, bv. \"paid,partially_refunded\" (standaard: betaald/voltooid)")

    demo = commands.add_parser("demo", help="analyseer de meegeleverde voorbeeldwinkel")
    analysis_options(demo)
    demo.set_defaults(handler=_cmd_demo)

    analyse_cmd = commands.add_parser("analyse", help="analyseer een export (CSV, XLSX of Parquet) of een databasetabel")
    analyse_cmd.add_argument("bestand", metavar="BESTAND", nargs="?",
                             help="transacties: CSV, XLSX of Parquet met klant, datum en bedrag")
    analyse_cmd.add_argument("--bron", metavar="URL",
                             help="in plaats van een bestand: een database, bv. duckdb://winkel.duckdb of postgres://…")
    analyse_cmd.add_argument("--tabel", metavar="NAAM", help="met --bron: de tabel met transacties")
    analyse_cmd.add_argument("--klanten", metavar="PAD",
                             help="schrijf de volledige klantentabel (alle klanten) als .parquet of .csv")
    analyse_cmd.add_argument("--contactmomenten", metavar="BESTAND", help="optioneel: contactmomenten (klant, datum, soort)")
    analysis_options(analyse_cmd)
    reading_options(analyse_cmd)
    analyse_cmd.set_defaults(handler=_cmd_analyse)

    mailing = commands.add_parser(
        "mailinglijst", help="CSV voor je mailprogramma: slapers uitsluiten of de win-backdoelgroep"
    )
    mailing.add_argument("bestand", metavar="BESTAND", help="transacties: CSV, XLSX of de werkmap")
    mailing.add_argument("-o", "--uitvoer", required=True, metavar="CSV", help="het CSV-bestand dat geschreven wordt")
    mailing.add_argument(
        "--soort", choices=["uitsluiten", "winback"], default="uitsluiten",
        help="uitsluiten: inactieve en verloren klanten (standaard); winback: de inactieve klanten om te benaderen",
    )
    mailing.add_argument("--aantal", type=int, metavar="N", help="met --soort winback: alleen de N meest recente")
    mailing.add_argument("--contactmomenten", metavar="BESTAND", help="optioneel: contactmomenten (klant, datum, soort)")
    mailing.add_argument("--overschrijven", action="store_true", help=_OVERWRITE_HELP)
    analysis_options(mailing)
    reading_options(mailing)
    mailing.set_defaults(handler=_cmd_mailinglijst)

    projectie = commands.add_parser("projectie", help="projectie van het klantenbestand (huidige en nieuwe situatie)")
    projectie.add_argument("--start", type=_number_argument("Aantal klanten nu", minimum=0), required=True, metavar="N",
                           help="aantal klanten nu, bv. 1.000 of 1000")
    projectie.add_argument("--nieuw", type=_percent_argument("Nieuwe klanten %", maximum=None), required=True, metavar="PCT", help="nieuwe klanten per jaar, bv. 40%%")
    projectie.add_argument("--verloop", type=_percent_argument("Verloop %"), required=True, metavar="PCT", help="verloop per jaar, bv. 30%%")
    projectie.add_argument("--jaren", type=_years_ahead_argument, default=10, metavar="N",
                           help="aantal jaren (standaard 10)")
    projectie.add_argument("--terugwin", type=_percent_argument("Terugwin %"), metavar="PCT", help="deel van de vertrekkers dat je terugwint, bv. 60%%")
    projectie.add_argument("--json", action="store_true", help="resultaat als JSON")
    projectie.set_defaults(handler=_cmd_projectie)
    _add_workbook_commands(commands, analyse_cmd)

    _add_opschonen(commands)
    return parser


def _years_argument(text: str) -> float:
    from klant_xl.values import parse_number
    from klant_xl.retention import retention_cutoff

    try:
        years = parse_number(text, "Bewaartermijn", minimum=0)
        retention_cutoff("2000-01-01", years)
    except KlantXLError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return years


def _add_opschonen(commands) -> argparse.ArgumentParser:
    """``opschonen``: the GDPR purge of a workbook (:func:`klant_xl.excel.purge.purge_workbook`)."""
    sub = commands.add_parser(
        "opschonen",
        help="verwijder of pseudonimiseer klanten die langer dan de bewaartermijn verloren zijn",
        description="Verwijdert (of pseudonimiseert) overal in de werkmap de klanten die verloren zijn en "
        "waarvan de laatste activiteit ouder is dan de bewaartermijn. Toont eerst wat er gebeurt en vraagt "
        "om bevestiging; maakt eerst een reservekopie.",
    )
    sub.add_argument("werkmap", metavar="WERKMAP", help="de werkmap (.xlsx of .xlsm); sluit hem eerst in Excel")
    sub.add_argument("--bewaartermijn", type=_years_argument, required=True, metavar="JAREN",
                     help="bewaartermijn in jaren, bv. 7")
    sub.add_argument("--pseudonimiseren", action="store_true",
                     help="vervang klantnummers door een pseudoniem en wis persoonsgegevens in plaats van verwijderen")
    sub.add_argument("--peildatum", type=date_argument, metavar="JJJJ-MM-DD",
                     help="peildatum (standaard die van de werkmap: Instellingen, anders de laatste datum)")
    sub.add_argument("--ja", action="store_true", help="niet vragen: meteen opschonen")
    sub.set_defaults(handler=_cmd_opschonen)
    return sub


def _ask(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("j", "ja", "y", "yes")


def _cmd_opschonen(args, console: Console, err: Console) -> int:
    from klant_xl.excel.purge import purge_workbook

    def confirm(message: str) -> bool:
        console.print(message, markup=False)
        if args.ja:
            return True
        return _ask("Doorgaan? [j/N] ")

    result = purge_workbook(args.werkmap, args.bewaartermijn,
                            mode="pseudonimiseren" if args.pseudonimiseren else "verwijderen", confirm=confirm,
                            reference_date=getattr(args, "peildatum", None))
    console.print(result.message, markup=False)
    return EXIT_OK


# --------------------------------------------------------------------------- workbook commands (klant_xl.excel)


def _refuse_workbook_name(path, kinds=(".xlsx", ".xlsm")) -> None:
    """A workbook is written only under a name Excel opens as one (an .xlsx named uit.csv opens as garbage)."""
    from klant_xl.errors import InvoerFout

    if Path(path).suffix.lower() not in kinds:
        raise InvoerFout(f"Een werkmap krijgt een naam die op {' of '.join(kinds)} eindigt, niet '{Path(path).name}'.")


def _cmd_analyse_to_workbook(args, console: Console, err: Console) -> int:
    from klant_xl.excel.files import refuse_existing
    from klant_xl.excel.layout import full_table_path
    from klant_xl.excel.template import analyse_to_workbook

    _refuse_workbook_name(args.werkmap)
    refuse_existing(args.werkmap, args.overschrijven)
    refuse_existing(full_table_path(Path(args.werkmap)), args.overschrijven)  # the full Klanten table beside it
    load_models_beside()  # scipy loads while the export is read
    with _progress(err, 7) as step:
        transactions, report = read_export_file(args.bestand, args, as_frame=True)  # the rows go on Transacties
        analyse_to_workbook(transactions, args.werkmap, contacts=args.contactmomenten,
                            settings=_settings_from(args), progress=step, reading=report, source_file=args.bestand)
    _print_reading(console, report)
    console.print(f"Werkmap geschreven: {args.werkmap}")

    _say_run_main_module(console, Path(args.werkmap))
    return EXIT_OK


def _cmd_sjabloon(args, console: Console, err: Console) -> int:
    from klant_xl.excel.files import refuse_existing

    if args.lite:
        from klant_xl.excel.lite_workbook import build_lite_workbook

        output = args.output or "klantanalyse-lite.xlsx"
        _refuse_workbook_name(output, (".xlsx",))  # Lite runs no macros
        refuse_existing(output, args.overschrijven)
        with _progress(err, 6) as step:
            build_lite_workbook(output, package=args.pakket, progress=step)
        console.print(f"Lite-werkmap geschreven: {output}. Open hem in Excel (Windows, Mac of web) met de gratis "
                      "invoegtoepassing xlwings Lite; Python is niet nodig.")
        return EXIT_OK
    from klant_xl.excel.template import build_template


    output = args.output or "klantanalyse.xlsm"
    _refuse_workbook_name(output)
    refuse_existing(output, args.overschrijven)
    with _progress(err, 6) as step:
        build_template(output, progress=step)
    console.print(f"Sjabloon geschreven: {output}")
    _say_run_main_module(console, Path(output))
    return EXIT_OK


def _say_run_main_module(console: Console, workbook) -> None:
    """Name the Run-main module written beside an .xlsm (or say why it was not)."""
    if workbook.suffix.lower() != ".xlsm":
        return
    module = workbook.with_suffix(".py")
    from klant_xl.excel.template import run_main_module_text

    if module.exists() and module.read_text(encoding="utf-8", errors="replace") == run_main_module_text(workbook):
        console.print(f"Module voor de knop 'Run main' ernaast: {module}")
    else:
        console.print(f"Let op: {module} bestond al met andere inhoud en is niet overschreven; 'Run main' start "
                      "die module.")


def _cmd_vernieuw(args, console: Console, err: Console) -> int:
    from klant_xl.excel.refresh import refresh_workbook

    with _progress(err, 6) as step:
        report = refresh_workbook(args.werkmap, progress=step)
    console.print(f"Vernieuwd: {args.werkmap} ({', '.join(report.sheets)}); peildatum "
                  f"{format_date(report.analysis.reference_date)}.")
    reading = getattr(report.analysis, "reading", None)
    for reason, info in (getattr(reading, "skipped", None) or {}).items():  # also on the sheet Inlezen
        examples = ", ".join(str(r) for r in info.get("voorbeelden", []))
        count = int(info.get("regels", 0))
        err.print(f"Let op: overgeslagen ({reason}): {count} {'regel' if count == 1 else 'regels'}"
                  + (f", bijvoorbeeld rij {examples}" if examples else "") + " (zie het blad Inlezen).")
    for message in getattr(reading, "messages", None) or []:
        err.print(f"Let op: {message}")
    return EXIT_OK


def _cmd_deel(args, console: Console, err: Console) -> int:
    if args.lite:
        from klant_xl.excel.lite_workbook import lite_share_copy

        out = lite_share_copy(args.werkmap, args.output, package=args.pakket, overwrite=args.overschrijven)
        console.print(f"Lite-kopie geschreven: {out} (formules van klant_xl zijn vaste waarden; met de gratis "
                      "invoegtoepassing xlwings Lite kan de ontvanger vernieuwen en de functies gebruiken).")
        return EXIT_OK
    from klant_xl.excel.share import share_copy

    out = share_copy(args.werkmap, args.output, overwrite=args.overschrijven)
    console.print(f"Kopie om te delen geschreven: {out} (formules van klant_xl zijn vaste waarden).")
    return EXIT_OK


def _cmd_addin(args, console: Console, err: Console) -> int:
    from klant_xl.excel.addin import install_addin

    target = install_addin()
    console.print(f"Invoegtoepassing geïnstalleerd: {target}. Start Excel opnieuw; je vindt de knop "
                  "'Vernieuw analyse' op de tab Klantanalyse.")
    return EXIT_OK


_OVERWRITE_HELP = "vervang een bestaand bestand (standaard weigert klant-xl dat)"


def _add_lite_options(parser, help_text: str) -> None:
    parser.add_argument("--lite", action="store_true", help=help_text)
    parser.add_argument("--pakket", metavar="VEREISTE",
                        help="met --lite: waar xlwings Lite klant-xl vandaan haalt (standaard klant-xl van PyPI in "
                             "deze versie; of de URL van een klant_xl-…-py3-none-any.whl)")


def _add_workbook_commands(commands, analyse_cmd) -> None:
    analyse_cmd.add_argument("-o", "--werkmap", metavar="WERKMAP",
                             help="schrijf een nieuwe, gevulde werkmap in plaats van af te drukken: .xlsm (met "
                                  "macro's, voor de knoppen) of .xlsx (zonder macro's)")
    analyse_cmd.add_argument("--overschrijven", action="store_true", help=_OVERWRITE_HELP)
    sjabloon = commands.add_parser("sjabloon", help="maak de sjabloonwerkmap met voorbeeldgegevens")
    sjabloon.add_argument("-o", "--output", metavar="PAD",
                          help="bestandsnaam: .xlsm (standaard klantanalyse.xlsm; met macro's en de module voor "
                               "'Run main' ernaast), .xlsx (zonder macro's); met --lite standaard klantanalyse-lite.xlsx")
    sjabloon.add_argument("--overschrijven", action="store_true", help=_OVERWRITE_HELP)
    _add_lite_options(sjabloon, "schrijf de Lite-werkmap voor xlwings Lite (Windows, Mac, web; geen Python nodig)")
    sjabloon.set_defaults(handler=_cmd_sjabloon)
    vernieuw = commands.add_parser("vernieuw", help="vernieuw de analyse in een werkmap (zonder Excel)")
    vernieuw.add_argument("werkmap", metavar="WERKMAP", help="de werkmap (.xlsm of .xlsx)")
    vernieuw.set_defaults(handler=_cmd_vernieuw)
    deel = commands.add_parser("deel", help="kopie zonder Python voor een adviseur: formules worden waarden")
    deel.add_argument("werkmap", metavar="WERKMAP", help="de werkmap")
    deel.add_argument("-o", "--output", metavar="KOPIE", help="bestandsnaam van de kopie")
    deel.add_argument("--overschrijven", action="store_true", help=_OVERWRITE_HELP)
    _add_lite_options(deel, "maak er een Lite-werkmap van: met xlwings Lite kan de ontvanger vernieuwen")
    deel.set_defaults(handler=_cmd_deel)
    addin = commands.add_parser("addin", help="installeer de Excel-invoegtoepassing met de knop 'Vernieuw analyse'")
    addin.set_defaults(handler=_cmd_addin)


def _tolerant_output() -> None:
    """A character the terminal's or file's encoding lacks is printed as '?', never a crash.

    Windows writes redirected output (``klant-xl analyse x.csv > rapport.txt``) in the ANSI code page
    (cp1252), which has no '←' or '•': the report stopped halfway with an encoding error.
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and encoding != "utf8":
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a closed or special stream: leave it as it is
                pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``klant-xl``; returns the exit code."""
    import signal
    import warnings

    from klant_xl.excel.boundary import message_for

    _tolerant_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)

    def stop(signum, frame):  # SIGTERM: unwind, so temporary files and the lock are cleaned up
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):  # not the main thread
        previous = None
    query_cache.load()  # the engine's SQL compiled by an earlier run: this run need not import Ibis
    try:
        with warnings.catch_warnings():
            # numeric noise (overflow on absurd amounts, empty slices) is no message for a user
            warnings.simplefilter("ignore", RuntimeWarning)
            return args.handler(args, console, err)
    except OSError as exc:
        err.print(Text.assemble(("Fout: ", "bold red"), f"bestand niet te lezen of te schrijven: "
                                                         f"{exc.strerror or exc}"
                                                         + (f" ({exc.filename})" if exc.filename else "")))
        return EXIT_INPUT
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the one error boundary of the CLI (also Rust panics)
        err.print(Text.assemble(("Fout: ", "bold red"), message_for(exc)))
        return EXIT_INPUT
    finally:
        query_cache.save()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
