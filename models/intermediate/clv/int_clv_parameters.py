"""The purchase model chosen in int_clv_model_candidates and Gamma-Gamma, fitted by maximum
likelihood on the full history and on the calibration window; exposed as
clv_model_parameters. Logic: retail_segments.lifetime_value."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    settings = lifetime_value.LifetimeValueSettings.from_meta(dbt.config.get("meta"))
    histories = frames.to_pandas(dbt.ref("int_clv_histories"))
    seasonality = frames.to_pandas(dbt.ref("int_clv_seasonality"))
    candidates = frames.to_pandas(dbt.ref("int_clv_model_candidates"))
    return lifetime_value.fit_windows(histories, settings, seasonality, candidates)
