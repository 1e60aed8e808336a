"""retail_segments.clv against the literature (CDNOW) and against properties that can fail.

Published figures: Fader, Hardie & Lee 2005 (BG/NBD on the CDNOW sample), Fader & Hardie 2013
(Gamma-Gamma), and Hardie's spreadsheets for those papers as quoted by the lifetimes tests.
Data: tests/data/cdnow (see the README there). Fast: no dbt, no warehouse.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from retail_segments import clv, lifetime_value

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow"
PUBLISHED_BGNBD = clv.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_GAMMA_GAMMA = clv.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
# MBG/NBD on the same CDNOW sample, by BTYDplus (Platzer), as quoted by the lifetimes tests
PUBLISHED_MBGNBD = clv.BgNbdParams(r=0.525, alpha=6.183, a=0.891, b=1.614, family="mbgnbd")


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """2,357 customers, 39-week calibration: frequency (x), recency (t_x, weeks), T (weeks)."""
    return pd.read_csv(CDNOW / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    """The same customers with zbar, the mean value of their repeat purchases."""
    return pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def cdnow_fit(cdnow) -> clv.BgNbdParams:
    return clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def simulate_bgnbd(params, n, rng, age_range=(27.0, 39.0), holdout=0.0, dropout=True):
    """Draw n customers from the BG/NBD process (FHL 2005, section 3), vectorised.

    lambda ~ Gamma(r, alpha), p ~ Beta(a, b); the customer buys at Poisson rate lambda and
    after each repeat purchase drops out with probability p, so the lifetime number of repeat
    purchases J is geometric on {1, 2, ...} (MBG/NBD, `params.family`: the toss also follows
    the first purchase, so J is geometric on {0, 1, ...}). Of the K ~ Poisson(lambda T)
    purchase times in (0, T] the customer makes x = min(K, J); the x-th of K uniform times is
    T * Beta(x, K-x+1). Returns x, t_x, T and, for customers still active at T, the purchases
    in (T, T+holdout].
    """
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    age = rng.uniform(*age_range, n)
    possible = rng.poisson(rate * age)
    if dropout:
        lifetime_purchases = rng.geometric(rng.beta(params.a, params.b, n))
        lifetime_purchases -= int(params.dropout_at_first_purchase)
    else:
        lifetime_purchases = np.full(n, np.iinfo(np.int64).max)
    x = np.minimum(possible, lifetime_purchases)
    t_x = np.where(x > 0, age * rng.beta(np.maximum(x, 1), possible - x + 1), 0.0)
    active = lifetime_purchases > possible
    future = rng.poisson(rate * holdout)
    holdout_purchases = np.where(active, np.minimum(future, lifetime_purchases - possible), 0)
    return x.astype(float), t_x, age, holdout_purchases


def direct_series_hyp2f1_term(r, a, b, x, z, max_terms=20000):
    """(1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) by summing the Gauss series term by term."""
    big_a, big_b, big_c = r + x, b + x, a + b + x - 1.0
    term = np.ones_like(z)
    total = np.ones_like(z)
    for n in range(max_terms):
        term = term * (big_a + n) * (big_b + n) / ((big_c + n) * (n + 1.0)) * z
        total = total + term
        if np.all(np.abs(term) <= 1e-18 * np.abs(total)):
            break
    return (1.0 - z) ** (r + x) * total


# --------------------------------------------------------------------------------------------
# BG/NBD: published CDNOW estimates


def test_bgnbd_fit_on_cdnow_matches_fhl_2005(cdnow_fit):
    fit = cdnow_fit
    assert fit.converged and not fit.dropout_at_bound and fit.params_at_bound == ()
    assert fit.n_customers == 2357
    # FHL 2005 table: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; LL = -9582.4
    assert fit.r == pytest.approx(0.243, rel=0.01)
    assert fit.alpha == pytest.approx(4.414, rel=0.01)
    assert fit.a == pytest.approx(0.793, rel=0.01)
    assert fit.b == pytest.approx(2.426, rel=0.01)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.5)
    # and closer than 1%: every estimate rounds to the published three decimals
    assert [round(v, 3) for v in (fit.r, fit.alpha, fit.a, fit.b)] == [0.243, 4.414, 0.793, 2.426]


def test_bgnbd_reported_log_likelihood_is_the_maximum_in_the_input_unit(cdnow, cdnow_fit):
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    at_fit = clv.bgnbd_log_likelihood(cdnow_fit, x, t_x, T)
    at_published = clv.bgnbd_log_likelihood(PUBLISHED_BGNBD, x, t_x, T)
    assert cdnow_fit.log_likelihood == pytest.approx(at_fit, abs=1e-6)
    assert at_published == pytest.approx(-9582.4, abs=0.5)
    assert at_fit >= at_published


def test_bgnbd_fit_does_not_depend_on_the_time_unit(cdnow, cdnow_fit):
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    in_days = clv.fit_bgnbd(x, 7 * t_x, 7 * T)
    assert in_days.alpha == pytest.approx(7 * cdnow_fit.alpha, rel=1e-5)
    for name in ("r", "a", "b"):
        assert getattr(in_days, name) == pytest.approx(getattr(cdnow_fit, name), rel=1e-5)
    # the likelihood of x purchase times picks up 1/7 per purchase
    shift = x.sum() * np.log(7)
    assert in_days.log_likelihood == pytest.approx(cdnow_fit.log_likelihood - shift, abs=1e-4)
    np.testing.assert_allclose(
        clv.prob_alive(in_days, x, 7 * t_x, 7 * T), clv.prob_alive(cdnow_fit, x, t_x, T), rtol=1e-5
    )


def test_weighted_fit_on_compressed_rows_equals_unweighted_fit(cdnow, cdnow_fit):
    rows, counts = np.unique(
        cdnow[["frequency", "recency", "T"]].to_numpy(), axis=0, return_counts=True
    )
    assert len(rows) < len(cdnow)  # there is something to compress
    compressed = clv.fit_bgnbd(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
    assert compressed.n_customers == cdnow_fit.n_customers
    assert compressed.log_likelihood == pytest.approx(cdnow_fit.log_likelihood, abs=1e-6)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(compressed, name) == pytest.approx(getattr(cdnow_fit, name), rel=1e-5)


# --------------------------------------------------------------------------------------------
# BG/NBD: published predictions and properties


def test_conditional_expectation_matches_fhl_2005_example(cdnow_fit):
    # FHL 2005: customer with x = 2, t_x = 30.43, T = 38.86 weeks: 1.226 purchases in 39 weeks
    for params in (PUBLISHED_BGNBD, cdnow_fit):
        assert float(clv.expected_purchases(params, 39, 2, 30.43, 38.86)) == pytest.approx(
            1.226, abs=5e-4
        )


def test_new_customer_expectation_matches_hardie_spreadsheet(cdnow_fit):
    # E[X(t)] (eq. 7) at the CDNOW estimates, from Hardie's BG/NBD spreadsheet (as quoted by
    # the lifetimes tests); the 78-week value differs from ours by 3.7e-4
    weeks = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00])
    spreadsheet = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    np.testing.assert_allclose(clv.expected_purchases_new(cdnow_fit, weeks), spreadsheet, atol=5e-4)


def test_prob_alive_properties(cdnow_fit):
    p = cdnow_fit
    assert np.all(clv.prob_alive(p, 0, 0, [0.0, 1.0, 38.86, 1000.0]) == 1.0)
    ages = np.linspace(30.43, 300, 50)
    falling = clv.prob_alive(p, 2, 30.43, ages)
    assert falling[0] == pytest.approx(1 / (1 + p.a / (p.b + 1)), rel=1e-12)  # t_x = T
    assert np.all(np.diff(falling) < 0) and np.all(falling > 0)
    rising = clv.prob_alive(p, 2, np.linspace(0, 38.86, 50), 38.86)
    assert np.all(np.diff(rising) > 0)
    # FHL appendix formula in plain floats
    odds = p.a / (p.b + 2 - 1) * ((p.alpha + 38.86) / (p.alpha + 30.43)) ** (p.r + 2)
    assert float(clv.prob_alive(p, 2, 30.43, 38.86)) == pytest.approx(1 / (1 + odds), rel=1e-12)
    # many purchases long ago: practically gone, but no overflow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert 0 <= float(clv.prob_alive(p, 500, 1.0, 38.86)) < 1e-100


def test_expected_purchases_properties(cdnow_fit):
    p = cdnow_fit
    horizons = np.linspace(0, 104, 53)
    path = clv.expected_purchases(p, horizons, 2, 30.43, 38.86)
    assert path[0] == 0 and np.all(np.diff(path) > 0)
    # never more than an active customer's expected rate (r+x)/(alpha+T) times t
    assert np.all(path <= (p.r + 2) / (p.alpha + 38.86) * horizons + 1e-12)
    # x = 0 and age T: the posterior is the prior with alpha -> alpha + T (eq. 10 vs eq. 7)
    for age in (0.0, 10.0, 38.86):
        shifted = clv.BgNbdParams(r=p.r, alpha=p.alpha + age, a=p.a, b=p.b)
        np.testing.assert_allclose(
            clv.expected_purchases(p, horizons, 0, 0, age),
            clv.expected_purchases_new(shifted, horizons),
            rtol=1e-12,
        )
    # customers broadcast against horizons
    grid = clv.expected_purchases(p, horizons[:, None], [0, 1, 5], [0, 10, 35], [38.86] * 3)
    assert grid.shape == (53, 3)


def test_robust_hypergeometric_term_agrees_with_direct_series():
    z = np.array([0.05, 0.2, 0.35, 0.5, 0.6])
    for r, a, b in [(0.243, 0.793, 2.426), (1.7, 3.5, 0.8), (0.05, 0.02, 40.0), (0.5, 1.3, 1.2)]:
        for x in (0.0, 1.0, 2.0, 7.0, 25.0):
            robust = clv._hyp2f1_term(r, a, b, x, z)
            direct = direct_series_hyp2f1_term(r, a, b, x, z)
            np.testing.assert_allclose(robust, direct, rtol=1e-10, err_msg=f"{r, a, b, x}")
            # and the quantity used, (a+b+x-1)/(a-1) (1 - H), to 1e-8
            scale = (a + b + x - 1) / (a - 1)
            np.testing.assert_allclose(
                scale * (1 - robust), scale * (1 - direct), rtol=1e-8, err_msg=f"{r, a, b, x}"
            )


def test_quadrature_fallback_agrees_with_hypergeometric_path():
    rng = np.random.default_rng(5)
    n = 200
    r, a = 10 ** rng.uniform(-1.5, 0.7, n), 10 ** rng.uniform(-2, 0.5, n)
    b = 10 ** rng.uniform(-0.5, 3, n)
    x = rng.choice([0.0, 1.0, 3.0, 20.0], n)
    alpha_T, t = 10 ** rng.uniform(0, 2, n), 10 ** rng.uniform(-0.5, 2, n)
    for i in range(n):
        args = (r[i], alpha_T[i : i + 1], a[i], b[i], x[i : i + 1], t[i : i + 1])
        by_hyp2f1 = clv._expected_purchases_if_alive(*args)
        by_quadrature = clv._expected_purchases_if_alive_by_quadrature(*args)
        np.testing.assert_allclose(by_quadrature, by_hyp2f1, rtol=1e-8)


def test_expected_purchases_where_scipy_hyp2f1_fails():
    # b huge, a tiny (the no-dropout corner) and t >> alpha: scipy 1.17 returns non-finite
    # 2F1 for z = t/(alpha+t) above ~0.998 here, so these values come from the quadrature
    p = clv.BgNbdParams(r=0.5, alpha=0.2, a=1e-4, b=1e6)
    horizons = np.geomspace(1, 2000, 400)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = clv.expected_purchases_new(p, horizons)
    assert np.all(np.isfinite(path)) and np.all(np.diff(path) > 0)
    # p ~ Beta(1e-4, 1e6) is practically 0: close to the no-dropout r t / alpha, never above
    no_dropout = p.r / p.alpha * horizons
    assert np.all(path <= no_dropout) and np.all(path >= 0.999 * no_dropout)


def test_expected_purchases_is_continuous_through_a_equal_one():
    values = [
        float(clv.expected_purchases(clv.BgNbdParams(0.243, 4.414, a, 2.426), 39, 2, 30.43, 38.86))
        for a in (1 - 1e-4, 1 - 1e-7, 1.0, 1 + 1e-7, 1 + 1e-4)
    ]
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) < 0)
    assert values[2] == pytest.approx(values[1], rel=1e-7)


def test_invalid_inputs_are_refused():
    with pytest.raises(ValueError, match="t_x <= T"):
        clv.fit_bgnbd([1, 2], [5.0, 3.0], [4.0, 10.0])
    with pytest.raises(ValueError, match="integer"):
        clv.prob_alive(PUBLISHED_BGNBD, 1.5, 1.0, 2.0)
    with pytest.raises(ValueError, match="t .*must be"):
        clv.expected_purchases(PUBLISHED_BGNBD, -1.0, 1, 1.0, 2.0)


@pytest.mark.parametrize("horizon", [-1.0, np.nan, np.inf])
def test_horizons_that_are_not_a_length_of_time_are_refused(horizon):
    # a negative horizon used to give P(purchase within t) = -0.237
    for predict in (clv.prob_purchase_within, clv.expected_purchases):
        with pytest.raises(ValueError, match="horizon"):
            predict(PUBLISHED_BGNBD, horizon, 2, 10.0, 30.0)
    with pytest.raises(ValueError, match="horizon"):
        clv.expected_purchases_new(PUBLISHED_BGNBD, horizon)


@pytest.mark.parametrize(
    ("periods", "rate", "length"),
    [
        (12, np.nan, 1.0),
        (12, np.inf, 1.0),
        (12, -1.0, 1.0),
        (0, 0.01, 1.0),
        (2.5, 0.01, 1.0),
        (12, 0.01, np.nan),
        (12, 0.01, -4.0),
    ],
)
def test_discounting_needs_a_finite_rate_and_whole_periods(periods, rate, length):
    gg = clv.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
    with pytest.raises(ValueError, match="discount rate"):
        clv.discounted_clv(PUBLISHED_BGNBD, gg, [2], [10.0], [30.0], [20.0], periods, rate, length)


def test_days_to_a_purchase_probability_inverts_the_purchase_probability(cdnow):
    """The closed form gives the horizon at which P(purchase within t) reaches p; checked
    through prob_purchase_within itself on every CDNOW customer."""
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    alive = clv.prob_alive(PUBLISHED_BGNBD, x, t_x, T)
    for p in (0.1, 0.5, 0.9):
        days = clv.days_until_purchase_probability(PUBLISHED_BGNBD, p, x, t_x, T)
        reachable = alive > p
        assert np.isinf(days[~reachable]).all() and np.isfinite(days[reachable]).all()
        at = clv.prob_purchase_within(
            PUBLISHED_BGNBD, days[reachable], x[reachable], t_x[reachable], T[reachable]
        )
        np.testing.assert_allclose(at, p, rtol=1e-9)
        # and a day earlier the probability is still below p
        earlier = np.maximum(days[reachable] - 1.0, 0.0)
        assert (
            clv.prob_purchase_within(
                PUBLISHED_BGNBD, earlier, x[reachable], t_x[reachable], T[reachable]
            )
            < p
        ).all()
    assert (~(alive > 0.5)).sum() > 0  # CDNOW has customers more likely gone than not
    with pytest.raises(ValueError, match="probability"):
        clv.days_until_purchase_probability(PUBLISHED_BGNBD, 1.0, x, t_x, T)


# --------------------------------------------------------------------------------------------
# Gamma-Gamma


def test_gamma_gamma_fit_on_cdnow_matches_fader_hardie_2013(cdnow_spend):
    fit = clv.fit_gamma_gamma(cdnow_spend["x"], cdnow_spend["zbar"])
    assert fit.converged and fit.n_customers == 946  # customers with x > 0
    assert fit.p == pytest.approx(6.25, rel=0.01)
    assert fit.q == pytest.approx(3.74, rel=0.01)
    assert fit.gamma == pytest.approx(15.44, rel=0.01)
    assert fit.log_likelihood == pytest.approx(
        clv.gamma_gamma_log_likelihood(fit, cdnow_spend["x"], cdnow_spend["zbar"]), abs=1e-6
    )
    # FH 2013 / Hardie's spreadsheet: population mean spend 35.17
    assert fit.population_mean_spend == pytest.approx(35.17, abs=0.005)
    # 2,357 customers, 1,411 of them without a repeat purchase: counted, not fitted
    assert fit.params_at_bound == () and fit.set_aside == (("no repeat purchase", 1411.0),)


def test_gamma_gamma_counts_what_it_sets_aside(cdnow_spend):
    """Rows the spend model cannot use are counted by reason, not dropped silently, and do
    not change the fit."""
    x, m = cdnow_spend["x"].to_numpy(float), cdnow_spend["zbar"].to_numpy(float)
    clean = clv.fit_gamma_gamma(x, m)
    extra_x = np.array([0.0, 0.0, 3.0, 2.0, 4.0, 1.0])
    extra_m = np.array([10.0, 0.0, 0.0, -5.0, np.nan, 12.0])
    fit = clv.fit_gamma_gamma(np.r_[x, extra_x], np.r_[m, extra_m])
    # CDNOW's own 1,411 customers without a repeat purchase and the two added here
    assert dict(fit.set_aside) == {
        "no repeat purchase": float((x == 0).sum()) + 2,
        "spend zero or below": 2.0,
        "spend missing": 1.0,
    }
    assert fit.n_customers == clean.n_customers + 1  # the one usable added row
    reference = clv.fit_gamma_gamma(np.r_[x, 1.0], np.r_[m, 12.0])
    assert (fit.p, fit.q, fit.gamma) == (reference.p, reference.q, reference.gamma)


def float_path_variants(counts: np.ndarray, *columns: np.ndarray, seed: int = 0):
    """The same data three ways, as other processors would sum it: as given, rows in another
    order (another summation order, as another BLAS kernel takes), and every value but the
    counts moved by about 1e-12 of itself (far below any tolerance asserted here). A fit on
    a flat likelihood ridge stops at different places on these; what the data identify must
    not move."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(counts.size)
    moved = tuple(c * (1 + 1e-12 * rng.standard_normal(c.size)) for c in columns)
    yield "as given", (counts, *columns)
    yield "rows reordered", tuple(c[order] for c in (counts, *columns))
    yield "values moved 1e-12", (counts, *moved)


