-- One row per behavioural cluster: size, value, typical R, F and M, their standardised
-- deviation from the population, the name given by seeds/cluster_segment_rules.csv
-- (int_cluster_profiles) and the playbook of seeds/cluster_segment_strategies.csv.
select
    profiles.cluster_id,
    profiles.segment_name,
    profiles.customers,
    profiles.customer_share,
    round(profiles.revenue, 2) as revenue,
    profiles.revenue_share,
    profiles.mean_recency_days,
    profiles.median_recency_days,
    profiles.mean_frequency,
    profiles.median_frequency,
    round(profiles.mean_monetary, 2) as mean_monetary,
    round(profiles.median_monetary, 2) as median_monetary,
    round(profiles.median_invoice_value, 2) as median_invoice_value,
    profiles.median_tenure_days,
    profiles.recency_z,
    profiles.frequency_z,
    profiles.monetary_z,
    profiles.naming_reason,
    strategies.description,
    strategies.recommended_action
from {{ ref('int_cluster_profiles') }} as profiles
inner join {{ ref('cluster_segment_strategies') }} as strategies
    on profiles.base_name = strategies.segment_name
order by profiles.cluster_id
