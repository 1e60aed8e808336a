-- Every customer's interest segment: customers clustered on the shares of their spend per
-- product category (plus basket size), with a readable name.
with

labels as (

    select * from {{ ref('int_product_category_labels') }}

)

select
    segments.customer_id,
    cast(segments.interest_segment_id as integer) as interest_segment_id,
    segments.interest_segment_name,
    segments.segment_dominant_categories,
    cast(segments.top_category_id as integer) as top_category_id,
    labels.category_label as top_category_label,
    segments.top_category_share
from {{ ref('int_customer_interest_segments') }} as segments
left join labels on segments.top_category_id = labels.category_id
