-- One row per product: its category (from its description, fitted before the prediction
-- cut-off), the category's readable label and the product's price band.
select
    stock_code,
    description,
    cast(category_id as integer) as category_id,
    category_label,
    price_band,
    median_unit_price,
    is_fit_product
from {{ ref('int_product_categories') }}