def test_gamma_gamma_fit_at_a_bound_is_flagged():
    """Frequent customers who all spend exactly the same: neither the spend per purchase nor
    its mean varies, so the likelihood wants point masses and p, q run towards the upper
    bound along a ridge on which only p*gamma/(q-1) is identified. Where on that ridge the
    optimiser stops depends on the floating-point path (OpenBLAS's Haswell kernel ends with p
    and q at the bound, its SkylakeX kernel with p near 5e5 and only q there), so the test
    asserts what the data identify: the fit is flagged, the mean spend and every customer's
    expected spend are 20, and the log-likelihood is the ridge's (within 1 nat of the box's
    maximum, far above any interior point); on CDNOW nothing is at a bound (above)."""
    x = np.tile([100.0, 200.0, 300.0, 500.0], 50)
    m = np.full_like(x, 20.0)
    high = clv.PARAMETER_BOUNDS[1]
    box_maximum = clv.gamma_gamma_log_likelihood(
        clv.GammaGammaParams(p=high, q=high, gamma=20.0 * (high - 1) / high), x, m
    )
    interior = clv.gamma_gamma_log_likelihood(
        clv.GammaGammaParams(1e4, 1e4, 20 * 9_999 / 1e4), x, m
    )
    assert box_maximum > interior + 100  # the ridge climbs steeply, then flattens
    for variant, (xs, ms) in float_path_variants(x, m):
        fit = clv.fit_gamma_gamma(xs, ms)
        assert {"p", "q"} & set(fit.params_at_bound), variant
        assert fit.population_mean_spend == pytest.approx(20.0, rel=1e-3), variant
        np.testing.assert_allclose(clv.expected_spend(fit, xs, ms), 20.0, rtol=1e-3)
        assert fit.log_likelihood == pytest.approx(
            clv.gamma_gamma_log_likelihood(fit, xs, ms), abs=1e-2
        ), variant
        assert box_maximum - 1.0 <= fit.log_likelihood <= box_maximum + 1e-2, variant


