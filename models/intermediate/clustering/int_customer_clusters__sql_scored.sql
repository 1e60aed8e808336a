{{ config(enabled=target.type != 'spark' or var('segment_model_parameters') != '') }}
-- The behavioural segment of every customer computed in SQL alone, from the parameters
-- in segment_model_parameters (tested against the Python assignment).
{{ assign_rfm_cluster(ref('customer_rfm')) }}
