"""Refit the chosen clustering and assign every customer (outliers included) to a
cluster. Logic: retail_segments.clustering."""

from retail_segments import clustering, frames


def model(dbt, session):
    dbt.config(materialized="table")
    settings = clustering.ClusteringSettings.from_meta(dbt.config.get("meta"))
    features = frames.to_pandas(dbt.ref("int_customer_rfm_features"), clustering.INPUT_COLUMNS)
    selection = frames.to_pandas(dbt.ref("int_cluster_candidates"))
    return clustering.assign_customers(features, selection, settings)
