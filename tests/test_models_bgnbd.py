"""BG/NBD (and its modified variant, sharing the machinery): published CDNOW values,
closed forms against independent oracles, and predictions against simulated customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from klant_xl.errors import InvoerFout, ModelFout, TeWeinigGegevens
from klant_xl.models import bgnbd, mbgnbd
from tests.conftest import CDNOW

# Fader, Hardie & Lee (2005), CDNOW sample, weeks (tests/data/cdnow/ORIGINAL_README.md).
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(CDNOW / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def cdnow_fit(cdnow):
    return bgnbd.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.mark.parametrize("name", ["r", "alpha", "a", "b"])
def test_cdnow_parameters_match_published_within_half_percent(cdnow_fit, name):
    got = getattr(cdnow_fit.params, name)
    assert got == pytest.approx(PUBLISHED[name], rel=0.005)


def test_cdnow_log_likelihood_matches_published(cdnow_fit):
    assert cdnow_fit.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert cdnow_fit.n_customers == 2357
    assert cdnow_fit.n_repeat_buyers == 946
    assert cdnow_fit.n_rows < 2357  # identical rows were grouped


def test_log_likelihood_at_published_parameters(cdnow):
    ll = bgnbd.log_likelihood(list(PUBLISHED.values()), cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert ll == pytest.approx(PUBLISHED_LL, abs=0.5)


def test_grouped_rows_with_weights_give_the_same_fit(cdnow, cdnow_fit):
    grouped = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    again = bgnbd.fit(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["n"])
    assert np.allclose(again.params, cdnow_fit.params, rtol=1e-5)
    assert again.log_likelihood == pytest.approx(cdnow_fit.log_likelihood, abs=1e-6)


def test_fit_does_not_depend_on_the_time_unit(cdnow, cdnow_fit):
    days = bgnbd.fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    assert days.params.r == pytest.approx(cdnow_fit.params.r, rel=1e-4)
    assert days.params.alpha == pytest.approx(cdnow_fit.params.alpha * 7, rel=1e-4)
    assert days.params.b == pytest.approx(cdnow_fit.params.b, rel=1e-4)


def test_published_conditional_expectation_of_customer_1():
    # FHL (2005): x = 2, t_x = 30.43, T = 38.86 -> 1.226 purchases in the next 39 weeks.
    params = bgnbd.BGNBDParams(**PUBLISHED)
    assert bgnbd.expected_purchases(params, 39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=0.001)


def test_probability_alive_hand_computed():
    r, alpha, a, b = PUBLISHED.values()
    params = bgnbd.BGNBDParams(r, alpha, a, b)
    # x = 2, t_x = 30.43, T = 38.86
    odds_dead = a / (b + 2 - 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2)
    expected = 1 / (1 + odds_dead)
    got = bgnbd.probability_alive(params, [0, 2], [0.0, 30.43], [38.86, 38.86])
    assert got[0] == 1.0  # one-time buyer: BG/NBD cannot let them drop out
    assert got[1] == pytest.approx(expected, rel=1e-12)
    assert got[1] == pytest.approx(0.7266, abs=5e-4)


def test_one_time_buyer_alive_under_bgnbd_not_under_modified():
    p = bgnbd.BGNBDParams(0.525, 6.183, 0.891, 1.614)
    for T in (1.0, 38.86, 200.0):
        assert bgnbd.probability_alive(p, 0, 0.0, T)[0] == 1.0
        assert mbgnbd.probability_alive(p, 0, 0.0, T)[0] < 1.0
    # and under the modified model it falls the longer they stay away
    falling = mbgnbd.probability_alive(p, [0, 0, 0], [0.0, 0.0, 0.0], [1.0, 38.86, 200.0])
    assert np.all(np.diff(falling) < 0)


@pytest.mark.parametrize("x, T", [(0, 38.86), (2, 38.86), (10, 5.0)])
def test_median_time_to_next_purchase_is_the_lomax_median(x, T):
    params = bgnbd.BGNBDParams(**PUBLISHED)
    # Given alive: lambda ~ Gamma(r + x, alpha + T); waiting time is Lomax(r + x, scale alpha + T).
    oracle = stats.lomax(c=PUBLISHED["r"] + x, scale=PUBLISHED["alpha"] + T).median()
    assert bgnbd.median_time_to_next_purchase(params, x, T)[0] == pytest.approx(oracle, rel=1e-9)


def test_expected_purchases_of_zero_time_is_zero():
    params = bgnbd.BGNBDParams(**PUBLISHED)
    assert bgnbd.expected_purchases(params, 0.0, [0, 3], [0, 10], [20, 20]) == pytest.approx([0, 0], abs=1e-12)


def test_thirty_customers_give_the_dutch_too_little_data_message():
    rng = np.random.default_rng(3)
    T = rng.uniform(10, 50, 30)
    x = rng.integers(0, 3, 30).astype(float)
    t_x = np.where(x > 0, T * 0.5, 0.0)
    with pytest.raises(TeWeinigGegevens) as err:
        bgnbd.fit(x, t_x, T)
    message = str(err.value)
    assert "Te weinig gegevens" in message
    assert "30 klanten" in message
    assert f"minstens {bgnbd.MIN_CUSTOMERS} klanten" in message
    assert f"{bgnbd.MIN_REPEAT_BUYERS} klanten met een herhaalaankoop" in message


@pytest.mark.parametrize(
    "x, t_x, T, words",
    [([1.5], [1.0], [2.0], "heel aantal"), ([1], [3.0], [2.0], "niet groter"), ([0], [1.0], [2.0], "recency' 0")],
)
def test_inconsistent_histories_are_refused_in_dutch(x, t_x, T, words):
    with pytest.raises(InvoerFout, match=words):
        bgnbd.fit(x * 200, t_x * 200, T * 200, min_customers=1, min_repeat_buyers=0)


# ---------------------------------------------------------------------------
# Simulation: an inline generator of the model's story, independent of klant_xl.


def simulate(r, alpha, a, b, T, holdout, rng, modified):
    """Customers of ages T followed for another `holdout`; returns calibration and holdout facts."""
    n = len(T)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    # number of repeat purchases made before dropping out (dropout after the J-th)
    J = rng.geometric(p) - (1 if modified else 0)
    x = np.zeros(n)
    t_x = np.zeros(n)
    hold = np.zeros(n)
    made = np.zeros(n, int)
    now = np.zeros(n)
    end = T + holdout
    active = (made < J) & (now <= end)
    while active.any():
        i = np.flatnonzero(active)
        now[i] += rng.exponential(1 / lam[i])
        i = i[now[i] <= end[i]]
        made[i] += 1
        cal = i[now[i] <= T[i]]
        x[cal] += 1
        t_x[cal] = now[cal]
        hold[i[now[i] > T[i]]] += 1
        active = (made < J) & (now <= end)
    return {
        "x": x,
        "t_x": t_x,
        "hold": hold,
        "alive_T": J > x,
        "alive_end": J > x + hold,
    }


MODELS = {
    "bgnbd": (bgnbd, bgnbd.BGNBDParams(0.25, 4.0, 0.8, 2.5), False),
    "mbgnbd": (mbgnbd, mbgnbd.MBGNBDParams(0.5, 6.0, 0.9, 1.6), True),
}


@pytest.fixture(scope="module", params=sorted(MODELS))
def simulated(request):
    module, params, modified = MODELS[request.param]
    rng = np.random.default_rng(20050201)
    T = rng.uniform(5, 78, 40_000)
    sim = simulate(*params, T, 39.0, rng, modified)
    return module, params, T, sim


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parameters_recovered_from_simulated_data(name):
    module, params, modified = MODELS[name]
    rng = np.random.default_rng(1997)
    T = rng.uniform(5, 78, 100_000)
    sim = simulate(*params, T, 0.0, rng, modified)
    fitted = module.fit(sim["x"], sim["t_x"], T)
    # a and b are the least precise (standard error about 4% at this size)
    for got, true in zip(fitted.params, params):
        assert got == pytest.approx(true, rel=0.10)


def test_probability_alive_matches_simulated_share(simulated):
    module, params, T, sim = simulated
    p_alive = module.probability_alive(params, sim["x"], sim["t_x"], T)
    assert p_alive.mean() == pytest.approx(sim["alive_T"].mean(), abs=0.01)
    repeaters = sim["x"] > 0
    assert p_alive[repeaters].mean() == pytest.approx(sim["alive_T"][repeaters].mean(), abs=0.015)


def test_expected_holdout_purchases_match_simulation(simulated):
    module, params, T, sim = simulated
    expected = module.expected_purchases(params, 39.0, sim["x"], sim["t_x"], T)
    assert expected.sum() == pytest.approx(sim["hold"].sum(), rel=0.04)
    heavy = sim["x"] >= 3
    assert expected[heavy].sum() == pytest.approx(sim["hold"][heavy].sum(), rel=0.06)


def test_probability_of_a_purchase_and_of_surviving_the_holdout(simulated):
    module, params, T, sim = simulated
    buys = module.probability_purchase_within(params, 39.0, sim["x"], sim["t_x"], T)
    assert buys.mean() == pytest.approx((sim["hold"] > 0).mean(), abs=0.01)
    survives = module.probability_alive_after(params, 39.0, sim["x"], sim["t_x"], T)
    assert survives.mean() == pytest.approx(sim["alive_end"].mean(), abs=0.01)


def test_expected_purchases_of_a_new_customer_matches_simulation():
    rng = np.random.default_rng(7)
    params = bgnbd.BGNBDParams(0.25, 4.0, 0.8, 2.5)
    T = np.full(60_000, 52.0)
    sim = simulate(*params, T, 0.0, rng, modified=False)
    assert bgnbd.expected_purchases_new(params, 52.0)[0] == pytest.approx(sim["x"].mean(), rel=0.03)


def test_module_simulator_agrees_with_the_inline_one():
    rng = np.random.default_rng(11)
    params = bgnbd.BGNBDParams(0.25, 4.0, 0.8, 2.5)
    T = rng.uniform(5, 78, 30_000)
    x, t_x = bgnbd.simulate(params, T, rng)
    inline = simulate(*params, T, 0.0, rng, modified=False)
    assert x.mean() == pytest.approx(inline["x"].mean(), rel=0.05)
    assert (x > 0).mean() == pytest.approx((inline["x"] > 0).mean(), abs=0.01)


def poisson_customers(rates, T, rng):
    """Customers who never drop out: Poisson purchases, last one uniform-max on (0, T)."""
    x = rng.poisson(rates * T).astype(float)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1), 0.0)
    return x, t_x


@pytest.mark.parametrize("module", [bgnbd, mbgnbd])
def test_nobody_dropping_out_is_a_valid_limit(module):
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 80, 3000)
    x, t_x = poisson_customers(rng.gamma(2.0, 1 / 10, 3000), T, rng)
    fitted = module.fit(x, t_x, T)
    assert fitted.params.r == pytest.approx(2.0, rel=0.1)
    assert fitted.params.alpha == pytest.approx(10.0, rel=0.1)
    assert fitted.params.a / (fitted.params.a + fitted.params.b) < 1e-4  # dropout chance ~ 0
    assert module.probability_alive(fitted.params, x, t_x, T).min() > 0.999


@pytest.mark.parametrize("module, label", [(bgnbd, "BG/NBD"), (mbgnbd, "MBG/NBD")])
def test_identical_purchase_rates_do_not_converge_and_say_so_in_dutch(module, label):
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 80, 3000)
    x, t_x = poisson_customers(np.full(3000, 0.2), T, rng)
    with pytest.raises(ModelFout, match=f"Het {label}-model (convergeert niet|past niet goed).*Probeer meer klanten"):
        module.fit(x, t_x, T)


# ---------------------------------------------------------------------------
# Invariants over the parameter and history space.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

params_strategy = st.tuples(
    st.floats(0.05, 20), st.floats(0.1, 200), st.floats(0.05, 20), st.floats(0.05, 20)
).filter(lambda p: abs(p[2] - 1) > 1e-3)


@st.composite
def histories(draw):
    T = draw(st.floats(0.01, 300))
    x = draw(st.integers(0, 60))
    t_x = 0.0 if x == 0 else draw(st.floats(0.0, 1.0)) * T
    return float(x), t_x, T


@pytest.mark.parametrize("module", [bgnbd, mbgnbd])
@settings(max_examples=150, deadline=None)
@given(params=params_strategy, history=histories(), t=st.floats(0.5, 200))
def test_predictions_are_probabilities_and_grow_with_the_horizon(module, params, history, t):
    x, t_x, T = history
    p = module.probability_alive(params, x, t_x, T)[0]
    assert 0.0 <= p <= 1.0
    short = module.expected_purchases(params, t, x, t_x, T)[0]
    longer = module.expected_purchases(params, 2 * t, x, t_x, T)[0]
    assert np.isfinite(short) and np.isfinite(longer)
    assert -1e-9 <= short <= longer * (1 + 1e-9) + 1e-12
    assert 0.0 <= module.probability_purchase_within(params, t, x, t_x, T)[0] <= p + 1e-12
    assert 0.0 <= module.probability_alive_after(params, t, x, t_x, T)[0] <= p + 1e-12
    # staying away longer never raises the chance of still being active
    assert module.probability_alive(params, x, t_x, T + t)[0] <= p + 1e-12


@pytest.mark.parametrize(
    "module, params, x, t_x, T, t",
    [
        (bgnbd, (0.243, 4.414, 0.793, 2.426), 2, 30.43, 38.86, 52.0),
        (mbgnbd, (0.525, 6.183, 0.891, 1.614), 0, 0.0, 38.86, 52.0),
        # c - a - b an integer inside 2F1, where scipy 1.17 alone returns -1.37 / inf
        (mbgnbd, (0.05, 0.125, 0.05, 1.0), 0, 0.0, 0.125, 93.0),
        (mbgnbd, (0.05, 0.125, 0.05, 1.0), 1, 0.0, 0.0625, 105.0),
    ],
)
def test_probability_alive_after_against_numerical_integration(module, params, x, t_x, T, t):
    from scipy.integrate import quad

    r, alpha, a, b = params
    b_post = b + x + (1 if module is mbgnbd else 0)
    # given alive: lambda ~ Gamma(r + x, alpha + T), p ~ Beta(a, b_post); survive t w.p. E[exp(-lambda p t)]
    density = stats.beta(a, b_post).pdf
    survive, _ = quad(lambda p: ((alpha + T) / (alpha + T + p * t)) ** (r + x) * density(p), 0, 1, limit=500)
    expected = module.probability_alive(params, x, t_x, T)[0] * survive
    assert module.probability_alive_after(params, t, x, t_x, T)[0] == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------------------
# Edges of the parameter space (issue 16). Oracles are inline: the expected purchases
# given alive are E[(1 - (1 + p kappa)^-R) / p] over p ~ Beta(a, b'), kappa = t / (alpha + T).

from scipy.integrate import quad  # noqa: E402
from scipy.special import betaln as _betaln  # noqa: E402
from scipy.special import digamma as _digamma  # noqa: E402


def _if_alive_at_a_one(R, bp, kappa, terms=4000):
    """Closed form at a = 1 (the a-derivative of the 2F1 form, summed as a series in z):
    b' (1 - z)^R sum_n (R)_n z^n / n! [psi(b' + n) - psi(b')], z = kappa / (1 + kappa)."""
    z = kappa / (1 + kappa)
    n = np.arange(1, terms)
    log_poch = np.cumsum(np.log((R + n - 1) * z / n))
    return bp * (1 - z) ** R * np.sum(np.exp(log_poch) * (_digamma(bp + n) - _digamma(bp)))


def _if_alive_by_quadrature(R, a, bp, kappa):
    density = lambda p: np.exp((a - 1) * np.log(p) + (bp - 1) * np.log1p(-p) - _betaln(a, bp))  # noqa: E731
    top = min(1.0, (a + 60) / (a + bp))
    value, _ = quad(lambda p: -np.expm1(-R * np.log1p(p * kappa)) / p * density(p), 0, top, limit=500, epsabs=0, epsrel=1e-13)
    return value


def _alive(r, alpha, a, b, x, t_x, T, k=0):
    if x == 0 and k == 0:
        return 1.0
    return 1 / (1 + a / (b + x - 1 + k) * ((alpha + T) / (alpha + t_x)) ** (r + x))


@pytest.mark.parametrize("a", [1.0, 1 + 1e-9, 1 - 1e-9, 1 + 1e-6, 1 - 0.03, 1.049])
def test_a_equal_to_one_gives_the_finite_limit(a):
    r, alpha, b = 0.243, 4.414, 2.426
    with np.errstate(all="raise"):
        got = bgnbd.expected_purchases((r, alpha, a, b), 39, [2], [30.43], [38.86])[0]
    oracle = _if_alive_at_a_one(r + 2, b + 2, 39 / (alpha + 38.86)) * _alive(r, alpha, 1.0, b, 2, 30.43, 38.86)
    assert oracle == pytest.approx(1.1021, abs=5e-5)
    if a == 1.0:
        assert got == pytest.approx(oracle, rel=1e-12)
    else:
        q = _if_alive_by_quadrature(r + 2, a, b + 2, 39 / (alpha + 38.86)) * _alive(r, alpha, a, b, 2, 30.43, 38.86)
        assert got == pytest.approx(q, rel=1e-11)


def test_a_equal_to_one_in_the_modified_model_the_new_customer_and_the_clv():
    from klant_xl.models import clv

    r, alpha, b = 0.525, 6.183, 1.614
    with np.errstate(all="raise"):
        got = mbgnbd.expected_purchases((r, alpha, 1.0, b), 52, [0], [0.0], [38.86])[0]
        new = bgnbd.expected_purchases_new((r, alpha, 1.0, b), 52)[0]
        value = clv.customer_lifetime_value(
            lambda days: bgnbd.expected_purchases((r, alpha, 1.0, b), days / 7, [2], [30.43], [38.86]), 20.0, 12, 0.3, 0.1
        )[0]
    assert got == pytest.approx(_if_alive_at_a_one(r, b + 1, 52 / (alpha + 38.86)) * _alive(r, alpha, 1.0, b, 0, 0, 38.86, k=1), rel=1e-12)
    assert new == pytest.approx(_if_alive_at_a_one(r, b, 52 / alpha), rel=1e-12)
    assert np.isfinite(value) and value > 0


@pytest.mark.parametrize("b", [1e7, 1e8, 1e10, 1e12])
def test_very_large_b_gives_the_no_dropout_answer(b):
    r, alpha, a = 0.486, 5.006, 1e-6
    got = bgnbd.expected_purchases((r, alpha, a, b), 39, [0], [0], [38.86])[0]
    kappa = 39 / (alpha + 38.86)
    # the power series in kappa: sum_n (-1)^(n+1) (R)_n (a)_(n-1) kappa^n / ((a + b)_(n-1) n!)
    term, oracle = r * kappa, r * kappa
    for n in range(1, 30):
        term *= -(r + n) * (a + n - 1) * kappa / ((a + b + n - 1) * (n + 1))
        oracle += term
    assert got == pytest.approx(oracle, rel=1e-14)
    # p is essentially 0: a Poisson buyer with rate ~ Gamma(r, alpha + T) buys r t / (alpha + T)
    assert got == pytest.approx(r * 39 / (alpha + 38.86), rel=1e-6)
    assert got == pytest.approx(0.432, abs=5e-4)
    survives = bgnbd.probability_alive_after((r, alpha, a, b), 39, [3], [20.0], [38.86])[0]
    assert survives == pytest.approx(bgnbd.probability_alive((r, alpha, a, b), [3], [20.0], [38.86])[0], rel=1e-6)


def test_a_long_history_against_a_short_horizon_is_exact():
    # x = 0, T = 1e9, 52 weeks: the closed form's 1 - (1 - z)^R 2F1 cancelled to ~6e-7.
    r, alpha, a, b = PUBLISHED.values()
    kappa = 52 / (alpha + 1e9)
    # series E = sum_n (-1)^(n+1) (R)_n (a)_(n-1) kappa^n / ((a + b)_(n-1) n!); three terms are exact here
    oracle = r * kappa - r * (r + 1) * a * kappa**2 / (2 * (a + b)) + r * (r + 1) * (r + 2) * a * (a + 1) * kappa**3 / (6 * (a + b) * (a + b + 1))
    assert bgnbd.expected_purchases((r, alpha, a, b), 52, [0], [0], [1e9])[0] == pytest.approx(oracle, rel=1e-14)


def test_large_b_with_a_long_horizon_where_scipy_has_no_value():
    # b' = 2.2e4, kappa = 1350: hyp2f1 gives nan and the power series does not converge
    R, a, bp, kappa = 0.33, 1.0, 2.21e4, 1350.0
    got = bgnbd._expected_if_alive(R, a, bp, kappa, kappa / (1 + kappa), -np.log1p(kappa))
    assert float(got) == pytest.approx(_if_alive_at_a_one(R, bp, kappa, terms=200_000), rel=1e-9)


def _two_point_customers(n, rng):
    """Half the story of a Beta(a -> 0, b -> 0): a share drops out after the first repeat purchase, the rest never."""
    T = rng.uniform(20, 80, n)
    lam = rng.gamma(2.0, 1 / 10, n)
    drops = rng.random(n) < 0.3
    x = np.zeros(n)
    t_x = np.zeros(n)
    for i in range(n):
        now = rng.exponential(1 / lam[i])
        while now <= T[i]:
            x[i] += 1
            t_x[i] = now
            if drops[i]:
                break
            now += rng.exponential(1 / lam[i])
    return x, t_x, T


def test_a_and_b_both_running_to_zero_is_a_genuine_optimum():
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x, t_x, T = _two_point_customers(500, np.random.default_rng(16))
    fitted = bgnbd.fit(x, t_x, T)
    assert fitted.params.a < 1e-8 and fitted.params.b < 1e-8

    def limit_neg_ll(theta):  # the likelihood of the two-point mixture itself (pi = a / (a + b))
        r, alpha = np.exp(theta[:2])
        pi = 1 / (1 + np.exp(-theta[2]))
        never = np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T))
        once = np.where(x == 0, (alpha / (alpha + T)) ** r, np.where(x == 1, r * alpha**r / (alpha + t_x) ** (r + 1), 0.0))
        return -np.log(pi * once + (1 - pi) * never).sum()

    best = minimize(limit_neg_ll, [0.0, 0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000})
    assert fitted.log_likelihood == pytest.approx(-best.fun, abs=1e-6)
    assert fitted.params.a / (fitted.params.a + fitted.params.b) == pytest.approx(1 / (1 + np.exp(-best.x[2])), rel=1e-4)
    # predictions at the optimum are finite and equal the mixture's own
    r, alpha, a, b = fitted.params
    pi = a / (a + b)
    kappa = 52 / (alpha + T[:5])
    expected = pi * -np.expm1(-r * np.log1p(kappa)) + (1 - pi) * r * kappa  # x = 0 customers: alive for sure
    got = bgnbd.expected_purchases(fitted.params, 52, np.zeros(5), np.zeros(5), T[:5])
    assert got == pytest.approx(expected, rel=1e-5)


