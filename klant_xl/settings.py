"""Analysis settings: one declarative schema, and the :class:`Settings` dataclass made from it.

:data:`SCHEMA` holds one :class:`Setting` per setting: the dataclass field, the Excel
defined name of its cell on Instellingen, the Dutch label and help text, its kind,
the words its drop-down offers, the default, how a typed value is parsed (through
:mod:`klant_xl.values`, the one parser) and how a value is shown in a cell. Everything
that lists settings is generated from it:

- :class:`Settings` (a frozen dataclass, one field per entry, the entry's default);
- the template's Instellingen sheet (``klant_xl.excel.template.settings_sheet``);
- the refresh's (and Lite's) reading of Instellingen (:func:`settings_from_values`);
- the command-line options (``klant_xl.cli``: the entries with an ``option``).

Adding a setting is one entry here (then use it in :mod:`klant_xl.analysis`). ``None``
as a value means "automatisch": the peildatum becomes the last date in the data,
thresholds are derived from the data (Kaplan–Meier, SPEC §3), projection inputs are
measured.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

import pandas as pd

from klant_xl.headers import parse_column_choices
from klant_xl.values import (
    AUTO_WORDS,
    is_blank,
    parse_date,
    parse_days,
    parse_fraction,
    parse_fractions,
    parse_number,
    parse_yes_no,
)

__all__ = [
    "DEFAULTS",
    "KINDS",
    "SCHEMA",
    "SETTINGS_BY_FIELD",
    "SETTING_NAMES",
    "Setting",
    "Settings",
    "settings_from_values",
]

#: Kinds of setting: how a typed value is parsed and which cell format shows it.
KINDS = ("date", "days", "yes_no", "fraction", "fractions", "number", "whole", "columns", "words", "text")
#: Cell format (``Cells.add(kind=...)``) per kind of setting.
_CELL_KINDS = {"date": "date", "days": "int", "fraction": "percent", "whole": "int"}
#: Words the drop-down of a kind offers besides a typed value.
_KIND_CHOICES = {"days": ("automatisch",), "yes_no": ("JA", "NEE")}
#: The type of each kind's field in :class:`Settings`.
_TYPES = {
    "date": "pd.Timestamp | None",
    "days": "float | None",
    "yes_no": "bool",
    "fraction": "float | None",
    "fractions": "tuple[float, ...]",
    "number": "float | None",
    "whole": "int",
    "columns": "tuple[tuple[str, str | None], ...]",
    "words": "tuple[str, ...] | None",
    "text": "str | None",
}


@dataclass(frozen=True)
class Setting:
    """One setting of the Instellingen sheet, the refresh and the command line.

    Parameters
    ----------
    field : str
        Field of :class:`Settings`.
    name : str
        Excel defined name of the input cell on Instellingen (also usable in formulas).
    label, help : str
        Dutch label and help text shown beside the cell.
    kind : str
        One of :data:`KINDS`: ``date`` (blank = automatic), ``days`` (a threshold;
        blank or ``automatisch`` = derived), ``yes_no`` (JA/NEE), ``fraction``
        (0.3 or "30%"), ``fractions`` ("1%; 5%; 20%"), ``number`` (at least 0),
        ``whole`` (a whole number of at least 1), ``columns`` ("Klant=E-mail; Bedrag=Total"),
        ``words`` (a list separated by ``,`` or ``;``), ``text`` (kept as typed, blank = None).
    default : object
        The value when nothing was typed.
    blank_is_automatic : bool
        A blank cell means ``None`` (automatic) instead of "keep the default".
    automatic_word : str, optional
        A word that means ``None`` (``"gemeten"``), offered in the drop-down.
    cell_kind : str, optional
        Cell format when it differs from the kind's (``"int"`` for whole years).
    maximum : float or None
        For a ``fraction``: the largest value accepted (None: no bound, e.g. new customers per year).
    option, metavar, option_help : str, optional
        Command-line option (``"--dagen-inactief"``) with its metavar and Dutch help.
    """

    field: str
    name: str
    label: str
    help: str
    kind: str
    default: object = None
    blank_is_automatic: bool = False
    automatic_word: str | None = None
    cell_kind: str | None = None
    maximum: float | None = 1.0
    option: str | None = None
    metavar: str | None = None
    option_help: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"setting {self.field}: unknown kind {self.kind!r}")

    @property
    def choices(self) -> tuple[str, ...]:
        """Words the cell's drop-down offers (a number can always be typed)."""
        words = _KIND_CHOICES.get(self.kind, ())
        return words + ((self.automatic_word,) if self.automatic_word else ())

    @property
    def cell_format(self) -> str | None:
        """How the template formats the cell: ``date``, ``percent``, ``int`` or None."""
        return self.cell_kind or _CELL_KINDS.get(self.kind)

    def parse(self, value, current=None, *, cell: bool = False, allow_above_100: bool = False):
        """The typed value of a cell or option; a blank keeps ``current`` (or is None when automatic).

        ``cell`` and ``allow_above_100`` are passed to :func:`klant_xl.values.parse_fraction`
        (a number above 1 from a percentage cell is ambiguous). Raises
        :class:`~klant_xl.errors.WaardeFout` naming the setting's label.
        """
        if self.automatic_word and isinstance(value, str) and \
                value.strip().lower() in (self.automatic_word, *AUTO_WORDS):
            return None
        if self.kind == "days":
            return parse_days(value, self.label)
        if is_blank(value):
            if self.kind in ("columns", "words"):
                return self.default
            return None if self.blank_is_automatic else current
        if self.kind == "date":
            return parse_date(value, self.label)
        if self.kind == "yes_no":
            return parse_yes_no(value, self.label)
        if self.kind == "fraction":
            return parse_fraction(value, self.label, cell=cell, allow_above_100=allow_above_100,
                                  maximum=self.maximum)
        if self.kind == "fractions":
            return parse_fractions(value, self.label)
        if self.kind == "whole":
            return int(parse_number(value, self.label, minimum=1, whole=True))
        if self.kind == "columns":
            return tuple(parse_column_choices(str(value)).items())
        if self.kind == "words":
            return tuple(p.strip() for p in str(value).replace(";", ",").split(",") if p.strip()) or None
        if self.kind == "text":
            return str(value).strip() or None
        return parse_number(value, self.label, minimum=0)

    def render(self, value):
        """The value as the Instellingen cell shows it (read back by :meth:`parse` as the same value)."""
        if value is None:
            return "automatisch" if self.kind == "days" else self.automatic_word
        if self.kind == "date":
            return pd.Timestamp(value).to_pydatetime()
        if self.kind == "yes_no":
            return "JA" if value else "NEE"
        if self.kind == "fractions":
            return "; ".join(f"{v * 100:g}%" for v in value)
        if self.kind == "columns":
            return "; ".join(f"{role}={header or ''}" for role, header in value) or None
        if self.kind == "words":
            return ", ".join(value)
        return value


