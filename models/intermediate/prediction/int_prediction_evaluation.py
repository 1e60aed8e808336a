"""How well the first invoice predicts a new customer's segments, measured on customers
never seen in training (plus the random-split protocol, labelled as such).
Logic: retail_segments.prediction."""

from retail_segments import prediction


def model(dbt, session):
    dbt.config(materialized="table")
    settings = prediction.PredictionSettings.from_meta(dbt.config.meta_get)
    study = prediction.study_from_table(dbt.ref("int_prediction_study").df())
    own_rfm = dbt.ref("int_customer_rfm_features").project(
        "customer_id, z_recency, z_frequency, z_monetary"
    )
    clusters = dbt.ref("int_customer_clusters").project("customer_id, cluster_id")
    own = own_rfm.join(clusters, "customer_id").order("customer_id").df()
    return prediction.evaluate(study, own, settings)
