-- One row per product category: products, revenue, customers and their shares, with the
-- label and the descriptions of its three best sellers.
with

sales as (

    select
        categories.category_id,
        sales.stock_code,
        sales.customer_id,
        sales.line_revenue
    from {{ ref('fct_sales_lines') }} as sales
    inner join {{ ref('int_product_categories') }} as categories
        on sales.stock_code = categories.stock_code

),

by_category as (

    select
        category_id,
        sum(line_revenue) as revenue,
        count(distinct customer_id) as customers
    from sales
    group by category_id

),

products as (

    select
        category_id,
        any_value(category_label) as category_label,
        count(*) as products
    from {{ ref('int_product_categories') }}
    group by category_id

),

examples as (

    select
        category_id,
        string_agg(description, '; ' order by example_rank) as top_products
    from {{ ref('product_category_examples') }}
    where example_rank <= 3
    group by category_id

)

select
    cast(products.category_id as integer) as category_id,
    products.category_label,
    products.products,
    products.products / sum(products.products) over () as product_share,
    cast(round(coalesce(by_category.revenue, 0), 2) as decimal(18, 2)) as revenue,
    coalesce(by_category.revenue, 0)
    / nullif(sum(by_category.revenue) over (), 0) as revenue_share,
    coalesce(by_category.customers, 0) as customers,
    examples.top_products
from products
left join by_category on products.category_id = by_category.category_id
left join examples on products.category_id = examples.category_id
order by category_id
