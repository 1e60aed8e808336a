-- Customers whose horizon is not over yet (first purchase within the last horizon), with
-- their probability of return, predicted value tier and next interest, and the recommended
-- first action for their return outlook: the list marketing acts on the day after a first
-- purchase.
with

predictions as (

    select * from {{ ref('int_new_customer_predictions') }}

),

actions as (

    select * from {{ ref('new_customer_actions') }}

)

select
    cast(predictions.customer_id as varchar) as customer_id,
    cast(predictions.first_purchase_at as timestamp) as first_purchase_at,
    cast(predictions.return_probability as double) as return_probability,
    cast(predictions.return_outlook as varchar) as return_outlook,
    actions.recommended_first_action,
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
