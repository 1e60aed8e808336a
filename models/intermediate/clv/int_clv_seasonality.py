"""The shop's yearly season per fit window, an index per calendar month (mean 1), learnt
from int_clv_season_months by month effects fitted jointly with a trend; 1 everywhere where
the history cannot tell season from trend. Exposed as clv_seasonal_index.
Logic: retail_segments.lifetime_value.learn_season."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    months = frames.to_pandas(dbt.ref("int_clv_season_months"))
    return lifetime_value.learn_season(months)
