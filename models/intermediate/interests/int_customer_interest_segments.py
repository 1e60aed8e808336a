"""Customers clustered on the shares of their spend per product category (plus basket
size), with the model fitted before the prediction cut-off.
Logic: retail_segments.interest_segments."""

from retail_segments import frames, interest_segments


def model(dbt, session):
    dbt.config(materialized="table")
    # the defaults only: the prediction refits the same model and must get the same one
    settings = interest_segments.InterestSettings()
    spend = frames.to_pandas(dbt.ref("int_customer_category_spend"))
    baskets = frames.to_pandas(dbt.ref("int_customer_baskets"))
    categories = frames.to_pandas(dbt.ref("int_product_category_labels"))
    return interest_segments.assign_interest_segments(spend, baskets, categories, settings)
