{% macro rfm_z_features(rfm_relation, scaling_relation=none) -%}
    with

    scaling as (

        select
            any_value(feature_mean) filter (where feature = 'recency_days') as recency_mean,
            any_value(feature_scale) filter (where feature = 'recency_days') as recency_scale,
            any_value(feature_mean) filter (where feature = 'frequency') as frequency_mean,
            any_value(feature_scale) filter (where feature = 'frequency') as frequency_scale,
            any_value(feature_mean) filter (where feature = 'monetary') as monetary_mean,
            any_value(feature_scale) filter (where feature = 'monetary') as monetary_scale
        from {{ scaling_relation or ref('int_rfm_feature_scaling') }}

    )

    select
        rfm.*,
        (ln(1 + greatest(rfm.recency_days, 0)) - scaling.recency_mean)
        / scaling.recency_scale as z_recency,
        (ln(1 + greatest(rfm.frequency, 0)) - scaling.frequency_mean)
        / scaling.frequency_scale as z_frequency,
        (ln(1 + greatest(rfm.monetary, 0)) - scaling.monetary_mean)
        / scaling.monetary_scale as z_monetary
    from {{ rfm_relation }} as rfm
    cross join scaling
{%- endmacro %}

{% macro assign_rfm_cluster(rfm_relation, keys=['customer_id']) -%}
    {%- set stored_scaling -%}
        (
            select
                feature,
                max(case when parameter = 'transform_mean' then parameter_value end)
                    as feature_mean,
                max(case when parameter = 'transform_scale' then parameter_value end)
                    as feature_scale
            from {{ segment_parameters_relation() }}
            where parameter in ('transform_mean', 'transform_scale')
            group by feature
        )
    {%- endset %}
    with

    featured as (

        {{ rfm_z_features(rfm_relation, stored_scaling) }}

    ),

    centroids as (

        select
            cluster_id,
            any_value(parameter_value) filter (where feature = 'recency_days') as c_recency,
            any_value(parameter_value) filter (where feature = 'frequency') as c_frequency,
            any_value(parameter_value) filter (where feature = 'monetary') as c_monetary
        from {{ segment_parameters_relation() }}
        where parameter = 'centroid'
        group by cluster_id

    ),

    distances as (

        select
            featured.*,
            centroids.cluster_id,
            sqrt(
                power(featured.z_recency - centroids.c_recency, 2)
                + power(featured.z_frequency - centroids.c_frequency, 2)
                + power(featured.z_monetary - centroids.c_monetary, 2)
            ) as distance_to_centroid
        from featured
        cross join centroids

    ),

    -- the nearest centroid (ties: the lowest cluster id); ranked apart and joined back, not
    -- with QUALIFY, which Spark accepts only from 4.2 on
    nearest as (

        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            cluster_id,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by distance_to_centroid, cluster_id
            ) as centroid_rank
        from distances

    )

    select distances.*
    from distances
    inner join nearest
        on
            {%- for key in keys %}
            distances.{{ key }} = nearest.{{ key }}
            and
            {%- endfor %}
            distances.cluster_id = nearest.cluster_id
    where nearest.centroid_rank = 1
{%- endmacro %}
