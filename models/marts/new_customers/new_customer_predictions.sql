-- Customers whose horizon is not over yet (first purchase within the last horizon), with
-- their probability of return, predicted value tier and next interest, and the recommended
-- first action for their return outlook (unless the data already shows them back): the
-- list marketing acts on the day after a first purchase.
with

predictions as (

    select * from {{ ref('int_new_customer_predictions') }}

),

actions as (

    select * from {{ ref('new_customer_actions') }}

),

last_day as (

    select cast(max(invoiced_at) as date) as last_date
    from {{ ref('fct_invoices') }}

),

since_first as (

    -- what the data already shows about each newcomer after their first purchase day
    select
        newcomers.customer_id,
        any_value(newcomers.first_purchase_date) as first_purchase_date,
        count(invoices.invoice_no) > 0 as has_returned,
        (select last_day.last_date from last_day)
        - any_value(newcomers.first_purchase_date) as days_since_first_purchase
    from {{ ref('int_prediction_customers') }} as newcomers
    left join {{ ref('fct_invoices') }} as invoices
        on
            newcomers.customer_id = invoices.customer_id
            and cast(invoices.invoiced_at as date) > newcomers.first_purchase_date
    where newcomers.prediction_role = 'newcomer'
    group by newcomers.customer_id

)

select
    cast(predictions.customer_id as varchar) as customer_id,
    cast(predictions.first_purchase_at as timestamp) as first_purchase_at,
    cast(since_first.days_since_first_purchase as integer) as days_since_first_purchase,
    since_first.has_returned,
    cast(predictions.return_probability as double) as return_probability,
    cast(predictions.return_outlook as varchar) as return_outlook,
    case
        when since_first.has_returned
            then 'Already returned: treat as an active customer (see customer_segments)'
        else actions.recommended_first_action
    end as recommended_first_action,
    cast(predictions.predicted_value_tier_id as integer) as predicted_value_tier_id,
    cast(predictions.predicted_value_tier_name as varchar) as predicted_value_tier_name,
    cast(predictions.value_tier_probability as double) as value_tier_probability,
    cast(predictions.predicted_next_interest_id as integer) as predicted_next_interest_id,
    cast(predictions.predicted_next_interest_name as varchar)
        as predicted_next_interest_name,
    cast(predictions.next_interest_probability as double) as next_interest_probability,
    cast(predictions.return_model as varchar) as return_model,
    cast(predictions.value_tier_model as varchar) as value_tier_model,
    cast(predictions.next_interest_model as varchar) as next_interest_model
from predictions
left join actions on predictions.return_outlook = actions.return_outlook
left join since_first on predictions.customer_id = since_first.customer_id
