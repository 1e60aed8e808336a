-- One row per product: its description and price over all data, and the same measured
-- before the prediction cut-off only (fit_*), which is all the category model may see.
with

lines as (

    select
        sales.*,
        cast(sales.invoiced_at as date) < {{ prediction_cutoff_date() }} as is_before_cutoff
    from {{ ref('fct_sales_lines') }} as sales

)

select
    stock_code,
    mode(description) as description,
    median(unit_price) as median_price,
    round(sum(line_revenue), 2) as revenue,
    mode(description) filter (where is_before_cutoff) as fit_description,
    median(unit_price) filter (where is_before_cutoff) as fit_median_price,
    round(coalesce(sum(line_revenue) filter (where is_before_cutoff), 0), 2)
        as revenue_before_cutoff
from lines
group by stock_code
