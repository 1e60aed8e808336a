"""Customer lifetime value for the warehouse: learns the season, chooses the purchase model
(BG/NBD or MBG/NBD) on the holdout, fits it and Gamma-Gamma (retail_segments.clv) on the
customers' histories (int_clv_histories) and turns the parameters into per-customer
forecasts and holdout checks. Called by the dbt Python models in models/intermediate/clv/.
Time is in days throughout."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import PoissonRegressor

from . import clv
from . import settings as model_settings

DAYS_PER_MONTH = 365.25 / 12
WINDOWS = ("full", "calibration")
# below this mean chance of dropping out after a purchase, a/(a+b), the data do not identify
# dropout (the fit explains silences by low purchase rates instead)
MIN_IDENTIFIED_DROPOUT = 0.01
# churn risk = P(no purchase in the next CHURN_HORIZON_DAYS days); its bands, as CRM tools
# show them: Low below 33%, Medium from 33% to below 66%, High from 66%
CHURN_HORIZON_DAYS = 90
CHURN_RISK_BANDS = ((0.33, "Low"), (0.66, "Medium"), (float("inf"), "High"))
# the expected next order: the day by which a purchase is more likely than not; beyond this
# many days it is not given (a year out, a date is not a forecast anyone should act on)
NEXT_ORDER_PROBABILITY = 0.5
NEXT_ORDER_MAX_DAYS = 365
# The yearly season (learn_season) is learnt once every calendar month has been seen whole
# and one of them twice, so that a trend can be told from the season: 13 whole months
MIN_SEASON_MONTHS = 13
# and only where the months differ by more than chance: the likelihood-ratio test of the
# month effects against the trend alone, at this level
SEASON_TEST_LEVEL = 0.01
# residual degrees of freedom from which the test allows for overdispersion (quasi-Poisson:
# the deviance scaled by the Pearson dispersion); with fewer, the Poisson test is used
MIN_DISPERSION_DOF = 6
# and only where one calendar month's rate is at least this far from the year's average: a
# smaller season changes no plan, and with tens of thousands of customers a test at 13
# months (no degree of freedom left to measure overdispersion) finds a few percent of
# noise significant
MIN_SEASON_EFFECT = 0.10
# a calendar month (nearly) without repeat purchases counts at this share of the average, so
# the seasonal clock never stands still
MIN_MONTH_INDEX = 0.05
# the purchase models a build chooses from (clv.FAMILIES), by their names in the marts
FAMILY_NAMES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}
# The choice on the holdout: a marketer plans budgets on the forecast total and targets on
# the per-customer figures, so the total decides first; candidates whose absolute total
# error is within this of the best one forecast the total equally well for planning (the
# holdout's own noise is about this large), and among them the one whose chance of a
# purchase within 90 days (the churn risk the marts publish) has the lower Brier score on
# the holdout wins: it scores ranking and calibration together, where Spearman over
# purchase counts drowns in ties when most customers buy nothing in the holdout (a shop of
# one-off buyers: 0.3779 against 0.3776). A lower Brier score counts only beyond its noise
# (CHOICE_BRIER_Z standard errors of the customers' paired differences); where the scores
# tie, the closer total wins. Holdouts under 90 days fall back to Spearman.
CHOICE_TOTAL_ERROR_TOLERANCE = 0.05
CHOICE_BRIER_Z = 2.0


@dataclass(frozen=True)
class LifetimeValueSettings:
    clv_months: int = 12
    monthly_discount_rate: float = 0.01
    min_customers: int = 20  # fewer customers in a window: no fit, and say so
    # "auto": chosen per build on the holdout (CHOICE_TOTAL_ERROR_TOLERANCE); or one of
    # clv.FAMILIES to fix it
    model_family: str = "auto"

    @classmethod
    def from_meta(cls, meta) -> LifetimeValueSettings:
        return model_settings.from_meta(cls, meta)


PARAMETER_COLUMNS = {
    "fit_window": "object",
    "model_family": "object",
    "window_start_date": "datetime64[us]",
    "window_end_date": "datetime64[us]",
    "n_customers": "int64",
    "n_repeat_customers": "int64",
    "r": "float64",
    "alpha": "float64",
    "a": "float64",
    "b": "float64",
    "mean_dropout_probability": "float64",
    "bgnbd_log_likelihood": "float64",
    "dropout_at_bound": "bool",
    "dropout_identified": "bool",
    "p": "float64",
    "q": "float64",
    "gamma": "float64",
    "gamma_gamma_log_likelihood": "float64",
    "population_mean_spend": "float64",
    "spend_frequency_correlation": "float64",
    "gamma_gamma_set_aside": "int64",
    "parameters_at_bound": "object",
    "history_days": "int64",
    "follows_season": "bool",
    "converged": "bool",
    "note": "object",
}


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in columns.items()})


def _arrays(histories: pd.DataFrame):
    return (
        histories["x"].to_numpy(float),
        histories["t_x"].to_numpy(float),
        histories["t"].to_numpy(float),
        histories["repeat_spend_mean"].to_numpy(float),
    )


def _spend_rows(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Customers the spend model can learn from: a repeat purchase with positive spend."""
    return (x > 0) & np.isfinite(m) & (m > 0)


