"""Customer lifetime value by maximum likelihood: BG/NBD purchases and Gamma-Gamma spend.

Vectorised over customers (numpy arrays, no per-customer Python), fitted with
`scipy.optimize.minimize` (L-BFGS-B, analytic gradients) on log-parameters.

References
- FHL 2005: Fader, Hardie & Lee, "'Counting your customers' the easy way: an alternative to
  the Pareto/NBD model", Marketing Science 24(2), 275-284. Equation numbers below are theirs.
- FH 2013: Fader & Hardie, "The Gamma-Gamma model of monetary value" (note, 2013), after
  Colombo & Jiang 1999, "A stochastic RFM model", J. Interactive Marketing 13(3).

Conventions (FHL 2005): `x` is the number of repeat purchases, `t_x` the time of the last
purchase and `T` the customer's age, both measured from the first purchase, in one time unit;
`t_x = 0` when `x = 0`. `alpha` is in that time unit; `r`, `a`, `b` are unitless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

__all__ = [
    "PARAMETER_BOUNDS",
    "NEGLIGIBLE_DROPOUT",
    "FAMILIES",
    "BgNbdParams",
    "GammaGammaParams",
    "fit_bgnbd",
    "bgnbd_log_likelihood",
    "prob_alive",
    "prob_purchase_within",
    "days_until_purchase_probability",
    "expected_purchases",
    "expected_purchases_new",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "expected_spend",
    "discounted_clv",
    "spend_frequency_correlation",
]

FAMILIES = ("bgnbd", "mbgnbd")
"""BG/NBD (FHL 2005) and MBG/NBD (Batislam, Denizel & Filiztekin 2007): the same purchase
and dropout processes, except that in the MBG/NBD a customer may also leave right after the
first purchase, so one who never came back is not certainly still active."""

PARAMETER_BOUNDS = (1e-4, 1e6)
"""Box for every parameter during fitting (alpha and gamma in the rescaled internal units)."""

NEGLIGIBLE_DROPOUT = 1e-4
"""Mean dropout probability per purchase, a/(a+b), below which the fit is flagged."""

_TARGET_MAX_AGE = 10.0  # the BG/NBD is fitted with time rescaled so that max(T) = 10
_AT_BOUND_LOG_TOLERANCE = 1e-2  # within 1% of a bound counts as at the bound
_NEAR_ONE_A = 1e-6  # |a - 1| below this: eq. 10 is 0/0, evaluated at a = 1 -/+ this
_CONVERGED_GRADIENT = 1e-5  # projected gradient (per customer, log-params) deemed converged
# a fit on a flat boundary ridge is replaced by the ridge's stated point when that point's
# log-likelihood is at most this many nats below the optimiser's stop
_RIDGE_TOLERANCE = 1.0
_BOUND_SLACK = 1e-6  # relative excursion of eq. 10 beyond its bounds taken as a failed hyp2f1
# a + b above this: Beta(a, b) is a point mass for every purpose here, and eq. 10 is taken
# in its fixed-p limit (hyp2f1 struggles there, and the quadrature is slow at scale)
_CONCENTRATED_BETA = 1e4  # there the limit differs from eq. 10 by < 1e-3 (relative)


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters (FHL 2005): lambda ~ Gamma(r, alpha), p ~ Beta(a, b).

    Fit diagnostics: `converged` (optimiser success or a vanishing projected gradient),
    `params_at_bound` (names within 1% of PARAMETER_BOUNDS) and `dropout_at_bound`: the data
    say almost nobody drops out (a at its lower bound, b at its upper bound, or a/(a+b) below
    NEGLIGIBLE_DROPOUT), so P(alive) and long-horizon forecasts rest on a boundary estimate
    and should be reported as such. `time_scale` is the divisor applied to time while fitting.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    n_customers: float = 0.0
    converged: bool = True
    dropout_at_bound: bool = False
    params_at_bound: tuple[str, ...] = ()
    time_scale: float = 1.0
    message: str = ""
    family: str = "bgnbd"

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"unknown model family {self.family!r}: one of {FAMILIES}")

    @property
    def dropout_at_first_purchase(self) -> float:
        """1 for the MBG/NBD (the dropout coin is also tossed right after the first
        purchase), 0 for the BG/NBD (only after repeat purchases): the shift of b in every
        formula below."""
        return 1.0 if self.family == "mbgnbd" else 0.0

    @property
    def mean_dropout_probability(self) -> float:
        """E[p] = a / (a + b): the average chance of dropping out after a purchase."""
        return self.a / (self.a + self.b)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma spend parameters (FH 2013): z ~ Gamma(p, nu), nu ~ Gamma(q, gamma).

    `observed_mean_spend` is the weighted mean of the fitted customers' m; it stands in for
    the population mean when q <= 1 (where p*gamma/(q-1) does not exist). `params_at_bound`
    names the parameters within 1% of PARAMETER_BOUNDS. `set_aside` counts the rows given but
    not fitted, by reason (weights summed): ("no repeat purchase", n), ("spend zero or
    below", n), ("spend missing", n); reasons with no row are left out.
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")
    n_customers: float = 0.0
    converged: bool = True
    observed_mean_spend: float = float("nan")
    params_at_bound: tuple[str, ...] = ()
    set_aside: tuple[tuple[str, float], ...] = ()
    message: str = ""

    @property
    def population_mean_spend(self) -> float:
        """E[Z] = p*gamma/(q-1) (FH 2013, eq. 4); nan when q <= 1."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("nan")


