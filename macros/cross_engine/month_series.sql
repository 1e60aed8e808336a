{% macro month_series(first_month, last_month, column_name) -%}
    {{ return(adapter.dispatch('month_series', 'retail_segments')(
        first_month, last_month, column_name)) }}
{%- endmacro %}

{% macro default__month_series(first_month, last_month, column_name) -%}
    (
        select cast(unnest(generate_series(
            cast({{ first_month }} as timestamp),
            cast({{ last_month }} as timestamp),
            interval 1 month
        )) as date) as {{ column_name }}
    )
{%- endmacro %}

{% macro spark__month_series(first_month, last_month, column_name) -%}
    (
        select explode(sequence(
            cast({{ first_month }} as date),
            cast({{ last_month }} as date),
            interval 1 month
        )) as {{ column_name }}
    )
{%- endmacro %}
