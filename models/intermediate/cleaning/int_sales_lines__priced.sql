-- Cleaning rule 6: a line with a zero (or negative) unit price is no sale; the rest get
-- their revenue net of what was cancelled.
select
    *,
    quantity - quantity_canceled as net_quantity,
    unit_price * (quantity - quantity_canceled) as line_revenue
from {{ ref('int_sales_lines__products') }}
where unit_price > 0
