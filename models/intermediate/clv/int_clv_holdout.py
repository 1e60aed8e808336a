"""Holdout purchases forecast by the calibration fit and by the naive rate rule, beside the
actual ones, per customer; clv_evaluation aggregates them.
Logic: retail_segments.lifetime_value."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    histories = frames.to_pandas(dbt.ref("int_clv_histories"), where="fit_window = 'calibration'")
    parameters = frames.to_pandas(dbt.ref("int_clv_parameters"))
    seasonality = frames.to_pandas(dbt.ref("int_clv_seasonality"))
    return lifetime_value.holdout_predictions(histories, parameters, seasonality)
