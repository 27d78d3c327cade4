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


from importlib import import_module

#: The package's API, defined by :mod:`.predict` (which takes this list as its own ``__all__``).
__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "PREDICTION_COLUMNS",
    "expected_active_next_year",
    "model_inputs",
    "model_report",
    "predict_customers",
    "repeat_spend",
]
#: The model modules, loaded when first named (``models.sbg``).
SUBMODULES = ("bgnbd", "clv", "gamma_gamma", "mbgnbd", "pareto_nbd", "predict", "sbg")


def __getattr__(name: str):
    # The models load scipy (about 0.4 s): with the first one used, not with ``import klant_xl``.
    if name in __all__:
        value = getattr(import_module("klant_xl.models.predict"), name)
    elif name in SUBMODULES:
        value = import_module(f"klant_xl.models.{name}")
    else:
        raise AttributeError(f"module 'klant_xl.models' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__, *SUBMODULES})
