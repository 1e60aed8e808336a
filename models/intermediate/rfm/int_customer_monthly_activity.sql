-- Per customer and calendar month with purchases: invoices, revenue and the last
-- purchase date in that month; the building block of the monthly RFM history.
select
    customer_id,
    cast(date_trunc('month', invoiced_at) as date) as activity_month,
    count(*) as invoices,
    sum(revenue) as revenue,
    max(cast(invoiced_at as date)) as last_purchase_date
from {{ ref('fct_invoices') }}
group by customer_id, cast(date_trunc('month', invoiced_at) as date)
