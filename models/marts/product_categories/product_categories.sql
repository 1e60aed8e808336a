-- One row per product: its category (from what is bought with it and its description,
-- fitted before the prediction cut-off), the category's readable label and the product's
-- price band.
select
    stock_code,
    description,
    cast(category_id as integer) as category_id,
    category_label,
    price_band,
    round(median_unit_price, 2) as median_unit_price,
    is_fit_product,
    has_purchase_history
from {{ ref('int_product_categories') }}
