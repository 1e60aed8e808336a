-- The cleaning rules applied here (macros/cleaning/cleaning_rules.sql): non_positive_price, and any
-- rule declared after it. The lines left get their revenue net of what was cancelled, of
-- discounts and of partial refunds:
-- - a line discount goes with the line, its cancelled part with the cancelled quantity;
-- - an order discount is shared over the order's kept lines in proportion to what each
--   sold for (at its full quantity, after its line discount), so a line keeps its share of
--   the part not cancelled later (2 x 50 with 20 off, one returned: 40 kept, not 30);
-- - a refund is shared over what the order's kept lines still hold after discounts, never
--   beyond it (a refund also recorded as a returned line would be netted twice: an export
--   records a return one way or the other).
with

lines as (

    select
        lines.*,
        lines.quantity - lines.quantity_canceled as net_quantity,
        lines.unit_price * (lines.quantity - lines.quantity_canceled) as gross_revenue,
        -- what the line sold for at its full quantity, after its own discount
        lines.unit_price * lines.quantity - lines.line_discount as sold_value,
        -- the share of the line not cancelled later
        coalesce(
            cast(lines.quantity - lines.quantity_canceled as double) / nullif(lines.quantity, 0),
            0
        ) as kept_fraction
    from {{ ref('int_sales_lines__products') }} as lines
    {{- cleaning_rule_lookups('int_sales_lines__priced') }}
    where {{ cleaning_rule_filter('int_sales_lines__priced') }}

),

-- the orders with money to share (none in an export without discounts or refunds)
orders as (

    select
        invoice_no,
        order_discount,
        refunded_amount
    from {{ ref('int_orders__status') }}
    where order_discount > 0 or refunded_amount > 0

),

order_values as (

    select
        orders.invoice_no,
        orders.order_discount,
        orders.refunded_amount,
        sum(lines.sold_value) as sold_value
    from orders
    inner join lines on orders.invoice_no = lines.invoice_no
    group by orders.invoice_no, orders.order_discount, orders.refunded_amount

),

discounted as (

    select
        lines.*,
        lines.line_discount * lines.kept_fraction as line_discount_kept,
        coalesce(
            least(order_values.order_discount, greatest(order_values.sold_value, 0))
            * lines.sold_value / nullif(order_values.sold_value, 0)
            * lines.kept_fraction,
            0
        ) as order_discount_share,
        order_values.refunded_amount
    from lines
    left join order_values on lines.invoice_no = order_values.invoice_no

),

after_discounts as (

    select
        discounted.*,
        discounted.gross_revenue - discounted.line_discount_kept
        - discounted.order_discount_share as kept_value,
        sum(
            discounted.gross_revenue - discounted.line_discount_kept
            - discounted.order_discount_share
        ) over (partition by discounted.invoice_no) as order_kept_value
    from discounted
    where discounted.refunded_amount > 0

),

refunds as (

    select
        source_row_number,
        least(refunded_amount, greatest(order_kept_value, 0))
        * greatest(kept_value, 0) / nullif(order_kept_value, 0) as refund_share
    from after_discounts

)

select
    discounted.*,
    discounted.line_discount_kept + discounted.order_discount_share as discount_amount,
    coalesce(refunds.refund_share, 0) as refund_amount,
    discounted.gross_revenue - discounted.line_discount_kept
    - discounted.order_discount_share - coalesce(refunds.refund_share, 0) as line_revenue,
    discounted.unit_cost * discounted.net_quantity as line_cost
from discounted
left join refunds on discounted.source_row_number = refunds.source_row_number
