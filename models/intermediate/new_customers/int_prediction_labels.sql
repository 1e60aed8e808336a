-- The labels of the new-customer prediction, measured strictly after the first purchase
-- day (that day's invoices are never read here), over the horizon that follows it:
--   will_return       any invoice in (first purchase day, first purchase day + horizon]
--   value_tier_id     the behavioural segment of the customer's RFM over those later
--                     invoices (gross of cancellations, which may come after the horizon)
--                     as of the day after the horizon, scored in SQL with the
--                     stored clustering parameters (macro assign_rfm_cluster); customers
--                     who do not return score as recency = horizon + 1, frequency 0,
--                     monetary 0
--   value_tier_name   the tier said as what it means for someone who has just bought
--                     (seeds/cluster_segment_strategies.csv newcomer_tier_name: "One-off or
--                     small repeat buyer", not "Lapsed low spenders"), with the segment's
--                     bracketed value order where a name repeats
-- next_interest is made in int_prediction_study from int_prediction_category_spend.
with

customers as (

    select
        customer_id,
        first_purchase_date,
        horizon_end_date
    from {{ ref('int_prediction_customers') }}
    where prediction_role in ('train', 'test')

),

later_invoices as (

    -- gross, as invoiced: quantity_canceled may record cancellations after the horizon
    select
        customers.customer_id,
        count(distinct sales.invoice_no) as later_invoices,
        coalesce(sum(sales.unit_price * sales.quantity), 0) as later_revenue,
        max(cast(sales.invoiced_at as date)) as last_later_purchase_date
    from customers
    left join {{ ref('fct_sales_lines') }} as sales
        on
            customers.customer_id = sales.customer_id
            and cast(sales.invoiced_at as date) > customers.first_purchase_date
            and cast(sales.invoiced_at as date) <= customers.horizon_end_date
    group by customers.customer_id

),

label_rfm as (

    select
        customers.customer_id,
        customers.horizon_end_date + 1
        - coalesce(later_invoices.last_later_purchase_date, customers.first_purchase_date)
            as recency_days,
        later_invoices.later_invoices as frequency,
        later_invoices.later_revenue as monetary
    from customers
    inner join later_invoices on customers.customer_id = later_invoices.customer_id

),

scored as (

    {{ assign_rfm_cluster('label_rfm') }}

)

select
    scored.customer_id,
    scored.frequency > 0 as will_return,
    cast(scored.frequency as bigint) as later_invoices,
    scored.monetary as later_revenue,
    cast(scored.recency_days as integer) as label_recency_days,
    cast(scored.cluster_id as integer) as value_tier_id,
    replace(profiles.segment_name, profiles.base_name, strategies.newcomer_tier_name)
        as value_tier_name
from scored
left join {{ ref('int_cluster_profiles') }} as profiles on scored.cluster_id = profiles.cluster_id
left join {{ ref('cluster_segment_strategies') }} as strategies
    on profiles.base_name = strategies.segment_name
