-- Seasonality by weekday: every day of the week (a day without trading shows zero lines),
-- with the average quantity per purchase line.
with

weekdays as (

    select
        unnest(range(1, 8)) as iso_weekday,
        unnest(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'])
            as weekday_name

),

per_weekday as (

    select
        isodow(invoiced_at) as iso_weekday,
        count(*) as sales_lines,
        count(distinct invoice_no) as invoices,
        avg(quantity) as avg_quantity_per_line,
        round(sum(line_revenue), 2) as revenue
    from {{ ref('fct_sales_lines') }}
    group by isodow(invoiced_at)

)

select
    weekdays.iso_weekday,
    weekdays.weekday_name,
    coalesce(per_weekday.sales_lines, 0) as sales_lines,
    coalesce(per_weekday.invoices, 0) as invoices,
    per_weekday.avg_quantity_per_line,
    coalesce(per_weekday.revenue, 0) as revenue
from weekdays
left join per_weekday on weekdays.iso_weekday = per_weekday.iso_weekday
order by weekdays.iso_weekday
