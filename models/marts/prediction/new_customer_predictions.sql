-- The customers whose first purchase is in the latest window (too new to have a window of
-- behaviour yet) with their predicted segments: the list a marketer acts on for newcomers.
select
    customer_id,
    cast(first_purchase_at as timestamp) as first_purchase_at,
    cast(predicted_behaviour_segment_id as integer) as predicted_behaviour_segment_id,
    predicted_behaviour_segment_name,
    behaviour_probability,
    behaviour_model,
    cast(predicted_interest_segment_id as integer) as predicted_interest_segment_id,
    predicted_interest_segment_name,
    interest_probability,
    interest_model
from {{ ref('int_new_customer_predictions') }}
