-- Seasonality by calendar month: invoices, active customers, items and revenue.
select
    cast(date_trunc('month', invoices.invoiced_at) as date) as sales_month,
    count(*) as invoices,
    count(distinct invoices.customer_id) as customers,
    cast(sum(invoices.item_count) as bigint) as items,
    {{ round_money('sum(invoices.revenue)') }} as revenue
from {{ ref('fct_invoices') }} as invoices
group by cast(date_trunc('month', invoices.invoiced_at) as date)
order by sales_month
