-- Seasonality by hour of day: for each hour 0-23, the quantity sold in that hour on an
-- average trading day (total quantity in the hour / days with any sale).
with

hours as (

    select {{ integer_series(0, 23) }} as hour_of_day

),

trading_days as (

    select count(distinct cast(invoiced_at as date)) as days
    from {{ ref('fct_sales_lines') }}

),

per_hour as (

    select
        hour(invoiced_at) as hour_of_day,
        count(*) as sales_lines,
        count(distinct invoice_no) as invoices,
        cast(sum(quantity) as bigint) as quantity,
        {{ round_money('sum(line_revenue)') }} as revenue
    from {{ ref('fct_sales_lines') }}
    group by hour(invoiced_at)

)

select
    hours.hour_of_day,
    coalesce(per_hour.sales_lines, 0) as sales_lines,
    coalesce(per_hour.invoices, 0) as invoices,
    coalesce(per_hour.quantity, 0) as quantity,
    coalesce(per_hour.quantity, 0) / trading_days.days as avg_daily_quantity,
    coalesce(per_hour.revenue, 0) as revenue
from hours
cross join trading_days
left join per_hour on hours.hour_of_day = per_hour.hour_of_day
order by hours.hour_of_day
