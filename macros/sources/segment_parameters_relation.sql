{% macro segment_parameters_relation() -%}
    {{ return(adapter.dispatch('segment_parameters_relation', 'retail_segments')()) }}
{%- endmacro %}

{% macro default__segment_parameters_relation() -%}
    {{ ref('int_segment_model_parameters') }}
{%- endmacro %}

{% macro spark__segment_parameters_relation() -%}
    {{ source('stored_parameters', 'segment_model_parameters') }}
{%- endmacro %}