def test_gamma_gamma_fit_is_invariant_to_money_unit_and_compression(cdnow_spend):
    x, m = cdnow_spend["x"].to_numpy(), cdnow_spend["zbar"].to_numpy()
    base = clv.fit_gamma_gamma(x, m)
    in_cents = clv.fit_gamma_gamma(x, 100 * m)
    assert in_cents.gamma == pytest.approx(100 * base.gamma, rel=1e-5)
    assert (in_cents.p, in_cents.q) == pytest.approx((base.p, base.q), rel=1e-5)
    rows, counts = np.unique(np.column_stack([x, m]), axis=0, return_counts=True)
    compressed = clv.fit_gamma_gamma(rows[:, 0], rows[:, 1], weights=counts)
    assert (compressed.p, compressed.q, compressed.gamma) == pytest.approx(
        (base.p, base.q, base.gamma), rel=1e-5
    )
    assert compressed.log_likelihood == pytest.approx(base.log_likelihood, abs=1e-6)


def test_expected_spend_matches_hardie_spreadsheet(cdnow_spend):
    first_ten = cdnow_spend.head(10)
    spend = clv.expected_spend(PUBLISHED_GAMMA_GAMMA, first_ten["x"], first_ten["zbar"])
    # Hardie's Gamma-Gamma spreadsheet (note 025) as quoted by the lifetimes tests
    hardie = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    np.testing.assert_allclose(spend, hardie, atol=0.1)


