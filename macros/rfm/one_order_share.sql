{% macro one_order_share(frequency) -%}
    avg(cast(case when {{ frequency }} = 1 then 1 else 0 end as double))
{%- endmacro %}
