-- What each segment is worth: customers, total and mean 12-month CLV, mean probability
-- active, of a purchase in the next 90 days, churn risk (mean and the share in the High
-- band), the median days between purchases and expected purchases, by RFM segment and by
-- behavioural segment.
with

-- each forecast customer with both their segments (the joins of customer_segments, which
-- itself reads segment_overview, and so this mart, for its actions)
customers as (

    select
        clv.clv_12m,
        clv.probability_active,
        clv.probability_purchase_90d,
        clv.churn_risk_90d,
        clv.churn_risk_band,
        clv.average_days_between_purchases,
        clv.expected_purchases_365d,
        scores.rfm_segment,
        clusters.cluster_id,
        profiles.segment_name
    from {{ ref('customer_lifetime_value') }} as clv
    inner join {{ ref('customer_rfm_scores') }} as scores
        on clv.customer_id = scores.customer_id
    inner join {{ ref('int_customer_clusters') }} as clusters
        on clv.customer_id = clusters.customer_id
    inner join {{ ref('int_cluster_profiles') }} as profiles
        on clusters.cluster_id = profiles.cluster_id
    where clv.clv_12m is not null

),

-- one pass, two groupings: by RFM segment, and by behavioural segment (its id and name)
-- (noqa: sqlfluff's DuckDB dialect does not parse GROUPING SETS; DuckDB does)
by_segment as (

    select
        case
            when grouping(rfm_segment) = 0 then 'rfm_segment' else 'behavioural_segment'
        end as segment_type,
        coalesce(rfm_segment, segment_name) as segment,
        cast(cluster_id as integer) as cluster_id,
        count(*) as customers,
        sum(clv_12m) as total_clv_12m,
        avg(probability_active) as mean_probability_active,
        median(probability_active) as median_probability_active,
        avg(probability_purchase_90d) as mean_probability_purchase_90d,
        avg(churn_risk_90d) as mean_churn_risk_90d,
        avg(case when churn_risk_band = 'High' then 1.0 else 0.0 end) as high_churn_risk_share,
        median(average_days_between_purchases) as median_days_between_purchases,
        avg(expected_purchases_365d) as mean_expected_purchases_365d
    from customers
    group by grouping sets ((rfm_segment), (cluster_id, segment_name))  -- noqa: PRS

)

select
    segment_type,
    segment,
    cluster_id,
    customers,
    cast(round(total_clv_12m, 2) as decimal(18, 2)) as total_clv_12m,
    cast(round(total_clv_12m / customers, 2) as decimal(18, 2)) as mean_clv_12m,
    total_clv_12m / sum(total_clv_12m) over (partition by segment_type) as clv_share,
    mean_probability_active,
    median_probability_active,
    mean_probability_purchase_90d,
    mean_churn_risk_90d,
    high_churn_risk_share,
    cast(median_days_between_purchases as double) as median_days_between_purchases,
    mean_expected_purchases_365d
from by_segment
order by segment_type asc, total_clv_12m desc
