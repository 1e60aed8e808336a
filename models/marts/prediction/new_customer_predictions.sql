-- The customers whose first purchase is in the latest window (too new to have a window of
-- behaviour yet) with their predicted segments: the list a marketer acts on for newcomers.
select
    cast(customer_id as varchar) as customer_id,
    cast(first_purchase_at as timestamp) as first_purchase_at,
    cast(predicted_behaviour_segment_id as integer) as predicted_behaviour_segment_id,
    cast(predicted_behaviour_segment_name as varchar) as predicted_behaviour_segment_name,
    cast(behaviour_probability as double) as behaviour_probability,
    cast(behaviour_model as varchar) as behaviour_model,
    cast(predicted_interest_segment_id as integer) as predicted_interest_segment_id,
    cast(predicted_interest_segment_name as varchar) as predicted_interest_segment_name,
    cast(interest_probability as double) as interest_probability,
    cast(interest_model as varchar) as interest_model
from {{ ref('int_new_customer_predictions') }}