fit_bound_params = st.tuples(
    st.floats(np.exp(-13), np.exp(13)),  # r and alpha: the runaway check's limit
    st.floats(np.exp(-13), np.exp(13)),
    st.floats(np.exp(-26), np.exp(26)) | st.sampled_from([1.0, 1 + 1e-9, 1 - 1e-7]),  # a, b: the optimiser's bounds
    st.floats(np.exp(-26), np.exp(26)),
)


@pytest.mark.parametrize("module", [bgnbd, mbgnbd])
# derandomize: the same 150 examples in every run (CI included), so a pass is reproducible; the case a
# random run found beyond them is kept as a known defect below
@settings(max_examples=150, deadline=None, derandomize=True)
@given(params=fit_bound_params, history=histories(), t=st.floats(0.5, 200))
def test_predictions_stay_finite_and_ordered_up_to_the_fit_bounds(module, params, history, t):
    x, t_x, T = history
    with np.errstate(all="ignore"):
        p = module.probability_alive(params, x, t_x, T)[0]
        short = module.expected_purchases(params, t, x, t_x, T)[0]
        longer = module.expected_purchases(params, 2 * t, x, t_x, T)[0]
    assert 0.0 <= p <= 1.0
    assert np.isfinite(short) and np.isfinite(longer)
    assert 0.0 <= short <= longer * (1 + 1e-7) + 1e-12


def test_expected_purchases_grow_with_the_horizon_at_huge_a_and_b():
    # found by hypothesis: scipy's hyp2f1 was off by 1e-3 here (a = 1.3e9, b = 1.9e11); p ~ Beta(a, b)
    # is then a spike at a / (a + b), and E[X(t) | alive] is f(mu) = (1 - (1 + mu kappa)^-(r + x)) / mu
    # to ~1e-9: 148.87 at t = 155 (kappa = 155 / 22), computed by hand with the formula
    params = (92.0, 19.0, 1285632008.0, 190279972307.0)
    x, t_x, T = np.array([60.0]), np.array([0.0]), np.array([3.0])
    short = bgnbd.expected_purchases(params, 155.0, x, t_x, T)[0]
    longer = bgnbd.expected_purchases(params, 310.0, x, t_x, T)[0]
    assert short <= longer  # E[X(t)] can only grow with t
    mu, kappa, R = 1285632008.0 / (1285632008.0 + 190279972307.0 + 60), 155.0 / 22.0, 152.0
    by_hand = (1 - (1 + mu * kappa) ** -R) / mu
    alive = bgnbd.probability_alive(params, x, t_x, T)[0]
    assert short == pytest.approx(by_hand * alive, rel=1e-8)
