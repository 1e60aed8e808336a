"""Per campaign, per targeted segment and for the whole campaign: the outcome in each
group, the uplift with its randomization-test interval and p-value, and the status; exposed as
campaign_results. Logic: retail_segments.campaigns."""

from retail_segments import campaigns, frames


def model(dbt, session):
    dbt.config(materialized="table")
    settings = campaigns.CampaignSettings.from_meta(dbt.config.get("meta"))
    declared = frames.to_pandas(dbt.ref("stg_campaigns"))
    targets = frames.to_pandas(dbt.ref("int_campaign_targets"))
    members = frames.to_pandas(
        dbt.ref("int_campaign_members"),
        columns=[
            "campaign_key",
            "customer_id",
            "target_segment",
            "control_group",
            "purchased",
            "window_revenue",
        ],
        where="member_role = 'audience'",
    )
    last_invoice = frames.maximum(dbt.ref("fct_invoices"), "cast(invoiced_at as date)")
    return campaigns.measure(declared, targets, members, last_invoice, settings)
