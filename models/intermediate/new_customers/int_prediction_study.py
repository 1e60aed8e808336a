"""The new-customer prediction study: a row per customer with its role (train, test,
newcomer, excluded), its labels (will_return, value_tier, next_interest: all measured
strictly after the first purchase day), the first invoice's interest segment and the
first-invoice features. Built once; the evaluation and the newcomers' predictions read it.
Logic: retail_segments.prediction."""

from retail_segments import frames, prediction


def model(dbt, session):
    dbt.config(materialized="table")
    settings = prediction.PredictionSettings.from_meta(dbt.config.get("meta"))
    study = prediction.prepare_study(
        customers=frames.to_pandas(dbt.ref("int_prediction_customers")),
        labels=frames.to_pandas(dbt.ref("int_prediction_labels")),
        spend=frames.to_pandas(dbt.ref("int_prediction_category_spend")),
        interest_spend=frames.to_pandas(dbt.ref("int_customer_category_spend")),
        baskets=frames.to_pandas(dbt.ref("int_customer_baskets")),
        categories=frames.to_pandas(dbt.ref("int_product_category_labels")),
        settings=settings,
    )
    return prediction.study_table(study)
