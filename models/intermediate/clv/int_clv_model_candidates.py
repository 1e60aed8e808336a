"""The purchase model families fitted on the calibration window and judged on its holdout,
one row each, with the one this build uses; exposed as clv_model_candidates.
Logic: retail_segments.lifetime_value.candidate_models."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    settings = lifetime_value.LifetimeValueSettings.from_meta(dbt.config.get("meta"))
    histories = frames.to_pandas(dbt.ref("int_clv_histories"), where="fit_window = 'calibration'")
    seasonality = frames.to_pandas(dbt.ref("int_clv_seasonality"))
    return lifetime_value.candidate_models(histories, settings, seasonality)