def test_expected_spend_fallbacks():
    gg = clv.GammaGammaParams(p=6.25, q=3.74, gamma=15.44, observed_mean_spend=30.0)
    x, m = np.array([0, 3, 3, 2]), np.array([0.0, 20.0, -1.0, 50.0])
    spend = clv.expected_spend(gg, x, m)
    population = 6.25 * 15.44 / 2.74
    assert spend[0] == pytest.approx(population) and spend[2] == pytest.approx(population)
    # the two documented forms of eq. 5 agree
    weight = (gg.q - 1) / (gg.p * 3 + gg.q - 1)
    assert spend[1] == pytest.approx(weight * population + (1 - weight) * 20.0)
    # between the customer's own mean and the population mean
    assert 20.0 < spend[1] < population and population < spend[3] < 50.0
    # q <= 1: no population mean; the fitted customers' mean spend stands in
    heavy_tail = clv.GammaGammaParams(p=2.0, q=0.8, gamma=10.0, observed_mean_spend=30.0)
    assert np.isnan(heavy_tail.population_mean_spend)
    assert clv.expected_spend(heavy_tail, [0, 1], [0.0, 20.0]) == pytest.approx(
        [30.0, 2.0 * (10.0 + 20.0) / (2.0 + 0.8 - 1)]
    )
    unfitted = clv.GammaGammaParams(p=2.0, q=0.8, gamma=10.0)
    assert clv.expected_spend(unfitted, [0, 1, 3], [0.0, 20.0, 40.0])[0] == pytest.approx(30.0)


