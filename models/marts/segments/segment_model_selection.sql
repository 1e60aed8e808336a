-- Every clustering candidate with its quality indices; exactly one is chosen (the rule is
-- in the YAML description and in retail_segments.clustering.choose, its thresholds are the
-- last columns: the settings the build used).
select
    algorithm,
    n_clusters,
    cast(seed as integer) as seed,
    cast(fit_customers as bigint) as fit_customers,
    silhouette,
    calinski_harabasz,
    davies_bouldin,
    inertia,
    bic,
    smallest_cluster_share,
    stability,
    is_chosen,
    is_statistical_best,
    cast(k_min as integer) as k_min,
    cast(k_max as integer) as k_max,
    cast(choose_k_min as integer) as choose_k_min,
    cast(choose_k_max as integer) as choose_k_max,
    min_cluster_share,
    min_stability,
    silhouette_tolerance
from {{ ref('int_cluster_candidates') }}
order by algorithm, n_clusters
