-- Each customer's average invoice value, over all data and before the prediction cut-off
-- (null when the customer had not bought yet).
select
    customer_id,
    avg(revenue) as avg_invoice_value,
    avg(revenue) filter (
        where cast(invoiced_at as date) < {{ prediction_cutoff_date() }}
    ) as avg_invoice_value_before_cutoff
from {{ ref('fct_invoices') }}
group by customer_id