@dataclass(frozen=True)
class SeasonalClock:
    """The clock the BG/NBD runs on: a day of calendar month m counts as `monthly_index[m]`
    days (int_clv_seasonality; mean 1 over a year). A Poisson purchase process whose rate
    follows the season is a steady one on this clock, and dropout happens at purchases, so
    the BG/NBD holds on it unchanged: histories are measured and forecasts made in its
    days. With every index 1 (no season learnt) it is the calendar, exactly."""

    monthly_index: np.ndarray = field(default_factory=lambda: np.ones(12))

    @classmethod
    def of_window(cls, seasonality: pd.DataFrame | None, window: str) -> SeasonalClock:
        if seasonality is None:
            return cls()
        rows = seasonality[seasonality["fit_window"] == window].sort_values("calendar_month")
        if len(rows) != 12 or not rows["is_seasonal"].all():
            return cls()
        return cls(rows["seasonal_index"].to_numpy(float))

    @property
    def steady(self) -> bool:
        return bool(np.all(self.monthly_index == 1.0))

    def _cumulative(self, base: np.datetime64, days: int) -> np.ndarray:
        """c[k] = the clock's length of (base, base + k], k = 0..days."""
        dates = base + np.arange(1, days + 1)
        months = dates.astype("datetime64[M]").astype(int) % 12
        return np.r_[0.0, np.cumsum(self.monthly_index[months])]

    def elapsed(self, start, days) -> np.ndarray:
        """The clock's length of (start, start + days] per row (days >= 0, a fraction of the
        last day in proportion); `start` are dates."""
        days = np.asarray(days, dtype=float)
        if self.steady:
            return days
        start = np.asarray(start, dtype="datetime64[D]")
        start, days = np.broadcast_arrays(start, days)
        base = start.min()
        offset = (start - base).astype(int)
        whole = np.floor(days).astype(int)
        span = int((offset + whole).max()) + 2
        cumulative = self._cumulative(base, span)
        step = np.diff(cumulative)  # step[k] = the clock's length of day base + k + 1
        end = offset + whole
        return cumulative[end] + (days - whole) * step[end] - cumulative[offset]

    def calendar_days(self, start, clock_days) -> np.ndarray:
        """The fewest whole calendar days after `start` whose clock length reaches
        `clock_days` (inf stays inf)."""
        clock_days = np.asarray(clock_days, dtype=float)
        if self.steady:
            return np.ceil(clock_days)
        start = np.asarray(start, dtype="datetime64[D]")
        start, clock_days = np.broadcast_arrays(start, clock_days)
        finite = np.isfinite(clock_days)
        result = np.full(clock_days.shape, np.inf)
        if not finite.any():
            return result
        base = start.min()
        offset = (start - base).astype(int)
        # the slowest month sets how many calendar days the longest wait can need
        reach = int(np.ceil(clock_days[finite].max() / self.monthly_index.min())) + 2
        cumulative = self._cumulative(base, int(offset.max()) + reach)
        target = cumulative[offset[finite]] + clock_days[finite]
        # a relative tolerance: a sum of the index can miss the target by rounding alone
        reached = np.searchsorted(cumulative, target * (1 - 1e-12), side="left")
        result[finite] = reached - offset[finite]
        return result


SEASON_COLUMNS = {
    "fit_window": "object",
    "calendar_month": "int32",
    "seasonal_index": "float64",
    "years_used": "int32",
    "is_seasonal": "bool",
    "note": "object",
}


def _trend_columns(years: np.ndarray) -> np.ndarray:
    """A trend in the log of the rate that is linear within each year from the first month
    and may bend at each whole year that has a full year of months after it (a linear spline
    with yearly knots): smooth enough not to soak up the season, free enough to follow a
    customer base that grows, then settles."""
    knots = np.arange(1, int(np.floor(years.max())))
    return np.column_stack([years] + [np.maximum(years - k, 0.0) for k in knots])


def _poisson_fit(design: np.ndarray, counts: np.ndarray, exposure: np.ndarray, intercept: bool):
    """Maximum-likelihood log-linear Poisson rates (no penalty), counts ~ Poisson(exposure x
    exp(design @ beta)): the expected counts and the deviance. scikit-learn's
    PoissonRegressor on the rates, weighted by exposure, is the same likelihood."""
    weight = exposure / exposure.mean()
    model = PoissonRegressor(alpha=0.0, fit_intercept=intercept, max_iter=10_000, tol=1e-12)
    model.fit(design, counts / exposure, sample_weight=weight)
    expected = exposure * model.predict(design)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(counts / expected), 0.0)
    return model, expected, float(2.0 * np.sum(terms - (counts - expected)))


def learn_season(months: pd.DataFrame) -> pd.DataFrame:
    """An index of the repeat-purchase rate per calendar month, per fit window (mean 1 over
    the twelve), from int_clv_season_months: a Poisson regression of each month's repeat
    purchases on its customer-days at risk with one effect per calendar month and a trend
    (_trend_columns), fitted jointly. Unlike the ratio to a centred 12-month moving average,
    which needs six months on each side of every month and so two years, this learns every
    month from a single year once one month has been seen twice (13 months, which is what
    tells the trend from the season). The index stays 1 (the steady-rate model) where the
    history has fewer whole months (MIN_SEASON_MONTHS), a calendar month has no whole month
    in it, the month effects are not significant against the trend alone
    (SEASON_TEST_LEVEL), or no month is MIN_SEASON_EFFECT off the average; a month without
    repeat purchases is held at MIN_MONTH_INDEX. `note` says which."""
    rows = []
    for window, part in months.groupby("fit_window", sort=True):
        part = part[part["customer_days"] > 0].sort_values("month_start")
        index, note = _season_of(part)
        seen = part.groupby(pd.to_datetime(part["month_start"]).dt.month).size()
        for month in range(1, 13):
            rows.append(
                {
                    "fit_window": window,
                    "calendar_month": month,
                    "seasonal_index": 1.0 if index is None else float(index[month - 1]),
                    "years_used": int(seen.get(month, 0)),
                    "is_seasonal": index is not None,
                    "note": note,
                }
            )
    if not rows:
        return _empty(SEASON_COLUMNS)
    return pd.DataFrame(rows).astype({c: t for c, t in SEASON_COLUMNS.items() if t != "object"})


