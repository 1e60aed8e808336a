-- The cleaning rules applied here (macros/cleaning_rules.sql): non_positive_price, and any
-- rule declared after it. The lines left get their revenue net of what was cancelled, of
-- discounts and of partial refunds: a line discount goes with the line (its cancelled part
-- with the cancelled quantity); an order discount, then a refund, is allocated over the
-- order's kept lines in proportion to their value after line discounts, never beyond it.
with

lines as (

    select
        lines.*,
        lines.quantity - lines.quantity_canceled as net_quantity,
        lines.unit_price * (lines.quantity - lines.quantity_canceled) as gross_revenue,
        coalesce(
            lines.line_discount * (lines.quantity - lines.quantity_canceled)
            / nullif(lines.quantity, 0),
            0
        ) as line_discount_kept
    from {{ ref('int_sales_lines__products') }} as lines
    {{- cleaning_rule_lookups('int_sales_lines__priced') }}
    where {{ cleaning_rule_filter('int_sales_lines__priced') }}

),

-- the orders with money to allocate (none in an export without discounts or refunds)
orders as (

    select
        invoice_no,
        order_discount,
        refunded_amount
    from {{ ref('int_orders__status') }}
    where order_discount > 0 or refunded_amount > 0

),

allocated as (

    select
        orders.invoice_no,
        sum(lines.gross_revenue - lines.line_discount_kept) as order_value,
        -- what the order discount and the refund take, within the kept lines' value
        least(
            orders.order_discount,
            greatest(sum(lines.gross_revenue - lines.line_discount_kept), 0)
        ) as order_discount_allocated,
        least(
            orders.refunded_amount,
            greatest(
                sum(lines.gross_revenue - lines.line_discount_kept) - orders.order_discount, 0
            )
        ) as refund_allocated
    from orders
    inner join lines on orders.invoice_no = lines.invoice_no
    group by orders.invoice_no, orders.order_discount, orders.refunded_amount

),

shares as (

    select
        lines.*,
        coalesce(
            allocated.order_discount_allocated
            * (lines.gross_revenue - lines.line_discount_kept)
            / nullif(allocated.order_value, 0),
            0
        ) as order_discount_share,
        coalesce(
            allocated.refund_allocated
            * (lines.gross_revenue - lines.line_discount_kept)
            / nullif(allocated.order_value, 0),
            0
        ) as refund_share
    from lines
    left join allocated on lines.invoice_no = allocated.invoice_no

)

select
    shares.*,
    shares.line_discount_kept + shares.order_discount_share as discount_amount,
    shares.refund_share as refund_amount,
    shares.gross_revenue - shares.line_discount_kept - shares.order_discount_share
    - shares.refund_share as line_revenue,
    shares.unit_cost * shares.net_quantity as line_cost
from shares
