{% macro prediction_cutoff_date() -%}
    (select cutoff_date from {{ ref('int_prediction_cutoff') }})
{%- endmacro %}