def _season_of(part: pd.DataFrame) -> tuple[np.ndarray | None, str]:
    history_days = int(part["history_days"].max()) if len(part) else 0
    start = pd.to_datetime(part["month_start"])
    whole = (part["days_covered"] == part["days_in_month"]).to_numpy()
    seen_whole = start[whole].dt.month.value_counts()
    missing = sorted(set(range(1, 13)) - set(seen_whole.index))
    if missing or seen_whole.max() < 2:
        if whole.sum() < MIN_SEASON_MONTHS:
            return None, (
                f"the history covers {history_days} days, {int(whole.sum())} whole months; the "
                f"season is learnt from {MIN_SEASON_MONTHS} (every calendar month seen whole, "
                "one twice, to tell the season from a trend)"
            )
        return None, (
            "calendar months without a whole month in the history: "
            + ", ".join(str(m) for m in missing)
        )
    counts = part["repeat_purchases"].to_numpy(float)
    exposure = part["customer_days"].to_numpy(float)
    # the trend's time in years of whole months from the first month: no leap day moves a knot
    month_number = start.dt.year.to_numpy() * 12 + start.dt.month.to_numpy()
    trend = _trend_columns((month_number - month_number[0]) / 12.0)
    month_effects = np.eye(12)[start.dt.month.to_numpy() - 1]
    model, expected, deviance = _poisson_fit(
        np.column_stack([month_effects, trend]), counts, exposure, intercept=False
    )
    _, _, trend_deviance = _poisson_fit(trend, counts, exposure, intercept=True)
    dof = len(counts) - 12 - trend.shape[1]
    statistic = trend_deviance - deviance
    if dof >= MIN_DISPERSION_DOF:
        dispersion = max(float(np.sum((counts - expected) ** 2 / expected)) / dof, 1.0)
        p_value = float(stats.f.sf(statistic / 11 / dispersion, 11, dof))
        test = f"F-test allowing for overdispersion {dispersion:.1f}"
    else:
        p_value = float(stats.chi2.sf(statistic, 11))
        test = "Poisson likelihood-ratio test"
    if not p_value < SEASON_TEST_LEVEL:
        return None, (
            f"the calendar months' rates do not differ beyond chance against the trend "
            f"({test}, p = {p_value:.2g})"
        )
    index = np.exp(model.coef_[:12])
    index = index / index.mean()
    if np.abs(index - 1).max() < MIN_SEASON_EFFECT:
        return None, (
            f"no calendar month's rate is {MIN_SEASON_EFFECT:.0%} or more off the year's average "
            f"(at most {np.abs(index - 1).max():.1%}; {test}, p = {p_value:.2g}): too little "
            "season to plan by"
        )
    note = (
        f"learnt from {len(counts)} months with a trend bending yearly ({test}, p = {p_value:.2g})"
    )
    quiet = np.flatnonzero(index < MIN_MONTH_INDEX)
    if quiet.size:
        # a month (nearly) without repeat purchases, e.g. a shop closed in August: kept at the
        # floor, so the clock still moves through it and a wait across it stays finite
        index = np.maximum(index, MIN_MONTH_INDEX)
        index = index / index.mean()
        note += (
            "; calendar month "
            + ", ".join(str(m + 1) for m in quiet)
            + f" (almost no repeat purchases) counted at {MIN_MONTH_INDEX:.0%} of the average"
        )
    return index, note


def _season_note(seasonality: pd.DataFrame | None, window: str) -> str:
    """What learn_season said about a window's season."""
    if seasonality is None or "note" not in seasonality:
        return "no season given"
    notes = seasonality.loc[seasonality["fit_window"] == window, "note"]
    return str(notes.iloc[0]) if len(notes) else "no season given"


def _clock_histories(part: pd.DataFrame, clock: SeasonalClock):
    """x, t_x, t and the repeat-spend mean of a window's customers, ages on the clock."""
    x, t_x, t, m = _arrays(part)
    if clock.steady:
        return x, t_x, t, m
    first = part["first_purchase_date"].to_numpy("datetime64[D]")
    return x, clock.elapsed(first, t_x), clock.elapsed(first, t), m


def fit_windows(
    histories: pd.DataFrame,
    settings: LifetimeValueSettings,
    seasonality: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per fit window with the purchase model's (the family chosen in
    `candidates`, int_clv_model_candidates; none: BG/NBD) and the Gamma-Gamma's
    maximum-likelihood parameters, their log-likelihoods, the independence check of the
    spend model, and a plain note on what the fit means. The purchase model is fitted on the
    window's SeasonalClock (`seasonality`: int_clv_seasonality; none: the calendar)."""
    family, why = chosen_family(candidates, settings)
    rows = []
    for window in WINDOWS:
        # in one order whatever order the rows arrive in: the optimiser's sums, and so the
        # last digits of the estimates, are then the same on every build
        part = histories[(histories["fit_window"] == window) & (histories["t"] > 0)]
        part = part.sort_values("customer_id", kind="stable")
        clock = SeasonalClock.of_window(seasonality, window)
        x, t_x, t, m = _clock_histories(part, clock)
        spend = _spend_rows(x, m)
        history_days = int((part["window_end_date"].max() - part["window_start_date"].min()).days)
        if len(part) < settings.min_customers or spend.sum() < settings.min_customers:
            print(
                f"lifetime value ({window} window): {len(part)} customers, {int(spend.sum())} "
                f"with a repeat purchase; at least {settings.min_customers} of each are needed "
                "to fit, so no forecast is made",
                flush=True,
            )
            continue
        bg = clv.fit_bgnbd(x, t_x, t, family=family)
        repeat = x > 0  # the spend model sets aside repeat customers without positive spend
        gg = clv.fit_gamma_gamma(x[repeat], m[repeat])
        at_bound = _parameters_at_bound(bg, gg)
        correlation = clv.spend_frequency_correlation(x[spend], m[spend])
        rows.append(
            {
                "fit_window": window,
                "model_family": family,
                "window_start_date": part["window_start_date"].iloc[0],
                "window_end_date": part["window_end_date"].iloc[0],
                "n_customers": len(part),
                "n_repeat_customers": int(spend.sum()),
                "r": bg.r,
                "alpha": bg.alpha,
                "a": bg.a,
                "b": bg.b,
                "mean_dropout_probability": bg.mean_dropout_probability,
                "bgnbd_log_likelihood": bg.log_likelihood,
                "dropout_at_bound": bg.dropout_at_bound,
                "dropout_identified": _dropout_identified(bg),
                "p": gg.p,
                "q": gg.q,
                "gamma": gg.gamma,
                "gamma_gamma_log_likelihood": gg.log_likelihood,
                "population_mean_spend": gg.population_mean_spend
                if np.isfinite(gg.population_mean_spend)
                else gg.observed_mean_spend,
                "spend_frequency_correlation": correlation,
                "gamma_gamma_set_aside": int(sum(n for _, n in gg.set_aside)),
                "parameters_at_bound": at_bound,
                "history_days": history_days,
                "follows_season": not clock.steady,
                "converged": bool(bg.converged and gg.converged),
                "note": f"{why}; "
                + _note(bg, gg, correlation, at_bound, clock, _season_note(seasonality, window)),
            }
        )
    return pd.DataFrame(rows) if rows else _empty(PARAMETER_COLUMNS)


