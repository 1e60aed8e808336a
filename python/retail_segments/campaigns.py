"""Campaign measurement: the uplift of a campaign over its control group, with a
randomization (permutation) test and the intervals that invert it, and its status
(docs/methods/campaigns.md).

Who is in a campaign and in which group is decided in SQL (int_campaign_members; the draw is
the macro campaign_control_draw, mirrored by `control_draw` here); this module compares the
groups. The groups are a random split of the audience, so the reference distribution of the
difference of means is the one of the same customers split again at random: the
randomization test is exact under that design at every group size, where a bootstrap or a
t-test of a skewed revenue mean in a 10% control group is called significant about twice as
often as promised (measured in tests/unit/test_campaigns.py). The intervals are the effects
the same test does not reject: an additive effect for the uplift, a multiplicative one for
the relative uplift, so the verdict, the p-value and both intervals are one decision.
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
    def from_meta(cls, meta_get) -> CampaignSettings:
        settings = model_settings.from_meta(cls, meta_get)
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
    original treatment customers C' holds, and the sums of their values and of the original
    control customers' values in C'."""

    treatment_in_control: np.ndarray
    treatment_sum_in_control: np.ndarray
    control_sum_in_control: np.ndarray


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
        moved_ones = _hypergeometric(rng, ones_t, n_t - ones_t, moved)
        kept_ones = _hypergeometric(rng, ones_c, n_c - ones_c, n_c - moved)
        return Resplits(moved, moved_ones.astype(float), kept_ones.astype(float))
    # the smaller of C' and its complement is drawn (the positions of the k smallest of
    # uniform keys: a uniform subset) and the other follows from the totals
    values = np.concatenate([treatment, control])
    n, drawn = n_t + n_c, min(n_t, n_c)
    rows_at_once = max(1, max_rows // n)
    counts, treatment_sums, control_sums = [], [], []
    for start in range(0, count, rows_at_once):
        rows = min(rows_at_once, count - start)
        keys = rng.random((rows, n))
        chosen = np.argpartition(keys, drawn - 1, axis=1)[:, :drawn]
        from_treatment = chosen < n_t
        chosen_values = values[chosen]
        counts.append(from_treatment.sum(axis=1))
        treatment_sums.append(np.where(from_treatment, chosen_values, 0.0).sum(axis=1))
        control_sums.append(np.where(from_treatment, 0.0, chosen_values).sum(axis=1))
    moved, moved_sum, kept_sum = map(np.concatenate, (counts, treatment_sums, control_sums))
    if drawn == n_c:
        return Resplits(moved, moved_sum, kept_sum)
    # the drawn group was T': C' holds the rest
    total_t, total_c = float(treatment.sum()), float(control.sum())
    return Resplits(n_t - moved, total_t - moved_sum, total_c - kept_sum)


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

    For each re-split, the permuted difference of means under a supposed additive effect d
    (treatment values less d) is A - d B, with B < 1, against the observed D - d; so the
    re-split is at least as large as the observed exactly when d >= (D - A) / (1 - B). The
    one-sided p-values are therefore the distribution of that threshold over the re-splits,
    and the interval is between two of its order statistics: the d whose two-sided p-value
    (with the usual +1 for the observed split) exceeds 1 - confidence. The relative interval
    does the same for a multiplicative effect (treatment values divided by 1 + r) when no
    value is negative. Zero is outside either interval exactly when p <= 1 - confidence."""
    rng = np.random.default_rng(seed)
    n_t, n_c = len(treatment), len(control)
    sum_t, sum_c = float(treatment.sum()), float(control.sum())
    mean_t, mean_c = sum_t / n_t, sum_c / n_c
    observed = mean_t - mean_c
    split = resplits(treatment, control, settings.permutations, rng, settings.max_permuted_rows)
    # the observed split itself (no treatment customer moved) has no threshold: left out
    moved = split.treatment_in_control
    keep = moved > 0
    moved, t_in_c = moved[keep], split.treatment_sum_in_control[keep]
    c_in_c = split.control_sum_in_control[keep]
    in_c = t_in_c + c_in_c
    permuted = (sum_t + sum_c - in_c) / n_t - in_c / n_c
    weight = 1 / n_t + 1 / n_c
    additive = (observed - permuted) / (moved * weight)
    low, high, p_value = _inverted(additive, 0.0, settings.confidence)

    relative = relative_low = relative_high = np.nan
    if mean_c > 0:
        relative = observed / mean_c
        if min(treatment.min(), control.min()) >= 0:
            # treatment values scaled by s = 1 / (1 + r): the re-split is at least as large
            # as the observed exactly when s <= v / u, u >= 0
            u = t_in_c * weight
            v = (sum_c - c_in_c) / n_t - c_in_c / n_c + mean_c
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(u > 0, v / u, np.where(v >= 0, np.inf, -np.inf))
            # s in [s_low, s_high] is accepted; r = 1 / s - 1 decreases in s
            s_low, s_high, _ = _inverted(-scale, -1.0, settings.confidence)
            s_low, s_high = -s_high, -s_low
            relative_low = 1 / s_high - 1 if s_high > 0 else np.nan
            relative_high = 1 / s_low - 1 if s_low > 0 else np.inf
    return Comparison(
        mean_t, mean_c, observed, low, high, relative, relative_low, relative_high, p_value
    )


def _inverted(thresholds: np.ndarray, null: float, confidence: float):
    """(low, high, p-value at `null`) of a test whose upper one-sided p-value at x is
    (1 + #{threshold <= x}) / (m + 1) and lower one is (1 + #{threshold >= x}) / (m + 1):
    x is accepted when twice the smaller exceeds 1 - confidence, i.e. when at least k
    thresholds lie on each side, which is the interval between the k-th smallest and the
    k-th largest."""
    m = len(thresholds)
    alpha = 1 - confidence
    k = int(np.floor(alpha / 2 * (m + 1) - 1)) + 1
    ordered = np.sort(thresholds)
    low = float(ordered[k - 1]) if k >= 1 else -np.inf
    high = float(ordered[m - k]) if k >= 1 else np.inf
    below = (1 + np.count_nonzero(thresholds <= null)) / (m + 1)
    above = (1 + np.count_nonzero(thresholds >= null)) / (m + 1)
    return low, high, min(1.0, 2 * min(below, above))


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
