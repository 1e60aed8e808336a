"""Every customer's interest segment as of each date a campaign with target_type
interest_segment reads its audience at: this build's interest model (fitted as
int_customer_interest_segments fits it) applied to the spend before the date.
Logic: retail_segments.interest_segments.interest_segments_as_of."""

from retail_segments import frames, interest_segments


def model(dbt, session):
    dbt.config(materialized="table")
    as_of_spend = frames.to_pandas(dbt.ref("int_campaign_as_of_category_spend"))
    if as_of_spend.empty:  # no interest campaign: the model is not refitted
        return interest_segments.interest_segments_as_of(None, None, None, as_of_spend, None)
    # the defaults only, as int_customer_interest_segments: the same model
    settings = interest_segments.InterestSettings()
    spend = frames.to_pandas(dbt.ref("int_customer_category_spend"))
    baskets = frames.to_pandas(dbt.ref("int_customer_baskets"))
    categories = frames.to_pandas(dbt.ref("int_product_category_labels"))
    as_of_baskets = frames.to_pandas(
        dbt.ref("int_campaign_as_of_segments"),
        columns=["as_of_date", "customer_id", "avg_invoice_value"],
    )
    return interest_segments.interest_segments_as_of(
        spend, baskets, categories, as_of_spend, as_of_baskets, settings
    )
