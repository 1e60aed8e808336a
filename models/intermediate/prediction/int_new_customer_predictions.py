"""Predicted segments of the customers whose first purchase is in the latest window, by
the best model of int_prediction_evaluation.
Logic: retail_segments.prediction."""

from retail_segments import prediction


def model(dbt, session):
    dbt.config(materialized="table")
    settings = prediction.PredictionSettings.from_meta(dbt.config.meta_get)
    study = prediction.prepare_study(
        customers=dbt.ref("int_prediction_customers").df(),
        spend=dbt.ref("int_prediction_category_spend").df(),
        interest_spend=dbt.ref("int_customer_category_spend").df(),
        baskets=dbt.ref("int_customer_baskets").df(),
        categories=dbt.ref("int_product_categories").project("category_id, category_label").df(),
        settings=settings,
    )
    evaluation = dbt.ref("int_prediction_evaluation").df()
    return prediction.predict_newcomers(study, evaluation, settings)
