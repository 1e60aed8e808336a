"""Fit every candidate clustering (KMeans, Gaussian mixture, Ward; k in a range) and
flag the one the selection rule chooses. Logic: retail_segments.clustering."""

from retail_segments import clustering


def model(dbt, session):
    dbt.config(materialized="table")
    settings = clustering.ClusteringSettings.from_meta(dbt.config.meta_get)
    features = (
        dbt.ref("int_customer_rfm_features").project(", ".join(clustering.INPUT_COLUMNS)).df()
    )
    return clustering.evaluate_candidates(features, settings)
