-- Seasonality by weekday: every day of the week (a day without trading shows zero lines),
-- with the average quantity per purchase line.
with

weekdays as (

    select
        cast(day_list.iso_weekday as bigint) as iso_weekday,
        day_list.weekday_name
    from (
        values
        (1, 'Monday'), (2, 'Tuesday'), (3, 'Wednesday'), (4, 'Thursday'), (5, 'Friday'),
        (6, 'Saturday'), (7, 'Sunday')
    ) as day_list (iso_weekday, weekday_name)

),

per_weekday as (

    select
        {{ iso_weekday('invoiced_at') }} as iso_weekday,
        count(*) as sales_lines,
        count(distinct invoice_no) as invoices,
        avg(quantity) as avg_quantity_per_line,
        {{ round_money('sum(line_revenue)') }} as revenue
    from {{ ref('fct_sales_lines') }}
    group by {{ iso_weekday('invoiced_at') }}

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
