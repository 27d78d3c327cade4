"""The shared fit machinery (klant_xl.models._fit): grouping rows into distinct rows with weights, log_add_exp."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klant_xl.models._fit import distinct_rows, log_add_exp

# small value sets, so rows repeat; -0.0 equals 0.0 and NaN equals nothing, as numpy compares them
values = st.sampled_from([0.0, -0.0, 1.0, 2.5, 7.0, float("nan")])
rows = st.lists(st.tuples(values, values, values), min_size=1, max_size=40)


def grouped_by_hand(table, weights):
    """Distinct rows in lexicographic order, summed weights, and each row's group (NaN rows stay alone)."""
    groups: dict = {}
    order = []
    for i, row in enumerate(table):
        key = tuple(0.0 if v == 0 else v for v in row) if not any(v != v for v in row) else ("nan", i)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(i)

    def sort_key(key):  # NaN sorts last in its column, as numpy sorts
        row = table[groups[key][0]]
        return tuple((1, 0.0) if v != v else (0, v) for v in row), groups[key][0]

    ordered = sorted(order, key=sort_key)
    inverse = [0] * len(table)
    for position, key in enumerate(ordered):
        for i in groups[key]:
            inverse[i] = position
    distinct = [table[groups[key][0]] for key in ordered]
    return distinct, [sum(weights[i] for i in groups[key]) for key in ordered], inverse


def same_rows(left, right):
    def same(x, y):
        return (x != x and y != y) or x == y  # NaN matches NaN

    return all(len(a) == len(b) and all(same(x, y) for x, y in zip(a, b)) for a, b in zip(left, right))


@settings(max_examples=300, deadline=None)
@given(rows, st.data())
def test_distinct_rows_match_grouping_by_hand(table, data):
    weights = data.draw(st.lists(st.integers(1, 5), min_size=len(table), max_size=len(table)))
    columns = [np.array(column) for column in zip(*table)]
    (a, b, c), counts, inverse = distinct_rows(*columns, weights=np.array(weights, float))
    expected_rows, expected_counts, expected_inverse = grouped_by_hand(table, weights)
    assert same_rows(list(zip(a.tolist(), b.tolist(), c.tolist())), expected_rows)
    assert counts.tolist() == expected_counts
    assert inverse.tolist() == expected_inverse


@settings(max_examples=200, deadline=None)
@given(rows)
def test_grouped_rows_grouped_again_are_the_same_rows(table):
    """A caller that grouped the rows first (the predictions do, then fit on them) gets them back as they are."""
    columns = [np.array(column) for column in zip(*table)]
    once, weights, _ = distinct_rows(*columns)
    twice, weights_twice, inverse = distinct_rows(*once, weights=weights)
    assert same_rows([c.tolist() for c in twice], [c.tolist() for c in once])
    assert weights_twice.tolist() == weights.tolist()
    nan_rows = np.isnan(np.column_stack(once)).any(axis=1)
    assert inverse[~nan_rows].tolist() == np.flatnonzero(~nan_rows).tolist()


def test_rows_ordered_in_the_first_column_but_not_in_a_later_one_are_sorted():
    x = np.array([0.0, 0.0, 1.0])
    t = np.array([5.0, 2.0, 0.0])
    (xu, tu), weights, inverse = distinct_rows(x, t)
    assert list(zip(xu.tolist(), tu.tolist())) == [(0.0, 2.0), (0.0, 5.0), (1.0, 0.0)]
    assert inverse.tolist() == [1, 0, 2]


def test_the_fast_path_hands_back_copies():
    x, t = np.array([0.0, 1.0]), np.array([3.0, 1.0])
    (xu, tu), weights, _ = distinct_rows(x, t)
    xu[0] = 9.0
    weights[0] = 9.0
    assert x.tolist() == [0.0, 1.0]


# every float a likelihood term can be: ordinary and huge values, both infinities, NaN
terms = st.one_of(st.floats(min_value=-1e300, max_value=1e300), st.sampled_from([float("inf"), float("-inf"),
                                                                                  float("nan"), 0.0, 709.0, -745.0]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(terms, terms), min_size=1, max_size=50))
def test_log_add_exp_is_log_of_the_summed_exponentials(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    out, scratch = np.empty(len(a)), np.empty(len(a))
    with np.errstate(invalid="ignore"):
        got = log_add_exp(a, b, out, scratch)
    for x, y, value in zip(a, b, got):
        if x != x or y != y:  # a NaN in gives NaN out
            assert value != value
        elif x == y and abs(x) == float("inf"):  # e^inf + e^inf, e^-inf + e^-inf
            assert value == x
        else:  # the oracle: the larger plus log(1 + e^-(difference)), in plain floats
            high, low = max(x, y), min(x, y)
            expected = high + math.log1p(math.exp(low - high))
            assert value == pytest.approx(expected, rel=4e-16, abs=4e-16)


def test_log_add_exp_may_write_into_an_input():
    a, b = np.array([0.0, 1.0, -np.inf]), np.array([0.0, -np.inf, 2.0])
    log_add_exp(a, b, a, np.empty(3))
    assert a.tolist() == [math.log(2.0), 1.0, 2.0]