# --------------------------------------------------------------------------------------------
# BG/NBD: likelihood and fit


def _floats(*values: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in np.broadcast_arrays(*values)]


def _check_bgnbd_inputs(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(T).all()):
        raise ValueError("x, t_x and T must be finite")
    if (x < 0).any() or (x != np.floor(x)).any():
        raise ValueError("x (repeat purchases) must be a non-negative integer count")
    if (t_x < 0).any() or (t_x > T * (1 + 1e-12)).any():
        raise ValueError("need 0 <= t_x <= T")


def _sample(x: ArrayLike, t_x: ArrayLike, T: ArrayLike, weights: ArrayLike | None):
    x, t_x, T = (v.ravel() for v in _floats(x, t_x, T))
    _check_bgnbd_inputs(x, t_x, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != x.shape or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite, non-negative and one per row")
    keep = w > 0
    if not keep.all():
        x, t_x, T, w = x[keep], t_x[keep], T[keep], w[keep]
    if x.size == 0:
        raise ValueError("no customers to fit")
    return x, t_x, T, w


class _BgNbdData:
    """Fitting sample; terms that depend on x only are summed per distinct x."""

    def __init__(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray, shift: float = 0.0
    ):
        self.n = float(w.sum())
        self.shift = shift  # BgNbdParams.dropout_at_first_purchase
        self.x_values, inverse = np.unique(x, return_inverse=True)
        self.x_weights = np.bincount(inverse, weights=w, minlength=self.x_values.size)
        # the customers who may have left after their last purchase: every one in the MBG/NBD
        repeat = (x > 0) | (shift > 0)
        self.T0, self.w0 = T[~repeat], w[~repeat]
        self.x1, self.t_x1, self.T1, self.w1 = x[repeat], t_x[repeat], T[repeat], w[repeat]


def _bgnbd_log_likelihood_and_gradient(
    theta: np.ndarray, d: _BgNbdData
) -> tuple[float, np.ndarray]:
    """Sum of ln L (FHL 2005 eq. 6 in the stable form ln A1 + ln A2 + ln(e^A3 + e^A4)) and
    its gradient in (r, alpha, a, b). The MBG/NBD's (Batislam et al. 2007, eq. 4) is the same
    with b + x - 1 read as b + x (s = 1 below), its dropout term for every customer."""
    r, alpha, a, b = theta
    s = d.shift
    xv, xw, n = d.x_values, d.x_weights, d.n
    # ln A1 + ln A2, summed per distinct x. The Beta part, lnG(b+x) - lnG(a+b+x) + lnG(a+b)
    # - lnG(b), as ln B(a, b+x) - ln B(a, b): the same value, without subtracting lnG of
    # numbers near 1e6 from each other where b runs to its bound (which left 1e-9 of noise
    # per customer, enough to stop the optimiser short on a different point per processor)
    ll = xw @ (special.gammaln(r + xv) + special.betaln(a, b + xv + s))
    ll += n * (r * np.log(alpha) - special.gammaln(r) - special.betaln(a, b))
    psi_ab_x = special.digamma(a + b + xv + s)
    g_r = xw @ special.digamma(r + xv) + n * (np.log(alpha) - special.digamma(r))
    g_alpha = n * r / alpha
    g_a = n * special.digamma(a + b) - xw @ psi_ab_x
    g_b = xw @ (special.digamma(b + xv + s) - psi_ab_x) + n * (
        special.digamma(a + b) - special.digamma(b)
    )
    # x = 0: ln A3 = -r ln(alpha + T)
    log_age0 = np.log(alpha + d.T0)
    ll -= r * (d.w0 @ log_age0)
    g_r -= d.w0 @ log_age0
    g_alpha -= r * (d.w0 @ (1.0 / (alpha + d.T0)))
    # x > 0: ln(e^A3 + e^A4) = ln A3 + ln(1 + e^(A4 - A3))
    k = r + d.x1
    log_age = np.log(alpha + d.T1)
    log_recency = np.log(alpha + d.t_x1)
    log_odds = np.log(a) - np.log(b + d.x1 - 1.0 + s) + k * (log_age - log_recency)
    ll += d.w1 @ (np.logaddexp(0.0, log_odds) - k * log_age)
    share_a4 = special.expit(log_odds)
    g_r += d.w1 @ (share_a4 * (log_age - log_recency) - log_age)
    g_alpha -= d.w1 @ (k * ((1.0 - share_a4) / (alpha + d.T1) + share_a4 / (alpha + d.t_x1)))
    g_a += (d.w1 @ share_a4) / a
    g_b -= d.w1 @ (share_a4 / (b + d.x1 - 1.0 + s))
    return float(ll), np.array([g_r, g_alpha, g_a, g_b])


def bgnbd_log_likelihood(
    params: BgNbdParams,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> float:
    """Total BG/NBD (or MBG/NBD, by `params.family`) log-likelihood of a sample at `params`."""
    data = _BgNbdData(*_sample(x, t_x, T, weights), shift=params.dropout_at_first_purchase)
    theta = np.array([params.r, params.alpha, params.a, params.b])
    return _bgnbd_log_likelihood_and_gradient(theta, data)[0]


def _minimise_negative_log_likelihood(objective, starts, n: float):
    """L-BFGS-B on log-parameters inside PARAMETER_BOUNDS, objective and gradient per customer.
    Later starts run only if the earlier ones did not converge or stopped at a bound; returns
    the best result and whether it converged."""
    low, high = np.log(PARAMETER_BOUNDS)

    def negative_mean(log_theta):
        theta = np.exp(log_theta)
        ll, grad = objective(theta)
        if not np.isfinite(ll):
            return np.inf, np.zeros_like(log_theta)
        return -ll / n, -(grad * theta) / n

    best, best_converged = None, False
    for start in starts:
        log_start = np.clip(np.log(start), low, high)
        result = optimize.minimize(
            negative_mean,
            log_start,
            jac=True,
            method="L-BFGS-B",
            bounds=[(low, high)] * log_start.size,
            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10},
        )
        grad = negative_mean(result.x)[1]
        free = ~(((result.x <= low) & (grad > 0)) | ((result.x >= high) & (grad < 0)))
        converged = bool(
            np.isfinite(result.fun)
            and (result.success or np.max(np.abs(grad[free]), initial=0) < _CONVERGED_GRADIENT)
        )
        if best is None or result.fun < best.fun:
            best, best_converged = result, converged
        at_bound = np.any((result.x - low < 1e-3) | (high - result.x < 1e-3))
        if best_converged and not at_bound:
            break
    return best, best_converged


def _names_at_bound(names: tuple[str, ...], values: np.ndarray) -> tuple[str, ...]:
    low, high = np.log(PARAMETER_BOUNDS)
    log_values = np.log(values)
    near = (log_values - low < _AT_BOUND_LOG_TOLERANCE) | (
        high - log_values < _AT_BOUND_LOG_TOLERANCE
    )
    return tuple(name for name, hit in zip(names, near, strict=True) if hit)


def _fit_nbd_limit(data: _BgNbdData, start: np.ndarray):
    """The BG/NBD fit with a and b held at their bounds (a low, b high: no dropout), r and
    alpha free; returned as a full four-parameter result (x, fun, message)."""
    low, high = np.log(PARAMETER_BOUNDS)

    def objective(rate_theta):
        ll, grad = _bgnbd_log_likelihood_and_gradient(np.r_[rate_theta, np.exp([low, high])], data)
        return ll, grad[:2]

    fitted, _ = _minimise_negative_log_likelihood(objective, [start], data.n)
    # L-BFGS-B often ends this two-parameter fit on a failed line search short of the
    # optimum (r and alpha trade off along a shallow valley); Newton steps on the analytic
    # gradient, with the Hessian by central differences of it, finish it to rounding
    log_theta = fitted.x.copy()
    bounds = np.log(PARAMETER_BOUNDS)
    for _ in range(_NEWTON_STEPS):
        gradient = _nbd_log_gradient(objective, log_theta, data.n)
        hessian = np.column_stack(
            [
                (
                    _nbd_log_gradient(objective, log_theta + step, data.n)
                    - _nbd_log_gradient(objective, log_theta - step, data.n)
                )
                / (2 * _NEWTON_DIFFERENCE)
                for step in np.eye(2) * _NEWTON_DIFFERENCE
            ]
        )
        hessian = (hessian + hessian.T) / 2
        if not np.all(np.linalg.eigvalsh(hessian) > 0):
            break
        log_theta = np.clip(log_theta - np.linalg.solve(hessian, gradient), *bounds)
    polished = -objective(np.exp(log_theta))[0] / data.n
    if np.isfinite(polished) and polished <= fitted.fun:
        fitted = optimize.OptimizeResult(x=log_theta, fun=polished, message=fitted.message)
    # converged where the published point's gradient vanishes (free parameters only)
    gradient = _nbd_log_gradient(objective, fitted.x, data.n)
    free = ~(
        ((fitted.x <= bounds[0]) & (gradient > 0)) | ((fitted.x >= bounds[1]) & (gradient < 0))
    )
    converged = bool(np.max(np.abs(gradient[free]), initial=0) < _CONVERGED_GRADIENT)
    return optimize.OptimizeResult(
        x=np.r_[fitted.x, low, high], fun=fitted.fun, message=fitted.message, success=converged
    )


_NEWTON_STEPS = 3
_NEWTON_DIFFERENCE = 1e-5  # in log-parameters


def _nbd_log_gradient(objective, log_theta: np.ndarray, n: float) -> np.ndarray:
    """The gradient of the negative mean log-likelihood in log-parameters."""
    theta = np.exp(log_theta)
    return -(objective(theta)[1] * theta) / n


def fit_bgnbd(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
    family: str = "bgnbd",
) -> BgNbdParams:
    """Maximum-likelihood BG/NBD fit (FHL 2005, eq. 6), or the MBG/NBD's (`family`).

    Time is divided by max(T)/10 while fitting (alpha scales with time, r, a, b do not) and
    the result is given back in the input unit, log-likelihood included. `weights` are counts
    of identical (x, t_x, T) rows, so callers may compress. Each parameter is held in
    PARAMETER_BOUNDS: on data where almost nobody seems to drop out the MLE of `a` runs to 0
    (or `b` to infinity); the fit then stops at the bound and sets `dropout_at_bound`. Since
    the likelihood is flat along that bound, such a fit is published as the NBD limit (a and
    b at their bounds, r and alpha refitted), one point whatever the floating-point path.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}: one of {FAMILIES}")
    shift = 1.0 if family == "mbgnbd" else 0.0
    x, t_x, T, w = _sample(x, t_x, T, weights)
    if T.max() <= 0:
        raise ValueError("every customer has T = 0: nothing to fit")
    time_scale = float(T.max()) / _TARGET_MAX_AGE
    data = _BgNbdData(x, t_x / time_scale, T / time_scale, w, shift)
    mean_age = float(w @ T) / data.n / time_scale
    repeat_rate = max(float(w @ x), 1e-3 * data.n) / float(w @ T) * time_scale
    starts = [np.array([1.0, mean_age, 1.0, 1.0]), np.array([0.5, 0.5 / repeat_rate, 0.5, 5.0])]
    result, converged = _minimise_negative_log_likelihood(
        lambda theta: _bgnbd_log_likelihood_and_gradient(theta, data), starts, data.n
    )
    r, alpha_scaled, a, b = np.exp(result.x)
    at_bound = _names_at_bound(("r", "alpha", "a", "b"), np.exp(result.x))
    dropout_at_bound = "a" in at_bound or "b" in at_bound or a / (a + b) < NEGLIGIBLE_DROPOUT
    if dropout_at_bound and ("a" in at_bound or "b" in at_bound):
        # The likelihood is flat along the boundary (only "almost nobody drops out" is
        # identified), so where on it the optimiser stops follows the floating-point path
        # (b anywhere from 3e5 to 1e6 on the same data). The published fit is the stated
        # point of that ridge: a and b at their bounds (the NBD limit), r and alpha refitted
        # from the fixed first start (not from the path-dependent stop), so they agree across
        # paths to the optimiser's tolerance (1e-5 relative, where r and alpha trade off).
        nbd = _fit_nbd_limit(data, starts[0][:2])
        if nbd.fun <= result.fun + _RIDGE_TOLERANCE / data.n:
            result, converged = nbd, bool(nbd.success)
            r, alpha_scaled, a, b = np.exp(result.x)
            at_bound = _names_at_bound(("r", "alpha", "a", "b"), np.exp(result.x))
    # ln L in the input unit: each of the x purchase-rate factors lambda^x scales by 1/time_scale
    log_likelihood = -result.fun * data.n - float(w @ x) * np.log(time_scale)
    return BgNbdParams(
        r=float(r),
        alpha=float(alpha_scaled * time_scale),
        a=float(a),
        b=float(b),
        log_likelihood=float(log_likelihood),
        n_customers=data.n,
        converged=converged,
        dropout_at_bound=bool(dropout_at_bound),
        params_at_bound=at_bound,
        time_scale=time_scale,
        message=str(result.message),
        family=family,
    )


# --------------------------------------------------------------------------------------------
# BG/NBD: predictions


def _log_dropout_odds(params: BgNbdParams, x, t_x, T) -> np.ndarray:
    """ln[a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)] for x > 0, -inf for x = 0 (BG/NBD);
    ln[a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)] for every x (MBG/NBD)."""
    s = params.dropout_at_first_purchase
    repeat = (x > 0) | (s > 0)
    x1 = np.where(repeat, x, 1.0)
    log_odds = (
        np.log(params.a)
        - np.log(params.b + x1 - 1.0 + s)
        + (params.r + x1) * (np.log(params.alpha + T) - np.log(params.alpha + t_x))
    )
    return np.where(repeat, log_odds, -np.inf)


def prob_alive(params: BgNbdParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> np.ndarray:
    """P(active at T | x, t_x, T) = 1 / (1 + d(x>0) a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
    (FHL 2005, appendix / FHL 2008 note); exactly 1 when x = 0. MBG/NBD: 1 / (1 + a/(b+x)
    ((alpha+T)/(alpha+t_x))^(r+x)), below 1 also when x = 0."""
    x, t_x, T = _floats(x, t_x, T)
    _check_bgnbd_inputs(x, t_x, T)
    return special.expit(-_log_dropout_odds(params, x, t_x, T))


def _check_horizon(t: np.ndarray) -> None:
    if not np.isfinite(t).all() or (t < 0).any():
        raise ValueError("t (the horizon) must be finite and >= 0")


def prob_purchase_within(
    params: BgNbdParams, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """P(at least one purchase in (T, T + t]): alive at T (dropout happens only right after a
    purchase, so an alive customer stays alive until the next one) times the chance that the
    Poisson process with the posterior Gamma(r + x, alpha + T) rate fires within t:
    P(alive) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)). Unlike P(alive), this is
    below 1 for customers who bought once, and it is what a marketer means by 'active'."""
    x, t_x, T, t = _floats(x, t_x, T, t)
    _check_horizon(t)
    alive = prob_alive(params, x, t_x, T)
    silent = np.exp((params.r + x) * (np.log(params.alpha + T) - np.log(params.alpha + T + t)))
    return alive * (1.0 - silent)


def days_until_purchase_probability(
    params: BgNbdParams, probability: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """The horizon t at which prob_purchase_within reaches `probability` (0 < probability <
    1): solving P(alive) (1 - ((alpha+T)/(alpha+T+t))^(r+x)) = probability gives
    t = (alpha + T) ((1 - probability / P(alive))^(-1/(r+x)) - 1). Infinite where
    P(alive) <= probability: the customer is more likely gone than that, at any horizon."""
    if not (np.isfinite(probability) and 0.0 < probability < 1.0):
        raise ValueError("probability must be strictly between 0 and 1")
    x, t_x, T = _floats(x, t_x, T)
    alive = prob_alive(params, x, t_x, T)
    reachable = alive > probability
    with np.errstate(divide="ignore", invalid="ignore"):
        still_silent = np.where(reachable, 1.0 - probability / alive, 1.0)
        days = (params.alpha + T) * np.expm1(-np.log(still_silent) / (params.r + x))
    return np.where(reachable, days, np.inf)


def _hyp2f1_term(r, a, b, x, z):
    """H = (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z), 0 <= z < 1, the hypergeometric part of
    FHL 2005 eqs. 7 and 10. Evaluated after Euler's transformation
    2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A,C-B;C;z), i.e. (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1;
    z): no factor that grows like (1-z)^-(r+x) and no overflow for large x. scipy can still
    fail (non-finite) as z -> 1 when b or a+b-1-r is large; those entries are nan here."""
    with np.errstate(all="ignore"):
        value = (1.0 - z) ** (a - 1.0) * special.hyp2f1(
            a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
        )
    return np.where(np.isfinite(value), value, np.nan)


_TANH_SINH_STEP = 1.0 / 64.0
_TANH_SINH_REACH = 3.6  # nodes beyond carry weight < 1e-20


def _expected_purchases_if_alive_by_quadrature(r, alpha_T, a, b, x, t) -> np.ndarray:
    """E[purchases in (T, T+t] | alive at T] = E_p[(1 - (1 + p u)^-(r+x)) / p], u = t/(alpha+T),
    p ~ Beta(a, b+x) (the posterior of p given survival; lambda integrated out in closed form).
    Tanh-sinh quadrature over the Beta quantile: slow (~460 nodes) but valid for any z;
    the fallback where scipy's hyp2f1 fails."""
    steps = np.arange(-_TANH_SINH_REACH, _TANH_SINH_REACH + _TANH_SINH_STEP / 2, _TANH_SINH_STEP)
    s = 0.5 * np.pi * np.sinh(steps)
    upper_tail = special.expit(-2.0 * s)  # 1 - v, exact in the upper tail
    lower_tail = special.expit(2.0 * s)  # v
    weights = 0.25 * np.pi * _TANH_SINH_STEP * np.cosh(steps) / np.cosh(s) ** 2
    a_, beta_, k_, u_ = (v[..., None] for v in (a + 0 * x, b + x, r + x, t / alpha_T))
    p = np.where(
        lower_tail < 0.5,
        special.betaincinv(a_, beta_, lower_tail),
        special.betainccinv(a_, beta_, upper_tail),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(p > 0, -np.expm1(-k_ * np.log1p(p * u_)) / p, k_ * u_)
    return gain @ weights


def _expected_purchases_if_alive(r, alpha_T, a, b, x, t) -> np.ndarray:
    """(a+b+x-1)/(a-1) [1 - H], FHL 2005 eq. 10 without the P(alive) factor (eq. 7 when x=0
    and alpha_T = alpha). At a = 1 this is 0/0: then the mean of a = 1 -/+ 1e-6 is used."""
    if a + b > _CONCENTRATED_BETA:
        # every customer drops out after a purchase with the same p (its posterior mean
        # given x purchases survived): E = (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p, whose
        # p -> 0 limit is the NBD's (r+x) t / (alpha+T)
        p = a / (a + b + x)
        return -np.expm1(-(r + x) * np.log1p(p * t / alpha_T)) / p
    if abs(a - 1.0) < _NEAR_ONE_A:
        below = _eq10_if_alive(r, alpha_T, 1.0 - _NEAR_ONE_A, b, x, t)
        above = _eq10_if_alive(r, alpha_T, 1.0 + _NEAR_ONE_A, b, x, t)
        return 0.5 * (below + above)
    return _eq10_if_alive(r, alpha_T, a, b, x, t)


def _eq10_if_alive(r, alpha_T, a, b, x, t) -> np.ndarray:
    """Eq. 10 / P(alive) via hyp2f1, checked against the bounds every valid value obeys:
    1 - (1+u)^-(r+x) (all drop out after their next purchase) <= E <= (r+x) u (nobody drops
    out), u = t/(alpha+T). Non-finite or clearly out-of-bounds entries go to quadrature;
    rounding-level excursions (cancellation in 1 - H when t is tiny and b huge) are clipped."""
    z = t / (alpha_T + t)
    k, u = r + x, t / alpha_T
    most, least = k * u, -np.expm1(-k * np.log1p(u))
    with np.errstate(invalid="ignore"):
        value = (a + b + x - 1.0) / (a - 1.0) * (1.0 - _hyp2f1_term(r, a, b, x, z))
        failed = ~np.isfinite(value) | (value > most * (1 + _BOUND_SLACK))
        failed |= value < least * (1 - _BOUND_SLACK)
    if failed.any():
        value = np.array(value, dtype=float)
        value[failed] = _expected_purchases_if_alive_by_quadrature(
            r, alpha_T[failed], a, b, x[failed], t[failed]
        )
    return np.clip(value, least, most)


def expected_purchases(
    params: BgNbdParams, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """E[Y(t) | x, t_x, T], expected purchases in (T, T+t] (FHL 2005 eq. 10):
    (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
    x P(alive). Broadcasts over t and the customers."""
    t, x, t_x, T = _floats(t, x, t_x, T)
    _check_bgnbd_inputs(x, t_x, T)
    _check_horizon(t)
    alive = special.expit(-_log_dropout_odds(params, x, t_x, T))
    # the MBG/NBD's eq. (Batislam et al. 2007, eq. 9) is eq. 10 with b + 1 for b: an active
    # customer has survived one more dropout toss, so the posterior of p is Beta(a, b+x+1)
    b = params.b + params.dropout_at_first_purchase
    if_alive = _expected_purchases_if_alive(params.r, params.alpha + T, params.a, b, x, t)
    return alive * if_alive


def expected_purchases_new(params: BgNbdParams, t: ArrayLike) -> np.ndarray:
    """E[X(t)] for a customer just acquired (FHL 2005 eq. 7):
    (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]. MBG/NBD: the
    chance b/(a+b) of staying after the first purchase times the same with b + 1 for b, that
    is b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]."""
    t = np.asarray(t, dtype=float)
    _check_horizon(t)
    zero = np.zeros_like(t)
    s = params.dropout_at_first_purchase
    stays = params.b / (params.a + params.b) if s else 1.0
    return stays * _expected_purchases_if_alive(
        params.r, params.alpha + zero, params.a, params.b + s, zero, t
    )


# --------------------------------------------------------------------------------------------
# Gamma-Gamma spend


def _spend_sample(x: ArrayLike, m: ArrayLike, weights: ArrayLike | None):
    """The rows the spend model learns from (x > 0 and m > 0, both finite), and the weight of
    the rows set aside by reason."""
    x, m = (v.ravel() for v in _floats(x, m))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != x.shape or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite, non-negative and one per row")
    repeat = np.isfinite(x) & (x > 0)
    missing = repeat & ~np.isfinite(m)
    not_positive = repeat & np.isfinite(m) & (m <= 0)
    reasons = (
        ("no repeat purchase", ~repeat),
        ("spend zero or below", not_positive),
        ("spend missing", missing),
    )
    set_aside = tuple(
        (reason, float(w[rows].sum())) for reason, rows in reasons if w[rows].sum() > 0
    )
    keep = repeat & ~missing & ~not_positive & (w > 0)
    if not keep.any():
        raise ValueError("no customer with x > 0 and m > 0")
    return x[keep], m[keep], w[keep], set_aside


class _SpendData:
    def __init__(self, x: np.ndarray, m: np.ndarray, w: np.ndarray):
        self.x, self.m, self.w, self.n = x, m, w, float(w.sum())
        self.x_values, inverse = np.unique(x, return_inverse=True)
        self.x_weights = np.bincount(inverse, weights=w, minlength=self.x_values.size)
        log_m = np.log(m)
        self.sum_log_m, self.sum_x_log_m = float(w @ log_m), float(w @ (x * log_m))


def _gamma_gamma_log_likelihood_and_gradient(
    theta: np.ndarray, d: _SpendData
) -> tuple[float, np.ndarray]:
    """Sum over customers of ln f(m | p, q, gamma, x) (FH 2013 eq. 3):
    lnG(px+q) - lnG(px) - lnG(q) + q ln gamma + (px-1) ln m + px ln x - (px+q) ln(gamma+xm),
    and its gradient in (p, q, gamma)."""
    p, q, gamma = theta
    xv, xw, n = d.x_values, d.x_weights, d.n
    px = p * xv
    log_posterior_rate = np.log(gamma + d.x * d.m)
    ll = xw @ (special.gammaln(px + q) - special.gammaln(px) + px * np.log(xv))
    ll += n * (q * np.log(gamma) - special.gammaln(q)) + p * d.sum_x_log_m - d.sum_log_m
    ll -= d.w @ ((p * d.x + q) * log_posterior_rate)
    psi_total = special.digamma(px + q)
    g_p = xw @ (xv * (psi_total - special.digamma(px) + np.log(xv))) + d.sum_x_log_m
    g_p -= d.w @ (d.x * log_posterior_rate)
    g_q = xw @ psi_total + n * (np.log(gamma) - special.digamma(q)) - d.w @ log_posterior_rate
    g_gamma = n * q / gamma - d.w @ ((p * d.x + q) / (gamma + d.x * d.m))
    return float(ll), np.array([g_p, g_q, g_gamma])


def gamma_gamma_log_likelihood(
    params: GammaGammaParams, x: ArrayLike, m: ArrayLike, weights: ArrayLike | None = None
) -> float:
    """Total Gamma-Gamma log-likelihood (FH 2013 eq. 3) over customers with x > 0 and m > 0."""
    data = _SpendData(*_spend_sample(x, m, weights)[:3])
    theta = np.array([params.p, params.q, params.gamma])
    return _gamma_gamma_log_likelihood_and_gradient(theta, data)[0]


def fit_gamma_gamma(
    x: ArrayLike, m: ArrayLike, weights: ArrayLike | None = None
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma fit (FH 2013) on customers with x > 0 and m > 0, where
    x is the number of repeat purchases and m their mean value. Money is divided by the mean
    of m while fitting (gamma scales with money, p and q do not); results are in the input
    unit. The model assumes spend independent of frequency: see spend_frequency_correlation.
    Rows outside the model (no repeat purchase, spend zero or below, or missing) are not fitted
    and counted in `set_aside`.
    """
    x, m, w, set_aside = _spend_sample(x, m, weights)
    spend_scale = float(w @ m) / float(w.sum())
    data = _SpendData(x, m / spend_scale, w)
    starts = [np.array([1.0, 2.0, 1.0]), np.array([5.0, 5.0, 0.8])]
    result, converged = _minimise_negative_log_likelihood(
        lambda theta: _gamma_gamma_log_likelihood_and_gradient(theta, data), starts, data.n
    )
    p, q, gamma_scaled = np.exp(result.x)
    # ln f(m) in the input unit: a density in m picks up -ln(spend_scale) per customer
    log_likelihood = -result.fun * data.n - data.n * np.log(spend_scale)
    return GammaGammaParams(
        p=float(p),
        q=float(q),
        gamma=float(gamma_scaled * spend_scale),
        log_likelihood=float(log_likelihood),
        n_customers=data.n,
        converged=converged,
        observed_mean_spend=spend_scale,
        params_at_bound=_names_at_bound(("p", "q", "gamma"), np.exp(result.x)),
        set_aside=set_aside,
        message=str(result.message),
    )


def expected_spend(params: GammaGammaParams, x: ArrayLike, m: ArrayLike) -> np.ndarray:
    """E[Z | x, m]: expected mean spend per purchase (FH 2013 eq. 5),
    (q-1)/(px+q-1) * p*gamma/(q-1) + px/(px+q-1) * m = p (gamma + x m) / (px + q - 1).

    Fallbacks: customers with x = 0 or m <= 0 get the population mean p*gamma/(q-1); when
    q <= 1 that mean does not exist and `params.observed_mean_spend` (the mean m of the
    fitted customers; if unset, the mean m of the x > 0, m > 0 rows given here) is used; a
    customer whose px + q <= 1 (possible only when q < 1) keeps their own m.
    """
    x, m = _floats(x, m)
    has_spend = (x > 0) & (m > 0)
    population = params.population_mean_spend
    if not np.isfinite(population):
        population = params.observed_mean_spend
    if not np.isfinite(population):
        population = float(m[has_spend].mean()) if has_spend.any() else float("nan")
    denominator = params.p * x + params.q - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        conditional = params.p * (params.gamma + x * m) / denominator
    spend = np.where(denominator > 0, conditional, m)
    return np.where(has_spend, spend, population)


# --------------------------------------------------------------------------------------------
# CLV and checks


def discounted_clv(
    bg: BgNbdParams,
    gg: GammaGammaParams,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    m: ArrayLike,
    horizon_periods: int,
    discount_rate_per_period: float,
    period_length: float = 1.0,
    period_ends: ArrayLike | None = None,
) -> np.ndarray:
    """Discounted expected value of each customer's purchases over the next `horizon_periods`:
    E[Z | x, m] * sum_i (E[Y(e_i)] - E[Y(e_(i-1))]) / (1 + d)^i, i = 1..H, with E[Y] of FHL
    2005 eq. 10 and e_i = i L, L = `period_length` in the BG/NBD time unit (e.g. 52/12 with
    weekly data and monthly discounting): the same discrete sum as lifetimes'
    customer_lifetime_value. `period_ends` gives the e_i instead (ascending, in the time
    unit), for periods of unequal length such as calendar months on a seasonal clock.
    """
    if not (
        horizon_periods >= 1
        and horizon_periods == int(horizon_periods)
        and np.isfinite(discount_rate_per_period)
        and discount_rate_per_period > -1
        and np.isfinite(period_length)
        and period_length > 0
    ):
        raise ValueError(
            "need a whole horizon_periods >= 1, a finite discount rate > -1 and a finite "
            "period_length > 0"
        )
    ends = np.arange(1, int(horizon_periods) + 1) * period_length
    if period_ends is not None:
        ends = np.asarray(period_ends, dtype=float)
        if ends.shape != (int(horizon_periods),) or not np.isfinite(ends).all():
            raise ValueError("period_ends must hold one finite end per period")
        if (np.diff(np.r_[0.0, ends]) <= 0).any():
            raise ValueError("period_ends must ascend from above 0")
    x, t_x, T, m = _floats(x, t_x, T, m)
    discounted_purchases = np.zeros_like(x)
    previous = np.zeros_like(x)
    for i, end in enumerate(ends, start=1):
        # expected_purchases itself, so each family's formula (b shifted for the MBG/NBD)
        cumulative = expected_purchases(bg, end, x, t_x, T)
        discounted_purchases += (cumulative - previous) / (1.0 + discount_rate_per_period) ** i
        previous = cumulative
    return expected_spend(gg, x, m) * discounted_purchases


def spend_frequency_correlation(x: ArrayLike, m: ArrayLike) -> float:
    """Pearson correlation of x and m among customers with x > 0: the Gamma-Gamma model
    assumes spend per purchase independent of frequency, so this should be near 0."""
    x, m = (v.ravel() for v in _floats(x, m))
    repeat = (x > 0) & np.isfinite(m)
    if repeat.sum() < 2 or np.ptp(x[repeat]) == 0 or np.ptp(m[repeat]) == 0:
        return float("nan")
    return float(np.corrcoef(x[repeat], m[repeat])[0, 1])