CANDIDATE_COLUMNS = {
    "model_family": "object",
    "model_name": "object",
    "window_end_date": "datetime64[us]",
    "holdout_days": "int64",
    "n_customers": "int64",
    "r": "float64",
    "alpha": "float64",
    "a": "float64",
    "b": "float64",
    "log_likelihood": "float64",
    "converged": "bool",
    "actual_purchases": "int64",
    "predicted_purchases": "float64",
    "total_error": "float64",
    "spearman_purchases": "float64",
    "brier_purchase_90d": "float64",
    "is_chosen": "bool",
    "choice": "object",
}


def _checked_family(settings: LifetimeValueSettings) -> str:
    if settings.model_family != "auto" and settings.model_family not in clv.FAMILIES:
        raise ValueError(
            f"clv_model_family is {settings.model_family!r}: use auto or one of "
            + ", ".join(clv.FAMILIES)
        )
    return settings.model_family


def _holdout_purchases(bg: clv.BgNbdParams, calibration: pd.DataFrame, clock: SeasonalClock):
    """Each calibration customer's expected purchases in the holdout after the window."""
    x, _, _, _ = _arrays(calibration)
    _, clock_t_x, clock_t, _ = _clock_histories(calibration, clock)
    end = calibration["window_end_date"].to_numpy("datetime64[D]")
    days = calibration["holdout_days"].to_numpy(float)
    return clv.expected_purchases(bg, clock.elapsed(end, days), x, clock_t_x, clock_t)


