-- One row per kept purchase line, after every cleaning rule, with revenue net of
-- cancellations.
select
    source_row_number as sales_line_id,
    invoice_no,
    invoiced_at,
    customer_id,
    country,
    stock_code,
    description,
    quantity,
    quantity_canceled,
    net_quantity,
    unit_price,
    line_revenue
from {{ ref('int_sales_lines__priced') }}
