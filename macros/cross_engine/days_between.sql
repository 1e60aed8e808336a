{#- Whole days from the date `start` to the date `end`, a BIGINT on every engine (dbt's
    datediff: DuckDB's date_diff, Spark's datediff, which returns an INT). -#}
{% macro days_between(start, end) -%}
    cast({{ dbt.datediff(start, end, 'day') }} as bigint)
{%- endmacro %}
