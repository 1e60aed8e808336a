-- The stored parameters of the chosen clustering (int_segment_model_parameters), published
-- for analysts and for scoring customers elsewhere (the Spark target reads an export of it).
select * from {{ ref('int_segment_model_parameters') }}
