{#- The share of a group's customers with exactly one invoice (frequency 1): a double on
    every engine (Spark's average of decimals keeps only a few digits). -#}
{% macro one_order_share(frequency) -%}
    avg(cast(case when {{ frequency }} = 1 then 1 else 0 end as double))
{%- endmacro %}
