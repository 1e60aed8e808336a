"""Every customer's probability of being active, expected purchases and spend, and 12-month
CLV, from the full-history parameters; exposed as customer_lifetime_value.
Logic: retail_segments.lifetime_value."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    settings = lifetime_value.LifetimeValueSettings.from_meta(dbt.config.get("meta"))
    histories = frames.to_pandas(dbt.ref("int_clv_histories"), where="fit_window = 'full'")
    parameters = frames.to_pandas(dbt.ref("int_clv_parameters"))
    seasonality = frames.to_pandas(dbt.ref("int_clv_seasonality"))
    return lifetime_value.customer_values(histories, parameters, settings, seasonality)
