-- One row per product category with its label (the categories are per product in
-- int_product_categories).
select distinct
    category_id,
    category_label
from {{ ref('int_product_categories') }}
