-- The shop's order lines as its own staging model would give them: one row per line, in
-- the shop's column names and types (the test writes them to the Parquet file
-- SHOP_ORDER_LINES): quantities as doubles and times as instants (UTC), as many shop
-- databases store them, so the package's casts and time-zone conversion do their work.
select
    line_id,
    order_id,
    sku,
    product_name,
    cast(qty as double) as qty,
    cast(strftime(ordered_at, '%Y-%m-%d %H:%M:%S') || '+00' as timestamptz) as ordered_at,
    unit_price,
    customer_ref,
    ship_country
from read_parquet('{{ env_var("SHOP_ORDER_LINES") }}')
