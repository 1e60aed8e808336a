"""Campaign measurement: the uplift of a campaign over its control group, with a percentile
bootstrap interval and p-value, and its status (docs/methods/campaigns.md).

Who is in a campaign and in which group is decided in SQL (int_campaign_members; the draw is
the macro campaign_control_draw, mirrored by `control_draw` here); this module compares the
groups. Each group is resampled on its own (the groups are independent random samples of
the targeted segments), all resamples at once: a purchase rate's resampled mean is a
binomial draw, a revenue mean a matrix of resampled rows in chunks.
"""

from __future__ import annotations

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
    resamples: int = 2_000
    confidence: float = 0.95
    # fewer customers in either group once the window has passed: 'too small to tell'
    min_group_customers: int = 30
    # revenue resamples are drawn a few at a time: at most this many resampled rows at once
    # (8 bytes each), whatever the group's size
    max_resampled_rows: int = 4_000_000

    @classmethod
    def from_meta(cls, meta_get) -> CampaignSettings:
        return model_settings.from_meta(cls, meta_get)


def _seed(*parts: str) -> int:
    """A resampling seed from the campaign and the comparison: the same numbers on every
    rebuild of the same data."""
    return int(hashlib.md5(":".join(parts).encode()).hexdigest()[:8], 16)


def resampled_means(
    values: np.ndarray, resamples: int, rng, max_rows: int = 4_000_000
) -> np.ndarray:
    """The mean of `resamples` bootstrap resamples of `values` (drawn with replacement)."""
    n = len(values)
    if n == 0:
        return np.full(resamples, np.nan)
    unique = np.unique(values)
    if len(unique) <= 2 and set(unique.tolist()) <= {0.0, 1.0}:
        # a 0/1 outcome: the count of ones in a resample is binomial
        return rng.binomial(n, values.mean(), size=resamples) / n
    chunk = max(1, max_rows // n)
    means = []
    for start in range(0, resamples, chunk):
        rows = rng.integers(0, n, size=(min(chunk, resamples - start), n))
        means.append(values[rows].mean(axis=1))
    return np.concatenate(means)


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
    """Difference of means treatment - control (and relative to control) with percentile
    bootstrap intervals, and the bootstrap's two-sided p-value: twice the share of
    resampled differences on the far side of zero (at least 1 / resamples), so the interval
    excludes zero exactly when p < 1 - confidence, up to ties at zero."""
    rng = np.random.default_rng(seed)
    treatment_means = resampled_means(
        treatment, settings.resamples, rng, settings.max_resampled_rows
    )
    control_means = resampled_means(control, settings.resamples, rng, settings.max_resampled_rows)
    differences = treatment_means - control_means
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = differences / control_means
    tail = (1 - settings.confidence) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    finite = relative[np.isfinite(relative)]
    if len(finite) == settings.resamples:
        relative_low, relative_high = np.percentile(finite, [tail, 100 - tail])
    else:  # a control mean of zero in some resamples: no relative interval
        relative_low = relative_high = np.nan
    below = float(np.mean(differences <= 0))
    above = float(np.mean(differences >= 0))
    p_value = min(1.0, max(2 * min(below, above), 1 / settings.resamples))
    treatment_value, control_value = float(treatment.mean()), float(control.mean())
    return Comparison(
        treatment_value,
        control_value,
        treatment_value - control_value,
        float(low),
        float(high),
        (treatment_value - control_value) / control_value if control_value else np.nan,
        float(relative_low),
        float(relative_high),
        p_value,
    )


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
    are sorted by customer here, so the resamples, and the numbers, repeat on every run)."""
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
