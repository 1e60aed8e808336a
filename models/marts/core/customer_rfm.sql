-- One row per customer: recency, frequency and monetary value as of the RFM date, the
-- BTYD-style quantities, and the outlier flag. Invoices after the as-of date are ignored.
with

as_of as (

    select {{ rfm_as_of_date() }} as as_of_date

),

invoices as (

    select
        fct_invoices.customer_id,
        fct_invoices.invoice_no,
        fct_invoices.invoiced_at,
        fct_invoices.country,
        fct_invoices.revenue,
        fct_invoices.margin
    from {{ ref('fct_invoices') }} as fct_invoices
    cross join as_of
    where cast(fct_invoices.invoiced_at as date) <= as_of.as_of_date

),

per_customer as (

    select
        customer_id,
        count(distinct invoice_no) as frequency,
        {{ round_money('sum(revenue)') }} as monetary,
        -- known only when every invoice's margin is (the export gives unit costs)
        case when count(margin) = count(*) then {{ round_money('sum(margin)') }} end as margin,
        min(invoiced_at) as first_purchase_at,
        max(invoiced_at) as last_purchase_at,
        count(distinct cast(invoiced_at as date)) as purchase_days,
        -- the country of the customer's latest invoice
        max_by(country, invoiced_at) as country
    from invoices
    group by customer_id

),

measures as (

    select
        per_customer.customer_id,
        per_customer.country,
        as_of.as_of_date,
        per_customer.first_purchase_at,
        per_customer.last_purchase_at,
        {{ days_between('cast(per_customer.last_purchase_at as date)', 'as_of.as_of_date') }}
            as recency_days,
        per_customer.frequency,
        per_customer.monetary,
        per_customer.margin,
        {{ round_money('per_customer.monetary / per_customer.frequency') }} as avg_invoice_value,
        {{ days_between('cast(per_customer.first_purchase_at as date)', 'as_of.as_of_date') }}
            as tenure_days,
        per_customer.purchase_days - 1 as btyd_frequency,
        {{ days_between('cast(per_customer.first_purchase_at as date)',
                        'cast(per_customer.last_purchase_at as date)') }} as btyd_recency,
        {{ days_between('cast(per_customer.first_purchase_at as date)', 'as_of.as_of_date') }}
            as t_days
    from per_customer
    cross join as_of

),

outlier_cuts as (

    select
        percentile_cont({{ var('rfm_outlier_quantile') }}) within group (order by frequency)
            as frequency_cut,
        percentile_cont({{ var('rfm_outlier_quantile') }}) within group (order by monetary)
            as monetary_cut
    from measures

)

select
    measures.*,
    measures.frequency > outlier_cuts.frequency_cut
    or measures.monetary > outlier_cuts.monetary_cut as is_outlier
from measures
cross join outlier_cuts
