-- Per customer and product category: net spend and its share of the customer's spend.
with

spend as (

    select * from {{ ref('int_customer_category_spend') }}

),

labels as (

    select * from {{ ref('int_product_category_labels') }}

)

select
    spend.customer_id,
    cast(spend.category_id as integer) as category_id,
    labels.category_label,
    spend.spend,
    spend.spend / nullif(sum(spend.spend) over (partition by spend.customer_id), 0)
        as spend_share
from spend
inner join labels on spend.category_id = labels.category_id