#: Every setting, in the order of the Instellingen sheet.
SCHEMA: tuple[Setting, ...] = (
    Setting("reference_date", "peildatum", "Peildatum", "Leeg = laatste datum in de gegevens.", "date",
            blank_is_automatic=True, option="--peildatum", metavar="JJJJ-MM-DD",
            option_help="peildatum (standaard: laatste datum in de gegevens)"),
    Setting("inactive_days", "dagen_inactief", "Drempel inactief (dagen)",
            "Aantal dagen zonder activiteit waarna een klant inactief is; 'automatisch' = afgeleid uit de gegevens.",
            "days", option="--dagen-inactief", metavar="DAGEN", option_help="drempel inactief (standaard: afgeleid)"),
    Setting("lost_days", "dagen_verloren", "Drempel verloren (dagen)",
            "Aantal dagen zonder activiteit waarna een klant verloren is; 'automatisch' = afgeleid uit de gegevens.",
            "days", option="--dagen-verloren", metavar="DAGEN", option_help="drempel verloren (standaard: afgeleid)"),
    Setting("mark_new", "nieuw_tonen", "Status 'Nieuw' tonen",
            "JA: klanten met hun eerste aankoop binnen de inactief-drempel heten 'Nieuw' in plaats van 'Actief'.",
            "yes_no", default=True),
    Setting("return_share", "aandeel_terugkomers", "Aandeel terugkomers voor drempel inactief",
            "Standaard 80%: binnen zoveel dagen komt 80% van de terugkerende klanten terug.", "fraction", default=0.8),
    Setting("return_level", "kans_terugkomst", "Kans op terugkomst voor drempel verloren",
            "Standaard 5%: daarna komt minder dan 5% nog terug.", "fraction", default=0.05),
    Setting("retention_years", "bewaartermijn", "Bewaartermijn (jaren)",
            "Verloren klanten waarvan de laatste activiteit ouder is, worden gemarkeerd om te verwijderen (AVG).",
            "number", default=7.0, cell_kind="int"),
    Setting("projection_start", "projectie_start", "Projectie: klanten nu",
            "Leeg = het aantal actieve klanten op de peildatum.", "number", blank_is_automatic=True, cell_kind="int"),
    Setting("projection_new_rate", "projectie_nieuw", "Projectie: nieuwe klanten per jaar",
            "Als percentage van de actieve klanten aan het begin van het jaar; leeg = gemeten over het laatste "
            "jaar (nieuwe klanten ÷ actief aan het begin).", "fraction",
            blank_is_automatic=True, maximum=None),
    Setting("projection_churn_rate", "projectie_verloop", "Projectie: verloop per jaar",
            "Leeg = gemeten over het laatste jaar.", "fraction", blank_is_automatic=True),
    Setting("projection_winback_rate", "projectie_terugwin", "Projectie: terugwinnen",
            "Deel van de vertrekkers dat je terugwint (nieuwe situatie); 'gemeten' = het terugwinpercentage uit "
            "het Winback-blad.", "fraction", default=0.6, automatic_word="gemeten"),
    Setting("projection_years", "projectie_jaren", "Projectie: aantal jaren", "Hoeveel jaren vooruit.", "whole",
            default=10),
    Setting("margin", "marge", "Brutomarge", "Voor de klantwaarde (CLV).", "fraction", default=0.3),
    Setting("annual_discount_rate", "disconteringsvoet", "Disconteringsvoet per jaar", "Voor de klantwaarde (CLV).",
            "fraction", default=0.10),
    Setting("clv_horizon_months", "clv_maanden", "Horizon klantwaarde (maanden)",
            "Over hoeveel maanden de klantwaarde (CLV) wordt berekend.", "whole", default=12),
    Setting("pyramid_cuts", "piramide_grenzen", "Klantenpiramide: grenzen",
            "Cumulatieve aandelen van top, groot en midden (standaard 1%; 5%; 20%).", "fractions",
            default=(0.01, 0.05, 0.20)),
    Setting("tier_cuts", "goud_zilver_grenzen", "Goud / zilver: grenzen",
            "Cumulatieve aandelen van goud en zilver (standaard 20%; 50%).", "fractions", default=(0.20, 0.50)),
    Setting("column_choices", "kolomkeuze", "Kolomkeuze (Transacties)",
            "Leeg = kolommen automatisch herkend. Anders ROL=KOLOM, gescheiden door ';', bv. 'Klant=E-mail; "
            "Bedrag=Total' (zie het blad Inlezen).", "columns", default=()),
    Setting("transaction_file", "transactiebestand", "Transacties uit bestand",
            "Leeg = het blad Transacties. Anders een Parquet-, CSV- of Excel-bestand (pad, of een naam naast deze "
            "werkmap) voor meer transacties dan een werkblad houdt: Vernieuwen leest dan dat bestand en het blad "
            "Transacties blijft leeg (niet in xlwings Lite: dat draait in de browser).", "text"),
    Setting("counted_statuses", "status_telt", "Statussen die als verkoop tellen",
            "Leeg = betaald, voltooid, in behandeling (Nederlands en Engels). Anders een lijst, bv. "
            "'paid, partially_refunded'.", "words"),
    Setting("allow_percent_above_100", "procent_boven_100", "Percentages boven 100% toestaan",
            "NEE: een getal boven 1 in een percentagecel (1,2) wordt geweigerd, want het kan 120% of 1,2% "
            "betekenen. JA: 1,2 is 120% (alleen nieuwe klanten per jaar kan boven 100% liggen).", "yes_no",
            default=False),
)


