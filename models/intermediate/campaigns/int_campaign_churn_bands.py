"""Every customer's churn risk band as of each campaign date (purchases before it), with
the lifetime model's full-window fit: what a campaign with target_type churn_band targets.
Logic: retail_segments.lifetime_value.churn_as_of."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    histories = frames.to_pandas(
        dbt.ref("int_campaign_as_of_segments"),
        columns=[
            "as_of_date",
            "customer_id",
            "first_purchase_date",
            "last_purchase_date",
            "purchase_days",
        ],
    )
    parameters = frames.to_pandas(dbt.ref("int_clv_parameters"))
    seasonality = frames.to_pandas(dbt.ref("int_clv_seasonality"))
    return lifetime_value.churn_as_of(histories, parameters, seasonality)
