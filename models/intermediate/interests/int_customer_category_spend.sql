-- Net spend of each customer in each product category, over all data and before the
-- prediction cut-off.
select
    sales.customer_id,
    categories.category_id,
    round(sum(sales.line_revenue), 2) as spend,
    round(
        coalesce(
            sum(sales.line_revenue) filter (
                where cast(sales.invoiced_at as date) < {{ prediction_cutoff_date() }}
            ),
            0
        ),
        2
    ) as spend_before_cutoff
from {{ ref('fct_sales_lines') }} as sales
inner join {{ ref('int_product_categories') }} as categories
    on sales.stock_code = categories.stock_code
group by sales.customer_id, categories.category_id
