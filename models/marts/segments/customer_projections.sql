-- 2-D coordinates of every customer for plots, with their behavioural segment: PCA for
-- all, t-SNE for a bounded sample (null elsewhere).
select
    projections.customer_id,
    clusters.cluster_id,
    projections.pca_1,
    projections.pca_2,
    projections.tsne_1,
    projections.tsne_2,
    projections.is_tsne_sample
from {{ ref('int_customer_projections') }} as projections
inner join {{ ref('int_customer_clusters') }} as clusters
    on projections.customer_id = clusters.customer_id
