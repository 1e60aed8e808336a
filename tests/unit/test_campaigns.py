"""Campaign statistics without a warehouse: the bootstrap of a share, the comparison's interval
and p-value, a campaign's status at the edges of its window, and a campaign that names a known
and an unknown segment (retail_segments.campaigns, retail_segments.bootstrap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from retail_segments import campaigns

# ------------------------------------------------------------------------- the comparison


def test_the_bootstrap_of_a_share_is_the_resampling_it_stands_for():
    """A 0/1 outcome's resampled means come from a binomial draw: the same distribution
    as drawing customers with replacement (here forced by a value a hair off 1)."""
    rng = np.random.default_rng(1)
    bought = (rng.random(800) < 0.3).astype(float)
    shortcut = campaigns.resampled_means(bought, 20_000, np.random.default_rng(2))
    nudged = bought.copy()
    nudged[0] = 1 - 1e-12 if nudged[0] == 1 else 1e-12  # no longer 0/1: rows are drawn
    drawn = campaigns.resampled_means(nudged, 20_000, np.random.default_rng(3), max_rows=100_000)
    assert shortcut.mean() == pytest.approx(drawn.mean(), abs=0.001)
    assert shortcut.std() == pytest.approx(drawn.std(), rel=0.03)
    assert shortcut.std() == pytest.approx(np.sqrt(0.3 * 0.7 / 800), rel=0.05)


def test_the_comparison_interval_and_p_value():
    settings = campaigns.CampaignSettings()
    rng = np.random.default_rng(4)
    # far apart: p at its floor, 1 / resamples, and the interval well above zero
    apart = campaigns.compare(
        (rng.random(2000) < 0.4).astype(float), (rng.random(2000) < 0.2).astype(float), settings, 1
    )
    assert apart.p_value == 1 / settings.resamples and apart.uplift_low > 0.15
    assert apart.relative_uplift == pytest.approx(apart.uplift / apart.control_value)
    # the same values in both groups: no difference, the interval centred on zero
    same = rng.lognormal(3, 1, 1500)
    alike = campaigns.compare(same, same.copy(), settings, 2)
    assert alike.uplift == 0 and alike.uplift_low < 0 < alike.uplift_high
    assert alike.p_value > 0.8
    # the p-value and the interval agree: p < 0.05 exactly when zero is outside it
    for seed in range(30):
        shift = rng.normal(0, 0.03)
        result = campaigns.compare(
            (rng.random(1500) < 0.3 + shift).astype(float),
            (rng.random(1500) < 0.3).astype(float),
            settings,
            seed,
        )
        outside = result.uplift_low > 0 or result.uplift_high < 0
        assert outside == (result.p_value < 0.05), result


def test_the_status_at_the_edges_of_the_window():
    settings = campaigns.CampaignSettings()
    day = pd.Timestamp("2011-12-09").date()

    def status(start, end, known=True, n=500):
        campaign = pd.Series(
            {"start_date": pd.Timestamp(start).date(), "window_end": pd.Timestamp(end).date()}
        )
        return campaigns.status_of(campaign, day, n, n, known, settings)

    # the window's last day is the data's last day: measured
    assert status("2011-09-11", "2011-12-09") == ("measured", None, 0)
    assert status("2011-09-12", "2011-12-10") == ("running", "too early", 1)
    assert status("2011-12-09", "2012-03-07")[0] == "running"  # starts on the last day
    assert status("2011-12-10", "2012-03-08") == ("not started", "too early", 90)
    assert status("2011-01-01", "2011-03-31", n=29)[0] == "too small to tell"
    assert status("2011-01-01", "2011-03-31", n=30)[0] == "measured"
    assert status("2011-01-01", "2011-03-31", known=False)[0] == "unknown segment"


def test_a_campaign_with_a_known_and_an_unknown_segment():
    declared = pd.DataFrame(
        {
            "campaign_key": ["mixed"],
            "start_date": [pd.Timestamp("2011-06-01")],
            "window_end": [pd.Timestamp("2011-08-29")],
            "outcome": ["purchase"],
        }
    )
    targets = pd.DataFrame(
        {
            "campaign_key": ["mixed", "mixed"],
            "target_segment": ["Loyal", "Loyl"],
            "is_known_segment": [True, False],
        }
    )
    rng = np.random.default_rng(5)
    members = pd.DataFrame(
        {
            "campaign_key": "mixed",
            "customer_id": [str(12346 + i) for i in range(400)],
            "target_segment": "Loyal",
            "control_group": rng.random(400) < 0.5,
            "purchased": rng.random(400) < 0.4,
            "window_revenue": rng.lognormal(4, 1, 400),
        }
    )
    results = campaigns.measure(
        declared, targets, members, "2011-12-09", campaigns.CampaignSettings()
    ).set_index(["level", "target_segment"])
    assert results.loc[("campaign", None), "status"] == "measured"
    assert results.loc[("segment", "Loyal"), "status"] == "measured"
    assert results.loc[("segment", "Loyl"), "status"] == "unknown segment"
    # the campaign is its one known segment: the same numbers, not a second draw
    assert (
        results.loc[("campaign", None), "uplift_low"]
        == results.loc[("segment", "Loyal"), "uplift_low"]
    )
    # shuffled rows, the same numbers
    again = campaigns.measure(
        declared,
        targets,
        members.sample(frac=1, random_state=1),
        "2011-12-09",
        campaigns.CampaignSettings(),
    ).set_index(["level", "target_segment"])
    pd.testing.assert_frame_equal(results, again)
