"""Interest segments' names (retail_segments.interest_segments.segment_names): each from the
categories its customers buy more of than the population does, and no two alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
from retail_segments import interest_segments


def test_segment_names_come_from_distinctive_categories_and_are_unique():
    labels = {1: "bag / jumbo / lunch", 2: "heart / holder / light", 3: "christmas / tree / star"}
    population = pd.Series({1: 0.5, 2: 0.3, 3: 0.2})
    segments = pd.DataFrame(
        [
            {1: 0.45, 2: 0.45, 3: 0.10},  # above average in heart only
            {1: 0.40, 2: 0.10, 3: 0.50},  # christmas
            {1: 0.50, 2: 0.30, 3: 0.20},  # the average: nothing distinctive
            {1: 0.48, 2: 0.47, 3: 0.05},  # heart again: must not repeat the first name
        ]
    )
    revenue = pd.Series({1: 0.6, 2: 0.2, 3: 0.2})  # bag holds 60% of revenue: never a name
    names = interest_segments.segment_names(
        segments, population, labels, revenue, interest_segments.InterestSettings(), np.arange(1, 5)
    )
    assert names[1] == "Mostly christmas / tree / star"
    assert names[2] == "Broad mix"
    assert "heart" in names[0].lower() and "heart" in names[3].lower()
    assert len(set(names.values())) == 4
    assert not any("bag" in name.lower() for name in names.values())
