{% macro days_between(start, end) -%}
    cast({{ dbt.datediff(start, end, 'day') }} as bigint)
{%- endmacro %}
