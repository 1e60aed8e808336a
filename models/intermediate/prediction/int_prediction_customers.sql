-- One row per customer for the new-customer prediction: what their first invoice looked
-- like (the only features), their behaviour over a fixed window after it (the label),
-- and their role:
--   train     the window closed before the cut-off (all they did is before it)
--   test      first purchase on or after the cut-off, whole window observed
--   newcomer  first purchase within the last window: to be predicted, not yet labelled
--   excluded  the window straddles the cut-off, or the customer is otherwise unusable
with

bounds as (

    select
        {{ prediction_cutoff_date() }} as cutoff_date,
        cast(max(invoiced_at) as date) as last_date,
        {{ var('prediction_window_days') }} as window_days
    from {{ ref('fct_invoices') }}

),

invoices as (

    select
        invoice_no,
        customer_id,
        invoiced_at,
        country,
        line_count,
        item_count,
        revenue,
        row_number() over (
            partition by customer_id order by invoiced_at, invoice_no
        ) as invoice_number
    from {{ ref('fct_invoices') }}

),

first_invoices as (

    select
        invoices.customer_id,
        invoices.invoice_no as first_invoice_no,
        invoices.invoiced_at as first_purchase_at,
        invoices.country,
        invoices.revenue as basket_value,
        invoices.line_count as basket_lines,
        invoices.item_count as basket_items,
        isodow(invoices.invoiced_at) as first_weekday,
        hour(invoices.invoiced_at) as first_hour
    from invoices
    where invoices.invoice_number = 1

),

distinct_products as (

    select
        sales.invoice_no,
        count(distinct sales.stock_code) as basket_products
    from {{ ref('fct_sales_lines') }} as sales
    inner join first_invoices on sales.invoice_no = first_invoices.first_invoice_no
    group by sales.invoice_no

),

windows as (

    select
        first_invoices.customer_id,
        cast(first_invoices.first_purchase_at as date) + bounds.window_days as window_end_date,
        count(invoices.invoice_no) as window_frequency,
        coalesce(sum(invoices.revenue), 0) as window_monetary,
        max(cast(invoices.invoiced_at as date)) as window_last_purchase_date
    from first_invoices
    cross join bounds
    left join invoices
        on
            first_invoices.customer_id = invoices.customer_id
            and cast(invoices.invoiced_at as date)
            < cast(first_invoices.first_purchase_at as date) + bounds.window_days
    group by first_invoices.customer_id, first_invoices.first_purchase_at, bounds.window_days

)

select
    first_invoices.*,
    coalesce(distinct_products.basket_products, 0) as basket_products,
    windows.window_end_date,
    windows.window_frequency,
    windows.window_monetary,
    windows.window_end_date - windows.window_last_purchase_date as window_recency_days,
    bounds.cutoff_date,
    bounds.window_days,
    case
        when windows.window_end_date <= bounds.cutoff_date then 'train'
        when
            cast(first_invoices.first_purchase_at as date) >= bounds.cutoff_date
            and windows.window_end_date <= bounds.last_date + 1
            then 'test'
        when windows.window_end_date > bounds.last_date + 1 then 'newcomer'
        else 'excluded'
    end as prediction_role
from first_invoices
cross join bounds
inner join windows on first_invoices.customer_id = windows.customer_id
left join distinct_products on first_invoices.first_invoice_no = distinct_products.invoice_no
