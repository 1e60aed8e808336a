"""Holdout purchases forecast by the calibration fit and by the naive rate rule, beside the
actual ones, per customer; clv_evaluation aggregates them.
Logic: retail_segments.lifetime_value."""

from retail_segments import lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    histories = dbt.ref("int_clv_histories").filter("fit_window = 'calibration'").df()
    parameters = dbt.ref("int_clv_parameters").df()
    return lifetime_value.holdout_predictions(histories, parameters)
