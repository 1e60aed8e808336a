{#- The new-customer prediction cut-off as a SQL date (int_prediction_cutoff: the var
    prediction_cutoff, or the date that makes the training and test sets as large as the
    data allows). Every model used for prediction is fitted before it. -#}
{% macro prediction_cutoff_date() -%}
    (select cutoff_date from {{ ref('int_prediction_cutoff') }})
{%- endmacro %}