# --------------------------------------------------------------------------------------------
# CLV and the independence check


@pytest.mark.parametrize("family", clv.FAMILIES)
def test_discounted_clv_is_the_discounted_sum_of_period_purchases(cdnow_spend, cdnow_fit, family):
    gg = PUBLISHED_GAMMA_GAMMA
    if family == "mbgnbd":  # each family's own expected purchases (b shifted for this one)
        cdnow_fit = PUBLISHED_MBGNBD
    rows = cdnow_spend.head(20)
    x, t_x, T, m = (rows[c].to_numpy() for c in ("x", "t_x", "T", "zbar"))
    month = 52 / 12
    value = clv.discounted_clv(cdnow_fit, gg, x, t_x, T, m, 12, 0.01, period_length=month)
    cumulative = [clv.expected_purchases(cdnow_fit, i * month, x, t_x, T) for i in range(13)]
    by_hand = sum(
        (cumulative[i] - cumulative[i - 1]) / 1.01**i for i in range(1, 13)
    ) * clv.expected_spend(gg, x, m)
    np.testing.assert_allclose(value, by_hand, rtol=1e-12)
    undiscounted = clv.discounted_clv(cdnow_fit, gg, x, t_x, T, m, 12, 0.0, period_length=month)
    np.testing.assert_allclose(undiscounted, cumulative[12] * clv.expected_spend(gg, x, m))
    assert np.all(value < undiscounted) and np.all(value > 0)


def test_discounting_follows_the_period_ends_it_is_given(cdnow_spend, cdnow_fit):
    """Periods of unequal length (calendar months on a seasonal clock) come as their ends;
    ends of 2 L each are periods of length 2 L."""
    gg = clv.fit_gamma_gamma(cdnow_spend["x"], cdnow_spend["zbar"])
    args = (cdnow_fit, gg, cdnow_spend["x"], cdnow_spend["t_x"], cdnow_spend["T"])
    month = 52 / 12
    doubled = clv.discounted_clv(*args, cdnow_spend["zbar"], 12, 0.01, period_length=2 * month)
    by_ends = clv.discounted_clv(
        *args, cdnow_spend["zbar"], 12, 0.01, period_ends=2 * month * np.arange(1, 13)
    )
    np.testing.assert_allclose(by_ends, doubled, rtol=1e-12)
    plain = clv.discounted_clv(*args, cdnow_spend["zbar"], 12, 0.01, period_length=month)
    assert (by_ends > plain).all()
    with pytest.raises(ValueError, match="ascend"):
        clv.discounted_clv(*args, cdnow_spend["zbar"], 2, 0.01, period_ends=[5.0, 4.0])


