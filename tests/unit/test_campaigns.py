"""Campaign statistics without a warehouse: the re-splits of the randomization test, the
comparison's interval and p-value, a campaign's status at the edges of its window, and a
campaign that names a known and an unknown segment (retail_segments.campaigns; its error
rates by simulation: test_campaign_statistics.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from retail_segments import campaigns

# ------------------------------------------------------------------------- the comparison


@pytest.mark.parametrize("n_t, n_c", [(90, 30), (30, 90)])
def test_a_re_split_is_the_permutation_it_stands_for(n_t, n_c):
    """The counts, sums and sums of squares of a re-split are those of splitting the
    customers again, redone here by hand on the same draws: with the control group the
    smaller (its positions are drawn) and the larger (the treatment group's are)."""
    rng = np.random.default_rng(3)
    treatment = np.where(rng.random(n_t) < 0.3, rng.lognormal(4, 1.2, n_t), 0.0)
    control = np.where(rng.random(n_c) < 0.3, rng.lognormal(4, 1.2, n_c), 0.0)
    values = np.concatenate([treatment, control])
    split = campaigns.resplits(treatment, control, 500, np.random.default_rng(7))
    keys = np.random.default_rng(7).random((500, n_t + n_c))  # the same draws
    drawn = np.zeros_like(keys, dtype=bool)
    smaller = min(n_t, n_c)
    np.put_along_axis(drawn, np.argpartition(keys, smaller - 1, axis=1)[:, :smaller], True, 1)
    in_control = drawn if n_c <= n_t else ~drawn
    from_treatment = np.arange(n_t + n_c) < n_t
    for got, by_hand in (
        (split.treatment_in_control, (in_control & from_treatment).sum(axis=1)),
        (split.treatment_sum_in_control, (in_control * from_treatment * values).sum(axis=1)),
        (split.control_sum_in_control, (in_control * ~from_treatment * values).sum(axis=1)),
        (
            split.treatment_squares_in_control,
            (in_control * from_treatment * values**2).sum(axis=1),
        ),
        (
            split.control_squares_in_control,
            (in_control * ~from_treatment * values**2).sum(axis=1),
        ),
    ):
        np.testing.assert_allclose(got, by_hand, rtol=1e-12, atol=1e-6)
    assert (in_control.sum(axis=1) == n_c).all()


def test_a_0_1_outcome_re_split_is_the_drawing_it_stands_for():
    """A 0/1 outcome's re-splits come from hypergeometric draws: the same distribution as
    drawing customers (here forced by a value a hair off 1), and as the textbook's."""
    rng = np.random.default_rng(1)
    bought = (rng.random(1000) < 0.3).astype(float)
    treatment, control = bought[:900], bought[900:]
    shortcut = campaigns.resplits(treatment, control, 20_000, np.random.default_rng(2))
    nudged = treatment.copy()
    nudged[np.argmax(nudged)] = 1 - 1e-12  # no longer 0/1: positions are drawn
    drawn = campaigns.resplits(nudged, control, 20_000, np.random.default_rng(3))
    for split in (shortcut, drawn):
        ones_in_control = split.treatment_sum_in_control + split.control_sum_in_control
        # C' is 100 of the 1,000 customers: its buyers are hypergeometric(1000, 300, 100)
        assert ones_in_control.mean() == pytest.approx(100 * bought.mean(), abs=0.05)
        assert ones_in_control.std() == pytest.approx(
            np.sqrt(100 * 0.3 * 0.7 * 900 / 999), rel=0.03
        )
        assert split.treatment_in_control.mean() == pytest.approx(90, abs=0.05)


def test_the_comparison_interval_and_p_value():
    settings = campaigns.CampaignSettings()
    rng = np.random.default_rng(4)
    # far apart: p at its floor, 2 / (permutations + 1), and the interval well above zero
    apart = campaigns.compare(
        (rng.random(2000) < 0.4).astype(float), (rng.random(2000) < 0.2).astype(float), settings, 1
    )
    assert apart.p_value == 2 / (settings.permutations + 1) and apart.uplift_low > 0.15
    assert apart.relative_uplift == pytest.approx(apart.uplift / apart.control_value)
    assert apart.relative_uplift_low < apart.relative_uplift < apart.relative_uplift_high
    # the same values in both groups: no difference, the interval centred on zero
    same = rng.lognormal(3, 1, 1500)
    alike = campaigns.compare(same, same.copy(), settings, 2)
    assert alike.uplift == 0 and alike.uplift_low < 0 < alike.uplift_high
    assert alike.relative_uplift_low < 0 < alike.relative_uplift_high
    assert alike.p_value > 0.8
    # the p-value and both intervals agree: p <= 0.05 exactly when zero is outside them
    for seed in range(30):
        shift = rng.normal(0, 0.03)
        for values in ("purchase", "revenue"):
            bought_t, bought_c = rng.random(900) < 0.3 + shift, rng.random(100) < 0.3
            if values == "revenue":
                treatment = np.where(bought_t, rng.lognormal(4, 1, 900) * (1 + 5 * shift), 0)
                control = np.where(bought_c, rng.lognormal(4, 1, 100), 0)
            else:
                treatment, control = bought_t.astype(float), bought_c.astype(float)
            result = campaigns.compare(treatment, control, settings, seed)
            significant = result.p_value <= 0.05
            assert (result.uplift_low > 0 or result.uplift_high < 0) == significant, result
            assert (
                result.relative_uplift_low > 0 or result.relative_uplift_high < 0
            ) == significant, result


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


def test_the_old_knob_of_the_bootstrap_is_read_as_permutations(capsys):
    """A project that set meta `resamples` (the bootstrap's knob) keeps its number, and is
    told the new name."""
    meta = {"resamples": 500}
    settings = campaigns.CampaignSettings.from_meta(meta.get)
    assert settings.permutations == 500
    assert "meta 'resamples' is now 'permutations'" in capsys.readouterr().out
    assert campaigns.CampaignSettings.from_meta({}.get).permutations == 2_000
