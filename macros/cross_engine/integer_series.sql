{% macro integer_series(first, last) -%}
    {{ return(adapter.dispatch('integer_series', 'retail_segments')(first, last)) }}
{%- endmacro %}

{% macro default__integer_series(first, last) -%}
    unnest(range({{ first }}, ({{ last }}) + 1))
{%- endmacro %}

{% macro spark__integer_series(first, last) -%}
    explode(sequence(cast({{ first }} as bigint), cast({{ last }} as bigint)))
{%- endmacro %}
