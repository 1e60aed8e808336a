-- Top products: revenue, units, invoices and customers per stock code, ranked by revenue
-- and by number of customers.
with

-- a code can carry several spellings: show the most frequent one (ties: the first in
-- alphabetical order, so every engine shows the same)
spellings as (

    select
        stock_code,
        description,
        row_number() over (
            partition by stock_code
            order by count(*) desc, description asc
        ) as spelling_rank
    from {{ ref('fct_sales_lines') }}
    where description is not null
    group by stock_code, description

),

per_product as (

    select
        stock_code,
        {{ round_money('sum(line_revenue)') }} as revenue,
        cast(sum(net_quantity) as bigint) as net_quantity,
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers
    from {{ ref('fct_sales_lines') }}
    group by stock_code

)

select
    per_product.stock_code,
    spellings.description,
    per_product.revenue,
    per_product.net_quantity,
    per_product.invoices,
    per_product.customers,
    cast(rank() over (order by per_product.revenue desc) as bigint) as revenue_rank,
    cast(rank() over (order by per_product.customers desc) as bigint) as customer_rank
from per_product
left join spellings
    on
        per_product.stock_code = spellings.stock_code
        and spellings.spelling_rank = 1
order by revenue_rank
