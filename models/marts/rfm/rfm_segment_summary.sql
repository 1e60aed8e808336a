-- Per RFM segment: how many customers, how much revenue, their typical R, F and M, and
-- what to do with them.
with

scores as (

    select * from {{ ref('customer_rfm_scores') }}

),

per_segment as (

    select
        rfm_segment,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days) as mean_recency_days,
        median(recency_days) as median_recency_days,
        avg(frequency) as mean_frequency,
        median(frequency) as median_frequency,
        {{ one_order_share('frequency') }} as one_order_share,
        avg(monetary) as mean_monetary,
        median(monetary) as median_monetary
    from scores
    group by rfm_segment

)

select
    actions.segment as rfm_segment,
    actions.segment_order,
    coalesce(per_segment.customers, 0) as customers,
    coalesce(per_segment.customers, 0) / sum(coalesce(per_segment.customers, 0)) over ()
        as customer_share,
    {{ round_money('coalesce(per_segment.revenue, 0)') }} as revenue,
    coalesce(per_segment.revenue, 0) / nullif(sum(per_segment.revenue) over (), 0)
        as revenue_share,
    per_segment.mean_recency_days,
    per_segment.median_recency_days,
    per_segment.mean_frequency,
    per_segment.median_frequency,
    per_segment.one_order_share,
    {{ round_money('per_segment.mean_monetary') }} as mean_monetary,
    {{ round_money('per_segment.median_monetary') }} as median_monetary,
    actions.description,
    actions.recommended_action
from {{ ref('rfm_segment_actions') }} as actions
left join per_segment on actions.segment = per_segment.rfm_segment
order by actions.segment_order
