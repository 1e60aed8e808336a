"""Customers clustered on the shares of their spend per product category (plus basket
size), with the model fitted before the prediction cut-off.
Logic: retail_segments.interests."""

from retail_segments import interests


def model(dbt, session):
    dbt.config(materialized="table")
    # the defaults only: the prediction refits the same model and must get the same one
    settings = interests.InterestSettings()
    spend = dbt.ref("int_customer_category_spend").df()
    baskets = dbt.ref("int_customer_baskets").df()
    categories = dbt.ref("int_product_category_labels").df()
    return interests.assign_interest_segments(spend, baskets, categories, settings)
