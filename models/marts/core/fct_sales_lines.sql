-- One row per kept purchase line, after every cleaning rule, with revenue net of
-- cancellations, discounts and refunds, and cost and gross margin where the shop's export
-- gives unit costs.
select
    source_row_number as sales_line_id,
    invoice_no,
    invoiced_at,
    customer_id,
    country,
    stock_code,
    has_derived_stock_code,
    description,
    quantity,
    quantity_canceled,
    net_quantity,
    unit_price,
    gross_revenue,
    discount_amount,
    refund_amount,
    line_revenue,
    unit_cost,
    line_cost,
    line_revenue - line_cost as line_margin
from {{ ref('int_sales_lines__priced') }}
