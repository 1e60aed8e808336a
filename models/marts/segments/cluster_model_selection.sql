-- Every clustering candidate with its quality indices; exactly one is chosen (the rule is
-- in the YAML description and in retail_segments.clustering.choose).
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
    is_statistical_best
from {{ ref('int_cluster_candidates') }}
order by algorithm, n_clusters
