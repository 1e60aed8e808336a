-- The newcomers whose horizon is not over yet, by return outlook and by whether they are
-- already back: how many, how long since their first order, what to do first, and how
-- often the test customers the model put in that band came back
-- (new_customer_prediction_evaluation).
with

newcomers as (

    select * from {{ ref('new_customer_predictions') }}

),

test_return_rates as (

    select
        model,
        replace(metric, 'return_rate_', '') as return_outlook,
        value as test_return_rate
    from {{ ref('new_customer_prediction_evaluation') }}
    -- measured by the time-split protocol only (a second one would break this mart's grain test)
    where starts_with(metric, 'return_rate_')

),

bands as (

    select
        return_outlook,
        has_returned,
        any_value(return_model) as return_model,
        count(*) as customers,
        median(days_since_first_purchase) as median_days_since_first_purchase,
        any_value(recommended_first_action) as recommended_first_action,
        -- bands in the model's order: likely first (the highest probabilities)
        min(return_probability) as lowest_return_probability
    from newcomers
    group by return_outlook, has_returned

)

select
    bands.return_outlook,
    bands.has_returned,
    cast(
        row_number() over (
            order by bands.has_returned asc, bands.lowest_return_probability desc
        ) as integer
    ) as display_order,
    bands.customers,
    bands.median_days_since_first_purchase,
    bands.recommended_first_action,
    bands.return_model,
    rates.test_return_rate
from bands
left join test_return_rates as rates
    on
        bands.return_model = rates.model
        and bands.return_outlook = rates.return_outlook
order by display_order