def test_next_order_dates_and_their_reasons(cdnow):
    """A customer more likely gone than not never gets a date; one whose half-chance lies
    beyond a year is told so; the others get the day the chance reaches one half."""
    x, t_x, T = (
        cdnow[c].to_numpy(float) * k for c, k in (("frequency", 1), ("recency", 7), ("T", 7))
    )
    bg = clv.BgNbdParams(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426)  # days
    end = pd.Series(pd.to_datetime(["1997-09-30"] * len(x)))
    days, dates, reasons = lifetime_value.next_order(
        bg, x, t_x, T, end, lifetime_value.SeasonalClock()
    )
    alive = clv.prob_alive(bg, x, t_x, T)
    gone = alive <= 0.5
    far = ~gone & (clv.prob_purchase_within(bg, 365, x, t_x, T) < 0.5)
    soon = ~gone & ~far
    assert gone.any() and far.any() and soon.any()
    assert all(r.startswith("more likely gone than not") for r in reasons[gone])
    assert all(r.startswith("a purchase becomes more likely") for r in reasons[far])
    assert all(r is None for r in reasons[soon])
    assert pd.isna(dates[gone | far]).all() and not pd.isna(dates[soon]).any()
    waited = (pd.to_datetime(dates[soon]) - pd.Timestamp("1997-09-30")).days.to_numpy()
    np.testing.assert_array_equal(waited, np.ceil(days[soon]))


def test_spend_frequency_correlation(cdnow_spend):
    x, m = cdnow_spend["x"].to_numpy(), cdnow_spend["zbar"].to_numpy()
    repeat = x > 0
    corr = clv.spend_frequency_correlation(x, m)
    assert corr == pytest.approx(np.corrcoef(x[repeat], m[repeat])[0, 1], abs=1e-12)
    assert corr == pytest.approx(0.1139, abs=1e-4)  # weak: the Gamma-Gamma assumption holds
    assert np.isnan(clv.spend_frequency_correlation([0, 2, 2], [0.0, 5.0, 7.0]))


# --------------------------------------------------------------------------------------------
# The dropout collapse, and scale


@pytest.mark.parametrize("unit", [1.0, 7.0])  # weeks, and days as in UCI Online Retail
def test_no_dropout_data_stop_at_the_bound_and_are_flagged(unit):
    rng = np.random.default_rng(20240601)
    x, t_x, T, _ = simulate_bgnbd(PUBLISHED_BGNBD, 20_000, rng, dropout=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings either
        fit = clv.fit_bgnbd(x, unit * t_x, unit * T)
        alive = clv.prob_alive(fit, x, unit * t_x, unit * T)
        next_year = clv.expected_purchases(fit, unit * 52, x, unit * t_x, unit * T)
        new = clv.expected_purchases_new(fit, unit * np.array([1.0, 52.0, 520.0]))
    assert np.isfinite([fit.r, fit.alpha, fit.a, fit.b, fit.log_likelihood]).all()
    assert fit.dropout_at_bound
    assert fit.mean_dropout_probability < 1e-3
    assert {"a", "b"} & set(fit.params_at_bound)
    # purchase rates are still estimated: r, alpha of the generating process within 10%
    assert fit.r == pytest.approx(PUBLISHED_BGNBD.r, rel=0.1)
    assert fit.alpha == pytest.approx(unit * PUBLISHED_BGNBD.alpha, rel=0.1)
    assert np.all(alive > 0.99)
    assert np.isfinite(next_year).all() and np.isfinite(new).all()


def test_no_dropout_fit_publishes_one_point_of_the_ridge_on_any_float_path():
    """Where nobody drops out, the likelihood is flat along the boundary (a at its lower
    bound, b anywhere high): on the real data's calibration window the optimiser stopped at
    b = 1e6 with one OpenBLAS kernel and b = 2.8e5 with another. The fit publishes the NBD
    limit instead, a and b at their bounds, with r and alpha refitted (and finished by
    Newton steps), so the parameters and the forecasts agree to 1e-6 on every floating-point
    path (measured: 2e-8 at most, over four samples, three paths and three OpenBLAS
    kernels; the standard error of r here is 1.6%)."""
    rng = np.random.default_rng(20240601)
    x, t_x, T, _ = simulate_bgnbd(PUBLISHED_BGNBD, 20_000, rng, dropout=False)
    low, high = clv.PARAMETER_BOUNDS
    fits = []
    for variant, (xs, txs, Ts) in float_path_variants(x, t_x, T, seed=7):
        fit = clv.fit_bgnbd(xs, txs, Ts)
        assert (fit.a, fit.b) == pytest.approx((low, high), rel=1e-12), variant
        assert set(fit.params_at_bound) == {"a", "b"} and fit.dropout_at_bound, variant
        assert fit.log_likelihood == pytest.approx(
            clv.bgnbd_log_likelihood(fit, xs, txs, Ts), rel=1e-9
        ), variant
        fits.append(fit)
    for fit in fits[1:]:
        assert (fit.r, fit.alpha) == pytest.approx((fits[0].r, fits[0].alpha), rel=1e-6)
        assert fit.converged
        # the log-likelihood of the NBD limit, not of a lower point of the ridge
        assert fit.log_likelihood == pytest.approx(fits[0].log_likelihood, abs=1e-2)
    forecasts = [clv.expected_purchases(fit, 52.0, x, t_x, T) for fit in fits]
    for forecast in forecasts[1:]:
        np.testing.assert_allclose(forecast, forecasts[0], rtol=1e-6)


def test_million_customers_fit_predict_and_recover_the_process():
    n = 1_000_000
    rng = np.random.default_rng(1997)
    x, t_x, T, holdout = simulate_bgnbd(PUBLISHED_BGNBD, n, rng, holdout=39.0)
    started = time.perf_counter()
    fit = clv.fit_bgnbd(x, t_x, T)
    fitted = time.perf_counter()
    alive = clv.prob_alive(fit, x, t_x, T)
    expected = clv.expected_purchases(fit, 39.0, x, t_x, T)
    predicted = time.perf_counter()
    print(f"1e6 customers: fit {fitted - started:.2f} s, predictions {predicted - fitted:.2f} s")
    assert fit.converged and not fit.dropout_at_bound
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fit, name) == pytest.approx(getattr(PUBLISHED_BGNBD, name), rel=0.1)
    assert alive.shape == expected.shape == (n,)
    # eq. 10 averages to the simulated hold-out purchases (law of total expectation) ...
    standard_error = holdout.std() / np.sqrt(n)
    truth = clv.expected_purchases(PUBLISHED_BGNBD, 39.0, x, t_x, T)
    assert abs(truth.mean() - holdout.mean()) < 4 * standard_error
    assert abs(expected.mean() - holdout.mean()) < 4 * standard_error
    # ... and eq. 7 at each customer's age to the simulated calibration purchases
    calibration = clv.expected_purchases_new(PUBLISHED_BGNBD, T)
    assert abs(calibration.mean() - x.mean()) < 4 * x.std() / np.sqrt(n)


