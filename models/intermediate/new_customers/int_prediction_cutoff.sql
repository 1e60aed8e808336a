-- The new-customer prediction cut-off (one row). Training customers' label horizons close
-- before it, test customers first bought on or after it with their whole horizon observed.
-- The var prediction_cutoff sets it; by default it is the day that makes the smaller of
-- the two sets as large as possible (earliest such day), counted over customers whose
-- first purchase is after the burn-in and whose horizon ends within the data; when no day
-- gives both sets a customer, the day after the data (everything is fitted on all of it).
{%- set horizon = var('prediction_horizon_days') | int %}
{%- set burn_in = var('prediction_burn_in_days') | int %}
with

bounds as (

    select
        cast(min(invoiced_at) as date) as first_date,
        cast(max(invoiced_at) as date) as last_date
    from {{ ref('fct_invoices') }}

),

first_purchases as (

    select cast(min(invoiced_at) as date) as first_purchase_date
    from {{ ref('fct_invoices') }}
    group by customer_id

),

eligible_per_day as (

    select
        first_purchases.first_purchase_date,
        count(*) as customers
    from first_purchases
    cross join bounds
    where
        first_purchases.first_purchase_date >= bounds.first_date + {{ burn_in }}
        and first_purchases.first_purchase_date + {{ horizon }} <= bounds.last_date
    group by first_purchases.first_purchase_date

),

calendar as (

    select
        cast(unnest(generate_series(
            cast(first_date as timestamp), cast(last_date as timestamp), interval 1 day
        )) as date) as day
    from bounds

),

cumulative as (

    select
        calendar.day,
        sum(coalesce(eligible_per_day.customers, 0)) over (
            order by calendar.day rows between unbounded preceding and current row
        ) as first_purchases_to_date
    from calendar
    left join eligible_per_day on calendar.day = eligible_per_day.first_purchase_date

),

candidates as (

    select
        day as cutoff_date,
        -- horizon closes before the cut-off: first purchase on or before day - horizon - 1
        coalesce(lag(first_purchases_to_date, {{ horizon + 1 }}) over (order by day), 0)
            as train_customers,
        max(first_purchases_to_date) over ()
        - coalesce(lag(first_purchases_to_date, 1) over (order by day), 0) as test_customers
    from cumulative

),

best as (

    select
        cutoff_date,
        train_customers,
        test_customers
    from candidates
    order by least(train_customers, test_customers) desc, cutoff_date asc
    limit 1

)

select
    {% if var('prediction_cutoff') -%}
        cast('{{ var("prediction_cutoff") }}' as date) as cutoff_date,
        'var prediction_cutoff' as chosen_by,
    {%- else -%}
        -- too short a history for both sets: every model is fitted on all the data, and
        -- the prediction says it is skipped
        case
            when least(best.train_customers, best.test_customers) > 0 then best.cutoff_date
            else bounds.last_date + 1
        end as cutoff_date,
        'largest smaller set of training and test customers' as chosen_by,
    {%- endif %}
    best.train_customers as balanced_train_customers,
    best.test_customers as balanced_test_customers,
    {{ horizon }} as horizon_days,
    {{ burn_in }} as burn_in_days,
    bounds.first_date,
    bounds.last_date
from bounds
left join best on true
