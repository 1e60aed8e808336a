-- One row per behavioural cluster: its numbers and its name. The name is the first rule of
-- seeds/cluster_segment_rules.csv (by priority) whose bounds the cluster meets; an empty
-- bound is no condition. naming_reason writes the numbers and the rule met in words.
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

    -- the invoice a "large basket" is measured against is the repeat buyers' typical one: in
    -- a shop where most customers buy once, their small first baskets would make every
    -- returning customer look like a business buyer (all customers where none returned)
    select
        count(*) as customers,
        sum(monetary) as revenue,
        coalesce(
            median(avg_invoice_value) filter (where frequency >= 2),
            median(avg_invoice_value)
        ) as median_invoice_value
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
        {{ one_order_share('frequency') }} as one_order_share,
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
        population.median_invoice_value as population_median_invoice_value,
        rules.segment_name as base_name,
        coalesce(
            nullif(concat_ws(
                ' and ',
                'median invoice value >= '
                || printf('%g', rules.invoice_value_ratio_at_least)
                || 'x the repeat buyers''',
                'recency z <= ' || printf('%g', rules.recency_z_at_most),
                'recency z >= ' || printf('%g', rules.recency_z_at_least),
                'frequency z >= ' || printf('%g', rules.frequency_z_at_least),
                'frequency z < ' || printf('%g', rules.frequency_z_below),
                'monetary z >= ' || printf('%g', rules.monetary_z_at_least),
                'median tenure <= ' || printf('%g', rules.median_tenure_days_at_most) || ' days'
            ), ''),
            'none of the rules before it'
        ) || ' (rule ' || rules.priority || ', the first met)' as naming_rule
    from per_cluster
    cross join population
    inner join {{ ref('cluster_segment_rules') }} as rules
        on
            {{ bound_met('rules.invoice_value_ratio_at_least', 'per_cluster.median_invoice_value',
                '>=', times='population.median_invoice_value') }}
            and {{ bound_met('rules.monetary_z_at_least', 'per_cluster.monetary_z', '>=') }}
            and {{ bound_met('rules.recency_z_at_most', 'per_cluster.recency_z', '<=') }}
            and {{ bound_met('rules.recency_z_at_least', 'per_cluster.recency_z', '>=') }}
            and {{ bound_met('rules.frequency_z_at_least', 'per_cluster.frequency_z', '>=') }}
            and {{ bound_met('rules.frequency_z_below', 'per_cluster.frequency_z', '<') }}
            and {{ bound_met('rules.median_tenure_days_at_most',
                'per_cluster.median_tenure_days', '<=') }}
    qualify row_number() over (partition by per_cluster.cluster_id order by rules.priority) = 1

)

select
    cluster_id,
    -- two clusters meeting the same rule keep apart by their value rank
    case
        when count(*) over (partition by base_name) > 1
            then
                base_name || ' ('
                || row_number() over (partition by base_name order by cluster_id)
                || ')'
        else base_name
    end as segment_name,
    base_name,
    customers,
    customer_share,
    revenue,
    revenue_share,
    mean_recency_days,
    median_recency_days,
    mean_frequency,
    median_frequency,
    one_order_share,
    mean_monetary,
    median_monetary,
    median_invoice_value,
    median_tenure_days,
    recency_z,
    frequency_z,
    monetary_z,
    'recency z ' || printf('%+.2f', recency_z)
    || ', frequency z ' || printf('%+.2f', frequency_z)
    || ', monetary z ' || printf('%+.2f', monetary_z)
    || ', median invoice ' || printf('%.0f', median_invoice_value)
    || ' vs ' || printf('%.0f', population_median_invoice_value)
    || ' among repeat buyers -> ' || naming_rule as naming_reason
from named
