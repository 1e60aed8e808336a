-- How customers move between RFM segments from one month end to the next. A customer's
-- first month comes from '(not yet a customer)'.
with

history as (

    select
        customer_id,
        snapshot_month,
        rfm_segment,
        lag(rfm_segment) over (
            partition by customer_id order by snapshot_month
        ) as previous_segment
    from {{ ref('customer_rfm_history') }}

)

select
    snapshot_month,
    coalesce(previous_segment, '(not yet a customer)') as from_segment,
    rfm_segment as to_segment,
    count(*) as customers
from history
group by snapshot_month, coalesce(previous_segment, '(not yet a customer)'), rfm_segment
order by snapshot_month, from_segment, to_segment
