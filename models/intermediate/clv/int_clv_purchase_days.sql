-- A purchase in buy-till-you-die terms: a customer's day with at least one invoice (as in
-- BTYD practice, several invoices on one day are one purchase), up to the RFM as-of date,
-- with what it was worth: its net revenue, or its gross margin (var clv_value_basis), in
-- exact decimals, so that sums and means come out the same in any order and the fits
-- repeat to the last digit. Read by int_clv_histories and int_clv_season_months.
with

as_of as (

    select {{ rfm_as_of_date() }} as as_of_date

)

select
    invoices.customer_id,
    cast(invoices.invoiced_at as date) as purchase_date,
    sum(cast(invoices.{{ clv_value_column() }} as decimal(18, 2))) as revenue
from {{ ref('fct_invoices') }} as invoices
cross join as_of
where cast(invoices.invoiced_at as date) <= as_of.as_of_date
group by invoices.customer_id, cast(invoices.invoiced_at as date)
