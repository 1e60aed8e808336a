-- One row per customer for the new-customer prediction: what their first invoice looked
-- like (the only features), the label horizon after their first purchase day, and their
-- role:
--   train     the whole horizon closes before the cut-off
--   test      first purchase on or after the cut-off, whole horizon observed
--   newcomer  horizon not over yet (first purchase within the last horizon): to predict
--   excluded  first purchase in the burn-in (possibly an older customer whose earlier
--             purchases precede the data), or the horizon straddles the cut-off
-- Labels (int_prediction_labels) read only invoices strictly after the first purchase day.
-- The first basket is measured gross, as it was invoiced: quantity_canceled records
-- cancellations made later, which the features must not see.
with

bounds as (

    select
        cutoff.cutoff_date,
        cutoff.first_date,
        cutoff.last_date,
        cutoff.horizon_days,
        cutoff.burn_in_days
    from {{ ref('int_prediction_cutoff') }} as cutoff

),

invoices as (

    select
        invoice_no,
        customer_id,
        invoiced_at,
        country,
        line_count,
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
        invoices.line_count as basket_lines,
        isodow(invoices.invoiced_at) as first_weekday,
        hour(invoices.invoiced_at) as first_hour
    from invoices
    where invoices.invoice_number = 1

),

first_baskets as (

    select
        sales.invoice_no,
        count(distinct sales.stock_code) as basket_products,
        cast(sum(sales.quantity) as bigint) as basket_items,
        round(sum(sales.unit_price * sales.quantity), 2) as basket_value
    from {{ ref('fct_sales_lines') }} as sales
    inner join first_invoices on sales.invoice_no = first_invoices.first_invoice_no
    group by sales.invoice_no

),

horizons as (

    select
        first_invoices.*,
        cast(first_invoices.first_purchase_at as date) as first_purchase_date,
        cast(first_invoices.first_purchase_at as date) + bounds.horizon_days
            as horizon_end_date,
        bounds.cutoff_date,
        bounds.first_date,
        bounds.last_date,
        bounds.horizon_days,
        bounds.burn_in_days
    from first_invoices
    cross join bounds

)

select
    horizons.customer_id,
    horizons.first_invoice_no,
    horizons.first_purchase_at,
    horizons.first_purchase_date,
    horizons.country,
    coalesce(first_baskets.basket_value, 0) as basket_value,
    horizons.basket_lines,
    coalesce(first_baskets.basket_items, 0) as basket_items,
    coalesce(first_baskets.basket_products, 0) as basket_products,
    horizons.first_weekday,
    horizons.first_hour,
    horizons.horizon_end_date,
    horizons.cutoff_date,
    horizons.horizon_days,
    case
        when horizons.horizon_end_date > horizons.last_date then 'newcomer'
        when
            horizons.first_purchase_date < horizons.first_date + horizons.burn_in_days
            then 'excluded'
        when horizons.horizon_end_date < horizons.cutoff_date then 'train'
        when horizons.first_purchase_date >= horizons.cutoff_date then 'test'
        else 'excluded'
    end as prediction_role
from horizons
left join first_baskets on horizons.first_invoice_no = first_baskets.invoice_no
