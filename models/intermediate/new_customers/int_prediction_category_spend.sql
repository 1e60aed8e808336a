-- Per customer, product category and price band: spend on the first invoice (a feature)
-- and spend strictly after the first purchase day within the horizon (for the
-- next_interest label). One pass over the customers' lines up to their horizon's end.
-- Spend is gross (unit price x quantity as invoiced): quantity_canceled records
-- cancellations made later, which neither the features nor the label window may see.
select
    customers.customer_id,
    categories.category_id,
    categories.price_band,
    round(
        coalesce(sum(sales.unit_price * sales.quantity) filter (
            where sales.invoice_no = customers.first_invoice_no
        ), 0),
        2
    ) as first_invoice_spend,
    round(
        coalesce(sum(sales.unit_price * sales.quantity) filter (
            where cast(sales.invoiced_at as date) > customers.first_purchase_date
        ), 0),
        2
    ) as later_spend
from {{ ref('int_prediction_customers') }} as customers
inner join {{ ref('fct_sales_lines') }} as sales
    on
        customers.customer_id = sales.customer_id
        and cast(sales.invoiced_at as date) <= customers.horizon_end_date
inner join {{ ref('int_product_categories') }} as categories
    on sales.stock_code = categories.stock_code
group by customers.customer_id, categories.category_id, categories.price_band
