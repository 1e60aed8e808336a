"""A shop simulated from the BG/NBD itself with a planted yearly season, for the tests of
the seasonal clock: purchase rates times a monthly factor (SEASON, busiest in November),
first purchases spread evenly over the span. Pure numpy and pandas: no warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd

START = np.datetime64("2011-01-01")
# purchase rates per calendar month relative to the year (mean 1), the planted season
SEASON = np.array([0.6, 0.7, 0.8, 0.85, 0.9, 0.9, 0.9, 0.95, 1.1, 1.3, 1.6, 1.4])
PLANTED = {"r": 0.8, "alpha": 40.0, "a": 0.6, "b": 4.0}  # alpha in (average) days


def seasonal_purchase_days(
    customers: int, seed: int, end: np.datetime64, start: np.datetime64 = START
) -> pd.DataFrame:
    """Purchase days (owner, day: days since `start`) of a BG/NBD population whose purchase
    rates follow SEASON: each customer's purchases are a Poisson process on a clock on which a
    day of month m lasts SEASON[m] days (rate lambda ~ Gamma(r, alpha) per clock day), and
    after each repeat purchase the customer drops out with probability p ~ Beta(a, b). First
    purchases are spread evenly over the span but its last 100 days."""
    rng = np.random.default_rng(seed)
    days = start + np.arange(int((end - start).astype(int)) + 1)
    weight = SEASON[days.astype("datetime64[M]").astype(int) % 12]
    clock_at = np.r_[0.0, np.cumsum(weight)]  # clock time at the start of each day
    first = rng.integers(0, len(days) - 100, customers)
    rate = rng.gamma(PLANTED["r"], 1 / PLANTED["alpha"], customers)
    dropout = rng.beta(PLANTED["a"], PLANTED["b"], customers)
    owners, purchase_days = [np.arange(customers)], [first]
    now = clock_at[first] + rng.random(customers) * weight[first]
    alive = np.ones(customers, bool)
    while alive.any():
        now = now + rng.exponential(1 / rate)
        day = np.searchsorted(clock_at, now, side="right") - 1
        alive &= day < len(days)
        buying = np.flatnonzero(alive)
        owners.append(buying)
        purchase_days.append(day[buying])
        alive[buying] &= rng.random(len(buying)) >= dropout[buying]
    return (
        pd.DataFrame({"owner": np.concatenate(owners), "day": np.concatenate(purchase_days)})
        .drop_duplicates()
        .sort_values(["day", "owner"], ignore_index=True)
    )


def season_months(
    bought: pd.DataFrame, start: np.datetime64 = START, fit_window: str = "full"
) -> pd.DataFrame:
    """int_clv_season_months recounted from purchase days by pandas, for one window from the
    first to the last purchase day: per calendar month, repeat purchase days and the
    customer-days at risk (customers whose first purchase came before the day)."""
    first = bought.groupby("owner")["day"].min()
    repeats = bought[bought["day"].to_numpy() > first.loc[bought["owner"]].to_numpy()]
    span = np.arange(bought["day"].min(), bought["day"].max() + 1)
    acquired = np.bincount(first.to_numpy(), minlength=span.max() + 1)[span]
    at_risk = np.cumsum(acquired) - acquired
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(start + span),
            "repeat_purchases": np.bincount(repeats["day"], minlength=span.max() + 1)[span],
            "customer_days": at_risk.astype(float),
        }
    )
    months = daily.groupby(daily["date"].dt.to_period("M")).agg(
        days_covered=("date", "size"),
        repeat_purchases=("repeat_purchases", "sum"),
        customer_days=("customer_days", "sum"),
    )
    return pd.DataFrame(
        {
            "fit_window": fit_window,
            "history_days": int(span[-1] - span[0]),
            "month_start": months.index.to_timestamp(),
            "days_covered": months["days_covered"].to_numpy(),
            "days_in_month": months.index.days_in_month.to_numpy(),
            "repeat_purchases": months["repeat_purchases"].to_numpy(),
            "customer_days": months["customer_days"].to_numpy(),
        }
    )
