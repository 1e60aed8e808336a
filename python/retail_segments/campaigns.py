"""Campaign measurement: the uplift of a campaign over its control group, with a
randomization (permutation) test and the intervals that invert it, and its status
(docs/methods/campaigns.md).

Who is in a campaign and in which group is decided in SQL (int_campaign_members; the draw is
the macro campaign_control_draw, mirrored by `control_draw` here); this module compares the
groups. The groups are a random split of the audience, so the reference distribution of the
statistic (Welch's t of the difference of means) is its distribution over the same customers
split again at random: exact when the campaign changed nobody's outcome, at every group size,
where a bootstrap or a t-test of a skewed revenue mean in a 10% control group is called
significant about twice as often as promised (tests/unit/test_campaign_statistics.py). The
intervals are the effects the same test does not reject (tests/unit/
test_campaign_intervals.py), so the verdict, the p-value and both intervals are one decision.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from . import settings as model_settings

# what each declared outcome measures: (metric, column of int_campaign_members)
OUTCOME_METRICS = {
    "purchase": [("purchase_rate", "purchased")],
    "revenue": [("revenue_per_customer", "window_revenue")],
    "both": [("purchase_rate", "purchased"), ("revenue_per_customer", "window_revenue")],
}
CAMPAIGN_LEVEL = "campaign"
SEGMENT_LEVEL = "segment"


def control_draw(campaign_key: str, customer_id: str) -> float:
    """The draw of macro campaign_control_draw: md5('<key>:<customer>')'s first 13 hex
    digits as a number in [0, 1). Control group: draw < control share."""
    digest = hashlib.md5(f"{campaign_key}:{customer_id}".encode()).hexdigest()
    return int(digest[:13], 16) / 16**13


@dataclass(frozen=True)
class CampaignSettings:
    # random re-splits of the audience in the randomization test
    permutations: int = 2_000
    confidence: float = 0.95
    # fewer customers in either group once the window has passed: 'too small to tell'
    min_group_customers: int = 30
    # re-splits are drawn a few at a time: at most this many permuted positions at once
    # (8 bytes each), whatever the audience's size
    max_permuted_rows: int = 4_000_000

    @classmethod
    def from_meta(cls, meta) -> CampaignSettings:
        settings = model_settings.from_meta(cls, meta)
        meta_get = model_settings.meta_getter(meta)
        # the bootstrap's knob until this release (CHANGELOG.md): read, and said so
        old = meta_get("resamples")
        if old not in (None, "") and meta_get("permutations") in (None, ""):
            print(
                "campaign results: meta 'resamples' is now 'permutations' (the comparison "
                "is a randomization test); read as permutations",
                flush=True,
            )
            settings = dataclasses.replace(settings, permutations=int(old))
        return settings


def _seed(*parts: str) -> int:
    """A permutation seed from the campaign and the comparison: the same numbers on every
    rebuild of the same data."""
    return int(hashlib.md5(":".join(parts).encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class Resplits:
    """What the comparison needs of each random re-split of the audience into a group of
    the treatment group's size and one of the control group's size (C'): how many of the
    original treatment customers C' holds, and the sums and sums of squares of their values
    and of the original control customers' values in C'."""

    treatment_in_control: np.ndarray
    treatment_sum_in_control: np.ndarray
    control_sum_in_control: np.ndarray
    treatment_squares_in_control: np.ndarray
    control_squares_in_control: np.ndarray


def resplits(
    treatment: np.ndarray, control: np.ndarray, count: int, rng, max_rows: int = 4_000_000
) -> Resplits:
    """`count` random re-splits. For a 0/1 outcome the counts are hypergeometric draws (the
    same distribution as drawing the customers; tests/unit/test_campaigns.py); other values
    are split by drawing positions, a few re-splits at a time."""
    n_t, n_c = len(treatment), len(control)
    if _is_binary(treatment) and _is_binary(control):
        moved = rng.hypergeometric(n_t, n_c, n_c, size=count)  # treatment customers in C'
        ones_t, ones_c = int(treatment.sum()), int(control.sum())
        moved_ones = _hypergeometric(rng, ones_t, n_t - ones_t, moved).astype(float)
        kept_ones = _hypergeometric(rng, ones_c, n_c - ones_c, n_c - moved).astype(float)
        return Resplits(moved, moved_ones, kept_ones, moved_ones, kept_ones)  # 1 * 1 = 1
    # the smaller of C' and its complement is drawn (the positions of the k smallest of
    # uniform keys: a uniform subset) and the other follows from the totals
    values = np.concatenate([treatment, control])
    n, drawn = n_t + n_c, min(n_t, n_c)
    rows_at_once = max(1, max_rows // n)
    parts: list[list[np.ndarray]] = [[], [], [], [], []]
    for start in range(0, count, rows_at_once):
        rows = min(rows_at_once, count - start)
        keys = rng.random((rows, n))
        chosen = np.argpartition(keys, drawn - 1, axis=1)[:, :drawn]
        from_treatment = chosen < n_t
        chosen_values = values[chosen]
        for part, per_row in zip(
            parts,
            (
                from_treatment,
                np.where(from_treatment, chosen_values, 0.0),
                np.where(from_treatment, 0.0, chosen_values),
                np.where(from_treatment, chosen_values**2, 0.0),
                np.where(from_treatment, 0.0, chosen_values**2),
            ),
            strict=True,
        ):
            part.append(per_row.sum(axis=1))
    moved, t_sum, c_sum, t_squares, c_squares = (np.concatenate(part) for part in parts)
    if drawn == n_c:
        return Resplits(moved, t_sum, c_sum, t_squares, c_squares)
    # the drawn group was T': C' holds the rest
    return Resplits(
        n_t - moved,
        float(treatment.sum()) - t_sum,
        float(control.sum()) - c_sum,
        float((treatment**2).sum()) - t_squares,
        float((control**2).sum()) - c_squares,
    )


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.isin(values, (0.0, 1.0)).all())


def _hypergeometric(rng, good: int, bad: int, drawn: np.ndarray) -> np.ndarray:
    """Hypergeometric draws with a fixed urn and varying draws; numpy refuses an empty urn."""
    if good == 0:
        return np.zeros_like(drawn)
    if bad == 0:
        return drawn.copy()
    return rng.hypergeometric(good, bad, drawn)


@dataclass(frozen=True)
class Comparison:
    treatment_value: float
    control_value: float
    uplift: float
    uplift_low: float
    uplift_high: float
    relative_uplift: float
    relative_uplift_low: float
    relative_uplift_high: float
    p_value: float


def compare(
    treatment: np.ndarray, control: np.ndarray, settings: CampaignSettings, seed: int
) -> Comparison:
    """Difference of means treatment - control (and relative to control), the two-sided
    randomization p-value of no effect, and the intervals that invert the same test.

    The statistic is Welch's t of the difference of means, compared with its values over
    random re-splits of the audience: exact when the campaign changed nobody's outcome, and
    still right in large groups when it changed some customers' and not others' (Chung and
    Romano 2013), where an unstudentized re-split test is not at unequal group sizes. The
    interval of the uplift is the effects d for which treatment values less d are not
    rejected; the relative one, the r for which treatment values divided by 1 + r are not
    (no value negative). Each end is found by bisection on the same re-splits, from brackets
    that include zero when its side is known, so zero is outside an interval exactly when
    p <= 1 - confidence."""
    rng = np.random.default_rng(seed)
    split = resplits(treatment, control, settings.permutations, rng, settings.max_permuted_rows)
    welch = _Welch(treatment, control, split)
    tail = (1 - settings.confidence) / 2
    mean_t, mean_c = welch.mean_t, welch.mean_c
    observed = mean_t - mean_c
    upper_at_zero, lower_at_zero = welch.tails(1.0, 0.0)
    p_value = min(1.0, 2 * min(upper_at_zero, lower_at_zero))
    step = welch.standard_error or abs(observed) or 1.0
    low = _end(lambda d: welch.tails(1.0, d)[0] > tail, observed, -step, 0.0)
    high = _end(lambda d: welch.tails(1.0, d)[1] > tail, observed, step, 0.0)

    relative = relative_low = relative_high = np.nan
    if mean_c > 0:
        relative = observed / mean_c
        if min(treatment.min(), control.min()) >= 0:
            # in log(1 + r), so the search never crosses r = -1
            def accepted(side):
                return lambda g: welch.tails(np.exp(-g), 0.0)[side] > tail

            log_ratio = np.log1p(relative) if relative > -1 else -50.0
            relative_low = np.expm1(_end(accepted(0), log_ratio, -1.0, 0.0, limit=50.0))
            relative_high = np.expm1(_end(accepted(1), log_ratio, 1.0, 0.0, limit=50.0))
    return Comparison(
        mean_t,
        mean_c,
        observed,
        low,
        high,
        relative,
        float(relative_low),
        float(relative_high),
        p_value,
    )


class _Welch:
    """Welch's t of the observed split and of every re-split, with the treatment customers'
    values y read as s * y - d: both effects (d additive, s = 1 / (1 + r) multiplicative)
    move each group's sum and sum of squares by known amounts, so one re-split's statistic
    under any supposed effect costs a few vector operations."""

    def __init__(self, treatment: np.ndarray, control: np.ndarray, split: Resplits):
        self.n_t, self.n_c = len(treatment), len(control)
        self.sum_t, self.sum_c = float(treatment.sum()), float(control.sum())
        self.squares_t, self.squares_c = float((treatment**2).sum()), float((control**2).sum())
        self.mean_t, self.mean_c = self.sum_t / self.n_t, self.sum_c / self.n_c
        self.split = split
        self.standard_error = float(
            np.sqrt(treatment.var(ddof=1) / self.n_t + control.var(ddof=1) / self.n_c)
        )

    def _group(self, n, from_t, t_sum, t_squares, c_sum, c_squares, s, d):
        total = s * t_sum - d * from_t + c_sum
        squares = s * s * t_squares - 2 * s * d * t_sum + d * d * from_t + c_squares
        mean = total / n
        return mean, np.maximum(squares - total * mean, 0.0) / (n - 1)

    def _statistic(self, treated, held):
        (mean_t, var_t), (mean_c, var_c) = treated, held
        difference = mean_t - mean_c
        error = np.sqrt(var_t / self.n_t + var_c / self.n_c)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = difference / error
        # groups without spread: the sign of the difference decides
        flat = np.where(difference > 0, np.inf, np.where(difference < 0, -np.inf, 0.0))
        return np.where(error > 0, t, flat)

    def tails(self, s: float, d: float) -> tuple[float, float]:
        """(upper, lower) one-sided p-values of the supposed effect: the shares of
        re-splits whose statistic is at least / at most the observed one, counting the
        observed split ((1 + count) / (m + 1); a relative tolerance counts ties as ties)."""
        sp = self.split
        held = self._group(
            self.n_c,
            sp.treatment_in_control,
            sp.treatment_sum_in_control,
            sp.treatment_squares_in_control,
            sp.control_sum_in_control,
            sp.control_squares_in_control,
            s,
            d,
        )
        treated = self._group(
            self.n_t,
            self.n_t - sp.treatment_in_control,
            self.sum_t - sp.treatment_sum_in_control,
            self.squares_t - sp.treatment_squares_in_control,
            self.sum_c - sp.control_sum_in_control,
            self.squares_c - sp.control_squares_in_control,
            s,
            d,
        )
        resplit = self._statistic(treated, held)
        observed = float(
            self._statistic(
                self._group(self.n_t, self.n_t, self.sum_t, self.squares_t, 0.0, 0.0, s, d),
                self._group(self.n_c, 0, 0.0, 0.0, self.sum_c, self.squares_c, s, d),
            )
        )
        slack = 1e-9 * max(1.0, abs(observed)) if np.isfinite(observed) else 0.0
        m = len(resplit)
        upper = (1 + np.count_nonzero(resplit >= observed - slack)) / (m + 1)
        lower = (1 + np.count_nonzero(resplit <= observed + slack)) / (m + 1)
        return upper, lower


def _end(accepted, estimate: float, step: float, zero: float, limit: float = np.inf) -> float:
    """The last accepted value from `estimate` in the direction of `step`: bisection between
    an accepted and a rejected bracket, to a ten-thousandth of the first step (a standard
    error). `zero` is a bracket when it lies that way, so the end falls on the side of zero
    the test decides there. An effect still accepted at `limit` (or after the step has
    doubled 60 times) leaves the interval open (+-inf)."""
    tolerance = abs(step) * 1e-4
    inside = estimate if accepted(estimate) else zero
    outside = None
    if (zero - inside) * step > 0:  # zero lies ahead
        if accepted(zero):
            inside = zero
        else:
            outside = zero
    if outside is None:
        for _ in range(60):
            candidate = inside + step
            if abs(candidate) >= limit:
                candidate = float(np.sign(step) * limit)
                if accepted(candidate):
                    return float(np.sign(step) * np.inf)
                outside = candidate
                break
            if not accepted(candidate):
                outside = candidate
                break
            inside, step = candidate, step * 2
        else:
            return float(np.sign(step) * np.inf)
    while abs(outside - inside) > tolerance:
        middle = (inside + outside) / 2
        if middle in (inside, outside):
            break
        if accepted(middle):
            inside = middle
        else:
            outside = middle
    return float(inside)


RESULT_COLUMNS = {
    "campaign_key": "object",
    "level": "object",
    "target_segment": "object",
    "metric": "object",
    "start_date": "datetime64[us]",
    "window_end": "datetime64[us]",
    "status": "object",
    "verdict": "object",
    "days_left": "int64",
    "treatment_customers": "int64",
    "control_customers": "int64",
    "treatment_value": "float64",
    "control_value": "float64",
    "uplift": "float64",
    "uplift_low": "float64",
    "uplift_high": "float64",
    "relative_uplift": "float64",
    "relative_uplift_low": "float64",
    "relative_uplift_high": "float64",
    "p_value": "float64",
}


def status_of(campaign, last_data_date, treatment_n: int, control_n: int, known: bool, settings):
    """(status, verdict-before-the-numbers, days_left) of one comparison."""
    days_left = max(0, (campaign.window_end - last_data_date).days)
    if not known:
        return "unknown segment", "unknown segment", days_left
    if campaign.start_date > last_data_date:
        return "not started", "too early", days_left
    if days_left > 0:
        return "running", "too early", days_left
    if min(treatment_n, control_n) < settings.min_group_customers:
        return "too small to tell", "too small to tell", 0
    return "measured", None, 0


def verdict_of(comparison: Comparison) -> str:
    if comparison.uplift_low > 0:
        return "worked"
    if comparison.uplift_high < 0:
        return "backfired"
    return "no measurable effect"


def measure(
    campaigns: pd.DataFrame,
    targets: pd.DataFrame,
    members: pd.DataFrame,
    last_data_date,
    settings: CampaignSettings,
) -> pd.DataFrame:
    """One row per campaign x level (the whole campaign, each targeted segment) x metric of
    its outcome. `members`: the audience rows of int_campaign_members (in any order: they
    are sorted by customer here, so the re-splits, and the numbers, repeat on every run)."""
    members = members.sort_values(["campaign_key", "customer_id"], kind="stable")
    by_campaign = dict(tuple(members.groupby("campaign_key", sort=False)))
    empty = members.iloc[:0]
    # no invoices at all: every campaign is still to start
    last_data_date = date.min if last_data_date is None else pd.Timestamp(last_data_date).date()
    rows = []
    for campaign in campaigns.sort_values("campaign_key").itertuples(index=False):
        campaign = campaign._replace(
            start_date=pd.Timestamp(campaign.start_date).date(),
            window_end=pd.Timestamp(campaign.window_end).date(),
        )
        audience = by_campaign.get(campaign.campaign_key, empty)
        # a campaign of one segment: its campaign row is its segment row, same numbers
        comparisons: dict[tuple, Comparison] = {}
        for level, segment_name, group, known in _levels(campaign, audience, targets):
            rows.extend(
                _level_rows(
                    campaign,
                    level,
                    segment_name,
                    group,
                    known,
                    comparisons,
                    last_data_date,
                    settings,
                )
            )
    table = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return table.astype({c: t for c, t in RESULT_COLUMNS.items() if t != "object"})


def _levels(campaign, audience: pd.DataFrame, targets: pd.DataFrame) -> list[tuple]:
    """(level, target segment, audience rows, is the segment known) of the whole campaign,
    then of each segment it targets (by name)."""
    segments = targets[targets["campaign_key"] == campaign.campaign_key].sort_values(
        "target_segment"
    )
    levels = [(CAMPAIGN_LEVEL, None, audience, bool(segments["is_known_segment"].any()))]
    for segment in segments.itertuples(index=False):
        levels.append(
            (
                SEGMENT_LEVEL,
                segment.target_segment,
                audience[audience["target_segment"] == segment.target_segment],
                bool(segment.is_known_segment),
            )
        )
    return levels


def _level_rows(
    campaign,
    level: str,
    segment_name: str | None,
    group: pd.DataFrame,
    known: bool,
    comparisons: dict[tuple, Comparison],
    last_data_date: date,
    settings: CampaignSettings,
) -> list[dict]:
    """One result row per metric of the campaign's outcome at one level. `comparisons`: the
    campaign's comparisons so far, by metric and the segments compared (a level with the
    same members reuses them)."""
    rows = []
    control = group["control_group"].to_numpy(bool)
    members_of = tuple(sorted(group["target_segment"].unique()))
    for metric, column in OUTCOME_METRICS[campaign.outcome]:
        values = group[column].to_numpy(float)
        treatment_values, control_values = values[~control], values[control]
        status, verdict, days_left = status_of(
            campaign,
            last_data_date,
            len(treatment_values),
            len(control_values),
            known,
            settings,
        )
        row = {
            "campaign_key": campaign.campaign_key,
            "level": level,
            "target_segment": segment_name,
            "metric": metric,
            "start_date": pd.Timestamp(campaign.start_date),
            "window_end": pd.Timestamp(campaign.window_end),
            "status": status,
            "verdict": verdict,
            "days_left": days_left,
            "treatment_customers": len(treatment_values),
            "control_customers": len(control_values),
        }
        # running: the values so far are shown; the interval, the p-value and the
        # verdict wait for the window to pass (a test read at every rebuild until it
        # crosses 5% would find effects that are not there)
        if status in ("measured", "running") and len(treatment_values) and len(control_values):
            if status == "running":
                treated, held = treatment_values.mean(), control_values.mean()
                row.update(
                    treatment_value=treated,
                    control_value=held,
                    uplift=treated - held,
                    relative_uplift=(treated - held) / held if held else np.nan,
                )
            else:
                key = (metric, members_of)
                if key not in comparisons:
                    seed = _seed(campaign.campaign_key, metric, *members_of)
                    comparisons[key] = compare(treatment_values, control_values, settings, seed)
                row.update(comparisons[key].__dict__)
                row["verdict"] = verdict_of(comparisons[key])
        rows.append(row)
    return rows
