{#- The stored parameters of the chosen clustering that SQL scoring reads: on DuckDB,
    int_segment_model_parameters (published as the mart segment_model_parameters); on Spark,
    the Parquet file named by the var segment_model_parameters (e.g. that mart, exported
    from a DuckDB build). -#}
{% macro segment_parameters_relation() -%}
    {{ return(adapter.dispatch('segment_parameters_relation', 'retail_segments')()) }}
{%- endmacro %}

{% macro default__segment_parameters_relation() -%}
    {{ ref('int_segment_model_parameters') }}
{%- endmacro %}

{% macro spark__segment_parameters_relation() -%}
    {{ source('stored_parameters', 'segment_model_parameters') }}
{%- endmacro %}
