{% macro regex_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'retail_segments')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_full_match(value, pattern) -%}
    ({{ value }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}
