{% macro average_rank(value, partition_by) -%}
    rank() over (partition by {{ partition_by }} order by {{ value }})
    + (count(*) over (partition by {{ partition_by }}, {{ value }}) - 1) / 2.0
{%- endmacro %}
