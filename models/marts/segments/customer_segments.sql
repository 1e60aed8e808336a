-- Every customer of customer_rfm (outliers included) with their behavioural segment,
-- how firmly they belong to it, their RFM rule segment and their outlook (value, churn
-- risk, next order) alongside: the list to act on. The action is segment_overview's
-- recommended action for the behavioural segment: the playbook, or the verdict's action
-- where the two spend at different levels, so that the export and the report never say
-- different things.
select
    rfm.customer_id,
    rfm.country,
    clusters.cluster_id,
    overview.segment as segment_name,
    overview.recommended_action as segment_action,
    clusters.distance_to_centroid,
    clusters.membership_probability,
    scores.rfm_segment,
    scores.rfm_cell,
    rfm.recency_days,
    rfm.frequency,
    rfm.monetary,
    rfm.is_outlier,
    clusters.algorithm as clustering_algorithm,
    clv.historic_value,
    clv.clv_12m,
    clv.total_value,
    clv.clv_decile,
    clv.probability_active,
    clv.probability_purchase_90d,
    clv.churn_risk_90d,
    clv.churn_risk_band,
    clv.average_days_between_purchases,
    clv.expected_next_order_date,
    clv.next_order_date_missing_reason,
    clv.expected_purchases_365d
from {{ ref('customer_rfm') }} as rfm
inner join {{ ref('int_customer_clusters') }} as clusters
    on rfm.customer_id = clusters.customer_id
inner join {{ ref('segment_overview') }} as overview
    on
        overview.segment_type = 'behavioural_segment'
        and clusters.cluster_id = overview.cluster_id
inner join {{ ref('customer_rfm_scores') }} as scores
    on rfm.customer_id = scores.customer_id
left join {{ ref('customer_lifetime_value') }} as clv
    on rfm.customer_id = clv.customer_id
