"""Every customer's churn risk band as of the dates churn-band campaigns read it at (their
windows' first days), from the purchases before each date with the lifetime model fitted on
those purchases alone: what a campaign with target_type churn_band targets, unchanged as
later data arrives. Logic: retail_segments.lifetime_value.churn_as_of."""

from retail_segments import frames, lifetime_value


def model(dbt, session):
    dbt.config(materialized="table")
    campaigns = frames.to_pandas(
        dbt.ref("stg_campaigns"), columns=["campaign_key"], where="target_type = 'churn_band'"
    )
    windows = frames.to_pandas(dbt.ref("int_campaign_windows"))
    dates = windows.loc[windows["campaign_key"].isin(campaigns["campaign_key"]), "window_start"]
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
    histories = histories[histories["as_of_date"].isin(dates)]
    return lifetime_value.churn_as_of(histories)
