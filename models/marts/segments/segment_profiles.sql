-- One row per behavioural cluster: size, value, typical R, F and M, their standardised
-- deviation from the population, and a name derived from those numbers by the rules of
-- seeds/cluster_segment_strategies.csv (first rule met wins).
with

members as (

    select
        clusters.cluster_id,
        features.recency_days,
        features.frequency,
        features.monetary,
        features.avg_invoice_value,
        features.tenure_days,
        features.z_recency,
        features.z_frequency,
        features.z_monetary
    from {{ ref('int_customer_clusters') }} as clusters
    inner join {{ ref('int_customer_rfm_features') }} as features
        on clusters.customer_id = features.customer_id

),

population as (

    select
        count(*) as customers,
        sum(monetary) as revenue,
        median(avg_invoice_value) as median_invoice_value
    from members

),

per_cluster as (

    select
        cluster_id,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days) as mean_recency_days,
        median(recency_days) as median_recency_days,
        avg(frequency) as mean_frequency,
        median(frequency) as median_frequency,
        avg(monetary) as mean_monetary,
        median(monetary) as median_monetary,
        median(avg_invoice_value) as median_invoice_value,
        median(tenure_days) as median_tenure_days,
        avg(z_recency) as recency_z,
        avg(z_frequency) as frequency_z,
        avg(z_monetary) as monetary_z
    from members
    group by cluster_id

),

named as (

    select
        per_cluster.*,
        per_cluster.customers / population.customers as customer_share,
        per_cluster.revenue / nullif(population.revenue, 0) as revenue_share,
        case
            when
                per_cluster.median_invoice_value >= 3 * population.median_invoice_value
                and per_cluster.monetary_z >= 1
                then 'Wholesale'
            when
                per_cluster.recency_z <= -0.25
                and per_cluster.frequency_z >= 1
                and per_cluster.monetary_z >= 1
                then 'High-value loyal'
            when
                per_cluster.recency_z <= -0.25
                and per_cluster.frequency_z >= 0.5
                then 'Loyal regulars'
            when
                per_cluster.recency_z <= -0.25
                and per_cluster.median_tenure_days <= 90
                and per_cluster.frequency_z < 0
                then 'New buyers'
            when per_cluster.recency_z <= -0.25 then 'Recent occasional buyers'
            when
                per_cluster.recency_z >= 0.25
                and (per_cluster.frequency_z >= 0 or per_cluster.monetary_z >= 0)
                then 'Lapsed regulars'
            when per_cluster.recency_z >= 0.25 then 'Lapsed low spenders'
            else 'Steady mid-value'
        end as base_name
    from per_cluster
    cross join population

)

select
    named.cluster_id,
    -- two clusters meeting the same rule keep apart by their value rank
    case
        when count(*) over (partition by named.base_name) > 1
            then
                named.base_name || ' ('
                || row_number() over (partition by named.base_name order by named.cluster_id)
                || ')'
        else named.base_name
    end as segment_name,
    named.customers,
    named.customer_share,
    round(named.revenue, 2) as revenue,
    named.revenue_share,
    named.mean_recency_days,
    named.median_recency_days,
    named.mean_frequency,
    named.median_frequency,
    round(named.mean_monetary, 2) as mean_monetary,
    round(named.median_monetary, 2) as median_monetary,
    round(named.median_invoice_value, 2) as median_invoice_value,
    named.median_tenure_days,
    named.recency_z,
    named.frequency_z,
    named.monetary_z,
    'recency z ' || printf('%+.2f', named.recency_z)
    || ', frequency z ' || printf('%+.2f', named.frequency_z)
    || ', monetary z ' || printf('%+.2f', named.monetary_z)
    || ', median invoice ' || printf('%.0f', named.median_invoice_value)
    || ' vs ' || printf('%.0f', (select population.median_invoice_value from population))
    || ' overall -> ' || strategies.naming_rule as naming_reason,
    strategies.description,
    strategies.recommended_action
from named
inner join {{ ref('cluster_segment_strategies') }} as strategies
    on named.base_name = strategies.segment_name
order by named.cluster_id
