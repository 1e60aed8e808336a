"""A campaign without effect is called significant at most 5% of the time, checked by
simulation at the group sizes the project measures: the default control share (900
contacted, 100 held out) and the smallest groups it measures (270 against 30,
min_group_customers), on the share who buy and on skewed revenue, up to the binomial band of
1,000 simulated campaigns. (The percentile bootstrap that this replaced called 10.7% and
17.2% of these revenue comparisons significant; 9.9% and 15.3% in the simulation of issue
#39.) Intervals with an effect: test_campaign_intervals.py."""

from __future__ import annotations

import numpy as np
import pytest
from retail_segments import campaigns
from samples import simulated_campaign
from scipy import stats

CAMPAIGNS = 1_000
# 1,000 campaigns at a true rate of 5%: more than this many significant has a chance under
# 1 in 1,000. A true 9.9% (the old bootstrap's) fails 997 times in 1,000; a true 7% passes
# two times in three: 1,000 campaigns cannot tell 5% from 6%. (Measured
# here: 38 and 41 at 900 against 100, 37 and 66 at 270 against 30; on 3,000 further
# campaigns at 270 against 30, 5.6% and 4.3% on revenue with two seeds, 5.7% on normal data:
# the test is exact, and these are its chance.)
MOST_SIGNIFICANT = int(stats.binom.ppf(0.999, CAMPAIGNS, 0.05))  # 73
# and fewer than this many has a chance under 1 in 1,000: a test that never rejects fails
FEWEST_SIGNIFICANT = int(stats.binom.ppf(0.001, CAMPAIGNS, 0.05))  # 30


@pytest.mark.parametrize("contacted, held_out", [(900, 100), (270, 30)])
def test_a_campaign_without_effect_is_called_significant_at_most_as_often_as_promised(
    contacted, held_out
):
    settings = campaigns.CampaignSettings()
    rng = np.random.default_rng(contacted)
    significant = {"purchase": 0, "revenue": 0}
    for seed in range(CAMPAIGNS):
        purchase, revenue = simulated_campaign(rng, contacted, held_out)
        for name, (treatment, control) in (("purchase", purchase), ("revenue", revenue)):
            result = campaigns.compare(treatment, control, settings, seed)
            significant[name] += result.p_value <= 1 - settings.confidence
            # the interval covers the true difference, zero, exactly when not significant
            covers = result.uplift_low <= 0 <= result.uplift_high
            assert covers == (result.p_value > 1 - settings.confidence)
    assert significant["purchase"] <= MOST_SIGNIFICANT, significant
    # revenue, a continuous outcome, is not far below the promise either (the share who buy
    # is discrete, so its test is exact but conservative: about 3%)
    assert FEWEST_SIGNIFICANT <= significant["revenue"] <= MOST_SIGNIFICANT, significant
