-- The shop's order lines as its own staging model would give them: one row per line, in
-- the shop's column names (the test writes them to the Parquet file SHOP_ORDER_LINES).
select
    line_id,
    order_id,
    sku,
    product_name,
    qty,
    ordered_at,
    unit_price,
    customer_ref,
    ship_country
from read_parquet('{{ env_var("SHOP_ORDER_LINES") }}')
