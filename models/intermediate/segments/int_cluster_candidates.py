"""Fit every candidate clustering (KMeans, Gaussian mixture, Ward; k in a range) and
flag the one the selection rule chooses. Logic: retail_segments.clustering."""

from retail_segments import clustering, frames


def model(dbt, session):
    dbt.config(materialized="table")
    settings = clustering.ClusteringSettings.from_meta(dbt.config.get("meta"))
    features = frames.to_pandas(dbt.ref("int_customer_rfm_features"), clustering.INPUT_COLUMNS)
    return clustering.evaluate_candidates(features, settings)
