-- One row per product: its description and price over all data, and the same measured
-- before the prediction cut-off only (fit_*), which is all the category model may see.
-- A code can carry several spellings: the description is the most frequent one (ties: the
-- first in alphabetical order, as in sales_by_product, so every build shows the same).
-- Custom items (lines the export gave no stock code) are no catalogue products: each is a
-- one-off made to order, so they join no category.
with

lines as (

    select
        sales.*,
        cast(sales.invoiced_at as date) < {{ prediction_cutoff_date() }} as is_before_cutoff
    from {{ ref('fct_sales_lines') }} as sales
    where not sales.has_derived_stock_code

),

spellings as (

    select
        stock_code,
        description,
        count(*) as lines,
        count(*) filter (where is_before_cutoff) as fit_lines
    from lines
    where description is not null
    group by stock_code, description

),

chosen_spellings as (

    select
        stock_code,
        first(description order by lines desc, description asc) as description,
        first(description order by fit_lines desc, description asc)
        filter (where fit_lines > 0) as fit_description
    from spellings
    group by stock_code

),

per_product as (

    select
        stock_code,
        median(unit_price) as median_price,
        round(sum(line_revenue), 2) as revenue,
        median(unit_price) filter (where is_before_cutoff) as fit_median_price,
        round(coalesce(sum(line_revenue) filter (where is_before_cutoff), 0), 2)
            as revenue_before_cutoff
    from lines
    group by stock_code

)

select
    per_product.stock_code,
    chosen_spellings.description,
    per_product.median_price,
    per_product.revenue,
    chosen_spellings.fit_description,
    per_product.fit_median_price,
    per_product.revenue_before_cutoff
from per_product
left join chosen_spellings on per_product.stock_code = chosen_spellings.stock_code
