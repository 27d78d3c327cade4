"""Seed 000 and 002 numbers (SPEC §8)."""

import math

import pytest

from klant_xl.errors import InvoerFout
from klant_xl.projection import cumulative_loss, doubling_time, project_customers

SEED_002_CURRENT = [1000, 1100, 1210, 1331, 1464, 1611, 1772, 1949, 2144, 2358, 2594]
SEED_002_WINBACK = [1000, 1280, 1638, 2097, 2684, 3436, 4398, 5629, 7206, 9223, 11806]


@pytest.mark.parametrize(
    ("winback", "expected"),
    [(0.0, SEED_002_CURRENT), (0.6, SEED_002_WINBACK)],
)
def test_projection_reproduces_seed_002(winback, expected):
    table = project_customers(1000, 0.40, 0.30, 10, winback_rate=winback)
    assert list(table.columns) == ["Jaar", "Aantal klanten"]
    assert table["Jaar"].tolist() == list(range(11))
    assert [round(v) for v in table["Aantal klanten"]] == expected


@pytest.mark.parametrize(
    ("churn", "years", "expected"),
    [(0.10, 1, 0.10), (0.10, 2, 0.19), (0.10, 3, 0.271), (0.30, 0, 0.0), (1.0, 2, 1.0)],
)
def test_cumulative_loss(churn, years, expected):
    assert cumulative_loss(churn, years) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(
    ("new", "churn", "expected"),
    [(0.4, 0.3, 7.2725), (0.4, 0.12, math.log(2) / math.log(1.28)), (0.1, 0.1, math.inf), (0.1, 0.2, math.inf)],
)
def test_doubling_time(new, churn, expected):
    assert doubling_time(new, churn) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1000, 0.4, 1.3, 10), "Verloop % moet tussen 0% en 100% liggen: 1.3"),
        ((1000, 0.4, "veel", 10), "Verloop % is geen percentage: 'veel'"),
        ((-5, 0.4, 0.3, 10), "Aantal klanten bij de start mag niet negatief zijn: -5"),
        ((1000, 0.4, 0.3, 2.5), "Aantal jaren moet een geheel getal van 0 tot 200 zijn: 2.5"),
    ],
)
def test_projection_bad_input_has_dutch_message(args, message):
    with pytest.raises(InvoerFout) as info:
        project_customers(*args)
    assert str(info.value) == message