def _with(self, **changes) -> "Settings":
    """Return a copy with some fields changed."""
    return replace(self, **changes)


Settings = dataclasses.make_dataclass(
    "Settings",
    [(s.field, _TYPES[s.kind], dataclasses.field(default=s.default)) for s in SCHEMA],
    frozen=True,
    namespace={"with_": _with, "__module__": __name__},
)
Settings.__doc__ = """Everything an analysis needs besides the data: one field per :data:`SCHEMA` entry.

``None`` means "automatisch" (see the module docstring). Make a changed copy with
``settings.with_(inactive_days=90)``.
"""

DEFAULTS = Settings()

#: field name -> its :class:`Setting`.
SETTINGS_BY_FIELD: dict[str, Setting] = {s.field: s for s in SCHEMA}
#: field name -> (Excel defined name on Instellingen, Dutch label, Dutch help text); from :data:`SCHEMA`.
SETTING_NAMES: dict[str, tuple[str, str, str]] = {s.field: (s.name, s.label, s.help) for s in SCHEMA}


def settings_from_values(values: dict, base: Settings = DEFAULTS) -> Settings:
    """Settings from the values of the Instellingen named cells (defined name -> value).

    Names that are absent keep ``base``; a blank cell keeps ``base`` too, except for
    settings where blank means "automatisch". Thresholds accept ``automatisch``;
    percentages accept 0.3 and "30%" (a number above 1 from a cell only with
    "Percentages boven 100% toestaan" = JA); numbers are read as
    :func:`klant_xl.values.parse_number` reads them (``"1.234"`` is 1234, as in an
    amount cell). A bad value raises :class:`~klant_xl.errors.WaardeFout` naming the setting.

    >>> settings_from_values({"projectie_start": "1.234", "dagen_inactief": "automatisch"}).projection_start
    1234.0
    """
    allow_setting = SETTINGS_BY_FIELD["allow_percent_above_100"]
    allow = base.allow_percent_above_100
    if allow_setting.name in values:
        allow = allow_setting.parse(values[allow_setting.name], allow)
    changes = {}
    for setting in SCHEMA:
        if setting.name in values:
            changes[setting.field] = setting.parse(values[setting.name], getattr(base, setting.field), cell=True,
                                                   allow_above_100=allow)
    return base.with_(**changes)
