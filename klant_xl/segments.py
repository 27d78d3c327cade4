"""Segments: the one import for RFM, value tiers, Pareto, portfolio and cohorts (SPEC §3).

The implementation is split by concept: :mod:`klant_xl.rfm` (scores and R×F rules),
:mod:`klant_xl.tiers` (pyramid, gold/silver/bronze, overviews, Pareto), :mod:`klant_xl.portfolio`
and :mod:`klant_xl.cohorts`; this module re-exports their API. What the Segmenten sheet shows
in one call is :func:`klant_xl.analysis.segment_tables`.

Every public function takes the canonical frames of ``docs/architecture.md`` (transactions,
the per-customer summary, the status Series) and returns a pandas object with fixed Dutch
column names that can be written to a sheet as is. Per-customer results are indexed like the
summary (``Klant``); aggregate tables have a plain ``RangeIndex`` and their key as the first
column. The cohort triangle and cohort churn live in :mod:`klant_xl.cohorts` and are
re-exported here.

Frames returned
---------------
``rfm_scores(summary)``
    Index ``Klant``; columns ``R``, ``F``, ``M`` (int 1–5) and ``RFM-score`` (int, ``100·R +
    10·F + M``, e.g. ``545``).
``rfm_segments(summary, status=None, rules=None)``
    The columns of ``rfm_scores`` plus ``Segment`` (str).
``RFM_RULES`` / ``rules_from_table(table)``
    Columns ``R``, ``F``, ``Segment``: 25 rows, R 5..1 and F 1..5.
``rules_grid(rules=None)``
    The same rules as the SPEC grid: ``R`` (5..1), ``F=1`` .. ``F=5``; readable back by
    ``rules_from_table``, so a sheet may show either layout for the user to edit.
``customer_pyramid(...)``
    Series ``Piramide`` with values of :data:`PYRAMID_LEVELS`.
``customer_tiers(...)``
    Series ``Niveau`` with values of :data:`TIER_LEVELS`.
``customer_segments(...)``
    Index ``Klant``; ``R``, ``F``, ``M``, ``RFM-score``, ``Segment``, ``Piramide``, ``Niveau``:
    the columns the Klanten sheet adds.
``segment_overview(segments, summary)``
    Columns ``<key>``, ``Klanten``, ``Aandeel``, ``Omzet``, ``Aandeel omzet`` where ``<key>`` is
    ``Segment``, ``Piramide`` or ``Niveau`` (the name of what was counted).
``pareto_curve(summary)``
    Columns ``Aandeel klanten``, ``Aandeel omzet`` (both 0–1, from 0 to 1).
``portfolio(transactions, summary, status)``
    Columns ``Eerste product``, ``Klanten``, ``Herhaalaankoopratio``, ``Aandeel verloren``,
    ``Gem. omzet``.
``cohort_triangle(...)``, ``cohort_churn(...)``
    See :mod:`klant_xl.cohorts`.
``klant_xl.analysis.segment_tables(...)``
    All of the above for the Segmenten and Klanten sheets, as a dict of frames.
``klant_xl.analysis.segments_summary_json(...)``
    Counts per segment, pyramid level and tier and the Pareto share, JSON-ready.
"""

from klant_xl.cohorts import cohort_churn, cohort_triangle
from klant_xl.portfolio import UNKNOWN_PRODUCT, portfolio
from klant_xl.rfm import RFM_RULES, SEGMENT_ORDER, rfm_scores, rfm_segments, rules_from_table, rules_grid
from klant_xl.tiers import (
    PYRAMID_LEVELS,
    TIER_LEVELS,
    customer_pyramid,
    customer_segments,
    customer_tiers,
    pareto_curve,
    pareto_share,
    segment_overview,
)
from klant_xl.vocabulary import ACTIVE_STATUSES

__all__ = [
    "ACTIVE_STATUSES",
    "PYRAMID_LEVELS",
    "RFM_RULES",
    "SEGMENT_ORDER",
    "TIER_LEVELS",
    "UNKNOWN_PRODUCT",
    "cohort_churn",
    "cohort_triangle",
    "customer_pyramid",
    "customer_segments",
    "customer_tiers",
    "pareto_curve",
    "pareto_share",
    "portfolio",
    "rfm_scores",
    "rfm_segments",
    "rules_from_table",
    "rules_grid",
    "segment_overview",
]
