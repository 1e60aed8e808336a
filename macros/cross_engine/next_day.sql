{% macro next_day(date) -%}
    {{ return(adapter.dispatch('next_day', 'retail_segments')(date)) }}
{%- endmacro %}

{% macro default__next_day(date) -%}
    cast({{ date }} + 1 as date)
{%- endmacro %}

{% macro spark__next_day(date) -%}
    date_add({{ date }}, 1)
{%- endmacro %}
