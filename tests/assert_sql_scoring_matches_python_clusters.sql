-- SQL nearest-centroid scoring gives every customer the same cluster as the Python model
-- where the chosen model is centroid-based (KMeans); for the others, it agrees exactly
-- with the Python surrogate (nearest centroid), whose agreement with the algorithm is
-- reported in segment_model_parameters.
select
    python.customer_id,
    python.algorithm,
    python.cluster_id as python_cluster,
    python.nearest_centroid_cluster_id,
    sql_scored.cluster_id as sql_cluster
from {{ ref('int_customer_clusters') }} as python
left join {{ ref('int_customer_clusters__sql_scored') }} as sql_scored
    on python.customer_id = sql_scored.customer_id
where
    sql_scored.cluster_id is distinct from python.nearest_centroid_cluster_id
    or (python.algorithm = 'kmeans' and sql_scored.cluster_id != python.cluster_id)
