{{ config(enabled=target.type == 'duckdb' or var('segment_model_parameters') != '') }}
-- The behavioural segment of every customer computed in SQL alone, from the stored
-- parameters (segment_parameters_relation: the mart on DuckDB, where it is tested against
-- the Python assignment; on Spark the exported file the var segment_model_parameters names).
{{ assign_rfm_cluster(ref('customer_rfm')) }}
