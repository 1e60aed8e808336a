{% macro iso_weekday(timestamp) -%}
    {{ return(adapter.dispatch('iso_weekday', 'retail_segments')(timestamp)) }}
{%- endmacro %}

{% macro default__iso_weekday(timestamp) -%}
    isodow({{ timestamp }})
{%- endmacro %}

{% macro spark__iso_weekday(timestamp) -%}
    cast(weekday({{ timestamp }}) + 1 as bigint)
{%- endmacro %}
