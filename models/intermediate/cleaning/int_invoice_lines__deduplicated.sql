-- The cleaning rule implemented here (macros/cleaning/cleaning_rules.sql): exact_duplicate. Exact
-- duplicate lines (every raw column equal) are export artefacts; keep the first
-- occurrence, so a line keeps its first position in the file.
-- A hash aggregate over the columns: no sort of the whole file. (is_cancellation follows
-- from invoice_no and quantity, so grouping by it too changes no group.) The order-level
-- fields are not compared: an export may write them on an order's first line only, and
-- two lines of one order share its values (int_orders__status reads them per order).
select
    min(source_row_number) as source_row_number,
    invoice_no,
    stock_code,
    description,
    quantity,
    invoiced_at,
    unit_price,
    unit_cost,
    has_derived_stock_code,
    line_discount,
    max(order_discount) as order_discount,
    max(order_refunded_amount) as order_refunded_amount,
    max(order_status) as order_status,
    max(cancelled_at) as cancelled_at,
    max(currency) as currency,
    customer_id,
    country,
    is_cancellation
from {{ ref('int_invoice_lines__complete') }}
group by all
