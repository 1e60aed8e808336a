"""How well the first invoice predicts a new customer's segments, measured on customers
never seen in training (plus the random-split protocol, labelled as such).
Logic: retail_segments.prediction."""

from retail_segments import frames, prediction


def model(dbt, session):
    dbt.config(materialized="table")
    settings = prediction.PredictionSettings.from_meta(dbt.config.get("meta"))
    study = prediction.study_from_table(frames.to_pandas(dbt.ref("int_prediction_study")))
    own_rfm = frames.to_pandas(
        dbt.ref("int_customer_rfm_features"),
        ["customer_id", "z_recency", "z_frequency", "z_monetary"],
    )
    clusters = frames.to_pandas(dbt.ref("int_customer_clusters"), ["customer_id", "cluster_id"])
    own = own_rfm.merge(clusters, on="customer_id").sort_values("customer_id", ignore_index=True)
    return prediction.evaluate(study, own, settings)