def test_probability_of_a_purchase_within_t_matches_simulation():
    """Averaged over simulated customers, P(a purchase in (T, T + 39]) is the simulated share
    of customers who made one (law of total expectation), and it is below P(alive) for
    customers who bought once."""
    n = 200_000
    rng = np.random.default_rng(2005)
    x, t_x, T, holdout = simulate_bgnbd(PUBLISHED_BGNBD, n, rng, holdout=39.0)
    predicted = clv.prob_purchase_within(PUBLISHED_BGNBD, 39.0, x, t_x, T)
    bought = (holdout > 0).astype(float)
    assert abs(predicted.mean() - bought.mean()) < 4 * bought.std() / np.sqrt(n)
    once = x == 0
    assert (predicted[once] < clv.prob_alive(PUBLISHED_BGNBD, x[once], t_x[once], T[once])).all()


def test_concentrated_dropout_uses_the_fixed_p_limit_quickly_and_accurately():
    """With a + b large the Beta is a point mass: eq. 10's fixed-p limit is used (hyp2f1
    struggles there and the quadrature would take minutes at scale). Just below the switch
    the exact path and the limit agree to 1e-3; above it a million customers get finite
    forecasts (how long it takes is the benchmark's to measure)."""
    rng = np.random.default_rng(3)
    n = 400
    x = rng.integers(0, 20, n).astype(float)
    T = rng.uniform(10, 370, n)
    t = np.full(n, 90.0)
    a, b = 800.0, 8_000.0  # a + b just below the switch: the exact path
    exact = clv._expected_purchases_if_alive(0.9, 40 + T, a, b, x, t)
    p = a / (a + b + x)
    limit = -np.expm1(-(0.9 + x) * np.log1p(p * t / (40 + T))) / p
    assert np.max(np.abs(limit / exact - 1)) < 1e-3
    many = 1_000_000
    x = rng.integers(0, 30, many).astype(float)
    T = rng.uniform(1, 370, many)
    t_x = rng.uniform(0, 1, many) * T * (x > 0)
    params = clv.BgNbdParams(r=0.94, alpha=35.5, a=73_904.7, b=1e6)  # a synthetic-data fit
    expected = clv.expected_purchases(params, 187.0, x, t_x, T)
    assert np.isfinite(expected).all() and (expected >= 0).all()


