"""The new-customer prediction study: a row per customer with its role (train, test,
newcomer, excluded), its labels (will_return, value_tier, next_interest: all measured
strictly after the first purchase day), the first invoice's interest segment and the
first-invoice features. Built once; the evaluation and the newcomers' predictions read it.
Logic: retail_segments.prediction."""

from retail_segments import prediction


def model(dbt, session):
    dbt.config(materialized="table")
    settings = prediction.PredictionSettings.from_meta(dbt.config.meta_get)
    study = prediction.prepare_study(
        customers=dbt.ref("int_prediction_customers").df(),
        labels=dbt.ref("int_prediction_labels").df(),
        spend=dbt.ref("int_prediction_category_spend").df(),
        interest_spend=dbt.ref("int_customer_category_spend").df(),
        baskets=dbt.ref("int_customer_baskets").df(),
        categories=dbt.ref("int_product_category_labels").df(),
        settings=settings,
    )
    return prediction.study_table(study)
