-- One row per interest segment: size, share, spend and its dominant categories.
with

segments as (

    select * from {{ ref('int_customer_interest_segments') }}

),

baskets as (

    select * from {{ ref('int_customer_baskets') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

)

select
    cast(segments.interest_segment_id as integer) as interest_segment_id,
    any_value(segments.interest_segment_name) as interest_segment_name,
    any_value(segments.segment_dominant_categories) as dominant_categories,
    count(*) as customers,
    count(*) / sum(count(*)) over () as customer_share,
    round(sum(rfm.monetary), 2) as revenue,
    round(median(baskets.avg_invoice_value), 2) as median_invoice_value
from segments
inner join baskets on segments.customer_id = baskets.customer_id
inner join rfm on segments.customer_id = rfm.customer_id
group by segments.interest_segment_id
order by interest_segment_id
