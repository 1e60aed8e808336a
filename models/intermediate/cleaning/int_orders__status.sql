-- One row per order (invoice number) for which the shop system recorded a status, a
-- cancellation, a refund or an order discount: what it recorded for the whole order, and
-- whether the order is a sale. Order-level fields may stand on one line of an order only
-- (Shopify writes them on its first line), so each is the order's largest value. The
-- cleaning rules cancelled_order and refunded_order look their lines up here, and the
-- netting of discounts and refunds (int_sales_lines__priced) reads the amounts.
with

lines as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

recorded as (

    select distinct invoice_no
    from lines
    where
        invoice_no is not null
        and (
            order_status is not null
            or cancelled_at is not null
            or order_refunded_amount > 0
            or order_discount > 0
        )

),

-- what the order's goods sold for: its sale lines once each (an exact duplicate, say from
-- overlapping exports, counts once), products only (not postage or fees), at their price
-- after their own discounts; the value a refund is compared with
goods as (

    select distinct
        lines.invoice_no,
        lines.stock_code,
        lines.description,
        lines.quantity,
        lines.invoiced_at,
        lines.unit_price,
        lines.line_discount,
        lines.customer_id,
        lines.country
    from lines
    inner join recorded on lines.invoice_no = recorded.invoice_no
    where
        lines.quantity > 0
        and lines.unit_price > 0
        and not coalesce(lines.is_cancellation, false)
        and upper(lines.stock_code) not in (
            select upper(codes.stock_code) from {{ ref('non_product_stock_codes') }} as codes
        )

),

goods_values as (

    select
        invoice_no,
        sum(unit_price * quantity - line_discount) as value_after_line_discounts
    from goods
    group by invoice_no

),

orders as (

    select
        lines.invoice_no,
        max(regexp_replace(lines.order_status, '^wc-', '')) as order_status,
        max(lines.cancelled_at) as cancelled_at,
        coalesce(max(lines.order_refunded_amount), 0) as refunded_amount,
        coalesce(max(lines.order_discount), 0) as order_discount,
        coalesce(max(goods_values.value_after_line_discounts), 0) as value_after_line_discounts
    from lines
    inner join recorded on lines.invoice_no = recorded.invoice_no
    left join goods_values on lines.invoice_no = goods_values.invoice_no
    group by lines.invoice_no

),

statuses as (

    select
        lower(status) as status,
        treated_as
    from {{ ref('order_statuses_not_sales') }}

)

select
    orders.invoice_no,
    orders.order_status,
    orders.cancelled_at,
    orders.refunded_amount,
    orders.order_discount,
    orders.value_after_line_discounts - orders.order_discount as order_value,
    orders.cancelled_at is not null or coalesce(statuses.treated_as = 'cancelled', false)
        as is_cancelled,
    -- refunded in full: by its status, or by a refund that covers what it sold for (to
    -- the cent)
    coalesce(statuses.treated_as = 'refunded', false)
    or (
        orders.refunded_amount > 0
        and orders.refunded_amount
        >= orders.value_after_line_discounts - orders.order_discount - 0.005
    ) as is_refunded_in_full
from orders
left join statuses on orders.order_status = statuses.status
