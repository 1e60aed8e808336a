-- Everything needed to score a customer into a behavioural segment in SQL alone (see the
-- macro assign_rfm_cluster): the feature transform (ln(1 + x), then (x - mean) / scale)
-- and the centroids of the chosen model in the standardised space; plus how well nearest-
-- centroid scoring agrees with the chosen algorithm, and the PCA explained variance.
with

clusters as (

    select * from {{ ref('int_customer_clusters') }}

),

transform as (

    select
        'transform_mean' as parameter,
        cast(null as integer) as cluster_id,
        feature,
        feature_mean as parameter_value
    from {{ ref('int_rfm_feature_scaling') }}
    union all
    select
        'transform_scale' as parameter,
        cast(null as integer) as cluster_id,
        feature,
        feature_scale as parameter_value
    from {{ ref('int_rfm_feature_scaling') }}

),

centroids as (

    select distinct
        cluster_id,
        centroid_z_recency as recency_days,
        centroid_z_frequency as frequency,
        centroid_z_monetary as monetary
    from clusters

),

centroid_values as (

    unpivot centroids
    on recency_days, frequency, monetary
    into name feature value parameter_value

),

centroid_rows as (

    select
        'centroid' as parameter,
        cast(centroid_values.cluster_id as integer) as cluster_id,
        centroid_values.feature,
        centroid_values.parameter_value
    from centroid_values

),

agreement as (

    select
        'nearest_centroid_agreement' as parameter,
        cast(null as integer) as cluster_id,
        cast(null as varchar) as feature,
        avg(cast(cluster_id = nearest_centroid_cluster_id as double)) as parameter_value
    from clusters

),

projection as (

    select
        'pca_explained_variance' as parameter,
        cast(null as integer) as cluster_id,
        unnest(['pca_1', 'pca_2']) as feature,
        unnest([any_value(pca_1_explained_variance), any_value(pca_2_explained_variance)])
            as parameter_value
    from {{ ref('int_customer_projections') }}

),

all_parameters as (

    select * from transform
    union all
    select * from centroid_rows
    union all
    select * from agreement
    union all
    select * from projection

)

select
    all_parameters.parameter,
    all_parameters.cluster_id,
    all_parameters.feature,
    all_parameters.parameter_value,
    (select any_value(clusters.algorithm) from clusters) as algorithm
from all_parameters
order by all_parameters.parameter, all_parameters.cluster_id, all_parameters.feature