def candidate_models(
    histories: pd.DataFrame,
    settings: LifetimeValueSettings,
    seasonality: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each purchase model family (clv.FAMILIES, or the one settings.model_family fixes)
    fitted on the calibration window, on its SeasonalClock, and judged on the holdout after
    it: the forecast total against the actual purchases, and Spearman's correlation of the
    customers' forecasts with what they did. The chosen one (is_chosen) is the one whose
    total is closest, where totals within CHOICE_TOTAL_ERROR_TOLERANCE of the closest count
    as equal and the better ranking then wins; `choice` says why, in words."""
    fixed = _checked_family(settings)
    calibration = histories[histories["fit_window"] == "calibration"]
    calibration = calibration.sort_values("customer_id", kind="stable")
    clock = SeasonalClock.of_window(seasonality, "calibration")
    fitted = calibration[calibration["t"] > 0]
    x, t_x, t, _ = _clock_histories(fitted, clock)
    actual = calibration["holdout_purchases"].to_numpy(float)
    bought_90d = calibration["holdout_purchases_90d"].to_numpy(float)  # nan: holdout < 90 days
    bought_90d = np.where(np.isnan(bought_90d), np.nan, bought_90d > 0)
    x_all, _, _, _ = _arrays(calibration)
    _, t_x_all, t_all, _ = _clock_histories(calibration, clock)
    horizon = clock.elapsed(calibration["window_end_date"].to_numpy("datetime64[D]"), 90)
    if len(fitted) < settings.min_customers or (x > 0).sum() < settings.min_customers:
        return _empty(CANDIDATE_COLUMNS)  # fit_windows says why in its output
    rows, squared_errors = [], []
    for family in clv.FAMILIES if fixed == "auto" else (fixed,):
        bg = clv.fit_bgnbd(x, t_x, t, family=family)
        predicted = _holdout_purchases(bg, calibration, clock)
        with np.errstate(divide="ignore", invalid="ignore"):
            total_error = predicted.sum() / actual.sum() - 1.0
        ranking = stats.spearmanr(predicted, actual).statistic if np.ptp(actual) > 0 else np.nan
        within = clv.prob_purchase_within(bg, horizon, x_all, t_x_all, t_all)
        squared_errors.append((within - bought_90d) ** 2)
        brier = float(np.mean(squared_errors[-1]))  # nan where the holdout is short
        rows.append(
            {
                "model_family": family,
                "model_name": FAMILY_NAMES[family],
                "window_end_date": calibration["window_end_date"].iloc[0],
                "holdout_days": int(calibration["holdout_days"].iloc[0]),
                "n_customers": len(fitted),
                "r": bg.r,
                "alpha": bg.alpha,
                "a": bg.a,
                "b": bg.b,
                "log_likelihood": bg.log_likelihood,
                "converged": bg.converged,
                "actual_purchases": int(actual.sum()),
                "predicted_purchases": float(predicted.sum()),
                "total_error": float(total_error),
                "spearman_purchases": float(ranking),
                "brier_purchase_90d": brier,
            }
        )
    table = pd.DataFrame(rows)
    table["is_chosen"], table["choice"] = _choose(table, fixed, np.array(squared_errors))
    return table.astype({c: t for c, t in CANDIDATE_COLUMNS.items() if t != "object"})


def _choose(
    table: pd.DataFrame, fixed: str, squared_errors: np.ndarray | None = None
) -> tuple[np.ndarray, list[str]]:
    """Which candidate is chosen and why: the total first (CHOICE_TOTAL_ERROR_TOLERANCE),
    then the Brier score where one is better beyond its noise (`squared_errors`: one row
    per candidate, each customer's squared error of the 90-day purchase chance; a
    difference within CHOICE_BRIER_Z standard errors of the paired differences is a tie),
    then the closest total; on a holdout under 90 days, Spearman (to three decimals)."""
    if fixed != "auto":
        return np.ones(len(table), bool), ["fixed by var clv_model_family"]
    error = table["total_error"].abs().to_numpy()
    if not np.isfinite(error).any():
        chosen = np.asarray(table["model_family"] == clv.FAMILIES[0])
        return chosen, [
            "chosen: the holdout has no purchase to judge the forecasts by, so the default"
            if pick
            else "not chosen: the holdout has no purchase to judge the forecasts by"
            for pick in chosen
        ]
    close = error <= np.nanmin(error) + CHOICE_TOTAL_ERROR_TOLERANCE
    brier = table["brier_purchase_90d"].to_numpy()
    if squared_errors is not None and np.isfinite(brier[close]).all():
        measure = "Brier score of the 90-day purchase chance"
        shown = [f"Brier {value:.5f}" for value in brier]
        best = int(np.argmin(np.where(close, brier, np.inf)))
        worse = np.array(
            [
                _significantly_worse(squared_errors[i], squared_errors[best])
                for i in range(len(table))
            ]
        )
        equal = close & ~worse
    else:
        measure = "Spearman ranking (the holdout is under 90 days)"
        ranking = np.round(table["spearman_purchases"].fillna(-np.inf).to_numpy(), 3)
        shown = [f"Spearman {value:.3f}" for value in table["spearman_purchases"]]
        equal = close & (ranking == np.max(np.where(close, ranking, -np.inf)))
    # among the equals the closest total, then the first family
    pick = int(np.argmin(np.where(equal, np.round(error, 6), np.inf)))
    reasons = []
    for i, row in table.iterrows():
        total = f"holdout total {row['total_error']:+.1%}"
        if i == pick and equal.sum() > 1:
            reasons.append(
                f"chosen: {total}, within {100 * CHOICE_TOTAL_ERROR_TOLERANCE:.0f} points of the "
                f"closest total, a {measure} as good as the best ({shown[i]}), and the "
                "closest total of those"
            )
        elif i == pick:
            reasons.append(
                f"chosen: {total}, within {100 * CHOICE_TOTAL_ERROR_TOLERANCE:.0f} points of the "
                f"closest total, and the best {measure} among those ({shown[i]})"
            )
        elif equal[i]:
            reasons.append(
                f"not chosen: {total}, a {measure} as good ({shown[i]}), but a total further "
                "off or tied (a tie keeps the first of "
                f"{', '.join(FAMILY_NAMES.values())})"
            )
        elif close[i]:
            reasons.append(f"not chosen: {total} as close, but a worse {measure} ({shown[i]})")
        else:
            reasons.append(f"not chosen: {total}, further off than the chosen model's")
    return np.arange(len(table)) == pick, reasons


def _significantly_worse(errors: np.ndarray, best: np.ndarray) -> bool:
    """Whether squared errors `errors` are worse than `best`'s beyond CHOICE_BRIER_Z
    standard errors of their paired per-customer differences."""
    difference = errors - best
    spread = difference.std(ddof=1) / np.sqrt(len(difference)) if len(difference) > 1 else 0.0
    # the same model twice (both at the no-dropout limit) differs in the last digits only
    return bool(difference.mean() > max(CHOICE_BRIER_Z * spread, 1e-9))


def chosen_family(
    candidates: pd.DataFrame | None, settings: LifetimeValueSettings | None = None
) -> tuple[str, str]:
    """The purchase model family a build uses, and the note's words on why."""
    fixed = _checked_family(settings or LifetimeValueSettings())
    if fixed != "auto":
        return fixed, f"model: {FAMILY_NAMES[fixed]}, fixed by var clv_model_family"
    if candidates is None or not candidates["is_chosen"].any():
        return clv.FAMILIES[0], f"model: {FAMILY_NAMES[clv.FAMILIES[0]]} (no holdout to choose on)"
    family = candidates.loc[candidates["is_chosen"], "model_family"].iloc[0]
    return family, f"model: {FAMILY_NAMES[family]}, chosen on the holdout (clv_model_candidates)"


def _dropout_identified(bg: clv.BgNbdParams) -> bool:
    return not bg.dropout_at_bound and bg.mean_dropout_probability >= MIN_IDENTIFIED_DROPOUT


def _parameters_at_bound(bg: clv.BgNbdParams, gg: clv.GammaGammaParams) -> str | None:
    """'BG/NBD a, b; Gamma-Gamma q': the parameters whose estimate stopped at the edge of
    clv.PARAMETER_BOUNDS (the likelihood wanted them further); None when none did."""
    parts = [
        f"{model} {', '.join(names)}"
        for model, names in (
            (FAMILY_NAMES[bg.family], bg.params_at_bound),
            ("Gamma-Gamma", gg.params_at_bound),
        )
        if names
    ]
    return "; ".join(parts) or None


def _note(
    bg: clv.BgNbdParams,
    gg: clv.GammaGammaParams,
    correlation: float,
    at_bound: str | None,
    clock: SeasonalClock,
    season_note: str,
) -> str:
    notes = []
    if not _dropout_identified(bg):
        notes.append(
            f"dropout not identified: a/(a+b) = {bg.mean_dropout_probability:.2g} per purchase"
            + (" (at the parameter bound)" if bg.dropout_at_bound else "")
            + ". Over this span the data cannot tell a customer who left from one who buys "
            "rarely, so the model explains silences by low purchase rates (it is then the NBD "
            "model without dropout) and probability_active is close to 1 for nearly everyone; "
            "read probability_purchase_90d and expected purchases instead"
        )
    if not (bg.converged and gg.converged):
        notes.append("the optimiser stopped before its convergence test passed")
    if at_bound:
        notes.append(f"estimates at the edge of the parameter space: {at_bound}")
    set_aside = [(reason, n) for reason, n in gg.set_aside if reason != "no repeat purchase"]
    if set_aside:
        why = {"spend zero or below": " (cancellations netted their repeat purchases out)"}
        notes.append(
            "the spend model set aside "
            + " and ".join(
                f"{int(n)} repeat customers with {reason}{why.get(reason, '')}"
                for reason, n in set_aside
            )
            + "; they get the population mean spend"
        )
    if np.isfinite(correlation) and abs(correlation) > 0.3:
        notes.append(
            f"spend per purchase correlates with frequency ({correlation:.2f}): the Gamma-Gamma "
            "independence assumption is doubtful"
        )
    if clock.steady:
        notes.append(
            f"the model assumes a steady purchase rate ({season_note}), so forecasts over the "
            "shop's busy months run low and over its quiet months high"
        )
    else:
        busiest = int(np.argmax(clock.monthly_index))
        notes.append(
            "purchase rates follow the yearly season learnt from the history "
            f"(clv_seasonal_index, {season_note}; busiest month {busiest + 1}: "
            f"{clock.monthly_index[busiest]:.2f} times the average)"
        )
    return "; ".join(notes) or "fit as expected"


def _params(parameters: pd.DataFrame, window: str):
    row = parameters[parameters["fit_window"] == window]
    if row.empty:
        return None, None
    row = row.iloc[0]
    bg = clv.BgNbdParams(
        r=row["r"], alpha=row["alpha"], a=row["a"], b=row["b"], family=row["model_family"]
    )
    gg = clv.GammaGammaParams(
        p=row["p"], q=row["q"], gamma=row["gamma"], observed_mean_spend=row["population_mean_spend"]
    )
    return bg, gg


VALUE_COLUMNS = {
    "customer_id": "object",
    "x": "int64",
    "t_x": "int64",
    "t": "int64",
    "historic_value": "float64",
    "probability_active": "float64",
    "probability_purchase_90d": "float64",
    "churn_risk_90d": "float64",
    "churn_risk_band": "object",
    "average_days_between_purchases": "float64",
    "days_to_next_order": "float64",
    "next_order_date": "datetime64[us]",
    "next_order_date_missing_reason": "object",
    "expected_purchases_90d": "float64",
    "expected_purchases_365d": "float64",
    "expected_spend_per_purchase": "float64",
    "spend_basis": "object",
    "clv_12m": "float64",
}


def churn_risk_band(risk: np.ndarray) -> np.ndarray:
    """Low / Medium / High by CHURN_RISK_BANDS (each band includes its lower edge)."""
    edges = np.array([edge for edge, _ in CHURN_RISK_BANDS])
    names = np.array([name for _, name in CHURN_RISK_BANDS], dtype=object)
    return names[np.searchsorted(edges, risk, side="right")]


def churn_risk(bg: clv.BgNbdParams, x, t_x, t, horizon=CHURN_HORIZON_DAYS) -> np.ndarray:
    """P(no purchase in the next CHURN_HORIZON_DAYS days): 1 - clv.prob_purchase_within
    (`horizon`: those days' length on the clock the histories are measured on)."""
    return 1.0 - clv.prob_purchase_within(bg, horizon, x, t_x, t)


def next_order(bg: clv.BgNbdParams, x, t_x, t, window_end: pd.Series, clock: SeasonalClock):
    """Days from the window's end until a purchase becomes more likely than not
    (NEXT_ORDER_PROBABILITY), the date of that day, and why it is missing where it is:
    beyond NEXT_ORDER_MAX_DAYS, or never (the customer is more likely gone than not)."""
    clock_days = clv.days_until_purchase_probability(bg, NEXT_ORDER_PROBABILITY, x, t_x, t)
    end = window_end.to_numpy("datetime64[D]")
    days = clock_days
    if not clock.steady:
        # only a wait within the year needs its calendar day; a longer one (it can run to
        # millions of days as P(alive) nears one half) stays in clock days, still > a year
        year = clock.elapsed(end, NEXT_ORDER_MAX_DAYS)
        soon = clock_days <= year
        days = np.where(soon, clock.calendar_days(end, np.where(soon, clock_days, 0.0)), days)
    within = days <= NEXT_ORDER_MAX_DAYS
    dated = pd.to_datetime(end) + pd.to_timedelta(np.ceil(np.where(within, days, 0.0)), unit="D")
    reason = np.where(
        within,
        None,
        np.where(
            np.isinf(days),
            "more likely gone than not: the chance of another purchase never reaches one half",
            f"a purchase becomes more likely than not only after {NEXT_ORDER_MAX_DAYS} days",
        ),
    )
    return (
        np.where(np.isinf(days), np.nan, days),
        pd.Series(dated).where(within).to_numpy("datetime64[us]"),
        reason,
    )


def customer_values(
    histories: pd.DataFrame,
    parameters: pd.DataFrame,
    settings: LifetimeValueSettings,
    seasonality: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every customer of the full window: value so far, probability still active,
    probability of a purchase in the next 90 days and its complement the churn risk (with
    its band), the average days between purchases, the expected next order, expected
    purchases in the next 90 and 365 days, expected spend per purchase (with its basis) and
    the CLV over the next clv_months discounted monthly, each horizon measured on the
    window's SeasonalClock. Vectorised over customers."""
    bg, gg = _params(parameters, "full")
    full = histories[histories["fit_window"] == "full"].sort_values("customer_id")
    if bg is None or full.empty:
        return _empty(VALUE_COLUMNS)
    clock = SeasonalClock.of_window(seasonality, "full")
    x, t_x, t, m = _arrays(full)
    _, clock_t_x, clock_t, _ = _clock_histories(full, clock)
    end = full["window_end_date"].to_numpy("datetime64[D]")
    own_spend = _spend_rows(x, m)
    basis = np.where(
        own_spend,
        "own repeat purchases",
        np.where(
            x > 0,
            "population mean: no positive repeat spend",
            "population mean: no repeat purchase",
        ),
    )
    spend_input = np.where(own_spend, m, 0.0)  # expected_spend falls back where x = 0 or m <= 0
    months = np.arange(1, settings.clv_months + 1) * DAYS_PER_MONTH
    value = clv.discounted_clv(
        bg,
        gg,
        x,
        clock_t_x,
        clock_t,
        spend_input,
        horizon_periods=settings.clv_months,
        discount_rate_per_period=settings.monthly_discount_rate,
        period_length=DAYS_PER_MONTH,
        # every customer's window ends on the same day, so the months are the same for all
        period_ends=None if clock.steady else clock.elapsed(end[:1], months),
    )
    risk = churn_risk(bg, x, clock_t_x, clock_t, clock.elapsed(end, CHURN_HORIZON_DAYS))
    days_to_next, next_date, next_missing = next_order(
        bg, x, clock_t_x, clock_t, full["window_end_date"], clock
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        between = np.where(x > 0, t_x / x, np.nan)
    return pd.DataFrame(
        {
            "customer_id": full["customer_id"].to_numpy(),
            "x": x.astype(int),
            "t_x": t_x.astype(int),
            "t": t.astype(int),
            "historic_value": full["revenue"].to_numpy(float),
            "probability_active": clv.prob_alive(bg, x, clock_t_x, clock_t),
            "probability_purchase_90d": 1.0 - risk,
            "churn_risk_90d": risk,
            "churn_risk_band": churn_risk_band(risk),
            "average_days_between_purchases": between,
            "days_to_next_order": days_to_next,
            "next_order_date": next_date,
            "next_order_date_missing_reason": next_missing,
            "expected_purchases_90d": clv.expected_purchases(
                bg, clock.elapsed(end, 90), x, clock_t_x, clock_t
            ),
            "expected_purchases_365d": clv.expected_purchases(
                bg, clock.elapsed(end, 365), x, clock_t_x, clock_t
            ),
            "expected_spend_per_purchase": clv.expected_spend(gg, x, spend_input),
            "spend_basis": basis,
            "clv_12m": value,
        }
    )


CHURN_AS_OF_COLUMNS = {
    "as_of_date": "datetime64[us]",
    "customer_id": "object",
    "churn_risk_90d": "float64",
    "churn_risk_band": "object",
}


def churn_as_of(
    histories: pd.DataFrame, settings: LifetimeValueSettings | None = None
) -> pd.DataFrame:
    """Each customer's churn risk and band as of a date, from the purchases before it (the
    window ends the day before; the 90 days start on the date): the churn band a campaign
    starting that day targets. The BG/NBD is fitted on those purchases alone, one fit per
    date, as a build on the day before would fit it, so a past campaign's audience does not
    move as later data arrives (on the calendar: a season learned from later years does not
    reach back). `histories`: as_of_date, customer_id, first_purchase_date,
    last_purchase_date, purchase_days."""
    settings = settings or LifetimeValueSettings()
    frames = []
    for as_of_date, day in histories.groupby("as_of_date", sort=True):
        # in one order whatever order the rows arrive in, as fit_windows does
        day = day.sort_values("customer_id", kind="stable")
        end = np.datetime64(pd.Timestamp(as_of_date).date(), "D") - np.timedelta64(1, "D")
        first, x, t_x, t = _histories_to(day, end)
        fitted = t > 0
        if not _enough_to_fit(x, t, settings):
            # as fit_windows says it (which also sets aside repeat customers without positive
            # spend: the churn fit needs no spend)
            print(
                f"churn bands as of {pd.Timestamp(as_of_date).date()}: {int(fitted.sum())} "
                f"customers, {int((x[fitted] > 0).sum())} with a repeat purchase; at least "
                f"{settings.min_customers} of each are needed to fit, so no band is drawn",
                flush=True,
            )
            continue
        bg = clv.fit_bgnbd(x[fitted], t_x[fitted], t[fitted])
        risk = churn_risk(bg, x, t_x, t, np.full(len(x), CHURN_HORIZON_DAYS))
        frames.append(
            pd.DataFrame(
                {
                    "as_of_date": np.full(len(day), pd.Timestamp(as_of_date)),
                    "customer_id": day["customer_id"].to_numpy(),
                    "churn_risk_90d": risk,
                    "churn_risk_band": churn_risk_band(risk),
                }
            )
        )
    if not frames:
        return _empty(CHURN_AS_OF_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    return table.astype({c: t for c, t in CHURN_AS_OF_COLUMNS.items() if t != "object"})


def _histories_to(day: pd.DataFrame, end: np.datetime64):
    """First purchase date, x, t_x and t (ages to `end`, in days) of customers given by
    first_purchase_date, last_purchase_date and purchase_days."""
    first = day["first_purchase_date"].to_numpy("datetime64[D]")
    x = day["purchase_days"].to_numpy(float) - 1
    t_x = (day["last_purchase_date"].to_numpy("datetime64[D]") - first).astype(float)
    return first, x, t_x, (end - first).astype(float)


def _enough_to_fit(x: np.ndarray, t: np.ndarray, settings: LifetimeValueSettings) -> bool:
    """At least min_customers customers with an age, and as many with a repeat purchase."""
    fitted = t > 0
    return fitted.sum() >= settings.min_customers and (x[fitted] > 0).sum() >= (
        settings.min_customers
    )


CUT_COLUMNS = {
    "cut_date": "datetime64[us]",
    "cut_kind": "object",
    "customer_id": "object",
    "predicted_churn_risk_90d": "float64",
    "churn_risk_band": "object",
    "purchased_within_90d": "bool",
    "follows_season": "bool",
}


def churn_at_cuts(
    histories: pd.DataFrame,
    months: pd.DataFrame,
    candidates: pd.DataFrame | None = None,
    settings: LifetimeValueSettings | None = None,
) -> pd.DataFrame:
    """Each customer's churn risk at each cut of int_clv_churn_cut_histories (the day before
    the busy season), beside whether they bought in the 90 days after it: the chosen
    purchase model (chosen_family) fitted on the purchases up to and including the cut, on
    the season learn_season finds in the whole months before it (`months`: the full
    window's int_clv_season_months), as a build on the cut day would have made it."""
    settings = settings or LifetimeValueSettings()
    family, _ = chosen_family(candidates, settings)
    frames = []
    for (cut_date, cut_kind), day in histories.groupby(["cut_date", "cut_kind"], sort=True):
        day = day.sort_values("customer_id", kind="stable")
        cut = np.datetime64(pd.Timestamp(cut_date).date(), "D")
        first, x, t_x, t = _histories_to(day, cut)
        clock = SeasonalClock.of_window(learn_season(_months_before(months, cut, first)), "full")
        fitted = t > 0
        if not _enough_to_fit(x, t, settings):
            print(
                f"churn check at {pd.Timestamp(cut_date).date()} ({cut_kind}): "
                f"{int(fitted.sum())} customers, {int((x[fitted] > 0).sum())} with a repeat "
                f"purchase; at least {settings.min_customers} of each are needed to fit",
                flush=True,
            )
            continue
        clock_t_x, clock_t = clock.elapsed(first, t_x), clock.elapsed(first, t)
        bg = clv.fit_bgnbd(x[fitted], clock_t_x[fitted], clock_t[fitted], family=family)
        horizon = clock.elapsed(np.full(len(x), cut), CHURN_HORIZON_DAYS)
        risk = churn_risk(bg, x, clock_t_x, clock_t, horizon)
        frames.append(
            pd.DataFrame(
                {
                    "cut_date": np.full(len(day), pd.Timestamp(cut_date)),
                    "cut_kind": cut_kind,
                    "customer_id": day["customer_id"].to_numpy(),
                    "predicted_churn_risk_90d": risk,
                    "churn_risk_band": churn_risk_band(risk),
                    "purchased_within_90d": day["purchases_90d"].to_numpy() > 0,
                    "follows_season": not clock.steady,
                }
            )
        )
    if not frames:
        return _empty(CUT_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    return table.astype({c: t for c, t in CUT_COLUMNS.items() if t != "object"})


def _months_before(months: pd.DataFrame, cut: np.datetime64, first: np.ndarray) -> pd.DataFrame:
    """The whole months of int_clv_season_months that end on or before the cut, as the
    window a build on the cut day would have had."""
    start = pd.to_datetime(months["month_start"])
    end = start + pd.to_timedelta(months["days_in_month"] - 1, unit="D")
    before = months[(end <= pd.Timestamp(cut)).to_numpy()].copy()
    before["history_days"] = int((cut - first.min()).astype(int))
    return before


HOLDOUT_COLUMNS = {
    "customer_id": "object",
    "x": "int64",
    "t": "int64",
    "holdout_days": "int64",
    "actual_purchases": "int64",
    "actual_revenue": "float64",
    "predicted_purchases": "float64",
    "predicted_revenue": "float64",
    "naive_purchases": "float64",
    "purchases_last_90d": "int64",
    "calibration_revenue": "float64",
    "predicted_churn_risk_90d": "float64",
    "churn_risk_band": "object",
    "purchased_within_90d": "boolean",
}


def holdout_predictions(
    histories: pd.DataFrame, parameters: pd.DataFrame, seasonality: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every customer of the calibration window: purchases and revenue in the holdout, as
    forecast by the calibration fit (revenue: expected purchases times Gamma-Gamma expected
    spend) and by the naive rule (their repeat-purchase rate so far, x / t, times the
    holdout's length), beside what they did; the simple ranking rules' inputs (repeat
    purchases x, revenue so far, purchases in the last 90 days); and the churn risk at the
    calibration end beside whether they bought within the next 90 days (null when the
    holdout is shorter)."""
    bg, gg = _params(parameters, "calibration")
    calibration = histories[histories["fit_window"] == "calibration"].sort_values("customer_id")
    if bg is None or calibration.empty:
        return _empty(HOLDOUT_COLUMNS)
    clock = SeasonalClock.of_window(seasonality, "calibration")
    x, t_x, t, m = _arrays(calibration)
    _, clock_t_x, clock_t, _ = _clock_histories(calibration, clock)
    end = calibration["window_end_date"].to_numpy("datetime64[D]")
    days = calibration["holdout_days"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = np.where(t > 0, x / t * days, 0.0)  # the simple rule knows no season
    predicted = _holdout_purchases(bg, calibration, clock)
    spend = clv.expected_spend(gg, x, np.where(_spend_rows(x, m), m, 0.0))
    risk = churn_risk(bg, x, clock_t_x, clock_t, clock.elapsed(end, CHURN_HORIZON_DAYS))
    within_90d = calibration["holdout_purchases_90d"]
    return pd.DataFrame(
        {
            "customer_id": calibration["customer_id"].to_numpy(),
            "x": x.astype(int),
            "t": t.astype(int),
            "holdout_days": days.astype(int),
            "actual_purchases": calibration["holdout_purchases"].to_numpy(int),
            "actual_revenue": calibration["holdout_revenue"].to_numpy(float),
            "predicted_purchases": predicted,
            "predicted_revenue": predicted * spend,
            "naive_purchases": naive,
            "purchases_last_90d": calibration["purchases_last_90d"].to_numpy(int),
            "calibration_revenue": calibration["revenue"].to_numpy(float),
            "predicted_churn_risk_90d": risk,
            "churn_risk_band": churn_risk_band(risk),
            "purchased_within_90d": (within_90d > 0)
            .astype("boolean")
            .where(within_90d.notna())
            .to_numpy(),
        }
    )
