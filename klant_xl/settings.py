"""Analysis settings: the Instellingen sheet as a dataclass.

Defaults are module-level data (:data:`DEFAULTS`) that a caller can override,
and :data:`SETTING_NAMES` ties every field to the Excel defined name and the
Dutch label of the Instellingen sheet, so the template, the refresh and the
command line agree on one list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pandas as pd

__all__ = ["DEFAULTS", "SETTING_NAMES", "Settings"]


@dataclass(frozen=True)
class Settings:
    """Everything an analysis needs besides the data.

    ``None`` means "automatisch": the peildatum becomes the last date in the data,
    thresholds are derived from the data (Kaplan–Meier, SPEC §3), projection
    inputs are measured from the last year.
    """

    reference_date: pd.Timestamp | None = None
    inactive_days: float | None = None
    lost_days: float | None = None
    mark_new: bool = True
    return_share: float = 0.8
    return_level: float = 0.05
    retention_years: float = 7.0
    projection_start: float | None = None
    projection_new_rate: float | None = None
    projection_churn_rate: float | None = None
    projection_winback_rate: float | None = 0.6
    projection_years: int = 10
    margin: float = 0.3
    annual_discount_rate: float = 0.10
    clv_horizon_months: int = 12
    pyramid_cuts: tuple[float, ...] = field(default=(0.01, 0.05, 0.20))
    tier_cuts: tuple[float, ...] = field(default=(0.20, 0.50))
    allow_percent_above_100: bool = False

    def with_(self, **changes) -> "Settings":
        """Return a copy with some fields changed."""
        return replace(self, **changes)


DEFAULTS = Settings()

#: field name -> (Excel defined name on Instellingen, Dutch label, Dutch help text)
SETTING_NAMES: dict[str, tuple[str, str, str]] = {
    "reference_date": ("peildatum", "Peildatum", "Leeg = laatste datum in de gegevens."),
    "inactive_days": ("dagen_inactief", "Drempel inactief (dagen)", "Aantal dagen zonder activiteit waarna een klant inactief is; 'automatisch' = afgeleid uit de gegevens."),
    "lost_days": ("dagen_verloren", "Drempel verloren (dagen)", "Aantal dagen zonder activiteit waarna een klant verloren is; 'automatisch' = afgeleid uit de gegevens."),
    "mark_new": ("nieuw_tonen", "Status 'Nieuw' tonen", "JA: klanten met hun eerste aankoop binnen de inactief-drempel heten 'Nieuw' in plaats van 'Actief'."),
    "return_share": ("aandeel_terugkomers", "Aandeel terugkomers voor drempel inactief", "Standaard 80%: binnen zoveel dagen komt 80% van de terugkerende klanten terug."),
    "return_level": ("kans_terugkomst", "Kans op terugkomst voor drempel verloren", "Standaard 5%: daarna komt minder dan 5% nog terug."),
    "retention_years": ("bewaartermijn", "Bewaartermijn (jaren)", "Verloren klanten waarvan de laatste activiteit ouder is, worden gemarkeerd om te verwijderen (AVG)."),
    "projection_start": ("projectie_start", "Projectie: klanten nu", "Leeg = het aantal actieve klanten op de peildatum."),
    "projection_new_rate": ("projectie_nieuw", "Projectie: nieuwe klanten per jaar", "Als percentage van het klantenbestand; leeg = gemeten over het laatste jaar."),
    "projection_churn_rate": ("projectie_verloop", "Projectie: verloop per jaar", "Leeg = gemeten over het laatste jaar."),
    "projection_winback_rate": ("projectie_terugwin", "Projectie: terugwinnen", "Deel van de vertrekkers dat je terugwint (nieuwe situatie); 'gemeten' = het terugwinpercentage uit het Winback-blad."),
    "projection_years": ("projectie_jaren", "Projectie: aantal jaren", "Hoeveel jaren vooruit."),
    "margin": ("marge", "Brutomarge", "Voor de klantwaarde (CLV)."),
    "annual_discount_rate": ("disconteringsvoet", "Disconteringsvoet per jaar", "Voor de klantwaarde (CLV)."),
    "clv_horizon_months": ("clv_maanden", "Horizon klantwaarde (maanden)", "Over hoeveel maanden de klantwaarde (CLV) wordt berekend."),
    "pyramid_cuts": ("piramide_grenzen", "Klantenpiramide: grenzen", "Cumulatieve aandelen van top, groot en midden (standaard 1%; 5%; 20%)."),
    "tier_cuts": ("goud_zilver_grenzen", "Goud / zilver: grenzen", "Cumulatieve aandelen van goud en zilver (standaard 20%; 50%)."),
    "allow_percent_above_100": ("procent_boven_100", "Percentages boven 100% toestaan", "NEE: een getal boven 1 in een percentagecel (1,2) wordt geweigerd, want het kan 120% of 1,2% betekenen. JA: 1,2 is 120% (alleen nieuwe klanten per jaar kan boven 100% liggen)."),
}

assert set(SETTING_NAMES) == {f.name for f in fields(Settings)}
