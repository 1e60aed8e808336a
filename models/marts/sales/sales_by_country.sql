-- Where customers come from: customers, invoices and revenue per country.
with

per_country as (

    select
        country,
        count(distinct customer_id) as customers,
        count(*) as invoices,
        {{ round_money('sum(revenue)') }} as revenue
    from {{ ref('fct_invoices') }}
    group by country

)

select
    country,
    customers,
    invoices,
    revenue,
    customers / sum(customers) over () as customer_share,
    revenue / sum(revenue) over () as revenue_share
from per_country
order by revenue desc