def test_the_purchase_probability_is_calibrated_on_simulated_futures():
    """Customers simulated from the BG/NBD itself (parameters near the real data's full fit,
    in days; first purchases spread over a year): their histories to T, then the next 90
    days. Binned by the probability prob_purchase_within gives from the history, the share
    who do buy in those 90 days matches it within Monte Carlo error in every bin, so the
    formula conditions on x, t_x and T as the model does (a wrong T or a missing P(alive)
    would be off by far more)."""
    rng = np.random.default_rng(90)
    params = clv.BgNbdParams(r=0.8, alpha=60.0, a=0.3, b=3.0)
    n, most = 40_000, 150  # repeat purchases simulated per customer (checked below)
    rate = rng.gamma(params.r, 1 / params.alpha, n)
    dropout = rng.beta(params.a, params.b, n)
    T = rng.integers(1, 366, n).astype(float)
    times = np.cumsum(rng.exponential(1 / rate[:, None], (n, most)), axis=1)
    # the repeat purchase after which the customer leaves (dropout only after a repeat
    # purchase in the BG/NBD): purchases 1..last happen, if time allows
    last = rng.geometric(dropout)
    happens = np.arange(1, most + 1)[None, :] <= last[:, None]
    assert (~happens[:, -1] | (times[:, -1] > T + 90)).all()  # enough purchases simulated
    before = happens & (times <= T[:, None])
    x = before.sum(axis=1).astype(float)
    t_x = np.where(x > 0, np.max(np.where(before, times, 0.0), axis=1), 0.0)
    bought = (happens & (times > T[:, None]) & (times <= T[:, None] + 90)).any(axis=1)
    predicted = clv.prob_purchase_within(params, 90, x, t_x, T)
    bins = np.digitize(predicted, np.linspace(0, 1, 11)[1:-1])
    for b in np.unique(bins):
        inside = bins == b
        if inside.sum() < 200:
            continue
        share, expected = bought[inside].mean(), predicted[inside].mean()
        error = 4 * np.sqrt(expected * (1 - expected) / inside.sum())
        assert abs(share - expected) <= max(error, 0.005), (b, inside.sum(), share, expected)
    assert bought.mean() == pytest.approx(predicted.mean(), abs=0.01)


# --------------------------------------------------------------------------------------------
# MBG/NBD: published CDNOW estimates and the process it describes


def test_mbgnbd_fit_on_cdnow_matches_btydplus(cdnow):
    fit = clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"], family="mbgnbd")
    assert fit.family == "mbgnbd" and fit.converged
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fit, name) == pytest.approx(getattr(PUBLISHED_MBGNBD, name), abs=2e-3)
    # its log-likelihood is the maximum: the BG/NBD's published point, read as an MBG/NBD,
    # is lower
    moved = clv.BgNbdParams(0.243, 4.414, 0.793, 2.426, family="mbgnbd")
    assert fit.log_likelihood > clv.bgnbd_log_likelihood(
        moved, cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    assert fit.log_likelihood == pytest.approx(
        clv.bgnbd_log_likelihood(fit, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    )


def test_mbgnbd_customers_who_never_returned_may_be_gone():
    x, t_x, T = np.array([0.0, 0.0, 2.0]), np.array([0.0, 0.0, 30.43]), np.array([5.0, 38.0, 38.86])
    alive = clv.prob_alive(PUBLISHED_MBGNBD, x, t_x, T)
    # a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x), by hand for the first
    odds = 0.891 / 1.614 * ((6.183 + 5.0) / 6.183) ** 0.525
    assert alive[0] == pytest.approx(1 / (1 + odds))
    assert alive[1] < alive[0] < 1.0
    assert clv.prob_alive(PUBLISHED_BGNBD, x[:2], t_x[:2], T[:2]) == pytest.approx(1.0)


def test_mbgnbd_forecasts_match_its_simulated_process():
    """Customers drawn from the MBG/NBD (dropout also right after the first purchase): the
    fit recovers the planted parameters, and the conditional expectation, the purchase
    probability and the new-customer expectation average to what the simulated customers
    did (law of total expectation, within 4 standard errors)."""
    n = 300_000
    rng = np.random.default_rng(2007)
    planted = clv.BgNbdParams(r=0.5, alpha=6.0, a=0.9, b=1.6, family="mbgnbd")
    x, t_x, T, holdout = simulate_bgnbd(planted, n, rng, holdout=39.0)
    fit = clv.fit_bgnbd(x, t_x, T, family="mbgnbd")
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fit, name) == pytest.approx(getattr(planted, name), rel=0.1)
    expected = clv.expected_purchases(planted, 39.0, x, t_x, T)
    assert abs(expected.mean() - holdout.mean()) < 4 * holdout.std() / np.sqrt(n)
    for once in (x == 0, x > 0):  # the first-purchase dropout matters most to one-off buyers
        error = holdout[once].std() / np.sqrt(once.sum())
        assert abs(expected[once].mean() - holdout[once].mean()) < 4 * error
    bought = (holdout > 0).astype(float)
    within = clv.prob_purchase_within(planted, 39.0, x, t_x, T)
    assert abs(within.mean() - bought.mean()) < 4 * bought.std() / np.sqrt(n)
    new = clv.expected_purchases_new(planted, T)
    assert abs(new.mean() - x.mean()) < 4 * x.std() / np.sqrt(n)
    # the BG/NBD's formulas on the same parameters miss: the family matters
    as_bgnbd = clv.BgNbdParams(planted.r, planted.alpha, planted.a, planted.b)
    wrong = clv.expected_purchases(as_bgnbd, 39.0, x, t_x, T)
    assert abs(wrong.mean() - holdout.mean()) > 10 * holdout.std() / np.sqrt(n)
