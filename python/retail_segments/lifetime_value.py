"""Customer lifetime value for the warehouse: fits BG/NBD and Gamma-Gamma (retail_segments.clv)
on the customers' histories (int_clv_histories) and turns the parameters into per-customer
forecasts and a holdout check. Called by the dbt Python models in models/intermediate/clv/.
Time is in days throughout."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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
# the yearly season can be learnt only from at least two years of history
MIN_SEASONAL_HISTORY_DAYS = 730


@dataclass(frozen=True)
class LifetimeValueSettings:
    clv_months: int = 12
    monthly_discount_rate: float = 0.01
    min_customers: int = 20  # fewer customers in a window: no fit, and say so

    @classmethod
    def from_meta(cls, meta_get) -> LifetimeValueSettings:
        return model_settings.from_meta(cls, meta_get)


PARAMETER_COLUMNS = {
    "fit_window": "object",
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
    days. With every index 1 (under two years of history) it is the calendar, exactly."""

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
) -> pd.DataFrame:
    """One row per fit window with the BG/NBD and Gamma-Gamma maximum-likelihood
    parameters, their log-likelihoods, the independence check of the spend model, and a
    plain note on what the fit means. The BG/NBD is fitted on the window's SeasonalClock
    (`seasonality`: int_clv_seasonality; none: the calendar)."""
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
        bg = clv.fit_bgnbd(x, t_x, t)
        repeat = x > 0  # the spend model sets aside repeat customers without positive spend
        gg = clv.fit_gamma_gamma(x[repeat], m[repeat])
        at_bound = _parameters_at_bound(bg, gg)
        correlation = clv.spend_frequency_correlation(x[spend], m[spend])
        rows.append(
            {
                "fit_window": window,
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
                "note": _note(bg, gg, correlation, at_bound, history_days, clock),
            }
        )
    return pd.DataFrame(rows) if rows else _empty(PARAMETER_COLUMNS)


def _dropout_identified(bg: clv.BgNbdParams) -> bool:
    return not bg.dropout_at_bound and bg.mean_dropout_probability >= MIN_IDENTIFIED_DROPOUT


def _parameters_at_bound(bg: clv.BgNbdParams, gg: clv.GammaGammaParams) -> str | None:
    """'BG/NBD a, b; Gamma-Gamma q': the parameters whose estimate stopped at the edge of
    clv.PARAMETER_BOUNDS (the likelihood wanted them further); None when none did."""
    parts = [
        f"{model} {', '.join(names)}"
        for model, names in (("BG/NBD", bg.params_at_bound), ("Gamma-Gamma", gg.params_at_bound))
        if names
    ]
    return "; ".join(parts) or None


def _note(
    bg: clv.BgNbdParams,
    gg: clv.GammaGammaParams,
    correlation: float,
    at_bound: str | None,
    history_days: int,
    clock: SeasonalClock,
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
    if history_days < MIN_SEASONAL_HISTORY_DAYS:
        notes.append(
            f"the history covers {history_days} days, under two years: the model assumes a "
            "steady purchase rate and cannot learn the shop's yearly season, so forecasts "
            "over its busy months run low and over its quiet months high"
        )
    elif clock.steady:
        notes.append(
            f"the history covers {history_days} days, but not every calendar month has six "
            "whole months on each side to learn its season from: the model assumes a steady "
            "purchase rate"
        )
    else:
        busiest = int(np.argmax(clock.monthly_index))
        notes.append(
            "purchase rates follow the yearly season learnt from the history "
            f"(clv_seasonal_index; busiest month {busiest + 1}: "
            f"{clock.monthly_index[busiest]:.2f} times the average)"
        )
    return "; ".join(notes) or "fit as expected"


def _params(parameters: pd.DataFrame, window: str):
    row = parameters[parameters["fit_window"] == window]
    if row.empty:
        return None, None
    row = row.iloc[0]
    bg = clv.BgNbdParams(r=row["r"], alpha=row["alpha"], a=row["a"], b=row["b"])
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
        first = day["first_purchase_date"].to_numpy("datetime64[D]")
        last = day["last_purchase_date"].to_numpy("datetime64[D]")
        end = np.datetime64(pd.Timestamp(as_of_date).date(), "D") - np.timedelta64(1, "D")
        x = day["purchase_days"].to_numpy(float) - 1
        t_x = (last - first).astype(float)
        t = (end - first).astype(float)
        fitted = t > 0
        if fitted.sum() < settings.min_customers or (x[fitted] > 0).sum() < settings.min_customers:
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
    predicted = clv.expected_purchases(bg, clock.elapsed(end, days), x, clock_t_x, clock_t)
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
