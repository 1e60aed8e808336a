"""Each customer's churn risk at the cut before the busy season (int_clv_churn_cut_histories),
from the chosen purchase model fitted on the purchases up to the cut, on the season learnt
from the months before it, beside whether they bought in the next 90 days; aggregated in
clv_churn_risk_calibration. Logic: retail_segments.lifetime_value.churn_at_cuts."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    settings = lifetime_value.LifetimeValueSettings.from_meta(dbt.config.get("meta"))
    histories = frames.to_pandas(dbt.ref("int_clv_churn_cut_histories"))
    months = frames.to_pandas(dbt.ref("int_clv_season_months"), where="fit_window = 'full'")
    candidates = frames.to_pandas(dbt.ref("int_clv_model_candidates"))
    return lifetime_value.churn_at_cuts(histories, months, candidates, settings)
