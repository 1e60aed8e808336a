"""Refit the chosen clustering and assign every customer (outliers included) to a
cluster. Logic: retail_segments.clustering."""

from retail_segments import clustering


def model(dbt, session):
    dbt.config(materialized="table")
    settings = clustering.ClusteringSettings.from_meta(dbt.config.meta_get)
    features = (
        dbt.ref("int_customer_rfm_features").project(", ".join(clustering.INPUT_COLUMNS)).df()
    )
    selection = dbt.ref("int_cluster_candidates").df()
    return clustering.assign_customers(features, selection, settings)
