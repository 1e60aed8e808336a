-- The category model is fitted only on products sold before the prediction cut-off.
with

first_sales as (

    select
        stock_code,
        cast(min(invoiced_at) as date) as first_sold_on
    from {{ ref('fct_sales_lines') }}
    group by stock_code

)

select
    categories.stock_code,
    categories.is_fit_product,
    first_sales.first_sold_on
from {{ ref('product_categories') }} as categories
inner join first_sales on categories.stock_code = first_sales.stock_code
where
    categories.is_fit_product != (first_sales.first_sold_on < {{ prediction_cutoff_date() }})
