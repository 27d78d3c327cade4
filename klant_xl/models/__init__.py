"""Predictive buy-till-you-die models, written from the papers.

One module per model:

- :mod:`.bgnbd` — BG/NBD (Fader, Hardie & Lee 2005);
- :mod:`.mbgnbd` — modified BG/NBD (Batislam et al. 2007), the model behind
  "kans actief" in the workbook (it does not give one-time buyers P(alive) = 1);
- :mod:`.pareto_nbd` — Pareto/NBD (Schmittlein, Morrison & Colombo 1987), for
  comparison;
- :mod:`.gamma_gamma` — spend per purchase (Fader, Hardie & Lee 2005);
- :mod:`.sbg` — shifted-beta-geometric cohort retention (Fader & Hardie 2007);
- :mod:`.clv` — discounted customer lifetime value;
- :mod:`.predict` — the per-customer columns for the Klanten sheet and the
  Overzicht (:func:`predict_customers`, :func:`expected_active_next_year`).
"""

from klant_xl.models import predict
from klant_xl.models.predict import *  # noqa: F403 - the package's API is that of predict

__all__ = list(predict.__all__)
