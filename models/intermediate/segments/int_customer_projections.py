"""2-D projections of the customers for plots: PCA for all, t-SNE on a bounded sample.
Logic: retail_segments.clustering."""

from retail_segments import clustering, frames


def model(dbt, session):
    dbt.config(materialized="table")
    settings = clustering.ClusteringSettings.from_meta(dbt.config.get("meta"))
    features = frames.to_pandas(dbt.ref("int_customer_rfm_features"), clustering.INPUT_COLUMNS)
    return clustering.project(features, settings)
