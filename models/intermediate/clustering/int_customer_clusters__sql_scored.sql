-- The behavioural segment of every customer computed in SQL alone, from the parameters
-- in segment_model_parameters (tested against the Python assignment).
{{ assign_rfm_cluster(ref('customer_rfm')) }}
