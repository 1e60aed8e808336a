-- Top products: revenue, units, invoices and customers per stock code, ranked by revenue
-- and by number of customers.
with

per_product as (

    select
        stock_code,
        -- a code can carry several spellings: show the most frequent one
        mode(description) as description,
        {{ round_money('sum(line_revenue)') }} as revenue,
        cast(sum(net_quantity) as bigint) as net_quantity,
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers
    from {{ ref('fct_sales_lines') }}
    group by stock_code

)

select
    stock_code,
    description,
    revenue,
    net_quantity,
    invoices,
    customers,
    rank() over (order by revenue desc) as revenue_rank,
    rank() over (order by customers desc) as customer_rank
from per_product
order by revenue_rank
