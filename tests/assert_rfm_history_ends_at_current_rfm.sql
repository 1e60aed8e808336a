-- The last monthly snapshot is taken as of the RFM as-of date, so it must equal the
-- current RFM of every customer.
select
    scores.customer_id,
    scores.rfm_segment,
    history.rfm_segment as history_segment
from {{ ref('customer_rfm_scores') }} as scores
left join {{ ref('customer_rfm_history') }} as history
    on
        scores.customer_id = history.customer_id
        and history.snapshot_month = (
            select max(all_history.snapshot_month)
            from {{ ref('customer_rfm_history') }} as all_history
        )
where
    history.customer_id is null
    or scores.recency_days != history.recency_days
    or scores.frequency != history.frequency
    or scores.monetary != history.monetary
    or scores.rfm_segment != history.rfm_segment
